/* libFuzzer target for api/signal_message.c: parses arbitrary bytes as a
 * client signaling message. An accepted message must satisfy every field
 * rule of docs/protocol.md; a refused one must carry a protocol error code
 * that signal_error_json renders as valid JSON carrying the same code,
 * message and ref. Also feeds the bytes to signal_room_name_valid. */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/signal_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const codes[] = { "bad_json", "bad_request", "too_large", "unknown_type",
				     "bad_sdp" };
static const char *const types[] = { "join", "answer", "candidate", "mute", "leave" };

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static void check_accepted(const struct signal_message *m)
{
	if (!m->root)
		abort();
	switch (m->type) {
	case SIGNAL_JOIN:
		if (!signal_room_name_valid(m->room) || strlen(m->name) == 0 ||
		    strlen(m->name) > SIGNAL_MAX_NAME || !g_utf8_validate(m->name, -1, NULL))
			abort();
		if (m->token && !g_utf8_validate(m->token, -1, NULL))
			abort();
		break;
	case SIGNAL_ANSWER:
		if (!m->sdp || !*m->sdp)
			abort();
		break;
	case SIGNAL_CANDIDATE:
		if (m->candidate && (!*m->candidate || strlen(m->candidate) > 512))
			abort();
		break;
	case SIGNAL_MUTE:
	case SIGNAL_LEAVE:
		break;
	default:
		abort();
	}
}

static void check_refused(const struct signal_message *m, const struct signal_error *err)
{
	if (m->root || !err->code || !in_list(err->code, codes, G_N_ELEMENTS(codes)))
		abort();
	/* ref names a known type, or for unknown_type echoes the one sent. */
	if (err->ref && strcmp(err->code, "unknown_type") != 0 && !in_list(err->ref, types, G_N_ELEMENTS(types)))
		abort();
	if (memchr(err->message, 0, sizeof(err->message)) == NULL)
		abort();

	char *s = signal_error_json(err);
	if (!s)
		abort();
	json_t *j = json_loads(s, 0, NULL);
	if (!j || strcmp(json_string_value(json_object_get(j, "type")) ?: "", "error") != 0 ||
	    strcmp(json_string_value(json_object_get(j, "code")) ?: "", err->code) != 0 ||
	    strcmp(json_string_value(json_object_get(j, "message")) ?: "", err->message) != 0)
		abort();
	json_t *ref = json_object_get(j, "ref");
	if (err->ref ? strcmp(json_string_value(ref) ?: "", err->ref) != 0 : ref != NULL)
		abort();
	json_decref(j);
	g_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy with no terminator, so ASan catches any read
	 * past the frame. */
	char *buf = malloc(size ? size : 1);
	struct signal_message m;
	struct signal_error err;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&err, 0, sizeof(err));
	if (signal_message_parse(&m, buf, size, &err) == 0) {
		check_accepted(&m);
		signal_message_release(&m);
	} else {
		check_refused(&m, &err);
	}
	signal_message_release(&m); /* harmless after release or refusal */
	free(buf);

	/* The raw bytes as a room name, up to the first NUL. */
	char *name = g_strndup((const char *)data, size > 200 ? 200 : size);
	bool valid = signal_room_name_valid(name);
	size_t n = strlen(name);
	bool want = n >= 1 && n <= SIGNAL_MAX_ROOM;
	for (size_t i = 0; want && i < n; i++)
		want = g_ascii_isalnum(name[i]) || name[i] == '_' || name[i] == '-' || name[i] == '.';
	/* Only dots would be a path segment in the API's URLs. */
	if (want && strspn(name, ".") == n)
		want = false;
	if (valid != want)
		abort();
	g_free(name);
	return 0;
}
