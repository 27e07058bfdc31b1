/* Unit tests for api/room_directory.c: a new room goes to the worker with
 * the fewest live rooms and later members follow it (same worker, same
 * instance); a room's own max_participants lowers the server cap but never
 * raises it; -ENOSPC and -EINVAL change nothing (a transient room created
 * by the refused enter is not left behind); with auto_create off unknown
 * names answer -ENOENT while API rooms stay enterable; transient rooms
 * vanish with their last member, persistent ones stay (not live,
 * empty_since set); a leave for an ended instance (after remove) is ignored
 * and does not touch a new instance of the same name; add/update/remove/get
 * answer as the header says, and a live transient room made persistent
 * keeps its members; list is sorted and its callback may call back in;
 * find_number; expire removes only persistent, non-live rooms whose timeout
 * elapsed; totals by kind; and four threads entering and leaving shared and
 * own rooms leave every count at zero. Memory is checked by the ASan build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "api/room_directory.h"

/* ---- helpers ------------------------------------------------------------ */

static struct room_directory *make(unsigned workers, unsigned max, bool auto_create)
{
	struct room_directory_options o = {
		.workers = workers, .max_participants = max, .auto_create = auto_create,
	};
	struct room_directory *d = NULL;

	assert_int_equal(room_directory_create(&d, &o), 0);
	assert_non_null(d);
	return d;
}

static struct room_settings room(const char *name, int max, int empty_timeout_s, const char *number)
{
	struct room_settings s;

	memset(&s, 0, sizeof(s));
	g_strlcpy(s.name, name, sizeof(s.name));
	s.max_participants = max;
	s.empty_timeout_s = empty_timeout_s;
	g_strlcpy(s.sip_number, number ? number : "", sizeof(s.sip_number));
	s.created_at = 1700000000;
	return s;
}

static void add(struct room_directory *d, const char *name, int max, int empty_timeout_s,
		const char *number)
{
	struct room_settings s = room(name, max, empty_timeout_s, number);

	assert_int_equal(room_directory_add(d, &s), 0);
}

static struct room_seat enter(struct room_directory *d, const char *name, enum participant_kind kind)
{
	struct room_seat seat = { .worker = 999, .instance = 0 };

	assert_int_equal(room_directory_enter(d, name, kind, &seat), 0);
	assert_true(seat.instance != 0);
	return seat;
}

static struct room_summary summary(struct room_directory *d, const char *name)
{
	struct room_summary sum;

	assert_true(room_directory_get(d, name, NULL, &sum));
	return sum;
}

struct totals {
	unsigned rooms, live, by_kind[ROOM_KINDS];
};

static struct totals totals(struct room_directory *d)
{
	struct totals t;

	room_directory_totals(d, &t.rooms, &t.live, t.by_kind);
	return t;
}

static void assert_totals(struct room_directory *d, unsigned rooms, unsigned live, unsigned browser,
			  unsigned sip, unsigned whip)
{
	struct totals t = totals(d);

	assert_int_equal(t.rooms, rooms);
	assert_int_equal(t.live, live);
	assert_int_equal(t.by_kind[PARTICIPANT_BROWSER], browser);
	assert_int_equal(t.by_kind[PARTICIPANT_SIP], sip);
	assert_int_equal(t.by_kind[PARTICIPANT_WHIP], whip);
}

/* ---- lifecycle and placement -------------------------------------------- */

static void test_create_destroy(void **state)
{
	struct room_directory *d = make(4, 32, true);
	char name[ROOM_SETTINGS_NAME_MAX];

	assert_int_equal(room_directory_members(d, "nobody"), 0);
	assert_false(room_directory_get(d, "nobody", NULL, NULL));
	assert_false(room_directory_find_number(d, "100", name));
	assert_totals(d, 0, 0, 0, 0, 0);
	room_directory_destroy(d);
	room_directory_destroy(NULL);
}

static void test_placement_least_loaded(void **state)
{
	struct room_directory *d = make(3, 32, true);
	struct room_seat a = enter(d, "a", PARTICIPANT_BROWSER);
	struct room_seat b = enter(d, "b", PARTICIPANT_BROWSER);
	struct room_seat c = enter(d, "c", PARTICIPANT_BROWSER);

	/* Three rooms on three workers: one each. */
	assert_true(a.worker < 3 && b.worker < 3 && c.worker < 3);
	assert_true(a.worker != b.worker && b.worker != c.worker && a.worker != c.worker);
	assert_true(a.instance != b.instance && b.instance != c.instance && a.instance != c.instance);
	/* Later members follow the room, whatever their kind, and do not count
	 * as load: rooms are placed, not members. */
	for (int i = 0; i < 5; i++) {
		struct room_seat s = enter(d, "a", i % 2 ? PARTICIPANT_SIP : PARTICIPANT_BROWSER);
		assert_int_equal(s.worker, a.worker);
		assert_true(s.instance == a.instance);
	}
	assert_int_equal(room_directory_members(d, "a"), 6);
	/* Ending b frees its worker: the next new room goes there. */
	room_directory_leave(d, "b", &b, PARTICIPANT_BROWSER);
	struct room_seat e = enter(d, "e", PARTICIPANT_WHIP);
	assert_int_equal(e.worker, b.worker);
	/* All equal again: a 4th and 5th room spread over two workers. */
	struct room_seat f = enter(d, "f", PARTICIPANT_BROWSER);
	struct room_seat g = enter(d, "g", PARTICIPANT_BROWSER);
	assert_true(f.worker != g.worker);
	room_directory_destroy(d); /* with live rooms in it: no leak */
}

/* Zero workers means one: every room is placed on worker 0. */
static void test_zero_workers(void **state)
{
	struct room_directory *d = make(0, 32, true);

	assert_int_equal(enter(d, "a", PARTICIPANT_BROWSER).worker, 0);
	assert_int_equal(enter(d, "b", PARTICIPANT_BROWSER).worker, 0);
	assert_int_equal(enter(d, "c", PARTICIPANT_SIP).worker, 0);
	room_directory_destroy(d);
}

/* ---- limits ------------------------------------------------------------- */

static void test_room_limit_lowers_cap(void **state)
{
	struct room_directory *d = make(2, 4, true);
	struct room_seat s;

	add(d, "low", 2, 0, NULL);      /* lowers the cap to 2 */
	add(d, "high", 10, 0, NULL);    /* cannot raise it past 4 */
	add(d, "default", 0, 0, NULL);  /* 0 = the server's cap */
	add(d, "negative", -1, 0, NULL); /* nonsense never raises it either */
	enter(d, "low", PARTICIPANT_BROWSER);
	enter(d, "low", PARTICIPANT_BROWSER);
	assert_int_equal(room_directory_enter(d, "low", PARTICIPANT_SIP, &s), -ENOSPC);
	const char *capped[] = { "high", "default", "negative", "transient" };
	for (size_t r = 0; r < sizeof(capped) / sizeof(*capped); r++) {
		for (int i = 0; i < 4; i++)
			enter(d, capped[r], PARTICIPANT_BROWSER);
		assert_int_equal(room_directory_enter(d, capped[r], PARTICIPANT_BROWSER, &s), -ENOSPC);
		assert_int_equal(room_directory_members(d, capped[r]), 4);
	}
	/* Lowering a live room's limit by update refuses the next one. */
	struct room_settings st = room("high", 3, 0, NULL);
	assert_int_equal(room_directory_update(d, &st), 0);
	assert_int_equal(room_directory_enter(d, "high", PARTICIPANT_BROWSER, &s), -ENOSPC);
	room_directory_destroy(d);
}

/* -ENOSPC changes nothing: not the counts, not the seat, not the summary. */
static void test_enospc_no_side_effects(void **state)
{
	struct room_directory *d = make(2, 2, true);
	struct room_seat a = enter(d, "r", PARTICIPANT_BROWSER);
	struct room_seat b = enter(d, "r", PARTICIPANT_SIP);
	struct room_summary before = summary(d, "r");
	struct totals tb = totals(d);
	struct room_seat s = { .worker = 77, .instance = 77 };

	assert_int_equal(room_directory_enter(d, "r", PARTICIPANT_WHIP, &s), -ENOSPC);
	assert_int_equal(s.worker, 77);
	assert_true(s.instance == 77);
	struct room_summary after = summary(d, "r");
	assert_memory_equal(&before, &after, sizeof(before));
	struct totals ta = totals(d);
	assert_memory_equal(&tb, &ta, sizeof(tb));
	/* The worker's load is unchanged: the next room goes to the other one. */
	assert_int_equal(enter(d, "other", PARTICIPANT_BROWSER).worker, 1 - a.worker);
	/* A leave makes room for exactly one more, in the same instance. */
	room_directory_leave(d, "r", &b, PARTICIPANT_SIP);
	struct room_seat c = enter(d, "r", PARTICIPANT_WHIP);
	assert_true(c.instance == a.instance);
	assert_int_equal(room_directory_enter(d, "r", PARTICIPANT_WHIP, &s), -ENOSPC);
	assert_int_equal(room_directory_members(d, "r"), 2);
	room_directory_destroy(d);
}

/* A transient room created by an enter that is then refused is not left
 * behind (only reachable with a server cap of 0). */
static void test_enospc_new_transient_not_left(void **state)
{
	struct room_directory *d = make(2, 0, true);
	struct room_seat s = { .worker = 77, .instance = 77 };

	assert_int_equal(room_directory_enter(d, "ghost", PARTICIPANT_BROWSER, &s), -ENOSPC);
	assert_int_equal(s.worker, 77);
	assert_false(room_directory_get(d, "ghost", NULL, NULL));
	assert_int_equal(room_directory_members(d, "ghost"), 0);
	assert_totals(d, 0, 0, 0, 0, 0);
	/* It could be created through the API afterwards. */
	add(d, "ghost", 0, 0, NULL);
	assert_false(summary(d, "ghost").live);
	room_directory_destroy(d);
}

static void test_kind_out_of_range(void **state)
{
	struct room_directory *d = make(2, 32, true);
	struct room_seat s = { .worker = 77, .instance = 77 };

	assert_int_equal(room_directory_enter(d, "r", (enum participant_kind)ROOM_KINDS, &s), -EINVAL);
	assert_int_equal(room_directory_enter(d, "r", (enum participant_kind)-1, &s), -EINVAL);
	assert_int_equal(s.worker, 77);
	assert_false(room_directory_get(d, "r", NULL, NULL)); /* nothing auto-created */
	assert_totals(d, 0, 0, 0, 0, 0);
	/* A leave with a bad kind is ignored. */
	struct room_seat a = enter(d, "r", PARTICIPANT_SIP);
	room_directory_leave(d, "r", &a, (enum participant_kind)ROOM_KINDS);
	assert_int_equal(room_directory_members(d, "r"), 1);
	assert_totals(d, 1, 1, 0, 1, 0);
	room_directory_leave(d, "r", &a, PARTICIPANT_SIP);
	assert_totals(d, 0, 0, 0, 0, 0);
	room_directory_destroy(d);
}

/* ---- transient and persistent rooms ------------------------------------- */

static void test_auto_create_off(void **state)
{
	struct room_directory *d = make(2, 32, false);
	struct room_seat s = { .worker = 77, .instance = 77 };

	assert_int_equal(room_directory_enter(d, "unknown", PARTICIPANT_BROWSER, &s), -ENOENT);
	assert_int_equal(s.worker, 77);
	assert_false(room_directory_get(d, "unknown", NULL, NULL));
	assert_totals(d, 0, 0, 0, 0, 0);
	add(d, "api", 0, 0, NULL);
	struct room_seat a = enter(d, "api", PARTICIPANT_BROWSER);
	assert_int_equal(room_directory_members(d, "api"), 1);
	room_directory_leave(d, "api", &a, PARTICIPANT_BROWSER);
	/* Still there, and enterable again. */
	assert_true(room_directory_get(d, "api", NULL, NULL));
	enter(d, "api", PARTICIPANT_SIP);
	/* Once removed it is unknown again. */
	assert_int_equal(room_directory_remove(d, "api", &s), 1);
	assert_int_equal(room_directory_enter(d, "api", PARTICIPANT_BROWSER, &s), -ENOENT);
	room_directory_destroy(d);
}

static void test_transient_vanishes_persistent_stays(void **state)
{
	struct room_directory *d = make(2, 32, true);
	int64_t t0 = g_get_real_time() / 1000;

	/* A transient room reports default settings while it lives. */
	struct room_seat t1 = enter(d, "t", PARTICIPANT_BROWSER);
	struct room_seat t2 = enter(d, "t", PARTICIPANT_SIP);
	struct room_settings st;
	struct room_summary sum;
	assert_true(room_directory_get(d, "t", &st, &sum));
	assert_string_equal(st.name, "t");
	assert_int_equal(st.max_participants, 0);
	assert_string_equal(st.pin, "");
	assert_string_equal(st.sip_number, "");
	assert_false(st.require_token);
	assert_int_equal(st.empty_timeout_s, 0);
	assert_false(sum.persistent);
	assert_true(sum.live);
	assert_int_equal(sum.worker, t1.worker);
	assert_true(sum.instance == t1.instance);
	assert_int_equal(sum.members, 2);
	assert_int_equal(sum.by_kind[PARTICIPANT_BROWSER], 1);
	assert_int_equal(sum.by_kind[PARTICIPANT_SIP], 1);
	assert_true(sum.live_since >= t0);
	assert_true(sum.empty_since == 0);
	room_directory_leave(d, "t", &t1, PARTICIPANT_BROWSER);
	assert_true(room_directory_get(d, "t", NULL, NULL));
	room_directory_leave(d, "t", &t2, PARTICIPANT_SIP);
	assert_false(room_directory_get(d, "t", NULL, NULL));
	assert_int_equal(room_directory_members(d, "t"), 0);
	/* Extra leaves of a vanished or unknown room are harmless. */
	room_directory_leave(d, "t", &t2, PARTICIPANT_SIP);
	room_directory_leave(d, "never-was", &t2, PARTICIPANT_SIP);
	assert_totals(d, 0, 0, 0, 0, 0);

	add(d, "p", 0, 0, NULL);
	struct room_seat p1 = enter(d, "p", PARTICIPANT_WHIP);
	sum = summary(d, "p");
	assert_true(sum.persistent && sum.live);
	assert_true(sum.empty_since == 0);
	assert_true(sum.live_since >= t0);
	room_directory_leave(d, "p", &p1, PARTICIPANT_WHIP);
	sum = summary(d, "p");
	assert_true(sum.persistent);
	assert_false(sum.live);
	assert_int_equal(sum.members, 0);
	assert_int_equal(sum.by_kind[PARTICIPANT_WHIP], 0);
	assert_true(sum.live_since == 0);
	assert_true(sum.empty_since >= t0);
	assert_totals(d, 1, 0, 0, 0, 0);
	/* Its worker slot is free: two new rooms go to two workers. */
	assert_true(enter(d, "x", PARTICIPANT_BROWSER).worker != enter(d, "y", PARTICIPANT_BROWSER).worker);
	/* A stale leave with the old seat after re-entry is ignored: the room
	 * got a new instance. */
	struct room_seat p2 = enter(d, "p", PARTICIPANT_WHIP);
	assert_true(p2.instance != p1.instance);
	room_directory_leave(d, "p", &p1, PARTICIPANT_WHIP);
	assert_int_equal(room_directory_members(d, "p"), 1);
	assert_true(summary(d, "p").live);
	room_directory_destroy(d);
}

/* A DELETE of a live room ends its instance: the late leaves of its members
 * are ignored and cannot miscount a new room of the same name. */
static void test_remove_then_late_leave(void **state)
{
	struct room_directory *d = make(2, 32, true);
	struct room_seat live = { .worker = 77, .instance = 77 };

	/* A transient room. */
	struct room_seat a = enter(d, "r", PARTICIPANT_BROWSER);
	struct room_seat b = enter(d, "r", PARTICIPANT_SIP);
	assert_int_equal(room_directory_remove(d, "r", &live), 1);
	assert_int_equal(live.worker, a.worker);
	assert_true(live.instance == a.instance);
	assert_false(room_directory_get(d, "r", NULL, NULL));
	assert_totals(d, 0, 0, 0, 0, 0);
	struct room_seat c = enter(d, "r", PARTICIPANT_BROWSER);
	assert_true(c.instance != a.instance);
	room_directory_leave(d, "r", &a, PARTICIPANT_BROWSER);
	room_directory_leave(d, "r", &b, PARTICIPANT_SIP);
	assert_int_equal(room_directory_members(d, "r"), 1);
	struct room_summary sum = summary(d, "r");
	assert_true(sum.live);
	assert_true(sum.instance == c.instance);
	assert_int_equal(sum.by_kind[PARTICIPANT_BROWSER], 1);
	room_directory_leave(d, "r", &c, PARTICIPANT_BROWSER);
	assert_false(room_directory_get(d, "r", NULL, NULL));

	/* A persistent room, removed live and added again. */
	add(d, "p", 0, 0, NULL);
	struct room_seat p1 = enter(d, "p", PARTICIPANT_WHIP);
	assert_int_equal(room_directory_remove(d, "p", &live), 1);
	assert_true(live.instance == p1.instance);
	add(d, "p", 0, 0, NULL);
	room_directory_leave(d, "p", &p1, PARTICIPANT_WHIP); /* not live: ignored */
	assert_false(summary(d, "p").live);
	struct room_seat p2 = enter(d, "p", PARTICIPANT_WHIP);
	assert_true(p2.instance != p1.instance);
	room_directory_leave(d, "p", &p1, PARTICIPANT_WHIP);
	assert_int_equal(room_directory_members(d, "p"), 1);
	assert_totals(d, 1, 1, 0, 0, 1);

	/* A removed room frees its worker: the two next rooms spread. */
	assert_int_equal(room_directory_remove(d, "p", &live), 1);
	assert_totals(d, 0, 0, 0, 0, 0);
	assert_true(enter(d, "x", PARTICIPANT_BROWSER).worker != enter(d, "y", PARTICIPANT_BROWSER).worker);

	/* Not live: 0 and the seat is left alone; unknown: -ENOENT. */
	add(d, "idle", 0, 0, NULL);
	live.worker = 77;
	assert_int_equal(room_directory_remove(d, "idle", &live), 0);
	assert_int_equal(live.worker, 77);
	assert_false(room_directory_get(d, "idle", NULL, NULL));
	assert_int_equal(room_directory_remove(d, "idle", &live), -ENOENT);
	assert_int_equal(room_directory_remove(d, "never-was", &live), -ENOENT);
	assert_int_equal(live.worker, 77);
	room_directory_destroy(d);
}

/* ---- API rooms ---------------------------------------------------------- */

static void test_add_exists_and_adopt(void **state)
{
	struct room_directory *d = make(2, 32, true);
	struct room_settings st = room("p", 5, 60, "100");
	struct room_settings got;

	assert_int_equal(room_directory_add(d, &st), 0);
	struct room_settings dup = room("p", 7, 0, "200");
	assert_int_equal(room_directory_add(d, &dup), -EEXIST);
	assert_true(room_directory_get(d, "p", &got, NULL));
	assert_memory_equal(&got, &st, sizeof(st)); /* unchanged */
	/* Still -EEXIST while live. */
	enter(d, "p", PARTICIPANT_BROWSER);
	assert_int_equal(room_directory_add(d, &dup), -EEXIST);

	/* A live transient room becomes persistent and keeps its members. */
	struct room_seat a = enter(d, "t", PARTICIPANT_BROWSER);
	struct room_seat b = enter(d, "t", PARTICIPANT_SIP);
	struct room_settings adopt = room("t", 3, 0, "300");
	assert_int_equal(room_directory_add(d, &adopt), 0);
	struct room_summary sum;
	assert_true(room_directory_get(d, "t", &got, &sum));
	assert_memory_equal(&got, &adopt, sizeof(adopt));
	assert_true(sum.persistent && sum.live);
	assert_int_equal(sum.members, 2);
	assert_int_equal(sum.worker, a.worker);
	assert_true(sum.instance == a.instance);
	assert_int_equal(sum.by_kind[PARTICIPANT_BROWSER], 1);
	assert_int_equal(sum.by_kind[PARTICIPANT_SIP], 1);
	/* Its new limit applies at once. */
	struct room_seat c = enter(d, "t", PARTICIPANT_WHIP);
	struct room_seat s;
	assert_int_equal(room_directory_enter(d, "t", PARTICIPANT_WHIP, &s), -ENOSPC);
	assert_int_equal(room_directory_add(d, &adopt), -EEXIST);
	/* Now it outlives its members. */
	room_directory_leave(d, "t", &a, PARTICIPANT_BROWSER);
	room_directory_leave(d, "t", &b, PARTICIPANT_SIP);
	room_directory_leave(d, "t", &c, PARTICIPANT_WHIP);
	sum = summary(d, "t");
	assert_true(sum.persistent);
	assert_false(sum.live);
	assert_true(sum.empty_since > 0);
	assert_totals(d, 2, 1, 1, 0, 0); /* p is still live */
	room_directory_destroy(d);
}

static void test_update(void **state)
{
	struct room_directory *d = make(2, 32, true);
	struct room_settings st = room("p", 5, 60, "100");
	struct room_settings got;

	assert_int_equal(room_directory_update(d, &st), -ENOENT); /* unknown */
	assert_false(room_directory_get(d, "p", NULL, NULL));     /* and not created */
	assert_int_equal(room_directory_add(d, &st), 0);
	struct room_seat a = enter(d, "p", PARTICIPANT_BROWSER);
	st.max_participants = 9;
	g_strlcpy(st.pin, "1234", sizeof(st.pin));
	st.require_token = true;
	assert_int_equal(room_directory_update(d, &st), 0);
	assert_true(room_directory_get(d, "p", &got, NULL));
	assert_memory_equal(&got, &st, sizeof(st));
	/* The room stays live with its member. */
	struct room_summary sum = summary(d, "p");
	assert_true(sum.live);
	assert_true(sum.instance == a.instance);
	assert_int_equal(sum.members, 1);
	/* A transient room is not an API room: -ENOENT, settings unchanged. */
	enter(d, "t", PARTICIPANT_BROWSER);
	struct room_settings t = room("t", 2, 0, NULL);
	assert_int_equal(room_directory_update(d, &t), -ENOENT);
	assert_true(room_directory_get(d, "t", &got, &sum));
	assert_int_equal(got.max_participants, 0);
	assert_false(sum.persistent);
	room_directory_destroy(d);
}

static void test_get_unknown(void **state)
{
	struct room_directory *d = make(2, 32, true);
	struct room_settings st;
	struct room_summary sum;

	memset(&st, 0xab, sizeof(st));
	memset(&sum, 0xab, sizeof(sum));
	assert_false(room_directory_get(d, "nope", &st, &sum));
	assert_false(room_directory_get(d, "nope", NULL, NULL));
	add(d, "p", 0, 0, NULL);
	assert_true(room_directory_get(d, "p", NULL, NULL));
	assert_false(room_directory_get(d, "P", NULL, NULL)); /* names are case-sensitive */
	assert_false(room_directory_get(d, "nope", &st, &sum));
	room_directory_destroy(d);
}

/* The directory keeps its own copy of the room name. */
static void test_name_is_copied(void **state)
{
	struct room_directory *d = make(2, 32, true);
	char name[16];

	strcpy(name, "copied");
	struct room_seat s = enter(d, name, PARTICIPANT_BROWSER);
	memset(name, 'x', sizeof(name) - 1);
	assert_int_equal(room_directory_members(d, "copied"), 1);
	strcpy(name, "copied");
	room_directory_leave(d, name, &s, PARTICIPANT_BROWSER);
	assert_int_equal(room_directory_members(d, "copied"), 0);
	room_directory_destroy(d);
}

/* ---- list, find_number -------------------------------------------------- */

struct listing {
	struct room_directory *d;
	int n;
	char names[8][ROOM_SETTINGS_NAME_MAX];
	struct room_summary sums[8];
	unsigned members[8];    /* asked from inside fn */
};

static void collect(void *arg, const struct room_settings *s, const struct room_summary *sum)
{
	struct listing *l = arg;

	assert_true(l->n < 8);
	g_strlcpy(l->names[l->n], s->name, sizeof(l->names[0]));
	l->sums[l->n] = *sum;
	/* Calling back in must not deadlock. */
	l->members[l->n] = room_directory_members(l->d, s->name);
	assert_true(room_directory_get(l->d, s->name, NULL, NULL));
	unsigned rooms, live, by_kind[ROOM_KINDS];
	room_directory_totals(l->d, &rooms, &live, by_kind);
	if (strcmp(s->name, "c") == 0) {
		struct room_settings extra = room("zz-added-in-fn", 0, 0, NULL);
		assert_int_equal(room_directory_add(l->d, &extra), 0);
	}
	l->n++;
}

static void test_list_sorted_reentrant(void **state)
{
	struct room_directory *d = make(2, 32, true);
	struct listing l = { .d = d };

	room_directory_list(d, collect, &l);
	assert_int_equal(l.n, 0);
	add(d, "m", 0, 0, NULL);
	enter(d, "d", PARTICIPANT_BROWSER);
	add(d, "c", 0, 0, NULL);
	enter(d, "c", PARTICIPANT_SIP);
	enter(d, "c", PARTICIPANT_SIP);
	enter(d, "a", PARTICIPANT_WHIP);
	add(d, "B", 0, 0, NULL);
	room_directory_list(d, collect, &l);
	assert_int_equal(l.n, 5);
	const char *want[] = { "B", "a", "c", "d", "m" };
	for (int i = 0; i < 5; i++)
		assert_string_equal(l.names[i], want[i]);
	assert_true(l.sums[0].persistent && !l.sums[0].live);
	assert_true(!l.sums[1].persistent && l.sums[1].live);
	assert_int_equal(l.sums[1].by_kind[PARTICIPANT_WHIP], 1);
	assert_true(l.sums[2].persistent && l.sums[2].live);
	assert_int_equal(l.sums[2].members, 2);
	assert_int_equal(l.members[2], 2);
	assert_int_equal(l.members[3], 1);
	assert_int_equal(l.members[4], 0);
	/* The room added from inside fn was not in the copy, but now exists. */
	assert_true(room_directory_get(d, "zz-added-in-fn", NULL, NULL));
	room_directory_destroy(d);
}

static void test_find_number(void **state)
{
	struct room_directory *d = make(2, 32, true);
	char name[ROOM_SETTINGS_NAME_MAX];
	struct room_seat live;

	add(d, "sales", 0, 0, "+4930100");
	add(d, "support", 0, 0, "200");
	add(d, "nonumber", 0, 0, NULL);
	enter(d, "transient", PARTICIPANT_BROWSER); /* sip_number "" */
	assert_true(room_directory_find_number(d, "+4930100", name));
	assert_string_equal(name, "sales");
	assert_true(room_directory_find_number(d, "200", name));
	assert_string_equal(name, "support");
	assert_false(room_directory_find_number(d, "300", name));
	assert_false(room_directory_find_number(d, "20", name));
	assert_false(room_directory_find_number(d, "", name)); /* "" = none, never a match */
	/* Update moves the number; remove forgets it. */
	struct room_settings st = room("support", 0, 0, "201");
	assert_int_equal(room_directory_update(d, &st), 0);
	assert_false(room_directory_find_number(d, "200", name));
	assert_true(room_directory_find_number(d, "201", name));
	assert_string_equal(name, "support");
	assert_int_equal(room_directory_remove(d, "sales", &live), 0);
	assert_false(room_directory_find_number(d, "+4930100", name));
	room_directory_destroy(d);
}

/* ---- expire, totals ----------------------------------------------------- */

static void collect_name(void *arg, const char *name)
{
	GPtrArray *names = arg;

	g_ptr_array_add(names, g_strdup(name));
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_expire(void **state)
{
	struct room_directory *d = make(2, 32, true);
	GPtrArray *gone = g_ptr_array_new_with_free_func(g_free);
	int64_t now = g_get_real_time() / 1000;
	int64_t later = now + 365LL * 24 * 3600 * 1000; /* far in the future */

	add(d, "used", 0, 60, NULL);        /* entered and emptied: expires */
	struct room_seat s = enter(d, "used", PARTICIPANT_BROWSER);
	room_directory_leave(d, "used", &s, PARTICIPANT_BROWSER);
	add(d, "unused", 0, 60, NULL);      /* never entered: empty since added, expires */
	add(d, "busy", 0, 60, NULL);        /* live: stays */
	struct room_seat busy = enter(d, "busy", PARTICIPANT_SIP);
	add(d, "forever", 0, 0, NULL);      /* no timeout: stays */
	s = enter(d, "forever", PARTICIPANT_BROWSER);
	room_directory_leave(d, "forever", &s, PARTICIPANT_BROWSER);
	add(d, "long", 0, 400 * 24 * 3600, NULL); /* timeout not yet elapsed: stays */
	enter(d, "transient", PARTICIPANT_BROWSER); /* not persistent: stays */

	/* Now: nothing has been empty for a minute. */
	room_directory_expire(d, now, collect_name, gone);
	assert_int_equal(gone->len, 0);
	assert_totals(d, 6, 2, 1, 1, 0);

	room_directory_expire(d, later, collect_name, gone);
	g_ptr_array_sort(gone, cmp_str);
	assert_int_equal(gone->len, 2);
	assert_string_equal(gone->pdata[0], "unused");
	assert_string_equal(gone->pdata[1], "used");
	assert_false(room_directory_get(d, "used", NULL, NULL));
	assert_false(room_directory_get(d, "unused", NULL, NULL));
	assert_true(room_directory_get(d, "busy", NULL, NULL));
	assert_true(room_directory_get(d, "forever", NULL, NULL));
	assert_true(room_directory_get(d, "long", NULL, NULL));
	assert_true(room_directory_get(d, "transient", NULL, NULL));
	assert_totals(d, 4, 2, 1, 1, 0);

	/* Once its last member leaves, busy expires too. */
	room_directory_leave(d, "busy", &busy, PARTICIPANT_SIP);
	g_ptr_array_set_size(gone, 0);
	room_directory_expire(d, later, collect_name, gone);
	assert_int_equal(gone->len, 1);
	assert_string_equal(gone->pdata[0], "busy");
	/* Nothing left to expire. */
	g_ptr_array_set_size(gone, 0);
	room_directory_expire(d, later, collect_name, gone);
	assert_int_equal(gone->len, 0);
	g_ptr_array_free(gone, TRUE);
	room_directory_destroy(d);
}

static void test_totals(void **state)
{
	struct room_directory *d = make(3, 32, true);

	add(d, "idle", 0, 0, NULL);
	assert_totals(d, 1, 0, 0, 0, 0);
	struct room_seat a1 = enter(d, "a", PARTICIPANT_BROWSER);
	enter(d, "a", PARTICIPANT_BROWSER);
	enter(d, "a", PARTICIPANT_SIP);
	struct room_seat b1 = enter(d, "b", PARTICIPANT_WHIP);
	enter(d, "b", PARTICIPANT_SIP);
	add(d, "p", 0, 0, NULL);
	struct room_seat p1 = enter(d, "p", PARTICIPANT_BROWSER);
	assert_totals(d, 4, 3, 3, 2, 1);
	room_directory_leave(d, "a", &a1, PARTICIPANT_BROWSER);
	room_directory_leave(d, "b", &b1, PARTICIPANT_WHIP);
	assert_totals(d, 4, 3, 2, 2, 0);
	room_directory_leave(d, "p", &p1, PARTICIPANT_BROWSER);
	assert_totals(d, 4, 2, 1, 2, 0);
	room_directory_destroy(d);
}

/* ---- threads ------------------------------------------------------------ */

#define THREADS 4
#define ROUNDS 5000

struct worker_arg {
	struct room_directory *d;
	int id;
	int failures;
};

static gpointer churn(gpointer p)
{
	struct worker_arg *w = p;
	enum participant_kind kind = (enum participant_kind)(w->id % ROOM_KINDS);
	char own[32];

	snprintf(own, sizeof(own), "own-%d", w->id);
	for (int i = 0; i < ROUNDS; i++) {
		struct room_seat shared, mine, api;
		if (room_directory_enter(w->d, "shared", kind, &shared) ||
		    room_directory_enter(w->d, own, kind, &mine) ||
		    room_directory_enter(w->d, "api", kind, &api)) {
			w->failures++;
			break;
		}
		if (room_directory_members(w->d, own) != 1 || room_directory_members(w->d, "shared") == 0)
			w->failures++;
		if (i % 64 == 0) {
			unsigned rooms, live, by_kind[ROOM_KINDS];
			room_directory_totals(w->d, &rooms, &live, by_kind);
			if (live == 0 || by_kind[kind] == 0)
				w->failures++;
		}
		room_directory_leave(w->d, own, &mine, kind);
		room_directory_leave(w->d, "api", &api, kind);
		room_directory_leave(w->d, "shared", &shared, kind);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct room_directory *d = make(4, 32, true);
	struct worker_arg args[THREADS];
	GThread *threads[THREADS];

	add(d, "api", 0, 0, NULL);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct worker_arg){ .d = d, .id = i };
		threads[i] = g_thread_new("churn", churn, &args[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		g_thread_join(threads[i]);
		assert_int_equal(args[i].failures, 0);
	}
	assert_totals(d, 1, 0, 0, 0, 0); /* only the API room is left, not live */
	assert_int_equal(room_directory_members(d, "shared"), 0);
	assert_int_equal(room_directory_members(d, "api"), 0);
	assert_false(summary(d, "api").live);
	/* Every worker's load is back to the same (zero): four new rooms land on
	 * four different workers. */
	bool seen[4] = { false };
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "after-%d", i);
		unsigned w = enter(d, name, PARTICIPANT_BROWSER).worker;
		assert_true(w < 4);
		assert_false(seen[w]);
		seen[w] = true;
	}
	room_directory_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_destroy),
		cmocka_unit_test(test_placement_least_loaded),
		cmocka_unit_test(test_zero_workers),
		cmocka_unit_test(test_room_limit_lowers_cap),
		cmocka_unit_test(test_enospc_no_side_effects),
		cmocka_unit_test(test_enospc_new_transient_not_left),
		cmocka_unit_test(test_kind_out_of_range),
		cmocka_unit_test(test_auto_create_off),
		cmocka_unit_test(test_transient_vanishes_persistent_stays),
		cmocka_unit_test(test_remove_then_late_leave),
		cmocka_unit_test(test_add_exists_and_adopt),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_get_unknown),
		cmocka_unit_test(test_name_is_copied),
		cmocka_unit_test(test_list_sorted_reentrant),
		cmocka_unit_test(test_find_number),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
