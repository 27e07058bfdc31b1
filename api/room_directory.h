/* Every room the server knows: those created through the API (their
 * settings, persisted by room_store) and transient ones that exist while
 * someone is in them; the worker that hosts each live room; and how many
 * members of each kind are in it. Shared by the control threads (signaling,
 * HTTP API, SIP) under one mutex; workers never touch it.
 *
 * A live room is an "instance": when a room empties and is later entered
 * again it gets a new instance number, so a leave that arrives late for an
 * ended instance (e.g. after DELETE) cannot miscount the new one. */
#ifndef PARLEY_ROOM_DIRECTORY_H
#define PARLEY_ROOM_DIRECTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "api/room_store.h"
#include "sfu/participant.h"

#define ROOM_KINDS 3                /* enum participant_kind */

struct room_directory;

struct room_directory_options {
	unsigned workers;
	unsigned max_participants;  /* server cap; a room's own limit may only lower it */
	bool auto_create;           /* entering an unknown name creates a transient room */
};

/* Where a member sits: the worker hosting the room and its instance. */
struct room_seat {
	unsigned worker;
	uint64_t instance;
};

struct room_summary {
	bool persistent;            /* created through the API */
	bool live;                  /* has members (so a worker hosts it) */
	unsigned worker;            /* when live */
	uint64_t instance;          /* when live */
	unsigned members;
	unsigned by_kind[ROOM_KINDS];
	int64_t live_since;         /* Unix ms; 0 when not live */
	int64_t empty_since;        /* Unix ms, persistent rooms: since the last member left, or
				     * since it was added when nobody came yet; 0 when live */
};

int room_directory_create(struct room_directory **out, const struct room_directory_options *o);
void room_directory_destroy(struct room_directory *d);

/* API rooms. add: 0 or -EEXIST (a transient room of that name that is live
 * becomes persistent: 0). update: 0 or -ENOENT. remove: 0 or -ENOENT; fills
 * live_seat and returns 1 when the room had members (the caller ends it). */
int room_directory_add(struct room_directory *d, const struct room_settings *s);
int room_directory_update(struct room_directory *d, const struct room_settings *s);
int room_directory_remove(struct room_directory *d, const char *name, struct room_seat *live_seat);

/* Settings and summary of one room (either may be NULL). Transient rooms
 * report default settings. False when the name is unknown. */
bool room_directory_get(struct room_directory *d, const char *name, struct room_settings *settings,
			struct room_summary *summary);
/* Calls fn for every known room, sorted by name, outside no lock: the
 * directory copies the list first, so fn may call back into it. */
void room_directory_list(struct room_directory *d,
			 void (*fn)(void *arg, const struct room_settings *s,
				    const struct room_summary *sum), void *arg);
/* The room whose sip_number is number; false when none. */
bool room_directory_find_number(struct room_directory *d, const char *number,
				char name[ROOM_SETTINGS_NAME_MAX]);

/* Admits one member. Returns 0, -ENOENT (unknown room and auto_create off),
 * or -ENOSPC (the room is at its limit). */
int room_directory_enter(struct room_directory *d, const char *room, enum participant_kind kind,
			 struct room_seat *seat);
/* Ignored when seat's instance has ended. */
void room_directory_leave(struct room_directory *d, const char *room, const struct room_seat *seat,
			  enum participant_kind kind);
unsigned room_directory_members(struct room_directory *d, const char *room);

/* Persistent rooms empty for longer than their empty_timeout_s at now (Unix
 * ms) are removed; fn gets each name (for the store and webhooks). */
void room_directory_expire(struct room_directory *d, int64_t now_ms,
			   void (*fn)(void *arg, const char *name), void *arg);

/* Totals for metrics. */
void room_directory_totals(struct room_directory *d, unsigned *rooms, unsigned *live_rooms,
			   unsigned by_kind[ROOM_KINDS]);

#endif
