/* Unit tests for sfu/transport/dcep: DATA_CHANNEL_OPEN / ACK parsing and
 * writing (RFC 8832), including every way an OPEN can be cut short. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sfu/transport/dcep.h"

/* Builds an OPEN by hand, independently of dcep_write_open. */
static size_t build(uint8_t *out, uint8_t type, uint16_t prio, uint32_t rel, const char *label,
		    size_t llen, const char *proto, size_t plen)
{
	out[0] = DCEP_OPEN;
	out[1] = type;
	out[2] = (uint8_t)(prio >> 8);
	out[3] = (uint8_t)prio;
	out[4] = (uint8_t)(rel >> 24);
	out[5] = (uint8_t)(rel >> 16);
	out[6] = (uint8_t)(rel >> 8);
	out[7] = (uint8_t)rel;
	out[8] = (uint8_t)(llen >> 8);
	out[9] = (uint8_t)llen;
	out[10] = (uint8_t)(plen >> 8);
	out[11] = (uint8_t)plen;
	memcpy(out + 12, label, llen);
	memcpy(out + 12 + llen, proto, plen);
	return 12 + llen + plen;
}

static void test_every_type(void **state)
{
	static const struct {
		uint8_t type;
		bool ordered;
		int rexmit, lifetime;
	} cases[] = {
		{ DCEP_RELIABLE, true, -1, -1 },
		{ DCEP_RELIABLE_UNORDERED, false, -1, -1 },
		{ DCEP_PARTIAL_RELIABLE_REXMIT, true, 7, -1 },
		{ DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED, false, 7, -1 },
		{ DCEP_PARTIAL_RELIABLE_TIMED, true, -1, 7 },
		{ DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED, false, -1, 7 },
	};
	uint8_t buf[600];
	struct dcep_open o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = build(buf, cases[i].type, 256, 7, "chat", 4, "json", 4);
		assert_int_equal(dcep_parse_open(buf, n, &o), 0);
		assert_int_equal(o.channel_type, cases[i].type);
		assert_int_equal(o.priority, 256);
		assert_int_equal(o.reliability, 7);
		assert_string_equal(o.label, "chat");
		assert_string_equal(o.protocol, "json");
		assert_int_equal(dcep_ordered(o.channel_type), cases[i].ordered);
		assert_int_equal(dcep_max_retransmits(&o), cases[i].rexmit);
		assert_int_equal(dcep_max_lifetime_ms(&o), cases[i].lifetime);
	}
}

static void test_bad_type(void **state)
{
	uint8_t buf[64];
	struct dcep_open o;
	size_t n = build(buf, 0x03, 0, 0, "", 0, "", 0);

	assert_int_equal(dcep_parse_open(buf, n, &o), -EINVAL);
	build(buf, DCEP_RELIABLE, 0, 0, "", 0, "", 0);
	buf[0] = DCEP_ACK;
	assert_int_equal(dcep_parse_open(buf, n, &o), -EINVAL);
	assert_int_equal(dcep_parse_open(NULL, 0, &o), -EINVAL);
}

static void test_labels(void **state)
{
	uint8_t buf[600];
	char l255[256], p255[256];
	struct dcep_open o;
	const char *uni = "\xe6\x97\xa5\xe6\x9c\xac\xf0\x9f\x98\x80"; /* 日本😀 */

	memset(l255, 'L', 255);
	l255[255] = 0;
	memset(p255, 'P', 255);
	p255[255] = 0;
	size_t n = build(buf, DCEP_RELIABLE, 0, 0, "", 0, "", 0);
	assert_int_equal(dcep_parse_open(buf, n, &o), 0);
	assert_string_equal(o.label, "");
	assert_string_equal(o.protocol, "");
	n = build(buf, DCEP_RELIABLE, 0, 0, l255, 255, p255, 255);
	assert_int_equal(dcep_parse_open(buf, n, &o), 0);
	assert_string_equal(o.label, l255);
	assert_string_equal(o.protocol, p255);
	n = build(buf, DCEP_RELIABLE, 0, 0, uni, strlen(uni), uni, strlen(uni));
	assert_int_equal(dcep_parse_open(buf, n, &o), 0);
	assert_string_equal(o.label, uni);
	/* 256 bytes does not fit our buffers: refused, not truncated. */
	char l256[257];
	memset(l256, 'x', 256);
	n = build(buf, DCEP_RELIABLE, 0, 0, l256, 256, "", 0);
	assert_int_equal(dcep_parse_open(buf, n, &o), -EINVAL);
	n = build(buf, DCEP_RELIABLE, 0, 0, "", 0, l256, 256);
	assert_int_equal(dcep_parse_open(buf, n, &o), -EINVAL);
	/* An embedded NUL would hide part of the label. */
	n = build(buf, DCEP_RELIABLE, 0, 0, "a\0b", 3, "", 0);
	assert_int_equal(dcep_parse_open(buf, n, &o), -EINVAL);
	n = build(buf, DCEP_RELIABLE, 0, 0, "", 0, "a\0", 2);
	assert_int_equal(dcep_parse_open(buf, n, &o), -EINVAL);
}

static void test_truncations_and_trailing(void **state)
{
	uint8_t buf[600];
	struct dcep_open o;
	size_t n = build(buf, DCEP_PARTIAL_RELIABLE_TIMED, 1, 2, "label", 5, "proto", 5);

	assert_int_equal(dcep_parse_open(buf, n, &o), 0);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(dcep_parse_open(buf, cut, &o), -EINVAL);
	buf[n] = 'x';
	assert_int_equal(dcep_parse_open(buf, n + 1, &o), -EINVAL);
	/* A failed parse leaves the output alone. */
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(dcep_parse_open(buf, n - 1, &o), -EINVAL);
	assert_int_equal(o.channel_type, 0x5a);
}

static void test_round_trip(void **state)
{
	struct dcep_open in = { .channel_type = DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED,
				.priority = 512, .reliability = 0xfffffffe };
	struct dcep_open out;
	uint8_t buf[600];

	strcpy(in.label, "dc-\xc3\xa9t\xc3\xa9");
	strcpy(in.protocol, "proto/1");
	int n = dcep_write_open(buf, sizeof(buf), &in);
	assert_int_equal(n, 12 + strlen(in.label) + strlen(in.protocol));
	assert_int_equal(dcep_parse_open(buf, (size_t)n, &out), 0);
	assert_int_equal(out.channel_type, in.channel_type);
	assert_int_equal(out.priority, 512);
	assert_int_equal(out.reliability, 0xfffffffe);
	assert_string_equal(out.label, in.label);
	assert_string_equal(out.protocol, in.protocol);
	/* Reliability past INT_MAX is clamped, not negative. */
	assert_true(dcep_max_retransmits(&out) > 0);
	/* Exact room works, one byte less does not. */
	assert_int_equal(dcep_write_open(buf, (size_t)n, &in), n);
	assert_int_equal(dcep_write_open(buf, (size_t)n - 1, &in), -ENOSPC);
	/* A label that fills the array with no NUL is too long. */
	memset(in.label, 'a', sizeof(in.label));
	assert_int_equal(dcep_write_open(buf, sizeof(buf), &in), -EINVAL);
	memset(in.label, 'a', 255);
	in.label[255] = 0;
	n = dcep_write_open(buf, sizeof(buf), &in);
	assert_int_equal(n, 12 + 255 + strlen(in.protocol));
	assert_int_equal(dcep_parse_open(buf, (size_t)n, &out), 0);
	assert_int_equal(strlen(out.label), 255);
}

static void test_ack(void **state)
{
	uint8_t buf[4] = { 0 };

	assert_int_equal(dcep_write_ack(buf, 0), -ENOSPC);
	assert_int_equal(dcep_write_ack(buf, sizeof(buf)), 1);
	assert_true(dcep_is_ack(buf, 1));
	assert_false(dcep_is_ack(buf, 0));
	assert_false(dcep_is_ack(buf, 2));
	assert_false(dcep_is_ack(NULL, 1));
	buf[0] = DCEP_OPEN;
	assert_false(dcep_is_ack(buf, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_truncations_and_trailing),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_ack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
