/* Unit tests for sip/sip_opus.c: a tone survives encode and decode, the
 * encoder's settings show in its packets (bitrate, no DTX gaps), stereo
 * streams come out mono, losses are concealed with PLC or FEC, and malformed
 * packets are concealed rather than failing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <opus/opus.h>

#include "sip/sip_opus.h"
#include "tests/unit/sip_audio_test_util.h"

#define FRAME SIP_OPUS_FRAME

struct fixture {
	struct sip_opus_enc *enc;
	struct sip_opus_dec *dec;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sip_opus_enc_create(&f->enc, NULL), 0);
	assert_int_equal(sip_opus_dec_create(&f->dec), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sip_opus_enc_destroy(f->enc);
	sip_opus_dec_destroy(f->dec);
	free(f);
	return 0;
}

static int encode_tone(struct sip_opus_enc *e, double hz, unsigned k, uint8_t *pkt)
{
	int16_t pcm[FRAME];

	tone(pcm, FRAME, hz, 8000, 48000, (size_t)k * FRAME);
	int n = sip_opus_enc_encode(e, pcm, pkt, SIP_OPUS_MAX_PACKET);
	assert_true(n > 0);
	return n;
}

static void test_tone_roundtrip(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[SIP_OPUS_MAX_PACKET];
	int16_t pcm[SIP_OPUS_MAX_SAMPLES];
	size_t bytes = 0;

	for (unsigned k = 0; k < 50; k++) {
		int n = encode_tone(f->enc, 700, k, pkt);
		bytes += (size_t)n;
		assert_int_equal(sip_opus_packet_samples(pkt, (size_t)n), FRAME);
		assert_int_equal(sip_opus_dec_decode(f->dec, pkt, (size_t)n, pcm, FRAME), FRAME);
	}
	/* About 28 kbit/s: 70 bytes a packet. */
	assert_true(bytes / 50 > 50 && bytes / 50 < 90);
	/* After a second, the tone is there at its level and little else. */
	double amp = goertzel(pcm, FRAME, 700, 48000);
	assert_true(fabs(db(amp / 8000)) < 1.5);
	assert_true(goertzel(pcm, FRAME, 1900, 48000) < amp / 100);
	assert_int_equal(sip_opus_dec_stats(f->dec)->packets, 50);
	assert_int_equal(sip_opus_dec_stats(f->dec)->malformed, 0);
}

/* A G.711 or G.722 caller's voice is encoded at its own rate; any decoder
 * plays it at 48 kHz. */
static void test_encode_at_caller_rates(void **state)
{
	struct fixture *f = *state;
	const int rates[] = { 8000, 16000 };

	for (unsigned r = 0; r < 2; r++) {
		struct sip_opus_enc_config c;
		struct sip_opus_enc *e;
		uint8_t pkt[SIP_OPUS_MAX_PACKET];
		int16_t in[320], pcm[FRAME];
		sip_opus_enc_config_default(&c);
		c.rate = rates[r];
		assert_int_equal(sip_opus_enc_create(&e, &c), 0);
		sip_opus_dec_reset(f->dec);
		for (unsigned k = 0; k < 30; k++) {
			tone(in, (size_t)rates[r] / 50, 600, 8000, (unsigned)rates[r], (size_t)k * rates[r] / 50);
			int n = sip_opus_enc_encode(e, in, pkt, sizeof(pkt));
			assert_true(n > 0);
			assert_int_equal(sip_opus_packet_samples(pkt, (size_t)n), FRAME);
			assert_int_equal(sip_opus_dec_decode(f->dec, pkt, (size_t)n, pcm, FRAME), FRAME);
		}
		assert_true(fabs(db(goertzel(pcm, FRAME, 600, 48000) / 8000)) < 1.5);
		sip_opus_enc_destroy(e);
	}
}

/* DTX off: silence is still sent as real packets every 20 ms, not as the
 * 1-2 byte DTX frames a browser would show as a gap. */
static void test_no_dtx(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[SIP_OPUS_MAX_PACKET];
	int16_t silence[FRAME] = { 0 };

	for (unsigned k = 0; k < 100; k++) {
		int n = sip_opus_enc_encode(f->enc, silence, pkt, sizeof(pkt));
		assert_true(n > 2);
		assert_int_equal(sip_opus_packet_samples(pkt, (size_t)n), FRAME);
	}
}

static void test_stereo_stream_decodes_mono(void **state)
{
	struct fixture *f = *state;
	int err;
	OpusEncoder *st = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
	int16_t stereo[FRAME * 2], pcm[FRAME];
	uint8_t pkt[SIP_OPUS_MAX_PACKET];

	assert_non_null(st);
	for (unsigned k = 0; k < 20; k++) {
		int16_t l[FRAME];
		tone(l, FRAME, 500, 6000, 48000, (size_t)k * FRAME);
		for (unsigned i = 0; i < FRAME; i++)
			stereo[2 * i] = stereo[2 * i + 1] = l[i];
		int n = opus_encode(st, stereo, FRAME, pkt, sizeof(pkt));
		assert_true(n > 0);
		assert_int_equal(sip_opus_dec_decode(f->dec, pkt, (size_t)n, pcm, FRAME), FRAME);
	}
	opus_encoder_destroy(st);
	assert_true(fabs(db(goertzel(pcm, FRAME, 500, 48000) / 6000)) < 1.5);
}

/* Something Opus's voice detector takes for speech (a pure tone is not, and
 * gets no FEC): 140 Hz with 20 harmonics, rising and falling 3 times a
 * second. */
static void voice(int16_t *x, unsigned k)
{
	for (unsigned i = 0; i < FRAME; i++) {
		double t = ((double)k * FRAME + i) / 48000, s = 0;
		for (int h = 1; h <= 20; h++)
			s += sin(2 * M_PI * 140 * h * t + h * h * 0.3) / h;
		x[i] = (int16_t)lrint((0.55 + 0.45 * sin(2 * M_PI * 3 * t)) * 5000 * s);
	}
}

static double snr(const int16_t *ref, const int16_t *x, size_t n)
{
	double sig = 0, err = 0;

	for (size_t i = 0; i < n; i++) {
		sig += (double)ref[i] * ref[i];
		err += (double)(ref[i] - x[i]) * (ref[i] - x[i]);
	}
	return 10 * log10(sig / (err + 1));
}

/* A lost packet is rebuilt from the next one's FEC when the caller has it,
 * and concealed by PLC otherwise; FEC comes closer to what the packet held. */
static void test_conceal_fec_and_plc(void **state)
{
	struct fixture *f = *state;
	struct sip_opus_dec *plc, *ref;
	uint8_t pkt[60][SIP_OPUS_MAX_PACKET];
	int len[60];
	int16_t pcm[SIP_OPUS_MAX_SAMPLES], plc_pcm[FRAME], ref_pcm[FRAME];

	assert_int_equal(sip_opus_dec_create(&plc), 0);
	assert_int_equal(sip_opus_dec_create(&ref), 0);
	for (unsigned k = 0; k < 60; k++) {
		voice(pcm, k);
		len[k] = sip_opus_enc_encode(f->enc, pcm, pkt[k], SIP_OPUS_MAX_PACKET);
		assert_true(len[k] > 0);
	}
	for (unsigned k = 0; k < 41; k++) {
		if (k < 40) {
			assert_int_equal(sip_opus_dec_decode(f->dec, pkt[k], (size_t)len[k], pcm, FRAME), FRAME);
			assert_int_equal(sip_opus_dec_decode(plc, pkt[k], (size_t)len[k], pcm, FRAME), FRAME);
		}
		assert_int_equal(sip_opus_dec_decode(ref, pkt[k], (size_t)len[k], ref_pcm, FRAME), FRAME);
	}
	/* 40 lost, 41 here: FEC; the other decoder conceals without it. */
	assert_int_equal(sip_opus_dec_conceal(f->dec, FRAME, pkt[41], (size_t)len[41], pcm, FRAME),
			 FRAME);
	assert_int_equal(sip_opus_dec_conceal(plc, FRAME, NULL, 0, plc_pcm, FRAME), FRAME);
	assert_int_equal(sip_opus_dec_stats(f->dec)->fec, 1);
	assert_int_equal(sip_opus_dec_stats(plc)->fec, 0);
	assert_int_equal(sip_opus_dec_stats(plc)->concealed, 1);
	assert_true(snr(ref_pcm, pcm, FRAME) > snr(ref_pcm, plc_pcm, FRAME) + 2);
	assert_true(snr(ref_pcm, pcm, FRAME) > 10);
	sip_opus_dec_destroy(plc);
	sip_opus_dec_destroy(ref);

	assert_int_equal(sip_opus_dec_decode(f->dec, pkt[41], (size_t)len[41], pcm, FRAME), FRAME);
	/* 42 and 43 lost before 44: PLC for the first 20 ms, FEC for the second. */
	assert_int_equal(sip_opus_dec_conceal(f->dec, 2 * FRAME, pkt[44], (size_t)len[44], pcm,
					      2 * FRAME),
			 2 * FRAME);
	assert_int_equal(sip_opus_dec_stats(f->dec)->fec, 2);
	/* Odd sizes round up to 2.5 ms, and stop at the buffer and at 120 ms. */
	assert_int_equal(sip_opus_dec_conceal(f->dec, 100, NULL, 0, pcm, FRAME), 120);
	assert_int_equal(sip_opus_dec_conceal(f->dec, 10000, NULL, 0, pcm, FRAME), FRAME);
	assert_int_equal(sip_opus_dec_conceal(f->dec, 10000, NULL, 0, pcm, SIP_OPUS_MAX_SAMPLES),
			 SIP_OPUS_MAX_SAMPLES);
	/* A next packet shorter than the loss's remainder, or malformed: PLC. */
	const uint8_t junk[] = { 0xff, 0xff };
	assert_int_equal(sip_opus_dec_conceal(f->dec, FRAME, junk, sizeof(junk), pcm, FRAME), FRAME);
	assert_int_equal(sip_opus_dec_stats(f->dec)->fec, 2);
	assert_int_equal(sip_opus_dec_conceal(f->dec, 0, NULL, 0, pcm, FRAME), -EINVAL);
	assert_int_equal(sip_opus_dec_conceal(f->dec, FRAME, NULL, 0, NULL, FRAME), -EINVAL);
}

static void test_malformed_packets_are_concealed(void **state)
{
	struct fixture *f = *state;
	int16_t pcm[SIP_OPUS_MAX_SAMPLES];
	uint8_t pkt[SIP_OPUS_MAX_PACKET];

	/* Code 3 (arbitrary frame count) with a count of 0, then of 49 frames
	 * (past 120 ms), then a truncated code 2 length. */
	const uint8_t zero_frames[] = { 0x03, 0x00 };
	const uint8_t too_long[] = { 0x03, 49, 1, 2, 3 };
	const uint8_t truncated[] = { 0x02, 0xfc };
	const uint8_t *bad[] = { zero_frames, too_long, truncated };
	const size_t bad_len[] = { sizeof(zero_frames), sizeof(too_long), sizeof(truncated) };
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sip_opus_dec_decode(f->dec, bad[i], bad_len[i], pcm, FRAME), FRAME);
	/* Only the first two are visibly bad from the TOC alone. */
	assert_int_equal(sip_opus_packet_samples(zero_frames, sizeof(zero_frames)), -EINVAL);
	assert_int_equal(sip_opus_packet_samples(too_long, sizeof(too_long)), -EINVAL);
	assert_int_equal(sip_opus_dec_decode(f->dec, NULL, 0, pcm, FRAME), FRAME);
	assert_int_equal(sip_opus_dec_stats(f->dec)->malformed, 4);
	/* Random bytes: whatever libopus makes of them, never a crash. */
	srand(3);
	for (unsigned k = 0; k < 2000; k++) {
		size_t n = 1 + (size_t)rand() % 200;
		for (size_t i = 0; i < n; i++)
			pkt[i] = (uint8_t)rand();
		int got = sip_opus_dec_decode(f->dec, pkt, n, pcm, SIP_OPUS_MAX_SAMPLES);
		assert_true(got > 0 && got <= SIP_OPUS_MAX_SAMPLES);
	}
	/* A valid 60 ms packet into a 20 ms buffer: concealed, not overrun. */
	int err;
	OpusEncoder *st = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	int16_t in[2880] = { 0 };
	int n = opus_encode(st, in, 2880, pkt, sizeof(pkt));
	opus_encoder_destroy(st);
	assert_true(n > 0);
	assert_int_equal(sip_opus_packet_samples(pkt, (size_t)n), 2880);
	uint64_t malformed = sip_opus_dec_stats(f->dec)->malformed;
	int got = sip_opus_dec_decode(f->dec, pkt, (size_t)n, pcm, FRAME);
	assert_true(got > 0 && got <= FRAME);
	assert_int_equal(sip_opus_dec_stats(f->dec)->malformed, malformed + 1);
	assert_int_equal(sip_opus_dec_decode(f->dec, pkt, (size_t)n, pcm, 2880), 2880);
	/* Bad arguments. */
	assert_int_equal(sip_opus_dec_decode(f->dec, pkt, (size_t)n, pcm, FRAME - 1), -EINVAL);
	assert_int_equal(sip_opus_dec_decode(f->dec, pkt, (size_t)n, NULL, FRAME), -EINVAL);
	assert_int_equal(sip_opus_dec_decode(NULL, pkt, (size_t)n, pcm, FRAME), -EINVAL);
	assert_int_equal(sip_opus_packet_samples(NULL, 3), -EINVAL);
	assert_int_equal(sip_opus_packet_samples(pkt, 0), -EINVAL);
	sip_opus_dec_reset(f->dec);
	sip_opus_dec_destroy(NULL);
}

static void test_encoder_arguments(void **state)
{
	struct fixture *f = *state;
	struct sip_opus_enc_config c;
	struct sip_opus_enc *e;
	int16_t pcm[FRAME] = { 0 };
	uint8_t pkt[SIP_OPUS_MAX_PACKET];

	sip_opus_enc_config_default(&c);
	assert_true(c.bitrate >= 24000 && c.bitrate <= 32000);
	assert_int_equal(c.fec, 1);
	c.bitrate = 1000;
	assert_int_equal(sip_opus_enc_create(&e, &c), -EINVAL);
	sip_opus_enc_config_default(&c);
	c.complexity = 11;
	assert_int_equal(sip_opus_enc_create(&e, &c), -EINVAL);
	sip_opus_enc_config_default(&c);
	c.rate = 44100;
	assert_int_equal(sip_opus_enc_create(&e, &c), -EINVAL);
	assert_int_equal(sip_opus_enc_create(NULL, NULL), -EINVAL);
	assert_int_equal(sip_opus_enc_encode(f->enc, pcm, pkt, 2), -EINVAL);
	assert_int_equal(sip_opus_enc_encode(f->enc, NULL, pkt, sizeof(pkt)), -EINVAL);
	sip_opus_enc_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tone_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encode_at_caller_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dtx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stereo_stream_decodes_mono, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conceal_fec_and_plc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_packets_are_concealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encoder_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
