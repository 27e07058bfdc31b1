/* Join tokens: compact JWS (RFC 7515) with HMAC-SHA256 over
 * base64url(header) "." base64url(claims). Verification goes strictly in
 * order: shape and alphabet, header and its alg, signature, and only then
 * the claims, so nothing an attacker wrote in the payload is read before the
 * MAC proves we issued it. Owns nothing beyond each call; no global state, so
 * any thread may call it. */
#include "api/token.h"

#include <glib.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "base/base64.h"

#define MAC_LEN 32      /* SHA-256 output */
#define LEEWAY 30       /* seconds of clock skew forgiven on exp and nbf */
/* Room for any base64url part of a TOKEN_MAX_LEN token once decoded. */
#define DECODED_MAX (TOKEN_MAX_LEN / 4 * 3 + 3)

static const char header_json[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* ---- base64url (RFC 4648 section 5), never padded ------------------------ */

static void b64url_encode(GString *out, const uint8_t *in, size_t n)
{
	size_t at = out->len, chars = base64_encoded_len(n, 0);
	g_string_set_size(out, at + chars);
	base64_encode(in, n, BASE64_URL, 0, out->str + at, chars + 1);
}

/* Unused low bits of the last character must be zero (base64_decode's
 * default): otherwise several strings decode to the same signature, and
 * flipping a last character would go unnoticed. '=' is refused. */
static bool b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
	int len = base64_decode(in, n, BASE64_URL, 0, out, cap);
	if (len < 0)
		return false;
	*out_len = (size_t)len;
	return true;
}

/* ---- signing ------------------------------------------------------------- */

static bool sign(const uint8_t *secret, size_t secret_len, const char *data, size_t n,
		 uint8_t mac[MAC_LEN])
{
	/* In OpenSSL's HMAC API a NULL key means "the previous key"; an empty
	 * key is legal HMAC, so hand it a real empty buffer. */
	static const uint8_t empty[1];
	unsigned int mac_len = 0;
	if (secret_len > INT_MAX)
		return false;
	if (!HMAC(EVP_sha256(), secret ? secret : empty, (int)secret_len, (const uint8_t *)data, n,
		  mac, &mac_len))
		return false;
	return mac_len == MAC_LEN;
}

/* ---- token_create -------------------------------------------------------- */

/* A field fits when its NUL comes within TOKEN_FIELD_MAX bytes. */
static bool field_fits(const char *s, bool may_be_empty)
{
	size_t n = strnlen(s, TOKEN_FIELD_MAX);
	return n < TOKEN_FIELD_MAX && (n > 0 || may_be_empty);
}

static json_t *claims_json(const struct token_claims *c)
{
	/* Fails on invalid UTF-8 in a field, since JSON cannot carry it. */
	return json_pack("{s:s, s:s, s:s, s:s*, s:I, s:I, s:I, s:{s:b, s:b}}",
			 "iss", "parley", "sub", c->identity, "room", c->room,
			 "name", c->name[0] ? c->name : NULL,
			 "iat", (json_int_t)c->issued_at, "nbf", (json_int_t)c->issued_at,
			 "exp", (json_int_t)c->expires_at,
			 "grants", "publish", c->can_publish, "subscribe", c->can_subscribe);
}

char *token_create(const struct token_claims *c, const uint8_t *secret, size_t secret_len)
{
	if (!c || !field_fits(c->room, false) || !field_fits(c->identity, false) ||
	    !field_fits(c->name, true) || c->expires_at <= c->issued_at)
		return NULL;
	json_t *claims = claims_json(c);
	char *payload = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
	json_decref(claims);
	if (!payload)
		return NULL;

	GString *jwt = g_string_sized_new(512);
	uint8_t mac[MAC_LEN];
	b64url_encode(jwt, (const uint8_t *)header_json, strlen(header_json));
	g_string_append_c(jwt, '.');
	b64url_encode(jwt, (const uint8_t *)payload, strlen(payload));
	free(payload);
	if (!sign(secret, secret_len, jwt->str, jwt->len, mac)) {
		g_string_free(jwt, TRUE);
		return NULL;
	}
	g_string_append_c(jwt, '.');
	b64url_encode(jwt, mac, sizeof(mac));
	return g_string_free(jwt, FALSE);
}

/* ---- token_verify -------------------------------------------------------- */

/* The three parts of a compact token, decoded. Everything is decoded up
 * front so that any token that is not three base64url parts is MALFORMED,
 * whatever else is wrong with it. */
struct parts {
	const char *text;       /* the caller's bytes */
	size_t signed_len;      /* header "." payload, the HMAC input */
	uint8_t header[DECODED_MAX], payload[DECODED_MAX], sig[DECODED_MAX];
	size_t header_len, payload_len, sig_len;
};

static bool split(const char *jwt, size_t len, struct parts *p)
{
	const char *end = jwt + len;
	const char *dot1 = memchr(jwt, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)))
		return false;
	p->text = jwt;
	p->signed_len = (size_t)(dot2 - jwt);
	return b64url_decode(jwt, (size_t)(dot1 - jwt), p->header, DECODED_MAX, &p->header_len) &&
	       b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), p->payload, DECODED_MAX,
			     &p->payload_len) &&
	       b64url_decode(dot2 + 1, (size_t)(end - dot2 - 1), p->sig, DECODED_MAX, &p->sig_len);
}

/* A JSON object, or NULL. Duplicate keys are refused, so a later "alg" or
 * "exp" cannot hide behind an earlier one, and so are NUL bytes in strings
 * (jansson's default without JSON_ALLOW_NUL). */
static json_t *parse_object(const uint8_t *text, size_t len)
{
	json_t *root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
	if (root && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static enum token_status check_header(const struct parts *p)
{
	json_t *header = parse_object(p->header, p->header_len);
	if (!header)
		return TOKEN_MALFORMED;
	/* Exactly "HS256": anything else, a missing alg included, is the
	 * classic downgrade ("none", or an RSA key reused as an HMAC secret). */
	json_t *alg = json_object_get(header, "alg");
	bool ok = json_is_string(alg) && json_string_length(alg) == 5 &&
		  memcmp(json_string_value(alg), "HS256", 5) == 0;
	json_decref(header);
	return ok ? TOKEN_VALID : TOKEN_UNSUPPORTED_ALG;
}

static enum token_status check_signature(const struct parts *p, const uint8_t *secret,
					 size_t secret_len)
{
	uint8_t want[MAC_LEN];
	if (p->sig_len != MAC_LEN || !sign(secret, secret_len, p->text, p->signed_len, want) ||
	    CRYPTO_memcmp(p->sig, want, MAC_LEN) != 0)
		return TOKEN_BAD_SIGNATURE;
	return TOKEN_VALID;
}

/* Copies a string claim of 1..TOKEN_FIELD_MAX-1 bytes (0 allowed when
 * optional); absent optional claims leave dst as "". */
static bool get_field(json_t *root, const char *key, bool required, char dst[TOKEN_FIELD_MAX])
{
	json_t *v = json_object_get(root, key);
	dst[0] = 0;
	if (!v)
		return !required;
	if (!json_is_string(v))
		return false;
	size_t n = json_string_length(v);
	if (n >= TOKEN_FIELD_MAX || (required && n == 0) || strlen(json_string_value(v)) != n)
		return false;
	memcpy(dst, json_string_value(v), n + 1);
	return true;
}

/* An integer claim; an absent optional one leaves dst as it was. */
static bool get_int(json_t *root, const char *key, bool required, int64_t *dst)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return !required;
	if (!json_is_integer(v))
		return false;
	*dst = json_integer_value(v);
	return true;
}

/* A grant is a boolean; absent means allowed, so older tokens keep working. */
static bool get_grant(json_t *grants, const char *key, bool *dst)
{
	json_t *v = grants ? json_object_get(grants, key) : NULL;
	*dst = true;
	if (!v)
		return true;
	if (!json_is_boolean(v))
		return false;
	*dst = json_is_true(v);
	return true;
}

/* Fills c from the payload; nbf is INT64_MIN when absent, iat 0. */
static enum token_status parse_claims(const struct parts *p, struct token_claims *c,
				      int64_t *nbf)
{
	json_t *root = parse_object(p->payload, p->payload_len);
	if (!root)
		return TOKEN_MALFORMED;
	json_t *grants = json_object_get(root, "grants");
	*nbf = INT64_MIN;
	c->issued_at = 0;
	bool ok = get_field(root, "sub", true, c->identity) &&
		  get_field(root, "room", true, c->room) &&
		  get_field(root, "name", false, c->name) &&
		  get_int(root, "exp", true, &c->expires_at) &&
		  get_int(root, "iat", false, &c->issued_at) &&
		  get_int(root, "nbf", false, nbf) &&
		  (!grants || json_is_object(grants)) &&
		  get_grant(grants, "publish", &c->can_publish) &&
		  get_grant(grants, "subscribe", &c->can_subscribe);
	json_decref(root);
	return ok ? TOKEN_VALID : TOKEN_MALFORMED;
}

/* The leeway sums are done so that they cannot overflow: exp or nbf near
 * INT64_MAX are legal JSON integers, and now is the caller's. */
static enum token_status check_time(int64_t now, int64_t exp, int64_t nbf)
{
	if (exp <= INT64_MAX - LEEWAY && now >= exp + LEEWAY)
		return TOKEN_EXPIRED;
	if (now <= INT64_MAX - LEEWAY && now + LEEWAY < nbf)
		return TOKEN_NOT_YET_VALID;
	return TOKEN_VALID;
}

enum token_status token_verify(const char *jwt, size_t len, const uint8_t *secret,
			       size_t secret_len, int64_t now, struct token_claims *out)
{
	struct parts p;
	struct token_claims c = { 0 };
	int64_t nbf;
	enum token_status s;

	if (!jwt || len > TOKEN_MAX_LEN || !split(jwt, len, &p))
		return TOKEN_MALFORMED;
	if ((s = check_header(&p)) != TOKEN_VALID)
		return s;
	if ((s = check_signature(&p, secret, secret_len)) != TOKEN_VALID)
		return s;
	if ((s = parse_claims(&p, &c, &nbf)) != TOKEN_VALID)
		return s;
	if ((s = check_time(now, c.expires_at, nbf)) != TOKEN_VALID)
		return s;
	if (out)
		*out = c;
	return TOKEN_VALID;
}

const char *token_status_text(enum token_status s)
{
	switch (s) {
	case TOKEN_VALID:
		return "valid";
	case TOKEN_MALFORMED:
		return "token is malformed";
	case TOKEN_UNSUPPORTED_ALG:
		return "token algorithm must be HS256";
	case TOKEN_BAD_SIGNATURE:
		return "token signature is invalid";
	case TOKEN_EXPIRED:
		return "token has expired";
	case TOKEN_NOT_YET_VALID:
		return "token is not yet valid";
	}
	return "unknown token status";
}
