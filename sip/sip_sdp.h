/* SDP offer/answer for SIP call legs (RFC 3264 on sfu/sdp.c's parser).
 *
 * A SIP leg carries one audio stream: PCMU, PCMA, G.722 or Opus, RFC 4733
 * telephone-event, over plain RTP (RTP/AVP) or SDES-SRTP (RTP/SAVP, RFC 4568),
 * RTCP on port + 1 or muxed (RFC 5761). The flows:
 *
 *   INVITE with SDP:  sip_sdp_parse -> sip_sdp_negotiate -> sip_sdp_build_answer
 *   INVITE without:   sip_sdp_build_offer (in the 200) ... ACK's SDP:
 *                     sip_sdp_parse -> sip_sdp_negotiate_answer
 *   re-INVITE:        the same with the call's struct sip_sdp_origin, so o=
 *                     keeps its id and the version grows when the SDP changes
 *
 * Hold is read from the caller's direction (sendonly, inactive, or c=0.0.0.0
 * as in RFC 2543) and answered with the mirror direction; a changed address
 * or port simply shows up in the new struct sip_media_choice.
 *
 * Pure: no threads, sockets, clocks, randomness or global state. Every struct
 * is plain data owned by the caller (the SIP call); the functions touch only
 * their arguments, so any thread may call them on structs it owns. Parsing
 * takes a temporary sfu/sdp.h session (about 1.2 MB) from the heap, unless
 * the caller lends one; builders return text from malloc that the caller
 * frees. Everything written uses CRLF.
 */
#ifndef PARLEY_SIP_SDP_H
#define PARLEY_SIP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/sdp.h"

struct srtp_keys;

#define SIP_SDP_MAX_MEDIA 16   /* m-lines in a description; more fail the parse */
#define SIP_SDP_MAX_AUDIO 4    /* audio m-lines examined; later ones are refused */
#define SIP_SDP_MAX_CODECS 8   /* known codec entries kept per audio m-line */
#define SIP_SDP_MAX_CRYPTO 8   /* usable a=crypto lines kept per audio m-line */
#define SIP_SDP_ADDR_MAX 46    /* an IPv6 literal and its NUL */
#define SIP_SRTP_MAX_KEY 44    /* master key || salt: AEAD_AES_256_GCM's 32 + 12 */

/* The payload types of our own offers (answers reuse the caller's). */
#define SIP_SDP_PT_PCMU 0
#define SIP_SDP_PT_PCMA 8
#define SIP_SDP_PT_G722 9
#define SIP_SDP_PT_TE_8000 101
#define SIP_SDP_PT_TE_48000 110
#define SIP_SDP_PT_OPUS 111

enum sip_codec { SIP_CODEC_PCMU, SIP_CODEC_PCMA, SIP_CODEC_G722, SIP_CODEC_OPUS, SIP_CODEC_COUNT };

enum sip_srtp_suite {
	SIP_SRTP_NONE,                    /* plain RTP */
	SIP_SRTP_AES_CM_128_HMAC_SHA1_80, /* RFC 4568; 30-byte key || salt */
	SIP_SRTP_AES_CM_128_HMAC_SHA1_32, /* RFC 4568; 30 bytes; SRTCP keeps the 80-bit tag */
	SIP_SRTP_AEAD_AES_128_GCM,        /* RFC 7714; 28 bytes */
	SIP_SRTP_AEAD_AES_256_GCM,        /* RFC 7714; 44 bytes */
	SIP_SRTP_SUITE_COUNT
};

/* The m= transport. AVPF/SAVPF are accepted and treated as AVP/SAVP (we send
 * no feedback); anything else (DTLS's UDP/TLS/RTP/SAVP, TCP) is refused. */
enum sip_rtp_profile { SIP_PROFILE_AVP, SIP_PROFILE_AVPF, SIP_PROFILE_SAVP, SIP_PROFILE_SAVPF,
		       SIP_PROFILE_OTHER };

/* The peer's Opus fmtp (RFC 7587): how it wants to receive. 0 = absent. */
struct sip_opus_params {
	bool stereo, sprop_stereo, fec, dtx, cbr;
	uint32_t max_playback_rate;   /* 8000..48000 */
	uint32_t max_average_bitrate; /* 6000..510000 */
};

struct sip_sdp_codec {
	enum sip_codec codec;
	uint8_t pt;
	struct sip_opus_params opus;  /* Opus only */
};

/* One usable a=crypto line: an inline key with no MKI, no session parameters
 * other than KDR=0 and WSH. */
struct sip_sdp_crypto {
	uint32_t tag;
	enum sip_srtp_suite suite;
	uint8_t key_len;              /* sip_srtp_suite_key_len(suite) */
	uint8_t key[SIP_SRTP_MAX_KEY];
	uint64_t lifetime;            /* packets; 0 when absent */
};

/* One audio m-line of a remote description. */
struct sip_sdp_audio {
	uint8_t media;                /* its index among the m-lines */
	uint16_t port;                /* 0: refused or disabled */
	enum sip_rtp_profile profile;
	char proto[48];               /* as written */
	char address[SIP_SDP_ADDR_MAX]; /* c= (media level, else session level); "" if none */
	int family;                   /* AF_INET, AF_INET6; 0 when address is not an IP literal */
	bool hold_address;            /* c= is 0.0.0.0 or :: (RFC 2543 hold): never send there */
	uint16_t rtcp_port;           /* a=rtcp (RFC 3605), else port + 1; 0 if none */
	char rtcp_address[SIP_SDP_ADDR_MAX]; /* a=rtcp's address, else address */
	bool rtcp_mux;
	enum sdp_direction direction; /* as written: media level, else session level */
	uint16_t ptime, maxptime;     /* ms; 0 when absent or not a whole number */
	uint8_t n_codecs;
	struct sip_sdp_codec codecs[SIP_SDP_MAX_CODECS]; /* known codecs, in m= order */
	int te_8000_pt, te_48000_pt;  /* telephone-event payload types; -1 when absent */
	uint8_t n_crypto;
	struct sip_sdp_crypto crypto[SIP_SDP_MAX_CRYPTO]; /* in the offer's order */
	uint8_t n_crypto_refused;     /* a=crypto lines we cannot use (at most 255) */
	char crypto_problem[96];      /* why the first of them was refused */
	char formats[160];            /* every offered format, for messages ("... " if cut) */
};

/* A remote description: the caller's offer, or its answer to our offer. */
struct sip_media_offer {
	uint64_t session_id, session_version;
	uint8_t n_media;
	struct {
		char kind[16];        /* "audio", "video", ... as written */
		char proto[48];
		char format[32];      /* the first format: what a refusal echoes */
		uint16_t port;
	} media[SIP_SDP_MAX_MEDIA];
	uint8_t n_audio;
	struct sip_sdp_audio audio[SIP_SDP_MAX_AUDIO]; /* audio m-lines, in order */
};

/* What we accept and offer: configuration, read-only during calls. */
struct sip_local_caps {
	uint8_t n_codecs;
	enum sip_codec codecs[SIP_CODEC_COUNT];  /* preference order */
	bool telephone_event;                    /* accept and offer RFC 4733 */
	uint8_t n_suites;
	enum sip_srtp_suite suites[SIP_SRTP_SUITE_COUNT]; /* SDES suites accepted, in our offer's order;
							     none: RTP/SAVP offers get 488 */
	bool offer_srtp;       /* our offers use RTP/SAVP with a=crypto per suite (else RTP/AVP) */
	bool rtcp_mux;         /* accept a=rtcp-mux, and offer it */
	uint16_t ptime;        /* ms we ask for in a=ptime */
};

/* Our side of one call: owned by the call, changed between offers. */
struct sip_local_media {
	char address[SIP_SDP_ADDR_MAX];   /* an IP literal, written in o= and c=; of the
					     family of the caller's address when answering */
	uint16_t port;                    /* RTP; RTCP on port + 1 unless muxed */
	enum sdp_direction direction;     /* what we want: SDP_SENDRECV unless we hold */
	uint8_t srtp_key[SIP_SRTP_MAX_KEY]; /* random master key || salt from the caller;
					       each suite takes its first key_len bytes */
};

/* o= across one call's offers and answers: the id stays, the version grows
 * by one whenever what we write differs from the last time (RFC 3264 8). */
struct sip_sdp_origin {
	uint64_t id, version;
	uint64_t digest;       /* of the last description, o= excluded */
	bool used;
};

/* The outcome of one offer/answer: everything the media leg needs. */
struct sip_media_choice {
	uint8_t media;                      /* index of the accepted m-line */
	enum sip_rtp_profile profile;
	int family;                         /* AF_INET or AF_INET6 */
	char address[SIP_SDP_ADDR_MAX];     /* where we send RTP ... */
	uint16_t port;
	char rtcp_address[SIP_SDP_ADDR_MAX]; /* ... and RTCP (the same when muxed) */
	uint16_t rtcp_port;
	bool rtcp_mux;
	enum sdp_direction direction;       /* ours, as written in our SDP */
	bool send, recv;                    /* direction, spelled out */
	enum sip_codec codec;
	uint8_t send_pt, recv_pt;           /* the peer's number and ours (equal when we answer) */
	uint32_t clock_rate;                /* RTP clock: 8000, or 48000 for Opus */
	struct sip_opus_params opus;        /* the peer's Opus fmtp */
	uint16_t send_ptime;                /* ms per packet we send: the peer's ptime if usable, else 20 */
	uint16_t recv_ptime;                /* what we asked for */
	bool telephone_event;
	uint8_t te_send_pt, te_recv_pt;
	uint32_t te_clock;
	enum sip_srtp_suite srtp;           /* SIP_SRTP_NONE: plain RTP */
	uint32_t crypto_tag;
	uint8_t key_len;
	uint8_t remote_key[SIP_SRTP_MAX_KEY]; /* protects what we receive */
	uint8_t local_key[SIP_SRTP_MAX_KEY];  /* protects what we send (from sip_local_media) */
};

const char *sip_codec_name(enum sip_codec c);              /* "opus", "G722", ... */
const char *sip_srtp_suite_name(enum sip_srtp_suite s);    /* as in a=crypto */
size_t sip_srtp_suite_key_len(enum sip_srtp_suite s);      /* 0 for SIP_SRTP_NONE */

/* Defaults: codecs opus, G722 (only when g722), PCMU, PCMA; telephone-event;
 * suites AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, AEAD_AES_256_GCM (those
 * srtp_session can run); plain RTP in our offers; rtcp-mux; ptime 20. */
void sip_local_caps_init(struct sip_local_caps *c, bool g722);
/* Sets the codec preference from "opus,G722,PCMU,PCMA" (names in any case,
 * comma-separated, blanks allowed). Returns 0 or -EINVAL (unknown, repeated,
 * empty) with a reason; c is unchanged then. */
int sip_local_caps_set_codecs(struct sip_local_caps *c, const char *list, char *err, size_t errlen);

/* id: a random number from the caller (kept below 2^63). */
void sip_sdp_origin_init(struct sip_sdp_origin *o, uint64_t id);

/* Reads a remote description (need not be NUL-terminated; CRLF or LF).
 * Returns 0; -EINVAL or -E2BIG (not SDP, or an a=rtcp/a=rtpmap/m= line we
 * cannot read: a 400 or 488) with a reason in err; -ENOMEM. Unusable a=crypto
 * lines and unknown codecs are recorded, not fatal: negotiation decides. */
int sip_sdp_parse(struct sip_media_offer *out, const char *text, size_t len, char *err,
		  size_t errlen);
/* The same with a parser session the caller lends (and may reuse), for a
 * thread that parses often: the SIP thread, a fuzzer. Its contents are
 * overwritten and mean nothing afterwards. */
int sip_sdp_parse_with(struct sip_media_offer *out, struct sdp_session *scratch,
		       const char *text, size_t len, char *err, size_t errlen);

/* Answers the caller's offer: the first audio m-line (with a port) that
 * works, our codec preference among what it offers, telephone-event if
 * offered (the one with the codec's clock first), SDES-SRTP for RTP/SAVP with
 * the first offered crypto line we support, plain RTP for RTP/AVP. Returns 0,
 * or -ENOTSUP with a reason fit for a 488 in err. */
int sip_sdp_negotiate(const struct sip_media_offer *offer, const struct sip_local_caps *caps,
		      const struct sip_local_media *local, struct sip_media_choice *out,
		      char *err, size_t errlen);

/* Reads the caller's answer to sip_sdp_build_offer(caps, local) (delayed
 * offer: the SDP in the ACK). The answer must keep our one m-line, our
 * transport and, for SRTP, one of our crypto tags with its suite; the
 * codec is the first one in the answer that we offered. Returns 0, or
 * -ENOTSUP with a reason (the call cannot go on: BYE). */
int sip_sdp_negotiate_answer(const struct sip_media_offer *answer,
			     const struct sip_local_caps *caps,
			     const struct sip_local_media *local, struct sip_media_choice *out,
			     char *err, size_t errlen);

/* Our answer to offer, as choice says: every other m-line refused with port
 * 0. Updates origin. NULL when local->address is not an IP literal or
 * memory runs out. */
char *sip_sdp_build_answer(const struct sip_media_offer *offer,
			   const struct sip_media_choice *choice,
			   const struct sip_local_media *local, struct sip_sdp_origin *origin);

/* Our offer (delayed offer, or a re-INVITE without SDP): every codec in caps
 * plus telephone-event (at 8000, and 48000 when Opus is offered), RTP/SAVP
 * with one a=crypto per suite (tags 1, 2, ...) when caps->offer_srtp.
 * Updates origin. NULL on a bad address, offer_srtp without suites, or no
 * memory. */
char *sip_sdp_build_offer(const struct sip_local_caps *caps, const struct sip_local_media *local,
			  struct sip_sdp_origin *origin);

/* The negotiated SDES keys for sfu/transport/srtp_session.h. Returns 0,
 * -EINVAL for plain RTP, or -ENOTSUP for AES_CM_128_HMAC_SHA1_32, which
 * srtp_session has no profile for yet. */
int sip_sdp_srtp_keys(const struct sip_media_choice *c, struct srtp_keys *out);

#endif
