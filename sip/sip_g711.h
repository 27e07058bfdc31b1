/* PCM audio for SIP callers: G.711 (PCMU, PCMA) at 8 kHz, a resampler
 * from the room mix's 48 kHz to the callers' 8/16 kHz, and loss
 * concealment for the PCM codecs (which have none of their own).
 *
 * Pure code: no threads, no I/O, no allocation. Every state is a struct the
 * caller owns (embed it in the call leg); nothing is shared, so each struct
 * may be used by one thread at a time, and different structs by different
 * threads. The G.711 functions have no state at all. */
#ifndef PARLEY_SIP_G711_H
#define PARLEY_SIP_G711_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- G.711 (ITU-T G.711, bit-exact with its reference coder) ----
 * Decoding is a 256-entry table; encoding finds the segment with a 256-entry
 * table. Every byte is a valid code word, so decoding cannot fail. */
uint8_t sip_g711_ulaw_encode(int16_t sample);
int16_t sip_g711_ulaw_decode(uint8_t code);
uint8_t sip_g711_alaw_encode(int16_t sample);
int16_t sip_g711_alaw_decode(uint8_t code);

enum sip_g711_law { SIP_G711_ULAW, SIP_G711_ALAW }; /* PCMU (PT 0), PCMA (PT 8) */

/* n samples <-> n bytes. The buffers may not overlap. */
void sip_g711_encode(enum sip_g711_law law, const int16_t *pcm, size_t n, uint8_t *out);
void sip_g711_decode(enum sip_g711_law law, const uint8_t *in, size_t n, int16_t *pcm);

/* The byte that decodes to (nearly) zero: what a silent frame is made of. */
uint8_t sip_g711_silence(enum sip_g711_law law);

/* ---- Resampler: 48000 Hz down to 8000 or 16000 Hz, mono int16 ----
 * What a caller hears: the room mix is at 48 kHz, G.711 at 8 and G.722 at
 * 16. (The other way needs none: a caller's voice is Opus-encoded at the
 * rate it was decoded at.)
 * A decimating FIR (Kaiser-windowed sinc, beta 7: 288 taps for 8 kHz, 144
 * for 16 kHz), in float, with its history kept across calls, so a stream
 * cut into frames of any size gives exactly the output of one call on the
 * whole stream. 48000 to 48000 is a copy.
 * Quality (measured with tones; tests/unit/test_sip_g711.c checks it):
 *   8 kHz:  flat within 0.1 dB to 3.5 kHz, -6 dB at 3.8 kHz; what would
 *           alias is down at least 72 dB from 4.2 kHz on, so the telephone
 *           band (300-3400 Hz) is clean; delay 3.0 ms.
 *   16 kHz: flat within 0.1 dB to 7.0 kHz, -6 dB at 7.6 kHz, aliases down
 *           at least 72 dB from 8.4 kHz on; delay 1.5 ms.
 * Cost: 288 or 144 multiply-adds per output sample, about 46,000 per 20 ms
 * frame, some 9 us on a 2.1 GHz EPYC (4-wide vector code at -O2). */
#define SIP_RESAMPLER_TAPS_PER_PHASE 48
#define SIP_RESAMPLER_MAX_TAPS (6 * SIP_RESAMPLER_TAPS_PER_PHASE)

struct sip_resampler {
	unsigned out_rate;
	unsigned factor;   /* 1 (copy), 3 or 6 */
	unsigned len;      /* taps, and the history's length */
	unsigned pos;      /* next write index in hist, 0..len-1 */
	unsigned phase;    /* inputs taken since the last output */
	/* Stored time-reversed, so each output is one dot product with the
	 * history window. */
	float coef[SIP_RESAMPLER_MAX_TAPS];
	/* history, twice over (hist[i] == hist[i + len]), so the last len
	 * samples are always contiguous at hist + pos */
	float hist[2 * SIP_RESAMPLER_MAX_TAPS];
};

/* From 48 kHz to out_rate: 8000, 16000 or 48000. Returns 0 or -EINVAL. */
int sip_resampler_init(struct sip_resampler *r, unsigned out_rate);
/* Forgets the history (a new stream), keeping the rate. */
void sip_resampler_reset(struct sip_resampler *r);
/* How many samples the next call with n_in inputs writes. */
size_t sip_resampler_out_len(const struct sip_resampler *r, size_t n_in);
/* Resamples n_in samples into out. Returns the number written, or -ENOSPC
 * (nothing consumed) when out_cap is too small, or -EINVAL. in and out may
 * not overlap. */
int sip_resampler_process(struct sip_resampler *r, const int16_t *in, size_t n_in,
			  int16_t *out, size_t out_cap);

/* ---- Loss concealment for PCM codecs (G.711, G.722) at 8 or 16 kHz ----
 * In the manner of G.711 Appendix I: at a loss, the pitch period of the last
 * 10 ms is found (2.5 to 15 ms, normalized autocorrelation) and the last
 * period repeated; the first 10 ms keep full level, then the level falls
 * linearly to silence at 60 ms. The first 4 ms of audio after a loss are
 * cross-faded with the continued concealment so the joint has no click. */
#define SIP_PLC_MAX_RATE 16000
#define SIP_PLC_HIST (SIP_PLC_MAX_RATE / 1000 * 30)   /* 30 ms */

struct sip_plc {
	unsigned rate;
	unsigned hist_len;          /* 30 ms at rate */
	int16_t hist[SIP_PLC_HIST]; /* the last hist_len samples played, oldest first */
	unsigned lost;              /* samples concealed in the current loss, 0: none */
	unsigned pitch;             /* period being repeated, in samples */
	unsigned pitch_pos;         /* next sample of that period to repeat */
	int16_t period[SIP_PLC_HIST]; /* the repeated period, taken at the loss */
};

/* rate: 8000 or 16000. Returns 0 or -EINVAL. */
int sip_plc_init(struct sip_plc *p, unsigned rate);
/* Audio that arrived: remembered, and after a loss its start is cross-faded
 * in place with the concealment. */
void sip_plc_good(struct sip_plc *p, int16_t *pcm, size_t n);
/* Fills out with n samples of concealment. */
void sip_plc_conceal(struct sip_plc *p, int16_t *out, size_t n);

#endif
