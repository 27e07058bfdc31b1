/* Loss detection on one received stream and the list of sequence numbers
 * to ask the sender to retransmit (RFC 4585 generic NACK). Pure state, no
 * I/O: the producer sends what nack_generator_due returns. Used per packet
 * on the producer's worker; fixed size, no allocation. */
#ifndef PARLEY_NACK_GENERATOR_H
#define PARLEY_NACK_GENERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NACK_GEN_MAX 64        /* missing packets tracked at once */
#define NACK_GEN_TRIES 3       /* requests per packet before giving up */

struct nack_item {
	uint16_t seq;
	uint8_t tries;
	int64_t last_us;           /* when last requested; 0 = not yet */
};

struct nack_generator {
	bool started;
	uint16_t max_seq;
	unsigned n;
	struct nack_item items[NACK_GEN_MAX];
};

void nack_generator_init(struct nack_generator *g);

/* Notes a received packet (original or retransmitted). Returns true when a
 * gap too large to repair by NACK was seen: the caller should ask for a
 * keyframe instead. */
bool nack_generator_on_packet(struct nack_generator *g, uint16_t seq);

/* Writes to out the sequence numbers to request now: new ones at once,
 * earlier ones again once retry_us has passed; items past NACK_GEN_TRIES are
 * dropped. Returns how many were written. */
size_t nack_generator_due(struct nack_generator *g, int64_t now_us, int64_t retry_us,
			  uint16_t *out, size_t max);

#endif
