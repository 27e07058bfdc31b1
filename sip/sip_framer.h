/* Message boundaries on a SIP stream transport (TCP, TLS: RFC 3261 18.3).
 * A message is its start line and headers up to the blank line, then exactly
 * Content-Length bytes of body. The framer only finds those boundaries; the
 * message itself is parsed by libosip2. Keep-alive CRLFs between messages
 * (RFC 5626 3.5.1) are skipped.
 *
 * Pure: no allocation, no state beyond what the caller passes; used by the
 * SIP thread on each connection's input buffer, and by a fuzzer. */
#ifndef PARLEY_SIP_FRAMER_H
#define PARLEY_SIP_FRAMER_H

#include <stddef.h>

#define SIP_FRAMER_MAX_MESSAGE 65536  /* headers plus body; more closes the connection */

/* Looks at buf[0..len). Returns:
 *   > 0  a whole message is buf[*skip .. *skip + result): hand it to the parser,
 *        then drop *skip + result bytes;
 *   0    need more bytes (*skip: leading CRLFs that may be dropped already);
 *   -EMSGSIZE  the message would exceed SIP_FRAMER_MAX_MESSAGE;
 *   -EINVAL    headers without a usable Content-Length (required on streams). */
long sip_framer_next(const char *buf, size_t len, size_t *skip);

#endif
