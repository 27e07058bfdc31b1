/* libFuzzer target for sip/sip_jitter.c: the input is a script of packets
 * and ticks. Each record is a tick (get) or a packet whose SSRC, sequence
 * number and timestamp are steps from the previous one (small steps most of
 * the time, so reordering, loss, duplicates and wrap-around all show up),
 * and whose payload and duration come from the bytes. Checks the buffer's
 * promises: parts in bounds and in stream order, payloads as they were put,
 * each packet handed out at most once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_jitter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_jitter jb;

static void check(const struct sip_jitter_out *out, const uint8_t *payload_seen, uint8_t *played)
{
	if (out->n > SIP_JITTER_MAX_PARTS || (out->empty && out->n))
		abort();
	for (unsigned i = 0; i < out->n; i++) {
		const struct sip_jitter_part *p = &out->parts[i];
		if (p->samples == 0 || p->samples > jb.max_samples + jb.frame)
			abort();
		if (!p->data)
			continue;
		if (p->len == 0 || p->len > SIP_JITTER_PAYLOAD_MAX)
			abort();
		/* Payloads are written as seq (low byte) then filler. */
		if (p->data[0] != (uint8_t)p->seq || (p->len > 1 && p->data[1] != payload_seen[0]))
			abort();
		if (p->kind == SIP_JITTER_PACKET) {
			if (played[p->seq] == 2)
				abort(); /* handed out twice, stored once */
			played[p->seq] = 2;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t played[65536];
	struct sip_jitter_config c;
	struct sip_jitter_out out;
	uint8_t payload[SIP_JITTER_PAYLOAD_MAX + 16];
	uint8_t filler = 0x5a;
	const unsigned rates[] = { 8000, 16000, 48000 };

	if (size < 2)
		return 0;
	sip_jitter_config_default(&c, rates[data[0] % 3]);
	c.adaptive = data[0] & 4;
	c.start_delay_ms = 20 + (data[1] % 10) * 20;
	c.min_delay_ms = 20;
	c.max_delay_ms = 200 + (data[1] >> 4) * 7;
	if (c.start_delay_ms > c.max_delay_ms)
		c.start_delay_ms = c.max_delay_ms;
	if (sip_jitter_init(&jb, &c))
		return 0;
	memset(played, 0, sizeof(played));
	data += 2;
	size -= 2;

	uint32_t ssrc = 1, ts = 0xfffff000u;
	uint16_t seq = 0xfff0;
	while (size >= 1) {
		uint8_t op = data[0];
		data++;
		size--;
		if (op < 0x60 || size < 3) {
			sip_jitter_get(&jb, &out);
			check(&out, &filler, played);
			continue;
		}
		/* A packet: seq step, ts step, payload length and duration. */
		int8_t dseq = (int8_t)data[0];
		uint8_t tsb = data[1], lb = data[2];
		data += 3;
		size -= 3;
		if (op == 0xff)
			ssrc++;
		if (op == 0xfe)
			dseq = (int8_t)(dseq * 100);
		seq = (uint16_t)(seq + (op & 1 ? 1 : dseq));
		ts += jb.frame * (tsb & 7) + (tsb & 8 ? (uint32_t)tsb << 12 : 0);
		size_t len = lb & 0x80 ? SIP_JITTER_PAYLOAD_MAX + (lb & 3) : lb;
		memset(payload, filler, sizeof(payload));
		payload[0] = (uint8_t)seq;
		static const uint32_t durs[] = { 0, 80, 160, 240, 320, 480, 960, 1u << 31 };
		struct sip_jitter_packet p = { .ssrc = ssrc, .seq = seq, .ts = ts, .pt = op,
					       .data = op & 2 ? payload : NULL, .len = len,
					       .samples = durs[(tsb >> 4) & 7] * jb.cfg.clock_rate / 8000 };
		if (!p.data && (op & 4))
			p.data = payload;
		enum sip_jitter_put_result r = sip_jitter_put(&jb, &p);
		if (r > SIP_JITTER_FULL || jb.n_used > SIP_JITTER_SLOTS)
			abort();
		if (r == SIP_JITTER_STORED)
			played[seq] = 1;
		if (jb.target < jb.min_target || jb.target > jb.max_target)
			abort();
	}
	sip_jitter_reset(&jb);
	return 0;
}
