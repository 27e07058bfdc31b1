/* Unit tests for sip/sip_pcm_queue.c: order, partial pops refused, and
 * overflow dropping the oldest samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sip/sip_pcm_queue.h"

static void ramp(int16_t *x, size_t n, int start)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)(start + (int)i);
}

static void test_push_pop_in_order(void **state)
{
	struct sip_pcm_queue *q = calloc(1, sizeof(*q));
	int16_t in[2880], out[960];
	ramp(in, 2880, 0);
	sip_pcm_queue_push(q, in, 2880);              /* a 60 ms packet */
	for (int k = 0; k < 3; k++) {
		assert_true(sip_pcm_queue_pop(q, out, 960));
		assert_int_equal(out[0], k * 960);
		assert_int_equal(out[959], k * 960 + 959);
	}
	assert_false(sip_pcm_queue_pop(q, out, 960));
	sip_pcm_queue_push(q, in, 480);
	assert_false(sip_pcm_queue_pop(q, out, 960)); /* only 10 ms: nothing taken */
	assert_int_equal(q->n, 480);
	sip_pcm_queue_clear(q);
	assert_int_equal(q->n, 0);
	free(q);
}

static void test_overflow_drops_oldest(void **state)
{
	struct sip_pcm_queue *q = calloc(1, sizeof(*q));
	int16_t *in = malloc(SIP_PCM_QUEUE_MAX * sizeof(int16_t) + 2000);
	ramp(in, SIP_PCM_QUEUE_MAX, 0);
	sip_pcm_queue_push(q, in, SIP_PCM_QUEUE_MAX);
	ramp(in, 960, 20000);
	sip_pcm_queue_push(q, in, 960);
	assert_int_equal(q->n, SIP_PCM_QUEUE_MAX);
	assert_int_equal(q->pcm[0], 960);             /* the first 960 went */
	assert_int_equal(q->pcm[SIP_PCM_QUEUE_MAX - 1], 20959);
	size_t before = q->n;
	sip_pcm_queue_push(q, in, SIP_PCM_QUEUE_MAX + 1);   /* too long: ignored */
	assert_int_equal(q->n, before);
	free(in);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_pop_in_order),
		cmocka_unit_test(test_overflow_drops_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
