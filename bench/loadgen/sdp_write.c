/* SDP writing for the load generator's clients (see sdp_write.h). Offers
 * are parsed by Parley's own sdp_parse; this file only writes. */
#include "bench/loadgen/sdp_write.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_AST "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

static enum rtp_codec codec_of(const char *name)
{
	if (!strcasecmp(name, "opus"))
		return RTP_CODEC_OPUS;
	if (!strcasecmp(name, "VP8"))
		return RTP_CODEC_VP8;
	if (!strcasecmp(name, "VP9"))
		return RTP_CODEC_VP9;
	if (!strcasecmp(name, "H264"))
		return RTP_CODEC_H264;
	if (!strcasecmp(name, "AV1"))
		return RTP_CODEC_AV1;
	return RTP_CODEC_OTHER;
}

/* The first offered format we take: Opus for audio; VP8 for video when we
 * send, any video codec when we receive (we never decode). */
static const struct sdp_format *pick_format(const struct sdp_media *m, bool sending)
{
	for (unsigned i = 0; i < m->n_formats; i++) {
		enum rtp_codec c = codec_of(m->formats[i].name);
		if (m->kind == SDP_KIND_AUDIO ? c == RTP_CODEC_OPUS
					      : (c == RTP_CODEC_VP8 || (!sending && c != RTP_CODEC_OTHER)))
			return &m->formats[i];
	}
	return NULL;
}

static void session_header(GString *s, const char *const *mids, unsigned n)
{
	g_string_append_printf(s, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
			       "a=group:BUNDLE", g_random_int() & 0x7fffffff);
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, " %s", mids[i]);
	g_string_append(s, "\r\na=msid-semantic: WMS *\r\n");
}

static void transport_lines(GString *s, const struct sdpw_local *l, const char *setup,
			    const char *mid, bool with_candidates)
{
	g_string_append_printf(s, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
			       "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\n"
			       "a=setup:%s\r\na=mid:%s\r\n",
			       l->ufrag, l->pwd, l->fingerprint, setup, mid);
	if (!with_candidates)
		return;
	for (guint i = 0; l->candidates && i < l->candidates->len; i++)
		g_string_append_printf(s, "a=%s\r\n", (const char *)l->candidates->pdata[i]);
	g_string_append(s, "a=end-of-candidates\r\n");
}

/* fb: the SDP_FB_* flags to write (what was offered, or ours when we offer). */
static void codec_lines(GString *s, const struct sdp_format *f, unsigned fb)
{
	if (f->channels)
		g_string_append_printf(s, "a=rtpmap:%u %s/%u/%u\r\n", f->pt, f->name, f->clock_rate, f->channels);
	else
		g_string_append_printf(s, "a=rtpmap:%u %s/%u\r\n", f->pt, f->name, f->clock_rate);
	if (fb & SDP_FB_REMB)
		g_string_append_printf(s, "a=rtcp-fb:%u goog-remb\r\n", f->pt);
	if (fb & SDP_FB_TWCC)
		g_string_append_printf(s, "a=rtcp-fb:%u transport-cc\r\n", f->pt);
	if (fb & SDP_FB_CCM_FIR)
		g_string_append_printf(s, "a=rtcp-fb:%u ccm fir\r\n", f->pt);
	if (fb & SDP_FB_NACK)
		g_string_append_printf(s, "a=rtcp-fb:%u nack\r\n", f->pt);
	if (fb & SDP_FB_NACK_PLI)
		g_string_append_printf(s, "a=rtcp-fb:%u nack pli\r\n", f->pt);
	if (f->fmtp[0])
		g_string_append_printf(s, "a=fmtp:%u %s\r\n", f->pt, f->fmtp);
}

static void ssrc_lines(GString *s, const struct sdpw_local *l, uint32_t ssrc, bool video)
{
	const char *track = video ? "video" : "audio";
	g_string_append_printf(s, "a=msid:%s %s-%s\r\na=ssrc:%u cname:%s\r\na=ssrc:%u msid:%s %s-%s\r\n",
			       l->name, l->name, track, ssrc, l->name, ssrc, l->name, l->name, track);
}

static void add_recv(struct sdpw_result *res, const struct sdp_format *f, bool video)
{
	if (res->n_recv < SDPW_MAX_PT) {
		res->recv[res->n_recv].pt = f->pt;
		res->recv[res->n_recv].video = video;
		res->recv[res->n_recv].codec = codec_of(f->name);
		res->n_recv++;
	}
}

/* Keeps the extensions we use, at the offered ids; notes them for sending. */
static void ext_lines(GString *s, const struct sdp_media *m, struct sender_stream_params *p,
		      uint8_t *twcc)
{
	for (unsigned i = 0; i < m->n_extmaps; i++) {
		const struct sdp_extmap *e = &m->extmaps[i];
		uint8_t *slot = NULL;
		if (!strcmp(e->uri, URI_MID))
			slot = &p->ext_mid;
		else if (!strcmp(e->uri, URI_AST))
			slot = &p->ext_abs_send_time;
		else if (!strcmp(e->uri, URI_LEVEL) && m->kind == SDP_KIND_AUDIO)
			slot = &p->ext_audio_level;
		else if (!strcmp(e->uri, URI_TWCC))
			slot = twcc;
		if (!slot || e->id > 14)
			continue;
		*slot = e->id;
		g_string_append_printf(s, "a=extmap:%u %s\r\n", e->id, e->uri);
	}
}

static void rejected(GString *s, const struct sdp_media *m)
{
	if (m->kind == SDP_KIND_APPLICATION)
		g_string_append_printf(s, "m=application 0 %s webrtc-datachannel\r\n", m->proto);
	else
		g_string_append_printf(s, "m=%s 0 %s %u\r\n", m->kind_name, m->proto,
				       m->n_formats ? m->formats[0].pt : 0);
	g_string_append_printf(s, "c=IN IP4 0.0.0.0\r\na=mid:%s\r\n", m->mid);
}

char *sdpw_answer(const struct sdp_session *offer, const struct sdpw_local *l, struct sdpw_result *res)
{
	memset(res, 0, sizeof(*res));
	const char *mids[SDP_MAX_MEDIA];
	const struct sdp_format *fmt[SDP_MAX_MEDIA];
	unsigned n_mids = 0;
	for (unsigned i = 0; i < offer->n_media; i++) {
		const struct sdp_media *m = &offer->media[i];
		bool av = m->kind == SDP_KIND_AUDIO || m->kind == SDP_KIND_VIDEO;
		bool they_receive = m->direction == SDP_RECVONLY || m->direction == SDP_SENDRECV;
		fmt[i] = av && m->port ? pick_format(m, they_receive && l->send) : NULL;
		if (fmt[i])
			mids[n_mids++] = m->mid;
	}
	GString *s = g_string_sized_new(4096);
	session_header(s, mids, n_mids);
	bool first = true;
	for (unsigned i = 0; i < offer->n_media; i++) {
		const struct sdp_media *m = &offer->media[i];
		if (!fmt[i]) {
			rejected(s, m);
			continue;
		}
		bool video = m->kind == SDP_KIND_VIDEO;
		bool they_receive = m->direction == SDP_RECVONLY || m->direction == SDP_SENDRECV;
		bool they_send = m->direction == SDP_SENDONLY || m->direction == SDP_SENDRECV;
		bool *sending = video ? &res->send_video : &res->send_audio;
		struct sender_stream_params *p = video ? &res->video : &res->audio;
		bool send = l->send && they_receive && !*sending;
		struct sender_stream_params scratch = { 0 };
		uint8_t twcc = 0;
		g_string_append_printf(s, "m=%s 9 UDP/TLS/RTP/SAVPF %u\r\n", video ? "video" : "audio", fmt[i]->pt);
		transport_lines(s, l, "active", m->mid, first);
		first = false;
		ext_lines(s, m, send ? p : &scratch, &twcc);
		if (send)
			p->ext_twcc = twcc;
		else if (twcc && they_send)
			res->recv_twcc = twcc;
		g_string_append(s, send ? "a=sendonly\r\n" : they_send ? "a=recvonly\r\n" : "a=inactive\r\n");
		g_string_append(s, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
		unsigned fb = fmt[i]->fb & (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_REMB);
		if (twcc)
			fb |= fmt[i]->fb & SDP_FB_TWCC;
		codec_lines(s, fmt[i], fb);
		if (send) {
			*sending = true;
			p->pt = fmt[i]->pt;
			g_strlcpy(p->mid, m->mid, sizeof(p->mid));
			ssrc_lines(s, l, video ? l->video_ssrc : l->audio_ssrc, video);
		} else if (they_send) {
			add_recv(res, fmt[i], video);
		}
	}
	return g_string_free(s, FALSE);
}

char *sdpw_offer(const struct sdpw_local *l, struct sdpw_result *res)
{
	static const struct sdp_format opus = { .pt = 111, .name = "opus", .clock_rate = 48000,
						.channels = 2, .fmtp = "minptime=10;useinbandfec=1" };
	static const struct sdp_format vp8 = { .pt = 96, .name = "VP8", .clock_rate = 90000 };
	static const char *const mids[2] = { "0", "1" };
	memset(res, 0, sizeof(*res));
	GString *s = g_string_sized_new(4096);
	session_header(s, mids, 2);
	for (int video = 0; video < 2; video++) {
		const struct sdp_format *f = video ? &vp8 : &opus;
		struct sender_stream_params *p = video ? &res->video : &res->audio;
		g_string_append_printf(s, "m=%s 9 UDP/TLS/RTP/SAVPF %u\r\n", video ? "video" : "audio", f->pt);
		transport_lines(s, l, "actpass", mids[video], !video);
		if (!video)
			g_string_append(s, "a=extmap:1 " URI_LEVEL "\r\n");
		g_string_append(s, "a=extmap:2 " URI_AST "\r\na=extmap:3 " URI_TWCC "\r\n"
				   "a=extmap:4 " URI_MID "\r\na=sendonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\n");
		codec_lines(s, f, video ? SDP_FB_TWCC | SDP_FB_CCM_FIR | SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_REMB
					: SDP_FB_TWCC);
		ssrc_lines(s, l, video ? l->video_ssrc : l->audio_ssrc, video);
		p->pt = f->pt;
		g_strlcpy(p->mid, mids[video], sizeof(p->mid));
	}
	res->send_audio = res->send_video = true;
	return g_string_free(s, FALSE);
}

bool sdpw_apply_answer(const struct sdp_session *answer, struct sdpw_result *res)
{
	bool ok = false;
	for (unsigned i = 0; i < answer->n_media; i++) {
		const struct sdp_media *m = &answer->media[i];
		bool video = m->kind == SDP_KIND_VIDEO;
		struct sender_stream_params *p = video ? &res->video : &res->audio;
		bool *sending = video ? &res->send_video : &res->send_audio;
		if (m->kind != SDP_KIND_AUDIO && m->kind != SDP_KIND_VIDEO)
			continue;
		if (!m->port || m->direction == SDP_INACTIVE || m->direction == SDP_SENDONLY) {
			*sending = false;
			continue;
		}
		p->ext_mid = sdp_media_extmap(m, URI_MID);
		p->ext_abs_send_time = sdp_media_extmap(m, URI_AST);
		p->ext_audio_level = video ? 0 : sdp_media_extmap(m, URI_LEVEL);
		p->ext_twcc = sdp_media_extmap(m, URI_TWCC);
		ok = true;
	}
	return ok;
}
