/* Turns one measured window into the result line: server CPU per forwarded
 * packet and Mbit, server RSS per subscriber, per-subscriber delivery and
 * loss, forwarding delay quantiles and join latencies. Also samples a process
 * from /proc. */
#ifndef LG_REPORT_H
#define LG_REPORT_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include "bench/loadgen/scenario.h"

struct proc_sample {
	bool ok;
	double cpu_s;        /* utime + stime, all threads */
	long rss_kb;
	long threads;
};

bool proc_sample(int pid, struct proc_sample *out);
/* Datagrams the kernel dropped on full UDP receive buffers in this network
 * namespace (/proc/net/udp), on the server's sockets and on everyone else's. */
struct udp_drops {
	uint64_t server, others;
};
void udp_drops_sample(int server_pid, struct udp_drops *out);

/* CPU seconds the whole machine spent busy since boot (all cores, /proc/stat). */
double host_busy_s(void);

struct window {
	double seconds;
	struct proc_sample before_join;  /* server with only the publisher(s) set up */
	struct proc_sample begin, end;
	double loadgen_cpu_s;
	double host_busy_s;              /* the whole machine, all cores */
	struct udp_drops drops_begin, drops_end;
	unsigned subscribers;            /* N as asked */
	unsigned churn_joins, churn_leaves;
	double setup_s;                  /* from the first join until media flowed */
};

/* clients: everyone; measured: the receivers whose delivery and loss count
 * (those that never connected are counted as errors instead); joined: the
 * receivers whose join latencies count. RSS per subscriber divides by the
 * receivers connected at the window's end. */
json_t *report_build(const struct run_options *o, GPtrArray *clients, GPtrArray *measured,
		     GPtrArray *joined, const struct window *w);

#endif
