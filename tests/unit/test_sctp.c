/* Unit tests for sfu/transport/sctp: two associations (client and server) in
 * one process, their packets carried by the test like a lossless DTLS pipe
 * that can also hold, drop or corrupt packets on the way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sfu/transport/sctp.h"

struct pkt {
	struct pkt *next;
	size_t len;
	uint8_t data[];
};

struct msg {
	uint16_t stream;
	uint32_t ppid;
	size_t len;
	uint8_t *data;
};

struct peer {
	struct sctp_assoc *a;
	struct peer *other;
	struct pkt *head, *tail; /* sent, not yet delivered */
	bool hold;               /* keep our packets from the other side */
	int drop_data;           /* drop this many packets carrying DATA */
	int dropped;
	int connected, closed;
	int stream_closed;
	uint16_t last_closed;
	struct msg *msgs;
	size_t nmsgs, capmsgs;
	bool destroy_on_message; /* destroys itself from inside a callback */
};

static struct peer cli, srv;

/* Walks the chunks after the 12-byte common header for a DATA chunk (0). */
static bool has_data(const uint8_t *data, size_t len)
{
	size_t off = 12;

	while (off + 4 <= len) {
		size_t clen = (size_t)(data[off + 2] << 8 | data[off + 3]);
		if (data[off] == 0)
			return true;
		if (clen < 4)
			return false;
		off += (clen + 3) & ~(size_t)3;
	}
	return false;
}

static void on_send(void *arg, const uint8_t *data, size_t len)
{
	struct peer *p = arg;

	if (p->drop_data > 0 && has_data(data, len)) {
		p->drop_data--;
		p->dropped++;
		return;
	}
	struct pkt *k = malloc(sizeof(*k) + len);
	assert_non_null(k);
	k->next = NULL;
	k->len = len;
	memcpy(k->data, data, len);
	if (p->tail)
		p->tail->next = k;
	else
		p->head = k;
	p->tail = k;
}

static void on_message(void *arg, uint16_t stream, uint32_t ppid, const uint8_t *data, size_t len)
{
	struct peer *p = arg;

	if (p->nmsgs == p->capmsgs) {
		p->capmsgs = p->capmsgs ? p->capmsgs * 2 : 64;
		p->msgs = realloc(p->msgs, p->capmsgs * sizeof(*p->msgs));
		assert_non_null(p->msgs);
	}
	struct msg *m = &p->msgs[p->nmsgs++];
	m->stream = stream;
	m->ppid = ppid;
	m->len = len;
	m->data = malloc(len ? len : 1);
	memcpy(m->data, data, len);
	if (p->destroy_on_message) {
		sctp_assoc_destroy(p->a);
		p->a = NULL;
	}
}

static void on_stream_closed(void *arg, uint16_t stream)
{
	struct peer *p = arg;

	p->stream_closed++;
	p->last_closed = stream;
}

static void on_connected(void *arg)
{
	((struct peer *)arg)->connected++;
}

static void on_closed(void *arg)
{
	((struct peer *)arg)->closed++;
}

static const struct sctp_callbacks callbacks = {
	.send = on_send, .message = on_message, .stream_closed = on_stream_closed,
	.connected = on_connected, .closed = on_closed,
};

static void free_packets(struct peer *p)
{
	while (p->head) {
		struct pkt *k = p->head;
		p->head = k->next;
		free(k);
	}
	p->tail = NULL;
}

static void clear_msgs(struct peer *p)
{
	for (size_t i = 0; i < p->nmsgs; i++)
		free(p->msgs[i].data);
	p->nmsgs = 0;
}

static struct pkt *take(struct peer *p)
{
	struct pkt *k = p->head;

	if (k) {
		p->head = k->next;
		if (!p->head)
			p->tail = NULL;
	}
	return k;
}

/* Delivers packets both ways until both sides are quiet. */
static void pump(void)
{
	for (int guard = 0; guard < 1000000; guard++) {
		struct peer *from = !cli.hold && cli.head ? &cli : !srv.hold && srv.head ? &srv : NULL;
		if (!from)
			return;
		struct pkt *k = take(from);
		if (from->other->a)
			sctp_assoc_receive(from->other->a, k->data, k->len);
		free(k);
	}
	fail_msg("pump never went quiet");
}

/* Lets ms of (simulated) time pass, 10 ms a step. */
static void run(int ms)
{
	for (int t = 0; t < ms; t += 10) {
		sctp_library_tick(10);
		if (cli.a)
			sctp_assoc_poll(cli.a);
		if (srv.a)
			sctp_assoc_poll(srv.a);
		pump();
	}
}

static int setup_pair(void **state)
{
	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	cli.other = &srv;
	srv.other = &cli;
	assert_int_equal(sctp_assoc_create(&cli.a, 5000, 5000, true, SCTP_MAX_MESSAGE, &callbacks, &cli), 0);
	assert_int_equal(sctp_assoc_create(&srv.a, 5000, 5000, false, SCTP_MAX_MESSAGE, &callbacks, &srv), 0);
	return 0;
}

static int setup_connected(void **state)
{
	setup_pair(state);
	assert_int_equal(sctp_assoc_connect(srv.a), 0);
	assert_int_equal(sctp_assoc_connect(cli.a), 0);
	pump();
	run(50);
	assert_int_equal(cli.connected, 1);
	assert_int_equal(srv.connected, 1);
	return 0;
}

static int teardown_pair(void **state)
{
	sctp_assoc_destroy(cli.a);
	sctp_assoc_destroy(srv.a);
	cli.a = srv.a = NULL;
	free_packets(&cli);
	free_packets(&srv);
	clear_msgs(&cli);
	clear_msgs(&srv);
	free(cli.msgs);
	free(srv.msgs);
	sctp_library_tick(1000); /* lets usrsctp free the closed endpoints */
	return 0;
}

static int group_setup(void **state)
{
	return sctp_library_init();
}

static int group_teardown(void **state)
{
	sctp_library_shutdown();
	return 0;
}

static const struct sctp_reliability reliable = { true, -1, -1 };

static void send_ok(struct peer *p, uint16_t stream, uint32_t ppid, const void *data, size_t len)
{
	assert_int_equal(sctp_assoc_send(p->a, stream, ppid, data, len, &reliable), 0);
}

static void test_connect(void **state)
{
	assert_int_equal(cli.closed + srv.closed, 0);
	/* Connecting twice is refused, not a second INIT. */
	assert_int_equal(sctp_assoc_connect(cli.a), -EALREADY);
}

static void test_not_connected(void **state)
{
	assert_int_equal(sctp_assoc_send(cli.a, 0, SCTP_PPID_STRING, (const uint8_t *)"x", 1, &reliable),
			 -ENOTCONN);
	assert_int_equal(sctp_assoc_reset_stream(cli.a, 0), -ENOTCONN);
}

static void test_exchange(void **state)
{
	static const uint8_t bin[] = { 0, 1, 2, 255 };

	send_ok(&cli, 0, SCTP_PPID_STRING, "hello", 5);
	send_ok(&cli, 1, SCTP_PPID_BINARY, bin, sizeof(bin));
	send_ok(&cli, 1023, SCTP_PPID_STRING, NULL, 0);
	send_ok(&cli, 2, SCTP_PPID_BINARY, NULL, 0);
	send_ok(&cli, 0, SCTP_PPID_DCEP, "\x02", 1);
	send_ok(&srv, 7, SCTP_PPID_STRING, "back", 4);
	run(300);
	assert_int_equal(srv.nmsgs, 5);
	assert_int_equal(srv.msgs[0].stream, 0);
	assert_int_equal(srv.msgs[0].ppid, SCTP_PPID_STRING);
	assert_memory_equal(srv.msgs[0].data, "hello", 5);
	assert_int_equal(srv.msgs[1].stream, 1);
	assert_int_equal(srv.msgs[1].ppid, SCTP_PPID_BINARY);
	assert_int_equal(srv.msgs[1].len, sizeof(bin));
	assert_memory_equal(srv.msgs[1].data, bin, sizeof(bin));
	/* Empty messages arrive empty, under the plain PPIDs. */
	assert_int_equal(srv.msgs[2].stream, 1023);
	assert_int_equal(srv.msgs[2].ppid, SCTP_PPID_STRING);
	assert_int_equal(srv.msgs[2].len, 0);
	assert_int_equal(srv.msgs[3].ppid, SCTP_PPID_BINARY);
	assert_int_equal(srv.msgs[3].len, 0);
	assert_int_equal(srv.msgs[4].ppid, SCTP_PPID_DCEP);
	assert_int_equal(cli.nmsgs, 1);
	assert_int_equal(cli.msgs[0].stream, 7);
	assert_memory_equal(cli.msgs[0].data, "back", 4);
	/* Everything was acknowledged. */
	assert_int_equal(sctp_assoc_buffered(cli.a), 0);
}

/* Sends, waiting out -EAGAIN by letting the pipe run. */
static void send_retry(struct peer *p, uint16_t stream, uint32_t ppid, const void *data, size_t len,
		       const struct sctp_reliability *rel)
{
	for (int tries = 0; tries < 1000; tries++) {
		int r = sctp_assoc_send(p->a, stream, ppid, data, len, rel);
		if (r == 0)
			return;
		assert_int_equal(r, -EAGAIN);
		run(10);
	}
	fail_msg("send never got through");
}

static void check_sequence(struct peer *p, size_t n, uint16_t stream)
{
	assert_int_equal(p->nmsgs, n);
	for (size_t i = 0; i < n; i++) {
		uint32_t v;
		assert_int_equal(p->msgs[i].stream, stream);
		assert_int_equal(p->msgs[i].len, sizeof(v));
		memcpy(&v, p->msgs[i].data, sizeof(v));
		assert_int_equal(v, i);
	}
}

static void test_ordered_10000(void **state)
{
	for (uint32_t i = 0; i < 10000; i++)
		send_retry(&cli, 3, SCTP_PPID_BINARY, &i, sizeof(i), &reliable);
	run(300);
	check_sequence(&srv, 10000, 3);
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *b = malloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 31 + seed + (i >> 8));
	return b;
}

static void test_large_message(void **state)
{
	uint8_t *a = pattern(SCTP_MAX_MESSAGE, 1);
	uint8_t *b = pattern(SCTP_MAX_MESSAGE - 1, 2);

	/* Two maximum-size messages on different streams must not mix. */
	send_retry(&cli, 4, SCTP_PPID_BINARY, a, SCTP_MAX_MESSAGE, &reliable);
	send_retry(&cli, 5, SCTP_PPID_STRING, b, SCTP_MAX_MESSAGE - 1, &reliable);
	run(500);
	assert_int_equal(srv.nmsgs, 2);
	assert_int_equal(srv.msgs[0].stream, 4);
	assert_int_equal(srv.msgs[0].len, SCTP_MAX_MESSAGE);
	assert_memory_equal(srv.msgs[0].data, a, SCTP_MAX_MESSAGE);
	assert_int_equal(srv.msgs[1].stream, 5);
	assert_int_equal(srv.msgs[1].ppid, SCTP_PPID_STRING);
	assert_int_equal(srv.msgs[1].len, SCTP_MAX_MESSAGE - 1);
	assert_memory_equal(srv.msgs[1].data, b, SCTP_MAX_MESSAGE - 1);
	free(a);
	free(b);
}

static void test_over_max(void **state)
{
	uint8_t *a = pattern(SCTP_MAX_MESSAGE + 1, 3);
	struct sctp_assoc *small;

	assert_int_equal(sctp_assoc_send(cli.a, 0, SCTP_PPID_BINARY, a, SCTP_MAX_MESSAGE + 1, &reliable),
			 -EMSGSIZE);
	/* The peer's a=max-message-size is honoured too. */
	assert_int_equal(sctp_assoc_create(&small, 5001, 5001, true, 1000, &callbacks, &cli), 0);
	assert_int_equal(sctp_assoc_send(small, 0, SCTP_PPID_BINARY, a, 1001, &reliable), -EMSGSIZE);
	sctp_assoc_destroy(small);
	free(a);
	run(100);
	assert_int_equal(srv.nmsgs, 0);
}

static void test_unordered_unreliable(void **state)
{
	const struct sctp_reliability rel = { false, 0, -1 };
	const struct sctp_reliability timed = { false, -1, 1000 };

	for (uint32_t i = 0; i < 200; i++)
		send_retry(&cli, 6, SCTP_PPID_BINARY, &i, sizeof(i), i % 2 ? &rel : &timed);
	run(300);
	/* Lossless pipe: everything arrives, in some order. */
	assert_int_equal(srv.nmsgs, 200);
	uint8_t seen[200] = { 0 };
	for (size_t i = 0; i < srv.nmsgs; i++) {
		uint32_t v;
		memcpy(&v, srv.msgs[i].data, sizeof(v));
		assert_true(v < 200);
		seen[v]++;
	}
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(seen[i], 1);
}

static void test_stream_reset(void **state)
{
	send_ok(&cli, 9, SCTP_PPID_STRING, "bye", 3);
	assert_int_equal(sctp_assoc_reset_stream(cli.a, 9), 0);
	run(300);
	assert_int_equal(srv.nmsgs, 1);
	assert_int_equal(srv.stream_closed, 1);
	assert_int_equal(srv.last_closed, 9);
	assert_int_equal(cli.stream_closed, 0);
	/* The server closes its side too, as RFC 8831 asks. */
	assert_int_equal(sctp_assoc_reset_stream(srv.a, 9), 0);
	run(300);
	assert_int_equal(cli.stream_closed, 1);
	assert_int_equal(cli.last_closed, 9);
	/* The stream can be used again afterwards. */
	send_ok(&cli, 9, SCTP_PPID_STRING, "again", 5);
	run(300);
	assert_int_equal(srv.nmsgs, 2);
}

static void test_backpressure(void **state)
{
	uint8_t buf[1024];
	uint32_t sent = 0;
	int r = 0;

	cli.hold = true;
	for (int i = 0; i < 100000; i++) {
		memcpy(buf, &sent, sizeof(sent));
		r = sctp_assoc_send(cli.a, 2, SCTP_PPID_BINARY, buf, sizeof(buf), &reliable);
		if (r != 0)
			break;
		sent++;
	}
	assert_int_equal(r, -EAGAIN);
	assert_true(sent > 100);
	assert_true(sctp_assoc_buffered(cli.a) >= 100 * sizeof(buf));
	cli.hold = false;
	run(2000);
	assert_int_equal(srv.nmsgs, sent);
	for (uint32_t i = 0; i < sent; i++) {
		uint32_t v;
		memcpy(&v, srv.msgs[i].data, sizeof(v));
		assert_int_equal(v, i);
	}
	assert_int_equal(sctp_assoc_buffered(cli.a), 0);
	assert_int_equal(sctp_assoc_send(cli.a, 2, SCTP_PPID_BINARY, buf, sizeof(buf), &reliable), 0);
}

static void test_retransmission(void **state)
{
	cli.drop_data = 1;
	send_ok(&cli, 1, SCTP_PPID_STRING, "lost once", 9);
	pump();
	assert_int_equal(cli.dropped, 1);
	assert_int_equal(srv.nmsgs, 0);
	assert_true(sctp_assoc_buffered(cli.a) > 0);
	/* Only usrsctp's retransmission timer can bring it back. It picks the
	 * chunks to resend by wall-clock age, so time must really pass (RTO.min
	 * is 1 s). */
	for (int i = 0; i < 500 && srv.nmsgs == 0; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		run(10);
	}
	assert_int_equal(srv.nmsgs, 1);
	assert_memory_equal(srv.msgs[0].data, "lost once", 9);
	assert_int_equal(sctp_assoc_buffered(cli.a), 0);
}

static void feed_garbage(struct sctp_assoc *a, const uint8_t *base, size_t base_len)
{
	uint8_t buf[2048];
	unsigned seed = 12345;

	sctp_assoc_receive(a, NULL, 0);
	sctp_assoc_receive(a, buf, 0);
	for (size_t cut = 1; cut <= base_len; cut++)
		sctp_assoc_receive(a, base, cut);
	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)(i % 300) + 1;
		memcpy(buf, base, base_len < len ? base_len : len);
		for (size_t j = i % 3 ? 12 : 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			buf[j] = (uint8_t)(seed >> 16);
		}
		sctp_assoc_receive(a, buf, len);
	}
}

static void test_garbage(void **state)
{
	/* A real packet to cut short and to scribble over: the client's next DATA. */
	cli.hold = true;
	send_ok(&cli, 0, SCTP_PPID_STRING, "real", 4);
	assert_non_null(cli.head);
	size_t len = cli.head->len;
	uint8_t real[2048];
	memcpy(real, cli.head->data, len);
	cli.hold = false;
	feed_garbage(srv.a, real, len);
	run(1000);
	/* Whatever usrsctp made of it, it answered with packets, not crashes;
	 * the association, if still up, keeps working. */
	if (srv.closed == 0 && cli.closed == 0) {
		send_ok(&cli, 0, SCTP_PPID_STRING, "after", 5);
		run(300);
		assert_true(srv.nmsgs >= 2);
		assert_memory_equal(srv.msgs[srv.nmsgs - 1].data, "after", 5);
	}
}

static void test_destroy_with_queue(void **state)
{
	uint8_t *big = pattern(100000, 4);

	cli.hold = true;
	srv.hold = true;
	send_ok(&cli, 0, SCTP_PPID_BINARY, big, 100000);
	send_ok(&srv, 0, SCTP_PPID_BINARY, big, 100000);
	/* Half a message reaches the server, so reassembly is in progress. */
	for (int i = 0; i < 10 && cli.head; i++) {
		struct pkt *k = take(&cli);
		sctp_assoc_receive(srv.a, k->data, k->len);
		free(k);
	}
	sctp_library_tick(3000); /* queues retransmissions on both */
	free(big);
	/* teardown destroys both with their queues full; ASan checks leaks. */
}

static void test_abort_reaches_peer(void **state)
{
	sctp_assoc_destroy(cli.a);
	cli.a = NULL;
	pump();
	assert_int_equal(srv.closed, 1);
	assert_int_equal(sctp_assoc_send(srv.a, 0, SCTP_PPID_STRING, (const uint8_t *)"x", 1, &reliable),
			 -ENOTCONN);
}

static void test_destroy_in_callback(void **state)
{
	srv.destroy_on_message = true;
	send_ok(&cli, 0, SCTP_PPID_STRING, "one", 3);
	send_ok(&cli, 0, SCTP_PPID_STRING, "two", 3);
	run(100);
	assert_null(srv.a);
	/* Nothing is delivered after destroy, even what was already queued. */
	assert_int_equal(srv.nmsgs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_connected, setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_connect, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_exchange, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_ordered_10000, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_large_message, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_over_max, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_unordered_unreliable, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_stream_reset, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_backpressure, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_retransmission, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_garbage, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_destroy_with_queue, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_abort_reaches_peer, setup_connected, teardown_pair),
		cmocka_unit_test_setup_teardown(test_destroy_in_callback, setup_connected, teardown_pair),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
