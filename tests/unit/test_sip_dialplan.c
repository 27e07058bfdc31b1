/* Unit tests for sip/sip_dialplan.c: the rules in order (directory number,
 * configured number map, room name), '+' variants, RFC 3966 separators,
 * RFC 3261 escapes, and malformed input. The directory is a small table
 * behind the find_number callback. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_dialplan.h"

struct directory {
	unsigned calls;
	char last[64];
	const char *const (*rows)[2];
	size_t n_rows;
};

static const char *const rows[][2] = {
	{ "+4930123456", "standup" },
	{ "4940555", "hamburg" },
	{ "+15551234567", "us-office" },
	{ "+999", "bad name!" },  /* a broken directory row is never routed to */
};

static bool find_number(void *arg, const char *number, char room_out[SIP_DIALPLAN_ROOM_MAX])
{
	struct directory *d = arg;
	d->calls++;
	snprintf(d->last, sizeof d->last, "%s", number);
	for (size_t i = 0; i < d->n_rows; i++) {
		if (!strcmp(d->rows[i][0], number)) {
			snprintf(room_out, SIP_DIALPLAN_ROOM_MAX, "%s", d->rows[i][1]);
			return true;
		}
	}
	return false;
}

struct ctx {
	struct directory dir;
	struct sip_dialplan *dp;
	char room[SIP_DIALPLAN_ROOM_MAX];
	char err[128];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->dir.rows = rows;
	c->dir.n_rows = sizeof rows / sizeof rows[0];
	if (sip_dialplan_create(&c->dp, " 0800-123-45 = hotline , +44(20)7946.0000=london,112=emergency",
				find_number, &c->dir, c->err, sizeof c->err))
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	sip_dialplan_destroy(c->dp);
	free(c);
	return 0;
}

static enum sip_route route(struct ctx *c, const char *user)
{
	/* an exact-size copy: the user part need not be NUL-terminated */
	size_t n = strlen(user);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, user, n);
	memset(c->room, 'x', sizeof c->room);
	enum sip_route r = sip_dialplan_route(c->dp, copy, n, c->room, c->err, sizeof c->err);
	free(copy);
	assert_non_null(memchr(c->room, '\0', sizeof c->room));
	if (r == SIP_ROUTE_NOT_A_ROOM || r == SIP_ROUTE_MALFORMED) {
		assert_string_equal(c->room, "");
		assert_true(c->err[0] != '\0');
	}
	return r;
}

static void expect_route(struct ctx *c, const char *user, enum sip_route want, const char *room)
{
	enum sip_route r = route(c, user);
	if (r != want || (room && strcmp(c->room, room)))
		fail_msg("\"%s\": %s \"%s\", want %s \"%s\" (%s)", user, sip_route_name(r), c->room,
			 sip_route_name(want), room ? room : "", c->err);
}

static void test_directory_numbers(void **state)
{
	struct ctx *c = *state;
	expect_route(c, "+4930123456", SIP_ROUTE_BY_NUMBER, "standup");
	assert_string_equal(c->dir.last, "+4930123456");
	assert_int_equal(c->dir.calls, 1);
	/* without '+': tried as dialed, then with '+' */
	c->dir.calls = 0;
	expect_route(c, "4930123456", SIP_ROUTE_BY_NUMBER, "standup");
	assert_int_equal(c->dir.calls, 2);
	/* with '+' where the directory has none */
	expect_route(c, "+4940555", SIP_ROUTE_BY_NUMBER, "hamburg");
	/* visual separators and escapes */
	expect_route(c, "+49-30-123.456", SIP_ROUTE_BY_NUMBER, "standup");
	expect_route(c, "+49(30)123456", SIP_ROUTE_BY_NUMBER, "standup");
	expect_route(c, "%2B4930123456", SIP_ROUTE_BY_NUMBER, "standup");
	expect_route(c, "+1-555-123-4567;phone-context=example.com", SIP_ROUTE_BY_NUMBER, "us-office");
	expect_route(c, "+15551234567;isub=1411", SIP_ROUTE_BY_NUMBER, "us-office");
	/* no trunk prefix guessing: 030 123456 is not +49 30 123456 */
	expect_route(c, "030123456", SIP_ROUTE_BY_NAME, "030123456");
	expect_route(c, "004930123456", SIP_ROUTE_BY_NAME, "004930123456");
	/* a directory row with a bad room name is ignored */
	expect_route(c, "+999", SIP_ROUTE_NOT_A_ROOM, "");
}

static void test_mapped_numbers(void **state)
{
	struct ctx *c = *state;
	assert_int_equal(sip_dialplan_map_size(c->dp), 3);
	expect_route(c, "080012345", SIP_ROUTE_BY_MAPPED_NUMBER, "hotline");
	expect_route(c, "0800-123-45", SIP_ROUTE_BY_MAPPED_NUMBER, "hotline");
	expect_route(c, "+080012345", SIP_ROUTE_BY_MAPPED_NUMBER, "hotline");
	expect_route(c, "+442079460000", SIP_ROUTE_BY_MAPPED_NUMBER, "london");
	expect_route(c, "442079460000", SIP_ROUTE_BY_MAPPED_NUMBER, "london");
	expect_route(c, "112", SIP_ROUTE_BY_MAPPED_NUMBER, "emergency");
	/* the directory comes first */
	struct sip_dialplan *dp;
	assert_int_equal(sip_dialplan_create(&dp, "+4930123456=other", find_number, &c->dir, c->err,
					     sizeof c->err), 0);
	assert_int_equal(sip_dialplan_route(dp, "+4930123456", 11, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_BY_NUMBER);
	assert_string_equal(c->room, "standup");
	sip_dialplan_destroy(dp);
	/* no directory at all */
	assert_int_equal(sip_dialplan_create(&dp, "+4930123456=other", NULL, NULL, c->err,
					     sizeof c->err), 0);
	assert_int_equal(sip_dialplan_route(dp, "4930123456", 10, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_BY_MAPPED_NUMBER);
	assert_string_equal(c->room, "other");
	sip_dialplan_destroy(dp);
}

static void test_names(void **state)
{
	struct ctx *c = *state;
	expect_route(c, "standup", SIP_ROUTE_BY_NAME, "standup");
	expect_route(c, "Team.Daily_2-b", SIP_ROUTE_BY_NAME, "Team.Daily_2-b");
	expect_route(c, "st%61ndup", SIP_ROUTE_BY_NAME, "standup");
	/* an unknown number that is also a valid name */
	expect_route(c, "4711", SIP_ROUTE_BY_NAME, "4711");
	expect_route(c, "12-34", SIP_ROUTE_BY_NAME, "12-34");
	expect_route(c, "-", SIP_ROUTE_BY_NAME, "-");  /* no digits: a name, odd as it is */
	char name64[65];
	memset(name64, 'r', 64);
	name64[64] = '\0';
	expect_route(c, name64, SIP_ROUTE_BY_NAME, name64);
	char name65[66];
	memset(name65, 'r', 65);
	name65[65] = '\0';
	expect_route(c, name65, SIP_ROUTE_NOT_A_ROOM, "");
	/* not names */
	static const char *const not_rooms[] = {
		"", "stand up", "stand%20up", "room;x=1", "+4912", "a/b", "caf\xc3\xa9", "*72", "#",
		"+", "%2B", "room@", "()",
	};
	for (size_t i = 0; i < sizeof not_rooms / sizeof not_rooms[0]; i++)
		expect_route(c, not_rooms[i], SIP_ROUTE_NOT_A_ROOM, "");
	route(c, "");
	assert_string_equal(c->err, "no user part");
}

static void test_malformed(void **state)
{
	struct ctx *c = *state;
	static const char *const bad[] = {
		"%", "%2", "%zz", "room%", "room%4", "%G0", "%00", "room%00x", "%0d%0a", "%7f", "a\tb",
		"a\r\nb", "%1b[31m",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_route(c, bad[i], SIP_ROUTE_MALFORMED, "");
	/* a raw NUL inside the given length */
	assert_int_equal(sip_dialplan_route(c->dp, "ab\0cd", 5, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_MALFORMED);
	/* too long, decoded or not */
	char *huge = malloc(4096);
	assert_non_null(huge);
	memset(huge, '1', 4096);
	assert_int_equal(sip_dialplan_route(c->dp, huge, 4096, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_MALFORMED);
	assert_non_null(strstr(c->err, "longer than 256"));
	memset(huge, 'a', 4096);
	assert_int_equal(sip_dialplan_route(c->dp, huge, SIP_DIALPLAN_MAX_USER, c->room, c->err,
					    sizeof c->err), SIP_ROUTE_NOT_A_ROOM);
	assert_int_equal(sip_dialplan_route(c->dp, huge, SIP_DIALPLAN_MAX_USER + 1, c->room, c->err,
					    sizeof c->err), SIP_ROUTE_MALFORMED);
	/* a number of 31 digits works, 32 is not a number */
	memset(huge, '7', 40);
	c->dir.calls = 0;
	assert_int_equal(sip_dialplan_route(c->dp, huge, 31, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_BY_NAME);
	assert_int_equal(c->dir.calls, 2);
	assert_int_equal(strlen(c->dir.last), 32);  /* '+' and 31 digits */
	c->dir.calls = 0;
	assert_int_equal(sip_dialplan_route(c->dp, huge, 32, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_BY_NAME);
	assert_int_equal(c->dir.calls, 0);
	huge[0] = '+';
	assert_int_equal(sip_dialplan_route(c->dp, huge, 33, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_NOT_A_ROOM);
	free(huge);
	/* arguments */
	assert_int_equal(sip_dialplan_route(NULL, "a", 1, c->room, c->err, sizeof c->err),
			 SIP_ROUTE_MALFORMED);
	assert_int_equal(sip_dialplan_route(c->dp, NULL, 0, c->room, NULL, 0), SIP_ROUTE_NOT_A_ROOM);
	assert_int_equal(sip_dialplan_route(c->dp, NULL, 3, c->room, NULL, 0), SIP_ROUTE_MALFORMED);
}

static void test_number_map_config(void **state)
{
	struct ctx *c = *state;
	struct sip_dialplan *dp = (void *)1;
	static const struct { const char *map; const char *reason; } bad[] = {
		{ "123", "expected NUMBER=ROOM" },
		{ "123=a,", "item 2" },
		{ ",123=a", "item 1" },
		{ "123=a,,456=b", "item 2" },
		{ "abc=room", "not a number" },
		{ "=room", "not a number" },
		{ "123;x=1=room", "not a number" },
		{ "++1=room", "not a number" },
		{ "12345678901234567890123456789012=room", "not a number" },
		{ "123=", "room" },
		{ "123=bad room", "room" },
		{ "123=a=b", "room" },
		{ "123=a,1-2-3=b", "mapped twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c->err[0] = '\0';
		dp = (void *)1;
		int rc = sip_dialplan_create(&dp, bad[i].map, NULL, NULL, c->err, sizeof c->err);
		if (rc != -EINVAL || dp || !strstr(c->err, bad[i].reason))
			fail_msg("map \"%s\": %d \"%s\", want \"%s\"", bad[i].map, rc, c->err, bad[i].reason);
	}
	static const char *const empty[] = { NULL, "", "   " };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(sip_dialplan_create(&dp, empty[i], NULL, NULL, c->err, sizeof c->err), 0);
		assert_int_equal(sip_dialplan_map_size(dp), 0);
		assert_int_equal(sip_dialplan_route(dp, "room", 4, c->room, NULL, 0), SIP_ROUTE_BY_NAME);
		sip_dialplan_destroy(dp);
	}
	/* +1 and 1 are distinct keys; the exact one wins */
	assert_int_equal(sip_dialplan_create(&dp, "+1=plus,1=bare", NULL, NULL, c->err, sizeof c->err), 0);
	assert_int_equal(sip_dialplan_route(dp, "1", 1, c->room, NULL, 0), SIP_ROUTE_BY_MAPPED_NUMBER);
	assert_string_equal(c->room, "bare");
	assert_int_equal(sip_dialplan_route(dp, "+1", 2, c->room, NULL, 0), SIP_ROUTE_BY_MAPPED_NUMBER);
	assert_string_equal(c->room, "plus");
	sip_dialplan_destroy(dp);
	sip_dialplan_destroy(NULL);
}

static void test_helpers(void **state)
{
	char out[SIP_DIALPLAN_NUMBER_MAX], buf[8];
	assert_true(sip_dialplan_normalize_number("+49 (30)", out) == false);  /* blank: not a separator */
	assert_true(sip_dialplan_normalize_number("+49(30)1-2.3", out));
	assert_string_equal(out, "+4930123");
	assert_true(sip_dialplan_normalize_number("1;ext=2", out));
	assert_string_equal(out, "1");
	assert_false(sip_dialplan_normalize_number(";1", out));
	assert_false(sip_dialplan_normalize_number("1+2", out));
	assert_int_equal(sip_dialplan_unescape("a%41", 4, buf, sizeof buf), 2);
	assert_string_equal(buf, "aA");
	assert_int_equal(sip_dialplan_unescape("abcdefgh", 8, buf, sizeof buf), -E2BIG);
	assert_int_equal(sip_dialplan_unescape("abcdefg", 7, buf, sizeof buf), 7);
	assert_int_equal(sip_dialplan_unescape("", 0, buf, sizeof buf), 0);
	assert_int_equal(sip_dialplan_unescape("a", 1, NULL, 0), -EINVAL);
	assert_string_equal(sip_route_name(SIP_ROUTE_BY_NAME), "by name");
	assert_string_equal(sip_route_name((enum sip_route)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_directory_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapped_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_number_map_config, setup, teardown),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
