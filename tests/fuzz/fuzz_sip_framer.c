/* Fuzz target: SIP stream framing (sip/sip_framer.c) and what the user agent
 * does with each framed message before its transaction logic: libosip2's
 * parse, the Via stamp and the response target (sip/sip_via.c), and a
 * response built from it (sip/sip_msg.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_framer.h"
#include "sip/sip_msg.h"
#include "sip/sip_via.h"
#include <osip2/osip.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void handle(const char *msg, size_t len)
{
	osip_event_t *ev = osip_parse(msg, len);
	if (!ev)
		return;
	if (ev->sip && MSG_IS_REQUEST(ev->sip)) {
		sip_via_stamp(ev->sip, "192.0.2.1", 5060);
		osip_message_t *r = sip_msg_response(ev->sip, 400, "Bad Request", "tag");
		if (r) {
			char host[SIP_VIA_HOST_MAX];
			int port;
			sip_via_response_target(r, host, &port);
			char *s = NULL;
			size_t n;
			if (osip_message_to_str(r, &s, &n) == 0)
				osip_free(s);
			osip_message_free(r);
		}
		sip_via_branch(ev->sip);
	}
	osip_event_free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		parser_init();
		sip_msg_log_osip_traces();
		ready = 1;
	}
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	size_t pos = 0;
	for (int i = 0; i < 16 && pos < size; i++) {
		size_t skip;
		long n = sip_framer_next(buf + pos, size - pos, &skip);
		if (n <= 0)
			break;
		handle(buf + pos + skip, (size_t)n);
		pos += skip + (size_t)n;
	}
	free(buf);
	return 0;
}
