/* SIP dial-in: the user agent that answers calls on sip_address:sip_port
 * (UDP and TCP), and on sip_tls_port over TLS when sip_tls_cert and
 * sip_tls_key are set, and puts each caller in a room.
 *
 * Thread: everything SIP runs on one thread of its own ("sip") with its own
 * GMainContext: the SIP sockets, libosip2's transactions and timers, the
 * calls and their RTP sockets, and the 20 ms media tick. It touches the room
 * directory (which has its own lock) and nothing else of the other threads;
 * nothing waits on it. */
#ifndef PARLEY_SIP_UA_H
#define PARLEY_SIP_UA_H

#include "api/room_directory.h"
#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"

/* Binds the SIP sockets and starts the SIP thread; a no-op returning 0 when
 * cfg->sip_port is 0. cfg and directory must outlive sip_stop. Returns 0 or
 * a negative errno (logged). */
int sip_start(const struct config *cfg, struct room_directory *directory);
/* Hangs up every call (BYE), stops the thread and frees everything. Safe
 * when sip_start failed or did nothing. */
void sip_stop(void);

/* Counters for metrics, readable from any thread. */
struct sip_counters {
	uint64_t calls_active;      /* answered and not ended */
	uint64_t calls_answered;    /* since start */
	uint64_t calls_refused;     /* final 4xx/5xx to an INVITE */
	uint64_t malformed;         /* messages dropped unparsed */
};
void sip_read_counters(struct sip_counters *out);

/* A room's message for a caller's session (sfu_send_fn, on a worker): a
 * close ("bye": removed, room ended, shutdown) hangs the call up with BYE;
 * anything else is dropped. Safe before sip_start and after sip_stop. */
void sip_on_session_message(uint64_t session_id, char *json, bool close);

#endif
