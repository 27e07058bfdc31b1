/* The SIP dial plan (see sip_dialplan.h): percent-decoding, RFC 3966 number
 * normalization, and the ordered lookups. The static map is parsed once into
 * an array; routing only reads it and the caller's buffers. */
#include "sip/sip_dialplan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct map_entry {
	char number[SIP_DIALPLAN_NUMBER_MAX];
	char room[SIP_DIALPLAN_ROOM_MAX];
};

struct sip_dialplan {
	sip_dialplan_find_fn *find_number;
	void *arg;
	size_t n_map;
	struct map_entry *map;
};

__attribute__((format(printf, 3, 4)))
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool room_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= SIP_DIALPLAN_ROOM_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sip_dialplan_unescape(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	if ((!in && len) || !out || !cap)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
			if (lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		/* A NUL would cut the name short; CR, LF and the like would let a
		 * room name or a log line be forged. */
		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (n + 1 >= cap)
			return -E2BIG;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
}

bool sip_dialplan_normalize_number(const char *s, char out[SIP_DIALPLAN_NUMBER_MAX])
{
	size_t n = 0, digits = 0;
	if (*s == '+')
		out[n++] = *s++;
	for (; *s && *s != ';'; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > SIP_DIALPLAN_NUMBER_MAX - 2)
				return false;
			out[n++] = *s;
		} else if (!strchr("-.()", *s)) {
			return false;
		}
	}
	out[n] = '\0';
	return digits > 0;
}

/* The number with its leading '+' removed or added; false if it would not fit. */
static bool other_form(const char *number, char out[SIP_DIALPLAN_NUMBER_MAX])
{
	if (number[0] == '+') {
		memmove(out, number + 1, strlen(number));
		return true;
	}
	if (strlen(number) + 2 > SIP_DIALPLAN_NUMBER_MAX)
		return false;
	out[0] = '+';
	memmove(out + 1, number, strlen(number) + 1);
	return true;
}

static const struct map_entry *map_find(const struct sip_dialplan *dp, const char *number)
{
	for (size_t i = 0; i < dp->n_map; i++)
		if (!strcmp(dp->map[i].number, number))
			return &dp->map[i];
	return NULL;
}

static bool directory_find(const struct sip_dialplan *dp, const char *number,
			   char room[SIP_DIALPLAN_ROOM_MAX])
{
	char found[SIP_DIALPLAN_ROOM_MAX] = "";
	if (!dp->find_number || !dp->find_number(dp->arg, number, found))
		return false;
	found[SIP_DIALPLAN_ROOM_MAX - 1] = '\0';
	if (!room_name_valid(found))  /* never route to a name the directory could not hold */
		return false;
	memcpy(room, found, sizeof found);
	return true;
}

/* ---- the static map ---- */

static const char *trim_item(char *s)
{
	char *end = s + strlen(s);
	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static int parse_item(struct sip_dialplan *dp, char *item, unsigned index, char *err, size_t errlen)
{
	struct map_entry *e = &dp->map[dp->n_map];
	char *eq = strchr(item, '=');
	if (!eq)
		return say(err, errlen, "number map item %u: expected NUMBER=ROOM", index), -EINVAL;
	*eq = '\0';
	const char *number = trim_item(item), *room = trim_item(eq + 1);
	if (!sip_dialplan_normalize_number(number, e->number) || strchr(number, ';'))
		return say(err, errlen, "number map item %u: \"%.40s\" is not a number "
			   "(+ and 1-31 digits; - . ( ) allowed)", index, number), -EINVAL;
	if (!room_name_valid(room))
		return say(err, errlen, "number map item %u: room \"%.70s\" is not 1-64 of "
			   "A-Z a-z 0-9 . _ -", index, room), -EINVAL;
	if (map_find(dp, e->number))
		return say(err, errlen, "number map item %u: %s is mapped twice", index, e->number),
		       -EINVAL;
	memcpy(e->room, room, strlen(room) + 1);
	dp->n_map++;
	return 0;
}

static int parse_map(struct sip_dialplan *dp, const char *text, char *err, size_t errlen)
{
	size_t items = 1;
	char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (const char *p = text; *p; p++)
		items += *p == ',';
	dp->map = calloc(items, sizeof *dp->map);
	int rc = dp->map ? 0 : -ENOMEM;
	char *item = copy;
	for (unsigned i = 1; !rc && item; i++) {
		char *comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		rc = parse_item(dp, item, i, err, errlen);
		item = comma ? comma + 1 : NULL;
	}
	free(copy);
	return rc;
}

int sip_dialplan_create(struct sip_dialplan **out, const char *number_map,
			sip_dialplan_find_fn *find_number, void *arg, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	struct sip_dialplan *dp = calloc(1, sizeof *dp);
	if (!dp)
		return -ENOMEM;
	dp->find_number = find_number;
	dp->arg = arg;
	const char *map = number_map ? number_map : "";
	while (*map == ' ' || *map == '\t')
		map++;
	int rc = *map ? parse_map(dp, number_map, err, errlen) : 0;
	if (rc) {
		if (rc == -ENOMEM)
			say(err, errlen, "out of memory");
		sip_dialplan_destroy(dp);
		return rc;
	}
	*out = dp;
	return 0;
}

void sip_dialplan_destroy(struct sip_dialplan *dp)
{
	if (!dp)
		return;
	free(dp->map);
	free(dp);
}

size_t sip_dialplan_map_size(const struct sip_dialplan *dp)
{
	return dp ? dp->n_map : 0;
}

/* ---- routing ---- */

static enum sip_route route_number(const struct sip_dialplan *dp, const char *user,
				   char room[SIP_DIALPLAN_ROOM_MAX])
{
	char forms[2][SIP_DIALPLAN_NUMBER_MAX];
	if (!sip_dialplan_normalize_number(user, forms[0]))
		return SIP_ROUTE_NOT_A_ROOM;
	unsigned n = other_form(forms[0], forms[1]) ? 2 : 1;
	for (unsigned i = 0; i < n; i++)
		if (directory_find(dp, forms[i], room))
			return SIP_ROUTE_BY_NUMBER;
	for (unsigned i = 0; i < n; i++) {
		const struct map_entry *e = map_find(dp, forms[i]);
		if (e) {
			memcpy(room, e->room, sizeof e->room);
			return SIP_ROUTE_BY_MAPPED_NUMBER;
		}
	}
	return SIP_ROUTE_NOT_A_ROOM;
}

enum sip_route sip_dialplan_route(const struct sip_dialplan *dp, const char *user, size_t len,
				  char room[SIP_DIALPLAN_ROOM_MAX], char *err, size_t errlen)
{
	char decoded[SIP_DIALPLAN_MAX_USER + 1];
	if (err && errlen)
		err[0] = '\0';
	room[0] = '\0';
	if (!dp)
		return say(err, errlen, "no dial plan"), SIP_ROUTE_MALFORMED;
	int n = sip_dialplan_unescape(user, len, decoded, sizeof decoded);
	if (n == -E2BIG)
		return say(err, errlen, "user part longer than %d bytes", SIP_DIALPLAN_MAX_USER),
		       SIP_ROUTE_MALFORMED;
	if (n < 0)
		return say(err, errlen, "bad escape or control character in the user part"),
		       SIP_ROUTE_MALFORMED;
	enum sip_route r = route_number(dp, decoded, room);
	if (r != SIP_ROUTE_NOT_A_ROOM)
		return r;
	if (room_name_valid(decoded)) {
		memcpy(room, decoded, (size_t)n + 1);
		return SIP_ROUTE_BY_NAME;
	}
	if (n == 0)
		say(err, errlen, "no user part");
	else
		say(err, errlen, "\"%.64s\" is neither a known number nor a room name", decoded);
	return SIP_ROUTE_NOT_A_ROOM;
}

const char *sip_route_name(enum sip_route r)
{
	static const char *const names[] = {
		[SIP_ROUTE_NOT_A_ROOM] = "not a room", [SIP_ROUTE_BY_NUMBER] = "by number",
		[SIP_ROUTE_BY_MAPPED_NUMBER] = "by mapped number", [SIP_ROUTE_BY_NAME] = "by name",
		[SIP_ROUTE_MALFORMED] = "malformed",
	};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}
