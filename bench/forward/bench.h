/* parley-forward-bench: the pieces shared by its files.
 *
 * One process holds a real SFU (sfu_start, one media worker) and, on that
 * same worker, in-process WebRTC peers (ICE + DTLS-SRTP on 127.0.0.1) that
 * stand in for browsers. Synthetic SRTP packets are injected into the
 * publisher's transport (transport_inject_datagram) and the worker's
 * receive -> forward -> protect -> send path is timed per forwarded packet,
 * beside floors (srtp_protect alone, sendto alone, nice_agent_send alone).
 * Everything below runs on the worker thread unless it says otherwise. */
#ifndef PARLEY_FORWARD_BENCH_H
#define PARLEY_FORWARD_BENCH_H

#include <agent.h>
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/sdp.h"
#include "sfu/transport/srtp_session.h"

struct worker;
struct ssl_st;

/* ---- peer.c: an in-process client endpoint (browser stand-in) ---- */

/* A DTLS client identity offering exactly one SRTP profile, so the server
 * (which picks in its own order) must take it. */
struct peer_identity;
int peer_identity_create(struct peer_identity **out, enum srtp_profile_id profile);
void peer_identity_destroy(struct peer_identity *id);
const char *peer_identity_fingerprint(const struct peer_identity *id);

struct peer_counts {
	uint64_t rtp_ok;       /* SRTP that decrypted (or any SRTP when not verifying) */
	uint64_t rtp_bad;      /* SRTP that did not */
	uint64_t rtcp;
	uint64_t other;
	uint64_t bytes;
	size_t last_len;       /* of the last RTP datagram, protected */
};

/* Owned by a bench room (bench_room.c) or the floor pair (floor.c); lives on the worker. */
struct peer {
	struct worker *worker;
	NiceAgent *agent;
	guint stream;
	bool controlling;
	bool ice_ready;
	struct peer_identity *identity; /* NULL: ICE only, no DTLS (floor pair) */
	struct ssl_st *ssl;             /* OpenSSL's SSL */
	GSource *dtls_timer;
	bool dtls_done;
	bool dtls_failed;
	enum srtp_profile_id profile;
	struct srtp_session *srtp;
	bool verify;                    /* decrypt what arrives (else count only) */
	struct peer_counts counts;
	uint64_t session_id;
	char id[24];
	gchar *ufrag, *pwd;             /* our ICE credentials */
};

int peer_create(struct peer **out, struct worker *w, struct peer_identity *id, bool controlling);
void peer_destroy(struct peer *p);
/* Local ICE credentials and "candidate:..." lines (host, 127.0.0.1). */
void peer_credentials(struct peer *p, const char **ufrag, const char **pwd);
GSList *peer_candidates(struct peer *p); /* of g_strdup'ed strings; g_slist_free_full(.., g_free) */
int peer_set_remote(struct peer *p, const char *ufrag, const char *pwd);
int peer_add_remote_candidate(struct peer *p, const char *candidate); /* NULL: end */
/* Protects RTP in place with the peer's SRTP key (the publisher's packets, before injection). */
int peer_protect(struct peer *p, uint8_t *buf, size_t *len, size_t cap);

/* ---- answer.c: the SDP a browser would answer Parley's offer with ---- */

struct answer_params {
	const char *ufrag, *pwd, *fingerprint;
	GSList *candidates;        /* "candidate:..." strings */
	bool publish;              /* send audio + video on mids 0 and 1 */
	uint32_t audio_ssrc, video_ssrc, video_rtx_ssrc;
};
/* Returns a g_malloc'ed answer, or NULL with err set. */
char *answer_build(const struct sdp_session *offer, const struct answer_params *a, char *err,
		   size_t errlen);

/* ---- packets.c: the publisher's synthetic stream ---- */

enum bench_kind { KIND_VIDEO, KIND_AUDIO };

struct stream_gen {
	enum bench_kind kind;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	unsigned in_frame;         /* packets written of the current video frame */
	bool next_is_keyframe;
	size_t payload;            /* bytes of codec payload per packet */
	uint16_t *twcc_seq;        /* transport-wide, shared by the publisher's streams */
	uint32_t rand;
};
#define VIDEO_PACKETS_PER_FRAME 5

void stream_gen_init(struct stream_gen *g, enum bench_kind kind, uint32_t ssrc, size_t payload,
		     uint16_t *twcc_seq);
/* Writes the next plain RTP packet as Chrome would send it; returns its length. */
size_t stream_gen_next(struct stream_gen *g, uint8_t *buf, size_t cap, int64_t now_us);
/* The header + payload a consumer forwards for this kind (what subscribers get
 * before SRTP): for the floors, so they protect and send the same sizes. */
size_t forwarded_template(enum bench_kind kind, size_t payload, uint8_t *buf, size_t cap);

/* ---- runner.c: timed batches on the worker ---- */

struct timing {
	double wall_ns, cpu_ns;    /* totals over all batches */
	uint64_t units;            /* what the totals are divided by */
	GArray *per_batch;         /* double: wall ns per unit, one per batch */
};
void timing_init(struct timing *t);
void timing_clear(struct timing *t);
double timing_median(const struct timing *t);
double timing_min(const struct timing *t);

/* total packets in batches of batch: prepare(arg, n) untimed, then run(arg, n)
 * timed (and collected under callgrind), each batch a dispatch of a
 * low-priority idle source so that the loop drains every socket (the peers'
 * receive paths) between batches. units_per_packet: forwarded packets per
 * injected packet (the number of subscribers), 1 for the floors. */
struct batch_job {
	uint64_t total;
	unsigned batch;
	unsigned units_per_packet;
	void (*prepare)(void *arg, unsigned n);
	void (*run)(void *arg, unsigned n);
	void *arg;
	struct timing *timing;
	/* private */
	void *worker;
	uint64_t done;
	bool finished;
	GMutex lock;
	GCond cond;
};
/* Main thread: runs the job on w and waits for it. */
void batch_job_run(struct worker *w, struct batch_job *job);

/* ---- floor.c: the cost of the parts alone (main thread; run on w) ---- */

/* srtp_protect on the forwarded packet size, with a fresh session of profile. */
int floor_protect(struct worker *w, enum srtp_profile_id profile, enum bench_kind kind,
		  size_t payload, uint64_t packets, unsigned batch, struct timing *t);
/* A connected pair of ICE-only peers on w, for the send floors. */
struct floor_pair;
int floor_pair_create(struct floor_pair **out, struct worker *w, int timeout_ms);
void floor_pair_destroy(struct floor_pair *fp);
/* Raw sendto() on the selected pair's socket / nice_agent_send(), len bytes each. */
int floor_sendto(struct floor_pair *fp, size_t len, uint64_t packets, unsigned batch,
		 struct timing *t, uint64_t *delivered);
int floor_nice_send(struct floor_pair *fp, size_t len, uint64_t packets, unsigned batch,
		    struct timing *t, uint64_t *delivered);

/* ---- bench_room.c: a room with one publisher and N subscribers ---- */

struct room_params {
	enum srtp_profile_id profile;
	unsigned n_subs;
	size_t video_payload, audio_payload;
	bool verify;
	int timeout_ms;
};
struct phase_check {
	uint64_t injected;
	uint64_t expected;         /* injected x subscribers */
	uint64_t delivered;        /* RTP the subscriber peers got (and decrypted, when verifying) */
	uint64_t min_per_sub;
	uint64_t bad;              /* did not decrypt at a subscriber */
	uint64_t server_dropped;   /* the worker's dropped counter */
	size_t in_len, out_len;    /* datagram sizes, protected: injected, received */
};
struct bench_room;
/* The sfu_send sink (worker threads). */
void bench_sink(uint64_t session_id, char *json, bool close);
/* Main thread. On failure *out is still set (close it). */
int bench_room_open(struct bench_room **out, struct worker *w, const struct room_params *rp,
		    char *err, size_t errlen);
/* Injects packets of kind in batches; t NULL: untimed (warm-up). */
int bench_room_inject(struct bench_room *br, enum bench_kind kind, uint64_t packets,
		      unsigned batch, bool keyframe_first, struct timing *t, struct phase_check *chk);
void bench_room_close(struct bench_room *br);

/* Runs fn(arg) on w and waits (main thread only). */
void bench_run_on_worker(struct worker *w, void (*fn)(void *arg), void *arg);

/* Callgrind client requests, no-ops outside valgrind. */
void bench_collect(bool on);
void bench_instrument(bool on);
void bench_dump(const char *label);
bool bench_under_valgrind(void);

#endif
