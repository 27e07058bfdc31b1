/* Unit tests for sfu/sdp.c on golden browser and SIP descriptions read from
 * $PARLEY_FIXTURES/sdp. Inputs are copied into buffers of their exact size,
 * without a terminating NUL, so that the sanitizers catch any read past the
 * end. Malformed input: test_sdp_malformed.c. */
#define _GNU_SOURCE
#include "tests/unit/sdp_test_util.h"

static const char chrome_fp[] = "sha-256 A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:"
	"D9:1E:3F:72:1F:CB:19:71:17:44:94:D6:49:3C:9D:5C";
static const char twcc_uri[] = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
static const unsigned all_fb = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_REMB | SDP_FB_TWCC;


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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

