/* One WebRTC endpoint of the load generator: a Parley transport (libnice,
 * DTLS, SRTP) on one media loop, the SDP it answers or offers, a sender when
 * it publishes and a receiver that checks what arrives. Public functions may
 * be called from any thread: they post to the peer's loop. A peer is never
 * freed before the process ends (its counters are read after the run), only
 * closed: closing frees its transport. */
#ifndef LG_PEER_H
#define LG_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/loadgen/receiver.h"
#include "bench/loadgen/sender.h"

struct lg_loop;
struct dtls_identity;

struct peer_options {
	const char *name;
	bool send;                       /* publishes Opus + VP8 */
	const struct sender_config *media;
};

struct peer_sink {
	/* Our description is ready: type "offer" or "answer". On the peer's loop. */
	void (*sdp)(void *arg, const char *type, const char *sdp);
};

struct peer;

/* The process-wide settings every peer uses; call once before any peer. */
void peer_setup(struct dtls_identity *id, const char *ice_addresses);

struct peer *peer_new(struct lg_loop *l, const struct peer_options *o, const struct peer_sink *sink,
		      void *arg);

/* The server's offer: we answer (ICE controlled, DTLS client). Takes sdp (g_free). */
void peer_post_offer(struct peer *p, char *sdp);
/* We offer (ICE controlling, DTLS role from the answer): a Janus publisher. */
void peer_post_make_offer(struct peer *p);
void peer_post_answer(struct peer *p, char *sdp);
/* A trickled server candidate "candidate:..."; NULL at the end. Takes it. */
void peer_post_candidate(struct peer *p, char *candidate);
void peer_post_close(struct peer *p);

/* Times on CLOCK_MONOTONIC (µs), 0 = not yet. Any thread. */
struct peer_status {
	int64_t connected_us;   /* DTLS done */
	int64_t first_audio_us, first_video_us, first_key_us;
	unsigned streams;       /* SSRCs received so far */
	bool failed, closed;
};
void peer_status(const struct peer *p, struct peer_status *out);

/* For the report: read only after the loops stopped, or inside lg_loops_run_all. */
const struct receiver *peer_receiver(const struct peer *p);
const struct sender_counters *peer_sender(const struct peer *p); /* NULL unless it sends */
const char *peer_srtp_profile(const struct peer *p);
const char *peer_error(const struct peer *p);               /* "" when none */
bool peer_sends(const struct peer *p);
/* Window edges: called on the peer's loop by the loop module's barrier. */
void peer_window_begin(struct peer *p);
void peer_window_end(struct peer *p);
/* What the sender had sent at the window's edges (zeros unless it sends). */
void peer_sender_window(const struct peer *p, struct sender_counters *begin, struct sender_counters *end);

#endif
