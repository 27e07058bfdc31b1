/* GET /metrics: Prometheus text exposition format 0.0.4 (docs/api.md lists
 * every series). Read-only snapshots of worker counters, the room
 * directory and webhook counters; never waits for a worker. */
#ifndef PARLEY_METRICS_H
#define PARLEY_METRICS_H

#include "api/http.h"
#include "api/room_directory.h"

void metrics_init(struct room_directory *d);
void metrics_handle(const struct http_request *req, struct http_response *resp);

#endif
