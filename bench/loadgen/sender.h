/* A publisher's media: one Opus and one VP8 stream of synthetic frames
 * (synth.h), paced like libwebrtc's pacer, with an SR per stream every
 * second and a keyframe on the next frame after a PLI or FIR; abs-send-time
 * and the transport-wide sequence number are written as each packet leaves,
 * as libwebrtc does. Lives on its
 * peer's loop; one 5 ms timer drives audio, video and pacing. */
#ifndef LG_SENDER_H
#define LG_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lg_loop;

struct sender_config {
	uint32_t video_bps;       /* average, keyframes included */
	unsigned fps;
	unsigned key_interval_ms; /* periodic keyframes; PLI/FIR add more */
	unsigned key_ratio;       /* keyframe size / delta frame size */
	unsigned audio_bytes;     /* payload of one 20 ms Opus frame */
	double pace_factor;       /* pacing rate / video bitrate; 0 sends each frame at once */
	unsigned max_packet;      /* RTP packet size cap (header included) */
	bool keyframe_on_request; /* a PLI/FIR makes the next frame a keyframe */
};

/* What the SDP negotiated for one stream. Extension ids are 0 when absent. */
struct sender_stream_params {
	uint8_t pt;
	char mid[16];
	uint8_t ext_mid, ext_abs_send_time, ext_audio_level, ext_twcc;
};

struct sender_counters {
	uint64_t packets, bytes;  /* RTP, before SRTP */
	uint64_t frames, keyframes, keyframe_requests, nacks, send_errors;
	uint32_t remb_bps;        /* last REMB from the server */
};

/* send: protects and sends in place (buf has room for the SRTP trailer). */
typedef int (*sender_send_fn)(void *arg, uint8_t *buf, size_t len, size_t cap, bool rtcp);

struct sender;

int sender_create(struct sender **out, struct lg_loop *loop, const struct sender_config *cfg,
		  sender_send_fn send, void *arg);
void sender_destroy(struct sender *s);

uint32_t sender_audio_ssrc(const struct sender *s);
uint32_t sender_video_ssrc(const struct sender *s);
void sender_set_audio(struct sender *s, const struct sender_stream_params *p);
void sender_set_video(struct sender *s, const struct sender_stream_params *p);

/* Starts the timer (once the transport is connected). */
void sender_start(struct sender *s);
void sender_stop(struct sender *s);
/* Decrypted RTCP from the server: PLI/FIR, NACK, REMB. */
void sender_on_rtcp(struct sender *s, const uint8_t *buf, size_t len);
const struct sender_counters *sender_counters(const struct sender *s);

#endif
