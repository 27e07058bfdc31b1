/* Which worker hosts each room and how many people are in it, as the
 * signaling thread sees it. Signaling-thread only: no lock. A room is placed
 * on the worker with the fewest rooms when its first participant arrives. */
#ifndef PARLEY_ROOM_DIRECTORY_H
#define PARLEY_ROOM_DIRECTORY_H

struct room_directory;

int room_directory_create(struct room_directory **out, unsigned workers);
void room_directory_destroy(struct room_directory *d);

/* Adds a member; returns its worker, or -ENOSPC when the room has max members. */
int room_directory_enter(struct room_directory *d, const char *room, unsigned max);
void room_directory_leave(struct room_directory *d, const char *room);
unsigned room_directory_members(struct room_directory *d, const char *room);

#endif
