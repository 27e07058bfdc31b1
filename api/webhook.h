/* Webhooks: events (room started/ended, participant joined/left, track
 * published/unpublished, later SIP calls) POSTed as JSON to one configured
 * URL by a thread of their own. Emitting never blocks the caller: events go
 * into a bounded queue; the sender delivers them one at a time, in order,
 * retrying with back-off. Each body carries a sequence number and is signed:
 *   X-Parley-Signature: sha256=<hex HMAC-SHA256(secret, body)>
 *   X-Parley-Event: <event name>
 * See docs/api.md for the body format; in short, one compact JSON object:
 *   {"id":"<32 hex, random>","seq":N,"event":"<name>","created_at":<Unix ms>,
 *    ...the fields of data}
 * seq starts at 1 and grows by one per emitted event, process-wide, in
 * queue order; a field of data named like one of the four is left out.
 * An event that fails (connect error, timeout, non-2xx) is retried after
 * 1, 2, 4, 8, 16 back-off units and blocks the events behind it, so the
 * receiver sees events in order. The unit is 500 ms, or
 * PARLEY_WEBHOOK_BACKOFF_MS (0..60000) as read by webhook_start: a knob for
 * tests and operations. */
#ifndef PARLEY_WEBHOOK_H
#define PARLEY_WEBHOOK_H

#include <jansson.h>
#include <stdint.h>

#define WEBHOOK_MAX_QUEUED 10000
#define WEBHOOK_MAX_ATTEMPTS 6      /* first try + 5 retries: 0.5, 1, 2, 4, 8 s apart */

/* Process-wide totals, never reset (not by webhook_stop either); readable
 * from any thread. Every emitted event ends up in exactly one of delivered,
 * failed or dropped, or is still queued. */
struct webhook_counters {
	uint64_t delivered;     /* got a 2xx */
	uint64_t failed;        /* gave up after WEBHOOK_MAX_ATTEMPTS, or at the
				   webhook_stop deadline after at least one try */
	uint64_t dropped;       /* never tried: queue full (the oldest is
				   dropped), or still queued at webhook_stop */
	uint64_t retries;       /* attempts after the first */
};

/* url "" (or NULL) disables webhooks (emit then does nothing). Returns 0;
 * -EINVAL for a URL that is not http:// or https:// with a host, or for an
 * empty secret with a URL; -EALREADY if started and not stopped. Does no
 * network I/O. start and stop exclude each other; start may be called
 * again after stop. */
int webhook_start(const char *url, const char *secret);
/* Delivers what is queued for at most timeout_ms more, then stops the
 * thread and frees everything. Interrupts a back-off wait or a request in
 * progress at the deadline; a retry that would fall after the deadline is
 * not made. Safe when not started. */
void webhook_stop(int timeout_ms);

/* From any thread, never blocks on the network (no DNS, no I/O): the body
 * is serialised now, so data is a snapshot. Sends
 * {"id", "seq", "event", "created_at" (Unix ms), ...fields of data}.
 * Steals data (an object or NULL). Event names are 1-64 characters of
 * [A-Za-z0-9._:/-]; others are logged and not sent. Does nothing but free
 * data when not started or disabled. */
void webhook_emit(const char *event, json_t *data);

void webhook_get_counters(struct webhook_counters *out);

#endif
