/* libFuzzer target for sfu/whip_negotiation.c: any input read as a WHIP
 * offer must be refused cleanly or give a plan whose answer is itself valid
 * SDP with one m-section per offered one, taken ones recvonly; and any
 * input read as a trickle fragment must be refused cleanly or give
 * terminated candidate lines. */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/sdp.h"
#include "sfu/whip_negotiation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void check_answer(const struct whip_offer *o)
{
	static struct sdp_session *a;
	if (!a && !(a = calloc(1, sizeof(*a))))
		abort();
	const char *cands[] = { "candidate:1 1 udp 2015363327 127.0.0.1 40000 typ host" };
	struct whip_local l = {
		.session_id = 1, .ice_ufrag = "abcd", .ice_pwd = "abcdefghijklmnopqrstuv",
		.fingerprint = "sha-256 AA:BB", .candidates = cands, .n_candidates = 1,
		.end_of_candidates = true,
	};
	char *sdp = whip_answer_write(o, &l);
	char err[128];
	if (sdp_parse(a, sdp, strlen(sdp), err, sizeof(err)) || a->n_media != o->n_sections)
		abort();
	for (unsigned i = 0; i < a->n_media; i++) {
		const struct whip_section *w = &o->sections[i];
		if (w->accepted != (a->media[i].port != 0))
			abort();
		if (w->accepted && (a->media[i].direction != SDP_RECVONLY || !sdp_media_format(&a->media[i], w->pt)))
			abort();
	}
	g_free(sdp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct whip_offer *o;
	static struct whip_sdpfrag *f;
	static const struct codec *video[CODEC_MAX_VIDEO];
	static int n_video;
	char err[160];
	if (!o) {
		o = calloc(1, sizeof(*o));
		f = calloc(1, sizeof(*f));
		n_video = codec_parse_video_list("vp8,vp9,h264,av1", video, CODEC_MAX_VIDEO, err, sizeof(err));
		if (!o || !f || n_video < 1)
			abort();
	}
	memset(err, 'z', sizeof(err));
	int rc = whip_offer_read(o, (const char *)data, size, video, (unsigned)n_video, err, sizeof(err));
	if (!TERMINATED(err))
		abort();
	if (rc) {
		if (rc != -EINVAL || !err[0] || o->n_sections || o->audio != -1 || o->video != -1)
			abort();
	} else {
		if ((o->audio < 0 && o->video < 0) || o->n_sections > SDP_MAX_MEDIA ||
		    o->n_candidates > SDP_MAX_CANDIDATES || !o->ice_ufrag[0] || !o->fingerprint[0])
			abort();
		check_answer(o);
	}
	memset(err, 'z', sizeof(err));
	rc = whip_sdpfrag_read(f, (const char *)data, size, err, sizeof(err));
	if (rc && (rc != -EINVAL || !TERMINATED(err)))
		abort();
	for (unsigned i = 0; !rc && i < f->n_candidates; i++)
		if (!TERMINATED(f->candidates[i]) || strncmp(f->candidates[i], "candidate:", 10))
			abort();
	return 0;
}
