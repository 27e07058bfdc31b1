/* What the room API asks of the rooms on their workers: a snapshot of the
 * participants, removing one, muting one by force, ending a room. Called
 * from HTTP connection threads; each waits (bounded) for the worker. */
#ifndef PARLEY_SFU_ADMIN_H
#define PARLEY_SFU_ADMIN_H

#include <jansson.h>

#define SFU_ADMIN_TIMEOUT_MS 2000

/* The participants of room as a JSON array (docs/api.md, Participant), or
 * NULL when the worker did not answer in time. */
json_t *sfu_admin_participants(unsigned worker, const char *room);

/* Tells pid why (bye with reason), disconnects and removes it.
 * 0, -ENOENT (no such participant), -ETIMEDOUT. */
int sfu_admin_remove(unsigned worker, const char *room, const char *pid, const char *reason);

/* audio/video: 1 stop forwarding, 0 resume, -1 leave as is. The participant
 * and the room are told. On success *state (may be NULL) gets the new
 * {"audio": bool, "video": bool}. 0, -ENOENT, -ETIMEDOUT. */
int sfu_admin_mute(unsigned worker, const char *room, const char *pid, int audio, int video,
		   json_t **state);

/* Every participant gets bye with reason and is disconnected; asynchronous. */
void sfu_admin_end_room(unsigned worker, const char *room, const char *reason);

#endif
