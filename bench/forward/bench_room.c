/* One benchmark room: a real Parley room on the worker with one publisher
 * and N subscribers, each a bench peer that joined through sfu_join, got
 * Parley's offer through the sfu_send sink, answered through sfu_answer and
 * connected ICE + DTLS over 127.0.0.1. Then synthetic packets, protected
 * with the publisher peer's SRTP key, go into the publisher's transport
 * through transport_inject_datagram: exactly what libnice's receive
 * callback runs, without the publisher's socket. The subscribers' peers
 * receive and (optionally) decrypt every forwarded packet between batches.
 *
 * The signaling sink and every peer run on worker 0; the main thread only
 * posts and waits. */
#include "bench/forward/bench.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/sfu.h"
#include "sfu/transport/transport.h"
#include "sfu/worker.h"

#define PUB_AUDIO_SSRC 0x11110001u
#define PUB_VIDEO_SSRC 0x22220002u
#define PUB_RTX_SSRC 0x22220003u
#define PACKET_CAP 2048

struct bench_room {
	struct worker *w;
	char name[64];
	unsigned gen;
	enum srtp_profile_id profile;
	unsigned n_subs;
	struct peer_identity *identity;
	struct peer **peers;           /* [0] publisher, [1..n_subs] subscribers */
	bool *remote_set;
	bool verify;
	bool closing;
	struct transport *pub_transport; /* the server side of peers[0] */
	uint16_t twcc_seq;
	struct stream_gen gen_video, gen_audio;
	/* injection scratch: one batch of protected packets */
	uint8_t (*bufs)[PACKET_CAP];
	size_t *lens;
	unsigned cap_batch;
	struct stream_gen *cur_gen;
};

/* Touched on the worker only: the room the sink's messages belong to. */
static struct bench_room *current;
static unsigned generation;

#define SESSION(gen, idx) SFU_SESSION_ID(SFU_SESSION_WS, (uint64_t)(gen) << 16 | (idx))

/* ---- signaling: Parley's messages to the peers ---- */

struct message {
	uint64_t session_id;
	char *json;
};

static void on_offer(struct bench_room *br, unsigned idx, const char *sdp)
{
	struct peer *p = br->peers[idx];
	char err[160];
	struct sdp_session *o = g_malloc0(sizeof(*o));
	if (sdp_parse(o, sdp, strlen(sdp), err, sizeof(err))) {
		fprintf(stderr, "bench: %s: offer not parsed: %s\n", p->id, err);
		g_free(o);
		return;
	}
	if (!br->remote_set[idx]) {
		peer_set_remote(p, o->media[0].ice_ufrag, o->media[0].ice_pwd);
		br->remote_set[idx] = true;
	}
	struct answer_params a = {
		.fingerprint = peer_identity_fingerprint(br->identity),
		.candidates = peer_candidates(p),
		.publish = idx == 0,
		.audio_ssrc = PUB_AUDIO_SSRC, .video_ssrc = PUB_VIDEO_SSRC, .video_rtx_ssrc = PUB_RTX_SSRC,
	};
	peer_credentials(p, &a.ufrag, &a.pwd);
	char *answer = answer_build(o, &a, err, sizeof(err));
	if (answer)
		sfu_answer(br->w->index, br->name, p->id, answer);
	else
		fprintf(stderr, "bench: %s: no answer: %s\n", p->id, err);
	g_free(answer);
	g_slist_free_full(a.candidates, g_free);
	g_free(o);
}

static void handle_message(void *arg)
{
	struct message *m = arg;
	struct bench_room *br = current;
	unsigned gen = (unsigned)((m->session_id & 0xffffffffffffffULL) >> 16);
	unsigned idx = (unsigned)(m->session_id & 0xffff);
	json_t *j = m->json ? json_loads(m->json, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!br || br->closing || gen != br->gen || idx > br->n_subs || !type)
		goto done;
	struct peer *p = br->peers[idx];
	if (strcmp(type, "offer") == 0) {
		on_offer(br, idx, json_string_value(json_object_get(j, "sdp")));
	} else if (strcmp(type, "candidate") == 0) {
		json_t *c = json_object_get(j, "candidate");
		peer_add_remote_candidate(p, json_is_null(c) ? NULL
							     : json_string_value(json_object_get(c, "candidate")));
	} else if (strcmp(type, "error") == 0) {
		fprintf(stderr, "bench: %s: Parley says %s\n", p->id, m->json);
	}
done:
	json_decref(j);
	free(m->json);
	free(m);
}

void bench_sink(uint64_t session_id, char *json, bool close)
{
	struct message *m = malloc(sizeof(*m));
	if (!m)
		abort();
	m->session_id = session_id;
	m->json = json;
	/* Called inside the room's code on worker 0: handle it on a later dispatch. */
	worker_post(worker_get(0), handle_message, m);
}

/* ---- setup and teardown (worker) ---- */

static void setup_on_worker(void *arg)
{
	struct bench_room *br = arg;
	br->peers = calloc(br->n_subs + 1, sizeof(*br->peers));
	br->remote_set = calloc(br->n_subs + 1, sizeof(*br->remote_set));
	for (unsigned i = 0; i <= br->n_subs; i++) {
		if (peer_create(&br->peers[i], br->w, br->identity, false)) {
			fprintf(stderr, "bench: peer %u not created\n", i);
			return;
		}
		struct peer *p = br->peers[i];
		p->verify = br->verify;
		p->session_id = SESSION(br->gen, i);
		if (i == 0)
			snprintf(p->id, sizeof(p->id), "pub");
		else
			snprintf(p->id, sizeof(p->id), "sub%u", i);
	}
	current = br;
}

struct ready_req {
	struct bench_room *br;
	bool producers;       /* stage 1: the publisher's tracks exist */
	bool all;             /* stage 2: everyone connected, every consumer accepted */
	char why[160];
};

static void check_ready(void *arg)
{
	struct ready_req *q = arg;
	struct bench_room *br = q->br;
	q->producers = q->all = false;
	struct room *r = g_hash_table_lookup(br->w->rooms, br->name);
	struct participant *pub = r ? room_find_participant(r, "pub") : NULL;
	if (!pub || !pub->audio || !pub->video) {
		snprintf(q->why, sizeof(q->why), "publisher has not published yet");
		return;
	}
	q->producers = true;
	br->pub_transport = pub->transport;
	if (r->participants->len != br->n_subs + 1) {
		snprintf(q->why, sizeof(q->why), "%u of %u participants present", r->participants->len,
			 br->n_subs + 1);
		return;
	}
	for (unsigned i = 0; i <= br->n_subs; i++) {
		struct peer *p = br->peers[i];
		if (p->dtls_failed) {
			snprintf(q->why, sizeof(q->why), "%s failed ICE or DTLS", p->id);
			return;
		}
		if (!p->dtls_done) {
			snprintf(q->why, sizeof(q->why), "%s: DTLS not done (ICE %s)", p->id,
				 p->ice_ready ? "ready" : "not ready");
			return;
		}
		if (p->profile != br->profile) {
			snprintf(q->why, sizeof(q->why), "%s: DTLS chose %s", p->id,
				 srtp_profile_name(p->profile));
			return;
		}
	}
	struct producer *prods[2] = { pub->audio, pub->video };
	for (int k = 0; k < 2; k++) {
		if (prods[k]->n_consumers != br->n_subs) {
			snprintf(q->why, sizeof(q->why), "%u consumers of %u", prods[k]->n_consumers, br->n_subs);
			return;
		}
		for (unsigned i = 0; i < prods[k]->n_consumers; i++) {
			struct consumer *c = prods[k]->consumers[i];
			if (!c->accepted || !c->subscriber->connected) {
				snprintf(q->why, sizeof(q->why), "%s: consumer %s %s", c->subscriber->id,
					 c->accepted ? "accepted" : "not accepted",
					 c->subscriber->connected ? "connected" : "not media-ready");
				return;
			}
		}
	}
	q->all = true;
}

static int wait_for(struct bench_room *br, bool all, int timeout_ms, char *err, size_t errlen)
{
	struct ready_req q = { .br = br };
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		bench_run_on_worker(br->w, check_ready, &q);
		if (all ? q.all : q.producers)
			return 0;
		g_usleep(20000);
	}
	snprintf(err, errlen, "room %s not ready after %d ms: %s", br->name, timeout_ms, q.why);
	return -ETIMEDOUT;
}

static void join(struct bench_room *br, unsigned idx)
{
	struct peer *p = br->peers[idx];
	struct participant_info info = {
		.id = p->id, .name = p->id, .identity = "", .kind = PARTICIPANT_BROWSER,
		.can_publish = idx == 0, .can_subscribe = idx != 0, .session_id = p->session_id,
	};
	sfu_join(br->w->index, br->name, &info);
}

int bench_room_open(struct bench_room **out, struct worker *w, const struct room_params *rp,
		    char *err, size_t errlen)
{
	struct bench_room *br = calloc(1, sizeof(*br));
	if (!br)
		return -ENOMEM;
	br->w = w;
	br->gen = ++generation;
	br->profile = rp->profile;
	br->n_subs = rp->n_subs;
	br->verify = rp->verify;
	snprintf(br->name, sizeof(br->name), "bench-%u", br->gen);
	stream_gen_init(&br->gen_video, KIND_VIDEO, PUB_VIDEO_SSRC, rp->video_payload, &br->twcc_seq);
	stream_gen_init(&br->gen_audio, KIND_AUDIO, PUB_AUDIO_SSRC, rp->audio_payload, &br->twcc_seq);
	*out = br;
	if (peer_identity_create(&br->identity, rp->profile)) {
		snprintf(err, errlen, "no DTLS identity");
		return -EIO;
	}
	bench_run_on_worker(w, setup_on_worker, br);
	if (current != br) {
		snprintf(err, errlen, "peers not created");
		return -EIO;
	}
	join(br, 0);
	int rc = wait_for(br, false, rp->timeout_ms, err, errlen);
	for (unsigned i = 1; rc == 0 && i <= br->n_subs; i++)
		join(br, i);
	if (rc == 0)
		rc = wait_for(br, true, rp->timeout_ms, err, errlen);
	return rc;
}

static void closing_on_worker(void *arg)
{
	struct bench_room *br = arg;
	br->closing = true;
}

static void teardown_on_worker(void *arg)
{
	struct bench_room *br = arg;
	for (unsigned i = 0; br->peers && i <= br->n_subs; i++)
		peer_destroy(br->peers[i]);
	if (current == br)
		current = NULL;
}

struct gone_req {
	struct bench_room *br;
	bool gone;
};

static void check_gone(void *arg)
{
	struct gone_req *q = arg;
	q->gone = g_hash_table_lookup(q->br->w->rooms, q->br->name) == NULL;
}

void bench_room_close(struct bench_room *br)
{
	if (!br)
		return;
	bench_run_on_worker(br->w, closing_on_worker, br);
	for (unsigned i = br->peers ? br->n_subs + 1 : 0; i-- > 0;)
		if (br->peers[i])
			sfu_leave(br->w->index, br->name, br->peers[i]->id, "left");
	/* Posted after the leaves, so it runs after them. */
	bench_run_on_worker(br->w, teardown_on_worker, br);
	struct gone_req q = { .br = br };
	for (int waited = 0; waited < 5000; waited += 20) {
		bench_run_on_worker(br->w, check_gone, &q);
		if (q.gone)
			break;
		g_usleep(20000);
	}
	peer_identity_destroy(br->identity);
	free(br->peers);
	free(br->remote_set);
	free(br->bufs);
	free(br->lens);
	free(br);
}

/* ---- injection ---- */

static void inject_prepare(void *arg, unsigned n)
{
	struct bench_room *br = arg;
	int64_t now = g_get_monotonic_time();
	for (unsigned i = 0; i < n; i++) {
		size_t len = stream_gen_next(br->cur_gen, br->bufs[i], PACKET_CAP - 64, now);
		if (peer_protect(br->peers[0], br->bufs[i], &len, PACKET_CAP))
			abort();
		br->lens[i] = len;
	}
}

/* The timed part: what libnice's receive callback would run, n times. */
static void inject_run(void *arg, unsigned n)
{
	struct bench_room *br = arg;
	for (unsigned i = 0; i < n; i++)
		transport_inject_datagram(br->pub_transport, br->bufs[i], br->lens[i]);
}

struct snapshot {
	struct bench_room *br;
	uint64_t *per_sub;    /* rtp_ok of each subscriber peer */
	uint64_t bad;
	size_t out_len;
	struct worker_stats st;
};

static void take_snapshot(void *arg)
{
	struct snapshot *s = arg;
	struct bench_room *br = s->br;
	s->bad = 0;
	for (unsigned i = 1; i <= br->n_subs; i++) {
		const struct peer_counts *c = &br->peers[i]->counts;
		s->per_sub[i - 1] = c->rtp_ok;
		s->bad += c->rtp_bad;
		s->out_len = c->last_len;
	}
	s->st = br->w->stats;
}

/* Delivered since before: total, and the least any one subscriber got. */
static uint64_t delivered(const struct snapshot *before, const struct snapshot *after,
			  unsigned n, uint64_t *min)
{
	uint64_t sum = 0;
	*min = UINT64_MAX;
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = after->per_sub[i] - before->per_sub[i];
		sum += d;
		if (d < *min)
			*min = d;
	}
	return sum;
}

int bench_room_inject(struct bench_room *br, enum bench_kind kind, uint64_t packets,
		      unsigned batch, bool keyframe_first, struct timing *t, struct phase_check *chk)
{
	if (batch > br->cap_batch) {
		free(br->bufs);
		free(br->lens);
		br->bufs = malloc((size_t)batch * PACKET_CAP);
		br->lens = malloc((size_t)batch * sizeof(*br->lens));
		br->cap_batch = batch;
		if (!br->bufs || !br->lens)
			return -ENOMEM;
	}
	br->cur_gen = kind == KIND_VIDEO ? &br->gen_video : &br->gen_audio;
	if (keyframe_first && kind == KIND_VIDEO) {
		/* A keyframe starts a frame: finish the current one first. */
		br->gen_video.in_frame = 0;
		br->gen_video.ts += 3000;
		br->gen_video.next_is_keyframe = true;
	}
	struct snapshot before = { .br = br }, after = { .br = br };
	before.per_sub = calloc(br->n_subs, sizeof(uint64_t));
	after.per_sub = calloc(br->n_subs, sizeof(uint64_t));
	if (!before.per_sub || !after.per_sub)
		abort();
	bench_run_on_worker(br->w, take_snapshot, &before);
	struct timing scratch;
	timing_init(&scratch);
	struct batch_job job = { .total = packets, .batch = batch, .units_per_packet = br->n_subs,
				 .prepare = inject_prepare, .run = inject_run, .arg = br,
				 .timing = t ? t : &scratch };
	batch_job_run(br->w, &job);
	timing_clear(&scratch);
	/* Let the peers read what the last batch sent. */
	uint64_t expected = packets * br->n_subs, min = 0, got = 0;
	for (int waited = 0; waited < 2000; waited += 10) {
		g_usleep(10000);
		bench_run_on_worker(br->w, take_snapshot, &after);
		got = delivered(&before, &after, br->n_subs, &min);
		if (got + after.bad - before.bad >= expected)
			break;
	}
	chk->injected = packets;
	chk->expected = expected;
	chk->delivered = got;
	chk->min_per_sub = min;
	chk->bad = after.bad - before.bad;
	chk->server_dropped = after.st.dropped - before.st.dropped;
	chk->in_len = br->lens[0];
	chk->out_len = after.out_len;
	free(before.per_sub);
	free(after.per_sub);
	return 0;
}
