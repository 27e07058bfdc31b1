/* WebSocket signaling (libwebsockets) on /ws: the front door hands over
 * the sockets. Runs on the thread that calls ws_server_run (the main
 * thread); workers reach sessions only through ws_server_post. */
#ifndef PARLEY_WS_SERVER_H
#define PARLEY_WS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"

struct room_directory;

/* Returns 0 or -EIO. d is shared with the API (not owned). */
int ws_server_start(const struct config *cfg, struct room_directory *d);
/* From any thread: serve the accepted socket fd (its request not yet read). */
void ws_server_adopt(int fd);
/* Serves until ws_server_request_stop. */
void ws_server_run(void);
/* After sfu_stop: sends what the workers queued (their byes) and closes
 * every session, serving for at most a second more. */
void ws_server_close_sessions(void);
/* Async-signal-safe. */
void ws_server_request_stop(void);
void ws_server_destroy(void);

/* From any thread: queue json (ownership moves here; NULL for none) for
 * session_id; close it after when close is true. Unknown sessions are ignored. */
void ws_server_post(uint64_t session_id, char *json, bool close);

#endif
