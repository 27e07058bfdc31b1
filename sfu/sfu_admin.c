/* Admin commands run on the room's worker through worker_call; the JSON
 * they build there is a copy, so the HTTP thread never reads worker state. */
#include "sfu/sfu_admin.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/sfu.h"
#include "sfu/worker.h"
#include "sfu/worker_call.h"

struct admin_args {
	char room[ROOM_NAME_MAX];
	char pid[PARTICIPANT_ID_MAX];
	char reason[64];
	int audio, video;
	unsigned worker;
};

static struct admin_args *args_new(const char *room, const char *pid, const char *reason)
{
	struct admin_args *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	g_strlcpy(a->room, room, sizeof(a->room));
	g_strlcpy(a->pid, pid ? pid : "", sizeof(a->pid));
	g_strlcpy(a->reason, reason ? reason : "", sizeof(a->reason));
	return a;
}

static struct participant *find(struct worker *w, const struct admin_args *a, struct room **room)
{
	struct room *r = g_hash_table_lookup(w->rooms, a->room);
	*room = r;
	return r ? room_find_participant(r, a->pid) : NULL;
}

static json_t *track_json(const struct participant *p, const struct producer *prod)
{
	bool audio = prod->kind == SDP_KIND_AUDIO;
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I}", "id", prod->track_id, "kind",
			 audio ? "audio" : "video", "codec", prod->codec->name, "muted",
			 audio ? p->audio_muted || p->audio_blocked : p->video_muted || p->video_blocked,
			 "server_muted", audio ? p->audio_blocked : p->video_blocked,
			 "bitrate_bps", (json_int_t)prod->bitrate_bps,
			 "packets_received", (json_int_t)prod->received,
			 "packets_lost", (json_int_t)producer_packets_lost(prod));
}

/* Round-trip time as its receivers' reports measure it: the mean over the
 * m-sections it receives on; null until one report came back. */
static json_t *rtt_json(const struct participant *p)
{
	int sum = 0, n = 0;
	for (unsigned i = 0; i < p->n_sections; i++) {
		const struct section *s = &p->sections[i];
		if (s->role == SECTION_CONSUME && s->consumer.producer && s->consumer.rtt_ms >= 0) {
			sum += s->consumer.rtt_ms;
			n++;
		}
	}
	return n ? json_integer(sum / n) : json_null();
}

static json_t *participant_snapshot(const struct participant *p, int64_t mono_now, int64_t real_now)
{
	json_t *tracks = json_array();
	if (p->audio)
		json_array_append_new(tracks, track_json(p, p->audio));
	if (p->video)
		json_array_append_new(tracks, track_json(p, p->video));
	int64_t joined_ms = (real_now - (mono_now - p->joined_us)) / 1000;
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:o, s:o, s:b, s:{s:b, s:b}}", "id", p->id,
			 "name", p->name, "identity", p->identity, "kind", participant_kind_name(p->kind),
			 "joined_at", (json_int_t)joined_ms, "can_publish", p->can_publish,
			 "can_subscribe", p->can_subscribe, "tracks", tracks, "rtt_ms", rtt_json(p),
			 "connected", p->connected, "server_muted", "audio", p->audio_blocked,
			 "video", p->video_blocked);
}

static json_t *run_participants(struct worker *w, void *arg)
{
	struct room *r = g_hash_table_lookup(w->rooms, ((struct admin_args *)arg)->room);
	json_t *list = json_array();
	int64_t mono = g_get_monotonic_time(), real = g_get_real_time();
	for (guint i = 0; r && i < r->participants->len; i++)
		json_array_append_new(list, participant_snapshot(r->participants->pdata[i], mono, real));
	return list;
}

json_t *sfu_admin_participants(unsigned worker, const char *room)
{
	bool timed_out;
	return worker_call(worker_get(worker), run_participants, args_new(room, NULL, NULL), free,
			   SFU_ADMIN_TIMEOUT_MS, &timed_out);
}

static json_t *run_remove(struct worker *w, void *arg)
{
	struct admin_args *a = arg;
	struct room *r;
	struct participant *p = find(w, a, &r);
	if (!p)
		return json_false();
	log_info(LOGS_ROOM, "room %s: removing %s (%s) through the API", r->name, p->id, p->name);
	sfu_send(p->session_id, json_pack("{s:s, s:s}", "type", "bye", "reason", a->reason), true);
	room_remove_participant(r, p, a->reason);
	return json_true();
}

static int result_code(json_t *res, bool timed_out)
{
	int rc = timed_out ? -ETIMEDOUT : json_is_true(res) || json_is_object(res) ? 0 : -ENOENT;
	return rc;
}

int sfu_admin_remove(unsigned worker, const char *room, const char *pid, const char *reason)
{
	bool timed_out;
	json_t *res = worker_call(worker_get(worker), run_remove, args_new(room, pid, reason), free,
				  SFU_ADMIN_TIMEOUT_MS, &timed_out);
	int rc = result_code(res, timed_out);
	json_decref(res);
	return rc;
}

static void tell_muted(struct room *r, struct participant *p, const char *kind, bool muted)
{
	json_t *msg = json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", "muted", "id", p->id, "kind", kind,
				"muted", muted, "by", "server");
	participant_notify(p, json_incref(msg));
	room_broadcast(r, p, msg);
}

static json_t *run_mute(struct worker *w, void *arg)
{
	struct admin_args *a = arg;
	struct room *r;
	struct participant *p = find(w, a, &r);
	if (!p)
		return json_false();
	if (a->audio >= 0 && (bool)a->audio != p->audio_blocked) {
		participant_block_media(p, SDP_KIND_AUDIO, a->audio);
		tell_muted(r, p, "audio", a->audio);
	}
	if (a->video >= 0 && (bool)a->video != p->video_blocked) {
		participant_block_media(p, SDP_KIND_VIDEO, a->video);
		tell_muted(r, p, "video", a->video);
	}
	log_info(LOGS_ROOM, "room %s: %s muted by the API: audio %s, video %s", r->name, p->id,
		 p->audio_blocked ? "off" : "on", p->video_blocked ? "off" : "on");
	return json_pack("{s:b, s:b}", "audio", p->audio_blocked, "video", p->video_blocked);
}

int sfu_admin_mute(unsigned worker, const char *room, const char *pid, int audio, int video,
		   json_t **state)
{
	struct admin_args *a = args_new(room, pid, NULL);
	a->audio = audio;
	a->video = video;
	bool timed_out;
	json_t *res = worker_call(worker_get(worker), run_mute, a, free, SFU_ADMIN_TIMEOUT_MS, &timed_out);
	int rc = result_code(res, timed_out);
	if (rc == 0 && state)
		*state = json_incref(res);
	json_decref(res);
	return rc;
}

static void run_end_room(void *arg)
{
	struct admin_args *a = arg;
	struct worker *w = worker_get(a->worker);
	struct room *r = g_hash_table_lookup(w->rooms, a->room);
	if (r) {
		log_info(LOGS_ROOM, "room %s: ended through the API (%u present)", r->name,
			 r->participants->len);
		for (guint i = 0; i < r->participants->len; i++) {
			struct participant *p = r->participants->pdata[i];
			sfu_send(p->session_id, json_pack("{s:s, s:s}", "type", "bye", "reason", a->reason), true);
		}
		room_destroy(r);
	}
	free(a);
}

void sfu_admin_end_room(unsigned worker, const char *room, const char *reason)
{
	struct admin_args *a = args_new(room, NULL, reason);
	a->worker = worker;
	worker_post(worker_get(worker), run_end_room, a);
}
