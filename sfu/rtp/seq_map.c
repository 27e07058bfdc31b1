/* Sequence number and timestamp rewriting for one outgoing stream, so a
 * subscriber sees one gapless RTP stream across publisher switches and
 * deliberate drops. Runs on the consumer's worker for every forwarded packet:
 * no allocation, no locks, no logging.
 *
 * Invariant while started: every input seq from base_in_seq to max_in_seq
 * maps to out = in + seq_offset, and max_out_seq = max_in_seq + seq_offset.
 * Inputs before base_in_seq belonged to another source or to another offset
 * (before a skip); mapping them with today's offset would reuse output
 * numbers already sent, so they are dropped. The window is kept under half
 * the sequence space so serial-number comparisons stay unambiguous. */
#include "sfu/rtp/seq_map.h"

#include <string.h>

#define HALF_SEQ 0x8000u
#define MAX_WINDOW (HALF_SEQ - 1)

void seq_map_init(struct seq_map *m)
{
	memset(m, 0, sizeof(*m));
}

void seq_map_switch(struct seq_map *m)
{
	m->pending_switch = true;
}

/* RTP ticks for a wall-clock interval, never 0 so the receiver never sees two
 * frames with one timestamp across a switch. Split to avoid overflow. */
static uint32_t elapsed_ticks(int64_t elapsed_us, uint32_t clock_rate)
{
	uint64_t us, ticks;

	if (elapsed_us <= 0)
		return 1;
	us = (uint64_t)elapsed_us;
	ticks = us / 1000000 * clock_rate + us % 1000000 * clock_rate / 1000000;
	return ticks == 0 ? 1 : (uint32_t)ticks;
}

static void start_source(struct seq_map *m, uint16_t in_seq, uint32_t in_ts, uint32_t clock_rate,
			 int64_t now_us)
{
	if (m->started) {
		uint16_t out_seq = (uint16_t)(m->max_out_seq + 1);
		uint32_t out_ts = m->max_out_ts +
				  elapsed_ticks(now_us - m->max_out_time_us, clock_rate);

		m->seq_offset = (uint16_t)(out_seq - in_seq);
		m->ts_offset = out_ts - in_ts;
	} else {
		/* The first source goes out unchanged. */
		m->seq_offset = 0;
		m->ts_offset = 0;
	}
	m->started = true;
	m->pending_switch = false;
	m->base_in_seq = in_seq;
	m->max_in_seq = in_seq;
	m->max_out_seq = (uint16_t)(in_seq + m->seq_offset);
	m->max_out_ts = in_ts + m->ts_offset;
	m->max_out_time_us = now_us;
}

/* True when in_seq lies in [base_in_seq, max_in_seq]. After a skip the
 * window is empty (max_in_seq == base_in_seq - 1) and nothing old passes. */
static bool in_window(const struct seq_map *m, uint16_t in_seq)
{
	uint16_t width = (uint16_t)(m->max_in_seq - m->base_in_seq);

	return width < HALF_SEQ && (uint16_t)(in_seq - m->base_in_seq) <= width;
}

static void advance(struct seq_map *m, uint16_t in_seq)
{
	m->max_in_seq = in_seq;
	m->max_out_seq = (uint16_t)(in_seq + m->seq_offset);
	if ((uint16_t)(m->max_in_seq - m->base_in_seq) > MAX_WINDOW)
		m->base_in_seq = (uint16_t)(m->max_in_seq - MAX_WINDOW);
}

bool seq_map_apply(struct seq_map *m, uint16_t in_seq, uint32_t in_ts, uint32_t clock_rate,
		   int64_t now_us, uint16_t *out_seq, uint32_t *out_ts)
{
	uint32_t ts;

	if (!m->started || m->pending_switch) {
		start_source(m, in_seq, in_ts, clock_rate, now_us);
	} else if (in_seq != m->max_in_seq && (uint16_t)(in_seq - m->max_in_seq) < HALF_SEQ) {
		advance(m, in_seq);
	} else if (!in_window(m, in_seq)) {
		return false;
	}
	ts = in_ts + m->ts_offset;
	/* Track the newest timestamp and when it went out, so a later switch
	 * can continue the clock from it. */
	if ((int32_t)(ts - m->max_out_ts) > 0) {
		m->max_out_ts = ts;
		m->max_out_time_us = now_us;
	}
	*out_seq = (uint16_t)(in_seq + m->seq_offset);
	*out_ts = ts;
	return true;
}

void seq_map_skip(struct seq_map *m, uint16_t in_seq)
{
	if (!m->started || m->pending_switch || in_seq != (uint16_t)(m->max_in_seq + 1))
		return;
	/* The skipped number is consumed on input but not on output; packets
	 * before it had a different offset, so they leave the window. */
	m->seq_offset--;
	m->max_in_seq = in_seq;
	m->base_in_seq = (uint16_t)(in_seq + 1);
}

bool seq_map_unapply(const struct seq_map *m, uint16_t out_seq, uint16_t *in_seq)
{
	uint16_t in;

	if (!m->started)
		return false;
	in = (uint16_t)(out_seq - m->seq_offset);
	if (!in_window(m, in))
		return false;
	*in_seq = in;
	return true;
}
