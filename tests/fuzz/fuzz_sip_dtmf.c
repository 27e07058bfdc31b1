/* libFuzzer target for sip/sip_dtmf.c. The first byte picks the mode: even,
 * the rest is a stream of telephone-event packets, 9 bytes each (RTP
 * timestamp, marker, 4-byte payload; a short tail is a malformed payload),
 * fed to one detector; odd, the second byte picks a content type and the
 * rest is a SIP INFO body. Every key reported must be a key, and feeding a
 * packet again right away must never report it twice. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_dtmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char keys[] = "0123456789*#ABCD";

static void packets(const uint8_t *p, size_t n)
{
	struct sip_dtmf_detector d;
	sip_dtmf_detector_init(&d);
	while (n) {
		size_t take = n < 9 ? n : 9;
		uint32_t ts = 0;
		for (size_t i = 0; i < 4 && i < take; i++)
			ts = ts << 8 | p[i];
		bool marker = take > 4 && (p[4] & 1);
		size_t plen = take > 5 ? take - 5 : 0;
		uint8_t *payload = malloc(plen ? plen : 1);  /* exact size */
		CHECK(payload);
		memcpy(payload, p + (take > 5 ? 5 : take), plen);
		char digit = 0;
		struct sip_dtmf_detector before = d;
		int rc = sip_dtmf_on_packet(&d, ts, marker, payload, plen, &digit);
		CHECK(rc == 1 || rc == 0 || rc == -EINVAL);
		CHECK(rc != -EINVAL || (plen < 4 && before.started == d.started && before.ts == d.ts &&
					before.event == d.event && before.ended == d.ended &&
					before.duration == d.duration));
		CHECK(rc != 1 || (digit && strchr(keys, digit) && payload[0] < 16 &&
				  sip_dtmf_digit(payload[0]) == digit));
		if (rc >= 0)  /* a copy of the same packet is never a new press */
			CHECK(sip_dtmf_on_packet(&d, ts, marker, payload, plen, &digit) == 0);
		free(payload);
		p += take;
		n -= take;
	}
}

static void info(uint8_t which, const uint8_t *p, size_t n)
{
	static const char *const types[] = {
		"application/dtmf-relay", "application/dtmf", "Application/DTMF-Relay; charset=utf-8",
		"text/plain", " application/dtmf ;x",
	};
	char *body = malloc(n ? n : 1);  /* exact size */
	CHECK(body);
	memcpy(body, p, n);
	char digit = 0;
	int rc = sip_dtmf_parse_info(types[which % 5], body, n, &digit);
	free(body);
	CHECK(rc == 1 || rc == 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT);
	CHECK(rc != 1 || (digit && strchr(keys, digit)));
	CHECK((rc == -EPROTONOSUPPORT) == (which % 5 == 3));
	CHECK(rc != 1 || n <= SIP_DTMF_MAX_INFO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (!(data[0] & 1))
		packets(data + 1, size - 1);
	else if (size >= 2)
		info(data[1], data + 2, size - 2);
	return 0;
}
