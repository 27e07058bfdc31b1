/* Offer/answer state machine of rooms, observed from outside as signaling
 * sees it: real workers, real libnice agents on loopback, synthetic answers.
 * Covers first offer, publishing, subscription offers, m-section reuse after
 * a publisher leaves, and refused answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/participant.h"
#include "sfu/sdp.h"
#include "sfu/sfu.h"
#include "tests/unit/sfu_test_util.h"

#define FINGERPRINT "sha-256 " \
	"AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

/* A browser-like answer: publishes on mids 0/1 when publish is true,
 * receives every sendonly section. */
static char *answer_for(const char *offer_sdp, bool publish, uint32_t ssrc_base)
{
	struct sdp_session *o = parse(offer_sdp);
	GString *a = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE");
	for (unsigned i = 0; i < o->n_media; i++)
		g_string_append_printf(a, " %s", o->media[i].mid);
	g_string_append(a, "\r\n");
	for (unsigned i = 0; i < o->n_media; i++) {
		const struct sdp_media *m = &o->media[i];
		if (m->kind == SDP_KIND_APPLICATION) {
			g_string_append_printf(a, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
					       "c=IN IP4 0.0.0.0\r\na=mid:%s\r\na=ice-ufrag:abcd\r\n"
					       "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:%s\r\n"
					       "a=setup:active\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n",
					       m->mid, FINGERPRINT);
			continue;
		}
		g_string_append_printf(a, "m=%s 9 UDP/TLS/RTP/SAVPF", m->kind_name);
		for (unsigned f = 0; f < m->n_formats; f++)
			g_string_append_printf(a, " %u", m->formats[f].pt);
		g_string_append_printf(a, "\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=ice-ufrag:abcd\r\n"
				       "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:%s\r\na=setup:active\r\n"
				       "a=rtcp-mux\r\n", m->mid, FINGERPRINT);
		for (unsigned e = 0; e < m->n_extmaps; e++)
			g_string_append_printf(a, "a=extmap:%u %s\r\n", m->extmaps[e].id, m->extmaps[e].uri);
		for (unsigned f = 0; f < m->n_formats; f++)
			g_string_append_printf(a, "a=rtpmap:%u %s/%u\r\n", m->formats[f].pt, m->formats[f].name,
					       m->formats[f].clock_rate);
		if (m->direction == SDP_RECVONLY && publish)
			g_string_append_printf(a, "a=sendonly\r\na=ssrc:%u cname:x\r\n", ssrc_base + i);
		else if (m->direction == SDP_SENDONLY)
			g_string_append(a, "a=recvonly\r\n");
		else
			g_string_append(a, "a=inactive\r\n");
	}
	free(o);
	return g_string_free(a, FALSE);
}

static const char *sdp_of(json_t *offer)
{
	return json_string_value(json_object_get(offer, "sdp"));
}

static void join(const char *room, const char *pid, const char *name, uint64_t session,
		 bool can_publish, bool can_subscribe)
{
	struct participant_info info = {
		.id = pid, .name = name, .identity = "", .kind = PARTICIPANT_BROWSER,
		.can_publish = can_publish, .can_subscribe = can_subscribe, .session_id = session,
	};
	sfu_join(0, room, &info);
}

static void join_and_publish(uint64_t session, const char *pid, guint *cur, uint32_t ssrc_base)
{
	join("neg", pid, pid, session, true, true);
	wait_for(session, "joined", cur);
	json_t *offer = wait_for(session, "offer", cur);
	char *answer = answer_for(sdp_of(offer), true, ssrc_base);
	sfu_answer(0, "neg", pid, answer);
	g_free(answer);
}

static void answer_latest(uint64_t session, const char *pid, guint *cur, json_t **offer_out)
{
	json_t *offer = wait_for(session, "offer", cur);
	char *answer = answer_for(sdp_of(offer), true, 7000);
	sfu_answer(0, "neg", pid, answer);
	g_free(answer);
	if (offer_out)
		*offer_out = offer;
}

static void test_first_offer(void **state)
{
	guint cur = 0;
	join("first", "pa", "Alice", 1, true, true);
	json_t *joined = wait_for(1, "joined", &cur);
	assert_string_equal(json_string_value(json_object_get(joined, "id")), "pa");
	assert_int_equal(json_array_size(json_object_get(joined, "participants")), 0);
	json_t *offer = wait_for(1, "offer", &cur);
	struct sdp_session *o = parse(sdp_of(offer));
	assert_int_equal(o->n_media, 3);
	assert_int_equal(o->media[0].kind, SDP_KIND_AUDIO);
	assert_int_equal(o->media[1].kind, SDP_KIND_VIDEO);
	assert_int_equal(o->media[2].kind, SDP_KIND_APPLICATION);
	assert_int_equal(o->media[2].sctp_port, 5000);
	assert_int_equal(o->media[2].max_message_size, 262144);
	assert_int_equal(o->media[2].n_extmaps, 0);
	assert_int_equal(o->media[0].direction, SDP_RECVONLY);
	assert_int_equal(o->media[1].direction, SDP_RECVONLY);
	assert_int_equal(o->media[0].setup, SDP_SETUP_ACTPASS);
	assert_true(o->media[0].rtcp_mux);
	assert_int_equal(o->n_bundle, 3);
	assert_non_null(sdp_media_format(&o->media[0], 111));
	assert_non_null(sdp_media_format(&o->media[1], 96));
	assert_int_equal(sdp_media_format(&o->media[1], 97)->apt, 96);
	assert_true(strncmp(o->media[0].fingerprint, "sha-256 ", 8) == 0);
	free(o);
	/* Its loopback candidate trickles, then the end of candidates. */
	json_t *cand = wait_for(1, "candidate", &cur);
	const char *line = json_string_value(json_object_get(json_object_get(cand, "candidate"), "candidate"));
	assert_non_null(strstr(line, "127.0.0.1"));
	sfu_leave(0, "first", "pa", "left");
}

static void test_publish_subscribe_and_reuse(void **state)
{
	guint ca = 0, cb = 0, cc = 0;
	join_and_publish(10, "pa", &ca, 1000);
	join_and_publish(11, "pb", &cb, 2000);
	/* A learns that B joined, and gets an offer with B's two tracks. */
	json_t *pj = wait_for(10, "participant_joined", &ca);
	assert_string_equal(json_string_value(json_object_get(json_object_get(pj, "participant"), "id")), "pb");
	json_t *offer = NULL;
	answer_latest(10, "pa", &ca, &offer);
	struct sdp_session *o = parse(sdp_of(offer));
	assert_int_equal(o->n_media, 5);
	assert_int_equal(o->media[3].direction, SDP_SENDONLY);
	assert_int_equal(o->media[4].direction, SDP_SENDONLY);
	assert_non_null(strstr(o->media[4].msid, "pb"));
	assert_int_equal(o->media[4].n_ssrcs, 2); /* media + RTX */
	uint32_t video_ssrc = o->media[4].ssrcs[0].ssrc;
	json_t *tracks = json_object_get(offer, "tracks");
	assert_int_equal(json_array_size(tracks), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tracks, 0), "participant")), "pb");
	free(o);

	/* B leaves: A's sections for B go inactive in the next offer. */
	sfu_leave(0, "neg", "pb", "left");
	json_t *left = wait_for(10, "participant_left", &ca);
	assert_string_equal(json_string_value(json_object_get(left, "id")), "pb");
	answer_latest(10, "pa", &ca, &offer);
	o = parse(sdp_of(offer));
	assert_int_equal(o->n_media, 5);
	assert_int_equal(o->media[3].direction, SDP_INACTIVE);
	assert_int_equal(o->media[4].direction, SDP_INACTIVE);
	assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 0);
	free(o);

	/* C publishes: A reuses the same m-sections, SSRCs kept for continuity. */
	join_and_publish(12, "pc", &cc, 3000);
	answer_latest(10, "pa", &ca, &offer);
	o = parse(sdp_of(offer));
	assert_int_equal(o->n_media, 5);
	assert_int_equal(o->media[4].direction, SDP_SENDONLY);
	assert_non_null(strstr(o->media[4].msid, "pc"));
	assert_int_equal(o->media[4].ssrcs[0].ssrc, video_ssrc);
	free(o);
	sfu_leave(0, "neg", "pc", "left");
	sfu_leave(0, "neg", "pa", "left");
}

static void expect_answer_error(uint64_t session, const char *pid, const char *sdp,
				const char *code, guint *cur)
{
	sfu_answer(0, "bad", pid, sdp);
	json_t *err = wait_for(session, "error", cur);
	assert_string_equal(json_string_value(json_object_get(err, "code")), code);
}

static void test_refused_answers(void **state)
{
	guint cur = 0;
	join("bad", "px", "X", 20, true, true);
	json_t *offer = wait_for(20, "offer", &cur);
	char *good = answer_for(sdp_of(offer), false, 1);
	expect_answer_error(20, "px", "garbage", "bad_sdp", &cur);
	expect_answer_error(20, "px", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "bad_sdp", &cur);
	/* Wrong mid. */
	char *wrong = g_strdup(good);
	char *mid = strstr(wrong, "a=mid:1");
	mid[6] = '7';
	expect_answer_error(20, "px", wrong, "bad_sdp", &cur);
	/* No fingerprint. */
	GString *nofp = g_string_new(good);
	char *fp;
	while ((fp = strstr(nofp->str, "a=fingerprint:")))
		fp[2] = 'X';
	expect_answer_error(20, "px", nofp->str, "bad_sdp", &cur);
	/* setup:actpass is not an answer. */
	gchar **parts = g_strsplit(good, "a=setup:active", -1);
	gchar *actpass = g_strjoinv("a=setup:actpass", parts);
	g_strfreev(parts);
	expect_answer_error(20, "px", actpass, "bad_sdp", &cur);
	/* Sending video with a payload type that was never offered. */
	char *pub = answer_for(sdp_of(offer), true, 500);
	char *mv = strstr(pub, "m=video 9 UDP/TLS/RTP/SAVPF");
	char *eol = strstr(mv, "\r\n");
	GString *odd = g_string_new_len(pub, mv - pub);
	g_string_append(odd, "m=video 9 UDP/TLS/RTP/SAVPF 100");
	g_string_append(odd, eol);
	expect_answer_error(20, "px", odd->str, "bad_sdp", &cur);
	g_string_free(odd, TRUE);
	g_free(pub);
	/* The good one is taken; a second answer is out of order. */
	sfu_answer(0, "bad", "px", good);
	expect_answer_error(20, "px", good, "out_of_order", &cur);
	g_free(good);
	g_free(wrong);
	g_string_free(nofp, TRUE);
	g_free(actpass);
	sfu_leave(0, "bad", "px", "left");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_offer),
		cmocka_unit_test(test_publish_subscribe_and_reuse),
		cmocka_unit_test(test_refused_answers),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	teardown(NULL);
	return rc;
}
