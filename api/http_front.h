/* The front door: the one listening socket (http_address:http_port) behind
 * which the conference page, WebSocket signaling, the HTTP API and WHIP
 * live. It accepts connections on a thread of its own, peeks at the request
 * line without consuming it, and hands the socket to libwebsockets (GET /ws)
 * or to libmicrohttpd (everything else), which then read the request from
 * the start. */
#ifndef PARLEY_HTTP_FRONT_H
#define PARLEY_HTTP_FRONT_H

#include <sys/socket.h>

struct http_front_handlers {
	/* Ownership of fd moves to the handler. Called on the front door thread. */
	void (*websocket)(int fd);
	void (*http)(int fd, const struct sockaddr *addr, socklen_t len);
};

/* Binds and listens; returns 0, -EADDRINUSE or -EINVAL (logged). */
int http_front_start(const char *address, int port, const struct http_front_handlers *h);
/* The port actually bound (useful with port 0). */
int http_front_port(void);
/* Closes the listening socket and any connection not yet handed over. */
void http_front_stop(void);

#endif
