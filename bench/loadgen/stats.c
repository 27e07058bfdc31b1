/* Histogram buckets: values below HIST_LINEAR have one bucket each; above,
 * each power of two is cut into HIST_SUB equal steps. */
#include "bench/loadgen/stats.h"

#include <stdlib.h>

static unsigned bucket_of(uint64_t v)
{
	if (v < HIST_LINEAR)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v); /* >= 10 */
	unsigned shift = msb - 9;
	unsigned octave = msb - 10;
	if (octave >= HIST_OCTAVES)
		return HIST_BUCKETS - 1;
	return HIST_LINEAR + octave * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

static int64_t bucket_value(unsigned i)
{
	if (i < HIST_LINEAR)
		return i;
	unsigned octave = (i - HIST_LINEAR) / HIST_SUB;
	unsigned step = (i - HIST_LINEAR) % HIST_SUB;
	return (int64_t)(HIST_SUB + step) << (octave + 1);
}

void hist_add(struct hist *h, int64_t us)
{
	if (us < 0)
		us = 0;
	h->b[bucket_of((uint64_t)us)]++;
	h->n++;
	if (us > h->max)
		h->max = us;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->b[i] += from->b[i];
	into->n += from->n;
	if (from->max > into->max)
		into->max = from->max;
}

int64_t hist_quantile(const struct hist *h, double q)
{
	if (!h->n)
		return 0;
	uint64_t want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want)
			return bucket_value(i) < h->max ? bucket_value(i) : h->max;
	}
	return h->max;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double sample_quantile(double *v, size_t n, double q)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	size_t i = (size_t)(q * (double)n);
	return v[i >= n ? n - 1 : i];
}
