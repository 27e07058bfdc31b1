/* Unit tests for base/log.c log_parse_spec: a global level, per-subsystem
 * overrides, every subsystem and level name, and that any invalid spec is
 * refused with -EINVAL leaving every level as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

static enum log_level saved[LOGS_COUNT];

static int setup(void **state)
{
	memcpy(saved, log_levels, sizeof(saved));
	for (int i = 0; i < LOGS_COUNT; i++)
		log_levels[i] = LOG_INFO;
	return 0;
}

static int teardown(void **state)
{
	memcpy(log_levels, saved, sizeof(saved));
	return 0;
}

static void expect_all(enum log_level lvl)
{
	for (int i = 0; i < LOGS_COUNT; i++)
		assert_int_equal(log_levels[i], lvl);
}

/* A distinct, recognisable level per subsystem. */
static void scramble(enum log_level out[LOGS_COUNT])
{
	for (int i = 0; i < LOGS_COUNT; i++)
		log_levels[i] = out[i] = (enum log_level)(i % 4);
}

static void expect_refused(const char *spec)
{
	enum log_level before[LOGS_COUNT];

	scramble(before);
	if (log_parse_spec(spec) != -EINVAL)
		fail_msg("spec \"%s\" was not refused", spec);
	for (int i = 0; i < LOGS_COUNT; i++)
		if (log_levels[i] != before[i])
			fail_msg("spec \"%s\" changed subsystem %d from %d to %d", spec, i,
				 before[i], log_levels[i]);
}

static void test_global_level(void **state)
{
	assert_int_equal(log_parse_spec("debug"), 0);
	expect_all(LOG_DEBUG);
	assert_int_equal(log_parse_spec("error"), 0);
	expect_all(LOG_ERROR);
	assert_int_equal(log_parse_spec("warn"), 0);
	expect_all(LOG_WARN);
	assert_int_equal(log_parse_spec("info"), 0);
	expect_all(LOG_INFO);
	assert_int_equal(log_parse_spec("DEBUG"), 0);
	expect_all(LOG_DEBUG);
}

static void test_overrides(void **state)
{
	assert_int_equal(log_parse_spec("warn,ice=debug,dtls=error"), 0);
	for (int i = 0; i < LOGS_COUNT; i++)
		assert_int_equal(log_levels[i],
				 i == LOGS_ICE ? LOG_DEBUG : i == LOGS_DTLS ? LOG_ERROR : LOG_WARN);
}

/* A spec with only overrides leaves the other subsystems alone. */
static void test_override_only(void **state)
{
	enum log_level before[LOGS_COUNT];

	scramble(before);
	assert_int_equal(log_parse_spec("sip=debug"), 0);
	for (int i = 0; i < LOGS_COUNT; i++)
		assert_int_equal(log_levels[i], i == LOGS_SIP ? LOG_DEBUG : before[i]);
}

static void test_every_subsystem(void **state)
{
	static const struct {
		const char *name;
		enum log_subsys sub;
	} subs[] = {
		{ "main", LOGS_MAIN }, { "ice", LOGS_ICE },       { "dtls", LOGS_DTLS },
		{ "srtp", LOGS_SRTP }, { "rtp", LOGS_RTP },       { "room", LOGS_ROOM },
		{ "signal", LOGS_SIGNAL }, { "http", LOGS_HTTP }, { "sip", LOGS_SIP },
	};
	char spec[64];

	assert_int_equal(sizeof(subs) / sizeof(subs[0]), LOGS_COUNT);
	for (size_t s = 0; s < LOGS_COUNT; s++) {
		assert_int_equal(log_parse_spec("info"), 0);
		snprintf(spec, sizeof(spec), "%s=debug", subs[s].name);
		assert_int_equal(log_parse_spec(spec), 0);
		for (int i = 0; i < LOGS_COUNT; i++)
			assert_int_equal(log_levels[i], i == (int)subs[s].sub ? LOG_DEBUG : LOG_INFO);
	}
	/* All of them in one spec. */
	assert_int_equal(log_parse_spec("error,main=debug,ice=debug,dtls=debug,srtp=debug,"
					"rtp=debug,room=debug,signal=debug,http=debug,sip=debug"), 0);
	expect_all(LOG_DEBUG);
}

/* A later item overrides an earlier one for the same subsystem. */
static void test_last_wins(void **state)
{
	assert_int_equal(log_parse_spec("info,rtp=debug,rtp=warn"), 0);
	assert_int_equal(log_levels[LOGS_RTP], LOG_WARN);
	assert_int_equal(log_levels[LOGS_ICE], LOG_INFO);
}

static void test_invalid_specs(void **state)
{
	static const char *const bad[] = {
		"verbose",
		"infos",
		"inf",
		"ice",            /* a subsystem is not a level */
		"ice=",
		"=debug",
		"=",
		"ice=loud",
		"ice=debug=x",
		"nosuch=debug",
		"ice2=debug",
		",info",
		"info,,ice=debug",
		"info ,ice=debug",
		"info, ice=debug",
		"ice = debug",
		/* A valid part before the invalid one must not be applied either. */
		"debug,ice=bogus",
		"error,bogus=debug",
		"ice=debug,sip=debug,warning",
		"debug,rtp=debug,x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_global_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_subsystem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_specs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
