/* Unit tests for sip/sip_mixer.c, on synthetic tones at distinct
 * frequencies measured with a Goertzel filter: each listener hears every
 * selected source but its own (also when the sum clips), callers hear each
 * other, the loudest N are picked from levels alone with hysteresis, a
 * silent room gives frames of zeros, and malformed input is refused and
 * counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "sip/sip_mixer.h"
#include "tests/unit/sip_audio_test_util.h"

#define N SIP_MIXER_FRAME

/* Whole cycles in 20 ms, and no low-order intermodulation product of any
 * two lands on another. */
static const double freq[] = { 400, 1150, 1750, 2600, 3300 };

static struct sip_mixer *new_mixer(unsigned max_selected)
{
	struct sip_mixer_config c;
	struct sip_mixer *m = malloc(sizeof(*m));

	assert_non_null(m);
	sip_mixer_config_default(&c);
	if (max_selected)
		c.max_selected = max_selected;
	assert_int_equal(sip_mixer_init(m, &c), 0);
	return m;
}

/* Source id i + 1 plays freq[i]. */
static int16_t pcm[5][N];

static void make_tones(double amp)
{
	for (unsigned i = 0; i < 5; i++)
		tone(pcm[i], N, freq[i], amp, 48000, 0);
}

static double heard(const int16_t *out, unsigned source_id)
{
	return goertzel(out, N, freq[source_id - 1], 48000);
}

/* One tick: levels, selection, decode (the tones) of the selection only,
 * mix for the listeners. */
static unsigned tick(struct sip_mixer *m, const int *levels, unsigned n_src,
		     const struct sip_mixer_listener *ls, unsigned n_ls, struct sip_mixer_selection *sel)
{
	struct sip_mixer_input in[SIP_MIXER_MAX_SELECT];

	for (unsigned i = 0; i < n_src; i++)
		assert_int_equal(sip_mixer_set_level(m, i + 1, levels[i]), 0);
	unsigned n = sip_mixer_select(m, sel);
	for (unsigned i = 0; i < n; i++)
		in[i] = (struct sip_mixer_input){ .id = sel->id[i], .pcm = pcm[sel->id[i] - 1] };
	assert_int_equal(sip_mixer_mix(m, in, n, ls, n_ls), (int)n);
	return n;
}

static void test_mix_minus_tones(void **state)
{
	struct sip_mixer *m = new_mixer(3);
	struct sip_mixer_selection sel;
	static int16_t out[5][N];
	const int levels[] = { 20, 20, 20 };
	/* Sources 1..3 speak; 99 is a listener with no voice in the room. */
	const struct sip_mixer_listener ls[] = { { 1, out[0] }, { 2, out[1] }, { 3, out[2] },
						 { 99, out[3] }, { SIP_MIXER_NO_SOURCE, out[4] } };

	make_tones(6000);
	for (uint32_t id = 1; id <= 3; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	for (unsigned t = 0; t < 2; t++) {
		assert_int_equal(tick(m, levels, 3, ls, 5, &sel), 3);
		for (unsigned l = 0; l < 3; l++) {
			for (uint32_t s = 1; s <= 3; s++) {
				double a = heard(out[l], s);
				if (s == l + 1) {
					/* Not a trace of their own voice. (On the
					 * first tick the others' fade-in leaks into
					 * every bin: checked exactly below.) */
					assert_true(t == 0 || a < 0.5);
				} else if (t == 1)
					assert_true(fabs(db(a / 6000)) < 0.05);
				else
					assert_true(a > 2000); /* first tick: fading in */
			}
		}
		for (unsigned l = 3; l < 5; l++)
			for (uint32_t s = 1; s <= 3; s++)
				assert_true(t == 0 || fabs(db(heard(out[l], s) / 6000)) < 0.05);
		if (t == 1)
			continue;
		/* While fading in, the proof is exact: what listener l hears is
		 * bit for bit a mix made without l at all. */
		for (unsigned l = 0; l < 3; l++) {
			struct sip_mixer *other = new_mixer(3);
			struct sip_mixer_input in[2];
			static int16_t without[N];
			unsigned n = 0;
			for (uint32_t id = 1; id <= 3; id++) {
				assert_int_equal(sip_mixer_add_source(other, id), 0);
				assert_int_equal(sip_mixer_set_level(other, id, 20), 0);
			}
			assert_int_equal(sip_mixer_select(other, &sel), 3);
			for (uint32_t id = 1; id <= 3; id++)
				if (id != l + 1)
					in[n++] = (struct sip_mixer_input){ .id = id, .pcm = pcm[id - 1] };
			assert_int_equal(sip_mixer_mix(other, in, 2, NULL, 0), 2);
			sip_mixer_output(other, SIP_MIXER_NO_SOURCE, without);
			assert_memory_equal(out[l], without, sizeof(without));
			free(other);
		}
	}
	/* Exactly: the sum of the others. */
	for (unsigned k = 0; k < N; k++)
		assert_int_equal(out[0][k], pcm[1][k] + pcm[2][k]);
	assert_int_equal(m->stats.clipped, 0);
	free(m);
}

/* Two callers and a browser: each caller hears the other and the browser;
 * the browser's own listener is the SFU, not this mixer. */
static void test_callers_hear_each_other(void **state)
{
	struct sip_mixer *m = new_mixer(0);
	struct sip_mixer_selection sel;
	static int16_t a[N], b[N];
	const int levels[] = { 30, 30, 30 };
	const struct sip_mixer_listener ls[] = { { 2, a }, { 3, b } };

	make_tones(5000);
	for (uint32_t id = 1; id <= 3; id++) /* 1 browser, 2 and 3 callers */
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	tick(m, levels, 3, ls, 2, &sel);
	tick(m, levels, 3, ls, 2, &sel);
	assert_true(heard(a, 1) > 4900 && heard(a, 3) > 4900 && heard(a, 2) < 0.5);
	assert_true(heard(b, 1) > 4900 && heard(b, 2) > 4900 && heard(b, 3) < 0.5);
	free(m);
}

/* Loud enough to overflow: clipping (or limiting) happens after the own
 * voice is taken out, so it still cannot be heard. */
static void test_never_hears_self_when_saturated(void **state)
{
	for (int soft = 0; soft <= 1; soft++) {
		struct sip_mixer_config c;
		struct sip_mixer m;
		struct sip_mixer_selection sel;
		static int16_t out[N];
		const int levels[] = { 1, 1, 1 };
		const struct sip_mixer_listener ls[] = { { 1, out } };

		sip_mixer_config_default(&c);
		c.soft_limit = soft;
		assert_int_equal(sip_mixer_init(&m, &c), 0);
		make_tones(20000);
		for (uint32_t id = 1; id <= 3; id++)
			assert_int_equal(sip_mixer_add_source(&m, id), 0);
		tick(&m, levels, 3, ls, 1, &sel);
		tick(&m, levels, 3, ls, 1, &sel);
		assert_true(m.stats.clipped > 0);
		assert_true(heard(out, 1) < 20000 * 0.003); /* below -50 dB */
		assert_true(heard(out, 2) > 10000 && heard(out, 3) > 10000);
		for (unsigned k = 1; k < N; k++) /* limited, not wrapped around */
			assert_true(abs(out[k] - out[k - 1]) < 20000);
	}
}

static void test_loudest_n(void **state)
{
	struct sip_mixer *m = new_mixer(3);
	struct sip_mixer_selection sel;
	/* Levels are -dBov: 10 is the loudest. */
	const int levels[] = { 70, 10, 90, 30, 50 };

	make_tones(1000);
	for (uint32_t id = 1; id <= 5; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	assert_int_equal(tick(m, levels, 5, NULL, 0, &sel), 3);
	assert_int_equal(sel.id[0], 2);
	assert_int_equal(sel.id[1], 4);
	assert_int_equal(sel.id[2], 5);
	assert_true(sel.fresh[0] && sel.fresh[1] && sel.fresh[2]);
	assert_int_equal(tick(m, levels, 5, NULL, 0, &sel), 3);
	assert_false(sel.fresh[0] || sel.fresh[1] || sel.fresh[2]);
	free(m);

	/* N = 1: only the loudest; N = 8 with 5 sources: all of them. */
	m = new_mixer(1);
	for (uint32_t id = 1; id <= 5; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	assert_int_equal(tick(m, levels, 5, NULL, 0, &sel), 1);
	assert_int_equal(sel.id[0], 2);
	free(m);
	m = new_mixer(SIP_MIXER_MAX_SELECT);
	for (uint32_t id = 1; id <= 5; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	assert_int_equal(tick(m, levels, 5, NULL, 0, &sel), 5);
	free(m);
}

/* The fourth voice must be clearly louder than the weakest selected, and
 * that one must have had its hold time, before they swap. */
static void test_hysteresis(void **state)
{
	struct sip_mixer *m = new_mixer(3);
	struct sip_mixer_selection sel;
	int levels[] = { 20, 25, 40, 60 };

	make_tones(1000);
	for (uint32_t id = 1; id <= 4; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	for (unsigned t = 0; t < 20; t++)
		tick(m, levels, 4, NULL, 0, &sel);
	assert_int_equal(m->stats.switches, 3);
	/* 4 gets 3 dB louder than 3: not enough. */
	levels[3] = 37;
	for (unsigned t = 0; t < 50; t++)
		tick(m, levels, 4, NULL, 0, &sel);
	assert_int_equal(m->stats.switches, 3);
	/* 10 dB louder: it comes in, 3 goes. */
	levels[3] = 30;
	for (unsigned t = 0; t < 5; t++)
		tick(m, levels, 4, NULL, 0, &sel);
	assert_int_equal(m->stats.switches, 4);
	assert_int_equal(sel.id[2], 4);
	/* Two voices trading places by 4 dB every tick: no flapping. */
	for (unsigned t = 0; t < 100; t++) {
		levels[2] = t % 2 ? 28 : 32;
		levels[3] = t % 2 ? 32 : 28;
		tick(m, levels, 4, NULL, 0, &sel);
	}
	assert_int_equal(m->stats.switches, 4);
	/* The newcomer is held: 3 roaring back right after loses for 200 ms. */
	free(m);
	m = new_mixer(1);
	const int one[] = { 50, 100 };
	for (uint32_t id = 1; id <= 2; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	tick(m, one, 2, NULL, 0, &sel);
	assert_int_equal(sel.id[0], 1);
	const int two[] = { 50, 5 };
	unsigned waited = 0;
	while (tick(m, two, 2, NULL, 0, &sel) && sel.id[0] == 1)
		waited++;
	assert_int_equal(sel.id[0], 2);
	assert_true(waited >= 9 && waited <= 10);
	free(m);
}

/* No sources, silent sources, no inputs: every listener still gets a frame,
 * of zeros. */
static void test_silent_room_gives_silence(void **state)
{
	struct sip_mixer *m = new_mixer(3);
	struct sip_mixer_selection sel;
	static int16_t out[2][N];
	const struct sip_mixer_listener ls[] = { { 1, out[0] }, { SIP_MIXER_NO_SOURCE, out[1] } };

	memset(out, 0x55, sizeof(out));
	assert_int_equal(sip_mixer_select(m, &sel), 0);
	assert_int_equal(sip_mixer_mix(m, NULL, 0, ls, 2), 0);
	for (unsigned k = 0; k < N; k++)
		assert_true(out[0][k] == 0 && out[1][k] == 0);

	/* Muted microphones send level 127: nobody is selected. */
	const int muted[] = { 127, 127, 120 };
	for (uint32_t id = 1; id <= 3; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(tick(m, muted, 3, ls, 2, &sel), 0);
	for (unsigned k = 0; k < N; k++)
		assert_true(out[0][k] == 0 && out[1][k] == 0);

	/* A speaker who stops sending levels fades out of the selection. */
	const int speaking[] = { 20, 127, 127 };
	make_tones(1000);
	assert_int_equal(tick(m, speaking, 3, ls, 2, &sel), 1);
	unsigned t = 0;
	while (sip_mixer_select(m, &sel) && t < 1000)
		t++;
	assert_int_equal(sel.n, 0);
	assert_true(t > 5 && t < 100);
	sip_mixer_output(m, 1, out[0]);
	free(m);
}

static void test_malformed_input(void **state)
{
	struct sip_mixer *m = new_mixer(3);
	struct sip_mixer_config c;
	static int16_t out[N];

	sip_mixer_config_default(&c);
	c.max_selected = 0;
	assert_int_equal(sip_mixer_init(m, &c), -EINVAL);
	c.max_selected = SIP_MIXER_MAX_SELECT + 1;
	assert_int_equal(sip_mixer_init(m, &c), -EINVAL);
	assert_int_equal(sip_mixer_init(NULL, NULL), -EINVAL);
	assert_int_equal(sip_mixer_init(m, NULL), 0);
	assert_int_equal(m->cfg.max_selected, 3);

	/* Sources: id 0, duplicates, past capacity, unknown. */
	assert_int_equal(sip_mixer_add_source(m, SIP_MIXER_NO_SOURCE), -EINVAL);
	for (uint32_t id = 1; id <= SIP_MIXER_MAX_SOURCES; id++)
		assert_int_equal(sip_mixer_add_source(m, id), 0);
	assert_int_equal(sip_mixer_add_source(m, 5), -EEXIST);
	assert_int_equal(sip_mixer_add_source(m, 1000), -ENOSPC);
	assert_int_equal(sip_mixer_remove_source(m, 1000), -ENOENT);
	assert_int_equal(sip_mixer_remove_source(m, 7), 0);
	assert_int_equal(sip_mixer_add_source(m, 1000), 0);

	/* Levels out of range and for unknown sources. */
	assert_int_equal(sip_mixer_set_level(m, 1, -1), -EINVAL);
	assert_int_equal(sip_mixer_set_level(m, 1, 128), -EINVAL);
	assert_int_equal(sip_mixer_set_level(m, 1, 255), -EINVAL);
	assert_int_equal(sip_mixer_set_level(m, 7, 10), -ENOENT);
	assert_int_equal(m->stats.bad_levels, 3);
	assert_int_equal(m->stats.unknown_ids, 1);
	assert_int_equal(m->src[0].loud_q8, 0); /* nothing taken from them */

	/* Inputs: repeated ids, NULL pcm, id 0, more than can be mixed. */
	make_tones(3000);
	struct sip_mixer_input in[12];
	for (unsigned i = 0; i < 12; i++)
		in[i] = (struct sip_mixer_input){ .id = 10 + i, .pcm = pcm[0] };
	in[0] = (struct sip_mixer_input){ .id = 1, .pcm = pcm[0] };
	in[1] = (struct sip_mixer_input){ .id = 1, .pcm = pcm[1] };
	in[2] = (struct sip_mixer_input){ .id = 2, .pcm = NULL };
	in[3] = (struct sip_mixer_input){ .id = SIP_MIXER_NO_SOURCE, .pcm = pcm[2] };
	assert_int_equal(sip_mixer_mix(m, in, 12, NULL, 0), SIP_MIXER_MAX_SELECT);
	assert_int_equal(m->stats.duplicate_inputs, 1);
	assert_int_equal(m->stats.null_inputs, 2);
	assert_int_equal(m->stats.excess_inputs, 12 - 3 - SIP_MIXER_MAX_SELECT);
	/* Listener 1 hears none of 1's tone: the first copy is the one mixed,
	 * and the repeat (1150 Hz) was dropped. */
	sip_mixer_output(m, 1, out);
	assert_true(heard(out, 2) < 0.5);
	assert_int_equal(sip_mixer_mix(NULL, in, 1, NULL, 0), -EINVAL);
	assert_int_equal(sip_mixer_mix(m, NULL, 1, NULL, 0), -EINVAL);
	assert_int_equal(sip_mixer_mix(m, in, 1, NULL, 1), -EINVAL);
	sip_mixer_output(m, 1, NULL);
	sip_mixer_output(NULL, 1, out);
	free(m);
}

static void test_level_of_pcm(void **state)
{
	int16_t x[N];

	tone(x, N, 1000, 32767, 48000, 0);
	assert_int_equal(sip_mixer_level(x, N), 3); /* a full-scale sine: -3 dBov */
	tone(x, N, 1000, 3277, 48000, 0);
	assert_int_equal(sip_mixer_level(x, N), 23);
	memset(x, 0, sizeof(x));
	assert_int_equal(sip_mixer_level(x, N), 127);
	x[0] = 1;
	assert_int_equal(sip_mixer_level(x, N), 120); /* one LSB in 20 ms: -120 dBov */
	assert_int_equal(sip_mixer_level(NULL, N), 127);
	assert_int_equal(sip_mixer_level(x, 0), 127);
	for (unsigned k = 0; k < N; k++)
		x[k] = k % 2 ? 32767 : -32768;
	assert_int_equal(sip_mixer_level(x, N), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mix_minus_tones),
		cmocka_unit_test(test_callers_hear_each_other),
		cmocka_unit_test(test_never_hears_self_when_saturated),
		cmocka_unit_test(test_loudest_n),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_silent_room_gives_silence),
		cmocka_unit_test(test_malformed_input),
		cmocka_unit_test(test_level_of_pcm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
