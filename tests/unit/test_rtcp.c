/* Unit tests for sfu/rtp/rtcp.c: compound iteration, every parser against
 * its builder (round trips), hand-built packets from the specs, and every
 * truncation of valid packets in exact-size heap buffers so ASan sees any
 * overread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "sfu/rtp/rtcp.h"

/* ---- helpers ---- */

static uint8_t *dup_buf(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct rtcp_view first_view(const uint8_t *p, size_t len)
{
	struct rtcp_iter it;
	struct rtcp_view v;

	rtcp_iter_init(&it, p, len);
	assert_int_equal(rtcp_iter_next(&it, &v), 1);
	return v;
}

struct seq_list {
	size_t n;
	uint16_t seqs[2048];
};

static void collect_seq(void *arg, uint16_t seq)
{
	struct seq_list *l = arg;

	assert_true(l->n < 2048);
	l->seqs[l->n++] = seq;
}

/* got must be exactly want, in order. */
static void expect_seqs(const struct seq_list *got, const uint16_t *want, size_t n)
{
	assert_int_equal(got->n, n);
	assert_memory_equal(got->seqs, want, n * sizeof(uint16_t));
}

struct twcc_list {
	size_t n;
	uint16_t seq[1024];
	bool rx[1024];
	int64_t t[1024];
};

static void collect_twcc(void *arg, uint16_t seq, bool received, int64_t arrival_us)
{
	struct twcc_list *l = arg;

	assert_true(l->n < 1024);
	l->seq[l->n] = seq;
	l->rx[l->n] = received;
	l->t[l->n] = arrival_us;
	l->n++;
}

static void ignore_seq(void *arg, uint16_t seq) {}
static void ignore_twcc(void *arg, uint16_t seq, bool received, int64_t arrival_us) {}

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Runs every parser on v; the point is that none reads outside v. */
static void parse_all(const struct rtcp_view *v)
{
	union { struct rtcp_sr sr; struct rtcp_rr rr; struct rtcp_remb remb; struct rtcp_twcc tw; } u;
	struct rtcp_fb fb;
	uint32_t target;
	uint8_t nr;

	rtcp_parse_sr(v, &u.sr);
	rtcp_parse_rr(v, &u.rr);
	rtcp_parse_fb(v, &fb);
	rtcp_parse_nack(v, &fb, ignore_seq, NULL);
	rtcp_parse_fir(v, &fb, &target, &nr);
	rtcp_parse_remb(v, &u.remb);
	rtcp_parse_twcc(v, &u.tw, ignore_twcc, NULL);
}

/* Every prefix of a valid packet, two ways: as raw input to the iterator
 * (the length field now overshoots, so it must fail), and as a packet whose
 * length field was rewritten to fit, which every parser must survive. */
static void check_truncations(const uint8_t *pkt, size_t full)
{
	size_t first = ((size_t)(pkt[2] << 8 | pkt[3]) + 1) * 4;

	for (size_t len = 0; len < full; len++) {
		uint8_t *b = dup_buf(pkt, len);
		struct rtcp_iter it;
		struct rtcp_view v;
		int rc, n = 0;

		rtcp_iter_init(&it, b, len);
		while ((rc = rtcp_iter_next(&it, &v)) == 1) {
			assert_true(v.data >= b && v.len <= len - (size_t)(v.data - b));
			n++;
		}
		assert_true(rc == 0 || rc == -EINVAL);
		if (len > 0 && len < first)
			assert_int_equal(rc, -EINVAL);
		if (len < first)
			assert_int_equal(n, 0);
		assert_int_equal(rtcp_iter_next(&it, &v), 0);
		if (len >= 4 && len % 4 == 0) {
			b[2] = (uint8_t)((len / 4 - 1) >> 8);
			b[3] = (uint8_t)(len / 4 - 1);
			b[0] &= (uint8_t)~0x20; /* the padding, if any, is gone */
			v = first_view(b, len);
			assert_int_equal(v.len, len);
			parse_all(&v);
		}
		free(b);
	}
}

/* ---- iteration ---- */

static void expect_next(struct rtcp_iter *it, uint8_t pt, uint8_t count, size_t len)
{
	struct rtcp_view v;

	assert_int_equal(rtcp_iter_next(it, &v), 1);
	assert_int_equal(v.pt, pt);
	assert_int_equal(v.count, count);
	assert_int_equal(v.len, len);
}

/* Feeds len bytes to the iterator: returns its final answer, counts packets. */
static int iter_end(const uint8_t *buf, size_t len, int *packets)
{
	struct rtcp_iter it;
	struct rtcp_view v;
	int rc;

	*packets = 0;
	rtcp_iter_init(&it, buf, len);
	while ((rc = rtcp_iter_next(&it, &v)) == 1)
		(*packets)++;
	assert_int_equal(rtcp_iter_next(&it, &v), 0); /* stays ended */
	return rc;
}

static void test_iter_compound(void **state)
{
	uint8_t buf[256];
	struct rtcp_sr sr = { .ssrc = 1, .n_reports = 1 };
	struct rtcp_remb remb = { .sender_ssrc = 1, .bitrate_bps = 1000000, .n_ssrcs = 1 };
	struct rtcp_iter it;
	struct rtcp_view v;
	size_t off = 0;

	off += (size_t)rtcp_write_sr(buf + off, sizeof(buf) - off, &sr);
	off += (size_t)rtcp_write_pli(buf + off, sizeof(buf) - off, 1, 7);
	off += (size_t)rtcp_write_remb(buf + off, sizeof(buf) - off, &remb);
	assert_int_equal(off, 52 + 12 + 24);
	rtcp_iter_init(&it, buf, off);
	expect_next(&it, RTCP_SR, 1, 52);
	expect_next(&it, RTCP_PSFB, RTCP_FB_PLI, 12);
	expect_next(&it, RTCP_PSFB, RTCP_FB_AFB, 24);
	assert_int_equal(rtcp_iter_next(&it, &v), 0);
	assert_int_equal(rtcp_iter_next(&it, &v), 0);
	check_truncations(buf, off);
}

static void test_iter_malformed(void **state)
{
	uint8_t b[16];
	int n;

	assert_int_equal(iter_end(NULL, 10, &n), 0);
	assert_int_equal(iter_end(b, 0, &n), 0);
	assert_int_equal(rtcp_write_pli(b, sizeof(b), 1, 2), 12);
	b[0] = (b[0] & 0x3f) | 0x40; /* version 1 */
	assert_int_equal(iter_end(b, 12, &n), -EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(rtcp_write_pli(b, sizeof(b), 1, 2), 12);
	b[3] = 3; /* claims 16 bytes */
	assert_int_equal(iter_end(b, 12, &n), -EINVAL);
	/* A valid packet followed by a stub too short for a header... */
	b[3] = 2;
	memset(b + 12, 0x80, 4);
	assert_int_equal(iter_end(b, 15, &n), -EINVAL);
	assert_int_equal(n, 1);
	/* ... or by a header of the wrong version. */
	b[12] = 0x00;
	assert_int_equal(iter_end(b, 16, &n), -EINVAL);
	assert_int_equal(n, 1);
}

/* ---- SR / RR ---- */

static void fill_report(struct rtcp_report_block *r, uint32_t i)
{
	*r = (struct rtcp_report_block){
		.ssrc = 0x1000 + i, .fraction_lost = (uint8_t)(i * 7),
		.cumulative_lost = (int32_t)i * 1000 - 5, .highest_seq = 0x10000 * i + 65535,
		.jitter = i * 3, .lsr = 0xabcd0000 + i, .dlsr = 0x00010000 + i,
	};
}

static bool report_equal(const struct rtcp_report_block *a, const struct rtcp_report_block *b)
{
	return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
	       a->cumulative_lost == b->cumulative_lost && a->highest_seq == b->highest_seq &&
	       a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr;
}

static void test_sr_round_trip(void **state)
{
	struct rtcp_sr in = { .ssrc = 0xdeadbeef, .ntp = 0xe1234567890abcdeULL, .rtp_ts = 90000,
			      .packet_count = 12, .octet_count = 34567, .n_reports = 2 };
	struct rtcp_sr out;
	struct rtcp_view v;
	uint8_t buf[28 + 24 * 2];

	fill_report(&in.reports[0], 0); /* cumulative_lost -5: negative on the wire */
	fill_report(&in.reports[1], 1);
	assert_int_equal(rtcp_write_sr(buf, sizeof(buf), &in), 76);
	v = first_view(buf, sizeof(buf));
	assert_int_equal(rtcp_parse_sr(&v, &out), 0);
	assert_true(out.ssrc == in.ssrc && out.ntp == in.ntp && out.rtp_ts == in.rtp_ts &&
		    out.packet_count == in.packet_count && out.octet_count == in.octet_count);
	assert_int_equal(out.n_reports, 2);
	assert_true(report_equal(&out.reports[0], &in.reports[0]));
	assert_true(report_equal(&out.reports[1], &in.reports[1]));
	assert_int_equal(out.reports[0].cumulative_lost, -5);
	assert_int_equal(rtcp_parse_rr(&v, &(struct rtcp_rr){ 0 }), -EINVAL);
	for (size_t cap = 0; cap < sizeof(buf); cap++)
		assert_int_equal(rtcp_write_sr(buf, cap, &in), -ENOSPC);
	in.n_reports = RTCP_MAX_REPORTS + 1;
	assert_int_equal(rtcp_write_sr(buf, sizeof(buf), &in), -EINVAL);
	in.n_reports = 2;
	assert_int_equal(rtcp_write_sr(buf, sizeof(buf), &in), 76);
	check_truncations(buf, sizeof(buf));
}

static void test_rr_round_trip(void **state)
{
	static struct rtcp_rr in, out;
	static uint8_t buf[8 + 24 * RTCP_MAX_REPORTS];
	struct rtcp_view v;

	in.ssrc = 42;
	assert_int_equal(rtcp_write_rr(buf, sizeof(buf), &in), 8);
	v = first_view(buf, 8);
	assert_int_equal(rtcp_parse_rr(&v, &out), 0);
	assert_int_equal(out.ssrc, 42);
	assert_int_equal(out.n_reports, 0);

	in.n_reports = RTCP_MAX_REPORTS;
	for (uint32_t i = 0; i < RTCP_MAX_REPORTS; i++)
		fill_report(&in.reports[i], i);
	assert_int_equal(rtcp_write_rr(buf, sizeof(buf), &in), (int)sizeof(buf));
	v = first_view(buf, sizeof(buf));
	assert_int_equal(v.count, 31);
	assert_int_equal(rtcp_parse_rr(&v, &out), 0);
	assert_int_equal(out.n_reports, RTCP_MAX_REPORTS);
	for (int i = 0; i < RTCP_MAX_REPORTS; i++)
		assert_true(report_equal(&out.reports[i], &in.reports[i]));
	assert_int_equal(rtcp_parse_sr(&v, &(struct rtcp_sr){ 0 }), -EINVAL);
	assert_int_equal(rtcp_write_rr(buf, sizeof(buf) - 1, &in), -ENOSPC);
	check_truncations(buf, sizeof(buf));

	/* Cumulative loss is 24-bit signed on the wire: saturate, never wrap. */
	in.n_reports = 3;
	in.reports[0].cumulative_lost = 0x1000000;
	in.reports[1].cumulative_lost = -0x900000;
	in.reports[2].cumulative_lost = -0x800000; /* the most negative that fits */
	assert_int_equal(rtcp_write_rr(buf, sizeof(buf), &in), 80);
	v = first_view(buf, 80);
	assert_int_equal(rtcp_parse_rr(&v, &out), 0);
	assert_int_equal(out.reports[0].cumulative_lost, 0x7fffff);
	assert_int_equal(out.reports[1].cumulative_lost, -0x800000);
	assert_int_equal(out.reports[2].cumulative_lost, -0x800000);
}

static void test_report_count_and_padding(void **state)
{
	struct rtcp_rr in = { .ssrc = 1, .n_reports = 1 }, out;
	uint8_t buf[36];
	struct rtcp_view v;

	assert_int_equal(rtcp_write_rr(buf, sizeof(buf), &in), 32);
	/* RC says 2 but only one block is there. */
	buf[0] = 0x82;
	v = first_view(buf, 32);
	assert_int_equal(rtcp_parse_rr(&v, &out), -EINVAL);

	/* One block plus 4 bytes of RTCP padding. */
	buf[0] = 0xa1;
	buf[3] = 8;
	memset(buf + 32, 0, 4);
	buf[35] = 4;
	v = first_view(buf, 36);
	assert_int_equal(rtcp_parse_rr(&v, &out), 0);
	assert_int_equal(out.n_reports, 1);
	buf[35] = 0; /* padding count 0 is impossible */
	assert_int_equal(rtcp_parse_rr(&v, &out), -EINVAL);
	buf[35] = 8; /* padding eating the report block */
	assert_int_equal(rtcp_parse_rr(&v, &out), -EINVAL);
	buf[35] = 33; /* padding eating the header */
	assert_int_equal(rtcp_parse_rr(&v, &out), -EINVAL);
}

/* ---- NACK ---- */

static void test_nack_packing(void **state)
{
	uint8_t buf[64];
	struct seq_list got = { 0 };
	struct rtcp_fb fb;
	struct rtcp_view v;
	static const uint8_t want[] = {
		0x81, 0xcd, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x64, 0x80, 0x01,
	};

	/* 100, 101 and 116 share one item: PID 100, BLP bits 0 and 15. */
	assert_int_equal(rtcp_write_nack(buf, sizeof(buf), 1, 2, (const uint16_t[]){ 116, 100, 101 },
					 3), 16);
	assert_memory_equal(buf, want, sizeof(want));
	v = first_view(buf, 16);
	assert_int_equal(rtcp_parse_nack(&v, &fb, collect_seq, &got), 0);
	assert_int_equal(fb.sender_ssrc, 1);
	assert_int_equal(fb.media_ssrc, 2);
	expect_seqs(&got, (const uint16_t[]){ 100, 101, 116 }, 3);

	/* 117 is one past the bitmask: a second item. */
	assert_int_equal(rtcp_write_nack(buf, sizeof(buf), 1, 2, (const uint16_t[]){ 100, 117 }, 2),
			 20);
	assert_true(rd16(buf + 14) == 0 && rd16(buf + 16) == 117);
	assert_int_equal(rtcp_write_nack(buf, 19, 1, 2, (const uint16_t[]){ 100, 117 }, 2), -ENOSPC);
	assert_int_equal(rtcp_write_nack(buf, 15, 1, 2, (const uint16_t[]){ 100 }, 1), -ENOSPC);
	assert_int_equal(rtcp_write_nack(buf, sizeof(buf), 1, 2, (const uint16_t[]){ 1 }, 0), -EINVAL);
}

static void test_nack_wrap_and_duplicates(void **state)
{
	uint8_t buf[64];
	struct seq_list got = { 0 };
	struct rtcp_view v;

	/* Across the wrap: 65535 is the oldest and carries 0 and 1 in its mask. */
	assert_int_equal(rtcp_write_nack(buf, sizeof(buf), 1, 2, (const uint16_t[]){ 1, 65535, 0 },
					 3), 16);
	assert_true(rd16(buf + 12) == 65535 && rd16(buf + 14) == 0x0003);
	assert_int_equal(rtcp_write_nack(buf, sizeof(buf), 1, 2,
					 (const uint16_t[]){ 5, 3, 3, 40, 4, 22, 5 }, 7), 24);
	v = first_view(buf, 24);
	assert_int_equal(rtcp_parse_nack(&v, NULL, collect_seq, &got), 0);
	expect_seqs(&got, (const uint16_t[]){ 3, 4, 5, 22, 40 }, 5);
}

static void test_nack_random_round_trip(void **state)
{
	static uint8_t want[65536], seen[65536];

	for (int round = 0; round < 200; round++) {
		uint16_t in[300];
		uint8_t buf[12 + 4 * 300];
		struct seq_list got = { 0 };
		size_t n = 1 + rng() % 300, distinct = 0;
		uint16_t base = (uint16_t)rng();
		struct rtcp_view v;
		int len;

		memset(want, 0, sizeof(want));
		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < n; i++) {
			in[i] = (uint16_t)(base + rng() % 600);
			distinct += !want[in[i]];
			want[in[i]] = 1;
		}
		len = rtcp_write_nack(buf, sizeof(buf), 9, 8, in, n);
		assert_true(len > 12);
		v = first_view(buf, (size_t)len);
		assert_int_equal(rtcp_parse_nack(&v, NULL, collect_seq, &got), 0);
		/* Exactly the requested set, each seq once. */
		assert_int_equal(got.n, distinct);
		for (size_t i = 0; i < got.n; i++) {
			assert_true(want[got.seqs[i]] && !seen[got.seqs[i]]);
			seen[got.seqs[i]] = 1;
		}
	}
}

static void test_nack_malformed(void **state)
{
	uint8_t buf[16];
	struct rtcp_view v;
	struct seq_list got = { 0 };

	assert_int_equal(rtcp_write_nack(buf, sizeof(buf), 1, 2, (const uint16_t[]){ 7 }, 1), 16);
	check_truncations(buf, sizeof(buf));
	v = first_view(buf, 16);
	v.len = 12; /* no FCI at all */
	assert_int_equal(rtcp_parse_nack(&v, NULL, collect_seq, &got), -EINVAL);
	assert_int_equal(got.n, 0);
	buf[0] = 0x82; /* FMT 2 is not a generic NACK */
	v = first_view(buf, 16);
	assert_int_equal(rtcp_parse_nack(&v, NULL, collect_seq, &got), -EINVAL);
	assert_int_equal(got.n, 0);
}

/* ---- PLI, FIR, REMB ---- */

static void test_pli_fir(void **state)
{
	static const uint8_t pli[] = { 0x81, 0xce, 0x00, 0x02, 0, 0, 0, 5, 0xff, 0, 0, 6 };
	uint8_t buf[20];
	struct rtcp_fb fb;
	struct rtcp_view v;
	uint32_t target;
	uint8_t nr;

	assert_int_equal(rtcp_write_pli(buf, sizeof(buf), 5, 0xff000006), 12);
	assert_memory_equal(buf, pli, sizeof(pli));
	v = first_view(buf, 12);
	assert_int_equal(rtcp_parse_fb(&v, &fb), 0);
	assert_true(fb.sender_ssrc == 5 && fb.media_ssrc == 0xff000006);
	assert_int_equal(rtcp_parse_fir(&v, &fb, &target, &nr), -EINVAL);
	assert_int_equal(rtcp_write_pli(buf, 11, 5, 6), -ENOSPC);
	check_truncations(buf, 12);

	assert_int_equal(rtcp_write_fir(buf, sizeof(buf), 11, 22, 200), 20);
	assert_int_equal(buf[0] << 8 | buf[1], 0x84ce);
	v = first_view(buf, sizeof(buf));
	assert_int_equal(rtcp_parse_fir(&v, &fb, &target, &nr), 0);
	/* RFC 5104: the media source field of a FIR is 0; the target is in the FCI. */
	assert_true(fb.sender_ssrc == 11 && fb.media_ssrc == 0 && target == 22 && nr == 200);
	assert_int_equal(buf[17] | buf[18] | buf[19], 0);
	assert_int_equal(rtcp_write_fir(buf, 19, 11, 22, 1), -ENOSPC);
	assert_int_equal(rtcp_parse_remb(&v, &(struct rtcp_remb){ 0 }), -EINVAL);
	check_truncations(buf, sizeof(buf));
}

static void test_remb_round_trip(void **state)
{
	static const uint64_t rates[] = {
		0, 1, 0x3ffff, 0x40000, 0x40001, 300000, 1500000, 2500000000ULL,
		0xffffffffffULL, UINT64_MAX,
	};

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct rtcp_remb in = { .sender_ssrc = 3, .bitrate_bps = rates[i],
					.n_ssrcs = (uint8_t)(i % 17) }, out;
		uint8_t buf[20 + 4 * RTCP_MAX_REMB_SSRCS];
		struct rtcp_view v;
		int len;

		for (uint8_t k = 0; k < in.n_ssrcs; k++)
			in.ssrcs[k] = 0x100u * k + 1;
		len = rtcp_write_remb(buf, sizeof(buf), &in);
		assert_int_equal(len, 20 + 4 * in.n_ssrcs);
		v = first_view(buf, (size_t)len);
		assert_int_equal(rtcp_parse_remb(&v, &out), 0);
		assert_int_equal(out.sender_ssrc, 3);
		/* An 18-bit mantissa: never above, within 2^-17 below. */
		assert_true(out.bitrate_bps <= in.bitrate_bps);
		assert_true(in.bitrate_bps - out.bitrate_bps <= in.bitrate_bps >> 17);
		assert_int_equal(out.n_ssrcs, in.n_ssrcs);
		assert_memory_equal(out.ssrcs, in.ssrcs, in.n_ssrcs * sizeof(uint32_t));
		assert_int_equal(rtcp_write_remb(buf, (size_t)len - 1, &in), -ENOSPC);
		check_truncations(buf, (size_t)len);
	}
}

static void test_remb_malformed(void **state)
{
	struct rtcp_remb in = { .sender_ssrc = 3, .bitrate_bps = 1000, .n_ssrcs = 2 }, out;
	uint8_t buf[96] = { 0 };
	struct rtcp_view v;

	in.n_ssrcs = RTCP_MAX_REMB_SSRCS + 1;
	assert_int_equal(rtcp_write_remb(buf, sizeof(buf), &in), -EINVAL);
	in.n_ssrcs = 2;
	assert_int_equal(rtcp_write_remb(buf, sizeof(buf), &in), 28);
	v = first_view(buf, 28);
	buf[15] = 'X';
	assert_int_equal(rtcp_parse_remb(&v, &out), -EINVAL);
	buf[15] = 'B';
	buf[16] = 3; /* three SSRCs claimed, two present */
	assert_int_equal(rtcp_parse_remb(&v, &out), -EINVAL);

	/* 19 SSRCs on the wire: parsed, but only the first 16 kept. */
	buf[3] = 96 / 4 - 1; /* room for 19 SSRCs */
	buf[16] = 20;
	v = first_view(buf, 96);
	assert_int_equal(rtcp_parse_remb(&v, &out), -EINVAL);
	buf[16] = 19;
	assert_int_equal(rtcp_parse_remb(&v, &out), 0);
	assert_int_equal(out.n_ssrcs, RTCP_MAX_REMB_SSRCS);

	/* Exponent 63: mantissa 1 fits, mantissa 2 saturates. */
	memcpy(buf + 16, (const uint8_t[]){ 0, 63 << 2, 0, 1 }, 4);
	buf[3] = 4;
	v = first_view(buf, 20);
	assert_int_equal(rtcp_parse_remb(&v, &out), 0);
	assert_true(out.bitrate_bps == 1ULL << 63);
	buf[19] = 2;
	assert_int_equal(rtcp_parse_remb(&v, &out), 0);
	assert_true(out.bitrate_bps == UINT64_MAX);
	memcpy(buf + 17, (const uint8_t[]){ 47 << 2 | 2, 0, 0 }, 3); /* 2^17 << 47 */
	assert_int_equal(rtcp_parse_remb(&v, &out), 0);
	assert_true(out.bitrate_bps == UINT64_MAX);
}

/* ---- transport-wide CC ---- */

/* Sender 1, media 2, fb_count 9; pads with zeros (no P bit) as some senders do. */
static size_t twcc_build(uint8_t *p, uint16_t base, uint16_t count, uint32_t ref,
			 const uint8_t *rest, size_t rest_len)
{
	size_t padded = (20 + rest_len + 3) / 4 * 4;
	const uint8_t head[20] = {
		0x8f, RTCP_RTPFB, 0, (uint8_t)(padded / 4 - 1), 0, 0, 0, 1, 0, 0, 0, 2,
		(uint8_t)(base >> 8), (uint8_t)base, (uint8_t)(count >> 8), (uint8_t)count,
		(uint8_t)(ref >> 16), (uint8_t)(ref >> 8), (uint8_t)ref, 9,
	};

	memset(p, 0, padded);
	memcpy(p, head, sizeof(head));
	memcpy(p + 20, rest, rest_len);
	return padded;
}

/* rx: one character per status, '1' received, '0' lost; t: the received times. */
static void expect_twcc(const struct twcc_list *l, uint16_t base, const char *rx,
			const int64_t *t)
{
	assert_int_equal(l->n, strlen(rx));
	for (size_t i = 0, k = 0; i < l->n; i++) {
		assert_int_equal(l->seq[i], (uint16_t)(base + i));
		assert_int_equal(l->rx[i], rx[i] == '1');
		if (l->rx[i])
			assert_int_equal(l->t[i], t[k++]);
	}
}

static void test_twcc_parse(void **state)
{
	uint8_t buf[64];
	struct twcc_list l = { 0 };
	struct rtcp_twcc tw;
	size_t len = twcc_build(buf, 5, 3, 1, (const uint8_t[]){ 0x20, 0x03, 4, 8, 12 }, 5);
	struct rtcp_view v = first_view(buf, len);

	/* A run of three small deltas: 4, 8, 12 ticks of 250 us. */
	assert_int_equal(rtcp_parse_twcc(&v, &tw, collect_twcc, &l), 0);
	assert_true(tw.sender_ssrc == 1 && tw.media_ssrc == 2 && tw.base_seq == 5 &&
		    tw.status_count == 3 && tw.reference_time == 1 && tw.fb_count == 9);
	expect_twcc(&l, 5, "111", (const int64_t[]){ 1000, 3000, 6000 });
	assert_int_equal(rtcp_parse_twcc(&v, &tw, NULL, NULL), 0); /* validate only */
	check_truncations(buf, len);
	buf[0] = 0x81; /* FMT 1 is a NACK */
	v = first_view(buf, len);
	assert_int_equal(rtcp_parse_twcc(&v, &tw, collect_twcc, &l), -EINVAL);

	/* 1-bit vector 1,0,1,1,0 (then 9 unused), deltas 1,2,3 ticks. */
	l.n = 0;
	len = twcc_build(buf, 65534, 5, 0xfffffe, (const uint8_t[]){ 0xac, 0x00, 1, 2, 3 }, 5);
	v = first_view(buf, len);
	assert_int_equal(rtcp_parse_twcc(&v, &tw, collect_twcc, &l), 0);
	assert_int_equal(tw.reference_time, -2);
	expect_twcc(&l, 65534, "10110", (const int64_t[]){ 250, 750, 1500 });
	check_truncations(buf, len);

	/* 2-bit vector 1,2,0: small delta 16 ticks, then large -16 ticks. */
	l.n = 0;
	len = twcc_build(buf, 10, 3, 0, (const uint8_t[]){ 0xd8, 0x00, 0x10, 0xff, 0xf0 }, 5);
	v = first_view(buf, len);
	assert_int_equal(rtcp_parse_twcc(&v, &tw, collect_twcc, &l), 0);
	expect_twcc(&l, 10, "110", (const int64_t[]){ 4000, 0 });
	check_truncations(buf, len);
}

static int twcc_parse_rc(uint16_t count, const uint8_t *rest, size_t rest_len,
			 struct twcc_list *l)
{
	uint8_t buf[64];
	struct rtcp_twcc tw;
	struct rtcp_view v = first_view(buf, twcc_build(buf, 0, count, 0, rest, rest_len));

	return rtcp_parse_twcc(&v, &tw, collect_twcc, l);
}

static void test_twcc_parse_malformed(void **state)
{
	struct twcc_list l = { 0 };

	/* Reserved symbol 3, in a run and in a 2-bit vector (with bytes to spare). */
	assert_int_equal(twcc_parse_rc(1, (const uint8_t[]){ 0x60, 0x01, 1, 1, 1 }, 5, &l), -EINVAL);
	assert_int_equal(twcc_parse_rc(1, (const uint8_t[]){ 0xf0, 0x00, 1, 1, 1 }, 5, &l), -EINVAL);
	/* Status count 0. */
	assert_int_equal(twcc_parse_rc(0, (const uint8_t[]){ 0x00, 0x00 }, 2, &l), -EINVAL);
	/* 8 received packets, only 6 delta bytes. */
	assert_int_equal(twcc_parse_rc(8, (const uint8_t[]){ 0x20, 0x08, 1, 1, 1, 1, 1, 1 }, 8,
				       &l), -EINVAL);
	/* Chunks that do not cover the status count. */
	assert_int_equal(twcc_parse_rc(200, (const uint8_t[]){ 0x00, 0x10, 0x00, 0x10 }, 4, &l),
			 -EINVAL);
	/* Nothing is reported from a packet that turns out malformed. */
	assert_int_equal(l.n, 0);
	assert_int_equal(twcc_parse_rc(1, (const uint8_t[]){ 0x20, 0x01, 1 }, 3, &l), 0);
	assert_int_equal(l.n, 1);
}

/* Chunk words of a TWCC packet we wrote, until status_count is covered. */
static int64_t floor250(int64_t x)
{
	return (x >= 0 ? x / 250 : -((-x + 249) / 250)) * 250;
}

/* Writes, parses back and checks every status and arrival time. */
static int twcc_round_trip(const int64_t *arr, uint16_t count, uint16_t base, uint8_t *buf,
			   size_t cap)
{
	struct twcc_list l = { 0 };
	struct rtcp_twcc tw;
	struct rtcp_view v;
	size_t first = 0;
	int64_t ref;
	int len = rtcp_write_twcc(buf, cap, 0x11, 0x22, base, count, arr, 77);

	if (len < 0)
		return len;
	assert_int_equal(len % 4, 0);
	v = first_view(buf, (size_t)len);
	assert_int_equal((size_t)len, v.len);
	assert_int_equal(rtcp_parse_twcc(&v, &tw, collect_twcc, &l), 0);
	assert_true(tw.sender_ssrc == 0x11 && tw.media_ssrc == 0x22 && tw.base_seq == base &&
		    tw.status_count == count && tw.fb_count == 77 && l.n == count);
	while (first < count && arr[first] < 0)
		first++;
	ref = first < count ? arr[first] / 64000 : 0;
	assert_int_equal(tw.reference_time & 0xffffff, ref & 0xffffff);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(l.seq[i], (uint16_t)(base + i));
		assert_int_equal(l.rx[i], arr[i] >= 0);
		if (arr[i] >= 0)
			assert_int_equal(l.t[i], floor250(arr[i] - ref * 64000));
	}
	return len;
}

static void test_twcc_write_run(void **state)
{
	int64_t arr[20];
	uint8_t buf[128];
	int len;

	for (int i = 0; i < 20; i++)
		arr[i] = 1000000 + i * 1000;
	len = twcc_round_trip(arr, 20, 100, buf, sizeof(buf));
	/* One run chunk of 20 small deltas, 20 delta bytes, 2 bytes padding. */
	assert_int_equal(len, 44);
	assert_int_equal(rd16(buf + 20), 0x2014);
	assert_int_equal(buf[0] & 0x20, 0x20);
	assert_int_equal(buf[43], 2);
	for (int cap = 0; cap < len; cap++)
		assert_int_equal(rtcp_write_twcc(buf, (size_t)cap, 1, 2, 100, 20, arr, 0), -ENOSPC);
	len = twcc_round_trip(arr, 20, 100, buf, sizeof(buf));
	check_truncations(buf, (size_t)len);
}

static void test_twcc_write_vectors(void **state)
{
	/* Alternating lost/received: one 1-bit vector of 10. */
	int64_t arr[10] = { 500000, -1, 502000, -1, 504000, -1, 506000, -1, 508000, -1 };
	/* A 100 ms gap needs a large delta; the rest are small: one 2-bit vector. */
	const int64_t gap[7] = { 0, 1000, 101000, 102000, -1, 103000, 104000 };
	uint8_t buf[128];

	/* 20 + one chunk + 5 deltas = 27, padded to 28. */
	assert_int_equal(twcc_round_trip(arr, 10, 65530, buf, sizeof(buf)), 28);
	assert_int_equal(rd16(buf + 20), 0x8000 | 0x2000 | 0x800 | 0x200 | 0x80 | 0x20);

	/* 20 + 2 chunk bytes + 5 small + 1 large delta = 29, padded to 32. */
	assert_int_equal(twcc_round_trip(gap, 7, 0, buf, sizeof(buf)), 32);
	assert_int_equal(rd16(buf + 20), 0xc000 | 1 << 12 | 1 << 10 | 2 << 8 | 1 << 6 | 0 << 4 | 1 << 2 | 1);
	check_truncations(buf, 32);
}

static void test_twcc_write_losses_and_reorder(void **state)
{
	int64_t arr[120];
	uint8_t buf[256];

	/* 100 lost, then 20 received with one arriving 5 ms early. */
	for (int i = 0; i < 120; i++)
		arr[i] = i < 100 ? -1 : 2000000 + i * 500;
	arr[110] -= 5000;
	twcc_round_trip(arr, 120, 1000, buf, sizeof(buf));
	assert_int_equal(rd16(buf + 20), 100); /* run of 100 "not received" */

	/* Everything lost: one run, no deltas, reference time 0. */
	for (int i = 0; i < 5; i++)
		arr[i] = -1;
	assert_int_equal(twcc_round_trip(arr, 5, 7, buf, sizeof(buf)), 24);
	assert_int_equal(rd16(buf + 20), 5);

	/* Large deltas. The first is small (it counts from the reference time),
	 * so a 2-bit vector takes 7 and a run of symbol 2 the other 13:
	 * 20 + 4 + 1 + 19 * 2 = 63, padded to 64. */
	for (int i = 0; i < 20; i++)
		arr[i] = 300000 + i * 100000;
	assert_int_equal(twcc_round_trip(arr, 20, 7, buf, sizeof(buf)), 64);
	assert_int_equal(rd16(buf + 20), 0xc000 | 1 << 12 | 0xaaa);
	assert_int_equal(rd16(buf + 22), 0x4000 | 13);

	/* Runs at the thresholds: 14 small (a run, not a 1-bit vector), then 7
	 * large (a run, not a 2-bit vector), then 3 small. */
	for (int i = 0; i < 24; i++)
		arr[i] = 1000 * i + (i >= 14 ? 100000 * (i < 21 ? i - 13 : 7) : 0);
	assert_int_equal(twcc_round_trip(arr, 24, 0, buf, sizeof(buf)), 60);
	assert_true(rd16(buf + 20) == 0x200e && rd16(buf + 22) == 0x4007 &&
		    rd16(buf + 24) == 0x2003);
}

static void test_twcc_write_limits(void **state)
{
	int64_t arr[3] = { 0, 9000000, 9001000 }; /* 9 s gap: beyond 16-bit ticks */
	uint8_t buf[128];

	assert_int_equal(rtcp_write_twcc(buf, sizeof(buf), 1, 2, 0, 3, arr, 0), -ERANGE);
	assert_int_equal(rtcp_write_twcc(buf, sizeof(buf), 1, 2, 0, 0, arr, 0), -EINVAL);
	assert_int_equal(rtcp_write_twcc(buf, sizeof(buf), 1, 2, 0, 3, NULL, 0), -EINVAL);
	/* 255 ticks is still a 1-byte delta. */
	arr[1] = 255 * 250;
	arr[2] = arr[1] + 250;
	assert_int_equal(twcc_round_trip(arr, 3, 0, buf, sizeof(buf)), 28);
	assert_int_equal(rd16(buf + 20), 0x2003);
	/* Just inside: +32767 ticks. */
	arr[1] = 32767 * 250;
	arr[2] = arr[1] + 250;
	assert_true(twcc_round_trip(arr, 3, 0, buf, sizeof(buf)) > 0);
	/* Going backwards by 32768 ticks still fits; one more does not. */
	arr[0] = 64000 * 1000 + 255 * 250;
	arr[1] = arr[0] - 32768 * 250;
	arr[2] = arr[1] + 250;
	assert_true(twcc_round_trip(arr, 3, 0, buf, sizeof(buf)) > 0);
	arr[1] -= 250;
	arr[2] -= 250;
	assert_int_equal(rtcp_write_twcc(buf, sizeof(buf), 1, 2, 0, 3, arr, 0), -ERANGE);
}

static void test_twcc_random_round_trip(void **state)
{
	static int64_t arr[1000];
	static uint8_t buf[4096];

	for (int round = 0; round < 300; round++) {
		uint16_t count = (uint16_t)(1 + rng() % 1000);
		unsigned loss = rng() % 100;
		int64_t t = (int64_t)(rng() % 1000) * 1000000000LL + rng() % 100000;
		int len;

		for (size_t i = 0; i < count; i++) {
			unsigned r = rng() % 100;

			t += rng() % 2000;
			if (r < 3)
				t += rng() % 2000000; /* a stall */
			arr[i] = rng() % 100 < loss ? -1 : t;
			if (arr[i] >= 0 && r >= 97)
				arr[i] -= rng() % 20000; /* reordered */
		}
		len = twcc_round_trip(arr, count, (uint16_t)rng(), buf, sizeof(buf));
		assert_true(len > 0 || len == -ERANGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iter_compound),
		cmocka_unit_test(test_iter_malformed),
		cmocka_unit_test(test_sr_round_trip),
		cmocka_unit_test(test_rr_round_trip),
		cmocka_unit_test(test_report_count_and_padding),
		cmocka_unit_test(test_nack_packing),
		cmocka_unit_test(test_nack_wrap_and_duplicates),
		cmocka_unit_test(test_nack_random_round_trip),
		cmocka_unit_test(test_nack_malformed),
		cmocka_unit_test(test_pli_fir),
		cmocka_unit_test(test_remb_round_trip),
		cmocka_unit_test(test_remb_malformed),
		cmocka_unit_test(test_twcc_parse),
		cmocka_unit_test(test_twcc_parse_malformed),
		cmocka_unit_test(test_twcc_write_run),
		cmocka_unit_test(test_twcc_write_vectors),
		cmocka_unit_test(test_twcc_write_losses_and_reorder),
		cmocka_unit_test(test_twcc_write_limits),
		cmocka_unit_test(test_twcc_random_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
