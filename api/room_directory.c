/* The room directory: one hash table of entries under one mutex. Only
 * control threads come here, a few times per join or API call, so the lock
 * is never contended by media. */
#include "api/room_directory.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct room_settings settings;
	struct room_summary sum;
};

/* Owned by the server (main.c creates and destroys it). */
struct room_directory {
	GMutex lock;
	GHashTable *rooms;          /* name (owned) -> struct entry * (owned) */
	struct room_directory_options opt;
	unsigned *rooms_per_worker; /* live rooms */
	uint64_t next_instance;
};

static int64_t now_ms(void)
{
	return g_get_real_time() / 1000;
}

int room_directory_create(struct room_directory **out, const struct room_directory_options *o)
{
	struct room_directory *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	g_mutex_init(&d->lock);
	d->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	d->opt = *o;
	if (!d->opt.workers)
		d->opt.workers = 1;
	d->rooms_per_worker = calloc(d->opt.workers, sizeof(unsigned));
	if (!d->rooms_per_worker) {
		room_directory_destroy(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void room_directory_destroy(struct room_directory *d)
{
	if (!d)
		return;
	g_hash_table_destroy(d->rooms);
	g_mutex_clear(&d->lock);
	free(d->rooms_per_worker);
	free(d);
}

static struct entry *entry_new(struct room_directory *d, const char *name)
{
	struct entry *e = g_new0(struct entry, 1);
	g_strlcpy(e->settings.name, name, sizeof(e->settings.name));
	e->settings.created_at = now_ms() / 1000;
	g_hash_table_insert(d->rooms, g_strdup(name), e);
	return e;
}

/* An entry stops being live: its worker slot is free again. */
static void entry_end(struct room_directory *d, struct entry *e)
{
	if (!e->sum.live)
		return;
	d->rooms_per_worker[e->sum.worker]--;
	memset(e->sum.by_kind, 0, sizeof(e->sum.by_kind));
	e->sum.members = 0;
	e->sum.live = false;
	e->sum.live_since = 0;
	e->sum.empty_since = now_ms();
}

int room_directory_add(struct room_directory *d, const struct room_settings *s)
{
	g_mutex_lock(&d->lock);
	struct entry *e = g_hash_table_lookup(d->rooms, s->name);
	int rc = 0;
	if (e && e->sum.persistent) {
		rc = -EEXIST;
	} else {
		if (!e) {
			e = entry_new(d, s->name);
			e->sum.empty_since = now_ms();
		}
		e->settings = *s;
		e->sum.persistent = true;
	}
	g_mutex_unlock(&d->lock);
	return rc;
}

int room_directory_update(struct room_directory *d, const struct room_settings *s)
{
	g_mutex_lock(&d->lock);
	struct entry *e = g_hash_table_lookup(d->rooms, s->name);
	int rc = e && e->sum.persistent ? 0 : -ENOENT;
	if (rc == 0)
		e->settings = *s;
	g_mutex_unlock(&d->lock);
	return rc;
}

int room_directory_remove(struct room_directory *d, const char *name, struct room_seat *live_seat)
{
	g_mutex_lock(&d->lock);
	struct entry *e = g_hash_table_lookup(d->rooms, name);
	int rc = -ENOENT;
	if (e) {
		rc = e->sum.live;
		if (rc) {
			live_seat->worker = e->sum.worker;
			live_seat->instance = e->sum.instance;
		}
		entry_end(d, e);
		g_hash_table_remove(d->rooms, name);
	}
	g_mutex_unlock(&d->lock);
	return rc;
}

bool room_directory_get(struct room_directory *d, const char *name, struct room_settings *settings,
			struct room_summary *summary)
{
	g_mutex_lock(&d->lock);
	struct entry *e = g_hash_table_lookup(d->rooms, name);
	if (e && settings)
		*settings = e->settings;
	if (e && summary)
		*summary = e->sum;
	g_mutex_unlock(&d->lock);
	return e != NULL;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	return strcmp(x->settings.name, y->settings.name);
}

void room_directory_list(struct room_directory *d,
			 void (*fn)(void *arg, const struct room_settings *s,
				    const struct room_summary *sum), void *arg)
{
	GPtrArray *copy = g_ptr_array_new_with_free_func(g_free);
	g_mutex_lock(&d->lock);
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, d->rooms);
	while (g_hash_table_iter_next(&it, &key, &value))
		g_ptr_array_add(copy, g_memdup2(value, sizeof(struct entry)));
	g_mutex_unlock(&d->lock);
	g_ptr_array_sort(copy, by_name);
	for (guint i = 0; i < copy->len; i++) {
		const struct entry *e = copy->pdata[i];
		fn(arg, &e->settings, &e->sum);
	}
	g_ptr_array_free(copy, TRUE);
}

bool room_directory_find_number(struct room_directory *d, const char *number,
				char name[ROOM_SETTINGS_NAME_MAX])
{
	bool found = false;
	g_mutex_lock(&d->lock);
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, d->rooms);
	while (!found && g_hash_table_iter_next(&it, &key, &value)) {
		const struct entry *e = value;
		if (*number && strcmp(e->settings.sip_number, number) == 0) {
			g_strlcpy(name, e->settings.name, ROOM_SETTINGS_NAME_MAX);
			found = true;
		}
	}
	g_mutex_unlock(&d->lock);
	return found;
}

static unsigned least_loaded(const struct room_directory *d)
{
	unsigned best = 0;
	for (unsigned i = 1; i < d->opt.workers; i++)
		if (d->rooms_per_worker[i] < d->rooms_per_worker[best])
			best = i;
	return best;
}

static unsigned limit_of(const struct room_directory *d, const struct entry *e)
{
	unsigned own = (unsigned)e->settings.max_participants;
	return own && own < d->opt.max_participants ? own : d->opt.max_participants;
}

static int enter_locked(struct room_directory *d, const char *room, enum participant_kind kind,
			struct room_seat *seat)
{
	struct entry *e = g_hash_table_lookup(d->rooms, room);
	bool created = false;
	if (!e) {
		if (!d->opt.auto_create)
			return -ENOENT;
		e = entry_new(d, room);
		created = true;
	}
	if (e->sum.members >= limit_of(d, e)) {
		if (created)
			g_hash_table_remove(d->rooms, room);
		return -ENOSPC;
	}
	if (!e->sum.live) {
		e->sum.live = true;
		e->sum.worker = least_loaded(d);
		e->sum.instance = ++d->next_instance;
		e->sum.live_since = now_ms();
		e->sum.empty_since = 0;
		d->rooms_per_worker[e->sum.worker]++;
	}
	e->sum.members++;
	e->sum.by_kind[kind]++;
	seat->worker = e->sum.worker;
	seat->instance = e->sum.instance;
	return 0;
}

int room_directory_enter(struct room_directory *d, const char *room, enum participant_kind kind,
			 struct room_seat *seat)
{
	if ((unsigned)kind >= ROOM_KINDS)
		return -EINVAL;
	g_mutex_lock(&d->lock);
	int rc = enter_locked(d, room, kind, seat);
	g_mutex_unlock(&d->lock);
	return rc;
}

void room_directory_leave(struct room_directory *d, const char *room, const struct room_seat *seat,
			  enum participant_kind kind)
{
	g_mutex_lock(&d->lock);
	struct entry *e = g_hash_table_lookup(d->rooms, room);
	if (e && e->sum.live && e->sum.instance == seat->instance && (unsigned)kind < ROOM_KINDS &&
	    e->sum.members > 0) {
		e->sum.members--;
		if (e->sum.by_kind[kind] > 0)
			e->sum.by_kind[kind]--;
		if (e->sum.members == 0) {
			entry_end(d, e);
			if (!e->sum.persistent)
				g_hash_table_remove(d->rooms, room);
		}
	}
	g_mutex_unlock(&d->lock);
}

unsigned room_directory_members(struct room_directory *d, const char *room)
{
	g_mutex_lock(&d->lock);
	struct entry *e = g_hash_table_lookup(d->rooms, room);
	unsigned n = e ? e->sum.members : 0;
	g_mutex_unlock(&d->lock);
	return n;
}

void room_directory_expire(struct room_directory *d, int64_t now,
			   void (*fn)(void *arg, const char *name), void *arg)
{
	GPtrArray *gone = g_ptr_array_new_with_free_func(g_free);
	g_mutex_lock(&d->lock);
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, d->rooms);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const struct entry *e = value;
		int64_t timeout = (int64_t)e->settings.empty_timeout_s * 1000;
		if (e->sum.persistent && !e->sum.live && timeout > 0 && e->sum.empty_since &&
		    now - e->sum.empty_since >= timeout) {
			g_ptr_array_add(gone, g_strdup(key));
			g_hash_table_iter_remove(&it);
		}
	}
	g_mutex_unlock(&d->lock);
	for (guint i = 0; i < gone->len; i++)
		fn(arg, gone->pdata[i]);
	g_ptr_array_free(gone, TRUE);
}

void room_directory_totals(struct room_directory *d, unsigned *rooms, unsigned *live_rooms,
			   unsigned by_kind[ROOM_KINDS])
{
	memset(by_kind, 0, sizeof(unsigned) * ROOM_KINDS);
	*rooms = *live_rooms = 0;
	g_mutex_lock(&d->lock);
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, d->rooms);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const struct entry *e = value;
		(*rooms)++;
		*live_rooms += e->sum.live;
		for (unsigned k = 0; k < ROOM_KINDS; k++)
			by_kind[k] += e->sum.by_kind[k];
	}
	g_mutex_unlock(&d->lock);
}
