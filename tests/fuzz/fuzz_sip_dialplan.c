/* libFuzzer target for sip/sip_dialplan.c. The first byte picks the mode:
 * even, the rest is a user part routed through a fixed dial plan (number
 * map and directory); odd, the rest up to the first NUL is a number map for
 * sip_dialplan_create, and what follows it is routed through that plan.
 * Results must keep the header's promises: a room only with a SIP_ROUTE_BY_*
 * and always a valid room name, by name only when it is the decoded user. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_dialplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static bool valid_room(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789._-") == n;
}

/* A directory where every number ending in 7 is a room named after it. */
static bool find_number(void *arg, const char *number, char room_out[SIP_DIALPLAN_ROOM_MAX])
{
	size_t n = strlen(number);
	CHECK(n >= 1 && n < SIP_DIALPLAN_NUMBER_MAX);
	CHECK(strspn(number + (number[0] == '+'), "0123456789") == n - (number[0] == '+'));
	if (number[n - 1] != '7')
		return false;
	snprintf(room_out, SIP_DIALPLAN_ROOM_MAX, "n%s", number + (number[0] == '+'));
	return true;
}

static void route(const struct sip_dialplan *dp, bool directory, const char *user, size_t len)
{
	char room[SIP_DIALPLAN_ROOM_MAX], err[128], decoded[SIP_DIALPLAN_MAX_USER + 1];
	char *copy = malloc(len ? len : 1);  /* exact size: no NUL after the user part */
	CHECK(copy);
	if (len)
		memcpy(copy, user, len);
	memset(err, 'z', sizeof err);
	enum sip_route r = sip_dialplan_route(dp, copy, len, room, err, sizeof err);
	int n = sip_dialplan_unescape(copy, len, decoded, sizeof decoded);
	free(copy);
	CHECK(memchr(err, '\0', sizeof err) && memchr(room, '\0', sizeof room));
	switch (r) {
	case SIP_ROUTE_MALFORMED:
		CHECK(n < 0 && !room[0] && err[0]);
		break;
	case SIP_ROUTE_NOT_A_ROOM:
		CHECK(n >= 0 && !room[0] && err[0]);
		break;
	case SIP_ROUTE_BY_NAME:
		CHECK(n > 0 && !strcmp(room, decoded));
		/* fall through */
	case SIP_ROUTE_BY_NUMBER:
	case SIP_ROUTE_BY_MAPPED_NUMBER:
		CHECK(n > 0 && valid_room(room));
		break;
	default:
		abort();
	}
	if (n >= 0) {
		char number[SIP_DIALPLAN_NUMBER_MAX];
		if (sip_dialplan_normalize_number(decoded, number))
			CHECK(strlen(number) >= 1 && strlen(number) <= 32);
		/* a number the directory knows always routes there */
		if (directory && r != SIP_ROUTE_BY_NUMBER && sip_dialplan_normalize_number(decoded, number))
			CHECK(number[strlen(number) - 1] != '7');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_dialplan *fixed;
	char err[128];
	if (!fixed && sip_dialplan_create(&fixed, "+4930123456=standup,0800-123=hotline,112=help",
					  find_number, NULL, err, sizeof err))
		abort();
	if (size == 0)
		return 0;
	const char *rest = (const char *)data + 1;
	size_t len = size - 1;
	if (!(data[0] & 1)) {
		route(fixed, true, rest, len);
		return 0;
	}
	const char *nul = memchr(rest, '\0', len);
	size_t map_len = nul ? (size_t)(nul - rest) : len;
	char *map = malloc(map_len + 1);
	CHECK(map);
	memcpy(map, rest, map_len);
	map[map_len] = '\0';
	struct sip_dialplan *dp = (struct sip_dialplan *)(uintptr_t)1;  /* create must clear it */
	memset(err, 'z', sizeof err);
	int rc = sip_dialplan_create(&dp, map, data[0] & 2 ? find_number : NULL, NULL, err, sizeof err);
	free(map);
	CHECK(memchr(err, '\0', sizeof err));
	if (rc) {
		CHECK(rc == -EINVAL && !dp && err[0]);
		return 0;
	}
	if (nul)
		route(dp, data[0] & 2, nul + 1, len - map_len - 1);
	route(dp, data[0] & 2, "112", 3);
	sip_dialplan_destroy(dp);
	return 0;
}
