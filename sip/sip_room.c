/* A room's audio on the SIP thread: sources fed by the worker's tap,
 * selected by level, decoded only when selected, mixed once per tick. */
#include "sip/sip_room.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/codecs.h"
#include "sip/sip_jitter.h"
#include "sip/sip_mixer.h"
#include "sip/sip_opus.h"
#include "sip/sip_pcm_queue.h"

/* A track that stopped (its participant left) is forgotten after this. */
#define SOURCE_IDLE_US (10 * G_USEC_PER_SEC)
/* Packets without an RFC 6464 level still get a chance to be heard: they
 * count as speech at about -40 dBov. */
#define LEVEL_UNKNOWN 40

struct source {
	uint32_t ssrc;
	int64_t last_us;
	struct sip_opus_dec *dec;
	struct sip_pcm_queue queue;
	int16_t frame[SIP_MIXER_FRAME];
	struct sip_jitter jitter;
};

struct sip_room {
	char name[ROOM_NAME_MAX];
	GHashTable *sources;        /* ssrc -> struct source, owned */
	struct sip_room_stats stats;
	struct sip_mixer mixer;
};

static void source_free(gpointer p)
{
	struct source *s = p;
	sip_opus_dec_destroy(s->dec);
	free(s);
}

static struct source *source_new(uint32_t ssrc)
{
	struct source *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ssrc = ssrc;
	struct sip_jitter_config jc;
	sip_jitter_config_default(&jc, 48000);
	if (sip_jitter_init(&s->jitter, &jc) || sip_opus_dec_create(&s->dec)) {
		source_free(s);
		return NULL;
	}
	return s;
}

int sip_room_create(struct sip_room **out, const char *name)
{
	struct sip_room *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	g_strlcpy(r->name, name, sizeof(r->name));
	r->sources = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, source_free);
	sip_mixer_init(&r->mixer, NULL);
	*out = r;
	return 0;
}

void sip_room_destroy(struct sip_room *r)
{
	if (!r)
		return;
	g_hash_table_destroy(r->sources);
	free(r);
}

const char *sip_room_name(const struct sip_room *r)
{
	return r->name;
}

static struct source *find_or_add(struct sip_room *r, uint32_t ssrc)
{
	struct source *s = g_hash_table_lookup(r->sources, GUINT_TO_POINTER(ssrc));
	if (s)
		return s;
	if (g_hash_table_size(r->sources) >= SIP_MIXER_MAX_SOURCES || sip_mixer_add_source(&r->mixer, ssrc))
		return NULL;
	s = source_new(ssrc);
	if (!s) {
		sip_mixer_remove_source(&r->mixer, ssrc);
		return NULL;
	}
	g_hash_table_insert(r->sources, GUINT_TO_POINTER(ssrc), s);
	r->stats.sources = g_hash_table_size(r->sources);
	log_debug(LOGS_SIP, "room %s: mixing source %08x", r->name, ssrc);
	return s;
}

void sip_room_put(struct sip_room *r, const struct sfu_sip_audio *a, int64_t now_us)
{
	r->stats.packets++;
	if (a->pt != codec_opus()->pt || a->ssrc == SIP_MIXER_NO_SOURCE) {
		r->stats.not_opus++;
		return;
	}
	struct source *s = find_or_add(r, a->ssrc);
	if (!s)
		return;
	s->last_us = now_us;
	sip_mixer_set_level(&r->mixer, a->ssrc, a->level >= 0 ? a->level : LEVEL_UNKNOWN);
	int samples = sip_opus_packet_samples(a->payload, a->len);
	struct sip_jitter_packet p = {
		.ssrc = a->ssrc, .seq = a->seq, .ts = a->ts, .pt = a->pt, .data = a->payload,
		.len = a->len, .samples = samples > 0 ? (uint32_t)samples : 0,
	};
	sip_jitter_put(&s->jitter, &p);
}

static int selected_index(const struct sip_mixer_selection *sel, uint32_t ssrc)
{
	for (unsigned i = 0; i < sel->n; i++)
		if (sel->id[i] == ssrc)
			return (int)i;
	return -1;
}

/* This tick's 20 ms of a selected source into s->frame; false when it has
 * nothing to play. */
static bool decode(struct sip_room *r, struct source *s, const struct sip_jitter_out *out, bool fresh)
{
	if (fresh || out->new_stream) {
		sip_opus_dec_reset(s->dec);
		sip_pcm_queue_clear(&s->queue);
	}
	int16_t pcm[SIP_OPUS_MAX_SAMPLES];
	for (unsigned i = 0; i < out->n; i++) {
		const struct sip_jitter_part *p = &out->parts[i];
		int w = p->kind == SIP_JITTER_LOST
			? sip_opus_dec_conceal(s->dec, p->samples, p->data, p->len, pcm, SIP_OPUS_MAX_SAMPLES)
			: sip_opus_dec_decode(s->dec, p->data, p->len, pcm, SIP_OPUS_MAX_SAMPLES);
		if (w > 0)
			sip_pcm_queue_push(&s->queue, pcm, (size_t)w);
	}
	if (!sip_pcm_queue_pop(&s->queue, s->frame, SIP_MIXER_FRAME))
		return false;
	r->stats.decoded_frames++;
	return true;
}

struct mix_pass {
	struct sip_room *r;
	struct sip_mixer_selection sel;
	struct sip_mixer_input in[SIP_MIXER_MAX_SELECT];
	unsigned n_in;
	int64_t now_us;
};

static gboolean tick_source(gpointer key, gpointer value, gpointer arg)
{
	struct mix_pass *m = arg;
	struct source *s = value;
	if (m->now_us - s->last_us > SOURCE_IDLE_US) {
		sip_mixer_remove_source(&m->r->mixer, s->ssrc);
		return TRUE;
	}
	struct sip_jitter_out out;
	sip_jitter_get(&s->jitter, &out);
	int i = selected_index(&m->sel, s->ssrc);
	if (i >= 0 && m->n_in < SIP_MIXER_MAX_SELECT && decode(m->r, s, &out, m->sel.fresh[i]))
		m->in[m->n_in++] = (struct sip_mixer_input){ s->ssrc, s->frame };
	return FALSE;
}

void sip_room_mix(struct sip_room *r, int64_t now_us)
{
	struct mix_pass m = { .r = r, .now_us = now_us };
	sip_mixer_select(&r->mixer, &m.sel);
	g_hash_table_foreach_remove(r->sources, tick_source, &m);
	r->stats.sources = g_hash_table_size(r->sources);
	sip_mixer_mix(&r->mixer, m.in, m.n_in, NULL, 0);
	r->stats.mixed_ticks++;
}

void sip_room_output(struct sip_room *r, uint32_t own_ssrc, int16_t *pcm)
{
	sip_mixer_output(&r->mixer, own_ssrc, pcm);
}

const struct sip_room_stats *sip_room_stats(const struct sip_room *r)
{
	return &r->stats;
}
