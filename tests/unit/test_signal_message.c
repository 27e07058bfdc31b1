/* Unit tests for api/signal_message.c: every client message of
 * docs/protocol.md in its valid form, each field check, and every error code
 * the parser can produce (bad_json, bad_request, unknown_type, too_large,
 * bad_sdp), plus hostile input: oversized frames, deep nesting, duplicate
 * keys, non-object roots, invalid UTF-8 and unterminated buffers. Every error
 * is also rendered with signal_error_json and checked to be valid JSON.
 * Leaks are caught by LeakSanitizer in the sanitizer build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "api/signal_message.h"

/* ---- helpers ------------------------------------------------------------ */

/* Parses len bytes from an exact-size heap copy with no terminator, so ASan
 * reports any read past the frame. */
static int parse_n(struct signal_message *m, const char *text, size_t len,
		   struct signal_error *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = signal_message_parse(m, copy, len, err);
	free(copy);
	return rc;
}

/* Checks signal_error_json renders err as {"type":"error",code,message[,ref]}. */
static void check_error_json(const struct signal_error *err)
{
	char *s = signal_error_json(err);
	json_error_t jerr;
	json_t *j;

	assert_non_null(s);
	j = json_loads(s, 0, &jerr);
	assert_non_null(j);
	assert_true(json_is_object(j));
	assert_string_equal(json_string_value(json_object_get(j, "type")), "error");
	assert_string_equal(json_string_value(json_object_get(j, "code")), err->code);
	assert_string_equal(json_string_value(json_object_get(j, "message")), err->message);
	if (err->ref)
		assert_string_equal(json_string_value(json_object_get(j, "ref")), err->ref);
	else
		assert_null(json_object_get(j, "ref"));
	json_decref(j);
	g_free(s);
}

/* Parses a valid message; the caller releases it. */
static void expect_ok_n(struct signal_message *m, const char *text, size_t len)
{
	struct signal_error err = { 0 };
	int rc = parse_n(m, text, len, &err);

	if (rc != 0)
		fail_msg("refused %.*s: %s %s", (int)(len > 200 ? 200 : len), text,
			 err.code ? err.code : "(null)", err.message);
	assert_non_null(m->root);
}

static void expect_ok(struct signal_message *m, const char *text)
{
	expect_ok_n(m, text, strlen(text));
}

/* Parses an invalid message and checks the code and ref (NULL: none). */
static void expect_error_n(const char *text, size_t len, const char *code, const char *ref)
{
	struct signal_message m;
	struct signal_error err = { 0 };
	int rc;

	memset(&m, 0xa5, sizeof(m));
	rc = parse_n(&m, text, len, &err);
	if (rc == 0) {
		signal_message_release(&m);
		fail_msg("accepted %.*s, wanted %s", (int)(len > 200 ? 200 : len), text, code);
	}
	assert_int_equal(rc, -EINVAL);
	assert_non_null(err.code);
	if (strcmp(err.code, code) != 0)
		fail_msg("%.*s: got %s (%s), wanted %s", (int)(len > 200 ? 200 : len), text,
			 err.code, err.message, code);
	if (ref) {
		assert_non_null(err.ref);
		assert_string_equal(err.ref, ref);
	} else {
		assert_null(err.ref);
	}
	assert_true(strlen(err.message) > 0);
	assert_true(g_utf8_validate(err.message, -1, NULL));
	/* Nothing is left to release after a refusal, and releasing is harmless. */
	assert_null(m.root);
	signal_message_release(&m);
	check_error_json(&err);
}

static void expect_error(const char *text, const char *code, const char *ref)
{
	expect_error_n(text, strlen(text), code, ref);
}

/* "xxx...x" of n characters. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* ---- join ----------------------------------------------------------------- */

static void test_join_valid(void **state)
{
	struct signal_message m;

	expect_ok(&m, "{\"type\":\"join\",\"room\":\"Team_room-1.a\",\"name\":\"Ana\",\"token\":\"t0k\"}");
	assert_int_equal(m.type, SIGNAL_JOIN);
	assert_string_equal(m.room, "Team_room-1.a");
	assert_string_equal(m.name, "Ana");
	assert_non_null(m.token);
	assert_string_equal(m.token, "t0k");
	signal_message_release(&m);
	assert_null(m.root);
	signal_message_release(&m); /* twice is harmless */
}

static void test_join_optional_token(void **state)
{
	struct signal_message m;

	/* No token, or a null one: no token. */
	expect_ok(&m, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\"}");
	assert_int_equal(m.type, SIGNAL_JOIN);
	assert_string_equal(m.room, "r");
	assert_string_equal(m.name, "n");
	assert_null(m.token);
	signal_message_release(&m);

	expect_ok(&m, "{\"room\":\"r\",\"name\":\"n\",\"token\":null,\"type\":\"join\"}");
	assert_null(m.token);
	signal_message_release(&m);

	/* An empty token is still a token. */
	expect_ok(&m, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"token\":\"\"}");
	assert_non_null(m.token);
	assert_string_equal(m.token, "");
	signal_message_release(&m);

	/* A token with a NUL inside is refused, not taken for no token. */
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"token\":\"a\\u0000b\"}",
		     "bad_request", "join");

	/* Whitespace around the JSON is fine. */
	expect_ok(&m, " \n\t{ \"type\" : \"join\" , \"room\" : \"r\" , \"name\" : \"n\" } \r\n");
	assert_string_equal(m.room, "r");
	signal_message_release(&m);
}

/* The name is a required, non-empty string. */
static void test_join_name_required(void **state)
{
	expect_error("{\"type\":\"join\",\"room\":\"r\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":\"\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":null}", "bad_request", "join");
}

static void test_join_room_charset(void **state)
{
	static const char *const bad[] = {
		"",  "a b", "a/b", "../x", "a:b", "caf\\u00e9", "a\\tb", "a\\\\b", "<r>", "r%20", "a+b",
	};
	struct signal_message m;
	char msg[256];

	expect_ok(&m, "{\"type\":\"join\",\"room\":\"AZaz09_-.\",\"name\":\"n\"}");
	assert_string_equal(m.room, "AZaz09_-.");
	signal_message_release(&m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"n\"}", bad[i]);
		expect_error(msg, "bad_request", "join");
	}
	/* Missing, or not a string. */
	expect_error("{\"type\":\"join\",\"name\":\"n\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":null,\"name\":\"n\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":7,\"name\":\"n\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":[\"r\"],\"name\":\"n\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":{\"name\":\"r\"},\"name\":\"n\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":true,\"name\":\"n\"}", "bad_request", "join");
}

static void test_join_room_length(void **state)
{
	struct signal_message m;
	char *r64 = repeat('r', 64), *r65 = repeat('r', 65);
	char msg[256];

	snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"n\"}", r64);
	expect_ok(&m, msg);
	assert_int_equal(strlen(m.room), 64);
	assert_string_equal(m.room, r64);
	signal_message_release(&m);
	snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"n\"}", r65);
	expect_error(msg, "bad_request", "join");

	assert_true(signal_room_name_valid(r64));
	assert_false(signal_room_name_valid(r65));
	assert_true(signal_room_name_valid("a"));
	assert_false(signal_room_name_valid(""));
	assert_false(signal_room_name_valid("a b"));
	assert_false(signal_room_name_valid("caf\xc3\xa9"));
	free(r64);
	free(r65);
}

static void test_join_name(void **state)
{
	struct signal_message m;
	char *n64 = repeat('n', 64), *n65 = repeat('n', 65);
	char msg[512];
	GString *utf8 = g_string_new(NULL);

	snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"r\",\"name\":\"%s\"}", n64);
	expect_ok(&m, msg);
	assert_string_equal(m.name, n64);
	signal_message_release(&m);
	snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"r\",\"name\":\"%s\"}", n65);
	expect_error(msg, "bad_request", "join");

	/* UTF-8 names are kept as sent: 32 x U+00E9 is 64 bytes. */
	for (int i = 0; i < 32; i++)
		g_string_append(utf8, "\xc3\xa9");
	snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"r\",\"name\":\"%s\"}", utf8->str);
	expect_ok(&m, msg);
	assert_string_equal(m.name, utf8->str);
	signal_message_release(&m);
	/* The same name as \u escapes decodes to the same bytes. */
	expect_ok(&m, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"Z\\u00fcrich \\ud83d\\ude00\"}");
	assert_string_equal(m.name, "Z\xc3\xbcrich \xf0\x9f\x98\x80");
	signal_message_release(&m);

	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":5}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":[]}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":{}}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":false}", "bad_request", "join");
	g_string_free(utf8, TRUE);
	free(n64);
	free(n65);
}

static void test_join_token(void **state)
{
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"token\":5}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"token\":{}}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"token\":true}", "bad_request", "join");
}

/* ---- answer --------------------------------------------------------------- */

static void test_answer(void **state)
{
	struct signal_message m;

	expect_ok(&m, "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 0.0.0.0\\r\\n\"}");
	assert_int_equal(m.type, SIGNAL_ANSWER);
	assert_non_null(m.sdp);
	assert_string_equal(m.sdp, "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n");
	signal_message_release(&m);

	expect_error("{\"type\":\"answer\"}", "bad_request", "answer");
	expect_error("{\"type\":\"answer\",\"sdp\":\"\"}", "bad_request", "answer");
	expect_error("{\"type\":\"answer\",\"sdp\":null}", "bad_request", "answer");
	expect_error("{\"type\":\"answer\",\"sdp\":42}", "bad_request", "answer");
	expect_error("{\"type\":\"answer\",\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}",
		     "bad_request", "answer");
	expect_error("{\"type\":\"answer\",\"sdp\":[\"v=0\"]}", "bad_request", "answer");
}

/* An sdp holding a NUL (a legal \u0000 escape in JSON) is a bad SDP, not bad
 * JSON: docs/protocol.md keeps bad_json for text that is not JSON. */
static void test_answer_sdp_with_nul(void **state)
{
	expect_error("{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\\u0000a=x\\r\\n\"}", "bad_sdp",
		     "answer");
	expect_error("{\"type\":\"answer\",\"sdp\":\"\\u0000\"}", "bad_sdp", "answer");
}

/* ---- candidate ------------------------------------------------------------ */

static void test_candidate(void **state)
{
	static const char line[] =
		"candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host generation 0";
	struct signal_message m;
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"%s\",\"sdpMid\":\"0\","
		 "\"sdpMLineIndex\":0}}", line);
	expect_ok(&m, msg);
	assert_int_equal(m.type, SIGNAL_CANDIDATE);
	assert_non_null(m.candidate);
	assert_string_equal(m.candidate, line);
	signal_message_release(&m);

	/* Optional sdpMid/sdpMLineIndex may be null or absent. */
	snprintf(msg, sizeof(msg),
		 "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"%s\",\"sdpMid\":null}}", line);
	expect_ok(&m, msg);
	assert_string_equal(m.candidate, line);
	signal_message_release(&m);
}

static void test_candidate_end(void **state)
{
	struct signal_message m;

	/* null, or an empty candidate string, means end of candidates. */
	expect_ok(&m, "{\"type\":\"candidate\",\"candidate\":null}");
	assert_int_equal(m.type, SIGNAL_CANDIDATE);
	assert_null(m.candidate);
	signal_message_release(&m);

	expect_ok(&m, "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"\",\"sdpMid\":\"0\"}}");
	assert_int_equal(m.type, SIGNAL_CANDIDATE);
	assert_null(m.candidate);
	signal_message_release(&m);
}

static void test_candidate_bad(void **state)
{
	/* The field is an object or null; a bare string is refused. */
	expect_error("{\"type\":\"candidate\",\"candidate\":\"\"}", "bad_request", "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 udp 1 192.0.2.1 1 typ host\"}",
		     "bad_request", "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":5}", "bad_request", "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":[]}", "bad_request", "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":false}", "bad_request", "candidate");
	/* Inside the object, candidate is a string. */
	expect_error("{\"type\":\"candidate\",\"candidate\":{}}", "bad_request", "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":{\"candidate\":null}}", "bad_request",
		     "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":{\"candidate\":7}}", "bad_request",
		     "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":{\"candidate\":{}}}", "bad_request",
		     "candidate");
	expect_error("{\"type\":\"candidate\",\"candidate\":{\"candidate\":[\"a\"]}}", "bad_request",
		     "candidate");
}

static void test_candidate_length(void **state)
{
	struct signal_message m;
	char *c512 = repeat('c', 512), *c513 = repeat('c', 513);
	char msg[700];

	snprintf(msg, sizeof(msg), "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"%s\"}}", c512);
	expect_ok(&m, msg);
	assert_string_equal(m.candidate, c512);
	signal_message_release(&m);
	snprintf(msg, sizeof(msg), "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"%s\"}}", c513);
	expect_error(msg, "bad_request", "candidate");
	free(c512);
	free(c513);
}

/* A candidate line with a NUL in it (valid JSON) is a bad field. */
static void test_candidate_with_nul(void **state)
{
	expect_error("{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1\\u0000x\"}}",
		     "bad_request", "candidate");
}

/* ---- mute / leave ----------------------------------------------------------- */

static void test_mute(void **state)
{
	struct signal_message m;

	expect_ok(&m, "{\"type\":\"mute\",\"kind\":\"audio\",\"muted\":true}");
	assert_int_equal(m.type, SIGNAL_MUTE);
	assert_false(m.video);
	assert_true(m.muted);
	signal_message_release(&m);

	expect_ok(&m, "{\"type\":\"mute\",\"kind\":\"video\",\"muted\":false}");
	assert_int_equal(m.type, SIGNAL_MUTE);
	assert_true(m.video);
	assert_false(m.muted);
	signal_message_release(&m);

	expect_ok(&m, "{\"muted\":true,\"kind\":\"video\",\"type\":\"mute\"}");
	assert_true(m.video);
	assert_true(m.muted);
	signal_message_release(&m);
}

static void test_mute_bad(void **state)
{
	/* kind */
	expect_error("{\"type\":\"mute\",\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"\",\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"Audio\",\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"screen\",\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"videos\",\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"v\",\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":1,\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":null,\"muted\":true}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":[\"audio\"],\"muted\":true}", "bad_request", "mute");
	/* muted */
	expect_error("{\"type\":\"mute\",\"kind\":\"audio\"}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"audio\",\"muted\":\"true\"}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"audio\",\"muted\":1}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"audio\",\"muted\":0}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"audio\",\"muted\":null}", "bad_request", "mute");
	expect_error("{\"type\":\"mute\",\"kind\":\"video\",\"muted\":[true]}", "bad_request", "mute");
}

static void test_leave(void **state)
{
	struct signal_message m;

	expect_ok(&m, "{\"type\":\"leave\"}");
	assert_int_equal(m.type, SIGNAL_LEAVE);
	signal_message_release(&m);
}

/* ---- envelope errors ---------------------------------------------------- */

static void test_bad_json(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"{",
		"}",
		"{\"type\":\"leave\"",
		"{\"type\":\"leave\",}",
		"{'type':'leave'}",
		"{type:\"leave\"}",
		"{\"type\":\"leave\"} {\"type\":\"leave\"}",
		"{\"type\":\"leave\"}x",
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\nb\"}", /* raw control char */
		"{\"type\":\"leave\",\"x\":NaN}",
		"{\"type\":\"leave\",\"x\":01}",
		"{\"type\":\"leave\",\"x\":\"\\q\"}",
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\\ud800\"}", /* lone surrogate */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], "bad_json", NULL);
}

static void test_non_object_roots(void **state)
{
	static const char *const roots[] = {
		"[]", "[{\"type\":\"leave\"}]", "\"leave\"", "42", "-1.5", "true", "false", "null",
		"{}",
	};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		expect_error(roots[i], "bad_json", NULL);
}

static void test_type_missing_or_not_string(void **state)
{
	expect_error("{\"room\":\"r\"}", "bad_json", NULL);
	expect_error("{\"type\":null}", "bad_json", NULL);
	expect_error("{\"type\":1}", "bad_json", NULL);
	expect_error("{\"type\":true}", "bad_json", NULL);
	expect_error("{\"type\":[\"join\"]}", "bad_json", NULL);
	expect_error("{\"type\":{\"type\":\"join\"}}", "bad_json", NULL);
	expect_error("{\"Type\":\"leave\"}", "bad_json", NULL);
}

static void test_unknown_type(void **state)
{
	static const char *const types[] = {
		"", "offer", "Join", "LEAVE", "join ", " join", "joined", "bye", "error", "muted",
		"candidates", "leav",
	};
	char msg[128];
	struct signal_error err = { 0 };
	struct signal_message m;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(msg, sizeof(msg), "{\"type\":\"%s\",\"room\":\"r\"}", types[i]);
		assert_int_equal(parse_n(&m, msg, strlen(msg), &err), -EINVAL);
		assert_string_equal(err.code, "unknown_type");
		assert_string_equal(err.ref, types[i]);
		assert_null(m.root);
		check_error_json(&err);
	}
}

/* A NUL inside a JSON string (legal \u0000) must not truncate the value into
 * something else: "join\u0000x" is not join, "r\u0000../x" is not room "r". */
static void test_nul_does_not_truncate(void **state)
{
	expect_error("{\"type\":\"join\\u0000x\",\"room\":\"r\"}", "unknown_type", NULL);
	expect_error("{\"type\":\"join\",\"room\":\"r\\u0000 x\",\"name\":\"n\"}", "bad_request", "join");
	expect_error("{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\\u0000b\"}", "bad_request", "join");
}

static void test_duplicate_keys(void **state)
{
	expect_error("{\"type\":\"join\",\"type\":\"leave\"}", "bad_json", NULL);
	expect_error("{\"type\":\"leave\",\"type\":\"leave\"}", "bad_json", NULL);
	expect_error("{\"type\":\"join\",\"room\":\"a\",\"room\":\"b\"}", "bad_json", NULL);
	expect_error("{\"type\":\"mute\",\"kind\":\"audio\",\"muted\":true,\"muted\":false}",
		     "bad_json", NULL);
	expect_error("{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"a\",\"candidate\":\"b\"}}",
		     "bad_json", NULL);
}

static void test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\xff\"}",
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\xc3\"}",         /* truncated */
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\xc0\xaf\"}",     /* overlong '/' */
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\xed\xa0\x80\"}", /* surrogate */
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\xf4\x90\x80\x80\"}", /* > U+10FFFF */
		"{\"type\":\"answer\",\"sdp\":\"v=0\xfe\"}",
		"{\"type\":\"le\xc3\x28ve\"}",
		"{\"type\":\"leave\",\"\x80\":1}",
		"{\"type\":\"leave\"}\xc3", /* trailing partial sequence */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], "bad_json", NULL);
}

/* The parser reads exactly len bytes: no terminator needed, and bytes past
 * len are not part of the message. */
static void test_length_is_respected(void **state)
{
	static const char text[] = "{\"type\":\"leave\"}{\"type\":\"join\"}";
	struct signal_message m;

	expect_ok_n(&m, text, 16);
	assert_int_equal(m.type, SIGNAL_LEAVE);
	signal_message_release(&m);
	expect_error_n(text, 15, "bad_json", NULL);
	expect_error_n(text, sizeof(text) - 1, "bad_json", NULL);
	/* An embedded raw NUL byte ends nothing early and is not JSON. */
	expect_error_n("{\"type\":\"leave\"}\0", 17, "bad_json", NULL);
	expect_error_n("{\"type\":\"le\0ave\"}", 17, "bad_json", NULL);
}

/* ---- size and depth limits -------------------------------------------- */

/* An answer whose frame is exactly total bytes long. */
static char *answer_of_size(size_t total)
{
	static const char head[] = "{\"type\":\"answer\",\"sdp\":\"", tail[] = "\"}";
	size_t fixed = sizeof(head) - 1 + sizeof(tail) - 1;
	char *s = malloc(total + 1);

	assert_true(total > fixed);
	assert_non_null(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', total - fixed);
	memcpy(s + total - (sizeof(tail) - 1), tail, sizeof(tail));
	return s;
}

static void test_size_limit(void **state)
{
	struct signal_message m;
	char *max = answer_of_size(SIGNAL_MAX_MESSAGE), *over = answer_of_size(SIGNAL_MAX_MESSAGE + 1);
	char *big = answer_of_size(SIGNAL_MAX_MESSAGE * 4);

	assert_int_equal(SIGNAL_MAX_MESSAGE, 64 * 1024);
	expect_ok_n(&m, max, SIGNAL_MAX_MESSAGE);
	assert_int_equal(m.type, SIGNAL_ANSWER);
	assert_int_equal(strlen(m.sdp), SIGNAL_MAX_MESSAGE - 26);
	signal_message_release(&m);
	expect_error_n(over, SIGNAL_MAX_MESSAGE + 1, "too_large", NULL);
	expect_error_n(big, SIGNAL_MAX_MESSAGE * 4, "too_large", NULL);
	/* Size is checked before syntax: oversized garbage is too_large too. */
	memset(big, '[', SIGNAL_MAX_MESSAGE + 1);
	expect_error_n(big, SIGNAL_MAX_MESSAGE + 1, "too_large", NULL);
	free(max);
	free(over);
	free(big);
}

/* {"type":"leave","x": + depth arrays + "}": refused or accepted, never a crash. */
static char *nested(size_t depth, size_t *len)
{
	static const char head[] = "{\"type\":\"leave\",\"x\":";
	size_t n = sizeof(head) - 1 + 2 * depth + 1;
	char *s = malloc(n + 1);
	size_t k = sizeof(head) - 1;

	assert_non_null(s);
	memcpy(s, head, k);
	memset(s + k, '[', depth);
	memset(s + k + depth, ']', depth);
	s[n - 1] = '}';
	s[n] = 0;
	*len = n;
	return s;
}

static void test_deep_nesting(void **state)
{
	struct signal_message m;
	size_t len;
	char *s;

	/* Moderate nesting in a field the server ignores is fine. */
	s = nested(32, &len);
	expect_ok_n(&m, s, len);
	assert_int_equal(m.type, SIGNAL_LEAVE);
	signal_message_release(&m);
	free(s);

	/* Deep nesting within the size limit is refused as bad JSON, not a stack overflow. */
	s = nested(30000, &len);
	assert_true(len <= SIGNAL_MAX_MESSAGE);
	expect_error_n(s, len, "bad_json", NULL);
	free(s);

	/* Unbalanced deep nesting too. */
	s = repeat('{', SIGNAL_MAX_MESSAGE);
	memset(s, '[', SIGNAL_MAX_MESSAGE / 2);
	expect_error_n(s, SIGNAL_MAX_MESSAGE, "bad_json", NULL);
	free(s);
}

/* ---- signal_error_json ------------------------------------------------- */

static void test_error_json_with_ref(void **state)
{
	struct signal_error err = { .code = "bad_request", .ref = "mute" };
	char *s;
	json_t *j;

	g_strlcpy(err.message, "kind must be \"audio\" or \"video\"\\ \n\t\x01 caf\xc3\xa9",
		  sizeof(err.message));
	check_error_json(&err);

	/* Exactly these four fields. */
	s = signal_error_json(&err);
	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 4);
	assert_string_equal(json_string_value(json_object_get(j, "ref")), "mute");
	json_decref(j);
	g_free(s);
}

static void test_error_json_without_ref(void **state)
{
	struct signal_error err = { .code = "too_large", .ref = NULL };
	char *s;
	json_t *j;

	g_strlcpy(err.message, "message over 65536 bytes", sizeof(err.message));
	check_error_json(&err);
	s = signal_error_json(&err);
	assert_non_null(s);
	assert_null(strchr(s, '\n')); /* one compact line */
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 3);
	assert_null(json_object_get(j, "ref"));
	json_decref(j);
	g_free(s);

	/* A full-length message buffer. */
	memset(err.message, 'm', sizeof(err.message) - 1);
	err.message[sizeof(err.message) - 1] = 0;
	check_error_json(&err);
}

/* Whatever the parser puts in a refusal renders as valid JSON, including
 * jansson's own error texts that quote the offending input. */
static void test_error_json_from_parser(void **state)
{
	static const char *const inputs[] = {
		"{\"type\":\"join\",\"room\":\"r\",\"name\":\"\x01\xc3\xa9\xc3\xa9\"}",
		"{\"type\":\"join\",\"room\":\""
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\x01\"}",
		"{\"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
		"{\"type\":\"leave\",\"x\":\"\\u12\"}",
		"{\"type\":\"leave\",\"x\":tru}",
		"{\"type\":\"leave\",\"x\":\"\\\"\\\\\"",
		/* A bad escape before a multibyte character: jansson's "near" text
		 * ends inside the character (found by fuzz_signal). */
		"{\"type\":\"\\\xc3\xa9\"}",
		"{\"type\":\"join\",\"name\":\"\\\xe2\x82\xac\"}",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		expect_error(inputs[i], "bad_json", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_valid),
		cmocka_unit_test(test_join_optional_token),
		cmocka_unit_test(test_join_name_required),
		cmocka_unit_test(test_join_room_charset),
		cmocka_unit_test(test_join_room_length),
		cmocka_unit_test(test_join_name),
		cmocka_unit_test(test_join_token),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_answer_sdp_with_nul),
		cmocka_unit_test(test_candidate),
		cmocka_unit_test(test_candidate_end),
		cmocka_unit_test(test_candidate_bad),
		cmocka_unit_test(test_candidate_length),
		cmocka_unit_test(test_candidate_with_nul),
		cmocka_unit_test(test_mute),
		cmocka_unit_test(test_mute_bad),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_non_object_roots),
		cmocka_unit_test(test_type_missing_or_not_string),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_nul_does_not_truncate),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_length_is_respected),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_error_json_with_ref),
		cmocka_unit_test(test_error_json_without_ref),
		cmocka_unit_test(test_error_json_from_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
