/* libFuzzer target for sfu/transport/sctp.c (and usrsctp's packet parser
 * behind it). One server-role association per input; the input is a series
 * of packets, each prefixed by a 2-byte big-endian length. Each packet gets
 * our ports, our verification tag (unless it starts with INIT, which must
 * carry 0) and a correct CRC32c, so the fuzzer reaches chunk parsing instead
 * of dying at the checksum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/transport/sctp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PORT 5000
#define MAX_PACKET 65535

static uint32_t crc_table[256];
static uint32_t our_tag;  /* from the INIT we send */
static uint8_t packet[MAX_PACKET];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

/* Our INIT's Initiate Tag is what the peer must put in every later packet. */
static void on_send(void *arg, const uint8_t *d, size_t len)
{
	if (len >= 20 && d[12] == 1)
		our_tag = (uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19];
}

static const struct sctp_callbacks callbacks = { .send = on_send };

static void fix_up(uint8_t *p, size_t len)
{
	p[0] = p[2] = PORT >> 8;
	p[1] = p[3] = PORT & 0xff;
	if (len < 13 || p[12] != 1) {
		p[4] = (uint8_t)(our_tag >> 24);
		p[5] = (uint8_t)(our_tag >> 16);
		p[6] = (uint8_t)(our_tag >> 8);
		p[7] = (uint8_t)our_tag;
	}
	memset(p + 8, 0, 4);
	uint32_t c = crc32c(p, len);
	/* SCTP stores the CRC32c least significant byte first. */
	p[8] = (uint8_t)c;
	p[9] = (uint8_t)(c >> 8);
	p[10] = (uint8_t)(c >> 16);
	p[11] = (uint8_t)(c >> 24);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialized;
	struct sctp_assoc *a;

	if (!initialized) {
		crc_init();
		sctp_library_init();
		initialized = 1;
	}
	if (sctp_assoc_create(&a, PORT, PORT, false, SCTP_MAX_MESSAGE, &callbacks, NULL) != 0)
		return 0;
	sctp_assoc_connect(a);
	while (size >= 2) {
		size_t len = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		memcpy(packet, data, len);
		if (len >= 12)
			fix_up(packet, len);
		sctp_assoc_receive(a, packet, len);
		data += len;
		size -= len;
	}
	sctp_library_tick(1000);
	sctp_assoc_poll(a);
	sctp_assoc_destroy(a);
	sctp_library_tick(1000); /* frees the closed endpoint */
	return 0;
}
