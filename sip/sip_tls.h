/* SIP over TLS (RFC 3261 26.2): the server's identity, loaded once from
 * sip_tls_cert and sip_tls_key, and a nonblocking TLS session over one
 * accepted TCP socket. OpenSSL, TLS 1.2 and later, no client certificates,
 * no renegotiation. The session reads and writes the socket itself; the
 * caller (sip_transport.c) waits for readiness on its main context and
 * calls again, so nothing here ever blocks. Writes to a closed peer rely on
 * SIGPIPE being ignored (server/main.c does).
 *
 * A context owns its SSL_CTX; a session owns its SSL but not the socket.
 * Both are used only on the SIP thread. */
#ifndef PARLEY_SIP_TLS_H
#define PARLEY_SIP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sip_tls_ctx;
struct sip_tls_conn;

/* Loads the PEM certificate chain and its private key. Returns 0 or a
 * negative errno; on failure err says which file and why. */
int sip_tls_ctx_create(struct sip_tls_ctx **out, const char *cert_file, const char *key_file,
		       char *err, size_t errlen);
void sip_tls_ctx_destroy(struct sip_tls_ctx *ctx);

/* A server session on the connected, nonblocking socket fd (not owned). */
int sip_tls_conn_create(struct sip_tls_conn **out, struct sip_tls_ctx *ctx, int fd);
/* Sends close_notify when the session is healthy (best effort, never
 * waits) and frees it. Accepts NULL. */
void sip_tls_conn_destroy(struct sip_tls_conn *c);

/* Advances the handshake. Returns 0 when done, -EAGAIN to be called again
 * once the socket is ready (sip_tls_conn_wants_write says for what), or
 * -EPROTO / another negative errno when it failed (sip_tls_conn_error). */
int sip_tls_handshake(struct sip_tls_conn *c);

/* Like recv and send: bytes moved (> 0), 0 when the peer closed (read
 * only), -EAGAIN, or a negative errno. */
ssize_t sip_tls_read(struct sip_tls_conn *c, void *buf, size_t len);
ssize_t sip_tls_write(struct sip_tls_conn *c, const void *buf, size_t len);

/* After -EAGAIN: whether the session waits for the socket to be writable
 * (else readable). */
bool sip_tls_conn_wants_write(const struct sip_tls_conn *c);
/* Decrypted bytes held inside the session, which the socket's readiness
 * will not announce. */
bool sip_tls_conn_has_pending(const struct sip_tls_conn *c);
/* Why the last call failed, for the log; "" when it did not. */
const char *sip_tls_conn_error(const struct sip_tls_conn *c);
/* The negotiated protocol ("TLSv1.3"), once the handshake is done. */
const char *sip_tls_conn_version(const struct sip_tls_conn *c);

#endif
