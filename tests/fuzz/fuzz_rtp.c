/* libFuzzer target for sfu/rtp/rtp_packet.c: parses arbitrary bytes as RTP,
 * touches every extension and every codec's keyframe check, and checks that
 * rewriting the parsed header and parsing it again gives the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/rtp/rtp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rewrite(const struct rtp_view *v)
{
	struct rtp_header_out h = { .marker = v->marker, .pt = v->pt, .seq = v->seq,
				    .ts = v->ts, .ssrc = v->ssrc, .n_exts = v->n_exts };
	uint8_t out[12 + 4 + RTP_MAX_EXTS * 257 + 3];
	struct rtp_view w;
	int len;

	memcpy(h.exts, v->exts, sizeof(h.exts));
	len = rtp_write_header(out, sizeof(out), &h);
	if (len < 0 || rtp_parse(&w, out, (size_t)len) != 0)
		abort();
	if (w.seq != v->seq || w.ts != v->ts || w.ssrc != v->ssrc || w.pt != v->pt ||
	    w.marker != v->marker || w.n_exts != v->n_exts || w.payload_len != 0)
		abort();
	for (uint8_t i = 0; i < w.n_exts; i++)
		if (w.exts[i].id != v->exts[i].id || w.exts[i].len != v->exts[i].len ||
		    memcmp(w.exts[i].data, v->exts[i].data, w.exts[i].len) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan catches a read one byte past the end;
	 * rtp_parse also wants a writable buffer. */
	uint8_t *buf = malloc(size ? size : 1);
	struct rtp_view v;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)rtp_is_rtcp(buf, size);
	if (rtp_parse(&v, buf, size) == 0) {
		if (v.payload_off > size || v.payload_len > size - v.payload_off)
			abort();
		for (uint8_t i = 0; i < v.n_exts; i++) {
			const struct rtp_ext *e = rtp_find_ext(&v, v.exts[i].id);
			uint8_t level;
			bool voice;
			uint16_t seq;

			if (!e || e->data < buf || e->data + e->len > buf + v.payload_off)
				abort();
			(void)rtp_ext_audio_level(e, &level, &voice);
			(void)rtp_ext_twcc_seq(e, &seq);
		}
		for (int c = RTP_CODEC_OTHER; c <= RTP_CODEC_AV1; c++)
			(void)rtp_is_keyframe((enum rtp_codec)c, buf + v.payload_off, v.payload_len);
		check_rewrite(&v);
	}
	/* The keyframe checks also see raw bytes, as a depacketizer might. */
	for (int c = RTP_CODEC_OTHER; c <= RTP_CODEC_AV1; c++)
		(void)rtp_is_keyframe((enum rtp_codec)c, buf, size);
	free(buf);
	return 0;
}
