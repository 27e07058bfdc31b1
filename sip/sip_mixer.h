/* The room's mix for SIP listeners: each caller hears the room minus their
 * own voice, 20 ms at a time, at 48 kHz mono.
 *
 * Sources are whatever can be heard: the room's audio producers and the
 * callers themselves (so callers hear each other). A caller's source id must
 * be the one its published track counts as, and that track must not be
 * added again as a producer source: the mixer takes the caller's own PCM.
 *
 * Each tick:
 *   1. sip_mixer_set_level for each packet's RFC 6464 level (room producers:
 *      from the header extension; callers: sip_mixer_level of their PCM);
 *   2. sip_mixer_select picks the loudest few (default 3) from those levels
 *      alone, with hysteresis so the choice does not flap;
 *   3. the caller decodes only those sources (the others' jitter buffers
 *      still run, their parts are dropped undecoded; a source that comes back
 *      into the selection is marked fresh, and starts with a fade-in);
 *   4. sip_mixer_mix sums them once (int32), and sip_mixer_output gives each
 *      listener the total minus its own contribution, clipped (or
 *      soft-limited) only at the end. A silent or empty room gives frames of
 *      zeros, never nothing.
 *
 * All state is in the struct (about 20 KiB; no allocation at all). One per
 * room, owned by whoever runs the room's SIP audio, on one thread at a time. */
#ifndef PARLEY_SIP_MIXER_H
#define PARLEY_SIP_MIXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_MIXER_FRAME 960          /* 20 ms at 48 kHz */
#define SIP_MIXER_MAX_SOURCES 64
#define SIP_MIXER_MAX_SELECT 8
#define SIP_MIXER_NO_SOURCE 0        /* a listener with no voice in the room */
/* Sources quieter than this (RFC 6464 level, -dBov) are never mixed: the same
 * bar as the room's active speaker. */
#define SIP_MIXER_SILENT_LEVEL 107

struct sip_mixer_config {
	unsigned max_selected;   /* 1..SIP_MIXER_MAX_SELECT, default 3 */
	unsigned hysteresis_db;  /* a newcomer must be this much louder; default 6 */
	unsigned hold_ticks;     /* a selected source stays at least this long; default 10 (200 ms) */
	bool soft_limit;         /* default true: a soft knee from -2.5 dBFS instead of hard clipping */
};

struct sip_mixer_source {
	uint32_t id;
	int32_t loud_q8;         /* smoothed loudness, (127 - level) * 256 */
	unsigned stale_ticks;    /* since the last level */
	unsigned selected_ticks;
	bool has_level;          /* the first level is taken as it is */
	bool selected;
	bool fresh;              /* selected at the last sip_mixer_select */
};

struct sip_mixer_selection {
	unsigned n;
	uint32_t id[SIP_MIXER_MAX_SELECT];   /* loudest first */
	bool fresh[SIP_MIXER_MAX_SELECT];    /* newly selected: its decoder has a gap */
};

struct sip_mixer_input {
	uint32_t id;
	const int16_t *pcm;      /* SIP_MIXER_FRAME samples, decoded this tick */
};

struct sip_mixer_listener {
	uint32_t own_id;         /* SIP_MIXER_NO_SOURCE when it has none */
	int16_t *out;            /* SIP_MIXER_FRAME samples */
};

struct sip_mixer_stats {
	uint64_t bad_levels;     /* out of 0..127 */
	uint64_t unknown_ids;    /* levels for sources never added */
	uint64_t duplicate_inputs, excess_inputs, null_inputs;
	uint64_t switches;       /* sources newly selected */
	uint64_t clipped;        /* output samples clipped or limited */
};

struct sip_mixer {
	struct sip_mixer_config cfg;
	unsigned n_sources;
	struct sip_mixer_source src[SIP_MIXER_MAX_SOURCES];
	unsigned n_contrib;                  /* inputs in the current mix */
	uint32_t contrib_id[SIP_MIXER_MAX_SELECT];
	int16_t contrib[SIP_MIXER_MAX_SELECT][SIP_MIXER_FRAME];
	int32_t total[SIP_MIXER_FRAME];
	struct sip_mixer_stats stats;
};

void sip_mixer_config_default(struct sip_mixer_config *c);
/* config NULL: the defaults. Returns 0 or -EINVAL. */
int sip_mixer_init(struct sip_mixer *m, const struct sip_mixer_config *config);

/* id: any but SIP_MIXER_NO_SOURCE. Returns 0, -EINVAL, -EEXIST or -ENOSPC. */
int sip_mixer_add_source(struct sip_mixer *m, uint32_t id);
/* Returns 0 or -ENOENT. */
int sip_mixer_remove_source(struct sip_mixer *m, uint32_t id);
/* One packet's level: 0 (loudest, 0 dBov) .. 127 (silence). Returns 0, or
 * -EINVAL (out of range) / -ENOENT (unknown id), counted and ignored. */
int sip_mixer_set_level(struct sip_mixer *m, uint32_t id, int level);

/* Once per tick: which sources to decode and mix. Returns sel->n. */
unsigned sip_mixer_select(struct sip_mixer *m, struct sip_mixer_selection *sel);

/* Sums this tick's decoded inputs (normally the selection). Inputs with id
 * SIP_MIXER_NO_SOURCE or NULL pcm, repeated ids and any past
 * SIP_MIXER_MAX_SELECT are skipped and counted. Then writes each listener's
 * frame (listeners may be NULL when n_listeners is 0). Returns the number of
 * inputs mixed, or -EINVAL when m is NULL or in is NULL with n_in > 0. */
int sip_mixer_mix(struct sip_mixer *m, const struct sip_mixer_input *in, unsigned n_in,
		  const struct sip_mixer_listener *listeners, unsigned n_listeners);
/* One listener's frame from the current mix: everything but own_id. */
void sip_mixer_output(struct sip_mixer *m, uint32_t own_id, int16_t *out);

/* The RFC 6464 level of a frame: -dBov of its RMS, 0..127 (127 for digital
 * silence), for callers' sources and their published track. */
uint8_t sip_mixer_level(const int16_t *pcm, size_t n);

#endif
