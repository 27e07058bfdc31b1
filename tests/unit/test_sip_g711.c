/* Unit tests for sip/sip_g711.c: G.711 against the ITU reference algorithm
 * for every input, the resampler's passband, alias and image rejection and
 * its independence from framing, and PCM loss concealment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "sip/sip_g711.h"
#include "tests/unit/sip_audio_test_util.h"

/* ---- The reference coder (ITU-T G.191 / Sun g711.c), loops and all ---- */

static int search(int val, const int *table, int size)
{
	for (int i = 0; i < size; i++)
		if (val <= table[i])
			return i;
	return size;
}

static uint8_t ref_ulaw(int16_t pcm)
{
	static const int seg_uend[8] = { 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff };
	int v = pcm >> 2, mask;

	if (v < 0) {
		v = -v;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (v > 8159)
		v = 8159;
	v += 0x84 >> 2;
	int seg = search(v, seg_uend, 8);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0xf)) ^ mask);
}

static int ref_ulaw_decode(uint8_t u)
{
	u = (uint8_t)~u;
	int t = ((u & 0xf) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static uint8_t ref_alaw(int16_t pcm)
{
	static const int seg_aend[8] = { 0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff };
	int v = pcm >> 3, mask;

	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	int seg = search(v, seg_aend, 8);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	int a = seg << 4;
	a |= seg < 2 ? (v >> 1) & 0xf : (v >> seg) & 0xf;
	return (uint8_t)(a ^ mask);
}

static int ref_alaw_decode(uint8_t a)
{
	a ^= 0x55;
	int t = (a & 0xf) << 4;
	int seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

static void test_ulaw_matches_reference(void **state)
{
	for (int x = -32768; x <= 32767; x++)
		assert_int_equal(sip_g711_ulaw_encode((int16_t)x), ref_ulaw((int16_t)x));
	for (int c = 0; c < 256; c++)
		assert_int_equal(sip_g711_ulaw_decode((uint8_t)c), ref_ulaw_decode((uint8_t)c));
	assert_int_equal(sip_g711_ulaw_encode(0), 0xff);
	assert_int_equal(sip_g711_ulaw_decode(0xff), 0);
	assert_int_equal(sip_g711_ulaw_decode(0x80), 32124);
	assert_int_equal(sip_g711_ulaw_decode(0x00), -32124);
	assert_int_equal(sip_g711_silence(SIP_G711_ULAW), 0xff);
}

static void test_alaw_matches_reference(void **state)
{
	for (int x = -32768; x <= 32767; x++)
		assert_int_equal(sip_g711_alaw_encode((int16_t)x), ref_alaw((int16_t)x));
	for (int c = 0; c < 256; c++)
		assert_int_equal(sip_g711_alaw_decode((uint8_t)c), ref_alaw_decode((uint8_t)c));
	assert_int_equal(sip_g711_alaw_encode(0), 0xd5);
	assert_int_equal(sip_g711_alaw_decode(0xd5), 8);
	assert_int_equal(sip_g711_alaw_decode(0xaa), 32256);
	assert_int_equal(sip_g711_alaw_decode(0x2a), -32256);
	assert_int_equal(sip_g711_silence(SIP_G711_ALAW), 0xd5);
}

/* Encoding a decoded value gives back a code for the same value. */
static void test_decode_encode_stable(void **state)
{
	for (int c = 0; c < 256; c++) {
		int16_t u = sip_g711_ulaw_decode((uint8_t)c), a = sip_g711_alaw_decode((uint8_t)c);
		assert_int_equal(sip_g711_ulaw_decode(sip_g711_ulaw_encode(u)), u);
		assert_int_equal(sip_g711_alaw_decode(sip_g711_alaw_encode(a)), a);
	}
}

/* G.711 on a speech-level tone: about 38 dB signal to noise. */
static void test_buffer_roundtrip_snr(void **state)
{
	int16_t x[1600], y[1600];
	uint8_t code[1600];

	tone(x, 1600, 1000, 8000, 8000, 0);
	for (int law = SIP_G711_ULAW; law <= SIP_G711_ALAW; law++) {
		sip_g711_encode((enum sip_g711_law)law, x, 1600, code);
		sip_g711_decode((enum sip_g711_law)law, code, 1600, y);
		double sig = 0, err = 0;
		for (int i = 0; i < 1600; i++) {
			sig += (double)x[i] * x[i];
			err += (double)(x[i] - y[i]) * (x[i] - y[i]);
		}
		assert_true(10 * log10(sig / err) > 35);
	}
}

/* ---- Resampler ---- */

/* Runs a tone of f Hz through 48 kHz -> out_rate in 20 ms frames and
 * returns the amplitude (dB re. the input's) at f_measure over the last
 * 100 ms of output. */
static double through(unsigned out_rate, double f, double f_measure)
{
	const unsigned in_rate = 48000;
	struct sip_resampler r;
	size_t frame_in = in_rate / 50, frame_out = out_rate / 50;
	int16_t in[960], out[960 * 10];
	size_t done = 0;

	assert_int_equal(sip_resampler_init(&r, out_rate), 0);
	for (unsigned k = 0; k < 10; k++) {
		tone(in, frame_in, f, 10000, in_rate, k * frame_in);
		int n = sip_resampler_process(&r, in, frame_in, out + done, frame_out);
		assert_int_equal(n, (int)frame_out);
		done += (size_t)n;
	}
	return db(goertzel(out + done - out_rate / 10, out_rate / 10, f_measure, out_rate) / 10000);
}

static void test_resampler_8k(void **state)
{
	/* Passband: the telephone band, flat. */
	const double pass[] = { 300, 1000, 2000, 3000, 3400 };
	for (unsigned i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		assert_true(fabs(through(8000, pass[i], pass[i])) < 0.1);
	/* What folds back into the band. */
	const double down[] = { 4200, 4600, 5000, 6000, 7000, 10000, 15000, 20000 };
	for (unsigned i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
		double alias = fmod(down[i], 8000);
		if (alias > 4000)
			alias = 8000 - alias;
		assert_true(through(8000, down[i], alias) < -72);
	}
	/* The knee is where the header says. */
	double knee = through(8000, 3800, 3800);
	assert_true(knee < -5.5 && knee > -6.5);
}

static void test_resampler_16k(void **state)
{
	const double pass[] = { 100, 1000, 4000, 6000, 7000 };
	for (unsigned i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		assert_true(fabs(through(16000, pass[i], pass[i])) < 0.1);
	const double down[] = { 8400, 9000, 10000, 12000, 20000 };
	for (unsigned i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
		double alias = fmod(down[i], 16000);
		if (alias > 8000)
			alias = 16000 - alias;
		assert_true(through(16000, down[i], alias) < -72);
	}
}

/* The same stream gives the same output however it is cut up. */
static void test_resampler_framing(void **state)
{
	const unsigned rates[] = { 8000, 16000, 48000 };
	int16_t in[4800], whole[4800], cut[4800];

	srand(7);
	for (unsigned i = 0; i < 4800; i++)
		in[i] = (int16_t)(rand() % 40000 - 20000);
	for (unsigned t = 0; t < 3; t++) {
		struct sip_resampler a, b;
		assert_int_equal(sip_resampler_init(&a, rates[t]), 0);
		assert_int_equal(sip_resampler_init(&b, rates[t]), 0);
		int n = sip_resampler_process(&a, in, 4800, whole, sizeof(whole) / 2);
		assert_int_equal((size_t)n, 4800 * (size_t)rates[t] / 48000);
		size_t pos = 0, done = 0;
		for (unsigned chunk = 1; pos < 4800; chunk = chunk * 7 % 613 + 1) {
			size_t len = chunk < 4800 - pos ? chunk : 4800 - pos;
			int got = sip_resampler_process(&b, in + pos, len, cut + done, sizeof(cut) / 2 - done);
			assert_true(got >= 0);
			pos += len;
			done += (size_t)got;
		}
		assert_int_equal(done, (size_t)n);
		assert_memory_equal(whole, cut, done * 2);
	}
}

static void test_resampler_malformed(void **state)
{
	struct sip_resampler r;
	int16_t in[160], out[960] = { 0 };

	assert_int_equal(sip_resampler_init(&r, 44100), -EINVAL);
	assert_int_equal(sip_resampler_init(&r, 96000), -EINVAL);
	assert_int_equal(sip_resampler_init(&r, 0), -EINVAL);
	assert_int_equal(sip_resampler_init(NULL, 8000), -EINVAL);
	assert_int_equal(sip_resampler_init(&r, 16000), 0);
	assert_int_equal(sip_resampler_process(&r, out, 960, in, 160), -ENOSPC); /* needs 320 */
	assert_int_equal(sip_resampler_process(&r, NULL, 960, in, 160), -EINVAL);
	assert_int_equal(sip_resampler_process(&r, out, 0, in, 0), 0);
	assert_int_equal(sip_resampler_process(&r, out, 480, in, 160), 160);
	assert_int_equal(sip_resampler_init(&r, 8000), 0);
	assert_int_equal(sip_resampler_out_len(&r, 5), 0);
	assert_int_equal(sip_resampler_process(&r, out, 5, NULL, 0), 0); /* held as history */
	assert_int_equal(sip_resampler_out_len(&r, 1), 1);
	assert_int_equal(sip_resampler_process(&r, out, 1, in, 0), -ENOSPC);
	assert_int_equal(sip_resampler_process(&r, out, 1, in, 1), 1);
	sip_resampler_reset(&r);
	assert_int_equal(sip_resampler_out_len(&r, 5), 0);
}

/* ---- Loss concealment ---- */

static double snr(const int16_t *ref, const int16_t *x, size_t n)
{
	double sig = 0, err = 0;

	for (size_t i = 0; i < n; i++) {
		sig += (double)ref[i] * ref[i];
		err += (double)(ref[i] - x[i]) * (ref[i] - x[i]);
	}
	return 10 * log10(sig / (err + 1));
}

static void test_plc_continues_voiced_sound(void **state)
{
	const unsigned rates[] = { 8000, 16000 };

	for (unsigned r = 0; r < 2; r++) {
		unsigned rate = rates[r], frame = rate / 50;
		struct sip_plc p;
		int16_t x[320], truth[320];
		assert_int_equal(sip_plc_init(&p, rate), 0);
		/* 200 Hz with a harmonic, like a voiced vowel, for 100 ms. */
		for (unsigned k = 0; k < 5; k++) {
			for (unsigned i = 0; i < frame; i++) {
				double t = (double)(k * frame + i) / rate;
				x[i] = (int16_t)lrint(6000 * sin(2 * M_PI * 200 * t) +
						      2000 * sin(2 * M_PI * 400 * t + 1));
			}
			sip_plc_good(&p, x, frame);
		}
		for (unsigned i = 0; i < frame; i++) {
			double t = (double)(5 * frame + i) / rate;
			truth[i] = (int16_t)lrint(6000 * sin(2 * M_PI * 200 * t) +
						  2000 * sin(2 * M_PI * 400 * t + 1));
		}
		sip_plc_conceal(&p, x, frame);
		/* The first 10 ms at full level match the lost signal closely. */
		assert_true(snr(truth, x, frame / 2) > 20);
		assert_int_equal(p.pitch, rate / 200);
	}
}

static void test_plc_fades_to_silence(void **state)
{
	struct sip_plc p;
	int16_t x[160];

	assert_int_equal(sip_plc_init(&p, 8000), 0);
	for (unsigned k = 0; k < 3; k++) {
		tone(x, 160, 250, 8000, 8000, k * 160);
		sip_plc_good(&p, x, 160);
	}
	double peak[4] = { 0 };
	for (unsigned k = 0; k < 4; k++) {
		sip_plc_conceal(&p, x, 160);
		for (unsigned i = 0; i < 160; i++)
			peak[k] = fmax(peak[k], abs(x[i]));
	}
	assert_true(peak[0] > 7000);
	assert_true(peak[1] < peak[0] && peak[2] < peak[1]);
	assert_true(peak[3] == 0); /* 60 ms and on */
}

/* Audio after a loss joins the concealment without a step. */
static void test_plc_recovery_crossfade(void **state)
{
	struct sip_plc p;
	int16_t x[160], last = 0;

	assert_int_equal(sip_plc_init(&p, 8000), 0);
	for (unsigned k = 0; k < 3; k++) {
		tone(x, 160, 200, 8000, 8000, k * 160);
		sip_plc_good(&p, x, 160);
	}
	sip_plc_conceal(&p, x, 160);
	last = x[159];
	/* The real signal comes back a quarter period off. */
	tone(x, 160, 200, 8000, 8000, 4 * 160 + 10);
	int16_t raw_first = x[0];
	sip_plc_good(&p, x, 160);
	assert_true(abs(raw_first - last) > 3000); /* a click without the fade */
	assert_true(abs(x[0] - last) < 1500);
	for (unsigned i = 1; i < 160; i++)
		assert_true(abs(x[i] - x[i - 1]) < 2000); /* the tone's own steps reach 1260 */
	assert_int_equal(p.lost, 0);
}

static void test_plc_malformed(void **state)
{
	struct sip_plc p;
	int16_t x[160] = { 0 };

	assert_int_equal(sip_plc_init(&p, 44100), -EINVAL);
	assert_int_equal(sip_plc_init(NULL, 8000), -EINVAL);
	assert_int_equal(sip_plc_init(&p, 8000), 0);
	/* Concealing with no history at all gives silence. */
	sip_plc_conceal(&p, x, 160);
	for (unsigned i = 0; i < 160; i++)
		assert_int_equal(x[i], 0);
	sip_plc_conceal(&p, NULL, 160);
	sip_plc_conceal(&p, x, 0);
	sip_plc_good(&p, NULL, 10);
	sip_plc_good(&p, x, 0);
	/* Frames longer than the history and a single sample are fine. */
	int16_t big[1000];
	tone(big, 1000, 300, 5000, 8000, 0);
	sip_plc_good(&p, big, 1000);
	sip_plc_conceal(&p, big, 1000);
	sip_plc_good(&p, x, 1);
	sip_plc_conceal(&p, x, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulaw_matches_reference),
		cmocka_unit_test(test_alaw_matches_reference),
		cmocka_unit_test(test_decode_encode_stable),
		cmocka_unit_test(test_buffer_roundtrip_snr),
		cmocka_unit_test(test_resampler_8k),
		cmocka_unit_test(test_resampler_16k),
		cmocka_unit_test(test_resampler_framing),
		cmocka_unit_test(test_resampler_malformed),
		cmocka_unit_test(test_plc_continues_voiced_sound),
		cmocka_unit_test(test_plc_fades_to_silence),
		cmocka_unit_test(test_plc_recovery_crossfade),
		cmocka_unit_test(test_plc_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
