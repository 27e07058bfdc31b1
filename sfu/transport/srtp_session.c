/* SRTP/SRTCP for one DTLS-SRTP association on libsrtp2 (Debian's, on NSS).
 *
 * Owns two libsrtp sessions: inbound keyed with the peer's key, outbound with
 * ours. Each accepts any SSRC; libsrtp clones a stream per SSRC the first
 * time it sees one (outbound) or the first time one authenticates (inbound),
 * so a forged SSRC costs no memory. Used only on its worker thread; the
 * library-wide init runs once on the main thread at start. */
#include "sfu/transport/srtp_session.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "base/log.h"

#define RTP_HEADER_MIN 12
#define RTCP_HEADER_MIN 8
#define SRTCP_INDEX_LEN 4
/* Far enough back for the reordering a NACKed packet sees. */
#define REPLAY_WINDOW 1024

struct srtp_session {
	srtp_t in;
	srtp_t out;
	size_t tag_len;
};

int srtp_session_library_init(void)
{
	srtp_err_status_t st = srtp_init();
	if (st != srtp_err_status_ok) {
		log_error(LOGS_SRTP, "srtp_init failed (%d)", (int)st);
		return -EIO;
	}
	return 0;
}

void srtp_session_library_shutdown(void)
{
	(void)srtp_shutdown();
}

const char *srtp_profile_name(enum srtp_profile_id p)
{
	switch (p) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: return "SRTP_AES128_CM_HMAC_SHA1_80";
	case SRTP_PROFILE_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
	case SRTP_PROFILE_AEAD_AES_256_GCM: return "SRTP_AEAD_AES_256_GCM";
	}
	return "unknown";
}

/* Fills the crypto policy and returns the key||salt length it expects, or -EINVAL. */
static int crypto_policy(enum srtp_profile_id p, srtp_crypto_policy_t *cp, size_t *tag_len)
{
	switch (p) {
	case SRTP_PROFILE_AES128_CM_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(cp);
		*tag_len = 10;
		return 30;
	case SRTP_PROFILE_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(cp);
		*tag_len = 16;
		return 28;
	case SRTP_PROFILE_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(cp);
		*tag_len = 16;
		return 44;
	}
	return -EINVAL;
}

static int errno_from_srtp(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_key_expired:
	case srtp_err_status_pkt_idx_old:
	case srtp_err_status_pkt_idx_adv:
		return -EACCES;
	case srtp_err_status_alloc_fail:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

static int create_one(srtp_t *out, const srtp_crypto_policy_t *cp, srtp_ssrc_type_t dir,
		      const uint8_t *key)
{
	srtp_policy_t pol;
	memset(&pol, 0, sizeof(pol));
	pol.ssrc.type = dir;
	pol.rtp = *cp;
	pol.rtcp = *cp;
	pol.key = (unsigned char *)key;
	pol.window_size = REPLAY_WINDOW;
	/* We resend the identical packet when RTX is not negotiated. */
	pol.allow_repeat_tx = 1;
	return errno_from_srtp(srtp_create(out, &pol));
}

int srtp_session_create(struct srtp_session **out, const struct srtp_keys *keys)
{
	srtp_crypto_policy_t cp;
	size_t tag_len = 0;
	int want = crypto_policy(keys->profile, &cp, &tag_len);
	if (want < 0 || keys->key_salt_len != (size_t)want)
		return -EINVAL;
	struct srtp_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->tag_len = tag_len;
	int err = create_one(&s->in, &cp, ssrc_any_inbound, keys->remote);
	if (err == 0)
		err = create_one(&s->out, &cp, ssrc_any_outbound, keys->local);
	if (err < 0) {
		log_warn(LOGS_SRTP, "cannot create SRTP session (%s): %d",
			 srtp_profile_name(keys->profile), err);
		srtp_session_destroy(s);
		return err;
	}
	*out = s;
	return 0;
}

void srtp_session_destroy(struct srtp_session *s)
{
	if (!s)
		return;
	if (s->in)
		srtp_dealloc(s->in);
	if (s->out)
		srtp_dealloc(s->out);
	free(s);
}

/* libsrtp trusts the caller for room and lengths, so both are checked here. */
static int check_protect(const size_t *len, size_t cap, size_t header_min)
{
	if (*len < header_min || *len > INT_MAX - SRTP_MAX_TRAILER - SRTCP_INDEX_LEN)
		return -EINVAL;
	if (cap < *len + SRTP_MAX_TRAILER + SRTCP_INDEX_LEN)
		return -ENOSPC;
	return 0;
}

static int check_unprotect(const size_t *len, size_t min)
{
	return *len < min || *len > INT_MAX ? -EINVAL : 0;
}

static int finish(srtp_err_status_t st, int n, size_t *len)
{
	int err = errno_from_srtp(st);
	if (err == 0)
		*len = (size_t)n;
	return err;
}

int srtp_session_protect(struct srtp_session *s, uint8_t *buf, size_t *len, size_t cap)
{
	int err = check_protect(len, cap, RTP_HEADER_MIN);
	if (err < 0)
		return err;
	int n = (int)*len;
	srtp_err_status_t st = srtp_protect(s->out, buf, &n);
	return finish(st, n, len);
}

int srtp_session_unprotect(struct srtp_session *s, uint8_t *buf, size_t *len)
{
	int err = check_unprotect(len, RTP_HEADER_MIN + s->tag_len);
	if (err < 0)
		return err;
	int n = (int)*len;
	srtp_err_status_t st = srtp_unprotect(s->in, buf, &n);
	return finish(st, n, len);
}

int srtp_session_protect_rtcp(struct srtp_session *s, uint8_t *buf, size_t *len, size_t cap)
{
	int err = check_protect(len, cap, RTCP_HEADER_MIN);
	if (err < 0)
		return err;
	int n = (int)*len;
	srtp_err_status_t st = srtp_protect_rtcp(s->out, buf, &n);
	return finish(st, n, len);
}

int srtp_session_unprotect_rtcp(struct srtp_session *s, uint8_t *buf, size_t *len)
{
	int err = check_unprotect(len, RTCP_HEADER_MIN + SRTCP_INDEX_LEN + s->tag_len);
	if (err < 0)
		return err;
	int n = (int)*len;
	srtp_err_status_t st = srtp_unprotect_rtcp(s->in, buf, &n);
	return finish(st, n, len);
}
