/* The Janus side of the load generator: its HTTP API (janus.transport.http)
 * with libcurl. One Janus session holds every handle; one thread sends the
 * requests in order (and a keepalive every 25 s), one long-polls the session
 * for events and hands each to its handle's callbacks. */
#ifndef LG_SIG_JANUS_H
#define LG_SIG_JANUS_H

#include <jansson.h>
#include <stdint.h>

struct sigj_handlers {
	/* On the polling thread; data is plugindata.data, jsep may be NULL (both borrowed). */
	void (*event)(void *arg, json_t *data, json_t *jsep);
	/* A trickled candidate "candidate:...", or NULL for completed. */
	void (*trickle)(void *arg, const char *candidate);
	/* A request on this handle failed, or Janus hung up / detached it. */
	void (*error)(void *arg, const char *why);
	/* Janus's side of the PeerConnection is up ("webrtcup"); may be NULL. */
	void (*up)(void *arg);
};

struct sigj_handle;

/* base: http://HOST:PORT/janus. Creates the session (blocking). Returns 0 or -EIO. */
int sigj_start(const char *base);
void sigj_stop(void);

/* A synchronous plugin request (create a room, ...) on a handle of its own.
 * Returns plugindata.data (new reference) or NULL. Any thread. */
json_t *sigj_request_sync(json_t *body);

/* The rest queue a request and return at once; requests run in order. */
struct sigj_handle *sigj_attach(const struct sigj_handlers *h, void *arg);
/* Takes body and jsep (jsep may be NULL). */
void sigj_message(struct sigj_handle *h, json_t *body, json_t *jsep);
void sigj_trickle(struct sigj_handle *h, const char *candidate);
void sigj_detach(struct sigj_handle *h);

#endif
