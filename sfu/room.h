/* A room: its participants, fan-out wiring between their producers and
 * consumers, the active speaker, and the tick that drives periodic RTCP.
 * Owned by its worker's room table; everything inside runs on that worker. */
#ifndef PARLEY_ROOM_H
#define PARLEY_ROOM_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#define ROOM_NAME_MAX 65

struct worker;
struct participant;
struct producer;

struct room {
	struct worker *worker;
	char name[ROOM_NAME_MAX];
	GPtrArray *participants;    /* struct participant *, owned */
	GSource *tick;
	unsigned ticks;
	struct participant *speaker; /* current active speaker, not owned */
	int64_t speaker_since_us;
	unsigned sip_callers;       /* SIP participants: audio is tapped while > 0 (sfu_sip.h) */
};

/* The room with this name on worker w, created when missing. */
struct room *room_get_or_create(struct worker *w, const char *name);
void room_destroy(struct room *r);

struct participant *room_find_participant(struct room *r, const char *id);
struct participant_info;
int room_add_participant(struct room *r, const struct participant_info *info);
/* Removes and frees p; tells the others; destroys the room when it empties. */
void room_remove_participant(struct room *r, struct participant *p, const char *reason);

/* A producer appeared: every other participant subscribes to it. */
void room_on_producer(struct room *r, struct producer *producer);
/* Sends msg to every participant but except (may be NULL); steals msg. */
void room_broadcast(struct room *r, struct participant *except, json_t *msg);

json_t *room_participant_json(const struct participant *p);

#endif
