/* libFuzzer target for the PCM codecs: payload bytes from a caller decoded
 * as PCMU, PCMA and G.722 (every byte is a valid code word, so this is about
 * bounds), with loss concealment, then taken as 48 kHz audio and resampled
 * down to 8 or 16 kHz in chunks of sizes taken from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_g711.h"
#include "sip/sip_g722.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_g722_dec *g722;
static struct sip_resampler down8, down16;
static struct sip_plc plc8, plc16;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t pcm[2 * 400], low[2 * 400 / 3 + 1];

	if (!g722) {
		if (sip_g722_dec_create(&g722) || sip_resampler_init(&down8, 8000) ||
		    sip_resampler_init(&down16, 16000) || sip_plc_init(&plc8, 8000) ||
		    sip_plc_init(&plc16, 16000))
			abort();
	}
	for (unsigned records = 0; size > 1 && records < 16; records++) {
		size_t len = (size_t)data[0] * 8 + (data[0] & 7);
		uint8_t kind = data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (len > 400) /* past 20 ms of G.722 the size adds nothing but time */
			len = 400;
		struct sip_resampler *down = &down8;
		struct sip_plc *plc = &plc8;
		size_t n = len;
		if (kind % 3 == 2) {
			int got = sip_g722_decode(g722, data, len, pcm);
			if (got < 0 || (size_t)got > 2 * len)
				abort();
			n = (size_t)got;
			down = &down16;
			plc = &plc16;
		} else {
			sip_g711_decode(kind % 3 ? SIP_G711_ALAW : SIP_G711_ULAW, data, len, pcm);
		}
		if (kind & 8)
			sip_plc_conceal(plc, pcm, n);
		else
			sip_plc_good(plc, pcm, n);
		int w = sip_resampler_process(down, pcm, n, low, sizeof(low) / 2);
		if (w < 0 || (size_t)w > n / down->factor + 1)
			abort();
		data += len;
		size -= len;
	}
	return 0;
}
