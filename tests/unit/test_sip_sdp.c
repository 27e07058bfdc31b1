/* Unit tests for sip/sip_sdp.c: real SIP offers from $PARLEY_FIXTURES/sdp
 * with golden answers (sip_*_answer.sdp), every codec and crypto suite, our
 * preference, telephone-event, delayed offer, hold, resume and address change,
 * and sfu/sdp.c's line hook that the module rests on. Malformed input:
 * test_sip_sdp_malformed.c. */
#define _GNU_SOURCE
#include "tests/unit/sip_sdp_test_util.h"

#include "sfu/transport/srtp_session.h"

/* 1, 2, 3, ...: the keys of the fixtures and of inline_keys below */
static const uint8_t k1[44] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
				31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44 };

struct ctx {
	struct sip_media_offer offer, again;
	struct sip_media_choice choice;
	struct sip_local_caps caps;
	struct sip_local_media local;
	struct sip_sdp_origin origin;
	char err[256];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	sip_local_caps_init(&c->caps, false);
	test_local(&c->local);
	sip_sdp_origin_init(&c->origin, 42);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void negotiate_ok(struct ctx *c)
{
	int rc = sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, c->err, sizeof c->err);
	if (rc)
		fail_msg("negotiate: %d %s", rc, c->err);
}

/* Builds the answer, checks it against golden file name (written there when
 * PARLEY_WRITE_GOLDEN is set) and that our own parser reads it back. */
static char *answer_matches(struct ctx *c, const char *golden)
{
	char *sdp = sip_sdp_build_answer(&c->offer, &c->choice, &c->local, &c->origin);
	assert_non_null(sdp);
	assert_crlf(sdp);
	if (golden && getenv("PARLEY_WRITE_GOLDEN")) {
		char path[1024];
		FILE *f = fopen(fixture_path(golden, path, sizeof path), "wb");
		assert_non_null(f);
		fputs(sdp, f);
		fclose(f);
	} else if (golden) {
		size_t len;
		char *want = load_fixture(golden, &len);
		if (len != strlen(sdp) || memcmp(want, sdp, len))
			fail_msg("%s differs; built:\n%s", golden, sdp);
		free(want);
	}
	sip_parse_ok(&c->again, sdp);
	assert_int_equal(c->again.n_media, c->offer.n_media);
	return sdp;
}

/* ---- sfu/sdp.c's hook ---- */

struct seen {
	unsigned lines, a_lines;
	int last_media;
	char last_type;
	bool fail_on_x;
};

static const char *count_line(void *arg, int media, char type, const char *value, size_t len)
{
	struct seen *s = arg;
	s->lines++;
	s->a_lines += type == 'a';
	s->last_media = media;
	s->last_type = type;
	assert_true(len == 0 || (value[0] != ' ' && value[len - 1] != ' ' && value[len - 1] != '\r'));
	if (s->fail_on_x && type == 'a' && len >= 2 && !memcmp(value, "x-", 2))
		return "no x- here";
	return NULL;
}

static void test_sdp_parse_lines_hook(void **state)
{
	static const char text[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=x-s\r\n"
				   "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=x-m  \r\n"
				   "m=video 9 RTP/AVP 96\r\na=foo\r\n";
	struct sdp_session *s = malloc(sizeof *s);
	struct seen seen = { 0 };
	char err[128];
	assert_non_null(s);
	assert_int_equal(sdp_parse_lines(s, text, strlen(text), count_line, &seen, err, sizeof err), 0);
	assert_int_equal(seen.lines, 10);
	assert_int_equal(seen.a_lines, 4);
	assert_int_equal(seen.last_media, 1);
	assert_int_equal(seen.last_type, 'a');
	assert_int_equal(s->n_media, 2);
	assert_int_equal(sdp_parse_lines(s, text, strlen(text), NULL, NULL, err, sizeof err), 0);
	assert_int_equal(s->n_media, 2);
	seen = (struct seen){ .fail_on_x = true };
	assert_int_equal(sdp_parse_lines(s, text, strlen(text), count_line, &seen, err, sizeof err),
			 -EINVAL);
	assert_string_equal(err, "line 5: no x- here");
	assert_int_equal(s->n_media, 0);
	/* lines the parser refuses never reach the hook */
	seen = (struct seen){ 0 };
	assert_int_equal(sdp_parse_lines(s, "v=0\r\nv=0\r\n", 10, count_line, &seen, err, sizeof err),
			 -EINVAL);
	assert_int_equal(seen.lines, 1);
	free(s);
}

/* ---- real offers ---- */

static void test_sipp_uac(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_sipp_uac.sdp");
	assert_true(c->offer.session_id == 53655765);
	assert_true(c->offer.session_version == 2353687637ULL);
	assert_int_equal(c->offer.n_media, 1);
	assert_int_equal(c->offer.n_audio, 1);
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_int_equal(a->port, 6000);
	assert_int_equal(a->profile, SIP_PROFILE_AVP);
	assert_string_equal(a->address, "127.0.0.1");
	assert_int_equal(a->family, AF_INET);
	assert_false(a->hold_address);
	assert_int_equal(a->rtcp_port, 6001);
	assert_string_equal(a->rtcp_address, "127.0.0.1");
	assert_int_equal(a->direction, SDP_SENDRECV);
	assert_int_equal(a->n_codecs, 1);
	assert_int_equal(a->codecs[0].codec, SIP_CODEC_PCMU);
	assert_int_equal(a->te_8000_pt, -1);
	assert_int_equal(a->te_48000_pt, -1);
	assert_int_equal(a->n_crypto, 0);
	assert_string_equal(a->formats, "0 PCMU/8000");

	negotiate_ok(c);
	const struct sip_media_choice *ch = &c->choice;
	assert_int_equal(ch->codec, SIP_CODEC_PCMU);
	assert_int_equal(ch->send_pt, 0);
	assert_int_equal(ch->recv_pt, 0);
	assert_int_equal(ch->clock_rate, 8000);
	assert_false(ch->telephone_event);
	assert_int_equal(ch->srtp, SIP_SRTP_NONE);
	assert_int_equal(ch->direction, SDP_SENDRECV);
	assert_true(ch->send && ch->recv);
	assert_int_equal(ch->port, 6000);
	assert_int_equal(ch->rtcp_port, 6001);
	assert_false(ch->rtcp_mux);
	assert_int_equal(ch->send_ptime, 20);
	struct srtp_keys keys;
	assert_int_equal(sip_sdp_srtp_keys(ch, &keys), -EINVAL);
	free(answer_matches(c, "sip_sipp_uac_answer.sdp"));
}

/* Captured from baresip 1.0.0 calling a test UAS that answered with our answer
 * (baresip took it: "Call established", opus both ways). */
static void test_baresip_offer(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_baresip_offer.sdp");
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_int_equal(a->n_codecs, 4);
	assert_int_equal(a->codecs[0].codec, SIP_CODEC_PCMU);
	assert_int_equal(a->codecs[1].codec, SIP_CODEC_PCMA);
	assert_int_equal(a->codecs[2].codec, SIP_CODEC_G722);
	assert_int_equal(a->codecs[3].codec, SIP_CODEC_OPUS);
	assert_int_equal(a->codecs[3].pt, 96);
	assert_true(a->codecs[3].opus.stereo && a->codecs[3].opus.sprop_stereo);
	assert_false(a->codecs[3].opus.fec || a->codecs[3].opus.dtx);
	assert_int_equal(a->te_8000_pt, 101);
	assert_int_equal(a->ptime, 20);
	assert_int_equal(a->rtcp_port, 18201);
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_OPUS);
	assert_int_equal(c->choice.send_pt, 96);
	assert_int_equal(c->choice.recv_pt, 96);
	assert_int_equal(c->choice.clock_rate, 48000);
	assert_true(c->choice.opus.stereo);
	/* only /8000 offered next to Opus: used anyway */
	assert_true(c->choice.telephone_event);
	assert_int_equal(c->choice.te_send_pt, 101);
	assert_int_equal(c->choice.te_clock, 8000);
	free(answer_matches(c, "sip_baresip_answer.sdp"));

	/* our preference decides, not the caller's order */
	assert_int_equal(sip_local_caps_set_codecs(&c->caps, "pcma, PCMU", c->err, sizeof c->err), 0);
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMA);
	assert_int_equal(c->choice.send_pt, 8);
	assert_int_equal(sip_local_caps_set_codecs(&c->caps, "G722,opus", c->err, sizeof c->err), 0);
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_G722);
	assert_int_equal(c->choice.clock_rate, 8000);
	assert_int_equal(c->choice.te_clock, 8000);
}

static void test_polycom_offer(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_polycom_offer.sdp");
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_int_equal(a->direction, SDP_SENDRECV);  /* session level */
	assert_int_equal(a->n_codecs, 3);  /* G722, PCMU, PCMA; G7221 and G729 unknown */
	assert_int_equal(a->te_8000_pt, 127);
	assert_string_equal(a->formats, "9 G722/8000, 102 G7221/16000, 0 PCMU/8000, 8 PCMA/8000, "
			    "18 G729/8000, 127 telephone-event/8000");
	negotiate_ok(c);  /* G.722 not enabled: PCMU */
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMU);
	assert_int_equal(c->choice.te_send_pt, 127);
	free(answer_matches(c, "sip_polycom_answer.sdp"));
	sip_local_caps_init(&c->caps, true);
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_G722);
	assert_int_equal(c->choice.send_pt, 9);
}

static void test_cisco_offer(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_cisco_offer.sdp");
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_string_equal(a->address, "203.0.113.8");  /* media level wins */
	assert_int_equal(a->ptime, 30);
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMU);
	assert_int_equal(c->choice.send_ptime, 30);
	assert_int_equal(c->choice.recv_ptime, 20);
	assert_string_equal(c->choice.address, "203.0.113.8");
	assert_string_equal(c->choice.rtcp_address, "203.0.113.8");
	assert_int_equal(c->choice.rtcp_port, 16451);
	free(answer_matches(c, "sip_cisco_answer.sdp"));
}

static void test_pjsip_lf_offer(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_offer_lf.sdp");
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_int_equal(a->rtcp_port, 4001);
	assert_string_equal(a->rtcp_address, "198.51.100.20");
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMU);
	assert_int_equal(c->choice.te_send_pt, 101);
	assert_int_equal(c->choice.rtcp_port, 4001);
	free(answer_matches(c, NULL));
}

static void test_sdes_offer(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_sdes_offer.sdp");
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_int_equal(a->profile, SIP_PROFILE_SAVP);
	assert_int_equal(a->n_crypto, 2);
	assert_int_equal(a->n_crypto_refused, 0);
	assert_int_equal(a->crypto[0].tag, 1);
	assert_int_equal(a->crypto[0].suite, SIP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(a->crypto[0].key_len, 30);
	assert_memory_equal(a->crypto[0].key, k1, 30);
	assert_true(a->crypto[0].lifetime == 0);
	assert_int_equal(a->crypto[1].tag, 2);
	assert_int_equal(a->crypto[1].suite, SIP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_true(a->crypto[1].lifetime == 1ULL << 31);
	assert_int_equal(a->crypto[1].key[0], 101);

	negotiate_ok(c);
	assert_int_equal(c->choice.srtp, SIP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c->choice.crypto_tag, 1);
	assert_int_equal(c->choice.key_len, 30);
	assert_memory_equal(c->choice.remote_key, k1, 30);
	assert_memory_equal(c->choice.local_key, c->local.srtp_key, 30);
	struct srtp_keys keys;
	assert_int_equal(sip_sdp_srtp_keys(&c->choice, &keys), 0);
	assert_int_equal(keys.profile, SRTP_PROFILE_AES128_CM_SHA1_80);
	assert_int_equal(keys.key_salt_len, 30);
	assert_memory_equal(keys.remote, k1, 30);
	assert_memory_equal(keys.local, c->local.srtp_key, 30);
	char *sdp = answer_matches(c, "sip_sdes_answer.sdp");
	assert_int_equal(c->again.audio[0].n_crypto, 1);
	assert_memory_equal(c->again.audio[0].crypto[0].key, c->local.srtp_key, 30);
	free(sdp);

	/* only _32 accepted here: the second line */
	c->caps.n_suites = 1;
	c->caps.suites[0] = SIP_SRTP_AES_CM_128_HMAC_SHA1_32;
	negotiate_ok(c);
	assert_int_equal(c->choice.crypto_tag, 2);
	assert_int_equal(c->choice.srtp, SIP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(sip_sdp_srtp_keys(&c->choice, &keys), -ENOTSUP);
	/* no SRTP at all: a 488 that says why */
	c->caps.n_suites = 0;
	assert_int_equal(sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, c->err,
					   sizeof c->err), -ENOTSUP);
	assert_non_null(strstr(c->err, "SRTP is off"));
	/* suites offered, none of them ours */
	c->caps.n_suites = 1;
	c->caps.suites[0] = SIP_SRTP_AEAD_AES_256_GCM;
	assert_int_equal(sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, c->err,
					   sizeof c->err), -ENOTSUP);
	assert_non_null(strstr(c->err, "no a=crypto with a suite we support"));
}

/* baresip 1.0.0 with mediaenc=srtp-mand: its offer, and its answer to our
 * SDES offer (delayed offer); both calls were established with SRTP on. */
static void test_baresip_srtp(void **state)
{
	struct ctx *c = *state;
	sip_parse_fixture(&c->offer, "sip_baresip_srtp_offer.sdp");
	assert_int_equal(c->offer.audio[0].profile, SIP_PROFILE_SAVP);
	assert_int_equal(c->offer.audio[0].n_crypto, 1);
	negotiate_ok(c);
	assert_int_equal(c->choice.srtp, SIP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c->choice.crypto_tag, 1);
	char *sdp = answer_matches(c, NULL);
	assert_true(has_line(sdp, "m=audio 40000 RTP/SAVP 96 101"));
	free(sdp);

	sip_local_caps_init(&c->caps, true);
	c->caps.offer_srtp = true;
	sip_parse_fixture(&c->offer, "sip_baresip_srtp_answer_to_ours.sdp");
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err), 0);
	assert_int_equal(c->choice.codec, SIP_CODEC_OPUS);
	assert_int_equal(c->choice.send_pt, 111);
	assert_int_equal(c->choice.recv_pt, 111);
	assert_int_equal(c->choice.te_send_pt, 101);
	assert_int_equal(c->choice.srtp, SIP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c->choice.crypto_tag, 1);
	assert_memory_equal(c->choice.local_key, c->local.srtp_key, 30);
	assert_false(c->choice.rtcp_mux);  /* baresip does not mux */
	assert_int_equal(c->choice.rtcp_port, 33567);
}

/* ---- every codec with every transport and telephone-event ---- */

static const char *const inline_keys[SIP_SRTP_SUITE_COUNT] = {
	[SIP_SRTP_AES_CM_128_HMAC_SHA1_80] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e",
	[SIP_SRTP_AES_CM_128_HMAC_SHA1_32] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e",
	[SIP_SRTP_AEAD_AES_128_GCM] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA==",
	[SIP_SRTP_AEAD_AES_256_GCM] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKyw=",
};

static char *codec_offer(enum sip_codec codec, enum sip_srtp_suite suite, int te_clock, bool feedback)
{
	static const char *const rtpmaps[] = {
		[SIP_CODEC_PCMU] = "0", [SIP_CODEC_PCMA] = "8", [SIP_CODEC_G722] = "9",
		[SIP_CODEC_OPUS] = "107\r\na=rtpmap:107 opus/48000/2\r\na=fmtp:107 useinbandfec=1",
	};
	const char *proto = suite ? (feedback ? "RTP/SAVPF" : "RTP/SAVP") : (feedback ? "RTP/AVPF" : "RTP/AVP");
	char *crypto = NULL, *te = NULL, *out = NULL;
	if (suite)
		assert_true(asprintf(&crypto, "a=crypto:7 %s inline:%s|2^20\r\n", sip_srtp_suite_name(suite),
				     inline_keys[suite]) > 0);
	if (te_clock)
		assert_true(asprintf(&te, "a=rtpmap:98 telephone-event/%d\r\na=fmtp:98 0-15\r\n", te_clock) > 0);
	/* the payload list carries 98 first: the rtpmap line for the codec follows "m=" */
	assert_true(asprintf(&out, SIP_HEADER "m=audio 5004 %s %s%s\r\n%s%sa=sendrecv\r\n", proto,
			     te_clock ? "98 " : "", rtpmaps[codec], crypto ? crypto : "", te ? te : "") > 0);
	free(crypto);
	free(te);
	return out;
}

static void test_every_combination(void **state)
{
	struct ctx *c = *state;
	caps_all(&c->caps);
	static const int te_clocks[] = { 0, 8000, 48000 };
	for (int codec = 0; codec < SIP_CODEC_COUNT; codec++)
	for (int suite = 0; suite < SIP_SRTP_SUITE_COUNT; suite++)
	for (unsigned t = 0; t < 3; t++)
	for (int fb = 0; fb < 2; fb++) {
		char *text = codec_offer((enum sip_codec)codec, (enum sip_srtp_suite)suite, te_clocks[t], fb);
		sip_parse_ok(&c->offer, text);
		negotiate_ok(c);
		const struct sip_media_choice *ch = &c->choice;
		assert_int_equal(ch->codec, codec);
		static const uint8_t pts[] = { [SIP_CODEC_PCMU] = 0, [SIP_CODEC_PCMA] = 8,
					       [SIP_CODEC_G722] = 9, [SIP_CODEC_OPUS] = 107 };
		assert_int_equal(ch->send_pt, pts[codec]);
		assert_int_equal(ch->recv_pt, pts[codec]);
		assert_int_equal(ch->clock_rate, codec == SIP_CODEC_OPUS ? 48000 : 8000);
		assert_int_equal(ch->srtp, suite);
		assert_int_equal(ch->profile, (suite ? SIP_PROFILE_SAVP : SIP_PROFILE_AVP) + fb);
		assert_int_equal(ch->telephone_event, te_clocks[t] != 0);
		if (te_clocks[t]) {
			assert_int_equal(ch->te_send_pt, 98);
			assert_int_equal(ch->te_clock, te_clocks[t]);
		}
		if (suite) {
			assert_int_equal(ch->crypto_tag, 7);
			assert_int_equal(ch->key_len, sip_srtp_suite_key_len((enum sip_srtp_suite)suite));
			assert_memory_equal(ch->remote_key, k1, ch->key_len);
		}
		char *sdp = answer_matches(c, NULL);
		/* what we answered reads back as what was chosen */
		const struct sip_sdp_audio *a = &c->again.audio[0];
		assert_string_equal(a->proto, c->offer.audio[0].proto);
		assert_int_equal(a->port, 40000);
		assert_string_equal(a->address, "203.0.113.1");
		assert_int_equal(a->n_codecs, 1);
		assert_int_equal(a->codecs[0].codec, codec);
		assert_int_equal(a->codecs[0].pt, ch->recv_pt);
		assert_int_equal(te_clocks[t] == 48000 ? a->te_48000_pt : a->te_8000_pt,
				 te_clocks[t] ? 98 : -1);
		assert_int_equal(a->n_crypto, suite ? 1 : 0);
		if (suite) {
			assert_int_equal(a->crypto[0].tag, 7);
			assert_int_equal(a->crypto[0].suite, suite);
			assert_memory_equal(a->crypto[0].key, c->local.srtp_key, ch->key_len);
		}
		assert_int_equal(a->direction, SDP_SENDRECV);
		assert_true(has_line(sdp, "a=ptime:20"));
		free(sdp);
		free(text);
	}
}

static void test_telephone_event_choice(void **state)
{
	struct ctx *c = *state;
	static const char both[] = SIP_HEADER "m=audio 5004 RTP/AVP 111 0 110 101\r\n"
		"a=rtpmap:111 opus/48000/2\r\na=rtpmap:110 telephone-event/48000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n";
	sip_parse_ok(&c->offer, both);
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_OPUS);
	assert_int_equal(c->choice.te_send_pt, 110);
	assert_int_equal(c->choice.te_clock, 48000);
	c->caps.codecs[0] = SIP_CODEC_PCMU;
	negotiate_ok(c);
	assert_int_equal(c->choice.te_send_pt, 101);
	assert_int_equal(c->choice.te_clock, 8000);
	c->caps.telephone_event = false;
	negotiate_ok(c);
	assert_false(c->choice.telephone_event);
	char *sdp = answer_matches(c, NULL);
	assert_true(strstr(sdp, "telephone-event") == NULL);
	assert_true(has_line(sdp, "m=audio 40000 RTP/AVP 0"));
	free(sdp);
	/* a telephone-event at another clock is not one we use */
	c->caps.telephone_event = true;
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 0 100\r\n"
		     "a=rtpmap:100 telephone-event/16000\r\n");
	negotiate_ok(c);
	assert_false(c->choice.telephone_event);
	/* encoding names are case-insensitive (RFC 4855) */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 96 100\r\n"
		     "a=rtpmap:96 OPUS/48000/2\r\na=rtpmap:100 Telephone-Event/8000\r\n");
	c->caps.codecs[0] = SIP_CODEC_OPUS;
	negotiate_ok(c);
	assert_int_equal(c->choice.codec, SIP_CODEC_OPUS);
	assert_int_equal(c->choice.te_send_pt, 100);
}

static void test_ptime(void **state)
{
	struct ctx *c = *state;
	static const struct { const char *attrs; const char *codec; unsigned want; } cases[] = {
		{ "a=ptime:30\r\n", "0", 30 },
		{ "a=ptime:30\r\n", "111", 20 },        /* not an Opus frame size */
		{ "a=ptime:60\r\na=maxptime:40\r\n", "111", 40 },
		{ "a=ptime:60\r\na=maxptime:50\r\n", "0", 50 },
		{ "a=maxptime:15\r\n", "0", 10 },
		{ "a=ptime:2.5\r\n", "111", 20 },
		{ "a=ptime:99999\r\n", "0", 20 },
		{ "", "0", 20 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text;
		assert_true(asprintf(&text, SIP_HEADER "m=audio 5004 RTP/AVP %s\r\n"
				     "a=rtpmap:111 opus/48000/2\r\n%s", cases[i].codec, cases[i].attrs) > 0);
		sip_parse_ok(&c->offer, text);
		negotiate_ok(c);
		if (c->choice.send_ptime != cases[i].want)
			fail_msg("case %zu: ptime %u, want %u", i, c->choice.send_ptime, cases[i].want);
		free(text);
	}
	/* session-level a=ptime is a default for the media */
	sip_parse_ok(&c->offer, SIP_HEADER "a=ptime:40\r\nm=audio 5004 RTP/AVP 8\r\n");
	assert_int_equal(c->offer.audio[0].ptime, 40);
}

/* ---- delayed offer: our offer in the 200, the caller's answer in the ACK ---- */

static void test_delayed_offer(void **state)
{
	struct ctx *c = *state;
	char *offer = sip_sdp_build_offer(&c->caps, &c->local, &c->origin);
	assert_non_null(offer);
	assert_crlf(offer);
	assert_string_equal(offer,
		"v=0\r\no=parley 42 1 IN IP4 203.0.113.1\r\ns=parley\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\n"
		"m=audio 40000 RTP/AVP 111 0 8 101 110\r\n"
		"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
		"a=rtpmap:110 telephone-event/48000\r\na=fmtp:110 0-16\r\n"
		"a=ptime:20\r\na=rtcp-mux\r\na=sendrecv\r\n");
	/* the same offer again (a re-INVITE without SDP) keeps the version */
	char *again = sip_sdp_build_offer(&c->caps, &c->local, &c->origin);
	assert_string_equal(again, offer);
	free(again);
	/* it reads back as what we meant */
	sip_parse_ok(&c->offer, offer);
	assert_int_equal(c->offer.audio[0].n_codecs, 3);
	assert_int_equal(c->offer.audio[0].te_48000_pt, 110);
	assert_true(c->offer.audio[0].rtcp_mux);
	free(offer);

	/* SIPp-style answer: PCMU only */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err), 0);
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMU);
	assert_int_equal(c->choice.send_pt, 0);
	assert_int_equal(c->choice.recv_pt, 0);
	assert_false(c->choice.telephone_event);
	assert_false(c->choice.rtcp_mux);
	assert_int_equal(c->choice.rtcp_port, 6001);
	assert_int_equal(c->choice.direction, SDP_SENDRECV);

	/* other payload numbers: we send with theirs and receive with ours;
	 * the answerer's order wins among what we offered */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 6000 RTP/AVP 0 96 97 98\r\n"
		     "a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 telephone-event/48000\r\n"
		     "a=rtpmap:98 telephone-event/8000\r\na=rtcp-mux\r\n");
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err), 0);
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMU);
	assert_int_equal(c->choice.te_send_pt, 98);
	assert_int_equal(c->choice.te_recv_pt, SIP_SDP_PT_TE_8000);
	assert_true(c->choice.rtcp_mux);
	assert_int_equal(c->choice.rtcp_port, 6000);
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 6000 RTP/AVP 96 97\r\n"
		     "a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 telephone-event/48000\r\na=sendonly\r\n");
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err), 0);
	assert_int_equal(c->choice.codec, SIP_CODEC_OPUS);
	assert_int_equal(c->choice.send_pt, 96);
	assert_int_equal(c->choice.recv_pt, SIP_SDP_PT_OPUS);
	assert_int_equal(c->choice.te_send_pt, 97);
	assert_int_equal(c->choice.te_recv_pt, SIP_SDP_PT_TE_48000);
	assert_int_equal(c->choice.direction, SDP_RECVONLY);

	/* answers that do not fit our offer */
	static const struct { const char *text; const char *reason; } bad[] = {
		{ SIP_HEADER "m=audio 6000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", "no common codec" },
		{ SIP_HEADER "m=audio 0 RTP/AVP 0\r\n", "refuses audio" },
		{ SIP_HEADER "m=audio 6000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n", "2 m-lines" },
		{ SIP_HEADER "m=video 6000 RTP/AVP 96\r\n", "0 audio" },
		{ SIP_HEADER "m=audio 6000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n", "changed the transport" },
		{ SIP_HEADER "m=audio 6000 RTP/AVP 9\r\n", "no common codec" },  /* G722 not offered */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sip_parse_ok(&c->offer, bad[i].text);
		int rc = sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err);
		if (rc != -ENOTSUP || !strstr(c->err, bad[i].reason))
			fail_msg("answer %zu: %d \"%s\", want \"%s\"", i, rc, c->err, bad[i].reason);
	}
}

static void test_delayed_offer_srtp(void **state)
{
	struct ctx *c = *state;
	c->caps.offer_srtp = true;
	c->caps.telephone_event = false;
	assert_int_equal(sip_local_caps_set_codecs(&c->caps, "PCMA", c->err, sizeof c->err), 0);
	char *offer = sip_sdp_build_offer(&c->caps, &c->local, &c->origin);
	assert_non_null(offer);
	sip_parse_ok(&c->offer, offer);
	const struct sip_sdp_audio *a = &c->offer.audio[0];
	assert_int_equal(a->profile, SIP_PROFILE_SAVP);
	assert_int_equal(a->n_crypto, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(a->crypto[i].tag, i + 1);
		assert_int_equal(a->crypto[i].suite, c->caps.suites[i]);
		assert_memory_equal(a->crypto[i].key, c->local.srtp_key, a->crypto[i].key_len);
	}
	assert_true(has_line(offer, "m=audio 40000 RTP/SAVP 8"));
	free(offer);

	/* the answer picks tag 2 (AEAD_AES_128_GCM) */
	char *answer;
	assert_true(asprintf(&answer, SIP_HEADER "m=audio 6000 RTP/SAVP 8\r\n"
			     "a=crypto:2 AEAD_AES_128_GCM inline:%s\r\n",
			     inline_keys[SIP_SRTP_AEAD_AES_128_GCM]) > 0);
	sip_parse_ok(&c->offer, answer);
	free(answer);
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err), 0);
	assert_int_equal(c->choice.srtp, SIP_SRTP_AEAD_AES_128_GCM);
	assert_int_equal(c->choice.crypto_tag, 2);
	assert_int_equal(c->choice.key_len, 28);
	assert_memory_equal(c->choice.local_key, c->local.srtp_key, 28);
	assert_memory_equal(c->choice.remote_key, k1, 27);
	struct srtp_keys keys;
	assert_int_equal(sip_sdp_srtp_keys(&c->choice, &keys), 0);
	assert_int_equal(keys.profile, SRTP_PROFILE_AEAD_AES_128_GCM);

	/* a tag we did not offer, or our tag with another suite */
	static const char *const wrong[] = { "3 AES_CM_128_HMAC_SHA1_80", "1 AES_CM_128_HMAC_SHA1_32",
					     "9 AES_CM_128_HMAC_SHA1_80" };
	for (size_t i = 0; i < 3; i++) {
		assert_true(asprintf(&answer, SIP_HEADER "m=audio 6000 RTP/SAVP 8\r\na=crypto:%s inline:%s\r\n",
				     wrong[i], inline_keys[SIP_SRTP_AES_CM_128_HMAC_SHA1_80]) > 0);
		sip_parse_ok(&c->offer, answer);
		free(answer);
		assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice,
							  c->err, sizeof c->err), -ENOTSUP);
		assert_non_null(strstr(c->err, "no a=crypto matching our offer"));
	}
	/* plain RTP back when we offered SRTP */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 6000 RTP/AVP 8\r\n");
	assert_int_equal(sip_sdp_negotiate_answer(&c->offer, &c->caps, &c->local, &c->choice, c->err,
						  sizeof c->err), -ENOTSUP);
	/* SRTP offers need suites */
	c->caps.n_suites = 0;
	assert_null(sip_sdp_build_offer(&c->caps, &c->local, &c->origin));
}

/* ---- re-INVITEs: hold, resume, address change ---- */

static char *reoffer(struct ctx *c, const char *addr, unsigned port, const char *dir)
{
	char *text;
	assert_true(asprintf(&text, "v=0\r\no=- 7 %u IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			     "m=audio %u RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n%s",
			     port, addr, port, dir) > 0);
	sip_parse_ok(&c->offer, text);
	free(text);
	negotiate_ok(c);
	char *sdp = sip_sdp_build_answer(&c->offer, &c->choice, &c->local, &c->origin);
	assert_non_null(sdp);
	return sdp;
}

static void expect_version(const char *sdp, unsigned version)
{
	char want[64];
	snprintf(want, sizeof want, "o=parley 42 %u IN IP4 203.0.113.1", version);
	if (!has_line(sdp, want))
		fail_msg("want %s in:\n%s", want, sdp);
}

static void test_hold_resume_move(void **state)
{
	struct ctx *c = *state;
	static const struct {
		const char *addr;
		unsigned port;
		const char *dir;
		enum sdp_direction ours;
		unsigned version;
	} steps[] = {
		{ "192.0.2.1", 5004, "", SDP_SENDRECV, 1 },
		{ "192.0.2.1", 5004, "a=sendonly\r\n", SDP_RECVONLY, 2 },    /* hold */
		{ "192.0.2.1", 5004, "a=sendonly\r\n", SDP_RECVONLY, 2 },    /* same again: same version */
		{ "192.0.2.1", 5004, "a=inactive\r\n", SDP_INACTIVE, 3 },
		{ "0.0.0.0", 5004, "", SDP_RECVONLY, 4 },                    /* RFC 2543 hold */
		{ "0.0.0.0", 5004, "a=sendonly\r\n", SDP_RECVONLY, 4 },    /* it still sends to us */
		{ "0.0.0.0", 5004, "a=recvonly\r\n", SDP_INACTIVE, 5 },
		{ "192.0.2.1", 5004, "a=recvonly\r\n", SDP_SENDONLY, 6 },
		{ "192.0.2.1", 5004, "a=sendrecv\r\n", SDP_SENDRECV, 7 },    /* resume */
		{ "198.51.100.9", 7078, "", SDP_SENDRECV, 7 },               /* moved: our SDP is the same */
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char *sdp = reoffer(c, steps[i].addr, steps[i].port, steps[i].dir);
		static const char *const names[] = { "a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive" };
		if (c->choice.direction != steps[i].ours || !has_line(sdp, names[steps[i].ours]))
			fail_msg("step %zu: direction %d, want %d:\n%s", i, c->choice.direction,
				 steps[i].ours, sdp);
		assert_int_equal(c->choice.send, steps[i].ours == SDP_SENDRECV || steps[i].ours == SDP_SENDONLY);
		assert_int_equal(c->choice.recv, steps[i].ours == SDP_SENDRECV || steps[i].ours == SDP_RECVONLY);
		assert_string_equal(c->choice.address, steps[i].addr);
		assert_int_equal(c->choice.port, steps[i].port);
		assert_int_equal(c->choice.rtcp_port, steps[i].port + 1);
		expect_version(sdp, steps[i].version);
		free(sdp);
	}
	assert_true(c->offer.audio[0].hold_address == false);
	/* we hold: we only send what we are asked to */
	c->local.direction = SDP_SENDONLY;
	char *sdp = reoffer(c, "192.0.2.1", 5004, "");
	assert_int_equal(c->choice.direction, SDP_SENDONLY);
	free(sdp);
	sdp = reoffer(c, "192.0.2.1", 5004, "a=sendonly\r\n");
	assert_int_equal(c->choice.direction, SDP_INACTIVE);
	free(sdp);
	/* a new port for us shows in m= and moves the version */
	c->local.direction = SDP_SENDRECV;
	c->local.port = 40002;
	sdp = reoffer(c, "192.0.2.1", 5004, "");
	assert_true(has_line(sdp, "m=audio 40002 RTP/AVP 0 101"));
	expect_version(sdp, 10);
	free(sdp);
}

/* ---- streams, addresses, RTCP ---- */

static void test_refused_streams(void **state)
{
	struct ctx *c = *state;
	/* video and a second audio are refused with port 0 and their first format */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 8\r\nm=video 5006 RTP/AVP 96 97\r\n"
		     "a=rtpmap:96 H264/90000\r\nm=audio 5008 RTP/AVP 0\r\n"
		     "m=image 5010 udptl t38\r\nm=application 5012 UDP/BFCP *\r\n");
	assert_int_equal(c->offer.n_media, 5);
	assert_int_equal(c->offer.n_audio, 2);
	negotiate_ok(c);
	assert_int_equal(c->choice.media, 0);
	char *sdp = answer_matches(c, NULL);
	assert_true(has_line(sdp, "m=audio 40000 RTP/AVP 8"));
	assert_true(has_line(sdp, "m=video 0 RTP/AVP 96"));
	assert_true(has_line(sdp, "m=audio 0 RTP/AVP 0"));
	assert_true(has_line(sdp, "m=image 0 udptl t38"));
	assert_true(has_line(sdp, "m=application 0 UDP/BFCP *"));
	free(sdp);

	/* best-effort SRTP as two m-lines: the SAVP one cannot be used (MKI), the
	 * AVP one is taken and the SAVP one refused */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/SAVP 0\r\n"
		     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^20|1:4\r\n"
		     "m=audio 5006 RTP/AVP 0\r\n");
	negotiate_ok(c);
	assert_int_equal(c->choice.media, 1);
	assert_int_equal(c->choice.port, 5006);
	sdp = answer_matches(c, NULL);
	assert_true(has_line(sdp, "m=audio 0 RTP/SAVP 0"));
	assert_true(has_line(sdp, "m=audio 40000 RTP/AVP 0"));
	free(sdp);

	/* a disabled audio line before a live one */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 0 RTP/AVP 0\r\nm=audio 5006 RTP/AVP 8\r\n");
	negotiate_ok(c);
	assert_int_equal(c->choice.media, 1);
	assert_int_equal(c->choice.codec, SIP_CODEC_PCMA);
	/* only disabled audio, or none */
	expect_refusal(SIP_HEADER "m=audio 0 RTP/AVP 0\r\n", &c->caps, "disabled");
	expect_refusal(SIP_HEADER "m=video 5004 RTP/AVP 96\r\n", &c->caps, "no audio m-line");
	/* audio lines past SIP_SDP_MAX_AUDIO are only refused */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 0 RTP/AVP 0\r\nm=audio 0 RTP/AVP 0\r\n"
		     "m=audio 0 RTP/AVP 0\r\nm=audio 0 RTP/AVP 0\r\nm=audio 5004 RTP/AVP 0\r\n");
	assert_int_equal(c->offer.n_audio, SIP_SDP_MAX_AUDIO);
	assert_int_equal(sip_sdp_negotiate(&c->offer, &c->caps, &c->local, &c->choice, c->err,
					   sizeof c->err), -ENOTSUP);
}

static void test_ipv6_and_rtcp(void **state)
{
	struct ctx *c = *state;
	sip_parse_ok(&c->offer, "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n"
		     "t=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=rtcp:5999 IN IP6 2001:db8::2\r\n");
	negotiate_ok(c);
	assert_int_equal(c->choice.family, AF_INET6);
	assert_string_equal(c->choice.address, "2001:db8::1");
	assert_string_equal(c->choice.rtcp_address, "2001:db8::2");
	assert_int_equal(c->choice.rtcp_port, 5999);
	snprintf(c->local.address, sizeof c->local.address, "2001:db8::10");
	char *sdp = answer_matches(c, NULL);
	assert_true(has_line(sdp, "o=parley 42 1 IN IP6 2001:db8::10"));
	assert_true(has_line(sdp, "c=IN IP6 2001:db8::10"));
	assert_int_equal(c->again.audio[0].family, AF_INET6);
	free(sdp);
	/* :: is a hold address too */
	sip_parse_ok(&c->offer, "v=0\r\no=- 1 1 IN IP6 ::\r\ns=-\r\nc=IN IP6 ::\r\nt=0 0\r\n"
		     "m=audio 5004 RTP/AVP 0\r\n");
	assert_true(c->offer.audio[0].hold_address);
	negotiate_ok(c);
	assert_int_equal(c->choice.direction, SDP_RECVONLY);

	/* rtcp-mux: taken when offered and allowed */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 0\r\na=rtcp-mux\r\na=rtcp:5004\r\n");
	negotiate_ok(c);
	assert_true(c->choice.rtcp_mux);
	assert_int_equal(c->choice.rtcp_port, 5004);
	sdp = answer_matches(c, NULL);
	assert_true(has_line(sdp, "a=rtcp-mux"));
	free(sdp);
	c->caps.rtcp_mux = false;
	negotiate_ok(c);
	assert_false(c->choice.rtcp_mux);
	assert_int_equal(c->choice.rtcp_port, 5004);  /* its a=rtcp still holds */
	sdp = answer_matches(c, NULL);
	assert_false(has_line(sdp, "a=rtcp-mux"));
	free(sdp);
	/* a=rtcp without an address keeps c= */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 5004 RTP/AVP 0\r\na=rtcp:6000\r\n");
	assert_string_equal(c->offer.audio[0].rtcp_address, "192.0.2.1");
	/* port 65535 has no port + 1 */
	sip_parse_ok(&c->offer, SIP_HEADER "m=audio 65535 RTP/AVP 0\r\n");
	assert_int_equal(c->offer.audio[0].rtcp_port, 0);
}

static void test_caps(void **state)
{
	struct sip_local_caps caps;
	char err[128];
	sip_local_caps_init(&caps, false);
	assert_int_equal(caps.n_codecs, 3);
	assert_int_equal(caps.codecs[0], SIP_CODEC_OPUS);
	assert_int_equal(caps.codecs[1], SIP_CODEC_PCMU);
	assert_int_equal(caps.codecs[2], SIP_CODEC_PCMA);
	assert_int_equal(caps.n_suites, 3);
	assert_false(caps.offer_srtp);
	sip_local_caps_init(&caps, true);
	assert_int_equal(caps.n_codecs, 4);
	assert_int_equal(caps.codecs[1], SIP_CODEC_G722);
	assert_int_equal(sip_local_caps_set_codecs(&caps, " PCMU ,\tg722", err, sizeof err), 0);
	assert_int_equal(caps.n_codecs, 2);
	assert_int_equal(caps.codecs[0], SIP_CODEC_PCMU);
	assert_int_equal(caps.codecs[1], SIP_CODEC_G722);
	static const char *const bad[] = { "", "PCMU,", "PCMU,,PCMA", "G729", "PCMU,pcmu", "opus PCMU",
					   NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(sip_local_caps_set_codecs(&caps, bad[i], err, sizeof err), -EINVAL);
		assert_true(err[0] != '\0');
		assert_int_equal(caps.n_codecs, 2);
	}
	assert_string_equal(sip_codec_name(SIP_CODEC_G722), "G722");
	assert_string_equal(sip_srtp_suite_name(SIP_SRTP_AEAD_AES_256_GCM), "AEAD_AES_256_GCM");
	assert_int_equal(sip_srtp_suite_key_len(SIP_SRTP_AEAD_AES_256_GCM), 44);
	assert_int_equal(sip_srtp_suite_key_len(SIP_SRTP_NONE), 0);
	struct sip_sdp_origin o;
	sip_sdp_origin_init(&o, UINT64_MAX);
	assert_true(o.id == INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdp_parse_lines_hook),
		cmocka_unit_test_setup_teardown(test_sipp_uac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baresip_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_polycom_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cisco_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pjsip_lf_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sdes_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baresip_srtp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_combination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_telephone_event_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delayed_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delayed_offer_srtp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_resume_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_rtcp, setup, teardown),
		cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
