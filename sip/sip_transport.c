/* SIP sockets on the SIP thread's GMainContext: see sip_transport.h.
 *
 * TLS connections are TCP connections with a sip_tls session in front of
 * their reads and writes. Until its handshake is done a TLS connection only
 * advances the handshake; it is dropped when the handshake fails or has not
 * finished within HANDSHAKE_TIMEOUT_S, and at most MAX_HANDSHAKES may be in
 * progress at once, so idle or slow clients cannot use up the connections. */
#define _GNU_SOURCE
#include "sip/sip_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "sip/sip_framer.h"
#include "sip/sip_tls.h"

#define MAX_CONNECTIONS 512
#define MAX_QUEUED (256 * 1024)   /* unsent bytes per connection before we drop it */
#define MAX_HANDSHAKES 64
#define HANDSHAKE_TIMEOUT_S 10

struct conn {
	struct sip_transport *t;
	uint64_t id;
	int fd;
	GSource *src;
	struct sip_origin origin;
	char in[SIP_FRAMER_MAX_MESSAGE + 4096];
	size_t in_len;
	GByteArray *out;              /* queued while the socket is full */
	bool dead;                    /* a send failed: closed at its next event */
	struct sip_tls_conn *tls;     /* TLS only, owned */
	GSource *handshake_timer;     /* TLS until the handshake is done */
};

struct sip_transport {
	GMainContext *ctx;
	int port, tls_port;
	int udp_fd, tcp_fd, tls_fd;
	GSource *udp_src, *tcp_src, *tls_src;
	struct sip_tls_ctx *tls;      /* NULL without TLS */
	GHashTable *conns;            /* id -> struct conn */
	unsigned handshakes;          /* connections whose TLS handshake is in progress */
	uint64_t next_id;
	sip_transport_recv_fn *fn;
	void *arg;
};

const char *sip_proto_name(enum sip_proto p)
{
	return p == SIP_PROTO_TLS ? "TLS" : p == SIP_PROTO_TCP ? "TCP" : "UDP";
}

const char *sip_proto_uri_param(enum sip_proto p)
{
	return p == SIP_PROTO_TLS ? ";transport=tls" : p == SIP_PROTO_TCP ? ";transport=tcp" : "";
}

int sip_transport_port(const struct sip_transport *t, enum sip_proto p)
{
	return p == SIP_PROTO_TLS ? t->tls_port : t->port;
}

int sip_sockaddr_from(const char *host, int port, struct sockaddr_storage *sa, socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	char h[64];
	size_t n = strlen(host);
	/* A Via or URI host may be an IPv6 reference in brackets. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(h)) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = 0;
		host = h;
	}
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		return 0;
	}
	return -EINVAL;
}

void sip_sockaddr_to(const struct sockaddr *sa, char ip[64], int *port)
{
	ip[0] = 0;
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &v4->sin_addr, ip, 64);
		*port = ntohs(v4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &v6->sin6_addr, ip, 64);
		*port = ntohs(v6->sin6_port);
	}
}

static GSource *watch(struct sip_transport *t, int fd, GIOCondition cond, GUnixFDSourceFunc fn,
		      void *arg)
{
	GSource *s = g_unix_fd_source_new(fd, cond);
	g_source_set_callback(s, (GSourceFunc)(void (*)(void))fn, arg, NULL);
	g_source_attach(s, t->ctx);
	return s;
}

static void unwatch(GSource **s)
{
	if (*s) {
		g_source_destroy(*s);
		g_source_unref(*s);
		*s = NULL;
	}
}

/* ---- UDP ---- */

/* The kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME) against now:
 * the time a datagram queued while the SIP thread was busy. */
static int64_t queued_for(const struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		struct timespec at, now;
		memcpy(&at, CMSG_DATA(c), sizeof(at));
		clock_gettime(CLOCK_REALTIME, &now);
		int64_t us = (int64_t)(now.tv_sec - at.tv_sec) * 1000000 + (now.tv_nsec - at.tv_nsec) / 1000;
		return us > 0 ? us : 0;
	}
	return 0;
}

static gboolean on_udp(int fd, GIOCondition cond, gpointer arg)
{
	struct sip_transport *t = arg;
	char buf[65536];
	union {
		char space[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	for (int i = 0; i < 64; i++) {
		struct sip_origin o = { .proto = SIP_PROTO_UDP };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
		struct msghdr mh = { .msg_name = &o.peer, .msg_namelen = sizeof(o.peer), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = control.space,
				     .msg_controllen = sizeof(control.space) };
		ssize_t n = recvmsg(t->udp_fd, &mh, 0);
		if (n < 0)
			break;
		o.peer_len = mh.msg_namelen;
		o.waited_us = queued_for(&mh);
		/* A few bytes (NAT keep-alive CRLFs) are not a message. */
		if (n < 4)
			continue;
		buf[n] = 0;
		sip_sockaddr_to((struct sockaddr *)&o.peer, o.ip, &o.port);
		t->fn(t->arg, buf, (size_t)n, &o);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- TCP and TLS ---- */

static void conn_close(struct conn *c, const char *why)
{
	log_debug(LOGS_SIP, "%s %s:%d closed: %s", sip_proto_name(c->origin.proto), c->origin.ip,
		  c->origin.port, why);
	g_hash_table_remove(c->t->conns, &c->id);
}

static void handshake_over(struct conn *c)
{
	if (c->handshake_timer) {
		unwatch(&c->handshake_timer);
		c->t->handshakes--;
	}
}

static void conn_free(gpointer p)
{
	struct conn *c = p;
	unwatch(&c->src);
	handshake_over(c);
	sip_tls_conn_destroy(c->tls);
	close(c->fd);
	if (c->out)
		g_byte_array_free(c->out, TRUE);
	free(c);
}

static gboolean on_conn(int fd, GIOCondition cond, gpointer arg);

static void conn_set_watch(struct conn *c)
{
	unwatch(&c->src);
	GIOCondition cond = G_IO_IN | G_IO_HUP | G_IO_ERR;
	/* A dead connection wakes up to be closed, and one whose TLS session
	 * holds decrypted input to read it. */
	if ((c->out && c->out->len) || c->dead ||
	    (c->tls && (sip_tls_conn_wants_write(c->tls) || sip_tls_conn_has_pending(c->tls))))
		cond |= G_IO_OUT;
	c->src = watch(c->t, c->fd, cond, on_conn, c);
}

/* Hands every whole message in the buffer to the receiver. False when the
 * stream is broken (the connection must close). */
static bool conn_deliver(struct conn *c)
{
	for (;;) {
		size_t skip;
		long n = sip_framer_next(c->in, c->in_len, &skip);
		if (n < 0)
			return false;
		if (n == 0) {
			memmove(c->in, c->in + skip, c->in_len - skip);
			c->in_len -= skip;
			return true;
		}
		char saved = c->in[skip + n];
		c->in[skip + n] = 0;
		c->t->fn(c->t->arg, c->in + skip, (size_t)n, &c->origin);
		c->in[skip + n] = saved;
		size_t used = skip + (size_t)n;
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
}

static ssize_t sock_result(ssize_t n)
{
	if (n >= 0)
		return n;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;
}

/* recv and send for either kind of stream: bytes, 0 (peer closed, reads
 * only), or a negative errno (-EAGAIN: wait for the socket). */
static ssize_t conn_read(struct conn *c, void *buf, size_t len)
{
	if (c->tls)
		return sip_tls_read(c->tls, buf, len);
	return sock_result(recv(c->fd, buf, len, MSG_DONTWAIT));
}

static ssize_t conn_write(struct conn *c, const void *buf, size_t len)
{
	if (c->tls)
		return sip_tls_write(c->tls, buf, len);
	return sock_result(send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT));
}

static bool conn_flush(struct conn *c)
{
	while (c->out && c->out->len) {
		ssize_t n = conn_write(c, c->out->data, c->out->len);
		if (n < 0)
			return n == -EAGAIN;
		g_byte_array_remove_range(c->out, 0, (guint)n);
	}
	return true;
}

/* Advances a TLS handshake. False when the connection must close. */
static bool conn_handshake(struct conn *c)
{
	int rc = sip_tls_handshake(c->tls);
	if (rc == -EAGAIN)
		return true;
	if (rc) {
		log_info(LOGS_SIP, "TLS handshake with %s:%d failed: %s", c->origin.ip,
			 c->origin.port, sip_tls_conn_error(c->tls));
		return false;
	}
	handshake_over(c);
	log_debug(LOGS_SIP, "TLS %s:%d connected (%s)", c->origin.ip, c->origin.port,
		  sip_tls_conn_version(c->tls));
	return true;
}

static gboolean on_handshake_timeout(gpointer arg)
{
	struct conn *c = arg;
	log_info(LOGS_SIP, "TLS handshake with %s:%d not done after %d s; closing", c->origin.ip,
		 c->origin.port, HANDSHAKE_TIMEOUT_S);
	conn_close(c, "handshake timeout");   /* destroys this source too */
	return G_SOURCE_REMOVE;
}

static gboolean on_conn(int fd, GIOCondition cond, gpointer arg)
{
	struct conn *c = arg;
	uint64_t id = c->id;
	GHashTable *conns = c->t->conns;
	if (c->handshake_timer) {
		if (!conn_handshake(c)) {
			conn_close(c, "handshake failed");
			return G_SOURCE_CONTINUE;   /* the source was destroyed with the connection */
		}
		if (c->handshake_timer) {
			conn_set_watch(c);
			return G_SOURCE_CONTINUE;
		}
	}
	if (c->dead || !conn_flush(c)) {
		conn_close(c, "send failed");
		return G_SOURCE_CONTINUE;
	}
	ssize_t n = conn_read(c, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		conn_close(c, n == 0 ? "peer closed"
			   : c->tls ? sip_tls_conn_error(c->tls) : strerror((int)-n));
		return G_SOURCE_CONTINUE;
	}
	if (n > 0) {
		c->in_len += (size_t)n;
		if (!conn_deliver(c)) {
			log_warn(LOGS_SIP, "%s %s:%d sent a message that cannot be framed; closing",
				 sip_proto_name(c->origin.proto), c->origin.ip, c->origin.port);
			conn_close(c, "bad framing");
			return G_SOURCE_CONTINUE;
		}
	}
	/* The receiver may have sent (and queued) on this connection. */
	if (c->dead)
		conn_close(c, "send failed");
	else if (g_hash_table_lookup(conns, &id))
		conn_set_watch(c);
	return G_SOURCE_CONTINUE;
}

static void accept_conn(struct sip_transport *t, int listen_fd, enum sip_proto proto)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (g_hash_table_size(t->conns) >= MAX_CONNECTIONS ||
	    (proto == SIP_PROTO_TLS && t->handshakes >= MAX_HANDSHAKES)) {
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || (proto == SIP_PROTO_TLS && sip_tls_conn_create(&c->tls, t->tls, fd))) {
		free(c);
		close(fd);
		return;
	}
	c->t = t;
	c->fd = fd;
	c->id = ++t->next_id;
	c->origin.proto = proto;
	c->origin.conn = c->id;
	c->origin.peer = ss;
	c->origin.peer_len = len;
	sip_sockaddr_to((struct sockaddr *)&ss, c->origin.ip, &c->origin.port);
	if (c->tls) {
		c->handshake_timer = g_timeout_source_new_seconds(HANDSHAKE_TIMEOUT_S);
		g_source_set_callback(c->handshake_timer, on_handshake_timeout, c, NULL);
		g_source_attach(c->handshake_timer, t->ctx);
		t->handshakes++;
	}
	g_hash_table_insert(t->conns, &c->id, c);
	conn_set_watch(c);
}

static gboolean on_accept_tcp(int fd, GIOCondition cond, gpointer arg)
{
	accept_conn(arg, fd, SIP_PROTO_TCP);
	return G_SOURCE_CONTINUE;
}

static gboolean on_accept_tls(int fd, GIOCondition cond, gpointer arg)
{
	accept_conn(arg, fd, SIP_PROTO_TLS);
	return G_SOURCE_CONTINUE;
}

static int conn_send(struct sip_transport *t, uint64_t id, const char *buf, size_t len)
{
	struct conn *c = g_hash_table_lookup(t->conns, &id);
	if (!c)
		return -ENOTCONN;
	if (!c->out)
		c->out = g_byte_array_new();
	/* Closing here could free the connection under its own receive
	 * callback: mark it, and its next event closes it. */
	if (c->dead || c->out->len + len > MAX_QUEUED) {
		c->dead = true;
		return -ENOBUFS;
	}
	g_byte_array_append(c->out, (const guint8 *)buf, (guint)len);
	if (!conn_flush(c)) {
		c->dead = true;
		return -EIO;
	}
	conn_set_watch(c);
	return 0;
}

int sip_transport_send(struct sip_transport *t, const struct sip_origin *to, const char *host,
		       int port, const char *buf, size_t len)
{
	if (to && to->proto != SIP_PROTO_UDP)
		return conn_send(t, to->conn, buf, len);
	struct sockaddr_storage sa;
	socklen_t sl;
	const struct sockaddr *dst;
	if (host && port > 0 && sip_sockaddr_from(host, port, &sa, &sl) == 0) {
		dst = (struct sockaddr *)&sa;
	} else if (to) {
		dst = (const struct sockaddr *)&to->peer;
		sl = to->peer_len;
	} else {
		return -EINVAL;
	}
	ssize_t n = sendto(t->udp_fd, buf, len, MSG_DONTWAIT, dst, sl);
	return n == (ssize_t)len ? 0 : -errno;
}

/* ---- setup ---- */

static int bind_socket(int type, const char *address, int port)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	if (sip_sockaddr_from(address, port, &sa, &sl))
		return -EINVAL;
	int fd = socket(sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sl) || (type == SOCK_STREAM && listen(fd, 64))) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int sip_transport_create(struct sip_transport **out, GMainContext *ctx, const char *address,
			 int port, sip_transport_recv_fn *fn, void *arg)
{
	struct sip_transport *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ctx = ctx;
	t->port = port;
	t->fn = fn;
	t->arg = arg;
	t->tcp_fd = -1;
	t->tls_fd = -1;
	t->conns = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, conn_free);
	t->udp_fd = bind_socket(SOCK_DGRAM, address, port);
	if (t->udp_fd >= 0)
		t->tcp_fd = bind_socket(SOCK_STREAM, address, port);
	if (t->udp_fd < 0 || t->tcp_fd < 0) {
		int e = t->udp_fd < 0 ? t->udp_fd : t->tcp_fd;
		log_error(LOGS_SIP, "cannot listen for SIP on %s:%d: %s", address, port, strerror(-e));
		sip_transport_destroy(t);
		return e;
	}
	int rcvbuf = 1 << 20, one = 1;
	setsockopt(t->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(t->udp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	t->udp_src = watch(t, t->udp_fd, G_IO_IN, on_udp, t);
	t->tcp_src = watch(t, t->tcp_fd, G_IO_IN, on_accept_tcp, t);
	*out = t;
	return 0;
}

int sip_transport_listen_tls(struct sip_transport *t, const char *address, int port,
			     const char *cert_file, const char *key_file)
{
	char err[400];
	int rc = sip_tls_ctx_create(&t->tls, cert_file, key_file, err, sizeof(err));
	if (rc) {
		log_error(LOGS_SIP, "SIP over TLS: %s", err);
		return rc;
	}
	t->tls_fd = bind_socket(SOCK_STREAM, address, port);
	if (t->tls_fd < 0) {
		log_error(LOGS_SIP, "cannot listen for SIP over TLS on %s:%d: %s", address, port,
			  strerror(-t->tls_fd));
		return t->tls_fd;
	}
	t->tls_port = port;
	t->tls_src = watch(t, t->tls_fd, G_IO_IN, on_accept_tls, t);
	return 0;
}

void sip_transport_destroy(struct sip_transport *t)
{
	if (!t)
		return;
	unwatch(&t->udp_src);
	unwatch(&t->tcp_src);
	unwatch(&t->tls_src);
	/* Connections first: their TLS sessions use the context. */
	g_hash_table_destroy(t->conns);
	sip_tls_ctx_destroy(t->tls);
	if (t->udp_fd >= 0)
		close(t->udp_fd);
	if (t->tcp_fd >= 0)
		close(t->tcp_fd);
	if (t->tls_fd >= 0)
		close(t->tls_fd);
	free(t);
}
