/* Unit tests for sip/sip_room.c: room audio arrives as tapped Opus packets
 * (as sfu_sip.c copies them from the worker), and each caller hears every
 * other source but its own; sources that stop are forgotten; packets that
 * are not Opus, or are garbage, are counted or concealed, never fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sfu/codecs.h"
#include "sip/sip_mixer.h"
#include "sip/sip_opus.h"
#include "sip/sip_room.h"
#include "tests/unit/sip_audio_test_util.h"

#define FRAME SIP_MIXER_FRAME
#define TICK_US 20000

static const double freq[] = { 400, 1150, 1750 };
static const uint32_t ssrc[] = { 0x1111, 0x2222, 0x3333 };

struct feed {
	struct sip_opus_enc *enc[3];
	uint16_t seq;
	uint32_t ts;
	size_t sample;
};

static void feed_init(struct feed *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 3; i++)
		assert_int_equal(sip_opus_enc_create(&f->enc[i], NULL), 0);
}

static void feed_free(struct feed *f)
{
	for (int i = 0; i < 3; i++)
		sip_opus_enc_destroy(f->enc[i]);
}

/* One 20 ms packet of source i's tone, as the tap would copy it. */
static void put_tone(struct sip_room *r, struct feed *f, int i, int64_t now)
{
	int16_t pcm[FRAME];
	tone(pcm, FRAME, freq[i], 8000, 48000, f->sample);
	struct sfu_sip_audio a = { .ssrc = ssrc[i], .pt = codec_opus()->pt, .seq = f->seq, .ts = f->ts };
	a.level = sip_mixer_level(pcm, FRAME);
	int n = sip_opus_enc_encode(f->enc[i], pcm, a.payload, sizeof(a.payload));
	assert_true(n > 0);
	a.len = (uint16_t)n;
	sip_room_put(r, &a, now);
}

static void next_frame(struct feed *f)
{
	f->seq++;
	f->ts += FRAME;
	f->sample += FRAME;
}

/* Runs ticks with sources in `which` (bit i: source i speaks). */
static int64_t run(struct sip_room *r, struct feed *f, unsigned which, int ticks, int64_t now)
{
	for (int t = 0; t < ticks; t++, now += TICK_US) {
		for (int i = 0; i < 3; i++)
			if (which & (1u << i))
				put_tone(r, f, i, now);
		next_frame(f);
		sip_room_mix(r, now);
	}
	return now;
}

static double heard(struct sip_room *r, uint32_t own, int i)
{
	int16_t out[FRAME];
	sip_room_output(r, own, out);
	return goertzel(out, FRAME, freq[i], 48000);
}

static void test_each_caller_hears_the_others(void **state)
{
	struct sip_room *r;
	struct feed f;
	assert_int_equal(sip_room_create(&r, "tones"), 0);
	assert_string_equal(sip_room_name(r), "tones");
	feed_init(&f);
	run(r, &f, 7, 25, 1000000);
	assert_int_equal(sip_room_stats(r)->sources, 3);
	for (int own = 0; own < 3; own++) {
		for (int i = 0; i < 3; i++) {
			double a = heard(r, ssrc[own], i);
			if (i == own)
				assert_true(a < 200);     /* its own voice: not there */
			else
				assert_true(a > 3000);    /* the others': near their 8000 */
		}
	}
	/* A listener with no voice in the room hears everyone. */
	for (int i = 0; i < 3; i++)
		assert_true(heard(r, SIP_MIXER_NO_SOURCE, i) > 3000);
	assert_true(sip_room_stats(r)->decoded_frames > 0);
	feed_free(&f);
	sip_room_destroy(r);
}

static void test_silent_room_and_forgotten_sources(void **state)
{
	struct sip_room *r;
	struct feed f;
	assert_int_equal(sip_room_create(&r, "quiet"), 0);
	feed_init(&f);
	int16_t out[FRAME];
	sip_room_mix(r, 0);
	sip_room_output(r, ssrc[0], out);
	for (int i = 0; i < FRAME; i++)
		assert_int_equal(out[i], 0);
	int64_t now = run(r, &f, 3, 20, 1000000);
	assert_int_equal(sip_room_stats(r)->sources, 2);
	/* Source 1 stops; after ten seconds it is gone, source 0 stays. */
	now = run(r, &f, 1, 520, now);
	assert_int_equal(sip_room_stats(r)->sources, 1);
	assert_true(heard(r, SIP_MIXER_NO_SOURCE, 0) > 3000);
	assert_true(heard(r, SIP_MIXER_NO_SOURCE, 1) < 200);
	feed_free(&f);
	sip_room_destroy(r);
	sip_room_destroy(NULL);
}

static void test_bad_packets(void **state)
{
	struct sip_room *r;
	assert_int_equal(sip_room_create(&r, "bad"), 0);
	struct sfu_sip_audio a = { .ssrc = 9, .pt = 0, .len = 160, .level = 30 };
	sip_room_put(r, &a, 0);                       /* PCMU: not a room track */
	a.ssrc = SIP_MIXER_NO_SOURCE;
	a.pt = codec_opus()->pt;
	sip_room_put(r, &a, 0);                       /* the reserved id */
	assert_int_equal(sip_room_stats(r)->not_opus, 2);
	assert_int_equal(sip_room_stats(r)->sources, 0);
	/* Garbage payloads, empty ones and out-of-range levels: concealed. */
	int64_t now = 0;
	for (int t = 0; t < 50; t++, now += TICK_US) {
		struct sfu_sip_audio g = { .ssrc = 77, .pt = codec_opus()->pt, .seq = (uint16_t)t,
					   .ts = (uint32_t)t * FRAME, .level = (int16_t)(t % 3 ? 200 : -1) };
		g.len = (uint16_t)(t % 5 ? 1 + (t * 37) % SFU_SIP_AUDIO_MAX : 0);
		for (int i = 0; i < g.len; i++)
			g.payload[i] = (uint8_t)(i * 131 + t);
		sip_room_put(r, &g, now);
		sip_room_mix(r, now);
		int16_t out[FRAME];
		sip_room_output(r, 1, out);
	}
	assert_int_equal(sip_room_stats(r)->sources, 1);
	sip_room_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_caller_hears_the_others),
		cmocka_unit_test(test_silent_room_and_forgotten_sources),
		cmocka_unit_test(test_bad_packets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
