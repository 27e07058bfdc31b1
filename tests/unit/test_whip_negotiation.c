/* WHIP offer/answer, observed from outside as the HTTP side sees it: real
 * workers, real libnice agents on loopback, offers written like Chrome's,
 * OBS's (libdatachannel) and GStreamer's (webrtcbin). Covers the answer
 * (mids, directions, codecs, the client's payload types and extension ids,
 * DTLS role, candidates), what browsers in the room are offered (Parley's
 * own payload types), refused offers leaving nothing behind, trickle, and
 * the packet path mapping the client's numbering to Parley's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/sdp.h"
#include "sfu/sfu.h"
#include "sfu/sfu_whip.h"
#include "sfu/whip_negotiation.h"
#include "sfu/worker.h"
#include "sfu/worker_call.h"
#include "tests/unit/sfu_test_util.h"

#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define LEVEL_URI "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define ORIENT_URI "urn:3gpp:video-orientation"
#define MID_URI "urn:ietf:params:rtp-hdrext:sdes:mid"
#define FP "sha-256 27:A0:AE:B3:FE:E9:23:2F:8A:F2:21:1F:9E:E4:91:C5:B1:0B:EC:B5:56:3B:FC:1E:6F:93:42:7E:CB:C8:FE:29"

static unsigned next_whip = 1;

#define HEADER "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"

/* tests/fixtures/sdp/name (PARLEY_FIXTURES, or next to this file). */
static char *fixture(const char *name)
{
	const char *dir = getenv("PARLEY_FIXTURES");
	char *here = g_path_get_dirname(__FILE__);
	char *path = dir ? g_strdup_printf("%s/sdp/%s", dir, name)
			 : g_strdup_printf("%s/../fixtures/sdp/%s", here, name);
	g_free(here);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		fail_msg("cannot read fixture %s", path);
	g_free(path);
	return text;
}

/* text with every occurrence of from replaced by to (g_free it). */
static char *replace(const char *text, const char *from, const char *to)
{
	gchar **parts = g_strsplit(text, from, -1);
	gchar *out = g_strjoinv(to, parts);
	g_strfreev(parts);
	return out;
}

static json_t *count_rooms(struct worker *w, void *arg)
{
	return json_integer((json_int_t)g_hash_table_size(w->rooms));
}

static int rooms_on_worker(void)
{
	bool timed_out;
	json_t *n = worker_call(worker_get(0), count_rooms, NULL, NULL, 2000, &timed_out);
	assert_non_null(n);
	int v = (int)json_integer_value(n);
	json_decref(n);
	return v;
}

struct whip {
	char id[PARTICIPANT_ID_MAX];
	uint64_t session;
};

/* Publishes offer into room; returns sfu_whip_publish's code. */
static int publish(const char *room, const char *offer, struct whip *w, char **answer, char *err,
		   size_t errlen)
{
	snprintf(w->id, sizeof(w->id), "w%x", next_whip);
	w->session = SFU_SESSION_ID(SFU_SESSION_WHIP, next_whip);
	next_whip++;
	struct participant_info info = {
		.id = w->id, .name = "Encoder", .identity = "", .kind = PARTICIPANT_WHIP,
		.can_publish = true, .can_subscribe = false, .session_id = w->session,
	};
	return sfu_whip_publish(0, room, &info, offer, strlen(offer), answer, err, errlen);
}

static struct sdp_session *publish_ok(const char *room, const char *offer, struct whip *w)
{
	char *answer = NULL, err[200];
	int rc = publish(room, offer, w, &answer, err, sizeof(err));
	if (rc)
		fail_msg("publish failed (%d): %s", rc, err);
	struct sdp_session *a = parse(answer);
	g_free(answer);
	return a;
}

static void expect_refused(const char *room, const char *offer, const char *reason)
{
	struct whip w;
	char *answer = NULL, err[200] = "";
	int rc = publish(room, offer, &w, &answer, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("expected -EINVAL, got %d (%s) for:\n%s", rc, err, offer);
	if (!strstr(err, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", err, reason);
	assert_null(answer);
}

static void join_browser(const char *room, const char *pid, uint64_t session)
{
	struct participant_info info = {
		.id = pid, .name = pid, .identity = "", .kind = PARTICIPANT_BROWSER,
		.can_publish = true, .can_subscribe = true, .session_id = session,
	};
	sfu_join(0, room, &info);
}

static uint8_t ext_id(const struct sdp_media *m, const char *uri)
{
	return sdp_media_extmap(m, uri);
}

/* Nothing Parley sends a WHIP session is an offer or a candidate. */
static void assert_whip_never_offered(void)
{
	g_mutex_lock(&lock);
	for (guint i = 0; i < messages->len; i++) {
		struct message *m = messages->pdata[i];
		if (SFU_SESSION_OWNER(m->session) != SFU_SESSION_WHIP)
			continue;
		const char *t = type_of(m);
		if (strcmp(t, "offer") == 0 || strcmp(t, "candidate") == 0)
			fail_msg("WHIP session %llx was sent \"%s\"", (unsigned long long)m->session, t);
	}
	g_mutex_unlock(&lock);
}

/* ---- answers ---- */

static void test_chrome_offer(void **state)
{
	char *offer = fixture("whip_chrome_offer.sdp");
	guint cur = 0;
	join_browser("wc", "b1", 1);
	wait_for(1, "offer", &cur);
	struct whip w;
	struct sdp_session *a = publish_ok("wc", offer, &w);
	assert_int_equal(a->n_media, 2);
	assert_int_equal(a->n_bundle, 2);
	assert_string_equal(a->bundle[0], "0");
	assert_string_equal(a->bundle[1], "1");
	const struct sdp_media *au = &a->media[0], *vi = &a->media[1];
	assert_string_equal(au->mid, "0");
	assert_string_equal(vi->mid, "1");
	assert_int_equal(au->direction, SDP_RECVONLY);
	assert_int_equal(vi->direction, SDP_RECVONLY);
	assert_int_equal(au->setup, SDP_SETUP_PASSIVE);
	assert_true(au->rtcp_mux && vi->rtcp_mux && au->rtcp_rsize);
	assert_true(au->port != 0 && vi->port != 0);
	/* One codec each, at the client's numbers: Opus 111; VP8 96 (first in
	 * video_codecs) with its RTX 97. */
	assert_int_equal(au->n_formats, 1);
	assert_int_equal(au->formats[0].pt, 111);
	assert_string_equal(au->formats[0].name, "opus");
	assert_int_equal(au->formats[0].fb, SDP_FB_TWCC);
	assert_int_equal(vi->n_formats, 2);
	assert_string_equal(vi->formats[0].name, "VP8");
	assert_int_equal(vi->formats[0].pt, 96);
	assert_int_equal(sdp_media_format(vi, 97)->apt, 96);
	assert_int_equal(vi->formats[0].fb, SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_REMB | SDP_FB_TWCC);
	/* The extensions Parley reads, at the client's ids; no others. */
	assert_int_equal(au->n_extmaps, 4);
	assert_int_equal(ext_id(au, LEVEL_URI), 1);
	assert_int_equal(ext_id(au, TWCC_URI), 3);
	assert_int_equal(ext_id(au, MID_URI), 4);
	assert_int_equal(vi->n_extmaps, 4);
	assert_int_equal(ext_id(vi, ORIENT_URI), 13);
	assert_int_equal(ext_id(vi, TWCC_URI), 3);
	assert_int_equal(ext_id(vi, LEVEL_URI), 0);
	assert_int_equal(ext_id(vi, "urn:ietf:params:rtp-hdrext:toffset"), 0);
	/* Parley's ICE and DTLS, with its loopback candidate and the end. */
	assert_true(strncmp(au->fingerprint, "sha-256 ", 8) == 0);
	assert_true(au->ice_ufrag[0] && au->ice_pwd[0]);
	assert_true(au->n_candidates >= 1);
	assert_non_null(strstr(au->candidates[0], "127.0.0.1"));
	assert_true(au->end_of_candidates);
	assert_int_equal(vi->n_candidates, 0);
	free(a);

	/* The browser in the room learns of a "whip" participant and is offered
	 * both tracks with Parley's payload types. */
	json_t *pj = wait_for(1, "participant_joined", &cur);
	json_t *who = json_object_get(pj, "participant");
	assert_string_equal(json_string_value(json_object_get(who, "id")), w.id);
	assert_string_equal(json_string_value(json_object_get(who, "kind")), "whip");
	assert_string_equal(json_string_value(json_object_get(who, "name")), "Encoder");
	sfu_leave(0, "wc", "b1", "left");
	sfu_leave(0, "wc", w.id, "whip_ended");
	g_free(offer);
}

/* OBS (libdatachannel): session-level ICE and DTLS, candidates in the
 * offer, H264 only, at payload type 96 (Parley's H264 is 102). */
static void test_obs_offer(void **state)
{
	char *offer = fixture("whip_obs_offer.sdp");
	struct whip w;
	struct sdp_session *a = publish_ok("wo", offer, &w);
	assert_int_equal(a->n_media, 2);
	const struct sdp_media *vi = &a->media[1];
	assert_int_equal(vi->n_formats, 1);
	assert_string_equal(vi->formats[0].name, "H264");
	assert_int_equal(vi->formats[0].pt, 96);
	assert_non_null(strstr(vi->formats[0].fmtp, "packetization-mode=1"));
	assert_non_null(strstr(vi->formats[0].fmtp, "profile-level-id=42e01f"));
	assert_int_equal(vi->formats[0].fb, SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_REMB);
	assert_int_equal(vi->n_extmaps, 0);
	assert_int_equal(a->media[0].setup, SDP_SETUP_PASSIVE);
	free(a);

	/* A browser joining later is offered the video as H264 at 102. */
	guint cur = 0;
	join_browser("wo", "b2", 2);
	json_t *joined = wait_for(2, "joined", &cur);
	json_t *others = json_object_get(joined, "participants");
	assert_int_equal(json_array_size(others), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(others, 0), "kind")), "whip");
	json_t *o = wait_for(2, "offer", &cur);
	struct sdp_session *bo = parse(json_string_value(json_object_get(o, "sdp")));
	assert_int_equal(bo->n_media, 5);
	assert_int_equal(bo->media[3].direction, SDP_SENDONLY);
	assert_int_equal(bo->media[3].formats[0].pt, 111);
	assert_int_equal(bo->media[4].direction, SDP_SENDONLY);
	assert_int_equal(bo->media[4].formats[0].pt, 102);
	assert_string_equal(bo->media[4].formats[0].name, "H264");
	assert_non_null(strstr(bo->media[4].msid, w.id));
	free(bo);
	sfu_leave(0, "wo", "b2", "left");
	sfu_leave(0, "wo", w.id, "whip_ended");
	g_free(offer);
}

/* GStreamer (webrtcbin): video first with its own mids, "OPUS" at 98. */
static void test_gstreamer_offer(void **state)
{
	char *offer = fixture("whip_gstreamer_offer.sdp");
	struct whip w;
	struct sdp_session *a = publish_ok("wg", offer, &w);
	assert_int_equal(a->n_media, 2);
	assert_string_equal(a->bundle[0], "video0");
	assert_string_equal(a->bundle[1], "audio1");
	const struct sdp_media *vi = &a->media[0], *au = &a->media[1];
	assert_string_equal(vi->mid, "video0");
	assert_string_equal(au->mid, "audio1");
	assert_int_equal(vi->formats[0].pt, 96);
	assert_int_equal(sdp_media_format(vi, 97)->apt, 96);
	assert_int_equal(au->formats[0].pt, 98);
	assert_int_equal(ext_id(vi, TWCC_URI), 1);
	assert_int_equal(ext_id(au, LEVEL_URI), 2);
	/* Candidates go in the section that tags the BUNDLE group. */
	assert_true(vi->n_candidates >= 1 && vi->end_of_candidates);
	assert_int_equal(au->n_candidates, 0);
	free(a);
	sfu_leave(0, "wg", w.id, "whip_ended");
	g_free(offer);
}

/* What the client cannot have: a data channel, a second video, a receive-
 * only section. They are rejected at port 0, keep their mids and leave the
 * BUNDLE group; the rest is answered. */
static void test_extra_sections_rejected(void **state)
{
	char *chrome = fixture("whip_chrome_offer.sdp");
	char *bundle = replace(chrome, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2 3 4");
	const char *video_start = strstr(chrome, "m=video");
	GString *o = g_string_new(bundle);
	/* A second camera: the same section again with mid 2. */
	char *second = replace(video_start, "a=mid:1", "a=mid:2");
	char *second_cam = replace(second, "1842312045", "1111");
	g_string_append(o, second_cam);
	g_string_append_printf(o, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
			       "a=ice-ufrag:zK3v\r\na=ice-pwd:Qm7R2xLp9Wc4Tn8Hs1Dy6Fb0\r\na=fingerprint:%s\r\n"
			       "a=setup:actpass\r\na=mid:3\r\na=sctp-port:5000\r\n", FP);
	g_string_append_printf(o, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:4\r\n"
			       "a=recvonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n");
	struct whip w;
	struct sdp_session *a = publish_ok("wx", o->str, &w);
	assert_int_equal(a->n_media, 5);
	assert_int_equal(a->n_bundle, 2);
	for (unsigned i = 2; i < 5; i++) {
		assert_int_equal(a->media[i].port, 0);
		char mid[4];
		snprintf(mid, sizeof(mid), "%u", i);
		assert_string_equal(a->media[i].mid, mid);
	}
	assert_string_equal(a->media[3].kind_name, "application");
	assert_int_equal(a->media[0].port, 9);
	assert_int_equal(a->media[1].port, 9);
	free(a);
	sfu_leave(0, "wx", w.id, "whip_ended");
	g_string_free(o, TRUE);
	g_free(second);
	g_free(second_cam);
	g_free(bundle);
	g_free(chrome);
}

/* Passive in the offer makes Parley the DTLS client (setup:active). */
static void test_passive_offer(void **state)
{
	char *chrome = fixture("whip_chrome_offer.sdp");
	char *passive = replace(chrome, "a=setup:actpass", "a=setup:passive");
	struct whip w;
	struct sdp_session *a = publish_ok("wp", passive, &w);
	assert_int_equal(a->media[0].setup, SDP_SETUP_ACTIVE);
	assert_int_equal(a->media[1].setup, SDP_SETUP_ACTIVE);
	free(a);
	sfu_leave(0, "wp", w.id, "whip_ended");
	g_free(passive);
	g_free(chrome);
}

/* Firefox's max-bundle offer: the second section is bundle-only at port 0. */
static void test_bundle_only(void **state)
{
	char *chrome = fixture("whip_chrome_offer.sdp");
	char *bo = replace(chrome, "m=video 9 ", "m=video 0 ");
	char *with = replace(bo, "a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
	struct whip w;
	struct sdp_session *a = publish_ok("wf", with, &w);
	assert_int_equal(a->media[1].port, 9);
	assert_int_equal(a->media[1].direction, SDP_RECVONLY);
	free(a);
	sfu_leave(0, "wf", w.id, "whip_ended");
	g_free(with);
	g_free(bo);
	g_free(chrome);
}

/* H264 choice among Chrome's variants: packetization-mode 1 and
 * Constrained Baseline, whatever the order. */
static void test_h264_choice(void **state)
{
	char *text = g_strdup_printf(
		HEADER "a=group:BUNDLE v\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 102 104 106 107 108\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\n"
		"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:%s\r\n"
		"a=setup:actpass\r\na=sendonly\r\na=rtcp-mux\r\n"
		"a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
		"a=rtpmap:104 H264/90000\r\na=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
		"a=rtpmap:106 H264/90000\r\na=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
		"a=rtpmap:107 rtx/90000\r\na=fmtp:107 apt=106\r\n"
		"a=rtpmap:108 H264/90000\r\na=fmtp:108 packetization-mode=1;profile-level-id=640c1f\r\n", FP);
	struct whip w;
	struct sdp_session *a = publish_ok("wh", text, &w);
	assert_int_equal(a->n_media, 1);
	assert_int_equal(a->media[0].n_formats, 2);
	assert_int_equal(a->media[0].formats[0].pt, 106);
	assert_int_equal(sdp_media_format(&a->media[0], 107)->apt, 106);
	free(a);
	sfu_leave(0, "wh", w.id, "whip_ended");
	g_free(text);
}

/* ---- refusals ---- */

static void test_refused_offers(void **state)
{
	char *chrome = fixture("whip_chrome_offer.sdp");
	int rooms = rooms_on_worker();
	guint cur = 0;
	join_browser("wr", "b3", 3);
	wait_for(3, "joined", &cur);
	expect_refused("wr", "garbage", "expected");
	expect_refused("wr", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "no m-section");
	/* Audio in codecs Parley does not forward. */
	char *pcmu = g_strdup_printf(HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 0 8\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
				     "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
				     "a=fingerprint:%s\r\na=setup:actpass\r\na=sendonly\r\na=rtcp-mux\r\n", FP);
	expect_refused("wr", pcmu, "no m-section sends");
	/* Nothing is sent to us. */
	char *recvonly = replace(chrome, "a=sendonly", "a=recvonly");
	expect_refused("wr", recvonly, "no m-section sends");
	/* H264 packetization-mode 0 only; VP9 profile 2 only. */
	char *pm0 = replace(pcmu, "m=audio 9 UDP/TLS/RTP/SAVPF 0 8", "m=video 9 UDP/TLS/RTP/SAVPF 104");
	char *pm0b = replace(pm0, "a=rtcp-mux\r\n", "a=rtcp-mux\r\na=rtpmap:104 H264/90000\r\n"
			     "a=fmtp:104 packetization-mode=0;profile-level-id=42e01f\r\n");
	expect_refused("wr", pm0b, "no m-section sends");
	char *vp9 = replace(pm0, "a=rtcp-mux\r\n", "a=rtcp-mux\r\na=rtpmap:104 VP9/90000\r\na=fmtp:104 profile-id=2\r\n");
	expect_refused("wr", vp9, "no m-section sends");
	/* Plain SRTP (SDES), not DTLS. */
	char *savpf = replace(chrome, "UDP/TLS/RTP/SAVPF", "RTP/SAVPF");
	expect_refused("wr", savpf, "no m-section sends");
	/* No fingerprint; one that is not a digest. */
	char *nofp = replace(chrome, "a=fingerprint:", "a=xfingerprint:");
	expect_refused("wr", nofp, "fingerprint");
	char *badfp = replace(chrome, "sha-256 27:A0:AE", "sha-256 ZZ:A0:AE");
	expect_refused("wr", badfp, "fingerprint");
	char *md5 = replace(chrome, "a=fingerprint:sha-256", "a=fingerprint:md5");
	expect_refused("wr", md5, "fingerprint");
	/* No rtcp-mux; audio and video not bundled. */
	char *nomux = replace(chrome, "a=rtcp-mux\r\n", "");
	expect_refused("wr", nomux, "rtcp-mux");
	char *nobundle = replace(chrome, "a=group:BUNDLE 0 1\r\n", "");
	expect_refused("wr", nobundle, "BUNDLE");
	/* Control characters never get into an answer. */
	char *ctl = replace(chrome, "a=mid:0", "a=mid:0\x01");
	expect_refused("wr", ctl, "control character");

	/* Nothing was created: the browser saw nobody join, no room appeared. */
	struct whip w;
	struct sdp_session *a = publish_ok("wr", chrome, &w);
	free(a);
	json_t *pj = wait_for(3, "participant_joined", &cur);
	assert_string_equal(json_string_value(json_object_get(json_object_get(pj, "participant"), "id")), w.id);
	sfu_leave(0, "wr", w.id, "whip_ended");
	sfu_leave(0, "wr", "b3", "left");
	expect_refused("wr-none", "garbage", "expected");
	expect_refused("wr-none", nomux, "rtcp-mux");
	assert_int_equal(rooms_on_worker(), rooms);
	g_free(pcmu);
	g_free(recvonly);
	g_free(pm0);
	g_free(pm0b);
	g_free(vp9);
	g_free(savpf);
	g_free(nofp);
	g_free(badfp);
	g_free(md5);
	g_free(nomux);
	g_free(nobundle);
	g_free(ctl);
	g_free(chrome);
}

/* ---- trickle and leaving ---- */

static void test_trickle_and_leave(void **state)
{
	char *chrome = fixture("whip_chrome_offer.sdp");
	guint cur = 0;
	join_browser("wt", "b4", 4);
	wait_for(4, "joined", &cur);
	struct whip w;
	free(publish_ok("wt", chrome, &w));
	char err[200];
	const char *frag = "a=ice-ufrag:zK3v\r\na=ice-pwd:Qm7R2xLp9Wc4Tn8Hs1Dy6Fb0\r\n"
			   "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
			   "a=candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host generation 0\r\n"
			   "a=candidate:2 1 udp 2122260223 example.local 40001 typ host\r\n"
			   "a=end-of-candidates\r\n";
	assert_int_equal(sfu_whip_trickle(0, "wt", w.id, frag, strlen(frag), err, sizeof(err)), 0);
	/* Another ufrag is an ICE restart. */
	const char *restart = "a=ice-ufrag:newu\r\na=ice-pwd:newpasswordnewpassword\r\n";
	assert_int_equal(sfu_whip_trickle(0, "wt", w.id, restart, strlen(restart), err, sizeof(err)),
			 -EOPNOTSUPP);
	const char *bad = "a=candidate:1 1 udp 1 127.0.0.1 4\x01 typ host\r\n";
	assert_int_equal(sfu_whip_trickle(0, "wt", w.id, bad, strlen(bad), err, sizeof(err)), -EINVAL);
	assert_int_equal(sfu_whip_trickle(0, "wt", "nobody", frag, strlen(frag), err, sizeof(err)), -ENOENT);
	/* A browser is not a WHIP session. */
	assert_int_equal(sfu_whip_trickle(0, "wt", "b4", frag, strlen(frag), err, sizeof(err)), -ENOENT);
	/* The id is taken while it is there. */
	struct participant_info dup = {
		.id = w.id, .name = "again", .identity = "", .kind = PARTICIPANT_WHIP,
		.can_publish = true, .session_id = w.session,
	};
	char *answer = NULL;
	assert_int_equal(sfu_whip_publish(0, "wt", &dup, chrome, strlen(chrome), &answer, err, sizeof(err)),
			 -EEXIST);
	assert_null(answer);

	sfu_leave(0, "wt", w.id, "whip_ended");
	json_t *left = wait_for(4, "participant_left", &cur);
	assert_string_equal(json_string_value(json_object_get(left, "id")), w.id);
	assert_string_equal(json_string_value(json_object_get(left, "reason")), "whip_ended");
	assert_int_equal(sfu_whip_trickle(0, "wt", w.id, frag, strlen(frag), err, sizeof(err)), -ENOENT);
	sfu_leave(0, "wt", "b4", "left");
	assert_whip_never_offered();
	g_free(chrome);
}

static void test_sdpfrag_read(void **state)
{
	struct whip_sdpfrag *f = malloc(sizeof(*f));
	char err[128];
	const char *ok = "a=ice-ufrag:EsAw\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\n"
			 "a=mid:0\r\na=candidate:1 1 udp 2 192.0.2.1 61764 typ host\r\na=end-of-candidates";
	assert_int_equal(whip_sdpfrag_read(f, ok, strlen(ok), err, sizeof(err)), 0);
	assert_string_equal(f->ice_ufrag, "EsAw");
	assert_string_equal(f->ice_pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
	assert_int_equal(f->n_candidates, 1);
	assert_string_equal(f->candidates[0], "candidate:1 1 udp 2 192.0.2.1 61764 typ host");
	assert_true(f->end_of_candidates);
	assert_int_equal(whip_sdpfrag_read(f, "", 0, err, sizeof(err)), 0);
	assert_int_equal(f->n_candidates, 0);
	GString *many = g_string_new("");
	for (int i = 0; i <= WHIP_MAX_TRICKLE; i++)
		g_string_append_printf(many, "a=candidate:%d 1 udp 2 192.0.2.1 %d typ host\r\n", i, 1000 + i);
	assert_int_equal(whip_sdpfrag_read(f, many->str, many->len, err, sizeof(err)), -EINVAL);
	g_string_free(many, TRUE);
	char *longu = g_strnfill(200, 'x');
	char *l = g_strconcat("a=ice-ufrag:", longu, NULL);
	assert_int_equal(whip_sdpfrag_read(f, l, strlen(l), err, sizeof(err)), -EINVAL);
	g_free(l);
	g_free(longu);
	free(f);
}

/* ---- the packet path ---- */

/* An RTP packet with one one-byte extension (id, value) and a payload. */
static size_t rtp_with_ext(uint8_t *buf, uint8_t pt, uint16_t seq, uint32_t ssrc, uint8_t id, uint8_t value)
{
	const uint8_t head[] = { 0x90, pt, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0x10, 0,
				 (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8), (uint8_t)ssrc,
				 0xbe, 0xde, 0, 1, (uint8_t)(id << 4), value, 0, 0, 0xaa, 0xbb, 0xcc };
	memcpy(buf, head, sizeof(head));
	return sizeof(head);
}

static void test_packet_numbering(void **state)
{
	struct participant *owner = calloc(1, sizeof(*owner));
	struct room room = { .name = "pkt" };   /* no callers: nothing is tapped */
	owner->room = &room;
	g_strlcpy(owner->id, "w-pkt", sizeof(owner->id));
	struct producer *audio = NULL, *video = NULL;
	const struct codec *h264 = codec_by_pt(102);
	assert_non_null(h264);
	assert_int_equal(producer_create(&audio, owner, SDP_KIND_AUDIO, codec_opus(), 1234, 0), 0);
	assert_int_equal(producer_create(&video, owner, SDP_KIND_VIDEO, h264, 5678, 0), 0);

	/* A browser's numbering is Parley's: nothing changes. */
	uint8_t buf[64];
	struct rtp_view v;
	assert_int_equal(rtp_parse(&v, buf, rtp_with_ext(buf, 111, 1, 1234, EXT_AUDIO_LEVEL, 0x80 | 30)), 0);
	producer_receive(audio, &v, 1000);
	assert_int_equal(v.pt, 111);
	assert_int_equal(audio->level_packets, 1);
	assert_int_equal(audio->level_sum, 127 - 30);

	/* A WHIP client's: Opus at 98 with audio level at id 7; H264 at 96. */
	struct codec_ext_ids audio_ids = { .audio_level = 7, .twcc = 3 };
	struct codec_ext_ids video_ids = { .video_orientation = 13, .twcc = 3 };
	producer_set_client_numbering(audio, 98, 0, &audio_ids);
	producer_set_client_numbering(video, 96, 97, &video_ids);
	assert_int_equal(rtp_parse(&v, buf, rtp_with_ext(buf, 98, 2, 1234, 7, 0x80 | 40)), 0);
	producer_receive(audio, &v, 21000);
	assert_int_equal(v.pt, 111);
	assert_int_equal(audio->level_packets, 2);
	assert_int_equal(audio->level_sum, 127 - 30 + 127 - 40);
	/* Id 1 means nothing from this client. */
	assert_int_equal(rtp_parse(&v, buf, rtp_with_ext(buf, 98, 3, 1234, EXT_AUDIO_LEVEL, 0x80 | 50)), 0);
	producer_receive(audio, &v, 41000);
	assert_int_equal(audio->level_packets, 2);
	/* Video: 96 leaves as 102; a payload type it never negotiated passes as is. */
	assert_int_equal(rtp_parse(&v, buf, rtp_with_ext(buf, 96, 10, 5678, 13, 1)), 0);
	producer_receive(video, &v, 1000);
	assert_int_equal(v.pt, 102);
	assert_int_equal(producer_out_pt(video, 35), 35);
	assert_int_equal(producer_out_pt(video, 96), 102);
	producer_destroy(audio);
	producer_destroy(video);
	free(owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrome_offer),
		cmocka_unit_test(test_obs_offer),
		cmocka_unit_test(test_gstreamer_offer),
		cmocka_unit_test(test_extra_sections_rejected),
		cmocka_unit_test(test_passive_offer),
		cmocka_unit_test(test_bundle_only),
		cmocka_unit_test(test_h264_choice),
		cmocka_unit_test(test_refused_offers),
		cmocka_unit_test(test_trickle_and_leave),
		cmocka_unit_test(test_sdpfrag_read),
		cmocka_unit_test(test_packet_numbering),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	teardown(NULL);
	return rc;
}
