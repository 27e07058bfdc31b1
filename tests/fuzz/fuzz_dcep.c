/* libFuzzer target for sfu/transport/dcep.c. Parses the input as an OPEN and
 * an ACK; whatever parses is written back and parsed again, which must give
 * the same channel. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/transport/dcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dcep_open o, again;
	uint8_t buf[12 + DCEP_MAX_LABEL + DCEP_MAX_PROTOCOL];

	(void)dcep_is_ack(data, size);
	if (dcep_parse_open(data, size, &o) != 0)
		return 0;
	(void)dcep_ordered(o.channel_type);
	(void)dcep_max_retransmits(&o);
	(void)dcep_max_lifetime_ms(&o);
	int n = dcep_write_open(buf, sizeof(buf), &o);
	if (n < 0 || (size_t)n != size || memcmp(buf, data, size) != 0)
		abort();
	if (dcep_parse_open(buf, (size_t)n, &again) != 0 || again.channel_type != o.channel_type ||
	    again.priority != o.priority || again.reliability != o.reliability ||
	    strcmp(again.label, o.label) != 0 || strcmp(again.protocol, o.protocol) != 0)
		abort();
	return 0;
}
