/* libmicrohttpd without its own listening socket: the front door hands it
 * connections. Bodies are collected up to HTTP_MAX_BODY. A larger declared
 * Content-Length gets 413 before the body is read; a larger chunked body is
 * read and discarded up to DISCARD_MAX (then the connection is cut) and
 * answered 413. */
#include "api/http_server.h"

#include <errno.h>
#include <glib.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/http.h"
#include "api/http_static.h"
#include "api/metrics.h"
#include "api/rooms_api.h"
#include "api/whip.h"
#include "base/log.h"

#define CONNECTION_LIMIT 256
#define CONNECTION_TIMEOUT_S 30
#define DISCARD_MAX (16 * 1024 * 1024)

/* Per request, owned by MHD's con_cls slot; freed in on_completed. */
struct exchange {
	GByteArray *body;
	bool too_large;
	size_t discarded;
};

static struct MHD_Daemon *daemon_;
static const struct config *config;

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void require_key(const struct http_request *req, struct http_response *resp)
{
	http_respond_error(resp, 401, "unauthorized", "%s",
			   *req->authorization ? "wrong API key" : "this needs Authorization: Bearer <API key>");
	http_add_header(resp, "WWW-Authenticate", "Bearer realm=\"parley\"");
}

static void route(struct http_request *req, struct http_response *resp)
{
	bool api = strcmp(req->path, "/api/v1") == 0 || has_prefix(req->path, "/api/v1/") ||
		   strcmp(req->path, "/api") == 0 || has_prefix(req->path, "/api/");
	bool metrics = strcmp(req->path, "/metrics") == 0;
	req->authorized = auth_api_key_ok(req->authorization);
	if ((api || metrics) && !req->authorized)
		require_key(req, resp);
	else if (api)
		rooms_api_handle(req, resp);
	else if (metrics)
		metrics_handle(req, resp);
	else if (strcmp(req->path, "/healthz") == 0)
		http_respond_json(resp, 200, json_pack("{s:s}", "status", "ok"));
	else if (has_prefix(req->path, "/whip/") || strcmp(req->path, "/whip") == 0)
		whip_handle(req, resp);
	else
		http_static_serve(config->web_dir, req, resp);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	return v ? v : "";
}

static enum MHD_Result send_response(struct MHD_Connection *c, const char *method,
				     struct http_response *resp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(resp->body_len, resp->body ? resp->body : "",
								 MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (unsigned i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	enum MHD_Result rc = MHD_queue_response(c, resp->status ? resp->status : 500, r);
	MHD_destroy_response(r);
	return rc;
}

static void fill_request(struct http_request *req, struct MHD_Connection *c, const char *url,
			 const char *method, struct exchange *x)
{
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->path = url;
	req->content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	req->authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	req->if_match = header(c, MHD_HTTP_HEADER_IF_MATCH);
	g_byte_array_append(x->body, (const guint8 *)"", 1);
	req->body = (const char *)x->body->data;
	req->body_len = x->body->len - 1;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		memcpy(&req->peer, ci->client_addr, ci->client_addr->sa_family == AF_INET6
			       ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct exchange *x = *con_cls;
	struct http_response resp = { 0 };
	if (!x) {
		x = g_new0(struct exchange, 1);
		x->body = g_byte_array_new();
		*con_cls = x;
		const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (!length || g_ascii_strtoull(length, NULL, 10) <= HTTP_MAX_BODY)
			return MHD_YES;
		x->too_large = true;
	} else if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (!x->too_large && x->body->len + n > HTTP_MAX_BODY)
			x->too_large = true;
		if (!x->too_large)
			g_byte_array_append(x->body, (const guint8 *)upload_data, (guint)n);
		x->discarded += x->too_large ? n : 0;
		return x->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (x->too_large) {
		http_respond_error(&resp, 413, "too_large", "the body is over %d bytes", HTTP_MAX_BODY);
	} else {
		struct http_request req;
		fill_request(&req, c, url, method, x);
		route(&req, &resp);
	}
	enum MHD_Result rc = send_response(c, method, &resp);
	http_response_clear(&resp);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exchange *x = *con_cls;
	if (!x)
		return;
	g_byte_array_free(x->body, TRUE);
	g_free(x);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_debug(LOGS_HTTP, "microhttpd: %s", line);
}

int http_server_start(const struct config *cfg)
{
	config = cfg;
	daemon_ = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				   MHD_USE_POLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC |
				   MHD_USE_ERROR_LOG,
				   0, NULL, NULL, on_request, NULL,
				   MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
				   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				   MHD_OPTION_END);
	if (!daemon_) {
		log_error(LOGS_HTTP, "cannot start the HTTP server");
		return -EIO;
	}
	return 0;
}

void http_server_add_connection(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (!daemon_ || MHD_add_connection(daemon_, fd, addr, len) != MHD_YES) {
		/* MHD closes the socket itself on failure. */
		log_debug(LOGS_HTTP, "HTTP connection refused (limit reached or stopping)");
	}
}

void http_server_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}
