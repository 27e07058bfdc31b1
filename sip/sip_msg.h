/* Building the SIP messages the user agent sends, on libosip2: responses
 * to a request (RFC 3261 8.2.6) and in-dialog requests (BYE). Text in,
 * osip_message_t out; no sockets, no state. Used on the SIP thread. */
#ifndef PARLEY_SIP_MSG_H
#define PARLEY_SIP_MSG_H

#include <sys/time.h>
#include <time.h>
#include <osipparser2/osip_message.h>
#include <stddef.h>

#define SIP_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"
#define SIP_ACCEPT "application/sdp, application/dtmf-relay, application/dtmf"

/* A response to req: Via, From, To (with to_tag when To has none and
 * to_tag is not NULL), Call-ID and CSeq copied, Record-Route too for 1xx
 * and 2xx. Whatever req lacks is left out (a stateless 400 to a broken
 * request). Returns NULL when out of memory. */
osip_message_t *sip_msg_response(const osip_message_t *req, int code, const char *reason,
				 const char *to_tag);

/* Sends libosip2's own diagnostics (FATAL to WARNING) to the log as sip
 * debug lines. Without it, Debian's libosip2 prints to stdout two or three
 * lines per malformed message a peer sends. Process-wide; call once before
 * parsing anything. */
void sip_msg_log_osip_traces(void);

/* Adds a body with its Content-Type. Returns 0 or -ENOMEM. */
int sip_msg_set_body(osip_message_t *m, const char *type, const char *body, size_t len);

/* What an in-dialog request needs (RFC 3261 12.2.1.1). */
struct sip_msg_dialog {
	const char *method;
	const char *target;        /* remote target URI (the peer's Contact) */
	const char *from;          /* our side, with our tag */
	const char *to;            /* the peer, with its tag */
	const char *call_id;
	unsigned cseq;
	const char *via;           /* "SIP/2.0/UDP host:port;branch=...;rport" */
	const char *const *routes; /* route set, in order */
	size_t n_routes;
	const char *contact;
};

/* Returns NULL on a bad target URI or no memory. */
osip_message_t *sip_msg_request(const struct sip_msg_dialog *d);

/* The first body of m (NULL, 0 when none). */
const char *sip_msg_body(const osip_message_t *m, size_t *len);
/* The Content-Type as "type/subtype" in buf ("" when none). */
void sip_msg_content_type(const osip_message_t *m, char *buf, size_t cap);
/* m's header value as text (From, To...) into an osip_malloc'd string; NULL on error. */
char *sip_msg_from_str(const osip_from_t *f);

#endif
