/* The SIP user agent: the "sip" thread, its GMainContext, and the glue
 * between the transport and libosip2's transaction state machines.
 *
 * A message that arrives is parsed by osip_parse, its top Via stamped with
 * where it came from (sip_via.c), then matched to a transaction
 * (osip_find_transaction_and_add_event) or given a new one
 * (osip_create_transaction); an ACK for our 2xx has no transaction and goes
 * straight to its call. "Pumping" runs the four transaction machines
 * (ICT/IST/NICT/NIST execute), whose callbacks land in sip_call.c, and
 * cb_send_message sends what they emit. A 10 ms timer runs libosip2's
 * timers (A-K) and the 20 ms media tick of every call.
 *
 * Each transaction carries a copy of the origin of its request (reserved1)
 * so its responses go back the way the request came: on the same TCP or
 * TLS connection, or over UDP to Via's received/rport. Transactions that
 * libosip2 kills are unlinked at once but freed after the pump, because the
 * execute loop still holds them.
 *
 * Overload: the thread is behind when every datagram that arrived over
 * BEHIND_SPAN_US waited more than BEHIND_WAIT_US in the UDP socket before we
 * read it (a one-off stall does not count: what queued during it is read
 * at once, and the next datagram is on time). From then until BEHIND_HOLD_US
 * after the last late datagram, new calls get a stateless 503 with
 * Retry-After, while calls in progress and other requests go on. Without it, setting up
 * calls past the thread's capacity makes callers retransmit (T1 500 ms),
 * which is more work still, and the rate of calls completed falls instead of
 * holding. */
#include "sip/sip_ua.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/log.h"
#include "sfu/sfu.h"
#include "sip/sip_bridge.h"
#include "sip/sip_msg.h"
#include "sip/sip_ua_internal.h"
#include "sip/sip_via.h"

#define TIMER_MS 10
#define TICK_US 20000
#define BEHIND_WAIT_US 200000
#define BEHIND_SPAN_US 500000
#define BEHIND_HOLD_US 1000000

static _Atomic int64_t counters[SIP_COUNTERS];

void sip_count(enum sip_counter which, int64_t delta)
{
	atomic_fetch_add_explicit(&counters[which], delta, memory_order_relaxed);
}

void sip_read_counters(struct sip_counters *out)
{
	out->calls_active = (uint64_t)atomic_load_explicit(&counters[SIP_COUNT_ACTIVE], memory_order_relaxed);
	out->calls_answered = (uint64_t)atomic_load_explicit(&counters[SIP_COUNT_ANSWERED], memory_order_relaxed);
	out->calls_refused = (uint64_t)atomic_load_explicit(&counters[SIP_COUNT_REFUSED], memory_order_relaxed);
	out->malformed = (uint64_t)atomic_load_explicit(&counters[SIP_COUNT_MALFORMED], memory_order_relaxed);
}

static struct sip_ua *the_ua;
static GMutex the_ua_lock;     /* the_ua as other threads see it (sip_on_session_message) */
static char hostport[96], hostport_tls[96];

const char *sip_ua_hostport(const struct sip_ua *ua, enum sip_proto proto)
{
	return proto == SIP_PROTO_TLS ? hostport_tls : hostport;
}

/* ---- sending ---- */

static int send_message(struct sip_ua *ua, osip_message_t *m, const struct sip_origin *o,
			const char *host, int port)
{
	char *buf = NULL;
	size_t len = 0;
	if (osip_message_to_str(m, &buf, &len) || !buf)
		return -ENOMEM;
	char rhost[SIP_VIA_HOST_MAX];
	int rport;
	if (MSG_IS_RESPONSE(m) && (!o || o->proto == SIP_PROTO_UDP) &&
	    sip_via_response_target(m, rhost, &rport) == 0) {
		host = rhost;
		port = rport;
	}
	int rc = sip_transport_send(ua->tp, o, host, port, buf, len);
	log_debug(LOGS_SIP, "sent %zu bytes to %s:%d (%s): %.*s", len, host ? host : "?", port,
		  o ? sip_proto_name(o->proto) : "-", (int)(strcspn(buf, "\r\n")), buf);
	osip_free(buf);
	return rc;
}

static int cb_send_message(osip_transaction_t *tr, osip_message_t *m, char *host, int port,
			   int out_socket)
{
	struct sip_ua *ua = osip_get_application_context(tr->config);
	return send_message(ua, m, osip_transaction_get_reserved1(tr), host, port) ? -1 : 0;
}

void sip_ua_send_raw(struct sip_ua *ua, osip_message_t *m, const struct sip_origin *origin)
{
	send_message(ua, m, origin, NULL, 0);
}

void sip_ua_respond(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *resp)
{
	if (!tr) {
		osip_message_free(resp);
		return;
	}
	osip_event_t *ev = osip_new_outgoing_sipmessage(resp);
	if (!ev) {
		osip_message_free(resp);
		return;
	}
	ev->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, ev);
}

void sip_ua_reply(struct sip_ua *ua, osip_transaction_t *tr, const osip_message_t *req, int code,
		  const char *reason, const char *to_tag)
{
	osip_message_t *r = sip_msg_response(req, code, reason, to_tag);
	if (r)
		sip_ua_respond(ua, tr, r);
}

static struct sip_origin *origin_copy(const struct sip_origin *o)
{
	struct sip_origin *c = malloc(sizeof(*c));
	if (c)
		*c = *o;
	return c;
}

int sip_ua_send_request(struct sip_ua *ua, osip_message_t *req, const struct sip_origin *origin)
{
	osip_transaction_t *tr;
	osip_fsm_type_t type = MSG_IS_INVITE(req) ? ICT : NICT;
	if (osip_transaction_init(&tr, type, ua->osip, req)) {
		osip_message_free(req);
		return -ENOMEM;
	}
	osip_transaction_set_reserved1(tr, origin_copy(origin));
	osip_event_t *ev = osip_new_outgoing_sipmessage(req);
	ev->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, ev);
	return 0;
}

/* ---- the transaction machines ---- */

static void pump(struct sip_ua *ua)
{
	for (int round = 0; round < 4; round++) {
		osip_ict_execute(ua->osip);
		osip_ist_execute(ua->osip);
		osip_nict_execute(ua->osip);
		osip_nist_execute(ua->osip);
	}
	for (guint i = 0; i < ua->garbage->len; i++) {
		osip_transaction_t *tr = g_ptr_array_index(ua->garbage, i);
		free(osip_transaction_get_reserved1(tr));
		osip_transaction_free2(tr);
	}
	g_ptr_array_set_size(ua->garbage, 0);
	sip_calls_sweep(ua);
}

static void on_kill(int type, osip_transaction_t *tr)
{
	struct sip_ua *ua = osip_get_application_context(tr->config);
	osip_remove_transaction(ua->osip, tr);
	sip_call_forget_transaction(ua, tr);
	g_ptr_array_add(ua->garbage, tr);
}

static void on_invite(int type, osip_transaction_t *tr, osip_message_t *m)
{
	sip_call_on_invite(osip_get_application_context(tr->config), tr, m);
}

static void on_options(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req)
{
	osip_message_t *r = sip_msg_response(req, 200, "OK", NULL);
	if (!r)
		return;
	osip_message_set_allow(r, SIP_ALLOW);
	osip_message_set_accept(r, SIP_ACCEPT);
	osip_message_set_header(r, "Accept-Encoding", "identity");
	sip_ua_respond(ua, tr, r);
}

static void on_nist_request(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct sip_ua *ua = osip_get_application_context(tr->config);
	if (MSG_IS_OPTIONS(m)) {
		on_options(ua, tr, m);
	} else if (MSG_IS_BYE(m) || MSG_IS_CANCEL(m) || MSG_IS_INFO(m)) {
		sip_call_on_request(ua, tr, m);
	} else {
		osip_message_t *r = sip_msg_response(m, 405, "Method Not Allowed", NULL);
		if (r) {
			osip_message_set_allow(r, SIP_ALLOW);
			sip_ua_respond(ua, tr, r);
		}
	}
}

static void on_response(int type, osip_transaction_t *tr, osip_message_t *m)
{
	log_debug(LOGS_SIP, "%d %s to our %s", m->status_code,
		  m->reason_phrase ? m->reason_phrase : "", tr->orig_request->sip_method);
}

static void on_ignore(int type, osip_transaction_t *tr, osip_message_t *m)
{
}

static void set_callbacks(osip_t *osip)
{
	osip_set_cb_send_message(osip, cb_send_message);
	for (int t = 0; t < OSIP_MESSAGE_CALLBACK_COUNT; t++)
		osip_set_message_callback(osip, t, on_ignore);
	osip_set_message_callback(osip, OSIP_IST_INVITE_RECEIVED, on_invite);
	static const int nist[] = { OSIP_NIST_REGISTER_RECEIVED, OSIP_NIST_BYE_RECEIVED,
				    OSIP_NIST_OPTIONS_RECEIVED, OSIP_NIST_INFO_RECEIVED,
				    OSIP_NIST_CANCEL_RECEIVED, OSIP_NIST_NOTIFY_RECEIVED,
				    OSIP_NIST_SUBSCRIBE_RECEIVED, OSIP_NIST_UNKNOWN_REQUEST_RECEIVED };
	for (size_t i = 0; i < sizeof(nist) / sizeof(nist[0]); i++)
		osip_set_message_callback(osip, nist[i], on_nist_request);
	static const int nict[] = { OSIP_NICT_STATUS_2XX_RECEIVED, OSIP_NICT_STATUS_3XX_RECEIVED,
				    OSIP_NICT_STATUS_4XX_RECEIVED, OSIP_NICT_STATUS_5XX_RECEIVED,
				    OSIP_NICT_STATUS_6XX_RECEIVED };
	for (size_t i = 0; i < sizeof(nict) / sizeof(nict[0]); i++)
		osip_set_message_callback(osip, nict[i], on_response);
	for (int t = 0; t < OSIP_KILL_CALLBACK_COUNT; t++)
		osip_set_kill_transaction_callback(osip, t, on_kill);
}

/* ---- receiving ---- */

/* RFC 3261 8.1.1 / 8.2: the headers every request needs, and a CSeq that
 * names its method. */
static const char *request_problem(const osip_message_t *m)
{
	if (!osip_list_get(&m->vias, 0))
		return "Missing Via";
	if (!m->from || !m->to || !m->call_id || !m->call_id->number || !m->cseq ||
	    !m->cseq->method || !m->cseq->number)
		return "Missing Mandatory Header";
	if (!m->req_uri || !m->sip_method)
		return "Bad Request-Line";
	if (strcmp(m->cseq->method, m->sip_method) != 0 &&
	    !(MSG_IS_ACK(m) && strcmp(m->cseq->method, "INVITE") == 0))
		return "CSeq Method Mismatch";
	char *end;
	strtoul(m->cseq->number, &end, 10);
	if (*end || end == m->cseq->number)
		return "Bad CSeq";
	return NULL;
}

static void reject_stateless(struct sip_ua *ua, const osip_message_t *req, const char *why,
			     const struct sip_origin *from)
{
	log_info(LOGS_SIP, "400 %s to %s %s from %s:%d", why, req->sip_method ? req->sip_method : "?",
		 "request", from->ip, from->port);
	if (MSG_IS_ACK(req) || !osip_list_get(&req->vias, 0))
		return;   /* nothing to answer, or nowhere to answer it */
	osip_message_t *r = sip_msg_response(req, 400, why, NULL);
	if (r) {
		sip_ua_send_raw(ua, r, from);
		osip_message_free(r);
	}
}

static void note_wait(struct sip_ua *ua, const struct sip_origin *from)
{
	if (from->proto != SIP_PROTO_UDP)
		return;
	if (from->waited_us <= BEHIND_WAIT_US) {
		ua->late_since_us = 0;
		return;
	}
	int64_t now = g_get_monotonic_time(), arrived = now - from->waited_us;
	if (!ua->late_since_us)
		ua->late_since_us = arrived;
	if (arrived - ua->late_since_us < BEHIND_SPAN_US)
		return;
	if (!ua->behind_until_us)
		log_warn(LOGS_SIP, "SIP thread behind: for %lld ms every datagram waited over %d ms "
			 "(the last from %s:%d, %lld ms); new calls get 503 until it catches up",
			 (long long)((arrived - ua->late_since_us) / 1000), BEHIND_WAIT_US / 1000,
			 from->ip, from->port, (long long)(from->waited_us / 1000));
	ua->behind_until_us = now + BEHIND_HOLD_US;
}

/* True while the thread is behind; says so once it has caught up. */
static bool behind(struct sip_ua *ua)
{
	if (!ua->behind_until_us)
		return false;
	if (g_get_monotonic_time() < ua->behind_until_us)
		return true;
	log_info(LOGS_SIP, "SIP thread caught up; %llu new calls got 503 meanwhile",
		 (unsigned long long)ua->shed);
	ua->behind_until_us = 0;
	ua->shed = 0;
	return false;
}

/* A new call while behind: 503 without a transaction or a 100 (RFC 3261
 * 8.2.7), the cheapest answer there is. A retransmission gets another; the
 * ACK finds no call and is dropped. Counted, and logged once per episode:
 * one line per call would add to the load it sheds. */
static void shed_stateless(struct sip_ua *ua, const osip_message_t *req, const struct sip_origin *from)
{
	char tag[24];
	snprintf(tag, sizeof(tag), "%08x", g_random_int());
	sip_count(SIP_COUNT_REFUSED, 1);
	ua->shed++;
	osip_message_t *r = sip_msg_response(req, 503, "Service Unavailable", tag);
	if (!r)
		return;
	osip_message_set_header(r, "Retry-After", "1");
	sip_ua_send_raw(ua, r, from);
	osip_message_free(r);
}

static void on_message(void *arg, const char *buf, size_t len, const struct sip_origin *from)
{
	struct sip_ua *ua = arg;
	note_wait(ua, from);
	osip_event_t *ev = osip_parse(buf, len);
	if (!ev || !ev->sip) {
		sip_count(SIP_COUNT_MALFORMED, 1);
		log_debug(LOGS_SIP, "unparsable %zu-byte message from %s:%d dropped", len, from->ip,
			  from->port);
		if (ev)
			osip_event_free(ev);
		return;
	}
	osip_message_t *m = ev->sip;
	log_debug(LOGS_SIP, "received %zu bytes from %s:%d (%s): %.*s", len, from->ip, from->port,
		  sip_proto_name(from->proto), (int)strcspn(buf, "\r\n"), buf);
	if (MSG_IS_REQUEST(m)) {
		const char *problem = request_problem(m);
		if (problem) {
			reject_stateless(ua, m, problem, from);
			osip_event_free(ev);
			return;
		}
		sip_via_stamp(m, from->ip, from->port);
	} else if (!m->cseq || !m->call_id || !osip_list_get(&m->vias, 0)) {
		osip_event_free(ev);
		return;
	}
	if (osip_find_transaction_and_add_event(ua->osip, ev) == 0) {
		pump(ua);
		return;
	}
	if (MSG_IS_RESPONSE(m)) {
		osip_event_free(ev);   /* a response to nothing of ours */
		return;
	}
	if (MSG_IS_ACK(m) || (MSG_IS_INVITE(m) && sip_call_absorb_retransmission(ua, m))) {
		if (MSG_IS_ACK(m))
			sip_call_on_ack(ua, m);
		osip_event_free(ev);
		pump(ua);
		return;
	}
	if (MSG_IS_INVITE(m) && behind(ua)) {
		shed_stateless(ua, m, from);
		osip_event_free(ev);
		return;
	}
	osip_transaction_t *tr = osip_create_transaction(ua->osip, ev);
	if (!tr) {
		reject_stateless(ua, m, "Bad Request", from);
		osip_event_free(ev);
		return;
	}
	osip_transaction_set_reserved1(tr, origin_copy(from));
	osip_transaction_add_event(tr, ev);
	pump(ua);
}

/* ---- timers ---- */

static gboolean on_timer(gpointer arg)
{
	struct sip_ua *ua = arg;
	osip_timers_ict_execute(ua->osip);
	osip_timers_ist_execute(ua->osip);
	osip_timers_nict_execute(ua->osip);
	osip_timers_nist_execute(ua->osip);
	pump(ua);
	behind(ua);   /* ends the 503s (and says so) once the hold has passed */
	/* The media tick keeps a 20 ms cadence on the clock, not on when the
	 * timer happened to fire; after a long stall it starts over. */
	int64_t now = g_get_monotonic_time();
	if (now - ua->next_tick_us > 10 * TICK_US)
		ua->next_tick_us = now;
	while (now >= ua->next_tick_us) {
		sip_calls_tick(ua, now);
		ua->next_tick_us += TICK_US;
	}
	pump(ua);
	return G_SOURCE_CONTINUE;
}

/* ---- start and stop ---- */

static bool find_number(void *arg, const char *number, char room_out[SIP_DIALPLAN_ROOM_MAX])
{
	struct sip_ua *ua = arg;
	char name[ROOM_SETTINGS_NAME_MAX];
	if (!room_directory_find_number(ua->dir, number, name) || strlen(name) >= SIP_DIALPLAN_ROOM_MAX)
		return false;
	strcpy(room_out, name);
	return true;
}

static int make_caps(struct sip_ua *ua)
{
	char err[160];
	sip_local_caps_init(&ua->caps, true);
	if (sip_local_caps_set_codecs(&ua->caps, ua->cfg->sip_codecs, err, sizeof(err))) {
		log_error(LOGS_SIP, "sip_codecs: %s", err);
		return -EINVAL;
	}
	if (strcmp(ua->cfg->sip_srtp, "off") == 0)
		ua->caps.n_suites = 0;
	ua->caps.offer_srtp = false;
	if (sip_dialplan_create(&ua->dp, ua->cfg->sip_numbers, find_number, ua, err, sizeof(err))) {
		log_error(LOGS_SIP, "sip_numbers: %s", err);
		return -EINVAL;
	}
	return 0;
}

static gpointer thread_main(gpointer arg)
{
	struct sip_ua *ua = arg;
	g_main_context_push_thread_default(ua->ctx);
	g_main_loop_run(ua->loop);
	g_main_context_pop_thread_default(ua->ctx);
	return NULL;
}

static void free_transactions(osip_list_t *list)
{
	while (osip_list_size(list) > 0) {
		osip_transaction_t *tr = osip_list_get(list, 0);
		osip_list_remove(list, 0);
		free(osip_transaction_get_reserved1(tr));
		osip_transaction_free2(tr);
	}
}

static void ua_free(struct sip_ua *ua)
{
	if (!ua)
		return;
	if (ua->calls)
		g_hash_table_destroy(ua->calls);
	if (ua->timer) {
		g_source_destroy(ua->timer);
		g_source_unref(ua->timer);
	}
	sip_transport_destroy(ua->tp);
	if (ua->osip) {
		free_transactions(&ua->osip->osip_ict_transactions);
		free_transactions(&ua->osip->osip_ist_transactions);
		free_transactions(&ua->osip->osip_nict_transactions);
		free_transactions(&ua->osip->osip_nist_transactions);
		osip_release(ua->osip);
	}
	if (ua->garbage)
		g_ptr_array_free(ua->garbage, TRUE);
	sip_dialplan_destroy(ua->dp);
	free(ua->sdp_scratch);
	if (ua->loop)
		g_main_loop_unref(ua->loop);
	if (ua->ctx)
		g_main_context_unref(ua->ctx);
	free(ua);
}

int sip_start(const struct config *cfg, struct room_directory *directory)
{
	if (cfg->sip_port == 0)
		return 0;
	struct sip_ua *ua = calloc(1, sizeof(*ua));
	if (!ua)
		return -ENOMEM;
	ua->cfg = cfg;
	ua->dir = directory;
	ua->ctx = g_main_context_new();
	ua->loop = g_main_loop_new(ua->ctx, FALSE);
	ua->calls = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sip_call_free);
	ua->garbage = g_ptr_array_new();
	ua->sdp_scratch = malloc(sizeof(struct sdp_session));
	bool v6 = strchr(cfg->sip_address, ':') != NULL;
	snprintf(hostport, sizeof(hostport), "%s%s%s:%d", v6 ? "[" : "", cfg->sip_address,
		 v6 ? "]" : "", cfg->sip_port);
	snprintf(hostport_tls, sizeof(hostport_tls), "%s%s%s:%d", v6 ? "[" : "", cfg->sip_address,
		 v6 ? "]" : "", cfg->sip_tls_port);
	bool tls = cfg->sip_tls_cert[0] && cfg->sip_tls_key[0];
	int rc = ua->sdp_scratch ? make_caps(ua) : -ENOMEM;
	sip_msg_log_osip_traces();
	if (!rc && osip_init(&ua->osip))
		rc = -ENOMEM;
	if (!rc) {
		osip_set_application_context(ua->osip, ua);
		set_callbacks(ua->osip);
		rc = sip_transport_create(&ua->tp, ua->ctx, cfg->sip_address, cfg->sip_port, on_message, ua);
	}
	if (!rc && tls)
		rc = sip_transport_listen_tls(ua->tp, cfg->sip_address, cfg->sip_tls_port,
					      cfg->sip_tls_cert, cfg->sip_tls_key);
	if (rc) {
		ua_free(ua);
		return rc;
	}
	ua->timer = g_timeout_source_new(TIMER_MS);
	g_source_set_callback(ua->timer, on_timer, ua, NULL);
	g_source_attach(ua->timer, ua->ctx);
	ua->next_tick_us = g_get_monotonic_time();
	sip_bridge_install();
	ua->thread = g_thread_new("sip", thread_main, ua);
	g_mutex_lock(&the_ua_lock);
	the_ua = ua;
	g_mutex_unlock(&the_ua_lock);
	if (tls)
		log_info(LOGS_SIP, "SIP on %s (UDP, TCP) and %s (TLS), up to %d calls", hostport,
			 hostport_tls, cfg->sip_max_calls);
	else
		log_info(LOGS_SIP, "SIP on %s (UDP, TCP), up to %d calls", hostport, cfg->sip_max_calls);
	return 0;
}

static gboolean stop_on_thread(gpointer arg)
{
	struct sip_ua *ua = arg;
	sip_calls_hangup_all(ua, "server shutdown");
	pump(ua);
	sip_bridge_shutdown();
	g_main_loop_quit(ua->loop);
	return G_SOURCE_REMOVE;
}

void sip_stop(void)
{
	struct sip_ua *ua = the_ua;
	if (!ua)
		return;
	g_mutex_lock(&the_ua_lock);
	the_ua = NULL;
	g_mutex_unlock(&the_ua_lock);
	g_main_context_invoke(ua->ctx, stop_on_thread, ua);
	g_thread_join(ua->thread);
	ua_free(ua);
}

/* ---- the room ends a call ---- */

struct hangup {
	struct sip_ua *ua;
	uint64_t call;
	char reason[32];
};

static gboolean hangup_on_thread(gpointer arg)
{
	struct hangup *h = arg;
	struct sip_call *c = sip_call_find(h->ua, h->call);
	if (c) {
		sip_call_hangup(c, h->reason);
		pump(h->ua);
	}
	return G_SOURCE_REMOVE;
}

void sip_on_session_message(uint64_t session_id, char *json, bool close)
{
	json_t *msg = close && json ? json_loads(json, 0, NULL) : NULL;
	free(json);
	if (!close)
		return;
	struct hangup *h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	h->call = session_id & 0xffffffffffffffULL;
	const char *reason = json_string_value(json_object_get(msg, "reason"));
	snprintf(h->reason, sizeof(h->reason), "%s", reason ? reason : "removed");
	json_decref(msg);
	g_mutex_lock(&the_ua_lock);
	h->ua = the_ua;
	if (h->ua)
		g_main_context_invoke_full(h->ua->ctx, G_PRIORITY_DEFAULT, hangup_on_thread, h, free);
	else
		free(h);
	g_mutex_unlock(&the_ua_lock);
}
