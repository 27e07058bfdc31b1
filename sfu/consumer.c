/* The second half of the per-packet path: one subscriber's copy of a
 * packet. Rewrites SSRC, sequence number, timestamp and header extensions
 * into the worker's scratch buffer, then protects and sends it with the
 * subscriber's keys. Also answers that subscriber's NACKs from the
 * producer's cache, with RTX when negotiated. */
#include "sfu/consumer.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "sfu/codecs.h"
#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/rtp/rtx_cache.h"
#include "sfu/transport/srtp_session.h"
#include "sfu/transport/transport.h"
#include "sfu/worker.h"

#define NACK_MAX_AGE_MS 1000

void consumer_init(struct consumer *c, struct participant *subscriber, enum sdp_kind kind,
		   const char *mid, uint32_t ssrc, uint32_t rtx_ssrc)
{
	memset(c, 0, sizeof(*c));
	c->subscriber = subscriber;
	c->kind = kind;
	snprintf(c->mid, sizeof(c->mid), "%s", mid);
	c->ssrc = ssrc;
	c->rtx_ssrc = rtx_ssrc;
	c->rtt_ms = -1;
	seq_map_init(&c->map);
}

int consumer_set_producer(struct consumer *c, struct producer *p)
{
	if (c->producer)
		producer_remove_consumer(c->producer, c);
	c->producer = NULL;
	if (!p)
		return 0;
	if (producer_add_consumer(p, c))
		return -ENOMEM;
	c->producer = p;
	c->clock_rate = p->codec->clock_rate;
	c->waiting_keyframe = p->kind == SDP_KIND_VIDEO;
	c->accepted = false;
	c->remb_bps = 0;
	seq_map_switch(&c->map);
	return 0;
}

/* abs-send-time: 6.18 fixed-point seconds, 24 bits. */
static void abs_send_time(uint8_t out[3], int64_t now_us)
{
	uint32_t v = (uint32_t)(((now_us << 18) / 1000000) & 0xffffff);
	out[0] = (uint8_t)(v >> 16);
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)v;
}

static void add_ext(struct rtp_header_out *h, uint8_t id, const uint8_t *data, uint8_t len)
{
	h->exts[h->n_exts].id = id;
	h->exts[h->n_exts].len = len;
	h->exts[h->n_exts].data = data;
	h->n_exts++;
}

/* Finds the extension under the publisher's id, writes it under ours. */
static void copy_ext(struct rtp_header_out *h, const struct rtp_view *v, uint8_t in_id, uint8_t out_id)
{
	const struct rtp_ext *e = rtp_find_ext(v, in_id);
	if (e)
		add_ext(h, out_id, e->data, e->len);
}

/* Builds header + payload into the scratch buffer and sends it. payload may
 * be preceded by an RTX original sequence number. */
static void send_packet(struct consumer *c, const struct rtp_view *v, struct rtp_header_out *h,
			const uint8_t *osn, int64_t now_us)
{
	struct worker *w = c->subscriber->room->worker;
	uint8_t ast[3];
	if (c->ext_abs_send_time) {
		abs_send_time(ast, now_us);
		add_ext(h, EXT_ABS_SEND_TIME, ast, 3);
	}
	if (c->ext_mid)
		add_ext(h, EXT_MID, (const uint8_t *)c->mid, (uint8_t)strlen(c->mid));
	const struct codec_ext_ids *in = &c->producer->ext_in;
	if (c->ext_audio_level)
		copy_ext(h, v, in->audio_level, EXT_AUDIO_LEVEL);
	if (c->ext_orientation)
		copy_ext(h, v, in->video_orientation, EXT_VIDEO_ORIENTATION);
	uint8_t *out = w->scratch;
	int hl = rtp_write_header(out, WORKER_SCRATCH, h);
	size_t extra = osn ? 2 : 0;
	if (hl < 0 || (size_t)hl + extra + v->payload_len + SRTP_MAX_TRAILER + 4 > WORKER_SCRATCH) {
		w->stats.dropped++;
		return;
	}
	size_t len = (size_t)hl;
	if (osn) {
		memcpy(out + len, osn, 2);
		len += 2;
	}
	memcpy(out + len, v->data + v->payload_off, v->payload_len);
	len += v->payload_len;
	if (transport_send_rtp(c->subscriber->transport, out, len, WORKER_SCRATCH) == 0) {
		c->packets++;
		c->octets += v->payload_len;
	}
}

void consumer_forward(struct consumer *c, const struct rtp_view *v, bool keyframe,
		      int64_t now_us)
{
	if (!c->accepted || !c->subscriber->connected)
		return;
	if (c->waiting_keyframe) {
		if (!keyframe)
			return;
		c->waiting_keyframe = false;
		log_debug(LOGS_RTP, "participant %s mid %s: first keyframe forwarded", c->subscriber->id, c->mid);
	}
	struct rtp_header_out h = { .marker = v->marker, .pt = v->pt, .ssrc = c->ssrc };
	if (!seq_map_apply(&c->map, v->seq, v->ts, c->clock_rate, now_us, &h.seq, &h.ts))
		return;
	send_packet(c, v, &h, NULL, now_us);
}

void consumer_skip(struct consumer *c, uint16_t in_seq)
{
	if (c->accepted && c->map.started)
		seq_map_skip(&c->map, in_seq);
}

void consumer_on_nack(struct consumer *c, uint16_t seq, int64_t now_us)
{
	struct producer *p = c->producer;
	if (!p || !p->cache || !c->subscriber->connected)
		return;
	struct worker *w = c->subscriber->room->worker;
	w->stats.nacks++;
	uint16_t in_seq;
	if (!seq_map_unapply(&c->map, seq, &in_seq))
		return;
	size_t len;
	const uint8_t *pkt = rtx_cache_get(p->cache, in_seq, &len, now_us / 1000, NACK_MAX_AGE_MS);
	if (!pkt)
		return;
	/* The cached packet is parsed from a private copy: the scratch buffer is the output. */
	uint8_t copy[RTX_CACHE_PACKET_MAX];
	memcpy(copy, pkt, len);
	struct rtp_view v;
	if (rtp_parse(&v, copy, len))
		return;
	struct rtp_header_out h = { .marker = v.marker, .ts = v.ts + c->map.ts_offset };
	uint8_t osn[2] = { (uint8_t)(seq >> 8), (uint8_t)seq };
	if (c->rtx_enabled) {
		h.pt = p->codec->rtx_pt;
		h.ssrc = c->rtx_ssrc;
		h.seq = c->rtx_seq++;
		send_packet(c, &v, &h, osn, now_us);
	} else {
		h.pt = producer_out_pt(p, v.pt);
		h.ssrc = c->ssrc;
		h.seq = seq;
		send_packet(c, &v, &h, NULL, now_us);
	}
	w->stats.retransmits++;
}

void consumer_on_keyframe_request(struct consumer *c, int64_t now_us)
{
	if (c->producer)
		producer_request_keyframe(c->producer, now_us);
}

void consumer_on_report(struct consumer *c, const struct rtcp_report_block *b, int64_t now_us)
{
	c->fraction_lost = b->fraction_lost;
	if (b->lsr && b->lsr == c->last_sr_ntp_mid) {
		int64_t rtt_us = now_us - c->last_sr_us - (int64_t)b->dlsr * 1000000 / 65536;
		c->rtt_ms = rtt_us > 0 ? (int)(rtt_us / 1000) : 0;
	}
}

/* NTP time now, 32.32 fixed point. */
static uint64_t ntp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t secs = (uint64_t)ts.tv_sec + 2208988800ull;
	uint64_t frac = ((uint64_t)ts.tv_nsec << 32) / 1000000000ull;
	return secs << 32 | frac;
}

int consumer_write_sr(struct consumer *c, uint8_t *out, size_t cap, int64_t now_us)
{
	struct producer *p = c->producer;
	if (!p || !p->have_sr || !c->map.started)
		return -1;
	struct rtcp_sr sr = { .ssrc = c->ssrc, .ntp = ntp_now() };
	int64_t elapsed = now_us - p->sr_arrival_us;
	sr.rtp_ts = p->sr_rtp_ts + c->map.ts_offset +
		    (uint32_t)(elapsed * (int64_t)c->clock_rate / 1000000);
	sr.packet_count = (uint32_t)c->packets;
	sr.octet_count = (uint32_t)c->octets;
	c->last_sr_ntp_mid = (uint32_t)(sr.ntp >> 16);
	c->last_sr_us = now_us;
	return rtcp_write_sr(out, cap, &sr);
}
