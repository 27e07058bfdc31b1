/* A track published by a participant: its incoming stream's state
 * (receive statistics for RTCP RR, last SR, audio level, keyframe requests)
 * and the consumers it fans out to. Owned by its participant; lives on the
 * room's worker. */
#ifndef PARLEY_PRODUCER_H
#define PARLEY_PRODUCER_H

#include <stdbool.h>
#include <stdint.h>

#include "sfu/codecs.h"
#include "sfu/rtp/nack_generator.h"
#include "sfu/rtp/rtcp.h"
#include "sfu/rtp/rtp_packet.h"

struct participant;
struct consumer;
struct rtx_cache;

struct producer {
	struct participant *owner;
	enum sdp_kind kind;
	const struct codec *codec;
	/* The publisher's numbering: payload types and header-extension ids in
	 * its packets. Parley's own for browsers (they answered our offer); a
	 * WHIP client's own. Packets leave with codec->pt, which is what every
	 * subscriber negotiated. */
	uint8_t pt_in, rtx_pt_in;
	struct codec_ext_ids ext_in;
	uint32_t ssrc;
	uint32_t rtx_ssrc;          /* 0: publisher sends no RTX */
	char track_id[48];
	struct rtx_cache *cache;    /* video only; owned */
	struct consumer **consumers; /* not owned: subscribers own them */
	unsigned n_consumers, cap_consumers;

	/* RFC 3550 A.1/A.3/A.8 receive statistics */
	bool seq_init;
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t base_seq;
	uint64_t received;
	uint64_t expected_prior, received_prior;
	uint32_t jitter_q4;         /* jitter * 16 */
	int64_t last_transit;
	uint64_t bytes;

	/* last sender report: for LSR/DLSR and for translating SRs */
	bool have_sr;
	uint32_t sr_ntp_mid;
	uint32_t sr_rtp_ts;
	int64_t sr_arrival_us;

	struct nack_generator nacks; /* video: what to ask the publisher to resend */

	uint32_t bitrate_bps;       /* over the last second or so */
	uint64_t rate_bytes_mark;
	int64_t rate_mark_us;

	bool paused;                /* received and cached but not forwarded (API mute) */

	int64_t last_keyframe_request_us;
	bool keyframe_pending;      /* a request waits for producer_tick */
	bool keyframe_awaited;      /* a PLI went out and its keyframe has not started yet */

	/* loudness since the room last looked (RFC 6464), for active speaker */
	uint32_t level_sum;
	uint32_t level_packets;
};

int producer_create(struct producer **out, struct participant *owner, enum sdp_kind kind,
		    const struct codec *codec, uint32_t ssrc, uint32_t rtx_ssrc);
/* The publisher numbers its packets its own way (WHIP: it wrote the offer).
 * Call before the first packet. */
void producer_set_client_numbering(struct producer *p, uint8_t pt, uint8_t rtx_pt,
				   const struct codec_ext_ids *ext);
/* The payload type to forward a publisher's packet with: the codec's own
 * for the publisher's codec PT, anything else as it came. */
static inline uint8_t producer_out_pt(const struct producer *p, uint8_t pt_in)
{
	return pt_in == p->pt_in ? p->codec->pt : pt_in;
}
/* Detaches every consumer (they go inactive) and frees. NULL is fine. */
void producer_destroy(struct producer *p);

int producer_add_consumer(struct producer *p, struct consumer *c);
void producer_remove_consumer(struct producer *p, struct consumer *c);

/* Per packet: statistics, retransmission cache, fan-out. */
void producer_receive(struct producer *p, struct rtp_view *v, int64_t now_us);
/* An RTX packet (RFC 4588) from the publisher: unwrapped and handled as the original. */
void producer_receive_rtx(struct producer *p, struct rtp_view *v, int64_t now_us);

void producer_on_sr(struct producer *p, const struct rtcp_sr *sr, int64_t now_us);
/* Stops or resumes forwarding; subscribers resume seamlessly on a keyframe. */
void producer_set_paused(struct producer *p, bool paused, int64_t now_us);
/* Asks the publisher for a keyframe (PLI): at once unless one requested
 * less than 300 ms ago has not arrived yet (it will serve this request too),
 * and never twice within 50 ms; a request held back is sent when the room's
 * tick calls producer_tick. */
void producer_request_keyframe(struct producer *p, int64_t now_us);
void producer_tick(struct producer *p, int64_t now_us);
/* Packets the publisher sent that never arrived (RFC 3550 A.3, cumulative). */
int64_t producer_packets_lost(const struct producer *p);
void producer_report_block(struct producer *p, struct rtcp_report_block *b, int64_t now_us);

#endif
