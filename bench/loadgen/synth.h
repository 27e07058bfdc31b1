/* Synthetic media: what the publisher puts in its payloads and what every
 * receiver reads back. Nothing is encoded. Each payload ends with a 16-byte
 * trailer (magic, the publisher's packet index in its stream, the send time
 * on CLOCK_MONOTONIC in µs); SFUs forward payloads untouched, so a receiver
 * on the same machine knows the delay and the end-to-end loss of each packet.
 *
 * VP8 (RFC 7741): a 4-byte payload descriptor (X, I, 15-bit PictureID; S on
 * the first packet of a frame). The first packet of a frame starts with the
 * 3-byte frame tag, and on a keyframe the 0x9d012a start code and a 640x480
 * size, so SFUs detect keyframes as they would from libvpx; the rest is
 * filler. Opus: a TOC byte (20 ms CELT), filler and the trailer. */
#ifndef LG_SYNTH_H
#define LG_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNTH_TRAILER 16
#define SYNTH_VP8_DESCRIPTOR 4

void synth_trailer_write(uint8_t *at, uint32_t index, int64_t send_us);
/* Reads the trailer at the end of a payload; false when it is not ours. */
bool synth_trailer_read(const uint8_t *payload, size_t len, uint32_t *index, int64_t *send_us);

/* Writes a VP8 payload of exactly len bytes (descriptor, frame header when
 * first, filler; the last SYNTH_TRAILER bytes are left for the trailer).
 * frame_size is the whole frame's size, put in the frame tag. */
void synth_vp8_payload(uint8_t *out, size_t len, uint16_t picture_id, bool first, bool key,
		       size_t frame_size);
/* Bytes of frame header the first packet of a frame carries. */
size_t synth_vp8_frame_header(bool key);

void synth_opus_payload(uint8_t *out, size_t len);

#endif
