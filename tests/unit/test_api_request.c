/* Unit tests for api/api_request.c: room names (characters, lengths 0, 1,
 * 64, 65, embedded NUL, non-ASCII), room settings for create and patch
 * (every field at and past its bounds, wrong types, null clearing pin and
 * sip_number, unknown fields, name required on create and frozen on patch,
 * a refusal leaving the struct untouched), the JSON written back and its
 * round trip. Token requests and mute bodies are in
 * test_api_request_bodies.c. Every refusal must return -EINVAL with a
 * message that names the field. Leaks are caught by LeakSanitizer in the
 * sanitizer build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_request.h"

#define SERVER_MAX 50
#define NOW 1700000000

/* ---- helpers ------------------------------------------------------------ */

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!j)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	return j;
}

/* n copies of c. */
static char *repeat(char c, size_t n)
{
	char *s = g_malloc(n + 1);

	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* Field by field: struct copies need not keep padding bytes. */
static void assert_settings_equal(const struct room_settings *a, const struct room_settings *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->max_participants, b->max_participants);
	assert_string_equal(a->pin, b->pin);
	assert_string_equal(a->sip_number, b->sip_number);
	assert_int_equal(a->require_token, b->require_token);
	assert_int_equal(a->empty_timeout_s, b->empty_timeout_s);
	assert_int_equal(a->created_at, b->created_at);
}

/* A valid room as the server would hold it, for patch tests. */
static struct room_settings stored_room(void)
{
	struct room_settings s;

	memset(&s, 0, sizeof(s));
	g_strlcpy(s.name, "team-1", sizeof(s.name));
	s.max_participants = 10;
	g_strlcpy(s.pin, "123456", sizeof(s.pin));
	g_strlcpy(s.sip_number, "+4930123", sizeof(s.sip_number));
	s.require_token = true;
	s.empty_timeout_s = 300;
	s.created_at = NOW;
	return s;
}

static int settings(struct room_settings *s, json_t *body, bool create, char *err, size_t errlen)
{
	return api_parse_room_settings(s, body, create, SERVER_MAX, err, errlen);
}

/* Parses text into s; must succeed. */
static void settings_ok(struct room_settings *s, const char *text, bool create)
{
	json_t *j = load(text);
	char err[160] = "";

	if (settings(s, j, create, err, sizeof(err)) != 0)
		fail_msg("refused %s: %s", text, err);
	json_decref(j);
}

/* Parses j (stolen) into s; must fail with -EINVAL, leave s unchanged and
 * give a message containing want. */
static void settings_refused_j(const struct room_settings *start, json_t *j, bool create,
			       const char *want)
{
	struct room_settings s = *start;
	char err[160] = "";
	int rc = settings(&s, j, create, err, sizeof(err));

	if (rc == 0) {
		char *t = json_dumps(j, JSON_ENCODE_ANY);
		fail_msg("accepted %s (%s)", t, create ? "create" : "patch");
	}
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err, want))
		fail_msg("message \"%s\" does not mention \"%s\"", err, want);
	assert_settings_equal(&s, start);
	json_decref(j);
}

static void settings_refused(const struct room_settings *start, const char *text, bool create,
			     const char *want)
{
	settings_refused_j(start, load(text), create, want);
}

static const struct room_settings empty_room;

/* ---- room names --------------------------------------------------------- */

static void test_room_name_valid(void **state)
{
	char *max = repeat('a', 64);

	assert_true(api_room_name_valid("a"));
	assert_true(api_room_name_valid("Z"));
	assert_true(api_room_name_valid("0"));
	assert_true(api_room_name_valid("Team_room-1.a"));
	assert_true(api_room_name_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
	assert_true(api_room_name_valid("._-"));
	assert_true(api_room_name_valid(max));
	g_free(max);
}

static void test_room_name_invalid(void **state)
{
	static const char *const bad[] = {
		"", " ", "a b", "a/b", "a\\b", "a?b", "a#b", "a%20b", "a+b", "a:b", "a@b",
		"a\tb", "a\nb", "\"", "<a>", "~a", "a*", "a,b", "a;b", "a=b", "a&b",
		"caf\xc3\xa9",          /* é */
		"\xe2\x82\xac",         /* € */
		"a\xff", "\x80",        /* not UTF-8 */
		"\xef\xbc\xa1",         /* fullwidth A */
		"\xd9\xa1",             /* Arabic-Indic digit one */
		".", "..", "...",         /* path segments in /api/v1/rooms/{name} */
	};
	char *over = repeat('a', 65);
	char *long_ = repeat('b', 1000);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		if (api_room_name_valid(bad[i]))
			fail_msg("accepted room name \"%s\"", bad[i]);
	assert_false(api_room_name_valid(over));
	assert_false(api_room_name_valid(long_));
	g_free(over);
	g_free(long_);
}

/* A C string stops at NUL; the JSON parsers must not let a NUL cut a name
 * short (checked in the settings and token tests below). */
static void test_room_name_nul(void **state)
{
	char buf[] = { 'a', 'b', 0, ' ', 'c', 0 };

	assert_true(api_room_name_valid(buf)); /* only "ab" is seen */
	assert_false(api_room_name_valid(buf + 2));
}

/* ---- room settings: create ---------------------------------------------- */

static void test_create_minimal(void **state)
{
	struct room_settings s = empty_room;

	settings_ok(&s, "{\"name\":\"r\"}", true);
	assert_string_equal(s.name, "r");
	assert_int_equal(s.max_participants, 0);
	assert_string_equal(s.pin, "");
	assert_string_equal(s.sip_number, "");
	assert_false(s.require_token);
	assert_int_equal(s.empty_timeout_s, 0);
	assert_int_equal(s.created_at, 0);
}

static void test_create_every_field(void **state)
{
	struct room_settings s = empty_room;

	settings_ok(&s,
		    "{\"name\":\"Board.room_2-b\",\"max_participants\":7,\"pin\":\"0042\","
		    "\"sip_number\":\"+15551234567\",\"require_token\":true,\"empty_timeout_s\":600}",
		    true);
	assert_string_equal(s.name, "Board.room_2-b");
	assert_int_equal(s.max_participants, 7);
	assert_string_equal(s.pin, "0042");
	assert_string_equal(s.sip_number, "+15551234567");
	assert_true(s.require_token);
	assert_int_equal(s.empty_timeout_s, 600);

	/* Field order does not matter; false is kept as false. */
	s = empty_room;
	s.require_token = true;
	settings_ok(&s, "{\"require_token\":false,\"sip_number\":\"100\",\"name\":\"x\"}", true);
	assert_string_equal(s.name, "x");
	assert_false(s.require_token);
	assert_string_equal(s.sip_number, "100");
}

static void test_create_name_required(void **state)
{
	settings_refused(&empty_room, "{}", true, "name");
	settings_refused(&empty_room, "{\"max_participants\":3}", true, "name");
	settings_refused(&empty_room, "{\"pin\":\"1234\",\"require_token\":true}", true, "name");
	/* Case matters. */
	settings_refused(&empty_room, "{\"Name\":\"r\"}", true, "name");
}

static void test_create_name_invalid(void **state)
{
	static const char *const bad[] = {
		"{\"name\":\"\"}", "{\"name\":\"a b\"}", "{\"name\":\"a/b\"}",
		"{\"name\":\"caf\\u00e9\"}", "{\"name\":\"\\u20ac\"}", "{\"name\":\"a\\nb\"}",
		"{\"name\":null}", "{\"name\":1}", "{\"name\":true}", "{\"name\":[\"r\"]}",
		"{\"name\":{\"r\":1}}", "{\"name\":1.5}",
	};
	struct room_settings s = empty_room;
	char *name64 = repeat('n', 64), *name65 = repeat('n', 65);
	char *text;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		settings_refused(&empty_room, bad[i], true, "name");

	/* Lengths 1, 64 pass; 65 is refused. */
	text = g_strdup_printf("{\"name\":\"%s\"}", name64);
	settings_ok(&s, text, true);
	assert_string_equal(s.name, name64);
	g_free(text);
	text = g_strdup_printf("{\"name\":\"%s\"}", name65);
	settings_refused(&empty_room, text, true, "name");
	g_free(text);
	g_free(name64);
	g_free(name65);

	/* An embedded NUL must not cut "ab\0/../x" down to "ab". */
	settings_refused_j(&empty_room, json_pack("{s:o}", "name", json_stringn("ab\0cd", 5)), true,
			   "name");
	settings_refused_j(&empty_room, json_pack("{s:o}", "name", json_stringn("ab\0", 3)), true,
			   "name");
}

static void test_max_participants(void **state)
{
	struct room_settings s = empty_room;
	static const char *const bad[] = {
		"-1", "51", "2147483648", "4294967297", "-4294967295", "9223372036854775807",
		"1.0", "1.5", "\"5\"", "true", "null", "[5]", "{}",
	};

	settings_ok(&s, "{\"name\":\"r\",\"max_participants\":1}", true);
	assert_int_equal(s.max_participants, 1);
	/* 0 hands the limit back to the server's max_participants. */
	settings_ok(&s, "{\"name\":\"r\",\"max_participants\":0}", true);
	assert_int_equal(s.max_participants, 0);
	settings_ok(&s, "{\"name\":\"r\",\"max_participants\":50}", true);
	assert_int_equal(s.max_participants, SERVER_MAX);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *text = g_strdup_printf("{\"name\":\"r\",\"max_participants\":%s}", bad[i]);
		settings_refused(&empty_room, text, true, "max_participants");
		g_free(text);
	}

	/* The bound is the server's. */
	json_t *j = load("{\"name\":\"r\",\"max_participants\":51}");
	char err[160];
	assert_int_equal(api_parse_room_settings(&s, j, true, 51, err, sizeof(err)), 0);
	assert_int_equal(s.max_participants, 51);
	assert_int_equal(api_parse_room_settings(&s, j, true, 1, err, sizeof(err)), -EINVAL);
	json_decref(j);
}

static void test_pin(void **state)
{
	struct room_settings s = empty_room;
	static const char *const bad[] = {
		"\"123\"", "\"12345678901234567\"", "\"12a4\"", "\" 1234\"", "\"1234 \"",
		"\"+1234\"", "\"-1234\"", "\"12.34\"", "\"\\u0661\\u0662\\u0663\\u0664\"",
		"\"\\uff11\\uff12\\uff13\\uff14\"", "1234", "true", "[\"1234\"]", "{}", "12.5",
	};

	settings_ok(&s, "{\"name\":\"r\",\"pin\":\"1234\"}", true);
	assert_string_equal(s.pin, "1234");
	settings_ok(&s, "{\"name\":\"r\",\"pin\":\"0000000000000000\"}", true);
	assert_string_equal(s.pin, "0000000000000000");
	settings_ok(&s, "{\"name\":\"r\",\"pin\":\"\"}", true);
	assert_string_equal(s.pin, "");
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *text = g_strdup_printf("{\"name\":\"r\",\"pin\":%s}", bad[i]);
		settings_refused(&empty_room, text, true, "pin");
		g_free(text);
	}
	/* NUL inside: "1234\05678" must not become "1234". */
	settings_refused_j(&empty_room,
			   json_pack("{s:s, s:o}", "name", "r", "pin", json_stringn("1234\0005678", 9)),
			   true, "pin");
	settings_refused_j(&empty_room,
			   json_pack("{s:s, s:o}", "name", "r", "pin", json_stringn("\0", 1)), true, "pin");
}

static void test_sip_number(void **state)
{
	struct room_settings s = empty_room;
	char *d31 = repeat('9', 31), *d32 = repeat('9', 32);
	char *text;
	static const char *const bad[] = {
		"\"+\"", "\"++1\"", "\"1+2\"", "\"1 2\"", "\"+1-555\"", "\"(555)\"", "\"sip:100\"",
		"\"100@example.com\"", "\"\\u0661\"", "100", "true", "[]", "{}",
	};

	settings_ok(&s, "{\"name\":\"r\",\"sip_number\":\"1\"}", true);
	assert_string_equal(s.sip_number, "1");
	settings_ok(&s, "{\"name\":\"r\",\"sip_number\":\"+1\"}", true);
	assert_string_equal(s.sip_number, "+1");
	settings_ok(&s, "{\"name\":\"r\",\"sip_number\":\"\"}", true);
	assert_string_equal(s.sip_number, "");
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		text = g_strdup_printf("{\"name\":\"r\",\"sip_number\":%s}", bad[i]);
		settings_refused(&empty_room, text, true, "sip_number");
		g_free(text);
	}

	/* 31 digits, with or without "+", fit; 32 digits do not. */
	text = g_strdup_printf("{\"name\":\"r\",\"sip_number\":\"%s\"}", d31);
	settings_ok(&s, text, true);
	assert_string_equal(s.sip_number, d31);
	g_free(text);
	text = g_strdup_printf("{\"name\":\"r\",\"sip_number\":\"+%s\"}", d31);
	settings_ok(&s, text, true);
	assert_int_equal(strlen(s.sip_number), 32);
	assert_string_equal(s.sip_number + 1, d31);
	g_free(text);
	text = g_strdup_printf("{\"name\":\"r\",\"sip_number\":\"%s\"}", d32);
	settings_refused(&empty_room, text, true, "sip_number");
	g_free(text);
	text = g_strdup_printf("{\"name\":\"r\",\"sip_number\":\"+%s\"}", d32);
	settings_refused(&empty_room, text, true, "sip_number");
	g_free(text);
	g_free(d31);
	g_free(d32);

	settings_refused_j(&empty_room,
			   json_pack("{s:s, s:o}", "name", "r", "sip_number", json_stringn("+1\0002", 4)),
			   true, "sip_number");
}

static void test_require_token(void **state)
{
	struct room_settings s = empty_room;
	static const char *const bad[] = { "1", "0", "\"true\"", "null", "[]", "{}" };

	settings_ok(&s, "{\"name\":\"r\",\"require_token\":true}", true);
	assert_true(s.require_token);
	settings_ok(&s, "{\"name\":\"r\",\"require_token\":false}", true);
	assert_false(s.require_token);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *text = g_strdup_printf("{\"name\":\"r\",\"require_token\":%s}", bad[i]);
		settings_refused(&empty_room, text, true, "require_token");
		g_free(text);
	}
}

static void test_empty_timeout(void **state)
{
	struct room_settings s = empty_room;
	static const char *const bad[] = { "-1", "31536001", "4294967296", "0.0", "60.5",
					   "\"60\"", "true", "null", "[]" };
	char *text;

	settings_ok(&s, "{\"name\":\"r\",\"empty_timeout_s\":0}", true);
	assert_int_equal(s.empty_timeout_s, 0);
	text = g_strdup_printf("{\"name\":\"r\",\"empty_timeout_s\":%d}", API_MAX_EMPTY_TIMEOUT_S);
	settings_ok(&s, text, true);
	assert_int_equal(s.empty_timeout_s, API_MAX_EMPTY_TIMEOUT_S);
	g_free(text);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		text = g_strdup_printf("{\"name\":\"r\",\"empty_timeout_s\":%s}", bad[i]);
		settings_refused(&empty_room, text, true, "empty_timeout_s");
		g_free(text);
	}
}

static void test_unknown_fields(void **state)
{
	struct room_settings stored = stored_room();

	settings_refused(&empty_room, "{\"name\":\"r\",\"colour\":\"red\"}", true, "colour");
	settings_refused(&empty_room, "{\"colour\":\"red\",\"name\":\"r\"}", true, "colour");
	/* Output-only and near-miss fields are refused too. */
	settings_refused(&empty_room, "{\"name\":\"r\",\"created_at\":1}", true, "created_at");
	settings_refused(&empty_room, "{\"name\":\"r\",\"PIN\":\"1234\"}", true, "PIN");
	settings_refused(&empty_room, "{\"name\":\"r\",\"\":1}", true, "unknown");
	settings_refused(&stored, "{\"live\":true}", false, "live");
	settings_refused(&stored, "{\"max_participants\":3,\"persistent\":true}", false, "persistent");
}

static void test_not_an_object(void **state)
{
	static const char *const bad[] = { "[]", "[{\"name\":\"r\"}]", "\"r\"", "1", "true", "null" };
	struct room_settings stored = stored_room(), s = stored;
	char err[160];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		settings_refused(&empty_room, bad[i], true, "object");
		settings_refused(&stored, bad[i], false, "object");
	}
	assert_int_equal(settings(&s, NULL, true, err, sizeof(err)), -EINVAL);
	assert_int_equal(settings(&s, NULL, false, err, sizeof(err)), -EINVAL);
	assert_settings_equal(&s, &stored);
}

/* A refusal after valid fields were already applied leaves nothing of them. */
static void test_failure_leaves_struct_unchanged(void **state)
{
	struct room_settings stored = stored_room();

	settings_refused(&stored,
			 "{\"max_participants\":2,\"pin\":null,\"sip_number\":\"\",\"require_token\":false,"
			 "\"empty_timeout_s\":1,\"bogus\":1}",
			 false, "bogus");
	settings_refused(&stored,
			 "{\"pin\":\"9999\",\"sip_number\":\"+1\",\"empty_timeout_s\":-5}", false,
			 "empty_timeout_s");
	settings_refused(&empty_room,
			 "{\"name\":\"fresh\",\"max_participants\":2,\"pin\":\"12\"}", true, "pin");
	settings_refused(&stored, "{\"max_participants\":3,\"name\":\"other\"}", false, "name");
}

/* A tiny or zero-sized err buffer is still safe. */
static void test_small_error_buffer(void **state)
{
	struct room_settings s = empty_room;
	json_t *j = load("{\"name\":\"r\",\"pin\":\"x\"}");
	char err[8];

	memset(err, 'x', sizeof(err));
	assert_int_equal(settings(&s, j, true, err, sizeof(err)), -EINVAL);
	assert_non_null(memchr(err, 0, sizeof(err)));
	assert_int_equal(settings(&s, j, true, err, 0), -EINVAL);
	json_decref(j);

	/* The unknown field's name is cut, not overflowed. */
	char *key = repeat('k', 500), err2[160];
	j = json_pack("{s:s, s:i}", "name", "r", key, 1);
	assert_int_equal(settings(&s, j, true, err2, sizeof(err2)), -EINVAL);
	assert_true(strlen(err2) < 100);
	json_decref(j);
	g_free(key);
}

/* ---- room settings: patch ----------------------------------------------- */

static void test_patch_empty_changes_nothing(void **state)
{
	struct room_settings stored = stored_room(), s = stored;

	settings_ok(&s, "{}", false);
	assert_settings_equal(&s, &stored);
}

static void test_patch_each_field(void **state)
{
	struct room_settings stored = stored_room(), s, want;

	s = stored, want = stored;
	settings_ok(&s, "{\"max_participants\":50}", false);
	want.max_participants = 50;
	assert_settings_equal(&s, &want);

	s = stored, want = stored;
	settings_ok(&s, "{\"pin\":\"4321\"}", false);
	g_strlcpy(want.pin, "4321", sizeof(want.pin));
	assert_settings_equal(&s, &want);

	s = stored, want = stored;
	settings_ok(&s, "{\"sip_number\":\"200\"}", false);
	g_strlcpy(want.sip_number, "200", sizeof(want.sip_number));
	assert_settings_equal(&s, &want);

	s = stored, want = stored;
	settings_ok(&s, "{\"require_token\":false}", false);
	want.require_token = false;
	assert_settings_equal(&s, &want);

	s = stored, want = stored;
	settings_ok(&s, "{\"empty_timeout_s\":0}", false);
	want.empty_timeout_s = 0;
	assert_settings_equal(&s, &want);

	/* The same name is accepted and changes nothing. */
	s = stored;
	settings_ok(&s, "{\"name\":\"team-1\",\"max_participants\":9}", false);
	assert_string_equal(s.name, "team-1");
	assert_int_equal(s.max_participants, 9);
	assert_int_equal(s.created_at, NOW);
}

static void test_patch_null_clears(void **state)
{
	struct room_settings stored = stored_room(), s = stored;

	settings_ok(&s, "{\"pin\":null}", false);
	assert_string_equal(s.pin, "");
	assert_string_equal(s.sip_number, stored.sip_number);

	s = stored;
	settings_ok(&s, "{\"sip_number\":null}", false);
	assert_string_equal(s.sip_number, "");
	assert_string_equal(s.pin, stored.pin);

	s = stored;
	settings_ok(&s, "{\"pin\":\"\",\"sip_number\":\"\"}", false);
	assert_string_equal(s.pin, "");
	assert_string_equal(s.sip_number, "");

	/* Only pin and sip_number may be cleared with null. */
	settings_refused(&stored, "{\"max_participants\":null}", false, "max_participants");
	settings_refused(&stored, "{\"require_token\":null}", false, "require_token");
	settings_refused(&stored, "{\"empty_timeout_s\":null}", false, "empty_timeout_s");
	settings_refused(&stored, "{\"name\":null}", false, "name");
}

static void test_patch_name_change_refused(void **state)
{
	struct room_settings stored = stored_room();

	settings_refused(&stored, "{\"name\":\"team-2\"}", false, "changed");
	settings_refused(&stored, "{\"name\":\"TEAM-1\"}", false, "changed");
	settings_refused(&stored, "{\"name\":\"team-1x\"}", false, "changed");
	settings_refused(&stored, "{\"name\":\"team\"}", false, "changed");
	settings_refused(&stored, "{\"name\":\"bad name\"}", false, "name");
	settings_refused(&stored, "{\"name\":\"\"}", false, "name");
	settings_refused_j(&stored, json_pack("{s:o}", "name", json_stringn("team-1\0x", 8)), false,
			   "name");
}

static void test_patch_bounds(void **state)
{
	struct room_settings stored = stored_room();

	settings_refused(&stored, "{\"max_participants\":-1}", false, "max_participants");
	settings_refused(&stored, "{\"max_participants\":51}", false, "max_participants");
	settings_refused(&stored, "{\"pin\":\"123\"}", false, "pin");
	settings_refused(&stored, "{\"sip_number\":\"+\"}", false, "sip_number");
	settings_refused(&stored, "{\"require_token\":\"no\"}", false, "require_token");
	settings_refused(&stored, "{\"empty_timeout_s\":31536001}", false, "empty_timeout_s");
}

/* ---- settings as JSON --------------------------------------------------- */

static void test_settings_json(void **state)
{
	struct room_settings s = stored_room();
	json_t *j;

	s.created_at = INT64_C(1) << 40;
	j = api_room_settings_json(&s);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 7);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "team-1");
	assert_int_equal(json_integer_value(json_object_get(j, "max_participants")), 10);
	assert_string_equal(json_string_value(json_object_get(j, "pin")), "123456");
	assert_string_equal(json_string_value(json_object_get(j, "sip_number")), "+4930123");
	assert_true(json_is_true(json_object_get(j, "require_token")));
	assert_int_equal(json_integer_value(json_object_get(j, "empty_timeout_s")), 300);
	assert_true(json_integer_value(json_object_get(j, "created_at")) == (INT64_C(1) << 40));
	json_decref(j);

	/* No pin or number: null, not "". */
	s.pin[0] = s.sip_number[0] = 0;
	s.require_token = false;
	j = api_room_settings_json(&s);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "pin")));
	assert_true(json_is_null(json_object_get(j, "sip_number")));
	assert_true(json_is_false(json_object_get(j, "require_token")));
	json_decref(j);
}

/* Written back and parsed again (created_at is output only), every field
 * survives, through both create and patch. */
static void test_settings_round_trip(void **state)
{
	struct room_settings rooms[3] = { stored_room(), stored_room(), stored_room() };
	char *name64 = repeat('z', 64);

	rooms[1].pin[0] = rooms[1].sip_number[0] = 0;
	rooms[1].require_token = false;
	rooms[1].empty_timeout_s = 0;
	g_strlcpy(rooms[2].name, name64, sizeof(rooms[2].name));
	g_strlcpy(rooms[2].pin, "1234567890123456", sizeof(rooms[2].pin));
	g_strlcpy(rooms[2].sip_number, "+1234567890123456789012345678901", sizeof(rooms[2].sip_number));
	rooms[2].max_participants = SERVER_MAX;
	rooms[2].empty_timeout_s = API_MAX_EMPTY_TIMEOUT_S;
	g_free(name64);

	for (size_t i = 0; i < G_N_ELEMENTS(rooms); i++) {
		json_t *j = api_room_settings_json(&rooms[i]);
		char err[160] = "";
		struct room_settings back;

		assert_non_null(j);
		assert_int_equal(json_object_del(j, "created_at"), 0);

		memset(&back, 0, sizeof(back));
		back.created_at = rooms[i].created_at;
		if (api_parse_room_settings(&back, j, true, SERVER_MAX, err, sizeof(err)))
			fail_msg("create refused its own output: %s", err);
		assert_settings_equal(&back, &rooms[i]);

		/* Patching a room with its own settings changes nothing. */
		back = rooms[i];
		if (api_parse_room_settings(&back, j, false, SERVER_MAX, err, sizeof(err)))
			fail_msg("patch refused its own output: %s", err);
		assert_settings_equal(&back, &rooms[i]);

		/* Through text as well. */
		char *text = json_dumps(j, JSON_COMPACT);
		json_t *again = load(text);
		memset(&back, 0, sizeof(back));
		back.created_at = rooms[i].created_at;
		assert_int_equal(api_parse_room_settings(&back, again, true, SERVER_MAX, err, sizeof(err)), 0);
		assert_settings_equal(&back, &rooms[i]);
		json_decref(again);
		free(text);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_name_valid),
		cmocka_unit_test(test_room_name_invalid),
		cmocka_unit_test(test_room_name_nul),
		cmocka_unit_test(test_create_minimal),
		cmocka_unit_test(test_create_every_field),
		cmocka_unit_test(test_create_name_required),
		cmocka_unit_test(test_create_name_invalid),
		cmocka_unit_test(test_max_participants),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_sip_number),
		cmocka_unit_test(test_require_token),
		cmocka_unit_test(test_empty_timeout),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_failure_leaves_struct_unchanged),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_patch_empty_changes_nothing),
		cmocka_unit_test(test_patch_each_field),
		cmocka_unit_test(test_patch_null_clears),
		cmocka_unit_test(test_patch_name_change_refused),
		cmocka_unit_test(test_patch_bounds),
		cmocka_unit_test(test_settings_json),
		cmocka_unit_test(test_settings_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
