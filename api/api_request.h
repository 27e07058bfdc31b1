/* The bodies the room API accepts, parsed and validated into structs, and
 * room settings written back as JSON. Pure functions: no server state, so
 * they are unit-tested and fuzzed on their own. Every error message names
 * the field and what is wrong with it. */
#ifndef PARLEY_API_REQUEST_H
#define PARLEY_API_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/room_store.h"
#include "api/token.h"

#define API_TOKEN_DEFAULT_TTL_S 3600
#define API_TOKEN_MAX_TTL_S (7 * 24 * 3600)
#define API_MAX_EMPTY_TIMEOUT_S (365 * 24 * 3600)

/* 1..64 characters of A-Z a-z 0-9 . _ - (URL-safe without escaping), not
 * only dots. Signaling, WHIP and SIP use the same rule. */
bool api_room_name_valid(const char *name);

/* POST /rooms (create: "name" required) and PATCH /rooms/{name} (only the
 * fields present change; "name", if present, must equal s->name). Fields:
 * name, max_participants (0 = the server's, up to server_max), pin ("" or 4..16 digits),
 * sip_number ("" or an optional "+" and 1..31 digits), require_token,
 * empty_timeout_s (0..API_MAX_EMPTY_TIMEOUT_S); null clears pin and
 * sip_number; unknown fields are refused. 0 or -EINVAL with err. */
int api_parse_room_settings(struct room_settings *s, json_t *body, bool create,
			    unsigned server_max, char *err, size_t errlen);
json_t *api_room_settings_json(const struct room_settings *s);

/* POST /tokens: room, identity (required), name, ttl_s (1..API_TOKEN_MAX_TTL_S,
 * default API_TOKEN_DEFAULT_TTL_S), can_publish, can_subscribe (default
 * true). Fills c with issued_at = now. 0 or -EINVAL with err. */
int api_parse_token_request(struct token_claims *c, json_t *body, int64_t now, char *err,
			    size_t errlen);

/* POST .../mute: {"audio"?: bool, "video"?: bool}, at least one. Each out is
 * 1 (mute), 0 (unmute) or -1 (absent). 0 or -EINVAL with err. */
int api_parse_mute(json_t *body, int *audio, int *video, char *err, size_t errlen);

#endif
