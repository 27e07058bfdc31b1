/* Unit tests for sfu/sdp.c: golden browser and SIP descriptions read from
 * $PARLEY_FIXTURES/sdp, then malformed input that must fail cleanly. Inputs
 * are copied into buffers of their exact size, without a terminating NUL, so
 * that the sanitizers catch any read past the end. */
#define _GNU_SOURCE
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
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

#define HEADER "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define VIDEO "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:v\r\n"

/* Exactly len bytes, no NUL after them. */
static char *load_fixture(const char *name, size_t *len)
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

static int parse_n(struct sdp_session *s, const char *text, size_t len, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, text, len);
	int rc = sdp_parse(s, copy, len, err, errlen);
	free(copy);
	return rc;
}

static int parse_str(struct sdp_session *s, const char *text, char *err, size_t errlen)
{
	return parse_n(s, text, strlen(text), err, errlen);
}

/* Parses a fixture that must be valid. */
static void parse_fixture(struct sdp_session *s, const char *name)
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
static char *format_alloc(const char *fmt, ...)
{
	char *out;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&out, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return out;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct sdp_session));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static const char chrome_fp[] = "sha-256 A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:"
	"D9:1E:3F:72:1F:CB:19:71:17:44:94:D6:49:3C:9D:5C";
static const char twcc_uri[] = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
static const unsigned all_fb = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_REMB | SDP_FB_TWCC;

static void assert_pts(const struct sdp_media *m, const uint8_t *pts, unsigned n)
{
	assert_int_equal(m->n_formats, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(m->formats[i].pt, pts[i]);
}

static void test_chrome_answer(void **state)
{
	struct sdp_session *s = *state;
	parse_fixture(s, "chrome_answer.sdp");
	assert_true(s->session_id == 4611731400430051336ULL);
	assert_int_equal(s->session_version, 2);
	assert_int_equal(s->n_bundle, 5);
	assert_string_equal(s->bundle[0], "0");
	assert_string_equal(s->bundle[4], "4");
	assert_int_equal(s->n_media, 5);
	static const enum sdp_direction dirs[] = { SDP_SENDONLY, SDP_SENDONLY, SDP_RECVONLY, SDP_RECVONLY, SDP_SENDRECV };
	static const enum sdp_kind kinds[] = { SDP_KIND_AUDIO, SDP_KIND_VIDEO, SDP_KIND_AUDIO, SDP_KIND_VIDEO, SDP_KIND_APPLICATION };
	for (unsigned i = 0; i < 5; i++) {
		const struct sdp_media *m = &s->media[i];
		char mid[2] = { (char)('0' + i), 0 };
		assert_string_equal(m->mid, mid);
		assert_int_equal(m->direction, dirs[i]);
		assert_int_equal(m->kind, kinds[i]);
		assert_int_equal(m->port, 9);
		assert_string_equal(m->ice_ufrag, "Hq7c");
		assert_string_equal(m->ice_pwd, "3yU0rZ2n7P1jV8kQ4wXbLm9s");
		assert_string_equal(m->fingerprint, chrome_fp);
		assert_int_equal(m->setup, SDP_SETUP_ACTIVE);
		assert_string_equal(m->connection, "0.0.0.0");
		assert_int_equal(m->rtcp_mux, i < 4);
		assert_int_equal(m->rtcp_rsize, i == 1 || i == 3);
	}

	const struct sdp_media *a = &s->media[0];
	assert_string_equal(a->kind_name, "audio");
	assert_string_equal(a->proto, "UDP/TLS/RTP/SAVPF");
	assert_string_equal(a->msid, "8a3f6c52-0d6e-4f0b-9c1e-5b7d2a9e4f10 0c7d1f3a-66b2-4e59-a3c4-91d2b7e8f605");
	assert_pts(a, (const uint8_t[]){ 111, 63, 126 }, 3);
	const struct sdp_format *opus = sdp_media_format(a, 111);
	assert_string_equal(opus->name, "opus");
	assert_int_equal(opus->clock_rate, 48000);
	assert_int_equal(opus->channels, 2);
	assert_string_equal(opus->fmtp, "minptime=10;useinbandfec=1");
	assert_int_equal(opus->fb, SDP_FB_TWCC);
	assert_int_equal(opus->apt, -1);
	assert_string_equal(sdp_media_format(a, 63)->fmtp, "111/111");
	assert_int_equal(sdp_media_format(a, 63)->apt, -1);
	assert_string_equal(sdp_media_format(a, 126)->name, "telephone-event");
	assert_int_equal(sdp_media_format(a, 126)->channels, 0);
	assert_string_equal(sdp_media_format(a, 126)->fmtp, "");
	assert_int_equal(a->n_extmaps, 4);
	assert_int_equal(sdp_media_extmap(a, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"), 1);
	assert_int_equal(sdp_media_extmap(a, twcc_uri), 3);
	assert_int_equal(sdp_media_extmap(a, "urn:ietf:params:rtp-hdrext:sdes:mid"), 4);
	assert_int_equal(sdp_media_extmap(a, "urn:ietf:params:rtp-hdrext:toffset"), 0);
	assert_int_equal(a->n_ssrcs, 1);
	assert_int_equal(a->ssrcs[0].ssrc, 1001438597u);
	assert_string_equal(a->ssrcs[0].cname, "tB1xgZ6m4nQ3aJ9s");
	assert_string_equal(a->ssrcs[0].msid, a->msid);
	assert_int_equal(a->n_candidates, 4);
	assert_string_equal(a->candidates[0], "candidate:3349787318 1 udp 2122260223 192.168.1.23 54321 "
			    "typ host generation 0 network-id 1 network-cost 10");
	assert_string_equal(a->candidates[1], "candidate:1729471935 1 udp 2122194687 "
			    "1d3e8a26-4b0e-4a0b-8f1a-4b1e0cb7e3a2.local 54400 typ host generation 0 network-id 2");
	assert_non_null(strstr(a->candidates[2], " typ srflx raddr 192.168.1.23 rport 54321"));
	assert_non_null(strstr(a->candidates[3], " tcp 1518280447 192.168.1.23 9 typ host tcptype active"));
	assert_false(a->end_of_candidates);
	assert_int_equal(a->bandwidth_as_kbps, 0);

	const struct sdp_media *v = &s->media[1];
	assert_pts(v, (const uint8_t[]){ 96, 97, 102, 103, 45, 46 }, 6);
	assert_string_equal(sdp_media_format(v, 96)->name, "VP8");
	assert_int_equal(sdp_media_format(v, 96)->clock_rate, 90000);
	assert_int_equal(sdp_media_format(v, 96)->fb, all_fb);
	assert_int_equal(sdp_media_format(v, 102)->fb, all_fb);
	assert_int_equal(sdp_media_format(v, 45)->fb, all_fb);
	assert_int_equal(sdp_media_format(v, 97)->fb, 0);
	assert_string_equal(sdp_media_format(v, 97)->name, "rtx");
	assert_int_equal(sdp_media_format(v, 97)->apt, 96);
	assert_int_equal(sdp_media_format(v, 103)->apt, 102);
	assert_int_equal(sdp_media_format(v, 46)->apt, 45);
	assert_int_equal(sdp_media_format(v, 96)->apt, -1);
	assert_string_equal(sdp_media_format(v, 102)->fmtp,
			    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
	assert_string_equal(sdp_media_format(v, 97)->fmtp, "apt=96");
	assert_int_equal(v->n_extmaps, 11);
	assert_int_equal(v->extmaps[0].id, 14);
	assert_string_equal(v->extmaps[0].uri, "urn:ietf:params:rtp-hdrext:toffset");
	assert_int_equal(sdp_media_extmap(v, twcc_uri), 3);
	assert_int_equal(sdp_media_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"), 10);
	assert_int_equal(sdp_media_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"), 11);
	assert_int_equal(v->n_ssrcs, 2);
	assert_int_equal(v->ssrcs[0].ssrc, 2231627014u);
	assert_int_equal(v->ssrcs[1].ssrc, 632943048u);
	assert_string_equal(v->ssrcs[1].msid, "8a3f6c52-0d6e-4f0b-9c1e-5b7d2a9e4f10 f4e1b9c2-7a3d-4c8e-b215-3d9f0a6c7e21");
	assert_int_equal(v->n_ssrc_groups, 1);
	assert_string_equal(v->ssrc_groups[0].semantics, "FID");
	assert_int_equal(v->ssrc_groups[0].n, 2);
	assert_int_equal(sdp_media_rtx_ssrc(v, 2231627014u), 632943048u);
	assert_int_equal(sdp_media_rtx_ssrc(v, 632943048u), 0);
	assert_int_equal(sdp_media_rtx_ssrc(v, 1), 0);
	assert_int_equal(v->n_candidates, 0);

	assert_pts(&s->media[2], (const uint8_t[]){ 111 }, 1);
	assert_string_equal(s->media[2].formats[0].fmtp, "minptime=10;stereo=1;useinbandfec=1");
	assert_int_equal(s->media[2].n_ssrcs, 0);
	assert_string_equal(s->media[2].msid, "");
	assert_int_equal(s->media[3].bandwidth_as_kbps, 2500);
	assert_pts(&s->media[3], (const uint8_t[]){ 96, 97 }, 2);

	const struct sdp_media *d = &s->media[4];
	assert_string_equal(d->kind_name, "application");
	assert_string_equal(d->proto, "UDP/DTLS/SCTP");
	assert_int_equal(d->n_formats, 0);
	assert_int_equal(d->sctp_port, 5000);
	assert_int_equal(d->max_message_size, 262144);
}

static void test_firefox_answer(void **state)
{
	struct sdp_session *s = *state;
	parse_fixture(s, "firefox_answer.sdp");
	assert_true(s->session_id == 6530532926215434583ULL);
	assert_int_equal(s->session_version, 0);
	assert_int_equal(s->n_bundle, 3);
	assert_int_equal(s->n_media, 3);
	for (unsigned i = 0; i < 3; i++) {
		/* Firefox writes the fingerprint once, at session level. */
		assert_string_equal(s->media[i].fingerprint, "sha-256 34:60:BE:31:20:1E:69:FE:DA:A0:EE:E8:B9:99:"
				    "7F:5C:7C:29:99:FD:AF:E5:93:25:3C:D6:54:AF:4D:FA:D7:14");
		assert_string_equal(s->media[i].ice_ufrag, "5e1a9d3c");
		assert_string_equal(s->media[i].ice_pwd, "9c2f6b1de0a84e7f95b3c6a1d2e4f807");
		assert_int_equal(s->media[i].setup, SDP_SETUP_ACTIVE);
	}
	const struct sdp_media *a = &s->media[0];
	assert_string_equal(a->mid, "0");
	assert_int_equal(a->direction, SDP_SENDRECV);
	assert_pts(a, (const uint8_t[]){ 109, 101 }, 2);
	/* fmtp comes before rtpmap in Firefox's alphabetical order */
	assert_string_equal(a->formats[0].name, "opus");
	assert_int_equal(a->formats[0].channels, 2);
	assert_string_equal(a->formats[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
	assert_string_equal(a->formats[1].fmtp, "0-15");
	assert_int_equal(a->n_candidates, 3);
	assert_string_equal(a->candidates[0], "candidate:0 1 UDP 2122252543 192.168.1.20 50123 typ host");
	assert_true(a->end_of_candidates);
	assert_int_equal(a->n_extmaps, 3);
	assert_int_equal(sdp_media_extmap(a, "urn:ietf:params:rtp-hdrext:csrc-audio-level"), 2);
	assert_string_equal(a->msid, "{4d1b7f2a-93c6-4e0d-8a15-6c2e9b3f7d40} {b7e2c9a1-5d3f-4a86-9e0b-1f4c7d2a6e38}");
	assert_int_equal(a->ssrcs[0].ssrc, 3129864431u);
	assert_string_equal(a->ssrcs[0].cname, "{0f6d2b8e-41a7-4c3d-b9e5-72a1c8d4f063}");
	assert_string_equal(a->ssrcs[0].msid, "");

	const struct sdp_media *v = &s->media[1];
	assert_int_equal(v->direction, SDP_RECVONLY);
	assert_pts(v, (const uint8_t[]){ 120, 124, 121, 125 }, 4);
	assert_int_equal(sdp_media_format(v, 124)->apt, 120);
	assert_int_equal(sdp_media_format(v, 125)->apt, 121);
	assert_string_equal(sdp_media_format(v, 125)->name, "rtx");
	assert_string_equal(sdp_media_format(v, 121)->name, "VP9");
	assert_int_equal(sdp_media_format(v, 120)->fb, all_fb);
	assert_int_equal(sdp_media_format(v, 121)->fb, all_fb);
	assert_int_equal(sdp_media_format(v, 124)->fb, 0);
	assert_string_equal(sdp_media_format(v, 120)->fmtp, "max-fs=12288;max-fr=60");
	assert_int_equal(sdp_media_extmap(v, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"), 6);
	assert_int_equal(v->n_ssrcs, 1);
	assert_int_equal(v->n_ssrc_groups, 0);
	assert_int_equal(sdp_media_rtx_ssrc(v, v->ssrcs[0].ssrc), 0);
	assert_true(v->rtcp_rsize);
	assert_int_equal(v->n_candidates, 0);

	assert_int_equal(s->media[2].kind, SDP_KIND_APPLICATION);
	assert_int_equal(s->media[2].sctp_port, 5000);
	assert_int_equal(s->media[2].max_message_size, 1073741823);
}

static void test_chrome_offer_simulcast(void **state)
{
	struct sdp_session *s = *state;
	parse_fixture(s, "chrome_offer_simulcast.sdp");
	assert_int_equal(s->n_media, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(s->media[i].setup, SDP_SETUP_ACTPASS);

	const struct sdp_media *a = &s->media[0];
	assert_int_equal(a->direction, SDP_SENDRECV);
	assert_pts(a, (const uint8_t[]){ 111, 63, 9, 0, 8, 13, 110, 126 }, 8);
	assert_string_equal(sdp_media_format(a, 0)->name, "PCMU");
	assert_int_equal(sdp_media_format(a, 9)->clock_rate, 8000);
	assert_int_equal(sdp_media_format(a, 110)->clock_rate, 48000);
	assert_true(a->rtcp_rsize);

	const struct sdp_media *v = &s->media[1];
	static const uint8_t pts[] = { 96, 97, 102, 103, 104, 105, 106, 107, 108, 109, 127, 125, 39,
				       40, 45, 46, 98, 99, 100, 101, 112, 113, 116, 117, 118 };
	assert_pts(v, pts, sizeof pts);
	assert_int_equal(v->direction, SDP_SENDONLY);
	unsigned n_rtx = 0;
	for (unsigned i = 0; i < v->n_formats; i++) {
		const struct sdp_format *f = &v->formats[i];
		if (strcmp(f->name, "rtx"))
			continue;
		/* In Chrome's offer each rtx follows the codec it repairs. */
		n_rtx++;
		assert_int_equal(f->apt, v->formats[i - 1].pt);
		assert_int_equal(f->fb, 0);
	}
	assert_int_equal(n_rtx, 12);
	assert_int_equal(sdp_media_format(v, 118)->fb, 0);
	assert_string_equal(sdp_media_format(v, 118)->name, "ulpfec");
	assert_string_equal(sdp_media_format(v, 100)->fmtp, "profile-id=2");
	assert_int_equal(v->n_ssrcs, 0);
	assert_int_equal(v->n_rids, 3);
	assert_string_equal(v->rids[0].id, "q");
	assert_string_equal(v->rids[1].id, "h");
	assert_string_equal(v->rids[2].id, "f");
	assert_true(v->rids[0].send && v->rids[1].send && v->rids[2].send);
	assert_int_equal(sdp_media_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"), 10);

	assert_int_equal(s->media[2].sctp_port, 5000);
	assert_string_equal(s->media[2].mid, "2");
}

static void test_inactive_rejected(void **state)
{
	struct sdp_session *s = *state;
	parse_fixture(s, "answer_inactive_rejected.sdp");
	assert_int_equal(s->n_media, 4);
	assert_int_equal(s->n_bundle, 2);
	assert_string_equal(s->bundle[1], "2");
	assert_int_equal(s->media[0].setup, SDP_SETUP_PASSIVE);
	assert_string_equal(s->media[0].msid, "- 2b7f0c9e-6d31-4a58-8c4e-1f9a3d7b5e62");
	assert_int_equal(s->media[1].port, 0);
	assert_int_equal(s->media[1].direction, SDP_INACTIVE);
	assert_pts(&s->media[1], (const uint8_t[]){ 96 }, 1);
	assert_int_equal(s->media[2].port, 9);
	assert_int_equal(s->media[2].direction, SDP_INACTIVE);
	assert_int_equal(sdp_media_format(&s->media[2], 97)->apt, 96);
	assert_int_equal(sdp_media_format(&s->media[2], 96)->fb, SDP_FB_NACK | SDP_FB_NACK_PLI);
	const struct sdp_media *d = &s->media[3];
	assert_int_equal(d->kind, SDP_KIND_APPLICATION);
	assert_int_equal(d->port, 0);
	assert_string_equal(d->mid, "3");
	assert_string_equal(d->ice_ufrag, "");
	assert_string_equal(d->fingerprint, "");
	assert_int_equal(d->setup, SDP_SETUP_NONE);
}

static void test_session_level(void **state)
{
	struct sdp_session *s = *state;
	parse_fixture(s, "session_level.sdp");
	assert_int_equal(s->session_id, 42);
	assert_int_equal(s->session_version, 7);
	assert_int_equal(s->n_media, 3);
	const char *fp = "sha-256 27:A0:AE:B3:FE:E9:23:2F:8A:F2:21:1F:9E:E4:91:C5:B1:0B:EC:B5:"
			 "56:3B:FC:1E:6F:93:42:7E:CB:C8:FE:29";
	const struct sdp_media *a = &s->media[0], *v = &s->media[1], *d = &s->media[2];
	assert_string_equal(a->ice_ufrag, "SeSs");
	assert_string_equal(a->ice_pwd, "SessionPwd0123456789abcd");
	assert_string_equal(a->fingerprint, fp);
	assert_int_equal(a->setup, SDP_SETUP_PASSIVE);
	assert_int_equal(a->direction, SDP_SENDONLY);
	assert_string_equal(a->connection, "192.0.2.10");
	assert_int_equal(a->port, 40000);
	assert_int_equal(a->n_candidates, 1);
	assert_string_equal(a->candidates[0], "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host");
	assert_true(a->end_of_candidates);
	/* media-level values win over session-level ones */
	assert_string_equal(v->ice_ufrag, "MeDi");
	assert_string_equal(v->ice_pwd, "MediaPwd0123456789abcdef");
	assert_string_equal(v->fingerprint, fp);
	assert_int_equal(v->setup, SDP_SETUP_ACTIVE);
	assert_int_equal(v->direction, SDP_RECVONLY);
	assert_string_equal(v->connection, "2001:db8::10");
	/* 98 is not on the m= line: its rtpmap, fmtp and rtcp-fb are ignored */
	assert_pts(v, (const uint8_t[]){ 96, 97 }, 2);
	assert_null(sdp_media_format(v, 98));
	assert_int_equal(sdp_media_format(v, 96)->fb, SDP_FB_NACK | SDP_FB_TWCC | SDP_FB_NACK_PLI);
	assert_int_equal(sdp_media_format(v, 97)->fb, SDP_FB_NACK | SDP_FB_TWCC);
	assert_int_equal(sdp_media_format(v, 97)->apt, 96);
	assert_string_equal(d->ice_ufrag, "SeSs");
	assert_int_equal(d->direction, SDP_SENDONLY);
	assert_int_equal(d->sctp_port, 5000);
}

static void test_sip_offer(void **state)
{
	struct sdp_session *s = *state;
	parse_fixture(s, "sip_offer_lf.sdp");
	assert_int_equal(s->session_id, 3918456201u);
	assert_int_equal(s->n_bundle, 0);
	assert_int_equal(s->n_media, 1);
	const struct sdp_media *m = &s->media[0];
	assert_int_equal(m->port, 4000);
	assert_string_equal(m->proto, "RTP/AVP");
	assert_string_equal(m->mid, "");
	assert_pts(m, (const uint8_t[]){ 0, 8, 9, 101 }, 4);
	/* static payload types need no rtpmap */
	assert_string_equal(m->formats[0].name, "PCMU");
	assert_int_equal(m->formats[0].clock_rate, 8000);
	assert_string_equal(m->formats[1].name, "PCMA");
	assert_string_equal(m->formats[2].name, "G722");
	assert_string_equal(m->formats[3].name, "telephone-event");
	assert_string_equal(m->formats[3].fmtp, "0-16");
	assert_int_equal(m->bandwidth_as_kbps, 64000);
	assert_string_equal(m->connection, "198.51.100.20");
	assert_string_equal(m->ice_ufrag, "");
	assert_int_equal(m->setup, SDP_SETUP_NONE);
	assert_false(m->rtcp_mux);
	assert_int_equal(m->ssrcs[0].ssrc, 1727390745u);
}

/* Rewrites line ends: "\n" alone, or "\r\n". */
static char *with_line_ends(const char *text, size_t len, bool crlf, size_t *out_len)
{
	char *out = malloc(len * 2 + 1);
	size_t n = 0;
	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r')
			continue;
		if (text[i] == '\n' && crlf)
			out[n++] = '\r';
		out[n++] = text[i];
	}
	*out_len = n;
	return out;
}

static void assert_same_parse(const struct sdp_session *want, const char *text, size_t len)
{
	struct sdp_session *got = calloc(1, sizeof *got);
	char err[256];
	assert_non_null(got);
	assert_int_equal(parse_n(got, text, len, err, sizeof err), 0);
	assert_memory_equal(got, want, sizeof *got);
	free(got);
}

static void test_line_ends(void **state)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct sdp_session *want = *state;
		size_t len, n;
		memset(want, 0, sizeof *want);
		char *text = load_fixture(fixtures[i], &len);
		assert_int_equal(parse_n(want, text, len, NULL, 0), 0);
		for (int crlf = 0; crlf < 2; crlf++) {
			char *t = with_line_ends(text, len, crlf, &n);
			assert_same_parse(want, t, n);
			/* without the final line end */
			assert_same_parse(want, t, n - 1 - crlf);
			free(t);
		}
		char *blank = format_alloc("%.*s\r\n\n \r\n", (int)len, text);
		assert_same_parse(want, blank, strlen(blank));
		free(blank);
		free(text);
	}
}

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
		cmocka_unit_test_setup_teardown(test_chrome_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_firefox_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chrome_offer_simulcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inactive_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sip_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_ends, setup, teardown),
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
