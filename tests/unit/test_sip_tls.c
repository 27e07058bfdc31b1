/* Unit tests for sip/sip_tls: loading the identity (good files, a missing
 * file, a key that is not one, a key of another certificate) and real
 * nonblocking handshakes on a socketpair against an OpenSSL client: data
 * both ways, garbage instead of a ClientHello, a peer that hangs up
 * mid-handshake, and a client that offers only TLS 1.1. The certificates
 * are made here, in memory, and written to a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sip/sip_tls.h"

static char dir[64];
static char cert_a[128], key_a[128], key_b[128];

/* A self-signed P-256 certificate and its key as PEM files. */
static void make_identity(const char *cert_path, const char *key_path)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	assert_non_null(pkey);
	X509 *x = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pkey);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"parley-test",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
	if (cert_path) {
		FILE *f = fopen(cert_path, "w");
		assert_non_null(f);
		assert_int_equal(PEM_write_X509(f, x), 1);
		fclose(f);
	}
	FILE *f = fopen(key_path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(pkey);
}

static int setup(void **state)
{
	/* What server/main.c does: a write to a closed peer is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/parley-test-tls-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cert_a, sizeof(cert_a), "%s/a.crt", dir);
	snprintf(key_a, sizeof(key_a), "%s/a.key", dir);
	snprintf(key_b, sizeof(key_b), "%s/b.key", dir);
	make_identity(cert_a, key_a);
	make_identity(NULL, key_b);
	return 0;
}

static int teardown(void **state)
{
	unlink(cert_a);
	unlink(key_a);
	unlink(key_b);
	rmdir(dir);
	return 0;
}

/* ---- loading ---- */

static void test_load(void **state)
{
	struct sip_tls_ctx *ctx = NULL;
	char err[400] = "";
	assert_int_equal(sip_tls_ctx_create(&ctx, cert_a, key_a, err, sizeof(err)), 0);
	assert_non_null(ctx);
	sip_tls_ctx_destroy(ctx);
	sip_tls_ctx_destroy(NULL);
}

static void test_load_missing_file(void **state)
{
	struct sip_tls_ctx *ctx = NULL;
	char err[400] = "", missing[160];
	snprintf(missing, sizeof(missing), "%s/nope.crt", dir);
	assert_int_equal(sip_tls_ctx_create(&ctx, missing, key_a, err, sizeof(err)), -EACCES);
	assert_null(ctx);
	assert_non_null(strstr(err, "cannot read certificate"));
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_int_equal(sip_tls_ctx_create(&ctx, cert_a, missing, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "cannot read private key"));
}

static void test_load_wrong_files(void **state)
{
	struct sip_tls_ctx *ctx = NULL;
	char err[400] = "";
	/* A key where the certificate belongs. */
	assert_int_equal(sip_tls_ctx_create(&ctx, key_a, key_a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cannot load the certificate chain"));
	/* A certificate where the key belongs. */
	assert_int_equal(sip_tls_ctx_create(&ctx, cert_a, cert_a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cannot load the private key"));
	/* Another certificate's key. */
	assert_int_equal(sip_tls_ctx_create(&ctx, cert_a, key_b, err, sizeof(err)), -EINVAL);
	assert_null(ctx);
	assert_true(strstr(err, "does not match") || strstr(err, "cannot load the private key"));
}

/* ---- sessions on a socketpair ---- */

struct pair {
	struct sip_tls_ctx *ctx;
	struct sip_tls_conn *server;
	SSL_CTX *client_ctx;
	SSL *client;
	int fds[2];
};

static void pair_open(struct pair *p, int client_max_version)
{
	char err[400];
	memset(p, 0, sizeof(*p));
	assert_int_equal(sip_tls_ctx_create(&p->ctx, cert_a, key_a, err, sizeof(err)), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fds), 0);
	assert_int_equal(sip_tls_conn_create(&p->server, p->ctx, p->fds[0]), 0);
	p->client_ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(p->client_ctx);
	if (client_max_version) {
		/* Let the client offer an old version at all, so the server refuses it. */
		SSL_CTX_set_security_level(p->client_ctx, 0);
		SSL_CTX_set_min_proto_version(p->client_ctx, 0);
		SSL_CTX_set_max_proto_version(p->client_ctx, client_max_version);
	}
	p->client = SSL_new(p->client_ctx);
	SSL_set_fd(p->client, p->fds[1]);
	SSL_set_connect_state(p->client);
}

static void pair_close(struct pair *p)
{
	sip_tls_conn_destroy(p->server);
	SSL_free(p->client);
	SSL_CTX_free(p->client_ctx);
	sip_tls_ctx_destroy(p->ctx);
	if (p->fds[0] >= 0)
		close(p->fds[0]);
	if (p->fds[1] >= 0)
		close(p->fds[1]);
}

/* Steps both sides until the server's handshake is no longer -EAGAIN;
 * returns its result. */
static int handshake(struct pair *p)
{
	for (int i = 0; i < 50; i++) {
		if (p->client)
			SSL_do_handshake(p->client);
		int rc = sip_tls_handshake(p->server);
		if (rc != -EAGAIN)
			return rc;
		assert_false(sip_tls_conn_wants_write(p->server));   /* socketpairs have room */
	}
	fail_msg("handshake did not finish");
	return 0;
}

static void test_handshake_and_data(void **state)
{
	struct pair p;
	pair_open(&p, 0);
	/* Nothing from the client yet: the server waits to read. */
	assert_int_equal(sip_tls_handshake(p.server), -EAGAIN);
	assert_false(sip_tls_conn_wants_write(p.server));
	assert_int_equal(handshake(&p), 0);
	assert_string_equal(sip_tls_conn_version(p.server), "TLSv1.3");
	assert_int_equal(SSL_do_handshake(p.client), 1);

	char buf[64];
	assert_int_equal(sip_tls_read(p.server, buf, sizeof(buf)), -EAGAIN);
	/* Client to server, read in two parts: the rest waits inside the session. */
	assert_int_equal(SSL_write(p.client, "OPTIONS sip:x", 13), 13);
	assert_int_equal(sip_tls_read(p.server, buf, 8), 8);
	assert_memory_equal(buf, "OPTIONS ", 8);
	assert_true(sip_tls_conn_has_pending(p.server));
	assert_int_equal(sip_tls_read(p.server, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "sip:x", 5);
	assert_false(sip_tls_conn_has_pending(p.server));
	/* Server to client. */
	assert_int_equal(sip_tls_write(p.server, "SIP/2.0 200 OK", 14), 14);
	int n = 0;
	for (int i = 0; i < 5 && n <= 0; i++)
		n = SSL_read(p.client, buf, sizeof(buf));   /* session tickets come first */
	assert_int_equal(n, 14);
	assert_memory_equal(buf, "SIP/2.0 200 OK", 14);
	assert_string_equal(sip_tls_conn_error(p.server), "");
	/* A clean close reads as 0. */
	assert_true(SSL_shutdown(p.client) >= 0);
	assert_int_equal(sip_tls_read(p.server, buf, sizeof(buf)), 0);
	pair_close(&p);
}

static void test_peer_gone_after_handshake(void **state)
{
	struct pair p;
	pair_open(&p, 0);
	assert_int_equal(handshake(&p), 0);
	char buf[16];
	/* The client takes its session tickets first: a socket closed with
	 * unread input would reach the server as a reset instead. */
	assert_true(SSL_read(p.client, buf, sizeof(buf)) <= 0);
	close(p.fds[1]);
	p.fds[1] = -1;
	/* No close_notify: a peer that went away, still 0 (not an error). */
	assert_int_equal(sip_tls_read(p.server, buf, sizeof(buf)), 0);
	/* Writing to it fails rather than killing the process. */
	ssize_t w = sip_tls_write(p.server, "x", 1);
	assert_true(w < 0 && w != -EAGAIN);
	pair_close(&p);
}

static void test_garbage_instead_of_hello(void **state)
{
	struct pair p;
	pair_open(&p, 0);
	static const char junk[] = "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(write(p.fds[1], junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	SSL_free(p.client);
	p.client = NULL;
	assert_int_equal(sip_tls_handshake(p.server), -EPROTO);
	assert_true(strlen(sip_tls_conn_error(p.server)) > 0);
	pair_close(&p);   /* no close_notify after a fatal error */
}

static void test_hangup_mid_handshake(void **state)
{
	struct pair p;
	pair_open(&p, 0);
	SSL_do_handshake(p.client);   /* the ClientHello, then nothing */
	assert_int_equal(sip_tls_handshake(p.server), -EAGAIN);
	close(p.fds[1]);
	p.fds[1] = -1;
	int rc = sip_tls_handshake(p.server);
	assert_true(rc < 0 && rc != -EAGAIN);
	assert_true(strlen(sip_tls_conn_error(p.server)) > 0);
	pair_close(&p);
}

static void test_refuses_tls_1_1(void **state)
{
	struct pair p;
	pair_open(&p, TLS1_1_VERSION);
	assert_int_equal(handshake(&p), -EPROTO);
	assert_string_equal(sip_tls_conn_error(p.server), "unsupported protocol");
	pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_wrong_files),
		cmocka_unit_test(test_handshake_and_data),
		cmocka_unit_test(test_peer_gone_after_handshake),
		cmocka_unit_test(test_garbage_instead_of_hello),
		cmocka_unit_test(test_hangup_mid_handshake),
		cmocka_unit_test(test_refuses_tls_1_1),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
