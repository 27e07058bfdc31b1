/* Our SDP for SIP legs (see sip_sdp.h): the answer to a caller's offer and
 * our own offer, written into a growable buffer with CRLF line ends. o= is
 * versioned by a digest of everything after it, so a re-INVITE that changes
 * nothing keeps the version (RFC 3264 8). Nothing read from the remote text
 * is written back except the m= tokens the parser checked. Pure; any thread;
 * the text returned is the caller's to free. */
#include "sip/sip_sdp_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char opus_fmtp[] = "minptime=10;useinbandfec=1";
static const char te_fmtp[] = "0-16";

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
		put(b, "a=rtpmap:%u %s/%u\r\n", pt, sip_sdp_codec_info[c].name, sip_sdp_codec_info[c].clock);
	}
}

static void put_te(struct buf *b, uint8_t pt, uint32_t clock)
{
	put(b, "a=rtpmap:%u telephone-event/%u\r\n", pt, clock);
	put(b, "a=fmtp:%u %s\r\n", pt, te_fmtp);
}

static void put_crypto(struct buf *b, uint32_t tag, enum sip_srtp_suite suite, const uint8_t *key)
{
	char value[SIP_SDES_VALUE_MAX];
	if (sip_sdes_write(value, tag, suite, key))
		b->failed = true;
	else
		put(b, "a=crypto:%s\r\n", value);
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
	uint64_t digest = sip_sdp_fnv1a(body->p, body->n, SIP_SDP_FNV_BASIS);
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
	int family = local ? sip_sdp_family_of(local->address, NULL) : 0;
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
	int family = local ? sip_sdp_family_of(local->address, NULL) : 0;
	if (!caps || !origin || !family || !caps->n_codecs || caps->n_codecs > SIP_CODEC_COUNT ||
	    caps->n_suites > SIP_SRTP_SUITE_COUNT || (caps->offer_srtp && !caps->n_suites))
		return NULL;
	for (unsigned i = 0; i < caps->n_codecs; i++)
		if ((unsigned)caps->codecs[i] >= SIP_CODEC_COUNT)
			return NULL;
	bool opus = sip_sdp_caps_has_codec(caps, SIP_CODEC_OPUS);
	put_session(&b, local, family);
	put(&b, "m=audio %u %s", local->port, caps->offer_srtp ? "RTP/SAVP" : "RTP/AVP");
	for (unsigned i = 0; i < caps->n_codecs; i++)
		put(&b, " %u", sip_sdp_codec_info[caps->codecs[i]].pt);
	if (caps->telephone_event)
		put(&b, " %u", SIP_SDP_PT_TE_8000);
	if (caps->telephone_event && opus)
		put(&b, " %u", SIP_SDP_PT_TE_48000);
	put(&b, "\r\n");
	for (unsigned i = 0; i < caps->n_codecs; i++)
		put_codec(&b, caps->codecs[i], sip_sdp_codec_info[caps->codecs[i]].pt);
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
