/* SDP parser for the offers and answers of browsers and SIP peers (see
 * sdp.h). Runs on the signaling and SIP threads, never on a media worker, and
 * keeps no state between calls. The text is untrusted: it is read through
 * length-bounded spans (it need not be NUL-terminated), every number is
 * range-checked, and every string must fit its field or the parse fails.
 * Session-level ICE, DTLS, direction and c= values are applied to the media
 * after the last line, so that media-level values win whatever the order. */
#include "sfu/sdp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A view into the input; input bytes are never written or NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* What the session level says, for media that do not say it themselves. */
struct session_defaults {
	char ice_ufrag[64];
	char ice_pwd[128];
	char fingerprint[160];
	enum sdp_setup setup;
	bool has_direction;
	enum sdp_direction direction;
	char connection[64];
};

struct parser {
	struct sdp_session *s;
	struct sdp_media *m;            /* current media section; NULL at session level */
	struct session_defaults sess;
	bool direction_set[SDP_MAX_MEDIA];
	bool seen_v, seen_o, seen_bundle;
	unsigned line;                  /* 1-based, for messages; 0 once past the text */
	sdp_line_fn *fn;                /* sdp_parse_lines's hook, or NULL */
	void *fn_arg;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return -EINVAL;
	int n = p->line ? snprintf(p->err, p->errlen, "line %u: ", p->line) : 0;
	if (n >= 0 && (size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static bool span_has(struct span s, char c)
{
	return s.n && memchr(s.p, c, s.n);
}

static struct span span_trim(struct span s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.n--;
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/* The part of *rest before the first sep (all of it if none); *rest keeps
 * what follows the separator. */
static struct span span_cut(struct span *rest, char sep)
{
	const char *q = rest->n ? memchr(rest->p, sep, rest->n) : NULL;
	struct span head = { rest->p, q ? (size_t)(q - rest->p) : rest->n };
	size_t used = q ? head.n + 1 : head.n;
	rest->p += used;
	rest->n -= used;
	return head;
}

/* The next space-separated word; runs of blanks count as one separator
 * because hand-written SIP SDP is not always tidy. */
static struct span span_word(struct span *rest)
{
	*rest = span_trim(*rest);
	struct span w = span_cut(rest, ' ');
	return span_trim(w);
}

/* Strict unsigned decimal: digits only (no sign, blank or "0x"), at most max. */
static bool parse_uint(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned)((unsigned char)s.p[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static int number(struct parser *p, struct span s, uint64_t max, uint64_t *out, const char *what)
{
	if (parse_uint(s, max, out))
		return 0;
	return fail(p, "%s: expected a number up to %llu, got \"%.*s\"", what,
		    (unsigned long long)max, (int)(s.n > 24 ? 24 : s.n), s.p);
}

static int copy_opt(struct parser *p, char *dst, size_t cap, struct span v, const char *what)
{
	if (v.n >= cap)
		return fail(p, "%s too long (%zu bytes, at most %zu)", what, v.n, cap - 1);
	if (v.n)
		memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	return 0;
}

static int copy(struct parser *p, char *dst, size_t cap, struct span v, const char *what)
{
	if (v.n == 0)
		return fail(p, "%s is empty", what);
	return copy_opt(p, dst, cap, v, what);
}

/* ---- payload types ---- */

/* RFC 3551 static audio types, which SIP peers often list without rtpmap. */
static const struct { uint8_t pt; const char *name; uint32_t clock; } static_pts[] = {
	{ 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 }, { 8, "PCMA", 8000 },
	{ 9, "G722", 8000 }, { 13, "CN", 8000 }, { 18, "G729", 8000 },
};

static struct sdp_format *find_format(struct sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->n_formats; i++)
		if (m->formats[i].pt == pt)
			return &m->formats[i];
	return NULL;
}

static int add_format(struct parser *p, struct sdp_media *m, struct span s)
{
	uint64_t pt;
	int rc = number(p, s, 127, &pt, "m= payload type");
	if (rc || m->n_formats == SDP_MAX_FORMATS || find_format(m, (uint8_t)pt))
		return rc;
	struct sdp_format *f = &m->formats[m->n_formats++];
	memset(f, 0, sizeof *f);
	f->pt = (uint8_t)pt;
	f->apt = -1;
	for (size_t i = 0; i < sizeof static_pts / sizeof static_pts[0]; i++) {
		if (static_pts[i].pt == pt) {
			snprintf(f->name, sizeof f->name, "%s", static_pts[i].name);
			f->clock_rate = static_pts[i].clock;
		}
	}
	return 0;
}

/* The format for the payload type that starts an rtpmap/fmtp/rtcp-fb value.
 * *f is NULL when the type is not on the m= line: such lines are ignored. */
static int format_of(struct parser *p, struct span pt_s, struct sdp_format **f, const char *what)
{
	uint64_t pt;
	int rc = number(p, pt_s, 127, &pt, what);
	*f = rc ? NULL : find_format(p->m, (uint8_t)pt);
	return rc;
}

/* ---- a= handlers: value is what follows "name:", arg comes from the table ---- */

static int a_group(struct parser *p, struct span v, size_t arg)
{
	struct sdp_session *s = p->s;
	/* One BUNDLE group is all WebRTC endpoints use; later groups are ignored. */
	if (!span_is(span_word(&v), "BUNDLE") || p->seen_bundle)
		return 0;
	p->seen_bundle = true;
	for (struct span mid = span_word(&v); mid.n && s->n_bundle < SDP_MAX_BUNDLE; mid = span_word(&v)) {
		int rc = copy(p, s->bundle[s->n_bundle], sizeof s->bundle[0], mid, "BUNDLE mid");
		if (rc)
			return rc;
		s->n_bundle++;
	}
	return 0;
}

static int a_mid(struct parser *p, struct span v, size_t arg)
{
	return copy(p, p->m->mid, sizeof p->m->mid, span_trim(v), "a=mid");
}

static int a_msid(struct parser *p, struct span v, size_t arg)
{
	return copy(p, p->m->msid, sizeof p->m->msid, span_trim(v), "a=msid");
}

static int a_direction(struct parser *p, struct span v, size_t arg)
{
	if (!p->m) {
		p->sess.direction = (enum sdp_direction)arg;
		p->sess.has_direction = true;
		return 0;
	}
	p->m->direction = (enum sdp_direction)arg;
	p->direction_set[p->s->n_media - 1] = true;
	return 0;
}

static int a_rtpmap(struct parser *p, struct span v, size_t arg)
{
	struct sdp_format *f;
	uint64_t clock, channels = 0;
	int rc = format_of(p, span_word(&v), &f, "a=rtpmap");
	if (rc || !f)
		return rc;
	struct span enc = span_word(&v);
	struct span name = span_cut(&enc, '/');
	bool has_channels = span_has(enc, '/');
	struct span clock_s = span_cut(&enc, '/');
	if ((rc = copy(p, f->name, sizeof f->name, name, "a=rtpmap encoding name")) ||
	    (rc = number(p, clock_s, UINT32_MAX, &clock, "a=rtpmap clock rate")) ||
	    (has_channels && (rc = number(p, enc, 255, &channels, "a=rtpmap channels"))))
		return rc;
	/* Zero would divide by zero wherever timestamps are converted. */
	if (clock == 0 || (has_channels && channels == 0))
		return fail(p, "a=rtpmap: clock rate and channels must not be 0");
	f->clock_rate = (uint32_t)clock;
	f->channels = (uint8_t)channels;
	return 0;
}

static int a_fmtp(struct parser *p, struct span v, size_t arg)
{
	struct sdp_format *f;
	int rc = format_of(p, span_word(&v), &f, "a=fmtp");
	if (rc || !f)
		return rc;
	struct span params = span_trim(v);
	if ((rc = copy_opt(p, f->fmtp, sizeof f->fmtp, params, "a=fmtp parameters")))
		return rc;
	f->apt = -1;
	while (params.n) {
		struct span kv = span_trim(span_cut(&params, ';'));
		uint64_t apt;
		if (kv.n < 4 || memcmp(kv.p, "apt=", 4))
			continue;
		kv.p += 4, kv.n -= 4;
		if ((rc = number(p, kv, 127, &apt, "a=fmtp apt")))
			return rc;
		f->apt = (int)apt;
	}
	return 0;
}

static unsigned fb_flag(struct span type, struct span param)
{
	if (span_is(type, "nack"))
		return param.n == 0 ? SDP_FB_NACK : span_is(param, "pli") ? SDP_FB_NACK_PLI : 0;
	if (span_is(type, "ccm"))
		return span_is(param, "fir") ? SDP_FB_CCM_FIR : 0;
	if (span_is(type, "goog-remb"))
		return SDP_FB_REMB;
	if (span_is(type, "transport-cc"))
		return SDP_FB_TWCC;
	return 0;
}

static int a_rtcp_fb(struct parser *p, struct span v, size_t arg)
{
	struct sdp_format *f = NULL;
	struct span pt = span_word(&v);
	bool all = span_is(pt, "*");
	int rc = all ? 0 : format_of(p, pt, &f, "a=rtcp-fb");
	if (rc || (!all && !f))
		return rc;
	struct span type = span_word(&v);
	unsigned flag = fb_flag(type, span_word(&v));
	if (all) {
		for (unsigned i = 0; i < p->m->n_formats; i++)
			p->m->formats[i].fb |= flag;
	} else {
		f->fb |= flag;
	}
	return 0;
}

static bool is_direction_name(struct span s)
{
	return span_is(s, "sendrecv") || span_is(s, "sendonly") ||
	       span_is(s, "recvonly") || span_is(s, "inactive");
}

static int a_extmap(struct parser *p, struct span v, size_t arg)
{
	struct sdp_media *m = p->m;
	struct span dir = span_word(&v);
	bool has_dir = span_has(dir, '/');
	struct span id_s = span_cut(&dir, '/');
	struct span uri = span_word(&v);
	uint64_t id;
	int rc = number(p, id_s, 255, &id, "a=extmap id");
	if (rc)
		return rc;
	if (id == 0 || (has_dir && !is_direction_name(dir)) || uri.n == 0)
		return fail(p, "a=extmap: expected <1-255>[/<direction>] <uri>");
	if (m->n_extmaps == SDP_MAX_EXTMAPS)
		return 0;
	for (unsigned i = 0; i < m->n_extmaps; i++)
		if (m->extmaps[i].id == id)
			return 0;
	struct sdp_extmap *e = &m->extmaps[m->n_extmaps];
	if ((rc = copy(p, e->uri, sizeof e->uri, uri, "a=extmap uri")))
		return rc;
	e->id = (uint8_t)id;
	m->n_extmaps++;
	return 0;
}

static struct sdp_ssrc *ssrc_entry(struct sdp_media *m, uint32_t ssrc)
{
	for (unsigned i = 0; i < m->n_ssrcs; i++)
		if (m->ssrcs[i].ssrc == ssrc)
			return &m->ssrcs[i];
	if (m->n_ssrcs == SDP_MAX_SSRCS)
		return NULL;
	struct sdp_ssrc *e = &m->ssrcs[m->n_ssrcs++];
	memset(e, 0, sizeof *e);
	e->ssrc = ssrc;
	return e;
}

static int a_ssrc(struct parser *p, struct span v, size_t arg)
{
	uint64_t ssrc;
	int rc = number(p, span_word(&v), UINT32_MAX, &ssrc, "a=ssrc");
	if (rc)
		return rc;
	struct span value = span_trim(v);
	struct span name = span_cut(&value, ':');
	if (name.n == 0)
		return fail(p, "a=ssrc: expected <ssrc> <attribute>[:<value>]");
	struct sdp_ssrc *e = ssrc_entry(p->m, (uint32_t)ssrc);
	if (!e)
		return 0;
	if (span_is(name, "cname"))
		return copy(p, e->cname, sizeof e->cname, span_trim(value), "a=ssrc cname");
	if (span_is(name, "msid"))
		return copy(p, e->msid, sizeof e->msid, span_trim(value), "a=ssrc msid");
	return 0;
}

static int a_ssrc_group(struct parser *p, struct span v, size_t arg)
{
	struct sdp_ssrc_group g;
	memset(&g, 0, sizeof g);  /* padding too: callers may compare whole structs */
	int rc = copy(p, g.semantics, sizeof g.semantics, span_word(&v), "a=ssrc-group semantics");
	for (struct span w = span_word(&v); !rc && w.n; w = span_word(&v)) {
		uint64_t ssrc;
		rc = number(p, w, UINT32_MAX, &ssrc, "a=ssrc-group ssrc");
		if (!rc && g.n < SDP_MAX_SSRCS)
			g.ssrcs[g.n++] = (uint32_t)ssrc;
	}
	if (rc)
		return rc;
	if (g.n == 0)
		return fail(p, "a=ssrc-group without ssrcs");
	if (p->m->n_ssrc_groups < SDP_MAX_SSRC_GROUPS)
		p->m->ssrc_groups[p->m->n_ssrc_groups++] = g;
	return 0;
}

static int a_ice_ufrag(struct parser *p, struct span v, size_t arg)
{
	char *dst = p->m ? p->m->ice_ufrag : p->sess.ice_ufrag;
	return copy(p, dst, sizeof p->sess.ice_ufrag, span_trim(v), "a=ice-ufrag");
}

static int a_ice_pwd(struct parser *p, struct span v, size_t arg)
{
	char *dst = p->m ? p->m->ice_pwd : p->sess.ice_pwd;
	return copy(p, dst, sizeof p->sess.ice_pwd, span_trim(v), "a=ice-pwd");
}

static int a_fingerprint(struct parser *p, struct span v, size_t arg)
{
	char *dst = p->m ? p->m->fingerprint : p->sess.fingerprint;
	struct span rest = v;
	span_word(&rest);
	if (span_word(&rest).n == 0)
		return fail(p, "a=fingerprint: expected <hash> <value>");
	return copy(p, dst, sizeof p->sess.fingerprint, span_trim(v), "a=fingerprint");
}

static int a_setup(struct parser *p, struct span v, size_t arg)
{
	enum sdp_setup *dst = p->m ? &p->m->setup : &p->sess.setup;
	v = span_trim(v);
	if (span_is(v, "actpass"))
		*dst = SDP_SETUP_ACTPASS;
	else if (span_is(v, "active"))
		*dst = SDP_SETUP_ACTIVE;
	else if (span_is(v, "passive"))
		*dst = SDP_SETUP_PASSIVE;
	else if (!span_is(v, "holdconn"))
		return fail(p, "a=setup: expected actpass, active, passive or holdconn");
	return 0;
}

/* arg is the offset of a bool in struct sdp_media. */
static int a_flag(struct parser *p, struct span v, size_t arg)
{
	*(bool *)((char *)p->m + arg) = true;
	return 0;
}

/* Checks the fixed part of RFC 8839 candidate syntax, so that what is
 * stored is fit to hand to the ICE agent. */
static int check_candidate(struct parser *p, struct span v)
{
	struct span foundation = span_word(&v), component = span_word(&v);
	struct span transport = span_word(&v), priority = span_word(&v);
	struct span addr = span_word(&v), port = span_word(&v);
	struct span typ = span_word(&v), type = span_word(&v);
	uint64_t n;
	if (!foundation.n || !transport.n || !addr.n || !span_is(typ, "typ") || !type.n ||
	    !parse_uint(component, 256, &n) || n == 0)
		return fail(p, "a=candidate: expected <foundation> <component> <transport> "
			    "<priority> <address> <port> typ <type>");
	int rc = number(p, priority, UINT32_MAX, &n, "a=candidate priority");
	return rc ? rc : number(p, port, 65535, &n, "a=candidate port");
}

static int a_candidate(struct parser *p, struct span v, size_t arg)
{
	static const char prefix[] = "candidate:";
	struct sdp_media *m = p->m;
	v = span_trim(v);
	int rc = check_candidate(p, v);
	if (rc)
		return rc;
	if (sizeof prefix - 1 + v.n >= sizeof m->candidates[0])
		return fail(p, "a=candidate too long (%zu bytes, at most %zu)", v.n,
			    sizeof m->candidates[0] - sizeof prefix);
	if (m->n_candidates == SDP_MAX_CANDIDATES)
		return 0;
	snprintf(m->candidates[m->n_candidates++], sizeof m->candidates[0], "%s%.*s",
		 prefix, (int)v.n, v.p);
	return 0;
}

static int a_sctp_port(struct parser *p, struct span v, size_t arg)
{
	uint64_t port;
	int rc = number(p, span_trim(v), 65535, &port, "a=sctp-port");
	if (!rc)
		p->m->sctp_port = (uint16_t)port;
	return rc;
}

static int a_max_message_size(struct parser *p, struct span v, size_t arg)
{
	uint64_t size;
	int rc = number(p, span_trim(v), UINT32_MAX, &size, "a=max-message-size");
	if (!rc)
		p->m->max_message_size = (uint32_t)size;
	return rc;
}

static int a_rid(struct parser *p, struct span v, size_t arg)
{
	static const char rid_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	struct sdp_media *m = p->m;
	struct span id = span_word(&v), dir = span_word(&v);
	struct sdp_rid r = { .send = span_is(dir, "send") };
	int rc = copy(p, r.id, sizeof r.id, id, "a=rid id");
	if (!rc && (strspn(r.id, rid_chars) != id.n || !(r.send || span_is(dir, "recv"))))
		return fail(p, "a=rid: expected <id> send|recv [restrictions]");
	for (unsigned i = 0; !rc && i < m->n_rids; i++)
		if (!strcmp(r.id, m->rids[i].id))
			return 0;
	if (!rc && m->n_rids < SDP_MAX_RIDS)
		m->rids[m->n_rids++] = r;
	return rc;
}

enum { AT_SESSION = 1, AT_MEDIA = 2, AT_BOTH = 3 };

struct attr_handler {
	const char *name;
	int (*fn)(struct parser *p, struct span value, size_t arg);
	size_t arg;
	unsigned where;  /* AT_*: elsewhere the attribute is ignored */
};

static const struct attr_handler attr_handlers[] = {
	{ "group", a_group, 0, AT_SESSION },
	{ "mid", a_mid, 0, AT_MEDIA },
	{ "msid", a_msid, 0, AT_MEDIA },
	{ "sendrecv", a_direction, SDP_SENDRECV, AT_BOTH },
	{ "sendonly", a_direction, SDP_SENDONLY, AT_BOTH },
	{ "recvonly", a_direction, SDP_RECVONLY, AT_BOTH },
	{ "inactive", a_direction, SDP_INACTIVE, AT_BOTH },
	{ "rtpmap", a_rtpmap, 0, AT_MEDIA },
	{ "fmtp", a_fmtp, 0, AT_MEDIA },
	{ "rtcp-fb", a_rtcp_fb, 0, AT_MEDIA },
	{ "extmap", a_extmap, 0, AT_MEDIA },
	{ "ssrc", a_ssrc, 0, AT_MEDIA },
	{ "ssrc-group", a_ssrc_group, 0, AT_MEDIA },
	{ "ice-ufrag", a_ice_ufrag, 0, AT_BOTH },
	{ "ice-pwd", a_ice_pwd, 0, AT_BOTH },
	{ "fingerprint", a_fingerprint, 0, AT_BOTH },
	{ "setup", a_setup, 0, AT_BOTH },
	{ "rtcp-mux", a_flag, offsetof(struct sdp_media, rtcp_mux), AT_MEDIA },
	{ "rtcp-rsize", a_flag, offsetof(struct sdp_media, rtcp_rsize), AT_MEDIA },
	{ "candidate", a_candidate, 0, AT_MEDIA },
	{ "end-of-candidates", a_flag, offsetof(struct sdp_media, end_of_candidates), AT_MEDIA },
	{ "bundle-only", a_flag, offsetof(struct sdp_media, bundle_only), AT_MEDIA },
	{ "sctp-port", a_sctp_port, 0, AT_MEDIA },
	{ "max-message-size", a_max_message_size, 0, AT_MEDIA },
	{ "rid", a_rid, 0, AT_MEDIA },
};

static int line_a(struct parser *p, struct span v)
{
	struct span name = span_cut(&v, ':');
	unsigned level = p->m ? AT_MEDIA : AT_SESSION;
	for (size_t i = 0; i < sizeof attr_handlers / sizeof attr_handlers[0]; i++) {
		const struct attr_handler *h = &attr_handlers[i];
		if (span_is(name, h->name))
			return (h->where & level) ? h->fn(p, v, h->arg) : 0;
	}
	return 0;
}

/* ---- other line types ---- */

static int line_v(struct parser *p, struct span v)
{
	if (p->seen_v)
		return fail(p, "duplicate v=");
	p->seen_v = true;
	return span_is(v, "0") ? 0 : fail(p, "unsupported SDP version (v= must be 0)");
}

static int line_o(struct parser *p, struct span v)
{
	uint64_t id, version;
	struct span user = span_word(&v), id_s = span_word(&v), version_s = span_word(&v);
	struct span nettype = span_word(&v), addrtype = span_word(&v), addr = span_word(&v);
	int rc;
	if (p->seen_o)
		return fail(p, "duplicate o=");
	p->seen_o = true;
	if (!user.n || !nettype.n || !addrtype.n || !addr.n || span_trim(v).n)
		return fail(p, "o= needs <username> <sess-id> <sess-version> <nettype> <addrtype> <address>");
	if ((rc = number(p, id_s, UINT64_MAX, &id, "o= session id")) ||
	    (rc = number(p, version_s, UINT64_MAX, &version, "o= session version")))
		return rc;
	p->s->session_id = id;
	p->s->session_version = version;
	return 0;
}

static int line_t(struct parser *p, struct span v)
{
	uint64_t start, stop;
	int rc;
	if ((rc = number(p, span_word(&v), UINT64_MAX, &start, "t= start")) ||
	    (rc = number(p, span_word(&v), UINT64_MAX, &stop, "t= stop")))
		return rc;
	return span_trim(v).n ? fail(p, "t= needs exactly <start> <stop>") : 0;
}

static int line_c(struct parser *p, struct span v)
{
	struct span nettype = span_word(&v), addrtype = span_word(&v), addr = span_word(&v);
	char *dst = p->m ? p->m->connection : p->sess.connection;
	if (!span_is(nettype, "IN") || !(span_is(addrtype, "IP4") || span_is(addrtype, "IP6")) ||
	    span_trim(v).n)
		return fail(p, "c= needs IN IP4|IP6 <address>");
	/* Multicast "/ttl/count" suffixes mean nothing to a unicast server. */
	return copy(p, dst, sizeof p->sess.connection, span_cut(&addr, '/'), "c= address");
}

static int line_b(struct parser *p, struct span v)
{
	struct span type = span_cut(&v, ':');
	uint64_t kbps;
	int rc;
	if (!type.n || !v.n)
		return fail(p, "b= needs <bwtype>:<bandwidth>");
	/* Session-level AS is a total for all media; nothing uses it. */
	if (!span_is(type, "AS") || !p->m)
		return 0;
	if ((rc = number(p, span_trim(v), UINT32_MAX, &kbps, "b=AS")))
		return rc;
	p->m->bandwidth_as_kbps = (uint32_t)kbps;
	return 0;
}

static enum sdp_kind kind_of(struct span s)
{
	if (span_is(s, "audio"))
		return SDP_KIND_AUDIO;
	if (span_is(s, "video"))
		return SDP_KIND_VIDEO;
	if (span_is(s, "application"))
		return SDP_KIND_APPLICATION;
	return SDP_KIND_OTHER;
}

static int line_m(struct parser *p, struct span v)
{
	struct sdp_session *s = p->s;
	uint64_t port, count;
	int rc;
	if (s->n_media == SDP_MAX_MEDIA)
		return fail(p, "more than %d media sections", SDP_MAX_MEDIA);
	struct sdp_media *m = &s->media[s->n_media++];
	memset(m, 0, sizeof *m);
	p->m = m;
	struct span kind = span_word(&v), port_s = span_word(&v), proto = span_word(&v);
	struct span fmt = span_word(&v);
	if (!fmt.n)
		return fail(p, "m= needs <media> <port> <proto> <format>...");
	bool has_count = span_has(port_s, '/');
	struct span port_n = span_cut(&port_s, '/');
	if ((rc = copy(p, m->kind_name, sizeof m->kind_name, kind, "m= media")) ||
	    (rc = number(p, port_n, 65535, &port, "m= port")) ||
	    (has_count && (rc = number(p, port_s, 65535, &count, "m= port count"))) ||
	    (rc = copy(p, m->proto, sizeof m->proto, proto, "m= proto")))
		return rc;
	m->kind = kind_of(kind);
	m->port = (uint16_t)port;
	/* Only RTP formats are payload types; SCTP's "webrtc-datachannel" is not. */
	if (!strstr(m->proto, "RTP/"))
		return 0;
	for (; fmt.n; fmt = span_word(&v))
		if ((rc = add_format(p, m, fmt)))
			return rc;
	return 0;
}

/* ---- driver ---- */

static bool has_control_char(struct span l)
{
	for (size_t i = 0; i < l.n; i++) {
		unsigned char c = (unsigned char)l.p[i];
		/* A stray CR or NUL copied into a field could split the SDP we
		 * later write from it, or cut a C string short. */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static int parse_line(struct parser *p, struct span l)
{
	if (l.n && l.p[l.n - 1] == '\r')
		l.n--;
	if (has_control_char(l))
		return fail(p, "control character or NUL byte in line");
	l = span_trim(l);
	if (l.n == 0)
		return 0;
	char type = l.p[0];
	if (l.n < 2 || l.p[1] != '=' || type < 'a' || type > 'z')
		return fail(p, "expected <letter>=<value>");
	if (!p->seen_v && type != 'v')
		return fail(p, "description must start with v=");
	if (p->m && strchr("vost", type))
		return fail(p, "%c= after the first m=", type);
	struct span v = { l.p + 2, l.n - 2 };
	int rc = 0;
	switch (type) {
	case 'v': rc = line_v(p, v); break;
	case 'o': rc = line_o(p, v); break;
	case 't': rc = line_t(p, v); break;
	case 'c': rc = line_c(p, v); break;
	case 'b': rc = line_b(p, v); break;
	case 'm': rc = line_m(p, v); break;
	case 'a': rc = line_a(p, v); break;
	default: break;  /* s= i= u= e= p= z= k= r=: nothing WebRTC needs */
	}
	if (rc || !p->fn)
		return rc;
	v = span_trim(v);
	const char *why = p->fn(p->fn_arg, p->m ? (int)(p->m - p->s->media) : -1, type, v.p, v.n);
	return why ? fail(p, "%s", why) : 0;
}

static void inherit(struct sdp_media *m, const struct session_defaults *d, bool direction_set)
{
	if (!m->ice_ufrag[0])
		memcpy(m->ice_ufrag, d->ice_ufrag, sizeof m->ice_ufrag);
	if (!m->ice_pwd[0])
		memcpy(m->ice_pwd, d->ice_pwd, sizeof m->ice_pwd);
	if (!m->fingerprint[0])
		memcpy(m->fingerprint, d->fingerprint, sizeof m->fingerprint);
	if (!m->connection[0])
		memcpy(m->connection, d->connection, sizeof m->connection);
	if (m->setup == SDP_SETUP_NONE)
		m->setup = d->setup;
	if (!direction_set && d->has_direction)
		m->direction = d->direction;
}

static int finish(struct parser *p)
{
	struct sdp_session *s = p->s;
	p->line = 0;
	if (!p->seen_v)
		return fail(p, "empty description (no v= line)");
	if (!p->seen_o)
		return fail(p, "missing o= line");
	for (unsigned i = 0; i < s->n_media; i++) {
		inherit(&s->media[i], &p->sess, p->direction_set[i]);
		/* Media are matched by mid everywhere; two alike would alias. */
		for (unsigned j = 0; j < i; j++)
			if (s->media[i].mid[0] && !strcmp(s->media[i].mid, s->media[j].mid))
				return fail(p, "duplicate a=mid:%s", s->media[i].mid);
	}
	return 0;
}

int sdp_parse(struct sdp_session *out, const char *text, size_t len, char *err, size_t errlen)
{
	return sdp_parse_lines(out, text, len, NULL, NULL, err, errlen);
}

int sdp_parse_lines(struct sdp_session *out, const char *text, size_t len, sdp_line_fn *fn,
		    void *arg, char *err, size_t errlen)
{
	struct parser p = { .s = out, .fn = fn, .fn_arg = arg, .err = err, .errlen = errlen };
	size_t pos = 0;
	int rc = 0;
	if (err && errlen)
		err[0] = '\0';
	if (!out || (!text && len))
		return fail(&p, "no output or no text");
	memset(out, 0, offsetof(struct sdp_session, media));
	if (len > SDP_MAX_TEXT) {
		fail(&p, "description of %zu bytes is over the %d byte limit", len, SDP_MAX_TEXT);
		return -E2BIG;
	}
	while (!rc && pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		p.line++;
		rc = parse_line(&p, (struct span){ start, n });
	}
	if (!rc)
		rc = finish(&p);
	if (rc)
		memset(out, 0, offsetof(struct sdp_session, media));
	return rc;
}

const struct sdp_format *sdp_media_format(const struct sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; m && i < m->n_formats; i++)
		if (m->formats[i].pt == pt)
			return &m->formats[i];
	return NULL;
}

uint8_t sdp_media_extmap(const struct sdp_media *m, const char *uri)
{
	for (unsigned i = 0; m && uri && i < m->n_extmaps; i++)
		if (!strcmp(m->extmaps[i].uri, uri))
			return m->extmaps[i].id;
	return 0;
}

uint32_t sdp_media_rtx_ssrc(const struct sdp_media *m, uint32_t ssrc)
{
	for (unsigned i = 0; m && i < m->n_ssrc_groups; i++) {
		const struct sdp_ssrc_group *g = &m->ssrc_groups[i];
		if (!strcmp(g->semantics, "FID") && g->n >= 2 && g->ssrcs[0] == ssrc)
			return g->ssrcs[1];
	}
	return 0;
}
