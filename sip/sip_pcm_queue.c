#include "sip/sip_pcm_queue.h"

#include <string.h>

void sip_pcm_queue_push(struct sip_pcm_queue *q, const int16_t *pcm, size_t n)
{
	if (n > SIP_PCM_QUEUE_MAX)
		return;
	if (q->n + n > SIP_PCM_QUEUE_MAX) {
		size_t drop = q->n + n - SIP_PCM_QUEUE_MAX;
		memmove(q->pcm, q->pcm + drop, (q->n - drop) * sizeof(int16_t));
		q->n -= drop;
	}
	memcpy(q->pcm + q->n, pcm, n * sizeof(int16_t));
	q->n += n;
}

bool sip_pcm_queue_pop(struct sip_pcm_queue *q, int16_t *out, size_t n)
{
	if (q->n < n)
		return false;
	memcpy(out, q->pcm, n * sizeof(int16_t));
	q->n -= n;
	memmove(q->pcm, q->pcm + n, q->n * sizeof(int16_t));
	return true;
}
