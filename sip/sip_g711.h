/* PCM audio for SIP callers: G.711 (PCMU, PCMA) at 8 kHz, a resampler
 * between the callers' 8/16 kHz and the room mix's 48 kHz, and loss
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

/* ---- Resampler: 8000 or 16000 Hz <-> 48000 Hz, mono int16 ----
 * A polyphase FIR (Kaiser-windowed sinc, beta 7, 48 taps per phase: 288 taps
 * for 8 kHz, 144 for 16 kHz), in float, with its history kept across calls,
 * so a stream cut into frames of any size gives exactly the output of one
 * call on the whole stream. Same-rate "resampling" is a copy.
 * Quality (measured with tones; tests/unit/test_sip_g711.c checks it):
 *   8 kHz:  flat within 0.1 dB to 3.5 kHz, -6 dB at 3.8 kHz; what would
 *           alias (48 -> 8) or image (8 -> 48) is down at least 72 dB from
 *           4.2 kHz on, so the telephone band (300-3400 Hz) is clean; delay
 *           3.0 ms (143.5 samples at 48 kHz).
 *   16 kHz: flat within 0.1 dB to 7.0 kHz, -6 dB at 7.6 kHz, aliases and
 *           images down at least 72 dB from 8.4 kHz on; delay 1.5 ms.
 * Cost: 48 multiply-adds per 48 kHz sample up, 288 or 144 per low-rate
 * sample down: about 46,000 per 20 ms frame either way, some 9 us each way
 * on a 2.1 GHz EPYC (4-wide vector code at -O2). */
#define SIP_RESAMPLER_TAPS_PER_PHASE 48
#define SIP_RESAMPLER_MAX_TAPS (6 * SIP_RESAMPLER_TAPS_PER_PHASE)

struct sip_resampler {
	unsigned in_rate, out_rate;
	unsigned factor;   /* 1 (copy), 3 or 6 */
	bool up;           /* interpolating (low rate to 48 kHz) */
	unsigned len;      /* history length: taps per phase up, all taps down */
	unsigned pos;      /* next write index in hist, 0..len-1 */
	unsigned phase;    /* down: inputs taken since the last output */
	/* up: factor phases of len coefficients each; down: len coefficients.
	 * Stored time-reversed, so each output is one dot product with the
	 * history window. */
	float coef[SIP_RESAMPLER_MAX_TAPS];
	/* history, twice over (hist[i] == hist[i + len]), so the last len
	 * samples are always contiguous at hist + pos */
	float hist[2 * SIP_RESAMPLER_MAX_TAPS];
};

/* in_rate and out_rate: one of them 48000, the other 8000, 16000 or 48000.
 * Returns 0 or -EINVAL. */
int sip_resampler_init(struct sip_resampler *r, unsigned in_rate, unsigned out_rate);
/* Forgets the history (a new stream), keeping the rates. */
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
