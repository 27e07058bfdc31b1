/* A blocking call into a worker from a control thread (HTTP API, SIP): the
 * function runs on the worker, where the room lives, and its result comes
 * back to the caller. The caller waits at most timeout_ms; a late worker
 * then still runs and its result is dropped, so nothing dangles. Never
 * called from a worker (it would wait on itself). */
#ifndef PARLEY_WORKER_CALL_H
#define PARLEY_WORKER_CALL_H

#include <jansson.h>
#include <stdbool.h>

struct worker;

/* Runs on the worker; returns a new reference (or NULL). */
typedef json_t *worker_call_fn(struct worker *w, void *arg);

/* Runs fn(w, arg) on w and returns its result (the caller owns it). arg is
 * owned by the call and freed with free_arg (may be NULL) once the worker is
 * done with it. On timeout returns NULL and sets *timed_out. */
json_t *worker_call(struct worker *w, worker_call_fn *fn, void *arg, void (*free_arg)(void *),
		    int timeout_ms, bool *timed_out);

#endif
