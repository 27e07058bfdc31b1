/* The top Via of requests we receive and where their responses go
 * (RFC 3261 18.2.1 and 18.2.2, RFC 3581 rport).
 *
 * Pure helpers over libosip2 messages: no sockets, no state; the SIP thread
 * calls them on messages it owns, and the unit tests on parsed text. */
#ifndef PARLEY_SIP_VIA_H
#define PARLEY_SIP_VIA_H

#include <sys/time.h>
#include <time.h>
#include <osipparser2/osip_message.h>
#include <stddef.h>

#define SIP_VIA_HOST_MAX 64

/* Stamps the top Via of a received request with where it came from:
 * received=src_ip when the sent-by host differs (or rport was asked for),
 * and rport=src_port when the Via has an rport parameter. Returns 0, or
 * -EINVAL when the request has no Via. */
int sip_via_stamp(osip_message_t *request, const char *src_ip, int src_port);

/* Where a response to a request over UDP goes, from its top Via: received
 * (else the sent-by host) and rport's value (else the sent-by port, else
 * 5060). maddr is ignored: we answer unicast only. Returns 0, or -EINVAL
 * (no Via, or a host too long). */
int sip_via_response_target(const osip_message_t *response, char host[SIP_VIA_HOST_MAX], int *port);

/* The top Via's branch parameter, or NULL. */
const char *sip_via_branch(const osip_message_t *msg);

#endif
