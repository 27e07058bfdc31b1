/* SDP offers Parley sends and answers it accepts. Every m-section is
 * bundled on one transport with rtcp-mux; candidates always trickle. */
#include "sfu/negotiation.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/codecs.h"
#include "sfu/participant.h"
#include "sfu/producer.h"
#include "sfu/room.h"
#include "sfu/sdp.h"
#include "sfu/sfu.h"
#include "sfu/transport/dtls.h"
#include "sfu/transport/sctp.h"
#include "sfu/transport/transport.h"

static bool ext_for_kind(uint8_t id, enum sdp_kind kind)
{
	if (kind == SDP_KIND_APPLICATION)
		return false;
	if (id == EXT_AUDIO_LEVEL)
		return kind == SDP_KIND_AUDIO;
	if (id == EXT_VIDEO_ORIENTATION)
		return kind == SDP_KIND_VIDEO;
	return true;
}

static void write_codec(GString *s, const struct codec *c, bool video_fb, bool twcc)
{
	if (c->channels)
		g_string_append_printf(s, "a=rtpmap:%u %s/%u/%u\r\n", c->pt, c->name, c->clock_rate, c->channels);
	else
		g_string_append_printf(s, "a=rtpmap:%u %s/%u\r\n", c->pt, c->name, c->clock_rate);
	if (video_fb)
		g_string_append_printf(s, "a=rtcp-fb:%u goog-remb\r\na=rtcp-fb:%u ccm fir\r\n"
				       "a=rtcp-fb:%u nack\r\na=rtcp-fb:%u nack pli\r\n",
				       c->pt, c->pt, c->pt, c->pt);
	if (twcc)
		g_string_append_printf(s, "a=rtcp-fb:%u transport-cc\r\n", c->pt);
	if (c->fmtp)
		g_string_append_printf(s, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
	if (c->rtx_pt)
		g_string_append_printf(s, "a=rtpmap:%u rtx/%u\r\na=fmtp:%u apt=%u\r\n", c->rtx_pt,
				       c->clock_rate, c->rtx_pt, c->pt);
}

static void write_m_line(GString *s, enum sdp_kind kind, const struct codec *const *codecs,
			 unsigned n)
{
	g_string_append_printf(s, "m=%s 9 UDP/TLS/RTP/SAVPF", kind == SDP_KIND_AUDIO ? "audio" : "video");
	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(s, " %u", codecs[i]->pt);
		if (codecs[i]->rtx_pt)
			g_string_append_printf(s, " %u", codecs[i]->rtx_pt);
	}
	g_string_append(s, "\r\n");
}

static void write_transport(GString *s, struct participant *p, const struct section *sec)
{
	const char *ufrag, *pwd;
	transport_local_credentials(p->transport, &ufrag, &pwd);
	g_string_append_printf(s,
			       "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
			       "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
			       "a=fingerprint:%s\r\na=setup:actpass\r\na=mid:%s\r\n",
			       ufrag, pwd, dtls_identity_fingerprint(sfu_identity()), sec->mid);
	for (size_t i = 0; i < codec_n_exts; i++)
		if (ext_for_kind(codec_exts[i].id, sec->kind) &&
		    (sec->role == SECTION_PUBLISH || !codec_exts[i].publish_only))
			g_string_append_printf(s, "a=extmap:%u %s\r\n", codec_exts[i].id, codec_exts[i].uri);
}

/* RFC 8841; the limit is what SCTP reassembles for one message. */
static void write_data_section(GString *s, struct participant *p, const struct section *sec)
{
	g_string_append(s, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
	write_transport(s, p, sec);
	g_string_append_printf(s, "a=sctp-port:5000\r\na=max-message-size:%u\r\n", SCTP_MAX_MESSAGE);
}

static void write_publish_section(GString *s, struct participant *p, const struct section *sec)
{
	unsigned n = 1;
	const struct codec *const *codecs;
	const struct codec *audio[1] = { codec_opus() };
	codecs = sec->kind == SDP_KIND_AUDIO ? audio : sfu_video_codecs(&n);
	write_m_line(s, sec->kind, codecs, n);
	write_transport(s, p, sec);
	g_string_append(s, p->can_publish ? "a=recvonly\r\n" : "a=inactive\r\n");
	g_string_append(s, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
	for (unsigned i = 0; i < n; i++)
		write_codec(s, codecs[i], sec->kind == SDP_KIND_VIDEO, true);
}

/* The SSRC lines stay while the m-section is inactive: Chrome does not
 * reconnect a receiver whose SSRC lines vanished and came back. */
static void write_ssrcs(GString *s, const struct consumer *c, const struct codec *codec,
			const struct producer *prod)
{
	uint32_t ssrcs[2] = { c->ssrc, c->rtx_ssrc };
	unsigned n = codec->rtx_pt ? 2 : 1;
	if (n == 2)
		g_string_append_printf(s, "a=ssrc-group:FID %u %u\r\n", c->ssrc, c->rtx_ssrc);
	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(s, "a=ssrc:%u cname:parley-%s\r\n", ssrcs[i], c->mid);
		if (prod)
			g_string_append_printf(s, "a=ssrc:%u msid:%s %s\r\n", ssrcs[i], prod->owner->id,
					       prod->track_id);
	}
}

static void write_consume_section(GString *s, struct participant *p, struct section *sec,
				  json_t *tracks)
{
	struct consumer *c = &sec->consumer;
	struct producer *prod = c->producer;
	unsigned n;
	const struct codec *codec = prod ? prod->codec
					 : sec->kind == SDP_KIND_AUDIO ? codec_opus() : sfu_video_codecs(&n)[0];
	write_m_line(s, sec->kind, &codec, 1);
	write_transport(s, p, sec);
	sec->offered_active = prod != NULL;
	sec->changed = false;
	if (prod)
		g_string_append_printf(s, "a=sendonly\r\na=msid:%s %s\r\n", prod->owner->id, prod->track_id);
	else
		g_string_append(s, "a=inactive\r\n");
	g_string_append(s, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
	write_codec(s, codec, sec->kind == SDP_KIND_VIDEO, false);
	write_ssrcs(s, c, codec, prod);
	if (!prod)
		return;
	const char *owner = prod->owner->id;
	json_array_append_new(tracks, json_pack("{s:s, s:s, s:s}", "mid", sec->mid, "participant", owner,
						"kind", sec->kind == SDP_KIND_AUDIO ? "audio" : "video"));
}

char *negotiation_build_offer(struct participant *p, json_t *tracks)
{
	if (!p->sdp_session_id)
		p->sdp_session_id = g_random_int() & 0x7fffffff;
	GString *s = g_string_sized_new(4096);
	g_string_append_printf(s, "v=0\r\no=- %llu %llu IN IP4 0.0.0.0\r\ns=Parley\r\nt=0 0\r\n"
			       "a=group:BUNDLE", (unsigned long long)p->sdp_session_id,
			       (unsigned long long)++p->sdp_version);
	for (unsigned i = 0; i < p->n_sections; i++)
		g_string_append_printf(s, " %s", p->sections[i].mid);
	g_string_append(s, "\r\na=msid-semantic: WMS *\r\na=ice-options:trickle\r\n");
	for (unsigned i = 0; i < p->n_sections; i++) {
		struct section *sec = &p->sections[i];
		if (sec->role == SECTION_PUBLISH)
			write_publish_section(s, p, sec);
		else if (sec->role == SECTION_DATA)
			write_data_section(s, p, sec);
		else
			write_consume_section(s, p, sec, tracks);
	}
	p->offered_sections = p->n_sections;
	return g_string_free(s, FALSE);
}

/* The first codec, in the order we offered them, that the answer kept. */
static const struct codec *answered_codec(const struct sdp_media *m, enum sdp_kind kind)
{
	unsigned n = 1;
	const struct codec *audio[1] = { codec_opus() };
	const struct codec *const *offered = kind == SDP_KIND_AUDIO ? audio : sfu_video_codecs(&n);
	for (unsigned i = 0; i < n; i++)
		if (sdp_media_format(m, offered[i]->pt))
			return offered[i];
	return NULL;
}

static bool sends(const struct sdp_media *m)
{
	return m->port && (m->direction == SDP_SENDONLY || m->direction == SDP_SENDRECV);
}

static bool receives(const struct sdp_media *m)
{
	return m->port && (m->direction == SDP_RECVONLY || m->direction == SDP_SENDRECV);
}

static int check_answer(struct participant *p, const struct sdp_session *a, char *err, size_t errlen)
{
	if (a->n_media != p->offered_sections) {
		snprintf(err, errlen, "answer has %u m-sections, the offer had %u", a->n_media,
			 p->offered_sections);
		return -EINVAL;
	}
	for (unsigned i = 0; i < a->n_media; i++) {
		if (strcmp(a->media[i].mid, p->sections[i].mid) != 0) {
			snprintf(err, errlen, "m-section %u has mid \"%s\", expected \"%s\"", i,
				 a->media[i].mid, p->sections[i].mid);
			return -EINVAL;
		}
		if (sends(&a->media[i]) && p->sections[i].role == SECTION_PUBLISH &&
		    !answered_codec(&a->media[i], p->sections[i].kind)) {
			snprintf(err, errlen, "m-section %s sends with no codec that was offered", a->media[i].mid);
			return -EINVAL;
		}
	}
	const struct sdp_media *m0 = &a->media[0];
	if (!m0->ice_ufrag[0] || !m0->ice_pwd[0] || !m0->fingerprint[0]) {
		snprintf(err, errlen, "answer lacks ICE credentials or a DTLS fingerprint");
		return -EINVAL;
	}
	if (m0->setup != SDP_SETUP_ACTIVE && m0->setup != SDP_SETUP_PASSIVE) {
		snprintf(err, errlen, "answer must say a=setup:active or a=setup:passive");
		return -EINVAL;
	}
	return 0;
}

static void apply_publish(struct participant *p, const struct section *sec, const struct sdp_media *m)
{
	struct producer **slot = sec->kind == SDP_KIND_AUDIO ? &p->audio : &p->video;
	if (!sends(m) || *slot)
		return;
	/* The FID group names the media SSRC first; a=ssrc lines may come in any order. */
	uint32_t ssrc = m->n_ssrcs ? m->ssrcs[0].ssrc : 0;
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		if (strcmp(m->ssrc_groups[i].semantics, "FID") == 0 && m->ssrc_groups[i].n == 2)
			ssrc = m->ssrc_groups[i].ssrcs[0];
	uint32_t rtx = ssrc ? sdp_media_rtx_ssrc(m, ssrc) : 0;
	const struct codec *codec = answered_codec(m, sec->kind);
	if (producer_create(slot, p, sec->kind, codec, ssrc, rtx))
		return;
	log_info(LOGS_ROOM, "room %s participant %s publishes %s %s (ssrc %u)", p->room->name, p->id,
		 sec->kind == SDP_KIND_AUDIO ? "audio" : "video", codec->name, ssrc);
	room_on_producer(p->room, *slot);
}

/* RFC 8841: no max-message-size means 64 KiB; we never send more than we reassemble. */
static void apply_data(struct participant *p, const struct sdp_media *m)
{
	if (!m->port || m->kind != SDP_KIND_APPLICATION)
		return;
	size_t max = m->max_message_size ? m->max_message_size : 65536;
	if (max > SCTP_MAX_MESSAGE)
		max = SCTP_MAX_MESSAGE;
	transport_enable_data(p->transport, m->sctp_port ? m->sctp_port : 5000, max);
}

/* The answer kept our extension at our id. */
static bool answered_ext(const struct sdp_media *m, uint8_t id)
{
	return sdp_media_extmap(m, codec_ext_uri(id)) == id;
}

static void apply_consume(struct section *sec, const struct sdp_media *m)
{
	struct consumer *c = &sec->consumer;
	bool was = c->accepted;
	c->accepted = sec->offered_active && !sec->changed && receives(m) && c->producer;
	if (!c->producer)
		return;
	c->rtx_enabled = c->producer->codec->rtx_pt &&
			 sdp_media_format(m, c->producer->codec->rtx_pt) != NULL;
	c->ext_abs_send_time = answered_ext(m, EXT_ABS_SEND_TIME);
	c->ext_mid = answered_ext(m, EXT_MID);
	c->ext_audio_level = answered_ext(m, EXT_AUDIO_LEVEL);
	c->ext_orientation = answered_ext(m, EXT_VIDEO_ORIENTATION);
	if (c->accepted && !was && c->subscriber->connected)
		producer_request_keyframe(c->producer, g_get_monotonic_time());
}

int negotiation_apply_answer(struct participant *p, const char *sdp, char *err, size_t errlen)
{
	struct sdp_session *a = malloc(sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = sdp_parse(a, sdp, strlen(sdp), err, errlen);
	if (rc == 0)
		rc = check_answer(p, a, err, errlen);
	const struct sdp_media *m0 = &a->media[0];
	if (rc == 0 && transport_set_remote(p->transport, m0->ice_ufrag, m0->ice_pwd, m0->fingerprint,
					    m0->setup)) {
		snprintf(err, errlen, "ICE credentials or DTLS fingerprint not usable");
		rc = -EINVAL;
	}
	if (rc) {
		free(a);
		return rc;
	}
	for (unsigned i = 0; i < m0->n_candidates; i++)
		transport_add_remote_candidate(p->transport, m0->candidates[i]);
	for (unsigned i = 0; i < a->n_media; i++) {
		if (p->sections[i].role == SECTION_PUBLISH)
			apply_publish(p, &p->sections[i], &a->media[i]);
		else if (p->sections[i].role == SECTION_DATA)
			apply_data(p, &a->media[i]);
		else
			apply_consume(&p->sections[i], &a->media[i]);
	}
	p->answered_once = true;
	free(a);
	return 0;
}
