/* RTCP compound packets: iteration, parsers for the reports and feedback
 * messages the SFU reacts to, and builders for the ones it sends. Runs on the
 * media worker for every RTCP packet: no allocation, no locks, no logging.
 * Input comes off the network, so each parser re-checks every length
 * against the view it is given and never trusts a count field. */
#include "sfu/rtp/rtcp.h"

#include <errno.h>
#include <string.h>

#include "sfu/rtp/byte_order.h"
#include "sfu/rtp/rtp_packet.h"

#define RTCP_HDR 4
#define FB_HDR 12
#define REPORT_BLOCK 24
#define SR_FIXED 28
#define RR_FIXED 8
#define TWCC_FIXED 20
#define TWCC_TICK_US 250
#define TWCC_REF_US 64000
#define TWCC_MAX_RUN 8191

static int32_t sign_extend24(uint32_t v)
{
	return (int32_t)(v ^ 0x800000u) - 0x800000;
}

/* ---- iteration ---- */

void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *buf, size_t len)
{
	it->p = buf;
	it->left = buf ? len : 0;
}

int rtcp_iter_next(struct rtcp_iter *it, struct rtcp_view *out)
{
	size_t len;

	if (it->left == 0)
		return 0;
	if (it->left < RTCP_HDR || it->p[0] >> 6 != 2)
		goto bad;
	len = ((size_t)rd16(it->p + 2) + 1) * 4;
	if (len > it->left)
		goto bad;
	out->data = it->p;
	out->len = len;
	out->pt = it->p[1];
	out->count = it->p[0] & 0x1F;
	it->p += len;
	it->left -= len;
	return 1;
bad:
	/* Nothing after a broken length can be trusted; end the walk. */
	it->left = 0;
	return -EINVAL;
}

/* Checks the view is a packet of this type (and FMT, unless fmt < 0) at least
 * min bytes long once RTCP padding is removed; *len gets that length. */
static int check_packet(const struct rtcp_view *v, uint8_t pt, int fmt, size_t min, size_t *len)
{
	size_t n;

	if (!v || !v->data || v->len < RTCP_HDR || v->data[0] >> 6 != 2 || v->pt != pt)
		return -EINVAL;
	if (fmt >= 0 && v->count != fmt)
		return -EINVAL;
	n = v->len;
	if (v->data[0] & 0x20) {
		uint8_t pad = v->data[n - 1];

		if (pad == 0 || pad > n - RTCP_HDR)
			return -EINVAL;
		n -= pad;
	}
	if (n < min)
		return -EINVAL;
	*len = n;
	return 0;
}

static void write_header(uint8_t *p, bool padding, uint8_t count, uint8_t pt, size_t len)
{
	p[0] = (uint8_t)(0x80 | (padding ? 0x20 : 0) | (count & 0x1F));
	p[1] = pt;
	wr16(p + 2, (uint16_t)(len / 4 - 1));
}

/* ---- sender and receiver reports ---- */

static void read_report(const uint8_t *p, struct rtcp_report_block *r)
{
	r->ssrc = rd32(p);
	r->fraction_lost = p[4];
	r->cumulative_lost = sign_extend24(rd24(p + 5));
	r->highest_seq = rd32(p + 8);
	r->jitter = rd32(p + 12);
	r->lsr = rd32(p + 16);
	r->dlsr = rd32(p + 20);
}

static void write_report(uint8_t *p, const struct rtcp_report_block *r)
{
	int32_t lost = r->cumulative_lost;

	/* The field is 24-bit signed; saturate rather than wrap to a lie. */
	if (lost > 0x7FFFFF)
		lost = 0x7FFFFF;
	if (lost < -0x800000)
		lost = -0x800000;
	wr32(p, r->ssrc);
	p[4] = r->fraction_lost;
	wr24(p + 5, (uint32_t)lost & 0xFFFFFF);
	wr32(p + 8, r->highest_seq);
	wr32(p + 12, r->jitter);
	wr32(p + 16, r->lsr);
	wr32(p + 20, r->dlsr);
}

int rtcp_parse_sr(const struct rtcp_view *v, struct rtcp_sr *out)
{
	size_t len;
	int rc = check_packet(v, RTCP_SR, -1, SR_FIXED, &len);
	const uint8_t *p;

	if (rc < 0)
		return rc;
	if (len < SR_FIXED + (size_t)v->count * REPORT_BLOCK)
		return -EINVAL;
	p = v->data;
	out->ssrc = rd32(p + 4);
	out->ntp = (uint64_t)rd32(p + 8) << 32 | rd32(p + 12);
	out->rtp_ts = rd32(p + 16);
	out->packet_count = rd32(p + 20);
	out->octet_count = rd32(p + 24);
	out->n_reports = v->count;
	for (uint8_t i = 0; i < v->count; i++)
		read_report(p + SR_FIXED + (size_t)i * REPORT_BLOCK, &out->reports[i]);
	return 0;
}

int rtcp_parse_rr(const struct rtcp_view *v, struct rtcp_rr *out)
{
	size_t len;
	int rc = check_packet(v, RTCP_RR, -1, RR_FIXED, &len);

	if (rc < 0)
		return rc;
	if (len < RR_FIXED + (size_t)v->count * REPORT_BLOCK)
		return -EINVAL;
	out->ssrc = rd32(v->data + 4);
	out->n_reports = v->count;
	for (uint8_t i = 0; i < v->count; i++)
		read_report(v->data + RR_FIXED + (size_t)i * REPORT_BLOCK, &out->reports[i]);
	return 0;
}

int rtcp_write_sr(uint8_t *out, size_t cap, const struct rtcp_sr *sr)
{
	size_t len;

	if (sr->n_reports > RTCP_MAX_REPORTS)
		return -EINVAL;
	len = SR_FIXED + (size_t)sr->n_reports * REPORT_BLOCK;
	if (!out || cap < len)
		return -ENOSPC;
	write_header(out, false, sr->n_reports, RTCP_SR, len);
	wr32(out + 4, sr->ssrc);
	wr32(out + 8, (uint32_t)(sr->ntp >> 32));
	wr32(out + 12, (uint32_t)sr->ntp);
	wr32(out + 16, sr->rtp_ts);
	wr32(out + 20, sr->packet_count);
	wr32(out + 24, sr->octet_count);
	for (uint8_t i = 0; i < sr->n_reports; i++)
		write_report(out + SR_FIXED + (size_t)i * REPORT_BLOCK, &sr->reports[i]);
	return (int)len;
}

int rtcp_write_rr(uint8_t *out, size_t cap, const struct rtcp_rr *rr)
{
	size_t len;

	if (rr->n_reports > RTCP_MAX_REPORTS)
		return -EINVAL;
	len = RR_FIXED + (size_t)rr->n_reports * REPORT_BLOCK;
	if (!out || cap < len)
		return -ENOSPC;
	write_header(out, false, rr->n_reports, RTCP_RR, len);
	wr32(out + 4, rr->ssrc);
	for (uint8_t i = 0; i < rr->n_reports; i++)
		write_report(out + RR_FIXED + (size_t)i * REPORT_BLOCK, &rr->reports[i]);
	return (int)len;
}

/* ---- feedback common to RTPFB and PSFB ---- */

static void read_fb(const struct rtcp_view *v, struct rtcp_fb *fb)
{
	if (!fb)
		return;
	fb->sender_ssrc = rd32(v->data + 4);
	fb->media_ssrc = rd32(v->data + 8);
}

static void write_fb(uint8_t *p, uint8_t fmt, uint8_t pt, size_t len, uint32_t sender,
		     uint32_t media)
{
	write_header(p, false, fmt, pt, len);
	wr32(p + 4, sender);
	wr32(p + 8, media);
}

int rtcp_parse_fb(const struct rtcp_view *v, struct rtcp_fb *out)
{
	size_t len;

	if (!v || (v->pt != RTCP_RTPFB && v->pt != RTCP_PSFB))
		return -EINVAL;
	if (check_packet(v, v->pt, -1, FB_HDR, &len) < 0)
		return -EINVAL;
	read_fb(v, out);
	return 0;
}

int rtcp_parse_nack(const struct rtcp_view *v, struct rtcp_fb *fb,
		    void (*fn)(void *arg, uint16_t seq), void *arg)
{
	size_t len;
	int rc = check_packet(v, RTCP_RTPFB, RTCP_FB_NACK, FB_HDR + 4, &len);

	if (rc < 0)
		return rc;
	read_fb(v, fb);
	for (size_t off = FB_HDR; fn && len - off >= 4; off += 4) {
		uint16_t pid = rd16(v->data + off);
		uint16_t blp = rd16(v->data + off + 2);

		fn(arg, pid);
		for (unsigned b = 0; b < 16; b++)
			if (blp & (1u << b))
				fn(arg, (uint16_t)(pid + b + 1));
	}
	return 0;
}

/* The oldest of a set of sequence numbers that spans less than half the
 * space; for wilder sets any member will do, packing just gets looser. */
static uint16_t oldest_seq(const uint16_t *seqs, size_t n)
{
	uint16_t o = seqs[0];

	for (size_t i = 1; i < n; i++)
		if (rtp_seq_newer(o, seqs[i]))
			o = seqs[i];
	return o;
}

/* Smallest distance from base at or above from, or UINT32_MAX. */
static uint32_t next_key(const uint16_t *seqs, size_t n, uint16_t base, uint32_t from)
{
	uint32_t best = UINT32_MAX;

	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint16_t)(seqs[i] - base);

		if (k >= from && k < best)
			best = k;
	}
	return best;
}

static uint16_t blp_for(const uint16_t *seqs, size_t n, uint16_t base, uint32_t pid_key)
{
	uint16_t blp = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint16_t)(seqs[i] - base);

		if (k > pid_key && k <= pid_key + 16)
			blp |= (uint16_t)(1u << (k - pid_key - 1));
	}
	return blp;
}

int rtcp_write_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
		    const uint16_t *seqs, size_t n)
{
	size_t off = FB_HDR;
	uint16_t base;
	uint32_t key;

	if (!seqs || n == 0)
		return -EINVAL;
	if (!out || cap < FB_HDR)
		return -ENOSPC;
	/* Sorting would need a copy; n is small, so rescan per item instead. */
	base = oldest_seq(seqs, n);
	for (key = next_key(seqs, n, base, 0); key != UINT32_MAX;
	     key = next_key(seqs, n, base, key + 17)) {
		if (cap - off < 4)
			return -ENOSPC;
		wr16(out + off, (uint16_t)(base + key));
		wr16(out + off + 2, blp_for(seqs, n, base, key));
		off += 4;
	}
	write_fb(out, RTCP_FB_NACK, RTCP_RTPFB, off, sender_ssrc, media_ssrc);
	return (int)off;
}

/* ---- PLI, FIR, REMB ---- */

int rtcp_write_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc)
{
	if (!out || cap < FB_HDR)
		return -ENOSPC;
	write_fb(out, RTCP_FB_PLI, RTCP_PSFB, FB_HDR, sender_ssrc, media_ssrc);
	return FB_HDR;
}

int rtcp_parse_fir(const struct rtcp_view *v, struct rtcp_fb *fb, uint32_t *target_ssrc,
		   uint8_t *seq_nr)
{
	size_t len;
	int rc = check_packet(v, RTCP_PSFB, RTCP_FB_FIR, FB_HDR + 8, &len);

	if (rc < 0)
		return rc;
	read_fb(v, fb);
	*target_ssrc = rd32(v->data + FB_HDR);
	*seq_nr = v->data[FB_HDR + 4];
	return 0;
}

int rtcp_write_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t target_ssrc,
		   uint8_t seq_nr)
{
	const size_t len = FB_HDR + 8;

	if (!out || cap < len)
		return -ENOSPC;
	/* RFC 5104 4.3.1: the media source field is unused and must be 0. */
	write_fb(out, RTCP_FB_FIR, RTCP_PSFB, len, sender_ssrc, 0);
	wr32(out + FB_HDR, target_ssrc);
	wr32(out + FB_HDR + 4, (uint32_t)seq_nr << 24);
	return (int)len;
}

static uint64_t remb_bitrate(uint8_t exp, uint32_t mantissa)
{
	/* An 18-bit mantissa shifted by up to 63 can overflow: saturate. */
	if (exp > 46 && (mantissa >> (64 - exp)) != 0)
		return UINT64_MAX;
	return (uint64_t)mantissa << exp;
}

int rtcp_parse_remb(const struct rtcp_view *v, struct rtcp_remb *out)
{
	size_t len;
	const uint8_t *p;
	uint8_t n;
	int rc = check_packet(v, RTCP_PSFB, RTCP_FB_AFB, FB_HDR + 8, &len);

	if (rc < 0)
		return rc;
	p = v->data;
	if (memcmp(p + FB_HDR, "REMB", 4) != 0)
		return -EINVAL;
	n = p[FB_HDR + 4];
	if (len < FB_HDR + 8 + (size_t)n * 4)
		return -EINVAL;
	out->sender_ssrc = rd32(p + 4);
	out->bitrate_bps = remb_bitrate(p[FB_HDR + 5] >> 2, rd24(p + FB_HDR + 5) & 0x3FFFF);
	out->n_ssrcs = n < RTCP_MAX_REMB_SSRCS ? n : RTCP_MAX_REMB_SSRCS;
	for (uint8_t i = 0; i < out->n_ssrcs; i++)
		out->ssrcs[i] = rd32(p + FB_HDR + 8 + (size_t)i * 4);
	return 0;
}

int rtcp_write_remb(uint8_t *out, size_t cap, const struct rtcp_remb *remb)
{
	size_t len;
	uint8_t exp = 0;
	uint8_t *p;

	if (remb->n_ssrcs > RTCP_MAX_REMB_SSRCS)
		return -EINVAL;
	len = FB_HDR + 8 + (size_t)remb->n_ssrcs * 4;
	if (!out || cap < len)
		return -ENOSPC;
	while ((remb->bitrate_bps >> exp) > 0x3FFFF)
		exp++;
	write_fb(out, RTCP_FB_AFB, RTCP_PSFB, len, remb->sender_ssrc, 0);
	p = out + FB_HDR;
	memcpy(p, "REMB", 4);
	p[4] = remb->n_ssrcs;
	wr24(p + 5, (uint32_t)exp << 18 | (uint32_t)(remb->bitrate_bps >> exp));
	for (uint8_t i = 0; i < remb->n_ssrcs; i++)
		wr32(p + 8 + (size_t)i * 4, remb->ssrcs[i]);
	return (int)len;
}

/* ---- transport-wide congestion control feedback ----
 * Symbols: 0 not received, 1 received with a 1-byte delta (0..63.75 ms),
 * 2 received with a 2-byte signed delta, 3 reserved. */

static unsigned chunk_span(uint16_t c)
{
	if (!(c & 0x8000))
		return c & 0x1FFF;        /* run length */
	return (c & 0x4000) ? 7 : 14; /* 2-bit or 1-bit status vector */
}

static unsigned chunk_symbol(uint16_t c, unsigned k)
{
	if (!(c & 0x8000))
		return (c >> 13) & 3;
	if (c & 0x4000)
		return (c >> (12 - 2 * k)) & 3;
	return (c >> (13 - k)) & 1;
}

/* Walks the chunks once to find where the deltas start and check they all
 * fit, so the callback never sees part of a malformed packet. */
static int twcc_validate(const uint8_t *p, size_t len, uint16_t status_count, size_t *delta_off)
{
	size_t off = TWCC_FIXED, deltas = 0;
	unsigned done = 0;

	while (done < status_count) {
		uint16_t c;
		unsigned span;

		if (len - off < 2)
			return -EINVAL;
		c = rd16(p + off);
		off += 2;
		span = chunk_span(c);
		if (span > status_count - done)
			span = status_count - done;
		for (unsigned k = 0; k < span; k++) {
			unsigned s = chunk_symbol(c, k);

			if (s == 3)
				return -EINVAL;
			deltas += s;
		}
		done += span;
	}
	if (deltas > len - off)
		return -EINVAL;
	*delta_off = off;
	return 0;
}

int rtcp_parse_twcc(const struct rtcp_view *v, struct rtcp_twcc *out,
		    void (*fn)(void *arg, uint16_t seq, bool received, int64_t arrival_us),
		    void *arg)
{
	size_t len, off = TWCC_FIXED, d;
	const uint8_t *p;
	unsigned done = 0;
	int64_t t = 0;
	int rc = check_packet(v, RTCP_RTPFB, RTCP_FB_TWCC, TWCC_FIXED, &len);

	if (rc < 0)
		return rc;
	p = v->data;
	if (rd16(p + 14) == 0) /* libwebrtc rejects empty feedback too */
		return -EINVAL;
	rc = twcc_validate(p, len, rd16(p + 14), &d);
	if (rc < 0)
		return rc;
	out->sender_ssrc = rd32(p + 4);
	out->media_ssrc = rd32(p + 8);
	out->base_seq = rd16(p + 12);
	out->status_count = rd16(p + 14);
	out->reference_time = sign_extend24(rd24(p + 16));
	out->fb_count = p[19];
	while (fn && done < out->status_count) {
		uint16_t c = rd16(p + off);
		unsigned span = chunk_span(c);

		off += 2;
		for (unsigned k = 0; k < span && done < out->status_count; k++, done++) {
			unsigned s = chunk_symbol(c, k);
			uint16_t seq = (uint16_t)(out->base_seq + done);

			if (s == 0) {
				fn(arg, seq, false, 0);
				continue;
			}
			t += (s == 1 ? p[d] : (int16_t)rd16(p + d)) * (int64_t)TWCC_TICK_US;
			d += s;
			fn(arg, seq, true, t);
		}
	}
	return 0;
}

/* Walks arrival times in order, yielding each packet's symbol and delta. */
struct twcc_enc {
	const int64_t *arrival;
	int64_t base_us;    /* reference_time * 64 ms */
	int64_t prev_ticks; /* previous received packet, 250 us ticks since base_us */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Symbol of packet i; -ERANGE when its delta does not fit even 16 bits. */
static int twcc_next(struct twcc_enc *e, size_t i, int32_t *delta)
{
	int64_t t, d;

	if (e->arrival[i] < 0)
		return 0;
	/* Ticks are taken from base_us, not from the previous packet, so
	 * rounding never accumulates. */
	t = floor_div(e->arrival[i] - e->base_us, TWCC_TICK_US);
	d = t - e->prev_ticks;
	if (d < INT16_MIN || d > INT16_MAX)
		return -ERANGE;
	e->prev_ticks = t;
	*delta = (int32_t)d;
	return d >= 0 && d <= 255 ? 1 : 2;
}

struct twcc_chunk {
	uint16_t bits;
	unsigned span;
};

/* Looks ahead from packet i and picks the chunk covering the most packets:
 * a run when 14+ (or, if a 2-bit symbol is near, 7+) repeat, else a 1-bit
 * vector when only symbols 0/1 are near, else a 2-bit vector. */
static int twcc_pick_chunk(struct twcc_enc la, size_t i, size_t count, struct twcc_chunk *ch)
{
	uint8_t sym[14];
	size_t n = count - i < 14 ? count - i : 14, run = 1;
	bool wide = false;
	int32_t d;
	int s;

	for (size_t k = 0; k < n; k++) {
		if ((s = twcc_next(&la, i + k, &d)) < 0)
			return s;
		sym[k] = (uint8_t)s;
		wide |= s == 2;
	}
	while (run < n && sym[run] == sym[0])
		run++;
	while (run == n && i + n < count && n < TWCC_MAX_RUN) {
		if ((s = twcc_next(&la, i + n, &d)) < 0)
			return s;
		if (s != sym[0])
			break;
		run = ++n;
	}
	if (run >= 14 || i + run == count || (wide && run >= 7)) {
		ch->bits = (uint16_t)(sym[0] << 13 | run);
		ch->span = (unsigned)run;
	} else if (!wide) {
		ch->bits = 0x8000;
		for (size_t k = 0; k < n; k++)
			ch->bits |= (uint16_t)(sym[k] << (13 - k));
		ch->span = (unsigned)n;
	} else {
		ch->span = n < 7 ? (unsigned)n : 7;
		ch->bits = 0xC000;
		for (size_t k = 0; k < ch->span; k++)
			ch->bits |= (uint16_t)(sym[k] << (12 - 2 * k));
	}
	return 0;
}

static int twcc_write_chunks(uint8_t *out, size_t cap, size_t *off, struct twcc_enc e,
			     uint16_t count)
{
	size_t i = 0;
	int32_t d;

	while (i < count) {
		struct twcc_chunk ch;
		int rc = twcc_pick_chunk(e, i, count, &ch);

		if (rc < 0)
			return rc;
		if (cap - *off < 2)
			return -ENOSPC;
		wr16(out + *off, ch.bits);
		*off += 2;
		for (unsigned k = 0; k < ch.span; k++, i++)
			twcc_next(&e, i, &d);
	}
	return 0;
}

static int twcc_write_deltas(uint8_t *out, size_t cap, size_t *off, struct twcc_enc e,
			     uint16_t count)
{
	int32_t d;

	for (size_t i = 0; i < count; i++) {
		int s = twcc_next(&e, i, &d);

		if (s < 0)
			return s;
		if (cap - *off < (size_t)s)
			return -ENOSPC;
		if (s == 1)
			out[*off] = (uint8_t)d;
		else if (s == 2)
			wr16(out + *off, (uint16_t)(int16_t)d);
		*off += (size_t)s;
	}
	return 0;
}

int rtcp_write_twcc(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
		    uint16_t base_seq, uint16_t count, const int64_t *arrival_us,
		    uint8_t fb_count)
{
	struct twcc_enc e = { .arrival = arrival_us };
	size_t off = TWCC_FIXED, pad;
	int64_t ref = 0;
	int rc;

	if (!arrival_us || count == 0)
		return -EINVAL;
	if (!out || cap < TWCC_FIXED)
		return -ENOSPC;
	for (size_t i = 0; i < count; i++) {
		if (arrival_us[i] >= 0) {
			ref = arrival_us[i] / TWCC_REF_US;
			break;
		}
	}
	e.base_us = ref * TWCC_REF_US;
	if ((rc = twcc_write_chunks(out, cap, &off, e, count)) < 0 ||
	    (rc = twcc_write_deltas(out, cap, &off, e, count)) < 0)
		return rc;
	/* RTCP padding with the P bit, as libwebrtc sends it. */
	pad = (4 - off % 4) % 4;
	if (cap - off < pad)
		return -ENOSPC;
	memset(out + off, 0, pad);
	if (pad)
		out[off + pad - 1] = (uint8_t)pad;
	off += pad;
	write_header(out, pad != 0, RTCP_FB_TWCC, RTCP_RTPFB, off);
	wr32(out + 4, sender_ssrc);
	wr32(out + 8, media_ssrc);
	wr16(out + 12, base_seq);
	wr16(out + 14, count);
	wr24(out + 16, (uint32_t)ref & 0xFFFFFF);
	out[19] = fb_count;
	return (int)off;
}
