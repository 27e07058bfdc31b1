/* Who may do what: the API key (Authorization: Bearer KEY on /api and
 * /metrics) and join tokens (JWT, api/token.h) for rooms that require them.
 * Set up once at start on the main thread; read-only afterwards, so any
 * thread may call the checks. */
#ifndef PARLEY_AUTH_H
#define PARLEY_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/token.h"
#include "base/config.h"

struct room_store;

/* Takes the API key from cfg (api_key, or PARLEY_API_KEY when empty) and the
 * token secret from cfg (token_secret) or, when empty, from the store
 * (made once, kept across restarts). Refuses (-EPERM, logged) an API on a
 * non-loopback http_address without a key. */
int auth_init(const struct config *cfg, struct room_store *store);

bool auth_has_api_key(void);
/* authorization is the header value ("" when absent). True when no key is
 * configured or it carries the key. */
bool auth_api_key_ok(const char *authorization);

/* Checks a join token (raw JWT, not "Bearer ...") for room at now (Unix s).
 * Returns TOKEN_VALID with claims filled, or why not; a token for another
 * room is TOKEN_MALFORMED with *wrong_room set. */
enum token_status auth_check_join_token(const char *jwt, const char *room, int64_t now,
					struct token_claims *claims, bool *wrong_room);
/* Signs claims with the server's secret (g_free it). */
char *auth_make_join_token(const struct token_claims *claims);

#endif
