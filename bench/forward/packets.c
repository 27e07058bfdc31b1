/* The publisher's synthetic media, shaped like Chrome's: VP8 in frames of
 * VIDEO_PACKETS_PER_FRAME packets (the first one a keyframe) and 20 ms Opus,
 * each with the header extensions a browser publishes to Parley
 * (abs-send-time, transport-wide-cc, mid; audio level on audio). Payload
 * bytes are pseudo-random: nothing on the path looks at them past the codec
 * descriptor. */
#include "bench/forward/bench.h"

#include <string.h>

#include "sfu/codecs.h"
#include "sfu/rtp/byte_order.h"
#include "sfu/rtp/rtp_packet.h"

#define PT_OPUS 111
#define PT_VP8 96
#define VIDEO_TS_STEP 3000  /* 30 fps at 90 kHz */
#define AUDIO_TS_STEP 960   /* 20 ms at 48 kHz */

void stream_gen_init(struct stream_gen *g, enum bench_kind kind, uint32_t ssrc, size_t payload,
		     uint16_t *twcc_seq)
{
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->ssrc = ssrc;
	g->seq = (uint16_t)(ssrc * 7u);
	g->ts = ssrc * 13u;
	g->next_is_keyframe = kind == KIND_VIDEO;
	g->payload = payload < 16 ? 16 : payload;
	g->twcc_seq = twcc_seq;
	g->rand = ssrc | 1;
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void abs_send_time(uint8_t *out, int64_t now_us)
{
	uint32_t v = (uint32_t)(((now_us << 18) / 1000000) & 0xffffff);
	wr24(out, v);
}

/* One-byte extension block (RFC 8285); returns the header length. */
static size_t write_header(struct stream_gen *g, uint8_t *buf, bool marker, int64_t now_us)
{
	bool audio = g->kind == KIND_AUDIO;
	buf[0] = 0x90;
	buf[1] = (uint8_t)((marker ? 0x80 : 0) | (audio ? PT_OPUS : PT_VP8));
	wr16(buf + 2, g->seq);
	wr32(buf + 4, g->ts);
	wr32(buf + 8, g->ssrc);
	uint8_t *e = buf + 16, *p = e;
	if (audio) {
		*p++ = EXT_AUDIO_LEVEL << 4;
		*p++ = 0x80 | 30;   /* voice, -30 dBov */
	}
	*p++ = EXT_ABS_SEND_TIME << 4 | 2;
	abs_send_time(p, now_us);
	p += 3;
	*p++ = EXT_TWCC << 4 | 1;
	wr16(p, (*g->twcc_seq)++);
	p += 2;
	*p++ = EXT_MID << 4;
	*p++ = audio ? '0' : '1';
	while ((p - e) % 4)
		*p++ = 0;
	wr16(buf + 12, 0xBEDE);
	wr16(buf + 14, (uint16_t)((p - e) / 4));
	return (size_t)(p - buf);
}

static void fill_random(struct stream_gen *g, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)xorshift(&g->rand);
}

/* RFC 7741 descriptor with a 15-bit picture id; the VP8 frame tag on frame starts. */
static void vp8_payload(struct stream_gen *g, uint8_t *p, size_t n, bool start, bool key)
{
	uint16_t pic = (uint16_t)(g->ts / VIDEO_TS_STEP) & 0x7fff;
	fill_random(g, p, n);
	p[0] = (uint8_t)(0x80 | (start ? 0x10 : 0));
	p[1] = 0x80;
	p[2] = (uint8_t)(0x80 | pic >> 8);
	p[3] = (uint8_t)pic;
	if (start) {
		p[4] = key ? 0x10 : 0x31;  /* P bit clear on keyframes */
		if (key) {
			p[7] = 0x9d;
			p[8] = 0x01;
			p[9] = 0x2a;
		}
	}
}

size_t stream_gen_next(struct stream_gen *g, uint8_t *buf, size_t cap, int64_t now_us)
{
	bool audio = g->kind == KIND_AUDIO;
	bool start = audio || g->in_frame == 0;
	bool last = audio || g->in_frame == VIDEO_PACKETS_PER_FRAME - 1;
	size_t hl = write_header(g, buf, audio ? false : last, now_us);
	size_t n = g->payload;
	if (hl + n > cap)
		n = cap - hl;
	if (audio) {
		fill_random(g, buf + hl, n);
		g->ts += AUDIO_TS_STEP;
	} else {
		vp8_payload(g, buf + hl, n, start, start && g->next_is_keyframe);
		if (start)
			g->next_is_keyframe = false;
		if (last) {
			g->in_frame = 0;
			g->ts += VIDEO_TS_STEP;
		} else {
			g->in_frame++;
		}
	}
	g->seq++;
	return hl + n;
}

size_t forwarded_template(enum bench_kind kind, size_t payload, uint8_t *buf, size_t cap)
{
	static const uint8_t ast[3] = { 1, 2, 3 }, level = 0x80 | 30;
	struct rtp_header_out h = { .pt = kind == KIND_AUDIO ? PT_OPUS : PT_VP8, .ssrc = 0x12345678 };
	h.exts[h.n_exts++] = (struct rtp_ext){ EXT_ABS_SEND_TIME, 3, ast };
	h.exts[h.n_exts++] = (struct rtp_ext){ EXT_MID, 1, (const uint8_t *)"3" };
	if (kind == KIND_AUDIO)
		h.exts[h.n_exts++] = (struct rtp_ext){ EXT_AUDIO_LEVEL, 1, &level };
	int hl = rtp_write_header(buf, cap, &h);
	if (hl < 0 || (size_t)hl + payload > cap)
		return 0;
	memset(buf + hl, 0xa5, payload);
	return (size_t)hl + payload;
}
