/* Durable room settings: the rooms created through the API, kept in an
 * embedded SQLite database so they survive restarts, plus small server
 * secrets (the token signing key) that must survive them too. Used from the
 * API thread and at start; the handle serialises its own calls (one mutex),
 * so any thread may call it. Never on the media path. */
#ifndef PARLEY_ROOM_STORE_H
#define PARLEY_ROOM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROOM_SETTINGS_NAME_MAX 65   /* 64 bytes + NUL */
#define ROOM_SETTINGS_PIN_MAX 17    /* up to 16 digits + NUL */
#define ROOM_SETTINGS_NUMBER_MAX 33 /* up to 32 chars + NUL */

struct room_settings {
	char name[ROOM_SETTINGS_NAME_MAX];
	int max_participants;           /* 0 = the server's max_participants */
	char pin[ROOM_SETTINGS_PIN_MAX];        /* "" = none */
	char sip_number[ROOM_SETTINGS_NUMBER_MAX]; /* "" = none */
	bool require_token;
	int empty_timeout_s;            /* 0 = the room stays until deleted */
	int64_t created_at;             /* Unix seconds */
};

struct room_store;

/* Opens (creating it and its schema when missing) the database at path.
 * The folder must exist. Returns 0, or -EIO with the reason logged (also for
 * a file that is not SQLite, or whose schema is newer than this server's);
 * *out is NULL on failure. */
int room_store_open(struct room_store **out, const char *path);
/* Accepts NULL. No other call on s may be running or follow. */
void room_store_close(struct room_store *s);

/* Insert or replace by name (every field is replaced). 0 or -EIO; a string
 * field without its NUL is refused with -EIO, logged. */
int room_store_put(struct room_store *s, const struct room_settings *r);
/* 0, -ENOENT when no such room, or -EIO. */
int room_store_delete(struct room_store *s, const char *name);
/* Calls fn for every stored room in creation order (created_at, then name).
 * 0 or -EIO; on -EIO fn was not called. fn runs without the store's lock, so
 * it may call the store. A stored row that does not fit the struct (edited
 * by hand) is skipped with a warning. */
int room_store_load(struct room_store *s,
		    void (*fn)(void *arg, const struct room_settings *r), void *arg);

/* The secret stored under key, exactly len bytes; made from a CSPRNG and
 * stored on first use. A stored secret of another length is replaced (with a
 * warning) by a new one. 0 or -EIO; on -EIO no secret is left in buf. */
int room_store_secret(struct room_store *s, const char *key, uint8_t *buf, size_t len);

#endif
