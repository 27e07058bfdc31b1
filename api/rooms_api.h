/* The room API under /api/v1 (docs/openapi.yaml): rooms, their
 * participants, forced mute, join tokens. Handlers run on HTTP connection
 * threads; changes to rooms are serialised by one lock of this module.
 * Rooms created here are written to the room store and loaded at start; a
 * housekeeping thread removes those whose empty_timeout_s has passed. */
#ifndef PARLEY_ROOMS_API_H
#define PARLEY_ROOMS_API_H

#include "api/http.h"
#include "api/room_directory.h"
#include "api/room_store.h"
#include "base/config.h"

/* Loads the stored rooms into d. 0 or -EIO. */
int rooms_api_start(const struct config *cfg, struct room_directory *d, struct room_store *store);
void rooms_api_stop(void);
void rooms_api_handle(const struct http_request *req, struct http_response *resp);

#endif
