/* Response building shared by every handler. */
#include "api/http.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void http_respond_json(struct http_response *r, unsigned status, json_t *body)
{
	r->status = status;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->content_type = body ? "application/json" : NULL;
	if (!body)
		return;
	r->body = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(body);
	r->body_len = r->body ? strlen(r->body) : 0;
}

void http_respond_error(struct http_response *r, unsigned status, const char *code,
			const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message cut inside a UTF-8 sequence would make jansson refuse it. */
	if (!g_utf8_validate(msg, -1, NULL))
		g_strlcpy(msg, "invalid request", sizeof(msg));
	http_respond_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

void http_respond_text(struct http_response *r, unsigned status, const char *content_type,
		       const char *text, size_t len)
{
	r->status = status;
	free(r->body);
	r->body = malloc(len + 1);
	if (!r->body)
		abort();
	memcpy(r->body, text, len);
	r->body[len] = '\0';
	r->body_len = len;
	r->content_type = content_type;
}

void http_add_header(struct http_response *r, const char *name, const char *value)
{
	if (r->n_headers >= HTTP_MAX_HEADERS)
		return;
	r->headers[r->n_headers].name = name;
	r->headers[r->n_headers].value = g_strdup(value);
	r->n_headers++;
}

void http_response_clear(struct http_response *r)
{
	free(r->body);
	for (unsigned i = 0; i < r->n_headers; i++)
		g_free(r->headers[i].value);
	memset(r, 0, sizeof(*r));
}

static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");
	return g_ascii_strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

json_t *http_body_object(const struct http_request *req, struct http_response *r)
{
	if (*req->content_type && !is_json_type(req->content_type)) {
		http_respond_error(r, 415, "unsupported_media_type", "the body must be application/json");
		return NULL;
	}
	json_error_t err;
	json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		http_respond_error(r, 400, "bad_json", "body is not valid JSON: %s (at byte %d)", err.text,
				   err.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		http_respond_error(r, 400, "bad_json", "the body must be a JSON object");
		return NULL;
	}
	return root;
}
