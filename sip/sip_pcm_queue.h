/* Decoded audio (at the codec's rate) waiting for its 20 ms tick. A jitter buffer hands
 * out whole packets (up to 120 ms), the tick plays 20 ms: the queue holds
 * the difference. Fixed size, no allocation; owned by its decoder's owner. */
#ifndef PARLEY_SIP_PCM_QUEUE_H
#define PARLEY_SIP_PCM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_PCM_QUEUE_MAX (5760 + 2 * 960)   /* the longest Opus packet and two frames */

struct sip_pcm_queue {
	size_t n;
	int16_t pcm[SIP_PCM_QUEUE_MAX];
};

static inline void sip_pcm_queue_clear(struct sip_pcm_queue *q)
{
	q->n = 0;
}

/* Appends n samples; when that overflows, the oldest go (the listener is
 * too far behind). More than SIP_PCM_QUEUE_MAX at once is ignored. */
void sip_pcm_queue_push(struct sip_pcm_queue *q, const int16_t *pcm, size_t n);
/* Takes the oldest n samples into out; false (and nothing taken) when
 * fewer are queued. */
bool sip_pcm_queue_pop(struct sip_pcm_queue *q, int16_t *out, size_t n);

#endif
