/* SDP offer/answer for SIP legs (see sip_sdp.h). sfu/sdp.c does the parsing;
 * its line hook hands us what its structs do not keep: a=crypto, a=rtcp,
 * a=ptime, a=maxptime and each m= line's first format. Negotiation is a short
 * pipeline over one audio m-line (transport, address, codec, telephone-event,
 * SRTP, ptime, direction); the builders write into a growable buffer. The
 * remote text is untrusted: every value is bounded before it is kept, and
 * nothing read from it is written back except m= tokens the parser checked. */
#define _GNU_SOURCE
#include "sip/sip_sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sfu/transport/srtp_session.h"

static const struct {
	const char *name;
	uint32_t clock;
	uint8_t pt;         /* in our offers */
} codec_info[SIP_CODEC_COUNT] = {
	[SIP_CODEC_PCMU] = { "PCMU", 8000, SIP_SDP_PT_PCMU },
	[SIP_CODEC_PCMA] = { "PCMA", 8000, SIP_SDP_PT_PCMA },
	[SIP_CODEC_G722] = { "G722", 8000, SIP_SDP_PT_G722 },  /* RFC 3551's 8000 for 16 kHz audio */
	[SIP_CODEC_OPUS] = { "opus", 48000, SIP_SDP_PT_OPUS },
};

static const struct {
	const char *name;
	uint8_t key_len;
} suite_info[SIP_SRTP_SUITE_COUNT] = {
	[SIP_SRTP_NONE] = { "", 0 },
	[SIP_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 30 },
	[SIP_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 30 },
	[SIP_SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 28 },
	[SIP_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 44 },
};

static const char opus_fmtp[] = "minptime=10;useinbandfec=1";
static const char te_fmtp[] = "0-16";

const char *sip_codec_name(enum sip_codec c)
{
	return (unsigned)c < SIP_CODEC_COUNT ? codec_info[c].name : "?";
}

const char *sip_srtp_suite_name(enum sip_srtp_suite s)
{
	return (unsigned)s < SIP_SRTP_SUITE_COUNT ? suite_info[s].name : "?";
}

size_t sip_srtp_suite_key_len(enum sip_srtp_suite s)
{
	return (unsigned)s < SIP_SRTP_SUITE_COUNT ? suite_info[s].key_len : 0;
}

__attribute__((format(printf, 3, 4)))
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- words and numbers over views ---- */

struct view {
	const char *p;
	size_t n;
};

/* The part before sep (all of it when absent); rest keeps what follows. */
static struct view cut(struct view *rest, char sep)
{
	const char *q = rest->n ? memchr(rest->p, sep, rest->n) : NULL;
	struct view head = { rest->p, q ? (size_t)(q - rest->p) : rest->n };
	size_t used = q ? head.n + 1 : head.n;
	rest->p += used, rest->n -= used;
	return head;
}

static struct view trim(struct view v)
{
	while (v.n && (*v.p == ' ' || *v.p == '\t'))
		v.p++, v.n--;
	while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
		v.n--;
	return v;
}

/* The next word, split at spaces and trimmed of blanks: exactly as sfu/sdp.c
 * reads words, so that what we echo is what it checked. */
static struct view next_word(struct view *rest)
{
	*rest = trim(*rest);
	return trim(cut(rest, ' '));
}

static bool view_is(struct view v, const char *lit)
{
	return v.n == strlen(lit) && memcmp(v.p, lit, v.n) == 0;
}

static bool view_case_is(struct view v, const char *lit)
{
	return v.n == strlen(lit) && strncasecmp(v.p, lit, v.n) == 0;
}

/* Digits only, 1..maxdigits of them (leading zeros count), value at most max. */
static bool view_uint(struct view v, size_t maxdigits, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	if (v.n == 0 || v.n > maxdigits)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		unsigned d = (unsigned)((unsigned char)v.p[i] - '0');
		if (d > 9 || d > max || x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

static bool view_copy(char *dst, size_t cap, struct view v)
{
	if (v.n >= cap)
		return false;
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	return true;
}

/* ---- base64 (RFC 4648 alphabet; padding optional on input) ---- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The decoded length, or -1 when v is not base64 or would not fit. */
static int b64_decode(struct view v, uint8_t *out, size_t cap)
{
	size_t pad = 0, n = v.n;
	while (n && v.p[n - 1] == '=' && pad < 3)
		n--, pad++;
	if (pad > 2 || (pad && v.n % 4) || n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > cap)
		return -1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int x = b64_value(v.p[i]);
		if (x < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)len;
}

static void b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t x = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			x |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			x |= in[i + 2];
		out[o++] = a[x >> 18];
		out[o++] = a[(x >> 12) & 63];
		out[o++] = i + 1 < n ? a[(x >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? a[x & 63] : '=';
	}
	out[o] = '\0';
}

/* ---- a=crypto (RFC 4568 9.1) ---- */

static enum sip_srtp_suite suite_of(struct view v)
{
	for (int s = SIP_SRTP_NONE + 1; s < SIP_SRTP_SUITE_COUNT; s++)
		if (view_is(v, suite_info[s].name))
			return (enum sip_srtp_suite)s;
	return SIP_SRTP_NONE;
}

/* lifetime = ["2^"] 1*DIGIT */
static bool parse_lifetime(struct view v, uint64_t *out)
{
	uint64_t e;
	if (v.n > 2 && v.p[0] == '2' && v.p[1] == '^') {
		if (!view_uint((struct view){ v.p + 2, v.n - 2 }, 2, 63, &e) || e == 0)
			return false;
		*out = (uint64_t)1 << e;
		return true;
	}
	return view_uint(v, SIZE_MAX, UINT64_MAX, out) && *out;
}

/* "inline:<key||salt>[|lifetime][|mki:length]" */
static bool parse_key_params(struct view v, struct sip_sdp_crypto *c, char *why, size_t whylen)
{
	struct view part[3];
	unsigned n = 0;
	uint8_t key[64];
	if (v.n < 7 || strncasecmp(v.p, "inline:", 7))
		return say(why, whylen, "key method is not inline:"), false;
	v.p += 7, v.n -= 7;
	if (memchr(v.p, ';', v.n))
		return say(why, whylen, "several keys are not supported"), false;
	for (const char *p = v.p, *end = v.p + v.n;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (n == 3)
			return say(why, whylen, "too many | fields"), false;
		part[n++] = (struct view){ p, bar ? (size_t)(bar - p) : (size_t)(end - p) };
		if (!bar)
			break;
		p = bar + 1;
	}
	for (unsigned i = 1; i < n; i++)
		if (memchr(part[i].p, ':', part[i].n))
			return say(why, whylen, "MKI is not supported"), false;
	if (n == 3 || (n == 2 && !parse_lifetime(part[1], &c->lifetime)))
		return say(why, whylen, "bad lifetime \"%.*s\"",
			   (int)(part[1].n > 24 ? 24 : part[1].n), part[1].p), false;
	int len = b64_decode(part[0], key, sizeof key);
	if (len < 0)
		return say(why, whylen, "key is not base64"), false;
	if ((size_t)len != suite_info[c->suite].key_len)
		return say(why, whylen, "key of %d bytes where %s needs %u", len,
			   suite_info[c->suite].name, suite_info[c->suite].key_len), false;
	memcpy(c->key, key, (size_t)len);
	c->key_len = (uint8_t)len;
	return true;
}

/* Session parameters: KDR=0 (the default) and WSH (a hint) are harmless;
 * every other one changes how SRTP runs, so the line cannot be used. */
static bool session_param_ok(struct view w)
{
	uint64_t x;
	if (w.n > 4 && !strncmp(w.p, "KDR=", 4))
		return view_uint((struct view){ w.p + 4, w.n - 4 }, 2, 0, &x);
	if (w.n > 4 && !strncmp(w.p, "WSH=", 4))
		return view_uint((struct view){ w.p + 4, w.n - 4 }, 10, UINT32_MAX, &x) && x >= 64;
	return false;
}

static bool parse_crypto(struct view v, struct sip_sdp_crypto *c, char *why, size_t whylen)
{
	uint64_t tag;
	struct view tag_s = next_word(&v), suite_s = next_word(&v), key_s = next_word(&v);
	memset(c, 0, sizeof *c);
	if (!view_uint(tag_s, 9, 999999999, &tag) || !suite_s.n || !key_s.n)
		return say(why, whylen, "expected <tag> <suite> inline:<key>"), false;
	c->tag = (uint32_t)tag;
	c->suite = suite_of(suite_s);
	if (c->suite == SIP_SRTP_NONE)
		return say(why, whylen, "tag %u: suite %.*s not supported", c->tag,
			   (int)(suite_s.n > 40 ? 40 : suite_s.n), suite_s.p), false;
	if (!parse_key_params(key_s, c, why, whylen))
		return false;
	for (struct view w = next_word(&v); w.n; w = next_word(&v))
		if (!session_param_ok(w))
			return say(why, whylen, "tag %u: session parameter %.*s not supported", c->tag,
				   (int)(w.n > 32 ? 32 : w.n), w.p), false;
	return true;
}

static void add_crypto(struct sip_sdp_audio *a, struct view v)
{
	struct sip_sdp_crypto c;
	char why[sizeof a->crypto_problem];
	bool ok = parse_crypto(v, &c, why, sizeof why);
	for (unsigned i = 0; ok && i < a->n_crypto; i++)
		if (a->crypto[i].tag == c.tag)
			ok = false, say(why, sizeof why, "tag %u: used twice", c.tag);
	if (ok && a->n_crypto < SIP_SDP_MAX_CRYPTO) {
		a->crypto[a->n_crypto++] = c;
	} else if (!ok) {
		if (!a->n_crypto_refused)
			snprintf(a->crypto_problem, sizeof a->crypto_problem, "%s", why);
		if (a->n_crypto_refused < UINT8_MAX)
			a->n_crypto_refused++;
	}
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

static uint64_t fnv1a(const char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

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
	uint32_t h = (uint32_t)fnv1a(v.p, v.n, 0xcbf29ce484222325ULL);
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
		add_crypto(a, v);
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

/* AF_INET or AF_INET6 for an IP literal, else 0; *zero when unspecified. */
static int family_of(const char *addr, bool *zero)
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
		if (!view_case_is(name, codec_info[c].name))
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
	a->family = family_of(a->address, &a->hold_address);
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
		return say(err, errlen, "no output"), -EINVAL;
	memset(out, 0, sizeof *out);
	if (!(sc = calloc(1, sizeof *sc)))
		return say(err, errlen, "out of memory"), -ENOMEM;
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
		return say(err, errlen, "out of memory"), -ENOMEM;
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
			if (view_case_is(w, codec_info[k].name))
				found = k;
		if (found < 0) {
			say(err, errlen, "unknown codec \"%.*s\" (opus, G722, PCMU, PCMA)",
			    (int)(w.n > 32 ? 32 : w.n), w.p);
			return -EINVAL;
		}
		for (unsigned k = 0; k < n; k++)
			if (codecs[k] == (enum sip_codec)found) {
				say(err, errlen, "codec %s listed twice", codec_info[found].name);
				return -EINVAL;
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

static bool caps_has_codec(const struct sip_local_caps *caps, enum sip_codec c)
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
		if (!family_of(a->rtcp_address, NULL))
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
			if (caps_has_codec(s->caps, a->codecs[j].codec))
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
	o->recv_pt = s->answer ? codec_info[chosen->codec].pt : chosen->pt;
	o->clock_rate = codec_info[chosen->codec].clock;
	o->opus = chosen->opus;
	return 0;
}

/* The telephone-event with the codec's clock if there is one (RFC 4733 2.1),
 * else the other: many phones offer only /8000 next to Opus. */
static int pick_telephone_event(struct step *s)
{
	const struct sip_sdp_audio *a = s->a;
	struct sip_media_choice *o = s->out;
	bool opus_offered = caps_has_codec(s->caps, SIP_CODEC_OPUS);
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
		return say(err, errlen, "bad arguments"), -EINVAL;
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
		say(err, errlen, "%s", first);
	else
		say(err, errlen, offer->n_audio ? "every audio m-line is disabled (port 0)"
						: "no audio m-line offered");
	return -ENOTSUP;
}

int sip_sdp_negotiate_answer(const struct sip_media_offer *answer,
			     const struct sip_local_caps *caps,
			     const struct sip_local_media *local, struct sip_media_choice *out,
			     char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!args_ok(answer, caps, local, out))
		return say(err, errlen, "bad arguments"), -EINVAL;
	memset(out, 0, sizeof *out);
	if (answer->n_media != 1 || answer->n_audio != 1)
		return say(err, errlen, "the answer has %u m-lines (%u audio) for our one audio",
			   answer->n_media, answer->n_audio), -ENOTSUP;
	if (!answer->audio[0].port)
		return say(err, errlen, "the answer refuses audio (port 0)"), -ENOTSUP;
	struct step s = { &answer->audio[0], caps, local, true, out, err, errlen };
	int rc = negotiate_audio(&s);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- writing ---- */

struct buf {
	char *p;
	size_t n, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
	for (int tries = 0; !b->failed && tries < 2; tries++) {
		va_list ap;
		va_start(ap, fmt);
		int w = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (w < 0) {
			b->failed = true;
		} else if (b->p && (size_t)w < b->cap - b->n) {
			b->n += (size_t)w;
			return;
		} else {
			size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)w;
			char *p = realloc(b->p, cap);
			if (!p)
				b->failed = true;
			else
				b->p = p, b->cap = cap;
		}
	}
}

static const char *direction_name(enum sdp_direction d)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
	return (unsigned)d <= SDP_INACTIVE ? names[d] : "sendrecv";
}

static void put_codec(struct buf *b, enum sip_codec c, uint8_t pt)
{
	if (c == SIP_CODEC_OPUS) {
		put(b, "a=rtpmap:%u opus/48000/2\r\n", pt);
		put(b, "a=fmtp:%u %s\r\n", pt, opus_fmtp);
	} else {
		put(b, "a=rtpmap:%u %s/%u\r\n", pt, codec_info[c].name, codec_info[c].clock);
	}
}

static void put_te(struct buf *b, uint8_t pt, uint32_t clock)
{
	put(b, "a=rtpmap:%u telephone-event/%u\r\n", pt, clock);
	put(b, "a=fmtp:%u %s\r\n", pt, te_fmtp);
}

static void put_crypto(struct buf *b, uint32_t tag, enum sip_srtp_suite suite, const uint8_t *key)
{
	char b64[(SIP_SRTP_MAX_KEY + 2) / 3 * 4 + 1];
	b64_encode(key, suite_info[suite].key_len, b64);
	put(b, "a=crypto:%u %s inline:%s\r\n", tag, suite_info[suite].name, b64);
}

/* v= and o= in front of body (which starts at s=), o= versioned by body. */
static char *finish(struct buf *body, const struct sip_local_media *local, int family,
		    struct sip_sdp_origin *origin)
{
	struct buf b = { 0 };
	if (body->failed) {
		free(body->p);
		return NULL;
	}
	uint64_t digest = fnv1a(body->p, body->n, 0xcbf29ce484222325ULL);
	if (origin->used && origin->digest != digest)
		origin->version++;
	origin->used = true;
	origin->digest = digest;
	put(&b, "v=0\r\no=parley %llu %llu IN %s %s\r\n%s", (unsigned long long)origin->id,
	    (unsigned long long)origin->version, family == AF_INET6 ? "IP6" : "IP4",
	    local->address, body->p);
	free(body->p);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static void put_session(struct buf *b, const struct sip_local_media *local, int family)
{
	put(b, "s=parley\r\nc=IN %s %s\r\nt=0 0\r\n", family == AF_INET6 ? "IP6" : "IP4",
	    local->address);
}

char *sip_sdp_build_answer(const struct sip_media_offer *offer,
			   const struct sip_media_choice *c,
			   const struct sip_local_media *local, struct sip_sdp_origin *origin)
{
	struct buf b = { 0 };
	int family = local ? family_of(local->address, NULL) : 0;
	if (!offer || !c || !origin || !family || c->media >= offer->n_media ||
	    (unsigned)c->codec >= SIP_CODEC_COUNT || (unsigned)c->srtp >= SIP_SRTP_SUITE_COUNT)
		return NULL;
	put_session(&b, local, family);
	for (unsigned i = 0; i < offer->n_media && i < SIP_SDP_MAX_MEDIA; i++) {
		if (i != c->media) {
			put(&b, "m=%s 0 %s %s\r\n", offer->media[i].kind, offer->media[i].proto,
			    offer->media[i].format);
			continue;
		}
		put(&b, "m=audio %u %s %u", local->port, offer->media[i].proto, c->recv_pt);
		if (c->telephone_event)
			put(&b, " %u", c->te_recv_pt);
		put(&b, "\r\n");
		put_codec(&b, c->codec, c->recv_pt);
		if (c->telephone_event)
			put_te(&b, c->te_recv_pt, c->te_clock);
		put(&b, "a=ptime:%u\r\n", c->recv_ptime ? c->recv_ptime : 20);
		if (c->rtcp_mux)
			put(&b, "a=rtcp-mux\r\n");
		if (c->srtp != SIP_SRTP_NONE)
			put_crypto(&b, c->crypto_tag, c->srtp, local->srtp_key);
		put(&b, "a=%s\r\n", direction_name(c->direction));
	}
	return finish(&b, local, family, origin);
}

char *sip_sdp_build_offer(const struct sip_local_caps *caps, const struct sip_local_media *local,
			  struct sip_sdp_origin *origin)
{
	struct buf b = { 0 };
	int family = local ? family_of(local->address, NULL) : 0;
	if (!caps || !origin || !family || !caps->n_codecs || caps->n_codecs > SIP_CODEC_COUNT ||
	    caps->n_suites > SIP_SRTP_SUITE_COUNT || (caps->offer_srtp && !caps->n_suites))
		return NULL;
	for (unsigned i = 0; i < caps->n_codecs; i++)
		if ((unsigned)caps->codecs[i] >= SIP_CODEC_COUNT)
			return NULL;
	bool opus = caps_has_codec(caps, SIP_CODEC_OPUS);
	put_session(&b, local, family);
	put(&b, "m=audio %u %s", local->port, caps->offer_srtp ? "RTP/SAVP" : "RTP/AVP");
	for (unsigned i = 0; i < caps->n_codecs; i++)
		put(&b, " %u", codec_info[caps->codecs[i]].pt);
	if (caps->telephone_event)
		put(&b, " %u", SIP_SDP_PT_TE_8000);
	if (caps->telephone_event && opus)
		put(&b, " %u", SIP_SDP_PT_TE_48000);
	put(&b, "\r\n");
	for (unsigned i = 0; i < caps->n_codecs; i++)
		put_codec(&b, caps->codecs[i], codec_info[caps->codecs[i]].pt);
	if (caps->telephone_event) {
		put_te(&b, SIP_SDP_PT_TE_8000, 8000);
		if (opus)
			put_te(&b, SIP_SDP_PT_TE_48000, 48000);
	}
	put(&b, "a=ptime:%u\r\n", caps->ptime ? caps->ptime : 20);
	if (caps->rtcp_mux)
		put(&b, "a=rtcp-mux\r\n");
	for (unsigned i = 0; caps->offer_srtp && i < caps->n_suites; i++) {
		if ((unsigned)caps->suites[i] - 1 >= SIP_SRTP_SUITE_COUNT - 1) {
			free(b.p);
			return NULL;
		}
		put_crypto(&b, i + 1, caps->suites[i], local->srtp_key);
	}
	put(&b, "a=%s\r\n", direction_name(local->direction));
	return finish(&b, local, family, origin);
}

int sip_sdp_srtp_keys(const struct sip_media_choice *c, struct srtp_keys *out)
{
	switch (c->srtp) {
	case SIP_SRTP_AES_CM_128_HMAC_SHA1_80:
		out->profile = SRTP_PROFILE_AES128_CM_SHA1_80;
		break;
	case SIP_SRTP_AEAD_AES_128_GCM:
		out->profile = SRTP_PROFILE_AEAD_AES_128_GCM;
		break;
	case SIP_SRTP_AEAD_AES_256_GCM:
		out->profile = SRTP_PROFILE_AEAD_AES_256_GCM;
		break;
	case SIP_SRTP_AES_CM_128_HMAC_SHA1_32:
		return -ENOTSUP;
	default:
		return -EINVAL;
	}
	memcpy(out->local, c->local_key, c->key_len);
	memcpy(out->remote, c->remote_key, c->key_len);
	out->key_salt_len = c->key_len;
	return 0;
}
