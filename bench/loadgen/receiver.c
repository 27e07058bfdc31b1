/* Per-packet checks of a subscriber. Sequence numbers are extended to 32
 * bits from the highest seen; a 1024-bit window tells duplicates from late
 * packets. Loss is counted twice: gaps in the SFU's rewritten sequence
 * (continuity) and gaps in the publisher's own index (end to end), which also
 * sees packets an SFU dropped while keeping its output gapless. */
#include "bench/loadgen/receiver.h"

#include <string.h>

#include "bench/loadgen/stats.h"
#include "bench/loadgen/synth.h"
#include "sfu/rtp/byte_order.h"
#include "sfu/rtp/rtcp.h"

#define WINDOW 1024

void receiver_init(struct receiver *r, struct hist *delay, const bool *in_window)
{
	memset(r, 0, sizeof(*r));
	r->delay = delay;
	r->in_window = in_window;
}

void receiver_set_twcc(struct receiver *r, uint8_t id)
{
	if (id && !r->twcc_id)
		twcc_recorder_init(&r->twcc);
	r->twcc_id = id;
}

int receiver_write_twcc(struct receiver *r, uint8_t *out, size_t cap, uint32_t own_ssrc)
{
	if (!r->twcc_id || !r->n)
		return 0;
	return twcc_recorder_write(&r->twcc, out, cap, own_ssrc, r->s[0].ssrc);
}

void receiver_set_pt(struct receiver *r, uint8_t pt, bool video, enum rtp_codec codec)
{
	if (pt >= 128)
		return;
	r->pt_kind[pt] = video ? 2 : 1;
	r->pt_codec[pt] = codec;
}

static struct rx_stream *stream_for(struct receiver *r, uint32_t ssrc, uint8_t pt)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->s[i].ssrc == ssrc)
			return &r->s[i];
	if (r->n == RX_MAX_STREAMS || pt >= 128 || !r->pt_kind[pt])
		return NULL;
	struct rx_stream *s = &r->s[r->n];
	memset(s, 0, sizeof(*s));
	__atomic_store_n(&r->n, r->n + 1, __ATOMIC_RELAXED); /* peer_status reads it */
	s->ssrc = ssrc;
	s->video = r->pt_kind[pt] == 2;
	s->codec = r->pt_codec[pt];
	return s;
}

static bool bit(const uint64_t *map, uint32_t ext)
{
	uint32_t i = ext % WINDOW;
	return map[i / 64] >> (i % 64) & 1;
}

static void set_bit(uint64_t *map, uint32_t ext)
{
	uint32_t i = ext % WINDOW;
	map[i / 64] |= 1ull << (i % 64);
}

static void clear_range(uint64_t *map, uint32_t from, uint32_t to)
{
	if (to - from >= WINDOW) {
		memset(map, 0, WINDOW / 8);
		return;
	}
	for (uint32_t e = from; e != to + 1; e++) {
		uint32_t i = e % WINDOW;
		map[i / 64] &= ~(1ull << (i % 64));
	}
}

/* Updates sequence state; false for a duplicate (or one too old to tell). */
static bool track_seq(struct rx_stream *s, uint16_t seq)
{
	if (!s->started) {
		s->started = true;
		s->ext_first = s->ext_hi = 0x10000u + seq; /* room below for late packets */
		memset(s->seen, 0, sizeof(s->seen));
		set_bit(s->seen, s->ext_hi);
		return true;
	}
	uint32_t ext = s->ext_hi + (uint32_t)(int32_t)(int16_t)(seq - (uint16_t)s->ext_hi);
	if (ext == s->ext_hi || (ext < s->ext_hi && (s->ext_hi - ext >= WINDOW || bit(s->seen, ext)))) {
		s->t.dups++;
		return false;
	}
	if (ext > s->ext_hi) {
		clear_range(s->seen, s->ext_hi + 1, ext);
		s->ext_hi = ext;
	} else {
		s->t.reordered++;
		if (ext < s->ext_first)
			s->ext_first = ext;
	}
	set_bit(s->seen, ext);
	return true;
}

void receiver_on_rtp(struct receiver *r, uint8_t *buf, size_t len, int64_t now_us)
{
	struct rtp_view v;
	if (rtp_parse(&v, buf, len))
		return;
	struct rx_stream *s = stream_for(r, v.ssrc, v.pt);
	if (!s)
		return;
	uint16_t tw;
	if (r->twcc_id && rtp_ext_twcc_seq(rtp_find_ext(&v, r->twcc_id), &tw) == 0)
		twcc_recorder_on_packet(&r->twcc, tw, now_us);
	if (!track_seq(s, v.seq))
		return;
	s->t.packets++;
	s->t.bytes += len;
	s->t.seq_expected = s->ext_hi - s->ext_first + 1;
	const uint8_t *payload = buf + v.payload_off;
	uint32_t index;
	int64_t sent_us;
	if (synth_trailer_read(payload, v.payload_len, &index, &sent_us)) {
		if (!s->idx_started) {
			s->idx_started = true;
			s->idx_first = s->idx_hi = index;
		} else if ((int32_t)(index - s->idx_hi) > 0) {
			s->idx_hi = index;
		} else if ((int32_t)(index - s->idx_first) < 0) {
			s->idx_first = index;
		}
		s->t.idx_packets++;
		s->t.idx_expected = s->idx_hi - s->idx_first + 1;
		if (*r->in_window)
			hist_add(r->delay, now_us - sent_us);
	} else {
		s->t.no_trailer++;
	}
	if (!s->video) {
		if (!r->first_audio_us)
			__atomic_store_n(&r->first_audio_us, now_us, __ATOMIC_RELAXED);
		return;
	}
	if (!r->first_video_us)
		__atomic_store_n(&r->first_video_us, now_us, __ATOMIC_RELAXED);
	if (!r->first_key_us && rtp_is_keyframe(s->codec, payload, v.payload_len))
		__atomic_store_n(&r->first_key_us, now_us, __ATOMIC_RELAXED);
}

void receiver_on_rtcp(struct receiver *r, const uint8_t *buf, size_t len, int64_t now_us)
{
	struct rtcp_iter it;
	struct rtcp_view v;
	rtcp_iter_init(&it, buf, len);
	while (rtcp_iter_next(&it, &v) == 1) {
		struct rtcp_sr sr;
		if (v.pt != RTCP_SR || rtcp_parse_sr(&v, &sr))
			continue;
		for (unsigned i = 0; i < r->n; i++)
			if (r->s[i].ssrc == sr.ssrc) {
				r->s[i].sr_mid = (uint32_t)(sr.ntp >> 16);
				r->s[i].sr_at_us = now_us;
			}
	}
}

int receiver_write_rr(struct receiver *r, uint8_t *out, size_t cap, uint32_t own_ssrc, int64_t now_us)
{
	struct rtcp_rr rr = { .ssrc = own_ssrc };
	for (unsigned i = 0; i < r->n && rr.n_reports < RTCP_MAX_REPORTS; i++) {
		struct rx_stream *s = &r->s[i];
		if (!s->started)
			continue;
		uint64_t expected = s->t.seq_expected, got = s->t.packets;
		uint64_t d_exp = expected - s->rr_expected, d_got = got - s->rr_packets;
		uint8_t fraction = d_exp > d_got ? (uint8_t)((d_exp - d_got) * 256 / d_exp) : 0;
		int64_t lost = (int64_t)expected - (int64_t)got;
		s->rr_expected = expected;
		s->rr_packets = got;
		struct rtcp_report_block *b = &rr.reports[rr.n_reports++];
		b->ssrc = s->ssrc;
		b->fraction_lost = fraction;
		b->cumulative_lost = (int32_t)(lost > 0x7fffff ? 0x7fffff : lost < 0 ? 0 : lost);
		b->highest_seq = s->ext_hi - 0x10000u;
		b->jitter = 0;
		b->lsr = s->sr_mid;
		b->dlsr = s->sr_at_us ? (uint32_t)((now_us - s->sr_at_us) * 65536 / 1000000) : 0;
	}
	return rtcp_write_rr(out, cap, &rr); /* empty before anything arrived */
}

void receiver_window_begin(struct receiver *r)
{
	for (unsigned i = 0; i < r->n; i++)
		r->s[i].begin = r->s[i].t;
}

void receiver_window_end(struct receiver *r)
{
	for (unsigned i = 0; i < r->n; i++)
		r->s[i].end = r->s[i].t;
}

void receiver_window_totals(const struct receiver *r, int video, struct rx_totals *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < r->n; i++) {
		const struct rx_stream *s = &r->s[i];
		if (video >= 0 && s->video != (video != 0))
			continue;
		const struct rx_totals *a = &s->begin, *b = &s->end;
		out->packets += b->packets - a->packets;
		out->bytes += b->bytes - a->bytes;
		out->dups += b->dups - a->dups;
		out->reordered += b->reordered - a->reordered;
		out->seq_expected += b->seq_expected - a->seq_expected;
		out->idx_expected += b->idx_expected - a->idx_expected;
		out->idx_packets += b->idx_packets - a->idx_packets;
		out->no_trailer += b->no_trailer - a->no_trailer;
	}
}
