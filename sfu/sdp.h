/* SDP (RFC 8866) as WebRTC uses it (RFC 8829 / JSEP, BUNDLE, ICE, DTLS-SRTP,
 * RFC 8841 data channels): parsing into fixed-size structs. Anything past a
 * limit is ignored or reported, never overflowed. Runs on control paths only;
 * struct sdp_session is large, so callers allocate it on the heap. */
#ifndef PARLEY_SDP_H
#define PARLEY_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_TEXT (256 * 1024)
#define SDP_MAX_MEDIA 64
#define SDP_MAX_FORMATS 32
#define SDP_MAX_EXTMAPS 16
#define SDP_MAX_SSRCS 8
#define SDP_MAX_SSRC_GROUPS 4
#define SDP_MAX_CANDIDATES 16
#define SDP_MAX_BUNDLE 64
#define SDP_MAX_RIDS 8

enum sdp_kind { SDP_KIND_AUDIO, SDP_KIND_VIDEO, SDP_KIND_APPLICATION, SDP_KIND_OTHER };
enum sdp_direction { SDP_SENDRECV, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };
enum sdp_setup { SDP_SETUP_NONE, SDP_SETUP_ACTPASS, SDP_SETUP_ACTIVE, SDP_SETUP_PASSIVE };

/* rtcp-fb flags */
enum {
	SDP_FB_NACK = 1 << 0, SDP_FB_NACK_PLI = 1 << 1, SDP_FB_CCM_FIR = 1 << 2,
	SDP_FB_REMB = 1 << 3, SDP_FB_TWCC = 1 << 4,
};

struct sdp_format {
	uint8_t pt;
	char name[32];        /* "opus", "VP8", "rtx", "telephone-event" ... as written */
	uint32_t clock_rate;
	uint8_t channels;     /* 0 when absent */
	char fmtp[256];       /* parameters after "a=fmtp:PT ", "" when absent */
	unsigned fb;          /* SDP_FB_* */
	int apt;              /* rtx: associated payload type from fmtp apt=, else -1 */
};

struct sdp_extmap {
	uint8_t id;
	char uri[128];
};

struct sdp_ssrc {
	uint32_t ssrc;
	char cname[64];
	char msid[128];       /* "stream track" from a=ssrc:N msid: */
};

struct sdp_ssrc_group {
	char semantics[16];   /* "FID", "SIM", ... */
	uint8_t n;
	uint32_t ssrcs[SDP_MAX_SSRCS];
};

struct sdp_rid {
	char id[32];          /* RFC 8851 rid-id: letters, digits, '-', '_' */
	bool send;            /* "send" (else "recv"), from the writer's side */
};

struct sdp_media {
	enum sdp_kind kind;
	char kind_name[16];   /* as written on the m= line */
	uint16_t port;
	char proto[48];
	char mid[32];
	enum sdp_direction direction;
	char msid[128];       /* a=msid: value, "" when absent */
	uint8_t n_formats;
	struct sdp_format formats[SDP_MAX_FORMATS];
	uint8_t n_extmaps;
	struct sdp_extmap extmaps[SDP_MAX_EXTMAPS];
	uint8_t n_ssrcs;
	struct sdp_ssrc ssrcs[SDP_MAX_SSRCS];
	uint8_t n_ssrc_groups;
	struct sdp_ssrc_group ssrc_groups[SDP_MAX_SSRC_GROUPS];
	/* ICE and DTLS: media level, or inherited from session level */
	char ice_ufrag[64];
	char ice_pwd[128];
	char fingerprint[160];  /* "sha-256 AB:CD:..." */
	enum sdp_setup setup;
	bool rtcp_mux;
	bool rtcp_rsize;
	uint8_t n_candidates;
	char candidates[SDP_MAX_CANDIDATES][256]; /* value after "a=candidate:" prefix, i.e. "candidate:..." */
	bool end_of_candidates;
	bool bundle_only;     /* a=bundle-only (RFC 8843): port 0 yet not rejected */
	/* data channels (RFC 8841) */
	uint16_t sctp_port;
	uint32_t max_message_size;
	uint32_t bandwidth_as_kbps; /* b=AS, 0 when absent */
	/* c= address without /ttl: media level, or inherited from session level;
	 * "" when absent. Plain RTP peers (SIP) send to it. */
	char connection[64];
	uint8_t n_rids;
	struct sdp_rid rids[SDP_MAX_RIDS];  /* a=rid lines, in order (simulcast) */
};

struct sdp_session {
	uint64_t session_id;
	uint64_t session_version;
	uint8_t n_bundle;
	char bundle[SDP_MAX_BUNDLE][32];  /* mids of a=group:BUNDLE */
	uint8_t n_media;
	struct sdp_media media[SDP_MAX_MEDIA];
};

/* Parses text (need not be NUL-terminated; CRLF or LF line ends). Returns 0,
 * or -EINVAL / -E2BIG with a human-readable reason in err; on failure out has
 * no media and no bundle. Control characters other than tab are rejected, so
 * parsed strings are safe to write back into SDP. Static payload types (0, 8,
 * 9, ...) get their RFC 3551 name and clock without an rtpmap. Session-level
 * direction and c= are inherited like ICE and DTLS. A repeated mid is an error. */
int sdp_parse(struct sdp_session *out, const char *text, size_t len, char *err, size_t errlen);

/* Sees each line that sdp_parse accepted, after the parser took from it what
 * it keeps: type is the line's letter, value what follows "=" (blanks trimmed,
 * no CR; a view into the text, not NUL-terminated), media the index of the
 * current m-section or -1 at session level. Returns NULL to go on, or a reason
 * that fails the parse (the parser adds the line number). For callers that need
 * lines the structs do not keep (SIP: a=crypto, a=rtcp, a=ptime). */
typedef const char *sdp_line_fn(void *arg, int media, char type, const char *value, size_t len);

/* sdp_parse, calling fn (unless NULL) with arg for every accepted line. */
int sdp_parse_lines(struct sdp_session *out, const char *text, size_t len, sdp_line_fn *fn,
		    void *arg, char *err, size_t errlen);

/* The format with this payload type, or NULL. */
const struct sdp_format *sdp_media_format(const struct sdp_media *m, uint8_t pt);
/* The extmap id for uri, or 0. */
uint8_t sdp_media_extmap(const struct sdp_media *m, const char *uri);
/* The RTX ssrc paired with primary ssrc by a=ssrc-group:FID, or 0. */
uint32_t sdp_media_rtx_ssrc(const struct sdp_media *m, uint32_t ssrc);

#endif
