/* Timed batches on the media worker, and the callgrind client requests.
 *
 * A batch is one dispatch of a low-priority idle source on the worker's
 * context: the loop runs it only when no socket or timer of default priority
 * is ready, so every datagram the last batch sent has been read by the
 * peers (and nothing piles up in socket buffers) before the next batch
 * starts. Only run() is timed, and only run() is collected under callgrind. */
#include "bench/forward/bench.h"

#include <stdlib.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "sfu/worker.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void timing_init(struct timing *t)
{
	t->wall_ns = t->cpu_ns = 0;
	t->units = 0;
	t->per_batch = g_array_new(FALSE, FALSE, sizeof(double));
}

void timing_clear(struct timing *t)
{
	if (t->per_batch)
		g_array_free(t->per_batch, TRUE);
	t->per_batch = NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double timing_median(const struct timing *t)
{
	guint n = t->per_batch->len;
	if (!n)
		return 0;
	double *v = g_memdup2(t->per_batch->data, n * sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	g_free(v);
	return m;
}

double timing_min(const struct timing *t)
{
	double m = 0;
	for (guint i = 0; i < t->per_batch->len; i++) {
		double v = g_array_index(t->per_batch, double, i);
		if (i == 0 || v < m)
			m = v;
	}
	return m;
}

static gboolean run_batch(gpointer data)
{
	struct batch_job *j = data;
	uint64_t left = j->total - j->done;
	unsigned n = left < j->batch ? (unsigned)left : j->batch;
	if (j->prepare)
		j->prepare(j->arg, n);
	bench_collect(true);
	int64_t w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	j->run(j->arg, n);
	int64_t c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID), w1 = clock_ns(CLOCK_MONOTONIC);
	bench_collect(false);
	uint64_t units = (uint64_t)n * j->units_per_packet;
	j->timing->wall_ns += (double)(w1 - w0);
	j->timing->cpu_ns += (double)(c1 - c0);
	j->timing->units += units;
	double per = units ? (double)(w1 - w0) / (double)units : 0;
	g_array_append_val(j->timing->per_batch, per);
	j->done += n;
	if (j->done < j->total)
		return G_SOURCE_CONTINUE;
	g_mutex_lock(&j->lock);
	j->finished = true;
	g_cond_signal(&j->cond);
	g_mutex_unlock(&j->lock);
	return G_SOURCE_REMOVE;
}

static void start_job(void *arg)
{
	struct batch_job *j = arg;
	GSource *src = g_idle_source_new();
	g_source_set_priority(src, G_PRIORITY_LOW);
	g_source_set_callback(src, run_batch, j, NULL);
	g_source_attach(src, ((struct worker *)j->worker)->ctx);
	g_source_unref(src);
}

void batch_job_run(struct worker *w, struct batch_job *j)
{
	j->done = 0;
	j->finished = j->total == 0;
	j->worker = w;
	if (j->finished)
		return;
	g_mutex_init(&j->lock);
	g_cond_init(&j->cond);
	worker_post(w, start_job, j);
	g_mutex_lock(&j->lock);
	while (!j->finished)
		g_cond_wait(&j->cond, &j->lock);
	g_mutex_unlock(&j->lock);
	g_mutex_clear(&j->lock);
	g_cond_clear(&j->cond);
}

struct call {
	void (*fn)(void *arg);
	void *arg;
	bool done;
	GMutex lock;
	GCond cond;
};

static void run_call(void *arg)
{
	struct call *c = arg;
	c->fn(c->arg);
	g_mutex_lock(&c->lock);
	c->done = true;
	g_cond_signal(&c->cond);
	g_mutex_unlock(&c->lock);
}

void bench_run_on_worker(struct worker *w, void (*fn)(void *arg), void *arg)
{
	struct call c = { .fn = fn, .arg = arg };
	g_mutex_init(&c.lock);
	g_cond_init(&c.cond);
	worker_post(w, run_call, &c);
	g_mutex_lock(&c.lock);
	while (!c.done)
		g_cond_wait(&c.cond, &c.lock);
	g_mutex_unlock(&c.lock);
	g_mutex_clear(&c.lock);
	g_cond_clear(&c.cond);
}

/* Collection is a flag callgrind flips: keep our own so calls stay paired. */
static bool collecting;

void bench_collect(bool on)
{
	if (on == collecting)
		return;
	collecting = on;
	CALLGRIND_TOGGLE_COLLECT;
}

void bench_instrument(bool on)
{
	if (on)
		CALLGRIND_START_INSTRUMENTATION;
	else
		CALLGRIND_STOP_INSTRUMENTATION;
}

void bench_dump(const char *label)
{
	CALLGRIND_DUMP_STATS_AT(label);
}

bool bench_under_valgrind(void)
{
	return RUNNING_ON_VALGRIND;
}
