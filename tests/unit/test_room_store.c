/* Unit tests for api/room_store.c: open creates the file and its schema;
 * every field survives put/load (max-length strings included) and a reopen;
 * put replaces by name; delete answers -ENOENT for a missing room; load is
 * in creation order and skips rows that do not fit the struct; secrets are
 * stable per key and across reopen; a missing folder, a file that is not
 * SQLite, a newer schema and a foreign database are refused with -EIO and a
 * log line; two threads on one handle (and on two handles) never fail, nor
 * do several connections opening a new file at the same moment.
 * Each test gets its own mkdtemp folder under /tmp, removed in teardown.
 * The test talks to the database file directly with sqlite3 to plant rows
 * and versions the API cannot produce. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/room_store.h"

/* ---- helpers ------------------------------------------------------------ */

static char dir[64];    /* this test's folder */
static FILE *cap;       /* stderr capture, see capture_begin */
static int saved_stderr = -1;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/parley-test-room-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

/* Removes the folder and whatever the tests (and SQLite: -wal, -shm) left. */
static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (saved_stderr >= 0) { /* a test failed while capturing */
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
		fclose(cap);
	}
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(dir);
}

/* A path inside the test folder; valid until the next call. */
static const char *db_path(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static struct room_store *open_ok(const char *path)
{
	struct room_store *s = NULL;

	assert_int_equal(room_store_open(&s, path), 0);
	assert_non_null(s);
	return s;
}

/* stderr (where base/log writes) goes to a temporary file between
 * capture_begin and capture_end, which returns what was written. */
static void capture_begin(void)
{
	cap = tmpfile();
	assert_non_null(cap);
	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(cap), 2) >= 0);
}

static void capture_end(char *out, size_t len)
{
	size_t n;

	assert_true(dup2(saved_stderr, 2) >= 0);
	close(saved_stderr);
	saved_stderr = -1;
	rewind(cap);
	n = fread(out, 1, len - 1, cap);
	out[n] = 0;
	fclose(cap);
	cap = NULL;
}

/* Expects open to fail with -EIO, *out NULL and a log line naming the path
 * and mentioning want. */
static void open_fails(const char *path, const char *want)
{
	struct room_store *s = (struct room_store *)&s; /* must be overwritten */
	char err[4096];
	int rc;

	capture_begin();
	rc = room_store_open(&s, path);
	capture_end(err, sizeof(err));

	if (rc != -EIO)
		fail_msg("room_store_open(%s) returned %d, wanted -EIO", path, rc);
	assert_null(s);
	if (!strstr(err, "room store ") || !strstr(err, path))
		fail_msg("log \"%s\" does not name the store %s", err, path);
	if (want && !strstr(err, want))
		fail_msg("log \"%s\" does not mention \"%s\"", err, want);
}

/* A raw connection for planting data behind the store's back. */
static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(db, 2000), SQLITE_OK);
	return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static long long raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* What load delivered, in order. */
struct loaded {
	int n;
	struct room_settings r[64];
};

static void collect(void *arg, const struct room_settings *r)
{
	struct loaded *l = arg;

	assert_true(l->n < 64);
	l->r[l->n++] = *r;
}

static struct loaded load_all(struct room_store *s)
{
	struct loaded l = { 0 };

	assert_int_equal(room_store_load(s, collect, &l), 0);
	return l;
}

static struct room_settings room(const char *name, int64_t created_at)
{
	struct room_settings r = { 0 };

	snprintf(r.name, sizeof(r.name), "%s", name);
	r.created_at = created_at;
	return r;
}

/* Fills every field, strings at their longest. */
static struct room_settings full_room(char fill)
{
	struct room_settings r;

	memset(&r, 0, sizeof(r));
	memset(r.name, fill, sizeof(r.name) - 1);
	memset(r.pin, '7', sizeof(r.pin) - 1);
	memset(r.sip_number, '+', 1);
	memset(r.sip_number + 1, '9', sizeof(r.sip_number) - 2);
	r.max_participants = INT_MAX;
	r.require_token = true;
	r.empty_timeout_s = INT_MIN;
	r.created_at = INT64_MAX;
	return r;
}

static void assert_room_equal(const struct room_settings *a, const struct room_settings *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->max_participants, b->max_participants);
	assert_string_equal(a->pin, b->pin);
	assert_string_equal(a->sip_number, b->sip_number);
	assert_int_equal(a->require_token, b->require_token);
	assert_int_equal(a->empty_timeout_s, b->empty_timeout_s);
	assert_true(a->created_at == b->created_at);
}

/* ---- open --------------------------------------------------------------- */

static void test_open_creates_file(void **state)
{
	const char *path = db_path("rooms.db");
	struct room_store *s;
	struct stat st;
	sqlite3 *db;

	assert_int_equal(stat(path, &st), -1);
	s = open_ok(path);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(load_all(s).n, 0);
	room_store_close(s);
	room_store_close(NULL);

	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				     " AND name IN ('rooms', 'secrets')"), 2);
	sqlite3_close(db);
}

static void test_open_missing_folder(void **state)
{
	open_fails(db_path("no-such-folder/rooms.db"), NULL);
}

static void test_open_not_a_database(void **state)
{
	const char *path = db_path("garbage.db");
	char junk[4096], back[sizeof(junk) + 1];
	FILE *f;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = "this is not a database\n"[i % 23];
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	assert_int_equal(fclose(f), 0);

	open_fails(path, "not a database");
	/* Left as it was. */
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(junk));
	fclose(f);
	assert_memory_equal(back, junk, sizeof(junk));
}

static void test_open_newer_schema(void **state)
{
	const char *path = db_path("future.db");
	sqlite3 *db = raw_open(path);

	raw_exec(db, "CREATE TABLE rooms(name TEXT PRIMARY KEY, shape BLOB);"
		     "PRAGMA user_version = 2;");
	sqlite3_close(db);

	open_fails(path, "schema version 2");
	/* Refused before anything was written: still version 2, not switched to WAL. */
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_journal_mode"
				     " WHERE journal_mode = 'wal'"), 0);
	sqlite3_close(db);
}

/* Version 0 with a "rooms" table of its own is someone else's database. */
static void test_open_foreign_database(void **state)
{
	const char *path = db_path("foreign.db");
	sqlite3 *db = raw_open(path);

	raw_exec(db, "CREATE TABLE rooms(id INTEGER PRIMARY KEY, floor INTEGER);");
	sqlite3_close(db);
	open_fails(path, "rooms");
}

/* An existing but empty file is an empty database. */
static void test_open_empty_file(void **state)
{
	const char *path = db_path("empty.db");
	FILE *f = fopen(path, "wb");
	struct room_store *s;
	struct room_settings r = room("a", 1);

	assert_non_null(f);
	fclose(f);
	s = open_ok(path);
	assert_int_equal(room_store_put(s, &r), 0);
	assert_int_equal(load_all(s).n, 1);
	room_store_close(s);
}

/* ---- rooms ------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct room_settings full = full_room('n');
	struct room_settings plain = room("plain", -5);
	struct loaded l;

	plain.max_participants = 0;
	plain.empty_timeout_s = 300;
	assert_int_equal(room_store_put(s, &full), 0);
	assert_int_equal(room_store_put(s, &plain), 0);
	l = load_all(s);
	assert_int_equal(l.n, 2);
	assert_room_equal(&l.r[0], &plain); /* created_at -5 before INT64_MAX */
	assert_room_equal(&l.r[1], &full);
	assert_int_equal(strlen(l.r[1].name), ROOM_SETTINGS_NAME_MAX - 1);
	assert_int_equal(strlen(l.r[1].pin), ROOM_SETTINGS_PIN_MAX - 1);
	assert_int_equal(strlen(l.r[1].sip_number), ROOM_SETTINGS_NUMBER_MAX - 1);
	assert_false(l.r[0].require_token);
	room_store_close(s);
}

/* Names are bytes: UTF-8 and SQL metacharacters are stored as given. */
static void test_names_are_data(void **state)
{
	static const char *const names[] = {
		"r\xc3\xa9union", "it's", "x'); DROP TABLE rooms; --", "%s%n", "",
	};
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct loaded l;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct room_settings r = room(names[i], (int64_t)i);

		snprintf(r.pin, sizeof(r.pin), "'%zu", i);
		assert_int_equal(room_store_put(s, &r), 0);
	}
	l = load_all(s);
	assert_int_equal(l.n, 5);
	for (int i = 0; i < l.n; i++)
		assert_string_equal(l.r[i].name, names[i]);
	assert_string_equal(l.r[2].pin, "'2");
	assert_int_equal(room_store_delete(s, "x'); DROP TABLE rooms; --"), 0);
	assert_int_equal(load_all(s).n, 4);
	room_store_close(s);
}

static void test_replace_by_name(void **state)
{
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct room_settings a = room("standup", 100), b = room("standup", 200);
	struct loaded l;

	a.max_participants = 4;
	strcpy(a.pin, "1234");
	b.max_participants = 8;
	b.require_token = true;
	assert_int_equal(room_store_put(s, &a), 0);
	assert_int_equal(room_store_put(s, &b), 0);
	l = load_all(s);
	assert_int_equal(l.n, 1);
	assert_room_equal(&l.r[0], &b);
	assert_string_equal(l.r[0].pin, ""); /* replaced, not merged */
	room_store_close(s);
}

static void test_delete(void **state)
{
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct room_settings a = room("a", 1), b = room("b", 2);
	struct loaded l;

	assert_int_equal(room_store_delete(s, "a"), -ENOENT);
	assert_int_equal(room_store_put(s, &a), 0);
	assert_int_equal(room_store_put(s, &b), 0);
	assert_int_equal(room_store_delete(s, "a"), 0);
	assert_int_equal(room_store_delete(s, "a"), -ENOENT);
	assert_int_equal(room_store_delete(s, "A"), -ENOENT); /* case matters */
	l = load_all(s);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.r[0].name, "b");
	assert_int_equal(room_store_delete(s, "b"), 0);
	assert_int_equal(load_all(s).n, 0);
	room_store_close(s);
}

static void test_order(void **state)
{
	static const struct { const char *name; int64_t at; } put[] = {
		{ "c", 30 }, { "b", 10 }, { "z", 20 }, { "a", 10 }, { "y", -1 }, { "B", 10 },
	};
	static const char *const want[] = { "y", "B", "a", "b", "z", "c" };
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct room_settings r;
	struct loaded l;

	for (size_t i = 0; i < sizeof(put) / sizeof(put[0]); i++) {
		r = room(put[i].name, put[i].at);
		assert_int_equal(room_store_put(s, &r), 0);
	}
	/* Replacing keeps the given created_at, so order follows it. */
	r = room("c", 0);
	assert_int_equal(room_store_put(s, &r), 0);
	l = load_all(s);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.r[0].name, "y");
	assert_string_equal(l.r[1].name, "c");
	r = room("c", 30);
	assert_int_equal(room_store_put(s, &r), 0);
	l = load_all(s);
	for (int i = 0; i < 6; i++)
		assert_string_equal(l.r[i].name, want[i]);
	room_store_close(s);
}

static void test_reopen_keeps_data(void **state)
{
	const char *path = db_path("rooms.db");
	struct room_store *s = open_ok(path);
	struct room_settings full = full_room('q'), b = room("b", 7);
	struct loaded l;

	strcpy(b.sip_number, "sip:1000");
	b.empty_timeout_s = 60;
	assert_int_equal(room_store_put(s, &b), 0);
	assert_int_equal(room_store_put(s, &full), 0);
	room_store_close(s);

	s = open_ok(path);
	l = load_all(s);
	assert_int_equal(l.n, 2);
	assert_room_equal(&l.r[0], &b);
	assert_room_equal(&l.r[1], &full);
	assert_int_equal(room_store_delete(s, "b"), 0);
	room_store_close(s);

	s = open_ok(path);
	l = load_all(s);
	assert_int_equal(l.n, 1);
	assert_room_equal(&l.r[0], &full);
	room_store_close(s);
}

/* Strings that fill their array without a NUL are refused, not overread. */
static void test_put_unterminated(void **state)
{
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct room_settings r = room("ok", 1);

	char err[4096];

	memset(r.pin, '1', sizeof(r.pin));
	capture_begin();
	assert_int_equal(room_store_put(s, &r), -EIO);
	r = room("ok", 1);
	memset(r.name, 'n', sizeof(r.name));
	assert_int_equal(room_store_put(s, &r), -EIO);
	capture_end(err, sizeof(err));
	assert_non_null(strstr(err, "not NUL-terminated"));
	assert_int_equal(load_all(s).n, 0);
	room_store_close(s);
}

/* Rows that cannot be what put wrote (edited by hand, or by a bug) are
 * skipped with a warning; the rest still load. */
static void test_load_skips_bad_rows(void **state)
{
	const char *path = db_path("rooms.db");
	struct room_store *s = open_ok(path);
	struct room_settings good = full_room('g');
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st = NULL;
	struct loaded l;
	char err[8192];

	assert_int_equal(room_store_put(s, &good), 0);
	raw_exec(db,
		 "INSERT INTO rooms VALUES"
		 /* name 65 bytes */
		 " ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1, '', '', 0, 0, 1),"
		 " ('pin17', 1, '12345678901234567', '', 0, 0, 2),"
		 " ('number33', 1, '', '123456789012345678901234567890123', 0, 0, 3),"
		 " ('max-big', 2147483648, '', '', 0, 0, 4),"
		 " ('timeout-small', 1, '', '', 0, -2147483649, 5),"
		 " ('max-text', 'many', '', '', 0, 0, 6),"
		 " ('max-real', 1.5, '', '', 0, 0, 7),"
		 " ('created-null', 1, '', '', 0, 0, NULL),"
		 " ('pin-blob', 1, x'3132', '', 0, 0, 8),"
		 " (NULL, 1, '', '', 0, 0, 9),"
		 " (x'3432', 1, '', '', 0, 0, 10)," /* a BLOB name (a number would become text) */
		 /* NULL strings are "" and any nonzero require_token is true */
		 " ('nulls-ok', -3, NULL, NULL, 7, 0, 11);");
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO rooms VALUES (?1, 1, '', '', 0, 0, 12)",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, 1, "nul\0inside", 10, SQLITE_STATIC), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);

	capture_begin();
	l = load_all(s);
	capture_end(err, sizeof(err));
	assert_non_null(strstr(err, "skipping rooms row"));
	assert_non_null(strstr(err, "pin does not fit"));
	assert_non_null(strstr(err, "created_at does not fit"));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.r[0].name, "nulls-ok");
	assert_int_equal(l.r[0].max_participants, -3);
	assert_string_equal(l.r[0].pin, "");
	assert_string_equal(l.r[0].sip_number, "");
	assert_true(l.r[0].require_token);
	assert_room_equal(&l.r[1], &good);
	room_store_close(s);
}

/* load's callback runs without the lock: it may call the store. */
static void delete_each(void *arg, const struct room_settings *r)
{
	struct room_store *s = arg;

	assert_int_equal(room_store_delete(s, r->name), 0);
}

static void test_load_callback_may_call_store(void **state)
{
	struct room_store *s = open_ok(db_path("rooms.db"));

	for (int i = 0; i < 5; i++) {
		char name[8];
		struct room_settings r;

		snprintf(name, sizeof(name), "r%d", i);
		r = room(name, i);
		assert_int_equal(room_store_put(s, &r), 0);
	}
	assert_int_equal(room_store_load(s, delete_each, s), 0);
	assert_int_equal(load_all(s).n, 0);
	room_store_close(s);
}

/* ---- secrets ----------------------------------------------------------- */

static void test_secret(void **state)
{
	const char *path = db_path("rooms.db");
	struct room_store *s = open_ok(path);
	uint8_t a[32], a2[32], b[32], zero[32] = { 0 }, c[16], c2[16];
	char err[4096];

	assert_int_equal(room_store_secret(s, "token_key", a, sizeof(a)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(room_store_secret(s, "token_key", a2, sizeof(a2)), 0);
	assert_memory_equal(a, a2, sizeof(a));
	assert_int_equal(room_store_secret(s, "other_key", b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	room_store_close(s);

	s = open_ok(path);
	memset(a2, 0, sizeof(a2));
	assert_int_equal(room_store_secret(s, "token_key", a2, sizeof(a2)), 0);
	assert_memory_equal(a, a2, sizeof(a));

	/* Another length is another secret, which then replaces the old one. */
	capture_begin();
	assert_int_equal(room_store_secret(s, "token_key", c, sizeof(c)), 0);
	capture_end(err, sizeof(err));
	assert_non_null(strstr(err, "secret token_key is not 16 bytes"));
	assert_memory_not_equal(c, a, sizeof(c));
	assert_int_equal(room_store_secret(s, "token_key", c2, sizeof(c2)), 0);
	assert_memory_equal(c, c2, sizeof(c));
	room_store_close(s);
}

/* ---- concurrency -------------------------------------------------------- */

#define RUN_US (700 * 1000)

struct worker {
	struct room_store *s;
	const char *path;       /* open our own handle on it when s is NULL */
	int id;
	int errors;
	int iterations;
};

static void count(void *arg, const struct room_settings *r)
{
	int *n = arg;

	(*n)++;
	if (r->name[0] != 't')
		(*n) += 1000000; /* flags a corrupt row */
}

/* No cmocka asserts here: they long-jump and belong on the main thread. */
static gpointer worker_run(gpointer arg)
{
	struct worker *w = arg;
	struct room_store *s = w->s;
	gint64 end = g_get_monotonic_time() + RUN_US;
	uint8_t key[32];

	if (!s && room_store_open(&s, w->path) != 0) {
		w->errors++;
		return NULL;
	}
	while (g_get_monotonic_time() < end || w->iterations < 20) {
		struct room_settings r;
		char name[16];
		int n = 0, i = w->iterations;

		snprintf(name, sizeof(name), "t%d-%d", w->id, i % 10);
		r = room(name, i);
		r.max_participants = i;
		if (room_store_put(s, &r) != 0)
			w->errors++;
		if (room_store_load(s, count, &n) != 0 || n < 1 || n > 20)
			w->errors++;
		if (i % 7 == 0 && room_store_delete(s, name) != 0)
			w->errors++;
		if (i % 13 == 0 && room_store_secret(s, "shared", key, sizeof(key)) != 0)
			w->errors++;
		w->iterations++;
	}
	if (!w->s)
		room_store_close(s);
	return NULL;
}

static void run_workers(struct worker *w, int n)
{
	GThread *t[4];

	assert_true(n <= 4);
	for (int i = 0; i < n; i++)
		t[i] = g_thread_new("store-test", worker_run, &w[i]);
	for (int i = 0; i < n; i++)
		g_thread_join(t[i]);
	for (int i = 0; i < n; i++) {
		if (w[i].errors)
			fail_msg("thread %d: %d errors in %d iterations", i, w[i].errors,
				 w[i].iterations);
		assert_true(w[i].iterations >= 20);
	}
}

static void test_threads_one_handle(void **state)
{
	struct room_store *s = open_ok(db_path("rooms.db"));
	struct worker w[2] = { { .s = s, .id = 0 }, { .s = s, .id = 1 } };

	run_workers(w, 2);
	assert_true(load_all(s).n <= 20);
	room_store_close(s);
}

/* Two connections on one file (as after a restart overlapping the old
 * process): WAL and the busy timeout keep both working. Both open a file
 * that does not exist yet, racing on the schema too. */
static void test_threads_two_handles(void **state)
{
	const char *path = db_path("shared.db");
	struct worker w[2] = { { .path = path, .id = 0 }, { .path = path, .id = 1 } };
	struct room_store *s;
	uint8_t a[32], b[32];

	run_workers(w, 2);
	s = open_ok(path);
	assert_true(load_all(s).n <= 20);
	assert_int_equal(room_store_secret(s, "shared", a, sizeof(a)), 0);
	room_store_close(s);
	s = open_ok(path);
	assert_int_equal(room_store_secret(s, "shared", b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	room_store_close(s);
}

/* Several connections opening a new file at the same moment (the schema
 * and the switch to WAL race): all succeed. SQLite answers the WAL switch
 * with an immediate SQLITE_BUSY that the busy timeout does not cover. */
struct opener {
	const char *path;
	GMutex *lock;
	GCond *cond;
	int *waiting;
	int rc;
};

static gpointer opener_run(gpointer arg)
{
	struct opener *o = arg;
	struct room_store *s = NULL;
	struct room_settings r = room("x", 1);

	g_mutex_lock(o->lock); /* start together */
	if (--*o->waiting == 0)
		g_cond_broadcast(o->cond);
	while (*o->waiting > 0)
		g_cond_wait(o->cond, o->lock);
	g_mutex_unlock(o->lock);
	o->rc = room_store_open(&s, o->path);
	if (o->rc == 0) {
		o->rc = room_store_put(s, &r);
		room_store_close(s);
	}
	return NULL;
}

#define OPENERS 4

static void test_concurrent_first_open(void **state)
{
	GMutex lock;
	GCond cond;
	char name[16];

	g_mutex_init(&lock);
	g_cond_init(&cond);
	for (int round = 0; round < 100; round++) {
		int waiting = OPENERS;
		struct opener o[OPENERS];
		GThread *t[OPENERS];

		snprintf(name, sizeof(name), "race%d.db", round);
		for (int i = 0; i < OPENERS; i++) {
			o[i] = (struct opener){ g_strdup(db_path(name)), &lock, &cond, &waiting, -1 };
			t[i] = g_thread_new("store-open", opener_run, &o[i]);
		}
		for (int i = 0; i < OPENERS; i++) {
			g_thread_join(t[i]);
			g_free((char *)o[i].path);
			if (o[i].rc != 0)
				fail_msg("round %d, opener %d: %d", round, i, o[i].rc);
		}
	}
	g_mutex_clear(&lock);
	g_cond_clear(&cond);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_foreign_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_are_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_unterminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_skips_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_callback_may_call_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_one_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_first_open, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
