/* Media workers: N threads, each running its own GLib main context. A room
 * and everything in it (participants, ICE agents, DTLS, SRTP, producers,
 * consumers) lives on exactly one worker, so the packet path needs no lock.
 * Other threads reach a worker only through worker_post(). */
#ifndef PARLEY_WORKER_H
#define PARLEY_WORKER_H

#include <glib.h>
#include <stdint.h>

#define WORKER_SCRATCH 2048

/* Per-thread counters, written only by the worker, read by anyone through
 * worker_read_stats. All fields are uint64_t (worker_read_stats relies on it). */
struct worker_stats {
	uint64_t packets_in;
	uint64_t packets_out;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t dropped;       /* malformed, unknown SSRC, failed auth */
	uint64_t nacks;
	uint64_t retransmits;
	uint64_t keyframe_requests;
	uint64_t loop_delay_us; /* worst lateness of a 100 ms timer over the last second */
};

/* Owned by the worker module (created in workers_start, freed in workers_stop). */
struct worker {
	unsigned index;
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	GHashTable *rooms;          /* name -> struct room *, owned */
	struct worker_stats stats;
	GPtrArray *data_transports; /* transports with an SCTP association; not owned */
	GSource *data_tick;         /* runs while data_transports is not empty */
	GSource *probe;             /* measures loop delay */
	int64_t probe_due_us;
	int64_t probe_worst_us;
	unsigned probe_ticks;
	uint8_t scratch[WORKER_SCRATCH]; /* where consumers build outgoing packets */
};

int workers_start(unsigned n);
/* Runs fn on every worker (e.g. to end its rooms), waits, then stops and joins the threads. */
void workers_stop(void (*on_worker)(struct worker *w));
unsigned worker_count(void);
struct worker *worker_get(unsigned index);

/* A consistent-enough copy of w's counters for another thread (relaxed loads). */
void worker_read_stats(const struct worker *w, struct worker_stats *out);

/* Runs fn(arg) on w's thread; ownership of arg moves with it. Safe from any thread. */
void worker_post(struct worker *w, void (*fn)(void *arg), void *arg);

#endif
