/* Helpers every fixture-driven unit test shares (sdp_test_util.h,
 * sip_sdp_test_util.h): where tests/fixtures is, loading a fixture as exactly
 * its bytes, and printf into a fresh string. Test code only. */
#ifndef PARLEY_FIXTURE_TEST_UTIL_H
#define PARLEY_FIXTURE_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* tests/fixtures/sdp/name: under PARLEY_FIXTURES (ctest sets it), else next
 * to this file (run by hand). */
static inline char *fixture_path(const char *name, char *path, size_t cap)
{
	const char *dir = getenv("PARLEY_FIXTURES");
	const char *slash = strrchr(__FILE__, '/');
	if (dir)
		snprintf(path, cap, "%s/sdp/%s", dir, name);
	else if (slash)  /* tests/unit/../fixtures */
		snprintf(path, cap, "%.*s/../fixtures/sdp/%s", (int)(slash - __FILE__), __FILE__, name);
	else
		snprintf(path, cap, "../fixtures/sdp/%s", name);
	return path;
}

/* Exactly len bytes, no NUL after them, so ASan sees any read past the end. */
static inline char *load_fixture(const char *name, size_t *len)
{
	char path[1024];
	FILE *f = fopen(fixture_path(name, path, sizeof path), "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

__attribute__((format(printf, 1, 2)))
static inline char *format_alloc(const char *fmt, ...)
{
	char *out;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&out, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return out;
}

#endif
