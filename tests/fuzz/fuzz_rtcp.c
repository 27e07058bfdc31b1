/* libFuzzer target for sfu/rtp/rtcp.c. Walks the input as a compound packet
 * and runs every parser on every packet; whatever parses is rebuilt with the
 * matching builder and parsed again, which must give the same contents. The
 * raw bytes also drive the NACK and TWCC builders directly. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/rtp/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NACK 512
#define MAX_STATUS 65536

static uint8_t scratch[200000]; /* rebuilt packets */
static uint8_t built[200000];   /* packets built from raw input */

struct nack_set {
	size_t n;
	uint16_t seqs[MAX_NACK];
	uint8_t bits[65536 / 8];
};

static void nack_add(void *arg, uint16_t seq)
{
	struct nack_set *s = arg;

	if (s->n < MAX_NACK)
		s->seqs[s->n] = seq;
	s->n++;
	s->bits[seq / 8] |= (uint8_t)(1u << (seq % 8));
}

struct twcc_log {
	size_t n;
	uint16_t seq[MAX_STATUS];
	bool rx[MAX_STATUS];
	int64_t t[MAX_STATUS];
};

static void twcc_add(void *arg, uint16_t seq, bool received, int64_t arrival_us)
{
	struct twcc_log *l = arg;

	if (l->n >= MAX_STATUS)
		abort();
	l->seq[l->n] = seq;
	l->rx[l->n] = received;
	l->t[l->n] = arrival_us;
	l->n++;
}

static struct rtcp_view reparse(int len)
{
	struct rtcp_iter it;
	struct rtcp_view v;

	if (len < 0)
		abort();
	rtcp_iter_init(&it, scratch, (size_t)len);
	if (rtcp_iter_next(&it, &v) != 1 || v.len != (size_t)len)
		abort();
	return v;
}

static void same_reports(const struct rtcp_report_block *a, const struct rtcp_report_block *b,
			 uint8_t n)
{
	for (uint8_t i = 0; i < n; i++)
		if (a[i].ssrc != b[i].ssrc || a[i].fraction_lost != b[i].fraction_lost ||
		    a[i].cumulative_lost != b[i].cumulative_lost ||
		    a[i].highest_seq != b[i].highest_seq || a[i].jitter != b[i].jitter ||
		    a[i].lsr != b[i].lsr || a[i].dlsr != b[i].dlsr)
			abort();
}

static void check_sr_rr(const struct rtcp_view *v)
{
	static struct rtcp_sr sr, sr2;
	static struct rtcp_rr rr, rr2;
	struct rtcp_view w;

	if (rtcp_parse_sr(v, &sr) == 0) {
		w = reparse(rtcp_write_sr(scratch, sizeof(scratch), &sr));
		if (rtcp_parse_sr(&w, &sr2) != 0 || sr2.ssrc != sr.ssrc || sr2.ntp != sr.ntp ||
		    sr2.rtp_ts != sr.rtp_ts || sr2.packet_count != sr.packet_count ||
		    sr2.octet_count != sr.octet_count || sr2.n_reports != sr.n_reports)
			abort();
		same_reports(sr.reports, sr2.reports, sr.n_reports);
	}
	if (rtcp_parse_rr(v, &rr) == 0) {
		w = reparse(rtcp_write_rr(scratch, sizeof(scratch), &rr));
		if (rtcp_parse_rr(&w, &rr2) != 0 || rr2.ssrc != rr.ssrc ||
		    rr2.n_reports != rr.n_reports)
			abort();
		same_reports(rr.reports, rr2.reports, rr.n_reports);
	}
}

/* Builds a NACK for set a's seqs and checks it lists exactly the same set. */
static void nack_rebuild(const struct nack_set *a, uint32_t sender, uint32_t media)
{
	static struct nack_set b;
	struct rtcp_fb fb;
	struct rtcp_view w;

	memset(&b, 0, sizeof(b));
	w = reparse(rtcp_write_nack(scratch, sizeof(scratch), sender, media, a->seqs, a->n));
	if (rtcp_parse_nack(&w, &fb, nack_add, &b) != 0 || fb.sender_ssrc != sender ||
	    fb.media_ssrc != media || memcmp(a->bits, b.bits, sizeof(a->bits)) != 0)
		abort();
}

static void check_nack(const struct rtcp_view *v)
{
	static struct nack_set a;
	struct rtcp_fb fb;

	memset(&a, 0, sizeof(a));
	if (rtcp_parse_nack(v, &fb, nack_add, &a) == 0 && a.n > 0 && a.n <= MAX_NACK)
		nack_rebuild(&a, fb.sender_ssrc, fb.media_ssrc);
}

static void check_psfb(const struct rtcp_view *v)
{
	struct rtcp_fb fb, fb2;
	struct rtcp_remb remb, remb2;
	struct rtcp_view w;
	uint32_t target, target2;
	uint8_t nr, nr2;

	(void)rtcp_parse_fb(v, &fb);
	if (rtcp_parse_fir(v, &fb, &target, &nr) == 0) {
		w = reparse(rtcp_write_fir(scratch, sizeof(scratch), fb.sender_ssrc, target, nr));
		if (rtcp_parse_fir(&w, &fb2, &target2, &nr2) != 0 || target2 != target ||
		    nr2 != nr || fb2.sender_ssrc != fb.sender_ssrc)
			abort();
	}
	if (rtcp_parse_remb(v, &remb) == 0) {
		w = reparse(rtcp_write_remb(scratch, sizeof(scratch), &remb));
		if (rtcp_parse_remb(&w, &remb2) != 0 || remb2.n_ssrcs != remb.n_ssrcs ||
		    memcmp(remb2.ssrcs, remb.ssrcs, remb.n_ssrcs * sizeof(uint32_t)) != 0)
			abort();
		/* Any mantissa<<exp is representable again, unless it saturated. */
		if (remb.bitrate_bps != UINT64_MAX && remb2.bitrate_bps != remb.bitrate_bps)
			abort();
	}
}

/* Rebuilds TWCC from parsed arrivals and checks statuses and times. The
 * original's first delta may be large; the rebuild's never is, so times are
 * compared on one absolute clock. */
static void twcc_rebuild(const struct rtcp_twcc *tw, const struct twcc_log *a)
{
	static struct twcc_log b;
	static int64_t abs_us[MAX_STATUS];
	const int64_t shift = 64000LL << 24; /* keeps every time positive */
	struct rtcp_twcc tw2;
	struct rtcp_view w;
	int64_t ref = 0;
	bool have_ref = false;

	for (size_t i = 0; i < a->n; i++) {
		abs_us[i] = a->rx[i] ? a->t[i] + shift : -1;
		if (!have_ref && abs_us[i] >= 0) {
			ref = abs_us[i] / 64000;
			have_ref = true;
		}
	}
	b.n = 0;
	w = reparse(rtcp_write_twcc(scratch, sizeof(scratch), tw->sender_ssrc, tw->media_ssrc,
				    tw->base_seq, tw->status_count, abs_us, tw->fb_count));
	if (rtcp_parse_twcc(&w, &tw2, twcc_add, &b) != 0 || b.n != a->n ||
	    tw2.base_seq != tw->base_seq || tw2.fb_count != tw->fb_count)
		abort();
	for (size_t i = 0; i < a->n; i++)
		if (b.seq[i] != a->seq[i] || a->rx[i] != b.rx[i] ||
		    (a->rx[i] && b.t[i] + ref * 64000 != abs_us[i]))
			abort();
}

static void check_twcc(const struct rtcp_view *v)
{
	static struct twcc_log a;
	struct rtcp_twcc tw;

	a.n = 0;
	if (rtcp_parse_twcc(v, &tw, twcc_add, &a) != 0)
		return;
	if (a.n != tw.status_count)
		abort();
	twcc_rebuild(&tw, &a);
}

static void walk_compound(const uint8_t *buf, size_t size)
{
	struct rtcp_iter it;
	struct rtcp_view v;
	int rc;

	rtcp_iter_init(&it, buf, size);
	while ((rc = rtcp_iter_next(&it, &v)) == 1) {
		if (v.data < buf || v.len > size - (size_t)(v.data - buf))
			abort();
		check_sr_rr(&v);
		check_nack(&v);
		check_psfb(&v);
		check_twcc(&v);
	}
}

static int64_t floor250(int64_t x)
{
	return (x >= 0 ? x / 250 : -((-x + 249) / 250)) * 250;
}

/* A TWCC packet built from arr must report arr back, to 250 us. */
static void check_built_twcc(int len, const int64_t *arr, size_t n)
{
	static struct twcc_log l;
	struct rtcp_twcc tw;
	struct rtcp_iter it;
	struct rtcp_view v;
	int64_t base = 0;

	rtcp_iter_init(&it, built, (size_t)len);
	if (rtcp_iter_next(&it, &v) != 1 || v.len != (size_t)len)
		abort();
	l.n = 0;
	if (rtcp_parse_twcc(&v, &tw, twcc_add, &l) != 0 || l.n != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (arr[i] >= 0) {
			base = arr[i] / 64000 * 64000;
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((arr[i] >= 0) != l.rx[i] || (l.rx[i] && l.t[i] != floor250(arr[i] - base)))
			abort();
	walk_compound(built, (size_t)len);
}

/* The raw bytes as builder input: 16-bit seqs for NACK, signed steps of
 * arrival time (INT16_MIN = lost) for TWCC. */
static void drive_builders(const uint8_t *data, size_t size)
{
	static struct nack_set a;
	static int64_t arr[1024];
	static uint16_t seqs[MAX_NACK];
	size_t n = size / 2 < 1024 ? size / 2 : 1024;
	int64_t t = 1000000000;

	memset(&a, 0, sizeof(a));
	for (size_t i = 0; i < n && i < MAX_NACK; i++) {
		seqs[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
		nack_add(&a, seqs[i]);
	}
	if (a.n)
		nack_rebuild(&a, 1, 2);
	for (size_t i = 0; i < n; i++) {
		int16_t step = (int16_t)(data[2 * i] << 8 | data[2 * i + 1]);

		t += (int64_t)step * 300;
		arr[i] = step == INT16_MIN ? -1 : t;
	}
	if (n) {
		int len = rtcp_write_twcc(built, sizeof(built), 1, 2, 0, (uint16_t)n, arr, 0);

		if (len > 0)
			check_built_twcc(len, arr, n);
		else if (len != -ERANGE)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	walk_compound(buf, size);
	free(buf);
	drive_builders(data, size);
	return 0;
}
