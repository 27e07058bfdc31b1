/* A jitter buffer for one incoming audio stream (a SIP caller's RTP, or a
 * room producer the SIP mixer decodes). It stores encoded payloads in fixed
 * slots (no allocation after init, none per packet), puts them back in
 * order, drops duplicates and packets that come too late, follows sequence
 * number and timestamp wrap-around, starts over on an SSRC change or a jump,
 * and hands out what to play every 20 ms.
 *
 * Each 20 ms tick, sip_jitter_get says either "empty" (nothing to play: not
 * started, or the stream went quiet: play silence or comfort noise) or gives
 * up to SIP_JITTER_MAX_PARTS parts, in order: packets to decode, and losses
 * to conceal (decoder PLC, or FEC from the packet that follows the loss,
 * which the part points to when the buffer has it). With 20 ms packets a
 * tick is exactly one part. Packets of N x 10 ms work too: two 10 ms
 * packets make two parts; a 40 or 60 ms packet is one part on the tick its
 * first sample falls in, and the ticks it also covers get no parts. So the
 * caller decodes parts into a small PCM queue (120 ms + 20 ms holds any
 * packet) and plays 20 ms from it each tick. Payloads are never split.
 *
 * Delay: playing starts once the first packet has waited start_delay_ms
 * (the tick it came in counts), or sooner if a burst already holds that
 * much, which leaves the packets after it start_delay_ms - 20 ms of margin
 * whatever their duration. An underrun (nothing left to
 * play, nothing newer buffered: the packet is probably late) conceals one
 * frame without moving the play position, which adds 20 ms of delay; a
 * packet arriving after its turn is dropped, and in adaptive mode also adds
 * 20 ms. When the buffer has held a frame more than the target for a whole
 * second, one packet is skipped. In adaptive mode the target rises by 20 ms
 * at each late packet, and by the length of each underrun that ends with
 * the awaited packet (not with a new talkspurt); it falls by 20 ms after
 * 10 s without either, within
 * [min_delay_ms, max_delay_ms]; the buffer never holds more than
 * max_delay_ms. After 100 ms of underrun the stream counts as quiet (empty)
 * and the next packet starts over with the start delay.
 *
 * Owned by the call leg or mixer source it serves; one thread at a time.
 * Time is the caller's: one sip_jitter_get per 20 ms, packets put as they
 * come. */
#ifndef PARLEY_SIP_JITTER_H
#define PARLEY_SIP_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_JITTER_SLOTS 32           /* packets held at once */
#define SIP_JITTER_PAYLOAD_MAX 1280   /* an Opus frame at 510 kbit/s fits */
#define SIP_JITTER_MAX_PARTS 4

struct sip_jitter_config {
	unsigned clock_rate;     /* RTP clock: 8000 (PCMU, PCMA, G.722), 16000 or 48000 */
	unsigned start_delay_ms; /* default 60 */
	unsigned min_delay_ms;   /* default 40 */
	unsigned max_delay_ms;   /* default 200; at most SIP_JITTER_SLOTS x 10 ms */
	bool adaptive;           /* default true */
};

struct sip_jitter_packet {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint8_t pt;
	const uint8_t *data;     /* the payload, copied in */
	size_t len;
	/* duration in RTP clock units (Opus: sip_opus_packet_samples; G.711:
	 * len; G.722: len). 0: unknown, taken as 20 ms. At most 120 ms. */
	uint32_t samples;
};

enum sip_jitter_put_result {
	SIP_JITTER_STORED,
	SIP_JITTER_DUPLICATE, /* already held or already played */
	SIP_JITTER_LATE,      /* its turn has passed */
	SIP_JITTER_BAD,       /* empty or longer than SIP_JITTER_PAYLOAD_MAX */
	SIP_JITTER_FULL,      /* every slot holds an older packet still to play */
};

enum sip_jitter_part_kind { SIP_JITTER_PACKET, SIP_JITTER_LOST };

struct sip_jitter_part {
	enum sip_jitter_part_kind kind;
	uint32_t samples;        /* duration, RTP clock units */
	/* PACKET: the payload. LOST: the packet right after the loss if the
	 * buffer holds it (for FEC; it will also come as a PACKET part), else
	 * NULL. Valid until the next sip_jitter_put or sip_jitter_reset. */
	const uint8_t *data;
	size_t len;
	uint8_t pt;
	uint16_t seq;            /* PACKET (and LOST with data): that packet's */
	uint32_t ts;
};

struct sip_jitter_out {
	bool empty;              /* nothing to play: silence */
	bool new_stream;         /* the first packet of a new stream (SSRC change
				  * or jump) is among the parts: reset the decoder */
	unsigned n;              /* parts, 0..SIP_JITTER_MAX_PARTS */
	struct sip_jitter_part parts[SIP_JITTER_MAX_PARTS];
};

struct sip_jitter_stats {
	uint64_t received;       /* put calls */
	uint64_t stored;
	uint64_t played;         /* packets handed out */
	uint64_t lost;           /* LOST parts */
	uint64_t duplicates, late, bad, full;
	uint64_t underruns;      /* frames concealed without moving (delay +20 ms) */
	uint64_t skipped;        /* packets dropped to cut the delay */
	uint64_t resets;         /* sequence or timestamp jumps */
	uint64_t ssrc_changes;
	uint64_t empty_ticks;
};

struct sip_jitter_slot {
	bool used;
	uint8_t pt;
	uint16_t len;
	uint32_t samples;
	int64_t seq;             /* extended (no wrap) */
	int64_t ts;
	uint8_t data[SIP_JITTER_PAYLOAD_MAX];
};

struct sip_jitter {
	struct sip_jitter_config cfg;
	uint32_t frame;          /* 20 ms in clock units */
	uint32_t max_samples;    /* 120 ms */
	int64_t target, min_target, max_target; /* delays in clock units */

	bool have_stream;
	uint32_t ssrc;
	uint16_t hi_seq16;       /* newest packet by sequence number */
	uint32_t hi_ts32;
	int64_t hi_seq, hi_ts;   /* ... extended */

	bool playing;
	int64_t win;             /* start of the next 20 ms window (stream time) */
	int64_t covered;         /* stream time handed out so far (>= win) */
	unsigned wait_ticks;     /* ticks spent filling before playing */
	uint32_t underrun_run;   /* consecutive underrun time */
	bool stall_pending;      /* a late packet asks for one more frame of delay */
	bool fresh;              /* no packet of this stream handed out yet */
	int64_t played_seq;      /* newest extended seq handed out */
	uint64_t played_mask;    /* bit i: played_seq - i was handed out */

	int64_t level_min;       /* lowest buffer level this second */
	unsigned level_ticks;
	unsigned quiet_ticks;    /* since the last underrun or late packet */
	bool skip_pending;

	unsigned n_used;
	struct sip_jitter_slot slot[SIP_JITTER_SLOTS];
	struct sip_jitter_stats stats;
};

/* Fills config with the defaults for clock_rate. */
void sip_jitter_config_default(struct sip_jitter_config *c, unsigned clock_rate);
/* config NULL: the defaults at 48 kHz. Returns 0 or -EINVAL (bad rate or
 * delays). */
int sip_jitter_init(struct sip_jitter *jb, const struct sip_jitter_config *config);
/* Forgets the stream (packets, position), keeps the config and learned delay. */
void sip_jitter_reset(struct sip_jitter *jb);

enum sip_jitter_put_result sip_jitter_put(struct sip_jitter *jb, const struct sip_jitter_packet *p);
/* What to play for the next 20 ms. Always fills out. */
void sip_jitter_get(struct sip_jitter *jb, struct sip_jitter_out *out);

/* The current target delay in milliseconds. */
unsigned sip_jitter_target_ms(const struct sip_jitter *jb);

#endif
