/* Media threads: one GMainContext and GMainLoop each, plus a barrier that
 * runs a function on every loop and waits (window start and end). */
#include "bench/loadgen/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static struct lg_loop *loops;
static GMainLoop **mainloops;
static GThread **threads;
static unsigned n_loops;

static gpointer loop_main(gpointer data)
{
	struct lg_loop *l = data;
	GMainLoop *ml = mainloops[l->w.index];
	g_main_context_push_thread_default(l->w.ctx);
	g_main_loop_run(ml);
	g_main_context_pop_thread_default(l->w.ctx);
	return NULL;
}

int lg_loops_start(unsigned n)
{
	loops = calloc(n, sizeof(*loops));
	mainloops = calloc(n, sizeof(*mainloops));
	threads = calloc(n, sizeof(*threads));
	if (!loops || !mainloops || !threads)
		return -ENOMEM;
	n_loops = n;
	for (unsigned i = 0; i < n; i++) {
		struct lg_loop *l = &loops[i];
		char name[24];
		l->w.index = i;
		l->w.ctx = g_main_context_new();
		l->w.data_transports = g_ptr_array_new();
		l->peers = g_ptr_array_new();
		mainloops[i] = g_main_loop_new(l->w.ctx, FALSE);
		snprintf(name, sizeof(name), "lg-media-%u", i);
		threads[i] = g_thread_new(name, loop_main, l);
	}
	return 0;
}

static void quit(void *arg)
{
	g_main_loop_quit(arg);
}

void lg_loops_stop(void)
{
	for (unsigned i = 0; i < n_loops; i++)
		lg_loop_post(&loops[i], quit, mainloops[i]);
	for (unsigned i = 0; i < n_loops; i++)
		g_thread_join(threads[i]);
}

unsigned lg_loop_count(void)
{
	return n_loops;
}

struct lg_loop *lg_loop_get(unsigned i)
{
	return &loops[i % n_loops];
}

void lg_loop_post(struct lg_loop *l, void (*fn)(void *arg), void *arg)
{
	worker_post(&l->w, fn, arg);
}

struct barrier {
	GMutex lock;
	GCond cond;
	unsigned left;
	void (*fn)(struct lg_loop *l, void *arg);
	void *arg;
};

struct barrier_call {
	struct barrier *b;
	struct lg_loop *l;
};

static void run_one(void *data)
{
	struct barrier_call *c = data;
	c->b->fn(c->l, c->b->arg);
	g_mutex_lock(&c->b->lock);
	if (--c->b->left == 0)
		g_cond_signal(&c->b->cond);
	g_mutex_unlock(&c->b->lock);
	free(c);
}

void lg_loops_run_all(void (*fn)(struct lg_loop *l, void *arg), void *arg)
{
	struct barrier b = { .left = n_loops, .fn = fn, .arg = arg };
	g_mutex_init(&b.lock);
	g_cond_init(&b.cond);
	for (unsigned i = 0; i < n_loops; i++) {
		struct barrier_call *c = malloc(sizeof(*c));
		c->b = &b;
		c->l = &loops[i];
		lg_loop_post(&loops[i], run_one, c);
	}
	g_mutex_lock(&b.lock);
	while (b.left)
		g_cond_wait(&b.cond, &b.lock);
	g_mutex_unlock(&b.lock);
	g_mutex_clear(&b.lock);
	g_cond_clear(&b.cond);
}
