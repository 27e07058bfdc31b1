/* SDES (RFC 4568): a=crypto lines read from a remote description and
 * written into ours, the suites we know and the keys they hand to
 * sfu/transport/srtp_session.h. Inline keys are standard base64 with optional
 * padding (base/base64.h); like most stacks we do not insist on zero spare
 * bits. A line we cannot use is counted with a reason, never fatal: the
 * negotiation in sip_sdp.c decides. Pure; any thread. */
#include "sip/sip_sdp_internal.h"

#include <errno.h>
#include <stdio.h>

#include "base/base64.h"
#include "base/error_text.h"
#include "sfu/transport/srtp_session.h"

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

const char *sip_srtp_suite_name(enum sip_srtp_suite s)
{
	return (unsigned)s < SIP_SRTP_SUITE_COUNT ? suite_info[s].name : "?";
}

size_t sip_srtp_suite_key_len(enum sip_srtp_suite s)
{
	return (unsigned)s < SIP_SRTP_SUITE_COUNT ? suite_info[s].key_len : 0;
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
		return error_text(why, whylen, false, "key method is not inline:");
	v.p += 7, v.n -= 7;
	if (memchr(v.p, ';', v.n))
		return error_text(why, whylen, false, "several keys are not supported");
	for (const char *p = v.p, *end = v.p + v.n;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (n == 3)
			return error_text(why, whylen, false, "too many | fields");
		part[n++] = (struct view){ p, bar ? (size_t)(bar - p) : (size_t)(end - p) };
		if (!bar)
			break;
		p = bar + 1;
	}
	for (unsigned i = 1; i < n; i++)
		if (memchr(part[i].p, ':', part[i].n))
			return error_text(why, whylen, false, "MKI is not supported");
	if (n == 3 || (n == 2 && !parse_lifetime(part[1], &c->lifetime)))
		return error_text(why, whylen, false, "bad lifetime \"%.*s\"",
				  (int)(part[1].n > 24 ? 24 : part[1].n), part[1].p);
	int len = base64_decode(part[0].p, part[0].n, BASE64_STD, BASE64_PAD | BASE64_LAX_BITS,
				 key, sizeof key);
	if (len < 0)
		return error_text(why, whylen, false, "key is not base64");
	if ((size_t)len != suite_info[c->suite].key_len)
		return error_text(why, whylen, false, "key of %d bytes where %s needs %u", len,
				  suite_info[c->suite].name, suite_info[c->suite].key_len);
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
		return error_text(why, whylen, false, "expected <tag> <suite> inline:<key>");
	c->tag = (uint32_t)tag;
	c->suite = suite_of(suite_s);
	if (c->suite == SIP_SRTP_NONE)
		return error_text(why, whylen, false, "tag %u: suite %.*s not supported", c->tag,
				  (int)(suite_s.n > 40 ? 40 : suite_s.n), suite_s.p);
	if (!parse_key_params(key_s, c, why, whylen))
		return false;
	for (struct view w = next_word(&v); w.n; w = next_word(&v))
		if (!session_param_ok(w))
			return error_text(why, whylen, false,
					  "tag %u: session parameter %.*s not supported", c->tag,
					  (int)(w.n > 32 ? 32 : w.n), w.p);
	return true;
}

void sip_sdes_add_crypto(struct sip_sdp_audio *a, struct view v)
{
	struct sip_sdp_crypto c;
	char why[sizeof a->crypto_problem];
	bool ok = parse_crypto(v, &c, why, sizeof why);
	for (unsigned i = 0; ok && i < a->n_crypto; i++)
		if (a->crypto[i].tag == c.tag)
			ok = error_text(why, sizeof why, false, "tag %u: used twice", c.tag);
	if (ok && a->n_crypto < SIP_SDP_MAX_CRYPTO) {
		a->crypto[a->n_crypto++] = c;
	} else if (!ok) {
		if (!a->n_crypto_refused)
			snprintf(a->crypto_problem, sizeof a->crypto_problem, "%s", why);
		if (a->n_crypto_refused < UINT8_MAX)
			a->n_crypto_refused++;
	}
}

int sip_sdes_write(char out[SIP_SDES_VALUE_MAX], uint32_t tag, enum sip_srtp_suite suite,
		   const uint8_t *key)
{
	char b64[(SIP_SRTP_MAX_KEY + 2) / 3 * 4 + 1];
	if (suite == SIP_SRTP_NONE || (unsigned)suite >= SIP_SRTP_SUITE_COUNT ||
	    base64_encode(key, suite_info[suite].key_len, BASE64_STD, BASE64_PAD, b64, sizeof b64) < 0)
		return -EINVAL;
	snprintf(out, SIP_SDES_VALUE_MAX, "%u %s inline:%s", tag, suite_info[suite].name, b64);
	return 0;
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
