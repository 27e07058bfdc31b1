/* The load scenarios, run on the main thread while the media loops and the
 * signaling threads carry the traffic:
 *   fanout  one publisher, N subscribers;
 *   meeting K participants, each publishing to all the others;
 *   churn   one publisher and N subscribers, half of which keep leaving and
 *           being replaced (churn_rate joins and as many leaves per second).
 * Each joins, waits for media, warms up, then measures one window. */
#ifndef LG_SCENARIO_H
#define LG_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/loadgen/client.h"
#include "bench/loadgen/sender.h"

enum scenario { SCENARIO_FANOUT, SCENARIO_MEETING, SCENARIO_CHURN };

struct run_options {
	enum server_kind kind;
	const char *url;
	const char *room;          /* Parley */
	uint64_t janus_room;
	bool janus_create_room;
	enum scenario scenario;
	unsigned subscribers;      /* fanout, churn */
	unsigned participants;     /* meeting */
	double duration_s, warmup_s, join_rate, churn_rate, setup_timeout_s;
	struct sender_config media;
	const char *srtp;          /* as asked: cm80, gcm128, gcm256, any */
	unsigned threads;
	int server_pid;            /* 0: no server CPU/RSS figures */
	const char *label;
};

/* Runs one scenario and returns its result object, or NULL when the
 * publisher never got going. */
json_t *scenario_run(const struct run_options *o);

const char *scenario_name(enum scenario s);

#endif
