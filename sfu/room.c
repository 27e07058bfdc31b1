/* Rooms on a worker: membership, wiring new producers to every other
 * participant, the active speaker, and a 100 ms tick for keyframe requests
 * and (every second) RTCP reports. */
#include "sfu/room.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/sfu.h"
#include "sfu/sfu_sip.h"
#include "sfu/worker.h"

#define TICK_MS 100
#define REPORT_EVERY 10         /* ticks: RTCP once a second */
#define SPEAKER_EVERY 5         /* ticks: loudness is judged every 500 ms */
#define SPEAKER_HOLD_US 1500000 /* a new speaker must wait this long after the last switch */
#define SPEAKER_MIN_SCORE 20    /* mean (127 - level): quieter than about -107 dBov is silence */

static gboolean on_tick(gpointer data);

static json_t *track_json(const struct room *r, const struct producer *prod)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "room", r->name, "participant_id", prod->owner->id,
			 "track_id", prod->track_id, "kind", prod->kind == SDP_KIND_AUDIO ? "audio" : "video",
			 "codec", prod->codec->name);
}

static void emit_unpublished(const struct room *r, const struct producer *prod)
{
	if (prod)
		sfu_emit("track_unpublished", track_json(r, prod));
}

struct room *room_get_or_create(struct worker *w, const char *name)
{
	struct room *r = g_hash_table_lookup(w->rooms, name);
	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->worker = w;
	g_strlcpy(r->name, name, sizeof(r->name));
	r->participants = g_ptr_array_new();
	r->tick = g_timeout_source_new(TICK_MS);
	g_source_set_callback(r->tick, on_tick, r, NULL);
	g_source_attach(r->tick, w->ctx);
	g_hash_table_insert(w->rooms, r->name, r);
	log_info(LOGS_ROOM, "room %s created on worker %u", r->name, w->index);
	sfu_emit("room_started", json_pack("{s:s}", "room", r->name));
	return r;
}

void room_destroy(struct room *r)
{
	if (!r)
		return;
	/* Producers first, so no consumer is left pointing at a freed one. */
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *p = r->participants->pdata[i];
		p->leaving = true;
		emit_unpublished(r, p->audio);
		emit_unpublished(r, p->video);
		sfu_emit("participant_left", json_pack("{s:s, s:s, s:s}", "room", r->name,
						       "participant_id", p->id, "reason", "room_ended"));
		producer_destroy(p->audio);
		producer_destroy(p->video);
		p->audio = p->video = NULL;
	}
	for (guint i = 0; i < r->participants->len; i++)
		participant_destroy(r->participants->pdata[i]);
	g_ptr_array_free(r->participants, TRUE);
	g_source_destroy(r->tick);
	g_source_unref(r->tick);
	g_hash_table_remove(r->worker->rooms, r->name);
	log_info(LOGS_ROOM, "room %s ended", r->name);
	sfu_emit("room_ended", json_pack("{s:s}", "room", r->name));
	free(r);
}

struct participant *room_find_participant(struct room *r, const char *id)
{
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *p = r->participants->pdata[i];
		if (strcmp(p->id, id) == 0)
			return p;
	}
	return NULL;
}

json_t *room_participant_json(const struct participant *p)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:b}", "id", p->id, "name", p->name, "kind",
			 participant_kind_name(p->kind), "audio_muted", p->audio_muted || p->audio_blocked,
			 "video_muted", p->video_muted || p->video_blocked);
}

void room_broadcast(struct room *r, struct participant *except, json_t *msg)
{
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *p = r->participants->pdata[i];
		if (p != except && !p->leaving)
			participant_notify(p, json_incref(msg));
	}
	json_decref(msg);
}

static void subscribe_to_existing(struct room *r, struct participant *p)
{
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *other = r->participants->pdata[i];
		if (other == p)
			continue;
		if (other->audio)
			participant_subscribe(p, other->audio);
		if (other->video)
			participant_subscribe(p, other->video);
	}
}

int room_add_participant(struct room *r, const struct participant_info *info)
{
	struct participant *p;
	int rc = participant_create(&p, r, info);
	if (rc)
		return rc;
	json_t *others = json_array();
	for (guint i = 0; i < r->participants->len; i++)
		json_array_append_new(others, room_participant_json(r->participants->pdata[i]));
	g_ptr_array_add(r->participants, p);
	participant_notify(p, json_pack("{s:s, s:s, s:s, s:o}", "type", "joined", "room", r->name,
					"id", p->id, "participants", others));
	room_broadcast(r, p, json_pack("{s:s, s:o}", "type", "participant_joined", "participant",
				       room_participant_json(p)));
	if (p->can_subscribe)
		subscribe_to_existing(r, p);
	participant_renegotiate(p);
	if (p->kind == PARTICIPANT_SIP && sfu_sip_attach(r, p))
		log_error(LOGS_ROOM, "room %s: %s (%s) cannot publish its voice", r->name, p->id, p->name);
	log_info(LOGS_ROOM, "room %s: %s (%s) joined, %u present", r->name, p->id, p->name,
		 r->participants->len);
	sfu_emit("participant_joined", json_pack("{s:s, s:o}", "room", r->name, "participant",
						 room_participant_json(p)));
	return 0;
}

void room_remove_participant(struct room *r, struct participant *p, const char *reason)
{
	if (!g_ptr_array_remove(r->participants, p))
		return;
	p->leaving = true;
	if (r->speaker == p)
		r->speaker = NULL;
	if (p->kind == PARTICIPANT_SIP)
		sfu_sip_detach(r, p);
	log_info(LOGS_ROOM, "room %s: %s (%s) left: %s", r->name, p->id, p->name, reason);
	const struct data_stats *ds = &p->data.stats;
	if (ds->messages_in)
		log_info(LOGS_ROOM, "room %s: %s sent %llu data messages, %llu relayed, %llu dropped, "
			 "%llu relays closed for overflow", r->name, p->id,
			 (unsigned long long)ds->messages_in, (unsigned long long)ds->messages_relayed,
			 (unsigned long long)ds->dropped, (unsigned long long)ds->overflow_closed);
	/* Its producers go first: that turns the others' m-sections inactive. */
	emit_unpublished(r, p->audio);
	emit_unpublished(r, p->video);
	producer_destroy(p->audio);
	producer_destroy(p->video);
	p->audio = p->video = NULL;
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *q = r->participants->pdata[i];
		data_channels_forget_sender(&q->data, p->id);
		participant_renegotiate(q);
	}
	room_broadcast(r, p, json_pack("{s:s, s:s, s:s}", "type", "participant_left", "id", p->id,
				       "reason", reason));
	sfu_emit("participant_left", json_pack("{s:s, s:s, s:s}", "room", r->name, "participant_id",
					       p->id, "reason", reason));
	participant_destroy(p);
	if (r->participants->len == 0)
		room_destroy(r);
}

void room_on_producer(struct room *r, struct producer *producer)
{
	sfu_emit("track_published", track_json(r, producer));
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *p = r->participants->pdata[i];
		if (p != producer->owner && !p->leaving && p->can_subscribe &&
		    participant_subscribe(p, producer) == 0)
			participant_renegotiate(p);
	}
}

static void update_speaker(struct room *r, int64_t now_us)
{
	struct participant *loudest = NULL;
	uint32_t best = 0;
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *p = r->participants->pdata[i];
		struct producer *a = p->audio;
		if (!a)
			continue;
		uint32_t score = a->level_packets ? a->level_sum / a->level_packets : 0;
		a->level_sum = a->level_packets = 0;
		if (!p->audio_muted && !p->audio_blocked && score > best) {
			best = score;
			loudest = p;
		}
	}
	if (!loudest || best < SPEAKER_MIN_SCORE || loudest == r->speaker)
		return;
	if (r->speaker && now_us - r->speaker_since_us < SPEAKER_HOLD_US)
		return;
	r->speaker = loudest;
	r->speaker_since_us = now_us;
	room_broadcast(r, NULL, json_pack("{s:s, s:s}", "type", "active_speaker", "id", loudest->id));
}

static gboolean on_tick(gpointer data)
{
	struct room *r = data;
	int64_t now = g_get_monotonic_time();
	r->ticks++;
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *p = r->participants->pdata[i];
		participant_check_media_ready(p, now);
		participant_send_twcc(p);
		if (p->audio)
			producer_tick(p->audio, now);
		if (p->video)
			producer_tick(p->video, now);
		if (r->ticks % REPORT_EVERY == 0)
			participant_send_reports(p, now);
	}
	if (r->ticks % SPEAKER_EVERY == 0)
		update_speaker(r, now);
	return G_SOURCE_CONTINUE;
}
