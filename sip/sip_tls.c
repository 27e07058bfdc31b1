/* SIP over TLS on OpenSSL: see sip_tls.h. */
#include "sip/sip_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

struct sip_tls_ctx {
	SSL_CTX *ssl_ctx;
};

struct sip_tls_conn {
	SSL *ssl;
	bool wants_write;
	bool failed;         /* a fatal error: no close_notify may follow */
	char error[160];
};

/* The reason of the oldest queued OpenSSL error, or fallback; clears the
 * queue, which is per thread and would otherwise mislead the next call. */
static void take_error(char *out, size_t n, const char *fallback)
{
	unsigned long e = ERR_get_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	snprintf(out, n, "%s", reason ? reason : fallback);
	ERR_clear_error();
}

static bool readable(const char *file, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, file, strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

int sip_tls_ctx_create(struct sip_tls_ctx **out, const char *cert_file, const char *key_file,
		       char *err, size_t errlen)
{
	char why[120];
	if (!readable(cert_file, "certificate", err, errlen) ||
	    !readable(key_file, "private key", err, errlen))
		return -EACCES;
	struct sip_tls_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ERR_clear_error();
	ctx->ssl_ctx = SSL_CTX_new(TLS_server_method());
	int rc = -EINVAL;
	if (!ctx->ssl_ctx) {
		take_error(why, sizeof(why), "out of memory");
		snprintf(err, errlen, "cannot create a TLS context: %s", why);
		rc = -ENOMEM;
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_2_VERSION);
	/* Renegotiation would let a peer make a write wait for a read; an
	 * unexpected EOF is just a peer that went away. */
	SSL_CTX_set_options(ctx->ssl_ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
					  SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* The transport retries a write from its queue, which may have grown
	 * and moved since, and takes partial progress. */
	SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				       SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, cert_file) != 1) {
		take_error(why, sizeof(why), "unknown error");
		snprintf(err, errlen, "cannot load the certificate chain %s: %s", cert_file, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		take_error(why, sizeof(why), "unknown error");
		snprintf(err, errlen, "cannot load the private key %s: %s", key_file, why);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx->ssl_ctx) != 1) {
		take_error(why, sizeof(why), "unknown error");
		snprintf(err, errlen, "private key %s does not match certificate %s: %s", key_file,
			 cert_file, why);
		goto fail;
	}
	*out = ctx;
	return 0;
fail:
	sip_tls_ctx_destroy(ctx);
	return rc;
}

void sip_tls_ctx_destroy(struct sip_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

int sip_tls_conn_create(struct sip_tls_conn **out, struct sip_tls_ctx *ctx, int fd)
{
	struct sip_tls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ssl = SSL_new(ctx->ssl_ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		ERR_clear_error();
		SSL_free(c->ssl);
		free(c);
		return -ENOMEM;
	}
	SSL_set_accept_state(c->ssl);
	*out = c;
	return 0;
}

void sip_tls_conn_destroy(struct sip_tls_conn *c)
{
	if (!c)
		return;
	if (!c->failed && SSL_is_init_finished(c->ssl))
		SSL_shutdown(c->ssl);   /* one try: close_notify if the socket takes it */
	ERR_clear_error();
	SSL_free(c->ssl);
	free(c);
}

/* Turns an OpenSSL result r <= 0 into -EAGAIN, 0 (clean close) or a
 * negative errno, remembering why. */
static int outcome(struct sip_tls_conn *c, int r)
{
	int saved_errno = errno;
	int e = SSL_get_error(c->ssl, r);
	c->wants_write = e == SSL_ERROR_WANT_WRITE;
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return 0;
	case SSL_ERROR_SYSCALL:
		c->failed = true;
		if (ERR_peek_error()) {
			take_error(c->error, sizeof(c->error), "I/O error");
			return -EPROTO;
		}
		snprintf(c->error, sizeof(c->error), "%s",
			 saved_errno ? strerror(saved_errno) : "peer closed");
		return saved_errno ? -saved_errno : 0;
	default:
		c->failed = true;
		take_error(c->error, sizeof(c->error), "protocol error");
		return -EPROTO;
	}
}

int sip_tls_handshake(struct sip_tls_conn *c)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->wants_write = false;
		return 0;
	}
	r = outcome(c, r);
	/* A peer that hangs up mid-handshake has failed it too. */
	if (r == 0) {
		c->failed = true;
		snprintf(c->error, sizeof(c->error), "peer closed during the handshake");
		return -ECONNRESET;
	}
	return r;
}

ssize_t sip_tls_read(struct sip_tls_conn *c, void *buf, size_t len)
{
	ERR_clear_error();
	errno = 0;
	size_t n = 0;
	int r = SSL_read_ex(c->ssl, buf, len, &n);
	if (r == 1) {
		c->wants_write = false;
		return (ssize_t)n;
	}
	return outcome(c, r);
}

ssize_t sip_tls_write(struct sip_tls_conn *c, const void *buf, size_t len)
{
	ERR_clear_error();
	errno = 0;
	size_t n = 0;
	int r = SSL_write_ex(c->ssl, buf, len, &n);
	if (r == 1) {
		c->wants_write = false;
		return (ssize_t)n;
	}
	r = outcome(c, r);
	return r == 0 ? -EPIPE : r;
}

bool sip_tls_conn_wants_write(const struct sip_tls_conn *c)
{
	return c->wants_write;
}

bool sip_tls_conn_has_pending(const struct sip_tls_conn *c)
{
	/* Processed bytes only: a partial record needs more from the socket,
	 * which its readiness will announce. */
	return SSL_pending(c->ssl) > 0;
}

const char *sip_tls_conn_error(const struct sip_tls_conn *c)
{
	return c->error;
}

const char *sip_tls_conn_version(const struct sip_tls_conn *c)
{
	return SSL_get_version(c->ssl);
}
