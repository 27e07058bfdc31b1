/* Data channels of one participant and their relay (docs/protocol.md, "Data
 * channels"): the channels it opened (DCEP, RFC 8832), the channels the
 * server opened towards it to relay others' messages, and the fan-out of a
 * message to the rest of the room. Owned by the participant; runs on the
 * room's worker. */
#ifndef PARLEY_DATA_CHANNELS_H
#define PARLEY_DATA_CHANNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/transport/dcep.h"

#define DATA_MAX_CHANNELS 64

struct participant;

struct data_channel {
	bool used;
	bool relayed;           /* opened by us towards this participant */
	bool acked;             /* relayed: the peer acknowledged the open */
	bool broken;            /* relayed: closed after overflow or by the receiver;
				 * kept so it is not silently reopened with a gap */
	uint16_t stream;
	struct dcep_open open;  /* label, protocol, reliability */
	char sender[24];        /* relayed: whose messages it carries */
	bool addressed;         /* own channel with protocol "to:ID,...": only those get it */
};

struct data_stats {
	uint64_t messages_in;
	uint64_t messages_relayed;
	uint64_t dropped;       /* unreliable, receiver's buffer full; or no channel */
	uint64_t overflow_closed; /* reliable relays closed because the receiver fell behind */
};

struct data_channels {
	struct participant *owner;
	bool ready;             /* the SCTP association is up */
	uint16_t first_stream;  /* 0 or 1: the parity of the streams we open */
	struct data_channel channels[DATA_MAX_CHANNELS];
	struct data_stats stats;
};

void data_channels_init(struct data_channels *d, struct participant *owner);
void data_channels_on_ready(struct data_channels *d);
/* A message from the participant: DCEP is answered, data is relayed. */
void data_channels_on_message(struct data_channels *d, uint16_t stream, uint32_t ppid,
			      const uint8_t *data, size_t len);
/* The participant closed a stream: its relays close too. */
void data_channels_on_closed(struct data_channels *d, uint16_t stream);
/* Closes every channel in the room that relays sender_id (it is leaving). */
void data_channels_forget_sender(struct data_channels *d, const char *sender_id);

#endif
