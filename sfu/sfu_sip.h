/* Where SIP callers meet a room's media, seen from the SFU side.
 *
 * A caller is an ordinary participant of kind PARTICIPANT_SIP on the room's
 * worker, with no transport of its own: it publishes one Opus audio track
 * and subscribes to nothing. Between the SIP thread and each worker run two
 * lock-free rings (base/spsc_ring), so neither side ever waits on the other:
 *
 *   SIP thread -> worker: the RTP packets of each caller's voice (Opus,
 *     with the RFC 6464 level). The worker takes them as if they had arrived
 *     from a browser: its producer fans them out, re-encrypted per receiver.
 *     The SIP thread wakes the worker once per 20 ms tick (an eventfd).
 *   worker -> SIP thread: a copy of every audio packet any producer in a
 *     room with callers receives (callers' own tracks included), unless the
 *     API muted it. The SIP thread drains this every tick and mixes it for
 *     the callers (sip_room.c).
 *
 * A full ring drops the packet and counts it; media never blocks.
 * Joining and leaving use the ordinary commands (sfu_join, sfu_leave): a
 * SIP participant's producer is created when it joins. */
#ifndef PARLEY_SFU_SIP_H
#define PARLEY_SFU_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/participant.h"
#include "sfu/room.h"
#include "sfu/rtp/rtp_packet.h"

#define SFU_SIP_AUDIO_MAX 1280   /* an audio payload copied to the SIP thread */
#define SFU_SIP_PACKET_MAX 512   /* a caller's RTP packet (Opus at 20 ms fits easily) */

/* One room audio packet for the SIP mixer. */
struct sfu_sip_audio {
	char room[ROOM_NAME_MAX];
	uint32_t ssrc;              /* the producer's: the mixer's source id */
	int16_t level;              /* RFC 6464 0..127, or -1 when the packet had none */
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint16_t len;
	uint8_t payload[SFU_SIP_AUDIO_MAX];
};

struct sfu_sip_stats {
	uint64_t to_sip_dropped;    /* room audio the SIP thread had no room for */
	uint64_t to_worker_dropped; /* callers' packets the worker had no room for */
	uint64_t stale;             /* callers' packets for a participant that is gone */
};

/* Creates the rings and wakers for every worker (after workers_start).
 * Returns 0 or a negative errno. */
int sfu_sip_start(void);
/* On worker w's thread as it stops: its waker goes. */
void sfu_sip_worker_stopping(unsigned w);
/* After the workers have stopped. Safe when sfu_sip_start never ran. */
void sfu_sip_stop(void);
bool sfu_sip_enabled(void);

/* --- SIP thread --- */

/* Queues one RTP packet of a caller's voice for worker w. False when the
 * ring is full (counted). */
bool sfu_sip_publish(unsigned w, const char *room, const char *pid, const uint8_t *rtp, size_t len);
/* Wakes every worker that has packets queued since the last flush. */
void sfu_sip_flush(void);
/* The oldest room audio packet from worker w, or NULL; release it with
 * sfu_sip_audio_done before asking for the next. */
const struct sfu_sip_audio *sfu_sip_next_audio(unsigned w);
void sfu_sip_audio_done(unsigned w);

void sfu_sip_read_stats(struct sfu_sip_stats *out);

/* --- worker --- */

/* A SIP participant has been added to r: its producer, and the room's tap. */
int sfu_sip_attach(struct room *r, struct participant *p);
/* It is leaving r. */
void sfu_sip_detach(struct room *r, struct participant *p);
/* Per audio packet in a room with callers (producer.c). */
void sfu_sip_tap(const struct room *r, uint32_t ssrc, const struct rtp_view *v, int level);

#endif
