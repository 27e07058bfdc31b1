/* DTMF from SIP callers: RFC 4733 telephone-event packets, turned into key
 * presses exactly once, and SIP INFO bodies (application/dtmf-relay,
 * application/dtmf).
 *
 * The detector reports a key on the first packet of its event that arrives,
 * whichever it is (start, update or end), and ignores every later packet of
 * that event. Events are told apart by RTP timestamp (RFC 4733 2.5.1.1: all
 * packets of one event carry its start time), so retransmitted end packets,
 * duplicates and updates count once, a lost start still gives the key, and a
 * lost end does not hold it back. A packet older than the current event
 * (reordering) is ignored; a long event split into segments (2.5.1.3) stays
 * one press. Events 16 and up (flash, tones) are tracked but are not keys.
 *
 * Ownership and threads: struct sip_dtmf_detector is plain data embedded in
 * the call's media leg and used only by the thread that receives its RTP.
 * Everything else is stateless. No allocation, no global state. */
#ifndef PARLEY_SIP_DTMF_H
#define PARLEY_SIP_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_DTMF_MAX_INFO 1024  /* bytes of INFO body we read */

/* One RFC 4733 event payload (2.3). */
struct sip_dtmf_event {
	uint8_t event;       /* 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash, ... */
	bool end;            /* E bit */
	uint8_t volume;      /* 0-63: -dBm0 */
	uint16_t duration;   /* in RTP clock units since the event began */
};

struct sip_dtmf_detector {
	bool started;        /* an event has been seen */
	uint32_t ts;         /* RTP timestamp of the current event (segment) */
	uint8_t event;
	bool ended;          /* an end packet of it arrived */
	uint16_t duration;   /* the longest duration seen for it */
};

/* Reads the first 4 bytes of payload (more are ignored: RFC 4733 packets
 * carry one event; padding is the RTP layer's). Returns 0 or -EINVAL. */
int sip_dtmf_parse_event(const uint8_t *payload, size_t len, struct sip_dtmf_event *out);

/* '0'-'9', '*', '#', 'A'-'D' for events 0-15; '\0' otherwise. */
char sip_dtmf_digit(unsigned event);
/* The event number of a key ('a'-'d' too), or -1. */
int sip_dtmf_event_of(char digit);

void sip_dtmf_detector_init(struct sip_dtmf_detector *d);

/* Feeds one telephone-event RTP packet (its timestamp, marker bit and
 * payload). Returns 1 with *digit_out set when a new key press begins, 0
 * when there is nothing new (or the event is not a key), -EINVAL for a
 * malformed payload (the detector is unchanged). Call
 * sip_dtmf_detector_init again when the sender's SSRC changes. */
int sip_dtmf_on_packet(struct sip_dtmf_detector *d, uint32_t rtp_ts, bool marker,
		       const uint8_t *payload, size_t len, char *digit_out);

/* A SIP INFO body: "application/dtmf-relay" ("Signal=5\r\nDuration=160\r\n",
 * keys in any case, Signal also as an event number 10-15) or
 * "application/dtmf" ("5", or an event number such as "11"); parameters of
 * the content type are ignored. Returns 1 with *digit_out set, 0 for a
 * well-formed body that is not a key (flash: "!" or 16), -EINVAL for a
 * malformed body, -EPROTONOSUPPORT for another content type (415). */
int sip_dtmf_parse_info(const char *content_type, const char *body, size_t len, char *digit_out);

#endif
