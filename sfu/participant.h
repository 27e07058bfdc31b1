/* A participant of a room as the media worker sees it: its transport, the
 * tracks it publishes, the m-sections it receives on, and the state of
 * offer/answer with it. Owned by its room; lives on the room's worker. The
 * signaling session on the other thread knows it only by id. */
#ifndef PARLEY_PARTICIPANT_H
#define PARLEY_PARTICIPANT_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sfu/codecs.h"
#include "sfu/consumer.h"
#include "sfu/data_channels.h"
#include "sfu/rtp/twcc_recorder.h"
#include "sfu/sdp.h"

#define PARTICIPANT_ID_MAX 24
#define PARTICIPANT_NAME_MAX 65
#define PARTICIPANT_MAX_SECTIONS SDP_MAX_MEDIA

struct room;
struct producer;
struct transport;

enum section_role { SECTION_PUBLISH, SECTION_DATA, SECTION_CONSUME };

enum participant_kind { PARTICIPANT_BROWSER, PARTICIPANT_SIP, PARTICIPANT_WHIP };

/* Who joins and what they may do; strings are copied. */
struct participant_info {
	const char *id;
	const char *name;
	const char *identity;       /* from a join token; "" when none */
	enum participant_kind kind;
	bool can_publish;           /* audio and video; data channels are open to all */
	bool can_subscribe;
	uint64_t session_id;
};

/* One m-section of this participant's session; index = position in the SDP. */
struct section {
	enum section_role role;
	enum sdp_kind kind;
	char mid[8];
	bool changed;               /* its producer changed since the last offer */
	bool offered_active;        /* the last offer sent media on it */
	struct consumer consumer;   /* SECTION_CONSUME only */
};

struct participant {
	struct room *room;
	char id[PARTICIPANT_ID_MAX];
	char name[PARTICIPANT_NAME_MAX];
	char identity[PARTICIPANT_NAME_MAX];
	enum participant_kind kind;
	bool can_publish, can_subscribe;
	uint64_t session_id;        /* the signaling session to notify */
	int64_t joined_us;
	struct transport *transport; /* owned */
	struct producer *audio;     /* owned, NULL until published */
	struct producer *video;
	uint32_t rtcp_ssrc;         /* sender SSRC of our RTCP feedback to it */
	struct codec_ext_ids ext_in; /* extension ids in its packets (codecs.h) */
	struct twcc_recorder twcc;  /* arrivals of what it publishes */
	struct data_channels data;
	unsigned n_sections;
	struct section *sections;   /* owned; PARTICIPANT_MAX_SECTIONS entries */
	uint64_t sdp_version;
	uint64_t sdp_session_id;
	unsigned offered_sections;  /* how many the outstanding offer had */
	bool offer_outstanding;
	bool renegotiate;           /* a change is waiting for the answer */
	bool answered_once;
	int64_t dtls_done_us;       /* 0 until DTLS completes */
	bool peer_sent_media;       /* an SRTP/SRTCP packet from it decrypted */
	bool connected;             /* media may be sent to it */
	bool audio_muted, video_muted;     /* by the participant: shown to others */
	bool audio_blocked, video_blocked; /* by the API: not forwarded */
	bool leaving;
	GSource *offer_idle;        /* a coalesced offer is scheduled */
	GSource *timeout;           /* transport must connect before it fires */
	GSource *ready_timer;       /* media-ready grace after DTLS (participant.c) */
};

int participant_create(struct participant **out, struct room *room,
		       const struct participant_info *info);
void participant_destroy(struct participant *p);

/* Sends a JSON message to this participant's signaling session (steals msg). */
void participant_notify(struct participant *p, json_t *msg);

/* Sends a new offer now, or after the outstanding one is answered. */
void participant_renegotiate(struct participant *p);
/* Adds a receiving m-section for producer (reusing an inactive one of its kind). */
int participant_subscribe(struct participant *p, struct producer *producer);
/* Handles the participant's answer; returns 0 or -EINVAL with a reason. */
int participant_apply_answer(struct participant *p, const char *sdp, char *err, size_t errlen);
int participant_add_candidate(struct participant *p, const char *candidate);

/* Periodic RTCP (RR and REMB to it as publisher, SR to it as subscriber). */
void participant_send_reports(struct participant *p, int64_t now_us);
/* Transport-wide CC feedback for what arrived since the last call. */
void participant_send_twcc(struct participant *p);

/* Marks media ready once the peer is known to hold its keys (see participant.c). */
void participant_check_media_ready(struct participant *p, int64_t now);

/* The API stops (blocked) or resumes forwarding of one kind of its media. */
void participant_block_media(struct participant *p, enum sdp_kind kind, bool blocked);
const char *participant_kind_name(enum participant_kind kind);

struct consumer *participant_find_consumer(struct participant *p, uint32_t ssrc);

#endif
