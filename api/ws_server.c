/* libwebsockets for WebSocket signaling only: the front door hands it
 * sockets whose request is GET /ws. One session per participant, and
 * locked queues through which workers (messages) and the front door
 * (sockets) reach the loop; lws_cancel_service wakes it to drain them. */
#include "api/ws_server.h"

#include <errno.h>
#include <glib.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/room_directory.h"
#include "api/signal_message.h"
#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/sfu.h"
#include "sfu/worker.h"

enum session_state { SESSION_NEW, SESSION_JOINED, SESSION_DONE };

#define SESSION_MAX_QUEUED 1024

/* One per WebSocket; memory owned by lws (per-session data), contents by us. */
struct session {
	struct lws *wsi;
	uint64_t id;
	enum session_state state;
	char room[SIGNAL_MAX_ROOM + 1];
	char pid[24];
	struct room_seat seat;
	GByteArray *rx;         /* the message being reassembled */
	bool rx_overflow;
	GQueue out;             /* char * to send, owned */
	bool close_after_flush;
};

struct posted {
	uint64_t session_id;
	char *json;
	bool close;
};

static struct lws_context *context;
static const struct config *config;
static GHashTable *sessions;            /* id -> struct session *, signaling thread */
static struct room_directory *directory; /* not owned */
static GQueue adopted;                  /* fds (GINT_TO_POINTER) from the front door, under posted_lock */
static uint64_t next_session_id = 1;
static volatile sig_atomic_t stop_requested;
static bool sfu_stopped;                /* sessions closing now must not reach the SFU */
static GMutex posted_lock;
static GQueue posted_queue;             /* struct posted *, under posted_lock */

void ws_server_adopt(int fd)
{
	g_mutex_lock(&posted_lock);
	g_queue_push_tail(&adopted, GINT_TO_POINTER(fd));
	g_mutex_unlock(&posted_lock);
	if (context)
		lws_cancel_service(context);
}

void ws_server_post(uint64_t session_id, char *json, bool close)
{
	struct posted *p = g_new(struct posted, 1);
	p->session_id = session_id;
	p->json = json;
	p->close = close;
	g_mutex_lock(&posted_lock);
	g_queue_push_tail(&posted_queue, p);
	g_mutex_unlock(&posted_lock);
	if (context)
		lws_cancel_service(context);
}

static void leave_room(struct session *s, const char *reason);

static void session_send(struct session *s, char *json)
{
	if (!json)
		return;
	if (s->close_after_flush) {
		free(json);
		return;
	}
	if (g_queue_get_length(&s->out) >= SESSION_MAX_QUEUED) {
		/* A client that stops reading must not grow our memory without bound. */
		log_info(LOGS_SIGNAL, "session %llu (room %s, %s): not reading, closing",
			 (unsigned long long)s->id, s->room, s->pid);
		free(json);
		leave_room(s, "error");
		s->close_after_flush = true;
		lws_callback_on_writable(s->wsi);
		return;
	}
	g_queue_push_tail(&s->out, json);
	lws_callback_on_writable(s->wsi);
}

static void session_close(struct session *s)
{
	s->close_after_flush = true;
	lws_callback_on_writable(s->wsi);
}

static void session_error(struct session *s, const struct signal_error *err)
{
	char *j = signal_error_json(err);
	session_send(s, strdup(j ? j : "{\"type\":\"error\",\"code\":\"internal\"}"));
	g_free(j);
}

static void send_error(struct session *s, const char *code, const char *ref, const char *msg)
{
	struct signal_error err = { .code = code, .ref = ref };
	g_strlcpy(err.message, msg, sizeof(err.message));
	session_error(s, &err);
}

static void adopt_sockets(GQueue *fds)
{
	gpointer fd;
	while ((fd = g_queue_pop_head(fds))) {
		struct lws_vhost *vh = lws_get_vhost_by_name(context, "default");
		if (!vh || !lws_adopt_socket_vhost(vh, GPOINTER_TO_INT(fd))) {
			log_warn(LOGS_SIGNAL, "a WebSocket connection could not be taken over");
			close(GPOINTER_TO_INT(fd));
		}
	}
}

static void drain_posted(void)
{
	GQueue local = G_QUEUE_INIT, fds = G_QUEUE_INIT;
	g_mutex_lock(&posted_lock);
	local = posted_queue;
	g_queue_init(&posted_queue);
	fds = adopted;
	g_queue_init(&adopted);
	g_mutex_unlock(&posted_lock);
	if (context && !stop_requested)
		adopt_sockets(&fds);
	else
		while (!g_queue_is_empty(&fds))
			close(GPOINTER_TO_INT(g_queue_pop_head(&fds)));
	struct posted *p;
	while ((p = g_queue_pop_head(&local))) {
		struct session *s = g_hash_table_lookup(sessions, &p->session_id);
		if (s) {
			session_send(s, p->json);
			if (p->close)
				session_close(s);
		} else {
			free(p->json);
		}
		g_free(p);
	}
}

static void leave_room(struct session *s, const char *reason)
{
	if (s->state != SESSION_JOINED)
		return;
	if (!sfu_stopped)
		sfu_leave(s->seat.worker, s->room, s->pid, reason);
	room_directory_leave(directory, s->room, &s->seat, PARTICIPANT_BROWSER);
	s->state = SESSION_DONE;
}

/* Rooms that require a token admit only a valid, unexpired token for that
 * room; elsewhere a token is optional, and if given must be valid too (its
 * grants and identity apply). False after telling the client why. */
static bool check_token(struct session *s, const struct signal_message *m, struct token_claims *claims)
{
	struct room_settings settings;
	bool required = room_directory_get(directory, m->room, &settings, NULL) && settings.require_token;
	if (!m->token) {
		if (required)
			send_error(s, "unauthorized", "join", "this room needs a join token");
		return !required;
	}
	bool wrong_room;
	enum token_status st = auth_check_join_token(m->token, m->room, g_get_real_time() / G_USEC_PER_SEC,
						     claims, &wrong_room);
	if (st == TOKEN_VALID)
		return true;
	log_info(LOGS_SIGNAL, "session %llu: join to room %s refused: %s", (unsigned long long)s->id,
		 m->room, wrong_room ? "token is for another room" : token_status_text(st));
	send_error(s, "unauthorized", "join", wrong_room ? "the token is for another room" : token_status_text(st));
	return false;
}

static void handle_join(struct session *s, const struct signal_message *m)
{
	if (s->state != SESSION_NEW) {
		send_error(s, "out_of_order", "join", "already joined");
		return;
	}
	struct token_claims claims = { .can_publish = true, .can_subscribe = true };
	if (!check_token(s, m, &claims))
		return;
	int rc = room_directory_enter(directory, m->room, PARTICIPANT_BROWSER, &s->seat);
	if (rc == -ENOENT) {
		send_error(s, "room_not_found", "join", "no such room, and this server does not create rooms on join");
		return;
	}
	if (rc) {
		send_error(s, "room_full", "join", "the room is full");
		return;
	}
	g_strlcpy(s->room, m->room, sizeof(s->room));
	/* Unique by the session number; the random part keeps ids unguessable across restarts. */
	snprintf(s->pid, sizeof(s->pid), "p%llx%06x", (unsigned long long)s->id, g_random_int() & 0xffffff);
	s->state = SESSION_JOINED;
	struct participant_info info = {
		.id = s->pid, .name = *claims.name ? claims.name : m->name, .identity = claims.identity,
		.kind = PARTICIPANT_BROWSER, .can_publish = claims.can_publish,
		.can_subscribe = claims.can_subscribe, .session_id = s->id,
	};
	sfu_join(s->seat.worker, s->room, &info);
}

static void handle_message(struct session *s, const char *text, size_t len)
{
	struct signal_message m;
	struct signal_error err;
	if (signal_message_parse(&m, text, len, &err)) {
		session_error(s, &err);
		return;
	}
	if (m.type != SIGNAL_JOIN && s->state != SESSION_JOINED) {
		send_error(s, "out_of_order", json_string_value(json_object_get(m.root, "type")),
			   s->state == SESSION_NEW ? "join first" : "the session has ended");
		signal_message_release(&m);
		return;
	}
	switch (m.type) {
	case SIGNAL_JOIN:
		handle_join(s, &m);
		break;
	case SIGNAL_ANSWER:
		sfu_answer(s->seat.worker, s->room, s->pid, m.sdp);
		break;
	case SIGNAL_CANDIDATE:
		sfu_candidate(s->seat.worker, s->room, s->pid, m.candidate);
		break;
	case SIGNAL_MUTE:
		sfu_mute(s->seat.worker, s->room, s->pid, m.video ? SFU_VIDEO : SFU_AUDIO, m.muted);
		break;
	case SIGNAL_LEAVE:
		leave_room(s, "left");
		session_send(s, strdup("{\"type\":\"bye\",\"reason\":\"left\"}"));
		session_close(s);
		break;
	}
	signal_message_release(&m);
}

static void on_receive(struct session *s, const void *in, size_t len)
{
	if (!s->rx_overflow) {
		if (s->rx->len + len > SIGNAL_MAX_MESSAGE) {
			s->rx_overflow = true;
			g_byte_array_set_size(s->rx, 0);
		} else {
			g_byte_array_append(s->rx, in, (guint)len);
		}
	}
	if (!lws_is_final_fragment(s->wsi) || lws_remaining_packet_payload(s->wsi))
		return;
	if (s->rx_overflow) {
		send_error(s, "too_large", NULL, "message over 64 KiB");
		leave_room(s, "error");
		session_close(s);
	} else if (lws_frame_is_binary(s->wsi)) {
		send_error(s, "bad_json", NULL, "binary frames are not part of the protocol");
	} else {
		handle_message(s, (const char *)s->rx->data, s->rx->len);
	}
	s->rx_overflow = false;
	g_byte_array_set_size(s->rx, 0);
}

static int on_writeable(struct session *s)
{
	char *json = g_queue_pop_head(&s->out);
	if (json) {
		size_t n = strlen(json);
		unsigned char *buf = malloc(LWS_PRE + n);
		memcpy(buf + LWS_PRE, json, n);
		int w = lws_write(s->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
		free(buf);
		free(json);
		if (w < (int)n)
			return -1;
		if (!g_queue_is_empty(&s->out) || s->close_after_flush)
			lws_callback_on_writable(s->wsi);
		return 0;
	}
	if (s->close_after_flush) {
		lws_close_reason(s->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	return 0;
}

static bool is_signaling_path(struct lws *wsi)
{
	char uri[64];
	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0)
		return false;
	return strcmp(uri, "/ws") == 0;
}

static void session_open(struct session *s, struct lws *wsi)
{
	memset(s, 0, sizeof(*s));
	s->wsi = wsi;
	s->id = next_session_id++;
	s->rx = g_byte_array_new();
	g_queue_init(&s->out);
	g_hash_table_insert(sessions, &s->id, s);
}

static void session_closed(struct session *s)
{
	leave_room(s, "disconnected");
	g_hash_table_remove(sessions, &s->id);
	g_byte_array_free(s->rx, TRUE);
	g_queue_clear_full(&s->out, free);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct session *s = user;
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return is_signaling_path(wsi) ? 0 : 1;
	case LWS_CALLBACK_ESTABLISHED:
		session_open(s, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		on_receive(s, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return on_writeable(s);
	case LWS_CALLBACK_CLOSED:
		session_closed(s);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		drain_posted();
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "parley", callback, sizeof(struct session), 16384, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void lws_log(int level, const char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_warn(LOGS_HTTP, "lws: %.*s", (int)n, line);
	else
		log_debug(LOGS_HTTP, "lws: %.*s", (int)n, line);
}

int ws_server_start(const struct config *cfg, struct room_directory *d)
{
	config = cfg;
	directory = d;
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
	sessions = g_hash_table_new(g_int64_hash, g_int64_equal);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	context = lws_create_context(&info);
	if (!context) {
		log_error(LOGS_SIGNAL, "cannot start the WebSocket server");
		return -EIO;
	}
	return 0;
}

void ws_server_request_stop(void)
{
	stop_requested = 1;
	if (context)
		lws_cancel_service(context);
}

static void close_all_sessions(void)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, sessions);
	while (g_hash_table_iter_next(&it, &key, &value))
		session_close(value);
}

void ws_server_run(void)
{
	while (!stop_requested)
		lws_service(context, 0);
}

void ws_server_close_sessions(void)
{
	sfu_stopped = true;
	drain_posted();
	close_all_sessions();
	gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;
	while (g_hash_table_size(sessions) && g_get_monotonic_time() < deadline) {
		lws_service(context, 50);
		drain_posted();
	}
}

void ws_server_destroy(void)
{
	if (context)
		lws_context_destroy(context);
	context = NULL;
	drain_posted();
	if (sessions)
		g_hash_table_destroy(sessions);
	sessions = NULL;
	directory = NULL;
}
