/* API key and token secret, fixed at start. The key is compared in constant
 * time so response timing does not reveal how much of a guess was right. */
#include "api/auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "api/room_store.h"
#include "base/log.h"

#define SECRET_LEN 32

static char api_key[256];
static uint8_t secret[256];
static size_t secret_len;

static bool is_loopback(const char *addr)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, addr, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6);
	return strcmp(addr, "localhost") == 0;
}

int auth_init(const struct config *cfg, struct room_store *store)
{
	const char *env = getenv("PARLEY_API_KEY");
	g_strlcpy(api_key, *cfg->api_key ? cfg->api_key : env ? env : "", sizeof(api_key));
	if (!*api_key && !is_loopback(cfg->http_address)) {
		log_error(LOGS_HTTP, "refusing to serve the API on %s without an API key: set api_key "
			  "(or PARLEY_API_KEY), or listen on a loopback address", cfg->http_address);
		return -EPERM;
	}
	if (*cfg->token_secret) {
		secret_len = strlen(cfg->token_secret);
		/* HMAC accepts any key; a short one is guessable offline from one token. */
		if (secret_len < 16) {
			log_error(LOGS_HTTP, "token_secret must be at least 16 characters");
			return -EINVAL;
		}
		memcpy(secret, cfg->token_secret, secret_len);
		return 0;
	}
	secret_len = SECRET_LEN;
	if (!store || room_store_secret(store, "token_secret", secret, SECRET_LEN)) {
		log_error(LOGS_HTTP, "no token secret: set token_secret or make data_dir writable");
		return -EIO;
	}
	return 0;
}

bool auth_has_api_key(void)
{
	return *api_key != '\0';
}

bool auth_api_key_ok(const char *authorization)
{
	if (!*api_key)
		return true;
	if (g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	const char *given = authorization + 7;
	size_t n = strlen(api_key);
	return strlen(given) == n && CRYPTO_memcmp(given, api_key, n) == 0;
}

enum token_status auth_check_join_token(const char *jwt, const char *room, int64_t now,
					struct token_claims *claims, bool *wrong_room)
{
	*wrong_room = false;
	enum token_status st = token_verify(jwt, strlen(jwt), secret, secret_len, now, claims);
	if (st == TOKEN_VALID && strcmp(claims->room, room) != 0) {
		*wrong_room = true;
		return TOKEN_MALFORMED;
	}
	return st;
}

char *auth_make_join_token(const struct token_claims *claims)
{
	return token_create(claims, secret, secret_len);
}
