/* Dial plan for SIP dial-in: which room a call is for, from the user part of
 * its Request-URI (the caller may pass To's user part when a proxy rewrote
 * the Request-URI). The rules, in order:
 *
 *  0. The user part is percent-decoded (RFC 3261 escapes). A bad escape, a
 *     NUL or other control character, or more than SIP_DIALPLAN_MAX_USER
 *     bytes make it malformed.
 *  1. If it is a telephone number (RFC 3966 telephone-subscriber: an optional
 *     leading '+', then 1-31 digits among the visual separators - . ( ),
 *     which are dropped; tel parameters from ';' on are ignored), that number
 *     is looked up as it is, then with its leading '+' removed or added:
 *       a. in the room directory (the rooms' sip_number), through find_number;
 *       b. in the static map of the configuration ("NUMBER=ROOM,...").
 *     Nothing else is rewritten: no trunk prefix, no country code.
 *  2. Otherwise, or when no number matched, a user part that is itself a
 *     valid room name (1-64 of A-Z a-z 0-9 . _ -) names the room; whether a
 *     room that does not exist is created or refused (404) is the caller's
 *     decision.
 *  3. Anything else is not a room (404).
 *
 * Ownership and threads: struct sip_dialplan is created from configuration
 * by the SIP module, which destroys it; it is read-only after
 * sip_dialplan_create, so any thread may route through it at the same time.
 * find_number is called on the routing thread and must be safe there (the
 * room directory takes its own lock). No global state, no allocation while
 * routing. */
#ifndef PARLEY_SIP_DIALPLAN_H
#define PARLEY_SIP_DIALPLAN_H

#include <stdbool.h>
#include <stddef.h>

#define SIP_DIALPLAN_ROOM_MAX 65    /* a room name (64) and its NUL */
#define SIP_DIALPLAN_NUMBER_MAX 33  /* '+', 31 digits and the NUL */
#define SIP_DIALPLAN_MAX_USER 256   /* decoded user part, bytes */

/* The room whose sip_number is number (exactly as given), copied into
 * room_out; false when there is none. */
typedef bool sip_dialplan_find_fn(void *arg, const char *number, char room_out[SIP_DIALPLAN_ROOM_MAX]);

enum sip_route {
	SIP_ROUTE_NOT_A_ROOM,      /* 404 */
	SIP_ROUTE_BY_NUMBER,       /* a room's sip_number in the directory: the room exists */
	SIP_ROUTE_BY_MAPPED_NUMBER,/* the configuration's number map: the room may not exist yet */
	SIP_ROUTE_BY_NAME,         /* the user part is the room name: it may not exist */
	SIP_ROUTE_MALFORMED,       /* bad escape or control character: 400 or 404 */
};

struct sip_dialplan;

/* number_map: "NUMBER=ROOM,NUMBER=ROOM" (blanks around items allowed; NULL
 * or "" for none); numbers are normalized as in rule 1 and must be unique.
 * find_number may be NULL (no directory). Returns 0, -EINVAL with a reason,
 * or -ENOMEM. */
int sip_dialplan_create(struct sip_dialplan **out, const char *number_map,
			sip_dialplan_find_fn *find_number, void *arg, char *err, size_t errlen);
void sip_dialplan_destroy(struct sip_dialplan *dp);

/* Routes the user part user[0..len) (still escaped; need not be
 * NUL-terminated). room is "" unless a SIP_ROUTE_BY_* is returned; err gets a
 * reason for SIP_ROUTE_MALFORMED and SIP_ROUTE_NOT_A_ROOM. */
enum sip_route sip_dialplan_route(const struct sip_dialplan *dp, const char *user, size_t len,
				  char room[SIP_DIALPLAN_ROOM_MAX], char *err, size_t errlen);

/* Number of entries in the static map. */
size_t sip_dialplan_map_size(const struct sip_dialplan *dp);

const char *sip_route_name(enum sip_route r);

/* Rule 0 on its own: decodes in[0..len) into out (NUL-terminated). Returns
 * the decoded length, or -EINVAL (bad escape, control character) or -E2BIG
 * (does not fit cap). */
int sip_dialplan_unescape(const char *in, size_t len, char *out, size_t cap);

/* Rule 1's normalization: "+49 (30) 123-456;phone-context=x" -> "+4930123456".
 * False when s is not a telephone number. */
bool sip_dialplan_normalize_number(const char *s, char out[SIP_DIALPLAN_NUMBER_MAX]);

#endif
