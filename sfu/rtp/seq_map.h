/* Rewrites one outgoing stream's sequence numbers and timestamps so that the
 * receiver sees one continuous stream while the source behind it changes
 * (publisher switch, SSRC change) or packets are dropped on purpose.
 * Owned by a consumer; used on the per-packet path of its worker. */
#ifndef PARLEY_SEQ_MAP_H
#define PARLEY_SEQ_MAP_H

#include <stdbool.h>
#include <stdint.h>

struct seq_map {
	bool started;         /* a packet has gone out */
	bool pending_switch;  /* next packet starts a new source */
	uint16_t seq_offset;  /* out = in + offset */
	uint32_t ts_offset;
	uint16_t max_in_seq;  /* newest input seq of the current source */
	uint16_t max_out_seq;
	uint32_t max_out_ts;
	int64_t max_out_time_us;
	uint16_t base_in_seq; /* first input seq of the current source */
};

void seq_map_init(struct seq_map *m);

/* The next packet comes from a different source: its numbers continue from
 * the last ones sent (seq + 1, timestamp advanced by the wall-clock time since,
 * at clock_rate). */
void seq_map_switch(struct seq_map *m);

/* Maps one packet. Returns false when it must be dropped: older than the
 * current source's first packet, or so old it would alias. Reordered packets
 * within the current source map consistently. */
bool seq_map_apply(struct seq_map *m, uint16_t in_seq, uint32_t in_ts, uint32_t clock_rate,
		   int64_t now_us, uint16_t *out_seq, uint32_t *out_ts);

/* Drops the newest input packet without leaving a gap: later packets move down
 * by one. Does nothing when in_seq is not the newest seen plus one. */
void seq_map_skip(struct seq_map *m, uint16_t in_seq);

/* For NACKs: the input seq that produced out_seq. False when out_seq predates
 * the current source. */
bool seq_map_unapply(const struct seq_map *m, uint16_t out_seq, uint16_t *in_seq);

#endif
