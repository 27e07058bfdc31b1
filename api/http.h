/* One HTTP request as the API's handlers see it, and the response they
 * fill in. The server (api/http_server.c) reads the whole body first
 * (bounded), calls one handler on its connection thread, then sends the
 * response. Handlers never see libmicrohttpd. */
#ifndef PARLEY_HTTP_H
#define PARLEY_HTTP_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define HTTP_MAX_BODY (256 * 1024)
#define HTTP_MAX_HEADERS 6

struct http_request {
	const char *method;
	const char *path;           /* decoded, without the query string */
	const char *content_type;   /* "" when absent */
	const char *authorization;  /* "" when absent */
	const char *if_match;       /* "" when absent */
	const char *body;           /* NUL-terminated copy; body_len bytes before the NUL */
	size_t body_len;
	struct sockaddr_storage peer;
	bool authorized;            /* carried a valid API key, or no key is configured */
};

struct http_header {
	const char *name;           /* static */
	char *value;                /* owned */
};

struct http_response {
	unsigned status;
	const char *content_type;   /* static */
	char *body;                 /* owned (malloc/g_malloc); may be NULL */
	size_t body_len;
	struct http_header headers[HTTP_MAX_HEADERS];
	unsigned n_headers;
};

/* Sets status and a compact JSON body; steals body (NULL = no body). */
void http_respond_json(struct http_response *r, unsigned status, json_t *body);
/* Sets status and {"error": {"code", "message"}}; code is a short token
 * such as "not_found" (docs/api.md lists them). */
void http_respond_error(struct http_response *r, unsigned status, const char *code,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets status and a text body with the given static content type; copies text. */
void http_respond_text(struct http_response *r, unsigned status, const char *content_type,
		       const char *text, size_t len);
/* Adds a header (name static, value copied); ignored past HTTP_MAX_HEADERS. */
void http_add_header(struct http_response *r, const char *name, const char *value);
void http_response_clear(struct http_response *r);

/* Parses the body as a JSON object. Returns it, or NULL after filling r
 * with the 400/415 error that says why. */
json_t *http_body_object(const struct http_request *req, struct http_response *r);

#endif
