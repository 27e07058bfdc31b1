/* The harness of the unit tests that run real workers (test_negotiation.c,
 * test_whip_negotiation.c): one worker with libnice on 127.0.0.1, started by
 * setup and stopped by teardown, and every signaling message it sends kept
 * in order so a test can wait for the next one of a type. The sink runs on
 * the worker's thread; the list is read under its lock. Test code only. */
#ifndef PARLEY_SFU_TEST_UTIL_H
#define PARLEY_SFU_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "sfu/sdp.h"
#include "sfu/sfu.h"

/* One signaling message as the SFU sent it; json is NULL when unparsable. */
struct message {
	uint64_t session;
	json_t *json;
	bool close;
};

static GMutex lock;
static GCond cond;
static GPtrArray *messages;   /* of struct message, in the order sent */
static struct config cfg;

static void sink(uint64_t session_id, char *json, bool close)
{
	struct message *m = g_new0(struct message, 1);
	m->session = session_id;
	m->json = json ? json_loads(json, 0, NULL) : NULL;
	m->close = close;
	free(json);
	g_mutex_lock(&lock);
	g_ptr_array_add(messages, m);
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
}

static inline const char *type_of(const struct message *m)
{
	return m->json ? json_string_value(json_object_get(m->json, "type")) : "";
}

/* The first message of this type for session after *cursor; advances cursor. */
static inline json_t *wait_for(uint64_t session, const char *type, guint *cursor)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	json_t *found = NULL;
	g_mutex_lock(&lock);
	while (!found) {
		for (; *cursor < messages->len && !found; (*cursor)++) {
			struct message *m = messages->pdata[*cursor];
			if (m->session == session && strcmp(type_of(m), type) == 0)
				found = m->json;
		}
		if (!found && !g_cond_wait_until(&cond, &lock, deadline))
			break;
	}
	g_mutex_unlock(&lock);
	if (!found)
		fail_msg("no \"%s\" for session %llu within 5 s", type, (unsigned long long)session);
	return found;
}

/* A parsed copy of text (free it), which must be valid SDP. */
static inline struct sdp_session *parse(const char *text)
{
	struct sdp_session *s = malloc(sizeof(*s));
	char err[128];
	assert_non_null(s);
	if (sdp_parse(s, text, strlen(text), err, sizeof(err)))
		fail_msg("unparsable SDP (%s):\n%s", err, text);
	return s;
}

/* cmocka group setup: default configuration, one worker, ICE on loopback. */
static int setup(void **state)
{
	char *argv[] = { "parley", NULL };
	assert_int_equal(config_load(&cfg, 1, argv), 0);
	g_strlcpy(cfg.ice_addresses, "127.0.0.1", sizeof(cfg.ice_addresses));
	cfg.workers = 1;
	messages = g_ptr_array_new();
	return sfu_start(&cfg, sink, NULL);
}

static void free_message(gpointer p)
{
	struct message *m = p;
	json_decref(m->json);
	g_free(m);
}

static int teardown(void **state)
{
	sfu_stop();
	g_ptr_array_set_free_func(messages, free_message);
	g_ptr_array_free(messages, TRUE);
	return 0;
}

#endif
