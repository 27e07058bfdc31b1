/* G.711 coding, the 48 -> 8/16 kHz resampler and PCM loss concealment
 * (see sip_g711.h). Pure and allocation-free. */
#include "sip/sip_g711.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* ---- G.711 ----
 * The tables are the reference decoder's outputs (ITU-T G.191 g711.c). The
 * encoders follow the reference: u-law works on the 14-bit magnitude plus a
 * bias of 33, A-law on the 13-bit magnitude; segment_of[k] is the index of
 * the highest set bit of k (floor(log2 k)), so the segment needs no loop. */

static const int16_t ulaw_to_linear[256] = {
	-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
	-23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
	-15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
	-11900, -11388, -10876, -10364,  -9852,  -9340,  -8828,  -8316,
	 -7932,  -7676,  -7420,  -7164,  -6908,  -6652,  -6396,  -6140,
	 -5884,  -5628,  -5372,  -5116,  -4860,  -4604,  -4348,  -4092,
	 -3900,  -3772,  -3644,  -3516,  -3388,  -3260,  -3132,  -3004,
	 -2876,  -2748,  -2620,  -2492,  -2364,  -2236,  -2108,  -1980,
	 -1884,  -1820,  -1756,  -1692,  -1628,  -1564,  -1500,  -1436,
	 -1372,  -1308,  -1244,  -1180,  -1116,  -1052,   -988,   -924,
	  -876,   -844,   -812,   -780,   -748,   -716,   -684,   -652,
	  -620,   -588,   -556,   -524,   -492,   -460,   -428,   -396,
	  -372,   -356,   -340,   -324,   -308,   -292,   -276,   -260,
	  -244,   -228,   -212,   -196,   -180,   -164,   -148,   -132,
	  -120,   -112,   -104,    -96,    -88,    -80,    -72,    -64,
	   -56,    -48,    -40,    -32,    -24,    -16,     -8,      0,
	 32124,  31100,  30076,  29052,  28028,  27004,  25980,  24956,
	 23932,  22908,  21884,  20860,  19836,  18812,  17788,  16764,
	 15996,  15484,  14972,  14460,  13948,  13436,  12924,  12412,
	 11900,  11388,  10876,  10364,   9852,   9340,   8828,   8316,
	  7932,   7676,   7420,   7164,   6908,   6652,   6396,   6140,
	  5884,   5628,   5372,   5116,   4860,   4604,   4348,   4092,
	  3900,   3772,   3644,   3516,   3388,   3260,   3132,   3004,
	  2876,   2748,   2620,   2492,   2364,   2236,   2108,   1980,
	  1884,   1820,   1756,   1692,   1628,   1564,   1500,   1436,
	  1372,   1308,   1244,   1180,   1116,   1052,    988,    924,
	   876,    844,    812,    780,    748,    716,    684,    652,
	   620,    588,    556,    524,    492,    460,    428,    396,
	   372,    356,    340,    324,    308,    292,    276,    260,
	   244,    228,    212,    196,    180,    164,    148,    132,
	   120,    112,    104,     96,     88,     80,     72,     64,
	    56,     48,     40,     32,     24,     16,      8,      0,
};

static const int16_t alaw_to_linear[256] = {
	 -5504,  -5248,  -6016,  -5760,  -4480,  -4224,  -4992,  -4736,
	 -7552,  -7296,  -8064,  -7808,  -6528,  -6272,  -7040,  -6784,
	 -2752,  -2624,  -3008,  -2880,  -2240,  -2112,  -2496,  -2368,
	 -3776,  -3648,  -4032,  -3904,  -3264,  -3136,  -3520,  -3392,
	-22016, -20992, -24064, -23040, -17920, -16896, -19968, -18944,
	-30208, -29184, -32256, -31232, -26112, -25088, -28160, -27136,
	-11008, -10496, -12032, -11520,  -8960,  -8448,  -9984,  -9472,
	-15104, -14592, -16128, -15616, -13056, -12544, -14080, -13568,
	  -344,   -328,   -376,   -360,   -280,   -264,   -312,   -296,
	  -472,   -456,   -504,   -488,   -408,   -392,   -440,   -424,
	   -88,    -72,   -120,   -104,    -24,     -8,    -56,    -40,
	  -216,   -200,   -248,   -232,   -152,   -136,   -184,   -168,
	 -1376,  -1312,  -1504,  -1440,  -1120,  -1056,  -1248,  -1184,
	 -1888,  -1824,  -2016,  -1952,  -1632,  -1568,  -1760,  -1696,
	  -688,   -656,   -752,   -720,   -560,   -528,   -624,   -592,
	  -944,   -912,  -1008,   -976,   -816,   -784,   -880,   -848,
	  5504,   5248,   6016,   5760,   4480,   4224,   4992,   4736,
	  7552,   7296,   8064,   7808,   6528,   6272,   7040,   6784,
	  2752,   2624,   3008,   2880,   2240,   2112,   2496,   2368,
	  3776,   3648,   4032,   3904,   3264,   3136,   3520,   3392,
	 22016,  20992,  24064,  23040,  17920,  16896,  19968,  18944,
	 30208,  29184,  32256,  31232,  26112,  25088,  28160,  27136,
	 11008,  10496,  12032,  11520,   8960,   8448,   9984,   9472,
	 15104,  14592,  16128,  15616,  13056,  12544,  14080,  13568,
	   344,    328,    376,    360,    280,    264,    312,    296,
	   472,    456,    504,    488,    408,    392,    440,    424,
	    88,     72,    120,    104,     24,      8,     56,     40,
	   216,    200,    248,    232,    152,    136,    184,    168,
	  1376,   1312,   1504,   1440,   1120,   1056,   1248,   1184,
	  1888,   1824,   2016,   1952,   1632,   1568,   1760,   1696,
	   688,    656,    752,    720,    560,    528,    624,    592,
	   944,    912,   1008,    976,    816,    784,    880,    848,
};

static const uint8_t segment_of[256] = {
	0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
};

#define ULAW_BIAS 33
#define ULAW_CLIP 8159

uint8_t sip_g711_ulaw_encode(int16_t sample)
{
	int v = sample >> 2; /* 14 bits */
	uint8_t mask = 0xff;

	if (v < 0) {
		v = -v;
		mask = 0x7f;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS; /* 33 .. 8192 */
	if (v > 0x1fff)
		v = 0x1fff; /* the clipped top of segment 7 */
	unsigned seg = segment_of[v >> 5];
	unsigned mant = ((unsigned)v >> (seg + 1)) & 0x0f;
	return (uint8_t)((seg << 4 | mant) ^ mask);
}

int16_t sip_g711_ulaw_decode(uint8_t code)
{
	return ulaw_to_linear[code];
}

uint8_t sip_g711_alaw_encode(int16_t sample)
{
	int v = sample >> 3; /* 13 bits */
	uint8_t mask = 0xd5;

	if (v < 0) {
		v = -v - 1; /* 0 .. 4095 */
		mask = 0x55;
	}
	unsigned seg = segment_of[v >> 4];
	unsigned mant = ((unsigned)v >> (seg < 2 ? 1 : seg)) & 0x0f;
	return (uint8_t)((seg << 4 | mant) ^ mask);
}

int16_t sip_g711_alaw_decode(uint8_t code)
{
	return alaw_to_linear[code];
}

void sip_g711_encode(enum sip_g711_law law, const int16_t *pcm, size_t n, uint8_t *out)
{
	if (law == SIP_G711_ALAW)
		for (size_t i = 0; i < n; i++)
			out[i] = sip_g711_alaw_encode(pcm[i]);
	else
		for (size_t i = 0; i < n; i++)
			out[i] = sip_g711_ulaw_encode(pcm[i]);
}

void sip_g711_decode(enum sip_g711_law law, const uint8_t *in, size_t n, int16_t *pcm)
{
	const int16_t *t = law == SIP_G711_ALAW ? alaw_to_linear : ulaw_to_linear;

	for (size_t i = 0; i < n; i++)
		pcm[i] = t[in[i]];
}

uint8_t sip_g711_silence(enum sip_g711_law law)
{
	return law == SIP_G711_ALAW ? 0xd5 : 0xff;
}

/* ---- Resampler ---- */

#define KAISER_BETA 7.0
#define PI 3.14159265358979323846

/* Modified Bessel function of the first kind, order 0 (power series). */
static double bessel_i0(double x)
{
	double sum = 1.0, term = 1.0;

	for (int k = 1; k < 50; k++) {
		term *= (x / (2.0 * k)) * (x / (2.0 * k));
		sum += term;
		if (term < sum * 1e-12)
			break;
	}
	return sum;
}

/* The prototype low-pass at 48 kHz, n taps, cutoff (-6 dB) at cutoff_hz,
 * with unity gain at DC. */
static void design_lowpass(double *h, unsigned n, double cutoff_hz)
{
	double fc = cutoff_hz / 48000.0, mid = (n - 1) / 2.0, sum = 0;

	for (unsigned i = 0; i < n; i++) {
		double t = i - mid;
		double sinc = t == 0 ? 2 * fc : sin(2 * PI * fc * t) / (PI * t);
		double r = t / (mid + 0.5);
		double w = bessel_i0(KAISER_BETA * sqrt(1 - r * r)) / bessel_i0(KAISER_BETA);
		h[i] = sinc * w;
		sum += h[i];
	}
	for (unsigned i = 0; i < n; i++)
		h[i] /= sum;
}

int sip_resampler_init(struct sip_resampler *r, unsigned out_rate)
{
	if (!r || (out_rate != 8000 && out_rate != 16000 && out_rate != 48000))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->out_rate = out_rate;
	r->factor = 48000 / out_rate;
	if (r->factor == 1)
		return 0;

	/* Cut-off a little below the low rate's Nyquist frequency: what folds
	 * back lands above 3.8 (7.6) kHz, outside the telephone band. */
	double h[SIP_RESAMPLER_MAX_TAPS];
	r->len = r->factor * SIP_RESAMPLER_TAPS_PER_PHASE;
	design_lowpass(h, r->len, out_rate * 0.475);
	for (unsigned k = 0; k < r->len; k++)
		r->coef[k] = (float)h[r->len - 1 - k];
	return 0;
}

void sip_resampler_reset(struct sip_resampler *r)
{
	memset(r->hist, 0, sizeof(r->hist));
	r->pos = 0;
	r->phase = 0;
}

size_t sip_resampler_out_len(const struct sip_resampler *r, size_t n_in)
{
	if (r->factor == 1)
		return n_in;
	return (r->phase + n_in) / r->factor;
}

static inline void push(struct sip_resampler *r, float x)
{
	r->hist[r->pos] = x;
	r->hist[r->pos + r->len] = x;
	r->pos = r->pos + 1 == r->len ? 0 : r->pos + 1;
}

/* After push, the last len samples, oldest first, start at hist + pos.
 * n is a multiple of 8. Written with GCC/clang vector types: a plain
 * running sum is not vectorized at -O2 (nor at all without -ffast-math, as
 * that reorders the additions), and this loop is most of a call's cost. */
typedef float v4f __attribute__((vector_size(16)));

static inline float dot(const float *c, const float *w, unsigned n)
{
	v4f a0 = { 0 }, a1 = { 0 };

	for (unsigned k = 0; k < n; k += 8) {
		v4f c0, c1, w0, w1;
		memcpy(&c0, c + k, sizeof(c0));
		memcpy(&c1, c + k + 4, sizeof(c1));
		memcpy(&w0, w + k, sizeof(w0));
		memcpy(&w1, w + k + 4, sizeof(w1));
		a0 += c0 * w0;
		a1 += c1 * w1;
	}
	a0 += a1;
	return (a0[0] + a0[2]) + (a0[1] + a0[3]);
}

static inline int16_t to_pcm(float x)
{
	if (x >= 32767.0f)
		return 32767;
	if (x <= -32768.0f)
		return -32768;
	return (int16_t)lrintf(x);
}

int sip_resampler_process(struct sip_resampler *r, const int16_t *in, size_t n_in,
			  int16_t *out, size_t out_cap)
{
	if (!r || (!in && n_in) || (!out && out_cap) || r->factor == 0)
		return -EINVAL;
	size_t need = sip_resampler_out_len(r, n_in);
	if (need > out_cap)
		return -ENOSPC;
	if (need > (size_t)INT32_MAX)
		return -EINVAL;
	if (r->factor == 1) {
		memcpy(out, in, n_in * sizeof(*in));
		return (int)n_in;
	}
	size_t o = 0;
	for (size_t i = 0; i < n_in; i++) {
		push(r, in[i]);
		if (++r->phase == r->factor) {
			r->phase = 0;
			out[o++] = to_pcm(dot(r->coef, r->hist + r->pos, r->len));
		}
	}
	return (int)o;
}

/* ---- Loss concealment ---- */

int sip_plc_init(struct sip_plc *p, unsigned rate)
{
	if (!p || (rate != 8000 && rate != 16000))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->rate = rate;
	p->hist_len = rate / 1000 * 30;
	return 0;
}

static void remember(struct sip_plc *p, const int16_t *pcm, size_t n)
{
	if (n >= p->hist_len) {
		memcpy(p->hist, pcm + n - p->hist_len, p->hist_len * sizeof(*pcm));
		return;
	}
	memmove(p->hist, p->hist + n, (p->hist_len - n) * sizeof(*pcm));
	memcpy(p->hist + p->hist_len - n, pcm, n * sizeof(*pcm));
}

/* The lag in [2.5 ms, 15 ms] whose normalized correlation with the last
 * 10 ms is highest. */
static unsigned find_pitch(const struct sip_plc *p)
{
	unsigned win = p->rate / 100, min = p->rate / 400, max = p->rate * 3 / 200;
	const int16_t *x = p->hist + p->hist_len - win;
	unsigned best = max;
	double best_score = -1;

	for (unsigned lag = min; lag <= max; lag++) {
		const int16_t *y = x - lag;
		double xy = 0, yy = 1;
		for (unsigned i = 0; i < win; i++) {
			xy += (double)x[i] * y[i];
			yy += (double)y[i] * y[i];
		}
		double score = xy > 0 ? xy * xy / yy : -xy * xy / yy;
		if (score > best_score) {
			best_score = score;
			best = lag;
		}
	}
	return best;
}

/* The next concealment sample, without touching history. */
static int16_t synth(struct sip_plc *p)
{
	unsigned full = p->rate / 100, end = p->rate * 6 / 100; /* 10 ms, 60 ms */
	int32_t s = p->period[p->pitch_pos];

	if (++p->pitch_pos == p->pitch)
		p->pitch_pos = 0;
	if (p->lost >= end)
		s = 0;
	else if (p->lost > full)
		s = (int32_t)((int64_t)s * (end - p->lost) / (end - full));
	p->lost++;
	return (int16_t)s;
}

void sip_plc_conceal(struct sip_plc *p, int16_t *out, size_t n)
{
	if (!p || !out || !n)
		return;
	if (!p->lost) {
		p->pitch = find_pitch(p);
		p->pitch_pos = 0;
		memcpy(p->period, p->hist + p->hist_len - p->pitch, p->pitch * sizeof(int16_t));
	}
	for (size_t i = 0; i < n; i++)
		out[i] = synth(p);
	remember(p, out, n);
}

void sip_plc_good(struct sip_plc *p, int16_t *pcm, size_t n)
{
	if (!p || !pcm || !n)
		return;
	if (p->lost) {
		size_t fade = p->rate / 250; /* 4 ms */
		if (fade > n)
			fade = n;
		for (size_t i = 0; i < fade; i++) {
			int32_t syn = synth(p);
			pcm[i] = (int16_t)((syn * (int32_t)(fade - i) + pcm[i] * (int32_t)i) / (int32_t)fade);
		}
		p->lost = 0;
	}
	remember(p, pcm, n);
}
