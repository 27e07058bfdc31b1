/* Unit tests for api/token.c: round trips, the exact claims token_create
 * writes, tokens made by an independent implementation (Python), every
 * status, tampering of each character, algorithm downgrades, wrong secrets,
 * hostile input (empty, truncated, oversized, garbage, embedded NULs,
 * padding, non-object JSON, mistyped claims) and the 30 s leeway boundaries,
 * including exp/nbf/now near the ends of int64_t. Tokens are built here with
 * GLib's base64 and OpenSSL's HMAC, not token.c's own encoder, so the two
 * can be wrong only in the same way by coincidence. Every token is verified
 * from an exact-size heap copy with no terminator, so ASan reports any read
 * past it; leaks are caught by LeakSanitizer in the sanitizer build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "api/token.h"

#define SECRET "parley-unit-test-secret"
#define NOW INT64_C(1700000000)
#define HOUR 3600

/* Made by tests/unit/test_token.c's own recipe, independently of Parley:
 *
 *   import base64, hashlib, hmac, json
 *   def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
 *   def jwt(header, payload, key):
 *       si = b64(header.encode()) + "." + b64(payload.encode())
 *       return si + "." + b64(hmac.new(key, si.encode(), hashlib.sha256).digest())
 *   key = b"parley-unit-test-secret"
 *   p = json.dumps({"iss":"parley","sub":"alice","room":"standup","name":"Zo\u00eb",
 *       "iat":1700000000,"nbf":1700000000,"exp":1700003600,
 *       "grants":{"publish":True,"subscribe":False}},
 *       separators=(",",":"), ensure_ascii=False)
 *   print(jwt('{"alg":"HS256","typ":"JWT"}', p, key))
 *
 * token_create must produce it byte for byte from the same claims. */
static const char python_token[] =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJpc3MiOiJwYXJsZXkiLCJzdWIiOiJhbGljZSIsInJvb20iOiJzdGFuZHVwIiwibmFtZSI6Ilpvw6siLCJpYXQiOjE3"
	"MDAwMDAwMDAsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJncmFudHMiOnsicHVibGlzaCI6dHJ1ZSwi"
	"c3Vic2NyaWJlIjpmYWxzZX19."
	"L7x2N3jr4092FzvvNfyw3LwZdR2WhCmn-I7_hx1AxdY";

/* Same recipe, written the way another issuer might:
 *   print(jwt('{"typ": "JWT", "alg": "HS256", "kid": "k1"}',
 *       '{"exp": 1700003600, "room": "standup", "sub": "bob", "iat": 1700000000, "aud": "x"}',
 *       key))
 * Spaced JSON, other key order, an extra header field, no name, nbf or
 * grants, and a claim we do not know. */
static const char python_token_foreign[] =
	"eyJ0eXAiOiAiSldUIiwgImFsZyI6ICJIUzI1NiIsICJraWQiOiAiazEifQ."
	"eyJleHAiOiAxNzAwMDAzNjAwLCAicm9vbSI6ICJzdGFuZHVwIiwgInN1YiI6ICJib2IiLCAiaWF0IjogMTcwMDAwMDAw"
	"MCwgImF1ZCI6ICJ4In0."
	"0-bjS7ycozNxnDDimuyve4Zq9w9gj2o7KFn5lfBYw5Y";

/* base64url of {"alg":"HS256","typ":"JWT"}, the only header token_create writes. */
static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- helpers ------------------------------------------------------------ */

/* Verifies len bytes from an exact-size heap copy with no terminator. */
static enum token_status verify_n(const char *jwt, size_t len, const void *secret,
				  size_t secret_len, int64_t now, struct token_claims *out)
{
	char *copy = malloc(len ? len : 1);
	enum token_status s;

	assert_non_null(copy);
	memcpy(copy, jwt, len);
	s = token_verify(copy, len, secret, secret_len, now, out);
	free(copy);
	return s;
}

static enum token_status verify_at(const char *jwt, int64_t now, struct token_claims *out)
{
	return verify_n(jwt, strlen(jwt), SECRET, strlen(SECRET), now, out);
}

static enum token_status verify(const char *jwt)
{
	struct token_claims c;
	return verify_at(jwt, NOW, &c);
}

/* base64url without padding, through GLib's standard base64. */
static char *b64url(const void *data, size_t n)
{
	char *s = g_base64_encode(data, n);
	for (char *p = s; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = 0;
	}
	return s;
}

/* The bytes of a base64url part (g_free them), through GLib's decoder. */
static char *unb64url(const char *s, size_t n)
{
	GString *t = g_string_new_len(s, (gssize)n);
	gsize len;
	for (size_t i = 0; i < t->len; i++)
		t->str[i] = t->str[i] == '-' ? '+' : t->str[i] == '_' ? '/' : t->str[i];
	while (t->len % 4)
		g_string_append_c(t, '=');
	guchar *raw = g_base64_decode(t->str, &len);
	g_string_free(t, TRUE);
	char *out = g_strndup((const char *)raw, len);
	g_free(raw);
	return out;
}

/* header.payload.signature, signed with OpenSSL directly (g_free it). */
static char *make_token_key(const char *header, const char *payload, const void *key,
			    size_t key_len)
{
	char *h = b64url(header, strlen(header)), *p = b64url(payload, strlen(payload));
	char *input = g_strdup_printf("%s.%s", h, p);
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	assert_non_null(HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)input,
			     strlen(input), mac, &mac_len));
	char *sig = b64url(mac, mac_len);
	char *jwt = g_strdup_printf("%s.%s", input, sig);
	g_free(h);
	g_free(p);
	g_free(input);
	g_free(sig);
	return jwt;
}

static char *make_token(const char *header, const char *payload)
{
	return make_token_key(header, payload, SECRET, strlen(SECRET));
}

#define HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* Verifies payload signed under the HS256 header at NOW. */
static enum token_status verify_payload(const char *payload, struct token_claims *out)
{
	char *jwt = make_token(HS256, payload);
	enum token_status s = verify_at(jwt, NOW, out);
	g_free(jwt);
	return s;
}

/* A payload with sub, room and exp valid at NOW, plus extra members. */
static char *payload_with(const char *extra)
{
	return g_strdup_printf("{\"sub\":\"u\",\"room\":\"r\",\"exp\":%" PRId64 "%s%s}",
			       NOW + HOUR, *extra ? "," : "", extra);
}

static enum token_status verify_with(const char *extra, struct token_claims *out)
{
	char *p = payload_with(extra);
	enum token_status s = verify_payload(p, out);
	g_free(p);
	return s;
}

static void sample_claims(struct token_claims *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->room, "standup");
	strcpy(c->identity, "alice");
	strcpy(c->name, "Zo\xc3\xab");
	c->issued_at = NOW;
	c->expires_at = NOW + HOUR;
	c->can_publish = true;
	c->can_subscribe = false;
}

static void assert_claims_equal(const struct token_claims *a, const struct token_claims *b)
{
	assert_string_equal(a->room, b->room);
	assert_string_equal(a->identity, b->identity);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->issued_at, b->issued_at);
	assert_int_equal(a->expires_at, b->expires_at);
	assert_int_equal(a->can_publish, b->can_publish);
	assert_int_equal(a->can_subscribe, b->can_subscribe);
}

/* ---- token_create ------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct token_claims in, out;
	sample_claims(&in);
	char *jwt = token_create(&in, (const uint8_t *)SECRET, strlen(SECRET));

	assert_non_null(jwt);
	assert_int_equal(verify_at(jwt, NOW, &out), TOKEN_VALID);
	assert_claims_equal(&in, &out);
	g_free(jwt);

	/* Every grant combination and an absent name survive the trip. */
	for (int g = 0; g < 4; g++) {
		in.name[0] = 0;
		in.can_publish = g & 1;
		in.can_subscribe = g & 2;
		jwt = token_create(&in, (const uint8_t *)SECRET, strlen(SECRET));
		assert_non_null(jwt);
		assert_int_equal(verify_at(jwt, NOW, &out), TOKEN_VALID);
		assert_claims_equal(&in, &out);
		g_free(jwt);
	}
}

static void round_trip_at(const struct token_claims *in, int64_t now)
{
	struct token_claims out;
	char *jwt = token_create(in, (const uint8_t *)SECRET, strlen(SECRET));

	assert_non_null(jwt);
	assert_true(strlen(jwt) <= TOKEN_MAX_LEN);
	assert_int_equal(verify_at(jwt, now, &out), TOKEN_VALID);
	assert_claims_equal(in, &out);
	g_free(jwt);
}

/* The longest token token_create can write, 64-byte fields of control
 * characters (6 bytes each once escaped as \u00XX) and the widest
 * integers, stays within TOKEN_MAX_LEN; so do fields mixing the other
 * escapes. Both come back unchanged. */
static void test_round_trip_longest_fields(void **state)
{
	struct token_claims in;
	sample_claims(&in);
	memset(in.room, 0x01, TOKEN_FIELD_MAX - 1);
	memset(in.identity, 0x1f, TOKEN_FIELD_MAX - 1);
	memset(in.name, 0x03, TOKEN_FIELD_MAX - 1);
	in.room[64] = in.identity[64] = in.name[64] = 0;
	in.issued_at = INT64_MIN;
	in.expires_at = INT64_MAX;
	round_trip_at(&in, INT64_MIN);

	for (int i = 0; i < TOKEN_FIELD_MAX - 1; i++)
		in.name[i] = "\"\\\n\x7f"[i % 4];
	round_trip_at(&in, INT64_MIN);
}

static void test_create_layout(void **state)
{
	struct token_claims in;
	sample_claims(&in);
	char *jwt = token_create(&in, (const uint8_t *)SECRET, strlen(SECRET));
	assert_non_null(jwt);
	char **parts = g_strsplit(jwt, ".", -1);
	assert_int_equal(g_strv_length(parts), 3);
	assert_string_equal(parts[0], header_b64);
	assert_int_equal(strlen(parts[2]), 43); /* 32 bytes, unpadded */

	char *payload = unb64url(parts[1], strlen(parts[1]));
	json_t *j = json_loads(payload, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 8);
	assert_string_equal(json_string_value(json_object_get(j, "iss")), "parley");
	assert_string_equal(json_string_value(json_object_get(j, "sub")), "alice");
	assert_string_equal(json_string_value(json_object_get(j, "room")), "standup");
	assert_string_equal(json_string_value(json_object_get(j, "name")), "Zo\xc3\xab");
	assert_true(json_integer_value(json_object_get(j, "iat")) == NOW);
	assert_true(json_integer_value(json_object_get(j, "nbf")) == NOW);
	assert_true(json_integer_value(json_object_get(j, "exp")) == NOW + HOUR);
	json_t *grants = json_object_get(j, "grants");
	assert_int_equal(json_object_size(grants), 2);
	assert_true(json_is_true(json_object_get(grants, "publish")));
	assert_true(json_is_false(json_object_get(grants, "subscribe")));
	json_decref(j);
	g_free(payload);
	g_strfreev(parts);
	g_free(jwt);

	/* An empty name is left out rather than written as "". */
	in.name[0] = 0;
	jwt = token_create(&in, (const uint8_t *)SECRET, strlen(SECRET));
	parts = g_strsplit(jwt, ".", -1);
	payload = unb64url(parts[1], strlen(parts[1]));
	j = json_loads(payload, 0, NULL);
	assert_int_equal(json_object_size(j), 7);
	assert_null(json_object_get(j, "name"));
	json_decref(j);
	g_free(payload);
	g_strfreev(parts);
	g_free(jwt);
}

static void expect_create_null(const struct token_claims *c)
{
	char *jwt = token_create(c, (const uint8_t *)SECRET, strlen(SECRET));
	if (jwt)
		fail_msg("token_create accepted room '%.65s' identity '%.65s' name '%.65s' "
			 "iat %" PRId64 " exp %" PRId64 ": %s", c->room, c->identity, c->name,
			 c->issued_at, c->expires_at, jwt);
}

static void test_create_refuses(void **state)
{
	struct token_claims c;

	sample_claims(&c);
	c.room[0] = 0;
	expect_create_null(&c);
	sample_claims(&c);
	c.identity[0] = 0;
	expect_create_null(&c);

	/* A field without its NUL inside the array is too long. */
	sample_claims(&c);
	memset(c.room, 'r', sizeof(c.room));
	expect_create_null(&c);
	sample_claims(&c);
	memset(c.identity, 'i', sizeof(c.identity));
	expect_create_null(&c);
	sample_claims(&c);
	memset(c.name, 'n', sizeof(c.name));
	expect_create_null(&c);

	sample_claims(&c);
	c.expires_at = c.issued_at;
	expect_create_null(&c);
	c.expires_at = c.issued_at - 1;
	expect_create_null(&c);

	/* JSON strings are UTF-8; a field that is not cannot be carried. */
	sample_claims(&c);
	strcpy(c.name, "bad \xff byte");
	expect_create_null(&c);

	/* The longest fields that fit, and the shortest span, are fine. */
	sample_claims(&c);
	memset(c.room, 'r', 64);
	memset(c.identity, 'i', 64);
	memset(c.name, 'n', 64);
	c.room[64] = c.identity[64] = c.name[64] = 0;
	c.expires_at = c.issued_at + 1;
	char *jwt = token_create(&c, (const uint8_t *)SECRET, strlen(SECRET));
	assert_non_null(jwt);
	g_free(jwt);
}

/* ---- an independent implementation --------------------------------------- */

static void test_python_vectors(void **state)
{
	struct token_claims in, out;
	sample_claims(&in);
	char *jwt = token_create(&in, (const uint8_t *)SECRET, strlen(SECRET));
	assert_string_equal(jwt, python_token);
	g_free(jwt);

	assert_int_equal(verify_at(python_token, NOW, &out), TOKEN_VALID);
	assert_claims_equal(&in, &out);

	assert_int_equal(verify_at(python_token_foreign, NOW, &out), TOKEN_VALID);
	assert_string_equal(out.identity, "bob");
	assert_string_equal(out.room, "standup");
	assert_string_equal(out.name, "");
	assert_true(out.issued_at == NOW);
	assert_true(out.expires_at == NOW + HOUR);
	assert_true(out.can_publish && out.can_subscribe);
}

/* ---- statuses ----------------------------------------------------------- */

static void test_every_status(void **state)
{
	char *p;
	assert_int_equal(verify(python_token), TOKEN_VALID);
	assert_int_equal(verify("not a token"), TOKEN_MALFORMED);

	p = make_token("{\"alg\":\"none\"}", "{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000}");
	assert_int_equal(verify(p), TOKEN_UNSUPPORTED_ALG);
	g_free(p);

	p = g_strdup(python_token);
	p[strlen(p) - 2] = p[strlen(p) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(p), TOKEN_BAD_SIGNATURE);
	g_free(p);

	assert_int_equal(verify_at(python_token, NOW + HOUR + 30, NULL), TOKEN_EXPIRED);
	assert_int_equal(verify_at(python_token, NOW - 31, NULL), TOKEN_NOT_YET_VALID);
}

static void test_status_text(void **state)
{
	assert_string_equal(token_status_text(TOKEN_VALID), "valid");
	assert_string_equal(token_status_text(TOKEN_MALFORMED), "token is malformed");
	assert_string_equal(token_status_text(TOKEN_UNSUPPORTED_ALG), "token algorithm must be HS256");
	assert_string_equal(token_status_text(TOKEN_BAD_SIGNATURE), "token signature is invalid");
	assert_string_equal(token_status_text(TOKEN_EXPIRED), "token has expired");
	assert_string_equal(token_status_text(TOKEN_NOT_YET_VALID), "token is not yet valid");
	assert_non_null(token_status_text((enum token_status)99));
}

/* out is written only for a valid token, and may be NULL. */
static void test_out_only_when_valid(void **state)
{
	struct token_claims out, sentinel;
	memset(&sentinel, 0xa5, sizeof(sentinel));
	memcpy(&out, &sentinel, sizeof(out));
	assert_int_equal(verify_at(python_token, NOW + 2 * HOUR, &out), TOKEN_EXPIRED);
	assert_memory_equal(&out, &sentinel, sizeof(out));
	assert_int_equal(verify_at("x.y.z", NOW, &out), TOKEN_MALFORMED);
	assert_memory_equal(&out, &sentinel, sizeof(out));
	assert_int_equal(verify_at(python_token, NOW, NULL), TOKEN_VALID);
}

/* ---- tampering ---------------------------------------------------------- */

/* The claims of one token under the signature of another. */
static void test_tampered_payload(void **state)
{
	char *mine = make_token(HS256, "{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000,"
				       "\"grants\":{\"publish\":false}}");
	char *wish = make_token(HS256, "{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000,"
				       "\"grants\":{\"publish\":true}}");
	char **m = g_strsplit(mine, ".", -1), **w = g_strsplit(wish, ".", -1);
	char *forged = g_strjoin(".", m[0], w[1], m[2], NULL);

	assert_int_equal(verify(mine), TOKEN_VALID);
	assert_int_equal(verify(forged), TOKEN_BAD_SIGNATURE);
	g_free(forged);
	g_strfreev(m);
	g_strfreev(w);
	g_free(mine);
	g_free(wish);
}

/* Any one character replaced by any other base64url character, anywhere in
 * the token, and the token is no longer valid. The last signature character
 * carries 2 unused bits: a decoder that ignored them would accept four
 * spellings of every signature. */
static void test_tampered_each_character(void **state)
{
	char *jwt = g_strdup(python_token);
	size_t n = strlen(jwt);
	size_t sig_start = strrchr(jwt, '.') - jwt + 1;

	for (size_t i = 0; i < n; i++) {
		char orig = jwt[i];
		if (orig == '.')
			continue;
		for (const char *a = alphabet; *a; a++) {
			if (*a == orig)
				continue;
			jwt[i] = *a;
			enum token_status s = verify(jwt);
			if (s == TOKEN_VALID)
				fail_msg("still valid with '%c' at %zu: %s", *a, i, jwt);
			if (i >= sig_start && s != TOKEN_BAD_SIGNATURE && s != TOKEN_MALFORMED)
				fail_msg("signature change at %zu gave %s", i, token_status_text(s));
		}
		jwt[i] = orig;
	}
	/* 'Y' (24) and 'Z' (25) differ only in an unused bit: malformed. */
	assert_int_equal(jwt[n - 1], 'Y');
	jwt[n - 1] = 'Z';
	assert_int_equal(verify(jwt), TOKEN_MALFORMED);
	g_free(jwt);
}

static void test_tampered_signature_length(void **state)
{
	GString *s = g_string_new(python_token);
	size_t sig_start = strrchr(python_token, '.') - python_token + 1;

	g_string_truncate(s, sig_start);
	assert_int_equal(verify(s->str), TOKEN_BAD_SIGNATURE); /* empty signature */

	/* Canonically encoded signatures of every other length up to 64 bytes. */
	uint8_t bytes[64] = { 0 };
	for (size_t len = 0; len <= sizeof(bytes); len++) {
		if (len == 32)
			continue;
		char *sig = b64url(bytes, len);
		g_string_truncate(s, sig_start);
		g_string_append(s, sig);
		assert_int_equal(verify(s->str), TOKEN_BAD_SIGNATURE);
		g_free(sig);
	}
	g_string_free(s, TRUE);
}

/* ---- algorithms --------------------------------------------------------- */

static void test_alg(void **state)
{
	static const char payload[] = "{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000}";
	static const struct {
		const char *header;
		enum token_status want;
	} cases[] = {
		{ "{\"alg\":\"HS256\"}", TOKEN_VALID },
		{ "{\"kid\":\"1\",\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"x\":[1,{}]}", TOKEN_VALID },
		{ "{\"alg\":\"none\",\"typ\":\"JWT\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"None\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"hs256\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"HS256 \"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"HS2560\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":\"\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"typ\":\"JWT\"}", TOKEN_UNSUPPORTED_ALG },
		{ "{}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":256}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":null}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"alg\":[\"HS256\"]}", TOKEN_UNSUPPORTED_ALG },
		{ "{\"ALG\":\"HS256\"}", TOKEN_UNSUPPORTED_ALG },
		/* Two algs: which one wins depends on the parser, so neither does. */
		{ "{\"alg\":\"none\",\"alg\":\"HS256\"}", TOKEN_MALFORMED },
		{ "{\"alg\":\"HS256\\u0000\"}", TOKEN_MALFORMED },
		{ "[\"HS256\"]", TOKEN_MALFORMED },
		{ "\"HS256\"", TOKEN_MALFORMED },
		{ "", TOKEN_MALFORMED },
		{ "{\"alg\":\"HS256\"", TOKEN_MALFORMED },
		{ "{\"alg\":\"HS256\"} x", TOKEN_MALFORMED },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *jwt = make_token(cases[i].header, payload);
		enum token_status s = verify(jwt);
		if (s != cases[i].want)
			fail_msg("header %s: got %s, want %s", cases[i].header,
				 token_status_text(s), token_status_text(cases[i].want));
		g_free(jwt);
	}

	/* The unsigned form of "none" (empty signature) too. */
	char *h = b64url("{\"alg\":\"none\"}", 14), *p = b64url(payload, strlen(payload));
	char *jwt = g_strdup_printf("%s.%s.", h, p);
	assert_int_equal(verify(jwt), TOKEN_UNSUPPORTED_ALG);
	g_free(jwt);
	g_free(h);
	g_free(p);
}

/* ---- secrets ------------------------------------------------------------ */

static void test_wrong_secret(void **state)
{
	static const char *const wrong[] = { "parley-unit-test-secreT", "parley-unit-test-secre",
					     "Parley-unit-test-secret", "x" };
	struct token_claims c;

	for (size_t i = 0; i < G_N_ELEMENTS(wrong); i++)
		assert_int_equal(verify_n(python_token, strlen(python_token), wrong[i],
					  strlen(wrong[i]), NOW, &c), TOKEN_BAD_SIGNATURE);

	/* HMAC pads keys shorter than a block (64 bytes) with zeros, so a
	 * secret and the same secret plus trailing NULs are one key. Not ours
	 * to fix, but worth knowing when secrets are read from files. */
	assert_int_equal(verify_n(python_token, strlen(python_token), SECRET "\0\0", 25, NOW, &c),
			 TOKEN_VALID);
	assert_int_equal(verify_n(python_token, strlen(python_token), NULL, 0, NOW, &c),
			 TOKEN_BAD_SIGNATURE);

	/* An empty key is legal HMAC; refusing it is configuration's job. */
	struct token_claims in;
	sample_claims(&in);
	char *jwt = token_create(&in, NULL, 0);
	assert_non_null(jwt);
	assert_int_equal(verify_n(jwt, strlen(jwt), "", 0, NOW, &c), TOKEN_VALID);
	assert_int_equal(verify(jwt), TOKEN_BAD_SIGNATURE);
	g_free(jwt);

	/* Secrets with NUL bytes are used whole. */
	static const uint8_t binary[] = { 0, 1, 2, 0, 255 };
	jwt = token_create(&in, binary, sizeof(binary));
	assert_int_equal(verify_n(jwt, strlen(jwt), binary, sizeof(binary), NOW, &c), TOKEN_VALID);
	assert_int_equal(verify_n(jwt, strlen(jwt), binary, 4, NOW, &c), TOKEN_BAD_SIGNATURE);
	g_free(jwt);
}

/* ---- hostile input ------------------------------------------------------ */

static void test_malformed_shapes(void **state)
{
	static const char *const inputs[] = {
		"", ".", "..", "...", "a", "a.b", "a.b.c.d", "abc..", ".abc.", "..abc",
		/* Padding, the standard alphabet and whitespace are not base64url. */
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9=.e30.AAAA",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30=.AAAA",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAA=",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e3+.AAAA",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AA/A",
		" eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAA",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAA\n",
		/* A part whose length is 1 mod 4 cannot be base64 at all. */
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e.AAAA",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAAA", /* ends in zero bits */
		"Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAA",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++)
		if (verify(inputs[i]) != TOKEN_MALFORMED)
			fail_msg("not malformed: '%s'", inputs[i]);

	struct token_claims c;
	assert_int_equal(token_verify(NULL, 0, (const uint8_t *)SECRET, 6, NOW, &c),
			 TOKEN_MALFORMED);
	char *jwt = g_strdup_printf("%s.", python_token);
	assert_int_equal(verify(jwt), TOKEN_MALFORMED);
	g_free(jwt);
}

/* Every prefix of a valid token, down to nothing, is refused. */
static void test_truncated(void **state)
{
	size_t n = strlen(python_token);
	struct token_claims c;
	for (size_t len = 0; len < n; len++) {
		enum token_status s = verify_n(python_token, len, SECRET, strlen(SECRET), NOW, &c);
		if (s == TOKEN_VALID)
			fail_msg("prefix of %zu bytes accepted", len);
	}
}

static void test_embedded_nul(void **state)
{
	size_t n = strlen(python_token);
	char *jwt = g_memdup2(python_token, n + 1);
	struct token_claims c;

	for (size_t i = 0; i < n; i++) {
		char orig = jwt[i];
		jwt[i] = 0;
		assert_int_equal(verify_n(jwt, n, SECRET, strlen(SECRET), NOW, &c), TOKEN_MALFORMED);
		jwt[i] = orig;
	}
	/* The terminator counted as part of the token. */
	assert_int_equal(verify_n(jwt, n + 1, SECRET, strlen(SECRET), NOW, &c), TOKEN_MALFORMED);
	g_free(jwt);
}

/* A valid token padded with an unknown claim to exactly TOKEN_MAX_LEN
 * bytes, and the same grown by one. */
static void test_oversized(void **state)
{
	struct token_claims c;
	bool hit = false;
	for (size_t pad = 0;; pad++) {
		char *filler = g_strnfill(pad, 'x');
		char *extra = g_strdup_printf("\"pad\":\"%s\"", filler);
		char *p = payload_with(extra);
		char *jwt = make_token(HS256, p);
		size_t len = strlen(jwt);
		g_free(filler);
		g_free(extra);
		g_free(p);
		if (len == TOKEN_MAX_LEN) {
			assert_int_equal(verify(jwt), TOKEN_VALID);
			hit = true;
			g_free(jwt);
			continue;
		}
		if (len > TOKEN_MAX_LEN) {
			assert_int_equal(verify(jwt), TOKEN_MALFORMED);
			g_free(jwt);
			break;
		}
		g_free(jwt);
	}
	assert_true(hit);

	char *big = g_strnfill(64 * 1024, 'A');
	assert_int_equal(verify_n(big, 64 * 1024, SECRET, strlen(SECRET), NOW, &c), TOKEN_MALFORMED);
	assert_int_equal(verify_n(big, TOKEN_MAX_LEN + 1, SECRET, strlen(SECRET), NOW, &c),
			 TOKEN_MALFORMED);
	g_free(big);
}

/* Random bytes, and random base64url parts, never crash or pass. */
static void test_garbage(void **state)
{
	GRand *r = g_rand_new_with_seed(7);
	char buf[600];
	struct token_claims c;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)g_rand_int_range(r, 0, sizeof(buf));
		bool b64 = i % 2;
		for (size_t k = 0; k < len; k++)
			buf[k] = b64 ? (g_rand_int_range(r, 0, 40) ? alphabet[g_rand_int_range(r, 0, 64)] : '.')
				     : (char)g_rand_int_range(r, 0, 256);
		assert_int_not_equal(verify_n(buf, len, SECRET, strlen(SECRET), NOW, &c), TOKEN_VALID);
	}
	g_rand_free(r);
}

static void test_payload_not_object(void **state)
{
	static const char *const payloads[] = {
		"", "[]", "[{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000}]", "\"x\"", "42",
		"null", "true", "{", "}", "{}", "{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000} x",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000}{}", "\xff\xfe", "{\"sub\":\"\xc3\"}",
	};
	struct token_claims c;
	for (size_t i = 0; i < G_N_ELEMENTS(payloads); i++)
		if (verify_payload(payloads[i], &c) != TOKEN_MALFORMED)
			fail_msg("payload accepted: %s", payloads[i]);
}

static void test_claim_types(void **state)
{
	char s65[66];
	memset(s65, 'a', 65);
	s65[65] = 0;

	/* Payloads whole, since sub, room and exp are what is being tested. */
	const char *const cases[] = {
		"{\"room\":\"r\",\"exp\":1800000000}",
		"{\"sub\":\"\",\"room\":\"r\",\"exp\":1800000000}",
		"{\"sub\":1,\"room\":\"r\",\"exp\":1800000000}",
		"{\"sub\":null,\"room\":\"r\",\"exp\":1800000000}",
		"{\"sub\":[\"u\"],\"room\":\"r\",\"exp\":1800000000}",
		"{\"sub\":\"u\\u0000v\",\"room\":\"r\",\"exp\":1800000000}",
		"{\"sub\":\"u\",\"exp\":1800000000}",
		"{\"sub\":\"u\",\"room\":\"\",\"exp\":1800000000}",
		"{\"sub\":\"u\",\"room\":{},\"exp\":1800000000}",
		"{\"sub\":\"u\",\"room\":\"r\"}",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":\"1800000000\"}",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000.0}",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":1.8e9}",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":true}",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":null}",
		"{\"sub\":\"u\",\"room\":\"r\",\"exp\":9223372036854775808}",
		"{\"sub\":\"u\",\"sub\":\"admin\",\"room\":\"r\",\"exp\":1800000000}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct token_claims c;
		if (verify_payload(cases[i], &c) != TOKEN_MALFORMED)
			fail_msg("payload accepted: %s", cases[i]);
	}

	/* Optional members of the wrong type or size. */
	char *long_sub = g_strdup_printf("{\"sub\":\"%s\",\"room\":\"r\",\"exp\":1800000000}", s65);
	char *long_room = g_strdup_printf("{\"sub\":\"u\",\"room\":\"%s\",\"exp\":1800000000}", s65);
	char *long_name = g_strdup_printf("\"name\":\"%s\"", s65);
	struct token_claims c;
	assert_int_equal(verify_payload(long_sub, &c), TOKEN_MALFORMED);
	assert_int_equal(verify_payload(long_room, &c), TOKEN_MALFORMED);
	const char *extras[] = {
		long_name, "\"name\":5", "\"name\":null", "\"name\":\"a\\u0000\"",
		"\"iat\":\"1\"", "\"iat\":1.5", "\"iat\":null", "\"nbf\":\"1\"", "\"nbf\":false",
		"\"grants\":[]", "\"grants\":true", "\"grants\":null", "\"grants\":\"all\"",
		"\"grants\":{\"publish\":\"yes\"}", "\"grants\":{\"subscribe\":1}",
		"\"grants\":{\"publish\":null}", "\"exp\":1",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(extras); i++)
		if (verify_with(extras[i], &c) != TOKEN_MALFORMED)
			fail_msg("accepted with %s", extras[i]);
	g_free(long_sub);
	g_free(long_room);
	g_free(long_name);
}

static void test_claims_accepted(void **state)
{
	struct token_claims c;
	char s64[65];
	memset(s64, 'a', 64);
	s64[64] = 0;

	assert_int_equal(verify_with("", &c), TOKEN_VALID);
	assert_string_equal(c.identity, "u");
	assert_string_equal(c.room, "r");
	assert_string_equal(c.name, "");
	assert_int_equal(c.issued_at, 0);
	assert_true(c.can_publish && c.can_subscribe);

	assert_int_equal(verify_with("\"grants\":{}", &c), TOKEN_VALID);
	assert_true(c.can_publish && c.can_subscribe);
	assert_int_equal(verify_with("\"grants\":{\"publish\":false}", &c), TOKEN_VALID);
	assert_true(!c.can_publish && c.can_subscribe);
	assert_int_equal(verify_with("\"grants\":{\"subscribe\":false,\"admin\":true}", &c),
			 TOKEN_VALID);
	assert_true(c.can_publish && !c.can_subscribe);

	assert_int_equal(verify_with("\"name\":\"\"", &c), TOKEN_VALID);
	assert_string_equal(c.name, "");
	assert_int_equal(verify_with("\"name\":\"\\u00e9\\ud83d\\ude00\"", &c), TOKEN_VALID);
	assert_string_equal(c.name, "\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(verify_with("\"iat\":-5,\"nbf\":0,\"iss\":42,\"aud\":[]", &c), TOKEN_VALID);
	assert_int_equal(c.issued_at, -5);

	char *p = g_strdup_printf("{\"sub\":\"%s\",\"room\":\"%s\",\"name\":\"%s\","
				  "\"exp\":9223372036854775807}", s64, s64, s64);
	assert_int_equal(verify_payload(p, &c), TOKEN_VALID);
	assert_string_equal(c.identity, s64);
	assert_string_equal(c.room, s64);
	assert_string_equal(c.name, s64);
	assert_true(c.expires_at == INT64_MAX);
	g_free(p);
}

/* ---- time --------------------------------------------------------------- */

static enum token_status at(int64_t exp, const char *nbf, int64_t now)
{
	char *p = g_strdup_printf("{\"sub\":\"u\",\"room\":\"r\",\"exp\":%" PRId64 "%s%s}", exp,
				  nbf ? ",\"nbf\":" : "", nbf ? nbf : "");
	char *jwt = make_token(HS256, p);
	struct token_claims c;
	enum token_status s = verify_at(jwt, now, &c);
	g_free(jwt);
	g_free(p);
	return s;
}

static void test_leeway(void **state)
{
	/* Expired once now >= exp + 30. */
	assert_int_equal(at(NOW, NULL, NOW - 1), TOKEN_VALID);
	assert_int_equal(at(NOW, NULL, NOW), TOKEN_VALID);
	assert_int_equal(at(NOW, NULL, NOW + 29), TOKEN_VALID);
	assert_int_equal(at(NOW, NULL, NOW + 30), TOKEN_EXPIRED);
	assert_int_equal(at(NOW, NULL, NOW + 31), TOKEN_EXPIRED);

	/* Not yet valid while now + 30 < nbf. */
	assert_int_equal(at(NOW + HOUR, "1700000000", NOW - 31), TOKEN_NOT_YET_VALID);
	assert_int_equal(at(NOW + HOUR, "1700000000", NOW - 30), TOKEN_VALID);
	assert_int_equal(at(NOW + HOUR, "1700000000", NOW), TOKEN_VALID);

	/* No nbf: valid from the beginning of time. */
	assert_int_equal(at(NOW, NULL, INT64_MIN), TOKEN_VALID);

	/* An nbf after exp: expiry is reported first. */
	assert_int_equal(at(NOW, "1800000000", NOW + 30), TOKEN_EXPIRED);
	assert_int_equal(at(NOW, "1800000000", NOW), TOKEN_NOT_YET_VALID);
}

/* exp + 30 and now + 30 must not overflow (UBSan aborts if they do). */
static void test_time_extremes(void **state)
{
	const char *max = "9223372036854775807", *min = "-9223372036854775808";

	assert_int_equal(at(INT64_MAX, NULL, INT64_MAX), TOKEN_VALID);
	assert_int_equal(at(INT64_MAX - 29, NULL, INT64_MAX), TOKEN_VALID);
	assert_int_equal(at(INT64_MAX - 30, NULL, INT64_MAX), TOKEN_EXPIRED);
	assert_int_equal(at(INT64_MIN, NULL, INT64_MIN), TOKEN_VALID);
	assert_int_equal(at(INT64_MIN, NULL, INT64_MIN + 30), TOKEN_EXPIRED);
	assert_int_equal(at(INT64_MIN, NULL, NOW), TOKEN_EXPIRED);
	assert_int_equal(at(INT64_MAX, max, INT64_MAX), TOKEN_VALID);
	assert_int_equal(at(INT64_MAX, max, INT64_MAX - 30), TOKEN_VALID);
	assert_int_equal(at(INT64_MAX, max, INT64_MAX - 31), TOKEN_NOT_YET_VALID);
	assert_int_equal(at(INT64_MAX, max, INT64_MIN), TOKEN_NOT_YET_VALID);
	assert_int_equal(at(INT64_MAX, min, INT64_MIN), TOKEN_VALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_longest_fields),
		cmocka_unit_test(test_create_layout),
		cmocka_unit_test(test_create_refuses),
		cmocka_unit_test(test_python_vectors),
		cmocka_unit_test(test_every_status),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_out_only_when_valid),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_tampered_each_character),
		cmocka_unit_test(test_tampered_signature_length),
		cmocka_unit_test(test_alg),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_malformed_shapes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_payload_not_object),
		cmocka_unit_test(test_claim_types),
		cmocka_unit_test(test_claims_accepted),
		cmocka_unit_test(test_leeway),
		cmocka_unit_test(test_time_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
