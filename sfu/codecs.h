/* The codecs and RTP header extensions Parley offers. Browsers answer
 * Parley's offers, so these payload types and extension ids are the ones
 * every subscriber uses. A WHIP publisher wrote its own offer: its packets
 * are mapped to these numbers on the way in (producer.h). */
#ifndef PARLEY_CODECS_H
#define PARLEY_CODECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtp/rtp_packet.h"
#include "sfu/sdp.h"

enum {
	EXT_AUDIO_LEVEL = 1,     /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
	EXT_ABS_SEND_TIME = 2,   /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
	EXT_TWCC = 3,            /* transport-wide-cc, offered to publishers only */
	EXT_MID = 4,             /* urn:ietf:params:rtp-hdrext:sdes:mid */
	EXT_VIDEO_ORIENTATION = 5, /* urn:3gpp:video-orientation */
};

struct codec_ext {
	uint8_t id;
	const char *uri;
	bool publish_only;      /* feedback about our uplink; not offered on forwarded streams */
};
extern const struct codec_ext codec_exts[];
extern const size_t codec_n_exts;
/* The URI of one of our extension ids, or NULL. */
const char *codec_ext_uri(uint8_t id);
/* Our extension with this URI, or NULL. */
const struct codec_ext *codec_ext_by_uri(const char *uri);

/* The ids a peer writes in the packets it sends us. A browser answers our
 * offer, so they are ours (codec_own_ext_ids); a WHIP client wrote the
 * offer, so they are its own. 0 = not negotiated: no parsed extension has
 * id 0, so a lookup of 0 finds nothing. */
struct codec_ext_ids {
	uint8_t audio_level, twcc, video_orientation;
};
extern const struct codec_ext_ids codec_own_ext_ids;

struct codec {
	const char *name;       /* as in rtpmap */
	const char *key;        /* as in the video_codecs setting */
	enum sdp_kind kind;
	enum rtp_codec id;
	uint8_t pt;
	uint8_t rtx_pt;         /* 0: no RTX */
	uint32_t clock_rate;
	uint8_t channels;
	const char *fmtp;       /* NULL: none */
};

#define CODEC_MAX_VIDEO 4

const struct codec *codec_opus(void);
const struct codec *codec_by_pt(uint8_t pt);
/* Video codecs named in a comma list ("vp8,h264"), in that order. Returns
 * how many, or -EINVAL naming the unknown one in err. */
int codec_parse_video_list(const char *list, const struct codec **out, size_t max, char *err,
			   size_t errlen);

#endif
