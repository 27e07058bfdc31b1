/* The Data Channel Establishment Protocol (RFC 8832): parses and writes
 * DATA_CHANNEL_OPEN / DATA_CHANNEL_ACK. Pure functions over caller buffers,
 * safe on any thread; input is untrusted (it comes straight off SCTP). */
#include "sfu/transport/dcep.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* type(1) channel type(1) priority(2) reliability(4) label len(2) protocol len(2) */
#define OPEN_HEADER 12

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static bool known_type(uint8_t t)
{
	switch (t) {
	case DCEP_RELIABLE:
	case DCEP_RELIABLE_UNORDERED:
	case DCEP_PARTIAL_RELIABLE_REXMIT:
	case DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED:
	case DCEP_PARTIAL_RELIABLE_TIMED:
	case DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED:
		return true;
	default:
		return false;
	}
}

/* Copies a length-prefixed string; a NUL inside would silently truncate the
 * label the application sees, so it is refused instead. */
static int copy_string(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	if (len >= cap || memchr(src, 0, len) != NULL)
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int dcep_parse_open(const uint8_t *data, size_t len, struct dcep_open *out)
{
	if (data == NULL || len < OPEN_HEADER || data[0] != DCEP_OPEN || !known_type(data[1]))
		return -EINVAL;
	size_t label_len = get16(data + 8);
	size_t proto_len = get16(data + 10);
	/* Exactly the announced size: trailing bytes mean a confused peer. */
	if (len != OPEN_HEADER + label_len + proto_len)
		return -EINVAL;
	struct dcep_open o;
	o.channel_type = data[1];
	o.priority = get16(data + 2);
	o.reliability = get32(data + 4);
	if (copy_string(o.label, sizeof(o.label), data + OPEN_HEADER, label_len) < 0 ||
	    copy_string(o.protocol, sizeof(o.protocol), data + OPEN_HEADER + label_len, proto_len) < 0)
		return -EINVAL;
	*out = o;
	return 0;
}

bool dcep_is_ack(const uint8_t *data, size_t len)
{
	return data != NULL && len == 1 && data[0] == DCEP_ACK;
}

int dcep_write_open(uint8_t *out, size_t cap, const struct dcep_open *open)
{
	size_t label_len = strnlen(open->label, sizeof(open->label));
	size_t proto_len = strnlen(open->protocol, sizeof(open->protocol));

	if (label_len > DCEP_MAX_LABEL || proto_len > DCEP_MAX_PROTOCOL ||
	    !known_type(open->channel_type))
		return -EINVAL;
	size_t total = OPEN_HEADER + label_len + proto_len;
	if (cap < total)
		return -ENOSPC;
	out[0] = DCEP_OPEN;
	out[1] = open->channel_type;
	put16(out + 2, open->priority);
	put32(out + 4, open->reliability);
	put16(out + 8, (uint16_t)label_len);
	put16(out + 10, (uint16_t)proto_len);
	memcpy(out + OPEN_HEADER, open->label, label_len);
	memcpy(out + OPEN_HEADER + label_len, open->protocol, proto_len);
	return (int)total;
}

int dcep_write_ack(uint8_t *out, size_t cap)
{
	if (cap < 1)
		return -ENOSPC;
	out[0] = DCEP_ACK;
	return 1;
}

bool dcep_ordered(uint8_t channel_type)
{
	return (channel_type & 0x80) == 0;
}

/* The reliability parameter is 32 bits on the wire; callers take an int. */
static int clamp_int(uint32_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

int dcep_max_retransmits(const struct dcep_open *o)
{
	if ((o->channel_type & 0x7f) != DCEP_PARTIAL_RELIABLE_REXMIT)
		return -1;
	return clamp_int(o->reliability);
}

int dcep_max_lifetime_ms(const struct dcep_open *o)
{
	if ((o->channel_type & 0x7f) != DCEP_PARTIAL_RELIABLE_TIMED)
		return -1;
	return clamp_int(o->reliability);
}
