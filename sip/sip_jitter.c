/* Jitter buffer for one incoming audio stream (see sip_jitter.h for the
 * behaviour). Slots are indexed by extended sequence number modulo
 * SIP_JITTER_SLOTS; playout walks them in timestamp order. Everything is in
 * stream time (RTP clock units, extended to 64 bits so nothing wraps). */
#include "sip/sip_jitter.h"

#include <errno.h>
#include <string.h>

/* A sequence step larger than this is a new stream, not loss or reordering. */
#define SEQ_JUMP 100
/* Nor is a timestamp step larger than this between consecutive packets. */
#define TS_JUMP_S 30
#define LEVEL_WINDOW_TICKS 50    /* 1 s */
#define QUIET_TICKS 500          /* 10 s */
#define UNDERRUN_MAX_FRAMES 5    /* 100 ms, then the stream is quiet */
#define EXT_BASE ((int64_t)1 << 40)

void sip_jitter_config_default(struct sip_jitter_config *c, unsigned clock_rate)
{
	c->clock_rate = clock_rate;
	c->start_delay_ms = 60;
	c->min_delay_ms = 40;
	c->max_delay_ms = 200;
	c->adaptive = true;
}

static int64_t ms_to_ts(const struct sip_jitter *jb, unsigned ms)
{
	return (int64_t)ms * jb->cfg.clock_rate / 1000;
}

int sip_jitter_init(struct sip_jitter *jb, const struct sip_jitter_config *config)
{
	struct sip_jitter_config def;

	if (!jb)
		return -EINVAL;
	if (!config) {
		sip_jitter_config_default(&def, 48000);
		config = &def;
	}
	unsigned r = config->clock_rate;
	if ((r != 8000 && r != 16000 && r != 48000) || config->min_delay_ms < 20 ||
	    config->min_delay_ms > config->max_delay_ms ||
	    config->start_delay_ms < config->min_delay_ms ||
	    config->start_delay_ms > config->max_delay_ms ||
	    config->max_delay_ms > SIP_JITTER_SLOTS * 10)
		return -EINVAL;
	memset(jb, 0, sizeof(*jb));
	jb->cfg = *config;
	jb->frame = r / 50;
	jb->max_samples = r * 120 / 1000;
	jb->target = ms_to_ts(jb, config->start_delay_ms);
	jb->min_target = ms_to_ts(jb, config->min_delay_ms);
	jb->max_target = ms_to_ts(jb, config->max_delay_ms);
	return 0;
}

static void clear_slots(struct sip_jitter *jb)
{
	for (unsigned i = 0; i < SIP_JITTER_SLOTS; i++)
		jb->slot[i].used = false;
	jb->n_used = 0;
}

static void restart_playout(struct sip_jitter *jb)
{
	jb->playing = false;
	jb->wait_ticks = 0;
	jb->underrun_run = 0;
	jb->stall_pending = false;
	jb->skip_pending = false;
}

void sip_jitter_reset(struct sip_jitter *jb)
{
	clear_slots(jb);
	restart_playout(jb);
	jb->have_stream = false;
	jb->played_mask = 0;
}

/* Adopts p as the first packet of a new stream. */
static void start_stream(struct sip_jitter *jb, const struct sip_jitter_packet *p)
{
	clear_slots(jb);
	restart_playout(jb);
	jb->have_stream = true;
	jb->ssrc = p->ssrc;
	jb->hi_seq16 = p->seq;
	jb->hi_ts32 = p->ts;
	jb->hi_seq = EXT_BASE + p->seq;
	jb->hi_ts = EXT_BASE + p->ts;
	jb->played_seq = 0;
	jb->played_mask = 0;
	jb->fresh = true;
}

static bool was_played(const struct sip_jitter *jb, int64_t seq)
{
	if (!jb->played_mask || seq > jb->played_seq || jb->played_seq - seq >= 64)
		return false;
	return jb->played_mask >> (jb->played_seq - seq) & 1;
}

static void mark_played(struct sip_jitter *jb, int64_t seq)
{
	if (!jb->played_mask || seq > jb->played_seq) {
		int64_t shift = jb->played_mask ? seq - jb->played_seq : 64;
		jb->played_mask = shift >= 64 ? 0 : jb->played_mask << shift;
		jb->played_seq = seq;
	}
	if (jb->played_seq - seq < 64)
		jb->played_mask |= (uint64_t)1 << (jb->played_seq - seq);
}

static void grow_target(struct sip_jitter *jb, int64_t by)
{
	jb->quiet_ticks = 0;
	if (jb->cfg.adaptive)
		jb->target = jb->target + by < jb->max_target ? jb->target + by : jb->max_target;
}

enum sip_jitter_put_result sip_jitter_put(struct sip_jitter *jb, const struct sip_jitter_packet *p)
{
	jb->stats.received++;
	if (!p->data || p->len == 0 || p->len > SIP_JITTER_PAYLOAD_MAX) {
		jb->stats.bad++;
		return SIP_JITTER_BAD;
	}
	if (!jb->have_stream || p->ssrc != jb->ssrc) {
		if (jb->have_stream)
			jb->stats.ssrc_changes++;
		start_stream(jb, p);
	}
	int16_t dseq = (int16_t)(uint16_t)(p->seq - jb->hi_seq16);
	int32_t dts = (int32_t)(p->ts - jb->hi_ts32);
	if (dseq > SEQ_JUMP || dseq < -SEQ_JUMP ||
	    (dseq > 0 && (dts < 0 || dts > (int64_t)TS_JUMP_S * jb->cfg.clock_rate))) {
		jb->stats.resets++;
		start_stream(jb, p);
		dseq = 0;
		dts = 0;
	}
	int64_t seq = jb->hi_seq + dseq, ts = jb->hi_ts + dts;
	struct sip_jitter_slot *s = &jb->slot[seq % SIP_JITTER_SLOTS];
	if ((s->used && s->seq == seq) || was_played(jb, seq)) {
		jb->stats.duplicates++;
		return SIP_JITTER_DUPLICATE;
	}
	bool behind = jb->played_mask && seq < jb->played_seq;
	if (behind || (jb->playing && ts < jb->covered)) {
		/* Its time was concealed already. */
		jb->stats.late++;
		if (jb->playing) {
			grow_target(jb, jb->frame);
			jb->stall_pending = jb->cfg.adaptive;
		}
		return SIP_JITTER_LATE;
	}
	if (s->used) {
		jb->stats.full++;
		if (s->seq > seq)
			return SIP_JITTER_FULL; /* the newer one stays */
		jb->n_used--;           /* the older one goes */
	}
	uint32_t samples = p->samples ? p->samples : jb->frame;
	if (samples > jb->max_samples)
		samples = jb->max_samples;
	s->used = true;
	s->pt = p->pt;
	s->len = (uint16_t)p->len;
	s->samples = samples;
	s->seq = seq;
	s->ts = ts;
	memcpy(s->data, p->data, p->len);
	jb->n_used++;
	if (dseq > 0) {
		jb->hi_seq16 = p->seq;
		jb->hi_ts32 = p->ts;
		jb->hi_seq = seq;
		jb->hi_ts = ts;
	}
	jb->stats.stored++;
	return SIP_JITTER_STORED;
}

/* The held packet that plays first, or NULL. */
static struct sip_jitter_slot *earliest(struct sip_jitter *jb)
{
	struct sip_jitter_slot *best = NULL;

	if (!jb->n_used)
		return NULL;
	for (unsigned i = 0; i < SIP_JITTER_SLOTS; i++) {
		struct sip_jitter_slot *s = &jb->slot[i];
		if (s->used && (!best || s->ts < best->ts || (s->ts == best->ts && s->seq < best->seq)))
			best = s;
	}
	return best;
}

/* The end of the newest held audio, or covered when nothing is held. */
static int64_t held_end(const struct sip_jitter *jb)
{
	int64_t end = jb->covered;

	for (unsigned i = 0; jb->n_used && i < SIP_JITTER_SLOTS; i++) {
		const struct sip_jitter_slot *s = &jb->slot[i];
		if (s->used && s->ts + s->samples > end)
			end = s->ts + s->samples;
	}
	return end;
}

static void free_slot(struct sip_jitter *jb, struct sip_jitter_slot *s)
{
	s->used = false;
	jb->n_used--;
}

static void add_packet(struct sip_jitter *jb, struct sip_jitter_out *out, struct sip_jitter_slot *s)
{
	struct sip_jitter_part *part = &out->parts[out->n++];

	*part = (struct sip_jitter_part){ .kind = SIP_JITTER_PACKET, .samples = s->samples,
					  .data = s->data, .len = s->len, .pt = s->pt,
					  .seq = (uint16_t)s->seq, .ts = (uint32_t)s->ts };
	if (jb->fresh)
		out->new_stream = true;
	jb->fresh = false;
	mark_played(jb, s->seq);
	free_slot(jb, s);
	jb->stats.played++;
	jb->underrun_run = 0;
}

static void add_lost(struct sip_jitter *jb, struct sip_jitter_out *out, int64_t samples,
		     const struct sip_jitter_slot *next)
{
	struct sip_jitter_part *part = &out->parts[out->n++];

	*part = (struct sip_jitter_part){ .kind = SIP_JITTER_LOST, .samples = (uint32_t)samples };
	if (next && next->ts == jb->covered + samples) {
		part->data = next->data;
		part->len = next->len;
		part->pt = next->pt;
		part->seq = (uint16_t)next->seq;
		part->ts = (uint32_t)next->ts;
	}
	jb->stats.lost++;
}

/* Not playing: start once the first packet has waited the target delay
 * (counting the tick it came in), or a burst already holds that much past
 * the first packet's first frame. Either leaves the packets after it the
 * target less a frame of margin, whatever their duration. */
static bool try_start(struct sip_jitter *jb)
{
	struct sip_jitter_slot *first = earliest(jb);

	if (!first)
		return false;
	jb->wait_ticks++;
	jb->covered = first->ts;
	int64_t beyond = first->samples > jb->frame ? first->samples - jb->frame : 0;
	if ((int64_t)jb->wait_ticks * jb->frame < jb->target &&
	    held_end(jb) - first->ts < jb->target + beyond)
		return false;
	jb->playing = true;
	jb->win = first->ts;
	jb->underrun_run = 0;
	jb->level_min = INT64_MAX;
	jb->level_ticks = 0;
	return true;
}

/* Drops packets that start before what was already handed out (their time
 * was concealed, or overlapped by a longer packet). */
static struct sip_jitter_slot *next_playable(struct sip_jitter *jb)
{
	struct sip_jitter_slot *s;

	while ((s = earliest(jb)) && s->ts < jb->covered) {
		mark_played(jb, s->seq);
		free_slot(jb, s);
		jb->stats.late++;
	}
	return s;
}

/* Once a second: cut the delay by one packet if the buffer never went below
 * the target (a frame above where it settles); relax the target after a
 * quiet spell. */
static void track_level(struct sip_jitter *jb)
{
	int64_t level = held_end(jb) - jb->win;

	if (level > jb->max_target)
		jb->skip_pending = true;
	if (level < jb->level_min)
		jb->level_min = level;
	if (++jb->level_ticks < LEVEL_WINDOW_TICKS)
		return;
	if (jb->level_min >= jb->target)
		jb->skip_pending = true;
	jb->level_ticks = 0;
	jb->level_min = INT64_MAX;
	jb->quiet_ticks += LEVEL_WINDOW_TICKS;
	if (jb->cfg.adaptive && jb->quiet_ticks >= QUIET_TICKS) {
		jb->quiet_ticks = 0;
		if (jb->target - jb->frame >= jb->min_target)
			jb->target -= jb->frame;
	}
}

static void skip_one(struct sip_jitter *jb)
{
	struct sip_jitter_slot *s = next_playable(jb);

	jb->skip_pending = false;
	if (!s || s->ts != jb->covered)
		return;
	jb->covered += s->samples;
	jb->win += s->samples;
	mark_played(jb, s->seq);
	free_slot(jb, s);
	jb->stats.skipped++;
}

void sip_jitter_get(struct sip_jitter *jb, struct sip_jitter_out *out)
{
	out->empty = false;
	out->new_stream = false;
	out->n = 0;
	if (!jb->playing && !try_start(jb)) {
		out->empty = true;
		jb->stats.empty_ticks++;
		return;
	}
	if (jb->covered < jb->win)
		jb->covered = jb->win; /* parts ran out last tick: leave that behind */
	if (jb->skip_pending)
		skip_one(jb);
	struct sip_jitter_slot *s = next_playable(jb);
	if (jb->stall_pending || (!s && jb->covered == jb->win)) {
		/* A late packet, or nothing at all to play: conceal one frame
		 * without moving, so what comes next still fits in. */
		jb->stall_pending = false;
		if (!s) {
			jb->underrun_run += jb->frame;
			if (jb->underrun_run > UNDERRUN_MAX_FRAMES * jb->frame) {
				restart_playout(jb);
				out->empty = true;
				jb->stats.empty_ticks++;
				return;
			}
		}
		jb->stats.underruns++;
		add_lost(jb, out, jb->frame, NULL);
		return;
	}
	if (s && s->ts - jb->covered > jb->max_target && jb->covered == jb->win) {
		/* The next packet is far ahead: a new talkspurt after silence. */
		restart_playout(jb);
		out->empty = true;
		jb->stats.empty_ticks++;
		return;
	}
	/* The packet an underrun waited for came: it was that late. */
	if (jb->underrun_run && s && s->ts == jb->covered)
		grow_target(jb, jb->underrun_run);
	int64_t end = jb->win + jb->frame;
	while (jb->covered < end && out->n < SIP_JITTER_MAX_PARTS) {
		s = next_playable(jb);
		if (s && s->ts < end) {
			if (s->ts > jb->covered) {
				add_lost(jb, out, s->ts - jb->covered, s);
				jb->covered = s->ts;
				continue;
			}
			jb->covered = s->ts + s->samples;
			add_packet(jb, out, s);
			continue;
		}
		add_lost(jb, out, end - jb->covered, s);
		jb->covered = end;
	}
	jb->win = end;
	track_level(jb);
}

unsigned sip_jitter_target_ms(const struct sip_jitter *jb)
{
	return (unsigned)(jb->target * 1000 / jb->cfg.clock_rate);
}
