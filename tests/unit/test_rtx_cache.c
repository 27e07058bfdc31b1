/* Unit tests for sfu/rtp/rtx_cache.c: slot rounding, eviction by ring
 * position, seq checks against aliasing, age limits, and size limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sfu/rtp/rtx_cache.h"

#define AGE 1000

static void put_marked(struct rtx_cache *c, uint16_t seq, size_t len, int64_t now)
{
	uint8_t pkt[RTX_CACHE_PACKET_MAX + 1];

	memset(pkt, (int)(seq & 0xff), sizeof(pkt));
	pkt[0] = (uint8_t)(seq >> 8);
	rtx_cache_put(c, seq, pkt, len, now);
}

static bool has(const struct rtx_cache *c, uint16_t seq, int64_t now)
{
	size_t len = 0;
	const uint8_t *p = rtx_cache_get(c, seq, &len, now, AGE);

	if (!p)
		return false;
	/* Whatever comes back must be the packet stored under this seq. */
	assert_int_equal(p[0], seq >> 8);
	assert_int_equal(p[len - 1], len > 1 ? (seq & 0xff) : seq >> 8);
	return true;
}

/* Number of consecutive seqs the cache can hold at once. */
static unsigned capacity(unsigned slots)
{
	struct rtx_cache *c;
	unsigned n = 0;

	assert_int_equal(rtx_cache_create(&c, slots), 0);
	for (unsigned s = 0; s < 70000; s++)
		put_marked(c, (uint16_t)(1000 + s), 20, 0);
	/* After a long run the ring holds exactly its slot count. */
	for (unsigned back = 0; back < 70000; back++) {
		if (!has(c, (uint16_t)(1000 + 70000 - 1 - back), 0))
			break;
		n++;
	}
	rtx_cache_destroy(c);
	return n;
}

static void test_slot_rounding(void **state)
{
	assert_int_equal(capacity(0), 16);
	assert_int_equal(capacity(1), 16);
	assert_int_equal(capacity(16), 16);
	assert_int_equal(capacity(17), 32);
	assert_int_equal(capacity(500), 512);
	assert_int_equal(capacity(512), 512);
}

static void test_put_get(void **state)
{
	struct rtx_cache *c;
	uint8_t pkt[100];
	size_t len = 0;
	const uint8_t *p;

	assert_int_equal(rtx_cache_create(&c, 64), 0);
	assert_null(rtx_cache_get(c, 5, &len, 0, AGE));
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	rtx_cache_put(c, 5, pkt, sizeof(pkt), 10);
	memset(pkt, 0, sizeof(pkt)); /* the cache must hold a copy */
	p = rtx_cache_get(c, 5, &len, 10, AGE);
	assert_non_null(p);
	assert_int_equal(len, 100);
	assert_int_equal(p[99], 99);
	assert_null(rtx_cache_get(c, 6, &len, 10, AGE));
	/* A newer packet under the same seq replaces it. */
	rtx_cache_put(c, 5, pkt, 3, 20);
	p = rtx_cache_get(c, 5, &len, 20, AGE);
	assert_non_null(p);
	assert_int_equal(len, 3);
	assert_int_equal(p[0], 0);
	/* len may be NULL for a presence check. */
	assert_non_null(rtx_cache_get(c, 5, NULL, 20, AGE));
	rtx_cache_destroy(c);
}

static void test_aliasing_seq_misses(void **state)
{
	struct rtx_cache *c;

	assert_int_equal(rtx_cache_create(&c, 16), 0);
	put_marked(c, 3, 50, 0);
	/* 19 and 3 share a slot: only the stored one is returned. */
	assert_true(has(c, 3, 0));
	assert_false(has(c, 19, 0));
	assert_false(has(c, (uint16_t)(3 + 65536 / 2), 0));
	put_marked(c, 19, 50, 0);
	assert_false(has(c, 3, 0));
	assert_true(has(c, 19, 0));
	rtx_cache_destroy(c);
}

static void test_age(void **state)
{
	struct rtx_cache *c;
	size_t len;

	assert_int_equal(rtx_cache_create(&c, 16), 0);
	put_marked(c, 1, 10, 5000);
	assert_non_null(rtx_cache_get(c, 1, &len, 5000 + AGE, AGE));
	assert_null(rtx_cache_get(c, 1, &len, 5000 + AGE + 1, AGE));
	assert_non_null(rtx_cache_get(c, 1, &len, 5100, 100));
	assert_null(rtx_cache_get(c, 1, &len, 5101, 100));
	rtx_cache_destroy(c);
}

static void test_size_limits(void **state)
{
	struct rtx_cache *c;
	size_t len;

	assert_int_equal(rtx_cache_create(&c, 16), 0);
	put_marked(c, 7, RTX_CACHE_PACKET_MAX, 0);
	assert_non_null(rtx_cache_get(c, 7, &len, 0, AGE));
	assert_int_equal(len, RTX_CACHE_PACKET_MAX);
	put_marked(c, 8, RTX_CACHE_PACKET_MAX + 1, 0);
	assert_false(has(c, 8, 0));
	put_marked(c, 9, 0, 0);
	assert_false(has(c, 9, 0));
	rtx_cache_put(c, 10, NULL, 10, 0);
	assert_false(has(c, 10, 0));
	/* An ignored put leaves the older occupant of the slot alone. */
	put_marked(c, 23, RTX_CACHE_PACKET_MAX + 1, 0);
	assert_true(has(c, 7, 0));
	assert_false(has(c, 23, 0));
	rtx_cache_destroy(c);
}

static void test_wrap(void **state)
{
	struct rtx_cache *c;

	assert_int_equal(rtx_cache_create(&c, 32), 0);
	for (uint32_t s = 65530; s < 65536 + 10; s++)
		put_marked(c, (uint16_t)s, 30, s);
	for (uint32_t s = 65530; s < 65536 + 10; s++)
		assert_true(has(c, (uint16_t)s, 65546));
	/* Once 32 newer packets are in, the ones before the wrap are gone. */
	for (uint32_t s = 10; s < 32; s++)
		put_marked(c, (uint16_t)s, 30, 65546);
	assert_false(has(c, 65530, 65546));
	assert_false(has(c, 65535, 65546));
	assert_true(has(c, 0, 65546));
	assert_true(has(c, 31, 65546));
	rtx_cache_destroy(c);
}

static void test_destroy_null(void **state)
{
	rtx_cache_destroy(NULL);
	assert_null(rtx_cache_get(NULL, 1, NULL, 0, AGE));
	rtx_cache_put(NULL, 1, (const uint8_t *)"x", 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_rounding),
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_aliasing_seq_misses),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_destroy_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
