/* Static codec and extension tables; read-only, shared by every thread. */
#include "sfu/codecs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const struct codec_ext codec_exts[] = {
	{ EXT_AUDIO_LEVEL, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", false },
	{ EXT_ABS_SEND_TIME, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", false },
	{ EXT_MID, "urn:ietf:params:rtp-hdrext:sdes:mid", false },
	{ EXT_VIDEO_ORIENTATION, "urn:3gpp:video-orientation", false },
	{ EXT_TWCC, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", true },
};
const size_t codec_n_exts = sizeof(codec_exts) / sizeof(codec_exts[0]);

const char *codec_ext_uri(uint8_t id)
{
	for (size_t i = 0; i < codec_n_exts; i++)
		if (codec_exts[i].id == id)
			return codec_exts[i].uri;
	return NULL;
}

const struct codec_ext *codec_ext_by_uri(const char *uri)
{
	for (size_t i = 0; i < codec_n_exts; i++)
		if (strcmp(codec_exts[i].uri, uri) == 0)
			return &codec_exts[i];
	return NULL;
}

const struct codec_ext_ids codec_own_ext_ids = {
	.audio_level = EXT_AUDIO_LEVEL, .twcc = EXT_TWCC, .video_orientation = EXT_VIDEO_ORIENTATION,
};

static const struct codec codecs[] = {
	{ "opus", "opus", SDP_KIND_AUDIO, RTP_CODEC_OPUS, 111, 0, 48000, 2,
	  "minptime=10;useinbandfec=1" },
	{ "VP8", "vp8", SDP_KIND_VIDEO, RTP_CODEC_VP8, 96, 97, 90000, 0, NULL },
	{ "VP9", "vp9", SDP_KIND_VIDEO, RTP_CODEC_VP9, 98, 99, 90000, 0, "profile-id=0" },
	{ "H264", "h264", SDP_KIND_VIDEO, RTP_CODEC_H264, 102, 103, 90000, 0,
	  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" },
	{ "AV1", "av1", SDP_KIND_VIDEO, RTP_CODEC_AV1, 45, 46, 90000, 0, NULL },
};
#define N_CODECS (sizeof(codecs) / sizeof(codecs[0]))

const struct codec *codec_opus(void)
{
	return &codecs[0];
}

const struct codec *codec_by_pt(uint8_t pt)
{
	for (size_t i = 0; i < N_CODECS; i++)
		if (codecs[i].pt == pt)
			return &codecs[i];
	return NULL;
}

static const struct codec *video_by_key(const char *key, size_t n)
{
	for (size_t i = 0; i < N_CODECS; i++)
		if (codecs[i].kind == SDP_KIND_VIDEO && strlen(codecs[i].key) == n &&
		    strncasecmp(codecs[i].key, key, n) == 0)
			return &codecs[i];
	return NULL;
}

int codec_parse_video_list(const char *list, const struct codec **out, size_t max, char *err,
			   size_t errlen)
{
	size_t count = 0;
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ", ");
		if (n == 0)
			break;
		const struct codec *c = video_by_key(p, n);
		if (!c) {
			snprintf(err, errlen, "unknown video codec \"%.*s\"", (int)n, p);
			return -EINVAL;
		}
		for (size_t i = 0; i < count; i++) {
			if (out[i] == c) {
				snprintf(err, errlen, "video codec \"%s\" is listed twice", c->key);
				return -EINVAL;
			}
		}
		if (count < max)
			out[count++] = c;
		p += n;
	}
	if (count == 0) {
		snprintf(err, errlen, "no video codec listed");
		return -EINVAL;
	}
	return (int)count;
}
