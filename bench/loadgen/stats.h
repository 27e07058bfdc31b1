/* A latency histogram in microseconds (1 µs resolution below 1 ms, then 512
 * steps per octave, about 0.2%), and quantiles of small sample sets. Plain
 * data: each histogram is written by one thread and merged after a barrier. */
#ifndef LG_STATS_H
#define LG_STATS_H

#include <stddef.h>
#include <stdint.h>

#define HIST_LINEAR 1024
#define HIST_SUB 512
#define HIST_OCTAVES 22 /* up to 2^32 µs */
#define HIST_BUCKETS (HIST_LINEAR + HIST_SUB * HIST_OCTAVES)

struct hist {
	uint64_t n;
	int64_t max;
	uint64_t b[HIST_BUCKETS];
};

void hist_add(struct hist *h, int64_t us);
void hist_merge(struct hist *into, const struct hist *from);
/* The value below which a fraction q (0..1) of samples lie; 0 when empty. */
int64_t hist_quantile(const struct hist *h, double q);

/* Quantile of n samples (sorted in place); 0 when n == 0. */
double sample_quantile(double *v, size_t n, double q);

#endif
