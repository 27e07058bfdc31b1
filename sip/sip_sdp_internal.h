/* What sip_sdp.c (parse, negotiate), sip_sdp_write.c (offer and answer
 * builders) and sip_sdes.c (a=crypto) share, and nothing else includes:
 * read-only views over the remote text, the codec table, and the few helpers
 * more than one of them needs. No state; any thread. */
#ifndef PARLEY_SIP_SDP_INTERNAL_H
#define PARLEY_SIP_SDP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sip/sip_sdp.h"

/* ---- words and numbers over views ---- */

struct view {
	const char *p;
	size_t n;
};

/* The part before sep (all of it when absent); rest keeps what follows. */
static inline struct view cut(struct view *rest, char sep)
{
	const char *q = rest->n ? memchr(rest->p, sep, rest->n) : NULL;
	struct view head = { rest->p, q ? (size_t)(q - rest->p) : rest->n };
	size_t used = q ? head.n + 1 : head.n;
	rest->p += used, rest->n -= used;
	return head;
}

static inline struct view trim(struct view v)
{
	while (v.n && (*v.p == ' ' || *v.p == '\t'))
		v.p++, v.n--;
	while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
		v.n--;
	return v;
}

/* The next word, split at spaces and trimmed of blanks: exactly as sfu/sdp.c
 * reads words, so that what we echo is what it checked. */
static inline struct view next_word(struct view *rest)
{
	*rest = trim(*rest);
	return trim(cut(rest, ' '));
}

static inline bool view_is(struct view v, const char *lit)
{
	return v.n == strlen(lit) && memcmp(v.p, lit, v.n) == 0;
}

static inline bool view_case_is(struct view v, const char *lit)
{
	return v.n == strlen(lit) && strncasecmp(v.p, lit, v.n) == 0;
}

/* Digits only, 1..maxdigits of them (leading zeros count), value at most max. */
static inline bool view_uint(struct view v, size_t maxdigits, uint64_t max, uint64_t *out)
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

#define SIP_SDP_FNV_BASIS 0xcbf29ce484222325ULL

static inline uint64_t sip_sdp_fnv1a(const char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- sip_sdp.c ---- */

struct sip_sdp_codec_info {
	const char *name;
	uint32_t clock;
	uint8_t pt;         /* in our offers */
};
extern const struct sip_sdp_codec_info sip_sdp_codec_info[SIP_CODEC_COUNT];

/* AF_INET or AF_INET6 for an IP literal, else 0; *zero when unspecified. */
int sip_sdp_family_of(const char *addr, bool *zero);
bool sip_sdp_caps_has_codec(const struct sip_local_caps *caps, enum sip_codec c);

/* ---- sip_sdes.c ---- */

/* Reads one a=crypto value (after "crypto:") into a->crypto, or counts it
 * in a->n_crypto_refused with the first reason in a->crypto_problem. */
void sip_sdes_add_crypto(struct sip_sdp_audio *a, struct view v);

/* "<tag> <suite> inline:<base64 key||salt>" with a NUL: at most 10 + 1 + 23
 * + 8 + 60 characters. */
#define SIP_SDES_VALUE_MAX 112
/* Writes a=crypto's value for suite (not SIP_SRTP_NONE) and its key_len
 * bytes of key into out. Returns 0, or -EINVAL for a bad suite. */
int sip_sdes_write(char out[SIP_SDES_VALUE_MAX], uint32_t tag, enum sip_srtp_suite suite,
		   const uint8_t *key);

#endif
