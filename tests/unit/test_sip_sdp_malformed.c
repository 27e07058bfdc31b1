/* Unit tests for sip/sip_sdp.c on malformed, truncated and oversized input:
 * every case must fail cleanly with a reason (a parse error, or a refusal fit
 * for a 488), or be read safely. Inputs are exact-size copies, so ASan sees
 * any read past the end. */
#define _GNU_SOURCE
#include "tests/unit/sip_sdp_test_util.h"

#define AUDIO "m=audio 5004 RTP/AVP 0\r\n"
#define SAVP "m=audio 5004 RTP/SAVP 0\r\n"
#define KEY30 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"

struct ctx {
	struct sdp_session *scratch;  /* lent to sip_sdp_parse_with: fast under ASan */
	struct sip_media_offer offer;
	struct sip_media_choice choice;
	struct sip_local_caps caps;
	struct sip_local_media local;
	struct sip_sdp_origin origin;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c || !(c->scratch = malloc(sizeof *c->scratch)))
		return free(c), -1;
	sip_local_caps_init(&c->caps, true);
	test_local(&c->local);
	sip_sdp_origin_init(&c->origin, 1);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	free(c->scratch);
	free(c);
	return 0;
}

static void expect_parse_fail(struct ctx *c, const char *text, size_t len, int want,
			      const char *reason)
{
	char err[256];
	int rc = sip_parse_n(&c->offer, text, len, err, sizeof err);
	if (rc != want)
		fail_msg("expected %d, got %d for:\n%.300s", want, rc, text);
	if (reason && !strstr(err, reason))
		fail_msg("reason \"%s\" lacks \"%s\" for:\n%.300s", err, reason, text);
	assert_int_equal(c->offer.n_media, 0);
	assert_int_equal(c->offer.n_audio, 0);
}

static void expect_bad(struct ctx *c, const char *text, const char *reason)
{
	expect_parse_fail(c, text, strlen(text), -EINVAL, reason);
}

/* Whatever parses goes through negotiation and, when that works, the answer. */
static void run_through(struct ctx *c, const char *text, size_t len)
{
	char err[256];
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, text, len);
	int rc = sip_sdp_parse_with(&c->offer, c->scratch, copy, len, err, sizeof err);
	free(copy);
	if (rc) {
		assert_true(rc == -EINVAL || rc == -E2BIG);
		assert_true(err[0] != '\0');
		return;
	}
	rc = sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, err, sizeof err);
	if (rc) {
		assert_int_equal(rc, -ENOTSUP);
		assert_true(err[0] != '\0');
		return;
	}
	char *sdp = sip_sdp_build_answer(&c->offer, &c->choice, &c->local, &c->origin);
	assert_non_null(sdp);
	assert_crlf(sdp);
	struct sip_media_offer *back = malloc(sizeof *back);
	assert_non_null(back);
	assert_int_equal(sip_sdp_parse_with(back, c->scratch, sdp, strlen(sdp), err, sizeof err), 0);
	assert_int_equal(back->n_media, c->offer.n_media);
	free(back);
	free(sdp);
}

static void test_truncations(void **state)
{
	for (size_t i = 0; i < N_SIP_FIXTURES; i++) {
		size_t len;
		char *text = load_fixture(sip_fixtures[i], &len);
		for (size_t cut = 0; cut <= len; cut++)
			run_through(*state, text, cut);
		free(text);
	}
}

static void test_not_sdp(void **state)
{
	struct ctx *c = *state;
	expect_parse_fail(c, "", 0, -EINVAL, "empty");
	expect_parse_fail(c, NULL, 0, -EINVAL, NULL);
	expect_bad(c, "INVITE sip:room@parley.example SIP/2.0\r\n", NULL);
	expect_bad(c, "hello", NULL);
	expect_bad(c, "v=1\r\n", "version");
	expect_bad(c, "v=0\r\ns=-\r\n", "o=");
	expect_bad(c, SIP_HEADER AUDIO "a=rtpmap:0 PCMU/8000\x01\r\n", "control");
	expect_parse_fail(c, SIP_HEADER "m=audio 5004 RTP/AVP 0\0 8\r\n",
			  sizeof SIP_HEADER "m=audio 5004 RTP/AVP 0\0 8\r\n" - 1, -EINVAL, "NUL");
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP 0\rc=IN IP4 1.2.3.4\r\n", "control");
	/* arguments */
	char err[64];
	assert_int_equal(sip_sdp_parse(NULL, "v=0", 3, err, sizeof err), -EINVAL);
	assert_int_equal(sip_sdp_parse_with(&c->offer, NULL, "v=0", 3, err, sizeof err), -EINVAL);
	assert_int_equal(sip_sdp_negotiate(NULL, &c->caps, &c->local, &c->choice, err, sizeof err),
			 -EINVAL);
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, NULL, &c->local, &c->choice, err,
						  sizeof err), -EINVAL);
	struct sip_local_caps bad = c->caps;
	bad.n_codecs = 200;
	assert_int_equal(sip_sdp_negotiate(&c->offer, &bad, &c->local, &c->choice, err, sizeof err),
			 -EINVAL);
}

static void test_ports(void **state)
{
	struct ctx *c = *state;
	expect_bad(c, SIP_HEADER "m=audio 70000 RTP/AVP 0\r\n", "port");
	expect_bad(c, SIP_HEADER "m=audio -1 RTP/AVP 0\r\n", "port");
	expect_bad(c, SIP_HEADER "m=audio abc RTP/AVP 0\r\n", "port");
	expect_bad(c, SIP_HEADER "m=audio 5004/x RTP/AVP 0\r\n", "port count");
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP 128\r\n", "payload type");
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP\r\n", "m= needs");
	expect_bad(c, SIP_HEADER "m=audio\r\n", "m= needs");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:0\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:70000\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:x5000\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:5000 IN IP4\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:5000 XX IP4 192.0.2.1\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:5000 IN IP5 192.0.2.1\r\n", "a=rtcp");
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:5000 IN IP4 192.0.2.1 extra\r\n", "a=rtcp");
	/* the error names the line */
	expect_bad(c, SIP_HEADER AUDIO "a=rtcp:0\r\n", "line 7:");
	/* a=rtcp on non-audio media is not ours to judge */
	sip_parse_ok(&c->offer, SIP_HEADER "m=video 5006 RTP/AVP 96\r\na=rtcp:0\r\n" AUDIO);
	/* leading zeros are still numbers */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 0000000000000000000000005004 RTP/AVP 0\r\n");
	assert_int_equal(c->offer.audio[0].port, 5004);
	assert_int_equal(c->offer.media[0].port, 5004);
	/* an a=rtcp address that is not an IP is refused when RTCP goes there */
	sip_parse_ok(&c->offer, SIP_HEADER AUDIO "a=rtcp:5000 IN IP4 rtcp.example.com\r\n");
	expect_refusal(SIP_HEADER AUDIO "a=rtcp:5000 IN IP4 rtcp.example.com\r\n", &c->caps,
		       "a=rtcp address");
}

static void test_addresses(void **state)
{
	struct ctx *c = *state;
	static const char head[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n";
	expect_refusal("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n" AUDIO, &c->caps, "no c=");
	expect_refusal("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 phone.example.com\r\n"
		       "t=0 0\r\n" AUDIO, &c->caps, "not an IP address");
	expect_refusal("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 999.1.1.1\r\n"
		       "t=0 0\r\n" AUDIO, &c->caps, "not an IP address");
	expect_refusal("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP6 fe80::1%eth0\r\n"
		       "t=0 0\r\n" AUDIO, &c->caps, "not an IP address");
	/* an over-long c= is cut for the message, never overflowed */
	char *text = format_alloc("%sm=audio 5004 RTP/AVP 0\r\nc=IN IP4 %0*d\r\n", head, 63, 7);
	sip_parse_ok(&c->offer, text);
	assert_int_equal(strlen(c->offer.audio[0].address), SIP_SDP_ADDR_MAX - 1);
	assert_int_equal(c->offer.audio[0].family, 0);
	free(text);
	expect_bad(c, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IPX 1.2.3.4\r\n", "c=");
	/* multicast TTL suffix dropped, as sfu/sdp.c does */
	sip_parse_ok(&c->offer, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.9/127\r\n"
		     "t=0 0\r\n" AUDIO);
	assert_string_equal(c->offer.audio[0].address, "192.0.2.9");
}

static void test_transports(void **state)
{
	struct ctx *c = *state;
	expect_refusal(SIP_HEADER "m=audio 5004 UDP/TLS/RTP/SAVPF 0\r\n", &c->caps, "transport");
	expect_refusal(SIP_HEADER "m=audio 5004 TCP/RTP/AVP 0\r\n", &c->caps, "transport");
	expect_refusal(SIP_HEADER "m=audio 5004 udp BFCP\r\n", &c->caps, "transport");
	expect_refusal(SIP_HEADER SAVP, &c->caps, "no usable a=crypto");
	/* a=crypto on RTP/AVP is not acted on: plain RTP */
	sip_parse_ok(&c->offer, SIP_HEADER AUDIO "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
	char err[256];
	assert_int_equal(sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, err, sizeof err), 0);
	assert_int_equal(c->choice.srtp, SIP_SRTP_NONE);
	/* words are split at spaces only, as sfu/sdp.c does: a tab stays inside
	 * the proto, and the refusal echoes it so that the answer reads back
	 * (found by fuzz_sip_sdp) */
	static const char tab[] = SIP_HEADER AUDIO "m=audio 1 RTP/\xff\tAVP 0\r\n";
	run_through(c, tab, sizeof tab - 1);
	sip_parse_ok(&c->offer, tab);
	assert_string_equal(c->offer.media[1].proto, "RTP/\xff\tAVP");
	assert_string_equal(c->offer.media[1].format, "0");
	assert_int_equal(c->offer.audio[1].profile, SIP_PROFILE_OTHER);
	sip_parse_ok(&c->offer, SIP_HEADER SAVP "a=crypto:1\tAES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
	assert_int_equal(c->offer.audio[0].n_crypto_refused, 1);
	/* protocol names in any case */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 rtp/avp 0\r\n");
	assert_int_equal(c->offer.audio[0].profile, SIP_PROFILE_AVP);
}

/* One crypto line that must be refused with reason; two lines where the
 * second is fine must still work. */
static void crypto_refused(struct ctx *c, const char *line, const char *reason)
{
	char *text = format_alloc(SIP_HEADER SAVP "a=crypto:%s\r\n", line);
	sip_parse_ok(&c->offer, text);
	assert_int_equal(c->offer.audio[0].n_crypto, 0);
	assert_int_equal(c->offer.audio[0].n_crypto_refused, 1);
	if (!strstr(c->offer.audio[0].crypto_problem, reason))
		fail_msg("problem \"%s\" lacks \"%s\" for a=crypto:%s", c->offer.audio[0].crypto_problem,
			 reason, line);
	expect_refusal(text, &c->caps, reason);
	free(text);
	text = format_alloc(SIP_HEADER SAVP "a=crypto:%s\r\na=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:"
			      KEY30 "\r\n", line);
	sip_parse_ok(&c->offer, text);
	char err[256];
	assert_int_equal(sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, err, sizeof err), 0);
	assert_int_equal(c->choice.crypto_tag, 5);
	free(text);
}

static void test_crypto(void **state)
{
	struct ctx *c = *state;
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!" KEY30, "not base64");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:AQID BAUG", "key of 3 bytes");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "=", "not base64");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "A", "not base64");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:A===", "not base64");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0=",
		       "key of 29 bytes");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==",
		       "key of 31 bytes");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:", "key of 0 bytes");
	crypto_refused(c, "1 AEAD_AES_256_GCM inline:" KEY30, "needs 44");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4", "MKI");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:4", "MKI");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4|x", "too many");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|2^20", "lifetime");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^99", "lifetime");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^", "lifetime");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|", "lifetime");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|0", "lifetime");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 ";inline:" KEY30, "several keys");
	crypto_refused(c, "1 F8_128_HMAC_SHA1_80 inline:" KEY30, "F8_128_HMAC_SHA1_80 not supported");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " UNENCRYPTED_SRTP",
		       "UNENCRYPTED_SRTP not supported");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=1", "KDR=1");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " WSH=10", "WSH=10");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80 key:" KEY30, "inline");
	crypto_refused(c, "x AES_CM_128_HMAC_SHA1_80 inline:" KEY30, "expected");
	crypto_refused(c, "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, "expected");
	crypto_refused(c, "1 AES_CM_128_HMAC_SHA1_80", "expected");
	crypto_refused(c, "", "expected");
	crypto_refused(c, "1 aes_cm_128_hmac_sha1_80 inline:" KEY30, "not supported");

	/* fine: lifetime as a number, KDR=0, WSH, tag 0, padding-free GCM key */
	sip_parse_ok(&c->offer, SIP_HEADER SAVP
		     "a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1048576 KDR=0 WSH=128\r\n"
		     "a=crypto:2 AEAD_AES_128_GCM inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA\r\n");
	assert_int_equal(c->offer.audio[0].n_crypto, 2);
	assert_int_equal(c->offer.audio[0].crypto[0].tag, 0);
	assert_true(c->offer.audio[0].crypto[0].lifetime == 1048576);
	assert_int_equal(c->offer.audio[0].crypto[1].key_len, 28);
	/* a repeated tag: the second line is refused */
	sip_parse_ok(&c->offer, SIP_HEADER SAVP "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
		     "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n");
	assert_int_equal(c->offer.audio[0].n_crypto, 1);
	assert_string_equal(c->offer.audio[0].crypto_problem, "tag 1: used twice");
	/* more lines than we keep */
	char *text = format_alloc("%s", SIP_HEADER SAVP);
	for (int i = 0; i < 20; i++) {
		char *more = format_alloc("%sa=crypto:%d AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n", text, i);
		free(text);
		text = more;
	}
	sip_parse_ok(&c->offer, text);
	assert_int_equal(c->offer.audio[0].n_crypto, SIP_SDP_MAX_CRYPTO);
	free(text);
	/* hundreds of unusable lines: the count saturates, the first reason stays */
	text = format_alloc("%s", SIP_HEADER SAVP);
	for (int i = 0; i < 300; i++) {
		char *more = format_alloc("%sa=crypto:%d NULL_CIPHER inline:x\r\n", text, i);
		free(text);
		text = more;
	}
	sip_parse_ok(&c->offer, text);
	assert_int_equal(c->offer.audio[0].n_crypto_refused, 255);
	assert_string_equal(c->offer.audio[0].crypto_problem, "tag 0: suite NULL_CIPHER not supported");
	expect_refusal(text, &c->caps, "255 unusable: tag 0");
	free(text);
	/* session-level a=crypto means nothing */
	sip_parse_ok(&c->offer, SIP_HEADER "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n" SAVP);
	assert_int_equal(c->offer.audio[0].n_crypto, 0);
}

static void test_payload_types(void **state)
{
	struct ctx *c = *state;
	/* duplicates on m= count once */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 0 0 8 8 0\r\n");
	assert_int_equal(c->offer.audio[0].n_codecs, 2);
	/* one payload type mapped twice, differently: ambiguous */
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
		   "a=rtpmap:96 PCMU/8000\r\n", "a=rtpmap:96 given twice");
	/* the same mapping twice is harmless */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
		     "a=rtpmap:96  opus/48000/2\r\n");
	assert_int_equal(c->offer.audio[0].codecs[0].codec, SIP_CODEC_OPUS);
	/* ... and on another m-line it is another payload type */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
		     "m=audio 5006 RTP/AVP 96\r\na=rtpmap:96 PCMA/8000\r\n");
	assert_int_equal(c->offer.audio[1].codecs[0].codec, SIP_CODEC_PCMA);
	/* dynamic types without rtpmap are unknown */
	expect_refusal(SIP_HEADER "m=audio 5004 RTP/AVP 96 97\r\n", &c->caps,
		       "no common codec: offered 96 (no rtpmap), 97 (no rtpmap)");
	expect_refusal(SIP_HEADER "m=audio 5004 RTP/AVP 18 3\r\n", &c->caps,
		       "offered 18 G729/8000, 3 GSM/8000; we take opus, G722, PCMU, PCMA");
	/* known names with the wrong clock or channels are not those codecs */
	expect_refusal(SIP_HEADER "m=audio 5004 RTP/AVP 96 97 98 99\r\na=rtpmap:96 opus/8000/2\r\n"
		       "a=rtpmap:97 PCMU/16000\r\na=rtpmap:98 opus/48000/6\r\na=rtpmap:99 PCMA/8000/2\r\n",
		       &c->caps, "no common codec");
	/* bad rtpmaps are parse errors (sfu/sdp.c) */
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/0\r\n", "must not be 0");
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/x\r\n", "clock rate");
	expect_bad(c, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:300 opus/48000\r\n", "rtpmap");
	/* G722/16000 written by some phones is still G.722 */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 9\r\na=rtpmap:9 G722/16000\r\n");
	assert_int_equal(c->offer.audio[0].codecs[0].codec, SIP_CODEC_G722);
	/* opus fmtp values out of range are ignored */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
		     "a=fmtp:96 stereo=2;maxplaybackrate=4000;maxaveragebitrate=999999;usedtx=1; cbr = 1 ;"
		     "useinbandfec;=1;maxplaybackrate=16000\r\n");
	const struct sip_opus_params *o = &c->offer.audio[0].codecs[0].opus;
	assert_false(o->stereo);
	assert_int_equal(o->max_playback_rate, 16000);
	assert_int_equal(o->max_average_bitrate, 0);
	assert_true(o->dtx && o->cbr);
	assert_false(o->fec);
}

static void test_oversized(void **state)
{
	struct ctx *c = *state;
	/* a huge m-line: thousands of payload types, each checked */
	char *pts = format_alloc("%s", "");
	for (int i = 0; i < 3000; i++) {
		char *more = format_alloc("%s %d", pts, i % 128);
		free(pts);
		pts = more;
	}
	char *text = format_alloc(SIP_HEADER "m=audio 5004 RTP/AVP%s\r\n", pts);
	run_through(c, text, strlen(text));
	sip_parse_ok(&c->offer, text);
	assert_true(c->offer.audio[0].n_codecs <= SIP_SDP_MAX_CODECS);
	assert_true(strlen(c->offer.audio[0].formats) < sizeof c->offer.audio[0].formats);
	assert_non_null(strstr(c->offer.audio[0].formats, " ..."));
	free(text);
	text = format_alloc(SIP_HEADER "m=audio 5004 RTP/AVP%s 200\r\n", pts);
	expect_bad(c, text, "payload type");
	free(text);
	free(pts);
	/* over sfu/sdp.c's 256 KiB limit */
	size_t n = 300 * 1024;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, SIP_HEADER "a=", sizeof SIP_HEADER + 1);
	expect_parse_fail(c, big, n, -E2BIG, "limit");
	free(big);
	/* too many m-lines for a SIP leg */
	text = format_alloc("%s", SIP_HEADER);
	for (int i = 0; i <= SIP_SDP_MAX_MEDIA; i++) {
		char *more = format_alloc("%sm=video 0 RTP/AVP 96\r\n", text);
		free(text);
		text = more;
	}
	expect_bad(c, text, "more than 16 m-lines");
	free(text);
	/* an m= format a refusal could not echo */
	expect_bad(c, SIP_HEADER "m=application 5004 UDP/BFCP abcdefghijklmnopqrstuvwxyz0123456789\r\n",
		   "format longer");
	/* long values that fit sfu/sdp.c but not the answer are cut safely */
	text = format_alloc(SIP_HEADER "m=%s 0 RTP/AVP 0\r\n" AUDIO, "abcdefghijklmno");
	run_through(c, text, strlen(text));
	free(text);
	expect_bad(c, SIP_HEADER "m=abcdefghijklmnop 0 RTP/AVP 0\r\n", "too long");
	/* big numbers where a hint is expected */
	sip_parse_ok(&c->offer, SIP_HEADER AUDIO "a=ptime:99999999999999999999999\r\na=maxptime:-1\r\n");
	assert_int_equal(c->offer.audio[0].ptime, 0);
	assert_int_equal(c->offer.audio[0].maxptime, 0);
}

static void test_builders(void **state)
{
	struct ctx *c = *state;
	sip_parse_ok(&c->offer, SIP_HEADER AUDIO);
	char err[256];
	assert_int_equal(sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, err, sizeof err), 0);
	struct sip_local_media bad = c->local;
	snprintf(bad.address, sizeof bad.address, "parley.example");
	assert_null(sip_sdp_build_answer(&c->offer, &c->choice, &bad, &c->origin));
	assert_null(sip_sdp_build_offer(&c->caps, &bad, &c->origin));
	assert_null(sip_sdp_build_answer(NULL, &c->choice, &c->local, &c->origin));
	assert_null(sip_sdp_build_answer(&c->offer, &c->choice, &c->local, NULL));
	struct sip_media_choice wrong = c->choice;
	wrong.media = 3;
	assert_null(sip_sdp_build_answer(&c->offer, &wrong, &c->local, &c->origin));
	struct sip_local_caps caps = c->caps;
	caps.n_codecs = 0;
	assert_null(sip_sdp_build_offer(&caps, &c->local, &c->origin));
	caps = c->caps;
	caps.codecs[1] = (enum sip_codec)9;
	assert_null(sip_sdp_build_offer(&caps, &c->local, &c->origin));
	caps = c->caps;
	caps.offer_srtp = true;
	caps.suites[0] = SIP_SRTP_NONE;
	assert_null(sip_sdp_build_offer(&caps, &c->local, &c->origin));
	/* nothing was written, so the version never moved */
	assert_false(c->origin.used);
	assert_true(c->origin.version == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_sdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crypto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builders, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
