/* Participants on Parley (WebSocket, the server offers) and on Janus's
 * VideoRoom (HTTP; we offer to publish, Janus offers to subscribe). The
 * glue between signaling callbacks (on signaling threads) and peers (which
 * post to their loop). */
#include "bench/loadgen/client.h"

#include <glib.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/loop.h"
#include "bench/loadgen/peer.h"
#include "bench/loadgen/sig_janus.h"
#include "bench/loadgen/sig_parley.h"

struct client {
	const struct client_env *env;
	char name[48];
	bool publish, subscribe;
	struct lg_loop *loop;
	struct peer *pc;              /* Parley: the only one; Janus: the publisher's */
	struct peer *sub_pc;          /* Janus: the subscriber's */
	struct sigp_conn *ws;
	struct sigj_handle *jpub, *jsub;
	int64_t join_us;
	uint64_t feed;                /* atomic */
	bool up;                      /* atomic: Janus reported webrtcup for the publisher */
	bool leaving;                 /* atomic */
	char error[200];              /* under error_lock */
};

static GMutex error_lock;

static void set_error(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(struct client *c, const char *fmt, ...)
{
	if (__atomic_load_n(&c->leaving, __ATOMIC_RELAXED))
		return;
	va_list ap;
	va_start(ap, fmt);
	g_mutex_lock(&error_lock);
	if (!c->error[0])
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
	g_mutex_unlock(&error_lock);
	va_end(ap);
}

static const char *str(json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "?";
}

/* ---- Parley ---- */

static void parley_opened(void *arg)
{
	struct client *c = arg;
	sigp_send(c->ws, json_pack("{s:s, s:s, s:s}", "type", "join", "room", c->env->room, "name", c->name));
}

static void parley_message(void *arg, json_t *msg)
{
	struct client *c = arg;
	const char *type = json_string_value(json_object_get(msg, "type"));
	if (!type)
		return;
	if (!strcmp(type, "offer")) {
		const char *sdp = json_string_value(json_object_get(msg, "sdp"));
		if (sdp)
			peer_post_offer(c->pc, g_strdup(sdp));
	} else if (!strcmp(type, "candidate")) {
		const char *cand = json_string_value(json_object_get(json_object_get(msg, "candidate"), "candidate"));
		peer_post_candidate(c->pc, cand && *cand ? g_strdup(cand) : NULL);
	} else if (!strcmp(type, "error")) {
		set_error(c, "server error %s: %s", str(json_object_get(msg, "code")),
			  str(json_object_get(msg, "message")));
	} else if (!strcmp(type, "bye")) {
		set_error(c, "bye: %s", str(json_object_get(msg, "reason")));
	}
}

static void parley_closed(void *arg, const char *why)
{
	set_error(arg, "signaling closed: %s", why);
}

static const struct sigp_handlers parley_handlers = {
	.opened = parley_opened, .message = parley_message, .closed = parley_closed,
};

static void parley_sdp(void *arg, const char *type, const char *sdp)
{
	struct client *c = arg;
	sigp_send(c->ws, json_pack("{s:s, s:s}", "type", type, "sdp", sdp));
	if (c->publish)
		__atomic_store_n(&c->feed, 1, __ATOMIC_RELAXED);
}

static const struct peer_sink parley_sink = { .sdp = parley_sdp };

/* ---- Janus ---- */

static json_t *jsep(const char *type, const char *sdp)
{
	return json_pack("{s:s, s:s, s:b}", "type", type, "sdp", sdp, "trickle", 0);
}

static const char *jsep_sdp(json_t *j, const char *type)
{
	const char *t = json_string_value(json_object_get(j, "type"));
	return t && !strcmp(t, type) ? json_string_value(json_object_get(j, "sdp")) : NULL;
}

static void janus_data_error(struct client *c, json_t *data, const char *who)
{
	const char *err = json_string_value(json_object_get(data, "error"));
	if (err)
		set_error(c, "janus %s: %s", who, err);
}

static void pub_event(void *arg, json_t *data, json_t *j)
{
	struct client *c = arg;
	const char *vr = json_string_value(json_object_get(data, "videoroom"));
	janus_data_error(c, data, "publisher");
	if (vr && !strcmp(vr, "joined"))
		__atomic_store_n(&c->feed, (uint64_t)json_integer_value(json_object_get(data, "id")),
				 __ATOMIC_RELAXED);
	const char *sdp = jsep_sdp(j, "answer");
	if (sdp)
		peer_post_answer(c->pc, g_strdup(sdp));
}

static void pub_trickle(void *arg, const char *cand)
{
	struct client *c = arg;
	peer_post_candidate(c->pc, cand ? g_strdup(cand) : NULL);
}

static void pub_error(void *arg, const char *why)
{
	set_error(arg, "janus publisher: %s", why);
}

/* Janus lets subscribers join a feed only once its PeerConnection is up on
 * Janus's side, which can be a little after ours. */
static void pub_up(void *arg)
{
	struct client *c = arg;
	__atomic_store_n(&c->up, true, __ATOMIC_RELAXED);
}

static const struct sigj_handlers pub_handlers = {
	.event = pub_event, .trickle = pub_trickle, .error = pub_error, .up = pub_up,
};

static void sub_event(void *arg, json_t *data, json_t *j)
{
	struct client *c = arg;
	janus_data_error(c, data, "subscriber");
	const char *sdp = jsep_sdp(j, "offer");
	if (sdp)
		peer_post_offer(c->sub_pc, g_strdup(sdp));
}

static void sub_trickle(void *arg, const char *cand)
{
	struct client *c = arg;
	peer_post_candidate(c->sub_pc, cand ? g_strdup(cand) : NULL);
}

static void sub_error(void *arg, const char *why)
{
	set_error(arg, "janus subscriber: %s", why);
}

static const struct sigj_handlers sub_handlers = {
	.event = sub_event, .trickle = sub_trickle, .error = sub_error,
};

static void janus_pub_sdp(void *arg, const char *type, const char *sdp)
{
	struct client *c = arg;
	json_t *body = json_pack("{s:s, s:I, s:s, s:s, s:b, s:b}", "request", "joinandconfigure", "room",
				 (json_int_t)c->env->janus_room, "ptype", "publisher", "display", c->name,
				 "audio", 1, "video", 1);
	sigj_message(c->jpub, body, jsep(type, sdp));
}

static void janus_sub_sdp(void *arg, const char *type, const char *sdp)
{
	struct client *c = arg;
	json_t *body = json_pack("{s:s, s:I}", "request", "start", "room", (json_int_t)c->env->janus_room);
	sigj_message(c->jsub, body, jsep(type, sdp));
}

static const struct peer_sink janus_pub_sink = { .sdp = janus_pub_sdp };
static const struct peer_sink janus_sub_sink = { .sdp = janus_sub_sdp };

/* ---- public ---- */

struct client *client_new(const struct client_env *env, const char *name, bool publish,
			  bool subscribe, struct lg_loop *loop)
{
	struct client *c = calloc(1, sizeof(*c));
	c->env = env;
	g_strlcpy(c->name, name, sizeof(c->name));
	c->publish = publish;
	c->subscribe = subscribe;
	c->loop = loop;
	struct peer_options o = { .name = c->name, .send = publish, .media = env->media };
	if (env->kind == SERVER_PARLEY) {
		c->pc = peer_new(loop, &o, &parley_sink, c);
		return c;
	}
	if (publish)
		c->pc = peer_new(loop, &o, &janus_pub_sink, c);
	if (subscribe) {
		o.send = false;
		c->sub_pc = peer_new(loop, &o, &janus_sub_sink, c);
	}
	return c;
}

void client_join(struct client *c)
{
	c->join_us = g_get_monotonic_time();
	if (c->env->kind == SERVER_PARLEY) {
		c->ws = sigp_new(&parley_handlers, c);
		sigp_connect(c->ws);
		return;
	}
	if (c->publish) {
		c->jpub = sigj_attach(&pub_handlers, c);
		peer_post_make_offer(c->pc);
	}
}

void client_subscribe(struct client *c, const uint64_t *feeds, unsigned n_feeds)
{
	if (c->env->kind == SERVER_PARLEY || !c->subscribe || c->jsub || !n_feeds)
		return;
	if (!c->join_us)
		c->join_us = g_get_monotonic_time();
	json_t *streams = json_array();
	for (unsigned i = 0; i < n_feeds; i++)
		json_array_append_new(streams, json_pack("{s:I}", "feed", (json_int_t)feeds[i]));
	c->jsub = sigj_attach(&sub_handlers, c);
	sigj_message(c->jsub, json_pack("{s:s, s:I, s:s, s:o}", "request", "join", "room",
					(json_int_t)c->env->janus_room, "ptype", "subscriber", "streams",
					streams), NULL);
}

void client_leave(struct client *c)
{
	if (__atomic_exchange_n(&c->leaving, true, __ATOMIC_RELAXED))
		return;
	if (c->ws) {
		sigp_send(c->ws, json_pack("{s:s}", "type", "leave"));
		sigp_close(c->ws);
	}
	if (c->jsub)
		sigj_detach(c->jsub);
	if (c->jpub)
		sigj_detach(c->jpub);
	if (c->pc)
		peer_post_close(c->pc);
	if (c->sub_pc)
		peer_post_close(c->sub_pc);
}

int64_t client_join_us(const struct client *c)
{
	return c->join_us;
}

uint64_t client_feed(const struct client *c)
{
	if (c->env->kind == SERVER_JANUS && !__atomic_load_n(&c->up, __ATOMIC_RELAXED))
		return 0;
	return __atomic_load_n(&c->feed, __ATOMIC_RELAXED);
}

struct peer *client_rx_peer(const struct client *c)
{
	if (!c->subscribe)
		return NULL;
	return c->env->kind == SERVER_PARLEY ? c->pc : c->sub_pc;
}

struct peer *client_tx_peer(const struct client *c)
{
	return c->publish ? c->pc : NULL;
}

const char *client_error(const struct client *c)
{
	return c->error;
}

bool client_publishes(const struct client *c)
{
	return c->publish;
}

bool client_subscribes(const struct client *c)
{
	return c->subscribe;
}
