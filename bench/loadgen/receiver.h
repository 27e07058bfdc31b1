/* A subscriber's checks on what it receives, per SSRC: sequence continuity
 * after the SFU's rewrite (gaps, duplicates, reordering), end-to-end loss from
 * the publisher's packet index in the payload trailer, forwarding delay from
 * its send time, and the time of the first audio, video and keyframe packet.
 * Also writes the receiver reports a subscriber owes. Runs on its peer's loop. */
#ifndef LG_RECEIVER_H
#define LG_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtp/rtp_packet.h"
#include "sfu/rtp/twcc_recorder.h"

#define RX_MAX_STREAMS 64

/* Cumulative counts of one stream (or a sum), snapshotted at window edges. */
struct rx_totals {
	uint64_t packets, bytes;   /* unique packets, RTP bytes after SRTP */
	uint64_t dups, reordered;
	uint64_t seq_expected;     /* highest - first sequence number + 1 */
	uint64_t idx_expected;     /* highest - first publisher index + 1 */
	uint64_t idx_packets;      /* unique packets that carried a trailer */
	uint64_t no_trailer;
};

struct rx_stream {
	uint32_t ssrc;
	bool video;
	enum rtp_codec codec;
	bool started, idx_started;
	uint32_t ext_first, ext_hi;   /* extended sequence numbers */
	uint32_t idx_first, idx_hi;
	uint64_t seen[16];            /* bitmap of the last 1024 sequence numbers */
	struct rx_totals t, begin, end;
	uint32_t sr_mid;              /* middle 32 bits of the last SR's NTP time */
	int64_t sr_at_us;
	uint64_t rr_expected, rr_packets;  /* at the last RR */
};

struct hist;

struct receiver {
	unsigned n;
	struct rx_stream s[RX_MAX_STREAMS];
	uint8_t pt_kind[128];         /* 0 unknown, 1 audio, 2 video */
	enum rtp_codec pt_codec[128];
	/* First packets (CLOCK_MONOTONIC µs, 0 = none yet); read by other threads atomically. */
	int64_t first_audio_us, first_video_us, first_key_us;
	uint8_t twcc_id;              /* transport-wide-cc extension id, 0 = not negotiated */
	struct twcc_recorder twcc;
	struct hist *delay;           /* the loop's histogram */
	const bool *in_window;        /* the loop's window flag */
};

void receiver_init(struct receiver *r, struct hist *delay, const bool *in_window);
/* From the negotiated SDP: which payload types carry audio and video. */
void receiver_set_pt(struct receiver *r, uint8_t pt, bool video, enum rtp_codec codec);
void receiver_on_rtp(struct receiver *r, uint8_t *buf, size_t len, int64_t now_us);
/* The server offered transport-wide-cc on what it sends: we give feedback. */
void receiver_set_twcc(struct receiver *r, uint8_t id);
/* One transport-cc feedback packet for what arrived since the last; 0 when none. */
int receiver_write_twcc(struct receiver *r, uint8_t *out, size_t cap, uint32_t own_ssrc);
/* SRs from the server, for LSR/DLSR in our reports. */
void receiver_on_rtcp(struct receiver *r, const uint8_t *buf, size_t len, int64_t now_us);
/* One RR with a block per stream (none before anything arrived); returns its length or < 0. */
int receiver_write_rr(struct receiver *r, uint8_t *out, size_t cap, uint32_t own_ssrc, int64_t now_us);

void receiver_window_begin(struct receiver *r);
void receiver_window_end(struct receiver *r);
/* Sum over streams of end - begin; audio and video apart when asked. */
void receiver_window_totals(const struct receiver *r, int video, struct rx_totals *out);

#endif
