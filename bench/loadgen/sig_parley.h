/* Parley signaling (docs/protocol.md) for many clients: one libwebsockets
 * client context on its own thread, one WebSocket per client. Other threads
 * open, send and close through a locked queue and lws_cancel_service.
 * Connections are freed only by sigp_stop. */
#ifndef LG_SIG_PARLEY_H
#define LG_SIG_PARLEY_H

#include <jansson.h>

struct sigp_handlers {
	/* All on the signaling thread. */
	void (*opened)(void *arg);
	void (*message)(void *arg, json_t *msg);   /* borrowed */
	void (*closed)(void *arg, const char *why);
};

struct sigp_conn;

/* url: ws://HOST:PORT/PATH. Returns 0 or -EINVAL / -EIO. */
int sigp_start(const char *url);
void sigp_stop(void);

/* A connection, not yet opened: keep the pointer before callbacks can run. */
struct sigp_conn *sigp_new(const struct sigp_handlers *h, void *arg);
void sigp_connect(struct sigp_conn *c);
/* Queues one text message; takes msg (json_decref). */
void sigp_send(struct sigp_conn *c, json_t *msg);
/* Sends what is queued, then closes. */
void sigp_close(struct sigp_conn *c);

#endif
