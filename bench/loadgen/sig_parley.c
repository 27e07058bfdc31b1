/* libwebsockets client side of Parley signaling. Everything lws is touched
 * on the service thread only; other threads append to `ops` under `lock` and
 * wake it with lws_cancel_service. Each connection is a struct sigp_conn
 * given to lws as the wsi's user data. */
#include "bench/loadgen/sig_parley.h"

#include <errno.h>
#include <glib.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RX_MAX (1024 * 1024)

enum op { OP_OPEN, OP_WRITE, OP_CLOSE };

struct sigp_conn {
	const struct sigp_handlers *h;
	void *arg;
	struct lws *wsi;          /* service thread */
	GString *rx;              /* service thread */
	GQueue out;               /* char *, under lock */
	bool close_requested;     /* under lock */
	bool established, closed; /* service thread */
};

struct pending_op {
	enum op op;
	struct sigp_conn *c;
};

static struct lws_context *context;
static GThread *thread;
static volatile int stopping;
static GMutex lock;
static GQueue ops;
static GPtrArray *conns;      /* every conn ever opened, freed at stop */
static char host[128], path[256];
static int port;

static void post_op(enum op op, struct sigp_conn *c)
{
	struct pending_op *o = g_new(struct pending_op, 1);
	o->op = op;
	o->c = c;
	g_mutex_lock(&lock);
	g_queue_push_tail(&ops, o);
	g_mutex_unlock(&lock);
	lws_cancel_service(context);
}

static void connect_one(struct sigp_conn *c)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = context;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	ci.origin = host;
	ci.local_protocol_name = "lg-parley";
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	if (!lws_client_connect_via_info(&ci) && !c->closed) {
		c->closed = true;
		c->h->closed(c->arg, "connect failed");
	}
}

static void drain_ops(void)
{
	for (;;) {
		g_mutex_lock(&lock);
		struct pending_op *o = g_queue_pop_head(&ops);
		g_mutex_unlock(&lock);
		if (!o)
			return;
		if (o->op == OP_OPEN)
			connect_one(o->c);
		else if (o->c->wsi && o->c->established && !o->c->closed)
			lws_callback_on_writable(o->c->wsi);
		g_free(o);
	}
}

static void report_closed(struct sigp_conn *c, const char *why)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	c->wsi = NULL;
	c->h->closed(c->arg, why);
}

static int write_one(struct sigp_conn *c)
{
	g_mutex_lock(&lock);
	char *text = g_queue_pop_head(&c->out);
	bool more = !g_queue_is_empty(&c->out);
	bool close = c->close_requested && !text;
	g_mutex_unlock(&lock);
	if (close)
		return -1;
	if (!text)
		return 0;
	size_t n = strlen(text);
	unsigned char *buf = malloc(LWS_PRE + n);
	memcpy(buf + LWS_PRE, text, n);
	int w = lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
	free(buf);
	free(text);
	if (w < (int)n)
		return -1;
	if (more || c->close_requested)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void receive(struct sigp_conn *c, struct lws *wsi, const void *in, size_t len)
{
	if (c->rx->len + len <= RX_MAX)
		g_string_append_len(c->rx, in, (gssize)len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	json_error_t err;
	json_t *msg = json_loadb(c->rx->str, c->rx->len, 0, &err);
	g_string_truncate(c->rx, 0);
	if (msg) {
		c->h->message(c->arg, msg);
		json_decref(msg);
	}
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct sigp_conn *c = user;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		drain_ops();
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->wsi = wsi;
		c->established = true;
		c->h->opened(c->arg);
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		receive(c, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return write_one(c);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		report_closed(c, in ? (const char *)in : "connection error");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		report_closed(c, "closed");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c && c->established)
			report_closed(c, "closed");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "lg-parley", callback, 0, 64 * 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static gpointer service_main(gpointer data)
{
	while (!stopping)
		lws_service(context, 0);
	return NULL;
}

static int parse_url(const char *url)
{
	char h[128] = "", p[256] = "/";
	int pt = 80;
	if (sscanf(url, "ws://%127[^:/]:%d%255s", h, &pt, p) < 2 &&
	    sscanf(url, "ws://%127[^:/]%255s", h, p) < 1)
		return -EINVAL;
	g_strlcpy(host, h, sizeof(host));
	g_strlcpy(path, p, sizeof(path));
	port = pt;
	return 0;
}

int sigp_start(const char *url)
{
	if (parse_url(url))
		return -EINVAL;
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	context = lws_create_context(&info);
	if (!context)
		return -EIO;
	conns = g_ptr_array_new();
	thread = g_thread_new("lg-signal", service_main, NULL);
	return 0;
}

void sigp_stop(void)
{
	if (!context)
		return;
	stopping = 1;
	lws_cancel_service(context);
	g_thread_join(thread);
	lws_context_destroy(context);
	context = NULL;
	for (guint i = 0; i < conns->len; i++) {
		struct sigp_conn *c = conns->pdata[i];
		g_queue_clear_full(&c->out, free);
		g_string_free(c->rx, TRUE);
		free(c);
	}
	g_ptr_array_free(conns, TRUE);
	g_queue_clear_full(&ops, g_free);
}

struct sigp_conn *sigp_new(const struct sigp_handlers *h, void *arg)
{
	struct sigp_conn *c = calloc(1, sizeof(*c));
	c->h = h;
	c->arg = arg;
	c->rx = g_string_new(NULL);
	g_queue_init(&c->out);
	g_mutex_lock(&lock);
	g_ptr_array_add(conns, c);
	g_mutex_unlock(&lock);
	return c;
}

void sigp_connect(struct sigp_conn *c)
{
	post_op(OP_OPEN, c);
}

void sigp_send(struct sigp_conn *c, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	g_mutex_lock(&lock);
	g_queue_push_tail(&c->out, text);
	g_mutex_unlock(&lock);
	post_op(OP_WRITE, c);
}

void sigp_close(struct sigp_conn *c)
{
	g_mutex_lock(&lock);
	c->close_requested = true;
	g_mutex_unlock(&lock);
	post_op(OP_CLOSE, c);
}
