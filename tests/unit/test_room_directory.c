/* Unit tests for api/room_directory.c: a new room goes to the worker with
 * the fewest rooms, later members follow it, the member limit answers
 * -ENOSPC without side effects, and the last leave frees the room (and its
 * worker's slot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/room_directory.h"

static struct room_directory *make(unsigned workers)
{
	struct room_directory *d = NULL;

	assert_int_equal(room_directory_create(&d, workers), 0);
	assert_non_null(d);
	return d;
}

static void test_create_destroy(void **state)
{
	struct room_directory *d = make(4);

	assert_int_equal(room_directory_members(d, "nobody"), 0);
	room_directory_destroy(d);
	room_directory_destroy(NULL);
}

static void test_members_count(void **state)
{
	struct room_directory *d = make(2);
	int w;

	w = room_directory_enter(d, "a", 10);
	assert_true(w >= 0 && w < 2);
	assert_int_equal(room_directory_members(d, "a"), 1);
	/* Later members of the same room go to the same worker. */
	for (unsigned i = 2; i <= 5; i++) {
		assert_int_equal(room_directory_enter(d, "a", 10), w);
		assert_int_equal(room_directory_members(d, "a"), i);
	}
	/* Other rooms are counted apart; names are case-sensitive. */
	assert_int_equal(room_directory_members(d, "A"), 0);
	assert_int_equal(room_directory_members(d, "b"), 0);
	assert_true(room_directory_enter(d, "b", 10) >= 0);
	assert_int_equal(room_directory_members(d, "b"), 1);
	assert_int_equal(room_directory_members(d, "a"), 5);
	room_directory_leave(d, "a");
	assert_int_equal(room_directory_members(d, "a"), 4);
	assert_int_equal(room_directory_members(d, "b"), 1);
	room_directory_destroy(d); /* with rooms still in it: no leak */
}

static void test_placement_spreads_rooms(void **state)
{
	struct room_directory *d = make(3);
	int seen[3] = { 0 };
	char name[16];

	/* Three new rooms on three workers land on three different workers. */
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "room%d", i);
		int w = room_directory_enter(d, name, 50);
		assert_true(w >= 0 && w < 3);
		seen[w]++;
	}
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 1);
	room_directory_destroy(d);
}

static void test_placement_balances_many_rooms(void **state)
{
	struct room_directory *d = make(4);
	int seen[4] = { 0 };
	char name[16];

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		int w = room_directory_enter(d, name, 50);
		assert_true(w >= 0 && w < 4);
		seen[w]++;
		/* At every step no worker has more than one room above another. */
		int lo = seen[0], hi = seen[0];
		for (int k = 1; k < 4; k++) {
			lo = seen[k] < lo ? seen[k] : lo;
			hi = seen[k] > hi ? seen[k] : hi;
		}
		assert_true(hi - lo <= 1);
	}
	for (int k = 0; k < 4; k++)
		assert_int_equal(seen[k], 25);
	room_directory_destroy(d);
}

/* Rooms, not members, are balanced: a crowded room counts once. */
static void test_placement_counts_rooms(void **state)
{
	struct room_directory *d = make(2);
	int wa = room_directory_enter(d, "big", 50);

	for (int i = 0; i < 20; i++)
		assert_int_equal(room_directory_enter(d, "big", 50), wa);
	int wb = room_directory_enter(d, "small", 50);
	assert_int_not_equal(wa, wb);
	room_directory_destroy(d);
}

/* A room freed by its last leave frees its worker for the next new room. */
static void test_placement_on_least_loaded_after_leave(void **state)
{
	struct room_directory *d = make(3);
	int wa = room_directory_enter(d, "a", 50);
	int wb = room_directory_enter(d, "b", 50);
	int wc = room_directory_enter(d, "c", 50);

	assert_true(wa != wb && wb != wc && wa != wc);
	assert_int_equal(room_directory_enter(d, "b", 50), wb); /* b has two members */
	room_directory_leave(d, "b");
	/* b still has a member: its worker is still loaded. Fill the two
	 * others to two rooms each; the third new room must go to b's worker. */
	int wd = room_directory_enter(d, "d", 50);
	int we = room_directory_enter(d, "e", 50);
	int wf = room_directory_enter(d, "f", 50);
	int per[3] = { 0 };
	per[wa]++, per[wb]++, per[wc]++, per[wd]++, per[we]++, per[wf]++;
	assert_int_equal(per[0], 2);
	assert_int_equal(per[1], 2);
	assert_int_equal(per[2], 2);

	/* Empty b completely: its worker is now the only one with one room. */
	room_directory_leave(d, "b");
	assert_int_equal(room_directory_members(d, "b"), 0);
	assert_int_equal(room_directory_enter(d, "g", 50), wb);
	/* Now all three hold two rooms again; a fresh room after "a" empties
	 * goes to a's worker. */
	room_directory_leave(d, "a");
	assert_int_equal(room_directory_enter(d, "h", 50), wa);
	room_directory_destroy(d);
}

static void test_max_members(void **state)
{
	struct room_directory *d = make(2);
	int w = room_directory_enter(d, "r", 3);

	assert_true(w >= 0);
	assert_int_equal(room_directory_enter(d, "r", 3), w);
	assert_int_equal(room_directory_enter(d, "r", 3), w);
	assert_int_equal(room_directory_members(d, "r"), 3);
	/* Full: refused, and the refusal changes nothing. */
	assert_int_equal(room_directory_enter(d, "r", 3), -ENOSPC);
	assert_int_equal(room_directory_enter(d, "r", 3), -ENOSPC);
	assert_int_equal(room_directory_members(d, "r"), 3);
	/* Other rooms are not affected. */
	assert_true(room_directory_enter(d, "s", 3) >= 0);
	/* A leave makes room for exactly one more. */
	room_directory_leave(d, "r");
	assert_int_equal(room_directory_members(d, "r"), 2);
	assert_int_equal(room_directory_enter(d, "r", 3), w);
	assert_int_equal(room_directory_enter(d, "r", 3), -ENOSPC);
	assert_int_equal(room_directory_members(d, "r"), 3);
	room_directory_destroy(d);
}

static void test_max_one(void **state)
{
	struct room_directory *d = make(1);

	assert_int_equal(room_directory_enter(d, "solo", 1), 0);
	assert_int_equal(room_directory_enter(d, "solo", 1), -ENOSPC);
	assert_int_equal(room_directory_members(d, "solo"), 1);
	room_directory_leave(d, "solo");
	assert_int_equal(room_directory_enter(d, "solo", 1), 0);
	room_directory_destroy(d);
}

static void test_leave_frees_room(void **state)
{
	struct room_directory *d = make(2);

	assert_true(room_directory_enter(d, "r", 5) >= 0);
	assert_true(room_directory_enter(d, "r", 5) >= 0);
	room_directory_leave(d, "r");
	room_directory_leave(d, "r");
	assert_int_equal(room_directory_members(d, "r"), 0);
	/* Extra leaves of a freed or unknown room are harmless... */
	room_directory_leave(d, "r");
	room_directory_leave(d, "never-was");
	assert_int_equal(room_directory_members(d, "r"), 0);
	/* ...and do not skew the counts of a room created again. */
	int w = room_directory_enter(d, "r", 5);
	assert_true(w >= 0);
	assert_int_equal(room_directory_members(d, "r"), 1);
	/* The re-created room counts on its worker again: the next new room
	 * goes to the other one. */
	assert_int_equal(room_directory_enter(d, "s", 5), 1 - w);
	room_directory_destroy(d);
}

/* A room emptied and entered again is a new room on some worker, and
 * counts there like any other. */
static void test_recreated_room_counts(void **state)
{
	struct room_directory *d = make(2);
	int w;

	assert_true(room_directory_enter(d, "r", 5) >= 0);
	room_directory_leave(d, "r");
	w = room_directory_enter(d, "r", 5);
	assert_true(w >= 0 && w < 2);
	assert_int_equal(room_directory_members(d, "r"), 1);
	assert_int_equal(room_directory_enter(d, "s", 5), 1 - w);
	room_directory_destroy(d);
}

/* The directory keeps its own copy of the room name. */
static void test_name_is_copied(void **state)
{
	struct room_directory *d = make(2);
	char name[16];

	strcpy(name, "copied");
	assert_true(room_directory_enter(d, name, 5) >= 0);
	memset(name, 'x', sizeof(name) - 1);
	assert_int_equal(room_directory_members(d, "copied"), 1);
	strcpy(name, "copied");
	room_directory_leave(d, name);
	assert_int_equal(room_directory_members(d, "copied"), 0);
	room_directory_destroy(d);
}

/* Zero workers means one: every room is placed on worker 0. */
static void test_zero_workers(void **state)
{
	struct room_directory *d = make(0);

	assert_int_equal(room_directory_enter(d, "a", 5), 0);
	assert_int_equal(room_directory_enter(d, "b", 5), 0);
	assert_int_equal(room_directory_enter(d, "c", 5), 0);
	room_directory_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_destroy),
		cmocka_unit_test(test_members_count),
		cmocka_unit_test(test_placement_spreads_rooms),
		cmocka_unit_test(test_placement_balances_many_rooms),
		cmocka_unit_test(test_placement_counts_rooms),
		cmocka_unit_test(test_placement_on_least_loaded_after_leave),
		cmocka_unit_test(test_max_members),
		cmocka_unit_test(test_max_one),
		cmocka_unit_test(test_leave_frees_room),
		cmocka_unit_test(test_recreated_room_counts),
		cmocka_unit_test(test_name_is_copied),
		cmocka_unit_test(test_zero_workers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
