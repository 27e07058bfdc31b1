/* Opus for SIP audio: thin wrappers over libopus at 48 kHz mono, the rate
 * of the room mix.
 *
 * The decoder turns a room producer's or a caller's packets into PCM and
 * conceals losses (libopus PLC, or in-band FEC from the next packet when it
 * carries any). A malformed packet is never an error for the caller: it is
 * counted and concealed like a lost one.
 * The encoder makes the caller's voice into the audio track published in the
 * room (and the stream sent to callers who negotiated Opus): VOIP
 * application, in-band FEC on, DTX off, so subscribers always get packets.
 *
 * Each object is allocated once at create (libopus's own state) and never
 * again: decoding and encoding a frame allocate nothing. An object belongs to
 * whoever created it (a call leg, or the room mixer's source) and may be used
 * by one thread at a time. */
#ifndef PARLEY_SIP_OPUS_H
#define PARLEY_SIP_OPUS_H

#include <stddef.h>
#include <stdint.h>

#define SIP_OPUS_RATE 48000
#define SIP_OPUS_FRAME 960            /* 20 ms at 48 kHz */
#define SIP_OPUS_MAX_SAMPLES 5760     /* 120 ms: the longest Opus packet */
#define SIP_OPUS_MAX_PACKET 1275      /* largest single frame (RFC 6716 3.4) */

struct sip_opus_dec;

struct sip_opus_dec_stats {
	uint64_t packets;     /* decoded */
	uint64_t malformed;   /* rejected by libopus or too long: concealed */
	uint64_t concealed;   /* PLC runs, including for malformed packets */
	uint64_t fec;         /* losses decoded from the next packet's FEC data
			       * (libopus falls back to PLC if it carries none) */
};

/* A decoder with mono output at 48 kHz; stereo streams are downmixed.
 * Returns 0, -ENOMEM or -EINVAL (libopus refused). */
int sip_opus_dec_create(struct sip_opus_dec **out);
/* NULL is fine. */
void sip_opus_dec_destroy(struct sip_opus_dec *d);
/* A new stream (SSRC change): forgets the decoder state. */
void sip_opus_dec_reset(struct sip_opus_dec *d);

/* Decodes one packet into pcm (cap samples, at least SIP_OPUS_FRAME).
 * Returns the number of samples written (> 0). A malformed packet, or one
 * longer than cap, is concealed instead: the samples of the last good packet
 * (20 ms before any), capped to cap. -EINVAL for bad arguments only. */
int sip_opus_dec_decode(struct sip_opus_dec *d, const uint8_t *pkt, size_t len,
			int16_t *pcm, size_t cap);

/* Conceals `samples` lost samples (rounded up to 2.5 ms, at most cap and
 * 120 ms). next/next_len: the packet that follows the loss, if the jitter
 * buffer has it, else NULL: its FEC (LBRR) data then rebuilds the end of the
 * loss, libopus PLC the rest. The next packet must still be decoded
 * normally afterwards. Returns the samples written, or -EINVAL. */
int sip_opus_dec_conceal(struct sip_opus_dec *d, size_t samples, const uint8_t *next,
			 size_t next_len, int16_t *pcm, size_t cap);

/* Samples in a packet at 48 kHz (for the jitter buffer), or -EINVAL when the
 * packet is malformed. */
int sip_opus_packet_samples(const uint8_t *pkt, size_t len);

const struct sip_opus_dec_stats *sip_opus_dec_stats(const struct sip_opus_dec *d);

struct sip_opus_enc;

struct sip_opus_enc_config {
	/* Input sample rate: 48000 (default), or 8000 / 16000 to encode a
	 * G.711 / G.722 caller's voice as it came, which costs a third to a
	 * half of encoding it at 48 kHz and loses nothing (any decoder plays
	 * it at 48 kHz). */
	int rate;
	int bitrate;        /* bits/s; default 28000 */
	int complexity;     /* 0..10; default 1 (costs measured in sip_opus.c) */
	int loss_percent;   /* expected loss, sizes the FEC; default 10 */
	int fec;            /* in-band FEC; default on */
};

/* The defaults above: the track published for a caller. */
void sip_opus_enc_config_default(struct sip_opus_enc_config *c);

/* An encoder for 20 ms frames of mono at config->rate, VOIP application,
 * DTX off. config NULL: the defaults. Returns 0, -ENOMEM or -EINVAL. */
int sip_opus_enc_create(struct sip_opus_enc **out, const struct sip_opus_enc_config *config);
void sip_opus_enc_destroy(struct sip_opus_enc *e);
/* Encodes one 20 ms frame (rate / 50 samples) into out. Returns the
 * packet's length (> 0), or -ENOSPC / -EINVAL. cap SIP_OPUS_MAX_PACKET
 * always suffices. */
int sip_opus_enc_encode(struct sip_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap);

#endif
