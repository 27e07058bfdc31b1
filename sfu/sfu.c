/* Entry points into the SFU from other threads. Each command copies its
 * arguments into a message that moves to the room's worker; the worker looks
 * the room and participant up by name and id, so nothing here is shared. */
#include "sfu/sfu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/room.h"
#include "sfu/transport/dtls.h"
#include "sfu/transport/sctp.h"
#include "sfu/transport/srtp_session.h"
#include "sfu/sfu_sip.h"
#include "sfu/worker.h"

static const struct config *config;
static sfu_send_fn *send_fn;
static sfu_event_fn *event_fn;
static struct dtls_identity *identity;
static const struct codec *video_codecs[CODEC_MAX_VIDEO];
static unsigned n_video_codecs;

int sfu_start(const struct config *cfg, sfu_send_fn *send, sfu_event_fn *event)
{
	char err[128];
	int n = codec_parse_video_list(cfg->video_codecs, video_codecs, CODEC_MAX_VIDEO, err,
				       sizeof(err));
	if (n < 0) {
		log_error(LOGS_MAIN, "video_codecs: %s", err);
		return n;
	}
	n_video_codecs = (unsigned)n;
	config = cfg;
	send_fn = send;
	event_fn = event;
	if (srtp_session_library_init() || sctp_library_init())
		return -EIO;
	if (dtls_identity_create(&identity)) {
		log_error(LOGS_MAIN, "cannot create the DTLS certificate");
		return -EIO;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned workers = cfg->workers > 0 ? (unsigned)cfg->workers : (unsigned)(cores > 0 ? cores : 1);
	int rc = workers_start(workers);
	if (!rc && cfg->sip_port && sfu_sip_start())
		rc = -EIO;
	return rc;
}

static void end_rooms(struct worker *w)
{
	GHashTableIter it;
	gpointer key, value;
	GPtrArray *rooms = g_ptr_array_new();
	g_hash_table_iter_init(&it, w->rooms);
	while (g_hash_table_iter_next(&it, &key, &value))
		g_ptr_array_add(rooms, value);
	for (guint i = 0; i < rooms->len; i++) {
		struct room *r = rooms->pdata[i];
		for (guint j = 0; j < r->participants->len; j++) {
			struct participant *p = r->participants->pdata[j];
			json_t *bye = json_pack("{s:s, s:s}", "type", "bye", "reason", "server_shutdown");
			sfu_send(p->session_id, bye, true);
		}
		room_destroy(r);
	}
	g_ptr_array_free(rooms, TRUE);
	sfu_sip_worker_stopping(w->index);
	const struct worker_stats *st = &w->stats;
	log_info(LOGS_MAIN,
		 "worker %u: %llu packets in, %llu out, %llu dropped, %llu NACKs answered with %llu "
		 "retransmissions, %llu keyframe requests", w->index,
		 (unsigned long long)st->packets_in, (unsigned long long)st->packets_out,
		 (unsigned long long)st->dropped, (unsigned long long)st->nacks,
		 (unsigned long long)st->retransmits, (unsigned long long)st->keyframe_requests);
}

void sfu_stop(void)
{
	workers_stop(end_rooms);
	sfu_sip_stop();
	dtls_identity_destroy(identity);
	identity = NULL;
	srtp_session_library_shutdown();
	sctp_library_shutdown();
}

const struct config *sfu_config(void)
{
	return config;
}

struct dtls_identity *sfu_identity(void)
{
	return identity;
}

const struct codec *const *sfu_video_codecs(unsigned *n)
{
	*n = n_video_codecs;
	return video_codecs;
}

void sfu_send(uint64_t session_id, json_t *msg, bool close)
{
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (text || close)
		send_fn(session_id, text, close);
}

void sfu_emit(const char *event, json_t *data)
{
	if (event_fn)
		event_fn(event, data);
	else
		json_decref(data);
}

/* A command on its way to a worker. */
struct command {
	void (*run)(struct command *cmd, struct room *r, struct participant *p);
	char room[ROOM_NAME_MAX];
	char pid[PARTICIPANT_ID_MAX];
	char name[PARTICIPANT_NAME_MAX];
	char identity[PARTICIPANT_NAME_MAX];
	enum participant_kind kind;
	bool can_publish, can_subscribe;
	uint64_t session_id;
	enum sfu_media media;
	bool flag;
	char *text;
	unsigned worker;
};

static void run_command(void *arg)
{
	struct command *cmd = arg;
	struct worker *w = worker_get(cmd->worker);
	struct room *r = g_hash_table_lookup(w->rooms, cmd->room);
	struct participant *p = r ? room_find_participant(r, cmd->pid) : NULL;
	if (p || cmd->session_id)
		cmd->run(cmd, r, p);
	g_free(cmd->text);
	free(cmd);
}

static void post(unsigned worker, const char *room, const char *pid, struct command *cmd)
{
	cmd->worker = worker;
	g_strlcpy(cmd->room, room, sizeof(cmd->room));
	g_strlcpy(cmd->pid, pid, sizeof(cmd->pid));
	worker_post(worker_get(worker), run_command, cmd);
}

static struct command *command_new(void (*run)(struct command *, struct room *, struct participant *))
{
	struct command *cmd = calloc(1, sizeof(*cmd));
	if (!cmd)
		abort();
	cmd->run = run;
	return cmd;
}

static void do_join(struct command *cmd, struct room *r, struct participant *p)
{
	if (p) {
		sfu_send(cmd->session_id, json_pack("{s:s, s:s, s:s}", "type", "error", "code",
						    "out_of_order", "message", "already joined"), false);
		return;
	}
	r = room_get_or_create(worker_get(cmd->worker), cmd->room);
	struct participant_info info = {
		.id = cmd->pid, .name = cmd->name, .identity = cmd->identity, .kind = cmd->kind,
		.can_publish = cmd->can_publish, .can_subscribe = cmd->can_subscribe,
		.session_id = cmd->session_id,
	};
	if (room_add_participant(r, &info)) {
		sfu_send(cmd->session_id, json_pack("{s:s, s:s, s:s}", "type", "error", "code", "internal",
						    "message", "could not set up media transport"), false);
		sfu_send(cmd->session_id, json_pack("{s:s, s:s}", "type", "bye", "reason", "error"), true);
		if (r->participants->len == 0)
			room_destroy(r);
	}
}

void sfu_join(unsigned worker, const char *room, const struct participant_info *info)
{
	struct command *cmd = command_new(do_join);
	g_strlcpy(cmd->name, info->name, sizeof(cmd->name));
	g_strlcpy(cmd->identity, info->identity ? info->identity : "", sizeof(cmd->identity));
	cmd->kind = info->kind;
	cmd->can_publish = info->can_publish;
	cmd->can_subscribe = info->can_subscribe;
	cmd->session_id = info->session_id;
	post(worker, room, info->id, cmd);
}

static void do_answer(struct command *cmd, struct room *r, struct participant *p)
{
	char err[160];
	int rc = participant_apply_answer(p, cmd->text, err, sizeof(err));
	if (rc) {
		log_info(LOGS_ROOM, "room %s participant %s: answer refused: %s", r->name, p->id, err);
		participant_notify(p, json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code",
						rc == -EPROTO ? "out_of_order" : "bad_sdp",
						"message", err, "ref", "answer"));
	}
}

void sfu_answer(unsigned worker, const char *room, const char *pid, const char *sdp)
{
	struct command *cmd = command_new(do_answer);
	cmd->text = g_strdup(sdp);
	post(worker, room, pid, cmd);
}

static void do_candidate(struct command *cmd, struct room *r, struct participant *p)
{
	if (participant_add_candidate(p, cmd->text))
		participant_notify(p, json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code",
						"bad_request", "message", "candidate not understood",
						"ref", "candidate"));
}

void sfu_candidate(unsigned worker, const char *room, const char *pid, const char *candidate)
{
	struct command *cmd = command_new(do_candidate);
	cmd->text = candidate && *candidate ? g_strdup(candidate) : NULL;
	post(worker, room, pid, cmd);
}

static void do_mute(struct command *cmd, struct room *r, struct participant *p)
{
	bool blocked = cmd->media == SFU_AUDIO ? p->audio_blocked : p->video_blocked;
	if (cmd->media == SFU_AUDIO)
		p->audio_muted = cmd->flag;
	else
		p->video_muted = cmd->flag;
	/* Others see what they get: muted while the API holds it muted. */
	room_broadcast(r, p, json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", "muted", "id", p->id, "kind",
				       cmd->media == SFU_AUDIO ? "audio" : "video", "muted",
				       cmd->flag || blocked, "by", "participant"));
}

void sfu_mute(unsigned worker, const char *room, const char *pid, enum sfu_media kind, bool muted)
{
	struct command *cmd = command_new(do_mute);
	cmd->media = kind;
	cmd->flag = muted;
	post(worker, room, pid, cmd);
}

static void do_leave(struct command *cmd, struct room *r, struct participant *p)
{
	room_remove_participant(r, p, cmd->text ? cmd->text : "left");
}

void sfu_leave(unsigned worker, const char *room, const char *pid, const char *reason)
{
	struct command *cmd = command_new(do_leave);
	cmd->text = g_strdup(reason);
	post(worker, room, pid, cmd);
}
