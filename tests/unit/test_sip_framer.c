/* Unit tests for sip/sip_framer.c: message boundaries on SIP streams. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_framer.h"

#define MSG "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nContent-Length: 5\r\n\r\nhello"

static long next(const char *s, size_t *skip)
{
	return sip_framer_next(s, strlen(s), skip);
}

static void test_whole_and_partial(void **state)
{
	size_t skip;
	assert_int_equal(next(MSG, &skip), (long)strlen(MSG));
	assert_int_equal(skip, 0);
	/* Every prefix is "need more". */
	for (size_t n = 0; n < strlen(MSG); n++)
		assert_int_equal(sip_framer_next(MSG, n, &skip), 0);
}

static void test_two_messages_and_keepalives(void **state)
{
	const char *two = "\r\n\r\n" MSG MSG;
	size_t skip;
	long n = next(two, &skip);
	assert_int_equal(skip, 4);
	assert_int_equal(n, (long)strlen(MSG));
	assert_int_equal(next(two + skip + n, &skip), (long)strlen(MSG));
}

static void test_compact_and_spacing(void **state)
{
	const char *m = "BYE sip:a@b SIP/2.0\r\nl : 0\r\n\r\n";
	size_t skip;
	assert_int_equal(next(m, &skip), (long)strlen(m));
	const char *lf = "BYE sip:a@b SIP/2.0\ncontent-length:   2 \n\nok";
	assert_int_equal(next(lf, &skip), (long)strlen(lf));
}

static void test_bad_lengths(void **state)
{
	size_t skip;
	assert_int_equal(next("BYE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n", &skip), -EINVAL);
	assert_int_equal(next("BYE sip:a@b SIP/2.0\r\nContent-Length: nope\r\n\r\n", &skip), -EINVAL);
	assert_int_equal(next("BYE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", &skip), -EINVAL);
	assert_int_equal(next("BYE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\n", &skip), -EINVAL);
	assert_int_equal(next("BYE sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n", &skip), -EINVAL);
	assert_int_equal(next("BYE sip:a@b SIP/2.0\r\nContent-Length: 65536\r\n\r\n", &skip), -EMSGSIZE);
}

static void test_endless_headers(void **state)
{
	size_t n = SIP_FRAMER_MAX_MESSAGE + 10;
	char *b = malloc(n);
	assert_non_null(b);
	memset(b, 'a', n);
	size_t skip;
	assert_int_equal(sip_framer_next(b, n, &skip), -EMSGSIZE);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_and_partial),
		cmocka_unit_test(test_two_messages_and_keepalives),
		cmocka_unit_test(test_compact_and_spacing),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_endless_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
