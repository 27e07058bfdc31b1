/* libFuzzer target for api/token.c. Random bytes almost never carry a valid
 * MAC, so the harness also signs for the fuzzer; the first byte picks how
 * the input becomes a token:
 *   'p' + JSON   the claims, under {"alg":"HS256","typ":"JWT"}, signed here;
 *   'h' + JSON   the header, over fixed valid claims, signed here;
 *   anything else: the whole input is the token, as a client would send it.
 * Whatever the token, token_verify must agree with itself across clocks
 * (only VALID, EXPIRED and NOT_YET_VALID may depend on now), never accept
 * it under another secret, write out only when VALID, and a valid token
 * must hold claims token_create can sign again and read back unchanged. */
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "parley-fuzz-secret"
#define NOW INT64_C(1700000000)

static const char fixed_claims[] =
	"{\"sub\":\"u\",\"room\":\"r\",\"exp\":1800000000,\"nbf\":1600000000}";
static const char fixed_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* base64url without padding, through GLib (not token.c's encoder). */
static void append_b64url(GString *out, const void *data, size_t n)
{
	char *s = g_base64_encode(data, n);
	for (char *p = s; *p && *p != '='; p++)
		g_string_append_c(out, *p == '+' ? '-' : *p == '/' ? '_' : *p);
	g_free(s);
}

static GString *signed_token(const void *header, size_t hlen, const void *claims, size_t clen)
{
	GString *t = g_string_new(NULL);
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	append_b64url(t, header, hlen);
	g_string_append_c(t, '.');
	append_b64url(t, claims, clen);
	if (!HMAC(EVP_sha256(), SECRET, strlen(SECRET), (const uint8_t *)t->str, t->len, mac,
		  &mac_len))
		abort();
	g_string_append_c(t, '.');
	append_b64url(t, mac, mac_len);
	return t;
}

/* Verifies from an exact-size heap copy, so ASan sees any over-read. */
static enum token_status verify(const char *jwt, size_t len, const char *secret, int64_t now,
				struct token_claims *out)
{
	char *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, jwt, len);
	enum token_status s = token_verify(copy, len, (const uint8_t *)secret, strlen(secret), now,
					   out);
	free(copy);
	return s;
}

static bool depends_on_time(enum token_status s)
{
	return s == TOKEN_VALID || s == TOKEN_EXPIRED || s == TOKEN_NOT_YET_VALID;
}

static bool field_ok(const char *f, bool may_be_empty)
{
	const char *nul = memchr(f, 0, TOKEN_FIELD_MAX);
	return nul && (nul > f || may_be_empty) && g_utf8_validate(f, -1, NULL);
}

static void check_claims_equal(const struct token_claims *a, const struct token_claims *b)
{
	if (strcmp(a->room, b->room) || strcmp(a->identity, b->identity) ||
	    strcmp(a->name, b->name) || a->issued_at != b->issued_at ||
	    a->expires_at != b->expires_at || a->can_publish != b->can_publish ||
	    a->can_subscribe != b->can_subscribe)
		abort();
}

/* What a valid token yields can be signed again and read back as is. */
static void check_valid(const struct token_claims *c, int64_t now)
{
	if (!field_ok(c->room, false) || !field_ok(c->identity, false) || !field_ok(c->name, true))
		abort();
	if ((__int128)now >= (__int128)c->expires_at + 30)
		abort();
	char *again = token_create(c, (const uint8_t *)SECRET, strlen(SECRET));
	if (!again) {
		if (c->expires_at > c->issued_at)
			abort();
		return;
	}
	struct token_claims back;
	if (verify(again, strlen(again), SECRET, c->issued_at, &back) != TOKEN_VALID)
		abort();
	check_claims_equal(c, &back);
	g_free(again);
}

static void check_token(const char *jwt, size_t len, bool signed_here)
{
	static const int64_t clocks[] = { NOW, 0, INT64_MIN, INT64_MAX, INT64_MAX - 30 };
	struct token_claims out, sentinel;
	enum token_status first = TOKEN_VALID;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	for (size_t i = 0; i < G_N_ELEMENTS(clocks); i++) {
		memcpy(&out, &sentinel, sizeof(out));
		enum token_status s = verify(jwt, len, SECRET, clocks[i], &out);
		if (s > TOKEN_NOT_YET_VALID || !token_status_text(s))
			abort();
		if (i == 0)
			first = s;
		else if (s != first && !(depends_on_time(s) && depends_on_time(first)))
			abort();
		if (signed_here && s == TOKEN_BAD_SIGNATURE)
			abort();
		if (s == TOKEN_EXPIRED && (__int128)clocks[i] < (__int128)INT64_MIN + 30)
			abort(); /* nothing expires before the earliest exp plus leeway */
		if (s == TOKEN_VALID)
			check_valid(&out, clocks[i]);
		else if (memcmp(&out, &sentinel, sizeof(out)) != 0)
			abort();
	}

	enum token_status other = verify(jwt, len, "another-secret", NOW, &out);
	if (other != TOKEN_MALFORMED && other != TOKEN_UNSUPPORTED_ALG &&
	    other != TOKEN_BAD_SIGNATURE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && (data[0] == 'p' || data[0] == 'h')) {
		const uint8_t *json = data + 1;
		GString *t = data[0] == 'p'
			? signed_token(fixed_header, strlen(fixed_header), json, size - 1)
			: signed_token(json, size - 1, fixed_claims, strlen(fixed_claims));
		check_token(t->str, t->len, true);
		g_string_free(t, TRUE);
		return 0;
	}
	check_token((const char *)data, size, false);
	return 0;
}
