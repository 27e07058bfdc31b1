/* Room API handlers: path → handler, body → api_request parsers, rooms →
 * directory + store, live state → sfu_admin on the room's worker. */
#include "api/rooms_api.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api/api_request.h"
#include "api/auth.h"
#include "base/log.h"
#include "sfu/sfu_admin.h"

#define MAX_SEGMENTS 6

static const struct config *config;
static struct room_directory *directory;
static struct room_store *store;
static GMutex write_lock;               /* create, patch, delete: check-then-act */
static GThread *housekeeper;
static GMutex house_lock;
static GCond house_cond;
static bool stopping;

struct route {
	const struct http_request *req;
	struct http_response *resp;
	char *seg[MAX_SEGMENTS];
	unsigned n;
};

static int64_t now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static void method_not_allowed(struct route *r, const char *allow)
{
	http_respond_error(r->resp, 405, "method_not_allowed", "%s is not allowed here (allowed: %s)",
			   r->req->method, allow);
	http_add_header(r->resp, "Allow", allow);
}

static bool is(const struct route *r, const char *method)
{
	return strcmp(r->req->method, method) == 0;
}

static json_t *room_json(const struct room_settings *s, const struct room_summary *sum)
{
	json_t *j = api_room_settings_json(s);
	json_object_set_new(j, "persistent", json_boolean(sum->persistent));
	json_object_set_new(j, "live", json_boolean(sum->live));
	json_object_set_new(j, "num_participants", json_integer(sum->members));
	return j;
}

static void add_to_list(void *arg, const struct room_settings *s, const struct room_summary *sum)
{
	json_array_append_new(arg, room_json(s, sum));
}

static void list_rooms(struct route *r)
{
	json_t *rooms = json_array();
	room_directory_list(directory, add_to_list, rooms);
	http_respond_json(r->resp, 200, json_pack("{s:o}", "rooms", rooms));
}

struct conflict_check {
	const struct room_settings *s;
	const char *field;
};

static void find_conflict(void *arg, const struct room_settings *other, const struct room_summary *sum)
{
	struct conflict_check *c = arg;
	if (c->field || strcmp(other->name, c->s->name) == 0)
		return;
	if (*c->s->sip_number && strcmp(other->sip_number, c->s->sip_number) == 0)
		c->field = "sip_number";
	else if (*c->s->pin && strcmp(other->pin, c->s->pin) == 0)
		c->field = "pin";
}

/* A dialled number or a PIN must lead to one room only. */
static bool conflicts(struct route *r, const struct room_settings *s)
{
	struct conflict_check c = { s, NULL };
	room_directory_list(directory, find_conflict, &c);
	if (c.field)
		http_respond_error(r->resp, 409, "conflict", "another room already has this %s", c.field);
	return c.field != NULL;
}

static bool save(struct route *r, const struct room_settings *s)
{
	if (room_store_put(store, s) == 0)
		return true;
	http_respond_error(r->resp, 500, "storage", "the room could not be saved");
	return false;
}

static void respond_room(struct route *r, unsigned status, const char *name)
{
	struct room_settings s;
	struct room_summary sum;
	if (!room_directory_get(directory, name, &s, &sum)) {
		http_respond_error(r->resp, 404, "not_found", "no room named %s", name);
		return;
	}
	json_t *j = room_json(&s, &sum);
	if (status != 201) {
		json_t *people = sum.live ? sfu_admin_participants(sum.worker, name) : json_array();
		json_object_set_new(j, "participants", people ? people : json_array());
	}
	http_respond_json(r->resp, status, j);
}

static void create_room(struct route *r)
{
	json_t *body = http_body_object(r->req, r->resp);
	if (!body)
		return;
	struct room_settings s = { 0 };
	char err[160];
	if (api_parse_room_settings(&s, body, true, (unsigned)config->max_participants, err, sizeof(err))) {
		json_decref(body);
		http_respond_error(r->resp, 400, "bad_request", "%s", err);
		return;
	}
	json_decref(body);
	s.created_at = now_s();
	g_mutex_lock(&write_lock);
	struct room_summary sum;
	if (room_directory_get(directory, s.name, NULL, &sum) && sum.persistent)
		http_respond_error(r->resp, 409, "conflict", "a room named %s already exists", s.name);
	else if (!conflicts(r, &s) && save(r, &s) && room_directory_add(directory, &s) == 0) {
		log_info(LOGS_HTTP, "room %s created through the API", s.name);
		char *where = g_strconcat("/api/v1/rooms/", s.name, NULL);
		http_add_header(r->resp, "Location", where);
		g_free(where);
		respond_room(r, 201, s.name);
	}
	g_mutex_unlock(&write_lock);
}

static void patch_room(struct route *r, const char *name)
{
	json_t *body = http_body_object(r->req, r->resp);
	if (!body)
		return;
	g_mutex_lock(&write_lock);
	struct room_settings s;
	struct room_summary sum;
	char err[160];
	if (!room_directory_get(directory, name, &s, &sum) || !sum.persistent)
		http_respond_error(r->resp, 404, "not_found", "no room named %s was created through the API", name);
	else if (api_parse_room_settings(&s, body, false, (unsigned)config->max_participants, err,
					 sizeof(err)))
		http_respond_error(r->resp, 400, "bad_request", "%s", err);
	else if (!conflicts(r, &s) && save(r, &s) && room_directory_update(directory, &s) == 0)
		respond_room(r, 200, name);
	g_mutex_unlock(&write_lock);
	json_decref(body);
}

/* The database first: a room that stayed in it would come back at the next
 * start, so when it cannot be removed there nothing changes (500). */
static void delete_room(struct route *r, const char *name)
{
	g_mutex_lock(&write_lock);
	struct room_summary sum;
	struct room_seat seat;
	int rc = 0, live = -ENOENT;
	if (room_directory_get(directory, name, NULL, &sum) && sum.persistent)
		rc = room_store_delete(store, name);
	if (rc && rc != -ENOENT)
		http_respond_error(r->resp, 500, "storage", "the room could not be removed from the database");
	else if ((live = room_directory_remove(directory, name, &seat)) < 0)
		http_respond_error(r->resp, 404, "not_found", "no room named %s", name);
	if (live >= 0) {
		if (live)
			sfu_admin_end_room(seat.worker, name, "room_deleted");
		log_info(LOGS_HTTP, "room %s deleted through the API", name);
		http_respond_json(r->resp, 204, NULL);
	}
	g_mutex_unlock(&write_lock);
}

/* The room's worker, or 404 filled in. */
static bool live_room(struct route *r, const char *name, unsigned *worker, bool *known)
{
	struct room_summary sum;
	*known = room_directory_get(directory, name, NULL, &sum);
	if (!*known)
		http_respond_error(r->resp, 404, "not_found", "no room named %s", name);
	*worker = sum.worker;
	return *known && sum.live;
}

static void list_participants(struct route *r, const char *name)
{
	unsigned worker;
	bool known;
	if (!live_room(r, name, &worker, &known)) {
		if (known)
			http_respond_json(r->resp, 200, json_pack("{s:[]}", "participants"));
		return;
	}
	json_t *people = sfu_admin_participants(worker, name);
	if (!people)
		http_respond_error(r->resp, 503, "busy", "the room did not answer in time");
	else
		http_respond_json(r->resp, 200, json_pack("{s:o}", "participants", people));
}

static void participant_error(struct route *r, int rc, const char *room, const char *id)
{
	if (rc == -ETIMEDOUT)
		http_respond_error(r->resp, 503, "busy", "the room did not answer in time");
	else
		http_respond_error(r->resp, 404, "not_found", "no participant %s in room %s", id, room);
}

static void get_participant(struct route *r, const char *room, const char *id)
{
	unsigned worker;
	bool known;
	json_t *people = live_room(r, room, &worker, &known) ? sfu_admin_participants(worker, room) : NULL;
	size_t i;
	json_t *p;
	json_array_foreach(people, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0) {
			http_respond_json(r->resp, 200, json_incref(p));
			json_decref(people);
			return;
		}
	}
	json_decref(people);
	if (known)
		participant_error(r, -ENOENT, room, id);
}

static void remove_participant(struct route *r, const char *room, const char *id)
{
	unsigned worker;
	bool known;
	if (!live_room(r, room, &worker, &known)) {
		if (known)
			participant_error(r, -ENOENT, room, id);
		return;
	}
	int rc = sfu_admin_remove(worker, room, id, "removed");
	if (rc)
		participant_error(r, rc, room, id);
	else
		http_respond_json(r->resp, 204, NULL);
}

static void mute_participant(struct route *r, const char *room, const char *id)
{
	json_t *body = http_body_object(r->req, r->resp);
	if (!body)
		return;
	int audio, video;
	char err[160];
	int rc = api_parse_mute(body, &audio, &video, err, sizeof(err));
	json_decref(body);
	if (rc) {
		http_respond_error(r->resp, 400, "bad_request", "%s", err);
		return;
	}
	unsigned worker;
	bool known;
	if (!live_room(r, room, &worker, &known)) {
		if (known)
			participant_error(r, -ENOENT, room, id);
		return;
	}
	json_t *state = NULL;
	rc = sfu_admin_mute(worker, room, id, audio, video, &state);
	if (rc) {
		participant_error(r, rc, room, id);
		return;
	}
	json_object_set_new(state, "id", json_string(id));
	http_respond_json(r->resp, 200, state);
}

static void create_token(struct route *r)
{
	json_t *body = http_body_object(r->req, r->resp);
	if (!body)
		return;
	struct token_claims c;
	char err[160];
	int rc = api_parse_token_request(&c, body, now_s(), err, sizeof(err));
	json_decref(body);
	if (rc) {
		http_respond_error(r->resp, 400, "bad_request", "%s", err);
		return;
	}
	char *token = auth_make_join_token(&c);
	if (!token) {
		http_respond_error(r->resp, 400, "bad_request", "these claims cannot be signed");
		return;
	}
	http_respond_json(r->resp, 201, json_pack("{s:s, s:s, s:s, s:I}", "token", token, "room", c.room,
						  "identity", c.identity, "expires_at",
						  (json_int_t)c.expires_at));
	g_free(token);
}

static void room_routes(struct route *r)
{
	const char *name = r->seg[1];
	if (!api_room_name_valid(name)) {
		http_respond_error(r->resp, 404, "not_found", "no such room (room names are 1 to 64 of "
				   "A-Z a-z 0-9 . _ -)");
		return;
	}
	if (r->n == 2) {
		if (is(r, "GET"))
			respond_room(r, 200, name);
		else if (is(r, "PATCH"))
			patch_room(r, name);
		else if (is(r, "DELETE"))
			delete_room(r, name);
		else
			method_not_allowed(r, "GET, PATCH, DELETE");
	} else if (r->n == 3 && strcmp(r->seg[2], "participants") == 0) {
		if (is(r, "GET"))
			list_participants(r, name);
		else
			method_not_allowed(r, "GET");
	} else if (r->n == 4 && strcmp(r->seg[2], "participants") == 0) {
		if (is(r, "GET"))
			get_participant(r, name, r->seg[3]);
		else if (is(r, "DELETE"))
			remove_participant(r, name, r->seg[3]);
		else
			method_not_allowed(r, "GET, DELETE");
	} else if (r->n == 5 && strcmp(r->seg[2], "participants") == 0 && strcmp(r->seg[4], "mute") == 0) {
		if (is(r, "POST"))
			mute_participant(r, name, r->seg[3]);
		else
			method_not_allowed(r, "POST");
	} else {
		http_respond_error(r->resp, 404, "not_found", "no such API route");
	}
}

static void dispatch(struct route *r)
{
	if (r->n == 1 && strcmp(r->seg[0], "rooms") == 0) {
		if (is(r, "GET"))
			list_rooms(r);
		else if (is(r, "POST"))
			create_room(r);
		else
			method_not_allowed(r, "GET, POST");
	} else if (r->n >= 2 && strcmp(r->seg[0], "rooms") == 0) {
		room_routes(r);
	} else if (r->n == 1 && strcmp(r->seg[0], "tokens") == 0) {
		if (is(r, "POST"))
			create_token(r);
		else
			method_not_allowed(r, "POST");
	} else {
		http_respond_error(r->resp, 404, "not_found", "no such API route");
	}
}

void rooms_api_handle(const struct http_request *req, struct http_response *resp)
{
	struct route r = { .req = req, .resp = resp };
	const char *prefix = "/api/v1";
	if (strncmp(req->path, prefix, strlen(prefix)) != 0 ||
	    (req->path[strlen(prefix)] != '/' && req->path[strlen(prefix)] != '\0')) {
		http_respond_error(resp, 404, "not_found", "the API lives under /api/v1");
		return;
	}
	char **parts = g_strsplit(req->path + strlen(prefix), "/", MAX_SEGMENTS + 2);
	bool too_deep = false;
	for (char **p = parts; *p; p++) {
		if (!**p)
			continue;
		if (r.n == MAX_SEGMENTS) {
			too_deep = true;
			break;
		}
		r.seg[r.n++] = *p;
	}
	if (too_deep || r.n == 0)
		http_respond_error(resp, 404, "not_found", "no such API route");
	else
		dispatch(&r);
	g_strfreev(parts);
}

static void load_room(void *arg, const struct room_settings *s)
{
	if (room_directory_add(directory, s) == 0)
		(*(unsigned *)arg)++;
}

static void forget_room(void *arg, const char *name)
{
	log_info(LOGS_HTTP, "room %s: empty for its empty_timeout_s, removed", name);
	int rc = room_store_delete(store, name);
	if (rc && rc != -ENOENT)
		log_warn(LOGS_HTTP, "room %s: still in the database (%d); it expires again after a restart",
			 name, rc);
}

static gpointer housekeeping(gpointer unused)
{
	g_mutex_lock(&house_lock);
	while (!stopping) {
		g_cond_wait_until(&house_cond, &house_lock, g_get_monotonic_time() + G_USEC_PER_SEC);
		g_mutex_unlock(&house_lock);
		g_mutex_lock(&write_lock);
		room_directory_expire(directory, g_get_real_time() / 1000, forget_room, NULL);
		g_mutex_unlock(&write_lock);
		g_mutex_lock(&house_lock);
	}
	g_mutex_unlock(&house_lock);
	return NULL;
}

int rooms_api_start(const struct config *cfg, struct room_directory *d, struct room_store *s)
{
	config = cfg;
	directory = d;
	store = s;
	unsigned n = 0;
	if (room_store_load(store, load_room, &n))
		return -EIO;
	log_info(LOGS_HTTP, "%u room%s loaded from the database", n, n == 1 ? "" : "s");
	stopping = false;
	housekeeper = g_thread_new("rooms-housekeeping", housekeeping, NULL);
	return 0;
}

void rooms_api_stop(void)
{
	if (!housekeeper)
		return;
	g_mutex_lock(&house_lock);
	stopping = true;
	g_cond_signal(&house_cond);
	g_mutex_unlock(&house_lock);
	g_thread_join(housekeeper);
	housekeeper = NULL;
}
