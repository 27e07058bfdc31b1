/* SIP's sockets: one UDP socket and one TCP listener on sip_address:sip_port,
 * optionally a TLS listener on sip_tls_port (sip_tls.c does the TLS), and
 * the TCP and TLS connections callers open. Each socket is a GSource on the SIP
 * thread's GMainContext; whole messages (datagrams, or framed by
 * sip_framer on streams) go to one receive callback with where they came
 * from. Sending never blocks: a stream that cannot take a message now keeps
 * it queued (bounded) until the socket is writable.
 *
 * Owned by the user agent (sip_ua.c) and used only on the SIP thread. */
#ifndef PARLEY_SIP_TRANSPORT_H
#define PARLEY_SIP_TRANSPORT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum sip_proto { SIP_PROTO_UDP, SIP_PROTO_TCP, SIP_PROTO_TLS };

/* Where a message came from, and so how to answer it. */
struct sip_origin {
	enum sip_proto proto;
	uint64_t conn;                 /* TCP, TLS: the connection's id; 0 for UDP */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char ip[64];                   /* the peer's address, numeric */
	int port;
	int64_t waited_us;             /* UDP: how long it sat in our socket's queue
					* before we read it (0 for streams) */
};

struct sip_transport;

typedef void sip_transport_recv_fn(void *arg, const char *buf, size_t len,
				   const struct sip_origin *from);

/* Binds UDP and TCP on address:port. Returns 0 or a negative errno (logged). */
int sip_transport_create(struct sip_transport **out, GMainContext *ctx, const char *address,
			 int port, sip_transport_recv_fn *fn, void *arg);
void sip_transport_destroy(struct sip_transport *t);

/* Also listens for TLS on address:port with the PEM certificate chain and
 * key in those files. Returns 0 or a negative errno (logged: an unreadable
 * or mismatched file, or the port). */
int sip_transport_listen_tls(struct sip_transport *t, const char *address, int port,
			     const char *cert_file, const char *key_file);

const char *sip_proto_name(enum sip_proto p);  /* "UDP", "TCP", "TLS" as in Via */
/* The URI parameter that asks for p: "", ";transport=tcp", ";transport=tls". */
const char *sip_proto_uri_param(enum sip_proto p);
/* The port we listen on for p (TCP shares UDP's). */
int sip_transport_port(const struct sip_transport *t, enum sip_proto p);

/* Sends buf. TCP, TLS: on the connection `to` names (-ENOTCONN when it has
 * closed). UDP: to host:port when host is a numeric address, else to the
 * peer in `to`. Returns 0 or a negative errno. */
int sip_transport_send(struct sip_transport *t, const struct sip_origin *to, const char *host,
		       int port, const char *buf, size_t len);

/* Fills a sockaddr from a numeric host and a port. Returns 0 or -EINVAL. */
int sip_sockaddr_from(const char *host, int port, struct sockaddr_storage *sa, socklen_t *len);
/* The numeric address and port of sa. */
void sip_sockaddr_to(const struct sockaddr *sa, char ip[64], int *port);

#endif
