/* WHIP sessions as the SFU sees them: a client's offer becomes a
 * participant of kind PARTICIPANT_WHIP that publishes and never subscribes,
 * and Parley's answer goes back. Called from HTTP connection threads; the
 * SDP is read on the caller's thread, then each call waits (at most
 * SFU_WHIP_TIMEOUT_MS) for the room's worker. A session ends with
 * sfu_leave; the worker ending it on its own (kick, ICE/DTLS failure,
 * timeout, room ended) sends "bye" with close=true to info->session_id. */
#ifndef PARLEY_SFU_WHIP_H
#define PARLEY_SFU_WHIP_H

#include <stddef.h>

#define SFU_WHIP_TIMEOUT_MS 5000

struct participant_info;

/* Adds info (kind PARTICIPANT_WHIP) to room, creating the room when
 * missing, from the len bytes of offer. Returns 0 with *answer (g_free
 * it); -EINVAL: the offer is not usable (err says why); -EEXIST: the id is
 * taken; -EIO: the media transport could not be set up; -ETIMEDOUT: the
 * worker did not answer in time, and may still add the participant later
 * (so sfu_leave it). Nothing is left behind on any error but the last. */
int sfu_whip_publish(unsigned worker, const char *room, const struct participant_info *info,
		     const char *offer, size_t len, char **answer, char *err, size_t errlen);

/* Hands the candidates of a trickle-ice-sdpfrag body (RFC 8840) to pid's
 * ICE agent. Returns 0; -EINVAL: malformed fragment (err says why);
 * -ENOENT: no such WHIP participant; -EOPNOTSUPP: its ice-ufrag is not the
 * session's, i.e. an ICE restart, which Parley does not do; -ETIMEDOUT.
 * Candidates libnice cannot read (e.g. mDNS names) are skipped. */
int sfu_whip_trickle(unsigned worker, const char *room, const char *pid, const char *sdpfrag,
		     size_t len, char *err, size_t errlen);

#endif
