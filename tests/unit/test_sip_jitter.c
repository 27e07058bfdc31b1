/* Unit tests for sip/sip_jitter.c: start-up delay, reordering, duplicates,
 * loss and FEC hints, late packets and underruns growing the delay, excess
 * delay shrinking, sequence and timestamp wrap, SSRC change and jumps,
 * 10/30/60 ms packets, talkspurts after silence, and malformed input. The
 * payload of packet n carries n, so every part can be traced to its packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "sip/sip_jitter.h"

#define RATE 8000
#define F 160 /* 20 ms at 8 kHz */

static struct sip_jitter *new_jb(bool adaptive)
{
	struct sip_jitter_config c;
	struct sip_jitter *jb = malloc(sizeof(*jb));

	assert_non_null(jb);
	sip_jitter_config_default(&c, RATE);
	c.adaptive = adaptive;
	assert_int_equal(sip_jitter_init(jb, &c), 0);
	return jb;
}

/* Packet n of a stream: seq base + n, ts base + n * dur; its payload says n. */
static enum sip_jitter_put_result put_n(struct sip_jitter *jb, uint32_t ssrc, uint16_t seq0,
					uint32_t ts0, unsigned n, uint32_t dur)
{
	uint8_t payload[4] = { (uint8_t)(n >> 8), (uint8_t)n, 0xab, 0xcd };
	struct sip_jitter_packet p = { .ssrc = ssrc, .seq = (uint16_t)(seq0 + n),
				       .ts = ts0 + n * dur, .pt = 0, .data = payload,
				       .len = sizeof(payload), .samples = dur };

	return sip_jitter_put(jb, &p);
}

static unsigned part_n(const struct sip_jitter_part *p)
{
	assert_non_null(p->data);
	assert_int_equal(p->len, 4);
	return (unsigned)p->data[0] << 8 | p->data[1];
}

/* What one tick handed out, summarized. */
struct tick {
	bool empty;
	unsigned packets, lost;
	unsigned first;          /* n of the first packet part */
	uint32_t samples;        /* all parts */
};

static struct tick get(struct sip_jitter *jb)
{
	struct sip_jitter_out out;
	struct tick t = { 0 };

	sip_jitter_get(jb, &out);
	t.empty = out.empty;
	assert_true(out.n <= SIP_JITTER_MAX_PARTS);
	if (out.empty)
		assert_int_equal(out.n, 0);
	for (unsigned i = 0; i < out.n; i++) {
		t.samples += out.parts[i].samples;
		if (out.parts[i].kind == SIP_JITTER_PACKET) {
			if (!t.packets++)
				t.first = part_n(&out.parts[i]);
		} else {
			t.lost++;
		}
	}
	return t;
}

static void test_start_delay_and_steady_play(void **state)
{
	struct sip_jitter *jb = new_jb(true);

	/* One packet a tick: nothing until 60 ms are held, then one per tick. */
	for (unsigned n = 0; n < 200; n++) {
		assert_int_equal(put_n(jb, 1, 100, 5000, n, F), SIP_JITTER_STORED);
		struct tick t = get(jb);
		if (n < 2) {
			assert_true(t.empty);
			continue;
		}
		assert_false(t.empty);
		assert_int_equal(t.packets, 1);
		assert_int_equal(t.lost, 0);
		assert_int_equal(t.first, n - 2);
		assert_int_equal(t.samples, F);
	}
	assert_int_equal(sip_jitter_target_ms(jb), 60);
	assert_int_equal(jb->stats.played, 198);
	assert_int_equal(jb->stats.skipped, 0);
	free(jb);
}

/* Runs a schedule: arrivals[n] is the tick packet n arrives at (-1: never).
 * Returns the n of every packet handed out, in order, in played[]. */
static unsigned run(struct sip_jitter *jb, const int *arrivals, unsigned count, unsigned ticks,
		    uint32_t dur, unsigned *played, unsigned *lost_parts)
{
	unsigned np = 0;

	*lost_parts = 0;
	for (unsigned tk = 0; tk < ticks; tk++) {
		for (unsigned n = 0; n < count; n++)
			if (arrivals[n] == (int)tk)
				put_n(jb, 7, 65000, 0xfffff000u, n, dur);
		struct sip_jitter_out out;
		sip_jitter_get(jb, &out);
		for (unsigned i = 0; i < out.n; i++) {
			if (out.parts[i].kind == SIP_JITTER_PACKET)
				played[np++] = part_n(&out.parts[i]);
			else
				(*lost_parts)++;
		}
	}
	return np;
}

static void test_reorder_and_duplicates(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	int arrivals[100];
	unsigned played[200], lost;

	/* Pairs swapped: 1 0 3 2 5 4 ... arriving one per tick. */
	for (unsigned n = 0; n < 100; n++)
		arrivals[n] = (int)(n ^ 1);
	unsigned np = run(jb, arrivals, 100, 102, F, played, &lost);
	assert_int_equal(np, 100);
	for (unsigned i = 0; i < np; i++)
		assert_int_equal(played[i], i);
	assert_int_equal(lost, 0);

	/* Duplicates: of a packet held, and of one already played. */
	free(jb);
	jb = new_jb(true);
	assert_int_equal(put_n(jb, 1, 0, 0, 0, F), SIP_JITTER_STORED);
	assert_int_equal(put_n(jb, 1, 0, 0, 0, F), SIP_JITTER_DUPLICATE);
	assert_int_equal(put_n(jb, 1, 0, 0, 1, F), SIP_JITTER_STORED);
	assert_int_equal(put_n(jb, 1, 0, 0, 2, F), SIP_JITTER_STORED);
	struct tick t = get(jb);
	assert_int_equal(t.first, 0);
	assert_int_equal(put_n(jb, 1, 0, 0, 0, F), SIP_JITTER_DUPLICATE);
	assert_int_equal(jb->stats.duplicates, 2);
	free(jb);
}

static void test_loss_gives_conceal_with_next_packet(void **state)
{
	struct sip_jitter *jb = new_jb(false);
	struct sip_jitter_out out;

	for (unsigned n = 0; n < 3; n++)
		put_n(jb, 1, 0, 0, n, F);
	assert_int_equal(get(jb).first, 0);
	put_n(jb, 1, 0, 0, 3, F);
	assert_int_equal(get(jb).first, 1);
	/* 4 never comes. */
	put_n(jb, 1, 0, 0, 5, F);
	assert_int_equal(get(jb).first, 2);
	put_n(jb, 1, 0, 0, 6, F);
	assert_int_equal(get(jb).first, 3);
	sip_jitter_get(jb, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.parts[0].kind, SIP_JITTER_LOST);
	assert_int_equal(out.parts[0].samples, F);
	assert_int_equal(part_n(&out.parts[0]), 5); /* for FEC */
	assert_int_equal(get(jb).first, 5);
	assert_int_equal(get(jb).first, 6);
	assert_int_equal(jb->stats.lost, 1);
	free(jb);
}

/* A delay spike: packets 20..22 arrive 3 ticks late, all at once. The
 * buffer conceals while waiting (without moving on), then plays all of
 * them in order: nothing is dropped, and the target grows. */
static void test_underrun_waits_for_late_packets(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	int arrivals[200];
	unsigned played[400], lost;

	for (unsigned n = 0; n < 200; n++)
		arrivals[n] = (int)n;
	/* With 60 ms held, a 100 ms spike outruns the buffer. */
	for (unsigned n = 20; n < 25; n++)
		arrivals[n] = 25;
	unsigned np = run(jb, arrivals, 200, 205, F, played, &lost);
	assert_int_equal(np, 200);
	for (unsigned i = 0; i < np; i++)
		assert_int_equal(played[i], i);
	assert_int_equal(lost, 3);
	assert_int_equal(jb->stats.late, 0);
	assert_int_equal(jb->stats.underruns, 3);
	assert_int_equal(jb->stats.skipped, 0); /* the delay it took is kept */
	assert_int_equal(sip_jitter_target_ms(jb), 120);
	free(jb);
}

/* Random delays of 0 to 140 ms (so reordering too): the delay adapts within
 * its bounds, and nearly everything plays, in order. */
static void test_random_jitter_adapts(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	static int arrivals[3000];
	static unsigned played[6000];
	unsigned lost;

	srand(11);
	for (unsigned n = 0; n < 3000; n++)
		arrivals[n] = (int)n + rand() % 8;
	unsigned np = run(jb, arrivals, 3000, 3000, F, played, &lost);
	for (unsigned i = 1; i < np; i++)
		assert_true(played[i] > played[i - 1]);
	unsigned tail = 0;
	for (unsigned i = 0; i < np; i++)
		tail += played[i] >= 1500;
	assert_true(jb->stats.late > 0 && jb->stats.late < 10);
	assert_true(sip_jitter_target_ms(jb) >= 40 && sip_jitter_target_ms(jb) <= 200);
	assert_true(np > 3000 - 3000 / 100);   /* under 1% lost */
	assert_true(tail > 1500 - 1500 / 100 - 10);
	free(jb);
}

/* A packet that comes after its turn (later ones were there, so it was
 * concealed as lost) is dropped, and the delay grows by a frame. */
static void test_late_packet_dropped_and_delay_grows(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	struct sip_jitter_out out;

	for (unsigned n = 0; n < 3; n++)
		put_n(jb, 1, 0, 0, n, F);
	for (unsigned n = 3; n < 10; n++) {
		if (n != 5)
			put_n(jb, 1, 0, 0, n, F);
		get(jb);
	}
	/* 0..6 played, 5 concealed. */
	assert_int_equal(jb->stats.lost, 1);
	assert_int_equal(put_n(jb, 1, 0, 0, 5, F), SIP_JITTER_LATE);
	assert_int_equal(sip_jitter_target_ms(jb), 80);
	/* The next tick conceals without moving: 7 still comes next. */
	sip_jitter_get(jb, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.parts[0].kind, SIP_JITTER_LOST);
	assert_null(out.parts[0].data);
	assert_int_equal(get(jb).first, 7);

	/* In fixed mode the target stays. */
	free(jb);
	jb = new_jb(false);
	for (unsigned n = 0; n < 3; n++)
		put_n(jb, 1, 0, 0, n, F);
	for (unsigned n = 3; n < 10; n++) {
		if (n != 5)
			put_n(jb, 1, 0, 0, n, F);
		get(jb);
	}
	assert_int_equal(put_n(jb, 1, 0, 0, 5, F), SIP_JITTER_LATE);
	assert_int_equal(sip_jitter_target_ms(jb), 60);
	free(jb);
}

/* A burst fills the buffer far past the target: it is cut back one packet
 * a second, never beyond max_delay, and the target relaxes after 10 quiet
 * seconds. */
static void test_excess_delay_shrinks(void **state)
{
	struct sip_jitter *jb = new_jb(true);

	for (unsigned n = 0; n < 9; n++) /* 180 ms at once */
		put_n(jb, 1, 0, 0, n, F);
	for (unsigned tk = 0; tk < 1000; tk++) {
		put_n(jb, 1, 0, 0, 9 + tk, F);
		struct tick t = get(jb);
		assert_false(t.empty);
		assert_int_equal(t.lost, 0);
		assert_int_equal(t.packets, 1);
	}
	assert_true(jb->stats.skipped >= 5);
	/* Settled at the target less a frame (40 ms at the min of 40). */
	assert_int_equal(sip_jitter_target_ms(jb), 40);
	int64_t level = 0;
	for (unsigned i = 0; i < SIP_JITTER_SLOTS; i++)
		if (jb->slot[i].used)
			level += jb->slot[i].samples;
	assert_true(level <= 40 * RATE / 1000);
	free(jb);
}

static void test_wraparound(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	int arrivals[300];
	unsigned played[600], lost;

	/* run() starts at seq 65000 and ts 0xfffff000: both wrap. */
	for (unsigned n = 0; n < 300; n++)
		arrivals[n] = (int)n;
	unsigned np = run(jb, arrivals, 300, 300, F, played, &lost);
	assert_int_equal(np, 298);
	for (unsigned i = 0; i < np; i++)
		assert_int_equal(played[i], i);
	assert_int_equal(lost, 0);
	assert_int_equal(jb->stats.resets, 0);
	free(jb);
}

static void test_ssrc_change_and_jumps_restart(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	struct sip_jitter_out out;

	for (unsigned n = 0; n < 10; n++) {
		put_n(jb, 1, 0, 0, n, F);
		get(jb);
	}
	/* A new SSRC with unrelated numbers: a fresh start. */
	for (unsigned n = 0; n < 3; n++) {
		put_n(jb, 2, 40000, 123456, n, F);
		sip_jitter_get(jb, &out);
		assert_true(out.empty || out.new_stream);
	}
	assert_true(out.new_stream);
	assert_int_equal(part_n(&out.parts[0]), 0);
	assert_int_equal(jb->stats.ssrc_changes, 1);
	put_n(jb, 2, 40000, 123456, 3, F);
	sip_jitter_get(jb, &out);
	assert_false(out.new_stream);

	/* The same SSRC jumping 1000 in sequence: also a fresh start. */
	put_n(jb, 2, 41000, 999999, 0, F);
	assert_int_equal(jb->stats.resets, 1);
	/* A timestamp going backwards while the sequence moves on: the same. */
	put_n(jb, 2, 41000, 0, 1, F);
	assert_int_equal(jb->stats.resets, 2);
	free(jb);
}

/* 10 ms packets: two parts a tick. */
static void test_ptime_10(void **state)
{
	struct sip_jitter *jb = new_jb(true);

	for (unsigned tk = 0; tk < 100; tk++) {
		put_n(jb, 1, 0, 0, 2 * tk, F / 2);
		put_n(jb, 1, 0, 0, 2 * tk + 1, F / 2);
		struct tick t = get(jb);
		if (tk < 2) {
			assert_true(t.empty);
			continue;
		}
		assert_int_equal(t.packets, 2);
		assert_int_equal(t.lost, 0);
		assert_int_equal(t.samples, F);
		assert_int_equal(t.first, 2 * (tk - 2));
	}
	free(jb);
}

/* 30 and 60 ms packets, each sent when its last sample is captured: each
 * is handed out once, on the tick it starts in, and what has been handed out
 * always covers what has been played, by less than a packet. */
static void test_ptime_30_and_60(void **state)
{
	const uint32_t durs[] = { 3 * F / 2, 3 * F };

	for (unsigned d = 0; d < 2; d++) {
		struct sip_jitter *jb = new_jb(true);
		uint32_t dur = durs[d];
		uint64_t handed = 0, played_ticks = 0;
		unsigned next = 0, expect = 0;
		for (unsigned tk = 0; tk < 300; tk++) {
			while ((uint64_t)(next + 1) * dur <= (uint64_t)(tk + 1) * F)
				put_n(jb, 1, 0, 0, next++, dur);
			struct sip_jitter_out out;
			sip_jitter_get(jb, &out);
			if (out.empty) {
				assert_int_equal(played_ticks, 0);
				continue;
			}
			played_ticks++;
			for (unsigned i = 0; i < out.n; i++) {
				assert_int_equal(out.parts[i].kind, SIP_JITTER_PACKET);
				assert_int_equal(part_n(&out.parts[i]), expect++);
				handed += out.parts[i].samples;
			}
			assert_true(handed >= played_ticks * F);
			assert_true(handed - played_ticks * F < dur);
		}
		assert_true(expect > 300 * F / dur - 5);
		assert_int_equal(jb->stats.lost, 0);
		assert_int_equal(jb->stats.underruns, 0);
		free(jb);
	}
}

/* The sender goes quiet (DTX, hold): a few concealed frames, then empty;
 * its next talkspurt, timestamps far ahead, starts again after the start
 * delay, without counting as a new stream. */
static void test_silence_then_talkspurt(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	unsigned tk = 0, concealed = 0, empty = 0;

	for (; tk < 50; tk++) {
		put_n(jb, 1, 0, 0, tk, F);
		get(jb);
	}
	for (; tk < 100; tk++) {
		struct tick t = get(jb);
		concealed += t.lost;
		empty += t.empty;
		if (tk < 52)
			assert_int_equal(t.packets, 1); /* the two still held */
		else
			assert_true(t.empty || (t.lost == 1 && t.packets == 0));
	}
	/* Then at most 100 ms concealed, and silence. */
	assert_true(concealed <= 5);
	assert_true(empty >= 40);
	/* Seq continues, ts jumps by 5 s. */
	struct sip_jitter_packet p = { .ssrc = 1, .seq = 50, .ts = 50 * F + 5 * RATE,
				       .data = (const uint8_t *)"\x01\x00xx", .len = 4, .samples = F };
	for (unsigned k = 0; k < 10; k++, p.seq++, p.ts += F) {
		assert_int_equal(sip_jitter_put(jb, &p), SIP_JITTER_STORED);
		struct tick t = get(jb);
		if (k < 2)
			assert_true(t.empty);
		else
			assert_int_equal(t.packets, 1);
	}
	assert_int_equal(jb->stats.resets, 0);
	assert_int_equal(jb->stats.late, 0);
	free(jb);
}

/* A lone packet followed by nothing still plays after the start delay. */
static void test_lone_packet_plays(void **state)
{
	struct sip_jitter *jb = new_jb(true);

	put_n(jb, 1, 0, 0, 0, F);
	assert_true(get(jb).empty);
	assert_true(get(jb).empty);
	struct tick t = get(jb);
	assert_int_equal(t.packets, 1);
	assert_int_equal(t.first, 0);
	free(jb);
}

static void test_malformed(void **state)
{
	struct sip_jitter *jb = new_jb(true);
	struct sip_jitter_config c;
	uint8_t big[SIP_JITTER_PAYLOAD_MAX + 1] = { 0 };
	struct sip_jitter_packet p = { .ssrc = 1, .seq = 1, .ts = 1, .data = big };

	/* Bad configurations. */
	sip_jitter_config_default(&c, 44100);
	assert_int_equal(sip_jitter_init(jb, &c), -EINVAL);
	sip_jitter_config_default(&c, 8000);
	c.max_delay_ms = 1000;
	assert_int_equal(sip_jitter_init(jb, &c), -EINVAL);
	sip_jitter_config_default(&c, 8000);
	c.start_delay_ms = 10;
	assert_int_equal(sip_jitter_init(jb, &c), -EINVAL);
	assert_int_equal(sip_jitter_init(NULL, &c), -EINVAL);
	assert_int_equal(sip_jitter_init(jb, NULL), 0);
	assert_int_equal(jb->cfg.clock_rate, 48000);

	/* Nothing put: silence. */
	assert_true(get(jb).empty);
	/* Empty and oversized payloads. */
	p.len = 0;
	assert_int_equal(sip_jitter_put(jb, &p), SIP_JITTER_BAD);
	p.len = sizeof(big);
	assert_int_equal(sip_jitter_put(jb, &p), SIP_JITTER_BAD);
	p.data = NULL;
	p.len = 10;
	assert_int_equal(sip_jitter_put(jb, &p), SIP_JITTER_BAD);
	assert_int_equal(jb->stats.bad, 3);
	/* Unknown and absurd durations: 20 ms, and 120 ms at most. */
	p.data = big;
	p.len = 10;
	p.samples = 0;
	assert_int_equal(sip_jitter_put(jb, &p), SIP_JITTER_STORED);
	assert_int_equal(jb->slot[jb->hi_seq % SIP_JITTER_SLOTS].samples, 960);
	p.seq++;
	p.ts += 960;
	p.samples = 0xffffffff;
	assert_int_equal(sip_jitter_put(jb, &p), SIP_JITTER_STORED);
	assert_int_equal(jb->slot[jb->hi_seq % SIP_JITTER_SLOTS].samples, 5760);
	free(jb);
}

/* More packets than slots, with nothing taken out: the newest stay. */
static void test_full(void **state)
{
	struct sip_jitter *jb = new_jb(true);

	for (unsigned n = 0; n < 3 * SIP_JITTER_SLOTS; n++)
		assert_int_equal(put_n(jb, 1, 0, 0, n, F), SIP_JITTER_STORED);
	assert_int_equal(jb->n_used, SIP_JITTER_SLOTS);
	assert_int_equal(jb->stats.full, 2 * SIP_JITTER_SLOTS);
	/* An old one now finds its slot taken by a newer one. */
	assert_int_equal(put_n(jb, 1, 0, 0, 2 * SIP_JITTER_SLOTS - 1, F), SIP_JITTER_FULL);
	/* Playing starts from the oldest held and cuts back to max_delay. */
	struct tick t = get(jb);
	assert_int_equal(t.packets, 1);
	for (unsigned k = 0; k < 50; k++)
		get(jb);
	assert_true(jb->n_used * 20 <= 200);
	sip_jitter_reset(jb);
	assert_int_equal(jb->n_used, 0);
	assert_true(get(jb).empty);
	free(jb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_delay_and_steady_play),
		cmocka_unit_test(test_reorder_and_duplicates),
		cmocka_unit_test(test_loss_gives_conceal_with_next_packet),
		cmocka_unit_test(test_underrun_waits_for_late_packets),
		cmocka_unit_test(test_random_jitter_adapts),
		cmocka_unit_test(test_late_packet_dropped_and_delay_grows),
		cmocka_unit_test(test_excess_delay_shrinks),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_ssrc_change_and_jumps_restart),
		cmocka_unit_test(test_ptime_10),
		cmocka_unit_test(test_ptime_30_and_60),
		cmocka_unit_test(test_silence_then_talkspurt),
		cmocka_unit_test(test_lone_packet_plays),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
