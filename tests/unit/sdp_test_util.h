/* Helpers shared by the SDP unit tests (test_sdp.c, test_sdp_malformed.c):
 * fixture loading, exact-size parse buffers, string builders. */
#ifndef PARLEY_SDP_TEST_UTIL_H
#define PARLEY_SDP_TEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sfu/sdp.h"

static const char *const fixtures[] = {
	"chrome_answer.sdp", "firefox_answer.sdp", "chrome_offer_simulcast.sdp",
	"answer_inactive_rejected.sdp", "session_level.sdp", "sip_offer_lf.sdp",
	"whip_chrome_offer.sdp", "whip_obs_offer.sdp", "whip_gstreamer_offer.sdp",
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

#define HEADER "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define VIDEO "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:v\r\n"

/* Exactly len bytes, no NUL after them. */
static inline char *load_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("PARLEY_FIXTURES");
	const char *slash = strrchr(__FILE__, '/');
	char path[1024];
	if (dir)
		snprintf(path, sizeof path, "%s/sdp/%s", dir, name);
	else if (slash)  /* run by hand: tests/unit/../fixtures */
		snprintf(path, sizeof path, "%.*s/../fixtures/sdp/%s", (int)(slash - __FILE__), __FILE__, name);
	else
		snprintf(path, sizeof path, "../fixtures/sdp/%s", name);
	FILE *f = fopen(path, "rb");
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

static inline int parse_n(struct sdp_session *s, const char *text, size_t len, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, text, len);
	int rc = sdp_parse(s, copy, len, err, errlen);
	free(copy);
	return rc;
}

static inline int parse_str(struct sdp_session *s, const char *text, char *err, size_t errlen)
{
	return parse_n(s, text, strlen(text), err, errlen);
}

/* Parses a fixture that must be valid. */
static inline void parse_fixture(struct sdp_session *s, const char *name)
{
	size_t len;
	char err[256];
	char *text = load_fixture(name, &len);
	int rc = sdp_parse(s, text, len, err, sizeof err);
	free(text);
	if (rc)
		fail_msg("%s: %d %s", name, rc, err);
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

static inline char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static inline int setup(void **state)
{
	*state = calloc(1, sizeof(struct sdp_session));
	return *state ? 0 : -1;
}

static inline int teardown(void **state)
{
	free(*state);
	return 0;
}

static inline void assert_pts(const struct sdp_media *m, const uint8_t *pts, unsigned n)
{
	assert_int_equal(m->n_formats, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(m->formats[i].pt, pts[i]);
}

#endif
