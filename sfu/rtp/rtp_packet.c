/* RTP packet views (RFC 3550, RFC 8285 header extensions) and the codec
 * payload peeks a forwarder needs (is this a keyframe?). Runs on the media
 * worker for every packet: no allocation, no locks, no logging, and every
 * read is bounds-checked because the bytes come straight off the network. */
#include "sfu/rtp/rtp_packet.h"

#include <errno.h>
#include <string.h>

#include "sfu/rtp/byte_order.h"

#define EXT_PROFILE_ONE_BYTE 0xBEDE
#define EXT_PROFILE_TWO_BYTE 0x1000
#define EXT_PROFILE_TWO_BYTE_MASK 0xFFF0

bool rtp_is_rtcp(const uint8_t *buf, size_t len)
{
	return buf && len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

static void add_ext(struct rtp_view *v, uint8_t id, uint8_t len, const uint8_t *data)
{
	/* The contract says extra elements are ignored, not an error. */
	if (v->n_exts >= RTP_MAX_EXTS)
		return;
	v->exts[v->n_exts].id = id;
	v->exts[v->n_exts].len = len;
	v->exts[v->n_exts].data = data;
	v->n_exts++;
}

static int parse_one_byte_exts(struct rtp_view *v, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t id = p[i] >> 4;
		uint8_t len = (uint8_t)((p[i] & 0x0F) + 1);

		if (p[i] == 0) { /* padding between elements */
			i++;
			continue;
		}
		/* RFC 8285 4.2: id 15 ends processing; its length is meaningless. */
		if (id == 15)
			return 0;
		/* id 0 with a nonzero length is reserved: the block is corrupt. */
		if (id == 0 || len > n - i - 1)
			return -EINVAL;
		add_ext(v, id, len, p + i + 1);
		i += 1 + (size_t)len;
	}
	return 0;
}

static int parse_two_byte_exts(struct rtp_view *v, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t len;

		if (p[i] == 0) { /* padding byte, RFC 8285 4.3 */
			i++;
			continue;
		}
		if (n - i < 2)
			return -EINVAL;
		len = p[i + 1];
		if (len > n - i - 2)
			return -EINVAL;
		add_ext(v, p[i], len, p + i + 2);
		i += 2 + (size_t)len;
	}
	return 0;
}

/* Parses the extension block at off; returns the offset past it or -EINVAL. */
static long parse_ext_block(struct rtp_view *v, const uint8_t *buf, size_t len, size_t off)
{
	size_t words_len;
	int rc = 0;

	if (len - off < 4)
		return -EINVAL;
	v->ext_profile = rd16(buf + off);
	words_len = (size_t)rd16(buf + off + 2) * 4;
	off += 4;
	if (words_len > len - off)
		return -EINVAL;
	if (v->ext_profile == EXT_PROFILE_ONE_BYTE)
		rc = parse_one_byte_exts(v, buf + off, words_len);
	else if ((v->ext_profile & EXT_PROFILE_TWO_BYTE_MASK) == EXT_PROFILE_TWO_BYTE)
		rc = parse_two_byte_exts(v, buf + off, words_len);
	/* Other profiles are skipped: legal RTP, just nothing we understand. */
	if (rc < 0)
		return rc;
	return (long)(off + words_len);
}

int rtp_parse(struct rtp_view *v, uint8_t *buf, size_t len)
{
	size_t off;

	if (!v || !buf || len < RTP_HEADER_MIN || buf[0] >> 6 != 2)
		return -EINVAL;
	v->data = buf;
	v->len = len;
	v->padding = buf[0] & 0x20;
	v->csrc_count = buf[0] & 0x0F;
	v->marker = buf[1] & 0x80;
	v->pt = buf[1] & 0x7F;
	v->seq = rd16(buf + 2);
	v->ts = rd32(buf + 4);
	v->ssrc = rd32(buf + 8);
	v->ext_profile = 0;
	v->n_exts = 0;

	off = RTP_HEADER_MIN + 4 * (size_t)v->csrc_count;
	if (off > len)
		return -EINVAL;
	if (buf[0] & 0x10) {
		long end = parse_ext_block(v, buf, len, off);

		if (end < 0)
			return (int)end;
		off = (size_t)end;
	}
	v->payload_off = off;
	v->payload_len = len - off;
	if (v->padding) {
		uint8_t pad = buf[len - 1];

		/* The pad count includes itself, so 0 is impossible; it may not
		 * eat into the header. */
		if (pad == 0 || pad > v->payload_len)
			return -EINVAL;
		v->payload_len -= pad;
	}
	return 0;
}

const struct rtp_ext *rtp_find_ext(const struct rtp_view *v, uint8_t id)
{
	for (uint8_t i = 0; i < v->n_exts && i < RTP_MAX_EXTS; i++)
		if (v->exts[i].id == id)
			return &v->exts[i];
	return NULL;
}

static bool exts_fit_one_byte(const struct rtp_header_out *h)
{
	for (uint8_t i = 0; i < h->n_exts; i++)
		if (h->exts[i].id < 1 || h->exts[i].id > 14 || h->exts[i].len < 1 ||
		    h->exts[i].len > 16)
			return false;
	return true;
}

/* Bytes of extension elements (without the 4-byte block header or padding). */
static size_t exts_size(const struct rtp_header_out *h, bool one_byte)
{
	size_t n = 0;

	for (uint8_t i = 0; i < h->n_exts; i++)
		n += (one_byte ? 1 : 2) + (size_t)h->exts[i].len;
	return n;
}

static int check_exts(const struct rtp_header_out *h)
{
	if (h->n_exts > RTP_MAX_EXTS)
		return -EINVAL;
	for (uint8_t i = 0; i < h->n_exts; i++)
		if (h->exts[i].id == 0 || (h->exts[i].len && !h->exts[i].data))
			return -EINVAL;
	return 0;
}

static void write_exts(uint8_t *p, const struct rtp_header_out *h, bool one_byte)
{
	for (uint8_t i = 0; i < h->n_exts; i++) {
		const struct rtp_ext *e = &h->exts[i];

		if (one_byte) {
			*p++ = (uint8_t)(e->id << 4 | (e->len - 1));
		} else {
			*p++ = e->id;
			*p++ = e->len;
		}
		if (e->len)
			memcpy(p, e->data, e->len);
		p += e->len;
	}
}

int rtp_write_header(uint8_t *out, size_t cap, const struct rtp_header_out *h)
{
	size_t body = 0, block = 0;
	bool one_byte;
	int rc = check_exts(h);

	if (rc < 0)
		return rc;
	one_byte = exts_fit_one_byte(h);
	if (h->n_exts) {
		body = exts_size(h, one_byte);
		block = 4 + (body + 3) / 4 * 4;
	}
	if (!out || cap < RTP_HEADER_MIN + block)
		return -ENOSPC;
	out[0] = (uint8_t)(0x80 | (h->n_exts ? 0x10 : 0));
	out[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->pt & 0x7F));
	wr16(out + 2, h->seq);
	wr32(out + 4, h->ts);
	wr32(out + 8, h->ssrc);
	if (h->n_exts) {
		uint8_t *p = out + RTP_HEADER_MIN;

		wr16(p, one_byte ? EXT_PROFILE_ONE_BYTE : EXT_PROFILE_TWO_BYTE);
		wr16(p + 2, (uint16_t)((block - 4) / 4));
		write_exts(p + 4, h, one_byte);
		memset(p + 4 + body, 0, block - 4 - body);
	}
	return (int)(RTP_HEADER_MIN + block);
}

int rtp_ext_audio_level(const struct rtp_ext *e, uint8_t *level, bool *voice)
{
	if (!e || e->len != 1 || !e->data)
		return -EINVAL;
	*level = e->data[0] & 0x7F;
	*voice = e->data[0] & 0x80;
	return 0;
}

int rtp_ext_twcc_seq(const struct rtp_ext *e, uint16_t *seq)
{
	/* transport-wide-cc-02 appends two optional bytes after the seq. */
	if (!e || e->len < 2 || !e->data)
		return -EINVAL;
	*seq = rd16(e->data);
	return 0;
}

/* RFC 7741: S set with partition 0 starts a frame; the VP8 frame tag's P bit
 * is 0 on keyframes, which also carry the 0x9d012a start code we insist on so
 * a stray bit never triggers a layer switch. */
static bool vp8_keyframe(const uint8_t *p, size_t len)
{
	size_t off = 1;

	if (len < 1 || !(p[0] & 0x10) || (p[0] & 0x07) != 0)
		return false;
	if (p[0] & 0x80) {
		uint8_t x;

		if (len < 2)
			return false;
		x = p[1];
		off = 2;
		if (x & 0x80) { /* I: picture id, 7 or 15 bits */
			if (off >= len)
				return false;
			off += (p[off] & 0x80) ? 2 : 1;
		}
		if (x & 0x40) /* L: TL0PICIDX */
			off++;
		if (x & 0x30) /* T or K: TID/Y/KEYIDX */
			off++;
	}
	if (off > len || len - off < 6)
		return false;
	p += off;
	return !(p[0] & 0x01) && p[3] == 0x9d && p[4] == 0x01 && p[5] == 0x2a;
}

/* VP9 payload descriptor: an intra frame starts with B set and P clear; with
 * spatial layers only the base layer (SID 0) can start decoding. */
static bool vp9_keyframe(const uint8_t *p, size_t len)
{
	size_t off = 1;

	if (len < 1 || (p[0] & 0x40) || !(p[0] & 0x08))
		return false;
	if (p[0] & 0x80) { /* I: picture id */
		if (off >= len)
			return false;
		off += (p[off] & 0x80) ? 2 : 1;
	}
	if (p[0] & 0x20) { /* L: layer indices */
		if (off >= len || ((p[off] >> 1) & 0x07) != 0)
			return false;
		off += (p[0] & 0x10) ? 1 : 2; /* TL0PICIDX only in non-flexible mode */
	}
	return off < len;
}

static bool h264_key_nal(uint8_t nal_type)
{
	return nal_type == 5 || nal_type == 7;
}

static bool h264_stap_a_keyframe(const uint8_t *p, size_t len)
{
	size_t off = 1;

	while (len - off >= 2) {
		size_t n = rd16(p + off);

		off += 2;
		if (n == 0 || n > len - off)
			return false;
		if (h264_key_nal(p[off] & 0x1F))
			return true;
		off += n;
	}
	return false;
}

static bool h264_keyframe(const uint8_t *p, size_t len)
{
	uint8_t type;

	if (len < 1)
		return false;
	type = p[0] & 0x1F;
	if (type == 24)
		return h264_stap_a_keyframe(p, len);
	if (type == 28) /* FU-A: only the fragment with S set names the NAL */
		return len >= 2 && (p[1] & 0x80) && h264_key_nal(p[1] & 0x1F);
	return h264_key_nal(type);
}

/* AV1 aggregation header: N marks the first packet of a coded video sequence;
 * Z would mean the first OBU continues an earlier packet, which no sequence
 * start can do. */
static bool av1_keyframe(const uint8_t *p, size_t len)
{
	return len >= 2 && (p[0] & 0x08) && !(p[0] & 0x80);
}

bool rtp_is_keyframe(enum rtp_codec codec, const uint8_t *payload, size_t len)
{
	if (!payload)
		return false;
	switch (codec) {
	case RTP_CODEC_VP8:
		return vp8_keyframe(payload, len);
	case RTP_CODEC_VP9:
		return vp9_keyframe(payload, len);
	case RTP_CODEC_H264:
		return h264_keyframe(payload, len);
	case RTP_CODEC_AV1:
		return av1_keyframe(payload, len);
	default:
		return false;
	}
}
