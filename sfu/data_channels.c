/* Data channel bookkeeping and relay. A participant's own channels come
 * from its DCEP opens; relayed channels are opened by us on demand, one per
 * (sender, label, reliability) on each receiver. Control-path work (DCEP)
 * and the relay both run on the room's worker. */
#include "sfu/data_channels.h"

#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "sfu/participant.h"
#include "sfu/room.h"
#include "sfu/transport/sctp.h"
#include "sfu/transport/transport.h"

void data_channels_init(struct data_channels *d, struct participant *owner)
{
	memset(d, 0, sizeof(*d));
	d->owner = owner;
}

void data_channels_on_ready(struct data_channels *d)
{
	d->ready = true;
	/* RFC 8832: the DTLS client opens even streams, the server odd ones. */
	d->first_stream = transport_is_dtls_client(d->owner->transport) ? 0 : 1;
}

static struct data_channel *find_stream(struct data_channels *d, uint16_t stream)
{
	for (unsigned i = 0; i < DATA_MAX_CHANNELS; i++)
		if (d->channels[i].used && d->channels[i].stream == stream)
			return &d->channels[i];
	return NULL;
}

static struct data_channel *free_slot(struct data_channels *d)
{
	for (unsigned i = 0; i < DATA_MAX_CHANNELS; i++)
		if (!d->channels[i].used)
			return &d->channels[i];
	return NULL;
}

#define DATA_MAX_STREAMS 1024 /* what the association negotiates */

/* The lowest stream id of our parity that no channel holds. */
static int free_stream(const struct data_channels *d)
{
	for (unsigned id = d->first_stream; id < DATA_MAX_STREAMS; id += 2) {
		bool taken = false;
		for (unsigned i = 0; i < DATA_MAX_CHANNELS && !taken; i++)
			taken = d->channels[i].used && d->channels[i].stream == id;
		if (!taken)
			return (int)id;
	}
	return -1;
}

static struct sctp_reliability reliability_of(const struct data_channel *c)
{
	struct sctp_reliability r = {
		.ordered = dcep_ordered(c->open.channel_type) || (c->relayed && !c->acked),
		.max_retransmits = dcep_max_retransmits(&c->open),
		.max_lifetime_ms = dcep_max_lifetime_ms(&c->open),
	};
	return r;
}

static bool is_reliable(const struct data_channel *c)
{
	return dcep_max_retransmits(&c->open) < 0 && dcep_max_lifetime_ms(&c->open) < 0;
}

static void on_open(struct data_channels *d, uint16_t stream, const uint8_t *data, size_t len)
{
	struct participant *p = d->owner;
	struct dcep_open open;
	if (dcep_parse_open(data, len, &open)) {
		log_info(LOGS_ROOM, "room %s participant %s: malformed DCEP open on stream %u, closing it",
			 p->room->name, p->id, stream);
		transport_close_data_stream(p->transport, stream);
		return;
	}
	struct data_channel *c = find_stream(d, stream);
	if (!c)
		c = free_slot(d);
	if (!c) {
		log_warn(LOGS_ROOM, "room %s participant %s: too many data channels", p->room->name, p->id);
		transport_close_data_stream(p->transport, stream);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->stream = stream;
	c->open = open;
	c->addressed = strncmp(open.protocol, "to:", 3) == 0;
	uint8_t ack[1];
	int n = dcep_write_ack(ack, sizeof(ack));
	struct sctp_reliability ordered = { true, -1, -1 };
	transport_send_data(p->transport, stream, SCTP_PPID_DCEP, ack, (size_t)n, &ordered);
	log_debug(LOGS_ROOM, "room %s participant %s: data channel \"%s\" on stream %u", p->room->name,
		  p->id, open.label, stream);
}

/* The receiver's channel carrying sender's messages with this label and reliability. */
static struct data_channel *relay_channel(struct data_channels *rx, const char *sender,
					  const struct data_channel *src)
{
	for (unsigned i = 0; i < DATA_MAX_CHANNELS; i++) {
		struct data_channel *c = &rx->channels[i];
		if (c->used && c->relayed && strcmp(c->sender, sender) == 0 &&
		    c->open.channel_type == src->open.channel_type &&
		    c->open.reliability == src->open.reliability &&
		    strcmp(c->open.label, src->open.label) == 0)
			return c;
	}
	struct data_channel *c = free_slot(rx);
	int stream = free_stream(rx);
	if (!c || stream < 0)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->relayed = true;
	c->stream = (uint16_t)stream;
	c->open = src->open;
	g_strlcpy(c->open.protocol, sender, sizeof(c->open.protocol));
	g_strlcpy(c->sender, sender, sizeof(c->sender));
	uint8_t buf[8 + DCEP_MAX_LABEL + DCEP_MAX_PROTOCOL];
	int n = dcep_write_open(buf, sizeof(buf), &c->open);
	struct sctp_reliability ordered = { true, -1, -1 };
	if (n < 0 || transport_send_data(rx->owner->transport, c->stream, SCTP_PPID_DCEP, buf, (size_t)n,
					 &ordered)) {
		c->used = false;
		return NULL;
	}
	return c;
}

/* Is id one of the comma-separated names after "to:"? */
static bool targeted(const struct data_channel *src, const char *id)
{
	if (!src->addressed)
		return true;
	size_t n = strlen(id);
	for (const char *p = src->open.protocol + 3; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, id, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static void close_relay(struct data_channels *rx, struct data_channel *c)
{
	transport_close_data_stream(rx->owner->transport, c->stream);
	c->used = false;
}

/* Closed, but remembered: a reliable relay with a hole must not come back. */
static void break_relay(struct data_channels *rx, struct data_channel *c)
{
	if (!c->broken)
		transport_close_data_stream(rx->owner->transport, c->stream);
	c->broken = true;
}

static void relay_to(struct data_channels *rx, const struct data_channel *src, const char *sender,
		     uint32_t ppid, const uint8_t *data, size_t len, struct data_stats *st)
{
	struct data_channel *c = relay_channel(rx, sender, src);
	if (!c || c->broken) {
		st->dropped++;
		return;
	}
	struct sctp_reliability rel = reliability_of(c);
	if (len == 0) /* RFC 8831 spells empty messages with their own PPIDs */
		ppid = ppid == SCTP_PPID_STRING ? SCTP_PPID_STRING_EMPTY : SCTP_PPID_BINARY_EMPTY;
	int rc = transport_send_data(rx->owner->transport, c->stream, ppid, data, len, &rel);
	if (rc == 0) {
		st->messages_relayed++;
	} else if (rc == -EAGAIN && is_reliable(c)) {
		/* Waiting would stall the sender and everyone else; dropping would
		 * break the channel's promise. Close it so the receiver knows. */
		log_info(LOGS_ROOM, "room %s participant %s: fell behind on \"%s\" from %s, closing it",
			 rx->owner->room->name, rx->owner->id, c->open.label, sender);
		break_relay(rx, c);
		st->overflow_closed++;
	} else {
		st->dropped++;
	}
}

static void relay(struct data_channels *d, const struct data_channel *src, uint32_t ppid,
		  const uint8_t *data, size_t len)
{
	struct room *r = d->owner->room;
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *q = r->participants->pdata[i];
		if (q == d->owner || q->leaving || !q->data.ready || !targeted(src, q->id))
			continue;
		relay_to(&q->data, src, d->owner->id, ppid, data, len, &d->stats);
	}
}

void data_channels_on_message(struct data_channels *d, uint16_t stream, uint32_t ppid,
			      const uint8_t *data, size_t len)
{
	if (ppid == SCTP_PPID_DCEP) {
		struct data_channel *c = find_stream(d, stream);
		if (dcep_is_ack(data, len)) {
			if (c && c->relayed)
				c->acked = true;
			return;
		}
		on_open(d, stream, data, len);
		return;
	}
	struct data_channel *c = find_stream(d, stream);
	d->stats.messages_in++;
	if (!c || c->relayed) {
		d->stats.dropped++;
		return;
	}
	relay(d, c, ppid, data, len);
}

void data_channels_forget_sender(struct data_channels *d, const char *sender_id)
{
	for (unsigned i = 0; i < DATA_MAX_CHANNELS; i++) {
		struct data_channel *c = &d->channels[i];
		if (c->used && c->relayed && strcmp(c->sender, sender_id) == 0)
			close_relay(d, c);
	}
}

/* Closes the relays of one of the owner's channels on every receiver. */
static void close_relays_of(struct data_channels *d, const struct data_channel *src)
{
	struct room *r = d->owner->room;
	for (guint i = 0; i < r->participants->len; i++) {
		struct participant *q = r->participants->pdata[i];
		if (q == d->owner)
			continue;
		for (unsigned k = 0; k < DATA_MAX_CHANNELS; k++) {
			struct data_channel *c = &q->data.channels[k];
			if (c->used && c->relayed && strcmp(c->sender, d->owner->id) == 0 &&
			    strcmp(c->open.label, src->open.label) == 0 &&
			    c->open.channel_type == src->open.channel_type &&
			    c->open.reliability == src->open.reliability)
				close_relay(&q->data, c);
		}
	}
}

void data_channels_on_closed(struct data_channels *d, uint16_t stream)
{
	/* RFC 8831: a channel closes when both directions of its stream are reset. */
	transport_close_data_stream(d->owner->transport, stream);
	struct data_channel *c = find_stream(d, stream);
	if (!c)
		return;
	if (c->relayed) {
		c->broken = true; /* the receiver closed it: it wants no more */
		return;
	}
	close_relays_of(d, c);
	c->used = false;
}
