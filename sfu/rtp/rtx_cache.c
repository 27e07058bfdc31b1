/* Retransmission cache: a ring of fixed-size slots indexed by the low bits of
 * the RTP sequence number. One allocation at creation; put and get run on the
 * producer's worker per packet and never allocate, lock or log. A slot
 * remembers its full seq, so a NACK for a number the ring has since reused
 * misses instead of returning the wrong packet. */
#include "sfu/rtp/rtx_cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RTX_MIN_SLOTS 16u
/* More slots than sequence numbers could never be addressed. */
#define RTX_MAX_SLOTS 65536u

struct rtx_slot {
	bool used;
	uint16_t seq;
	uint16_t len;
	int64_t time_ms;
	uint8_t data[RTX_CACHE_PACKET_MAX];
};

struct rtx_cache {
	unsigned mask;
	struct rtx_slot slots[];
};

static unsigned round_slots(unsigned slots)
{
	unsigned n = RTX_MIN_SLOTS;

	while (n < slots && n < RTX_MAX_SLOTS)
		n <<= 1;
	return n;
}

int rtx_cache_create(struct rtx_cache **out, unsigned slots)
{
	unsigned n = round_slots(slots);
	struct rtx_cache *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->slots[0]));

	if (!c)
		return -ENOMEM;
	c->mask = n - 1;
	*out = c;
	return 0;
}

void rtx_cache_destroy(struct rtx_cache *c)
{
	free(c);
}

void rtx_cache_put(struct rtx_cache *c, uint16_t seq, const uint8_t *pkt, size_t len,
		   int64_t now_ms)
{
	struct rtx_slot *s;

	if (!c || !pkt || len == 0 || len > RTX_CACHE_PACKET_MAX)
		return;
	s = &c->slots[seq & c->mask];
	memcpy(s->data, pkt, len);
	s->used = true;
	s->seq = seq;
	s->len = (uint16_t)len;
	s->time_ms = now_ms;
}

const uint8_t *rtx_cache_get(const struct rtx_cache *c, uint16_t seq, size_t *len,
			     int64_t now_ms, int64_t max_age_ms)
{
	const struct rtx_slot *s;

	if (!c)
		return NULL;
	s = &c->slots[seq & c->mask];
	if (!s->used || s->seq != seq || now_ms - s->time_ms > max_age_ms)
		return NULL;
	if (len)
		*len = s->len;
	return s->data;
}
