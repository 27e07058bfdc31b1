/* libFuzzer target for api/api_request.c: parses the input as JSON (any
 * root, at most 64 KiB) and feeds it to every body parser: room settings
 * for create and for patch, token requests and mute. An accepted body must
 * yield values inside the documented bounds; a refused one must leave the
 * room settings untouched and give a terminated message. Accepted settings
 * are written back with api_room_settings_json and must parse again to the
 * same struct; accepted token claims must be signable by token_create. */
#include <glib.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define JSON_MAX_INPUT (64 * 1024)
#define SERVER_MAX 100
#define NOW 1700000000

static bool digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	return true;
}

static bool same(const struct room_settings *a, const struct room_settings *b)
{
	return strcmp(a->name, b->name) == 0 && a->max_participants == b->max_participants &&
	       strcmp(a->pin, b->pin) == 0 && strcmp(a->sip_number, b->sip_number) == 0 &&
	       a->require_token == b->require_token && a->empty_timeout_s == b->empty_timeout_s &&
	       a->created_at == b->created_at;
}

static void check_err(const char *err, size_t errlen)
{
	if (!memchr(err, 0, errlen) || !*err)
		abort();
}

/* Valid settings, where "unset" (0) is allowed for max_participants. */
static void check_settings(const struct room_settings *s)
{
	if (!api_room_name_valid(s->name) || s->max_participants < 0 ||
	    s->max_participants > SERVER_MAX || (*s->pin && !digits(s->pin, 4, 16)) ||
	    (*s->sip_number &&
	     !digits(s->sip_number[0] == '+' ? s->sip_number + 1 : s->sip_number, 1, 31)) ||
	    s->empty_timeout_s < 0 || s->empty_timeout_s > API_MAX_EMPTY_TIMEOUT_S)
		abort();
}

/* Written back (less created_at, which is output only), the settings parse
 * again to themselves, as a create and as a patch. */
static void check_round_trip(const struct room_settings *s)
{
	json_t *j = api_room_settings_json(s);
	char err[160];
	if (!j || json_object_del(j, "created_at"))
		abort();
	if (s->max_participants == 0) /* unset: not a value a client may send */
		json_object_del(j, "max_participants");
	char *text = json_dumps(j, JSON_COMPACT);
	json_t *again = text ? json_loads(text, 0, NULL) : NULL;
	if (!again)
		abort();
	struct room_settings back;
	memset(&back, 0, sizeof(back));
	back.created_at = s->created_at;
	back.max_participants = s->max_participants;
	if (api_parse_room_settings(&back, again, true, SERVER_MAX, err, sizeof(err)) || !same(&back, s))
		abort();
	back = *s;
	if (api_parse_room_settings(&back, again, false, SERVER_MAX, err, sizeof(err)) || !same(&back, s))
		abort();
	json_decref(again);
	json_decref(j);
	free(text);
}

static void fuzz_settings(json_t *body, bool create)
{
	struct room_settings start, s;
	char err[160];

	memset(&start, 0, sizeof(start));
	if (!create) {
		g_strlcpy(start.name, "fuzz-room", sizeof(start.name));
		start.max_participants = 10;
		g_strlcpy(start.pin, "1234", sizeof(start.pin));
		g_strlcpy(start.sip_number, "+15551234", sizeof(start.sip_number));
		start.require_token = true;
		start.empty_timeout_s = 60;
	}
	start.created_at = NOW;
	s = start;
	err[0] = 0;
	if (api_parse_room_settings(&s, body, create, SERVER_MAX, err, sizeof(err)) == 0) {
		check_settings(&s);
		if (!create && strcmp(s.name, start.name) != 0)
			abort();
		if (s.created_at != NOW)
			abort();
		check_round_trip(&s);
	} else {
		check_err(err, sizeof(err));
		if (!same(&s, &start))
			abort();
	}
}

static void fuzz_token(json_t *body)
{
	static const uint8_t secret[32] = { 7 };
	struct token_claims c;
	char err[160];

	err[0] = 0;
	if (api_parse_token_request(&c, body, NOW, err, sizeof(err)) == 0) {
		if (!api_room_name_valid(c.room) || !*c.identity || c.issued_at != NOW ||
		    c.expires_at <= NOW || c.expires_at > NOW + API_TOKEN_MAX_TTL_S ||
		    !memchr(c.name, 0, sizeof(c.name)) || !memchr(c.identity, 0, sizeof(c.identity)))
			abort();
		char *jwt = token_create(&c, secret, sizeof(secret));
		struct token_claims back;
		if (!jwt || token_verify(jwt, strlen(jwt), secret, sizeof(secret), NOW, &back) != TOKEN_VALID ||
		    strcmp(back.room, c.room) || strcmp(back.identity, c.identity) ||
		    strcmp(back.name, c.name) || back.expires_at != c.expires_at ||
		    back.can_publish != c.can_publish || back.can_subscribe != c.can_subscribe)
			abort();
		g_free(jwt);
	} else {
		check_err(err, sizeof(err));
	}
}

static void fuzz_mute(json_t *body)
{
	char err[160];
	int audio = 7, video = 7;

	err[0] = 0;
	if (api_parse_mute(body, &audio, &video, err, sizeof(err)) == 0) {
		if (audio < -1 || audio > 1 || video < -1 || video > 1 || (audio < 0 && video < 0))
			abort();
		if ((audio >= 0) != (json_object_get(body, "audio") != NULL) ||
		    (video >= 0) != (json_object_get(body, "video") != NULL))
			abort();
	} else {
		check_err(err, sizeof(err));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The raw bytes as a room name, up to the first NUL. */
	char *name = g_strndup((const char *)data, size > 100 ? 100 : size);
	size_t n = strlen(name);
	bool want = n >= 1 && n <= 64;
	for (size_t i = 0; want && i < n; i++)
		want = g_ascii_isalnum(name[i]) || strchr("._-", name[i]);
	if (want && strspn(name, ".") == n)
		want = false;
	if (api_room_name_valid(name) != want)
		abort();
	g_free(name);

	if (size > JSON_MAX_INPUT)
		return 0;
	json_t *body = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!body)
		return 0;
	fuzz_settings(body, true);
	fuzz_settings(body, false);
	fuzz_token(body);
	fuzz_mute(body);
	json_decref(body);
	return 0;
}
