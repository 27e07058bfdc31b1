/* Participants on a worker: transport callbacks (where the packet path
 * enters the room), RTCP dispatch, m-section bookkeeping, and the
 * offer/answer cycle with the browser. */
#include "sfu/participant.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/negotiation.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/rtp/rtcp.h"
#include "sfu/sfu.h"
#include "sfu/transport/srtp_session.h"
#include "sfu/transport/transport.h"
#include "sfu/worker.h"

static void on_rtp(void *arg, uint8_t *buf, size_t len);
static void on_rtcp(void *arg, uint8_t *buf, size_t len);
static void on_candidate(void *arg, const char *candidate);
/* DTLS is done on our side, but the browser (usually the DTLS client) may
 * not have read our last flight yet: media sent now can be dropped, and a
 * lost keyframe start costs a new keyframe request. Media flows once its
 * first SRTP packet arrives, or after MEDIA_READY_GRACE_MS. The grace only
 * covers our last flight being reordered behind media, so it is short: a
 * receive-only peer, which sends no media, waits it out on every join. */
#define MEDIA_READY_GRACE_MS 30

static gboolean on_ready_timer(gpointer data)
{
	struct participant *p = data;
	g_source_unref(p->ready_timer);
	p->ready_timer = NULL;
	participant_check_media_ready(p, g_get_monotonic_time());
	return G_SOURCE_REMOVE;
}

static void on_connected(void *arg)
{
	struct participant *p = arg;
	p->dtls_done_us = g_get_monotonic_time();
	if (p->ready_timer)
		return;
	p->ready_timer = g_timeout_source_new(MEDIA_READY_GRACE_MS);
	g_source_set_callback(p->ready_timer, on_ready_timer, p, NULL);
	g_source_attach(p->ready_timer, p->room->worker->ctx);
}

void participant_check_media_ready(struct participant *p, int64_t now)
{
	if (p->connected || !p->dtls_done_us)
		return;
	if (!p->peer_sent_media && now - p->dtls_done_us < MEDIA_READY_GRACE_MS * 1000)
		return;
	p->connected = true;
	log_info(LOGS_ROOM, "room %s participant %s: media connected after %lld ms (%s)",
		 p->room->name, p->id, (long long)((p->dtls_done_us - p->joined_us) / 1000),
		 transport_srtp_profile(p->transport));
	for (unsigned i = 0; i < p->n_sections; i++) {
		struct consumer *c = &p->sections[i].consumer;
		if (p->sections[i].role == SECTION_CONSUME && c->producer && c->waiting_keyframe)
			producer_request_keyframe(c->producer, now);
	}
}

static void on_failed(void *arg, const char *reason);

static void on_data_ready(void *arg)
{
	struct participant *p = arg;
	data_channels_on_ready(&p->data);
}

static void on_data(void *arg, uint16_t stream, uint32_t ppid, const uint8_t *data, size_t len)
{
	struct participant *p = arg;
	data_channels_on_message(&p->data, stream, ppid, data, len);
}

static void on_data_closed(void *arg, uint16_t stream)
{
	struct participant *p = arg;
	data_channels_on_closed(&p->data, stream);
}

static const struct transport_callbacks transport_cb = {
	.rtp = on_rtp,
	.rtcp = on_rtcp,
	.candidate = on_candidate,
	.connected = on_connected,
	.failed = on_failed,
	.data_ready = on_data_ready,
	.data = on_data,
	.data_closed = on_data_closed,
};

static uint32_t random_ssrc(void)
{
	uint32_t v;
	do
		v = g_random_int();
	while (v == 0);
	return v;
}

/* Removal is deferred to its own idle dispatch: the callers (transport
 * callbacks, the participant's own timeout) still run inside objects that
 * removal frees. */
struct removal {
	unsigned worker;
	char room[ROOM_NAME_MAX];
	char id[PARTICIPANT_ID_MAX];
	const char *reason;
};

static void run_removal(void *arg)
{
	struct removal *rm = arg;
	struct room *r = g_hash_table_lookup(worker_get(rm->worker)->rooms, rm->room);
	struct participant *p = r ? room_find_participant(r, rm->id) : NULL;
	if (p) {
		sfu_send(p->session_id, json_pack("{s:s, s:s}", "type", "bye", "reason", "error"), true);
		room_remove_participant(r, p, rm->reason);
	}
	free(rm);
}

static void defer_removal(struct participant *p, const char *reason)
{
	if (p->leaving)
		return;
	p->leaving = true;
	struct removal *rm = calloc(1, sizeof(*rm));
	if (!rm)
		abort();
	rm->worker = p->room->worker->index;
	g_strlcpy(rm->room, p->room->name, sizeof(rm->room));
	g_strlcpy(rm->id, p->id, sizeof(rm->id));
	rm->reason = reason;
	worker_post(p->room->worker, run_removal, rm);
}

static gboolean on_timeout(gpointer data)
{
	struct participant *p = data;
	g_source_unref(p->timeout);
	p->timeout = NULL;
	if (!p->connected) {
		log_info(LOGS_ROOM, "room %s participant %s: media did not connect in time",
			 p->room->name, p->id);
		defer_removal(p, "timeout");
	}
	return G_SOURCE_REMOVE;
}

static void add_section(struct participant *p, enum section_role role, enum sdp_kind kind)
{
	struct section *s = &p->sections[p->n_sections];
	s->role = role;
	s->kind = kind;
	snprintf(s->mid, sizeof(s->mid), "%u", p->n_sections);
	p->n_sections++;
}

int participant_create(struct participant **out, struct room *room,
		       const struct participant_info *info)
{
	const char *id = info->id;
	struct participant *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sections = calloc(PARTICIPANT_MAX_SECTIONS, sizeof(*p->sections));
	if (!p->sections) {
		free(p);
		return -ENOMEM;
	}
	p->room = room;
	g_strlcpy(p->id, id, sizeof(p->id));
	g_strlcpy(p->name, info->name, sizeof(p->name));
	g_strlcpy(p->identity, info->identity ? info->identity : "", sizeof(p->identity));
	p->kind = info->kind;
	p->can_publish = info->can_publish;
	p->can_subscribe = info->can_subscribe;
	p->session_id = info->session_id;
	p->joined_us = g_get_monotonic_time();
	p->rtcp_ssrc = random_ssrc();
	p->ext_in = codec_own_ext_ids;
	twcc_recorder_init(&p->twcc);
	data_channels_init(&p->data, p);
	/* A SIP caller has no transport nor m-sections: its voice comes from
	 * the SIP thread (sfu_sip.c). */
	if (p->kind == PARTICIPANT_SIP) {
		*out = p;
		return 0;
	}
	/* A WHIP client wrote the offer: its sections come from it (sfu_whip.c). */
	if (p->kind != PARTICIPANT_WHIP) {
		add_section(p, SECTION_PUBLISH, SDP_KIND_AUDIO);
		add_section(p, SECTION_PUBLISH, SDP_KIND_VIDEO);
		add_section(p, SECTION_DATA, SDP_KIND_APPLICATION);
	}
	const struct config *cfg = sfu_config();
	struct transport_config tc = {
		.ice_addresses = cfg->ice_addresses,
		.public_ip = cfg->public_ip,
		.port_min = (unsigned)cfg->rtp_port_min,
		.port_max = (unsigned)cfg->rtp_port_max,
		/* RFC 8445: the offerer controls. Parley offers to browsers; WHIP
		 * clients offer to Parley. */
		.ice_controlled = p->kind == PARTICIPANT_WHIP,
	};
	int rc = transport_create(&p->transport, room->worker, &tc, sfu_identity(), &transport_cb, p);
	if (rc) {
		log_error(LOGS_ROOM, "room %s participant %s: transport setup failed (%d)", room->name, id, rc);
		free(p->sections);
		free(p);
		return rc;
	}
	p->timeout = g_timeout_source_new_seconds((guint)cfg->ice_timeout_s);
	g_source_set_callback(p->timeout, on_timeout, p, NULL);
	g_source_attach(p->timeout, room->worker->ctx);
	*out = p;
	return 0;
}

void participant_destroy(struct participant *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_sections; i++)
		if (p->sections[i].role == SECTION_CONSUME)
			consumer_set_producer(&p->sections[i].consumer, NULL);
	producer_destroy(p->audio);
	producer_destroy(p->video);
	transport_destroy(p->transport);
	if (p->timeout) {
		g_source_destroy(p->timeout);
		g_source_unref(p->timeout);
	}
	if (p->offer_idle) {
		g_source_destroy(p->offer_idle);
		g_source_unref(p->offer_idle);
	}
	if (p->ready_timer) {
		g_source_destroy(p->ready_timer);
		g_source_unref(p->ready_timer);
	}
	free(p->sections);
	free(p);
}

void participant_notify(struct participant *p, json_t *msg)
{
	/* A caller has no signaling channel; only its "bye" (sfu_send with
	 * close) reaches the SIP thread. */
	if (p->kind == PARTICIPANT_SIP) {
		json_decref(msg);
		return;
	}
	sfu_send(p->session_id, msg, false);
}

static void send_offer(struct participant *p)
{
	json_t *tracks = json_array();
	char *sdp = negotiation_build_offer(p, tracks);
	p->offer_outstanding = true;
	p->renegotiate = false;
	participant_notify(p, json_pack("{s:s, s:s, s:o}", "type", "offer", "sdp", sdp, "tracks", tracks));
	g_free(sdp);
	if (p->sdp_version == 1 && transport_gather(p->transport))
		defer_removal(p, "error");
}

static gboolean on_offer_idle(gpointer data)
{
	struct participant *p = data;
	g_source_unref(p->offer_idle);
	p->offer_idle = NULL;
	if (!p->offer_outstanding && !p->leaving)
		send_offer(p);
	return G_SOURCE_REMOVE;
}

/* Deferred to an idle dispatch so that the changes one event causes (a
 * publisher's audio and video, a departure) make one offer, not several. */
void participant_renegotiate(struct participant *p)
{
	/* A WHIP session is one offer from the client and our answer: RFC 9725
	 * has no way to send it another offer, and it subscribes to nothing. */
	if (p->leaving || p->kind == PARTICIPANT_WHIP || p->kind == PARTICIPANT_SIP)
		return;
	p->renegotiate = true;
	if (p->offer_outstanding || p->offer_idle)
		return;
	p->offer_idle = g_idle_source_new();
	g_source_set_callback(p->offer_idle, on_offer_idle, p, NULL);
	g_source_attach(p->offer_idle, p->room->worker->ctx);
}

int participant_subscribe(struct participant *p, struct producer *producer)
{
	struct section *s = NULL;
	for (unsigned i = 0; i < p->n_sections && !s; i++) {
		struct section *c = &p->sections[i];
		if (c->role == SECTION_CONSUME && c->kind == producer->kind && !c->consumer.producer)
			s = c;
	}
	if (!s) {
		if (p->n_sections == PARTICIPANT_MAX_SECTIONS) {
			log_warn(LOGS_ROOM, "room %s participant %s: no m-section left for %s",
				 p->room->name, p->id, producer->track_id);
			return -ENOSPC;
		}
		s = &p->sections[p->n_sections];
		s->role = SECTION_CONSUME;
		s->kind = producer->kind;
		snprintf(s->mid, sizeof(s->mid), "%u", p->n_sections);
		consumer_init(&s->consumer, p, producer->kind, s->mid, random_ssrc(), random_ssrc());
		p->n_sections++;
	}
	s->changed = true;
	return consumer_set_producer(&s->consumer, producer);
}

int participant_apply_answer(struct participant *p, const char *sdp, char *err, size_t errlen)
{
	if (!p->offer_outstanding) {
		snprintf(err, errlen, "no offer is outstanding");
		return -EPROTO;
	}
	int rc = negotiation_apply_answer(p, sdp, err, errlen);
	if (rc)
		return rc;
	p->offer_outstanding = false;
	if (p->renegotiate)
		participant_renegotiate(p);
	return 0;
}

int participant_add_candidate(struct participant *p, const char *candidate)
{
	return transport_add_remote_candidate(p->transport, candidate);
}

void participant_block_media(struct participant *p, enum sdp_kind kind, bool blocked)
{
	bool *flag = kind == SDP_KIND_AUDIO ? &p->audio_blocked : &p->video_blocked;
	if (*flag == blocked)
		return;
	*flag = blocked;
	struct producer *prod = kind == SDP_KIND_AUDIO ? p->audio : p->video;
	if (prod)
		producer_set_paused(prod, blocked, g_get_monotonic_time());
}

const char *participant_kind_name(enum participant_kind kind)
{
	switch (kind) {
	case PARTICIPANT_SIP:
		return "sip";
	case PARTICIPANT_WHIP:
		return "whip";
	default:
		return "browser";
	}
}

struct consumer *participant_find_consumer(struct participant *p, uint32_t ssrc)
{
	for (unsigned i = 0; i < p->n_sections; i++) {
		struct section *s = &p->sections[i];
		if (s->role == SECTION_CONSUME && s->consumer.producer &&
		    (s->consumer.ssrc == ssrc || s->consumer.rtx_ssrc == ssrc))
			return &s->consumer;
	}
	return NULL;
}

/* A publisher whose answer named no SSRC is bound on its first packet. */
static struct producer *bind_unknown_ssrc(struct participant *p, const struct rtp_view *v,
					  bool *rtx)
{
	*rtx = false;
	if (p->audio && !p->audio->ssrc && v->pt == p->audio->pt_in) {
		p->audio->ssrc = v->ssrc;
		return p->audio;
	}
	if (p->video && !p->video->ssrc && v->pt == p->video->pt_in) {
		p->video->ssrc = v->ssrc;
		return p->video;
	}
	if (p->video && !p->video->rtx_ssrc && p->video->rtx_pt_in && v->pt == p->video->rtx_pt_in &&
	    v->ssrc != p->video->ssrc) {
		p->video->rtx_ssrc = v->ssrc;
		*rtx = true;
		return p->video;
	}
	return NULL;
}

static void on_rtp(void *arg, uint8_t *buf, size_t len)
{
	struct participant *p = arg;
	struct rtp_view v;
	if (!p->connected) {
		p->peer_sent_media = true;
		participant_check_media_ready(p, g_get_monotonic_time());
	}
	if (rtp_parse(&v, buf, len)) {
		p->room->worker->stats.dropped++;
		return;
	}
	int64_t now = g_get_monotonic_time();
	const struct rtp_ext *tw = rtp_find_ext(&v, p->ext_in.twcc);
	uint16_t twseq;
	if (tw && rtp_ext_twcc_seq(tw, &twseq) == 0)
		twcc_recorder_on_packet(&p->twcc, twseq, now);
	bool rtx = false;
	struct producer *prod = NULL;
	if (p->audio && v.ssrc == p->audio->ssrc)
		prod = p->audio;
	else if (p->video && v.ssrc == p->video->ssrc)
		prod = p->video;
	else if (p->video && p->video->rtx_ssrc && v.ssrc == p->video->rtx_ssrc)
		prod = p->video, rtx = true;
	else
		prod = bind_unknown_ssrc(p, &v, &rtx);
	if (!prod)
		p->room->worker->stats.dropped++;
	else if (rtx)
		producer_receive_rtx(prod, &v, now);
	else
		producer_receive(prod, &v, now);
}

static void on_report_blocks(struct participant *p, const struct rtcp_report_block *b, unsigned n,
			     int64_t now)
{
	for (unsigned i = 0; i < n; i++) {
		struct consumer *c = participant_find_consumer(p, b[i].ssrc);
		if (c)
			consumer_on_report(c, &b[i], now);
	}
}

struct nack_target {
	struct consumer *consumer;
	int64_t now;
};

static void on_nack_seq(void *arg, uint16_t seq)
{
	struct nack_target *t = arg;
	consumer_on_nack(t->consumer, seq, t->now);
}

static void on_rtpfb(struct participant *p, const struct rtcp_view *v, int64_t now)
{
	struct rtcp_fb fb;
	if (v->count != RTCP_FB_NACK || rtcp_parse_fb(v, &fb))
		return;
	struct nack_target t = { participant_find_consumer(p, fb.media_ssrc), now };
	if (t.consumer)
		rtcp_parse_nack(v, &fb, on_nack_seq, &t);
}

static void on_psfb(struct participant *p, const struct rtcp_view *v, int64_t now)
{
	struct rtcp_fb fb;
	if (v->count == RTCP_FB_PLI && rtcp_parse_fb(v, &fb) == 0) {
		struct consumer *c = participant_find_consumer(p, fb.media_ssrc);
		if (c)
			consumer_on_keyframe_request(c, now);
	} else if (v->count == RTCP_FB_FIR) {
		uint32_t target;
		uint8_t nr;
		if (rtcp_parse_fir(v, &fb, &target, &nr) == 0) {
			struct consumer *c = participant_find_consumer(p, target);
			if (c)
				consumer_on_keyframe_request(c, now);
		}
	} else if (v->count == RTCP_FB_AFB) {
		struct rtcp_remb remb;
		if (rtcp_parse_remb(v, &remb))
			return;
		for (unsigned i = 0; i < remb.n_ssrcs; i++) {
			struct consumer *c = participant_find_consumer(p, remb.ssrcs[i]);
			if (c)
				c->remb_bps = remb.bitrate_bps;
		}
	}
}

static void on_sr(struct participant *p, const struct rtcp_view *v, int64_t now)
{
	struct rtcp_sr sr;
	if (rtcp_parse_sr(v, &sr))
		return;
	if (p->audio && sr.ssrc == p->audio->ssrc)
		producer_on_sr(p->audio, &sr, now);
	else if (p->video && sr.ssrc == p->video->ssrc)
		producer_on_sr(p->video, &sr, now);
	on_report_blocks(p, sr.reports, sr.n_reports, now);
}

static void on_rtcp(void *arg, uint8_t *buf, size_t len)
{
	struct participant *p = arg;
	int64_t now = g_get_monotonic_time();
	if (!p->connected) {
		p->peer_sent_media = true;
		participant_check_media_ready(p, now);
	}
	struct rtcp_iter it;
	struct rtcp_view v;
	struct rtcp_rr rr;
	rtcp_iter_init(&it, buf, len);
	while (rtcp_iter_next(&it, &v) == 1) {
		switch (v.pt) {
		case RTCP_SR:
			on_sr(p, &v, now);
			break;
		case RTCP_RR:
			if (rtcp_parse_rr(&v, &rr) == 0)
				on_report_blocks(p, rr.reports, rr.n_reports, now);
			break;
		case RTCP_RTPFB:
			on_rtpfb(p, &v, now);
			break;
		case RTCP_PSFB:
			on_psfb(p, &v, now);
			break;
		default:
			break;
		}
	}
}

static void on_candidate(void *arg, const char *candidate)
{
	struct participant *p = arg;
	/* WHIP has no way to trickle to the client: our answer carries them all. */
	if (p->kind == PARTICIPANT_WHIP)
		return;
	json_t *c = candidate ? json_pack("{s:s, s:s, s:i}", "candidate", candidate, "sdpMid", "0",
					  "sdpMLineIndex", 0)
			      : json_null();
	participant_notify(p, json_pack("{s:s, s:o}", "type", "candidate", "candidate", c));
}

static void on_failed(void *arg, const char *reason)
{
	struct participant *p = arg;
	log_info(LOGS_ROOM, "room %s participant %s: transport closed: %s", p->room->name, p->id, reason);
	defer_removal(p, "disconnected");
}

/* RR and REMB about what it publishes. */
static int write_publisher_reports(struct participant *p, uint8_t *buf, size_t cap, int64_t now)
{
	struct rtcp_rr rr = { .ssrc = p->rtcp_ssrc };
	struct rtcp_remb remb = { .sender_ssrc = p->rtcp_ssrc };
	struct producer *prods[2] = { p->audio, p->video };
	for (int i = 0; i < 2; i++) {
		if (prods[i] && prods[i]->ssrc && prods[i]->received) {
			producer_report_block(prods[i], &rr.reports[rr.n_reports++], now);
			remb.ssrcs[remb.n_ssrcs++] = prods[i]->ssrc;
		}
	}
	if (!rr.n_reports)
		return 0;
	int n = rtcp_write_rr(buf, cap, &rr);
	if (n < 0 || !p->video)
		return n;
	/* The configured ceiling only. Subscribers' own estimates start low and
	 * ramp slowly; without simulcast, letting the slowest cap the publisher
	 * would degrade everyone. */
	uint64_t bps = (uint64_t)sfu_config()->max_video_bitrate_kbps * 1000;
	remb.bitrate_bps = bps;
	int m = rtcp_write_remb(buf + n, cap - (size_t)n, &remb);
	return m < 0 ? n : n + m;
}

void participant_send_reports(struct participant *p, int64_t now)
{
	if (!p->connected)
		return;
	uint8_t *buf = p->room->worker->scratch;
	size_t cap = WORKER_SCRATCH - SRTP_MAX_TRAILER - 4;
	int n = write_publisher_reports(p, buf, cap, now);
	size_t len = n > 0 ? (size_t)n : 0;
	for (unsigned i = 0; i < p->n_sections; i++) {
		struct section *s = &p->sections[i];
		if (s->role != SECTION_CONSUME || !s->consumer.accepted || cap - len < 64)
			continue;
		int m = consumer_write_sr(&s->consumer, buf + len, cap - len, now);
		if (m > 0)
			len += (size_t)m;
	}
	if (len)
		transport_send_rtcp(p->transport, buf, len, WORKER_SCRATCH);
}

void participant_send_twcc(struct participant *p)
{
	if (!p->connected)
		return;
	uint8_t *buf = p->room->worker->scratch;
	uint32_t media = p->video ? p->video->ssrc : p->audio ? p->audio->ssrc : 0;
	int n = twcc_recorder_write(&p->twcc, buf, WORKER_SCRATCH - SRTP_MAX_TRAILER - 4, p->rtcp_ssrc, media);
	if (n > 0)
		transport_send_rtcp(p->transport, buf, (size_t)n, WORKER_SCRATCH);
}
