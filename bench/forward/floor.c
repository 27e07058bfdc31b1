/* The floors the forwarding cost is compared with, measured the same way
 * (timed batches on the worker, collected under callgrind):
 * - srtp_protect alone (through srtp_session_protect, as the send path calls
 *   it) on a packet of the size a subscriber receives, with a fresh session
 *   of the profile;
 * - one raw sendto() of that many bytes on the socket libnice selected, to
 *   the peer libnice selected, between two agents on 127.0.0.1;
 * - nice_agent_send() of the same bytes on the same pair.
 * The receiving agent reads everything between batches (untimed). */
#include "bench/forward/bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sfu/rtp/byte_order.h"
#include "sfu/worker.h"

struct protect_job {
	struct srtp_session *s;
	size_t len;
	uint16_t seq;
	uint8_t buf[2048];
};

static size_t key_salt_len(enum srtp_profile_id p)
{
	switch (p) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: return 30;
	case SRTP_PROFILE_AEAD_AES_128_GCM: return 28;
	case SRTP_PROFILE_AEAD_AES_256_GCM: return 44;
	}
	return 0;
}

static void protect_run(void *arg, unsigned n)
{
	struct protect_job *j = arg;
	for (unsigned i = 0; i < n; i++) {
		size_t len = j->len;
		wr16(j->buf + 2, j->seq++);
		if (srtp_session_protect(j->s, j->buf, &len, sizeof(j->buf)))
			abort();
	}
}

int floor_protect(struct worker *w, enum srtp_profile_id profile, enum bench_kind kind,
		  size_t payload, uint64_t packets, unsigned batch, struct timing *t)
{
	struct protect_job *j = calloc(1, sizeof(*j));
	struct srtp_keys keys = { .profile = profile, .key_salt_len = key_salt_len(profile) };
	for (size_t i = 0; i < sizeof(keys.local); i++) {
		keys.local[i] = (uint8_t)g_random_int();
		keys.remote[i] = (uint8_t)g_random_int();
	}
	if (!j || srtp_session_create(&j->s, &keys)) {
		free(j);
		return -EIO;
	}
	j->len = forwarded_template(kind, payload, j->buf, sizeof(j->buf) - SRTP_MAX_TRAILER - 4);
	protect_run(j, 1); /* libsrtp makes the SSRC's stream on first use */
	struct batch_job job = { .total = packets, .batch = batch, .units_per_packet = 1,
				 .run = protect_run, .arg = j, .timing = t };
	batch_job_run(w, &job);
	srtp_session_destroy(j->s);
	free(j);
	return 0;
}

struct floor_pair {
	struct worker *w;
	struct peer *a, *b;       /* a sends, b receives */
	int fd;
	struct sockaddr_storage to;
	socklen_t to_len;
	size_t len;
	uint8_t buf[2048];
	bool ready;
};

static void pair_connect(struct peer *from, struct peer *to)
{
	const char *ufrag, *pwd;
	peer_credentials(from, &ufrag, &pwd);
	peer_set_remote(to, ufrag, pwd);
	GSList *cands = peer_candidates(from);
	for (GSList *l = cands; l; l = l->next)
		peer_add_remote_candidate(to, l->data);
	peer_add_remote_candidate(to, NULL);
	g_slist_free_full(cands, g_free);
}

static void pair_create_on_worker(void *arg)
{
	struct floor_pair *fp = arg;
	if (peer_create(&fp->a, fp->w, NULL, true) || peer_create(&fp->b, fp->w, NULL, false))
		return;
	g_strlcpy(fp->a->id, "floor-a", sizeof(fp->a->id));
	g_strlcpy(fp->b->id, "floor-b", sizeof(fp->b->id));
	fp->b->verify = false;
	pair_connect(fp->a, fp->b);
	pair_connect(fp->b, fp->a);
}

static void pair_check(void *arg)
{
	struct floor_pair *fp = arg;
	fp->ready = fp->a && fp->b && fp->a->ice_ready && fp->b->ice_ready;
	if (!fp->ready)
		return;
	NiceCandidate *local, *remote;
	GSocket *sock = nice_agent_get_selected_socket(fp->a->agent, fp->a->stream, 1);
	if (!sock || !nice_agent_get_selected_pair(fp->a->agent, fp->a->stream, 1, &local, &remote)) {
		fp->ready = false;
		if (sock)
			g_object_unref(sock);
		return;
	}
	fp->fd = g_socket_get_fd(sock);
	g_object_unref(sock); /* the agent keeps its own reference */
	nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&fp->to);
	fp->to_len = fp->to.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
}

int floor_pair_create(struct floor_pair **out, struct worker *w, int timeout_ms)
{
	struct floor_pair *fp = calloc(1, sizeof(*fp));
	if (!fp)
		return -ENOMEM;
	fp->w = w;
	fp->fd = -1;
	bench_run_on_worker(w, pair_create_on_worker, fp);
	for (int waited = 0; !fp->ready && waited < timeout_ms; waited += 20) {
		g_usleep(20000);
		bench_run_on_worker(w, pair_check, fp);
	}
	if (!fp->ready) {
		floor_pair_destroy(fp);
		return -ETIMEDOUT;
	}
	*out = fp;
	return 0;
}

static void pair_destroy_on_worker(void *arg)
{
	struct floor_pair *fp = arg;
	peer_destroy(fp->a);
	peer_destroy(fp->b);
}

void floor_pair_destroy(struct floor_pair *fp)
{
	if (!fp)
		return;
	bench_run_on_worker(fp->w, pair_destroy_on_worker, fp);
	free(fp);
}

static void sendto_run(void *arg, unsigned n)
{
	struct floor_pair *fp = arg;
	for (unsigned i = 0; i < n; i++)
		(void)sendto(fp->fd, fp->buf, fp->len, 0, (struct sockaddr *)&fp->to, fp->to_len);
}

static void nice_send_run(void *arg, unsigned n)
{
	struct floor_pair *fp = arg;
	for (unsigned i = 0; i < n; i++)
		(void)nice_agent_send(fp->a->agent, fp->a->stream, 1, (guint)fp->len, (const gchar *)fp->buf);
}

struct count_req {
	struct peer *peer;
	uint64_t n;
};

static void read_count(void *arg)
{
	struct count_req *r = arg;
	r->n = r->peer->counts.rtp_ok;
}

static uint64_t received(struct floor_pair *fp)
{
	struct count_req r = { fp->b, 0 };
	bench_run_on_worker(fp->w, read_count, &r);
	return r.n;
}

static int run_send(struct floor_pair *fp, void (*run)(void *, unsigned), size_t len,
		    uint64_t packets, unsigned batch, struct timing *t, uint64_t *delivered)
{
	if (len > sizeof(fp->buf))
		return -EINVAL;
	memset(fp->buf, 0xa5, sizeof(fp->buf));
	fp->buf[0] = 0x80;  /* looks like RTP to the receiving peer, which only counts it */
	fp->buf[1] = 96;
	fp->len = len;
	uint64_t before = received(fp);
	struct batch_job job = { .total = packets, .batch = batch, .units_per_packet = 1,
				 .run = run, .arg = fp, .timing = t };
	batch_job_run(fp->w, &job);
	/* One more pass of the loop reads what the last batch sent. */
	g_usleep(20000);
	*delivered = received(fp) - before;
	return 0;
}

int floor_sendto(struct floor_pair *fp, size_t len, uint64_t packets, unsigned batch,
		 struct timing *t, uint64_t *delivered)
{
	return run_send(fp, sendto_run, len, packets, batch, t, delivered);
}

int floor_nice_send(struct floor_pair *fp, size_t len, uint64_t packets, unsigned batch,
		    struct timing *t, uint64_t *delivered)
{
	return run_send(fp, nice_send_run, len, packets, batch, t, delivered);
}
