/* Unit tests for sfu/sdp.c on malformed, truncated and oversized input:
 * every case must fail cleanly with a reason, or parse safely. */
#define _GNU_SOURCE
#include "tests/unit/sdp_test_util.h"

static unsigned count_media(const char *text, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i + 1 < len; i++)
		n += (i == 0 || text[i - 1] == '\n') && text[i] == 'm' && text[i + 1] == '=';
	return n;
}

static void check_prefix(struct sdp_session *s, const char *text, size_t len, bool whole_lines)
{
	char err[256];
	int rc = parse_n(s, text, len, err, sizeof err);
	bool has_o = memmem(text, len, "\no=", 3) != NULL;
	if (whole_lines) /* every line is complete, so only missing v=/o= can fail */
		assert_int_equal(rc, has_o ? 0 : -EINVAL);
	if (rc == 0) {
		assert_int_equal(s->n_media, count_media(text, len));
	} else {
		assert_int_equal(rc, -EINVAL);
		assert_true(err[0] != '\0');
		assert_int_equal(s->n_media, 0);
	}
}

static void test_truncations(void **state)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		size_t len;
		char *text = load_fixture(fixtures[i], &len);
		for (size_t start = 0; start < len;) {
			const char *nl = memchr(text + start, '\n', len - start);
			size_t end = nl ? (size_t)(nl - text) + 1 : len;
			check_prefix(*state, text, start + (end - start) / 2, false);
			check_prefix(*state, text, end, true);
			start = end;
		}
		free(text);
	}
}

static void expect_fail(struct sdp_session *s, const char *text, const char *reason)
{
	char err[256];
	int rc = parse_str(s, text, err, sizeof err);
	if (rc != -EINVAL)
		fail_msg("expected -EINVAL, got %d for:\n%s", rc, text);
	if (reason && !strstr(err, reason))
		fail_msg("reason \"%s\" lacks \"%s\" for:\n%s", err, reason, text);
	assert_int_equal(s->n_media, 0);
	assert_int_equal(s->n_bundle, 0);
}

static void expect_ok(struct sdp_session *s, const char *text)
{
	char err[256];
	int rc = parse_str(s, text, err, sizeof err);
	if (rc)
		fail_msg("expected 0, got %d (%s) for:\n%s", rc, err, text);
}

static void test_garbage_lines(void **state)
{
	static const char *const bad[] = {
		"garbage", "=foo", "A=foo", "1=2", "v", "m", "ma=b", "a", "\xff=x", "a =b",
	};
	static const char *const ignored[] = {
		"x=whatever", "i=info", "u=http://example.com", "a=unknown-attr:1 2 3", "a=", "a=:",
		"a=ice-lite", "a=rtcp:9 IN IP4 0.0.0.0", "   ", "\t",
	};
	size_t len;
	char *text = load_fixture("chrome_answer.sdp", &len);
	const char *cut = memmem(text, len, "a=ice-ufrag", 11);  /* inside the first m= */
	assert_non_null(cut);
	int head = (int)(cut - text);
	char where[32];
	unsigned line = 1;
	for (const char *c = text; c < cut; c++)
		line += *c == '\n';
	snprintf(where, sizeof where, "line %u:", line);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *t = format_alloc("%.*s%s\r\n%.*s", head, text, bad[i], (int)(len - (size_t)head), cut);
		expect_fail(*state, t, where);
		free(t);
	}
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
		char *t = format_alloc("%.*s%s\r\n%.*s", head, text, ignored[i], (int)(len - (size_t)head), cut);
		expect_ok(*state, t);
		free(t);
	}
	free(text);
}

static void test_missing_m_fields(void **state)
{
	static const char *const bad[] = {
		"m=", "m=audio", "m=audio 9", "m=audio 9 RTP/AVP", "m=audio 9 RTP/AVP ",
		"m=audio x RTP/AVP 0", "m=audio -1 RTP/AVP 0", "m=audio 65536 RTP/AVP 0",
		"m=audio 9 RTP/AVP 128", "m=audio 9 RTP/AVP 0x1", "m=audio 9 RTP/AVP 1a",
		"m=audio 9/x RTP/AVP 0", "m=audio 9/ RTP/AVP 0", "m=audio /2 RTP/AVP 0",
		"m=video 9 UDP/TLS/RTP/SAVPF 96 -1", "m=audio +9 RTP/AVP 0",
	};
	static const char *const good[] = {
		"m=audio 9/2 RTP/AVP 0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
		"m=image 9 udptl t38", "m=audio  9  RTP/AVP  0 ", "m=audio 65535 RTP/AVP 127",
		"m=application 9 DTLS/SCTP 5000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *t = format_alloc(HEADER "%s\r\na=mid:0\r\n", bad[i]);
		expect_fail(*state, t, "line 5: m=");
		free(t);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *t = format_alloc(HEADER "%s\r\na=mid:0\r\n", good[i]);
		expect_ok(*state, t);
		free(t);
	}
	struct sdp_session *s = *state;
	expect_ok(s, HEADER "m=image 9 udptl t38\r\n");
	assert_int_equal(s->media[0].kind, SDP_KIND_OTHER);
	assert_string_equal(s->media[0].kind_name, "image");
	assert_int_equal(s->media[0].n_formats, 0);
}

static void test_session_lines(void **state)
{
	struct sdp_session *s = *state;
	expect_fail(s, "o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", "v=");
	expect_fail(s, "v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\n", "version");
	expect_fail(s, "v=0\r\nv=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", "duplicate");
	expect_fail(s, "v=0\r\ns=-\r\nt=0 0\r\n", "o=");
	expect_fail(s, "v=0\r\no=- 1 1 IN IP4\r\n", "o=");
	expect_fail(s, "v=0\r\no=- 1 1 IN IP4 0.0.0.0 extra\r\n", "o=");
	expect_fail(s, "v=0\r\no=- x 1 IN IP4 0.0.0.0\r\n", "session id");
	expect_fail(s, "v=0\r\no=- 18446744073709551616 1 IN IP4 0.0.0.0\r\n", "session id");
	expect_fail(s, "v=0\r\no=- 1 -1 IN IP4 0.0.0.0\r\n", "session version");
	expect_fail(s, HEADER "o=- 1 1 IN IP4 0.0.0.0\r\n", "duplicate o=");
	expect_fail(s, HEADER VIDEO "o=- 2 2 IN IP4 0.0.0.0\r\n", "after the first m=");
	expect_fail(s, HEADER VIDEO "s=-\r\n", "after the first m=");
	expect_fail(s, HEADER "t=0\r\n", "t=");
	expect_fail(s, HEADER "t=0 x\r\n", "t=");
	expect_fail(s, HEADER "t=0 0 0\r\n", "t=");
	expect_fail(s, HEADER "c=IN IP4\r\n", "c=");
	expect_fail(s, HEADER "c=XX IP4 1.2.3.4\r\n", "c=");
	expect_fail(s, HEADER "c=IN IP5 1.2.3.4\r\n", "c=");
	expect_fail(s, HEADER "b=AS\r\n", "b=");
	expect_fail(s, HEADER "b=:5\r\n", "b=");
	expect_fail(s, HEADER VIDEO "b=AS:x\r\n", "b=AS");
	expect_fail(s, HEADER VIDEO "b=AS:4294967296\r\n", "b=AS");
	expect_fail(s, "", "v=");
	expect_fail(s, "\r\n\r\n", "v=");

	expect_ok(s, "v=0\r\no=- 18446744073709551615 0 IN IP4 0.0.0.0\r\n");
	assert_true(s->session_id == UINT64_MAX);
	assert_int_equal(s->n_media, 0);
	expect_ok(s, HEADER "c=IN IP4 224.2.1.1/127/3\r\nb=CT:1000\r\n" VIDEO "b=TIAS:12\r\n");
	assert_string_equal(s->media[0].connection, "224.2.1.1");
	assert_int_equal(s->media[0].bandwidth_as_kbps, 0);
}

struct value_case {
	const char *line;  /* media-level line under VIDEO */
	int rc;
};

static void test_numbers(void **state)
{
	static const struct value_case cases[] = {
		{ "a=rtpmap:96 VP8/4294967295", 0 }, { "a=rtpmap:96 VP8/4294967296", -EINVAL },
		{ "a=rtpmap:96 VP8/0", -EINVAL }, { "a=rtpmap:96 VP8/90000/0", -EINVAL },
		{ "a=rtpmap:96 opus/48000/255", 0 }, { "a=rtpmap:96 opus/48000/256", -EINVAL },
		{ "a=rtpmap:128 VP8/90000", -EINVAL }, { "a=rtpmap:x VP8/90000", -EINVAL },
		{ "a=rtpmap:96 VP8", -EINVAL }, { "a=rtpmap:96", -EINVAL }, { "a=rtpmap:96 /90000", -EINVAL },
		{ "a=rtpmap:96 VP8/90000/", -EINVAL }, { "a=rtpmap:96 VP8/9e4", -EINVAL },
		{ "a=fmtp:97 apt=96", 0 }, { "a=fmtp:97 apt=128", -EINVAL }, { "a=fmtp:97 apt=x", -EINVAL },
		{ "a=fmtp:97 apt=", -EINVAL }, { "a=fmtp:97", 0 }, { "a=fmtp:97 x-apt=5;y=7", 0 },
		{ "a=rtcp-fb:300 nack", -EINVAL }, { "a=rtcp-fb:96", 0 }, { "a=rtcp-fb:", -EINVAL },
		{ "a=ssrc:4294967295 cname:x", 0 }, { "a=ssrc:4294967296 cname:x", -EINVAL },
		{ "a=ssrc:-1 cname:x", -EINVAL }, { "a=ssrc:1", -EINVAL }, { "a=ssrc:1 label:y", 0 },
		{ "a=ssrc-group:FID 1 4294967296", -EINVAL }, { "a=ssrc-group:FID", -EINVAL },
		{ "a=ssrc-group:FID 1 x", -EINVAL }, { "a=ssrc-group:SIM 1 2 3", 0 },
		{ "a=sctp-port:65535", 0 }, { "a=sctp-port:65536", -EINVAL }, { "a=sctp-port:", -EINVAL },
		{ "a=sctp-port:+5000", -EINVAL }, { "a=sctp-port:0x1388", -EINVAL }, { "a=sctp-port:5e3", -EINVAL },
		{ "a=sctp-port:99999999999999999999999999", -EINVAL },
		{ "a=max-message-size:4294967295", 0 }, { "a=max-message-size:4294967296", -EINVAL },
		{ "a=max-message-size:18446744073709551616", -EINVAL },
		{ "a=extmap:255 urn:x", 0 }, { "a=extmap:256 urn:x", -EINVAL }, { "a=extmap:0 urn:x", -EINVAL },
		{ "a=extmap:1", -EINVAL }, { "a=extmap:1/bogus urn:x", -EINVAL }, { "a=extmap:1/ urn:x", -EINVAL },
		{ "a=extmap:1/sendonly urn:x attr", 0 }, { "a=extmap:x urn:x", -EINVAL },
		{ "a=candidate:1 1 udp 4294967295 1.2.3.4 65535 typ host", 0 },
		{ "a=candidate:1 1 udp 4294967296 1.2.3.4 9 typ host", -EINVAL },
		{ "a=candidate:1 1 udp 1 1.2.3.4 65536 typ host", -EINVAL },
		{ "a=candidate:1 0 udp 1 1.2.3.4 9 typ host", -EINVAL },
		{ "a=candidate:1 257 udp 1 1.2.3.4 9 typ host", -EINVAL },
		{ "a=candidate:1 1 udp 1 1.2.3.4 9 host", -EINVAL },
		{ "a=candidate:1 1 udp 1 1.2.3.4 9 typ", -EINVAL }, { "a=candidate:", -EINVAL },
		{ "a=setup:holdconn", 0 }, { "a=setup:bogus", -EINVAL }, { "a=setup:", -EINVAL },
		{ "a=fingerprint:sha-256", -EINVAL }, { "a=fingerprint:", -EINVAL },
		{ "a=mid:", -EINVAL }, { "a=msid:", -EINVAL }, { "a=ice-ufrag:", -EINVAL }, { "a=ice-pwd", -EINVAL },
		{ "a=rid:q", -EINVAL }, { "a=rid:q both", -EINVAL }, { "a=rid:q! send", -EINVAL },
		{ "a=rid:hi-res_2 recv max-width=1280", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = format_alloc(HEADER VIDEO "%s\r\n", cases[i].line);
		if (cases[i].rc)
			expect_fail(*state, t, "line 7: a=");
		else
			expect_ok(*state, t);
		free(t);
	}
	struct sdp_session *s = *state;
	expect_ok(s, HEADER VIDEO "a=sctp-port:000000000000000000000000005000 \r\n");
	assert_int_equal(s->media[0].sctp_port, 5000);
	expect_ok(s, HEADER VIDEO "a=extmap:1/sendonly urn:x attr\r\na=rid:hi-res_2 recv\r\n");
	assert_string_equal(s->media[0].extmaps[0].uri, "urn:x");
	assert_false(s->media[0].rids[0].send);
	expect_ok(s, HEADER VIDEO "a=setup:holdconn\r\n");
	assert_int_equal(s->media[0].setup, SDP_SETUP_NONE);
}

struct long_case {
	const char *fmt;    /* whole description around one %s */
	size_t max_ok;      /* longest %s that still fits */
};

/* fmt with its one "%s" replaced by value */
static char *subst(const char *fmt, const char *value)
{
	const char *at = strstr(fmt, "%s");
	assert_non_null(at);
	return format_alloc("%.*s%s%s", (int)(at - fmt), fmt, value, at + 2);
}

static void test_overlong_values(void **state)
{
	static const struct long_case cases[] = {
		{ HEADER VIDEO "a=mid:%s\r\n", 31 }, { HEADER VIDEO "a=msid:%s\r\n", 127 },
		{ HEADER VIDEO "a=ice-ufrag:%s\r\n", 63 }, { HEADER "a=ice-ufrag:%s\r\n", 63 },
		{ HEADER VIDEO "a=ice-pwd:%s\r\n", 127 }, { HEADER "a=ice-pwd:%s\r\n", 127 },
		{ HEADER VIDEO "a=fingerprint:sha-256 %s\r\n", 151 },
		{ HEADER "a=fingerprint:sha-256 %s\r\n", 151 },
		{ HEADER VIDEO "a=rtpmap:96 %s/90000\r\n", 31 },
		{ HEADER VIDEO "a=fmtp:96 %s\r\n", 255 }, { HEADER VIDEO "a=extmap:1 %s\r\n", 127 },
		{ HEADER VIDEO "a=ssrc:1 cname:%s\r\n", 63 }, { HEADER VIDEO "a=ssrc:1 msid:%s\r\n", 127 },
		{ HEADER VIDEO "a=ssrc-group:%s 1 2\r\n", 15 },
		{ HEADER VIDEO "a=candidate:1 1 udp 1 1.2.3.4 9 typ host %s\r\n", 245 - 29 },
		{ HEADER VIDEO "a=rid:%s send\r\n", 31 }, { HEADER "m=%s 9 RTP/AVP 0\r\n", 15 },
		{ HEADER "m=audio 9 %s 0\r\n", 47 }, { HEADER "c=IN IP4 %s\r\n", 63 },
		{ HEADER VIDEO "c=IN IP6 %s\r\n", 63 }, { HEADER "a=group:BUNDLE 0 %s\r\n", 31 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t lens[] = { 1, cases[i].max_ok, cases[i].max_ok + 1, 100000 };
		for (size_t j = 0; j < 4; j++) {
			char *value = repeat('x', lens[j]);
			char *t = subst(cases[i].fmt, value);
			if (lens[j] <= cases[i].max_ok)
				expect_ok(*state, t);
			else
				expect_fail(*state, t, "too long");
			free(t);
			free(value);
		}
	}
}

__attribute__((format(printf, 2, 3)))
static void append(char **buf, const char *fmt, ...)
{
	char *more, *joined;
	va_list ap;
	va_start(ap, fmt);
	assert_true(vasprintf(&more, fmt, ap) >= 0);
	va_end(ap);
	joined = format_alloc("%s%s", *buf ? *buf : "", more);
	free(more);
	free(*buf);
	*buf = joined;
}

static void test_count_limits(void **state)
{
	struct sdp_session *s = *state;
	char *t = NULL;
	append(&t, HEADER "m=video 9 UDP/TLS/RTP/SAVPF");
	for (unsigned i = 0; i < 40; i++)
		append(&t, " %u", i);
	append(&t, " 0 5\r\n");
	for (unsigned i = 0; i < 40; i++)
		append(&t, "a=rtpmap:%u x/1%u\r\n", i, i);
	expect_ok(s, t);
	assert_int_equal(s->media[0].n_formats, SDP_MAX_FORMATS);
	assert_int_equal(s->media[0].formats[31].pt, 31);
	assert_int_equal(s->media[0].formats[31].clock_rate, 131);
	assert_string_equal(s->media[0].formats[0].name, "x");  /* rtpmap beats the static table */
	assert_null(sdp_media_format(&s->media[0], 35));
	free(t);

	expect_ok(s, HEADER "m=video 9 UDP/TLS/RTP/SAVPF 96 96 97 96\r\n");
	assert_pts(&s->media[0], (const uint8_t[]){ 96, 97 }, 2);

	t = NULL;
	append(&t, HEADER VIDEO);
	for (unsigned i = 1; i <= 20; i++)
		append(&t, "a=extmap:%u urn:x:%u\r\n", i, i);
	append(&t, "a=extmap:19 urn:dup\r\n");
	expect_ok(s, t);
	assert_int_equal(s->media[0].n_extmaps, SDP_MAX_EXTMAPS);
	assert_int_equal(s->media[0].extmaps[15].id, 16);
	assert_int_equal(sdp_media_extmap(&s->media[0], "urn:x:17"), 0);
	assert_int_equal(sdp_media_extmap(&s->media[0], "urn:dup"), 0);
	free(t);
	expect_ok(s, HEADER VIDEO "a=extmap:3 urn:a\r\na=extmap:3 urn:b\r\n");
	assert_int_equal(s->media[0].n_extmaps, 1);
	assert_string_equal(s->media[0].extmaps[0].uri, "urn:a");

	t = NULL;
	append(&t, HEADER VIDEO);
	for (unsigned i = 0; i < 12; i++)
		append(&t, "a=ssrc:%u cname:c%u\r\n", i, i);
	append(&t, "a=ssrc:0 msid:s t\r\n");
	expect_ok(s, t);
	assert_int_equal(s->media[0].n_ssrcs, SDP_MAX_SSRCS);
	assert_string_equal(s->media[0].ssrcs[7].cname, "c7");
	assert_string_equal(s->media[0].ssrcs[0].msid, "s t");
	free(t);

	t = NULL;
	append(&t, HEADER VIDEO);
	for (unsigned i = 0; i < 6; i++)
		append(&t, "a=ssrc-group:FID %u 10%u\r\n", i, i);
	append(&t, "a=ssrc-group:SIM 1 2 3\r\n");
	expect_ok(s, t);
	assert_int_equal(s->media[0].n_ssrc_groups, SDP_MAX_SSRC_GROUPS);
	assert_int_equal(sdp_media_rtx_ssrc(&s->media[0], 3), 103);
	assert_int_equal(sdp_media_rtx_ssrc(&s->media[0], 4), 0);
	free(t);
	expect_ok(s, HEADER VIDEO "a=ssrc-group:SIM 1 2 3 4 5 6 7 8 9 10\r\n");
	assert_int_equal(s->media[0].ssrc_groups[0].n, SDP_MAX_SSRCS);
	assert_int_equal(s->media[0].ssrc_groups[0].ssrcs[7], 8);

	t = NULL;
	append(&t, HEADER VIDEO);
	for (unsigned i = 0; i < 20; i++)
		append(&t, "a=candidate:%u 1 udp 1 10.0.0.%u 9 typ host\r\n", i, i);
	append(&t, "a=end-of-candidates\r\n");
	expect_ok(s, t);
	assert_int_equal(s->media[0].n_candidates, SDP_MAX_CANDIDATES);
	assert_string_equal(s->media[0].candidates[15], "candidate:15 1 udp 1 10.0.0.15 9 typ host");
	assert_true(s->media[0].end_of_candidates);
	free(t);

	t = NULL;
	append(&t, HEADER "a=group:BUNDLE");
	for (unsigned i = 0; i < 70; i++)
		append(&t, " m%u", i);
	append(&t, "\r\na=group:BUNDLE x y\r\na=group:LS a b\r\n");
	expect_ok(s, t);
	assert_int_equal(s->n_bundle, SDP_MAX_BUNDLE);
	assert_string_equal(s->bundle[0], "m0");
	assert_string_equal(s->bundle[63], "m63");
	free(t);

	t = NULL;
	append(&t, HEADER VIDEO "a=rid:r0 recv\r\n");
	for (unsigned i = 0; i < 10; i++)
		append(&t, "a=rid:r%u send\r\n", i);
	expect_ok(s, t);
	assert_int_equal(s->media[0].n_rids, SDP_MAX_RIDS);
	assert_false(s->media[0].rids[0].send);  /* the first line for a rid wins */
	assert_string_equal(s->media[0].rids[7].id, "r7");
	free(t);
}

static void test_media_count(void **state)
{
	struct sdp_session *s = *state;
	char err[256];
	char *t = NULL;
	expect_ok(s, HEADER);
	assert_int_equal(s->n_media, 0);
	append(&t, HEADER);
	for (unsigned i = 0; i <= SDP_MAX_MEDIA; i++)
		append(&t, "m=audio 9 RTP/AVP 0\r\na=mid:%u\r\n", i);
	char *last = strstr(t, "m=audio 9 RTP/AVP 0\r\na=mid:64\r\n");
	assert_non_null(last);
	assert_int_equal(parse_n(s, t, (size_t)(last - t), err, sizeof err), 0);
	assert_int_equal(s->n_media, SDP_MAX_MEDIA);
	assert_string_equal(s->media[63].mid, "63");
	expect_fail(s, t, "more than 64 media");
	free(t);
}

static void test_control_bytes(void **state)
{
	struct sdp_session *s = *state;
	char err[256];
	size_t len;
	char *text = load_fixture("chrome_answer.sdp", &len);
	size_t at[] = { 0, 1, 2, 5, len / 2, len - 3, len - 2, len - 1 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		char *t = malloc(len);
		memcpy(t, text, len);
		t[at[i]] = '\0';
		assert_int_equal(parse_n(s, t, len, err, sizeof err), -EINVAL);
		assert_int_equal(s->n_media, 0);
		free(t);
	}
	/* NUL past the last line end is still input */
	char *t = malloc(len + 1);
	memcpy(t, text, len);
	t[len] = '\0';
	assert_int_equal(parse_n(s, t, len + 1, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	free(t);
	free(text);
	expect_fail(s, HEADER VIDEO "a=msid:a\rb c\r\n", "line 7: control");
	expect_fail(s, HEADER VIDEO "a=mid:x\x7f\r\n", "control");
	expect_fail(s, "v=0\ro=- 1 1 IN IP4 0.0.0.0\r", "line 1");
	expect_ok(s, HEADER "s=caf\xc3\xa9\r\n" VIDEO "a=msid:\tx\t\r\n");
	assert_string_equal(s->media[0].msid, "x");
}

static void test_size_limit(void **state)
{
	struct sdp_session *s = *state;
	char err[256];
	char *big = malloc(SDP_MAX_TEXT + 1);
	assert_non_null(big);
	size_t head = strlen(HEADER VIDEO);
	memcpy(big, HEADER VIDEO, head);
	/* pad with ignored attribute lines, then one blank line, up to exactly
	 * SDP_MAX_TEXT bytes */
	memset(big + head, ' ', SDP_MAX_TEXT + 1 - head);
	for (size_t i = head; i + 100 < SDP_MAX_TEXT; i += 100)
		memcpy(big + i, "a=x-pad:", 8), memcpy(big + i + 98, "\r\n", 2);
	big[SDP_MAX_TEXT - 2] = '\r';
	big[SDP_MAX_TEXT - 1] = '\n';
	assert_int_equal(sdp_parse(s, big, SDP_MAX_TEXT, err, sizeof err), 0);
	assert_int_equal(s->n_media, 1);
	assert_int_equal(sdp_parse(s, big, SDP_MAX_TEXT + 1, err, sizeof err), -E2BIG);
	assert_non_null(strstr(err, "limit"));
	assert_int_equal(s->n_media, 0);
	assert_int_equal(sdp_parse(s, big, SIZE_MAX, err, sizeof err), -E2BIG);
	free(big);
}

static void test_arguments(void **state)
{
	struct sdp_session *s = *state;
	char err[16];
	assert_int_equal(sdp_parse(NULL, "v=0", 3, err, sizeof err), -EINVAL);
	assert_int_equal(sdp_parse(s, NULL, 3, err, sizeof err), -EINVAL);
	assert_int_equal(sdp_parse(s, NULL, 0, err, sizeof err), -EINVAL);
	assert_int_equal(sdp_parse(s, "v=0\r\nx", 6, NULL, 0), -EINVAL);
	assert_int_equal(sdp_parse(s, "garbage", 7, err, 0), -EINVAL);
	memset(err, 'z', sizeof err);
	assert_int_equal(sdp_parse(s, "garbage", 7, err, 5), -EINVAL);
	assert_string_equal(err, "line");
	assert_int_equal(err[5], 'z');
	assert_int_equal(parse_str(s, HEADER, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_null(sdp_media_format(NULL, 0));
	assert_int_equal(sdp_media_extmap(NULL, "x"), 0);
	assert_int_equal(sdp_media_extmap(&s->media[0], NULL), 0);
	assert_int_equal(sdp_media_rtx_ssrc(NULL, 1), 0);
}

static void test_semantics(void **state)
{
	struct sdp_session *s = *state;
	expect_fail(s, HEADER VIDEO "m=audio 9 RTP/AVP 0\r\na=mid:v\r\n", "duplicate a=mid:v");
	/* attributes at the wrong level are ignored */
	expect_ok(s, HEADER "a=mid:x\r\na=rtcp-mux\r\na=candidate:bad\r\n" VIDEO "a=group:BUNDLE v\r\n");
	assert_string_equal(s->media[0].mid, "v");
	assert_false(s->media[0].rtcp_mux);
	assert_int_equal(s->n_bundle, 0);
	expect_ok(s, HEADER "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
		  "a=rtcp-fb:96 nack foo\r\na=rtcp-fb:96 ccm tmmbr\r\na=rtcp-fb:96 goog-lntf\r\n"
		  "a=rtcp-fb:97 nack pli\r\na=rtcp-fb:* ccm fir\r\na=rtcp-fb:* goog-remb\r\n"
		  "a=rtcp-fb:5 nack\r\na=fmtp:97 foo=1; apt=96 ;bar\r\na=fmtp:96 a\r\na=fmtp:96 b\r\n");
	assert_int_equal(s->media[0].formats[0].fb, SDP_FB_CCM_FIR | SDP_FB_REMB);
	assert_int_equal(s->media[0].formats[1].fb, SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_REMB);
	assert_int_equal(s->media[0].formats[1].apt, 96);
	assert_string_equal(s->media[0].formats[1].fmtp, "foo=1; apt=96 ;bar");
	assert_string_equal(s->media[0].formats[0].fmtp, "b");
	/* session-level direction is a default; the media's own wins */
	expect_ok(s, HEADER "a=inactive\r\n" VIDEO "m=audio 9 RTP/AVP 0\r\na=sendrecv\r\n");
	assert_int_equal(s->media[0].direction, SDP_INACTIVE);
	assert_int_equal(s->media[1].direction, SDP_SENDRECV);
	/* a rejected answer may carry no mid at all */
	expect_ok(s, HEADER "m=audio 0 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n");
	assert_int_equal(s->n_media, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_m_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_semantics, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

