/* room_store: room settings and server secrets in one SQLite file.
 *
 * Owns one connection (opened FULLMUTEX, WAL, synchronous=NORMAL, 2 s busy
 * timeout) and its prepared statements. Every public call except close runs
 * under the handle's mutex, so the statements and sqlite3_errmsg() belong to
 * one caller at a time; any thread may call. Never on the media path.
 *
 * Schema: PRAGMA user_version is the version; migrations[v] takes a database
 * from version v to v + 1 inside one IMMEDIATE transaction. A database newer
 * than SCHEMA_VERSION is refused untouched, so an older server never writes a
 * file a newer one made. A version 0 file must be empty of our tables: the
 * first migration uses plain CREATE TABLE, so a foreign database that happens
 * to have a "rooms" table is refused rather than adopted.
 *
 * SQL text is constant; values only ever travel as bound parameters. Rows
 * read back are checked against the struct (type, range, length, no embedded
 * NUL); a row that does not fit is skipped with a warning rather than
 * truncated, since a cut name would alias another room and a cut PIN would
 * be a different PIN. */
#include "api/room_store.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <string.h>

#include "base/log.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 2000

static const char *const migrations[SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE rooms(name TEXT PRIMARY KEY, max_participants INTEGER, pin TEXT,"
	" sip_number TEXT, require_token INTEGER, empty_timeout_s INTEGER,"
	" created_at INTEGER);"
	"CREATE TABLE secrets(key TEXT PRIMARY KEY, value BLOB);"
	"PRAGMA user_version = 1;",
};

enum stmt_id { ST_PUT, ST_DELETE, ST_LOAD, ST_SECRET_GET, ST_SECRET_PUT, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
	[ST_PUT] = "INSERT OR REPLACE INTO rooms(name, max_participants, pin, sip_number,"
		   " require_token, empty_timeout_s, created_at)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_DELETE] = "DELETE FROM rooms WHERE name = ?1",
	[ST_LOAD] = "SELECT rowid, name, max_participants, pin, sip_number, require_token,"
		    " empty_timeout_s, created_at FROM rooms ORDER BY created_at, name",
	[ST_SECRET_GET] = "SELECT value FROM secrets WHERE key = ?1",
	[ST_SECRET_PUT] = "INSERT OR REPLACE INTO secrets(key, value) VALUES (?1, ?2)",
};

/* Column numbers of ST_LOAD. */
enum { COL_ROWID, COL_NAME, COL_MAX, COL_PIN, COL_NUMBER, COL_TOKEN, COL_TIMEOUT, COL_CREATED };

/* Owned by whoever opened it; any thread may call (see the top comment). */
struct room_store {
	GMutex lock;                    /* held by every public call but close */
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char *path;                     /* for log lines */
};

/* ---- helpers (called with the lock held) -------------------------------- */

/* Logs the connection's last error with what we were doing; returns -EIO. */
static int db_error(const struct room_store *s, const char *what)
{
	log_error(LOGS_HTTP, "room store %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -EIO;
}

/* Runs constant SQL that returns no rows we need. */
static int exec_sql(const struct room_store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(s, what);
	return 0;
}

/* Leaves a cached statement ready for its next use. */
static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows, then resets it. */
static int run_stmt(const struct room_store *s, sqlite3_stmt *st, const char *what)
{
	int err = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, what);

	stmt_done(st);
	return err;
}

/* Binds text of a length already known to fit in an int. */
static int bind_text(sqlite3_stmt *st, int i, const char *text, size_t len)
{
	return sqlite3_bind_text(st, i, text, (int)len, SQLITE_STATIC);
}

/* Rolls back the open transaction, if any (a failed statement may already
 * have ended it). */
static void rollback(const struct room_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		exec_sql(s, "ROLLBACK", "rolling back");
}

/* ---- open and schema --------------------------------------------------- */

static int read_user_version(const struct room_store *s, sqlite3_int64 *out)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_error(s, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		err = db_error(s, "reading the schema version");
	sqlite3_finalize(st);
	return err;
}

static int check_version(const struct room_store *s, sqlite3_int64 version)
{
	if (version >= 0 && version <= SCHEMA_VERSION)
		return 0;
	log_error(LOGS_HTTP,
		  "room store %s: schema version %lld is not one this server knows (newest %d);"
		  " refusing to open it (was it written by a newer Parley?)",
		  s->path, (long long)version, SCHEMA_VERSION);
	return -EIO;
}

/* Switching a file to WAL upgrades a lock within one statement, so when
 * another connection is doing the same (two opens of a new file) SQLite
 * answers SQLITE_BUSY at once instead of calling the busy handler; we retry
 * for as long as the busy timeout would have waited. */
static int set_wal(const struct room_store *s)
{
	gint64 deadline = g_get_monotonic_time() + BUSY_TIMEOUT_MS * G_GINT64_CONSTANT(1000);
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
		return db_error(s, "setting journal_mode");
	while ((rc = sqlite3_step(st)) == SQLITE_BUSY && g_get_monotonic_time() < deadline) {
		sqlite3_reset(st);
		g_usleep(5000);
	}
	if (rc != SQLITE_ROW) {
		err = db_error(s, "setting journal_mode");
	} else {
		const char *mode = (const char *)sqlite3_column_text(st, 0);

		if (!mode || g_ascii_strcasecmp(mode, "wal") != 0)
			log_warn(LOGS_HTTP, "room store %s: journal_mode is %s, not wal", s->path,
				 mode ? mode : "unknown");
	}
	sqlite3_finalize(st);
	return err;
}

/* Brings the schema up to SCHEMA_VERSION. The version is read again under
 * the write lock, since another process may have migrated meanwhile. */
static int migrate(const struct room_store *s)
{
	sqlite3_int64 version = 0;
	int err = exec_sql(s, "BEGIN IMMEDIATE", "starting the schema migration");

	if (err)
		return err;
	err = read_user_version(s, &version);
	if (!err)
		err = check_version(s, version);
	for (sqlite3_int64 v = version; !err && v < SCHEMA_VERSION; v++)
		err = exec_sql(s, migrations[v], "migrating the schema");
	if (!err)
		err = exec_sql(s, "COMMIT", "committing the schema migration");
	if (err) {
		rollback(s);
		return err;
	}
	if (version == 0)
		log_info(LOGS_HTTP, "room store %s: created (schema version %d)", s->path,
			 SCHEMA_VERSION);
	else if (version < SCHEMA_VERSION)
		log_info(LOGS_HTTP, "room store %s: schema version %lld -> %d", s->path,
			 (long long)version, SCHEMA_VERSION);
	return 0;
}

/* Everything after sqlite3_open_v2. The version is checked before anything
 * is written, so a refused file is left as it was. */
static int setup(struct room_store *s)
{
	sqlite3_int64 version = 0;
	int err;

	if (sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_error(s, "setting the busy timeout");
	err = read_user_version(s, &version); /* fails here on a file that is not SQLite */
	if (!err)
		err = check_version(s, version);
	if (!err)
		err = set_wal(s);
	if (!err)
		err = exec_sql(s, "PRAGMA synchronous = NORMAL", "setting synchronous");
	if (!err && version < SCHEMA_VERSION)
		err = migrate(s);
	for (int i = 0; !err && i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->stmt[i], NULL) != SQLITE_OK)
			err = db_error(s, "preparing statements");
	return err;
}

int room_store_open(struct room_store **out, const char *path)
{
	struct room_store *s = g_new0(struct room_store, 1);
	int rc, err;

	*out = NULL;
	g_mutex_init(&s->lock);
	s->path = g_strdup(path);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		log_error(LOGS_HTTP, "room store %s: opening: %s", path,
			  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		err = -EIO;
	} else {
		err = setup(s);
	}
	if (err) {
		room_store_close(s);
		return err;
	}
	*out = s;
	return 0;
}

void room_store_close(struct room_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (sqlite3_close(s->db) != SQLITE_OK)
		db_error(s, "closing");
	g_mutex_clear(&s->lock);
	g_free(s->path);
	g_free(s);
}

/* ---- rooms ------------------------------------------------------------- */

/* Length of a string field, or -1 when it fills its array without a NUL. */
static long field_len(const char *field, size_t size)
{
	size_t n = strnlen(field, size);

	return n < size ? (long)n : -1;
}

int room_store_put(struct room_store *s, const struct room_settings *r)
{
	long name = field_len(r->name, sizeof(r->name));
	long pin = field_len(r->pin, sizeof(r->pin));
	long number = field_len(r->sip_number, sizeof(r->sip_number));
	sqlite3_stmt *st = s->stmt[ST_PUT];
	int err;

	if (name < 0 || pin < 0 || number < 0) {
		log_error(LOGS_HTTP, "room store %s: room \"%.*s\": a string field is not"
			  " NUL-terminated; not stored", s->path, (int)sizeof(r->name) - 1,
			  r->name);
		return -EIO;
	}
	g_mutex_lock(&s->lock);
	if (bind_text(st, 1, r->name, (size_t)name) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, r->max_participants) != SQLITE_OK ||
	    bind_text(st, 3, r->pin, (size_t)pin) != SQLITE_OK ||
	    bind_text(st, 4, r->sip_number, (size_t)number) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, r->require_token ? 1 : 0) != SQLITE_OK ||
	    sqlite3_bind_int(st, 6, r->empty_timeout_s) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, r->created_at) != SQLITE_OK) {
		err = db_error(s, "binding a room");
		stmt_done(st);
	} else {
		err = run_stmt(s, st, "storing a room");
	}
	g_mutex_unlock(&s->lock);
	return err;
}

int room_store_delete(struct room_store *s, const char *name)
{
	sqlite3_stmt *st = s->stmt[ST_DELETE];
	int err;

	g_mutex_lock(&s->lock);
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		err = db_error(s, "binding a room name");
		stmt_done(st);
	} else {
		err = run_stmt(s, st, "deleting a room");
		if (!err && sqlite3_changes(s->db) == 0)
			err = -ENOENT;
	}
	g_mutex_unlock(&s->lock);
	return err;
}

/* Copies a TEXT column into dst[size] if it fits with its NUL and has no NUL
 * inside. A NULL is "" when null_ok. */
static bool column_text(sqlite3_stmt *st, int col, char *dst, size_t size, bool null_ok)
{
	int type = sqlite3_column_type(st, col); /* before any conversion */
	const unsigned char *text;
	int n;

	if (type == SQLITE_NULL && null_ok) {
		dst[0] = 0;
		return true;
	}
	if (type != SQLITE_TEXT)
		return false;
	text = sqlite3_column_text(st, col);
	n = sqlite3_column_bytes(st, col);
	if (!text || n < 0 || (size_t)n >= size || memchr(text, 0, (size_t)n))
		return false;
	memcpy(dst, text, (size_t)n);
	dst[n] = 0;
	return true;
}

static bool column_int(sqlite3_stmt *st, int col, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v;

	if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
		return false;
	v = sqlite3_column_int64(st, col);
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Fills r from the current row of ST_LOAD; false (with a warning naming the
 * row and column) when the row does not fit the struct. */
static bool read_room(const struct room_store *s, sqlite3_stmt *st, struct room_settings *r)
{
	const char *bad = NULL;
	int64_t max = 0, token = 0, timeout = 0, created = 0;

	memset(r, 0, sizeof(*r));
	if (!column_text(st, COL_NAME, r->name, sizeof(r->name), false))
		bad = "name";
	else if (!column_int(st, COL_MAX, INT_MIN, INT_MAX, &max))
		bad = "max_participants";
	else if (!column_text(st, COL_PIN, r->pin, sizeof(r->pin), true))
		bad = "pin";
	else if (!column_text(st, COL_NUMBER, r->sip_number, sizeof(r->sip_number), true))
		bad = "sip_number";
	else if (!column_int(st, COL_TOKEN, INT64_MIN, INT64_MAX, &token))
		bad = "require_token";
	else if (!column_int(st, COL_TIMEOUT, INT_MIN, INT_MAX, &timeout))
		bad = "empty_timeout_s";
	else if (!column_int(st, COL_CREATED, INT64_MIN, INT64_MAX, &created))
		bad = "created_at";
	if (bad) {
		log_warn(LOGS_HTTP, "room store %s: skipping rooms row %lld: %s does not fit"
			 " (wrong type, out of range or too long)", s->path,
			 (long long)sqlite3_column_int64(st, COL_ROWID), bad);
		return false;
	}
	r->max_participants = (int)max;
	r->require_token = token != 0;
	r->empty_timeout_s = (int)timeout;
	r->created_at = created;
	return true;
}

int room_store_load(struct room_store *s,
		    void (*fn)(void *arg, const struct room_settings *r), void *arg)
{
	GArray *rooms = g_array_new(FALSE, FALSE, sizeof(struct room_settings));
	sqlite3_stmt *st = s->stmt[ST_LOAD];
	struct room_settings r;
	int rc, err;

	/* Rows are collected first and fn runs without the lock, so fn may call
	 * the store; the read transaction also ends before fn runs. */
	g_mutex_lock(&s->lock);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (read_room(s, st, &r))
			g_array_append_val(rooms, r);
	err = rc == SQLITE_DONE ? 0 : db_error(s, "loading rooms");
	stmt_done(st);
	g_mutex_unlock(&s->lock);

	for (guint i = 0; !err && i < rooms->len; i++)
		fn(arg, &g_array_index(rooms, struct room_settings, i));
	g_array_free(rooms, TRUE);
	return err;
}

/* ---- secrets ----------------------------------------------------------- */

/* Looks key up; *found when a BLOB of exactly len bytes was copied to buf. */
static int secret_get(const struct room_store *s, const char *key, uint8_t *buf, size_t len,
		      bool *found)
{
	sqlite3_stmt *st = s->stmt[ST_SECRET_GET];
	int rc, err = 0;

	*found = false;
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
		err = db_error(s, "binding a secret key");
	} else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *v = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		if (sqlite3_column_type(st, 0) == SQLITE_BLOB && v && n >= 0 && (size_t)n == len) {
			memcpy(buf, v, len);
			*found = true;
		} else {
			log_warn(LOGS_HTTP, "room store %s: secret %s is not %zu bytes; replacing it"
				 " with a new one", s->path, key, len);
		}
	} else if (rc != SQLITE_DONE) {
		err = db_error(s, "reading a secret");
	}
	stmt_done(st);
	return err;
}

static int secret_put(const struct room_store *s, const char *key, const uint8_t *buf,
		      size_t len)
{
	sqlite3_stmt *st = s->stmt[ST_SECRET_PUT];

	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, buf, (int)len, SQLITE_STATIC) != SQLITE_OK) {
		stmt_done(st);
		return db_error(s, "binding a secret");
	}
	return run_stmt(s, st, "storing a secret");
}

int room_store_secret(struct room_store *s, const char *key, uint8_t *buf, size_t len)
{
	bool found = false;
	int err;

	if (len == 0)
		return 0;
	if (len > INT_MAX) {
		log_error(LOGS_HTTP, "room store %s: secret %s: %zu bytes is too long", s->path,
			  key, len);
		return -EIO;
	}
	g_mutex_lock(&s->lock);
	/* IMMEDIATE: two handles (or processes) asking for a new key at once
	 * must agree on one. */
	err = exec_sql(s, "BEGIN IMMEDIATE", "starting a secret transaction");
	if (!err)
		err = secret_get(s, key, buf, len, &found);
	if (!err && !found) {
		if (RAND_bytes(buf, (int)len) != 1) {
			log_error(LOGS_HTTP, "room store %s: secret %s: RAND_bytes failed",
				  s->path, key);
			err = -EIO;
		} else {
			err = secret_put(s, key, buf, len);
		}
	}
	if (!err)
		err = exec_sql(s, "COMMIT", "committing a secret");
	if (err) {
		rollback(s);
		OPENSSL_cleanse(buf, len);
	}
	g_mutex_unlock(&s->lock);
	return err;
}
