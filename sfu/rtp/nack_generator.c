/* NACK list for one incoming stream: gaps in the sequence become items,
 * arrivals remove them, and each item is requested a bounded number of times. */
#include "sfu/rtp/nack_generator.h"

#include <string.h>

#include "sfu/rtp/rtp_packet.h"

void nack_generator_init(struct nack_generator *g)
{
	memset(g, 0, sizeof(*g));
}

static void remove_at(struct nack_generator *g, unsigned i)
{
	g->items[i] = g->items[--g->n];
}

static void forget(struct nack_generator *g, uint16_t seq)
{
	for (unsigned i = 0; i < g->n; i++) {
		if (g->items[i].seq == seq) {
			remove_at(g, i);
			return;
		}
	}
}

bool nack_generator_on_packet(struct nack_generator *g, uint16_t seq)
{
	if (!g->started) {
		g->started = true;
		g->max_seq = seq;
		return false;
	}
	if (!rtp_seq_newer(seq, g->max_seq)) {
		forget(g, seq);
		return false;
	}
	uint16_t gap = (uint16_t)(seq - g->max_seq - 1);
	g->max_seq = seq;
	if (gap == 0)
		return false;
	if (gap > NACK_GEN_MAX - g->n) {
		g->n = 0;
		return true;
	}
	for (uint16_t k = 0; k < gap; k++) {
		struct nack_item *it = &g->items[g->n++];
		it->seq = (uint16_t)(seq - gap + k);
		it->tries = 0;
		it->last_us = 0;
	}
	return false;
}

size_t nack_generator_due(struct nack_generator *g, int64_t now_us, int64_t retry_us,
			  uint16_t *out, size_t max)
{
	size_t n = 0;
	for (unsigned i = 0; i < g->n && n < max;) {
		struct nack_item *it = &g->items[i];
		if (it->last_us && now_us - it->last_us < retry_us) {
			i++;
			continue;
		}
		if (it->tries >= NACK_GEN_TRIES) {
			remove_at(g, i);
			continue;
		}
		it->tries++;
		it->last_us = now_us;
		out[n++] = it->seq;
		i++;
	}
	return n;
}
