/* The SFU end of SIP calls: per worker, the two rings to and from the SIP
 * thread and the eventfd that wakes the worker for callers' packets; and,
 * on the worker, what a SIP participant is (an Opus producer fed from the
 * ring) and the tap that copies room audio out.
 *
 * The bridges are created once (sfu_sip_start) and freed after the workers
 * stop; the rings' two ends are fixed: worker i pushes audio and pops
 * packets of bridge i, the SIP thread does the opposite. */
#include "sfu/sfu_sip.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <glib-unix.h>

#include "base/log.h"
#include "base/spsc_ring.h"
#include "sfu/codecs.h"
#include "sfu/producer.h"
#include "sfu/worker.h"

#define TO_SIP_SLOTS 1024     /* 20 ms of audio from ~1000 producers */
#define TO_WORKER_SLOTS 512   /* 20 ms of voice from ~500 callers */

/* One caller packet on its way to a worker. */
struct caller_packet {
	char room[ROOM_NAME_MAX];
	char pid[PARTICIPANT_ID_MAX];
	uint16_t len;
	uint8_t data[SFU_SIP_PACKET_MAX];
};

struct bridge {
	struct spsc_ring *to_sip;
	struct spsc_ring *to_worker;
	int wake_fd;
	GSource *wake_src;
	bool pending;              /* SIP thread: pushed since the last flush */
	_Atomic uint64_t to_sip_dropped, to_worker_dropped, stale;
};

static struct bridge *bridges;
static unsigned n_bridges;

static void drain_callers(unsigned index);

static gboolean on_wake(gint fd, GIOCondition cond, gpointer arg)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug(LOGS_SIP, "sip bridge wake read: %s", g_strerror(errno));
	drain_callers(GPOINTER_TO_UINT(arg));
	return G_SOURCE_CONTINUE;
}

static int bridge_init(struct bridge *b, unsigned index)
{
	b->wake_fd = -1;
	int rc = spsc_ring_create(&b->to_sip, TO_SIP_SLOTS, sizeof(struct sfu_sip_audio));
	if (!rc)
		rc = spsc_ring_create(&b->to_worker, TO_WORKER_SLOTS, sizeof(struct caller_packet));
	if (rc)
		return rc;
	b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->wake_fd < 0)
		return -errno;
	b->wake_src = g_unix_fd_source_new(b->wake_fd, G_IO_IN);
	g_source_set_callback(b->wake_src, (GSourceFunc)(void (*)(void))on_wake, GUINT_TO_POINTER(index), NULL);
	g_source_attach(b->wake_src, worker_get(index)->ctx);
	return 0;
}

void sfu_sip_worker_stopping(unsigned w)
{
	struct bridge *b = w < n_bridges ? &bridges[w] : NULL;
	if (b && b->wake_src) {
		g_source_destroy(b->wake_src);
		g_source_unref(b->wake_src);
		b->wake_src = NULL;
	}
}

static void bridge_free(struct bridge *b)
{
	if (b->wake_src) {
		g_source_destroy(b->wake_src);
		g_source_unref(b->wake_src);
	}
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	spsc_ring_destroy(b->to_sip);
	spsc_ring_destroy(b->to_worker);
}

int sfu_sip_start(void)
{
	n_bridges = worker_count();
	bridges = calloc(n_bridges, sizeof(*bridges));
	if (!bridges)
		return -ENOMEM;
	for (unsigned i = 0; i < n_bridges; i++) {
		int rc = bridge_init(&bridges[i], i);
		if (rc) {
			log_error(LOGS_SIP, "cannot set up the SIP bridge of worker %u: %s", i, g_strerror(-rc));
			sfu_sip_stop();
			return rc;
		}
	}
	return 0;
}

void sfu_sip_stop(void)
{
	for (unsigned i = 0; bridges && i < n_bridges; i++)
		bridge_free(&bridges[i]);
	free(bridges);
	bridges = NULL;
	n_bridges = 0;
}

bool sfu_sip_enabled(void)
{
	return bridges != NULL;
}

/* ---- SIP thread ---- */

bool sfu_sip_publish(unsigned w, const char *room, const char *pid, const uint8_t *rtp, size_t len)
{
	if (w >= n_bridges || len > SFU_SIP_PACKET_MAX)
		return false;
	struct bridge *b = &bridges[w];
	struct caller_packet *cp = spsc_ring_reserve(b->to_worker);
	if (!cp) {
		atomic_fetch_add_explicit(&b->to_worker_dropped, 1, memory_order_relaxed);
		return false;
	}
	g_strlcpy(cp->room, room, sizeof(cp->room));
	g_strlcpy(cp->pid, pid, sizeof(cp->pid));
	cp->len = (uint16_t)len;
	memcpy(cp->data, rtp, len);
	spsc_ring_commit(b->to_worker);
	b->pending = true;
	return true;
}

void sfu_sip_flush(void)
{
	uint64_t one = 1;
	for (unsigned i = 0; i < n_bridges; i++) {
		if (!bridges[i].pending)
			continue;
		bridges[i].pending = false;
		if (write(bridges[i].wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_debug(LOGS_SIP, "sip bridge wake write: %s", g_strerror(errno));
	}
}

const struct sfu_sip_audio *sfu_sip_next_audio(unsigned w)
{
	return w < n_bridges ? spsc_ring_peek(bridges[w].to_sip) : NULL;
}

void sfu_sip_audio_done(unsigned w)
{
	spsc_ring_release(bridges[w].to_sip);
}

void sfu_sip_read_stats(struct sfu_sip_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n_bridges; i++) {
		struct bridge *b = &bridges[i];
		out->to_sip_dropped += atomic_load_explicit(&b->to_sip_dropped, memory_order_relaxed);
		out->to_worker_dropped += atomic_load_explicit(&b->to_worker_dropped, memory_order_relaxed);
		out->stale += atomic_load_explicit(&b->stale, memory_order_relaxed);
	}
}

/* ---- worker ---- */

int sfu_sip_attach(struct room *r, struct participant *p)
{
	/* The SSRC is bound on the caller's first packet: the SIP thread picks it. */
	int rc = producer_create(&p->audio, p, SDP_KIND_AUDIO, codec_opus(), 0, 0);
	if (rc)
		return rc;
	r->sip_callers++;
	p->connected = true;   /* the call is up: its media flows through the SIP thread */
	log_info(LOGS_ROOM, "room %s participant %s publishes audio opus (SIP caller)", r->name, p->id);
	room_on_producer(r, p->audio);
	return 0;
}

void sfu_sip_detach(struct room *r, struct participant *p)
{
	if (r->sip_callers)
		r->sip_callers--;
}

static void deliver(struct worker *w, struct bridge *b, struct caller_packet *cp, int64_t now)
{
	struct room *r = g_hash_table_lookup(w->rooms, cp->room);
	struct participant *p = r ? room_find_participant(r, cp->pid) : NULL;
	struct rtp_view v;
	if (!p || !p->audio || p->leaving || rtp_parse(&v, cp->data, cp->len)) {
		atomic_fetch_add_explicit(&b->stale, 1, memory_order_relaxed);
		return;
	}
	if (!p->audio->ssrc)
		p->audio->ssrc = v.ssrc;
	if (v.ssrc != p->audio->ssrc) {
		w->stats.dropped++;
		return;
	}
	w->stats.packets_in++;
	w->stats.bytes_in += cp->len;
	producer_receive(p->audio, &v, now);
}

static void drain_callers(unsigned index)
{
	struct bridge *b = &bridges[index];
	struct worker *w = worker_get(index);
	int64_t now = g_get_monotonic_time();
	struct caller_packet *cp;
	while ((cp = spsc_ring_peek(b->to_worker))) {
		deliver(w, b, cp, now);
		spsc_ring_release(b->to_worker);
	}
}

void sfu_sip_tap(const struct room *r, uint32_t ssrc, const struct rtp_view *v, int level)
{
	struct bridge *b = &bridges[r->worker->index];
	if (v->payload_len > SFU_SIP_AUDIO_MAX)
		return;
	struct sfu_sip_audio *a = spsc_ring_reserve(b->to_sip);
	if (!a) {
		atomic_fetch_add_explicit(&b->to_sip_dropped, 1, memory_order_relaxed);
		return;
	}
	memcpy(a->room, r->name, sizeof(a->room));
	a->ssrc = ssrc;
	a->level = (int16_t)level;
	a->pt = v->pt;
	a->seq = v->seq;
	a->ts = v->ts;
	a->len = (uint16_t)v->payload_len;
	memcpy(a->payload, v->data + v->payload_off, v->payload_len);
	spsc_ring_commit(b->to_sip);
}
