/* RTP packets as views over a caller-owned buffer (RFC 3550, header
 * extensions RFC 8285). Parsing never copies or allocates; writing builds a
 * header into a caller-owned buffer. Used on the per-packet path. */
#ifndef PARLEY_RTP_PACKET_H
#define PARLEY_RTP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HEADER_MIN 12
#define RTP_MAX_EXTS 16

struct rtp_ext {
	uint8_t id;          /* 1..14 (one-byte form) or 1..255 (two-byte form) */
	uint8_t len;         /* bytes of value, 0..255 */
	const uint8_t *data; /* points into the packet */
};

struct rtp_view {
	uint8_t *data;        /* whole packet, not owned */
	size_t len;
	bool marker;
	bool padding;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t csrc_count;
	uint16_t ext_profile; /* 0xBEDE, 0x100x, or 0 when no extension block */
	uint8_t n_exts;
	struct rtp_ext exts[RTP_MAX_EXTS];
	size_t payload_off;   /* first payload byte */
	size_t payload_len;   /* without padding */
};

/* RFC 5761 / RFC 7983: true when the packet's second byte is an RTCP type (192..223). */
bool rtp_is_rtcp(const uint8_t *buf, size_t len);

/* Fills v from buf. Returns 0, or -EINVAL for anything malformed (bad version,
 * lengths past the end, bad padding, bad extension block). Extensions past
 * RTP_MAX_EXTS are ignored, not an error. */
int rtp_parse(struct rtp_view *v, uint8_t *buf, size_t len);

/* Returns the extension with this id, or NULL. */
const struct rtp_ext *rtp_find_ext(const struct rtp_view *v, uint8_t id);

/* The header a forwarder writes: fixed fields plus extensions to emit (one-byte
 * form when every id <= 14 and len 1..16, else two-byte form). CSRCs are not written. */
struct rtp_header_out {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t n_exts;
	struct rtp_ext exts[RTP_MAX_EXTS];
};

/* Writes the header into out. Returns its length, or -ENOSPC. */
int rtp_write_header(uint8_t *out, size_t cap, const struct rtp_header_out *h);

/* RFC 6464 audio level: value 0..127 (-dBov), voice flag. Returns -EINVAL when len != 1.. */
int rtp_ext_audio_level(const struct rtp_ext *e, uint8_t *level, bool *voice);

/* Transport-wide sequence number extension (draft-holmer-rmcat-transport-wide-cc). */
int rtp_ext_twcc_seq(const struct rtp_ext *e, uint16_t *seq);

/* True when the payload starts a keyframe for this codec (VP8, VP9, H264, AV1);
 * false for other codecs or truncated payloads. */
enum rtp_codec { RTP_CODEC_OTHER, RTP_CODEC_OPUS, RTP_CODEC_VP8, RTP_CODEC_VP9,
		 RTP_CODEC_H264, RTP_CODEC_AV1 };
bool rtp_is_keyframe(enum rtp_codec codec, const uint8_t *payload, size_t len);

/* Serial-number arithmetic for 16-bit sequence numbers (RFC 1982). */
static inline bool rtp_seq_newer(uint16_t a, uint16_t b)
{
	return a != b && (uint16_t)(a - b) < 0x8000;
}

#endif
