/* A participant's transport: libnice agent (one stream, one component),
 * DTLS over it, SRTP keyed by DTLS. Runs on the owning worker's context;
 * the receive callback is the start of the per-packet path. */
#include "sfu/transport/transport.h"

#include <agent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "sfu/rtp/rtp_packet.h"
#include "sfu/transport/dtls.h"
#include "sfu/transport/sctp.h"
#include "sfu/transport/srtp_session.h"
#include "sfu/worker.h"

#define EARLY_DTLS_MAX 4

struct early_datagram {
	size_t len;
	uint8_t data[1500];
};

/* Owned by a participant; created and destroyed on its worker. */
struct transport {
	struct worker *worker;
	NiceAgent *agent;
	guint stream_id;
	const struct transport_callbacks *cb;
	void *arg;
	char public_ip[64];
	struct dtls_identity *identity;
	struct dtls_conn *dtls;          /* from transport_set_remote on */
	enum dtls_role dtls_role;
	GSource *dtls_timer;
	struct srtp_session *srtp;       /* from DTLS connected on */
	struct sctp_assoc *sctp;         /* once DTLS is up and data was accepted */
	bool data_enabled;
	uint16_t sctp_remote_port;
	size_t sctp_max_message;
	enum srtp_profile_id profile;
	gchar *ufrag, *pwd;              /* our ICE credentials */
	char remote_ufrag[64];
	bool gathering_done;
	bool ice_ready;
	bool dtls_started;
	bool failed;
	/* Media goes straight to the selected pair's UDP socket: nice_agent_send
	 * costs a mutex, type checks and two address conversions per packet
	 * (about 1 µs, docs/benchmarks.md). libnice keeps STUN and consent. */
	GSocket *send_socket;            /* a ref on the selected pair's socket; NULL: nice_agent_send */
	struct sockaddr_storage send_to;
	socklen_t send_to_len;
	unsigned n_early;
	struct early_datagram early[EARLY_DTLS_MAX]; /* DTLS that beat the answer */
};

static void fail(struct transport *t, const char *reason)
{
	if (t->failed)
		return;
	t->failed = true;
	t->cb->failed(t->arg, reason);
}

static gboolean on_dtls_timer(gpointer data);

static void arm_dtls_timer(struct transport *t)
{
	if (t->dtls_timer) {
		g_source_destroy(t->dtls_timer);
		g_source_unref(t->dtls_timer);
		t->dtls_timer = NULL;
	}
	if (!t->dtls || t->srtp)
		return;
	int ms = dtls_conn_timeout_ms(t->dtls);
	if (ms < 0)
		return;
	t->dtls_timer = g_timeout_source_new((guint)ms);
	g_source_set_callback(t->dtls_timer, on_dtls_timer, t, NULL);
	g_source_attach(t->dtls_timer, t->worker->ctx);
}

static gboolean on_dtls_timer(gpointer data)
{
	struct transport *t = data;
	dtls_conn_handle_timeout(t->dtls);
	GSource *self = t->dtls_timer;
	t->dtls_timer = NULL;
	arm_dtls_timer(t);
	g_source_unref(self);
	return G_SOURCE_REMOVE;
}

static void dtls_send(void *arg, const uint8_t *data, size_t len)
{
	struct transport *t = arg;
	/* Fails harmlessly while ICE has no pair yet; the retransmit timer covers it. */
	nice_agent_send(t->agent, t->stream_id, 1, (guint)len, (const gchar *)data);
}

static void start_sctp(struct transport *t);

static void forget_send_socket(struct transport *t)
{
	if (t->send_socket)
		g_object_unref(t->send_socket);
	t->send_socket = NULL;
}

/* Only a UDP pair of our own (host) socket qualifies; anything else keeps
 * going through libnice. */
static void on_selected_pair(NiceAgent *agent, guint stream_id, guint component_id,
			     NiceCandidate *local, NiceCandidate *remote, gpointer user)
{
	struct transport *t = user;
	forget_send_socket(t);
	if (local->transport != NICE_CANDIDATE_TRANSPORT_UDP || local->type == NICE_CANDIDATE_TYPE_RELAYED)
		return;
	GSocket *s = nice_agent_get_selected_socket(agent, stream_id, component_id);
	if (!s)
		return;
	nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&t->send_to);
	t->send_to_len = t->send_to.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in);
	t->send_socket = s;
}

static void dtls_connected(void *arg, const struct srtp_keys *keys)
{
	struct transport *t = arg;
	if (srtp_session_create(&t->srtp, keys)) {
		fail(t, "SRTP setup failed");
		return;
	}
	t->profile = keys->profile;
	log_debug(LOGS_DTLS, "transport %p connected, %s", (void *)t, srtp_profile_name(keys->profile));
	t->cb->connected(t->arg);
	start_sctp(t);
}

static void dtls_closed(void *arg, const char *reason)
{
	fail(arg, reason);
}

static void dtls_app_data(void *arg, const uint8_t *data, size_t len)
{
	struct transport *t = arg;
	if (t->sctp)
		sctp_assoc_receive(t->sctp, data, len);
}

static const struct dtls_callbacks dtls_cb = {
	.send = dtls_send,
	.connected = dtls_connected,
	.closed = dtls_closed,
	.app_data = dtls_app_data,
};

static void sctp_send(void *arg, const uint8_t *data, size_t len)
{
	struct transport *t = arg;
	dtls_conn_send(t->dtls, data, len);
}

static void sctp_message(void *arg, uint16_t stream, uint32_t ppid, const uint8_t *data, size_t len)
{
	struct transport *t = arg;
	t->cb->data(t->arg, stream, ppid, data, len);
}

static void sctp_stream_closed(void *arg, uint16_t stream)
{
	struct transport *t = arg;
	t->cb->data_closed(t->arg, stream);
}

static void sctp_connected(void *arg)
{
	struct transport *t = arg;
	log_debug(LOGS_DTLS, "transport %p: data channels ready", (void *)t);
	t->cb->data_ready(t->arg);
}

static void sctp_closed(void *arg)
{
	struct transport *t = arg;
	log_debug(LOGS_DTLS, "transport %p: SCTP association closed", (void *)t);
}

static const struct sctp_callbacks sctp_cb = {
	.send = sctp_send,
	.message = sctp_message,
	.stream_closed = sctp_stream_closed,
	.connected = sctp_connected,
	.closed = sctp_closed,
};

#define SCTP_PORT 5000
#define DATA_TICK_MS 20

/* usrsctp's timers are global, so whichever worker ticks first advances
 * them by the real time since the last tick, whoever made it. */
static GMutex data_clock_lock;
static int64_t data_clock_us;

static void advance_sctp_timers(void)
{
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&data_clock_lock);
	if (!data_clock_us)
		data_clock_us = now;
	uint32_t elapsed_ms = (uint32_t)((now - data_clock_us) / 1000);
	data_clock_us += (int64_t)elapsed_ms * 1000;
	g_mutex_unlock(&data_clock_lock);
	if (elapsed_ms)
		sctp_library_tick(elapsed_ms);
}

/* Runs only on workers that have associations: timers elsewhere may have
 * queued output (retransmissions, delayed SACKs) on ours. */
static gboolean on_data_tick(gpointer data)
{
	struct worker *w = data;
	advance_sctp_timers();
	for (guint i = 0; i < w->data_transports->len; i++)
		sctp_assoc_poll(((struct transport *)w->data_transports->pdata[i])->sctp);
	return G_SOURCE_CONTINUE;
}

static void track_data_transport(struct transport *t, bool add)
{
	struct worker *w = t->worker;
	if (add)
		g_ptr_array_add(w->data_transports, t);
	else
		g_ptr_array_remove_fast(w->data_transports, t);
	if (w->data_transports->len && !w->data_tick) {
		w->data_tick = g_timeout_source_new(DATA_TICK_MS);
		g_source_set_callback(w->data_tick, on_data_tick, w, NULL);
		g_source_attach(w->data_tick, w->ctx);
	} else if (!w->data_transports->len && w->data_tick) {
		g_source_destroy(w->data_tick);
		g_source_unref(w->data_tick);
		w->data_tick = NULL;
	}
}

static void start_sctp(struct transport *t)
{
	if (t->sctp || !t->data_enabled || !t->srtp)
		return;
	if (sctp_assoc_create(&t->sctp, SCTP_PORT, t->sctp_remote_port,
			      t->dtls_role == DTLS_ROLE_CLIENT, t->sctp_max_message, &sctp_cb, t) ||
	    sctp_assoc_connect(t->sctp)) {
		log_warn(LOGS_DTLS, "transport %p: SCTP association could not start", (void *)t);
		sctp_assoc_destroy(t->sctp);
		t->sctp = NULL;
		return;
	}
	track_data_transport(t, true);
}

void transport_enable_data(struct transport *t, uint16_t remote_port, size_t max_message)
{
	if (t->data_enabled)
		return;
	t->data_enabled = true;
	t->sctp_remote_port = remote_port;
	t->sctp_max_message = max_message;
	start_sctp(t);
}

int transport_send_data(struct transport *t, uint16_t stream, uint32_t ppid, const uint8_t *data,
			size_t len, const struct sctp_reliability *rel)
{
	if (!t->sctp)
		return -ENOTCONN;
	return sctp_assoc_send(t->sctp, stream, ppid, data, len, rel);
}

void transport_close_data_stream(struct transport *t, uint16_t stream)
{
	if (t->sctp)
		sctp_assoc_reset_stream(t->sctp, stream);
}


bool transport_is_dtls_client(const struct transport *t)
{
	return t->dtls_role == DTLS_ROLE_CLIENT;
}

static void receive_dtls(struct transport *t, const uint8_t *buf, size_t len)
{
	if (!t->dtls) {
		if (t->n_early < EARLY_DTLS_MAX && len <= sizeof(t->early[0].data)) {
			memcpy(t->early[t->n_early].data, buf, len);
			t->early[t->n_early++].len = len;
		}
		return;
	}
	dtls_conn_receive(t->dtls, buf, len);
	arm_dtls_timer(t);
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len,
		    gchar *data, gpointer user)
{
	struct transport *t = user;
	uint8_t *buf = (uint8_t *)data;
	struct worker_stats *st = &t->worker->stats;
	if (len == 0)
		return;
	st->packets_in++;
	st->bytes_in += len;
	if (buf[0] >= 20 && buf[0] <= 63) {
		receive_dtls(t, buf, len);
		return;
	}
	if (buf[0] < 128 || buf[0] > 191 || !t->srtp) {
		st->dropped++;
		return;
	}
	size_t n = len;
	if (rtp_is_rtcp(buf, len)) {
		if (srtp_session_unprotect_rtcp(t->srtp, buf, &n) == 0)
			t->cb->rtcp(t->arg, buf, n);
		else
			st->dropped++;
		return;
	}
	if (srtp_session_unprotect(t->srtp, buf, &n) == 0)
		t->cb->rtp(t->arg, buf, n);
	else
		st->dropped++;
}

static void start_dtls_client(struct transport *t)
{
	if (t->dtls && t->ice_ready && t->dtls_role == DTLS_ROLE_CLIENT && !t->dtls_started) {
		t->dtls_started = true;
		dtls_conn_start(t->dtls);
		arm_dtls_timer(t);
	}
}

static void on_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
		     gpointer user)
{
	struct transport *t = user;
	log_debug(LOGS_ICE, "transport %p ICE state %s", (void *)t, nice_component_state_to_string(state));
	if (state == NICE_COMPONENT_STATE_READY || state == NICE_COMPONENT_STATE_CONNECTED) {
		t->ice_ready = true;
		start_dtls_client(t);
		/* Resend a flight lost before a pair was selected without waiting for the timer. */
		if (t->dtls && !t->srtp) {
			dtls_conn_handle_timeout(t->dtls);
			arm_dtls_timer(t);
		}
	} else if (state == NICE_COMPONENT_STATE_FAILED) {
		fail(t, "ICE failed");
	}
}

/* "candidate:F C udp P ADDR PORT typ host ..." with ADDR replaced by ip. */
static char *with_address(const char *cand, const char *ip)
{
	const char *p = cand;
	for (int field = 0; field < 4; field++) {
		p = strchr(p, ' ');
		if (!p)
			return NULL;
		p++;
	}
	const char *end = strchr(p, ' ');
	if (!end)
		return NULL;
	return g_strdup_printf("%.*s%s%s", (int)(p - cand), cand, ip, end);
}

/* Hands fn the SDP form of cand, then its public_ip copy. */
static void emit_candidate(struct transport *t, NiceCandidate *cand,
			   void (*fn)(void *arg, const char *candidate), void *arg)
{
	if (cand->component_id != 1)
		return;
	gchar *sdp = nice_agent_generate_local_candidate_sdp(t->agent, cand);
	if (!sdp)
		return;
	const char *line = strncmp(sdp, "a=", 2) == 0 ? sdp + 2 : sdp;
	fn(arg, line);
	if (t->public_ip[0] && cand->type == NICE_CANDIDATE_TYPE_HOST) {
		char *pub = with_address(line, t->public_ip);
		if (pub)
			fn(arg, pub);
		g_free(pub);
	}
	g_free(sdp);
}

static void on_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer user)
{
	struct transport *t = user;
	emit_candidate(t, cand, t->cb->candidate, t->arg);
}

void transport_local_candidates(struct transport *t, void (*fn)(void *arg, const char *candidate),
				void *arg)
{
	GSList *list = nice_agent_get_local_candidates(t->agent, t->stream_id, 1);
	for (GSList *l = list; l; l = l->next)
		emit_candidate(t, l->data, fn, arg);
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
}

bool transport_gathering_done(const struct transport *t)
{
	return t->gathering_done;
}

const char *transport_remote_ufrag(const struct transport *t)
{
	return t->remote_ufrag;
}

static void on_gathering_done(NiceAgent *agent, guint stream_id, gpointer user)
{
	struct transport *t = user;
	t->gathering_done = true;
	t->cb->candidate(t->arg, NULL);
}

static int add_local_addresses(struct transport *t, const char *list)
{
	gchar **parts = g_strsplit(list, ",", -1);
	int rc = 0;
	for (gchar **p = parts; *p; p++) {
		gchar *s = g_strstrip(*p);
		if (!*s)
			continue;
		NiceAddress addr;
		nice_address_init(&addr);
		if (!nice_address_set_from_string(&addr, s) || !nice_agent_add_local_address(t->agent, &addr)) {
			log_error(LOGS_ICE, "invalid ICE address \"%s\"", s);
			rc = -EINVAL;
			break;
		}
	}
	g_strfreev(parts);
	return rc;
}

int transport_create(struct transport **out, struct worker *w, const struct transport_config *cfg,
		     struct dtls_identity *id, const struct transport_callbacks *cb, void *arg)
{
	struct transport *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->worker = w;
	t->cb = cb;
	t->arg = arg;
	t->identity = id;
	g_strlcpy(t->public_ip, cfg->public_ip ? cfg->public_ip : "", sizeof(t->public_ip));
	t->agent = nice_agent_new_full(w->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
	/* A first check sent before the browser applied its answer is lost; retry soon. */
	g_object_set(t->agent, "upnp", FALSE, "ice-tcp", FALSE, "controlling-mode", !cfg->ice_controlled,
		     "stun-initial-timeout", 100, NULL);
	if (cfg->ice_addresses && *cfg->ice_addresses && add_local_addresses(t, cfg->ice_addresses)) {
		transport_destroy(t);
		return -EINVAL;
	}
	t->stream_id = nice_agent_add_stream(t->agent, 1);
	if (cfg->port_min)
		nice_agent_set_port_range(t->agent, t->stream_id, 1, cfg->port_min, cfg->port_max);
	g_signal_connect(t->agent, "component-state-changed", G_CALLBACK(on_state), t);
	g_signal_connect(t->agent, "new-candidate-full", G_CALLBACK(on_candidate), t);
	g_signal_connect(t->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), t);
	g_signal_connect(t->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), t);
	nice_agent_attach_recv(t->agent, t->stream_id, 1, w->ctx, on_recv, t);
	nice_agent_get_local_credentials(t->agent, t->stream_id, &t->ufrag, &t->pwd);
	*out = t;
	return 0;
}

void transport_destroy(struct transport *t)
{
	if (!t)
		return;
	if (t->dtls_timer) {
		g_source_destroy(t->dtls_timer);
		g_source_unref(t->dtls_timer);
	}
	if (t->sctp) {
		track_data_transport(t, false);
		sctp_assoc_destroy(t->sctp);
	}
	if (t->dtls && t->srtp)
		dtls_conn_close(t->dtls);
	dtls_conn_destroy(t->dtls);
	srtp_session_destroy(t->srtp);
	forget_send_socket(t);
	if (t->agent) {
		g_signal_handlers_disconnect_by_data(t->agent, t);
		if (t->stream_id) {
			nice_agent_attach_recv(t->agent, t->stream_id, 1, t->worker->ctx, NULL, NULL);
			nice_agent_remove_stream(t->agent, t->stream_id);
		}
		g_object_unref(t->agent);
	}
	g_free(t->ufrag);
	g_free(t->pwd);
	free(t);
}

int transport_gather(struct transport *t)
{
	return nice_agent_gather_candidates(t->agent, t->stream_id) ? 0 : -EIO;
}

void transport_local_credentials(struct transport *t, const char **ufrag, const char **pwd)
{
	*ufrag = t->ufrag;
	*pwd = t->pwd;
}

int transport_set_remote(struct transport *t, const char *ufrag, const char *pwd,
			 const char *fingerprint, enum sdp_setup peer_setup)
{
	if (t->dtls)
		return 0;
	if (!ufrag[0] || !pwd[0] || !fingerprint[0])
		return -EINVAL;
	if (peer_setup == SDP_SETUP_ACTIVE)
		t->dtls_role = DTLS_ROLE_SERVER;
	else if (peer_setup == SDP_SETUP_PASSIVE)
		t->dtls_role = DTLS_ROLE_CLIENT;
	else
		return -EINVAL;
	if (!nice_agent_set_remote_credentials(t->agent, t->stream_id, ufrag, pwd))
		return -EINVAL;
	g_strlcpy(t->remote_ufrag, ufrag, sizeof(t->remote_ufrag));
	if (dtls_conn_create(&t->dtls, t->identity, t->dtls_role, fingerprint, &dtls_cb, t))
		return -EINVAL;
	for (unsigned i = 0; i < t->n_early; i++)
		dtls_conn_receive(t->dtls, t->early[i].data, t->early[i].len);
	t->n_early = 0;
	start_dtls_client(t);
	arm_dtls_timer(t);
	return 0;
}

int transport_add_remote_candidate(struct transport *t, const char *candidate)
{
	if (!candidate || !*candidate) {
		nice_agent_peer_candidate_gathering_done(t->agent, t->stream_id);
		return 0;
	}
	/* libnice wants the SDP attribute form; trickle sends the bare value. */
	gchar *line = g_str_has_prefix(candidate, "a=") ? g_strdup(candidate)
							: g_strconcat("a=", candidate, NULL);
	NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream_id, line);
	g_free(line);
	if (!c)
		return -EINVAL;
	if (c->component_id != 1) {
		nice_candidate_free(c);
		return 0;
	}
	GSList *list = g_slist_append(NULL, c);
	int n = nice_agent_set_remote_candidates(t->agent, t->stream_id, 1, list);
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	return n < 0 ? -EINVAL : 0;
}

bool transport_is_connected(const struct transport *t)
{
	return t->srtp != NULL;
}

const char *transport_srtp_profile(const struct transport *t)
{
	return t->srtp ? srtp_profile_name(t->profile) : "none";
}

static int send_protected(struct transport *t, uint8_t *buf, size_t len, size_t cap, bool rtcp)
{
	if (!t || !t->srtp || !t->ice_ready)   /* NULL: a SIP participant's */
		return -ENOTCONN;
	int rc = rtcp ? srtp_session_protect_rtcp(t->srtp, buf, &len, cap)
		      : srtp_session_protect(t->srtp, buf, &len, cap);
	if (rc)
		return rc;
	if (t->send_socket) {
		if (sendto(g_socket_get_fd(t->send_socket), buf, len, MSG_DONTWAIT,
			   (const struct sockaddr *)&t->send_to, t->send_to_len) < 0)
			return -EIO;
	} else if (nice_agent_send(t->agent, t->stream_id, 1, (guint)len, (const gchar *)buf) < 0) {
		return -EIO;
	}
	t->worker->stats.packets_out++;
	t->worker->stats.bytes_out += len;
	return 0;
}

int transport_send_rtp(struct transport *t, uint8_t *buf, size_t len, size_t cap)
{
	return send_protected(t, buf, len, cap, false);
}

int transport_send_rtcp(struct transport *t, uint8_t *buf, size_t len, size_t cap)
{
	return send_protected(t, buf, len, cap, true);
}

void transport_inject_datagram(struct transport *t, uint8_t *buf, size_t len)
{
	on_recv(t->agent, t->stream_id, 1, (guint)len, (gchar *)buf, t);
}
