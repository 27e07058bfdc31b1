/* Unit tests for api/api_request.c, the smaller bodies: token requests
 * (required fields, defaults, ttl bounds, NUL inside strings, oversized
 * strings, unknown fields, claims that token_create can sign) and mute
 * bodies (every combination and every refusal). Every refusal must return
 * -EINVAL with a message that names the field. Room names and settings are
 * in test_api_request.c. */
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

/* ---- token requests ----------------------------------------------------- */

static int token(struct token_claims *c, json_t *body, char *err, size_t errlen)
{
	return api_parse_token_request(c, body, NOW, err, errlen);
}

static void token_ok(struct token_claims *c, const char *text)
{
	json_t *j = load(text);
	char err[160] = "";

	memset(c, 0xa5, sizeof(*c));
	if (token(c, j, err, sizeof(err)) != 0)
		fail_msg("refused %s: %s", text, err);
	json_decref(j);
}

static void token_refused_j(json_t *j, const char *want)
{
	struct token_claims c;
	char err[160] = "";
	int rc = token(&c, j, err, sizeof(err));

	if (rc == 0) {
		char *t = json_dumps(j, JSON_ENCODE_ANY);
		fail_msg("accepted %s", t);
	}
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err, want))
		fail_msg("message \"%s\" does not mention \"%s\"", err, want);
	json_decref(j);
}

static void token_refused(const char *text, const char *want)
{
	token_refused_j(load(text), want);
}

static void test_token_defaults(void **state)
{
	struct token_claims c;

	token_ok(&c, "{\"room\":\"r\",\"identity\":\"u\"}");
	assert_string_equal(c.room, "r");
	assert_string_equal(c.identity, "u");
	assert_string_equal(c.name, "");
	assert_int_equal(c.issued_at, NOW);
	assert_int_equal(c.expires_at, NOW + API_TOKEN_DEFAULT_TTL_S);
	assert_true(c.can_publish);
	assert_true(c.can_subscribe);
}

static void test_token_every_field(void **state)
{
	struct token_claims c;

	token_ok(&c, "{\"can_subscribe\":false,\"ttl_s\":60,\"name\":\"Zo\\u00eb \\ud83d\\ude00\","
		     "\"identity\":\"user-7@example\",\"room\":\"Team_1\",\"can_publish\":false}");
	assert_string_equal(c.room, "Team_1");
	assert_string_equal(c.identity, "user-7@example");
	assert_string_equal(c.name, "Zo\xc3\xab \xf0\x9f\x98\x80");
	assert_int_equal(c.issued_at, NOW);
	assert_int_equal(c.expires_at, NOW + 60);
	assert_false(c.can_publish);
	assert_false(c.can_subscribe);

	token_ok(&c, "{\"room\":\"r\",\"identity\":\"u\",\"can_publish\":true,\"can_subscribe\":false}");
	assert_true(c.can_publish);
	assert_false(c.can_subscribe);
	token_ok(&c, "{\"room\":\"r\",\"identity\":\"u\",\"can_publish\":false}");
	assert_false(c.can_publish);
	assert_true(c.can_subscribe);
}

static void test_token_required(void **state)
{
	token_refused("{}", "room");
	token_refused("{\"identity\":\"u\"}", "room");
	token_refused("{\"room\":\"r\"}", "identity");
	token_refused("{\"room\":\"r\",\"name\":\"n\",\"ttl_s\":5}", "identity");
	token_refused("{\"room\":null,\"identity\":\"u\"}", "room");
	token_refused("{\"room\":\"r\",\"identity\":null}", "identity");
	token_refused("{\"room\":\"\",\"identity\":\"u\"}", "room");
	token_refused("{\"room\":\"r\",\"identity\":\"\"}", "identity");
}

static void test_token_wrong_types(void **state)
{
	token_refused("{\"room\":1,\"identity\":\"u\"}", "room");
	token_refused("{\"room\":[\"r\"],\"identity\":\"u\"}", "room");
	token_refused("{\"room\":\"r\",\"identity\":7}", "identity");
	token_refused("{\"room\":\"r\",\"identity\":{}}", "identity");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"name\":true}", "name");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"name\":null}", "name");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"name\":\"\"}", "name");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"ttl_s\":\"60\"}", "ttl_s");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"ttl_s\":60.0}", "ttl_s");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"ttl_s\":null}", "ttl_s");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"can_publish\":1}", "can_publish");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"can_publish\":null}", "can_publish");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"can_subscribe\":\"false\"}", "can_subscribe");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"can_subscribe\":0}", "can_subscribe");
}

static void test_token_room_rules(void **state)
{
	token_refused("{\"room\":\"a b\",\"identity\":\"u\"}", "room");
	token_refused("{\"room\":\"../x\",\"identity\":\"u\"}", "room");
	token_refused("{\"room\":\"caf\\u00e9\",\"identity\":\"u\"}", "room");
}

static void test_token_ttl_bounds(void **state)
{
	struct token_claims c;
	char *text;
	static const char *const bad[] = { "0", "-1", "604801", "2147483648", "9223372036854775807",
					   "-9223372036854775808" };

	token_ok(&c, "{\"room\":\"r\",\"identity\":\"u\",\"ttl_s\":1}");
	assert_int_equal(c.expires_at, NOW + 1);
	text = g_strdup_printf("{\"room\":\"r\",\"identity\":\"u\",\"ttl_s\":%d}", API_TOKEN_MAX_TTL_S);
	token_ok(&c, text);
	assert_int_equal(c.expires_at, NOW + API_TOKEN_MAX_TTL_S);
	g_free(text);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		text = g_strdup_printf("{\"room\":\"r\",\"identity\":\"u\",\"ttl_s\":%s}", bad[i]);
		token_refused(text, "ttl_s");
		g_free(text);
	}
}

/* Each of room, identity and name holds 64 bytes (not characters); 65 is
 * refused rather than cut. */
static void test_token_lengths(void **state)
{
	static const char *const fields[] = { "room", "identity", "name" };
	char *b64 = repeat('a', 64), *b65 = repeat('a', 65), *huge = repeat('a', 100000);
	struct token_claims c;
	char err[160];

	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		json_t *j = json_pack("{s:s, s:s}", "room", "r", "identity", "u");
		json_object_set_new(j, fields[i], json_string(b64));
		assert_int_equal(token(&c, j, err, sizeof(err)), 0);
		json_decref(j);

		j = json_pack("{s:s, s:s}", "room", "r", "identity", "u");
		json_object_set_new(j, fields[i], json_string(b65));
		token_refused_j(j, fields[i]);

		j = json_pack("{s:s, s:s}", "room", "r", "identity", "u");
		json_object_set_new(j, fields[i], json_string(huge));
		token_refused_j(j, fields[i]);
	}
	assert_string_equal(c.name, b64);

	/* 32 two-byte characters fit in 64 bytes; 33 do not. */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 32; i++)
		g_string_append(s, "\xc3\xa9");
	json_t *j = json_pack("{s:s, s:s, s:s}", "room", "r", "identity", s->str, "name", s->str);
	assert_int_equal(token(&c, j, err, sizeof(err)), 0);
	assert_string_equal(c.identity, s->str);
	assert_string_equal(c.name, s->str);
	json_decref(j);
	g_string_append(s, "\xc3\xa9");
	token_refused_j(json_pack("{s:s, s:s}", "room", "r", "identity", s->str), "identity");
	token_refused_j(json_pack("{s:s, s:s, s:s}", "room", "r", "identity", "u", "name", s->str), "name");
	g_string_free(s, TRUE);
	g_free(b64);
	g_free(b65);
	g_free(huge);
}

/* A NUL inside a string must not shorten it ("victim\0-attacker" is not
 * "victim"). */
static void test_token_embedded_nul(void **state)
{
	token_refused_j(json_pack("{s:o, s:s}", "room", json_stringn("r\0x", 3), "identity", "u"),
			"room");
	token_refused_j(json_pack("{s:s, s:o}", "room", "r", "identity",
				  json_stringn("victim\0-attacker", 16)),
			"identity");
	token_refused_j(json_pack("{s:s, s:s, s:o}", "room", "r", "identity", "u", "name",
				  json_stringn("Ana\0", 4)),
			"name");
	token_refused_j(json_pack("{s:s, s:o}", "room", "r", "identity", json_stringn("\0", 1)),
			"identity");
}

static void test_token_unknown_fields(void **state)
{
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"exp\":1}", "exp");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"grants\":{}}", "grants");
	token_refused("{\"room\":\"r\",\"identity\":\"u\",\"Room\":\"r\"}", "Room");
	token_refused("{\"sub\":\"u\",\"room\":\"r\",\"identity\":\"u\"}", "sub");
	/* Unknown fields are reported even when required ones are missing. */
	token_refused("{\"iat\":1}", "iat");
}

static void test_token_not_an_object(void **state)
{
	static const char *const bad[] = { "[]", "\"r\"", "0", "false", "null",
					   "[{\"room\":\"r\",\"identity\":\"u\"}]" };
	struct token_claims c;
	char err[160];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		token_refused(bad[i], "object");
	assert_int_equal(token(&c, NULL, err, sizeof(err)), -EINVAL);
}

/* The claims accepted here are claims token_create signs. */
static void test_token_claims_are_signable(void **state)
{
	static const uint8_t secret[32] = { 1, 2, 3 };
	struct token_claims c, back;

	token_ok(&c, "{\"room\":\"r.1\",\"identity\":\"\\u00e9\\u00e9\",\"name\":\"N\",\"ttl_s\":1}");
	char *jwt = token_create(&c, secret, sizeof(secret));
	assert_non_null(jwt);
	assert_int_equal(token_verify(jwt, strlen(jwt), secret, sizeof(secret), NOW, &back), TOKEN_VALID);
	assert_string_equal(back.room, c.room);
	assert_string_equal(back.identity, c.identity);
	assert_string_equal(back.name, c.name);
	assert_int_equal(back.expires_at, c.expires_at);
	g_free(jwt);
}

/* ---- mute --------------------------------------------------------------- */

static void mute_ok(const char *text, int want_audio, int want_video)
{
	json_t *j = load(text);
	char err[160] = "";
	int audio = 42, video = 42;

	if (api_parse_mute(j, &audio, &video, err, sizeof(err)))
		fail_msg("refused %s: %s", text, err);
	if (audio != want_audio || video != want_video)
		fail_msg("%s: audio %d video %d, wanted %d %d", text, audio, video, want_audio, want_video);
	json_decref(j);
}

static void mute_refused_j(json_t *j, const char *want)
{
	char err[160] = "";
	int audio = 42, video = 42;
	int rc = api_parse_mute(j, &audio, &video, err, sizeof(err));

	if (rc == 0) {
		char *t = json_dumps(j, JSON_ENCODE_ANY);
		fail_msg("accepted %s", t);
	}
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err, want))
		fail_msg("message \"%s\" does not mention \"%s\"", err, want);
	json_decref(j);
}

static void mute_refused(const char *text, const char *want)
{
	mute_refused_j(load(text), want);
}

static void test_mute_combinations(void **state)
{
	static const char *const value[] = { NULL, "false", "true" }; /* -1, 0, 1 */

	for (int a = -1; a <= 1; a++) {
		for (int v = -1; v <= 1; v++) {
			if (a < 0 && v < 0)
				continue;
			GString *s = g_string_new("{");
			if (a >= 0)
				g_string_append_printf(s, "\"audio\":%s", value[a + 1]);
			if (v >= 0)
				g_string_append_printf(s, "%s\"video\":%s", a >= 0 ? "," : "", value[v + 1]);
			g_string_append_c(s, '}');
			mute_ok(s->str, a, v);
			g_string_free(s, TRUE);
		}
	}
	/* Order does not matter. */
	mute_ok("{\"video\":true,\"audio\":false}", 0, 1);
}

static void test_mute_empty(void **state)
{
	json_t *j = load("{}");
	char err[160] = "";
	int audio = 42, video = 42;

	assert_int_equal(api_parse_mute(j, &audio, &video, err, sizeof(err)), -EINVAL);
	assert_int_equal(audio, -1);
	assert_int_equal(video, -1);
	assert_true(strstr(err, "audio") && strstr(err, "video"));
	json_decref(j);
}

static void test_mute_wrong_types(void **state)
{
	mute_refused("{\"audio\":1}", "audio");
	mute_refused("{\"audio\":\"true\"}", "audio");
	mute_refused("{\"audio\":null}", "audio");
	mute_refused("{\"video\":[]}", "video");
	mute_refused("{\"video\":{}}", "video");
	mute_refused("{\"video\":0.0}", "video");
	mute_refused("{\"audio\":true,\"video\":\"no\"}", "video");
}

static void test_mute_unknown_fields(void **state)
{
	mute_refused("{\"screen\":true}", "screen");
	mute_refused("{\"audio\":true,\"screen\":true}", "screen");
	mute_refused("{\"Audio\":true}", "Audio");
	mute_refused("{\"\":true}", "unknown");
}

static void test_mute_not_an_object(void **state)
{
	static const char *const bad[] = { "[]", "[true]", "true", "\"audio\"", "1", "null" };
	int audio = 42, video = 42;
	char err[160];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		mute_refused(bad[i], "object");
	assert_int_equal(api_parse_mute(NULL, &audio, &video, err, sizeof(err)), -EINVAL);
	assert_int_equal(audio, -1);
	assert_int_equal(video, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_defaults),
		cmocka_unit_test(test_token_every_field),
		cmocka_unit_test(test_token_required),
		cmocka_unit_test(test_token_wrong_types),
		cmocka_unit_test(test_token_room_rules),
		cmocka_unit_test(test_token_ttl_bounds),
		cmocka_unit_test(test_token_lengths),
		cmocka_unit_test(test_token_embedded_nul),
		cmocka_unit_test(test_token_unknown_fields),
		cmocka_unit_test(test_token_not_an_object),
		cmocka_unit_test(test_token_claims_are_signable),
		cmocka_unit_test(test_mute_combinations),
		cmocka_unit_test(test_mute_empty),
		cmocka_unit_test(test_mute_wrong_types),
		cmocka_unit_test(test_mute_unknown_fields),
		cmocka_unit_test(test_mute_not_an_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
