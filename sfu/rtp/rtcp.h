/* RTCP compound packets (RFC 3550, 4585, 5104, draft-alvestrand-rmcat-remb,
 * draft-holmer-rmcat-transport-wide-cc): iteration, parsing into small
 * structs, and building into caller-owned buffers. No allocation. */
#ifndef PARLEY_RTCP_H
#define PARLEY_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	RTCP_SR = 200, RTCP_RR = 201, RTCP_SDES = 202, RTCP_BYE = 203, RTCP_APP = 204,
	RTCP_RTPFB = 205, RTCP_PSFB = 206,
};
enum { RTCP_FB_NACK = 1, RTCP_FB_TWCC = 15 };            /* RTPFB FMT */
enum { RTCP_FB_PLI = 1, RTCP_FB_FIR = 4, RTCP_FB_AFB = 15 }; /* PSFB FMT */

#define RTCP_MAX_REPORTS 31
#define RTCP_MAX_REMB_SSRCS 16

/* One packet inside a compound packet. */
struct rtcp_view {
	const uint8_t *data; /* the whole packet, header included */
	size_t len;          /* (length field + 1) * 4 */
	uint8_t pt;
	uint8_t count;       /* RC / SC / FMT */
};

struct rtcp_iter {
	const uint8_t *p;
	size_t left;
};

void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *buf, size_t len);
/* Returns 1 with the next packet, 0 at the end, -EINVAL when the rest is
 * malformed (bad version, length past the end). */
int rtcp_iter_next(struct rtcp_iter *it, struct rtcp_view *out);

struct rtcp_report_block {
	uint32_t ssrc;
	uint8_t fraction_lost;
	int32_t cumulative_lost;   /* 24-bit signed */
	uint32_t highest_seq;
	uint32_t jitter;
	uint32_t lsr;
	uint32_t dlsr;
};

struct rtcp_sr {
	uint32_t ssrc;
	uint64_t ntp;              /* 32.32 fixed point */
	uint32_t rtp_ts;
	uint32_t packet_count;
	uint32_t octet_count;
	uint8_t n_reports;
	struct rtcp_report_block reports[RTCP_MAX_REPORTS];
};

struct rtcp_rr {
	uint32_t ssrc;
	uint8_t n_reports;
	struct rtcp_report_block reports[RTCP_MAX_REPORTS];
};

/* Feedback header common to RTPFB/PSFB. */
struct rtcp_fb {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
};

struct rtcp_remb {
	uint32_t sender_ssrc;
	uint64_t bitrate_bps;
	uint8_t n_ssrcs;
	uint32_t ssrcs[RTCP_MAX_REMB_SSRCS];
};

/* Each parser returns 0, or -EINVAL when the packet is not of that kind or is malformed. */
int rtcp_parse_sr(const struct rtcp_view *v, struct rtcp_sr *out);
int rtcp_parse_rr(const struct rtcp_view *v, struct rtcp_rr *out);
int rtcp_parse_fb(const struct rtcp_view *v, struct rtcp_fb *out);
/* Generic NACK: calls fn for every lost sequence number listed (PID + BLP). */
int rtcp_parse_nack(const struct rtcp_view *v, struct rtcp_fb *fb,
		    void (*fn)(void *arg, uint16_t seq), void *arg);
/* FIR: fills the first entry's target SSRC and command sequence number. */
int rtcp_parse_fir(const struct rtcp_view *v, struct rtcp_fb *fb, uint32_t *target_ssrc,
		   uint8_t *seq_nr);
int rtcp_parse_remb(const struct rtcp_view *v, struct rtcp_remb *out);

/* Transport-wide CC feedback: calls fn for each packet status in order:
 * seq, received, and when received its arrival time in microseconds relative
 * to reference_time * 64 ms. */
struct rtcp_twcc {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	uint16_t base_seq;
	uint16_t status_count;
	int32_t reference_time;    /* 24-bit signed, multiples of 64 ms */
	uint8_t fb_count;
};
int rtcp_parse_twcc(const struct rtcp_view *v, struct rtcp_twcc *out,
		    void (*fn)(void *arg, uint16_t seq, bool received, int64_t arrival_us),
		    void *arg);

/* Builders write one packet at out and return its length, or -ENOSPC. */
int rtcp_write_sr(uint8_t *out, size_t cap, const struct rtcp_sr *sr);
int rtcp_write_rr(uint8_t *out, size_t cap, const struct rtcp_rr *rr);
int rtcp_write_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);
int rtcp_write_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t target_ssrc,
		   uint8_t seq_nr);
/* NACK for n sequence numbers (any order); packs them into PID+BLP items. */
int rtcp_write_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
		    const uint16_t *seqs, size_t n);
int rtcp_write_remb(uint8_t *out, size_t cap, const struct rtcp_remb *remb);

/* Builds transport-cc feedback for packets base_seq .. base_seq+count-1.
 * arrival_us[i] < 0 marks packet i lost; times are microseconds on any clock.
 * Uses run-length and status-vector chunks as the draft allows. */
int rtcp_write_twcc(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
		    uint16_t base_seq, uint16_t count, const int64_t *arrival_us,
		    uint8_t fb_count);

#endif
