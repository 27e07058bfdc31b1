/* One subscriber's copy of one producer: an m-section the subscriber
 * receives on, with its own SSRC, sequence/timestamp mapping and counters.
 * Owned by the subscribing participant (one per sendonly m-section); the
 * producer only points at it. Lives on the room's worker. */
#ifndef PARLEY_CONSUMER_H
#define PARLEY_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "sfu/rtp/rtcp.h"
#include "sfu/rtp/rtp_packet.h"
#include "sfu/rtp/seq_map.h"
#include "sfu/sdp.h"

struct participant;
struct producer;

struct consumer {
	struct participant *subscriber;
	struct producer *producer;  /* NULL while the m-section is inactive */
	enum sdp_kind kind;
	char mid[8];
	uint32_t ssrc;
	uint32_t rtx_ssrc;
	uint16_t rtx_seq;
	bool accepted;              /* the subscriber's answer took this m-section */
	bool rtx_enabled;           /* and negotiated RTX for it */
	bool ext_abs_send_time, ext_mid, ext_audio_level, ext_orientation;
	bool waiting_keyframe;
	struct seq_map map;
	uint32_t clock_rate;
	uint64_t packets;
	uint64_t octets;
	uint64_t remb_bps;          /* from the subscriber's REMB; 0 = none */
	uint8_t fraction_lost;      /* from its receiver reports */
	int rtt_ms;                 /* -1 until known */
	uint32_t last_sr_ntp_mid;   /* our last SR, for RTT */
	int64_t last_sr_us;
};

void consumer_init(struct consumer *c, struct participant *subscriber, enum sdp_kind kind,
		   const char *mid, uint32_t ssrc, uint32_t rtx_ssrc);
/* Points the m-section at a new producer (or NULL); numbering stays
 * continuous. Returns 0, or -ENOMEM leaving it inactive. */
int consumer_set_producer(struct consumer *c, struct producer *p);

/* Per packet: rewrite into the worker's scratch buffer, protect, send. */
void consumer_forward(struct consumer *c, const struct rtp_view *v, bool keyframe,
		      int64_t now_us);
/* A sequence number the publisher skipped on purpose (padding). */
void consumer_skip(struct consumer *c, uint16_t in_seq);

/* RTCP from the subscriber about this stream. */
void consumer_on_nack(struct consumer *c, uint16_t seq, int64_t now_us);
void consumer_on_keyframe_request(struct consumer *c, int64_t now_us);
void consumer_on_report(struct consumer *c, const struct rtcp_report_block *b, int64_t now_us);
/* Writes a sender report for this stream (our NTP time, the producer's clock). Returns length or <0. */
int consumer_write_sr(struct consumer *c, uint8_t *out, size_t cap, int64_t now_us);

#endif
