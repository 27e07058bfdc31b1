/* Receive side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): records when each
 * transport-wide sequence number arrived and turns the record into feedback
 * packets, so the publishing browser's send-side estimator can probe and
 * settle on its uplink's rate. One per transport; per packet on its worker;
 * fixed size. */
#ifndef PARLEY_TWCC_RECORDER_H
#define PARLEY_TWCC_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TWCC_WINDOW 256  /* packets reported at most per feedback */

struct twcc_recorder {
	bool started;
	bool pending;             /* something arrived since the last feedback */
	uint16_t base_seq;        /* first seq the next feedback reports */
	uint16_t max_seq;
	uint8_t fb_count;
	int64_t arrival_us[TWCC_WINDOW]; /* by seq - base_seq; -1 = not arrived */
};

void twcc_recorder_init(struct twcc_recorder *r);
void twcc_recorder_on_packet(struct twcc_recorder *r, uint16_t seq, int64_t now_us);
/* Writes one feedback packet for what arrived since the last one. Returns its
 * length, 0 when there is nothing to report, or a negative errno. */
int twcc_recorder_write(struct twcc_recorder *r, uint8_t *out, size_t cap, uint32_t sender_ssrc,
			uint32_t media_ssrc);

#endif
