/* worker_call: one refcounted rendezvous shared by the caller and the worker;
 * whichever side finishes last frees it. */
#include "sfu/worker_call.h"

#include <glib.h>
#include <stdlib.h>

#include "sfu/worker.h"

struct call {
	GMutex lock;
	GCond cond;
	int refs;               /* caller + worker */
	bool done;
	struct worker *worker;
	worker_call_fn *fn;
	void *arg;
	void (*free_arg)(void *);
	json_t *result;
};

static void call_unref(struct call *c)
{
	g_mutex_lock(&c->lock);
	bool last = --c->refs == 0;
	g_mutex_unlock(&c->lock);
	if (!last)
		return;
	json_decref(c->result);
	if (c->free_arg)
		c->free_arg(c->arg);
	g_mutex_clear(&c->lock);
	g_cond_clear(&c->cond);
	free(c);
}

static void run_call(void *arg)
{
	struct call *c = arg;
	json_t *result = c->fn(c->worker, c->arg);
	g_mutex_lock(&c->lock);
	c->result = result;
	c->done = true;
	g_cond_signal(&c->cond);
	g_mutex_unlock(&c->lock);
	call_unref(c);
}

json_t *worker_call(struct worker *w, worker_call_fn *fn, void *arg, void (*free_arg)(void *),
		    int timeout_ms, bool *timed_out)
{
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	g_mutex_init(&c->lock);
	g_cond_init(&c->cond);
	c->refs = 2;
	c->worker = w;
	c->fn = fn;
	c->arg = arg;
	c->free_arg = free_arg;
	worker_post(w, run_call, c);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_mutex_lock(&c->lock);
	while (!c->done)
		if (!g_cond_wait_until(&c->cond, &c->lock, deadline))
			break;
	json_t *result = NULL;
	if (c->done) {
		result = c->result;
		c->result = NULL;
	}
	g_mutex_unlock(&c->lock);
	*timed_out = result == NULL && !c->done;
	call_unref(c);
	return result;
}
