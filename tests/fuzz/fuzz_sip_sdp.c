/* libFuzzer target for sip/sip_sdp.c (and the sfu/sdp.c hook under it): any
 * input must parse or fail cleanly; what parses is negotiated as an offer and
 * as an answer to our offer, under two configurations; every success must
 * keep the header's invariants and yield an answer our own parser reads back
 * with the same m-lines and the chosen codec, transport and key. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sip/sip_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)
#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_audio(const struct sip_media_offer *o, const struct sip_sdp_audio *a)
{
	CHECK(a->media < o->n_media && !strcmp(o->media[a->media].kind, "audio"));
	CHECK(a->port == o->media[a->media].port);
	CHECK(TERMINATED(a->proto) && TERMINATED(a->address) && TERMINATED(a->rtcp_address) &&
	      TERMINATED(a->crypto_problem) && TERMINATED(a->formats));
	CHECK(a->family == 0 || a->family == AF_INET || a->family == AF_INET6);
	CHECK(!a->hold_address || a->family);
	CHECK(a->direction <= SDP_INACTIVE && a->profile <= SIP_PROFILE_OTHER);
	CHECK(a->n_codecs <= SIP_SDP_MAX_CODECS && a->n_crypto <= SIP_SDP_MAX_CRYPTO);
	CHECK(a->te_8000_pt >= -1 && a->te_8000_pt <= 127 && a->te_48000_pt >= -1 && a->te_48000_pt <= 127);
	CHECK(a->ptime <= 1000 && a->maxptime <= 1000);
	for (unsigned i = 0; i < a->n_codecs; i++)
		CHECK(a->codecs[i].codec < SIP_CODEC_COUNT && a->codecs[i].pt <= 127);
	for (unsigned i = 0; i < a->n_crypto; i++) {
		const struct sip_sdp_crypto *c = &a->crypto[i];
		CHECK(c->suite > SIP_SRTP_NONE && c->suite < SIP_SRTP_SUITE_COUNT);
		CHECK(c->key_len == sip_srtp_suite_key_len(c->suite) && c->tag <= 999999999);
	}
	CHECK(a->n_crypto_refused == 0 || a->crypto_problem[0]);
}

static void check_choice(const struct sip_media_offer *o, const struct sip_local_caps *caps,
			 const struct sip_media_choice *c)
{
	bool in_caps = false;
	for (unsigned i = 0; i < caps->n_codecs; i++)
		in_caps |= caps->codecs[i] == c->codec;
	CHECK(in_caps && c->send_pt <= 127 && c->recv_pt <= 127);
	CHECK(c->media < o->n_media && c->port && !strcmp(o->media[c->media].kind, "audio"));
	CHECK(c->family == AF_INET || c->family == AF_INET6);
	CHECK(c->profile != SIP_PROFILE_OTHER && c->direction <= SDP_INACTIVE);
	CHECK(c->send == (c->direction == SDP_SENDRECV || c->direction == SDP_SENDONLY));
	CHECK(c->recv == (c->direction == SDP_SENDRECV || c->direction == SDP_RECVONLY));
	CHECK(c->send_ptime >= 10 && c->send_ptime <= 60);
	CHECK(c->key_len == sip_srtp_suite_key_len(c->srtp));
	CHECK((c->srtp != SIP_SRTP_NONE) == (c->profile == SIP_PROFILE_SAVP || c->profile == SIP_PROFILE_SAVPF));
	CHECK(!c->telephone_event || c->te_clock == 8000 || c->te_clock == 48000);
	CHECK(!c->rtcp_mux || (c->rtcp_port == c->port && caps->rtcp_mux));
}

/* Our answer must read back as what we chose. */
static void check_answer(const struct sip_media_offer *o, const struct sip_media_choice *c,
			 const struct sip_local_media *local, struct sip_sdp_origin *origin,
			 struct sip_media_offer *back, struct sdp_session *scratch)
{
	char err[256];
	char *sdp = sip_sdp_build_answer(o, c, local, origin);
	CHECK(sdp);
	size_t n = strlen(sdp);
	CHECK(n >= 2 && sdp[n - 1] == '\n' && sdp[n - 2] == '\r');
	CHECK(sip_sdp_parse_with(back, scratch, sdp, n, err, sizeof err) == 0);
	CHECK(back->n_media == o->n_media && back->n_audio >= 1);
	const struct sip_sdp_audio *a = NULL;
	for (unsigned i = 0; i < back->n_audio; i++)
		if (back->audio[i].media == c->media)
			a = &back->audio[i];
	CHECK(a && a->port == local->port && a->n_codecs == 1);
	CHECK(a->codecs[0].codec == c->codec && a->codecs[0].pt == c->recv_pt);
	CHECK(a->n_crypto == (c->srtp != SIP_SRTP_NONE));
	CHECK(!a->n_crypto || (a->crypto[0].tag == c->crypto_tag && a->crypto[0].suite == c->srtp &&
			       !memcmp(a->crypto[0].key, local->srtp_key, c->key_len)));
	for (unsigned i = 0; i < back->n_media; i++)
		CHECK(i == c->media || back->media[i].port == 0);
	free(sdp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_media_offer *o, *back;
	static struct sdp_session *scratch;
	static struct sip_local_caps caps[2];
	static struct sip_local_media local;
	struct sip_media_choice choice;
	struct sip_sdp_origin origin;
	char err[256];
	if (!o) {
		o = malloc(sizeof *o);
		back = malloc(sizeof *back);
		scratch = malloc(sizeof *scratch);
		CHECK(o && back && scratch);
		sip_local_caps_init(&caps[0], false);
		sip_local_caps_init(&caps[1], true);
		caps[1].n_suites = 0;
		for (int s = SIP_SRTP_SUITE_COUNT - 1; s > SIP_SRTP_NONE; s--)
			caps[1].suites[caps[1].n_suites++] = (enum sip_srtp_suite)s;
		caps[1].offer_srtp = true;
		caps[1].rtcp_mux = false;
		memcpy(local.address, "192.0.2.1", 10);
		local.port = 30000;
		local.direction = SDP_SENDRECV;
		for (unsigned i = 0; i < SIP_SRTP_MAX_KEY; i++)
			local.srtp_key[i] = (uint8_t)(i * 7 + 1);
	}
	memset(err, 'z', sizeof err);
	/* the lent session makes this fast under ASan; sip_sdp_parse is the same code */
	int rc = sip_sdp_parse_with(o, scratch, (const char *)data, size, err, sizeof err);
	CHECK(TERMINATED(err));
	if (rc) {
		CHECK((rc == -EINVAL || rc == -E2BIG) && err[0] && o->n_media == 0 && o->n_audio == 0);
		return 0;
	}
	CHECK(o->n_media <= SIP_SDP_MAX_MEDIA && o->n_audio <= SIP_SDP_MAX_AUDIO && o->n_audio <= o->n_media);
	for (unsigned i = 0; i < o->n_media; i++)
		CHECK(TERMINATED(o->media[i].kind) && TERMINATED(o->media[i].proto) &&
		      TERMINATED(o->media[i].format) && o->media[i].format[0]);
	for (unsigned i = 0; i < o->n_audio; i++)
		check_audio(o, &o->audio[i]);
	for (unsigned k = 0; k < 2; k++) {
		sip_sdp_origin_init(&origin, 5);
		local.direction = (enum sdp_direction)(k ? (size ? data[0] % 4 : 0) : SDP_SENDRECV);
		rc = sip_sdp_negotiate(o, &caps[k], &local, &choice, err, sizeof err);
		CHECK(rc == 0 || (rc == -ENOTSUP && err[0]));
		if (!rc) {
			check_choice(o, &caps[k], &choice);
			check_answer(o, &choice, &local, &origin, back, scratch);
		}
		rc = sip_sdp_negotiate_answer(o, &caps[k], &local, &choice, err, sizeof err);
		CHECK(rc == 0 || (rc == -ENOTSUP && err[0]));
		if (!rc)
			check_choice(o, &caps[k], &choice);
	}
	return 0;
}
