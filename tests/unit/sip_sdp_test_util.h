/* Helpers shared by the SIP SDP unit tests (test_sip_sdp.c,
 * test_sip_sdp_malformed.c): fixtures, exact-size parse buffers, our side of
 * a call, and a round trip through offer, negotiation and answer. */
#ifndef PARLEY_SIP_SDP_TEST_UTIL_H
#define PARLEY_SIP_SDP_TEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sip/sip_sdp.h"
#include "tests/unit/fixture_test_util.h"

static const char *const sip_fixtures[] = {
	"sip_sipp_uac.sdp", "sip_baresip_offer.sdp", "sip_polycom_offer.sdp",
	"sip_cisco_offer.sdp", "sip_sdes_offer.sdp", "sip_offer_lf.sdp", "sip_baresip_srtp_offer.sdp",
	"sip_baresip_srtp_answer_to_ours.sdp",
};
#define N_SIP_FIXTURES (sizeof sip_fixtures / sizeof sip_fixtures[0])

#define SIP_HEADER "v=0\r\no=- 7 7 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

/* Parses a copy of exactly len bytes, so ASan sees any read past the end. */
static inline int sip_parse_n(struct sip_media_offer *o, const char *text, size_t len, char *err,
			      size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, text, len);
	int rc = sip_sdp_parse(o, copy, len, err, errlen);
	free(copy);
	return rc;
}

static inline void sip_parse_ok(struct sip_media_offer *o, const char *text)
{
	char err[256];
	int rc = sip_parse_n(o, text, strlen(text), err, sizeof err);
	if (rc)
		fail_msg("parse failed (%d: %s) for:\n%s", rc, err, text);
}

static inline void sip_parse_fixture(struct sip_media_offer *o, const char *name)
{
	size_t len;
	char err[256];
	char *text = load_fixture(name, &len);
	int rc = sip_sdp_parse(o, text, len, err, sizeof err);
	free(text);
	if (rc)
		fail_msg("%s: %d %s", name, rc, err);
}

/* Our side: 203.0.113.1:40000, key bytes 0xa0, 0xa1, ... */
static inline void test_local(struct sip_local_media *l)
{
	memset(l, 0, sizeof *l);
	snprintf(l->address, sizeof l->address, "203.0.113.1");
	l->port = 40000;
	l->direction = SDP_SENDRECV;
	for (unsigned i = 0; i < SIP_SRTP_MAX_KEY; i++)
		l->srtp_key[i] = (uint8_t)(0xa0 + i);
}

/* A caps with every codec and every suite, in enum order. */
static inline void caps_all(struct sip_local_caps *c)
{
	sip_local_caps_init(c, true);
	c->n_suites = 0;
	for (int s = SIP_SRTP_NONE + 1; s < SIP_SRTP_SUITE_COUNT; s++)
		c->suites[c->n_suites++] = (enum sip_srtp_suite)s;
}

/* Parses text as an offer and negotiates; returns negotiate's code. */
static inline int offer_choose(const char *text, const struct sip_local_caps *caps,
			       const struct sip_local_media *local, struct sip_media_offer *o,
			       struct sip_media_choice *c, char *err, size_t errlen)
{
	sip_parse_ok(o, text);
	return sip_sdp_negotiate(o, caps, local, c, err, errlen);
}

static inline void expect_refusal(const char *text, const struct sip_local_caps *caps,
				  const char *reason)
{
	struct sip_media_offer *o = malloc(sizeof *o);
	struct sip_media_choice c;
	struct sip_local_media l;
	char err[256];
	assert_non_null(o);
	test_local(&l);
	int rc = offer_choose(text, caps, &l, o, &c, err, sizeof err);
	if (rc != -ENOTSUP)
		fail_msg("expected -ENOTSUP, got %d for:\n%s", rc, text);
	if (reason && !strstr(err, reason))
		fail_msg("reason \"%s\" lacks \"%s\" for:\n%s", err, reason, text);
	free(o);
}

static inline bool has_line(const char *sdp, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = sdp; (p = strstr(p, line)); p++)
		if ((p == sdp || p[-1] == '\n') && !strncmp(p + n, "\r\n", 2))
			return true;
	return false;
}

/* Every line ends in CRLF and there is no bare CR or LF. */
static inline void assert_crlf(const char *sdp)
{
	size_t n = strlen(sdp);
	assert_true(n >= 2 && sdp[n - 2] == '\r' && sdp[n - 1] == '\n');
	for (size_t i = 0; i < n; i++) {
		if (sdp[i] == '\n')
			assert_true(i > 0 && sdp[i - 1] == '\r');
		if (sdp[i] == '\r')
			assert_true(sdp[i + 1] == '\n');
	}
}

#endif
