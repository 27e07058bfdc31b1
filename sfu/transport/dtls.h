/* DTLS 1.2 (OpenSSL) for DTLS-SRTP (RFC 5764) over memory BIOs: the caller
 * feeds datagrams in and sends what the send callback gives out. One
 * dtls_conn per PeerConnection, used only on its worker thread. The identity
 * (ECDSA P-256 certificate made at start) is process-wide and read-only after
 * creation, so workers share it without locks. */
#ifndef PARLEY_DTLS_H
#define PARLEY_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/transport/srtp_session.h"

struct dtls_identity;

/* Makes a fresh self-signed ECDSA P-256 certificate. Returns 0 or -EIO. */
int dtls_identity_create(struct dtls_identity **out);
void dtls_identity_destroy(struct dtls_identity *id);
/* "sha-256 AB:CD:..." as it goes after "a=fingerprint:". */
const char *dtls_identity_fingerprint(const struct dtls_identity *id);
/* Replaces the DTLS-SRTP profiles id offers as a client, or accepts as a
 * server in this order of preference: OpenSSL names separated by ':', e.g.
 * "SRTP_AES128_CM_SHA1_80". A load generator uses it to force one profile.
 * Call before any dtls_conn uses id. Returns 0 or -EINVAL. */
int dtls_identity_set_srtp_profiles(struct dtls_identity *id, const char *profiles);

/* Whether fp ("sha-256 AB:CD:...") is one dtls_conn_create would accept:
 * lets a caller refuse an SDP before it creates anything. */
bool dtls_fingerprint_valid(const char *fp);

enum dtls_role { DTLS_ROLE_CLIENT, DTLS_ROLE_SERVER };

struct dtls_callbacks {
	/* A datagram to send to the peer (a handshake flight, an alert, app data). */
	void (*send)(void *arg, const uint8_t *data, size_t len);
	/* Handshake done and the peer's certificate matched its fingerprint. */
	void (*connected)(void *arg, const struct srtp_keys *keys);
	/* Handshake failed, fingerprint mismatch, or the peer closed. */
	void (*closed)(void *arg, const char *reason);
	/* Application data (SCTP for data channels); may be NULL. */
	void (*app_data)(void *arg, const uint8_t *data, size_t len);
};

struct dtls_conn;

/* remote_fingerprint: "sha-256 AB:CD:..." from the peer's SDP (sha-1, sha-256,
 * sha-384, sha-512 accepted). Client role sends its ClientHello on
 * dtls_conn_start. Returns 0, -EINVAL (bad fingerprint) or -ENOMEM. */
int dtls_conn_create(struct dtls_conn **out, struct dtls_identity *id, enum dtls_role role,
		     const char *remote_fingerprint, const struct dtls_callbacks *cb, void *arg);
/* Sends nothing and frees; NULL is fine. */
void dtls_conn_destroy(struct dtls_conn *c);

void dtls_conn_start(struct dtls_conn *c);
/* Feeds one datagram received from the peer (first byte 20..63). */
void dtls_conn_receive(struct dtls_conn *c, const uint8_t *data, size_t len);
/* Milliseconds until dtls_conn_handle_timeout must run, or -1 for none.
 * Retransmission starts at 100 ms and doubles, so a flight lost while ICE is
 * still choosing a pair costs 100 ms, not a second. */
int dtls_conn_timeout_ms(struct dtls_conn *c);
void dtls_conn_handle_timeout(struct dtls_conn *c);
/* Sends application data once connected. Returns 0 or -ENOTCONN / -EIO. */
int dtls_conn_send(struct dtls_conn *c, const uint8_t *data, size_t len);
/* Sends close_notify. */
void dtls_conn_close(struct dtls_conn *c);

#endif
