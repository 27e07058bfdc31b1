/* Arrival record for transport-wide sequence numbers, reported in windows. */
#include "sfu/rtp/twcc_recorder.h"

#include <errno.h>
#include <string.h>

#include "sfu/rtp/rtcp.h"
#include "sfu/rtp/rtp_packet.h"

static void clear(struct twcc_recorder *r)
{
	for (unsigned i = 0; i < TWCC_WINDOW; i++)
		r->arrival_us[i] = -1;
}

void twcc_recorder_init(struct twcc_recorder *r)
{
	memset(r, 0, sizeof(*r));
	clear(r);
}

void twcc_recorder_on_packet(struct twcc_recorder *r, uint16_t seq, int64_t now_us)
{
	if (!r->started) {
		r->started = true;
		r->base_seq = seq;
		r->max_seq = seq;
	}
	uint16_t off = (uint16_t)(seq - r->base_seq);
	if (off >= 0x8000)
		return; /* already reported */
	if (off >= TWCC_WINDOW) {
		/* Feedback fell behind (or a long gap): start a fresh window here. */
		clear(r);
		r->base_seq = seq;
		r->max_seq = seq;
		off = 0;
	}
	if (rtp_seq_newer(seq, r->max_seq))
		r->max_seq = seq;
	r->arrival_us[off] = now_us;
	r->pending = true;
}

int twcc_recorder_write(struct twcc_recorder *r, uint8_t *out, size_t cap, uint32_t sender_ssrc,
			uint32_t media_ssrc)
{
	if (!r->pending)
		return 0;
	uint16_t count = (uint16_t)(r->max_seq - r->base_seq + 1);
	int n = rtcp_write_twcc(out, cap, sender_ssrc, media_ssrc, r->base_seq, count, r->arrival_us,
				r->fb_count++);
	/* Reported or unreportable (deltas out of range): either way move on. */
	r->base_seq = (uint16_t)(r->max_seq + 1);
	r->pending = false;
	clear(r);
	return n == -ERANGE ? 0 : n;
}
