/* SCTP associations for WebRTC data channels (RFC 8831, over DTLS per
 * RFC 8261) on usrsctp in its thread-less AF_CONN mode. Owns, per
 * association, one usrsctp one-to-one socket, its queue of pending work and
 * the partial messages being reassembled. An association lives on the worker
 * that owns its transport; sctp_library_tick may run on any one thread.
 *
 * Locking and queueing. usrsctp is one global state machine, so every call
 * into it (including usrsctp_handle_timers) is made under `lib_lock`. While
 * inside such a call usrsctp calls us back: conn_output() with packets,
 * on_receive() with data and notifications, on_send_space() after SACKs.
 * Those callbacks run with lib_lock held and only append an item to the
 * association's own FIFO (head/tail, also guarded by lib_lock, which is why
 * timer output from another thread is safe to queue). They never call user
 * code: a user callback may call back into this file and would deadlock, and
 * timer output must reach the owner's thread. Each public entry point, after
 * releasing lib_lock, pops items one at a time (taking lib_lock briefly per
 * pop, so nested entry points keep the FIFO order) and invokes the user
 * callbacks without any lock held. A user callback may destroy the
 * association: destruction is then deferred to the end of the outermost
 * drain, and nothing more is delivered. */
#include "sfu/transport/sctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <usrsctp.h>

#include "base/log.h"

/* Chunks an association may queue; about 200 bytes of state each. */
#define SCTP_MAX_QUEUED_CHUNKS 32768

/* Bound on unacknowledged + unsent bytes: past it sends return -EAGAIN. */
#define SEND_BUFFER (4 * 1024 * 1024)
#define RECV_BUFFER (1024 * 1024)
#define NUM_STREAMS 1024

enum item_kind { ITEM_PACKET, ITEM_MESSAGE, ITEM_STREAM_CLOSED, ITEM_CONNECTED, ITEM_CLOSED };

/* One unit of work for the owner's thread. */
struct item {
	struct item *next;
	enum item_kind kind;
	uint16_t stream;
	uint32_t ppid;
	size_t len;
	uint8_t *data;          /* inline_data, or a separately owned buffer */
	uint8_t inline_data[];
};

/* A message arriving in pieces (usrsctp's partial delivery), per stream. */
struct partial {
	struct partial *next;
	uint16_t stream;
	uint32_t ppid;
	bool oversize;          /* past SCTP_MAX_MESSAGE: discard until EOR */
	size_t len, cap;
	uint8_t *buf;
};

enum assoc_state { ST_NEW, ST_CONNECTING, ST_OPEN, ST_CLOSED };

/* Owned by a participant's transport. Fields marked lib_lock are written by
 * usrsctp callbacks; the rest belong to the owner's thread. */
struct sctp_assoc {
	struct socket *sock;            /* lib_lock */
	uint16_t local_port, remote_port;
	size_t max_message;
	struct sctp_callbacks cb;
	void *arg;
	enum assoc_state state;         /* lib_lock */
	struct item *head, *tail;       /* lib_lock */
	struct partial *partials;       /* lib_lock */
	size_t buffered;                /* lib_lock */
	bool oversize_logged;           /* lib_lock */
	int depth;                      /* drains in progress on the owner's stack */
	bool doomed;                    /* destroyed from inside a callback */
};

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static int lib_users;

static void lock(void)
{
	pthread_mutex_lock(&lib_lock);
}

static void unlock(void)
{
	pthread_mutex_unlock(&lib_lock);
}

/* ---- the queue (lib_lock held unless noted) ---- */

static struct item *item_new(enum item_kind kind, const uint8_t *data, size_t len)
{
	struct item *it = malloc(sizeof(*it) + len);

	if (it == NULL)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->len = len;
	it->data = it->inline_data;
	if (len > 0)
		memcpy(it->inline_data, data, len);
	return it;
}

/* Without lock: the item is no longer reachable from the queue. */
static void item_free(struct item *it)
{
	if (it->data != it->inline_data)
		free(it->data);
	free(it);
}

static void push(struct sctp_assoc *a, struct item *it)
{
	if (a->tail != NULL)
		a->tail->next = it;
	else
		a->head = it;
	a->tail = it;
}

static void push_event(struct sctp_assoc *a, enum item_kind kind, uint16_t stream)
{
	struct item *it = item_new(kind, NULL, 0);

	if (it == NULL)
		return;
	it->stream = stream;
	push(a, it);
}

/* Takes ownership of buf (malloc'd), which usrsctp or reassembly produced. */
static void push_message(struct sctp_assoc *a, uint16_t stream, uint32_t ppid, uint8_t *buf,
			 size_t len)
{
	struct item *it = item_new(ITEM_MESSAGE, NULL, 0);

	if (it == NULL) {
		free(buf);
		return;
	}
	/* RFC 8831 6.6: empty messages travel as one byte under their own PPID. */
	if (ppid == SCTP_PPID_STRING_EMPTY || ppid == SCTP_PPID_BINARY_EMPTY) {
		ppid = ppid == SCTP_PPID_STRING_EMPTY ? SCTP_PPID_STRING : SCTP_PPID_BINARY;
		len = 0;
	}
	it->stream = stream;
	it->ppid = ppid;
	it->len = len;
	it->data = buf;
	push(a, it);
}

static void mark_closed(struct sctp_assoc *a)
{
	if (a->state == ST_CLOSED)
		return;
	a->state = ST_CLOSED;
	push_event(a, ITEM_CLOSED, 0);
}

static struct item *pop(struct sctp_assoc *a)
{
	lock();
	struct item *it = a->head;
	if (it != NULL) {
		a->head = it->next;
		if (a->head == NULL)
			a->tail = NULL;
	}
	unlock();
	return it;
}

/* ---- reassembly (lib_lock held) ---- */

static struct partial **partial_slot(struct sctp_assoc *a, uint16_t stream)
{
	struct partial **pp = &a->partials;

	while (*pp != NULL && (*pp)->stream != stream)
		pp = &(*pp)->next;
	return pp;
}

static void partial_drop(struct partial **pp)
{
	struct partial *p = *pp;

	*pp = p->next;
	free(p->buf);
	free(p);
}

static void note_oversize(struct sctp_assoc *a, uint16_t stream)
{
	if (a->oversize_logged)
		return;
	a->oversize_logged = true;
	log_warn(LOGS_DTLS, "sctp: dropping message over %d bytes on stream %u (logged once)",
		 SCTP_MAX_MESSAGE, (unsigned)stream);
}

static int partial_append(struct partial *p, const uint8_t *data, size_t len)
{
	if (p->oversize || p->len + len > SCTP_MAX_MESSAGE) {
		p->oversize = true;
		return -EMSGSIZE;
	}
	if (p->len + len > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		while (cap < p->len + len)
			cap *= 2;
		uint8_t *buf = realloc(p->buf, cap);
		if (buf == NULL) {
			p->oversize = true; /* cannot complete it: discard the rest */
			return -ENOMEM;
		}
		p->buf = buf;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, data, len);
	p->len += len;
	return 0;
}

/* One piece of a message from usrsctp; takes ownership of data. */
static void on_data(struct sctp_assoc *a, uint8_t *data, size_t len, uint16_t stream,
		    uint32_t ppid, bool eor)
{
	struct partial **pp = partial_slot(a, stream);

	if (*pp == NULL && eor) {
		if (len > SCTP_MAX_MESSAGE) {
			note_oversize(a, stream);
			free(data);
			return;
		}
		push_message(a, stream, ppid, data, len);
		return;
	}
	if (*pp == NULL) {
		*pp = calloc(1, sizeof(**pp));
		if (*pp == NULL) {
			free(data);
			return;
		}
		(*pp)->stream = stream;
		(*pp)->ppid = ppid;
	}
	if (partial_append(*pp, data, len) == -EMSGSIZE)
		note_oversize(a, stream);
	free(data);
	if (!eor)
		return;
	if (!(*pp)->oversize) {
		push_message(a, stream, (*pp)->ppid, (*pp)->buf, (*pp)->len);
		(*pp)->buf = NULL;
	}
	partial_drop(pp);
}

/* ---- usrsctp callbacks (always under lib_lock) ---- */

static void on_assoc_change(struct sctp_assoc *a, const struct sctp_assoc_change *c)
{
	switch (c->sac_state) {
	case SCTP_COMM_UP:
		if (a->state == ST_NEW || a->state == ST_CONNECTING) {
			a->state = ST_OPEN;
			push_event(a, ITEM_CONNECTED, 0);
		}
		break;
	case SCTP_COMM_LOST:
	case SCTP_SHUTDOWN_COMP:
	case SCTP_CANT_STR_ASSOC:
		mark_closed(a);
		break;
	default:
		break;
	}
}

static void on_stream_reset(struct sctp_assoc *a, const struct sctp_stream_reset_event *e,
			    size_t len)
{
	if (e->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED))
		return;
	if (!(e->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN))
		return; /* our own outgoing reset completing */
	size_t n = (len - sizeof(*e)) / sizeof(uint16_t);
	for (size_t i = 0; i < n; i++) {
		uint16_t stream = e->strreset_stream_list[i];
		struct partial **pp = partial_slot(a, stream);
		if (*pp != NULL)
			partial_drop(pp);
		push_event(a, ITEM_STREAM_CLOSED, stream);
	}
}

static void on_notification(struct sctp_assoc *a, const union sctp_notification *n, size_t len)
{
	if (len < sizeof(n->sn_header) || n->sn_header.sn_length > len)
		return;
	len = n->sn_header.sn_length;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (len >= sizeof(n->sn_assoc_change))
			on_assoc_change(a, &n->sn_assoc_change);
		break;
	case SCTP_STREAM_RESET_EVENT:
		if (len >= sizeof(n->sn_strreset_event))
			on_stream_reset(a, &n->sn_strreset_event, len);
		break;
	case SCTP_SEND_FAILED_EVENT:
		/* Expected for partially reliable data; the caller counts drops. */
		log_debug(LOGS_DTLS, "sctp: message abandoned on stream %u",
			  (unsigned)n->sn_send_failed_event.ssfe_info.snd_sid);
		break;
	default:
		break;
	}
}

static int on_receive(struct socket *sock, union sctp_sockstore addr, void *data, size_t len,
		      struct sctp_rcvinfo rcv, int flags, void *ulp_info)
{
	struct sctp_assoc *a = ulp_info;

	if (data == NULL) { /* the socket saw EOF */
		mark_closed(a);
		return 1;
	}
	if (flags & MSG_NOTIFICATION) {
		on_notification(a, data, len);
		free(data);
		return 1;
	}
	on_data(a, data, len, rcv.rcv_sid, ntohl(rcv.rcv_ppid), (flags & MSG_EOR) != 0);
	return 1;
}

/* Called after each SACK with the free space; gives sctp_assoc_buffered its
 * exact figure (sends in between add their length). */
static int on_send_space(struct socket *sock, uint32_t sb_free, void *ulp_info)
{
	struct sctp_assoc *a = ulp_info;

	a->buffered = sb_free < SEND_BUFFER ? SEND_BUFFER - sb_free : 0;
	return 0;
}

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df)
{
	struct sctp_assoc *a = addr;
	struct item *it = item_new(ITEM_PACKET, buffer, length);

	if (it == NULL)
		return -1;
	push(a, it);
	return 0;
}

/* ---- delivery (owner's thread, no lock) ---- */

static void deliver(struct sctp_assoc *a, const struct item *it)
{
	const struct sctp_callbacks *cb = &a->cb;

	switch (it->kind) {
	case ITEM_PACKET:
		if (cb->send)
			cb->send(a->arg, it->data, it->len);
		break;
	case ITEM_MESSAGE:
		if (cb->message)
			cb->message(a->arg, it->stream, it->ppid, it->data, it->len);
		break;
	case ITEM_STREAM_CLOSED:
		if (cb->stream_closed)
			cb->stream_closed(a->arg, it->stream);
		break;
	case ITEM_CONNECTED:
		if (cb->connected)
			cb->connected(a->arg);
		break;
	case ITEM_CLOSED:
		if (cb->closed)
			cb->closed(a->arg);
		break;
	}
}

static void assoc_free(struct sctp_assoc *a)
{
	struct item *it;

	while ((it = pop(a)) != NULL)
		item_free(it);
	lock();
	while (a->partials != NULL)
		partial_drop(&a->partials);
	unlock();
	free(a);
}

/* Must be the last thing an entry point does: a may be freed on return. */
static void drain(struct sctp_assoc *a)
{
	struct item *it;

	a->depth++;
	while (!a->doomed && (it = pop(a)) != NULL) {
		deliver(a, it);
		item_free(it);
	}
	if (--a->depth == 0 && a->doomed)
		assoc_free(a);
}

/* ---- library ---- */

int sctp_library_init(void)
{
	lock();
	if (lib_users++ == 0) {
		usrsctp_init_nothreads(0, conn_output, NULL);
		/* ECN means nothing inside DTLS over UDP. */
		usrsctp_sysctl_set_sctp_ecn_enable(0);
		/* Sends also fail once this many chunks are queued (default 512):
		 * small messages would hit it long before the byte bound. */
		usrsctp_sysctl_set_sctp_max_chunks_on_queue(SCTP_MAX_QUEUED_CHUNKS);
	}
	unlock();
	return 0;
}

void sctp_library_shutdown(void)
{
	lock();
	if (lib_users > 0 && --lib_users == 0) {
		/* Closed endpoints are freed by usrsctp's timers: run them until
		 * finish succeeds (bounded, in case a socket was never destroyed). */
		int tries = 0;
		while (usrsctp_finish() != 0 && tries++ < 100)
			usrsctp_handle_timers(1000);
		if (tries > 100)
			log_warn(LOGS_DTLS, "sctp: usrsctp_finish failed, sockets still open");
	}
	unlock();
}

/* elapsed_ms must be real time: usrsctp's timers run on these ticks, but on
 * T3 expiry it picks the chunks to resend by their wall-clock age. */
void sctp_library_tick(uint32_t elapsed_ms)
{
	lock();
	usrsctp_handle_timers(elapsed_ms);
	unlock();
}

/* ---- association ---- */

struct sockopt {
	int level, name;
	const void *value;
	socklen_t len;
};

static int set_options(struct socket *s)
{
	static const struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
	static const struct sctp_assoc_value reset = {
		.assoc_id = SCTP_ALL_ASSOC, .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ };
	static const struct sctp_initmsg init = {
		.sinit_num_ostreams = NUM_STREAMS, .sinit_max_instreams = NUM_STREAMS };
	static const int one = 1, zero = 0, sndbuf = SEND_BUFFER, rcvbuf = RECV_BUFFER;
	/* Level 0: a partially delivered message blocks the others, so pieces
	 * of two messages never interleave. */
	const struct sockopt opts[] = {
		{ SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close) },
		{ SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf) },
		{ SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf) },
		{ IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset) },
		{ IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof(one) },
		{ IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one) },
		{ IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &zero, sizeof(zero) },
		{ IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init) },
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (usrsctp_setsockopt(s, opts[i].level, opts[i].name, opts[i].value, opts[i].len) < 0)
			return -errno;
	static const uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT,
					   SCTP_SEND_FAILED_EVENT };
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct sctp_event ev = { .se_assoc_id = SCTP_ALL_ASSOC, .se_type = events[i], .se_on = 1 };
		if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0)
			return -errno;
	}
	return 0;
}

static struct sockaddr_conn conn_addr(struct sctp_assoc *a, uint16_t port)
{
	struct sockaddr_conn sc;

	memset(&sc, 0, sizeof(sc));
	sc.sconn_family = AF_CONN;
	sc.sconn_port = htons(port);
	sc.sconn_addr = a;
	return sc;
}

/* lib_lock held. */
static int open_socket(struct sctp_assoc *a)
{
	usrsctp_register_address(a);
	a->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, on_receive, on_send_space, 0, a);
	if (a->sock == NULL)
		return -errno;
	int err = usrsctp_set_non_blocking(a->sock, 1) < 0 ? -errno : set_options(a->sock);
	if (err == 0) {
		struct sockaddr_conn local = conn_addr(a, a->local_port);
		if (usrsctp_bind(a->sock, (struct sockaddr *)&local, sizeof(local)) < 0)
			err = -errno;
	}
	return err;
}

/* lib_lock held. */
static void close_socket(struct sctp_assoc *a)
{
	if (a->sock != NULL)
		usrsctp_close(a->sock); /* SO_LINGER 0: aborts */
	a->sock = NULL;
	usrsctp_deregister_address(a);
}

int sctp_assoc_create(struct sctp_assoc **out, uint16_t local_port, uint16_t remote_port,
		      bool client, size_t max_message, const struct sctp_callbacks *cb, void *arg)
{
	struct sctp_assoc *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -ENOMEM;
	a->local_port = local_port;
	a->remote_port = remote_port;
	/* We never send more than we would accept ourselves. */
	a->max_message = max_message == 0 || max_message > SCTP_MAX_MESSAGE ? SCTP_MAX_MESSAGE
									 : max_message;
	a->cb = *cb;
	a->arg = arg;
	lock();
	int err = open_socket(a);
	if (err < 0)
		close_socket(a);
	unlock();
	if (err < 0) {
		log_error(LOGS_DTLS, "sctp: cannot open socket: %s", strerror(-err));
		assoc_free(a);
		return -EIO;
	}
	*out = a;
	return 0;
}

/* Hands the ABORT (and packets queued before it) to the peer, so its
 * channels close now rather than at its timeout; drops everything else. */
static void flush_packets(struct sctp_assoc *a)
{
	struct item *it;

	while ((it = pop(a)) != NULL) {
		if (it->kind == ITEM_PACKET && a->cb.send)
			a->cb.send(a->arg, it->data, it->len);
		item_free(it);
	}
}

void sctp_assoc_destroy(struct sctp_assoc *a)
{
	if (a == NULL)
		return;
	lock();
	close_socket(a);
	a->state = ST_CLOSED;
	unlock();
	flush_packets(a);
	if (a->depth > 0) {
		a->doomed = true; /* inside a callback: the drain frees it */
		return;
	}
	assoc_free(a);
}

/* Both roles send INIT, as libwebrtc does: SCTP resolves the collision, and
 * a bound one-to-one socket that neither listens nor connects would abort
 * the peer's INIT. */
int sctp_assoc_connect(struct sctp_assoc *a)
{
	struct sockaddr_conn remote = conn_addr(a, a->remote_port);
	int err = 0;

	lock();
	if (a->state != ST_NEW) {
		err = -EALREADY;
	} else if (usrsctp_connect(a->sock, (struct sockaddr *)&remote, sizeof(remote)) < 0 &&
		   errno != EINPROGRESS) {
		err = -errno;
	} else {
		a->state = ST_CONNECTING;
	}
	unlock();
	if (err < 0 && err != -EALREADY)
		log_error(LOGS_DTLS, "sctp: connect failed: %s", strerror(-err));
	drain(a);
	return err == -EALREADY || err == 0 ? err : -EIO;
}

#define SCTP_COMMON_HEADER 12
#define SCTP_CHUNK_HEADER 4
#define SCTP_INIT_FIXED 20       /* chunk header + tag, a_rwnd, streams, TSN */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Every parameter (type, length, value, padded to 4) lies inside the chunk. */
static bool params_well_formed(const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < 4)
			return false;
		size_t plen = be16(p + off + 2);
		if (plen < 4 || plen > len - off)
			return false;
		off += (plen + 3) & ~(size_t)3;
	}
	return true;
}

/* usrsctp 0.9.5 spins forever on some malformed INIT parameters (found by
 * tests/fuzz/fuzz_sctp.c), so only packets whose chunks and INIT/INIT-ACK/
 * RE-CONFIG parameters are well formed reach it. */
static bool packet_well_formed(const uint8_t *p, size_t len)
{
	if (len < SCTP_COMMON_HEADER + SCTP_CHUNK_HEADER)
		return false;
	size_t off = SCTP_COMMON_HEADER;
	while (off < len) {
		if (len - off < SCTP_CHUNK_HEADER)
			return false;
		uint8_t type = p[off];
		size_t clen = be16(p + off + 2);
		if (clen < SCTP_CHUNK_HEADER || clen > len - off)
			return false;
		if (type == 1 || type == 2) {
			if (clen < SCTP_INIT_FIXED ||
			    !params_well_formed(p + off + SCTP_INIT_FIXED, clen - SCTP_INIT_FIXED))
				return false;
		} else if (type == 130 &&
			   !params_well_formed(p + off + SCTP_CHUNK_HEADER, clen - SCTP_CHUNK_HEADER)) {
			return false;
		}
		off += (clen + 3) & ~(size_t)3;
	}
	return true;
}

void sctp_assoc_receive(struct sctp_assoc *a, const uint8_t *data, size_t len)
{
	if (data != NULL && len > 0 && packet_well_formed(data, len)) {
		lock();
		if (a->sock != NULL)
			usrsctp_conninput(a, data, len, 0);
		unlock();
	}
	drain(a);
}

void sctp_assoc_poll(struct sctp_assoc *a)
{
	drain(a);
}

static struct sctp_sendv_spa send_info(uint16_t stream, uint32_t ppid,
				       const struct sctp_reliability *rel)
{
	struct sctp_sendv_spa spa;

	memset(&spa, 0, sizeof(spa));
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = stream;
	spa.sendv_sndinfo.snd_ppid = htonl(ppid);
	spa.sendv_sndinfo.snd_flags = SCTP_EOR;
	if (rel == NULL)
		return spa;
	if (!rel->ordered)
		spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;
	if (rel->max_retransmits >= 0) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
		spa.sendv_prinfo.pr_value = (uint32_t)rel->max_retransmits;
	} else if (rel->max_lifetime_ms >= 0) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = (uint32_t)rel->max_lifetime_ms;
	}
	return spa;
}

static int send_errno(int e)
{
	switch (e) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case ENOBUFS:
		return -EAGAIN;
	case EMSGSIZE:
		return -EMSGSIZE;
	case ENOTCONN:
	case EPIPE:
	case ECONNRESET:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

int sctp_assoc_send(struct sctp_assoc *a, uint16_t stream, uint32_t ppid, const uint8_t *data,
		    size_t len, const struct sctp_reliability *rel)
{
	static const uint8_t empty_byte;

	if (len > a->max_message)
		return -EMSGSIZE;
	if (len == 0 && ppid == SCTP_PPID_STRING)
		ppid = SCTP_PPID_STRING_EMPTY;
	else if (len == 0 && ppid == SCTP_PPID_BINARY)
		ppid = SCTP_PPID_BINARY_EMPTY;
	if (ppid == SCTP_PPID_STRING_EMPTY || ppid == SCTP_PPID_BINARY_EMPTY) {
		data = &empty_byte;
		len = 1;
	} else if (len == 0) {
		return -EINVAL; /* SCTP carries no empty user messages */
	}
	struct sctp_sendv_spa spa = send_info(stream, ppid, rel);
	int err = 0;
	lock();
	if (a->state != ST_OPEN || a->sock == NULL) {
		err = -ENOTCONN;
	} else if (usrsctp_sendv(a->sock, data, len, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA,
				 0) < 0) {
		err = send_errno(errno);
	} else {
		a->buffered += len;
	}
	unlock();
	drain(a);
	return err;
}

size_t sctp_assoc_buffered(struct sctp_assoc *a)
{
	lock();
	size_t n = a->buffered;
	unlock();
	return n;
}

int sctp_assoc_reset_stream(struct sctp_assoc *a, uint16_t stream)
{
	size_t size = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
	struct sctp_reset_streams *srs = calloc(1, size);
	int err = 0;

	if (srs == NULL)
		return -ENOMEM;
	srs->srs_assoc_id = SCTP_ALL_ASSOC;
	srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
	srs->srs_number_streams = 1;
	srs->srs_stream_list[0] = stream;
	lock();
	if (a->state != ST_OPEN || a->sock == NULL)
		err = -ENOTCONN;
	else if (usrsctp_setsockopt(a->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs,
				    (socklen_t)size) < 0)
		err = errno == EAGAIN ? -EAGAIN : -EIO;
	unlock();
	free(srs);
	drain(a);
	return err;
}
