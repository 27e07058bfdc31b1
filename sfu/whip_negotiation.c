/* WHIP offers read into a plan, answers written from it (RFC 9725 with the
 * answerer's rules of RFC 8829). Here the client numbers everything: the
 * plan keeps its payload types and extension ids, and the producer maps
 * them to Parley's (producer.h) so subscribers see what they negotiated. */
#include "sfu/whip_negotiation.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_text.h"
#include "sfu/transport/dtls.h"

/* ---- codec choice ---- */

/* The value of key in an fmtp "k=v;k=v" list, truncated to cap; false
 * when absent. A truncated value compares unequal to any short one. */
static bool fmtp_param(const char *fmtp, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	for (const char *p = fmtp; *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t n = strcspn(p, ";");
		if (n > klen && p[klen] == '=' && g_ascii_strncasecmp(p, key, klen) == 0) {
			size_t v = n - klen - 1;
			while (v && p[klen + v] == ' ')
				v--;
			g_strlcpy(out, p + klen + 1, v + 1 < cap ? v + 1 : cap);
			return true;
		}
		p += n;
	}
	return false;
}

/* Constrained Baseline, the profile subscribers negotiated (42e01f), in
 * each form profile-level-id can take (RFC 6184 8.1, as libwebrtc reads
 * it). The level may differ: both sides allow level asymmetry. */
static bool h264_constrained_baseline(const char *plid)
{
	if (strlen(plid) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (!g_ascii_isxdigit(plid[i]))
			return false;
	unsigned long v = strtoul(plid, NULL, 16);
	unsigned idc = (unsigned)(v >> 16), iop = (unsigned)(v >> 8) & 0xff;
	if (iop & 0x0f)
		return false;
	return (idc == 0x42 && (iop & 0x40)) || (idc == 0x4d && (iop & 0x80)) ||
	       (idc == 0x58 && (iop & 0xc0) == 0xc0);
}

/* Whether the client's stream can go, unchanged, to subscribers that
 * negotiated Parley's fmtp for c. */
static bool fmtp_compatible(const struct codec *c, const char *fmtp)
{
	char v[16];
	switch (c->id) {
	case RTP_CODEC_H264:
		return fmtp_param(fmtp, "packetization-mode", v, sizeof(v)) && strcmp(v, "1") == 0 &&
		       fmtp_param(fmtp, "profile-level-id", v, sizeof(v)) && h264_constrained_baseline(v);
	case RTP_CODEC_VP9:
		return !fmtp_param(fmtp, "profile-id", v, sizeof(v)) || strcmp(v, "0") == 0;
	case RTP_CODEC_AV1:
		return !fmtp_param(fmtp, "profile", v, sizeof(v)) || strcmp(v, "0") == 0;
	default:
		return true;
	}
}

static bool format_is(const struct sdp_format *f, const struct codec *c)
{
	return g_ascii_strcasecmp(f->name, c->name) == 0 && f->clock_rate == c->clock_rate &&
	       (c->kind != SDP_KIND_AUDIO || f->channels == c->channels);
}

/* The video codecs Parley forwards, in the server's order of preference. */
struct video_list {
	const struct codec *const *codecs;
	unsigned n;
};

/* Opus for audio; for video the server's preference order decides, not
 * the client's, as it does for browsers. */
static const struct sdp_format *choose_format(const struct sdp_media *m, const struct video_list *v,
					      const struct codec **codec)
{
	unsigned n = 1;
	const struct codec *audio[1] = { codec_opus() };
	const struct codec *const *ours = audio;
	if (m->kind != SDP_KIND_AUDIO) {
		ours = v->codecs;
		n = v->n;
	}
	for (unsigned i = 0; i < n; i++) {
		for (unsigned f = 0; f < m->n_formats; f++) {
			if (format_is(&m->formats[f], ours[i]) && fmtp_compatible(ours[i], m->formats[f].fmtp)) {
				*codec = ours[i];
				return &m->formats[f];
			}
		}
	}
	return NULL;
}

static uint8_t rtx_for(const struct sdp_media *m, uint8_t pt, uint32_t clock_rate)
{
	for (unsigned f = 0; f < m->n_formats; f++) {
		const struct sdp_format *x = &m->formats[f];
		if (g_ascii_strcasecmp(x->name, "rtx") == 0 && x->apt == pt && x->clock_rate == clock_rate)
			return x->pt;
	}
	return 0;
}

/* ---- one m-section ---- */

static bool ext_for_kind(uint8_t our_id, enum sdp_kind kind)
{
	if (our_id == EXT_AUDIO_LEVEL)
		return kind == SDP_KIND_AUDIO;
	if (our_id == EXT_VIDEO_ORIENTATION)
		return kind == SDP_KIND_VIDEO;
	return true;
}

/* The extensions Parley understands, under the client's ids. */
static void take_exts(struct whip_section *w, const struct sdp_media *m)
{
	for (unsigned i = 0; i < m->n_extmaps && w->n_exts < WHIP_MAX_EXTS; i++) {
		const struct codec_ext *e = codec_ext_by_uri(m->extmaps[i].uri);
		if (!e || !ext_for_kind(e->id, w->kind))
			continue;
		bool dup = false;
		for (unsigned j = 0; j < w->n_exts; j++)
			dup |= strcmp(w->exts[j].uri, e->uri) == 0;
		if (dup)
			continue;
		w->exts[w->n_exts++] = m->extmaps[i];
		uint8_t id = m->extmaps[i].id;
		if (e->id == EXT_AUDIO_LEVEL)
			w->ext_in.audio_level = id;
		else if (e->id == EXT_VIDEO_ORIENTATION)
			w->ext_in.video_orientation = id;
		else if (e->id == EXT_TWCC)
			w->ext_in.twcc = id;
	}
}

/* As for a browser's answer: the FID group names the media SSRC first. */
static void take_ssrcs(struct whip_section *w, const struct sdp_media *m)
{
	uint32_t ssrc = m->n_ssrcs ? m->ssrcs[0].ssrc : 0;
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		if (strcmp(m->ssrc_groups[i].semantics, "FID") == 0 && m->ssrc_groups[i].n == 2)
			ssrc = m->ssrc_groups[i].ssrcs[0];
	w->ssrc = ssrc;
	w->rtx_ssrc = ssrc && w->rtx_pt ? sdp_media_rtx_ssrc(m, ssrc) : 0;
}

static bool in_bundle(const struct sdp_session *s, const char *mid)
{
	for (unsigned i = 0; mid[0] && i < s->n_bundle; i++)
		if (strcmp(s->bundle[i], mid) == 0)
			return true;
	return false;
}

/* Sends media to us over DTLS-SRTP. A bundle-only section has port 0 but
 * is live through the BUNDLE group (RFC 8843 6). */
static bool usable(const struct sdp_session *s, const struct sdp_media *m)
{
	bool live = m->port || (m->bundle_only && in_bundle(s, m->mid));
	bool sends = m->direction == SDP_SENDONLY || m->direction == SDP_SENDRECV;
	bool dtls_srtp = strstr(m->proto, "TLS/RTP/SAVP") != NULL;
	return live && sends && dtls_srtp;
}

/* What a port-0 m= line repeats of the offered one. */
static void rejected_fmt(struct whip_section *w, const struct sdp_media *m)
{
	if (strstr(m->proto, "SCTP"))
		g_strlcpy(w->fmt, "webrtc-datachannel", sizeof(w->fmt));
	else if (m->n_formats)
		snprintf(w->fmt, sizeof(w->fmt), "%u", m->formats[0].pt);
	else
		g_strlcpy(w->fmt, "0", sizeof(w->fmt));
}

static void accept_section(struct whip_section *w, const struct sdp_media *m,
			   const struct sdp_format *f, const struct codec *c)
{
	w->accepted = true;
	w->codec = c;
	w->pt = f->pt;
	w->rtx_pt = c->rtx_pt ? rtx_for(m, f->pt, c->clock_rate) : 0;
	g_strlcpy(w->fmtp, f->fmtp, sizeof(w->fmtp));
	w->rtcp_rsize = m->rtcp_rsize;
	take_exts(w, m);
	/* What Parley sends back: NACK, PLI and REMB for video; transport-cc
	 * feedback wherever the extension it needs was kept. Never FIR. */
	unsigned want = w->kind == SDP_KIND_VIDEO ? SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_REMB : 0;
	if (w->ext_in.twcc)
		want |= SDP_FB_TWCC;
	w->fb = f->fb & want;
	take_ssrcs(w, m);
}

/* ---- the whole offer ---- */

/* ICE and DTLS parameters: those of the first taken section, or (when it
 * is bundle-only and carries none) of the first bundled one that has them. */
static const struct sdp_media *transport_source(const struct sdp_session *s, unsigned first)
{
	if (s->media[first].ice_ufrag[0])
		return &s->media[first];
	for (unsigned i = 0; i < s->n_media; i++)
		if (s->media[i].ice_ufrag[0] && in_bundle(s, s->media[i].mid))
			return &s->media[i];
	return &s->media[first];
}

static int check_bundle(struct whip_offer *o, const struct sdp_session *s, char *err, size_t errlen)
{
	const struct whip_section *a = o->audio >= 0 ? &o->sections[o->audio] : NULL;
	const struct whip_section *v = o->video >= 0 ? &o->sections[o->video] : NULL;
	bool a_in = a && in_bundle(s, a->mid), v_in = v && in_bundle(s, v->mid);
	/* One transport carries both (rtcp-mux, one ICE component). */
	if (a && v && !(a_in && v_in))
		return error_text(err, errlen, -EINVAL,
				  "audio and video must be in one a=group:BUNDLE (WHIP uses max-bundle)");
	o->bundle = a_in || v_in;
	for (unsigned i = 0; i < o->n_sections; i++)
		if (o->sections[i].accepted && !s->media[i].rtcp_mux)
			return error_text(err, errlen, -EINVAL,
					  "m-section %u lacks a=rtcp-mux, which Parley requires", i);
	return 0;
}

static int take_transport(struct whip_offer *o, const struct sdp_session *s, char *err,
			  size_t errlen)
{
	unsigned first = (unsigned)(o->audio >= 0 && (o->video < 0 || o->audio < o->video) ? o->audio
											     : o->video);
	const struct sdp_media *t = transport_source(s, first);
	if (!t->ice_ufrag[0] || !t->ice_pwd[0] || !t->fingerprint[0])
		return error_text(err, errlen, -EINVAL, "offer lacks ICE credentials or a DTLS fingerprint");
	/* Checked here so that a bad one is refused before anyone sees a join. */
	if (!dtls_fingerprint_valid(t->fingerprint))
		return error_text(err, errlen, -EINVAL, "a=fingerprint is not a sha-1/256/384/512 digest");
	g_strlcpy(o->ice_ufrag, t->ice_ufrag, sizeof(o->ice_ufrag));
	g_strlcpy(o->ice_pwd, t->ice_pwd, sizeof(o->ice_pwd));
	g_strlcpy(o->fingerprint, t->fingerprint, sizeof(o->fingerprint));
	/* actpass (or active, or none: RFC 4145's default) makes us the DTLS
	 * server, as browsers' answers do; only passive makes us the client. */
	o->peer_setup = t->setup == SDP_SETUP_PASSIVE ? SDP_SETUP_PASSIVE : SDP_SETUP_ACTIVE;
	for (unsigned i = 0; i < t->n_candidates && o->n_candidates < SDP_MAX_CANDIDATES; i++)
		g_strlcpy(o->candidates[o->n_candidates++], t->candidates[i], WHIP_CANDIDATE_MAX);
	o->end_of_candidates = t->end_of_candidates;
	return 0;
}

static int plan(struct whip_offer *o, const struct sdp_session *s, const struct video_list *v,
		char *err, size_t errlen)
{
	if (!s->n_media)
		return error_text(err, errlen, -EINVAL, "offer has no m-section");
	o->n_sections = s->n_media;
	for (unsigned i = 0; i < s->n_media; i++) {
		const struct sdp_media *m = &s->media[i];
		struct whip_section *w = &o->sections[i];
		w->kind = m->kind;
		g_strlcpy(w->kind_name, m->kind_name, sizeof(w->kind_name));
		g_strlcpy(w->proto, m->proto, sizeof(w->proto));
		g_strlcpy(w->mid, m->mid, sizeof(w->mid));
		rejected_fmt(w, m);
		int *slot = m->kind == SDP_KIND_AUDIO ? &o->audio : m->kind == SDP_KIND_VIDEO ? &o->video : NULL;
		if (!slot || *slot >= 0 || !usable(s, m))
			continue;
		const struct codec *c = NULL;
		const struct sdp_format *f = choose_format(m, v, &c);
		if (!f)
			continue;
		accept_section(w, m, f, c);
		*slot = (int)i;
	}
	if (o->audio < 0 && o->video < 0) {
		GString *names = g_string_new("");
		for (unsigned i = 0; i < v->n; i++)
			g_string_append_printf(names, "%s%s", i ? ", " : "", v->codecs[i]->name);
		error_text(err, errlen, -EINVAL,
			   "no m-section sends Opus audio or %s video (packetization-mode=1 "
			   "Constrained Baseline for H264, profile 0 for VP9 and AV1) over UDP/TLS/RTP/SAVPF",
			   names->str);
		g_string_free(names, TRUE);
		return -EINVAL;
	}
	int rc = check_bundle(o, s, err, errlen);
	return rc ? rc : take_transport(o, s, err, errlen);
}

int whip_offer_read(struct whip_offer *out, const char *sdp, size_t len,
		    const struct codec *const *video, unsigned n_video, char *err, size_t errlen)
{
	struct video_list v = { video, n_video };
	memset(out, 0, sizeof(*out));
	out->audio = out->video = -1;
	struct sdp_session *s = malloc(sizeof(*s));
	if (!s)
		return error_text(err, errlen, -EINVAL, "out of memory");
	int rc = sdp_parse(s, sdp, len, err, errlen);
	if (rc == 0)
		rc = plan(out, s, &v, err, errlen);
	free(s);
	if (rc) {
		memset(out, 0, sizeof(*out));
		out->audio = out->video = -1;
		return -EINVAL;
	}
	return 0;
}

/* ---- the answer ---- */

static void write_codec(GString *s, const struct whip_section *w)
{
	const struct codec *c = w->codec;
	if (c->channels)
		g_string_append_printf(s, "a=rtpmap:%u %s/%u/%u\r\n", w->pt, c->name, c->clock_rate, c->channels);
	else
		g_string_append_printf(s, "a=rtpmap:%u %s/%u\r\n", w->pt, c->name, c->clock_rate);
	static const struct { unsigned flag; const char *text; } fbs[] = {
		{ SDP_FB_REMB, "goog-remb" }, { SDP_FB_TWCC, "transport-cc" },
		{ SDP_FB_NACK, "nack" }, { SDP_FB_NACK_PLI, "nack pli" },
	};
	for (size_t i = 0; i < sizeof(fbs) / sizeof(fbs[0]); i++)
		if (w->fb & fbs[i].flag)
			g_string_append_printf(s, "a=rtcp-fb:%u %s\r\n", w->pt, fbs[i].text);
	/* Audio: what we like to receive. Video: the client's parameters,
	 * which fmtp_compatible found good for every subscriber. */
	const char *fmtp = c->kind == SDP_KIND_AUDIO ? c->fmtp : w->fmtp;
	if (fmtp && *fmtp)
		g_string_append_printf(s, "a=fmtp:%u %s\r\n", w->pt, fmtp);
	if (w->rtx_pt)
		g_string_append_printf(s, "a=rtpmap:%u rtx/%u\r\na=fmtp:%u apt=%u\r\n", w->rtx_pt,
				       c->clock_rate, w->rtx_pt, w->pt);
}

static void write_accepted(GString *s, const struct whip_offer *o, const struct whip_section *w,
			   const struct whip_local *l, bool tagged)
{
	g_string_append_printf(s, "m=%s 9 %s %u", w->kind_name, w->proto, w->pt);
	if (w->rtx_pt)
		g_string_append_printf(s, " %u", w->rtx_pt);
	g_string_append_printf(s, "\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
			       "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
			       "a=fingerprint:%s\r\na=setup:%s\r\n", l->ice_ufrag, l->ice_pwd,
			       l->fingerprint, o->peer_setup == SDP_SETUP_PASSIVE ? "active" : "passive");
	if (w->mid[0])
		g_string_append_printf(s, "a=mid:%s\r\n", w->mid);
	for (unsigned i = 0; i < w->n_exts; i++)
		g_string_append_printf(s, "a=extmap:%u %s\r\n", w->exts[i].id, w->exts[i].uri);
	g_string_append(s, "a=recvonly\r\na=rtcp-mux\r\n");
	if (w->rtcp_rsize)
		g_string_append(s, "a=rtcp-rsize\r\n");
	write_codec(s, w);
	if (!tagged)
		return;
	for (unsigned i = 0; i < l->n_candidates; i++)
		g_string_append_printf(s, "a=%s\r\n", l->candidates[i]);
	if (l->end_of_candidates)
		g_string_append(s, "a=end-of-candidates\r\n");
}

char *whip_answer_write(const struct whip_offer *o, const struct whip_local *l)
{
	GString *s = g_string_sized_new(2048);
	g_string_append_printf(s, "v=0\r\no=- %llu 1 IN IP4 0.0.0.0\r\ns=Parley\r\nt=0 0\r\n",
			       (unsigned long long)l->session_id);
	if (o->bundle) {
		g_string_append(s, "a=group:BUNDLE");
		for (unsigned i = 0; i < o->n_sections; i++)
			if (o->sections[i].accepted && o->sections[i].mid[0])
				g_string_append_printf(s, " %s", o->sections[i].mid);
		g_string_append(s, "\r\n");
	}
	g_string_append(s, "a=ice-options:trickle\r\n");
	bool tagged = true;
	for (unsigned i = 0; i < o->n_sections; i++) {
		const struct whip_section *w = &o->sections[i];
		if (w->accepted) {
			write_accepted(s, o, w, l, tagged);
			tagged = false;
			continue;
		}
		g_string_append_printf(s, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\n", w->kind_name, w->proto, w->fmt);
		if (w->mid[0])
			g_string_append_printf(s, "a=mid:%s\r\n", w->mid);
	}
	return g_string_free(s, FALSE);
}

/* ---- trickle ---- */

static bool copy_value(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

int whip_sdpfrag_read(struct whip_sdpfrag *out, const char *text, size_t len, char *err,
		      size_t errlen)
{
	static const char ufrag[] = "a=ice-ufrag:", pwd[] = "a=ice-pwd:", cand[] = "a=candidate:";
	memset(out, 0, sizeof(*out));
	size_t pos = 0;
	for (unsigned line = 1; pos < len; line++) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		if (n && l[n - 1] == '\r')
			n--;
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
				return error_text(err, errlen, -EINVAL, "line %u: control character", line);
		bool ok = true;
		if (n >= sizeof(ufrag) - 1 && memcmp(l, ufrag, sizeof(ufrag) - 1) == 0) {
			ok = copy_value(out->ice_ufrag, sizeof(out->ice_ufrag), l + sizeof(ufrag) - 1,
					n - (sizeof(ufrag) - 1));
		} else if (n >= sizeof(pwd) - 1 && memcmp(l, pwd, sizeof(pwd) - 1) == 0) {
			ok = copy_value(out->ice_pwd, sizeof(out->ice_pwd), l + sizeof(pwd) - 1,
					n - (sizeof(pwd) - 1));
		} else if (n >= sizeof(cand) - 1 && memcmp(l, cand, sizeof(cand) - 1) == 0) {
			if (out->n_candidates == WHIP_MAX_TRICKLE)
				return error_text(err, errlen, -EINVAL, "more than %d candidates", WHIP_MAX_TRICKLE);
			/* Without "a=": the form SDP answers and trickle share. */
			ok = copy_value(out->candidates[out->n_candidates], WHIP_CANDIDATE_MAX, l + 2, n - 2);
			out->n_candidates += ok;
		} else if (n == strlen("a=end-of-candidates") && memcmp(l, "a=end-of-candidates", n) == 0) {
			out->end_of_candidates = true;
		}
		if (!ok)
			return error_text(err, errlen, -EINVAL, "line %u is too long", line);
	}
	return 0;
}
