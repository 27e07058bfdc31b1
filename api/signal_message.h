/* Client-to-server signaling messages (docs/protocol.md): JSON text in,
 * a validated struct out, or the protocol error code and a reason. Pure
 * functions, used on the signaling thread and by tests. */
#ifndef PARLEY_SIGNAL_MESSAGE_H
#define PARLEY_SIGNAL_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SIGNAL_MAX_MESSAGE (64 * 1024)
#define SIGNAL_MAX_ROOM 64
#define SIGNAL_MAX_NAME 64

enum signal_type { SIGNAL_JOIN, SIGNAL_ANSWER, SIGNAL_CANDIDATE, SIGNAL_MUTE, SIGNAL_LEAVE };

struct signal_message {
	enum signal_type type;
	char room[SIGNAL_MAX_ROOM + 1];
	char name[SIGNAL_MAX_NAME + 1];
	const char *token;      /* NULL when absent */
	const char *sdp;        /* answer */
	const char *candidate;  /* NULL: end of candidates */
	bool video;             /* mute: kind */
	bool muted;
	json_t *root;           /* owns the strings above */
};

struct signal_error {
	const char *code;       /* a code from docs/protocol.md */
	const char *ref;        /* the message's type when known, else NULL */
	char message[160];
	char ref_copy[33];      /* where ref points for a type we do not know */
};

/* Returns 0 (release with signal_message_release) or -EINVAL with err filled. */
int signal_message_parse(struct signal_message *out, const char *text, size_t len,
			 struct signal_error *err);
void signal_message_release(struct signal_message *m);

/* {"type":"error","code":...,"message":...,"ref":...} as a string to g_free. */
char *signal_error_json(const struct signal_error *err);

/* Room names: 1..64 of A-Z a-z 0-9 _ - . */
bool signal_room_name_valid(const char *name);

#endif
