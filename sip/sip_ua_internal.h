/* What the user agent's parts share on the SIP thread: the UA itself (its
 * libosip2 stack, transport, dial plan, codec caps and calls) and the few
 * operations sip_call.c needs from sip_ua.c. Not for other modules. */
#ifndef PARLEY_SIP_UA_INTERNAL_H
#define PARLEY_SIP_UA_INTERNAL_H

#include <sys/time.h>
#include <time.h>
#include <osip2/osip.h>
#include <glib.h>

#include "api/room_directory.h"
#include "base/config.h"
#include "sip/sip_call.h"
#include "sip/sip_dialplan.h"
#include "sip/sip_sdp.h"
#include "sip/sip_transport.h"

struct sip_ua {
	const struct config *cfg;
	struct room_directory *dir;
	GMainContext *ctx;
	GMainLoop *loop;
	GThread *thread;
	osip_t *osip;
	struct sip_transport *tp;
	struct sip_dialplan *dp;
	struct sip_local_caps caps;
	struct sdp_session *sdp_scratch;  /* lent to sip_sdp_parse_with */
	GHashTable *calls;                /* Call-ID -> struct sip_call, owned */
	GPtrArray *garbage;               /* transactions osip has finished with */
	GSource *timer;
	int64_t next_tick_us;
	uint64_t next_call_id;
	int64_t late_since_us;            /* arrival of the first of a run of late datagrams */
	int64_t behind_until_us;          /* new calls get 503 until then (0: not behind) */
	uint64_t shed;                    /* calls refused while behind, this time */
};

enum sip_counter { SIP_COUNT_ACTIVE, SIP_COUNT_ANSWERED, SIP_COUNT_REFUSED, SIP_COUNT_MALFORMED,
		   SIP_COUNTERS };
/* Adds delta to a counter (relaxed atomics: metrics read them). */
void sip_count(enum sip_counter which, int64_t delta);

/* Hands a response to its server transaction and lets libosip2 send it. */
void sip_ua_respond(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *resp);
/* Responds code/reason to req in tr, with no body. */
void sip_ua_reply(struct sip_ua *ua, osip_transaction_t *tr, const osip_message_t *req, int code,
		  const char *reason, const char *to_tag);
/* Sends a message outside any transaction (2xx retransmissions, stateless
 * 400s): responses by their Via over UDP, else on the origin. */
void sip_ua_send_raw(struct sip_ua *ua, osip_message_t *m, const struct sip_origin *origin);
/* Starts a client transaction for req (BYE) towards origin's transport. */
int sip_ua_send_request(struct sip_ua *ua, osip_message_t *req, const struct sip_origin *origin);
/* "host:port" of our SIP socket for proto (TLS has its own port), for Via
 * and Contact. */
const char *sip_ua_hostport(const struct sip_ua *ua, enum sip_proto proto);

/* sip_call.c's entry points, called by sip_ua.c. */
void sip_call_on_invite(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req);
void sip_call_on_ack(struct sip_ua *ua, osip_message_t *ack);
bool sip_call_absorb_retransmission(struct sip_ua *ua, const osip_message_t *invite);
void sip_call_on_request(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req); /* BYE, CANCEL, INFO */
void sip_call_forget_transaction(struct sip_ua *ua, osip_transaction_t *tr);
void sip_calls_tick(struct sip_ua *ua, int64_t now_us);
void sip_calls_sweep(struct sip_ua *ua);     /* frees ended calls */
void sip_calls_hangup_all(struct sip_ua *ua, const char *reason);
/* The live call with this sip_call_id, or NULL. */
struct sip_call *sip_call_find(struct sip_ua *ua, uint64_t id);
void sip_call_free(gpointer call);

#endif
