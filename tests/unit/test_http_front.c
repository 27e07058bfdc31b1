/* Unit tests for api/http_front.c: the front door is started on 127.0.0.1
 * with port 0, and its two handlers push what they got onto a queue the
 * test awaits (no fixed sleeps). Each dispatched socket is then read to
 * prove the request was peeked, not consumed. Covered: which request lines
 * go to WebSocket and which to HTTP, a request line split across segments,
 * a long line without newline, clients that close at once or reset, many
 * clients at once, the limit on waiting connections, stop with connections
 * waiting, and start failures. Every test checks that the process holds no
 * more descriptors at its end than at its start. The 10 s idle timeout is
 * not tested (too slow for a unit test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/http_front.h"

#define WAIT_US (5 * G_USEC_PER_SEC) /* upper bound for anything to happen */

enum kind { KIND_WEBSOCKET = 1, KIND_HTTP };

struct event {
	enum kind kind;
	int fd;
	int family;
	int peer_port;
};

static GAsyncQueue *events;
static int port;
static int fds_at_start;

/* ---- handlers (front door thread) --------------------------------------- */

static void push(enum kind kind, int fd, const struct sockaddr *addr)
{
	struct event *e = g_new0(struct event, 1);

	e->kind = kind;
	e->fd = fd;
	if (addr) {
		e->family = addr->sa_family;
		if (addr->sa_family == AF_INET)
			e->peer_port = ntohs(((const struct sockaddr_in *)addr)->sin_port);
	}
	g_async_queue_push(events, e);
}

static void on_websocket(int fd)
{
	push(KIND_WEBSOCKET, fd, NULL);
}

static void on_http(int fd, const struct sockaddr *addr, socklen_t len)
{
	push(KIND_HTTP, fd, addr);
}

static const struct http_front_handlers handlers = { on_websocket, on_http };

/* ---- helpers ------------------------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own */
}

/* Waits (bounded) until the process holds n descriptors again: the front
 * door closes a dropped socket on its own thread. */
static void wait_fds(int n)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;

	while (count_fds() != n) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("%d descriptors open, wanted %d", count_fds(), n);
		g_usleep(1000);
	}
}

static int setup(void **state)
{
	fds_at_start = count_fds();
	events = g_async_queue_new();
	assert_int_equal(http_front_start("127.0.0.1", 0, &handlers), 0);
	port = http_front_port();
	assert_true(port > 0 && port < 65536);
	return 0;
}

static int teardown(void **state)
{
	struct event *e;

	int left = 0;

	http_front_stop();
	while ((e = g_async_queue_try_pop(events))) {
		close(e->fd);
		g_free(e);
		left++;
	}
	g_async_queue_unref(events);
	events = NULL;
	assert_int_equal(left, 0);
	assert_int_equal(count_fds(), fds_at_start);
	return 0;
}

static int connect_client(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

static struct event *await_event(const char *what)
{
	struct event *e = g_async_queue_timeout_pop(events, WAIT_US);

	if (!e)
		fail_msg("%s: no handler was called within %d s", what,
			 (int)(WAIT_US / G_USEC_PER_SEC));
	return e;
}

static void expect_no_event(void)
{
	struct event *e = g_async_queue_try_pop(events);

	if (e)
		fail_msg("unexpected %s dispatch", e->kind == KIND_WEBSOCKET ? "websocket" : "http");
}

/* Reads from the (non-blocking) dispatched socket until want bytes came, or
 * until stop (if not NULL) has been seen; returns what was read. */
static GString *read_until(int fd, size_t want, const char *stop)
{
	GString *got = g_string_new(NULL);
	int64_t deadline = g_get_monotonic_time() + WAIT_US;

	while (got->len < want && !(stop && strstr(got->str, stop))) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (deadline - g_get_monotonic_time()) / 1000;
		char buf[4096];

		if (left <= 0)
			fail_msg("only %zu bytes arrived", got->len);
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		assert_true(n > 0);
		g_string_append_len(got, buf, n);
	}
	return got;
}

/* The dispatched socket still holds exactly the bytes the client sent. */
static void expect_bytes(int fd, const char *data, size_t len)
{
	GString *got = read_until(fd, len, NULL);

	assert_int_equal(got->len, len);
	assert_memory_equal(got->str, data, len);
	g_string_free(got, TRUE);
}

/* Waits (bounded) until the peer closed or reset the connection. */
static void expect_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	assert_int_equal(poll(&p, 1, (int)(WAIT_US / 1000)), 1);
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
	if (n != 0 && !(n < 0 && errno == ECONNRESET))
		fail_msg("connection still open (recv %zd, %s)", n, n < 0 ? strerror(errno) : "data");
}

/* Sends request in one write and checks where it went and what it kept. */
static void expect_dispatch(const char *request, enum kind want)
{
	int c = connect_client();
	struct event *e;

	send_str(c, request);
	e = await_event(request);
	if (e->kind != want)
		fail_msg("\"%s\" went to %s", request, e->kind == KIND_WEBSOCKET ? "websocket" : "http");
	if (want == KIND_HTTP) {
		assert_int_equal(e->family, AF_INET);
		assert_int_equal(e->peer_port, local_port(c));
	}
	expect_bytes(e->fd, request, strlen(request));
	close(e->fd);
	g_free(e);
	close(c);
	expect_no_event();
}

/* ---- tests -------------------------------------------------------------- */

static void test_websocket_paths(void **state)
{
	expect_dispatch("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n", KIND_WEBSOCKET);
	expect_dispatch("GET /ws?x=1 HTTP/1.1\r\n\r\n", KIND_WEBSOCKET);
	expect_dispatch("GET /ws?token=abc&room=r HTTP/1.1\r\n\r\n", KIND_WEBSOCKET);
	expect_dispatch("GET /ws HTTP/1.1\n\n", KIND_WEBSOCKET);
}

static void test_http_paths(void **state)
{
	expect_dispatch("GET /wsx HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("GET / HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("POST /ws HTTP/1.1\r\nContent-Length: 0\r\n\r\n", KIND_HTTP);
	expect_dispatch("GET /api/v1/rooms HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("GET /ws/ HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("GET /w HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("get /ws HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("GET /ws\r\n", KIND_HTTP);
	expect_dispatch("HEAD /ws HTTP/1.1\r\n\r\n", KIND_HTTP);
	expect_dispatch("\r\n", KIND_HTTP);
	expect_dispatch("\x16\x03\x01\x02\x01\x01\x01\x01\xfc\x03\x03\n", KIND_HTTP); /* TLS-ish */
}

/* The request line in pieces: nothing is dispatched until the newline, and
 * the decision is made on the whole line. The delays are the test input. */
static void split_request(const char *const *pieces, size_t n, enum kind want)
{
	int c = connect_client();
	GString *all = g_string_new(NULL);
	struct event *e;

	for (size_t i = 0; i < n; i++) {
		if (i) {
			g_usleep(40 * 1000);
			expect_no_event();
		}
		send_str(c, pieces[i]);
		g_string_append(all, pieces[i]);
	}
	e = await_event(all->str);
	assert_int_equal(e->kind, want);
	expect_bytes(e->fd, all->str, all->len);
	close(e->fd);
	g_free(e);
	close(c);
	g_string_free(all, TRUE);
	expect_no_event();
}

static void test_split_request_line(void **state)
{
	static const char *const ws[] = { "GET ", "/ws", " HTTP/1.1\r\n\r\n" };
	static const char *const wsx[] = { "GET ", "/ws", "x HTTP/1.1\r\n\r\n" };
	static const char *const ws_q[] = { "G", "ET /ws", "?a=b HTTP/1.1\r\nHost: h\r\n\r\n" };
	static const char *const api[] = { "GET /api/v1/", "rooms HTTP/1.1", "\r\n\r\n" };

	split_request(ws, G_N_ELEMENTS(ws), KIND_WEBSOCKET);
	split_request(wsx, G_N_ELEMENTS(wsx), KIND_HTTP);
	split_request(ws_q, G_N_ELEMENTS(ws_q), KIND_WEBSOCKET);
	split_request(api, G_N_ELEMENTS(api), KIND_HTTP);
}

/* A line longer than the peek buffer with no newline yet goes to HTTP (which
 * answers 414 or 400), all of it still unread. */
static void test_long_line_without_newline(void **state)
{
	char line[2000];
	int c = connect_client();
	struct event *e;

	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', sizeof(line) - 5);
	send_all(c, line, sizeof(line));
	e = await_event("long line");
	assert_int_equal(e->kind, KIND_HTTP);
	expect_bytes(e->fd, line, sizeof(line));
	close(e->fd);
	g_free(e);
	close(c);
	expect_no_event();
}

/* A client that closes (or resets) before sending anything reaches neither
 * handler, and its socket is closed: a later client is dispatched only
 * after the front door has seen the earlier one go (one accept per turn,
 * in order), so by then nothing may be left open. */
static void test_connect_and_close(void **state)
{
	int before = count_fds();
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	for (int i = 0; i < 5; i++)
		close(connect_client());
	int c = connect_client();
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)), 0);
	close(c); /* RST */

	expect_dispatch("GET / HTTP/1.1\r\n\r\n", KIND_HTTP);
	wait_fds(before);
	expect_no_event();
}

/* A client that sends half a line then closes is not dispatched (its bytes
 * stay readable, so it waits out the idle timeout or a stop; teardown checks
 * that stop closes it). */
static void test_partial_then_close(void **state)
{
	int c = connect_client();

	send_str(c, "GET /w");
	close(c);
	expect_dispatch("GET /ws HTTP/1.1\r\n\r\n", KIND_WEBSOCKET);
	expect_no_event();
}

#define N_CONCURRENT 50

static void test_many_concurrent(void **state)
{
	int clients[N_CONCURRENT], ports[N_CONCURRENT];
	bool seen[N_CONCURRENT] = { false };

	for (int i = 0; i < N_CONCURRENT; i++) {
		clients[i] = connect_client();
		ports[i] = local_port(clients[i]);
	}
	/* Backwards, so the order of sending differs from the order of accepting. */
	for (int i = N_CONCURRENT; i-- > 0;) {
		char req[80];
		if (i % 2)
			snprintf(req, sizeof(req), "GET /page/%d HTTP/1.1\r\n\r\n", i);
		else
			snprintf(req, sizeof(req), "GET /ws?id=%d HTTP/1.1\r\n\r\n", i);
		send_str(clients[i], req);
	}
	for (int k = 0; k < N_CONCURRENT; k++) {
		struct event *e = await_event("concurrent");
		GString *got = read_until(e->fd, SIZE_MAX, "\r\n\r\n");
		int id = -1;
		char want[80];

		if (sscanf(got->str, "GET /ws?id=%d ", &id) == 1) {
			assert_int_equal(e->kind, KIND_WEBSOCKET);
			assert_int_equal(id % 2, 0);
			snprintf(want, sizeof(want), "GET /ws?id=%d HTTP/1.1\r\n\r\n", id);
		} else {
			assert_int_equal(sscanf(got->str, "GET /page/%d ", &id), 1);
			assert_int_equal(e->kind, KIND_HTTP);
			assert_int_equal(id % 2, 1);
			assert_int_equal(e->peer_port, ports[id]);
			snprintf(want, sizeof(want), "GET /page/%d HTTP/1.1\r\n\r\n", id);
		}
		assert_true(id >= 0 && id < N_CONCURRENT);
		assert_false(seen[id]);
		seen[id] = true;
		assert_string_equal(got->str, want);
		g_string_free(got, TRUE);
		close(e->fd);
		g_free(e);
	}
	expect_no_event();
	for (int i = 0; i < N_CONCURRENT; i++)
		close(clients[i]);
}

/* At most 128 connections wait for their request line; one more is closed
 * at once, and a slot frees when a waiting client leaves. */
#define PENDING_LIMIT 128

static void test_pending_limit(void **state)
{
	int idle[PENDING_LIMIT];

	for (int i = 0; i < PENDING_LIMIT; i++)
		idle[i] = connect_client();
	int extra = connect_client();
	expect_closed(extra);
	close(extra);

	/* Once the front door has seen idle[0] go, a new client gets its slot;
	 * one that came first is closed like extra, and tried again. */
	close(idle[0]);
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	struct event *e = NULL;
	int c = -1;
	while (!e) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("no slot freed after a waiting client left");
		c = connect_client();
		send_str(c, "GET /ws HTTP/1.1\r\n\r\n");
		struct pollfd p = { .fd = c, .events = POLLIN };
		while (!(e = g_async_queue_timeout_pop(events, 10000)) && poll(&p, 1, 0) == 0 &&
		       g_get_monotonic_time() < deadline)
			;
		if (!e)
			close(c);
	}
	assert_int_equal(e->kind, KIND_WEBSOCKET);
	expect_bytes(e->fd, "GET /ws HTTP/1.1\r\n\r\n", strlen("GET /ws HTTP/1.1\r\n\r\n"));
	close(e->fd);
	g_free(e);
	close(c);
	for (int i = 1; i < PENDING_LIMIT; i++)
		close(idle[i]);
}

/* Stop closes every connection still waiting for its request line, and
 * returns at once (it does not wait out the 10 s idle timeout). */
static void test_stop_with_pending(void **state)
{
	char long_part[500];
	int silent = connect_client();
	int half = connect_client();
	int partial = connect_client();

	send_str(half, "GET /ws");
	memset(long_part, 'p', sizeof(long_part));
	send_all(partial, long_part, sizeof(long_part));
	/* Once this one is dispatched the three before it have been accepted. */
	expect_dispatch("GET / HTTP/1.1\r\n\r\n", KIND_HTTP);

	int64_t t0 = g_get_monotonic_time();
	http_front_stop();
	int64_t took = g_get_monotonic_time() - t0;
	/* Well under the 10 s a waiting connection may last: stop did not wait for them. */
	if (took > 5 * G_USEC_PER_SEC)
		fail_msg("http_front_stop took %lld ms", (long long)(took / 1000));

	expect_closed(silent);
	expect_closed(half);
	expect_closed(partial);
	expect_no_event();
	close(silent);
	close(half);
	close(partial);

	/* Nobody listens any more. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(c);

	http_front_stop(); /* twice is harmless; teardown calls it again */
}

/* The front door can be started again after a stop. */
static void test_restart(void **state)
{
	expect_dispatch("GET /ws HTTP/1.1\r\n\r\n", KIND_WEBSOCKET);
	http_front_stop();
	assert_int_equal(http_front_start("127.0.0.1", 0, &handlers), 0);
	port = http_front_port();
	expect_dispatch("GET / HTTP/1.1\r\n\r\n", KIND_HTTP);
}

static void test_start_failures(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int before = count_fds();

	assert_int_equal(http_front_start("not-an-address", 0, &handlers), -EINVAL);
	assert_int_equal(http_front_start("localhost", 0, &handlers), -EINVAL); /* numeric only */
	assert_int_equal(count_fds(), before);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(busy, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(busy, 1), 0);
	assert_int_equal(getsockname(busy, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(http_front_start("127.0.0.1", ntohs(a.sin_port), &handlers), -EADDRINUSE);
	assert_int_equal(count_fds(), before);
	close(busy);
	http_front_stop(); /* harmless when never started */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_websocket_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_request_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_without_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test(test_start_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
