/* Scenario flows (see scenario.h). The main thread drives them with short
 * sleeps and polls the peers' status, which loops publish atomically; the
 * measured window is opened and closed by barriers on every loop, so the
 * counters it reports are consistent snapshots. */
#include "bench/loadgen/scenario.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "bench/loadgen/loop.h"
#include "bench/loadgen/peer.h"
#include "bench/loadgen/report.h"
#include "bench/loadgen/sig_janus.h"

#define POLL_US 10000
#define CHURN_TAIL_S 2.0   /* no churn joins this close to the window's end */

struct run {
	const struct run_options *o;
	struct client_env env;
	GPtrArray *clients, *measured, *joined;
	unsigned next_loop;
	struct window w;
};

const char *scenario_name(enum scenario s)
{
	switch (s) {
	case SCENARIO_FANOUT: return "fanout";
	case SCENARIO_MEETING: return "meeting";
	case SCENARIO_CHURN: return "churn";
	}
	return "?";
}

static double now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* A publisher that only publishes gets loop 0 to itself (when there are
 * several), so its send times stay on schedule however busy the
 * subscribers' loops are; subscribers share the others. */
static struct lg_loop *pick_loop(struct run *r, bool pub, bool sub)
{
	unsigned n = lg_loop_count();
	if (n == 1 || (pub && sub))
		return lg_loop_get(r->next_loop++);
	if (pub)
		return lg_loop_get(0);
	return lg_loop_get(1 + r->next_loop++ % (n - 1));
}

static struct client *add_client(struct run *r, const char *prefix, unsigned i, bool pub, bool sub)
{
	char name[32];
	snprintf(name, sizeof(name), "%s%u", prefix, i);
	struct client *c = client_new(&r->env, name, pub, sub, pick_loop(r, pub, sub));
	g_ptr_array_add(r->clients, c);
	return c;
}

static bool failed(struct client *c)
{
	struct peer_status st;
	if (client_error(c)[0])
		return true;
	struct peer *p[2] = { client_tx_peer(c), client_rx_peer(c) };
	for (int i = 0; i < 2; i++) {
		if (!p[i])
			continue;
		peer_status(p[i], &st);
		if (st.failed)
			return true;
	}
	return false;
}

static bool publishing(struct client *c)
{
	struct peer_status st;
	peer_status(client_tx_peer(c), &st);
	return st.connected_us && client_feed(c);
}

/* All streams the scenario promised have arrived, video starting with a keyframe. */
static bool receiving(struct client *c, unsigned streams)
{
	struct peer_status st;
	peer_status(client_rx_peer(c), &st);
	return st.first_key_us && st.streams >= streams;
}

/* Waits until every client in list is publishing (streams == 0) or receiving
 * that many streams, or has failed. False on timeout. */
static bool wait_all(GPtrArray *list, unsigned streams, double timeout_s)
{
	double until = now_s() + timeout_s;
	for (;;) {
		bool done = true;
		for (guint i = 0; i < list->len && done; i++) {
			struct client *c = list->pdata[i];
			done = failed(c) || (streams ? receiving(c, streams) : publishing(c));
		}
		if (done)
			return true;
		if (now_s() > until)
			return false;
		g_usleep(POLL_US);
	}
}

static void sleep_s(double s)
{
	if (s > 0)
		g_usleep((gulong)(s * 1e6));
}

static void begin_on_loop(struct lg_loop *l, void *arg)
{
	for (guint i = 0; i < l->peers->len; i++)
		peer_window_begin(l->peers->pdata[i]);
	l->in_window = true;
}

static void end_on_loop(struct lg_loop *l, void *arg)
{
	l->in_window = false;
	for (guint i = 0; i < l->peers->len; i++)
		peer_window_end(l->peers->pdata[i]);
}

static double window_begin(struct run *r)
{
	lg_loops_run_all(begin_on_loop, NULL);
	if (r->o->server_pid)
		proc_sample(r->o->server_pid, &r->w.begin);
	r->w.loadgen_cpu_s = self_cpu_s();
	r->w.host_busy_s = host_busy_s();
	udp_drops_sample(r->o->server_pid, &r->w.drops_begin);
	return now_s();
}

static void window_end(struct run *r, double started)
{
	if (r->o->server_pid)
		proc_sample(r->o->server_pid, &r->w.end);
	r->w.loadgen_cpu_s = self_cpu_s() - r->w.loadgen_cpu_s;
	r->w.host_busy_s = host_busy_s() - r->w.host_busy_s;
	udp_drops_sample(r->o->server_pid, &r->w.drops_end);
	lg_loops_run_all(end_on_loop, NULL);
	r->w.seconds = now_s() - started;
}

static void sample_before_join(struct run *r)
{
	if (r->o->server_pid)
		proc_sample(r->o->server_pid, &r->w.before_join);
}

static void pace_join(const struct run_options *o)
{
	if (o->join_rate > 0)
		sleep_s(1.0 / o->join_rate);
}

static json_t *setup_failure(struct run *r, const char *what, struct client *c)
{
	json_t *res = json_pack("{s:s, s:s, s:s, s:s}", "label", r->o->label, "server",
				r->o->kind == SERVER_PARLEY ? "parley" : "janus", "scenario",
				scenario_name(r->o->scenario), "error", what);
	if (c && client_error(c)[0])
		json_object_set_new(res, "detail", json_string(client_error(c)));
	return res;
}

static struct client *join_subscriber(struct run *r, const char *prefix, unsigned i, uint64_t feed)
{
	struct client *c = add_client(r, prefix, i, false, true);
	client_join(c);
	client_subscribe(c, &feed, 1);
	return c;
}

/* Fan-out, and churn on top of it. */
static json_t *run_fanout(struct run *r, bool churn)
{
	const struct run_options *o = r->o;
	struct client *pub = add_client(r, "pub", 0, true, false);
	GPtrArray *one = g_ptr_array_new();
	g_ptr_array_add(one, pub);
	client_join(pub);
	bool ok = wait_all(one, 0, o->setup_timeout_s) && !failed(pub);
	g_ptr_array_free(one, TRUE);
	if (!ok)
		return setup_failure(r, "publisher did not connect", pub);
	uint64_t feed = client_feed(pub);
	sample_before_join(r);
	double t0 = now_s();
	GPtrArray *subs = g_ptr_array_new();
	for (unsigned i = 0; i < o->subscribers; i++) {
		g_ptr_array_add(subs, join_subscriber(r, "sub", i, feed));
		pace_join(o);
	}
	if (subs->len)
		wait_all(subs, 2, o->setup_timeout_s);
	r->w.setup_s = now_s() - t0;
	r->w.subscribers = o->subscribers;
	sleep_s(o->warmup_s);
	double started = window_begin(r);
	if (!churn) {
		for (guint i = 0; i < subs->len; i++)
			g_ptr_array_add(r->measured, subs->pdata[i]);
		g_ptr_array_extend(r->joined, subs, NULL, NULL);
		sleep_s(o->duration_s);
	} else {
		/* The first half stays and is measured; the rest is replaced in turn. */
		unsigned steady = (o->subscribers + 1) / 2, next = 0, serial = 0;
		GPtrArray *churners = g_ptr_array_new();
		for (guint i = 0; i < subs->len; i++)
			g_ptr_array_add(i < steady ? r->measured : churners, subs->pdata[i]);
		double period = o->churn_rate > 0 ? 1.0 / o->churn_rate : o->duration_s;
		double end = started + o->duration_s, next_at = started + period;
		while (now_s() < end) {
			if (churners->len && now_s() >= next_at && now_s() < end - CHURN_TAIL_S) {
				unsigned k = next++ % churners->len;
				client_leave(churners->pdata[k]);
				r->w.churn_leaves++;
				struct client *c = join_subscriber(r, "churn", serial++, feed);
				churners->pdata[k] = c;
				g_ptr_array_add(r->joined, c);
				r->w.churn_joins++;
				next_at += period;
			}
			g_usleep(POLL_US);
		}
		g_ptr_array_free(churners, TRUE);
	}
	window_end(r, started);
	g_ptr_array_free(subs, TRUE);
	return report_build(o, r->clients, r->measured, r->joined, &r->w);
}

/* K participants, everyone publishing to everyone else. */
static json_t *run_meeting(struct run *r)
{
	const struct run_options *o = r->o;
	unsigned k = o->participants;
	sample_before_join(r);
	double t0 = now_s();
	for (unsigned i = 0; i < k; i++) {
		client_join(add_client(r, "p", i, true, true));
		pace_join(o);
	}
	if (o->kind == SERVER_JANUS) {
		if (!wait_all(r->clients, 0, o->setup_timeout_s))
			return setup_failure(r, "publishers did not connect", r->clients->pdata[0]);
		uint64_t *feeds = calloc(k, sizeof(*feeds));
		for (unsigned i = 0; i < k; i++)
			feeds[i] = client_feed(r->clients->pdata[i]);
		for (unsigned i = 0; i < k; i++) {
			uint64_t others[k > 1 ? k - 1 : 1];
			unsigned n = 0;
			for (unsigned j = 0; j < k; j++)
				if (j != i)
					others[n++] = feeds[j];
			client_subscribe(r->clients->pdata[i], others, n);
			pace_join(o);
		}
		free(feeds);
	}
	wait_all(r->clients, 2 * (k - 1), o->setup_timeout_s);
	r->w.setup_s = now_s() - t0;
	r->w.subscribers = k;
	g_ptr_array_extend(r->measured, r->clients, NULL, NULL);
	g_ptr_array_extend(r->joined, r->clients, NULL, NULL);
	sleep_s(o->warmup_s);
	double started = window_begin(r);
	sleep_s(o->duration_s);
	window_end(r, started);
	return report_build(o, r->clients, r->measured, r->joined, &r->w);
}

static void create_janus_room(const struct run_options *o)
{
	json_t *data = sigj_request_sync(json_pack(
		"{s:s, s:I, s:s, s:i, s:i, s:i, s:s, s:s, s:b}", "request", "create", "room",
		(json_int_t)o->janus_room, "description", "parley-loadgen", "publishers", 64, "bitrate",
		2000000, "fir_freq", 0, "audiocodec", "opus", "videocodec", "vp8", "notify_joining", 0));
	const char *err = json_string_value(json_object_get(data, "error"));
	/* 427: it exists already (configured, or an earlier run). */
	if (err && json_integer_value(json_object_get(data, "error_code")) != 427)
		fprintf(stderr, "parley-loadgen: creating Janus room %llu: %s\n",
			(unsigned long long)o->janus_room, err);
	json_decref(data);
}

json_t *scenario_run(const struct run_options *o)
{
	struct run r = { .o = o };
	r.env = (struct client_env){ .kind = o->kind, .room = o->room, .janus_room = o->janus_room,
				     .media = &o->media };
	r.clients = g_ptr_array_new();
	r.measured = g_ptr_array_new();
	r.joined = g_ptr_array_new();
	if (o->kind == SERVER_JANUS && o->janus_create_room)
		create_janus_room(o);
	json_t *res = o->scenario == SCENARIO_MEETING ? run_meeting(&r)
						      : run_fanout(&r, o->scenario == SCENARIO_CHURN);
	for (guint i = 0; i < r.clients->len; i++)
		client_leave(r.clients->pdata[i]);
	sleep_s(0.5); /* let the leaves go out */
	g_ptr_array_free(r.clients, TRUE);
	g_ptr_array_free(r.measured, TRUE);
	g_ptr_array_free(r.joined, TRUE);
	return res;
}
