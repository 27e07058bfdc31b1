/* Unit tests for sfu/rtp/seq_map.c: continuity across publisher switches,
 * reordering, deliberate skips, 16-bit seq and 32-bit timestamp wrap-around,
 * and the inverse mapping used to answer NACKs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sfu/rtp/seq_map.h"

#define VIDEO 90000
#define AUDIO 48000

static struct seq_map m;

static int setup(void **state)
{
	seq_map_init(&m);
	return 0;
}

/* Maps and asserts the packet goes out with exactly these numbers. */
static void expect(uint16_t in_seq, uint32_t in_ts, int64_t now_us, uint16_t want_seq,
		   uint32_t want_ts)
{
	uint16_t s;
	uint32_t t;

	assert_true(seq_map_apply(&m, in_seq, in_ts, VIDEO, now_us, &s, &t));
	assert_int_equal(s, want_seq);
	assert_int_equal(t, want_ts);
}

static void expect_drop(uint16_t in_seq, uint32_t in_ts, int64_t now_us)
{
	uint16_t s = 0xaaaa;
	uint32_t t = 0xaaaaaaaa;

	assert_false(seq_map_apply(&m, in_seq, in_ts, VIDEO, now_us, &s, &t));
	assert_int_equal(s, 0xaaaa); /* outputs untouched on drop */
	assert_int_equal(t, 0xaaaaaaaa);
}

static void expect_unapply(uint16_t out_seq, uint16_t want_in)
{
	uint16_t in;

	assert_true(seq_map_unapply(&m, out_seq, &in));
	assert_int_equal(in, want_in);
}

static void expect_no_unapply(uint16_t out_seq)
{
	uint16_t in;

	assert_false(seq_map_unapply(&m, out_seq, &in));
}

static void test_first_source_passes_through(void **state)
{
	expect_no_unapply(0);
	expect(1000, 5000, 0, 1000, 5000);
	expect(1001, 8000, 33000, 1001, 8000);
	/* A loss upstream stays a gap downstream, so the receiver can NACK it. */
	expect(1004, 17000, 100000, 1004, 17000);
	expect(1003, 14000, 110000, 1003, 14000);
	expect_unapply(1002, 1002);
	assert_true(m.started);
	assert_int_equal(m.max_out_seq, 1004);
}

static void test_switch_continues_numbers(void **state)
{
	expect(500, 90000, 1000000, 500, 90000);
	expect(501, 93000, 1033000, 501, 93000);
	seq_map_switch(&m);
	/* 20 ms later at 90 kHz: +1800 ticks over the last timestamp. */
	expect(40000, 7, 1053000, 502, 94800);
	expect(40001, 3007, 1086000, 503, 97800);
	assert_false(m.pending_switch);
	expect_unapply(503, 40001);
	expect_unapply(502, 40000);
	/* 501 was the previous source: a NACK for it cannot be answered now. */
	expect_no_unapply(501);
	expect_no_unapply(504);
}

static void test_switch_same_instant_advances_one_tick(void **state)
{
	expect(1, 100, 5000, 1, 100);
	seq_map_switch(&m);
	expect(9, 0, 5000, 2, 101);
	seq_map_switch(&m);
	/* A clock that went backwards still moves the timestamp forward. */
	expect(70, 0, 4000, 3, 102);
	seq_map_switch(&m);
	/* 5 us is less than one 90 kHz tick: still one tick. */
	expect(90, 0, 4005, 4, 103);
}

static void test_switch_uses_newest_timestamp_time(void **state)
{
	/* Several packets of one frame share a timestamp; the clock continues
	 * from when that timestamp first went out. */
	expect(10, 1000, 0, 10, 1000);
	expect(11, 1000, 5000, 11, 1000);
	expect(12, 1000, 9000, 12, 1000);
	seq_map_switch(&m);
	expect(300, 0, 10000, 13, 1900);
}

static void test_switch_with_reordering(void **state)
{
	expect(10, 100, 0, 10, 100);
	seq_map_switch(&m);
	expect(1000, 50000, 1000, 11, 190);
	expect(1002, 56000, 3000, 13, 6190);
	expect(1001, 53000, 4000, 12, 3190); /* reordered: fills the hole */
	expect(1001, 53000, 4500, 12, 3190); /* duplicate: same numbers */
	expect_drop(999, 47000, 5000);       /* before the new source began */
	expect_drop(998, 44000, 5000);
	expect(1003, 59000, 6000, 14, 9190);
	expect_unapply(12, 1001);
	expect_no_unapply(10);
}

static void test_switch_before_first_packet(void **state)
{
	seq_map_switch(&m);
	expect(777, 12345, 0, 777, 12345);
	expect(778, 12345, 10, 778, 12345);
}

static void test_seq_wrap(void **state)
{
	expect(65534, 10, 0, 65534, 10);
	expect(65535, 20, 1, 65535, 20);
	expect(1, 40, 3, 1, 40);
	expect(0, 30, 4, 0, 30); /* reordered across the wrap */
	expect_unapply(0, 0);
	expect_unapply(65534, 65534);
	seq_map_switch(&m);
	expect(100, 0, 1000003, 2, 40 + VIDEO); /* one second after ts 40 went out */
	expect_drop(99, 0, 1000004);

	/* Switching when the last output seq was 65535 starts the new source at 0. */
	seq_map_init(&m);
	expect(65535, 0, 0, 65535, 0);
	seq_map_switch(&m);
	expect(5, 0, 0, 0, 1);
	expect(6, 0, 0, 1, 1);
	expect_unapply(0, 5);
	expect_no_unapply(65535);
}

static void test_timestamp_wrap(void **state)
{
	expect(1, 0xffffff00u, 0, 1, 0xffffff00u);
	expect(2, 0x00000100u, 2000, 2, 0x100);
	seq_map_switch(&m);
	/* 10 ms at 90 kHz from the wrapped timestamp. */
	expect(50, 0xfffffff0u, 12000, 3, 0x100 + 900);
	expect(51, 0x10u, 15000, 4, 0x100 + 900 + 0x20);
	seq_map_switch(&m);
	/* The newest timestamp is the wrapped one, sent at 15 ms. */
	expect(60, 0, 25000, 5, 0x100 + 900 + 0x20 + 900);
}

static void test_long_gap_timestamp(void **state)
{
	uint16_t s;
	uint32_t t;

	expect(1, 0, 0, 1, 0);
	seq_map_switch(&m);
	/* 20 hours at 90 kHz overflows 32 bits: the result is mod 2^32. */
	assert_true(seq_map_apply(&m, 2, 0, VIDEO, 72000LL * 1000000, &s, &t));
	assert_int_equal(t, (uint32_t)(72000ULL * VIDEO));
	seq_map_switch(&m);
	/* 1.5 ms at 48 kHz: 72 ticks; a sub-tick elapsed time rounds down. */
	assert_true(seq_map_apply(&m, 9, 0, AUDIO, 72000LL * 1000000 + 1500, &s, &t));
	assert_int_equal(t, (uint32_t)(72000ULL * VIDEO) + 72);
}

static void test_too_old_is_dropped(void **state)
{
	uint16_t s;
	uint32_t t;

	expect(0, 0, 0, 0, 0);
	for (uint32_t i = 1; i <= 40000; i += 100)
		assert_true(seq_map_apply(&m, (uint16_t)i, i, VIDEO, i, &s, &t));
	expect(40000, 40000, 50000, 40000, 40000);
	/* The window keeps the last 32767 input seqs behind the newest. */
	expect(8000, 8000, 50001, 8000, 8000);
	expect(40000 - 32767, 1, 50002, 40000 - 32767, 1);
	expect_drop(40000 - 32768, 1, 50003);
	expect_unapply(40000 - 32767, 40000 - 32767);
	expect_no_unapply(40000 - 32768);
}

static void test_skip(void **state)
{
	expect(100, 0, 0, 100, 0);
	expect(101, 0, 1, 101, 0);
	seq_map_skip(&m, 102); /* e.g. a padding-only packet */
	expect(103, 3000, 2, 102, 3000);
	expect(104, 6000, 3, 103, 6000);
	expect_drop(102, 0, 4); /* the skipped packet, retransmitted */
	/* Before the skip the offset was different: reusing 101 would collide. */
	expect_drop(101, 0, 5);
	expect_unapply(103, 104);
	expect_unapply(102, 103);
	expect_no_unapply(101);

	/* Not the newest plus one: nothing happens. */
	seq_map_skip(&m, 110);
	seq_map_skip(&m, 104);
	expect(105, 9000, 6, 104, 9000);

	/* Two skips in a row, then a reordered packet from between them. */
	seq_map_skip(&m, 106);
	seq_map_skip(&m, 107);
	expect_drop(107, 0, 7);
	expect(108, 12000, 8, 105, 12000);
	expect_no_unapply(104);
}

static void test_skip_edge_states(void **state)
{
	/* Before anything was sent, and while a switch is pending: no effect. */
	seq_map_skip(&m, 1);
	expect(1, 0, 0, 1, 0);
	seq_map_switch(&m);
	seq_map_skip(&m, 2);
	expect_unapply(1, 1); /* the old source is still NACKable */
	expect(2, 0, 0, 2, 1);
	/* Skip across the seq wrap. */
	seq_map_init(&m);
	expect(65535, 0, 0, 65535, 0);
	seq_map_skip(&m, 0);
	expect(1, 0, 0, 0, 0);
	expect_unapply(0, 1);
}

static void test_unapply_during_pending_switch(void **state)
{
	expect(10, 0, 0, 10, 0);
	expect(11, 0, 0, 11, 0);
	seq_map_switch(&m);
	/* Until the new source's first packet, the old one can still be NACKed. */
	expect_unapply(11, 11);
	expect(500, 0, 0, 12, 1);
	expect_no_unapply(11);
}

static void test_many_switches_stay_contiguous(void **state)
{
	uint16_t prev_seq = 0;
	uint32_t prev_ts = 0;
	int64_t now = 0;

	for (int src = 0; src < 50; src++) {
		uint16_t in = (uint16_t)(src * 7919);
		uint32_t ts = (uint32_t)src * 0x9e3779b9u;

		if (src)
			seq_map_switch(&m);
		for (int i = 0; i < 30; i++) {
			uint16_t s;
			uint32_t t;

			now += 33333;
			assert_true(seq_map_apply(&m, (uint16_t)(in + i), ts + 3000u * (uint32_t)i,
						  VIDEO, now, &s, &t));
			if (src || i) {
				assert_int_equal(s, (uint16_t)(prev_seq + 1));
				assert_true((int32_t)(t - prev_ts) > 0);
			}
			prev_seq = s;
			prev_ts = t;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_source_passes_through, setup),
		cmocka_unit_test_setup(test_switch_continues_numbers, setup),
		cmocka_unit_test_setup(test_switch_same_instant_advances_one_tick, setup),
		cmocka_unit_test_setup(test_switch_uses_newest_timestamp_time, setup),
		cmocka_unit_test_setup(test_switch_with_reordering, setup),
		cmocka_unit_test_setup(test_switch_before_first_packet, setup),
		cmocka_unit_test_setup(test_seq_wrap, setup),
		cmocka_unit_test_setup(test_timestamp_wrap, setup),
		cmocka_unit_test_setup(test_long_gap_timestamp, setup),
		cmocka_unit_test_setup(test_too_old_is_dropped, setup),
		cmocka_unit_test_setup(test_skip, setup),
		cmocka_unit_test_setup(test_skip_edge_states, setup),
		cmocka_unit_test_setup(test_unapply_during_pending_switch, setup),
		cmocka_unit_test_setup(test_many_switches_stay_contiguous, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
