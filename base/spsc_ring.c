/* Single-producer single-consumer ring: head is written only by the pusher,
 * tail only by the popper; each reads the other's with acquire so the
 * record's bytes are visible before its index is. The two indexes sit on
 * their own cache lines so the threads do not fight over one. */
#include "base/spsc_ring.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#define CACHE_LINE 64

struct spsc_ring {
	_Alignas(CACHE_LINE) _Atomic size_t head;   /* next slot to fill */
	_Alignas(CACHE_LINE) _Atomic size_t tail;   /* next slot to pop */
	_Alignas(CACHE_LINE) size_t mask;
	size_t record_size;
	unsigned char *slots;
};

int spsc_ring_create(struct spsc_ring **out, size_t slots, size_t record_size)
{
	if (!slots || !record_size || slots > (1u << 20))
		return -EINVAL;
	size_t n = 1;
	while (n < slots)
		n <<= 1;
	struct spsc_ring *r = aligned_alloc(CACHE_LINE, sizeof(*r));
	if (!r)
		return -ENOMEM;
	size_t rec = (record_size + 15) & ~(size_t)15;
	r->slots = calloc(n, rec);
	if (!r->slots) {
		free(r);
		return -ENOMEM;
	}
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = n - 1;
	r->record_size = rec;
	*out = r;
	return 0;
}

void spsc_ring_destroy(struct spsc_ring *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

void *spsc_ring_reserve(struct spsc_ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return NULL;
	return r->slots + (head & r->mask) * r->record_size;
}

void spsc_ring_commit(struct spsc_ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

void *spsc_ring_peek(struct spsc_ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail == head)
		return NULL;
	return r->slots + (tail & r->mask) * r->record_size;
}

void spsc_ring_release(struct spsc_ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

size_t spsc_ring_record_size(const struct spsc_ring *r)
{
	return r->record_size;
}
