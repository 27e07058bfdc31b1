/* The SFU seen from other threads: start/stop, the commands signaling (and
 * later SIP and the API) send into a room, and the sink through which rooms
 * send messages back. Commands are posted to the room's worker and return at
 * once; ownership of every string argument stays with the caller (copied). */
#ifndef PARLEY_SFU_H
#define PARLEY_SFU_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/config.h"
#include "sfu/codecs.h"

struct dtls_identity;

/* The top byte of a session id names the front end that owns the session
 * (and so where sfu_send_fn must route it); the rest is that front end's. */
enum sfu_session_owner { SFU_SESSION_WS = 0, SFU_SESSION_WHIP = 1, SFU_SESSION_SIP = 2 };
#define SFU_SESSION_ID(owner, n) (((uint64_t)(owner) << 56) | ((uint64_t)(n) & 0xffffffffffffffULL))
#define SFU_SESSION_OWNER(id) ((enum sfu_session_owner)((id) >> 56))

/* Called on worker threads: deliver json (owned by the callee, a
 * NUL-terminated string) to session_id; close the session after it when
 * close is true. */
typedef void sfu_send_fn(uint64_t session_id, char *json, bool close);

/* Called on worker threads for events operators subscribe to (webhooks):
 * room_started, room_ended, participant_joined, participant_left,
 * track_published, track_unpublished. Steals data; must not block. */
typedef void sfu_event_fn(const char *event, json_t *data);

int sfu_start(const struct config *cfg, sfu_send_fn *send, sfu_event_fn *event);
/* Ends every room (participants get bye), stops the workers. */
void sfu_stop(void);

/* Read-only after sfu_start. */
const struct config *sfu_config(void);
struct dtls_identity *sfu_identity(void);
const struct codec *const *sfu_video_codecs(unsigned *n);
void sfu_send(uint64_t session_id, json_t *msg, bool close);
/* Reports an event through the sfu_event_fn (steals data). */
void sfu_emit(const char *event, json_t *data);

enum sfu_media { SFU_AUDIO, SFU_VIDEO };

struct participant_info;
void sfu_join(unsigned worker, const char *room, const struct participant_info *info);
void sfu_answer(unsigned worker, const char *room, const char *pid, const char *sdp);
/* candidate NULL or "": end of candidates. */
void sfu_candidate(unsigned worker, const char *room, const char *pid, const char *candidate);
void sfu_mute(unsigned worker, const char *room, const char *pid, enum sfu_media kind, bool muted);
void sfu_leave(unsigned worker, const char *room, const char *pid, const char *reason);

#endif
