/* Unit tests for base/spsc_ring.c: order and capacity on one thread, then
 * a pusher and a popper on two threads passing a million numbered records:
 * every one arrives once, in order, intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <glib.h>

#include "base/spsc_ring.h"

struct rec {
	uint64_t n;
	uint64_t check;   /* n * a constant: a torn record shows */
	char pad[40];
};

#define CHECK(n) ((n) * 0x9e3779b97f4a7c15ULL)

static void test_create_rejects_bad_sizes(void **state)
{
	struct spsc_ring *r = NULL;
	assert_int_equal(spsc_ring_create(&r, 0, 8), -EINVAL);
	assert_int_equal(spsc_ring_create(&r, 8, 0), -EINVAL);
	assert_int_equal(spsc_ring_create(&r, (1u << 20) + 1, 8), -EINVAL);
	assert_null(r);
}

static void test_fifo_and_full(void **state)
{
	struct spsc_ring *r;
	assert_int_equal(spsc_ring_create(&r, 5, sizeof(struct rec)), 0);  /* rounds up to 8 */
	assert_true(spsc_ring_record_size(r) >= sizeof(struct rec));
	assert_null(spsc_ring_peek(r));
	for (uint64_t i = 0; i < 8; i++) {
		struct rec *w = spsc_ring_reserve(r);
		assert_non_null(w);
		w->n = i;
		spsc_ring_commit(r);
	}
	assert_null(spsc_ring_reserve(r));
	for (uint64_t i = 0; i < 8; i++) {
		struct rec *got = spsc_ring_peek(r);
		assert_non_null(got);
		assert_int_equal(got->n, i);
		spsc_ring_release(r);
		struct rec *w = spsc_ring_reserve(r);   /* room again: wrap around */
		assert_non_null(w);
		w->n = 100 + i;
		spsc_ring_commit(r);
	}
	for (uint64_t i = 0; i < 8; i++) {
		struct rec *got = spsc_ring_peek(r);
		assert_int_equal(got->n, 100 + i);
		spsc_ring_release(r);
	}
	assert_null(spsc_ring_peek(r));
	spsc_ring_destroy(r);
	spsc_ring_destroy(NULL);
}

static void test_reserved_is_invisible_until_commit(void **state)
{
	struct spsc_ring *r;
	assert_int_equal(spsc_ring_create(&r, 4, sizeof(struct rec)), 0);
	struct rec *w = spsc_ring_reserve(r);
	w->n = 7;
	assert_null(spsc_ring_peek(r));
	spsc_ring_commit(r);
	assert_int_equal(((struct rec *)spsc_ring_peek(r))->n, 7);
	spsc_ring_destroy(r);
}

#define TOTAL 1000000ULL

static gpointer pusher(gpointer arg)
{
	struct spsc_ring *r = arg;
	for (uint64_t i = 0; i < TOTAL;) {
		struct rec *w = spsc_ring_reserve(r);
		if (!w) {
			g_thread_yield();
			continue;
		}
		w->n = i;
		w->check = CHECK(i);
		spsc_ring_commit(r);
		i++;
	}
	return NULL;
}

static void test_two_threads_in_order(void **state)
{
	struct spsc_ring *r;
	assert_int_equal(spsc_ring_create(&r, 64, sizeof(struct rec)), 0);
	GThread *t = g_thread_new("pusher", pusher, r);
	uint64_t next = 0, bad = 0;
	while (next < TOTAL) {
		struct rec *got = spsc_ring_peek(r);
		if (!got) {
			g_thread_yield();
			continue;
		}
		bad += got->n != next || got->check != CHECK(next);
		next++;
		spsc_ring_release(r);
	}
	g_thread_join(t);
	assert_int_equal(bad, 0);
	assert_null(spsc_ring_peek(r));
	spsc_ring_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_sizes),
		cmocka_unit_test(test_fifo_and_full),
		cmocka_unit_test(test_reserved_is_invisible_until_commit),
		cmocka_unit_test(test_two_threads_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
