/* Signal helpers for the SIP audio tests: tone generation and a Goertzel
 * filter that measures one frequency's amplitude in a block of samples. */
#ifndef PARLEY_SIP_AUDIO_TEST_UTIL_H
#define PARLEY_SIP_AUDIO_TEST_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* n samples of amp * sin(2 pi f t + phase) at rate, starting at sample start. */
static inline void tone(int16_t *x, size_t n, double f, double amp, unsigned rate, size_t start)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2 * M_PI * f * (double)(start + i) / rate));
}

/* The amplitude of frequency f in x (exact when the block holds whole cycles). */
static inline double goertzel(const int16_t *x, size_t n, double f, unsigned rate)
{
	double w = 2 * M_PI * f / rate, c = 2 * cos(w), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	double re = s1 - s2 * cos(w), im = s2 * sin(w);
	return 2 * sqrt(re * re + im * im) / (double)n;
}

static inline double db(double ratio)
{
	return 20 * log10(ratio + 1e-12);
}

#endif
