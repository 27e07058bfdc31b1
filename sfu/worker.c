/* Worker threads. Each owns a GMainContext on which its libnice agents,
 * DTLS timers and room ticks run; commands from other threads arrive as
 * idle sources on that context, in order. */
#include "sfu/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"

static struct worker *workers;
static unsigned n_workers;

#define PROBE_MS 100

/* How late the loop runs a timer is how long a packet can wait behind
 * other work: the figure operators watch before a worker saturates. */
static gboolean on_probe(gpointer data)
{
	struct worker *w = data;
	int64_t now = g_get_monotonic_time();
	int64_t late = w->probe_due_us ? now - w->probe_due_us : 0;
	if (late > w->probe_worst_us)
		w->probe_worst_us = late;
	w->probe_due_us = now + PROBE_MS * 1000;
	if (++w->probe_ticks % 10 == 0) {
		__atomic_store_n(&w->stats.loop_delay_us, (uint64_t)w->probe_worst_us, __ATOMIC_RELAXED);
		w->probe_worst_us = 0;
	}
	return G_SOURCE_CONTINUE;
}

static void start_probe(struct worker *w)
{
	w->probe = g_timeout_source_new(PROBE_MS);
	g_source_set_callback(w->probe, on_probe, w, NULL);
	g_source_attach(w->probe, w->ctx);
}

void worker_read_stats(const struct worker *w, struct worker_stats *out)
{
	const uint64_t *src = (const uint64_t *)&w->stats;
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static gpointer worker_main(gpointer data)
{
	struct worker *w = data;
	g_main_context_push_thread_default(w->ctx);
	g_main_loop_run(w->loop);
	g_main_context_pop_thread_default(w->ctx);
	return NULL;
}

int workers_start(unsigned n)
{
	workers = calloc(n, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	n_workers = n;
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &workers[i];
		char name[24];
		w->index = i;
		w->ctx = g_main_context_new();
		w->loop = g_main_loop_new(w->ctx, FALSE);
		w->rooms = g_hash_table_new(g_str_hash, g_str_equal);
		w->data_transports = g_ptr_array_new();
		start_probe(w);
		snprintf(name, sizeof(name), "media-%u", i);
		w->thread = g_thread_new(name, worker_main, w);
	}
	log_info(LOGS_MAIN, "%u media worker%s started", n, n == 1 ? "" : "s");
	return 0;
}

unsigned worker_count(void)
{
	return n_workers;
}

struct worker *worker_get(unsigned index)
{
	return &workers[index % n_workers];
}

struct post {
	void (*fn)(void *arg);
	void *arg;
};

static gboolean run_post(gpointer data)
{
	struct post *p = data;
	p->fn(p->arg);
	return G_SOURCE_REMOVE;
}

void worker_post(struct worker *w, void (*fn)(void *arg), void *arg)
{
	struct post *p = g_new(struct post, 1);
	p->fn = fn;
	p->arg = arg;
	GSource *src = g_idle_source_new();
	g_source_set_priority(src, G_PRIORITY_DEFAULT);
	g_source_set_callback(src, run_post, p, g_free);
	g_source_attach(src, w->ctx);
	g_source_unref(src);
}

struct stop_request {
	struct worker *w;
	void (*on_worker)(struct worker *w);
};

static void stop_on_worker(void *arg)
{
	struct stop_request *r = arg;
	if (r->on_worker)
		r->on_worker(r->w);
	g_main_loop_quit(r->w->loop);
	free(r);
}

void workers_stop(void (*on_worker)(struct worker *w))
{
	for (unsigned i = 0; i < n_workers; i++) {
		struct stop_request *r = malloc(sizeof(*r));
		r->w = &workers[i];
		r->on_worker = on_worker;
		worker_post(&workers[i], stop_on_worker, r);
	}
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &workers[i];
		g_thread_join(w->thread);
		/* Let sources that closed sockets or freed agents finish. */
		while (g_main_context_iteration(w->ctx, FALSE))
			;
		g_hash_table_destroy(w->rooms);
		g_ptr_array_free(w->data_transports, TRUE);
		g_source_destroy(w->probe);
		g_source_unref(w->probe);
		g_main_loop_unref(w->loop);
		g_main_context_unref(w->ctx);
	}
	free(workers);
	workers = NULL;
	n_workers = 0;
}
