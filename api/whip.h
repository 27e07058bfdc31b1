/* WHIP ingest (RFC 9725): an encoder (OBS, GStreamer, a browser) POSTs an
 * SDP offer to /whip/{room} and publishes into the room as a participant of
 * kind "whip"; PATCH trickles its candidates, DELETE ends the session.
 * The handlers run on HTTP connection threads (several at once); the table
 * of live sessions is shared under one mutex with the workers, which report
 * through whip_on_session_message when they end a session themselves. */
#ifndef PARLEY_WHIP_H
#define PARLEY_WHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"

struct room_directory;

/* d is borrowed until whip_stop. Returns 0. */
int whip_start(struct room_directory *d);
/* Forgets every session (the SFU ends their participants on its own stop). */
void whip_stop(void);

/* Every request whose path starts with "/whip/" (any method). */
void whip_handle(const struct http_request *req, struct http_response *resp);

/* The sfu_send_fn route for SFU_SESSION_WHIP session ids, on worker
 * threads: json is owned by the callee (may be NULL). close = the worker
 * removed the participant (kicked, ICE or DTLS failure, timeout, room
 * ended): the session is forgotten and its seat in the directory freed. */
void whip_on_session_message(uint64_t session_id, char *json, bool close);

#endif
