/* Unit tests for sfu/transport/dtls: real handshakes in one process, with
 * datagrams carried between the two ends by the test (and sometimes lost,
 * cut or forged on the way). A plain OpenSSL peer stands in for a browser
 * where the other end must not be Parley's own code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sfu/transport/dtls.h"
#include "sfu/transport/srtp_session.h"

#define QMAX 128
#define DGRAM_MAX 2048

struct dgram {
	uint8_t data[DGRAM_MAX];
	size_t len;
};

struct peer {
	struct dtls_conn *conn;
	struct dgram q[QMAX]; /* sent, not yet delivered */
	size_t nq;
	size_t sent;
	bool drop;
	size_t dropped;
	int connected;
	int closed;
	char reason[64];
	struct srtp_keys keys;
	uint8_t app[DGRAM_MAX];
	size_t app_len;
	int app_count;
	bool destroy_on_close;
};

static struct dtls_identity *id_a, *id_b;

/* ---- callbacks ---- */

static void on_send(void *arg, const uint8_t *data, size_t len)
{
	struct peer *p = arg;
	p->sent++;
	if (p->drop) {
		p->dropped++;
		return;
	}
	assert_true(len > 0 && len <= DGRAM_MAX);
	assert_true(p->nq < QMAX);
	memcpy(p->q[p->nq].data, data, len);
	p->q[p->nq++].len = len;
}

static void on_connected(void *arg, const struct srtp_keys *keys)
{
	struct peer *p = arg;
	p->connected++;
	p->keys = *keys;
}

static void on_closed(void *arg, const char *reason)
{
	struct peer *p = arg;
	p->closed++;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	if (p->destroy_on_close) {
		dtls_conn_destroy(p->conn);
		p->conn = NULL;
	}
}

static void on_app_data(void *arg, const uint8_t *data, size_t len)
{
	struct peer *p = arg;
	assert_true(len <= sizeof(p->app));
	memcpy(p->app, data, len);
	p->app_len = len;
	p->app_count++;
}

static const struct dtls_callbacks callbacks = {
	.send = on_send, .connected = on_connected, .closed = on_closed, .app_data = on_app_data,
};

/* ---- plumbing ---- */

static struct peer *peer_new(struct dtls_identity *own, enum dtls_role role, const char *remote_fp)
{
	struct peer *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	assert_int_equal(dtls_conn_create(&p->conn, own, role, remote_fp, &callbacks, p), 0);
	return p;
}

static void peer_free(struct peer *p)
{
	if (!p)
		return;
	dtls_conn_destroy(p->conn);
	free(p);
}

static void deliver(struct peer *from, struct peer *to)
{
	for (size_t i = 0; i < from->nq && to->conn; i++)
		dtls_conn_receive(to->conn, from->q[i].data, from->q[i].len);
	from->nq = 0;
}

static void pump(struct peer *a, struct peer *b)
{
	for (int round = 0; round < 50 && (a->nq || b->nq); round++) {
		deliver(a, b);
		deliver(b, a);
	}
}

/* Client on identity A, server on identity B, fingerprints as signalled. */
static void make_pair(struct peer **client, struct peer **server, bool a_is_client)
{
	struct dtls_identity *cid = a_is_client ? id_a : id_b;
	struct dtls_identity *sid = a_is_client ? id_b : id_a;
	*client = peer_new(cid, DTLS_ROLE_CLIENT, dtls_identity_fingerprint(sid));
	*server = peer_new(sid, DTLS_ROLE_SERVER, dtls_identity_fingerprint(cid));
}

static void connect_pair(struct peer **client, struct peer **server)
{
	make_pair(client, server, true);
	dtls_conn_start((*server)->conn);
	dtls_conn_start((*client)->conn);
	pump(*client, *server);
	assert_int_equal((*client)->connected, 1);
	assert_int_equal((*server)->connected, 1);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int setup(void **state)
{
	if (srtp_session_library_init() < 0)
		return -1;
	return dtls_identity_create(&id_a) || dtls_identity_create(&id_b);
}

static int teardown(void **state)
{
	dtls_identity_destroy(id_a);
	dtls_identity_destroy(id_b);
	srtp_session_library_shutdown();
	return 0;
}

/* ---- identity and fingerprints ---- */

static void test_fingerprint_format(void **state)
{
	const char *fp = dtls_identity_fingerprint(id_a);
	assert_int_equal(strlen(fp), 8 + 32 * 3 - 1);
	assert_memory_equal(fp, "sha-256 ", 8);
	for (size_t i = 8; fp[i]; i++) {
		if ((i - 8) % 3 == 2)
			assert_int_equal(fp[i], ':');
		else
			assert_non_null(strchr("0123456789ABCDEF", fp[i]));
	}
	assert_string_not_equal(fp, dtls_identity_fingerprint(id_b));
}

static void expect_bad_fingerprint(const char *fp)
{
	struct dtls_conn *c = NULL;
	assert_int_equal(dtls_conn_create(&c, id_a, DTLS_ROLE_SERVER, fp, &callbacks, NULL), -EINVAL);
	assert_null(c);
}

static void test_create_rejects_bad_fingerprint(void **state)
{
	char fp[256];
	const char *good = dtls_identity_fingerprint(id_b);
	expect_bad_fingerprint(NULL);
	expect_bad_fingerprint("");
	expect_bad_fingerprint("sha-256");
	expect_bad_fingerprint("md5 AB:CD");
	expect_bad_fingerprint(good + 8); /* no algorithm */
	snprintf(fp, sizeof(fp), "%.*s", (int)strlen(good) - 3, good); /* one byte short */
	expect_bad_fingerprint(fp);
	snprintf(fp, sizeof(fp), "%s:00", good); /* one byte long */
	expect_bad_fingerprint(fp);
	snprintf(fp, sizeof(fp), "%s", good);
	fp[20] = 'G';
	expect_bad_fingerprint(fp);
	snprintf(fp, sizeof(fp), "sha-1 %s", good + 8); /* sha-256 digest, sha-1 name */
	expect_bad_fingerprint(fp);
	expect_bad_fingerprint(good + 1); /* "ha-256 ..." */

	/* Lower-case hex, upper-case name and stray blanks are accepted. */
	struct dtls_conn *c = NULL;
	snprintf(fp, sizeof(fp), "  SHA-256   %s \r\n", good + 8);
	for (char *p = fp; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	assert_int_equal(dtls_conn_create(&c, id_a, DTLS_ROLE_SERVER, fp, &callbacks, NULL), 0);
	dtls_conn_destroy(c);
	dtls_conn_destroy(NULL);
}

/* ---- handshakes between two dtls_conns ---- */

static void assert_keys_mirror(const struct peer *client, const struct peer *server)
{
	const struct srtp_keys *c = &client->keys, *s = &server->keys;
	assert_int_equal(c->profile, SRTP_PROFILE_AEAD_AES_128_GCM);
	assert_int_equal(s->profile, SRTP_PROFILE_AEAD_AES_128_GCM);
	assert_int_equal(c->key_salt_len, 28);
	assert_int_equal(s->key_salt_len, 28);
	assert_memory_equal(c->local, s->remote, 28);
	assert_memory_equal(c->remote, s->local, 28);
	assert_memory_not_equal(c->local, c->remote, 28);
}

/* The exported keys drive libsrtp on both ends, in both directions. */
static void assert_srtp_works(const struct peer *a, const struct peer *b)
{
	struct srtp_session *sa, *sb;
	assert_int_equal(srtp_session_create(&sa, &a->keys), 0);
	assert_int_equal(srtp_session_create(&sb, &b->keys), 0);
	uint8_t pkt[100] = { 0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7 };
	size_t len = 40;
	assert_int_equal(srtp_session_protect(sa, pkt, &len, sizeof(pkt)), 0);
	assert_int_equal(srtp_session_unprotect(sb, pkt, &len), 0);
	assert_int_equal(len, 40);
	assert_int_equal(srtp_session_protect(sb, pkt, &len, sizeof(pkt)), 0);
	assert_int_equal(srtp_session_unprotect(sa, pkt, &len), 0);
	srtp_session_destroy(sa);
	srtp_session_destroy(sb);
}

static void handshake(bool a_is_client)
{
	struct peer *client, *server;
	make_pair(&client, &server, a_is_client);
	assert_int_equal(dtls_conn_timeout_ms(server->conn), -1);
	dtls_conn_start(server->conn);
	assert_int_equal(server->sent, 0); /* the server waits */
	dtls_conn_start(client->conn);
	assert_int_equal(client->nq, 1); /* ClientHello */
	int t = dtls_conn_timeout_ms(client->conn);
	assert_true(t > 0 && t <= 100);
	pump(client, server);
	assert_int_equal(client->connected, 1);
	assert_int_equal(server->connected, 1);
	assert_int_equal(client->closed + server->closed, 0);
	assert_keys_mirror(client, server);
	assert_srtp_works(client, server);
	assert_int_equal(dtls_conn_timeout_ms(client->conn), -1);
	assert_int_equal(dtls_conn_timeout_ms(server->conn), -1);
	peer_free(client);
	peer_free(server);
}

static void test_handshake_a_client(void **state)
{
	handshake(true);
}

static void test_handshake_a_server(void **state)
{
	handshake(false);
}

/* Our own datagrams respect the 1200-byte MTU. */
static void test_datagrams_fit_mtu(void **state)
{
	struct peer *client, *server;
	make_pair(&client, &server, true);
	dtls_conn_start(client->conn);
	for (int round = 0; round < 10 && (client->nq || server->nq); round++) {
		for (size_t i = 0; i < client->nq; i++)
			assert_true(client->q[i].len <= 1200);
		for (size_t i = 0; i < server->nq; i++)
			assert_true(server->q[i].len <= 1200);
		deliver(client, server);
		deliver(server, client);
	}
	assert_int_equal(client->connected + server->connected, 2);
	peer_free(client);
	peer_free(server);
}

/* Pumps, and when nothing is in flight waits for the earliest timer. */
static void run_with_timers(struct peer *a, struct peer *b, long long deadline)
{
	while ((a->connected == 0 || b->connected == 0) && now_ms() < deadline &&
	       a->closed + b->closed == 0) {
		pump(a, b);
		if (a->connected && b->connected)
			break;
		int ta = dtls_conn_timeout_ms(a->conn), tb = dtls_conn_timeout_ms(b->conn);
		int t = ta < 0 ? tb : tb < 0 ? ta : ta < tb ? ta : tb;
		assert_true(t >= 0);
		usleep((useconds_t)t * 1000 + 1000);
		dtls_conn_handle_timeout(a->conn);
		dtls_conn_handle_timeout(b->conn);
		b->drop = false; /* only the first flight is lost */
	}
}

static void test_lost_server_flight_recovers(void **state)
{
	struct peer *client, *server;
	make_pair(&client, &server, true);
	server->drop = true;
	long long start = now_ms();
	dtls_conn_start(client->conn);
	pump(client, server);
	assert_true(server->dropped > 0);
	assert_int_equal(client->connected + server->connected, 0);
	run_with_timers(client, server, start + 5000);
	long long took = now_ms() - start;
	assert_int_equal(client->connected, 1);
	assert_int_equal(server->connected, 1);
	assert_keys_mirror(client, server);
	/* 100 ms timers, not OpenSSL's default of one second. */
	assert_true(took < 900);
	peer_free(client);
	peer_free(server);
}

static void test_lost_client_hello_recovers(void **state)
{
	struct peer *client, *server;
	make_pair(&client, &server, true);
	client->drop = true;
	dtls_conn_start(client->conn);
	assert_int_equal(client->dropped, 1);
	client->drop = false;
	run_with_timers(client, server, now_ms() + 5000);
	assert_int_equal(client->connected + server->connected, 2);
	peer_free(client);
	peer_free(server);
}

static void fingerprint_mismatch(bool client_is_wrong)
{
	struct peer *client, *server;
	/* The wrong side expects a third certificate (its own). */
	struct dtls_identity *wrong = client_is_wrong ? id_a : id_b;
	client = peer_new(id_a, DTLS_ROLE_CLIENT,
			  dtls_identity_fingerprint(client_is_wrong ? wrong : id_b));
	server = peer_new(id_b, DTLS_ROLE_SERVER,
			  dtls_identity_fingerprint(client_is_wrong ? id_a : wrong));
	dtls_conn_start(client->conn);
	pump(client, server);
	assert_int_equal(client->connected + server->connected, 0);
	assert_int_equal(client->closed, 1);
	assert_int_equal(server->closed, 1);
	struct peer *checker = client_is_wrong ? client : server;
	assert_string_equal(checker->reason, "fingerprint mismatch");
	assert_int_equal(dtls_conn_send(client->conn, (const uint8_t *)"x", 1), -ENOTCONN);
	assert_int_equal(dtls_conn_timeout_ms(client->conn), -1);
	assert_int_equal(dtls_conn_timeout_ms(server->conn), -1);
	peer_free(client);
	peer_free(server);
}

static void test_fingerprint_mismatch_seen_by_client(void **state)
{
	fingerprint_mismatch(true);
}

static void test_fingerprint_mismatch_seen_by_server(void **state)
{
	fingerprint_mismatch(false);
}

/* ---- application data and closing ---- */

static void test_app_data_roundtrip(void **state)
{
	struct peer *client, *server;
	make_pair(&client, &server, true);
	assert_int_equal(dtls_conn_send(client->conn, (const uint8_t *)"early", 5), -ENOTCONN);
	dtls_conn_start(client->conn);
	pump(client, server);

	assert_int_equal(dtls_conn_send(client->conn, (const uint8_t *)"hello", 5), 0);
	pump(client, server);
	assert_int_equal(server->app_count, 1);
	assert_int_equal(server->app_len, 5);
	assert_memory_equal(server->app, "hello", 5);

	uint8_t big[1100];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	assert_int_equal(dtls_conn_send(server->conn, big, sizeof(big)), 0);
	assert_int_equal(dtls_conn_send(server->conn, big, 10), 0);
	assert_int_equal(server->nq, 2); /* one datagram per message */
	deliver(server, client);
	assert_int_equal(client->app_count, 2);
	assert_int_equal(client->app_len, 10);
	assert_int_equal(dtls_conn_send(server->conn, big, 0), 0);
	assert_int_equal(server->nq, 0);
	assert_int_equal(client->closed + server->closed, 0);
	peer_free(client);
	peer_free(server);
}

static void test_app_data_without_handler(void **state)
{
	struct dtls_callbacks cb = callbacks;
	cb.app_data = NULL;
	struct peer *client, *server = calloc(1, sizeof(*server));
	assert_non_null(server);
	client = peer_new(id_a, DTLS_ROLE_CLIENT, dtls_identity_fingerprint(id_b));
	assert_int_equal(dtls_conn_create(&server->conn, id_b, DTLS_ROLE_SERVER,
					  dtls_identity_fingerprint(id_a), &cb, server), 0);
	dtls_conn_start(client->conn);
	pump(client, server);
	assert_int_equal(dtls_conn_send(client->conn, (const uint8_t *)"x", 1), 0);
	pump(client, server);
	assert_int_equal(server->connected, 1);
	assert_int_equal(server->closed, 0);
	peer_free(client);
	peer_free(server);
}

static void test_close_notify(void **state)
{
	struct peer *client, *server;
	connect_pair(&client, &server);
	dtls_conn_close(client->conn);
	assert_int_equal(client->nq, 1); /* close_notify */
	assert_int_equal(dtls_conn_send(client->conn, (const uint8_t *)"x", 1), -ENOTCONN);
	pump(client, server);
	assert_int_equal(server->closed, 1);
	assert_string_equal(server->reason, "peer closed");
	assert_int_equal(client->closed, 0); /* we closed it: no callback */
	assert_int_equal(dtls_conn_send(server->conn, (const uint8_t *)"x", 1), -ENOTCONN);

	/* Anything later is ignored and closed() never fires twice. */
	uint8_t junk[40] = { 21, 0xfe, 0xfd };
	dtls_conn_receive(server->conn, junk, sizeof(junk));
	dtls_conn_handle_timeout(server->conn);
	dtls_conn_close(server->conn);
	dtls_conn_close(client->conn);
	assert_int_equal(server->closed, 1);
	assert_int_equal(client->closed, 0);
	peer_free(client);
	peer_free(server);
}

static void test_closed_handler_may_destroy(void **state)
{
	struct peer *client, *server;
	connect_pair(&client, &server);
	server->destroy_on_close = true;
	dtls_conn_close(client->conn);
	pump(client, server);
	assert_int_equal(server->closed, 1);
	assert_null(server->conn);
	peer_free(client);
	peer_free(server);

	/* Same during a handshake that fails on the fingerprint. */
	client = peer_new(id_a, DTLS_ROLE_CLIENT, dtls_identity_fingerprint(id_a));
	server = peer_new(id_b, DTLS_ROLE_SERVER, dtls_identity_fingerprint(id_a));
	client->destroy_on_close = server->destroy_on_close = true;
	dtls_conn_start(client->conn);
	pump(client, server);
	assert_int_equal(client->closed + server->closed, 2);
	assert_null(client->conn);
	assert_null(server->conn);
	peer_free(client);
	peer_free(server);
}

/* ---- hostile input ---- */

static void feed_garbage(struct dtls_conn *c, int count)
{
	uint8_t buf[1500];
	for (int i = 0; i < count; i++) {
		size_t len = rng() % sizeof(buf);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rng();
		if (len > 0 && i % 2 == 0)
			buf[0] = (uint8_t)(20 + rng() % 4); /* a plausible content type */
		if (len > 2 && i % 4 == 0) {
			buf[1] = 0xfe;
			buf[2] = 0xfd;
		}
		dtls_conn_receive(c, buf, len);
	}
}

static void test_garbage_never_crashes(void **state)
{
	/* A fresh server, a waiting client, and a connected pair. */
	struct peer *client, *server;
	make_pair(&client, &server, true);
	feed_garbage(server->conn, 300);
	dtls_conn_start(client->conn);
	feed_garbage(client->conn, 300);
	assert_true(server->closed <= 1 && client->closed <= 1);
	peer_free(client);
	peer_free(server);

	connect_pair(&client, &server);
	client->nq = server->nq = 0;
	feed_garbage(server->conn, 500);
	feed_garbage(client->conn, 500);
	dtls_conn_receive(server->conn, NULL, 0);
	/* Records that fail authentication are dropped: the session survives. */
	assert_int_equal(client->closed + server->closed, 0);
	assert_int_equal(dtls_conn_send(client->conn, (const uint8_t *)"still", 5), 0);
	pump(client, server);
	assert_int_equal(server->app_len, 5);
	assert_memory_equal(server->app, "still", 5);
	peer_free(client);
	peer_free(server);
}

/* Every real handshake datagram cut at every length, then the handshake still completes. */
static void test_truncated_handshake_datagrams(void **state)
{
	struct peer *client, *server;
	make_pair(&client, &server, true);
	dtls_conn_start(client->conn);
	for (int round = 0; round < 10 && (client->nq || server->nq); round++) {
		for (size_t i = 0; i < client->nq; i++)
			for (size_t cut = 1; cut < client->q[i].len; cut++)
				dtls_conn_receive(server->conn, client->q[i].data, cut);
		size_t before = server->nq;
		deliver(client, server);
		for (size_t i = 0; i < before; i++)
			for (size_t cut = 1; cut < server->q[i].len; cut++)
				dtls_conn_receive(client->conn, server->q[i].data, cut);
		deliver(server, client);
	}
	assert_int_equal(client->closed + server->closed, 0);
	assert_int_equal(client->connected + server->connected, 2);
	assert_keys_mirror(client, server);
	peer_free(client);
	peer_free(server);
}

/* ---- against a plain OpenSSL peer (browser stand-in) ---- */

struct raw_peer {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	char fp[128];
	size_t records_first_flight;
};

static int accept_any(int ok, X509_STORE_CTX *store)
{
	return 1;
}

static X509 *raw_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	assert_true(x && name);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"browser", -1, -1, 0);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return x;
}

/* sha-1, lower case: other browsers' spellings must work too. */
static void raw_fingerprint(char *out, X509 *x)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	assert_int_equal(X509_digest(x, EVP_sha1(), md, &n), 1);
	char *p = out + sprintf(out, "sha-1 ");
	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, i ? ":%02x" : "%02x", md[i]);
}

static struct raw_peer *raw_new(bool client, bool rsa, const char *profiles, long mtu)
{
	struct raw_peer *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	EVP_PKEY *key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	assert_non_null(key);
	X509 *cert = raw_cert(key);
	raw_fingerprint(r->fp, cert);
	r->ctx = SSL_CTX_new(DTLS_method());
	assert_non_null(r->ctx);
	assert_int_equal(SSL_CTX_use_certificate(r->ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(r->ctx, key), 1);
	/* A long cipher list makes the ClientHello big, as Chromium's is. */
	assert_int_equal(SSL_CTX_set_cipher_list(r->ctx, "ALL:@SECLEVEL=0"), 1);
	assert_int_equal(SSL_CTX_set_tlsext_use_srtp(r->ctx, profiles), 0);
	SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, accept_any);
	X509_free(cert);
	EVP_PKEY_free(key);
	r->ssl = SSL_new(r->ctx);
	r->rbio = BIO_new(BIO_s_mem());
	r->wbio = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(r->rbio, -1);
	SSL_set_bio(r->ssl, r->rbio, r->wbio);
	if (client)
		SSL_set_connect_state(r->ssl);
	else
		SSL_set_accept_state(r->ssl);
	SSL_set_options(r->ssl, SSL_OP_NO_QUERY_MTU);
	assert_true(SSL_set_mtu(r->ssl, mtu) > 0);
	return r;
}

static void raw_free(struct raw_peer *r)
{
	SSL_free(r->ssl);
	SSL_CTX_free(r->ctx);
	free(r);
}

/* The memory BIO glues records together; a real UDP peer sends one per datagram. */
static size_t raw_flush(struct raw_peer *r, struct peer *to)
{
	uint8_t buf[16384];
	size_t records = 0;
	int n;
	while ((n = BIO_read(r->wbio, buf, sizeof(buf))) > 0) {
		for (size_t off = 0; off + 13 <= (size_t)n; records++) {
			size_t rec = 13 + ((size_t)buf[off + 11] << 8 | buf[off + 12]);
			assert_true(off + rec <= (size_t)n);
			dtls_conn_receive(to->conn, buf + off, rec);
			off += rec;
		}
	}
	return records;
}

static void raw_step(struct raw_peer *r)
{
	ERR_clear_error();
	int ret = SSL_do_handshake(r->ssl);
	if (ret != 1)
		assert_int_equal(SSL_get_error(r->ssl, ret), SSL_ERROR_WANT_READ);
}

static void raw_handshake(struct raw_peer *r, struct peer *p)
{
	raw_step(r);
	r->records_first_flight = raw_flush(r, p);
	for (int round = 0; round < 20 && !(SSL_is_init_finished(r->ssl) && p->connected); round++) {
		for (size_t i = 0; i < p->nq; i++) {
			BIO_write(r->rbio, p->q[i].data, (int)p->q[i].len);
			raw_step(r);
		}
		p->nq = 0;
		raw_flush(r, p);
	}
	assert_true(SSL_is_init_finished(r->ssl));
	assert_int_equal(p->connected, 1);
	assert_int_equal(p->closed, 0);
}

/* What the raw peer derives, laid out as our peer's remote key || salt. */
static void assert_keys_match_raw(struct raw_peer *r, const struct peer *p, bool raw_is_client,
				  size_t key_len, size_t salt_len)
{
	uint8_t m[2 * SRTP_MAX_KEY_SALT], client[SRTP_MAX_KEY_SALT], server[SRTP_MAX_KEY_SALT];
	size_t total = 2 * (key_len + salt_len);
	assert_int_equal(SSL_export_keying_material(r->ssl, m, total, "EXTRACTOR-dtls_srtp", 19,
						    NULL, 0, 0), 1);
	memcpy(client, m, key_len);
	memcpy(server, m + key_len, key_len);
	memcpy(client + key_len, m + 2 * key_len, salt_len);
	memcpy(server + key_len, m + 2 * key_len + salt_len, salt_len);
	assert_int_equal(p->keys.key_salt_len, key_len + salt_len);
	assert_memory_equal(p->keys.remote, raw_is_client ? client : server, key_len + salt_len);
	assert_memory_equal(p->keys.local, raw_is_client ? server : client, key_len + salt_len);
}

/* Chromium's offer order; its big ClientHello arrives in several datagrams. */
static void test_browser_client_fragmented_hello(void **state)
{
	struct raw_peer *r = raw_new(true, false,
				     "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM",
				     256);
	struct peer *p = peer_new(id_a, DTLS_ROLE_SERVER, r->fp);
	raw_handshake(r, p);
	assert_true(r->records_first_flight >= 2);
	assert_int_equal(p->keys.profile, SRTP_PROFILE_AEAD_AES_128_GCM); /* our order wins */
	assert_keys_match_raw(r, p, true, 16, 12);
	peer_free(p);
	raw_free(r);
}

static void test_browser_client_cm80_only(void **state)
{
	struct raw_peer *r = raw_new(true, false, "SRTP_AES128_CM_SHA1_80", 1200);
	struct peer *p = peer_new(id_a, DTLS_ROLE_SERVER, r->fp);
	raw_handshake(r, p);
	assert_int_equal(p->keys.profile, SRTP_PROFILE_AES128_CM_SHA1_80);
	assert_keys_match_raw(r, p, true, 16, 14);
	peer_free(p);
	raw_free(r);
}

/* We are the client; the peer serves an RSA certificate and prefers GCM-256. */
static void test_rsa_server_gcm256(void **state)
{
	struct raw_peer *r = raw_new(false, true, "SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80",
				     1200);
	struct peer *p = peer_new(id_a, DTLS_ROLE_CLIENT, r->fp);
	dtls_conn_start(p->conn);
	for (size_t i = 0; i < p->nq; i++)
		BIO_write(r->rbio, p->q[i].data, (int)p->q[i].len);
	p->nq = 0;
	raw_handshake(r, p);
	assert_int_equal(p->keys.profile, SRTP_PROFILE_AEAD_AES_256_GCM);
	assert_keys_match_raw(r, p, false, 32, 12);
	peer_free(p);
	raw_free(r);
}

static void test_peer_without_srtp_rejected(void **state)
{
	struct raw_peer *r = raw_new(true, false, "SRTP_AES128_CM_SHA1_80", 1200);
	SSL_set_tlsext_use_srtp(r->ssl, "SRTP_AES128_CM_SHA1_32"); /* nothing we accept */
	struct peer *p = peer_new(id_a, DTLS_ROLE_SERVER, r->fp);
	raw_step(r);
	for (int round = 0; round < 10; round++) {
		raw_flush(r, p);
		for (size_t i = 0; i < p->nq; i++) {
			BIO_write(r->rbio, p->q[i].data, (int)p->q[i].len);
			ERR_clear_error();
			SSL_do_handshake(r->ssl);
		}
		p->nq = 0;
	}
	ERR_clear_error();
	assert_int_equal(p->connected, 0);
	assert_int_equal(p->closed, 1);
	assert_string_equal(p->reason, "no SRTP profile");
	peer_free(p);
	raw_free(r);
}

/* Keys are exported once: a renegotiation attempt is refused, and a peer
 * that gives up with a fatal alert closes the conn. */
static void test_renegotiation_refused(void **state)
{
	struct raw_peer *r = raw_new(true, false, "SRTP_AEAD_AES_128_GCM", 1200);
	struct peer *p = peer_new(id_a, DTLS_ROLE_SERVER, r->fp);
	raw_handshake(r, p);
	assert_int_equal(SSL_renegotiate(r->ssl), 1);
	for (int round = 0; round < 5; round++) {
		ERR_clear_error();
		SSL_do_handshake(r->ssl);
		raw_flush(r, p);
		for (size_t i = 0; i < p->nq; i++)
			BIO_write(r->rbio, p->q[i].data, (int)p->q[i].len);
		p->nq = 0;
	}
	ERR_clear_error();
	assert_int_equal(p->connected, 1);
	assert_int_equal(p->closed, 1);
	assert_string_equal(p->reason, "peer sent fatal alert");
	assert_int_equal(dtls_conn_send(p->conn, (const uint8_t *)"x", 1), -ENOTCONN);
	peer_free(p);
	raw_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_format),
		cmocka_unit_test(test_create_rejects_bad_fingerprint),
		cmocka_unit_test(test_handshake_a_client),
		cmocka_unit_test(test_handshake_a_server),
		cmocka_unit_test(test_datagrams_fit_mtu),
		cmocka_unit_test(test_lost_server_flight_recovers),
		cmocka_unit_test(test_lost_client_hello_recovers),
		cmocka_unit_test(test_fingerprint_mismatch_seen_by_client),
		cmocka_unit_test(test_fingerprint_mismatch_seen_by_server),
		cmocka_unit_test(test_app_data_roundtrip),
		cmocka_unit_test(test_app_data_without_handler),
		cmocka_unit_test(test_close_notify),
		cmocka_unit_test(test_closed_handler_may_destroy),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_truncated_handshake_datagrams),
		cmocka_unit_test(test_browser_client_fragmented_hello),
		cmocka_unit_test(test_browser_client_cm80_only),
		cmocka_unit_test(test_rsa_server_gcm256),
		cmocka_unit_test(test_peer_without_srtp_rejected),
		cmocka_unit_test(test_renegotiation_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
