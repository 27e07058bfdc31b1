/* Publisher side of the load generator. Frames are made on schedule (absolute
 * times, so a late timer catches up instead of drifting), cut into packets of
 * at most max_packet bytes, queued, and drained by the pacer at pace_factor
 * times the video bitrate in 5 ms steps; audio skips the queue. The send
 * time is stamped into each packet's trailer just before SRTP protects it. */
#include "bench/loadgen/sender.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/loop.h"
#include "bench/loadgen/synth.h"
#include "sfu/rtp/byte_order.h"
#include "sfu/rtp/rtcp.h"
#include "sfu/rtp/rtp_packet.h"

#define TICK_MS 5
#define AUDIO_US 20000
#define QUEUE_SLOTS 1024
#define SLOT_BYTES 1280
#define SR_EVERY_US 1000000
#define NTP_UNIX_OFFSET 2208988800ull

struct queued {
	uint16_t len;
	uint8_t data[SLOT_BYTES];
};

struct stream {
	uint32_t ssrc;
	struct sender_stream_params p;
	bool negotiated;
	uint16_t seq;
	uint32_t ts;          /* of the last frame */
	int64_t ts_at_us;     /* when that frame was made */
	uint32_t rate;        /* RTP clock */
	uint32_t index;       /* packets sent: the trailer's index */
	uint64_t packets, octets;
};

struct sender {
	struct lg_loop *loop;
	struct sender_config cfg;
	sender_send_fn send;
	void *arg;
	struct stream audio, video;
	GSource *tick;
	GRand *rand;
	int64_t start_us, next_audio_us, next_video_us, next_sr_us, last_key_us;
	uint64_t frame_no;
	uint16_t picture_id;
	bool force_key;
	uint16_t twcc_seq;    /* transport-wide, across both streams */
	size_t delta_bytes, key_bytes;
	/* pacer */
	struct queued *queue;
	unsigned q_head, q_len;
	double budget;        /* bytes the pacer may still send now */
	int64_t budget_at_us;
	struct sender_counters c;
};

static uint32_t random_ssrc(GRand *r)
{
	return g_rand_int_range(r, 1, G_MAXINT32);
}

int sender_create(struct sender **out, struct lg_loop *loop, const struct sender_config *cfg,
		  sender_send_fn send, void *arg)
{
	struct sender *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->queue = calloc(QUEUE_SLOTS, sizeof(*s->queue));
	if (!s->queue) {
		free(s);
		return -ENOMEM;
	}
	s->loop = loop;
	s->cfg = *cfg;
	if (s->cfg.max_packet > SLOT_BYTES)
		s->cfg.max_packet = SLOT_BYTES;
	s->send = send;
	s->arg = arg;
	s->rand = g_rand_new();
	s->audio.ssrc = random_ssrc(s->rand);
	s->video.ssrc = random_ssrc(s->rand);
	s->audio.seq = (uint16_t)g_rand_int(s->rand);
	s->video.seq = (uint16_t)g_rand_int(s->rand);
	s->audio.ts = g_rand_int(s->rand);
	s->video.ts = g_rand_int(s->rand);
	s->audio.rate = 48000;
	s->video.rate = 90000;
	s->picture_id = (uint16_t)(g_rand_int(s->rand) & 0x7fff);
	/* delta * (frames per interval - 1) + key = bytes per interval, key = ratio * delta */
	double interval_s = cfg->key_interval_ms / 1000.0;
	double frames = cfg->fps * interval_s;
	double bytes = cfg->video_bps / 8.0 * interval_s;
	if (frames < 1)
		frames = 1;
	s->delta_bytes = (size_t)(bytes / (frames - 1 + cfg->key_ratio));
	s->key_bytes = s->delta_bytes * cfg->key_ratio;
	*out = s;
	return 0;
}

void sender_stop(struct sender *s)
{
	if (s && s->tick) {
		g_source_destroy(s->tick);
		g_source_unref(s->tick);
		s->tick = NULL;
	}
}

void sender_destroy(struct sender *s)
{
	if (!s)
		return;
	sender_stop(s);
	g_rand_free(s->rand);
	free(s->queue);
	free(s);
}

uint32_t sender_audio_ssrc(const struct sender *s)
{
	return s->audio.ssrc;
}

uint32_t sender_video_ssrc(const struct sender *s)
{
	return s->video.ssrc;
}

void sender_set_audio(struct sender *s, const struct sender_stream_params *p)
{
	s->audio.p = *p;
	s->audio.negotiated = true;
}

void sender_set_video(struct sender *s, const struct sender_stream_params *p)
{
	s->video.p = *p;
	s->video.negotiated = true;
}

const struct sender_counters *sender_counters(const struct sender *s)
{
	return &s->c;
}

/* abs-send-time: seconds in 6.18 fixed point, 24 bits. */
static uint32_t abs_send_time(int64_t us)
{
	return (uint32_t)(((uint64_t)us << 18) / 1000000) & 0xffffff;
}

/* Writes an RTP header of st with this sequence number; returns its length. */
static int write_header(struct stream *st, uint8_t *out, size_t cap, bool marker, uint16_t seq,
			int64_t now_us, bool audio)
{
	struct rtp_header_out h = {
		.marker = marker, .pt = st->p.pt, .seq = seq, .ts = st->ts, .ssrc = st->ssrc,
	};
	uint8_t ast[3], level = 0x80 | 30; /* voice, -30 dBov */
	if (st->p.ext_audio_level && audio)
		h.exts[h.n_exts++] = (struct rtp_ext){ st->p.ext_audio_level, 1, &level };
	if (st->p.ext_abs_send_time) {
		wr24(ast, abs_send_time(now_us));
		h.exts[h.n_exts++] = (struct rtp_ext){ st->p.ext_abs_send_time, 3, ast };
	}
	if (st->p.ext_mid && st->p.mid[0])
		h.exts[h.n_exts++] = (struct rtp_ext){ st->p.ext_mid, (uint8_t)strlen(st->p.mid),
						       (const uint8_t *)st->p.mid };
	uint8_t twcc[2] = { 0, 0 }; /* filled in as the packet leaves */
	if (st->p.ext_twcc)
		h.exts[h.n_exts++] = (struct rtp_ext){ st->p.ext_twcc, 2, twcc };
	return rtp_write_header(out, cap, &h);
}

/* The header fields that depend on when the packet leaves. */
static void stamp_header(struct sender *s, struct stream *st, uint8_t *pkt, size_t len, int64_t now)
{
	struct rtp_view v;
	if ((!st->p.ext_abs_send_time && !st->p.ext_twcc) || rtp_parse(&v, pkt, len))
		return;
	const struct rtp_ext *e = rtp_find_ext(&v, st->p.ext_abs_send_time);
	if (e && e->len == 3)
		wr24((uint8_t *)e->data, abs_send_time(now));
	e = rtp_find_ext(&v, st->p.ext_twcc);
	if (e && e->len == 2)
		wr16((uint8_t *)e->data, s->twcc_seq++);
}

/* Stamps the trailer, copies into the loop's scratch and sends. */
static void send_now(struct sender *s, struct stream *st, uint8_t *pkt, size_t len)
{
	uint8_t *buf = s->loop->w.scratch;
	int64_t now = g_get_monotonic_time();
	stamp_header(s, st, pkt, len, now);
	synth_trailer_write(pkt + len - SYNTH_TRAILER, st->index++, now);
	memcpy(buf, pkt, len);
	st->packets++;
	st->octets += len;
	s->c.packets++;
	s->c.bytes += len;
	if (s->send(s->arg, buf, len, WORKER_SCRATCH, false))
		s->c.send_errors++;
}

static void send_audio(struct sender *s, int64_t now_us)
{
	struct stream *st = &s->audio;
	uint8_t pkt[SLOT_BYTES];
	int h = write_header(st, pkt, sizeof(pkt), false, st->seq++, now_us, true);
	if (h < 0)
		return;
	size_t plen = s->cfg.audio_bytes < SYNTH_TRAILER + 1 ? SYNTH_TRAILER + 1 : s->cfg.audio_bytes;
	synth_opus_payload(pkt + h, plen);
	send_now(s, st, pkt, (size_t)h + plen);
	st->ts += 960;
	st->ts_at_us = now_us;
}

static struct queued *queue_slot(struct sender *s)
{
	if (s->q_len == QUEUE_SLOTS)
		return NULL;
	struct queued *q = &s->queue[(s->q_head + s->q_len) % QUEUE_SLOTS];
	s->q_len++;
	return q;
}

/* Cuts one frame into packets of equal size and queues them. */
static void make_frame(struct sender *s, int64_t now_us)
{
	struct stream *st = &s->video;
	bool key = s->force_key || s->frame_no == 0 ||
		   now_us - s->last_key_us >= (int64_t)s->cfg.key_interval_ms * 1000;
	size_t base = key ? s->key_bytes : s->delta_bytes;
	/* +-10% so packet counts vary as an encoder's do. */
	size_t frame = base * (90 + (size_t)g_rand_int_range(s->rand, 0, 21)) / 100;
	if (frame < synth_vp8_frame_header(key) + 1)
		frame = synth_vp8_frame_header(key) + 1;
	uint8_t hdr[64];
	int hlen = write_header(st, hdr, sizeof(hdr), false, st->seq, now_us, false); /* its size */
	if (hlen < 0)
		return;
	size_t room = s->cfg.max_packet - (size_t)hlen - SYNTH_VP8_DESCRIPTOR - SYNTH_TRAILER;
	size_t n = (frame + room - 1) / room;
	size_t each = frame / n, extra = frame % n;
	for (size_t i = 0; i < n; i++) {
		struct queued *q = queue_slot(s);
		if (!q) {
			s->c.send_errors++;
			break;
		}
		size_t data = each + (i < extra ? 1 : 0);
		int h = write_header(st, q->data, sizeof(q->data), i == n - 1, st->seq++, now_us, false);
		size_t plen = SYNTH_VP8_DESCRIPTOR + data + SYNTH_TRAILER;
		synth_vp8_payload(q->data + h, plen, s->picture_id, i == 0, key, frame);
		q->len = (uint16_t)(h + plen);
	}
	s->picture_id = (s->picture_id + 1) & 0x7fff;
	st->ts_at_us = now_us;
	st->ts += 90000 / s->cfg.fps;
	s->frame_no++;
	s->c.frames++;
	if (key) {
		s->c.keyframes++;
		s->last_key_us = now_us;
		s->force_key = false;
	}
}

static void drain(struct sender *s, int64_t now_us)
{
	if (s->cfg.pace_factor <= 0) {
		s->budget = 1e12;
	} else {
		double rate = s->cfg.video_bps * s->cfg.pace_factor / 8.0 / 1e6; /* bytes per µs */
		s->budget += rate * (double)(now_us - s->budget_at_us);
		double cap = rate * TICK_MS * 1000;
		if (s->budget > cap)
			s->budget = cap;
	}
	s->budget_at_us = now_us;
	while (s->q_len && s->budget > 0) {
		struct queued *q = &s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % QUEUE_SLOTS;
		s->q_len--;
		s->budget -= q->len;
		send_now(s, &s->video, q->data, q->len);
	}
}

static uint64_t ntp_now(void)
{
	int64_t us = g_get_real_time();
	uint64_t secs = (uint64_t)us / 1000000 + NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)us % 1000000 << 32) / 1000000;
	return secs << 32 | frac;
}

static void send_sr(struct sender *s, int64_t now_us)
{
	uint8_t *buf = s->loop->w.scratch;
	size_t len = 0;
	struct stream *streams[2] = { &s->audio, &s->video };
	for (int i = 0; i < 2; i++) {
		struct stream *st = streams[i];
		if (!st->negotiated || !st->packets)
			continue;
		struct rtcp_sr sr = {
			.ssrc = st->ssrc, .ntp = ntp_now(),
			.rtp_ts = st->ts + (uint32_t)((now_us - st->ts_at_us) * st->rate / 1000000),
			.packet_count = (uint32_t)st->packets, .octet_count = (uint32_t)st->octets,
		};
		int n = rtcp_write_sr(buf + len, WORKER_SCRATCH - 64 - len, &sr);
		if (n > 0)
			len += (size_t)n;
	}
	if (len)
		s->send(s->arg, buf, len, WORKER_SCRATCH, true);
}

static gboolean on_tick(gpointer data)
{
	struct sender *s = data;
	int64_t now = g_get_monotonic_time();
	if (s->audio.negotiated)
		while (now >= s->next_audio_us) {
			send_audio(s, now);
			s->next_audio_us += AUDIO_US;
		}
	if (s->video.negotiated)
		while (now >= s->next_video_us) {
			make_frame(s, now);
			s->next_video_us = s->start_us + (int64_t)(s->frame_no * 1000000 / s->cfg.fps);
		}
	drain(s, now);
	if (now >= s->next_sr_us) {
		send_sr(s, now);
		s->next_sr_us = now + SR_EVERY_US;
	}
	return G_SOURCE_CONTINUE;
}

void sender_start(struct sender *s)
{
	if (s->tick)
		return;
	int64_t now = g_get_monotonic_time();
	s->start_us = s->next_audio_us = s->next_video_us = s->budget_at_us = now;
	s->next_sr_us = now + SR_EVERY_US;
	s->audio.ts_at_us = s->video.ts_at_us = now;
	s->tick = g_timeout_source_new(TICK_MS);
	g_source_set_callback(s->tick, on_tick, s, NULL);
	g_source_attach(s->tick, s->loop->w.ctx);
	on_tick(s);
}

static void on_nack(void *arg, uint16_t seq)
{
	((struct sender *)arg)->c.nacks++;
}

void sender_on_rtcp(struct sender *s, const uint8_t *buf, size_t len)
{
	struct rtcp_iter it;
	struct rtcp_view v;
	rtcp_iter_init(&it, buf, len);
	while (rtcp_iter_next(&it, &v) == 1) {
		struct rtcp_fb fb;
		if (v.pt == RTCP_PSFB && (v.count == RTCP_FB_PLI || v.count == RTCP_FB_FIR)) {
			/* Any PLI or FIR names our one video stream. */
			s->c.keyframe_requests++;
			s->force_key |= s->cfg.keyframe_on_request;
		} else if (v.pt == RTCP_PSFB && v.count == RTCP_FB_AFB) {
			struct rtcp_remb remb;
			if (rtcp_parse_remb(&v, &remb) == 0)
				s->c.remb_bps = (uint32_t)remb.bitrate_bps;
		} else if (v.pt == RTCP_RTPFB && v.count == RTCP_FB_NACK) {
			rtcp_parse_nack(&v, &fb, on_nack, s);
		}
	}
}
