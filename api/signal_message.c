/* Parsing and validation of client signaling messages. Every refusal names
 * the protocol error code, so a client can tell its mistakes apart. */
#include "api/signal_message.h"

#include "api/api_request.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

static int fail(struct signal_error *err, const char *code, const char *ref, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct signal_error *err, const char *code, const char *ref, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	err->ref = ref;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* The reason may quote the client's bytes, cut anywhere: keep it valid UTF-8. */
	const gchar *end;
	if (!g_utf8_validate(err->message, -1, &end))
		err->message[end - err->message] = 0;
	return -EINVAL;
}

bool signal_room_name_valid(const char *name)
{
	return api_room_name_valid(name);
}

/* A string member without NUL bytes, or NULL. */
static const char *plain_string(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int parse_join(struct signal_message *m, json_t *root, struct signal_error *err)
{
	const char *room = plain_string(root, "room"), *n = plain_string(root, "name");
	json_t *token = json_object_get(root, "token");
	if (!room || !signal_room_name_valid(room))
		return fail(err, "bad_request", "join",
			    "room must be 1-64 characters of A-Z a-z 0-9 _ - .");
	if (!n || !*n)
		return fail(err, "bad_request", "join", "name must be a non-empty string without NUL");
	if (strlen(n) > SIGNAL_MAX_NAME)
		return fail(err, "bad_request", "join", "name must be at most 64 bytes of UTF-8");
	if (token && !json_is_string(token) && !json_is_null(token))
		return fail(err, "bad_request", "join", "token must be a string");
	m->token = plain_string(root, "token");
	/* A token cut at a NUL must not pass for no token at all. */
	if (json_is_string(token) && !m->token)
		return fail(err, "bad_request", "join", "token must not contain NUL");
	g_strlcpy(m->room, room, sizeof(m->room));
	g_strlcpy(m->name, n, sizeof(m->name));
	return 0;
}

static int parse_answer(struct signal_message *m, json_t *root, struct signal_error *err)
{
	json_t *sdp = json_object_get(root, "sdp");
	if (!json_is_string(sdp) || json_string_length(sdp) == 0)
		return fail(err, "bad_request", "answer", "answer needs a non-empty string sdp");
	m->sdp = json_string_value(sdp);
	if (strlen(m->sdp) != json_string_length(sdp))
		return fail(err, "bad_sdp", "answer", "sdp contains a NUL byte");
	return 0;
}

static int parse_candidate(struct signal_message *m, json_t *root, struct signal_error *err)
{
	json_t *c = json_object_get(root, "candidate");
	if (!c || json_is_null(c)) {
		m->candidate = NULL;
		return 0;
	}
	if (!json_is_object(c))
		return fail(err, "bad_request", "candidate", "candidate must be an object or null");
	json_t *line = json_object_get(c, "candidate");
	if (!json_is_string(line))
		return fail(err, "bad_request", "candidate", "candidate.candidate must be a string");
	const char *s = json_string_value(line);
	if (strlen(s) > 512 || strlen(s) != json_string_length(line))
		return fail(err, "bad_request", "candidate", "candidate.candidate is too long");
	m->candidate = *s ? s : NULL;
	return 0;
}

static int parse_mute(struct signal_message *m, json_t *root, struct signal_error *err)
{
	json_t *muted = json_object_get(root, "muted");
	const char *k = plain_string(root, "kind");
	k = k ? k : "";
	if (strcmp(k, "audio") != 0 && strcmp(k, "video") != 0)
		return fail(err, "bad_request", "mute", "kind must be \"audio\" or \"video\"");
	if (!json_is_boolean(muted))
		return fail(err, "bad_request", "mute", "muted must be true or false");
	m->video = k[0] == 'v';
	m->muted = json_is_true(muted);
	return 0;
}

static const struct {
	const char *name;
	enum signal_type type;
	int (*parse)(struct signal_message *m, json_t *root, struct signal_error *err);
} types[] = {
	{ "join", SIGNAL_JOIN, parse_join },
	{ "answer", SIGNAL_ANSWER, parse_answer },
	{ "candidate", SIGNAL_CANDIDATE, parse_candidate },
	{ "mute", SIGNAL_MUTE, parse_mute },
	{ "leave", SIGNAL_LEAVE, NULL },
};

int signal_message_parse(struct signal_message *out, const char *text, size_t len,
			 struct signal_error *err)
{
	memset(out, 0, sizeof(*out));
	if (len > SIGNAL_MAX_MESSAGE)
		return fail(err, "too_large", NULL, "message over %d bytes", SIGNAL_MAX_MESSAGE);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root)
		return fail(err, "bad_json", NULL, "not JSON: %s", jerr.text);
	json_t *type_json = json_is_object(root) ? json_object_get(root, "type") : NULL;
	const char *type = json_is_string(type_json) ? json_string_value(type_json) : NULL;
	if (!type) {
		json_decref(root);
		return fail(err, "bad_json", NULL, "expected an object with a string \"type\"");
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i].name) != 0 || strlen(type) != json_string_length(type_json))
			continue;
		out->type = types[i].type;
		out->root = root;
		if (types[i].parse && types[i].parse(out, root, err)) {
			signal_message_release(out);
			return -EINVAL;
		}
		return 0;
	}
	fail(err, "unknown_type", NULL, "unknown message type");
	if (strlen(type) == json_string_length(type_json) && json_string_length(type_json) < sizeof(err->ref_copy)) {
		memcpy(err->ref_copy, type, json_string_length(type_json) + 1);
		err->ref = err->ref_copy;
	}
	json_decref(root);
	return -EINVAL;
}

void signal_message_release(struct signal_message *m)
{
	json_decref(m->root);
	m->root = NULL;
}

char *signal_error_json(const struct signal_error *err)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "type", "error", "code", err->code, "message",
			      err->message);
	if (!j)
		return g_strdup_printf("{\"type\":\"error\",\"code\":\"%s\",\"message\":\"\"}", err->code);
	if (err->ref)
		json_object_set_new(j, "ref", json_string(err->ref));
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	char *copy = g_strdup(s);
	free(s);
	return copy;
}
