/* Offer/answer for WHIP (RFC 9725), where the client writes the offer and
 * Parley answers: the offer is read into a plan (which m-sections are
 * taken, with which codec, the client's payload types, extension ids and
 * SSRCs), and the answer is written from that plan plus Parley's ICE and
 * DTLS parameters. Pure functions on plain data: the plan is made on the
 * calling (HTTP) thread, the answer on the room's worker. Also reads the
 * SDP fragments (RFC 8840) that trickle candidates. */
#ifndef PARLEY_WHIP_NEGOTIATION_H
#define PARLEY_WHIP_NEGOTIATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/codecs.h"
#include "sfu/sdp.h"

#define WHIP_MAX_EXTS 8
#define WHIP_MAX_TRICKLE 32
#define WHIP_CANDIDATE_MAX 256

/* One m-section of the offer and what the answer says to it. */
struct whip_section {
	bool accepted;
	enum sdp_kind kind;
	char kind_name[16];         /* as offered, echoed on the m= line */
	char proto[48];
	char fmt[24];               /* rejected: a format to echo on the port-0 m= line */
	char mid[32];               /* "" when the offer had none */
	/* Accepted sections only. */
	const struct codec *codec;  /* Parley's: subscribers get codec->pt */
	uint8_t pt, rtx_pt;         /* the client's numbers for it; rtx_pt 0 = no RTX */
	char fmtp[256];             /* the client's fmtp for pt */
	unsigned fb;                /* SDP_FB_* that the answer lists */
	bool rtcp_rsize;
	uint8_t n_exts;
	struct sdp_extmap exts[WHIP_MAX_EXTS]; /* echoed with the client's ids */
	struct codec_ext_ids ext_in;
	uint32_t ssrc, rtx_ssrc;    /* 0: learnt from the first packet */
};

/* Large (kilobytes): allocate on the heap. */
struct whip_offer {
	unsigned n_sections;
	struct whip_section sections[SDP_MAX_MEDIA];
	int audio, video;           /* index of the accepted section of each kind, or -1 */
	bool bundle;                /* the answer groups the accepted mids */
	char ice_ufrag[64];
	char ice_pwd[128];
	char fingerprint[160];
	enum sdp_setup peer_setup;  /* the client's DTLS role once answered: ACTIVE or PASSIVE */
	unsigned n_candidates;
	char candidates[SDP_MAX_CANDIDATES][WHIP_CANDIDATE_MAX];
	bool end_of_candidates;
};

/* Reads an offer. Takes the first audio and the first video m-section that
 * send (sendonly/sendrecv) with a codec Parley forwards: Opus; for video
 * the first of video[0..n_video) (the server's video_codecs, in its order)
 * that the offer has with compatible parameters, and its RTX. Every other
 * m-section is rejected. Returns 0, or -EINVAL with the reason in err
 * (unparsable, nothing usable, no ICE or DTLS parameters, no rtcp-mux,
 * audio and video not bundled). */
int whip_offer_read(struct whip_offer *out, const char *sdp, size_t len,
		    const struct codec *const *video, unsigned n_video, char *err, size_t errlen);

/* Parley's half of the answer. */
struct whip_local {
	uint64_t session_id;        /* o= line */
	const char *ice_ufrag, *ice_pwd, *fingerprint;
	const char *const *candidates; /* "candidate:..." */
	unsigned n_candidates;
	bool end_of_candidates;
};

/* The answer (g_free it): accepted sections recvonly with one codec (and
 * its RTX), rejected ones at port 0; a=setup:passive, or active when the
 * client offered passive. The candidates go in the first accepted section,
 * which tags the BUNDLE group. */
char *whip_answer_write(const struct whip_offer *o, const struct whip_local *l);

/* A trickle-ice-sdpfrag body (RFC 8840): ICE credentials and candidates. */
struct whip_sdpfrag {
	char ice_ufrag[64];         /* "" when absent */
	char ice_pwd[128];
	unsigned n_candidates;
	char candidates[WHIP_MAX_TRICKLE][WHIP_CANDIDATE_MAX]; /* "candidate:..." */
	bool end_of_candidates;
};

/* Returns 0, or -EINVAL with the reason in err (control characters,
 * over-long lines, more than WHIP_MAX_TRICKLE candidates). Lines other
 * than the ones above are skipped. */
int whip_sdpfrag_read(struct whip_sdpfrag *out, const char *text, size_t len, char *err,
		      size_t errlen);

#endif
