/* The load generator's media threads. Each runs one GLib main context that
 * carries its endpoints' libnice agents, DTLS timers and media timers, like
 * a Parley worker; Parley's transport runs on a `struct worker`, so one is
 * embedded. An endpoint lives on one loop for its whole life, so its packet
 * path takes no lock. Other threads reach a loop only by posting to it. */
#ifndef LG_LOOP_H
#define LG_LOOP_H

#include <glib.h>
#include <stdbool.h>

#include "bench/loadgen/stats.h"
#include "sfu/worker.h"

/* Owned by the loop module; fields below `w` are touched only on the loop's
 * thread, except through lg_loops_run_all, which waits for it. */
struct lg_loop {
	struct worker w;     /* ctx, stats and scratch, as transport.c expects */
	GPtrArray *peers;    /* struct peer *, not owned: those living here */
	struct hist delay;   /* forwarding delay of packets received in the window */
	bool in_window;
};

int lg_loops_start(unsigned n);
/* Stops and joins the threads; the peers' memory is not freed (see peer.h). */
void lg_loops_stop(void);
unsigned lg_loop_count(void);
struct lg_loop *lg_loop_get(unsigned i);

/* Runs fn(arg) on l's thread, in order with other posts. Any thread. */
void lg_loop_post(struct lg_loop *l, void (*fn)(void *arg), void *arg);
/* Runs fn on every loop's thread and returns when all have run it. */
void lg_loops_run_all(void (*fn)(struct lg_loop *l, void *arg), void *arg);

#endif
