/* The media leg of one SIP call: its RTP and RTCP sockets (a pair from
 * sip_rtp_port_min..max, RTCP on RTP + 1, or muxed), SDES-SRTP when
 * negotiated, and the 20 ms media tick:
 *
 *   receive: socket -> (SRTP) -> RTP view -> telephone-event to sip_dtmf,
 *            audio to the jitter buffer (sip_jitter)
 *   tick:    jitter buffer -> decode (G.711 / G.722 / Opus, PLC) -> audio
 *            callback at the codec's rate;  fill callback (48 kHz, or
 *            silence) -> down to the codec's rate -> encode -> RTP
 *   every ~5 s: an RTCP SR (RR while we do not send)
 *
 * Symmetric RTP: the send address follows the first RTP (and RTCP) packet
 * received after each (re)negotiation, whatever the SDP said.
 *
 * Owned by its call (sip_call.c); created, ticked and destroyed on the SIP
 * thread, its sockets are GSources on that thread's context. */
#ifndef PARLEY_SIP_MEDIA_H
#define PARLEY_SIP_MEDIA_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip_sdp.h"

#define SIP_MEDIA_FRAME 960   /* 20 ms at 48 kHz */

struct sip_media;

struct sip_media_callbacks {
	/* 20 ms of the caller's voice (only while the caller sends), at the rate
	 * its codec decodes at: 8000 (G.711), 16000 (G.722) or 48000 (Opus). */
	void (*audio)(void *owner, const int16_t *pcm, size_t samples, unsigned rate);
	/* What the caller should hear; false: silence. */
	bool (*fill)(void *owner, int16_t *pcm48k, size_t samples);
	/* A key pressed (RFC 4733); how: "rtp". */
	void (*dtmf)(void *owner, char digit, const char *how);
};

struct sip_media_stats {
	uint64_t rx_packets, rx_bytes, rx_rtcp, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_rtcp;
};

/* Binds an RTP/RTCP pair on address within [port_min, port_max] (both 0:
 * any). Returns 0, -EADDRINUSE (range exhausted) or another negative errno. */
int sip_media_create(struct sip_media **out, GMainContext *ctx, const char *address,
		     int port_min, int port_max, const struct sip_media_callbacks *cb, void *owner);
void sip_media_destroy(struct sip_media *m);

uint16_t sip_media_port(const struct sip_media *m);

/* (Re)configures the leg from an offer/answer outcome: codec, keys,
 * destination, direction. Decoders are reset only when the codec changes.
 * Returns 0, or a negative errno with a reason in err. */
int sip_media_apply(struct sip_media *m, const struct sip_media_choice *c, char *err, size_t errlen);

/* The call is established: the media timeout counts from now. */
void sip_media_start(struct sip_media *m);

/* The tick: receive side, then send side (when the direction sends). */
void sip_media_tick(struct sip_media *m, int64_t now_us);

/* Microseconds since the last RTP packet (or since apply, before any). */
int64_t sip_media_idle_us(const struct sip_media *m, int64_t now_us);
/* True when we expect the caller's RTP: the direction is sendrecv (hold in
 * either direction is not "dead"). */
bool sip_media_expects_rtp(const struct sip_media *m);

const struct sip_media_stats *sip_media_stats(const struct sip_media *m);

#endif
