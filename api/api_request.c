/* Request body validation for the room API. */
#include "api/api_request.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "base/error_text.h"

bool api_room_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= ROOM_SETTINGS_NAME_MAX)
		return false;
	bool only_dots = true;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
		only_dots = only_dots && name[i] == '.';
	}
	/* "." and ".." would be path segments in /api/v1/rooms/{name}. */
	return !only_dots;
}

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	return true;
}

static int get_int(json_t *v, const char *field, long long lo, long long hi, int *out, char *err,
		   size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(err, errlen, "%s must be an integer from %lld to %lld", field, lo, hi);
		return -EINVAL;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_bool(json_t *v, const char *field, bool *out, char *err, size_t errlen)
{
	if (!json_is_boolean(v))
		return error_text(err, errlen, -EINVAL, "%s must be true or false", field);
	*out = json_is_true(v);
	return 0;
}

/* A string field that null or "" clears. */
static int get_code(json_t *v, const char *field, bool (*ok)(const char *), char *out, size_t cap,
		    const char *rule, char *err, size_t errlen)
{
	if (json_is_null(v)) {
		*out = '\0';
		return 0;
	}
	const char *s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v) || (*s && !ok(s)) || strlen(s) >= cap) {
		snprintf(err, errlen, "%s must be %s", field, rule);
		return -EINVAL;
	}
	g_strlcpy(out, s, cap);
	return 0;
}

static bool pin_ok(const char *s)
{
	return all_digits(s, 4, 16);
}

static bool number_ok(const char *s)
{
	return all_digits(s[0] == '+' ? s + 1 : s, 1, 31);
}

static int check_name(struct room_settings *s, json_t *v, bool create, char *err, size_t errlen)
{
	const char *name = json_string_value(v);
	if (!name || strlen(name) != json_string_length(v) || !api_room_name_valid(name))
		return error_text(err, errlen, -EINVAL,
				  "%s must be 1 to 64 characters of A-Z a-z 0-9 . _ -", "name");
	if (!create && strcmp(name, s->name) != 0)
		return error_text(err, errlen, -EINVAL, "%s cannot be changed", "name");
	g_strlcpy(s->name, name, sizeof(s->name));
	return 0;
}

static int apply_field(struct room_settings *s, const char *key, json_t *v, bool create,
		       unsigned server_max, char *err, size_t errlen)
{
	if (strcmp(key, "name") == 0)
		return check_name(s, v, create, err, errlen);
	if (strcmp(key, "max_participants") == 0)
		return get_int(v, key, 0, server_max, &s->max_participants, err, errlen);
	if (strcmp(key, "pin") == 0)
		return get_code(v, key, pin_ok, s->pin, sizeof(s->pin), "4 to 16 digits, \"\" or null",
				err, errlen);
	if (strcmp(key, "sip_number") == 0)
		return get_code(v, key, number_ok, s->sip_number, sizeof(s->sip_number),
				"digits with an optional leading +, at most 32 characters, \"\" or null",
				err, errlen);
	if (strcmp(key, "require_token") == 0)
		return get_bool(v, key, &s->require_token, err, errlen);
	if (strcmp(key, "empty_timeout_s") == 0)
		return get_int(v, key, 0, API_MAX_EMPTY_TIMEOUT_S, &s->empty_timeout_s, err, errlen);
	snprintf(err, errlen, "unknown field \"%.64s\"", key);
	return -EINVAL;
}

int api_parse_room_settings(struct room_settings *s, json_t *body, bool create,
			    unsigned server_max, char *err, size_t errlen)
{
	if (!json_is_object(body))
		return error_text(err, errlen, -EINVAL, "%s", "the body must be a JSON object");
	if (create && !json_object_get(body, "name"))
		return error_text(err, errlen, -EINVAL, "%s is required", "name");
	struct room_settings next = *s;
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (apply_field(&next, key, v, create, server_max, err, errlen))
			return -EINVAL;
	}
	*s = next;
	return 0;
}

json_t *api_room_settings_json(const struct room_settings *s)
{
	return json_pack("{s:s, s:i, s:s?, s:s?, s:b, s:i, s:I}", "name", s->name, "max_participants",
			 s->max_participants, "pin", *s->pin ? s->pin : NULL, "sip_number",
			 *s->sip_number ? s->sip_number : NULL, "require_token", s->require_token,
			 "empty_timeout_s", s->empty_timeout_s, "created_at", (json_int_t)s->created_at);
}

static int get_text(json_t *v, const char *field, bool required, char *out, size_t cap, char *err,
		    size_t errlen)
{
	if (!v) {
		if (required)
			return error_text(err, errlen, -EINVAL, "%s is required", field);
		*out = '\0';
		return 0;
	}
	const char *s = json_string_value(v);
	if (!s || !*s || strlen(s) != json_string_length(v) || strlen(s) >= cap) {
		snprintf(err, errlen, "%s must be a non-empty string of at most %zu bytes", field, cap - 1);
		return -EINVAL;
	}
	g_strlcpy(out, s, cap);
	return 0;
}

static bool known_token_field(const char *key)
{
	static const char *const fields[] = { "room", "identity", "name", "ttl_s", "can_publish",
					      "can_subscribe" };
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		if (strcmp(key, fields[i]) == 0)
			return true;
	return false;
}

int api_parse_token_request(struct token_claims *c, json_t *body, int64_t now, char *err,
			    size_t errlen)
{
	if (!json_is_object(body))
		return error_text(err, errlen, -EINVAL, "%s", "the body must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (!known_token_field(key)) {
			snprintf(err, errlen, "unknown field \"%.64s\"", key);
			return -EINVAL;
		}
	}
	memset(c, 0, sizeof(*c));
	int ttl = API_TOKEN_DEFAULT_TTL_S;
	c->can_publish = c->can_subscribe = true;
	if (get_text(json_object_get(body, "room"), "room", true, c->room, sizeof(c->room), err, errlen) ||
	    get_text(json_object_get(body, "identity"), "identity", true, c->identity,
		     sizeof(c->identity), err, errlen) ||
	    get_text(json_object_get(body, "name"), "name", false, c->name, sizeof(c->name), err, errlen))
		return -EINVAL;
	if (!api_room_name_valid(c->room))
		return error_text(err, errlen, -EINVAL,
				  "%s must be 1 to 64 characters of A-Z a-z 0-9 . _ -", "room");
	if ((v = json_object_get(body, "ttl_s")) && get_int(v, "ttl_s", 1, API_TOKEN_MAX_TTL_S, &ttl, err, errlen))
		return -EINVAL;
	if ((v = json_object_get(body, "can_publish")) && get_bool(v, "can_publish", &c->can_publish, err, errlen))
		return -EINVAL;
	if ((v = json_object_get(body, "can_subscribe")) &&
	    get_bool(v, "can_subscribe", &c->can_subscribe, err, errlen))
		return -EINVAL;
	c->issued_at = now;
	c->expires_at = now + ttl;
	return 0;
}

int api_parse_mute(json_t *body, int *audio, int *video, char *err, size_t errlen)
{
	*audio = *video = -1;
	if (!json_is_object(body))
		return error_text(err, errlen, -EINVAL, "%s", "the body must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		int *out = strcmp(key, "audio") == 0 ? audio : strcmp(key, "video") == 0 ? video : NULL;
		if (!out) {
			snprintf(err, errlen, "unknown field \"%.64s\"", key);
			return -EINVAL;
		}
		if (!json_is_boolean(v))
			return error_text(err, errlen, -EINVAL, "%s must be true or false", key);
		*out = json_is_true(v);
	}
	if (*audio < 0 && *video < 0)
		return error_text(err, errlen, -EINVAL, "%s", "give audio, video or both");
	return 0;
}
