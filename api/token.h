/* Join tokens: JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (HS256,
 * RFC 7518) under the server's secret. The API hands them out; signaling
 * checks them when a participant joins a room that requires one. Pure
 * functions, callable from any thread. */
#ifndef PARLEY_TOKEN_H
#define PARLEY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAX_LEN 4096
#define TOKEN_FIELD_MAX 65          /* room, identity, name: at most 64 bytes + NUL */

struct token_claims {
	char room[TOKEN_FIELD_MAX];     /* "room" */
	char identity[TOKEN_FIELD_MAX]; /* "sub" */
	char name[TOKEN_FIELD_MAX];     /* "name"; "" when absent */
	int64_t issued_at;              /* "iat", Unix seconds */
	int64_t expires_at;             /* "exp", Unix seconds */
	bool can_publish;               /* "grants": {"publish", "subscribe"}; absent = true */
	bool can_subscribe;
};

enum token_status {
	TOKEN_VALID = 0,
	TOKEN_MALFORMED,        /* over TOKEN_MAX_LEN, not three unpadded base64url parts, not a
				 * JSON object, duplicate keys, missing/mistyped claim */
	TOKEN_UNSUPPORTED_ALG,  /* header alg is not exactly "HS256" (e.g. "none"), or absent */
	TOKEN_BAD_SIGNATURE,    /* not the HMAC of header.payload under the secret */
	TOKEN_EXPIRED,          /* now >= exp + 30 */
	TOKEN_NOT_YET_VALID,    /* now + 30 < nbf (when present) */
};

/* A signed token for c (g_free it), with iat = nbf = issued_at. NULL when
 * room or identity is empty, a field has no NUL within TOKEN_FIELD_MAX bytes
 * or is not UTF-8, or expires_at <= issued_at. The result always fits in
 * TOKEN_MAX_LEN. */
char *token_create(const struct token_claims *c, const uint8_t *secret, size_t secret_len);

/* Checks signature, algorithm and time (now, Unix seconds; 30 s leeway on
 * exp and nbf) of the len bytes at jwt, which need no NUL. The claims are
 * read only once the signature holds. Fills out (may be NULL) only when
 * valid; an absent iat reads as 0. */
enum token_status token_verify(const char *jwt, size_t len, const uint8_t *secret,
			       size_t secret_len, int64_t now, struct token_claims *out);

/* A short English reason for logs and error bodies. */
const char *token_status_text(enum token_status s);

#endif
