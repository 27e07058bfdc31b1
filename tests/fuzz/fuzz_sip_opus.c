/* libFuzzer target for sip/sip_opus.c: the input is a run of packets a
 * remote sender might send (a length byte, then that many bytes), decoded
 * one after another, with a concealment (with the next packet as FEC) for
 * every packet whose first byte is odd. Checks that every call gives audio
 * of a sane length and that nothing is read or written out of bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_opus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_opus_dec *dec;
static int16_t pcm[SIP_OPUS_MAX_SAMPLES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dec && sip_opus_dec_create(&dec))
		abort();
	sip_opus_dec_reset(dec);
	while (size > 0) {
		size_t len = data[0];
		data++;
		size--;
		if (len > size)
			len = size;
		/* An exact-size copy, so a read past the end is caught. */
		uint8_t *pkt = malloc(len ? len : 1);
		if (!pkt)
			return 0;
		memcpy(pkt, data, len);
		size_t cap = len && (pkt[0] & 2) ? SIP_OPUS_FRAME : SIP_OPUS_MAX_SAMPLES;
		int n = sip_opus_packet_samples(pkt, len);
		if (n != -EINVAL && (n <= 0 || n > SIP_OPUS_MAX_SAMPLES))
			abort();
		if (len && (pkt[0] & 1)) {
			n = sip_opus_dec_conceal(dec, (size_t)pkt[0] * 40, pkt, len, pcm, cap);
			if (n <= 0 || (size_t)n > cap || n % 120)
				abort();
		}
		n = sip_opus_dec_decode(dec, pkt, len, pcm, cap);
		if (n <= 0 || (size_t)n > cap)
			abort();
		free(pkt);
		data += len;
		size -= len;
	}
	return 0;
}
