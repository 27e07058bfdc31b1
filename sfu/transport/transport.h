/* One WebRTC transport (BUNDLE + rtcp-mux, so one ICE component): libnice
 * for ICE, dtls_conn for the handshake, srtp_session for media keys. Demuxes
 * what arrives (RFC 7983) and hands decrypted RTP and RTCP to its owner.
 * Owned by one participant; lives and runs on that participant's worker. */
#ifndef PARLEY_TRANSPORT_H
#define PARLEY_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/sdp.h"

struct worker;
struct dtls_identity;

struct transport_config {
	const char *ice_addresses;  /* comma list or "" for all interfaces */
	const char *public_ip;      /* "" for none */
	unsigned port_min, port_max;
	/* The peer wrote the offer (WHIP), so it controls ICE (RFC 8445 6.1.1);
	 * otherwise we offered and control. */
	bool ice_controlled;
};

struct transport_callbacks {
	/* Decrypted RTP/RTCP; buf is writable scratch owned by the transport until return. */
	void (*rtp)(void *arg, uint8_t *buf, size_t len);
	void (*rtcp)(void *arg, uint8_t *buf, size_t len);
	/* A local candidate, "candidate:..." (no "a="), or NULL at end of gathering. */
	void (*candidate)(void *arg, const char *candidate);
	/* DTLS done: media may flow. */
	void (*connected)(void *arg);
	/* ICE failed, DTLS failed or closed by the peer. */
	void (*failed)(void *arg, const char *reason);
	/* Data channels (SCTP over DTLS): the association is up; a complete
	 * message on a stream; the peer closed a stream. */
	void (*data_ready)(void *arg);
	void (*data)(void *arg, uint16_t stream, uint32_t ppid, const uint8_t *data, size_t len);
	void (*data_closed)(void *arg, uint16_t stream);
};

struct transport;

int transport_create(struct transport **out, struct worker *w, const struct transport_config *cfg,
		     struct dtls_identity *id, const struct transport_callbacks *cb, void *arg);
void transport_destroy(struct transport *t);

/* Starts gathering; candidates arrive through cb->candidate. */
int transport_gather(struct transport *t);
void transport_local_credentials(struct transport *t, const char **ufrag, const char **pwd);
/* True once gathering has finished. With host candidates only, libnice
 * finishes inside transport_gather. */
bool transport_gathering_done(const struct transport *t);
/* Calls fn with each local candidate gathered so far, "candidate:..." as
 * cb->candidate gets them (public_ip copies included). */
void transport_local_candidates(struct transport *t, void (*fn)(void *arg, const char *candidate),
				void *arg);
/* The peer's ICE ufrag from transport_set_remote, "" before. */
const char *transport_remote_ufrag(const struct transport *t);

/* From the peer's answer: ICE credentials, fingerprint and its DTLS setup
 * (active → we are the DTLS server; passive → client). Only the first call
 * takes effect; later answers must carry the same credentials. Returns 0 or -EINVAL. */
int transport_set_remote(struct transport *t, const char *ufrag, const char *pwd,
			 const char *fingerprint, enum sdp_setup peer_setup);
/* "candidate:..." line from SDP or trickle. Returns 0 or -EINVAL. */
int transport_add_remote_candidate(struct transport *t, const char *candidate);

bool transport_is_connected(const struct transport *t);

struct sctp_reliability;
/* The answer accepted data channels: SCTP starts once DTLS is up. Only the
 * first call takes effect. */
void transport_enable_data(struct transport *t, uint16_t remote_port, size_t max_message);
/* 0, or -ENOTCONN / -EAGAIN / -EMSGSIZE / -EIO as sctp_assoc_send. */
int transport_send_data(struct transport *t, uint16_t stream, uint32_t ppid, const uint8_t *data,
			size_t len, const struct sctp_reliability *rel);
void transport_close_data_stream(struct transport *t, uint16_t stream);
/* Streams we open use even ids when we are the DTLS client, odd otherwise (RFC 8832). */
bool transport_is_dtls_client(const struct transport *t);
const char *transport_srtp_profile(const struct transport *t);

/* Protects buf in place (cap must leave room for the tag) and sends it.
 * Returns 0 or a negative errno; never logs above debug. */
int transport_send_rtp(struct transport *t, uint8_t *buf, size_t len, size_t cap);
int transport_send_rtcp(struct transport *t, uint8_t *buf, size_t len, size_t cap);

/* Bench hook (bench/forward): hands buf to exactly what libnice's receive
 * callback runs (demux, DTLS or SRTP unprotect in place, then cb->rtp or
 * cb->rtcp), without a socket. Call on t's worker; buf is modified. */
void transport_inject_datagram(struct transport *t, uint8_t *buf, size_t len);

#endif
