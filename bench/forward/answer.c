/* The SDP answer a browser would send to Parley's offer, for the bench's
 * in-process peers: every section bundled, DTLS client (setup:active), the
 * offered extension ids kept, data channels declined. A publisher sends
 * Opus on mid 0 and VP8 (+RTX) on mid 1; a subscriber receives every
 * sendonly section it was offered. Runs on the worker. */
#include "bench/forward/bench.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *direction_name(enum sdp_direction d)
{
	switch (d) {
	case SDP_SENDRECV: return "sendrecv";
	case SDP_SENDONLY: return "sendonly";
	case SDP_RECVONLY: return "recvonly";
	default: return "inactive";
	}
}

static void write_format(GString *s, const struct sdp_format *f)
{
	if (f->channels)
		g_string_append_printf(s, "a=rtpmap:%u %s/%u/%u\r\n", f->pt, f->name, f->clock_rate,
				       f->channels);
	else
		g_string_append_printf(s, "a=rtpmap:%u %s/%u\r\n", f->pt, f->name, f->clock_rate);
	static const struct { unsigned flag; const char *name; } fbs[] = {
		{ SDP_FB_REMB, "goog-remb" }, { SDP_FB_TWCC, "transport-cc" }, { SDP_FB_CCM_FIR, "ccm fir" },
		{ SDP_FB_NACK, "nack" }, { SDP_FB_NACK_PLI, "nack pli" },
	};
	for (size_t i = 0; i < sizeof(fbs) / sizeof(fbs[0]); i++)
		if (f->fb & fbs[i].flag)
			g_string_append_printf(s, "a=rtcp-fb:%u %s\r\n", f->pt, fbs[i].name);
	if (f->fmtp[0])
		g_string_append_printf(s, "a=fmtp:%u %s\r\n", f->pt, f->fmtp);
}

/* The formats this answer keeps: a publisher sends Opus, or VP8 and its RTX. */
static unsigned pick_formats(const struct sdp_media *m, bool sending, const struct sdp_format **out)
{
	unsigned n = 0;
	if (!sending) {
		for (unsigned i = 0; i < m->n_formats; i++)
			out[n++] = &m->formats[i];
		return n;
	}
	const char *want = m->kind == SDP_KIND_AUDIO ? "opus" : "VP8";
	int primary = -1;
	for (unsigned i = 0; i < m->n_formats && primary < 0; i++)
		if (strcasecmp(m->formats[i].name, want) == 0) {
			out[n++] = &m->formats[i];
			primary = m->formats[i].pt;
		}
	for (unsigned i = 0; i < m->n_formats && primary >= 0; i++)
		if (strcasecmp(m->formats[i].name, "rtx") == 0 && m->formats[i].apt == primary)
			out[n++] = &m->formats[i];
	return n;
}

static void write_media(GString *s, const struct sdp_media *m, const struct answer_params *a,
			bool first)
{
	enum sdp_direction dir = SDP_INACTIVE;
	if (m->direction == SDP_RECVONLY && a->publish)
		dir = SDP_SENDONLY;
	else if (m->direction == SDP_SENDONLY || m->direction == SDP_SENDRECV)
		dir = SDP_RECVONLY;
	bool sending = dir == SDP_SENDONLY;
	const struct sdp_format *fmts[SDP_MAX_FORMATS];
	unsigned n = pick_formats(m, sending, fmts);
	g_string_append_printf(s, "m=%s 9 UDP/TLS/RTP/SAVPF", m->kind_name);
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, " %u", fmts[i]->pt);
	g_string_append_printf(s, "\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
			       "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
			       "a=fingerprint:%s\r\na=setup:active\r\na=mid:%s\r\n",
			       a->ufrag, a->pwd, a->fingerprint, m->mid);
	for (unsigned i = 0; i < m->n_extmaps; i++)
		g_string_append_printf(s, "a=extmap:%u %s\r\n", m->extmaps[i].id, m->extmaps[i].uri);
	g_string_append_printf(s, "a=%s\r\n", direction_name(dir));
	if (sending)
		g_string_append_printf(s, "a=msid:bench bench-%s\r\n", m->kind_name);
	g_string_append(s, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
	for (unsigned i = 0; i < n; i++)
		write_format(s, fmts[i]);
	if (sending && m->kind == SDP_KIND_AUDIO) {
		g_string_append_printf(s, "a=ssrc:%u cname:bench\r\n", a->audio_ssrc);
	} else if (sending) {
		g_string_append_printf(s, "a=ssrc-group:FID %u %u\r\na=ssrc:%u cname:bench\r\n"
				       "a=ssrc:%u cname:bench\r\n", a->video_ssrc, a->video_rtx_ssrc,
				       a->video_ssrc, a->video_rtx_ssrc);
	}
	if (first) {
		for (GSList *l = a->candidates; l; l = l->next)
			g_string_append_printf(s, "a=%s\r\n", (const char *)l->data);
		g_string_append(s, "a=end-of-candidates\r\n");
	}
}

char *answer_build(const struct sdp_session *o, const struct answer_params *a, char *err,
		   size_t errlen)
{
	if (o->n_media == 0 || o->media[0].kind == SDP_KIND_APPLICATION) {
		snprintf(err, errlen, "offer has no media section first");
		return NULL;
	}
	GString *s = g_string_sized_new(8192);
	g_string_append(s, "v=0\r\no=- 4242 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE");
	for (unsigned i = 0; i < o->n_media; i++)
		if (o->media[i].kind != SDP_KIND_APPLICATION)
			g_string_append_printf(s, " %s", o->media[i].mid);
	g_string_append(s, "\r\na=msid-semantic: WMS bench\r\n");
	for (unsigned i = 0; i < o->n_media; i++) {
		const struct sdp_media *m = &o->media[i];
		if (m->kind == SDP_KIND_APPLICATION)
			g_string_append_printf(s, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
					       "c=IN IP4 0.0.0.0\r\na=mid:%s\r\n", m->mid);
		else
			write_media(s, m, a, i == 0);
	}
	return g_string_free(s, FALSE);
}
