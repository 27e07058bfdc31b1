/* The HTTP side of the front door (libmicrohttpd): every request that is
 * not WebSocket signaling. One thread per connection, so a handler may wait
 * for a worker (worker_call) without holding up other requests; routing:
 *   /api/v1/...   rooms API (API key)        api/rooms_api.c
 *   /metrics      Prometheus text (API key)  api/metrics.c
 *   /healthz      liveness, open
 *   /whip/...     WHIP ingest (join tokens)  api/whip.c
 *   anything else the page from web_dir      api/http_static.c */
#ifndef PARLEY_HTTP_SERVER_H
#define PARLEY_HTTP_SERVER_H

#include <sys/socket.h>

#include "base/config.h"

int http_server_start(const struct config *cfg);
/* Takes ownership of an accepted socket (from the front door thread). */
void http_server_add_connection(int fd, const struct sockaddr *addr, socklen_t len);
/* Stops accepting, finishes running requests, joins the threads. */
void http_server_stop(void);

#endif
