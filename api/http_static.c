/* Static files: small (the page, its script and style), so each is read
 * whole; the realpath check keeps requests inside root even through
 * symlinks or encoded "..". */
#include "api/http_static.h"

#include <glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define STATIC_MAX_FILE (4 * 1024 * 1024)

static const char *mime_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".yaml", "application/yaml" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < G_N_ELEMENTS(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static bool inside(const char *root_real, const char *file_real)
{
	size_t n = strlen(root_real);
	return strncmp(root_real, file_real, n) == 0 && file_real[n] == '/';
}

void http_static_serve(const char *root, const struct http_request *req, struct http_response *resp)
{
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		http_respond_error(resp, 405, "method_not_allowed", "only GET and HEAD are served here");
		http_add_header(resp, "Allow", "GET, HEAD");
		return;
	}
	const char *rel = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
	char root_real[PATH_MAX], file_real[PATH_MAX];
	char *joined = g_strconcat(root, rel, NULL);
	bool ok = strstr(rel, "..") == NULL && realpath(root, root_real) && realpath(joined, file_real) &&
		  inside(root_real, file_real) && g_file_test(file_real, G_FILE_TEST_IS_REGULAR);
	g_free(joined);
	gchar *data = NULL;
	gsize len = 0;
	if (!ok || !g_file_get_contents(file_real, &data, &len, NULL) || len > STATIC_MAX_FILE) {
		g_free(data);
		http_respond_error(resp, 404, "not_found", "no such page");
		return;
	}
	http_respond_text(resp, 200, mime_type(file_real), data, len);
	http_add_header(resp, "Cache-Control", "no-cache");
	g_free(data);
}
