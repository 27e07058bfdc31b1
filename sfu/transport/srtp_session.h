/* SRTP/SRTCP (libsrtp2) for one DTLS-SRTP association: one inbound and one
 * outbound libsrtp session with the keys DTLS exported. Used only on its
 * worker; protect/unprotect work in place and never allocate after the first
 * packet of each SSRC. */
#ifndef PARLEY_SRTP_SESSION_H
#define PARLEY_SRTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* IANA DTLS-SRTP protection profile numbers (RFC 5764, RFC 7714). */
enum srtp_profile_id {
	SRTP_PROFILE_AES128_CM_SHA1_80 = 0x0001,
	SRTP_PROFILE_AEAD_AES_128_GCM = 0x0007,
	SRTP_PROFILE_AEAD_AES_256_GCM = 0x0008,
};

#define SRTP_MAX_KEY_SALT 46  /* 32-byte key + 14-byte salt */
#define SRTP_MAX_TRAILER 16   /* auth tag; RTCP adds 4 more for the index */

struct srtp_keys {
	enum srtp_profile_id profile;
	uint8_t local[SRTP_MAX_KEY_SALT];  /* key || salt for what we send */
	uint8_t remote[SRTP_MAX_KEY_SALT]; /* key || salt for what we receive */
	size_t key_salt_len;
};

/* Global libsrtp setup; call once at start before any session. Returns 0 or -EIO. */
int srtp_session_library_init(void);
void srtp_session_library_shutdown(void);

const char *srtp_profile_name(enum srtp_profile_id p);

struct srtp_session;

int srtp_session_create(struct srtp_session **out, const struct srtp_keys *keys);
void srtp_session_destroy(struct srtp_session *s);

/* In place. *len is updated; cap is the buffer size (needs len + SRTP_MAX_TRAILER + 4).
 * Return 0 or a negative errno (-EINVAL malformed, -EACCES auth/replay failure, -ENOSPC). */
int srtp_session_protect(struct srtp_session *s, uint8_t *buf, size_t *len, size_t cap);
int srtp_session_unprotect(struct srtp_session *s, uint8_t *buf, size_t *len);
int srtp_session_protect_rtcp(struct srtp_session *s, uint8_t *buf, size_t *len, size_t cap);
int srtp_session_unprotect_rtcp(struct srtp_session *s, uint8_t *buf, size_t *len);

#endif
