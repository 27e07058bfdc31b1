/* A load-generator endpoint on its loop. Life: created by peer_new (any
 * thread; the rest happens on the loop) -> offer or make_offer creates the
 * transport and gathers (host candidates only: done at once) -> our SDP goes
 * to the sink with every candidate in it -> the server's answer or offer sets
 * the remote side -> ICE, DTLS -> connected: the sender starts, an empty RR
 * goes out at once (a subscriber's first SRTCP tells Parley it may send) and
 * then an RR every second -> closed. */
#include "bench/loadgen/peer.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/loop.h"
#include "bench/loadgen/sdp_write.h"
#include "sfu/sdp.h"
#include "sfu/transport/dtls.h"
#include "sfu/transport/transport.h"

#define RR_EVERY_MS 1000
#define TWCC_EVERY_MS 100

enum pending { PENDING_NONE, PENDING_ANSWER, PENDING_OFFER };

struct peer {
	struct lg_loop *loop;
	char name[48];
	bool send;
	const struct peer_sink *sink;
	void *arg;
	struct transport *transport;
	struct sender *sender;
	struct receiver rx;
	uint32_t own_ssrc;               /* of our RRs */
	GSource *rr_timer;
	GSource *twcc_timer;             /* while the server sends transport-wide seqs */
	struct sdp_session *offer;       /* the server's, while we answer */
	enum pending pending;
	bool remote_set;
	struct sdpw_result negotiated;
	struct sender_counters tx_begin, tx_end;
	char profile[40];
	char error[160];
	/* read by other threads */
	int64_t connected_us;
	bool failed, closed;
};

static struct dtls_identity *identity;
static const char *ice_addresses = "127.0.0.1";

void peer_setup(struct dtls_identity *id, const char *addresses)
{
	identity = id;
	ice_addresses = addresses;
}

static void set_error(struct peer *p, const char *what)
{
	if (!p->error[0])
		g_strlcpy(p->error, what, sizeof(p->error));
	__atomic_store_n(&p->failed, true, __ATOMIC_RELAXED);
}

/* ---- transport callbacks ---- */

static void on_rtp(void *arg, uint8_t *buf, size_t len)
{
	struct peer *p = arg;
	receiver_on_rtp(&p->rx, buf, len, g_get_monotonic_time());
}

static void on_rtcp(void *arg, uint8_t *buf, size_t len)
{
	struct peer *p = arg;
	if (p->sender)
		sender_on_rtcp(p->sender, buf, len);
	receiver_on_rtcp(&p->rx, buf, len, g_get_monotonic_time());
}

static void send_rr(struct peer *p)
{
	uint8_t *buf = p->loop->w.scratch;
	int n = receiver_write_rr(&p->rx, buf, WORKER_SCRATCH - 64, p->own_ssrc, g_get_monotonic_time());
	if (n > 0)
		transport_send_rtcp(p->transport, buf, (size_t)n, WORKER_SCRATCH);
}

static gboolean on_rr_timer(gpointer data)
{
	send_rr(data);
	return G_SOURCE_CONTINUE;
}

static gboolean on_twcc_timer(gpointer data)
{
	struct peer *p = data;
	uint8_t *buf = p->loop->w.scratch;
	int n = receiver_write_twcc(&p->rx, buf, WORKER_SCRATCH - 64, p->own_ssrc);
	if (n > 0)
		transport_send_rtcp(p->transport, buf, (size_t)n, WORKER_SCRATCH);
	return G_SOURCE_CONTINUE;
}

static void stop_timer(GSource **t)
{
	if (*t) {
		g_source_destroy(*t);
		g_source_unref(*t);
		*t = NULL;
	}
}

static void start_twcc(struct peer *p)
{
	if (p->twcc_timer || !p->rx.twcc_id)
		return;
	p->twcc_timer = g_timeout_source_new(TWCC_EVERY_MS);
	g_source_set_callback(p->twcc_timer, on_twcc_timer, p, NULL);
	g_source_attach(p->twcc_timer, p->loop->w.ctx);
}

static void on_connected(void *arg)
{
	struct peer *p = arg;
	g_strlcpy(p->profile, transport_srtp_profile(p->transport), sizeof(p->profile));
	__atomic_store_n(&p->connected_us, g_get_monotonic_time(), __ATOMIC_RELAXED);
	send_rr(p);
	p->rr_timer = g_timeout_source_new(RR_EVERY_MS);
	g_source_set_callback(p->rr_timer, on_rr_timer, p, NULL);
	g_source_attach(p->rr_timer, p->loop->w.ctx);
	if (p->sender)
		sender_start(p->sender);
	start_twcc(p);
}

static int sender_send(void *arg, uint8_t *buf, size_t len, size_t cap, bool rtcp)
{
	struct peer *p = arg;
	return rtcp ? transport_send_rtcp(p->transport, buf, len, cap)
		    : transport_send_rtp(p->transport, buf, len, cap);
}

static void close_now(void *arg);

static void on_failed(void *arg, const char *reason)
{
	struct peer *p = arg;
	set_error(p, reason);
	/* Not from inside the transport's own call stack. */
	lg_loop_post(p->loop, close_now, p);
}

static void emit_local(struct peer *p);

static void on_candidate(void *arg, const char *candidate)
{
	struct peer *p = arg;
	if (!candidate && p->pending != PENDING_NONE)
		emit_local(p);
}

static void no_data(void *arg) {}
static void no_message(void *arg, uint16_t s, uint32_t ppid, const uint8_t *d, size_t len) {}
static void no_close(void *arg, uint16_t s) {}

static const struct transport_callbacks transport_cb = {
	.rtp = on_rtp, .rtcp = on_rtcp, .candidate = on_candidate, .connected = on_connected,
	.failed = on_failed, .data_ready = no_data, .data = no_message, .data_closed = no_close,
};

/* ---- SDP ---- */

static void collect_candidate(void *arg, const char *candidate)
{
	g_ptr_array_add(arg, g_strdup(candidate));
}

static void emit_local(struct peer *p)
{
	enum pending what = p->pending;
	p->pending = PENDING_NONE;
	GPtrArray *cands = g_ptr_array_new_with_free_func(g_free);
	transport_local_candidates(p->transport, collect_candidate, cands);
	struct sdpw_local l = {
		.fingerprint = dtls_identity_fingerprint(identity), .candidates = cands, .name = p->name,
		.send = p->send,
	};
	transport_local_credentials(p->transport, &l.ufrag, &l.pwd);
	if (p->sender) {
		l.audio_ssrc = sender_audio_ssrc(p->sender);
		l.video_ssrc = sender_video_ssrc(p->sender);
	}
	char *sdp = what == PENDING_ANSWER ? sdpw_answer(p->offer, &l, &p->negotiated)
					   : sdpw_offer(&l, &p->negotiated);
	g_ptr_array_free(cands, TRUE);
	free(p->offer);
	p->offer = NULL;
	for (unsigned i = 0; i < p->negotiated.n_recv; i++)
		receiver_set_pt(&p->rx, p->negotiated.recv[i].pt, p->negotiated.recv[i].video,
				p->negotiated.recv[i].codec);
	receiver_set_twcc(&p->rx, p->negotiated.recv_twcc);
	if (p->connected_us)
		start_twcc(p);
	if (p->sender && what == PENDING_ANSWER) {
		if (p->negotiated.send_audio)
			sender_set_audio(p->sender, &p->negotiated.audio);
		if (p->negotiated.send_video)
			sender_set_video(p->sender, &p->negotiated.video);
	}
	if (getenv("LG_DEBUG_SDP"))
		fprintf(stderr, "---- %s sends:\n%s\n", p->name, sdp);
	p->sink->sdp(p->arg, what == PENDING_ANSWER ? "answer" : "offer", sdp);
	g_free(sdp);
}

static int ensure_transport(struct peer *p, bool controlled)
{
	if (p->transport)
		return 0;
	struct transport_config cfg = { .ice_addresses = ice_addresses, .public_ip = "",
					.ice_controlled = controlled };
	if (transport_create(&p->transport, &p->loop->w, &cfg, identity, &transport_cb, p)) {
		set_error(p, "transport_create failed");
		return -1;
	}
	if (transport_gather(p->transport)) {
		set_error(p, "gathering failed");
		return -1;
	}
	return 0;
}

static struct sdp_session *parse(struct peer *p, const char *sdp)
{
	if (getenv("LG_DEBUG_SDP"))
		fprintf(stderr, "---- %s received:\n%s\n", p->name, sdp);
	struct sdp_session *s = malloc(sizeof(*s));
	char err[160];
	if (s && sdp_parse(s, sdp, strlen(sdp), err, sizeof(err)) == 0)
		return s;
	char msg[200];
	snprintf(msg, sizeof(msg), "bad SDP from server: %s", s ? err : "no memory");
	set_error(p, msg);
	free(s);
	return NULL;
}

static void add_candidates(struct peer *p, const struct sdp_session *s)
{
	for (unsigned i = 0; i < s->n_media; i++)
		for (unsigned k = 0; k < s->media[i].n_candidates; k++)
			transport_add_remote_candidate(p->transport, s->media[i].candidates[k]);
}

/* The first section with ICE credentials speaks for the bundle. */
static const struct sdp_media *bundle_media(const struct sdp_session *s)
{
	for (unsigned i = 0; i < s->n_media; i++)
		if (s->media[i].port && s->media[i].ice_ufrag[0])
			return &s->media[i];
	return NULL;
}

struct posted_text {
	struct peer *p;
	char *text;
};

static struct posted_text *posted(struct peer *p, char *text)
{
	struct posted_text *t = g_new(struct posted_text, 1);
	t->p = p;
	t->text = text;
	return t;
}

static void do_offer(void *arg)
{
	struct posted_text *t = arg;
	struct peer *p = t->p;
	struct sdp_session *s = p->closed ? NULL : parse(p, t->text);
	g_free(t->text);
	g_free(t);
	if (!s || ensure_transport(p, true)) {
		free(s);
		return;
	}
	const struct sdp_media *m = bundle_media(s);
	/* We answer a=setup:active, so the server is passive and we are the DTLS client. */
	if (!p->remote_set && (!m || transport_set_remote(p->transport, m->ice_ufrag, m->ice_pwd,
							   m->fingerprint, SDP_SETUP_PASSIVE))) {
		set_error(p, "offer without usable ICE/DTLS parameters");
		free(s);
		return;
	}
	p->remote_set = true;
	add_candidates(p, s);
	free(p->offer);
	p->offer = s;
	p->pending = PENDING_ANSWER;
	if (transport_gathering_done(p->transport))
		emit_local(p);
}

static void do_make_offer(void *arg)
{
	struct peer *p = arg;
	if (p->closed || ensure_transport(p, false))
		return;
	p->pending = PENDING_OFFER;
	if (transport_gathering_done(p->transport))
		emit_local(p);
}

static void do_answer(void *arg)
{
	struct posted_text *t = arg;
	struct peer *p = t->p;
	struct sdp_session *s = p->closed || !p->transport ? NULL : parse(p, t->text);
	g_free(t->text);
	g_free(t);
	if (!s)
		return;
	const struct sdp_media *m = bundle_media(s);
	if (!m || !sdpw_apply_answer(s, &p->negotiated) ||
	    transport_set_remote(p->transport, m->ice_ufrag, m->ice_pwd, m->fingerprint, m->setup)) {
		set_error(p, "answer rejected our media or lacks ICE/DTLS parameters");
		free(s);
		return;
	}
	add_candidates(p, s);
	if (p->sender) {
		if (p->negotiated.send_audio)
			sender_set_audio(p->sender, &p->negotiated.audio);
		if (p->negotiated.send_video)
			sender_set_video(p->sender, &p->negotiated.video);
	}
	free(s);
}

static void do_candidate(void *arg)
{
	struct posted_text *t = arg;
	if (t->p->transport && !t->p->closed)
		transport_add_remote_candidate(t->p->transport, t->text);
	g_free(t->text);
	g_free(t);
}

static void close_now(void *arg)
{
	struct peer *p = arg;
	if (p->closed)
		return;
	stop_timer(&p->rr_timer);
	stop_timer(&p->twcc_timer);
	sender_stop(p->sender);
	transport_destroy(p->transport);
	p->transport = NULL;
	free(p->offer);
	p->offer = NULL;
	__atomic_store_n(&p->closed, true, __ATOMIC_RELAXED);
}

static void do_register(void *arg)
{
	struct peer *p = arg;
	g_ptr_array_add(p->loop->peers, p);
}

/* ---- public ---- */

struct peer *peer_new(struct lg_loop *l, const struct peer_options *o, const struct peer_sink *sink,
		      void *arg)
{
	struct peer *p = calloc(1, sizeof(*p));
	p->loop = l;
	g_strlcpy(p->name, o->name, sizeof(p->name));
	p->send = o->send;
	p->sink = sink;
	p->arg = arg;
	p->own_ssrc = g_random_int_range(1, G_MAXINT32);
	receiver_init(&p->rx, &l->delay, &l->in_window);
	if (o->send && sender_create(&p->sender, l, o->media, sender_send, p))
		set_error(p, "no memory for the sender");
	lg_loop_post(l, do_register, p);
	return p;
}

void peer_post_offer(struct peer *p, char *sdp)
{
	lg_loop_post(p->loop, do_offer, posted(p, sdp));
}

void peer_post_make_offer(struct peer *p)
{
	lg_loop_post(p->loop, do_make_offer, p);
}

void peer_post_answer(struct peer *p, char *sdp)
{
	lg_loop_post(p->loop, do_answer, posted(p, sdp));
}

void peer_post_candidate(struct peer *p, char *candidate)
{
	lg_loop_post(p->loop, do_candidate, posted(p, candidate ? candidate : g_strdup("")));
}

void peer_post_close(struct peer *p)
{
	lg_loop_post(p->loop, close_now, p);
}

void peer_status(const struct peer *p, struct peer_status *out)
{
	out->connected_us = __atomic_load_n(&p->connected_us, __ATOMIC_RELAXED);
	out->first_audio_us = __atomic_load_n(&p->rx.first_audio_us, __ATOMIC_RELAXED);
	out->first_video_us = __atomic_load_n(&p->rx.first_video_us, __ATOMIC_RELAXED);
	out->first_key_us = __atomic_load_n(&p->rx.first_key_us, __ATOMIC_RELAXED);
	out->streams = __atomic_load_n(&p->rx.n, __ATOMIC_RELAXED);
	out->failed = __atomic_load_n(&p->failed, __ATOMIC_RELAXED);
	out->closed = __atomic_load_n(&p->closed, __ATOMIC_RELAXED);
}

const struct receiver *peer_receiver(const struct peer *p)
{
	return &p->rx;
}

const struct sender_counters *peer_sender(const struct peer *p)
{
	return p->sender ? sender_counters(p->sender) : NULL;
}

const char *peer_srtp_profile(const struct peer *p)
{
	return p->profile[0] ? p->profile : "none";
}

const char *peer_error(const struct peer *p)
{
	return p->error;
}

bool peer_sends(const struct peer *p)
{
	return p->send;
}

void peer_window_begin(struct peer *p)
{
	receiver_window_begin(&p->rx);
	if (p->sender)
		p->tx_begin = *sender_counters(p->sender);
}

void peer_window_end(struct peer *p)
{
	receiver_window_end(&p->rx);
	if (p->sender)
		p->tx_end = *sender_counters(p->sender);
}

void peer_sender_window(const struct peer *p, struct sender_counters *begin, struct sender_counters *end)
{
	*begin = p->tx_begin;
	*end = p->tx_end;
}
