/* NACK list: gaps become requests, arrivals cancel them, retries are paced
 * and bounded, oversized gaps ask for a keyframe, wrap-around is seamless. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sfu/rtp/nack_generator.h"

static size_t due(struct nack_generator *g, int64_t now, uint16_t *out)
{
	return nack_generator_due(g, now, 40000, out, 64);
}

static void test_in_order_needs_nothing(void **state)
{
	struct nack_generator g;
	uint16_t out[64];
	nack_generator_init(&g);
	for (uint16_t s = 100; s < 200; s++)
		assert_false(nack_generator_on_packet(&g, s));
	assert_int_equal(due(&g, 1000, out), 0);
}

static void test_gap_requested_then_cancelled(void **state)
{
	struct nack_generator g;
	uint16_t out[64];
	nack_generator_init(&g);
	nack_generator_on_packet(&g, 10);
	nack_generator_on_packet(&g, 13);
	assert_int_equal(due(&g, 1000, out), 2);
	assert_true((out[0] == 11 && out[1] == 12) || (out[0] == 12 && out[1] == 11));
	/* Not again before the retry interval. */
	assert_int_equal(due(&g, 20000, out), 0);
	/* 11 arrives (retransmitted): only 12 is asked again. */
	nack_generator_on_packet(&g, 11);
	assert_int_equal(due(&g, 41001, out), 1);
	assert_int_equal(out[0], 12);
}

static void test_bounded_tries(void **state)
{
	struct nack_generator g;
	uint16_t out[64];
	nack_generator_init(&g);
	nack_generator_on_packet(&g, 1);
	nack_generator_on_packet(&g, 3);
	int64_t t = 1;
	size_t total = 0;
	for (int i = 0; i < 10; i++, t += 50000)
		total += due(&g, t, out);
	assert_int_equal(total, NACK_GEN_TRIES);
	assert_int_equal(g.n, 0);
}

static void test_wraparound(void **state)
{
	struct nack_generator g;
	uint16_t out[64];
	nack_generator_init(&g);
	nack_generator_on_packet(&g, 65534);
	nack_generator_on_packet(&g, 1);
	assert_int_equal(due(&g, 5, out), 2);
	assert_true((out[0] == 65535 && out[1] == 0) || (out[0] == 0 && out[1] == 65535));
}

static void test_huge_gap_asks_keyframe(void **state)
{
	struct nack_generator g;
	uint16_t out[64];
	nack_generator_init(&g);
	nack_generator_on_packet(&g, 100);
	assert_true(nack_generator_on_packet(&g, 100 + NACK_GEN_MAX + 2));
	assert_int_equal(due(&g, 5, out), 0);
	/* Old or duplicate packets are no gap. */
	assert_false(nack_generator_on_packet(&g, 50));
	assert_false(nack_generator_on_packet(&g, 100 + NACK_GEN_MAX + 2));
	assert_int_equal(due(&g, 10, out), 0);
}

static void test_list_fills_up(void **state)
{
	struct nack_generator g;
	uint16_t out[64];
	nack_generator_init(&g);
	nack_generator_on_packet(&g, 0);
	uint16_t s = 0;
	for (int i = 0; i < NACK_GEN_MAX / 2; i++) {
		s += 2;
		assert_false(nack_generator_on_packet(&g, s));
	}
	assert_int_equal(g.n, NACK_GEN_MAX / 2);
	/* No room for a gap of NACK_GEN_MAX/2 + 1 more. */
	assert_true(nack_generator_on_packet(&g, (uint16_t)(s + NACK_GEN_MAX / 2 + 2)));
	assert_int_equal(due(&g, 1, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_needs_nothing),
		cmocka_unit_test(test_gap_requested_then_cancelled),
		cmocka_unit_test(test_bounded_tries),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_huge_gap_asks_keyframe),
		cmocka_unit_test(test_list_fills_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
