/* Retransmission cache: the last N packets of one published video track,
 * stored decrypted and indexed by their original sequence number, so NACKs
 * from any subscriber are answered without asking the publisher.
 * Owned by a producer; used on its worker only. Storage is allocated once at
 * creation; put/get never allocate. */
#ifndef PARLEY_RTX_CACHE_H
#define PARLEY_RTX_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define RTX_CACHE_PACKET_MAX 1500

struct rtx_cache;

/* slots: rounded up to a power of two, at least 16. Returns 0 or -ENOMEM. */
int rtx_cache_create(struct rtx_cache **out, unsigned slots);
void rtx_cache_destroy(struct rtx_cache *c);

/* Stores a copy of pkt (longer packets than RTX_CACHE_PACKET_MAX are ignored). */
void rtx_cache_put(struct rtx_cache *c, uint16_t seq, const uint8_t *pkt, size_t len,
		   int64_t now_ms);

/* The stored packet with this seq, stored no longer than max_age_ms ago, or NULL. */
const uint8_t *rtx_cache_get(const struct rtx_cache *c, uint16_t seq, size_t *len,
			     int64_t now_ms, int64_t max_age_ms);

#endif
