/* Payload writers for the synthetic streams (see synth.h for the layout). */
#include "bench/loadgen/synth.h"

#include <glib.h>
#include <string.h>

#include "sfu/rtp/byte_order.h"

#define MAGIC 0x504c4731u /* "PLG1" */
#define VP8_KEY_HEADER 10
#define VP8_DELTA_HEADER 3

/* Filler that looks like compressed data; SRTP hides it anyway. */
static uint8_t filler[1500];
static gsize filler_ready;

static void fill(uint8_t *out, size_t len)
{
	if (g_once_init_enter(&filler_ready)) {
		uint32_t x = 0x9e3779b9u;
		for (size_t i = 0; i < sizeof(filler); i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			filler[i] = (uint8_t)x;
		}
		g_once_init_leave(&filler_ready, 1);
	}
	while (len) {
		size_t n = len < sizeof(filler) ? len : sizeof(filler);
		memcpy(out, filler, n);
		out += n;
		len -= n;
	}
}

void synth_trailer_write(uint8_t *at, uint32_t index, int64_t send_us)
{
	wr32(at, MAGIC);
	wr32(at + 4, index);
	wr32(at + 8, (uint32_t)((uint64_t)send_us >> 32));
	wr32(at + 12, (uint32_t)send_us);
}

bool synth_trailer_read(const uint8_t *payload, size_t len, uint32_t *index, int64_t *send_us)
{
	if (len < SYNTH_TRAILER)
		return false;
	const uint8_t *t = payload + len - SYNTH_TRAILER;
	if (rd32(t) != MAGIC)
		return false;
	*index = rd32(t + 4);
	*send_us = (int64_t)((uint64_t)rd32(t + 8) << 32 | rd32(t + 12));
	return true;
}

size_t synth_vp8_frame_header(bool key)
{
	return key ? VP8_KEY_HEADER : VP8_DELTA_HEADER;
}

void synth_vp8_payload(uint8_t *out, size_t len, uint16_t picture_id, bool first, bool key,
		       size_t frame_size)
{
	size_t off = SYNTH_VP8_DESCRIPTOR;
	out[0] = (uint8_t)(0x80 | (first ? 0x10 : 0)); /* X, S, partition 0 */
	out[1] = 0x80;                                  /* I: PictureID present */
	out[2] = (uint8_t)(0x80 | ((picture_id >> 8) & 0x7f)); /* M: 15 bits */
	out[3] = (uint8_t)picture_id;
	if (first) {
		/* Frame tag: P (0 = key), version 0, show_frame, first partition size. */
		uint32_t part = (uint32_t)(frame_size / 4) & 0x7ffff;
		uint32_t tag = (key ? 0u : 1u) | 1u << 4 | part << 5;
		out[off++] = (uint8_t)tag;
		out[off++] = (uint8_t)(tag >> 8);
		out[off++] = (uint8_t)(tag >> 16);
		if (key) {
			static const uint8_t start[7] = { 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01 };
			memcpy(out + off, start, sizeof(start)); /* start code, 640, 480 */
			off += sizeof(start);
		}
	}
	if (len > off + SYNTH_TRAILER)
		fill(out + off, len - off - SYNTH_TRAILER);
}

void synth_opus_payload(uint8_t *out, size_t len)
{
	out[0] = 0xf8; /* config 31 (CELT FB 20 ms), mono, one frame */
	if (len > 1 + SYNTH_TRAILER)
		fill(out + 1, len - 1 - SYNTH_TRAILER);
}
