/* Unit tests for sip/sip_dtmf.c: RFC 4733 payloads, the detector on the
 * packet patterns of real networks (retransmitted ends, duplicates, lost
 * starts and ends, reordering, long events, timestamp wrap), and SIP INFO
 * bodies, each with malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_dtmf.h"

struct pkt {
	uint32_t ts;
	bool marker;
	uint8_t event;
	bool end;
	uint16_t duration;
};

/* Feeds packets; returns the keys reported, in order. */
static void feed(struct sip_dtmf_detector *d, const struct pkt *p, size_t n, char *keys)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t *b = malloc(4);  /* exact size: ASan sees any over-read */
		assert_non_null(b);
		b[0] = p[i].event;
		b[1] = (uint8_t)((p[i].end ? 0x80 : 0) | 10);
		b[2] = (uint8_t)(p[i].duration >> 8);
		b[3] = (uint8_t)p[i].duration;
		char digit = '?';
		int rc = sip_dtmf_on_packet(d, p[i].ts, p[i].marker, b, 4, &digit);
		free(b);
		assert_true(rc == 0 || rc == 1);
		if (rc == 1)
			keys[k++] = digit;
		else
			assert_int_equal(digit, '?');
	}
	keys[k] = '\0';
}

static void expect_keys(const struct pkt *p, size_t n, const char *want)
{
	struct sip_dtmf_detector d;
	char keys[64];
	sip_dtmf_detector_init(&d);
	feed(&d, p, n, keys);
	if (strcmp(keys, want))
		fail_msg("keys \"%s\", want \"%s\"", keys, want);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A whole event as senders write it: start with marker, updates every 160,
 * three copies of the end. */
#define EVENT(ts, e)                                                                   \
	{ ts, true, e, false, 160 }, { ts, false, e, false, 320 }, { ts, false, e, false, 480 }, \
	{ ts, false, e, true, 640 }, { ts, false, e, true, 640 }, { ts, false, e, true, 640 }

static void test_payload(void **state)
{
	struct sip_dtmf_event e;
	const uint8_t p[] = { 11, 0x80 | 0x40 | 0x3f, 0x12, 0x34, 0xff };
	assert_int_equal(sip_dtmf_parse_event(p, 4, &e), 0);
	assert_int_equal(e.event, 11);
	assert_true(e.end);
	assert_int_equal(e.volume, 63);  /* the reserved bit is not volume */
	assert_int_equal(e.duration, 0x1234);
	assert_int_equal(sip_dtmf_parse_event(p, 5, &e), 0);
	const uint8_t q[] = { 200, 0x05, 0, 0 };
	assert_int_equal(sip_dtmf_parse_event(q, 4, &e), 0);
	assert_int_equal(e.event, 200);
	assert_false(e.end);
	assert_int_equal(e.volume, 5);
	for (size_t len = 0; len < 4; len++)
		assert_int_equal(sip_dtmf_parse_event(p, len, &e), -EINVAL);
	assert_int_equal(sip_dtmf_parse_event(NULL, 4, &e), -EINVAL);
	assert_int_equal(sip_dtmf_parse_event(p, 4, NULL), -EINVAL);

	static const char keys[] = "0123456789*#ABCD";
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(sip_dtmf_digit(i), keys[i]);
		assert_int_equal(sip_dtmf_event_of(keys[i]), (int)i);
	}
	assert_int_equal(sip_dtmf_digit(16), '\0');
	assert_int_equal(sip_dtmf_digit(255), '\0');
	assert_int_equal(sip_dtmf_event_of('c'), 14);
	assert_int_equal(sip_dtmf_event_of('E'), -1);
	assert_int_equal(sip_dtmf_event_of('\0'), -1);
	assert_int_equal(sip_dtmf_event_of('!'), -1);
}

static void test_clean_sequence(void **state)
{
	static const struct pkt p[] = { EVENT(1000, 1), EVENT(3000, 2), EVENT(5000, 3), EVENT(7000, 11),
					EVENT(9000, 10), EVENT(11000, 15) };
	expect_keys(p, N(p), "123#*D");
	/* the same key twice is two presses */
	static const struct pkt twice[] = { EVENT(1000, 5), EVENT(2000, 5) };
	expect_keys(twice, N(twice), "55");
	/* an RTP timestamp of 0 is a timestamp like any other */
	static const struct pkt zero[] = { EVENT(0, 7), EVENT(1600, 8) };
	expect_keys(zero, N(zero), "78");
}

static void test_losses(void **state)
{
	/* the start (marker) packets lost */
	static const struct pkt no_start[] = {
		{ 1000, false, 4, false, 480 }, { 1000, false, 4, true, 640 }, { 1000, false, 4, true, 640 },
	};
	expect_keys(no_start, N(no_start), "4");
	/* only one end copy made it */
	static const struct pkt only_end[] = { { 1000, false, 9, true, 640 }, EVENT(3000, 9) };
	expect_keys(only_end, N(only_end), "99");
	/* every end lost: the next event still counts, once */
	static const struct pkt no_end[] = {
		{ 1000, true, 1, false, 160 }, { 1000, false, 1, false, 320 }, EVENT(3000, 2),
	};
	expect_keys(no_end, N(no_end), "12");
	/* the same key again after a lost end and a lost start */
	static const struct pkt again[] = {
		{ 1000, true, 6, false, 160 }, { 1000, false, 6, false, 800 },
		{ 2600, false, 6, false, 320 }, { 2600, false, 6, true, 800 },
	};
	expect_keys(again, N(again), "66");
}

static void test_duplicates_and_reordering(void **state)
{
	/* every packet twice */
	static const struct pkt dup[] = { EVENT(1000, 3), EVENT(1000, 3), EVENT(3000, 0), EVENT(3000, 0) };
	expect_keys(dup, N(dup), "30");
	/* an end copy of the previous event after the next one began */
	static const struct pkt late_end[] = {
		{ 1000, true, 1, false, 160 }, { 1000, false, 1, true, 640 },
		{ 3000, true, 2, false, 160 }, { 1000, false, 1, true, 640 }, { 3000, false, 2, true, 640 },
	};
	expect_keys(late_end, N(late_end), "12");
	/* an update before the start */
	static const struct pkt swapped[] = { { 1000, false, 8, false, 320 }, { 1000, true, 8, false, 160 } };
	expect_keys(swapped, N(swapped), "8");
	/* an older event never seen before is not reported out of order */
	static const struct pkt older[] = { EVENT(3000, 2), EVENT(1000, 1) };
	expect_keys(older, N(older), "2");
	/* a packet for another event with the current timestamp is ignored */
	static const struct pkt clash[] = { { 1000, true, 1, false, 160 }, { 1000, false, 2, true, 640 } };
	expect_keys(clash, N(clash), "1");
}

static void test_timestamps(void **state)
{
	/* wrap-around */
	static const struct pkt wrap[] = { EVENT(0xfffffc00u, 1), EVENT(0x200, 2), EVENT(0x1000, 3) };
	expect_keys(wrap, N(wrap), "123");
	/* far behind: a new timeline (sender restart), not reordering */
	static const struct pkt restart[] = { EVENT(5000000, 1), EVENT(1000, 2), EVENT(2000, 3) };
	expect_keys(restart, N(restart), "123");
	/* init again (new SSRC) forgets the old event */
	struct sip_dtmf_detector d;
	char keys[8];
	static const struct pkt one[] = { EVENT(1000, 1) };
	sip_dtmf_detector_init(&d);
	feed(&d, one, N(one), keys);
	feed(&d, one, N(one), keys);
	assert_string_equal(keys, "");
	sip_dtmf_detector_init(&d);
	feed(&d, one, N(one), keys);
	assert_string_equal(keys, "1");
	assert_true(d.ended);
	assert_int_equal(d.duration, 640);
}

static void test_long_event(void **state)
{
	/* 2.5.1.3: a press longer than 0xffff units comes in segments */
	static const struct pkt p[] = {
		{ 1000, true, 0, false, 160 },       { 1000, false, 0, false, 40000 },
		{ 1000, false, 0, false, 0xffff },   { 1000 + 0xffff, false, 0, false, 400 },
		{ 1000 + 0xffff, false, 0, false, 800 }, { 1000 + 0xffff, false, 0, true, 1200 },
		{ 1000 + 0xffff, false, 0, true, 1200 },
		EVENT(1000 + 0xffff + 4000, 0),
	};
	expect_keys(p, N(p), "00");
	/* a segment whose predecessor's last packets were lost still continues */
	static const struct pkt lossy[] = {
		{ 1000, true, 0, false, 160 }, { 1000, false, 0, false, 0xe000 },
		{ 1000 + 0xffff, false, 0, true, 300 },
	};
	expect_keys(lossy, N(lossy), "0");
	/* but a different key right after is a new press */
	static const struct pkt other[] = {
		{ 1000, true, 0, false, 0xffff }, { 1000 + 0xffff, false, 1, false, 300 },
	};
	expect_keys(other, N(other), "01");
}

static void test_not_keys_and_malformed(void **state)
{
	/* flash (16) and tone events are tracked, never reported */
	static const struct pkt p[] = { EVENT(1000, 16), EVENT(2000, 40), EVENT(3000, 255), EVENT(4000, 5) };
	expect_keys(p, N(p), "5");

	struct sip_dtmf_detector d;
	char digit = '?';
	const uint8_t start[] = { 7, 0, 0, 160 }, end[] = { 7, 0x80, 2, 128 };
	sip_dtmf_detector_init(&d);
	for (size_t len = 0; len < 4; len++) {
		assert_int_equal(sip_dtmf_on_packet(&d, 1000, true, start, len, &digit), -EINVAL);
		assert_false(d.started);
	}
	assert_int_equal(sip_dtmf_on_packet(&d, 1000, true, NULL, 4, &digit), -EINVAL);
	assert_int_equal(sip_dtmf_on_packet(NULL, 1000, true, start, 4, &digit), -EINVAL);
	assert_int_equal(digit, '?');
	assert_int_equal(sip_dtmf_on_packet(&d, 1000, true, start, 4, NULL), 1);  /* digit_out optional */
	assert_int_equal(sip_dtmf_on_packet(&d, 1000, false, end, 3, &digit), -EINVAL);
	assert_false(d.ended);
	assert_int_equal(sip_dtmf_on_packet(&d, 1000, false, end, 4, &digit), 0);
	assert_true(d.ended);
	assert_int_equal(d.duration, 640);
}

/* ---- SIP INFO ---- */

static int info(const char *type, const char *body, char *digit)
{
	size_t n = strlen(body);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, body, n);
	*digit = '?';
	int rc = sip_dtmf_parse_info(type, copy, n, digit);
	free(copy);
	return rc;
}

static void expect_info(const char *type, const char *body, int want, char want_digit)
{
	char digit;
	int rc = info(type, body, &digit);
	if (rc != want || (want == 1 && digit != want_digit) || (want != 1 && digit != '?'))
		fail_msg("%s \"%s\": %d '%c', want %d '%c'", type, body, rc, digit, want, want_digit);
}

#define RELAY "application/dtmf-relay"
#define PLAIN "application/dtmf"

static void test_info_bodies(void **state)
{
	expect_info(RELAY, "Signal=5\r\nDuration=160\r\n", 1, '5');
	expect_info(RELAY, "Signal=*\r\nDuration=250\r\n", 1, '*');
	expect_info(RELAY, "Signal=#\nDuration=100", 1, '#');
	expect_info(RELAY, "signal= a\r\n", 1, 'A');
	expect_info(RELAY, "SIGNAL = 10\r\nDURATION = 0\r\n", 1, '*');
	expect_info(RELAY, "Signal=11", 1, '#');
	expect_info(RELAY, "Signal=15", 1, 'D');
	expect_info(RELAY, "Signal=05", 1, '5');
	expect_info(RELAY, "\r\n  Signal=1\r\n\r\nX-Vendor=foo=bar\r\n", 1, '1');
	expect_info(RELAY, "Signal=!\r\n", 0, 0);
	expect_info(RELAY, "Signal=16\r\n", 0, 0);
	expect_info("Application/DTMF-Relay ; charset=utf-8", "Signal=9", 1, '9');
	expect_info(PLAIN, "5", 1, '5');
	expect_info(PLAIN, "5\r\n", 1, '5');
	expect_info(PLAIN, " 11 \n", 1, '#');
	expect_info(PLAIN, "#", 1, '#');
	expect_info(PLAIN, "d", 1, 'D');
	expect_info(PLAIN, "16", 0, 0);
	expect_info("  application/DTMF", "0", 1, '0');
}

static void test_info_malformed(void **state)
{
	static const char *const bad_relay[] = {
		"", "\r\n", "Duration=160", "Signal=", "Signal=55", "Signal=17", "Signal=99", "Signal=X",
		"Signal=E", "Signal=5\r\nSignal=6", "Signal=5\r\nDuration=abc", "Signal=5\r\nDuration=-1",
		"Signal=5\r\nDuration=9999999999", "Signal=5\r\nDuration=", "Signal=5\r\nDuration=1\r\nDuration=2",
		"Signal 5", "=5", "Signal=5\r\ngarbage", "Signal=1 2", "Signal=5\x01", "Signal=5\x7f",
	};
	for (size_t i = 0; i < sizeof bad_relay / sizeof bad_relay[0]; i++)
		expect_info(RELAY, bad_relay[i], -EINVAL, 0);
	static const char *const bad_plain[] = { "", "\r\n", "5 5", "123", "17", "x", "55", "Signal=5" };
	for (size_t i = 0; i < sizeof bad_plain / sizeof bad_plain[0]; i++)
		expect_info(PLAIN, bad_plain[i], -EINVAL, 0);
	/* a NUL inside the body */
	char digit = '?';
	assert_int_equal(sip_dtmf_parse_info(RELAY, "Signal=5\0", 9, &digit), -EINVAL);
	assert_int_equal(sip_dtmf_parse_info(PLAIN, "5\0", 2, &digit), -EINVAL);
	/* too long, even if valid */
	char *big = malloc(SIP_DTMF_MAX_INFO + 1);
	assert_non_null(big);
	memset(big, '\n', SIP_DTMF_MAX_INFO + 1);
	memcpy(big, "Signal=5", 8);
	assert_int_equal(sip_dtmf_parse_info(RELAY, big, SIP_DTMF_MAX_INFO, &digit), 1);
	assert_int_equal(sip_dtmf_parse_info(RELAY, big, SIP_DTMF_MAX_INFO + 1, &digit), -EINVAL);
	free(big);
	/* other content types are not ours: 415 */
	static const char *const types[] = { "text/plain", "application/dtmf-relayx", "application/dtmfx",
					     "application", "", "application/sdp", "dtmf-relay" };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		expect_info(types[i], "Signal=5", -EPROTONOSUPPORT, 0);
	assert_int_equal(sip_dtmf_parse_info(NULL, "5", 1, &digit), -EINVAL);
	assert_int_equal(sip_dtmf_parse_info(PLAIN, NULL, 1, &digit), -EINVAL);
	assert_int_equal(sip_dtmf_parse_info(PLAIN, NULL, 0, &digit), -EINVAL);
	assert_int_equal(sip_dtmf_parse_info(PLAIN, "7", 1, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_clean_sequence),
		cmocka_unit_test(test_losses),
		cmocka_unit_test(test_duplicates_and_reordering),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_long_event),
		cmocka_unit_test(test_not_keys_and_malformed),
		cmocka_unit_test(test_info_bodies),
		cmocka_unit_test(test_info_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
