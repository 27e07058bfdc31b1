/* The Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN and
 * DATA_CHANNEL_ACK messages, parsed from and written to caller buffers. Pure
 * functions on untrusted input; no allocation. */
#ifndef PARLEY_DCEP_H
#define PARLEY_DCEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCEP_OPEN 0x03
#define DCEP_ACK 0x02

enum dcep_channel_type {
	DCEP_RELIABLE = 0x00,
	DCEP_RELIABLE_UNORDERED = 0x80,
	DCEP_PARTIAL_RELIABLE_REXMIT = 0x01,
	DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED = 0x81,
	DCEP_PARTIAL_RELIABLE_TIMED = 0x02,
	DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED = 0x82,
};

#define DCEP_MAX_LABEL 255
#define DCEP_MAX_PROTOCOL 255

struct dcep_open {
	uint8_t channel_type;
	uint16_t priority;
	uint32_t reliability;   /* retransmits or lifetime (ms), by type */
	char label[DCEP_MAX_LABEL + 1];       /* NUL-terminated; labels with NUL are refused */
	char protocol[DCEP_MAX_PROTOCOL + 1];
};

/* Returns 0, or -EINVAL for anything malformed: wrong type, unknown channel
 * type, lengths past the end, trailing bytes, label/protocol over 255 bytes
 * or containing NUL. */
int dcep_parse_open(const uint8_t *data, size_t len, struct dcep_open *out);
/* True for a well-formed DATA_CHANNEL_ACK (exactly one byte 0x02). */
bool dcep_is_ack(const uint8_t *data, size_t len);
/* Returns the length written, or -ENOSPC / -EINVAL (label or protocol too long). */
int dcep_write_open(uint8_t *out, size_t cap, const struct dcep_open *open);
int dcep_write_ack(uint8_t *out, size_t cap);

/* The channel type's reliability, for sending on it. */
bool dcep_ordered(uint8_t channel_type);
/* -1 when the type does not limit retransmits / lifetime. */
int dcep_max_retransmits(const struct dcep_open *o);
int dcep_max_lifetime_ms(const struct dcep_open *o);

#endif
