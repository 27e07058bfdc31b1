/* Unit tests for sfu/rtp/rtp_packet.c: header parsing, RFC 8285 extensions,
 * header writing and keyframe detection, including every truncation of valid
 * packets (each copied into an exact-size heap buffer so ASan sees overreads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "sfu/rtp/rtp_packet.h"

/* V=2, PT 96, seq 0x1234, ts 0xdeadbeef, ssrc 0x01020304 */
static const uint8_t plain[] = {
	0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
	0xaa, 0xbb, 0xcc,
};

/* Two CSRCs, one-byte extensions (id1 len1, pad, id3 len2, id5 len4), payload. */
static const uint8_t with_exts[] = {
	0x92, 0x6f, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
	0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x0b,
	0xbe, 0xde, 0x00, 0x03,
	0x10, 0x85, 0x00, 0x31, 0xab, 0xcd, 0x53, 0x01, 0x02, 0x03, 0x04, 0x00,
	0x01, 0x02, 0x03,
};

/* Padding bit set, 3 padding bytes. */
static const uint8_t padded[] = {
	0xa0, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x55, 0x66, 0x00, 0x00, 0x03,
};

/* Two-byte extensions: id 20 len 0, pad, id 200 len 3. */
static const uint8_t two_byte[] = {
	0x90, 0x60, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x02,
	0x14, 0x00, 0x00, 0xc8, 0x03, 0x07, 0x08, 0x09,
	0x42,
};

static uint8_t *dup_buf(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

static int parse_copy(struct rtp_view *v, const uint8_t *src, size_t len, uint8_t **owned)
{
	*owned = dup_buf(src, len);
	return rtp_parse(v, *owned, len);
}

static void test_parse_plain(void **state)
{
	struct rtp_view v;
	uint8_t *b;

	assert_int_equal(parse_copy(&v, plain, sizeof(plain), &b), 0);
	assert_int_equal(v.pt, 96);
	assert_true(v.marker);
	assert_false(v.padding);
	assert_int_equal(v.seq, 0x1234);
	assert_int_equal(v.ts, 0xdeadbeef);
	assert_int_equal(v.ssrc, 0x01020304);
	assert_int_equal(v.csrc_count, 0);
	assert_int_equal(v.ext_profile, 0);
	assert_int_equal(v.n_exts, 0);
	assert_int_equal(v.payload_off, 12);
	assert_int_equal(v.payload_len, 3);
	assert_ptr_equal(v.data, b);
	free(b);
}

static void test_parse_csrc_and_one_byte_exts(void **state)
{
	struct rtp_view v;
	uint8_t *b;
	const struct rtp_ext *e;

	assert_int_equal(parse_copy(&v, with_exts, sizeof(with_exts), &b), 0);
	assert_false(v.marker);
	assert_int_equal(v.pt, 0x6f);
	assert_int_equal(v.seq, 0xffff);
	assert_int_equal(v.csrc_count, 2);
	assert_int_equal(v.ext_profile, 0xBEDE);
	assert_int_equal(v.n_exts, 3);
	e = rtp_find_ext(&v, 1);
	assert_non_null(e);
	assert_int_equal(e->len, 1);
	assert_int_equal(e->data[0], 0x85);
	e = rtp_find_ext(&v, 3);
	assert_non_null(e);
	assert_int_equal(e->len, 2);
	assert_memory_equal(e->data, "\xab\xcd", 2);
	e = rtp_find_ext(&v, 5);
	assert_non_null(e);
	assert_int_equal(e->len, 4);
	assert_null(rtp_find_ext(&v, 2));
	assert_int_equal(v.payload_off, sizeof(with_exts) - 3);
	assert_int_equal(v.payload_len, 3);
	free(b);
}

static void test_parse_two_byte_exts(void **state)
{
	struct rtp_view v;
	uint8_t *b;
	const struct rtp_ext *e;

	assert_int_equal(parse_copy(&v, two_byte, sizeof(two_byte), &b), 0);
	assert_int_equal(v.ext_profile, 0x1000);
	assert_int_equal(v.n_exts, 2);
	e = rtp_find_ext(&v, 20);
	assert_non_null(e);
	assert_int_equal(e->len, 0);
	e = rtp_find_ext(&v, 200);
	assert_non_null(e);
	assert_int_equal(e->len, 3);
	assert_memory_equal(e->data, "\x07\x08\x09", 3);
	assert_int_equal(v.payload_len, 1);
	assert_int_equal(b[v.payload_off], 0x42);
	free(b);
}

static void test_parse_padding(void **state)
{
	struct rtp_view v;
	uint8_t buf[sizeof(padded)];

	memcpy(buf, padded, sizeof(buf));
	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), 0);
	assert_true(v.padding);
	assert_int_equal(v.payload_len, 2);

	buf[sizeof(buf) - 1] = 5; /* whole payload is padding: allowed */
	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), 0);
	assert_int_equal(v.payload_len, 0);

	buf[sizeof(buf) - 1] = 6; /* would eat the header */
	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), -EINVAL);
	buf[sizeof(buf) - 1] = 0;
	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), -EINVAL);

	/* Padding bit on a bare header: no room for the count byte. */
	assert_int_equal(rtp_parse(&v, buf, 12), -EINVAL);
}

static void test_parse_rejects_malformed(void **state)
{
	struct rtp_view v;
	uint8_t buf[64];

	memcpy(buf, plain, sizeof(plain));
	buf[0] = 0x40; /* version 1 */
	assert_int_equal(rtp_parse(&v, buf, sizeof(plain)), -EINVAL);
	buf[0] = 0x8f; /* 15 CSRCs, not there */
	assert_int_equal(rtp_parse(&v, buf, sizeof(plain)), -EINVAL);
	assert_int_equal(rtp_parse(&v, NULL, 12), -EINVAL);

	/* Extension length word past the end. */
	memcpy(buf, with_exts, sizeof(with_exts));
	buf[23] = 0x09;
	assert_int_equal(rtp_parse(&v, buf, sizeof(with_exts)), -EINVAL);

	/* One-byte element running past its block. */
	memcpy(buf, with_exts, sizeof(with_exts));
	buf[30] = 0x5f; /* id 5, len 16 */
	assert_int_equal(rtp_parse(&v, buf, sizeof(with_exts)), -EINVAL);

	/* id 0 with a nonzero length is reserved. */
	memcpy(buf, with_exts, sizeof(with_exts));
	buf[24] = 0x01;
	assert_int_equal(rtp_parse(&v, buf, sizeof(with_exts)), -EINVAL);

	/* Two-byte element length past its block. */
	memcpy(buf, two_byte, sizeof(two_byte));
	buf[20] = 0x05;
	assert_int_equal(rtp_parse(&v, buf, sizeof(two_byte)), -EINVAL);
	/* Two-byte element with its length byte cut off by the block end. */
	memcpy(buf, two_byte, sizeof(two_byte));
	buf[15] = 0x01; /* block is now 4 bytes: 14 00 00 c8 */
	assert_int_equal(rtp_parse(&v, buf, sizeof(two_byte)), -EINVAL);
}

static void test_one_byte_id15_stops(void **state)
{
	uint8_t buf[] = {
		0x90, 0x60, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0,
		0xbe, 0xde, 0x00, 0x02,
		0x20, 0x11, 0xf7, 0x00, 0x30, 0x22, 0x00, 0x00, /* id 15 then id 3 */
	};
	struct rtp_view v;

	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), 0);
	assert_int_equal(v.n_exts, 1);
	assert_non_null(rtp_find_ext(&v, 2));
	assert_null(rtp_find_ext(&v, 3));
	assert_int_equal(v.payload_len, 0);
}

static void test_unknown_profile_skipped(void **state)
{
	uint8_t buf[] = {
		0x90, 0x60, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0,
		0x12, 0x34, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x99,
	};
	struct rtp_view v;

	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), 0);
	assert_int_equal(v.ext_profile, 0x1234);
	assert_int_equal(v.n_exts, 0);
	assert_int_equal(v.payload_off, 20);
	assert_int_equal(v.payload_len, 1);
}

static void test_too_many_exts_ignored(void **state)
{
	uint8_t buf[12 + 4 + 40] = { 0x90, 0x60 };
	struct rtp_view v;

	buf[12] = 0xbe;
	buf[13] = 0xde;
	buf[15] = 10;
	for (int i = 0; i < 20; i++) { /* 20 elements of id (i%14)+1, len 1 */
		buf[16 + 2 * i] = (uint8_t)(((i % 14) + 1) << 4);
		buf[17 + 2 * i] = (uint8_t)i;
	}
	assert_int_equal(rtp_parse(&v, buf, sizeof(buf)), 0);
	assert_int_equal(v.n_exts, RTP_MAX_EXTS);
	assert_int_equal(v.exts[15].data[0], 15);
}

/* The safety property for any input: either rejected, or every offset the
 * view hands out lies inside the buffer. */
static void check_view_bounds(const struct rtp_view *v, const uint8_t *b, size_t len)
{
	assert_true(v->payload_off <= len);
	assert_true(v->payload_len <= len - v->payload_off);
	assert_true(v->n_exts <= RTP_MAX_EXTS);
	for (int i = 0; i < v->n_exts; i++) {
		assert_true(v->exts[i].data >= b);
		assert_true(v->exts[i].data + v->exts[i].len <= b + v->payload_off);
	}
}

static void test_every_truncation(void **state)
{
	const struct { const uint8_t *p; size_t n; } pkts[] = {
		{ plain, sizeof(plain) }, { with_exts, sizeof(with_exts) },
		{ padded, sizeof(padded) }, { two_byte, sizeof(two_byte) },
	};

	for (size_t k = 0; k < sizeof(pkts) / sizeof(pkts[0]); k++) {
		for (size_t len = 0; len <= pkts[k].n; len++) {
			struct rtp_view v;
			uint8_t *b;
			int rc = parse_copy(&v, pkts[k].p, len, &b);

			if (len < 12)
				assert_int_equal(rc, -EINVAL);
			if (rc == 0)
				check_view_bounds(&v, b, len);
			else
				assert_int_equal(rc, -EINVAL);
			free(b);
		}
	}
	/* Cutting into the extension block must be rejected, not half-parsed. */
	{
		struct rtp_view v;
		uint8_t *b;

		for (size_t len = 12; len < sizeof(with_exts) - 3; len++) {
			assert_int_equal(parse_copy(&v, with_exts, len, &b), -EINVAL);
			free(b);
		}
	}
}

static void test_is_rtcp(void **state)
{
	uint8_t b[2] = { 0x80, 0 };

	assert_false(rtp_is_rtcp(b, 0));
	assert_false(rtp_is_rtcp(b, 1));
	assert_false(rtp_is_rtcp(NULL, 2));
	b[1] = 191;
	assert_false(rtp_is_rtcp(b, 2));
	b[1] = 192;
	assert_true(rtp_is_rtcp(b, 2));
	b[1] = 200;
	assert_true(rtp_is_rtcp(b, 2));
	b[1] = 223;
	assert_true(rtp_is_rtcp(b, 2));
	b[1] = 224;
	assert_false(rtp_is_rtcp(b, 2));
	b[1] = 0xe0; /* PT 96 with marker: RTP */
	assert_false(rtp_is_rtcp(b, 2));
}

static void test_write_plain(void **state)
{
	struct rtp_header_out h = { .marker = true, .pt = 111, .seq = 65535, .ts = 0xfffffff0,
				    .ssrc = 0xcafebabe };
	uint8_t out[12];
	struct rtp_view v;

	assert_int_equal(rtp_write_header(out, sizeof(out), &h), 12);
	assert_int_equal(out[0], 0x80);
	assert_int_equal(rtp_parse(&v, out, 12), 0);
	assert_true(v.marker);
	assert_int_equal(v.pt, 111);
	assert_int_equal(v.seq, 65535);
	assert_int_equal(v.ts, 0xfffffff0);
	assert_int_equal(v.ssrc, 0xcafebabe);
	assert_int_equal(v.payload_len, 0);
	assert_int_equal(rtp_write_header(out, 11, &h), -ENOSPC);
}

static void write_and_check(const struct rtp_header_out *h, uint16_t profile, int want_len)
{
	uint8_t out[1200];
	struct rtp_view v;
	int len = rtp_write_header(out, sizeof(out), h);

	assert_int_equal(len, want_len);
	assert_int_equal(len % 4, 0);
	assert_int_equal(rtp_parse(&v, out, (size_t)len), 0);
	assert_int_equal(v.ext_profile, profile);
	assert_int_equal(v.payload_off, (size_t)len);
	assert_int_equal(v.n_exts, h->n_exts);
	for (int i = 0; i < h->n_exts; i++) {
		const struct rtp_ext *e = rtp_find_ext(&v, h->exts[i].id);

		assert_non_null(e);
		assert_int_equal(e->len, h->exts[i].len);
		if (e->len)
			assert_memory_equal(e->data, h->exts[i].data, e->len);
	}
	for (int cap = 0; cap < len; cap++)
		assert_int_equal(rtp_write_header(out, (size_t)cap, h), -ENOSPC);
}

static void test_write_one_byte_form(void **state)
{
	static const uint8_t lvl[] = { 0x85 }, tw[] = { 0x01, 0x02 };
	static const uint8_t big[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct rtp_header_out h = { .pt = 96, .n_exts = 2 };

	h.exts[0] = (struct rtp_ext){ .id = 1, .len = 1, .data = lvl };
	h.exts[1] = (struct rtp_ext){ .id = 14, .len = 2, .data = tw };
	/* 12 + 4 + (2 + 3 = 5, padded to 8) */
	write_and_check(&h, 0xBEDE, 24);
	h.exts[1] = (struct rtp_ext){ .id = 3, .len = 16, .data = big };
	write_and_check(&h, 0xBEDE, 12 + 4 + 20);
}

static void test_write_two_byte_form(void **state)
{
	static uint8_t big[255], one[] = { 9 };
	struct rtp_header_out h = { .pt = 96, .n_exts = 2 };

	memset(big, 0x5a, sizeof(big));
	h.exts[0] = (struct rtp_ext){ .id = 1, .len = 1, .data = one };
	h.exts[1] = (struct rtp_ext){ .id = 15, .len = 1, .data = one };
	write_and_check(&h, 0x1000, 12 + 4 + 8); /* id 15 forces two-byte */
	h.exts[1] = (struct rtp_ext){ .id = 2, .len = 0, .data = NULL };
	write_and_check(&h, 0x1000, 12 + 4 + 8); /* empty value forces it */
	h.exts[1] = (struct rtp_ext){ .id = 2, .len = 17, .data = big };
	write_and_check(&h, 0x1000, 12 + 4 + 24);
	h.exts[1] = (struct rtp_ext){ .id = 255, .len = 255, .data = big };
	write_and_check(&h, 0x1000, 12 + 4 + 260);
}

static void test_write_rejects_bad_exts(void **state)
{
	static const uint8_t one[] = { 9 };
	struct rtp_header_out h = { .pt = 96, .n_exts = 1 };
	uint8_t out[64];

	h.exts[0] = (struct rtp_ext){ .id = 0, .len = 1, .data = one };
	assert_int_equal(rtp_write_header(out, sizeof(out), &h), -EINVAL);
	h.exts[0] = (struct rtp_ext){ .id = 1, .len = 1, .data = NULL };
	assert_int_equal(rtp_write_header(out, sizeof(out), &h), -EINVAL);
	h.exts[0] = (struct rtp_ext){ .id = 1, .len = 1, .data = one };
	h.n_exts = RTP_MAX_EXTS + 1;
	assert_int_equal(rtp_write_header(out, sizeof(out), &h), -EINVAL);
}

static void test_ext_helpers(void **state)
{
	uint8_t d[4] = { 0xff, 0x12, 0x34, 0x00 };
	struct rtp_ext e = { .id = 1, .len = 1, .data = d };
	uint8_t level;
	bool voice;
	uint16_t seq;

	assert_int_equal(rtp_ext_audio_level(&e, &level, &voice), 0);
	assert_int_equal(level, 127);
	assert_true(voice);
	d[0] = 0x1e;
	assert_int_equal(rtp_ext_audio_level(&e, &level, &voice), 0);
	assert_int_equal(level, 30);
	assert_false(voice);
	e.len = 2;
	assert_int_equal(rtp_ext_audio_level(&e, &level, &voice), -EINVAL);
	e.len = 0;
	assert_int_equal(rtp_ext_audio_level(&e, &level, &voice), -EINVAL);

	e.data = d + 1;
	e.len = 2;
	assert_int_equal(rtp_ext_twcc_seq(&e, &seq), 0);
	assert_int_equal(seq, 0x1234);
	e.len = 1;
	assert_int_equal(rtp_ext_twcc_seq(&e, &seq), -EINVAL);
	assert_int_equal(rtp_ext_twcc_seq(NULL, &seq), -EINVAL);
}

static void test_seq_newer(void **state)
{
	assert_true(rtp_seq_newer(1, 0));
	assert_false(rtp_seq_newer(0, 1));
	assert_false(rtp_seq_newer(5, 5));
	assert_true(rtp_seq_newer(0, 65535));
	assert_true(rtp_seq_newer(10, 65530));
	assert_false(rtp_seq_newer(65530, 10));
	assert_true(rtp_seq_newer(0x7fff, 0));
	assert_false(rtp_seq_newer(0x8000, 0));
}

/* VP8: descriptor with X, I (15-bit picture id), L, T; then a key frame tag. */
static const uint8_t vp8_key_ext[] = {
	0x90, 0xe0, 0x80, 0x01, 0x05, 0x40,
	0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01,
};
static const uint8_t vp8_key_min[] = { 0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a };
static const uint8_t vp9_key[] = { 0xaa, 0x80, 0x01, 0x00, 0x00, 0x83, 0x49, 0x83 };
static const uint8_t h264_stap[] = {
	0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1f,
};
static const uint8_t av1_key[] = { 0x18, 0x0a, 0x0b, 0x00, 0x00, 0x00 };

static bool key_copy(enum rtp_codec c, const uint8_t *p, size_t len)
{
	uint8_t *b = dup_buf(p, len);
	bool k = rtp_is_keyframe(c, b, len);

	free(b);
	return k;
}

static void test_vp8_keyframe(void **state)
{
	uint8_t b[sizeof(vp8_key_ext)];

	assert_true(key_copy(RTP_CODEC_VP8, vp8_key_ext, sizeof(vp8_key_ext)));
	assert_true(key_copy(RTP_CODEC_VP8, vp8_key_min, sizeof(vp8_key_min)));
	/* X with only K: one TID/Y/KEYIDX byte before the payload header. */
	assert_true(key_copy(RTP_CODEC_VP8,
			     (const uint8_t[]){ 0x90, 0x10, 0x00, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a }, 9));
	memcpy(b, vp8_key_ext, sizeof(b));
	b[6] |= 0x01; /* P bit: inter frame */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP8, b, sizeof(b)));
	memcpy(b, vp8_key_ext, sizeof(b));
	b[0] &= (uint8_t)~0x10; /* not the start of a partition */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP8, b, sizeof(b)));
	memcpy(b, vp8_key_ext, sizeof(b));
	b[0] |= 0x01; /* partition 1 */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP8, b, sizeof(b)));
	memcpy(b, vp8_key_ext, sizeof(b));
	b[10] = 0x02; /* no start code */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP8, b, sizeof(b)));
	/* The same bytes under other codecs are not VP8 keyframes. */
	assert_false(rtp_is_keyframe(RTP_CODEC_OPUS, vp8_key_min, sizeof(vp8_key_min)));
	assert_false(rtp_is_keyframe(RTP_CODEC_OTHER, vp8_key_min, sizeof(vp8_key_min)));
	assert_false(rtp_is_keyframe(RTP_CODEC_VP8, NULL, 10));
}

static void test_vp9_keyframe(void **state)
{
	uint8_t b[sizeof(vp9_key)];

	assert_true(key_copy(RTP_CODEC_VP9, vp9_key, sizeof(vp9_key)));
	memcpy(b, vp9_key, sizeof(b));
	b[0] |= 0x40; /* inter-picture predicted */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP9, b, sizeof(b)));
	memcpy(b, vp9_key, sizeof(b));
	b[0] &= (uint8_t)~0x08; /* not the beginning of a frame */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP9, b, sizeof(b)));
	memcpy(b, vp9_key, sizeof(b));
	b[3] = 0x02; /* spatial layer 1 */
	assert_false(rtp_is_keyframe(RTP_CODEC_VP9, b, sizeof(b)));
	/* No I/L: the one descriptor byte plus payload. */
	assert_true(key_copy(RTP_CODEC_VP9, (const uint8_t[]){ 0x08, 0x83 }, 2));
	assert_false(key_copy(RTP_CODEC_VP9, (const uint8_t[]){ 0x08 }, 1));
}

static void test_h264_keyframe(void **state)
{
	assert_true(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x65, 0x88 }, 2)); /* IDR */
	assert_true(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x67, 0x42 }, 2)); /* SPS */
	assert_false(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x41, 0x9a }, 2));
	assert_false(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x68, 0xce }, 2)); /* PPS */
	assert_true(key_copy(RTP_CODEC_H264, h264_stap, sizeof(h264_stap)));
	/* STAP-A whose second NAL size overruns the packet. */
	{
		uint8_t b[sizeof(h264_stap)];

		memcpy(b, h264_stap, sizeof(b));
		b[6] = 0x05;
		assert_false(rtp_is_keyframe(RTP_CODEC_H264, b, sizeof(b)));
		b[6] = 0x04;
		b[2] = 0x00; /* zero-size NAL */
		assert_false(rtp_is_keyframe(RTP_CODEC_H264, b, sizeof(b)));
	}
	/* A zero-size NAL is malformed: stop, don't read its header byte. */
	assert_false(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x78, 0x00, 0x00, 0x67, 0x42 }, 5));
	assert_true(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x7c, 0x85, 0x00 }, 3));
	assert_false(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x7c, 0x05, 0x00 }, 3));
	assert_false(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x7c, 0x81, 0x00 }, 3));
	assert_false(key_copy(RTP_CODEC_H264, (const uint8_t[]){ 0x7c }, 1));
}

static void test_av1_keyframe(void **state)
{
	assert_true(key_copy(RTP_CODEC_AV1, av1_key, sizeof(av1_key)));
	assert_false(key_copy(RTP_CODEC_AV1, (const uint8_t[]){ 0x10, 0x0a }, 2));
	assert_false(key_copy(RTP_CODEC_AV1, (const uint8_t[]){ 0x98, 0x0a }, 2)); /* Z set */
	assert_false(key_copy(RTP_CODEC_AV1, (const uint8_t[]){ 0x18 }, 1));
}

static void test_keyframe_truncations(void **state)
{
	/* min: the shortest prefix that still carries everything the check needs. */
	const struct { enum rtp_codec c; const uint8_t *p; size_t n, min; } k[] = {
		{ RTP_CODEC_VP8, vp8_key_ext, sizeof(vp8_key_ext), 12 },
		{ RTP_CODEC_VP8, vp8_key_min, sizeof(vp8_key_min), 7 },
		{ RTP_CODEC_VP9, vp9_key, sizeof(vp9_key), 6 },
		{ RTP_CODEC_H264, h264_stap, sizeof(h264_stap), 11 },
		{ RTP_CODEC_AV1, av1_key, sizeof(av1_key), 2 },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		for (size_t len = 0; len <= k[i].n; len++)
			assert_int_equal(key_copy(k[i].c, k[i].p, len), len >= k[i].min);
		/* Every codec's parser on every prefix: only ASan has an opinion. */
		for (int c = RTP_CODEC_OTHER; c <= RTP_CODEC_AV1; c++)
			for (size_t len = 0; len <= k[i].n; len++)
				key_copy((enum rtp_codec)c, k[i].p, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_csrc_and_one_byte_exts),
		cmocka_unit_test(test_parse_two_byte_exts),
		cmocka_unit_test(test_parse_padding),
		cmocka_unit_test(test_parse_rejects_malformed),
		cmocka_unit_test(test_one_byte_id15_stops),
		cmocka_unit_test(test_unknown_profile_skipped),
		cmocka_unit_test(test_too_many_exts_ignored),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_is_rtcp),
		cmocka_unit_test(test_write_plain),
		cmocka_unit_test(test_write_one_byte_form),
		cmocka_unit_test(test_write_two_byte_form),
		cmocka_unit_test(test_write_rejects_bad_exts),
		cmocka_unit_test(test_ext_helpers),
		cmocka_unit_test(test_seq_newer),
		cmocka_unit_test(test_vp8_keyframe),
		cmocka_unit_test(test_vp9_keyframe),
		cmocka_unit_test(test_h264_keyframe),
		cmocka_unit_test(test_av1_keyframe),
		cmocka_unit_test(test_keyframe_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
