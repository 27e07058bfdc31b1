/* DTLS-SRTP endpoint (RFC 5764) on OpenSSL 3.0.
 *
 * Owns the process-wide identity (key, self-signed certificate and the one
 * SSL_CTX every worker shares read-only) and, per dtls_conn, one SSL that
 * lives on its worker thread. Datagrams come in through a memory BIO; records
 * go out through a custom BIO whose write hands each one straight to
 * cb->send, because a memory BIO would glue datagrams together.
 *
 * closed() is always the last thing an entry point does, so a closed()
 * handler may destroy the conn; the other callbacks must not. The identity
 * must outlive its conns (their BIOs use its BIO_METHOD). */
#include "sfu/transport/dtls.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/log.h"

/* Below every path MTU WebRTC meets, with room for ICE/TURN headers. */
#define DTLS_MTU 1200
#define TIMER_FIRST_US 100000u
#define TIMER_MAX_US 3000000u
#define DAY_SECONDS (24L * 3600)
#define CERT_DAYS 30
#define FINGERPRINT_MAX (sizeof("sha-256 ") + 3 * 32)
#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
/* Our order wins (the server picks): GCM is 3-4x cheaper per packet. */
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80"
/* RSA suites only matter when we are client and the peer's cert is RSA. */
#define CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
		"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
		"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
		"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:" \
		"ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA"

struct dtls_identity {
	SSL_CTX *ctx;
	BIO_METHOD *send_method;
	char fingerprint[FINGERPRINT_MAX];
};

enum conn_state { CONN_HANDSHAKE, CONN_CONNECTED, CONN_CLOSED };

/* Owned by its PeerConnection; touched only on that worker. */
struct dtls_conn {
	SSL *ssl;            /* owns both BIOs */
	BIO *rbio;
	enum dtls_role role;
	enum conn_state state;
	const EVP_MD *peer_md;
	uint8_t peer_digest[EVP_MAX_MD_SIZE];
	unsigned peer_digest_len;
	bool fingerprint_mismatch;
	const char *close_reason; /* set when the conn dies, reported at the end of the entry point */
	bool close_reported;
	struct dtls_callbacks cb;
	void *arg;
};

/* ---- identity ---- */

static int set_random_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	/* 63 bits keeps the DER integer positive without a sign byte. */
	bool ok = bn && BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok ? 0 : -EIO;
}

static int set_name_and_validity(X509 *x)
{
	X509_NAME *name = X509_NAME_new();
	/* Starts yesterday so a peer whose clock runs behind still accepts it. */
	bool ok = name &&
		  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					     (const unsigned char *)"parley", -1, -1, 0) &&
		  X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
		  X509_gmtime_adj(X509_getm_notBefore(x), -DAY_SECONDS) &&
		  X509_gmtime_adj(X509_getm_notAfter(x), (CERT_DAYS - 1) * DAY_SECONDS);
	X509_NAME_free(name);
	return ok ? 0 : -EIO;
}

static X509 *make_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	if (x && X509_set_version(x, X509_VERSION_3) && set_random_serial(x) == 0 &&
	    set_name_and_validity(x) == 0 && X509_set_pubkey(x, key) &&
	    X509_sign(x, key, EVP_sha256()) > 0)
		return x;
	X509_free(x);
	return NULL;
}

static int format_fingerprint(char *out, X509 *cert)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return -EIO;
	char *p = stpcpy(out, "sha-256 ");
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = '\0';
	return 0;
}

static int verify_peer(int preverify_ok, X509_STORE_CTX *store);

static SSL_CTX *make_ctx(X509 *cert, EVP_PKEY *key)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
	if (!ctx)
		return NULL;
	/* SSL_CTX_set_tlsext_use_srtp returns 0 on success, unlike its neighbours. */
	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_set_cipher_list(ctx, CIPHERS) != 1 ||
	    SSL_CTX_set_tlsext_use_srtp(ctx, SRTP_PROFILES) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* No resumption or renegotiation: every handshake must show the pinned
	 * certificate and export fresh SRTP keys exactly once. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET |
				 SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
	return ctx;
}

static BIO_METHOD *make_send_method(void);

static int identity_fill(struct dtls_identity *id)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = key ? make_cert(key) : NULL;
	int err = -EIO;
	if (cert && format_fingerprint(id->fingerprint, cert) == 0) {
		id->ctx = make_ctx(cert, key);
		id->send_method = make_send_method();
		if (id->ctx && id->send_method)
			err = 0;
	}
	X509_free(cert); /* the SSL_CTX holds its own references */
	EVP_PKEY_free(key);
	return err;
}

int dtls_identity_create(struct dtls_identity **out)
{
	struct dtls_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return -EIO;
	if (identity_fill(id) < 0) {
		const char *detail = ERR_reason_error_string(ERR_get_error());
		log_error(LOGS_DTLS, "cannot create DTLS certificate: %s", detail ? detail : "?");
		ERR_clear_error();
		dtls_identity_destroy(id);
		return -EIO;
	}
	*out = id;
	return 0;
}

void dtls_identity_destroy(struct dtls_identity *id)
{
	if (!id)
		return;
	SSL_CTX_free(id->ctx);
	BIO_meth_free(id->send_method);
	free(id);
}

const char *dtls_identity_fingerprint(const struct dtls_identity *id)
{
	return id->fingerprint;
}

int dtls_identity_set_srtp_profiles(struct dtls_identity *id, const char *profiles)
{
	/* SSL_CTX_set_tlsext_use_srtp returns 0 on success, unlike its neighbours. */
	if (!profiles || !*profiles || SSL_CTX_set_tlsext_use_srtp(id->ctx, profiles) != 0) {
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

/* ---- send BIO: one write is one record is one datagram ---- */

static int send_bio_write(BIO *b, const char *data, int len)
{
	struct dtls_conn *c = BIO_get_data(b);
	if (len > 0)
		c->cb.send(c->arg, (const uint8_t *)data, (size_t)len);
	return len;
}

static long send_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	/* OpenSSL flushes after each flight and treats a failed flush as
	 * WANT_WRITE; the datagram controls (MTU, peer, timeouts) mean nothing here. */
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int send_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *make_send_method(void)
{
	int index = BIO_get_new_index();
	BIO_METHOD *m = index < 0 ? NULL
				  : BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "parley dtls send");
	if (m && BIO_meth_set_write(m, send_bio_write) && BIO_meth_set_ctrl(m, send_bio_ctrl) &&
	    BIO_meth_set_create(m, send_bio_create))
		return m;
	BIO_meth_free(m);
	return NULL;
}

/* ---- remote fingerprint ---- */

static const EVP_MD *md_from_name(const char *name, size_t n)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {
		{ "sha-1", EVP_sha1 },
		{ "sha-256", EVP_sha256 },
		{ "sha-384", EVP_sha384 },
		{ "sha-512", EVP_sha512 },
	};
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strlen(algs[i].name) == n && strncasecmp(name, algs[i].name, n) == 0)
			return algs[i].md();
	return NULL;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Returns the end of the "AB:CD:..." digest of n bytes at p, or NULL. */
static const char *parse_hex_digest(const char *p, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && *p++ != ':')
			return NULL;
		int hi = hex_value(p[0]);
		int lo = hi < 0 ? -1 : hex_value(p[1]);
		if (lo < 0)
			return NULL;
		out[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	return p;
}

/* SDP values come with stray blanks and either hex case; both are fine.
 * Returns the digest length, or -EINVAL. */
static int read_fingerprint(const char *fp, const EVP_MD **md, uint8_t digest[EVP_MAX_MD_SIZE])
{
	if (!fp)
		return -EINVAL;
	fp += strspn(fp, " \t");
	size_t alg_len = strcspn(fp, " \t");
	*md = md_from_name(fp, alg_len);
	if (!*md)
		return -EINVAL;
	const char *p = fp + alg_len;
	p += strspn(p, " \t");
	size_t n = (size_t)EVP_MD_get_size(*md);
	p = parse_hex_digest(p, digest, n);
	if (!p || p[strspn(p, " \t\r\n")] != '\0')
		return -EINVAL;
	return (int)n;
}

static int parse_fingerprint(struct dtls_conn *c, const char *fp)
{
	int n = read_fingerprint(fp, &c->peer_md, c->peer_digest);
	if (n < 0)
		return n;
	c->peer_digest_len = (unsigned)n;
	return 0;
}

bool dtls_fingerprint_valid(const char *fp)
{
	const EVP_MD *md;
	uint8_t digest[EVP_MAX_MD_SIZE];
	return read_fingerprint(fp, &md, digest) > 0;
}

static bool peer_cert_matches(const struct dtls_conn *c, X509 *cert)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	return cert && X509_digest(cert, c->peer_md, md, &n) == 1 && n == c->peer_digest_len &&
	       CRYPTO_memcmp(md, c->peer_digest, n) == 0;
}

/* WebRTC certificates are self-signed: trust comes from the fingerprint in
 * the signalled SDP, so chain errors are ignored and the leaf is pinned here,
 * which makes OpenSSL send bad_certificate to an impostor. */
static int verify_peer(int preverify_ok, X509_STORE_CTX *store)
{
	if (X509_STORE_CTX_get_error_depth(store) != 0)
		return 1;
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dtls_conn *c = SSL_get_app_data(ssl);
	if (peer_cert_matches(c, X509_STORE_CTX_get_current_cert(store)))
		return 1;
	c->fingerprint_mismatch = true;
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}

/* ---- connection ---- */

static const char *role_name(const struct dtls_conn *c)
{
	return c->role == DTLS_ROLE_CLIENT ? "client" : "server";
}

static void set_closed(struct dtls_conn *c, const char *reason)
{
	if (c->state == CONN_CLOSED)
		return;
	c->state = CONN_CLOSED;
	c->close_reason = reason;
}

/* Must be the last statement of every entry point: the handler may free c. */
static void report_close(struct dtls_conn *c)
{
	if (!c->close_reason || c->close_reported)
		return;
	c->close_reported = true;
	c->cb.closed(c->arg, c->close_reason);
}

static void fail_with_ssl_error(struct dtls_conn *c, const char *reason)
{
	unsigned long e = ERR_get_error();
	const char *detail = e ? ERR_reason_error_string(e) : NULL;
	log_warn(LOGS_DTLS, "%s (%s): %s", reason, role_name(c), detail ? detail : "no detail");
	ERR_clear_error();
	set_closed(c, reason);
}

/* Tells the peer we are done; OpenSSL refuses during a handshake, which is fine. */
static void send_close_notify(struct dtls_conn *c)
{
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

static unsigned int next_timer_us(SSL *ssl, unsigned int prev_us)
{
	/* OpenSSL's 1 s default makes a flight lost while ICE picks its pair
	 * cost a second; 100 ms doubling keeps it to about one RTT. */
	if (prev_us == 0)
		return TIMER_FIRST_US;
	return prev_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : prev_us * 2;
}

static int setup_ssl(struct dtls_conn *c, struct dtls_identity *id)
{
	c->ssl = SSL_new(id->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	BIO *wbio = BIO_new(id->send_method);
	if (!c->ssl || !c->rbio || !wbio) {
		BIO_free(c->rbio);
		BIO_free(wbio);
		c->rbio = NULL;
		return -ENOMEM;
	}
	/* An empty read is "try later", not EOF. */
	BIO_set_mem_eof_return(c->rbio, -1);
	BIO_set_data(wbio, c);
	SSL_set_bio(c->ssl, c->rbio, wbio);
	SSL_set_app_data(c->ssl, c);
	if (c->role == DTLS_ROLE_CLIENT)
		SSL_set_connect_state(c->ssl);
	else
		SSL_set_accept_state(c->ssl);
	/* Needs the BIOs in place (it asks the write BIO for its overhead). */
	if (!SSL_set_mtu(c->ssl, DTLS_MTU))
		return -ENOMEM;
	DTLS_set_timer_cb(c->ssl, next_timer_us);
	return 0;
}

int dtls_conn_create(struct dtls_conn **out, struct dtls_identity *id, enum dtls_role role,
		     const char *remote_fingerprint, const struct dtls_callbacks *cb, void *arg)
{
	if (!id || !cb || !cb->send || !cb->connected || !cb->closed ||
	    (role != DTLS_ROLE_CLIENT && role != DTLS_ROLE_SERVER))
		return -EINVAL;
	struct dtls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->role = role;
	c->cb = *cb;
	c->arg = arg;
	int err = parse_fingerprint(c, remote_fingerprint);
	if (err == 0)
		err = setup_ssl(c, id);
	ERR_clear_error();
	if (err < 0) {
		dtls_conn_destroy(c);
		return err;
	}
	*out = c;
	return 0;
}

void dtls_conn_destroy(struct dtls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);
	free(c);
}

static int srtp_lengths(unsigned long profile, size_t *key, size_t *salt)
{
	switch (profile) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: *key = 16; *salt = 14; return 0;
	case SRTP_PROFILE_AEAD_AES_128_GCM: *key = 16; *salt = 12; return 0;
	case SRTP_PROFILE_AEAD_AES_256_GCM: *key = 32; *salt = 12; return 0;
	default: return -EPROTO;
	}
}

/* RFC 5764 4.2: the exporter yields client key | server key | client salt |
 * server salt; ours is the client half when we are the client. */
static int export_keys(struct dtls_conn *c, struct srtp_keys *keys)
{
	const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(c->ssl);
	size_t kl, sl;
	if (!p || srtp_lengths(p->id, &kl, &sl) < 0)
		return -EPROTO;
	uint8_t m[2 * SRTP_MAX_KEY_SALT];
	if (SSL_export_keying_material(c->ssl, m, 2 * (kl + sl), EXPORTER_LABEL,
				       strlen(EXPORTER_LABEL), NULL, 0, 0) != 1)
		return -EIO;
	uint8_t *client = c->role == DTLS_ROLE_CLIENT ? keys->local : keys->remote;
	uint8_t *server = c->role == DTLS_ROLE_CLIENT ? keys->remote : keys->local;
	memcpy(client, m, kl);
	memcpy(server, m + kl, kl);
	memcpy(client + kl, m + 2 * kl, sl);
	memcpy(server + kl, m + 2 * kl + sl, sl);
	keys->profile = (enum srtp_profile_id)p->id;
	keys->key_salt_len = kl + sl;
	OPENSSL_cleanse(m, sizeof(m));
	return 0;
}

static void finish_handshake(struct dtls_conn *c)
{
	/* verify_peer already pinned the certificate; this catches any path that
	 * completes without running it. */
	if (!peer_cert_matches(c, SSL_get0_peer_certificate(c->ssl))) {
		log_warn(LOGS_DTLS, "peer certificate does not match its fingerprint (%s)",
			 role_name(c));
		send_close_notify(c);
		set_closed(c, "fingerprint mismatch");
		return;
	}
	struct srtp_keys keys;
	memset(&keys, 0, sizeof(keys));
	int err = export_keys(c, &keys);
	if (err < 0) {
		log_warn(LOGS_DTLS, "%s (%s)", err == -EPROTO ? "no SRTP profile negotiated"
							       : "SRTP key export failed", role_name(c));
		ERR_clear_error();
		send_close_notify(c);
		set_closed(c, err == -EPROTO ? "no SRTP profile" : "key export failed");
		return;
	}
	log_debug(LOGS_DTLS, "handshake done (%s, %s, %s)", role_name(c), SSL_get_cipher(c->ssl),
		  srtp_profile_name(keys.profile));
	c->state = CONN_CONNECTED;
	c->cb.connected(c->arg, &keys);
	OPENSSL_cleanse(&keys, sizeof(keys));
}

static void drive_handshake(struct dtls_conn *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		finish_handshake(c);
		return;
	}
	int err = SSL_get_error(c->ssl, r);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return;
	fail_with_ssl_error(c, c->fingerprint_mismatch ? "fingerprint mismatch"
						       : "handshake failed");
}

static void handle_read_error(struct dtls_conn *c, int err)
{
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return;
	if (err == SSL_ERROR_ZERO_RETURN) {
		log_info(LOGS_DTLS, "peer sent close_notify (%s)", role_name(c));
		send_close_notify(c);
		set_closed(c, "peer closed");
		return;
	}
	/* Received alerts surface as SSL errors offset by SSL_AD_REASON_OFFSET. */
	unsigned long e = ERR_peek_error();
	bool alert = ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET;
	fail_with_ssl_error(c, alert ? "peer sent fatal alert" : "dtls error");
}

static void read_app_data(struct dtls_conn *c)
{
	uint8_t buf[SSL3_RT_MAX_PLAIN_LENGTH];
	while (c->state == CONN_CONNECTED) {
		ERR_clear_error();
		int n = SSL_read(c->ssl, buf, sizeof(buf));
		if (n <= 0) {
			handle_read_error(c, SSL_get_error(c->ssl, n));
			return;
		}
		if (c->cb.app_data)
			c->cb.app_data(c->arg, buf, (size_t)n);
	}
}

void dtls_conn_start(struct dtls_conn *c)
{
	if (c->role == DTLS_ROLE_CLIENT && c->state == CONN_HANDSHAKE)
		drive_handshake(c);
	report_close(c);
}

void dtls_conn_receive(struct dtls_conn *c, const uint8_t *data, size_t len)
{
	if (c->state == CONN_CLOSED || len == 0 || len > INT_MAX)
		return;
	if (BIO_write(c->rbio, data, (int)len) != (int)len) {
		ERR_clear_error();
		return;
	}
	if (c->state == CONN_HANDSHAKE)
		drive_handshake(c);
	/* Also right after the handshake: the datagram may hold more records. */
	if (c->state == CONN_CONNECTED)
		read_app_data(c);
	/* Leftovers of a datagram OpenSSL gave up on must not prefix the next. */
	if (BIO_ctrl_pending(c->rbio) > 0)
		(void)BIO_reset(c->rbio);
	report_close(c);
}

int dtls_conn_timeout_ms(struct dtls_conn *c)
{
	struct timeval tv;
	if (c->state == CONN_CLOSED || DTLSv1_get_timeout(c->ssl, &tv) != 1)
		return -1;
	long long ms = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void dtls_conn_handle_timeout(struct dtls_conn *c)
{
	if (c->state == CONN_CLOSED)
		return;
	ERR_clear_error();
	/* Negative once OpenSSL has retransmitted too often (about 12 times). */
	if (DTLSv1_handle_timeout(c->ssl) < 0)
		fail_with_ssl_error(c, "handshake timed out");
	report_close(c);
}

int dtls_conn_send(struct dtls_conn *c, const uint8_t *data, size_t len)
{
	if (c->state != CONN_CONNECTED)
		return -ENOTCONN;
	if (len == 0)
		return 0;
	if (len > INT_MAX)
		return -EIO;
	ERR_clear_error();
	int n = SSL_write(c->ssl, data, (int)len);
	ERR_clear_error();
	return n == (int)len ? 0 : -EIO;
}

void dtls_conn_close(struct dtls_conn *c)
{
	if (c->state == CONN_CONNECTED)
		send_close_notify(c);
	c->state = CONN_CLOSED;
}
