/* Front door: accept, wait (bounded) for the request line, dispatch. A
 * connection that does not send its request line within PENDING_TIMEOUT_MS
 * is closed; at most MAX_PENDING wait at once, so slow clients cannot pin
 * descriptors. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include "api/http_front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"

#define MAX_PENDING 128
#define PENDING_TIMEOUT_MS 10000
#define RECHECK_MS 20           /* a request line split across segments */
#define PEEK_MAX 1024

struct pending {
	int fd;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int64_t deadline_ms;
	int64_t recheck_ms;         /* 0 = poll for readability */
};

static int listen_fd = -1;
static int wake_pipe[2] = { -1, -1 };
static int bound_port;
static GThread *thread;
static struct http_front_handlers handlers;
static struct pending pending[MAX_PENDING];
static unsigned n_pending;

static int64_t now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

static void drop_pending(unsigned i, bool close_fd)
{
	if (close_fd)
		close(pending[i].fd);
	pending[i] = pending[--n_pending];
}

static void accept_one(void)
{
	struct pending p = { .addr_len = sizeof(p.addr) };
	p.fd = accept4(listen_fd, (struct sockaddr *)&p.addr, &p.addr_len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (p.fd < 0)
		return;
	if (n_pending >= MAX_PENDING) {
		log_debug(LOGS_HTTP, "front door: %u connections waiting, refusing one", n_pending);
		close(p.fd);
		return;
	}
	p.deadline_ms = now_ms() + PENDING_TIMEOUT_MS;
	pending[n_pending++] = p;
}

/* True for "GET /ws" or "GET /ws?..." followed by a space. */
static bool is_websocket_request(const char *line, size_t n)
{
	static const char prefix[] = "GET /ws";
	size_t k = sizeof(prefix) - 1;
	return n > k && memcmp(line, prefix, k) == 0 && (line[k] == ' ' || line[k] == '?');
}

/* Returns true when the connection left the pending list. */
static bool examine(unsigned i)
{
	struct pending *p = &pending[i];
	char buf[PEEK_MAX];
	ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		drop_pending(i, true);
		return true;
	}
	if (!memchr(buf, '\n', (size_t)n) && n < (ssize_t)sizeof(buf)) {
		p->recheck_ms = now_ms() + RECHECK_MS;
		return false;
	}
	struct pending done = *p;
	drop_pending(i, false);
	if (is_websocket_request(buf, (size_t)n))
		handlers.websocket(done.fd);
	else
		handlers.http(done.fd, (struct sockaddr *)&done.addr, done.addr_len);
	return true;
}

static int poll_timeout(int64_t now)
{
	int64_t next = now + 1000;
	for (unsigned i = 0; i < n_pending; i++) {
		if (pending[i].deadline_ms < next)
			next = pending[i].deadline_ms;
		if (pending[i].recheck_ms && pending[i].recheck_ms < next)
			next = pending[i].recheck_ms;
	}
	return next > now ? (int)(next - now) : 0;
}

static gpointer run(gpointer unused)
{
	struct pollfd fds[MAX_PENDING + 2];
	unsigned map[MAX_PENDING];
	for (;;) {
		int64_t now = now_ms();
		unsigned n = 0;
		fds[n++] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (unsigned i = 0; i < n_pending; i++) {
			if (pending[i].recheck_ms)
				continue;
			map[n - 2] = i;
			fds[n++] = (struct pollfd){ .fd = pending[i].fd, .events = POLLIN };
		}
		if (poll(fds, n, poll_timeout(now)) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		/* Back to front: examine() moves the last entry into the slot it frees. */
		for (unsigned k = n; k-- > 2;)
			if (fds[k].revents)
				examine(map[k - 2]);
		now = now_ms();
		for (unsigned i = n_pending; i-- > 0;) {
			if (pending[i].recheck_ms && pending[i].recheck_ms <= now) {
				pending[i].recheck_ms = 0;
				if (examine(i))
					continue;
			}
			if (i < n_pending && pending[i].deadline_ms <= now)
				drop_pending(i, true);
		}
		if (fds[1].revents)
			accept_one();
	}
	return NULL;
}

static int bind_listen(const char *address, int port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *ai;
	char service[16];
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(*address ? address : NULL, service, &hints, &ai)) {
		log_error(LOGS_HTTP, "http_address %s is not a numeric address", address);
		return -EINVAL;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 256)) {
		log_error(LOGS_HTTP, "cannot listen on %s:%d: %s", address, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -EADDRINUSE;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int http_front_start(const char *address, int port, const struct http_front_handlers *h)
{
	int fd = bind_listen(address, port);
	if (fd < 0)
		return fd;
	if (pipe2(wake_pipe, O_CLOEXEC)) {
		close(fd);
		return -EIO;
	}
	listen_fd = fd;
	handlers = *h;
	thread = g_thread_new("http-front", run, NULL);
	return 0;
}

int http_front_port(void)
{
	return bound_port;
}

void http_front_stop(void)
{
	if (!thread)
		return;
	ssize_t w = write(wake_pipe[1], "x", 1);
	(void)w;
	g_thread_join(thread);
	thread = NULL;
	while (n_pending)
		drop_pending(0, true);
	close(listen_fd);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	listen_fd = wake_pipe[0] = wake_pipe[1] = -1;
}
