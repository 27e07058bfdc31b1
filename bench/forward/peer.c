/* An in-process WebRTC client endpoint for the forwarding bench: a libnice
 * agent on 127.0.0.1 (controlled, as a browser answering Parley's offer),
 * an OpenSSL DTLS client over memory BIOs offering one SRTP profile, and a
 * Parley srtp_session keyed from the export, so the bench can protect what
 * the publisher "sends" and check what the subscribers receive. Created,
 * used and destroyed on the worker that runs the SFU. */
#include "bench/forward/bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sfu/rtp/rtp_packet.h"
#include "sfu/worker.h"

#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define DTLS_TICK_MS 50

struct peer_identity {
	SSL_CTX *ctx;
	char fingerprint[128];
};

static const char *openssl_profile(enum srtp_profile_id p)
{
	switch (p) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: return "SRTP_AES128_CM_SHA1_80";
	case SRTP_PROFILE_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
	case SRTP_PROFILE_AEAD_AES_256_GCM: return "SRTP_AEAD_AES_256_GCM";
	}
	return NULL;
}

static int accept_any(int ok, X509_STORE_CTX *store)
{
	return 1;
}

static X509 *self_signed(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	if (!x || !name)
		goto fail;
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	if (!X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, key) ||
	    X509_sign(x, key, EVP_sha256()) <= 0)
		goto fail;
	X509_NAME_free(name);
	return x;
fail:
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

int peer_identity_create(struct peer_identity **out, enum srtp_profile_id profile)
{
	const char *prof = openssl_profile(profile);
	struct peer_identity *id = calloc(1, sizeof(*id));
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = key ? self_signed(key) : NULL;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int rc = -EIO;
	if (!id || !prof || !cert || X509_digest(cert, EVP_sha256(), md, &n) != 1)
		goto done;
	char *p = id->fingerprint + sprintf(id->fingerprint, "sha-256 ");
	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", md[i]);
	id->ctx = SSL_CTX_new(DTLS_method());
	/* SSL_CTX_set_tlsext_use_srtp returns 0 on success. */
	if (!id->ctx || SSL_CTX_use_certificate(id->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(id->ctx, key) != 1 ||
	    SSL_CTX_set_tlsext_use_srtp(id->ctx, prof) != 0)
		goto done;
	SSL_CTX_set_verify(id->ctx, SSL_VERIFY_PEER, accept_any);
	rc = 0;
done:
	X509_free(cert);
	EVP_PKEY_free(key);
	if (rc) {
		peer_identity_destroy(id);
		return rc;
	}
	*out = id;
	return 0;
}

void peer_identity_destroy(struct peer_identity *id)
{
	if (!id)
		return;
	SSL_CTX_free(id->ctx);
	free(id);
}

const char *peer_identity_fingerprint(const struct peer_identity *id)
{
	return id->fingerprint;
}

/* ---- DTLS client ---- */

/* The memory BIO glues records together; send one per datagram, as a browser does. */
static void dtls_flush(struct peer *p)
{
	BIO *wbio = SSL_get_wbio(p->ssl);
	uint8_t buf[16384];
	int n;
	while ((n = BIO_read(wbio, buf, sizeof(buf))) > 0) {
		size_t off = 0;
		while (off + 13 <= (size_t)n) {
			size_t rec = 13 + ((size_t)buf[off + 11] << 8 | buf[off + 12]);
			if (off + rec > (size_t)n)
				break;
			nice_agent_send(p->agent, p->stream, 1, (guint)rec, (const gchar *)buf + off);
			off += rec;
		}
	}
}

static int key_lengths(enum srtp_profile_id prof, size_t *kl, size_t *sl)
{
	switch (prof) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: *kl = 16; *sl = 14; return 0;
	case SRTP_PROFILE_AEAD_AES_128_GCM: *kl = 16; *sl = 12; return 0;
	case SRTP_PROFILE_AEAD_AES_256_GCM: *kl = 32; *sl = 12; return 0;
	}
	return -EPROTO;
}

/* RFC 5764 4.2, client side: local = client key || salt. */
static int finish_dtls(struct peer *p)
{
	SSL *ssl = p->ssl;
	const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(ssl);
	struct srtp_keys keys;
	size_t kl, sl;
	memset(&keys, 0, sizeof(keys));
	if (!sp || key_lengths((enum srtp_profile_id)sp->id, &kl, &sl))
		return -EPROTO;
	uint8_t m[2 * SRTP_MAX_KEY_SALT];
	if (SSL_export_keying_material(ssl, m, 2 * (kl + sl), EXPORTER_LABEL, strlen(EXPORTER_LABEL),
				       NULL, 0, 0) != 1)
		return -EIO;
	memcpy(keys.local, m, kl);
	memcpy(keys.remote, m + kl, kl);
	memcpy(keys.local + kl, m + 2 * kl, sl);
	memcpy(keys.remote + kl, m + 2 * kl + sl, sl);
	keys.profile = (enum srtp_profile_id)sp->id;
	keys.key_salt_len = kl + sl;
	p->profile = keys.profile;
	return srtp_session_create(&p->srtp, &keys);
}

static void dtls_step(struct peer *p)
{
	if (p->dtls_done || p->dtls_failed)
		return;
	ERR_clear_error();
	int r = SSL_do_handshake(p->ssl);
	dtls_flush(p);
	if (r == 1) {
		if (finish_dtls(p)) {
			fprintf(stderr, "peer %s: SRTP keys not usable\n", p->id);
			p->dtls_failed = true;
		} else {
			p->dtls_done = true;
		}
		return;
	}
	int e = SSL_get_error(p->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
		fprintf(stderr, "peer %s: DTLS handshake failed\n", p->id);
		p->dtls_failed = true;
	}
	ERR_clear_error();
}

static gboolean on_dtls_tick(gpointer data)
{
	struct peer *p = data;
	if (p->dtls_done || p->dtls_failed) {
		g_source_unref(p->dtls_timer);
		p->dtls_timer = NULL;
		return G_SOURCE_REMOVE;
	}
	if (p->ice_ready) {
		ERR_clear_error();
		if (DTLSv1_handle_timeout(p->ssl) < 0)
			p->dtls_failed = true;
		dtls_flush(p);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- receive ---- */

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *data,
		    gpointer user)
{
	struct peer *p = user;
	uint8_t *buf = (uint8_t *)data;
	if (len == 0)
		return;
	p->counts.bytes += len;
	if (buf[0] >= 20 && buf[0] <= 63 && p->ssl) {
		BIO_write(SSL_get_rbio(p->ssl), buf, (int)len);
		if (!p->dtls_done)
			dtls_step(p);
		else
			(void)BIO_reset(SSL_get_rbio(p->ssl)); /* alerts, close_notify */
		return;
	}
	if (buf[0] < 128 || buf[0] > 191) {
		p->counts.other++;
		return;
	}
	if (rtp_is_rtcp(buf, len)) {
		p->counts.rtcp++;
		return;
	}
	p->counts.last_len = len;
	size_t n = len;
	if (!p->verify || (p->srtp && srtp_session_unprotect(p->srtp, buf, &n) == 0))
		p->counts.rtp_ok++;
	else
		p->counts.rtp_bad++;
}

static void on_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
		     gpointer user)
{
	struct peer *p = user;
	if (state == NICE_COMPONENT_STATE_READY || state == NICE_COMPONENT_STATE_CONNECTED) {
		if (!p->ice_ready) {
			p->ice_ready = true;
			if (p->ssl)
				dtls_step(p); /* ClientHello */
		}
	} else if (state == NICE_COMPONENT_STATE_FAILED) {
		fprintf(stderr, "peer %s: ICE failed\n", p->id);
		p->dtls_failed = true;
	}
}

int peer_create(struct peer **out, struct worker *w, struct peer_identity *id, bool controlling)
{
	struct peer *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->worker = w;
	p->identity = id;
	p->controlling = controlling;
	p->verify = true;
	p->agent = nice_agent_new_full(w->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
	g_object_set(p->agent, "upnp", FALSE, "ice-tcp", FALSE, "controlling-mode", controlling,
		     "stun-initial-timeout", 100, NULL);
	NiceAddress addr;
	nice_address_init(&addr);
	nice_address_set_from_string(&addr, "127.0.0.1");
	nice_agent_add_local_address(p->agent, &addr);
	p->stream = nice_agent_add_stream(p->agent, 1);
	g_signal_connect(p->agent, "component-state-changed", G_CALLBACK(on_state), p);
	nice_agent_attach_recv(p->agent, p->stream, 1, w->ctx, on_recv, p);
	nice_agent_get_local_credentials(p->agent, p->stream, &p->ufrag, &p->pwd);
	if (!nice_agent_gather_candidates(p->agent, p->stream)) {
		peer_destroy(p);
		return -EIO;
	}
	if (id) {
		SSL *ssl = SSL_new(id->ctx);
		BIO *rbio = BIO_new(BIO_s_mem());
		BIO *wbio = BIO_new(BIO_s_mem());
		if (!ssl || !rbio || !wbio) {
			SSL_free(ssl);
			BIO_free(rbio);
			BIO_free(wbio);
			peer_destroy(p);
			return -ENOMEM;
		}
		BIO_set_mem_eof_return(rbio, -1);
		SSL_set_bio(ssl, rbio, wbio);
		SSL_set_connect_state(ssl);
		SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
		SSL_set_mtu(ssl, 1200);
		p->ssl = ssl;
		p->dtls_timer = g_timeout_source_new(DTLS_TICK_MS);
		g_source_set_callback(p->dtls_timer, on_dtls_tick, p, NULL);
		g_source_attach(p->dtls_timer, w->ctx);
	}
	*out = p;
	return 0;
}

void peer_destroy(struct peer *p)
{
	if (!p)
		return;
	if (p->dtls_timer) {
		g_source_destroy(p->dtls_timer);
		g_source_unref(p->dtls_timer);
	}
	SSL_free(p->ssl);
	srtp_session_destroy(p->srtp);
	if (p->agent) {
		g_signal_handlers_disconnect_by_data(p->agent, p);
		nice_agent_attach_recv(p->agent, p->stream, 1, p->worker->ctx, NULL, NULL);
		nice_agent_remove_stream(p->agent, p->stream);
		g_object_unref(p->agent);
	}
	g_free(p->ufrag);
	g_free(p->pwd);
	free(p);
}

void peer_credentials(struct peer *p, const char **ufrag, const char **pwd)
{
	*ufrag = p->ufrag;
	*pwd = p->pwd;
}

GSList *peer_candidates(struct peer *p)
{
	GSList *out = NULL;
	GSList *list = nice_agent_get_local_candidates(p->agent, p->stream, 1);
	for (GSList *l = list; l; l = l->next) {
		gchar *sdp = nice_agent_generate_local_candidate_sdp(p->agent, l->data);
		if (sdp)
			out = g_slist_append(out, g_strdup(strncmp(sdp, "a=", 2) == 0 ? sdp + 2 : sdp));
		g_free(sdp);
	}
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	return out;
}

int peer_set_remote(struct peer *p, const char *ufrag, const char *pwd)
{
	return nice_agent_set_remote_credentials(p->agent, p->stream, ufrag, pwd) ? 0 : -EINVAL;
}

int peer_add_remote_candidate(struct peer *p, const char *candidate)
{
	if (!candidate) {
		nice_agent_peer_candidate_gathering_done(p->agent, p->stream);
		return 0;
	}
	gchar *line = g_strconcat("a=", candidate, NULL);
	NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(p->agent, p->stream, line);
	g_free(line);
	if (!c)
		return -EINVAL;
	GSList *list = g_slist_append(NULL, c);
	int n = nice_agent_set_remote_candidates(p->agent, p->stream, 1, list);
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	return n < 0 ? -EINVAL : 0;
}

int peer_protect(struct peer *p, uint8_t *buf, size_t *len, size_t cap)
{
	if (!p->srtp)
		return -ENOTCONN;
	return srtp_session_protect(p->srtp, buf, len, cap);
}
