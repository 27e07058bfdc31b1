/* Room placement and head counts for the signaling thread. */
#include "api/room_directory.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>

struct entry {
	unsigned worker;
	unsigned members;
};

/* Owned by the signaling server. */
struct room_directory {
	GHashTable *rooms;      /* name (owned) -> struct entry * (owned) */
	unsigned n_workers;
	unsigned *rooms_per_worker;
};

int room_directory_create(struct room_directory **out, unsigned workers)
{
	struct room_directory *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	d->n_workers = workers ? workers : 1;
	d->rooms_per_worker = calloc(d->n_workers, sizeof(unsigned));
	*out = d;
	return 0;
}

void room_directory_destroy(struct room_directory *d)
{
	if (!d)
		return;
	g_hash_table_destroy(d->rooms);
	free(d->rooms_per_worker);
	free(d);
}

static unsigned least_loaded(const struct room_directory *d)
{
	unsigned best = 0;
	for (unsigned i = 1; i < d->n_workers; i++)
		if (d->rooms_per_worker[i] < d->rooms_per_worker[best])
			best = i;
	return best;
}

int room_directory_enter(struct room_directory *d, const char *room, unsigned max)
{
	struct entry *e = g_hash_table_lookup(d->rooms, room);
	if (!e) {
		e = g_new0(struct entry, 1);
		e->worker = least_loaded(d);
		d->rooms_per_worker[e->worker]++;
		g_hash_table_insert(d->rooms, g_strdup(room), e);
	}
	if (e->members >= max)
		return -ENOSPC;
	e->members++;
	return (int)e->worker;
}

void room_directory_leave(struct room_directory *d, const char *room)
{
	struct entry *e = g_hash_table_lookup(d->rooms, room);
	if (!e)
		return;
	if (e->members > 0)
		e->members--;
	if (e->members == 0) {
		d->rooms_per_worker[e->worker]--;
		g_hash_table_remove(d->rooms, room);
	}
}

unsigned room_directory_members(struct room_directory *d, const char *room)
{
	struct entry *e = g_hash_table_lookup(d->rooms, room);
	return e ? e->members : 0;
}
