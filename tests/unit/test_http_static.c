/* Unit tests for api/http_static.c and api/http.c. Static files are served
 * from a mkdtemp folder laid out as
 *
 *   base/secret.txt            outside the root
 *   base/outside/secret.txt    outside the root
 *   base/rootx/secret.txt      a sibling whose name starts like the root's
 *   base/root/index.html, app.js, style.css, data.json, noext, a/page.txt
 *   base/root/link_in  -> index.html        (inside: served)
 *   base/root/link_out -> base/secret.txt   (outside: 404)
 *   base/root/dir_out  -> base/outside      (outside: 404)
 *
 * and checked for MIME types, 404 on anything missing, outside the root or
 * not a regular file, and 405 with Allow for other methods. The response
 * helpers of api/http.c are checked to always produce valid JSON errors
 * (also for a message cut inside a UTF-8 sequence), and http_body_object
 * for its 400 and 415 answers. Leaks are caught by LeakSanitizer in the
 * sanitizer build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http.h"
#include "api/http_static.h"

static char base[PATH_MAX];
static char root[PATH_MAX + 8];

static const char index_html[] = "<!doctype html><title>Parley</title>\n";
static const char app_js[] = "console.log('parley');\n";

/* ---- folder ------------------------------------------------------------- */

static void put(const char *rel, const char *text)
{
	char *p = g_build_filename(base, rel, NULL);

	assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(p);
}

static void dir(const char *rel)
{
	char *p = g_build_filename(base, rel, NULL);

	assert_int_equal(mkdir(p, 0755), 0);
	g_free(p);
}

static void link_to(const char *target, const char *rel)
{
	char *p = g_build_filename(base, rel, NULL);

	assert_int_equal(symlink(target, p), 0);
	g_free(p);
}

static int setup(void **state)
{
	char *t;

	snprintf(base, sizeof(base), "/tmp/parley-test-http-static-XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	dir("root");
	dir("root/a");
	dir("outside");
	dir("rootx");
	put("secret.txt", "secret\n");
	put("outside/secret.txt", "secret\n");
	put("rootx/secret.txt", "secret\n");
	put("root/index.html", index_html);
	put("root/app.js", app_js);
	put("root/style.css", "body{}\n");
	put("root/data.json", "{}\n");
	put("root/noext", "x");
	put("root/a/page.txt", "page\n");
	link_to("index.html", "root/link_in");
	t = g_build_filename(base, "secret.txt", NULL);
	link_to(t, "root/link_out");
	g_free(t);
	t = g_build_filename(base, "outside", NULL);
	link_to(t, "root/dir_out");
	g_free(t);
	return 0;
}

static void remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *child = g_build_filename(path, e->d_name, NULL);
			remove_tree(child);
			g_free(child);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int teardown(void **state)
{
	remove_tree(base);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static struct http_request request(const char *method, const char *path)
{
	struct http_request req = { .method = method, .path = path, .content_type = "",
				    .authorization = "", .if_match = "", .body = "" };
	return req;
}

static const char *header(const struct http_response *r, const char *name)
{
	for (unsigned i = 0; i < r->n_headers; i++)
		if (g_ascii_strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* The body is {"error": {"code": code, "message": <non-empty>}} and nothing
 * else; returns the message (g_free it). */
static char *expect_error_body(const struct http_response *r, unsigned status, const char *code)
{
	json_error_t jerr;
	json_t *j, *e;
	char *msg;

	assert_int_equal(r->status, status);
	assert_non_null(r->content_type);
	assert_string_equal(r->content_type, "application/json");
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->body_len);
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fail_msg("error body is not JSON (%s): %s", jerr.text, r->body);
	assert_int_equal(json_object_size(j), 1);
	e = json_object_get(j, "error");
	assert_true(json_is_object(e));
	assert_int_equal(json_object_size(e), 2);
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_non_null(json_string_value(json_object_get(e, "message")));
	msg = g_strdup(json_string_value(json_object_get(e, "message")));
	assert_true(*msg);
	assert_true(g_utf8_validate(msg, -1, NULL));
	json_decref(j);
	return msg;
}

static void serve_ok(const char *method, const char *path, const char *type, const char *body)
{
	struct http_request req = request(method, path);
	struct http_response r = { 0 };

	http_static_serve(root, &req, &r);
	if (r.status != 200)
		fail_msg("%s %s: status %u", method, path, r.status);
	assert_string_equal(r.content_type, type);
	assert_int_equal(r.body_len, strlen(body));
	assert_memory_equal(r.body, body, r.body_len);
	assert_int_equal(r.body[r.body_len], 0);
	assert_non_null(header(&r, "Cache-Control"));
	assert_string_equal(header(&r, "Cache-Control"), "no-cache");
	http_response_clear(&r);
}

static void serve_404(const char *path)
{
	struct http_request req = request("GET", path);
	struct http_response r = { 0 };

	http_static_serve(root, &req, &r);
	if (r.status != 404)
		fail_msg("GET \"%s\": status %u, wanted 404 (%.*s)", path, r.status,
			 r.body ? (int)r.body_len : 0, r.body ? r.body : "");
	g_free(expect_error_body(&r, 404, "not_found"));
	assert_null(header(&r, "Cache-Control"));
	http_response_clear(&r);
}

/* ---- static files ------------------------------------------------------- */

static void test_index(void **state)
{
	serve_ok("GET", "/", "text/html; charset=utf-8", index_html);
	serve_ok("GET", "/index.html", "text/html; charset=utf-8", index_html);
	serve_ok("HEAD", "/", "text/html; charset=utf-8", index_html);
}

static void test_mime_types(void **state)
{
	serve_ok("GET", "/app.js", "text/javascript; charset=utf-8", app_js);
	serve_ok("GET", "/style.css", "text/css; charset=utf-8", "body{}\n");
	serve_ok("GET", "/data.json", "application/json", "{}\n");
	serve_ok("GET", "/a/page.txt", "text/plain; charset=utf-8", "page\n");
	serve_ok("GET", "/noext", "application/octet-stream", "x");
}

static void test_missing(void **state)
{
	serve_404("/missing.html");
	serve_404("/a/missing");
	serve_404("/index.html/x");
	serve_404("/app.js\n");
}

static void test_traversal(void **state)
{
	serve_404("/../etc/passwd");
	serve_404("/../secret.txt");
	serve_404("/a/../../x");
	serve_404("/a/../../secret.txt");
	serve_404("/a/../../outside/secret.txt");
	serve_404("/..");
	serve_404("/../root/index.html");
	serve_404("/./../secret.txt");
	/* The server decodes the path before; a still-encoded one is a name. */
	serve_404("/%2e%2e/secret.txt");
	/* Without the leading slash the path would name the sibling "rootx". */
	serve_404("x/secret.txt");
	serve_404("x");
}

static void test_symlinks(void **state)
{
	serve_ok("GET", "/link_in", "text/html; charset=utf-8", index_html);
	serve_404("/link_out");
	serve_404("/dir_out/secret.txt");
	serve_404("/dir_out");
}

static void test_directories(void **state)
{
	serve_404("/a");
	serve_404("/a/");
	serve_404("/a/.");
	serve_404("//");
	serve_404("");
}

/* The root given with a trailing slash, or through a symlink, still works. */
static void test_root_spellings(void **state)
{
	char *slash = g_strconcat(root, "/", NULL);
	char *alias = g_build_filename(base, "alias", NULL);
	struct http_request req = request("GET", "/app.js");
	struct http_response r = { 0 };

	http_static_serve(slash, &req, &r);
	assert_int_equal(r.status, 200);
	http_response_clear(&r);

	assert_int_equal(symlink(root, alias), 0);
	http_static_serve(alias, &req, &r);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, app_js, r.body_len);
	http_response_clear(&r);

	/* A root that does not exist serves nothing. */
	http_static_serve("/nonexistent-parley-root", &req, &r);
	g_free(expect_error_body(&r, 404, "not_found"));
	http_response_clear(&r);
	g_free(slash);
	g_free(alias);
}

static void test_methods(void **state)
{
	static const char *const methods[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "" };

	for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
		struct http_request req = request(methods[i], "/");
		struct http_response r = { 0 };

		http_static_serve(root, &req, &r);
		g_free(expect_error_body(&r, 405, "method_not_allowed"));
		assert_non_null(header(&r, "Allow"));
		assert_string_equal(header(&r, "Allow"), "GET, HEAD");
		http_response_clear(&r);
	}
	/* Not even for a missing page. */
	struct http_request req = request("POST", "/missing");
	struct http_response r = { 0 };
	http_static_serve(root, &req, &r);
	assert_int_equal(r.status, 405);
	http_response_clear(&r);
}

/* ---- response helpers --------------------------------------------------- */

static void test_respond_error(void **state)
{
	struct http_response r = { 0 };
	char *msg;

	http_respond_error(&r, 404, "not_found", "no room named %s", "team-1");
	msg = expect_error_body(&r, 404, "not_found");
	assert_string_equal(msg, "no room named team-1");
	g_free(msg);

	/* Replacing a response frees the old body (checked by LeakSanitizer). */
	http_respond_error(&r, 409, "conflict", "quote \" backslash \\ newline \n tab \t bell \a end");
	msg = expect_error_body(&r, 409, "conflict");
	assert_string_equal(msg, "quote \" backslash \\ newline \n tab \t bell \a end");
	g_free(msg);

	/* Non-ASCII is kept (escaped on the wire). */
	http_respond_error(&r, 400, "bad_request", "name %s", "Zo\xc3\xab \xf0\x9f\x98\x80");
	msg = expect_error_body(&r, 400, "bad_request");
	assert_string_equal(msg, "name Zo\xc3\xab \xf0\x9f\x98\x80");
	for (size_t i = 0; i < r.body_len; i++)
		assert_true((unsigned char)r.body[i] < 0x80);
	g_free(msg);
	http_response_clear(&r);
	assert_null(r.body);
	assert_int_equal(r.n_headers, 0);
}

/* A long message is cut to fit; when the cut lands inside a UTF-8 sequence,
 * or the input was not UTF-8 at all, the body is still valid JSON. */
static void test_respond_error_cut_utf8(void **state)
{
	struct http_response r = { 0 };
	GString *s = g_string_new(NULL);
	char *msg;

	for (int i = 0; i < 200; i++)
		g_string_append(s, "\xc3\xa9"); /* é: the 256-byte cut falls inside one */
	http_respond_error(&r, 400, "bad_request", "%s", s->str);
	msg = expect_error_body(&r, 400, "bad_request");
	assert_true(strlen(msg) < 256);
	g_free(msg);

	/* Every offset of a 4-byte character against the cut. */
	for (int pad = 250; pad < 256; pad++) {
		g_string_truncate(s, 0);
		for (int i = 0; i < pad; i++)
			g_string_append_c(s, 'a');
		for (int i = 0; i < 4; i++)
			g_string_append(s, "\xf0\x9f\x98\x80");
		http_respond_error(&r, 400, "bad_request", "%s", s->str);
		msg = expect_error_body(&r, 400, "bad_request");
		g_free(msg);
	}

	/* Not UTF-8 to begin with. */
	http_respond_error(&r, 400, "bad_request", "bad byte %s here", "\xff\xfe");
	g_free(expect_error_body(&r, 400, "bad_request"));
	http_respond_error(&r, 400, "bad_request", "%s", "\xc3");
	g_free(expect_error_body(&r, 400, "bad_request"));

	http_response_clear(&r);
	g_string_free(s, TRUE);
}

static void test_respond_json_and_text(void **state)
{
	struct http_response r = { 0 };

	http_respond_json(&r, 200, json_pack("{s:i}", "n", 1));
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.body, "{\"n\":1}");
	assert_int_equal(r.body_len, 7);

	http_respond_json(&r, 204, NULL);
	assert_int_equal(r.status, 204);
	assert_null(r.body);
	assert_int_equal(r.body_len, 0);
	assert_null(r.content_type);

	static const char bin[] = { 'a', 0, 'b' };
	http_respond_text(&r, 200, "application/octet-stream", bin, sizeof(bin));
	assert_int_equal(r.body_len, 3);
	assert_memory_equal(r.body, bin, 3);
	assert_int_equal(r.body[3], 0);
	http_respond_text(&r, 200, "text/plain", "", 0);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(r.body, "");

	/* Headers: copied, at most HTTP_MAX_HEADERS. */
	char value[] = "v0";
	for (int i = 0; i < HTTP_MAX_HEADERS + 3; i++) {
		value[1] = (char)('0' + i);
		http_add_header(&r, "X-Test", value);
	}
	value[1] = 'z';
	assert_int_equal(r.n_headers, HTTP_MAX_HEADERS);
	assert_string_equal(r.headers[0].value, "v0");
	assert_string_equal(r.headers[HTTP_MAX_HEADERS - 1].value, "v5");
	http_response_clear(&r);
	assert_int_equal(r.n_headers, 0);
	assert_null(r.body);
	http_response_clear(&r); /* twice is harmless */
}

/* ---- http_body_object --------------------------------------------------- */

/* Runs http_body_object on an exact-size heap copy of body (no NUL), so
 * ASan reports any read past body_len. */
static json_t *body_object(const char *content_type, const char *body, size_t len,
			   struct http_response *r)
{
	struct http_request req = request("POST", "/api/v1/rooms");
	char *copy = malloc(len ? len : 1);
	json_t *j;

	assert_non_null(copy);
	memcpy(copy, body, len);
	req.content_type = content_type;
	req.body = copy;
	req.body_len = len;
	j = http_body_object(&req, r);
	free(copy);
	return j;
}

static void body_ok(const char *content_type, const char *body)
{
	struct http_response r = { 0 };
	json_t *j = body_object(content_type, body, strlen(body), &r);

	if (!j)
		fail_msg("refused %s (%s): %s", body, content_type, r.body);
	assert_true(json_is_object(j));
	assert_int_equal(r.status, 0);
	assert_null(r.body);
	json_decref(j);
}

static void body_refused_n(const char *content_type, const char *body, size_t len,
			   unsigned status, const char *code)
{
	struct http_response r = { 0 };
	json_t *j = body_object(content_type, body, len, &r);

	if (j)
		fail_msg("accepted %.*s (%s)", (int)len, body, content_type);
	g_free(expect_error_body(&r, status, code));
	http_response_clear(&r);
}

static void body_refused(const char *content_type, const char *body, unsigned status,
			 const char *code)
{
	body_refused_n(content_type, body, strlen(body), status, code);
}

static void test_body_object_ok(void **state)
{
	body_ok("application/json", "{}");
	body_ok("application/json", "{\"name\":\"r\",\"n\":[1,2]}");
	body_ok("", "{\"a\":1}"); /* no content type: taken as JSON */
	body_ok("application/json; charset=utf-8", "{}");
	body_ok("Application/JSON", " {} \n");

	struct http_response r = { 0 };
	json_t *j = body_object("application/json", "{\"k\":\"v\"}", 9, &r);
	assert_string_equal(json_string_value(json_object_get(j, "k")), "v");
	json_decref(j);
}

static void test_body_object_bad_json(void **state)
{
	body_refused("application/json", "{", 400, "bad_json");
	body_refused("application/json", "", 400, "bad_json");
	body_refused("application/json", "{\"a\":}", 400, "bad_json");
	body_refused("application/json", "{} {}", 400, "bad_json");
	body_refused("application/json", "{\"a\":1,\"a\":2}", 400, "bad_json");
	body_refused("application/json", "{\"a\":\"\xff\"}", 400, "bad_json");
	body_refused("", "{'a':1}", 400, "bad_json");
	body_refused_n("application/json", "{}\0{}", 5, 400, "bad_json");
	body_refused_n("application/json", "{\"a\":\"b\0c\"}", 11, 400, "bad_json");
	/* The error message quotes the parser, and is still valid JSON. */
	body_refused("application/json", "{\"\xc3\xa9\xc3", 400, "bad_json");
}

static void test_body_object_not_object(void **state)
{
	static const char *const roots[] = { "[]", "[{}]", "\"s\"", "1", "true", "null" };

	for (size_t i = 0; i < G_N_ELEMENTS(roots); i++)
		body_refused("application/json", roots[i], 400, "bad_json");
}

static void test_body_object_media_type(void **state)
{
	static const char *const types[] = {
		"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
		"application/jsonx", "application/json-patch+json", "application/", "json",
		" application/json", "text/json",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		body_refused(types[i], "{}", 415, "unsupported_media_type");
	/* The media type is judged before the body. */
	body_refused("text/plain", "not json", 415, "unsupported_media_type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mime_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_spellings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
		cmocka_unit_test(test_respond_error),
		cmocka_unit_test(test_respond_error_cut_utf8),
		cmocka_unit_test(test_respond_json_and_text),
		cmocka_unit_test(test_body_object_ok),
		cmocka_unit_test(test_body_object_bad_json),
		cmocka_unit_test(test_body_object_not_object),
		cmocka_unit_test(test_body_object_media_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
