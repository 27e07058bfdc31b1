/* Loudest-N selection and mix-minus for SIP listeners (see sip_mixer.h).
 * Levels are smoothed with a fast attack (half the way per packet) and a
 * slow release (1/16 per packet, about 300 ms), so a pause between words
 * does not drop a speaker and a new voice is picked up within a packet or
 * two. */
#include "sip/sip_mixer.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define STALE_TICKS 5            /* 100 ms without a level: fading to silence */
#define AUDIBLE_Q8 ((127 - SIP_MIXER_SILENT_LEVEL) * 256)
#define LIMIT_KNEE 24576         /* -2.5 dBFS */
#define LIMIT_ROOM (32767 - LIMIT_KNEE)

void sip_mixer_config_default(struct sip_mixer_config *c)
{
	c->max_selected = 3;
	c->hysteresis_db = 6;
	c->hold_ticks = 10;
	c->soft_limit = true;
}

int sip_mixer_init(struct sip_mixer *m, const struct sip_mixer_config *config)
{
	struct sip_mixer_config def;

	if (!m)
		return -EINVAL;
	if (!config) {
		sip_mixer_config_default(&def);
		config = &def;
	}
	if (config->max_selected < 1 || config->max_selected > SIP_MIXER_MAX_SELECT ||
	    config->hysteresis_db > 127)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->cfg = *config;
	return 0;
}

static struct sip_mixer_source *find(struct sip_mixer *m, uint32_t id)
{
	for (unsigned i = 0; i < m->n_sources; i++)
		if (m->src[i].id == id)
			return &m->src[i];
	return NULL;
}

int sip_mixer_add_source(struct sip_mixer *m, uint32_t id)
{
	if (!m || id == SIP_MIXER_NO_SOURCE)
		return -EINVAL;
	if (find(m, id))
		return -EEXIST;
	if (m->n_sources == SIP_MIXER_MAX_SOURCES)
		return -ENOSPC;
	m->src[m->n_sources++] = (struct sip_mixer_source){ .id = id };
	return 0;
}

int sip_mixer_remove_source(struct sip_mixer *m, uint32_t id)
{
	struct sip_mixer_source *s = m ? find(m, id) : NULL;

	if (!s)
		return -ENOENT;
	*s = m->src[--m->n_sources];
	return 0;
}

static void smooth(struct sip_mixer_source *s, int level)
{
	int32_t x = (127 - level) * 256;

	if (!s->has_level)
		s->loud_q8 = x;
	else if (x > s->loud_q8)
		s->loud_q8 += (x - s->loud_q8 + 1) / 2;
	else
		s->loud_q8 += (x - s->loud_q8) / 16;
}

int sip_mixer_set_level(struct sip_mixer *m, uint32_t id, int level)
{
	if (!m)
		return -EINVAL;
	if (level < 0 || level > 127) {
		m->stats.bad_levels++;
		return -EINVAL;
	}
	struct sip_mixer_source *s = find(m, id);
	if (!s) {
		m->stats.unknown_ids++;
		return -ENOENT;
	}
	smooth(s, level);
	s->has_level = true;
	s->stale_ticks = 0;
	return 0;
}

/* Louder first; equal loudness: the one already selected, then lower id. */
static bool louder(const struct sip_mixer_source *a, const struct sip_mixer_source *b)
{
	if (a->loud_q8 != b->loud_q8)
		return a->loud_q8 > b->loud_q8;
	if (a->selected != b->selected)
		return a->selected;
	return a->id < b->id;
}

static struct sip_mixer_source *weakest_selected(struct sip_mixer *m)
{
	struct sip_mixer_source *w = NULL;

	for (unsigned i = 0; i < m->n_sources; i++)
		if (m->src[i].selected && (!w || louder(w, &m->src[i])))
			w = &m->src[i];
	return w;
}

/* The loudest audible source not selected, or NULL. */
static struct sip_mixer_source *best_candidate(struct sip_mixer *m)
{
	struct sip_mixer_source *c = NULL;

	for (unsigned i = 0; i < m->n_sources; i++) {
		struct sip_mixer_source *s = &m->src[i];
		if (!s->selected && s->loud_q8 >= AUDIBLE_Q8 && (!c || louder(s, c)))
			c = s;
	}
	return c;
}

static void pick(struct sip_mixer *m, struct sip_mixer_source *s)
{
	s->selected = true;
	s->fresh = true;
	s->selected_ticks = 0;
	m->stats.switches++;
}

unsigned sip_mixer_select(struct sip_mixer *m, struct sip_mixer_selection *sel)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->n_sources; i++) {
		struct sip_mixer_source *s = &m->src[i];
		s->fresh = false;
		if (++s->stale_ticks > STALE_TICKS && s->has_level)
			smooth(s, 127);
		if (s->selected && s->loud_q8 < AUDIBLE_Q8)
			s->selected = false;
		if (s->selected) {
			s->selected_ticks++;
			n++;
		}
	}
	struct sip_mixer_source *c;
	while ((c = best_candidate(m))) {
		if (n < m->cfg.max_selected) {
			pick(m, c);
			n++;
			continue;
		}
		struct sip_mixer_source *w = weakest_selected(m);
		if (w->selected_ticks < m->cfg.hold_ticks ||
		    c->loud_q8 < w->loud_q8 + (int32_t)m->cfg.hysteresis_db * 256)
			break;
		w->selected = false;
		pick(m, c);
	}
	/* Report loudest first. */
	sel->n = 0;
	for (unsigned i = 0; i < m->n_sources; i++) {
		struct sip_mixer_source *s = &m->src[i];
		if (!s->selected)
			continue;
		unsigned j = sel->n++;
		while (j > 0) {
			struct sip_mixer_source *prev = find(m, sel->id[j - 1]);
			if (!louder(s, prev))
				break;
			sel->id[j] = sel->id[j - 1];
			sel->fresh[j] = sel->fresh[j - 1];
			j--;
		}
		sel->id[j] = s->id;
		sel->fresh[j] = s->fresh;
	}
	return sel->n;
}

static bool mixed(const struct sip_mixer *m, uint32_t id)
{
	for (unsigned i = 0; i < m->n_contrib; i++)
		if (m->contrib_id[i] == id)
			return true;
	return false;
}

int sip_mixer_mix(struct sip_mixer *m, const struct sip_mixer_input *in, unsigned n_in,
		  const struct sip_mixer_listener *listeners, unsigned n_listeners)
{
	if (!m || (!in && n_in) || (!listeners && n_listeners))
		return -EINVAL;
	m->n_contrib = 0;
	memset(m->total, 0, sizeof(m->total));
	for (unsigned i = 0; i < n_in; i++) {
		if (in[i].id == SIP_MIXER_NO_SOURCE || !in[i].pcm) {
			m->stats.null_inputs++;
			continue;
		}
		if (mixed(m, in[i].id)) {
			m->stats.duplicate_inputs++;
			continue;
		}
		if (m->n_contrib == SIP_MIXER_MAX_SELECT) {
			m->stats.excess_inputs++;
			continue;
		}
		const struct sip_mixer_source *s = find(m, in[i].id);
		int16_t *c = m->contrib[m->n_contrib];
		m->contrib_id[m->n_contrib++] = in[i].id;
		if (s && s->fresh) {
			/* Back after a gap in its decoding: fade in over the frame. */
			for (unsigned k = 0; k < SIP_MIXER_FRAME; k++)
				c[k] = (int16_t)(in[i].pcm[k] * (int32_t)(k + 1) / SIP_MIXER_FRAME);
		} else {
			memcpy(c, in[i].pcm, sizeof(m->contrib[0]));
		}
		for (unsigned k = 0; k < SIP_MIXER_FRAME; k++)
			m->total[k] += c[k];
	}
	for (unsigned i = 0; i < n_listeners; i++)
		if (listeners[i].out)
			sip_mixer_output(m, listeners[i].own_id, listeners[i].out);
	return (int)m->n_contrib;
}

static int16_t limit(int32_t x, bool soft)
{
	int32_t mag = x < 0 ? -x : x;

	if (mag <= (soft ? LIMIT_KNEE : 32767))
		return (int16_t)x;
	if (soft) {
		/* Slope 1 at the knee, tending to full scale. */
		int64_t d = mag - LIMIT_KNEE;
		mag = LIMIT_KNEE + (int32_t)(d * LIMIT_ROOM / (d + LIMIT_ROOM));
	} else {
		mag = 32767;
	}
	return (int16_t)(x < 0 ? -mag : mag);
}

void sip_mixer_output(struct sip_mixer *m, uint32_t own_id, int16_t *out)
{
	const int16_t *own = NULL;

	if (!m || !out)
		return;
	for (unsigned i = 0; own_id != SIP_MIXER_NO_SOURCE && i < m->n_contrib; i++)
		if (m->contrib_id[i] == own_id)
			own = m->contrib[i];
	for (unsigned k = 0; k < SIP_MIXER_FRAME; k++) {
		int32_t x = m->total[k] - (own ? own[k] : 0);
		int16_t y = limit(x, m->cfg.soft_limit);
		if (y != x)
			m->stats.clipped++;
		out[k] = y;
	}
}

uint8_t sip_mixer_level(const int16_t *pcm, size_t n)
{
	double sum = 0;

	if (!pcm || !n)
		return 127;
	for (size_t i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	double rms = sqrt(sum / (double)n);
	if (rms < 1e-9)
		return 127;
	double dbov = 20 * log10(rms / 32768.0);
	if (dbov >= 0)
		return 0;
	if (dbov <= -127)
		return 127;
	return (uint8_t)lrint(-dbov);
}
