/* SDP offer/answer for SIP legs (see sip_sdp.h): reading a remote
 * description and negotiating one audio m-line. sfu/sdp.c does the parsing;
 * its line hook hands us what its structs do not keep: a=crypto (read in
 * sip_sdes.c), a=rtcp, a=ptime, a=maxptime and each m= line's first format.
 * Negotiation is a short pipeline over one audio m-line (transport, address,
 * codec, telephone-event, SRTP, ptime, direction). Our own SDP is written in
 * sip_sdp_write.c. The remote text is untrusted: every value is bounded
 * before it is kept. */
#include "sip/sip_sdp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error_text.h"

const struct sip_sdp_codec_info sip_sdp_codec_info[SIP_CODEC_COUNT] = {
	[SIP_CODEC_PCMU] = { "PCMU", 8000, SIP_SDP_PT_PCMU },
	[SIP_CODEC_PCMA] = { "PCMA", 8000, SIP_SDP_PT_PCMA },
	[SIP_CODEC_G722] = { "G722", 8000, SIP_SDP_PT_G722 },  /* RFC 3551's 8000 for 16 kHz audio */
	[SIP_CODEC_OPUS] = { "opus", 48000, SIP_SDP_PT_OPUS },
};

const char *sip_codec_name(enum sip_codec c)
{
	return (unsigned)c < SIP_CODEC_COUNT ? sip_sdp_codec_info[c].name : "?";
}

static bool view_copy(char *dst, size_t cap, struct view v)
{
	if (v.n >= cap)
		return false;
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	return true;
}

/* ---- the line hook ---- */

struct scan {
	struct sip_media_offer *out;
	int audio;                  /* slot of the current m-line in out->audio, or -1 */
	uint16_t session_ptime;
	uint64_t rtpmap_seen[2];    /* payload types with an a=rtpmap, current m-line */
	uint32_t rtpmap_hash[128];
	char why[160];
};


static const char *on_m(struct scan *sc, int media, struct view v)
{
	struct sip_media_offer *o = sc->out;
	uint64_t port;
	if (media >= SIP_SDP_MAX_MEDIA) {
		snprintf(sc->why, sizeof sc->why, "more than %d m-lines", SIP_SDP_MAX_MEDIA);
		return sc->why;
	}
	struct view kind = next_word(&v), port_s = next_word(&v), proto = next_word(&v);
	struct view fmt = next_word(&v);
	port_s = cut(&port_s, '/');
	o->n_media = (uint8_t)(media + 1);
	if (!view_copy(o->media[media].kind, sizeof o->media[0].kind, kind) ||
	    !view_copy(o->media[media].proto, sizeof o->media[0].proto, proto) ||
	    !view_uint(port_s, SIZE_MAX, 65535, &port))
		return "m= line unreadable";  /* the parser checked these already */
	if (!view_copy(o->media[media].format, sizeof o->media[0].format, fmt))
		return "m= format longer than 31 bytes";
	o->media[media].port = (uint16_t)port;
	sc->audio = -1;
	memset(sc->rtpmap_seen, 0, sizeof sc->rtpmap_seen);
	if (!view_is(kind, "audio") || o->n_audio == SIP_SDP_MAX_AUDIO)
		return NULL;
	sc->audio = o->n_audio++;
	struct sip_sdp_audio *a = &o->audio[sc->audio];
	a->media = (uint8_t)media;
	a->te_8000_pt = a->te_48000_pt = -1;
	return NULL;
}

/* a=rtcp:<port> [IN IP4|IP6 <address>] (RFC 3605) */
static const char *on_rtcp(struct scan *sc, struct sip_sdp_audio *a, struct view v)
{
	uint64_t port;
	struct view port_s = next_word(&v), net = next_word(&v), type = next_word(&v);
	struct view addr = next_word(&v);
	if (!view_uint(port_s, SIZE_MAX, 65535, &port) || port == 0 ||
	    (net.n && (!view_is(net, "IN") || !(view_is(type, "IP4") || view_is(type, "IP6")) ||
		       !view_copy(a->rtcp_address, sizeof a->rtcp_address, addr) || !addr.n)) ||
	    next_word(&v).n)
		return "a=rtcp: expected <port> [IN IP4|IP6 <address>]";
	a->rtcp_port = (uint16_t)port;
	return NULL;
}

/* A second a=rtpmap for one payload type that says something else makes the
 * format ambiguous; the parser would silently keep the last one. */
static const char *on_rtpmap(struct scan *sc, struct view v)
{
	uint64_t pt;
	if (!view_uint(next_word(&v), SIZE_MAX, 127, &pt))
		return NULL;
	v = trim(v);
	uint32_t h = (uint32_t)sip_sdp_fnv1a(v.p, v.n, SIP_SDP_FNV_BASIS);
	uint64_t bit = 1ULL << (pt % 64);
	if ((sc->rtpmap_seen[pt / 64] & bit) && sc->rtpmap_hash[pt] != h) {
		snprintf(sc->why, sizeof sc->why, "a=rtpmap:%u given twice, differently", (unsigned)pt);
		return sc->why;
	}
	sc->rtpmap_seen[pt / 64] |= bit;
	sc->rtpmap_hash[pt] = h;
	return NULL;
}

/* A whole number of milliseconds, or 0: ptime is a hint, not worth a 488. */
static uint16_t ms_of(struct view v)
{
	uint64_t x;
	return view_uint(v, SIZE_MAX, 1000, &x) ? (uint16_t)x : 0;
}

static const char *on_line(void *arg, int media, char type, const char *value, size_t len)
{
	struct scan *sc = arg;
	struct view v = { value, len };
	if (type == 'm')
		return on_m(sc, media, v);
	if (type != 'a')
		return NULL;
	struct view name = cut(&v, ':');
	if (media < 0) {
		if (view_is(name, "ptime"))
			sc->session_ptime = ms_of(v);
		return NULL;
	}
	if (sc->audio < 0)
		return NULL;
	struct sip_sdp_audio *a = &sc->out->audio[sc->audio];
	if (view_is(name, "crypto"))
		sip_sdes_add_crypto(a, v);
	else if (view_is(name, "rtcp"))
		return on_rtcp(sc, a, v);
	else if (view_is(name, "rtpmap"))
		return on_rtpmap(sc, v);
	else if (view_is(name, "ptime"))
		a->ptime = ms_of(v);
	else if (view_is(name, "maxptime"))
		a->maxptime = ms_of(v);
	return NULL;
}

/* ---- from the parsed m-line to struct sip_sdp_audio ---- */

static enum sip_rtp_profile profile_of(const char *proto)
{
	static const char *const names[] = { "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF" };
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(proto, names[i]))
			return (enum sip_rtp_profile)i;
	return SIP_PROFILE_OTHER;
}

int sip_sdp_family_of(const char *addr, bool *zero)
{
	unsigned char b[16] = { 0 };
	static const unsigned char none[16];
	int fam = inet_pton(AF_INET, addr, b) == 1 ? AF_INET
		: inet_pton(AF_INET6, addr, b) == 1 ? AF_INET6 : 0;
	if (zero)
		*zero = fam && !memcmp(b, none, fam == AF_INET ? 4 : 16);
	return fam;
}

/* RFC 7587 parameters; values out of range are ignored, as the RFC asks. */
static void parse_opus_fmtp(const char *fmtp, struct sip_opus_params *o)
{
	struct view rest = { fmtp, strlen(fmtp) };
	while (rest.n) {
		struct view kv = cut(&rest, ';');
		struct view key = trim(cut(&kv, '='));
		uint64_t x;
		kv = trim(kv);
		if (!view_uint(kv, SIZE_MAX, 510000, &x))
			continue;
		if (view_is(key, "stereo") && x <= 1)
			o->stereo = x;
		else if (view_is(key, "sprop-stereo") && x <= 1)
			o->sprop_stereo = x;
		else if (view_is(key, "useinbandfec") && x <= 1)
			o->fec = x;
		else if (view_is(key, "usedtx") && x <= 1)
			o->dtx = x;
		else if (view_is(key, "cbr") && x <= 1)
			o->cbr = x;
		else if (view_is(key, "maxplaybackrate") && x >= 8000 && x <= 48000)
			o->max_playback_rate = (uint32_t)x;
		else if (view_is(key, "maxaveragebitrate") && x >= 6000)
			o->max_average_bitrate = (uint32_t)x;
	}
}

/* 1 and *codec for a codec we know, 2 for telephone-event at 8000/48000, else 0. */
static int classify(const struct sdp_format *f, enum sip_codec *codec)
{
	struct view name = { f->name, strlen(f->name) };
	if (view_case_is(name, "telephone-event"))
		return (f->clock_rate == 8000 || f->clock_rate == 48000) ? 2 : 0;
	for (int c = 0; c < SIP_CODEC_COUNT; c++) {
		if (!view_case_is(name, sip_sdp_codec_info[c].name))
			continue;
		*codec = (enum sip_codec)c;
		if (c == SIP_CODEC_OPUS)
			return f->clock_rate == 48000 && f->channels <= 2;
		if (c == SIP_CODEC_G722)  /* 16000 is wrong but written by some phones */
			return (f->clock_rate == 8000 || f->clock_rate == 16000) && f->channels <= 1;
		return f->clock_rate == 8000 && f->channels <= 1;
	}
	return 0;
}

static void note_format(struct sip_sdp_audio *a, const struct sdp_format *f)
{
	size_t used = strlen(a->formats), cap = sizeof a->formats;
	char one[64];
	if (!f->name[0])
		snprintf(one, sizeof one, "%u (no rtpmap)", f->pt);
	else if (f->channels)
		snprintf(one, sizeof one, "%u %.32s/%u/%u", f->pt, f->name, f->clock_rate, f->channels);
	else
		snprintf(one, sizeof one, "%u %.32s/%u", f->pt, f->name, f->clock_rate);
	if (used + strlen(one) + 6 >= cap) {
		if (used + 4 < cap && (used < 4 || strcmp(a->formats + used - 4, " ...")))
			strcat(a->formats, " ...");
		return;
	}
	snprintf(a->formats + used, cap - used, "%s%s", used ? ", " : "", one);
}

static void fill_audio(struct sip_sdp_audio *a, const struct sdp_media *m, uint16_t session_ptime)
{
	a->port = m->port;
	snprintf(a->proto, sizeof a->proto, "%s", m->proto);
	a->profile = profile_of(m->proto);
	snprintf(a->address, sizeof a->address, "%.45s", m->connection);
	a->family = sip_sdp_family_of(a->address, &a->hold_address);
	if (!a->rtcp_port && m->port && m->port < 65535)
		a->rtcp_port = (uint16_t)(m->port + 1);
	if (!a->rtcp_address[0])
		memcpy(a->rtcp_address, a->address, sizeof a->address);
	a->rtcp_mux = m->rtcp_mux;
	a->direction = m->direction;
	if (!a->ptime)
		a->ptime = session_ptime;
	for (unsigned i = 0; i < m->n_formats; i++) {
		const struct sdp_format *f = &m->formats[i];
		enum sip_codec codec = SIP_CODEC_PCMU;
		int kind = classify(f, &codec);
		note_format(a, f);
		if (kind == 2 && f->clock_rate == 8000 && a->te_8000_pt < 0)
			a->te_8000_pt = f->pt;
		else if (kind == 2 && f->clock_rate == 48000 && a->te_48000_pt < 0)
			a->te_48000_pt = f->pt;
		if (kind != 1 || a->n_codecs == SIP_SDP_MAX_CODECS)
			continue;
		struct sip_sdp_codec *c = &a->codecs[a->n_codecs++];
		memset(c, 0, sizeof *c);
		c->codec = codec;
		c->pt = f->pt;
		if (codec == SIP_CODEC_OPUS)
			parse_opus_fmtp(f->fmtp, &c->opus);
	}
}

int sip_sdp_parse_with(struct sip_media_offer *out, struct sdp_session *s,
		       const char *text, size_t len, char *err, size_t errlen)
{
	struct scan *sc = NULL;
	int rc = -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	if (!out || !s)
		return error_text(err, errlen, -EINVAL, "no output");
	memset(out, 0, sizeof *out);
	if (!(sc = calloc(1, sizeof *sc)))
		return error_text(err, errlen, -ENOMEM, "out of memory");
	sc->out = out;
	sc->audio = -1;
	rc = sdp_parse_lines(s, text, len, on_line, sc, err, errlen);
	if (rc) {
		memset(out, 0, sizeof *out);
	} else {
		out->session_id = s->session_id;
		out->session_version = s->session_version;
		for (unsigned i = 0; i < out->n_audio; i++)
			fill_audio(&out->audio[i], &s->media[out->audio[i].media], sc->session_ptime);
	}
	free(sc);
	return rc;
}

int sip_sdp_parse(struct sip_media_offer *out, const char *text, size_t len, char *err,
		  size_t errlen)
{
	/* sdp_parse clears what it uses, so the 1.2 MB need not be zeroed. */
	struct sdp_session *s = malloc(sizeof *s);
	if (!s) {
		if (out)
			memset(out, 0, sizeof *out);
		return error_text(err, errlen, -ENOMEM, "out of memory");
	}
	int rc = sip_sdp_parse_with(out, s, text, len, err, errlen);
	free(s);
	return rc;
}

/* ---- caps and origin ---- */

void sip_local_caps_init(struct sip_local_caps *c, bool g722)
{
	memset(c, 0, sizeof *c);
	c->codecs[c->n_codecs++] = SIP_CODEC_OPUS;
	if (g722)
		c->codecs[c->n_codecs++] = SIP_CODEC_G722;
	c->codecs[c->n_codecs++] = SIP_CODEC_PCMU;
	c->codecs[c->n_codecs++] = SIP_CODEC_PCMA;
	c->telephone_event = true;
	c->suites[c->n_suites++] = SIP_SRTP_AES_CM_128_HMAC_SHA1_80;
	c->suites[c->n_suites++] = SIP_SRTP_AEAD_AES_128_GCM;
	c->suites[c->n_suites++] = SIP_SRTP_AEAD_AES_256_GCM;
	c->rtcp_mux = true;
	c->ptime = 20;
}

int sip_local_caps_set_codecs(struct sip_local_caps *c, const char *list, char *err, size_t errlen)
{
	enum sip_codec codecs[SIP_CODEC_COUNT];
	unsigned n = 0;
	struct view rest = { list ? list : "", list ? strlen(list) : 0 };
	for (bool more = true; more;) {
		more = rest.n && memchr(rest.p, ',', rest.n);
		struct view w = trim(cut(&rest, ','));
		int found = -1;
		for (int k = 0; k < SIP_CODEC_COUNT; k++)
			if (view_case_is(w, sip_sdp_codec_info[k].name))
				found = k;
		if (found < 0) {
			return error_text(err, errlen, -EINVAL,
					  "unknown codec \"%.*s\" (opus, G722, PCMU, PCMA)",
					  (int)(w.n > 32 ? 32 : w.n), w.p);
		}
		for (unsigned k = 0; k < n; k++)
			if (codecs[k] == (enum sip_codec)found) {
				return error_text(err, errlen, -EINVAL, "codec %s listed twice",
						  sip_sdp_codec_info[found].name);
			}
		codecs[n++] = (enum sip_codec)found;
	}
	memcpy(c->codecs, codecs, sizeof codecs);
	c->n_codecs = (uint8_t)n;
	return 0;
}

void sip_sdp_origin_init(struct sip_sdp_origin *o, uint64_t id)
{
	memset(o, 0, sizeof *o);
	o->id = id & INT64_MAX;  /* some stacks read o= numbers as signed 64-bit */
	o->version = 1;
}

/* ---- negotiation: one step per concern ---- */

static bool sends(enum sdp_direction d)
{
	return d == SDP_SENDRECV || d == SDP_SENDONLY;
}

static bool receives(enum sdp_direction d)
{
	return d == SDP_SENDRECV || d == SDP_RECVONLY;
}

static enum sdp_direction direction_of(bool send, bool recv)
{
	return send ? (recv ? SDP_SENDRECV : SDP_SENDONLY) : (recv ? SDP_RECVONLY : SDP_INACTIVE);
}

static bool is_secure(enum sip_rtp_profile p)
{
	return p == SIP_PROFILE_SAVP || p == SIP_PROFILE_SAVPF;
}

bool sip_sdp_caps_has_codec(const struct sip_local_caps *caps, enum sip_codec c)
{
	for (unsigned i = 0; i < caps->n_codecs && i < SIP_CODEC_COUNT; i++)
		if (caps->codecs[i] == c)
			return true;
	return false;
}

static bool caps_has_suite(const struct sip_local_caps *caps, enum sip_srtp_suite s)
{
	for (unsigned i = 0; i < caps->n_suites && i < SIP_SRTP_SUITE_COUNT; i++)
		if (caps->suites[i] == s)
			return true;
	return false;
}

static bool we_offer_srtp(const struct sip_local_caps *caps)
{
	return caps->offer_srtp && caps->n_suites;
}

/* answer: a is the peer's answer to our offer, rather than its offer. */
struct step {
	const struct sip_sdp_audio *a;
	const struct sip_local_caps *caps;
	const struct sip_local_media *local;
	bool answer;
	struct sip_media_choice *out;
	char *err;
	size_t errlen;
};

static int refuse(struct step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct step *s, const char *fmt, ...)
{
	if (s->err && s->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->err, s->errlen, fmt, ap);
		va_end(ap);
	}
	return -ENOTSUP;
}

static int pick_transport(struct step *s)
{
	if (s->a->profile == SIP_PROFILE_OTHER)
		return refuse(s, "transport %s not supported (RTP/AVP or RTP/SAVP)", s->a->proto);
	if (s->answer && is_secure(s->a->profile) != we_offer_srtp(s->caps))
		return refuse(s, "the answer changed the transport to %s", s->a->proto);
	s->out->profile = s->a->profile;
	return 0;
}

static int pick_address(struct step *s)
{
	const struct sip_sdp_audio *a = s->a;
	struct sip_media_choice *o = s->out;
	if (!a->address[0])
		return refuse(s, "no c= line for the audio");
	if (!a->family)
		return refuse(s, "c= address %s is not an IP address", a->address);
	o->family = a->family;
	snprintf(o->address, sizeof o->address, "%s", a->address);
	o->port = a->port;
	o->rtcp_mux = a->rtcp_mux && s->caps->rtcp_mux;
	if (o->rtcp_mux) {
		memcpy(o->rtcp_address, o->address, sizeof o->address);
		o->rtcp_port = o->port;
	} else {
		if (!sip_sdp_family_of(a->rtcp_address, NULL))
			return refuse(s, "a=rtcp address %s is not an IP address", a->rtcp_address);
		memcpy(o->rtcp_address, a->rtcp_address, sizeof o->rtcp_address);
		o->rtcp_port = a->rtcp_port;
	}
	return 0;
}

static void list_caps(const struct sip_local_caps *caps, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < caps->n_codecs && i < SIP_CODEC_COUNT && n < cap; i++) {
		int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", sip_codec_name(caps->codecs[i]));
		n += w > 0 ? (size_t)w : 0;
	}
}

static int pick_codec(struct step *s)
{
	const struct sip_sdp_audio *a = s->a;
	const struct sip_sdp_codec *chosen = NULL;
	if (s->answer) {  /* the answerer's order, among what we offered */
		for (unsigned j = 0; !chosen && j < a->n_codecs; j++)
			if (sip_sdp_caps_has_codec(s->caps, a->codecs[j].codec))
				chosen = &a->codecs[j];
	} else {          /* our order, among what the caller offers */
		for (unsigned i = 0; !chosen && i < s->caps->n_codecs && i < SIP_CODEC_COUNT; i++)
			for (unsigned j = 0; !chosen && j < a->n_codecs; j++)
				if (a->codecs[j].codec == s->caps->codecs[i])
					chosen = &a->codecs[j];
	}
	if (!chosen) {
		char ours[64];
		list_caps(s->caps, ours, sizeof ours);
		return refuse(s, "no common codec: offered %s; we take %s",
			      a->formats[0] ? a->formats : "nothing", ours);
	}
	struct sip_media_choice *o = s->out;
	o->codec = chosen->codec;
	o->send_pt = chosen->pt;
	o->recv_pt = s->answer ? sip_sdp_codec_info[chosen->codec].pt : chosen->pt;
	o->clock_rate = sip_sdp_codec_info[chosen->codec].clock;
	o->opus = chosen->opus;
	return 0;
}

/* The telephone-event with the codec's clock if there is one (RFC 4733 2.1),
 * else the other: many phones offer only /8000 next to Opus. */
static int pick_telephone_event(struct step *s)
{
	const struct sip_sdp_audio *a = s->a;
	struct sip_media_choice *o = s->out;
	bool opus_offered = sip_sdp_caps_has_codec(s->caps, SIP_CODEC_OPUS);
	int pt8 = a->te_8000_pt, pt48 = s->answer && !opus_offered ? -1 : a->te_48000_pt;
	if (!s->caps->telephone_event || (pt8 < 0 && pt48 < 0))
		return 0;
	bool use48 = pt48 >= 0 && (o->clock_rate == 48000 || pt8 < 0);
	o->telephone_event = true;
	o->te_clock = use48 ? 48000 : 8000;
	o->te_send_pt = (uint8_t)(use48 ? pt48 : pt8);
	o->te_recv_pt = s->answer ? (use48 ? SIP_SDP_PT_TE_48000 : SIP_SDP_PT_TE_8000) : o->te_send_pt;
	return 0;
}

static int crypto_trouble(struct step *s, const char *what)
{
	const struct sip_sdp_audio *a = s->a;
	if (a->n_crypto_refused)
		return refuse(s, "%s (%u unusable: %s)", what, a->n_crypto_refused, a->crypto_problem);
	return refuse(s, "%s", what);
}

static int pick_srtp(struct step *s)
{
	const struct sip_sdp_audio *a = s->a;
	const struct sip_sdp_crypto *chosen = NULL;
	if (!is_secure(a->profile))
		return 0;  /* a=crypto on RTP/AVP is not acted on */
	if (!s->caps->n_suites)
		return refuse(s, "%s offered but SRTP is off here", a->proto);
	for (unsigned i = 0; !chosen && i < a->n_crypto; i++) {
		const struct sip_sdp_crypto *c = &a->crypto[i];
		bool ours = s->answer ? c->tag >= 1 && c->tag <= s->caps->n_suites &&
					s->caps->suites[c->tag - 1] == c->suite
				      : caps_has_suite(s->caps, c->suite);
		if (ours)
			chosen = c;
	}
	if (!chosen && s->answer)
		return crypto_trouble(s, "the answer has no a=crypto matching our offer");
	if (!chosen)
		return crypto_trouble(s, a->n_crypto ? "no a=crypto with a suite we support"
						     : "no usable a=crypto");
	struct sip_media_choice *o = s->out;
	o->srtp = chosen->suite;
	o->crypto_tag = chosen->tag;
	o->key_len = chosen->key_len;
	memcpy(o->remote_key, chosen->key, chosen->key_len);
	memcpy(o->local_key, s->local->srtp_key, chosen->key_len);
	return 0;
}

static bool ptime_fits(enum sip_codec c, unsigned ms)
{
	if (c == SIP_CODEC_OPUS)
		return ms == 10 || ms == 20 || ms == 40 || ms == 60;
	return ms >= 10 && ms <= 60 && ms % 10 == 0;
}

static int pick_ptime(struct step *s)
{
	struct sip_media_choice *o = s->out;
	unsigned ms = ptime_fits(o->codec, s->a->ptime) ? s->a->ptime : 20;
	while (s->a->maxptime && ms > s->a->maxptime && ms > 10)
		do
			ms -= 10;
		while (!ptime_fits(o->codec, ms));
	o->send_ptime = (uint16_t)ms;
	o->recv_ptime = s->caps->ptime ? s->caps->ptime : 20;
	return 0;
}

/* Ours mirrors theirs, limited by what we want. c=0.0.0.0 means "do not
 * send to me" whatever the attribute says (RFC 3264 8.4). */
static int pick_direction(struct step *s)
{
	struct sip_media_choice *o = s->out;
	bool they_send = sends(s->a->direction);
	bool they_receive = receives(s->a->direction) && !s->a->hold_address;
	o->send = they_receive && sends(s->local->direction);
	o->recv = they_send && receives(s->local->direction);
	o->direction = direction_of(o->send, o->recv);
	return 0;
}

static int negotiate_audio(struct step *s)
{
	static int (*const steps[])(struct step *) = {
		pick_transport, pick_address, pick_codec, pick_telephone_event,
		pick_srtp, pick_ptime, pick_direction,
	};
	memset(s->out, 0, sizeof *s->out);
	s->out->media = s->a->media;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		int rc = steps[i](s);
		if (rc)
			return rc;
	}
	return 0;
}

static bool args_ok(const void *a, const struct sip_local_caps *caps,
		    const struct sip_local_media *local, struct sip_media_choice *out)
{
	return a && caps && local && out && caps->n_codecs <= SIP_CODEC_COUNT &&
	       caps->n_suites <= SIP_SRTP_SUITE_COUNT;
}

int sip_sdp_negotiate(const struct sip_media_offer *offer, const struct sip_local_caps *caps,
		      const struct sip_local_media *local, struct sip_media_choice *out,
		      char *err, size_t errlen)
{
	char first[256] = "";
	if (err && errlen)
		err[0] = '\0';
	if (!args_ok(offer, caps, local, out))
		return error_text(err, errlen, -EINVAL, "bad arguments");
	for (unsigned i = 0; i < offer->n_audio && i < SIP_SDP_MAX_AUDIO; i++) {
		char why[256];
		struct step s = { &offer->audio[i], caps, local, false, out, why, sizeof why };
		if (!offer->audio[i].port)
			continue;
		if (!negotiate_audio(&s))
			return 0;
		if (!first[0])
			memcpy(first, why, sizeof first);
	}
	memset(out, 0, sizeof *out);
	if (first[0])
		return error_text(err, errlen, -ENOTSUP, "%s", first);
	return error_text(err, errlen, -ENOTSUP, "%s",
			  offer->n_audio ? "every audio m-line is disabled (port 0)"
					 : "no audio m-line offered");
}

int sip_sdp_negotiate_answer(const struct sip_media_offer *answer,
			     const struct sip_local_caps *caps,
			     const struct sip_local_media *local, struct sip_media_choice *out,
			     char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!args_ok(answer, caps, local, out))
		return error_text(err, errlen, -EINVAL, "bad arguments");
	memset(out, 0, sizeof *out);
	if (answer->n_media != 1 || answer->n_audio != 1)
		return error_text(err, errlen, -ENOTSUP,
				  "the answer has %u m-lines (%u audio) for our one audio",
				  answer->n_media, answer->n_audio);
	if (!answer->audio[0].port)
		return error_text(err, errlen, -ENOTSUP, "the answer refuses audio (port 0)");
	struct step s = { &answer->audio[0], caps, local, true, out, err, errlen };
	int rc = negotiate_audio(&s);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}
