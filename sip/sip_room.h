/* A room as its SIP callers hear it, on the SIP thread: one source per
 * audio track in the room (browsers', WHIP encoders', callers' own), each a
 * jitter buffer and an Opus decoder fed from the worker's tap (sfu_sip.h),
 * and the loudest-N mix-minus mixer (sip_mixer.h).
 *
 * Every 20 ms: sip_room_put for each tapped packet, then sip_room_mix once,
 * then sip_room_output for each caller, who hears everything but its own
 * track. Only the selected sources are decoded; the others' jitter buffers
 * still run and their packets are dropped undecoded.
 *
 * Created by sip_bridge.c when the room's first caller is answered and
 * destroyed when its last caller leaves; SIP thread only. */
#ifndef PARLEY_SIP_ROOM_H
#define PARLEY_SIP_ROOM_H

#include <stdint.h>

#include "sfu/sfu_sip.h"

struct sip_room;

struct sip_room_stats {
	unsigned sources;
	uint64_t packets, not_opus, decoded_frames, mixed_ticks;
};

int sip_room_create(struct sip_room **out, const char *name);
void sip_room_destroy(struct sip_room *r);
const char *sip_room_name(const struct sip_room *r);

/* One tapped packet: a new SSRC makes a new source (at most
 * SIP_MIXER_MAX_SOURCES; more are counted and ignored). */
void sip_room_put(struct sip_room *r, const struct sfu_sip_audio *a, int64_t now_us);
/* The tick: selection, decoding, the mix. Sources not heard for a while go. */
void sip_room_mix(struct sip_room *r, int64_t now_us);
/* What the caller whose track has SSRC own_ssrc hears this tick (960 samples). */
void sip_room_output(struct sip_room *r, uint32_t own_ssrc, int16_t *pcm);

const struct sip_room_stats *sip_room_stats(const struct sip_room *r);

#endif
