/* A bounded queue of fixed-size records between exactly two threads: one
 * pushes, the other pops. No lock and no allocation after create, so the
 * media path may use it: a worker hands room audio to the SIP thread, the
 * SIP thread hands callers' packets to a worker.
 *
 * Records are copied in and out whole (up to the record size given at
 * create). A push to a full ring fails; the pusher counts the drop.
 *
 * Created and destroyed by whoever owns both ends (sfu_sip.c), while
 * neither thread uses it. */
#ifndef PARLEY_SPSC_RING_H
#define PARLEY_SPSC_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spsc_ring;

/* slots: rounded up to a power of two. Returns 0 or -ENOMEM / -EINVAL. */
int spsc_ring_create(struct spsc_ring **out, size_t slots, size_t record_size);
void spsc_ring_destroy(struct spsc_ring *r);

/* Pusher side. The slot to fill, or NULL when the ring is full; the record
 * becomes visible to the popper only at spsc_ring_commit. */
void *spsc_ring_reserve(struct spsc_ring *r);
void spsc_ring_commit(struct spsc_ring *r);

/* Popper side. The oldest record, or NULL when empty; it stays valid until
 * spsc_ring_release. */
void *spsc_ring_peek(struct spsc_ring *r);
void spsc_ring_release(struct spsc_ring *r);

size_t spsc_ring_record_size(const struct spsc_ring *r);

#endif
