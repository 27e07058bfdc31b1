/* Janus HTTP API client. A handle's id is known once its attach request
 * has run on the request thread; everything later about it is queued behind
 * that request, so it always has its id. Events are matched to handles by
 * their "sender" id through a locked table. Handles are freed at stop. */
#include "bench/loadgen/sig_janus.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEPALIVE_US (25 * G_USEC_PER_SEC)
#define MAX_EVENTS 100

enum req_kind { REQ_ATTACH, REQ_MESSAGE, REQ_TRICKLE, REQ_DETACH, REQ_STOP };

struct sigj_handle {
	const struct sigj_handlers *h;
	void *arg;
	uint64_t id;              /* request thread writes before any event can name it */
};

struct request {
	enum req_kind kind;
	struct sigj_handle *handle;
	json_t *body, *jsep;
	char *candidate;
};

static char base_url[256];
static uint64_t session_id;
static GAsyncQueue *requests;
static GThread *req_thread, *poll_thread;
static volatile int stopping;
static GMutex table_lock;
static GHashTable *by_id;     /* uint64 id -> struct sigj_handle *, under table_lock */
static GPtrArray *all;        /* every handle, freed at stop, under table_lock */
static GMutex sync_lock;      /* one synchronous request at a time */
static unsigned long next_tid;

struct buffer {
	GString *s;
};

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	g_string_append_len(((struct buffer *)user)->s, data, (gssize)(size * n));
	return size * n;
}

static int on_progress(void *p, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	return stopping ? 1 : 0;
}

/* One HTTP exchange; POST when body is non-NULL. Returns the parsed reply or NULL. */
static json_t *http(CURL *curl, const char *url, json_t *body, long timeout_s)
{
	struct buffer b = { g_string_new(NULL) };
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (text) {
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
	}
	CURLcode rc = curl_easy_perform(curl);
	json_t *reply = NULL;
	if (rc == CURLE_OK)
		reply = json_loadb(b.s->str, b.s->len, 0, NULL);
	else if (!stopping)
		fprintf(stderr, "parley-loadgen: janus %s: %s\n", url, curl_easy_strerror(rc));
	curl_slist_free_all(hdr);
	free(text);
	g_string_free(b.s, TRUE);
	return reply;
}

static json_t *with_transaction(json_t *msg)
{
	char tid[32];
	snprintf(tid, sizeof(tid), "lg%lu", __atomic_add_fetch(&next_tid, 1, __ATOMIC_RELAXED));
	json_object_set_new(msg, "transaction", json_string(tid));
	return msg;
}

static const char *janus_kind(json_t *reply)
{
	const char *k = json_string_value(json_object_get(reply, "janus"));
	return k ? k : "";
}

static const char *error_reason(json_t *reply)
{
	const char *r = json_string_value(json_object_get(json_object_get(reply, "error"), "reason"));
	if (!r)
		r = json_string_value(json_object_get(json_object_get(json_object_get(reply, "plugindata"),
								      "data"), "error"));
	return r ? r : "unknown error";
}

/* POSTs msg to base/session[/handle]; returns the reply (new reference) or NULL. */
static json_t *post(CURL *curl, uint64_t handle, json_t *msg)
{
	char url[320];
	if (handle)
		snprintf(url, sizeof(url), "%s/%llu/%llu", base_url, (unsigned long long)session_id,
			 (unsigned long long)handle);
	else if (session_id)
		snprintf(url, sizeof(url), "%s/%llu", base_url, (unsigned long long)session_id);
	else
		snprintf(url, sizeof(url), "%s", base_url);
	json_t *reply = http(curl, url, with_transaction(msg), 30);
	json_decref(msg);
	return reply;
}

static uint64_t attach(CURL *curl)
{
	json_t *r = post(curl, 0, json_pack("{s:s, s:s}", "janus", "attach", "plugin",
					    "janus.plugin.videoroom"));
	uint64_t id = (uint64_t)json_integer_value(json_object_get(json_object_get(r, "data"), "id"));
	json_decref(r);
	return id;
}

static void fail(struct sigj_handle *h, const char *why)
{
	if (h && h->h->error)
		h->h->error(h->arg, why);
}

static void run_request(CURL *curl, struct request *r)
{
	struct sigj_handle *h = r->handle;
	json_t *msg = NULL, *reply = NULL;
	switch (r->kind) {
	case REQ_ATTACH:
		h->id = attach(curl);
		if (!h->id) {
			fail(h, "attach failed");
			break;
		}
		g_mutex_lock(&table_lock);
		g_hash_table_insert(by_id, g_memdup2(&h->id, sizeof(h->id)), h);
		g_mutex_unlock(&table_lock);
		break;
	case REQ_MESSAGE:
		msg = json_pack("{s:s, s:O}", "janus", "message", "body", r->body);
		if (r->jsep)
			json_object_set(msg, "jsep", r->jsep);
		break;
	case REQ_TRICKLE:
		msg = r->candidate ? json_pack("{s:s, s:{s:s, s:s, s:i}}", "janus", "trickle", "candidate",
					       "candidate", r->candidate, "sdpMid", "0", "sdpMLineIndex", 0)
				   : json_pack("{s:s, s:{s:b}}", "janus", "trickle", "candidate",
					       "completed", 1);
		break;
	case REQ_DETACH:
		msg = json_pack("{s:s}", "janus", "detach");
		break;
	case REQ_STOP:
		break;
	}
	if (msg && h && h->id) {
		reply = post(curl, h->id, msg);
		json_t *data = json_object_get(json_object_get(reply, "plugindata"), "data");
		if (!reply || !strcmp(janus_kind(reply), "error") || json_object_get(data, "error_code"))
			fail(h, reply ? error_reason(reply) : "no reply");
		json_decref(reply);
	} else {
		json_decref(msg);
	}
	json_decref(r->body);
	json_decref(r->jsep);
	g_free(r->candidate);
	g_free(r);
}

static gpointer request_main(gpointer data)
{
	CURL *curl = curl_easy_init();
	int64_t next_keepalive = g_get_monotonic_time() + KEEPALIVE_US;
	for (;;) {
		int64_t wait = next_keepalive - g_get_monotonic_time();
		struct request *r = g_async_queue_timeout_pop(requests, wait > 0 ? (guint64)wait : 0);
		if (r && r->kind == REQ_STOP) {
			g_free(r);
			break;
		}
		if (r)
			run_request(curl, r);
		if (g_get_monotonic_time() >= next_keepalive) {
			json_decref(post(curl, 0, json_pack("{s:s}", "janus", "keepalive")));
			next_keepalive = g_get_monotonic_time() + KEEPALIVE_US;
		}
	}
	curl_easy_cleanup(curl);
	return NULL;
}

static struct sigj_handle *lookup(json_t *ev)
{
	uint64_t id = (uint64_t)json_integer_value(json_object_get(ev, "sender"));
	g_mutex_lock(&table_lock);
	struct sigj_handle *h = g_hash_table_lookup(by_id, &id);
	g_mutex_unlock(&table_lock);
	return h;
}

static void dispatch(json_t *ev)
{
	const char *kind = janus_kind(ev);
	struct sigj_handle *h = lookup(ev);
	if (!h)
		return;
	if (!strcmp(kind, "event")) {
		json_t *data = json_object_get(json_object_get(ev, "plugindata"), "data");
		if (data)
			h->h->event(h->arg, data, json_object_get(ev, "jsep"));
	} else if (!strcmp(kind, "trickle")) {
		json_t *c = json_object_get(ev, "candidate");
		if (json_is_true(json_object_get(c, "completed")))
			h->h->trickle(h->arg, NULL);
		else if (json_string_value(json_object_get(c, "candidate")))
			h->h->trickle(h->arg, json_string_value(json_object_get(c, "candidate")));
	} else if (!strcmp(kind, "webrtcup")) {
		if (h->h->up)
			h->h->up(h->arg);
	} else if (!strcmp(kind, "hangup")) {
		const char *why = json_string_value(json_object_get(ev, "reason"));
		fail(h, why ? why : "hangup");
	}
}

static gpointer poll_main(gpointer data)
{
	CURL *curl = curl_easy_init();
	char url[320];
	unsigned long rid = 0;
	while (!stopping) {
		snprintf(url, sizeof(url), "%s/%llu?maxev=%d&rid=%lu", base_url,
			 (unsigned long long)session_id, MAX_EVENTS, ++rid);
		json_t *r = http(curl, url, NULL, 60);
		if (!r) {
			if (!stopping)
				g_usleep(100000);
			continue;
		}
		if (json_is_array(r)) {
			size_t i;
			json_t *ev;
			json_array_foreach(r, i, ev)
				dispatch(ev);
		} else {
			dispatch(r);
		}
		json_decref(r);
	}
	curl_easy_cleanup(curl);
	return NULL;
}

int sigj_start(const char *base)
{
	g_strlcpy(base_url, base, sizeof(base_url));
	CURL *curl = curl_easy_init();
	json_t *r = post(curl, 0, json_pack("{s:s}", "janus", "create"));
	session_id = (uint64_t)json_integer_value(json_object_get(json_object_get(r, "data"), "id"));
	json_decref(r);
	curl_easy_cleanup(curl);
	if (!session_id) {
		fprintf(stderr, "parley-loadgen: cannot create a Janus session at %s\n", base);
		return -EIO;
	}
	by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	all = g_ptr_array_new_with_free_func(g_free);
	requests = g_async_queue_new();
	req_thread = g_thread_new("lg-janus-req", request_main, NULL);
	poll_thread = g_thread_new("lg-janus-poll", poll_main, NULL);
	return 0;
}

void sigj_stop(void)
{
	if (!requests)
		return;
	struct request *r = g_new0(struct request, 1);
	r->kind = REQ_STOP;
	g_async_queue_push(requests, r);
	g_thread_join(req_thread);
	CURL *curl = curl_easy_init();
	json_decref(post(curl, 0, json_pack("{s:s}", "janus", "destroy")));
	curl_easy_cleanup(curl);
	stopping = 1;
	g_thread_join(poll_thread);
	g_async_queue_unref(requests);
	requests = NULL;
	g_hash_table_destroy(by_id);
	g_ptr_array_free(all, TRUE);
}

json_t *sigj_request_sync(json_t *body)
{
	g_mutex_lock(&sync_lock);
	CURL *curl = curl_easy_init();
	uint64_t h = attach(curl);
	json_t *data = NULL;
	if (h) {
		json_t *r = post(curl, h, json_pack("{s:s, s:O}", "janus", "message", "body", body));
		data = json_incref(json_object_get(json_object_get(r, "plugindata"), "data"));
		json_decref(r);
		json_decref(post(curl, h, json_pack("{s:s}", "janus", "detach")));
	}
	curl_easy_cleanup(curl);
	g_mutex_unlock(&sync_lock);
	json_decref(body);
	return data;
}

static void queue(enum req_kind kind, struct sigj_handle *h, json_t *body, json_t *jsep,
		  const char *candidate)
{
	struct request *r = g_new0(struct request, 1);
	r->kind = kind;
	r->handle = h;
	r->body = body;
	r->jsep = jsep;
	r->candidate = g_strdup(candidate);
	g_async_queue_push(requests, r);
}

struct sigj_handle *sigj_attach(const struct sigj_handlers *h, void *arg)
{
	struct sigj_handle *handle = g_new0(struct sigj_handle, 1);
	handle->h = h;
	handle->arg = arg;
	g_mutex_lock(&table_lock);
	g_ptr_array_add(all, handle);
	g_mutex_unlock(&table_lock);
	queue(REQ_ATTACH, handle, NULL, NULL, NULL);
	return handle;
}

void sigj_message(struct sigj_handle *h, json_t *body, json_t *jsep)
{
	queue(REQ_MESSAGE, h, body, jsep, NULL);
}

void sigj_trickle(struct sigj_handle *h, const char *candidate)
{
	queue(REQ_TRICKLE, h, NULL, NULL, candidate);
}

void sigj_detach(struct sigj_handle *h)
{
	queue(REQ_DETACH, h, NULL, NULL, NULL);
}
