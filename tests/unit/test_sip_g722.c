/* Unit tests for sip/sip_g722.c: wideband tones (including one above the
 * telephone band) survive encode and decode at 64 kbit/s, sizes follow
 * RFC 3551 (160 bytes, 320 samples per 20 ms), any bytes decode, and bad
 * arguments are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "sip/sip_g722.h"
#include "tests/unit/sip_audio_test_util.h"

static void test_wideband_tones_roundtrip(void **state)
{
	const double freqs[] = { 300, 1000, 3000, 6000 };

	for (unsigned t = 0; t < 4; t++) {
		struct sip_g722_enc *e;
		struct sip_g722_dec *d;
		int16_t in[SIP_G722_FRAME], out[SIP_G722_FRAME];
		uint8_t code[SIP_G722_FRAME / 2];
		assert_int_equal(sip_g722_enc_create(&e), 0);
		assert_int_equal(sip_g722_dec_create(&d), 0);
		for (unsigned k = 0; k < 20; k++) {
			tone(in, SIP_G722_FRAME, freqs[t], 8000, SIP_G722_RATE, (size_t)k * SIP_G722_FRAME);
			assert_int_equal(sip_g722_encode(e, in, SIP_G722_FRAME, code), 160);
			assert_int_equal(sip_g722_decode(d, code, sizeof(code), out), SIP_G722_FRAME);
		}
		double amp = goertzel(out, SIP_G722_FRAME, freqs[t], SIP_G722_RATE);
		assert_true(fabs(db(amp / 8000)) < 1.0);
		sip_g722_enc_destroy(e);
		sip_g722_dec_destroy(d);
	}
}

static void test_any_bytes_decode(void **state)
{
	struct sip_g722_dec *d;
	uint8_t code[160];
	int16_t out[320];

	assert_int_equal(sip_g722_dec_create(&d), 0);
	srand(9);
	for (unsigned k = 0; k < 100; k++) {
		for (unsigned i = 0; i < sizeof(code); i++)
			code[i] = (uint8_t)rand();
		size_t n = 1 + (size_t)rand() % sizeof(code);
		assert_int_equal(sip_g722_decode(d, code, n, out), (int)(2 * n));
	}
	sip_g722_dec_destroy(d);
}

static void test_bad_arguments(void **state)
{
	struct sip_g722_enc *e;
	struct sip_g722_dec *d;
	int16_t pcm[320] = { 0 };
	uint8_t code[160] = { 0 };

	assert_int_equal(sip_g722_enc_create(&e), 0);
	assert_int_equal(sip_g722_dec_create(&d), 0);
	assert_int_equal(sip_g722_encode(e, pcm, 319, code), -EINVAL);
	assert_int_equal(sip_g722_encode(e, NULL, 320, code), -EINVAL);
	assert_int_equal(sip_g722_encode(NULL, pcm, 320, code), -EINVAL);
	assert_int_equal(sip_g722_encode(e, pcm, 0, NULL), 0);
	assert_int_equal(sip_g722_decode(d, NULL, 10, pcm), -EINVAL);
	assert_int_equal(sip_g722_decode(d, code, 10, NULL), -EINVAL);
	assert_int_equal(sip_g722_decode(NULL, code, 10, pcm), -EINVAL);
	assert_int_equal(sip_g722_decode(d, code, 0, NULL), 0);
	sip_g722_enc_destroy(e);
	sip_g722_dec_destroy(d);
	sip_g722_enc_destroy(NULL);
	sip_g722_dec_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wideband_tones_roundtrip),
		cmocka_unit_test(test_any_bytes_decode),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
