/* Helpers shared by the SDP unit tests (test_sdp.c, test_sdp_malformed.c):
 * fixtures, exact-size parse buffers, string builders (fixture loading and
 * format_alloc come from fixture_test_util.h). */
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
#include "tests/unit/fixture_test_util.h"

static const char *const fixtures[] = {
	"chrome_answer.sdp", "firefox_answer.sdp", "chrome_offer_simulcast.sdp",
	"answer_inactive_rejected.sdp", "session_level.sdp", "sip_offer_lf.sdp",
	"whip_chrome_offer.sdp", "whip_obs_offer.sdp", "whip_gstreamer_offer.sdp",
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

#define HEADER "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define VIDEO "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:v\r\n"

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
