/* The SDP a load-generator client writes: the answer to an SFU's offer
 * (Parley's, or Janus's subscriber offer) and, for a Janus publisher, its own
 * offer. Like a browser: BUNDLE, rtcp-mux, one ICE/DTLS transport, host
 * candidates in the first section. It keeps Opus and VP8, the mid,
 * abs-send-time, audio-level and transport-wide-cc extensions at the ids
 * offered and the offered feedback (nack, pli, fir, remb, transport-cc); it
 * rejects data channels. */
#ifndef LG_SDP_WRITE_H
#define LG_SDP_WRITE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/loadgen/sender.h"
#include "sfu/rtp/rtp_packet.h"
#include "sfu/sdp.h"

#define SDPW_MAX_PT 32

struct sdpw_local {
	const char *ufrag, *pwd, *fingerprint;
	GPtrArray *candidates;      /* "candidate:..." */
	const char *name;           /* cname and msid stream id */
	bool send;                  /* publish audio and video */
	uint32_t audio_ssrc, video_ssrc;
};

/* What was agreed: what to send with, and which payload types will arrive. */
struct sdpw_result {
	bool send_audio, send_video;
	struct sender_stream_params audio, video;
	uint8_t recv_twcc;          /* transport-wide-cc id on what we receive, 0 = none */
	unsigned n_recv;
	struct {
		uint8_t pt;
		bool video;
		enum rtp_codec codec;
	} recv[SDPW_MAX_PT];
};

/* Answer (a=setup:active) to offer. Returns a new string, or NULL. */
char *sdpw_answer(const struct sdp_session *offer, const struct sdpw_local *l, struct sdpw_result *res);
/* A sendonly audio + video offer (a=setup:actpass) with mids "0" and "1". */
char *sdpw_offer(const struct sdpw_local *l, struct sdpw_result *res);
/* The extension ids the answer to our offer kept; false when it rejected media. */
bool sdpw_apply_answer(const struct sdp_session *answer, struct sdpw_result *res);

#endif
