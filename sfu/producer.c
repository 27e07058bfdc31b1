/* Published tracks: the first half of the per-packet path (statistics,
 * retransmission cache, fan-out to consumers) and the publisher-facing
 * RTCP state (receive statistics, last SR, keyframe requests). */
#include "sfu/producer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/consumer.h"
#include "sfu/participant.h"
#include "sfu/rtp/rtx_cache.h"
#include "sfu/sfu_sip.h"
#include "sfu/transport/transport.h"
#include "sfu/worker.h"
#include "sfu/room.h"

/* While a requested keyframe has not arrived, more requests wait this long
 * (the one on its way serves every subscriber that asked meanwhile). */
#define KEYFRAME_INTERVAL_US 300000
/* Once it has arrived, a new subscriber's request goes out at once, but no
 * more often than this. */
#define KEYFRAME_MIN_INTERVAL_US 50000
/* A request that brought no keyframe is sent again after this long while a
 * subscriber still waits: libwebrtc ignores requests within 300 ms of its
 * last keyframe, and RTCP can be lost. */
#define KEYFRAME_RETRY_US 500000
#define RTX_CACHE_SLOTS 1024
/* Resend requests go out again after this long without the packet: several
 * round trips on most paths, and well under the receivers' jitter buffers. */
#define NACK_RETRY_US 40000
#define NACK_BATCH 32

int producer_create(struct producer **out, struct participant *owner, enum sdp_kind kind,
		    const struct codec *codec, uint32_t ssrc, uint32_t rtx_ssrc)
{
	struct producer *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->owner = owner;
	p->kind = kind;
	p->codec = codec;
	p->pt_in = codec->pt;
	p->rtx_pt_in = codec->rtx_pt;
	p->ext_in = codec_own_ext_ids;
	p->ssrc = ssrc;
	p->rtx_ssrc = rtx_ssrc;
	p->paused = kind == SDP_KIND_AUDIO ? owner->audio_blocked : owner->video_blocked;
	snprintf(p->track_id, sizeof(p->track_id), "%s-%s", owner->id,
		 kind == SDP_KIND_AUDIO ? "audio" : "video");
	nack_generator_init(&p->nacks);
	if (kind == SDP_KIND_VIDEO && rtx_cache_create(&p->cache, RTX_CACHE_SLOTS)) {
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void producer_set_client_numbering(struct producer *p, uint8_t pt, uint8_t rtx_pt,
				   const struct codec_ext_ids *ext)
{
	p->pt_in = pt;
	p->rtx_pt_in = rtx_pt;
	p->ext_in = *ext;
}

void producer_destroy(struct producer *p)
{
	if (!p)
		return;
	while (p->n_consumers)
		consumer_set_producer(p->consumers[p->n_consumers - 1], NULL);
	free(p->consumers);
	rtx_cache_destroy(p->cache);
	free(p);
}

int producer_add_consumer(struct producer *p, struct consumer *c)
{
	if (p->n_consumers == p->cap_consumers) {
		unsigned cap = p->cap_consumers ? p->cap_consumers * 2 : 8;
		struct consumer **grown = realloc(p->consumers, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->consumers = grown;
		p->cap_consumers = cap;
	}
	p->consumers[p->n_consumers++] = c;
	return 0;
}

void producer_remove_consumer(struct producer *p, struct consumer *c)
{
	for (unsigned i = 0; i < p->n_consumers; i++) {
		if (p->consumers[i] == c) {
			p->consumers[i] = p->consumers[--p->n_consumers];
			return;
		}
	}
}

/* RFC 3550 A.1 (simplified: no probation) and A.8 jitter. */
static void update_stats(struct producer *p, const struct rtp_view *v, int64_t now_us)
{
	if (!p->seq_init) {
		p->seq_init = true;
		p->max_seq = v->seq;
		p->base_seq = v->seq;
	} else if (rtp_seq_newer(v->seq, p->max_seq)) {
		if (v->seq < p->max_seq)
			p->cycles += 65536;
		p->max_seq = v->seq;
	}
	p->received++;
	p->bytes += v->len;
	int64_t arrival = now_us * (int64_t)p->codec->clock_rate / 1000000;
	int64_t transit = arrival - (int64_t)v->ts;
	if (p->received > 1) {
		int64_t d = transit - p->last_transit;
		if (d < 0)
			d = -d;
		int64_t j = (int64_t)p->jitter_q4 + d - (((int64_t)p->jitter_q4 + 8) >> 4);
		p->jitter_q4 = j > UINT32_MAX ? UINT32_MAX : (uint32_t)j;
	}
	p->last_transit = transit;
}

/* Returns the packet's RFC 6464 level, or -1 when it carries none. */
static int note_audio_level(struct producer *p, const struct rtp_view *v)
{
	const struct rtp_ext *e = rtp_find_ext(v, p->ext_in.audio_level);
	uint8_t level;
	bool voice;
	if (!e || rtp_ext_audio_level(e, &level, &voice))
		return -1;
	p->level_sum += 127u - level;
	p->level_packets++;
	return level;
}

static void send_nacks(struct producer *p, int64_t now_us)
{
	uint16_t seqs[NACK_BATCH];
	size_t n = nack_generator_due(&p->nacks, now_us, NACK_RETRY_US, seqs, NACK_BATCH);
	if (!n)
		return;
	uint8_t *buf = p->owner->room->worker->scratch;
	int len = rtcp_write_nack(buf, WORKER_SCRATCH, p->owner->rtcp_ssrc, p->ssrc, seqs, n);
	if (len > 0)
		transport_send_rtcp(p->owner->transport, buf, (size_t)len, WORKER_SCRATCH);
}

/* Video only: audio is not retransmitted (Opus conceals loss itself). */
static void track_loss(struct producer *p, uint16_t seq, int64_t now_us)
{
	if (nack_generator_on_packet(&p->nacks, seq))
		producer_request_keyframe(p, now_us);
	else
		send_nacks(p, now_us);
}

void producer_receive(struct producer *p, struct rtp_view *v, int64_t now_us)
{
	/* The view only: the cached copy keeps the publisher's PT (see consumer_on_nack). */
	v->pt = producer_out_pt(p, v->pt);
	update_stats(p, v, now_us);
	if (p->kind == SDP_KIND_VIDEO)
		track_loss(p, v->seq, now_us);
	if (v->payload_len == 0) {
		/* Padding-only probes carry nothing for subscribers. */
		for (unsigned i = 0; i < p->n_consumers; i++)
			consumer_skip(p->consumers[i], v->seq);
		return;
	}
	bool keyframe = false;
	int level = -1;
	if (p->kind == SDP_KIND_AUDIO) {
		level = note_audio_level(p, v);
	} else {
		keyframe = rtp_is_keyframe(p->codec->id, v->data + v->payload_off, v->payload_len);
		if (keyframe)
			p->keyframe_awaited = p->keyframe_pending = false;
		rtx_cache_put(p->cache, v->seq, v->data, v->len, now_us / 1000);
	}
	if (p->paused)
		return;
	if (p->kind == SDP_KIND_AUDIO && p->owner->room->sip_callers)
		sfu_sip_tap(p->owner->room, p->ssrc, v, level);
	for (unsigned i = 0; i < p->n_consumers; i++)
		consumer_forward(p->consumers[i], v, keyframe, now_us);
}

void producer_receive_rtx(struct producer *p, struct rtp_view *v, int64_t now_us)
{
	if (v->payload_len <= 2)
		return; /* bandwidth probe */
	const uint8_t *osn = v->data + v->payload_off;
	v->seq = (uint16_t)(osn[0] << 8 | osn[1]);
	v->pt = p->codec->pt;
	v->ssrc = p->ssrc;
	v->payload_off += 2;
	v->payload_len -= 2;
	nack_generator_on_packet(&p->nacks, v->seq);
	bool keyframe = p->kind == SDP_KIND_VIDEO &&
			rtp_is_keyframe(p->codec->id, v->data + v->payload_off, v->payload_len);
	if (p->paused)
		return;
	for (unsigned i = 0; i < p->n_consumers; i++)
		consumer_forward(p->consumers[i], v, keyframe, now_us);
}

void producer_on_sr(struct producer *p, const struct rtcp_sr *sr, int64_t now_us)
{
	p->have_sr = true;
	p->sr_ntp_mid = (uint32_t)(sr->ntp >> 16);
	p->sr_rtp_ts = sr->rtp_ts;
	p->sr_arrival_us = now_us;
}

static void send_pli(struct producer *p, int64_t now_us)
{
	uint8_t *buf = p->owner->room->worker->scratch;
	int n = rtcp_write_pli(buf, WORKER_SCRATCH, p->owner->rtcp_ssrc, p->ssrc);
	if (n > 0 && transport_send_rtcp(p->owner->transport, buf, (size_t)n, WORKER_SCRATCH) == 0) {
		log_debug(LOGS_RTP, "participant %s: keyframe requested", p->owner->id);
		p->last_keyframe_request_us = now_us;
		p->keyframe_pending = false;
		p->keyframe_awaited = true;
		p->owner->room->worker->stats.keyframe_requests++;
	}
}

void producer_set_paused(struct producer *p, bool paused, int64_t now_us)
{
	if (p->paused == paused)
		return;
	p->paused = paused;
	if (paused)
		return;
	for (unsigned i = 0; i < p->n_consumers; i++) {
		struct consumer *c = p->consumers[i];
		seq_map_switch(&c->map);
		c->waiting_keyframe = p->kind == SDP_KIND_VIDEO;
	}
	producer_request_keyframe(p, now_us);
}

static int64_t keyframe_wait(const struct producer *p)
{
	return p->keyframe_awaited ? KEYFRAME_INTERVAL_US : KEYFRAME_MIN_INTERVAL_US;
}

void producer_request_keyframe(struct producer *p, int64_t now_us)
{
	if (p->kind != SDP_KIND_VIDEO)
		return;
	if (now_us - p->last_keyframe_request_us >= keyframe_wait(p))
		send_pli(p, now_us);
	else
		p->keyframe_pending = true;
}

static void update_bitrate(struct producer *p, int64_t now_us)
{
	int64_t span = now_us - p->rate_mark_us;
	if (span < 1000000)
		return;
	if (p->rate_mark_us)
		p->bitrate_bps = (uint32_t)((p->bytes - p->rate_bytes_mark) * 8 * 1000000 / (uint64_t)span);
	p->rate_bytes_mark = p->bytes;
	p->rate_mark_us = now_us;
}

int64_t producer_packets_lost(const struct producer *p)
{
	if (!p->seq_init)
		return 0;
	int64_t expected = (int64_t)(p->cycles + p->max_seq) - (int64_t)p->base_seq + 1;
	int64_t lost = expected - (int64_t)p->received;
	return lost > 0 ? lost : 0;
}

static bool consumers_waiting(const struct producer *p)
{
	for (unsigned i = 0; i < p->n_consumers; i++)
		if (p->consumers[i]->waiting_keyframe)
			return true;
	return false;
}

void producer_tick(struct producer *p, int64_t now_us)
{
	update_bitrate(p, now_us);
	if (p->kind == SDP_KIND_VIDEO)
		send_nacks(p, now_us);
	int64_t since = now_us - p->last_keyframe_request_us;
	if (p->keyframe_pending && since >= keyframe_wait(p))
		send_pli(p, now_us);
	else if (p->keyframe_awaited && since >= KEYFRAME_RETRY_US && consumers_waiting(p))
		send_pli(p, now_us);
}

/* RFC 3550 A.3. */
void producer_report_block(struct producer *p, struct rtcp_report_block *b, int64_t now_us)
{
	memset(b, 0, sizeof(*b));
	b->ssrc = p->ssrc;
	uint32_t ext_max = p->cycles + p->max_seq;
	uint64_t expected = p->seq_init ? (uint64_t)ext_max - p->base_seq + 1 : 0;
	int64_t lost = (int64_t)expected - (int64_t)p->received;
	b->cumulative_lost = lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : (int32_t)lost;
	uint64_t expected_interval = expected - p->expected_prior;
	uint64_t received_interval = p->received - p->received_prior;
	p->expected_prior = expected;
	p->received_prior = p->received;
	int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
	if (expected_interval && lost_interval > 0)
		b->fraction_lost = (uint8_t)((lost_interval << 8) / (int64_t)expected_interval);
	b->highest_seq = ext_max;
	b->jitter = p->jitter_q4 >> 4;
	if (p->have_sr) {
		b->lsr = p->sr_ntp_mid;
		b->dlsr = (uint32_t)((now_us - p->sr_arrival_us) * 65536 / 1000000);
	}
}
