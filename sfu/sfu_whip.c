/* WHIP entry points: the offer is read into a plan on the caller's thread
 * (whip_negotiation.c), the plan moves to the room's worker with the call,
 * and there it becomes a participant, an ICE controlled-side transport, the
 * producers and the answer, all in one dispatch, so no packet can see a
 * half-made publisher. */
#include "sfu/sfu_whip.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/sfu.h"
#include "sfu/transport/dtls.h"
#include "sfu/transport/transport.h"
#include "sfu/whip_negotiation.h"
#include "sfu/worker.h"
#include "sfu/worker_call.h"

/* What comes back from the worker: {"rc", "error"} or {"rc": 0, "answer"}. */
static json_t *result(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static json_t *result(int rc, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:i, s:s}", "rc", rc, "error", msg);
}

/* rc of a worker's result (copying its message into err), or -ETIMEDOUT. */
static int result_rc(json_t *res, bool timed_out, char *err, size_t errlen)
{
	if (!res) {
		snprintf(err, errlen, "%s", timed_out ? "the media worker did not answer in time" : "out of memory");
		return timed_out ? -ETIMEDOUT : -ENOMEM;
	}
	int rc = (int)json_integer_value(json_object_get(res, "rc"));
	const char *msg = json_string_value(json_object_get(res, "error"));
	if (rc && msg)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

/* ---- publish ---- */

struct publish_job {
	char room[ROOM_NAME_MAX];
	char pid[PARTICIPANT_ID_MAX];
	char name[PARTICIPANT_NAME_MAX];
	char identity[PARTICIPANT_NAME_MAX];
	uint64_t session_id;
	struct whip_offer *offer;   /* owned */
};

static void free_publish_job(void *arg)
{
	struct publish_job *job = arg;
	free(job->offer);
	free(job);
}

static void collect_candidate(void *arg, const char *candidate)
{
	g_ptr_array_add(arg, g_strdup(candidate));
}

/* The answer, once the transport knows the client and has gathered. Host
 * candidates only: libnice gathers them inside transport_gather, so the
 * answer has them all and can say end-of-candidates (WHIP cannot trickle
 * from the server to the client). */
static char *answer(struct participant *p, const struct whip_offer *o)
{
	const char *ufrag, *pwd;
	transport_local_credentials(p->transport, &ufrag, &pwd);
	GPtrArray *cands = g_ptr_array_new_with_free_func(g_free);
	transport_local_candidates(p->transport, collect_candidate, cands);
	p->sdp_session_id = g_random_int() & 0x7fffffff;
	struct whip_local local = {
		.session_id = p->sdp_session_id,
		.ice_ufrag = ufrag,
		.ice_pwd = pwd,
		.fingerprint = dtls_identity_fingerprint(sfu_identity()),
		.candidates = (const char *const *)cands->pdata,
		.n_candidates = cands->len,
		.end_of_candidates = transport_gathering_done(p->transport),
	};
	if (!local.end_of_candidates)
		log_warn(LOGS_ICE, "room %s participant %s: answering before gathering finished",
			 p->room->name, p->id);
	char *sdp = whip_answer_write(o, &local);
	g_ptr_array_free(cands, TRUE);
	return sdp;
}

static int publish_section(struct participant *p, const struct whip_section *w)
{
	struct producer **slot = w->kind == SDP_KIND_AUDIO ? &p->audio : &p->video;
	int rc = producer_create(slot, p, w->kind, w->codec, w->ssrc, w->rtx_ssrc);
	if (rc)
		return rc;
	producer_set_client_numbering(*slot, w->pt, w->rtx_pt, &w->ext_in);
	log_info(LOGS_ROOM, "room %s participant %s publishes %s %s over WHIP (pt %u as %u, ssrc %u)",
		 p->room->name, p->id, w->kind == SDP_KIND_AUDIO ? "audio" : "video", w->codec->name,
		 w->pt, w->codec->pt, w->ssrc);
	return 0;
}

/* Everything after room_add_participant; on failure the caller removes p. */
static int set_up(struct participant *p, const struct whip_offer *o, char **sdp, char *err,
		  size_t errlen)
{
	const struct whip_section *a = o->audio >= 0 ? &o->sections[o->audio] : NULL;
	const struct whip_section *v = o->video >= 0 ? &o->sections[o->video] : NULL;
	/* One transport-wide sequence for the bundle; video's id wins a mismatch. */
	p->ext_in.twcc = v && v->ext_in.twcc ? v->ext_in.twcc : a ? a->ext_in.twcc : 0;
	p->ext_in.audio_level = a ? a->ext_in.audio_level : 0;
	p->ext_in.video_orientation = v ? v->ext_in.video_orientation : 0;
	const struct whip_section *taken[2] = { a, v };
	for (int i = 0; i < 2; i++) {
		if (!taken[i])
			continue;
		struct section *s = &p->sections[p->n_sections++];
		s->role = SECTION_PUBLISH;
		s->kind = taken[i]->kind;
		/* For logs only: the answer writes the client's mid in full. */
		g_strlcpy(s->mid, taken[i]->mid, sizeof(s->mid));
	}
	if (transport_set_remote(p->transport, o->ice_ufrag, o->ice_pwd, o->fingerprint, o->peer_setup)) {
		snprintf(err, errlen, "ICE credentials or DTLS fingerprint not usable");
		return -EINVAL;
	}
	for (unsigned i = 0; i < o->n_candidates; i++)
		if (transport_add_remote_candidate(p->transport, o->candidates[i]))
			log_debug(LOGS_ICE, "room %s participant %s: candidate skipped: %s", p->room->name,
				  p->id, o->candidates[i]);
	if (o->end_of_candidates)
		transport_add_remote_candidate(p->transport, NULL);
	if (transport_gather(p->transport)) {
		snprintf(err, errlen, "ICE gathering failed");
		return -EIO;
	}
	*sdp = answer(p, o);
	for (int i = 0; i < 2; i++) {
		if (taken[i] && publish_section(p, taken[i])) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static json_t *run_publish(struct worker *w, void *arg)
{
	struct publish_job *job = arg;
	struct room *r = g_hash_table_lookup(w->rooms, job->room);
	if (r && room_find_participant(r, job->pid))
		return result(-EEXIST, "participant id %s is taken", job->pid);
	r = room_get_or_create(w, job->room);
	struct participant_info info = {
		.id = job->pid, .name = job->name, .identity = job->identity, .kind = PARTICIPANT_WHIP,
		.can_publish = true, .can_subscribe = false, .session_id = job->session_id,
	};
	if (room_add_participant(r, &info)) {
		if (r->participants->len == 0)
			room_destroy(r);
		return result(-EIO, "could not set up the media transport");
	}
	struct participant *p = room_find_participant(r, job->pid);
	char *sdp = NULL, err[160] = "";
	int rc = set_up(p, job->offer, &sdp, err, sizeof(err));
	if (rc) {
		log_info(LOGS_ROOM, "room %s participant %s: WHIP setup failed: %s", r->name, p->id, err);
		g_free(sdp);
		room_remove_participant(r, p, "error");
		return result(rc, "%s", err);
	}
	/* Only now do the others subscribe: the producers are complete. */
	if (p->audio)
		room_on_producer(r, p->audio);
	if (p->video)
		room_on_producer(r, p->video);
	json_t *res = json_pack("{s:i, s:s}", "rc", 0, "answer", sdp);
	g_free(sdp);
	return res;
}

int sfu_whip_publish(unsigned worker, const char *room, const struct participant_info *info,
		     const char *offer, size_t len, char **answer_out, char *err, size_t errlen)
{
	*answer_out = NULL;
	struct publish_job *job = calloc(1, sizeof(*job));
	if (!job || !(job->offer = malloc(sizeof(*job->offer)))) {
		free(job);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	unsigned n_video;
	const struct codec *const *video = sfu_video_codecs(&n_video);
	int rc = whip_offer_read(job->offer, offer, len, video, n_video, err, errlen);
	if (rc) {
		free_publish_job(job);
		return rc;
	}
	g_strlcpy(job->room, room, sizeof(job->room));
	g_strlcpy(job->pid, info->id, sizeof(job->pid));
	g_strlcpy(job->name, info->name, sizeof(job->name));
	g_strlcpy(job->identity, info->identity ? info->identity : "", sizeof(job->identity));
	job->session_id = info->session_id;
	bool timed_out = false;
	json_t *res = worker_call(worker_get(worker), run_publish, job, free_publish_job,
				  SFU_WHIP_TIMEOUT_MS, &timed_out);
	rc = result_rc(res, timed_out, err, errlen);
	if (rc == 0)
		*answer_out = g_strdup(json_string_value(json_object_get(res, "answer")));
	json_decref(res);
	return rc;
}

/* ---- trickle ---- */

struct trickle_job {
	char room[ROOM_NAME_MAX];
	char pid[PARTICIPANT_ID_MAX];
	struct whip_sdpfrag frag;
};

static json_t *run_trickle(struct worker *w, void *arg)
{
	struct trickle_job *job = arg;
	struct room *r = g_hash_table_lookup(w->rooms, job->room);
	struct participant *p = r ? room_find_participant(r, job->pid) : NULL;
	if (!p || p->kind != PARTICIPANT_WHIP || p->leaving)
		return result(-ENOENT, "no such WHIP session");
	if (job->frag.ice_ufrag[0] && strcmp(job->frag.ice_ufrag, transport_remote_ufrag(p->transport)))
		return result(-EOPNOTSUPP, "ICE restarts are not supported");
	unsigned skipped = 0;
	for (unsigned i = 0; i < job->frag.n_candidates; i++)
		skipped += transport_add_remote_candidate(p->transport, job->frag.candidates[i]) != 0;
	if (skipped)
		log_debug(LOGS_ICE, "room %s participant %s: %u of %u trickled candidates skipped",
			  r->name, p->id, skipped, job->frag.n_candidates);
	if (job->frag.end_of_candidates)
		transport_add_remote_candidate(p->transport, NULL);
	return json_pack("{s:i}", "rc", 0);
}

int sfu_whip_trickle(unsigned worker, const char *room, const char *pid, const char *sdpfrag,
		     size_t len, char *err, size_t errlen)
{
	struct trickle_job *job = calloc(1, sizeof(*job));
	if (!job) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = whip_sdpfrag_read(&job->frag, sdpfrag, len, err, errlen);
	if (rc) {
		free(job);
		return rc;
	}
	g_strlcpy(job->room, room, sizeof(job->room));
	g_strlcpy(job->pid, pid, sizeof(job->pid));
	bool timed_out = false;
	json_t *res = worker_call(worker_get(worker), run_trickle, job, free, SFU_WHIP_TIMEOUT_MS,
				  &timed_out);
	rc = result_rc(res, timed_out, err, errlen);
	json_decref(res);
	return rc;
}
