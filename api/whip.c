/* WHIP over HTTP (RFC 9725): routes, authorization and the table of live
 * sessions. A session is one WHIP participant, made by POST /whip/{room},
 * trickled by PATCH and ended by DELETE on /whip/{room}/{id}, or ended by
 * the worker (whip_on_session_message).
 *
 * Status codes, where the RFC leaves a choice:
 *   400 bad_request / bad_sdp   malformed path, fragment or offer; an offer
 *                               with nothing Parley can forward
 *   401 unauthorized / invalid_token  the room needs a join token and the
 *                               request has none, or a bad one
 *   403 forbidden               the token does not grant publishing
 *   404 not_found               unknown room (with auto-create off), unknown session
 *   409 room_full               the room is at its limit: a conflict with the
 *                               room's state, not the server's failure (503
 *                               would invite retrying the same server)
 *   412 precondition_failed     If-Match names another ICE session (RFC 9725 4.3.1)
 *   415 unsupported_media_type  not application/sdp (POST) or
 *                               application/trickle-ice-sdpfrag (PATCH)
 *   422 ice_restart_unsupported Parley does trickle but not ICE restarts; RFC
 *                               9725 4.3.1 requires 422 for the PATCH kind a
 *                               session does not support
 *   503 unavailable             the room's worker did not answer within 5 s
 *
 * Threads: handlers run on HTTP connection threads, several at once, and
 * whip_on_session_message on workers. One mutex guards the table; it is
 * never held while waiting for a worker, which may itself be waiting for it
 * to report a close. Whoever takes a session out of the table frees its seat
 * in the room directory, so the seat is freed exactly once. */
#include "api/whip.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_request.h"
#include "api/auth.h"
#include "api/room_directory.h"
#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/room.h"
#include "sfu/sfu.h"
#include "sfu/sfu_whip.h"

#define ROOM_NAME_LIMIT 64
#define ENDPOINT_METHODS "OPTIONS, POST"
#define SESSION_METHODS "OPTIONS, PATCH, DELETE"

/* Owned by the table (or by the POST that is making it, until it is live). */
struct session {
	uint64_t session_id;
	char pid[PARTICIPANT_ID_MAX];
	char room[ROOM_NAME_MAX];
	struct room_seat seat;
	char etag[24];              /* quoted, as sent in ETag */
	char token_sha256[65];      /* of the bearer token it was made with; "" for none */
	bool live;                  /* false while its POST runs */
	bool closed;                /* the worker removed it while its POST ran */
};

static GMutex lock;
static struct room_directory *directory;
static GHashTable *by_pid;          /* pid -> struct session * (not owned: freed by hand) */
static GHashTable *by_session;      /* &session_id -> the same */
static uint64_t next_number = 1;

int whip_start(struct room_directory *d)
{
	g_mutex_lock(&lock);
	directory = d;
	by_pid = g_hash_table_new(g_str_hash, g_str_equal);
	by_session = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_mutex_unlock(&lock);
	return 0;
}

/* After the HTTP server has stopped: no handler may be running. */
void whip_stop(void)
{
	g_mutex_lock(&lock);
	if (by_pid) {
		GHashTableIter it;
		gpointer key, value;
		g_hash_table_iter_init(&it, by_pid);
		while (g_hash_table_iter_next(&it, &key, &value))
			free(value);
		g_hash_table_destroy(by_pid);
		g_hash_table_destroy(by_session);
	}
	by_pid = by_session = NULL;
	directory = NULL;
	g_mutex_unlock(&lock);
}

/* ---- the table (callers hold the lock) ---- */

static void forget_locked(struct session *s)
{
	g_hash_table_remove(by_pid, s->pid);
	g_hash_table_remove(by_session, &s->session_id);
}

/* The live session id of room, or NULL. */
static struct session *find_locked(const char *room, const char *pid)
{
	struct session *s = by_pid ? g_hash_table_lookup(by_pid, pid) : NULL;
	return s && s->live && strcmp(s->room, room) == 0 ? s : NULL;
}

void whip_on_session_message(uint64_t session_id, char *json, bool close)
{
	free(json);
	if (!close)
		return;
	g_mutex_lock(&lock);
	struct session *s = by_session ? g_hash_table_lookup(by_session, &session_id) : NULL;
	struct room_directory *d = directory;
	if (s && !s->live) {
		s->closed = true;   /* its POST cleans up */
		s = NULL;
	} else if (s) {
		forget_locked(s);
	}
	g_mutex_unlock(&lock);
	if (!s)
		return;
	log_info(LOGS_HTTP, "WHIP session %s in room %s ended by the server", s->pid, s->room);
	room_directory_leave(d, s->room, &s->seat, PARTICIPANT_WHIP);
	free(s);
}

/* ---- request helpers ---- */

/* Browsers publish from pages of other origins; the bearer token, not a
 * cookie, carries the authority, so any origin may call. */
static void allow_origin(struct http_response *resp)
{
	http_add_header(resp, "Access-Control-Allow-Origin", "*");
}

static void respond_error(struct http_response *resp, unsigned status, const char *code,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void respond_error(struct http_response *resp, unsigned status, const char *code,
			  const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_respond_error(resp, status, code, "%s", msg);
	allow_origin(resp);
}

/* Media type equal to want, ignoring case and parameters. */
static bool is_type(const char *ct, const char *want)
{
	size_t n = strlen(want);
	return g_ascii_strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The rule of signaling and the API (a room a browser can join and the
 * API can manage); its characters are all RFC 3986 unreserved, so the
 * name goes into Location as is. */
static bool valid_room(const char *room, size_t n)
{
	char name[ROOM_NAME_LIMIT + 1];
	if (n < 1 || n > ROOM_NAME_LIMIT)
		return false;
	memcpy(name, room, n);
	name[n] = '\0';
	return api_room_name_valid(name);
}

/* The token of "Bearer <token>", or NULL. */
static const char *bearer(const char *authorization)
{
	if (g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	t += strspn(t, " ");
	return *t ? t : NULL;
}

static void token_digest(const char *token, char out[65])
{
	out[0] = '\0';
	if (!token)
		return;
	gchar *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
	g_strlcpy(out, hex, 65);
	g_free(hex);
}

struct grant {
	char name[PARTICIPANT_NAME_MAX];
	char identity[PARTICIPANT_NAME_MAX];
	char token_sha256[65];
};

static void challenge(struct http_response *resp, const char *error)
{
	char value[96];
	snprintf(value, sizeof(value), "Bearer realm=\"parley\"%s%s%s", error ? ", error=\"" : "",
		 error ? error : "", error ? "\"" : "");
	http_add_header(resp, "WWW-Authenticate", value);
}

/* A room that requires a token needs a valid one that grants publishing.
 * An open room ignores a token it cannot read (encoders send stream keys
 * there) but takes the name and identity of a valid one. */
static bool authorize(const struct http_request *req, struct http_response *resp, const char *room,
		      struct grant *g)
{
	struct room_settings settings;
	bool required = room_directory_get(directory, room, &settings, NULL) && settings.require_token;
	const char *jwt = bearer(req->authorization);
	g_strlcpy(g->name, "WHIP", sizeof(g->name));
	g->identity[0] = '\0';
	token_digest(jwt, g->token_sha256);
	if (!jwt) {
		if (!required)
			return true;
		respond_error(resp, 401, "unauthorized", "room %s needs Authorization: Bearer <join token>", room);
		challenge(resp, NULL);
		return false;
	}
	struct token_claims c;
	bool wrong_room = false;
	enum token_status st = auth_check_join_token(jwt, room, (int64_t)time(NULL), &c, &wrong_room);
	if (st != TOKEN_VALID) {
		if (!required)
			return true;
		respond_error(resp, 401, "invalid_token", "%s",
			      wrong_room ? "the token is for another room" : token_status_text(st));
		challenge(resp, "invalid_token");
		return false;
	}
	if (!c.can_publish) {
		respond_error(resp, 403, "forbidden", "the token does not allow publishing in room %s", room);
		return false;
	}
	if (c.name[0])
		g_strlcpy(g->name, c.name, sizeof(g->name));
	g_strlcpy(g->identity, c.identity, sizeof(g->identity));
	return true;
}

/* PATCH and DELETE must come with the bearer token the POST had (or none
 * when it had none), valid or not: ids are seen by everyone in the room. */
static bool same_token(const struct session *s, const struct http_request *req)
{
	char digest[65];
	token_digest(bearer(req->authorization), digest);
	return strcmp(s->token_sha256, digest) == 0;
}

/* ---- POST /whip/{room} ---- */

static struct session *session_new(const char *room, const struct room_seat *seat,
				   const struct grant *g)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	g_strlcpy(s->room, room, sizeof(s->room));
	s->seat = *seat;
	g_strlcpy(s->token_sha256, g->token_sha256, sizeof(s->token_sha256));
	snprintf(s->etag, sizeof(s->etag), "\"%08x%08x\"", g_random_int(), g_random_int());
	g_mutex_lock(&lock);
	uint64_t n = next_number++;
	s->session_id = SFU_SESSION_ID(SFU_SESSION_WHIP, n);
	/* Unique by the counter; the random part keeps ids unguessable across restarts. */
	snprintf(s->pid, sizeof(s->pid), "w%llx%06x", (unsigned long long)n, g_random_int() & 0xffffff);
	g_hash_table_insert(by_pid, s->pid, s);
	g_hash_table_insert(by_session, &s->session_id, s);
	g_mutex_unlock(&lock);
	return s;
}

static void publish_failed(struct http_response *resp, int rc, const char *err)
{
	switch (rc) {
	case -EINVAL:
		respond_error(resp, 400, "bad_sdp", "%s", err);
		break;
	case -ETIMEDOUT:
		respond_error(resp, 503, "unavailable", "%s", err);
		break;
	default:
		respond_error(resp, 500, "internal", "%s", err);
		break;
	}
}

static void post_offer(const struct http_request *req, struct http_response *resp, const char *room)
{
	if (!is_type(req->content_type, "application/sdp")) {
		respond_error(resp, 415, "unsupported_media_type", "the offer must be application/sdp");
		return;
	}
	if (!req->body_len) {
		respond_error(resp, 400, "bad_sdp", "the offer is empty");
		return;
	}
	struct grant g;
	if (!authorize(req, resp, room, &g))
		return;
	struct room_seat seat;
	int rc = room_directory_enter(directory, room, PARTICIPANT_WHIP, &seat);
	if (rc == -ENOENT) {
		respond_error(resp, 404, "not_found", "no room named %s", room);
		return;
	}
	if (rc) {
		respond_error(resp, 409, "room_full", "room %s is full", room);
		return;
	}
	struct session *s = session_new(room, &seat, &g);
	struct participant_info info = {
		.id = s->pid, .name = g.name, .identity = g.identity, .kind = PARTICIPANT_WHIP,
		.can_publish = true, .can_subscribe = false, .session_id = s->session_id,
	};
	char *answer = NULL, err[200] = "";
	rc = sfu_whip_publish(seat.worker, room, &info, req->body, req->body_len, &answer, err, sizeof(err));
	g_mutex_lock(&lock);
	bool closed = s->closed;
	if (rc || closed)
		forget_locked(s);
	else
		s->live = true;
	g_mutex_unlock(&lock);
	if (rc || closed) {
		/* A late worker may still add it: the leave queues behind that. */
		if (rc == -ETIMEDOUT)
			sfu_leave(seat.worker, room, s->pid, "error");
		room_directory_leave(directory, room, &seat, PARTICIPANT_WHIP);
		if (!rc)
			publish_failed(resp, -ETIMEDOUT, "the session ended while it was being set up");
		else
			publish_failed(resp, rc, err);
		log_info(LOGS_HTTP, "WHIP offer for room %s refused: %s", room, rc ? err : "ended during setup");
		free(s);
		g_free(answer);
		return;
	}
	log_info(LOGS_HTTP, "WHIP session %s (%s) publishes in room %s", s->pid, g.name, room);
	http_respond_text(resp, 201, "application/sdp", answer, strlen(answer));
	g_free(answer);
	char location[sizeof("/whip///") + ROOM_NAME_MAX + PARTICIPANT_ID_MAX];
	snprintf(location, sizeof(location), "/whip/%s/%s", room, s->pid);
	http_add_header(resp, "Location", location);
	http_add_header(resp, "ETag", s->etag);
	allow_origin(resp);
	http_add_header(resp, "Access-Control-Expose-Headers", "Location, ETag");
}

/* ---- PATCH and DELETE /whip/{room}/{id} ---- */

/* Copies the live session (take: and forgets it) once its token checks;
 * false after filling resp. */
static bool lookup(const struct http_request *req, struct http_response *resp, const char *room,
		   const char *pid, struct session *copy, bool take)
{
	g_mutex_lock(&lock);
	struct session *s = find_locked(room, pid);
	bool ok = s && same_token(s, req);
	if (ok) {
		*copy = *s;
		if (take)
			forget_locked(s);
	}
	g_mutex_unlock(&lock);
	if (!s) {
		respond_error(resp, 404, "not_found", "no WHIP session %s in room %s", pid, room);
		return false;
	}
	if (!ok) {
		respond_error(resp, 401, "unauthorized", "use the token that created the session");
		challenge(resp, NULL);
		return false;
	}
	if (take)
		free(s);
	return true;
}

static void patch_candidates(const struct http_request *req, struct http_response *resp,
			     const char *room, const char *pid)
{
	if (!is_type(req->content_type, "application/trickle-ice-sdpfrag")) {
		respond_error(resp, 415, "unsupported_media_type",
			      "candidates must be application/trickle-ice-sdpfrag");
		return;
	}
	struct session s;
	if (!lookup(req, resp, room, pid, &s, false))
		return;
	if (strcmp(req->if_match, "*") == 0) {
		respond_error(resp, 422, "ice_restart_unsupported", "ICE restarts are not supported");
		return;
	}
	if (*req->if_match && strcmp(req->if_match, s.etag) != 0) {
		respond_error(resp, 412, "precondition_failed", "If-Match is not the ICE session's ETag");
		return;
	}
	char err[200] = "";
	int rc = sfu_whip_trickle(s.seat.worker, room, pid, req->body, req->body_len, err, sizeof(err));
	if (rc == 0) {
		resp->status = 204;
		allow_origin(resp);
	} else if (rc == -ENOENT) {
		respond_error(resp, 404, "not_found", "no WHIP session %s in room %s", pid, room);
	} else if (rc == -EOPNOTSUPP) {
		respond_error(resp, 422, "ice_restart_unsupported", "ICE restarts are not supported");
	} else if (rc == -EINVAL) {
		respond_error(resp, 400, "bad_request", "%s", err);
	} else {
		publish_failed(resp, rc, err);
	}
}

static void delete_session(const struct http_request *req, struct http_response *resp,
			   const char *room, const char *pid)
{
	struct session s;
	if (!lookup(req, resp, room, pid, &s, true))
		return;
	sfu_leave(s.seat.worker, room, pid, "whip_ended");
	room_directory_leave(directory, room, &s.seat, PARTICIPANT_WHIP);
	log_info(LOGS_HTTP, "WHIP session %s in room %s ended by the client", pid, room);
	resp->status = 200;
	allow_origin(resp);
}

/* ---- routing ---- */

static void options(struct http_response *resp, const char *methods)
{
	resp->status = 204;
	http_add_header(resp, "Allow", methods);
	allow_origin(resp);
	http_add_header(resp, "Access-Control-Allow-Methods", methods);
	http_add_header(resp, "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match");
	http_add_header(resp, "Access-Control-Max-Age", "86400");
}

static void not_allowed(struct http_response *resp, const char *method, const char *methods)
{
	respond_error(resp, 405, "method_not_allowed", "%s is not allowed here", method);
	http_add_header(resp, "Allow", methods);
}

void whip_handle(const struct http_request *req, struct http_response *resp)
{
	const char *rest = strncmp(req->path, "/whip/", 6) == 0 ? req->path + 6 : "";
	const char *slash = strchr(rest, '/');
	size_t room_len = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *pid = slash ? slash + 1 : NULL;
	if (!room_len || (pid && (!*pid || strchr(pid, '/') || strlen(pid) >= PARTICIPANT_ID_MAX))) {
		respond_error(resp, 404, "not_found", "WHIP endpoints are /whip/{room}");
		return;
	}
	if (!valid_room(rest, room_len)) {
		respond_error(resp, 400, "bad_request", "a room name is 1 to %d of A-Z a-z 0-9 . _ -, "
			      "not only dots", ROOM_NAME_LIMIT);
		return;
	}
	char room[ROOM_NAME_LIMIT + 1];
	g_strlcpy(room, rest, room_len + 1);
	const char *m = req->method;
	if (!directory) {
		respond_error(resp, 503, "unavailable", "WHIP is not running");
	} else if (!pid) {
		if (strcmp(m, "POST") == 0)
			post_offer(req, resp, room);
		else if (strcmp(m, "OPTIONS") == 0)
			options(resp, ENDPOINT_METHODS);
		else
			not_allowed(resp, m, ENDPOINT_METHODS);
	} else if (strcmp(m, "PATCH") == 0) {
		patch_candidates(req, resp, room, pid);
	} else if (strcmp(m, "DELETE") == 0) {
		delete_session(req, resp, room, pid);
	} else if (strcmp(m, "OPTIONS") == 0) {
		options(resp, SESSION_METHODS);
	} else {
		not_allowed(resp, m, SESSION_METHODS);
	}
}
