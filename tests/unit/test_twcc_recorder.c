/* Transport-wide CC recorder: what it writes parses back to the arrivals
 * and losses it saw; windows advance; nothing is reported twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sfu/rtp/rtcp.h"
#include "sfu/rtp/twcc_recorder.h"

struct seen {
	unsigned n, received;
	uint16_t first, last;
	int64_t t[64];
};

static void on_status(void *arg, uint16_t seq, bool received, int64_t arrival_us)
{
	struct seen *s = arg;
	if (s->n == 0)
		s->first = seq;
	s->last = seq;
	if (received && s->received < 64)
		s->t[s->received++] = arrival_us;
	s->n++;
}

static struct seen parse(const uint8_t *buf, int len)
{
	struct seen s = { 0 };
	struct rtcp_iter it;
	struct rtcp_view v;
	struct rtcp_twcc fb;
	rtcp_iter_init(&it, buf, (size_t)len);
	assert_int_equal(rtcp_iter_next(&it, &v), 1);
	assert_int_equal(v.pt, RTCP_RTPFB);
	assert_int_equal(v.count, RTCP_FB_TWCC);
	assert_int_equal(rtcp_parse_twcc(&v, &fb, on_status, &s), 0);
	assert_int_equal(fb.media_ssrc, 42);
	return s;
}

static void test_reports_arrivals_and_losses(void **state)
{
	struct twcc_recorder r;
	uint8_t buf[1500];
	twcc_recorder_init(&r);
	assert_int_equal(twcc_recorder_write(&r, buf, sizeof(buf), 1, 42), 0);
	twcc_recorder_on_packet(&r, 100, 1000000);
	twcc_recorder_on_packet(&r, 101, 1001000);
	twcc_recorder_on_packet(&r, 103, 1005000); /* 102 lost */
	int n = twcc_recorder_write(&r, buf, sizeof(buf), 1, 42);
	assert_true(n > 0);
	struct seen s = parse(buf, n);
	assert_int_equal(s.first, 100);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.received, 3);
	assert_int_equal(s.t[1] - s.t[0], 1000);
	assert_int_equal(s.t[2] - s.t[1], 4000);
	/* Nothing new: nothing written. Late 102 is not reported again. */
	assert_int_equal(twcc_recorder_write(&r, buf, sizeof(buf), 1, 42), 0);
	twcc_recorder_on_packet(&r, 102, 1006000);
	assert_int_equal(twcc_recorder_write(&r, buf, sizeof(buf), 1, 42), 0);
	/* The next window starts after 103. */
	twcc_recorder_on_packet(&r, 104, 1010000);
	n = twcc_recorder_write(&r, buf, sizeof(buf), 1, 42);
	s = parse(buf, n);
	assert_int_equal(s.first, 104);
	assert_int_equal(s.n, 1);
}

static void test_wrap_and_overflow(void **state)
{
	struct twcc_recorder r;
	uint8_t buf[1500];
	twcc_recorder_init(&r);
	twcc_recorder_on_packet(&r, 65534, 10);
	twcc_recorder_on_packet(&r, 1, 20);
	int n = twcc_recorder_write(&r, buf, sizeof(buf), 1, 42);
	struct seen s = parse(buf, n);
	assert_int_equal(s.first, 65534);
	assert_int_equal(s.last, 1);
	assert_int_equal(s.received, 2);
	/* A jump past the window restarts it at the new packet. */
	twcc_recorder_on_packet(&r, 2, 30);
	twcc_recorder_on_packet(&r, 2 + TWCC_WINDOW + 5, 40);
	n = twcc_recorder_write(&r, buf, sizeof(buf), 1, 42);
	s = parse(buf, n);
	assert_int_equal(s.first, 2 + TWCC_WINDOW + 5);
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_arrivals_and_losses),
		cmocka_unit_test(test_wrap_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
