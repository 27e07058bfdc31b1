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

/* Called on worker threads: deliver json (owned by the callee, a
 * NUL-terminated string) to session_id; close the session after it when
 * close is true. */
typedef void sfu_send_fn(uint64_t session_id, char *json, bool close);

int sfu_start(const struct config *cfg, sfu_send_fn *send);
/* Ends every room (participants get bye), stops the workers. */
void sfu_stop(void);

/* Read-only after sfu_start. */
const struct config *sfu_config(void);
struct dtls_identity *sfu_identity(void);
const struct codec *const *sfu_video_codecs(unsigned *n);
void sfu_send(uint64_t session_id, json_t *msg, bool close);

enum sfu_media { SFU_AUDIO, SFU_VIDEO };

struct participant_info;
void sfu_join(unsigned worker, const char *room, const struct participant_info *info);
void sfu_answer(unsigned worker, const char *room, const char *pid, const char *sdp);
/* candidate NULL or "": end of candidates. */
void sfu_candidate(unsigned worker, const char *room, const char *pid, const char *candidate);
void sfu_mute(unsigned worker, const char *room, const char *pid, enum sfu_media kind, bool muted);
void sfu_leave(unsigned worker, const char *room, const char *pid, const char *reason);

#endif
