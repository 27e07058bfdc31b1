/* SIP calls: one per accepted INVITE, from routing to hang-up. Each call
 * holds its dialog (Call-ID, tags, route set, remote target), its room
 * seat, its media leg and the offer/answer state; sip_call_state.c decides
 * what each event means, this file carries it out.
 *
 * Runs on the SIP thread only. Calls live in ua->calls (by Call-ID), owned
 * there; a call that ends is marked ENDED at once (logged, room left, media
 * freed) and freed by sip_calls_sweep after the current pump, so nothing
 * below frees a call under its caller's feet. */
#include "sip/sip_call.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/log.h"
#include "sip/sip_call_state.h"
#include "sip/sip_dtmf.h"
#include "sip/sip_media.h"
#include "sip/sip_msg.h"
#include "sip/sip_ua_internal.h"
#include "sip/sip_via.h"

#define T1_US 500000
#define T2_US 4000000
#define ACK_WAIT_US (64 * T1_US)
#define MAX_ROUTES 8

struct sip_call {
	struct sip_ua *ua;
	uint64_t id;
	enum sip_call_state state;
	char *call_id;                 /* the hash key */
	char local_tag[24];
	char *remote_hdr, *local_hdr;  /* their From, our To (tagged): To/From of our requests */
	char *remote_target;           /* the caller's Contact */
	char *routes[MAX_ROUTES];      /* Record-Route, in order (we are the UAS) */
	size_t n_routes;
	struct sip_origin origin;      /* where the INVITE came from */
	char branch[128];              /* of the INVITE, to match its CANCEL */
	unsigned invite_cseq, local_cseq;
	osip_transaction_t *invite_tr; /* the IST until the final response */
	osip_message_t *last_2xx;      /* retransmitted over UDP until ACKed */
	unsigned last_2xx_cseq;
	int64_t rtx_at, rtx_interval, ack_deadline, answer_at;

	char room[SIP_DIALPLAN_ROOM_MAX];
	struct room_seat seat;
	bool in_room;
	char caller[256];
	char display[64];

	struct sip_media *media;
	struct sip_local_media local;
	struct sip_sdp_origin sdp_origin;
	char *local_sdp;               /* what the 200 carries */
	bool awaiting_answer;          /* our offer went in a 200: the answer comes in the ACK */
	bool have_choice;
	struct sip_media_choice choice;

	int64_t created_us, answered_us;
	bool rang;                     /* accepted (ringing or answered): its end is logged */
	bool finished;                 /* end_call ran */
	void *user;
};

static struct sip_call_hooks hooks;

/* ---- hooks ---- */

void sip_call_set_hooks(const struct sip_call_hooks *h)
{
	hooks = *h;
}

static void media_audio(void *owner, const int16_t *pcm, size_t n, unsigned rate)
{
	if (hooks.on_caller_audio)
		hooks.on_caller_audio(owner, pcm, n, rate);
}

static bool media_fill(void *owner, int16_t *pcm, size_t n)
{
	return hooks.fill_room_audio && hooks.fill_room_audio(owner, pcm, n);
}

static void media_dtmf(void *owner, char digit, const char *how)
{
	struct sip_call *c = owner;
	log_info(LOGS_SIP, "call %" PRIu64 " (room %s): DTMF %c (%s)", c->id, c->room, digit, how);
}

static const struct sip_media_callbacks media_cb = { media_audio, media_fill, media_dtmf };

uint64_t sip_call_id(const struct sip_call *c) { return c->id; }
const char *sip_call_room(const struct sip_call *c) { return c->room; }
const char *sip_call_caller(const struct sip_call *c) { return c->caller; }
const char *sip_call_display_name(const struct sip_call *c) { return c->display; }
unsigned sip_call_worker(const struct sip_call *c) { return c->seat.worker; }
void sip_call_set_user(struct sip_call *c, void *user) { c->user = user; }
void *sip_call_user(const struct sip_call *c) { return c->user; }

/* ---- life ---- */

void sip_call_free(gpointer p)
{
	struct sip_call *c = p;
	sip_media_destroy(c->media);
	if (c->last_2xx)
		osip_message_free(c->last_2xx);
	osip_free(c->remote_hdr);
	osip_free(c->local_hdr);
	osip_free(c->remote_target);
	for (size_t i = 0; i < c->n_routes; i++)
		osip_free(c->routes[i]);
	free(c->local_sdp);
	free(c->call_id);
	free(c);
}

static const char *codec_desc(const struct sip_call *c, char *buf, size_t cap)
{
	if (!c->have_choice)
		return "none";
	snprintf(buf, cap, "%s%s%s", sip_codec_name(c->choice.codec),
		 c->choice.srtp != SIP_SRTP_NONE ? "/SRTP " : "",
		 c->choice.srtp != SIP_SRTP_NONE ? sip_srtp_suite_name(c->choice.srtp) : "");
	return buf;
}

/* The one place a call ends: its log line, the room, the media. */
static void end_call(struct sip_call *c, const char *reason)
{
	c->state = SIP_CALL_ENDED;
	if (c->finished)
		return;
	c->finished = true;
	char codec[96];
	const struct sip_media_stats *st = c->media ? sip_media_stats(c->media) : NULL;
	double secs = c->answered_us ? (g_get_monotonic_time() - c->answered_us) / 1e6 : 0;
	if (c->rang)
		log_info(LOGS_SIP, "call %" PRIu64 " ended: from %s, room %s, codec %s, %.1f s, reason %s, "
		 "rtp rx %" PRIu64 " tx %" PRIu64 ", rtcp rx %" PRIu64 " tx %" PRIu64,
		 c->id, c->caller, c->room, codec_desc(c, codec, sizeof(codec)), secs, reason,
		 st ? st->rx_packets : 0, st ? st->tx_packets : 0, st ? st->rx_rtcp : 0,
		 st ? st->tx_rtcp : 0);
	if (c->answered_us) {
		sip_count(SIP_COUNT_ACTIVE, -1);
		if (hooks.on_call_ended)
			hooks.on_call_ended(c, reason);
	}
	if (c->in_room)
		room_directory_leave(c->ua->dir, c->room, &c->seat, PARTICIPANT_SIP);
	c->in_room = false;
	sip_media_destroy(c->media);
	c->media = NULL;
}

void sip_calls_sweep(struct sip_ua *ua)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct sip_call *c = value;
		if (c->state == SIP_CALL_ENDED)
			g_hash_table_iter_remove(&it);
	}
}

/* The whole Call-ID ("number@host"), in buf. */
static const char *call_id_of(const osip_message_t *m, char *buf, size_t cap)
{
	buf[0] = 0;
	if (m->call_id && m->call_id->number)
		snprintf(buf, cap, "%s%s%s", m->call_id->number, m->call_id->host ? "@" : "",
			 m->call_id->host ? m->call_id->host : "");
	return buf;
}

/* An ended call waits for the sweep; lookups no longer see it. */
static struct sip_call *find_call(struct sip_ua *ua, const osip_message_t *m)
{
	char id[512];
	struct sip_call *c = g_hash_table_lookup(ua->calls, call_id_of(m, id, sizeof(id)));
	return c && c->state != SIP_CALL_ENDED ? c : NULL;
}

void sip_call_forget_transaction(struct sip_ua *ua, osip_transaction_t *tr)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct sip_call *c = value;
		if (c->invite_tr == tr)
			c->invite_tr = NULL;
	}
}

/* ---- sending ---- */

static void add_contact(const struct sip_call *c, osip_message_t *m)
{
	char contact[160];
	snprintf(contact, sizeof(contact), "<sip:parley@%s%s>",
		 sip_ua_hostport(c->ua, c->origin.proto), sip_proto_uri_param(c->origin.proto));
	osip_message_set_contact(m, contact);
}

static void reply(struct sip_call *c, const osip_message_t *req, int code, const char *reason)
{
	osip_message_t *r = sip_msg_response(req, code, reason, c->local_tag);
	if (!r)
		return;
	if (code > 100 && code < 300)
		add_contact(c, r);
	sip_ua_respond(c->ua, c->invite_tr, r);
}

static void send_bye(struct sip_call *c)
{
	char via[256], branch[32];
	snprintf(branch, sizeof(branch), "z9hG4bK%08x%08x", g_random_int(), g_random_int());
	snprintf(via, sizeof(via), "SIP/2.0/%s %s;branch=%s;rport", sip_proto_name(c->origin.proto),
		 sip_ua_hostport(c->ua, c->origin.proto), branch);
	struct sip_msg_dialog d = {
		.method = "BYE", .target = c->remote_target, .from = c->local_hdr,
		.to = c->remote_hdr, .call_id = c->call_id, .cseq = ++c->local_cseq, .via = via,
		.routes = (const char *const *)c->routes, .n_routes = c->n_routes,
	};
	osip_message_t *bye = c->remote_target ? sip_msg_request(&d) : NULL;
	if (!bye || sip_ua_send_request(c->ua, bye, &c->origin))
		log_warn(LOGS_SIP, "call %" PRIu64 ": cannot send BYE to %s", c->id,
			 c->remote_target ? c->remote_target : "(no Contact)");
}

/* A 2xx is the UAS core's to retransmit (RFC 3261 13.3.1.4): over UDP,
 * from T1 doubling to T2, until the ACK or 64*T1. */
static void keep_2xx(struct sip_call *c, const osip_message_t *req, osip_message_t *ok)
{
	if (c->last_2xx)
		osip_message_free(c->last_2xx);
	c->last_2xx = NULL;
	osip_message_clone(ok, &c->last_2xx);
	c->last_2xx_cseq = (unsigned)strtoul(req->cseq->number, NULL, 10);
	int64_t now = g_get_monotonic_time();
	c->rtx_interval = T1_US;
	c->rtx_at = c->origin.proto == SIP_PROTO_UDP ? now + T1_US : 0;
	c->ack_deadline = now + ACK_WAIT_US;
}

static void send_200(struct sip_call *c, osip_transaction_t *tr, const osip_message_t *req,
		     const char *sdp)
{
	osip_message_t *r = sip_msg_response(req, 200, "OK", c->local_tag);
	if (!r)
		return;
	add_contact(c, r);
	osip_message_set_allow(r, SIP_ALLOW);
	if (sdp)
		sip_msg_set_body(r, "application/sdp", sdp, strlen(sdp));
	keep_2xx(c, req, r);
	sip_ua_respond(c->ua, tr, r);
}

/* ---- SDP ---- */

/* Reads an SDP body. 0, or the SIP status that refuses it (400, 415, 488)
 * with a reason. */
static int read_sdp(struct sip_ua *ua, const osip_message_t *m, struct sip_media_offer *offer,
		    char *why, size_t cap)
{
	char type[64];
	size_t len;
	const char *body = sip_msg_body(m, &len);
	sip_msg_content_type(m, type, sizeof(type));
	if (g_ascii_strcasecmp(type, "application/sdp") != 0) {
		snprintf(why, cap, "Unsupported Media Type");
		return 415;
	}
	if (sip_sdp_parse_with(offer, ua->sdp_scratch, body, len, why, cap)) {
		return 400;
	}
	return 0;
}

static bool has_body(const osip_message_t *m)
{
	size_t len;
	return sip_msg_body(m, &len) && len > 0;
}

/* The caller's offer: our answer into c->local_sdp, and the choice. */
static int answer_offer(struct sip_call *c, const osip_message_t *m, char *why, size_t cap)
{
	struct sip_media_offer *offer = malloc(sizeof(*offer));
	if (!offer)
		return 500;
	int code = read_sdp(c->ua, m, offer, why, cap);
	struct sip_media_choice choice;
	if (!code && sip_sdp_negotiate(offer, &c->ua->caps, &c->local, &choice, why, cap))
		code = 488;
	char *sdp = code ? NULL : sip_sdp_build_answer(offer, &choice, &c->local, &c->sdp_origin);
	free(offer);
	if (!code && !sdp)
		code = 500;
	if (code)
		return code;
	free(c->local_sdp);
	c->local_sdp = sdp;
	c->choice = choice;
	c->have_choice = true;
	c->awaiting_answer = false;
	return 0;
}

static int make_offer(struct sip_call *c)
{
	char *sdp = sip_sdp_build_offer(&c->ua->caps, &c->local, &c->sdp_origin);
	if (!sdp)
		return 500;
	free(c->local_sdp);
	c->local_sdp = sdp;
	c->awaiting_answer = true;
	return 0;
}

static int apply_media(struct sip_call *c, char *why, size_t cap)
{
	return c->media && c->have_choice && sip_media_apply(c->media, &c->choice, why, cap) ? -1 : 0;
}

/* The caller's answer to our offer, from an ACK. */
static int take_answer(struct sip_call *c, const osip_message_t *ack, char *why, size_t cap)
{
	if (!has_body(ack)) {
		snprintf(why, cap, "no SDP answer in the ACK");
		return -EINVAL;
	}
	struct sip_media_offer *answer = malloc(sizeof(*answer));
	if (!answer)
		return -ENOMEM;
	int rc = read_sdp(c->ua, ack, answer, why, cap) ? -EINVAL
		 : sip_sdp_negotiate_answer(answer, &c->ua->caps, &c->local, &c->choice, why, cap);
	free(answer);
	if (rc)
		return rc;
	c->have_choice = true;
	c->awaiting_answer = false;
	return apply_media(c, why, cap) ? -EINVAL : 0;
}

/* ---- a new call ---- */

struct refusal {
	int code;
	const char *reason;
};

/* Routing (sip_dialplan) and admission (room directory). */
static struct refusal route_call(struct sip_ua *ua, const osip_message_t *req, char room[SIP_DIALPLAN_ROOM_MAX])
{
	const char *user = req->req_uri->username;
	char err[128];
	if (!user || !*user)
		return (struct refusal){ 404, "No Room In Request-URI" };
	enum sip_route r = sip_dialplan_route(ua->dp, user, strlen(user), room, err, sizeof(err));
	if (r == SIP_ROUTE_MALFORMED)
		return (struct refusal){ 400, "Malformed Request-URI User" };
	if (r == SIP_ROUTE_NOT_A_ROOM)
		return (struct refusal){ 404, "Not Found" };
	if (r != SIP_ROUTE_BY_NUMBER && !ua->cfg->sip_create_rooms &&
	    !room_directory_get(ua->dir, room, NULL, NULL))
		return (struct refusal){ 404, "No Such Room" };
	return (struct refusal){ 0, NULL };
}

/* Printable characters of src into dst, without quotes; cut to valid
 * UTF-8 (it ends up in JSON). Returns the length. */
static size_t copy_name(char *dst, size_t cap, const char *src)
{
	size_t j = 0;
	for (size_t i = 0; src && src[i] && j + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch != '"' && ch != '\\' && ch >= 0x20 && ch != 0x7f)
			dst[j++] = (char)ch;
	}
	dst[j] = 0;
	const char *end;
	if (!g_utf8_validate(dst, (gssize)j, &end))
		j = (size_t)(end - dst);
	while (j && dst[j - 1] == ' ')
		j--;
	dst[j] = 0;
	return j;
}

/* What the room shows: the display name, else the user part. */
static void set_display_name(struct sip_call *c, const osip_from_t *from)
{
	if (from && copy_name(c->display, sizeof(c->display), from->displayname))
		return;
	if (from && from->url && copy_name(c->display, sizeof(c->display), from->url->username))
		return;
	snprintf(c->display, sizeof(c->display), "caller");
}

static void save_dialog(struct sip_call *c, const osip_message_t *req)
{
	char id[512];
	c->call_id = strdup(call_id_of(req, id, sizeof(id)));
	snprintf(c->local_tag, sizeof(c->local_tag), "%08x%08x", g_random_int(), g_random_int());
	c->remote_hdr = sip_msg_from_str(req->from);
	osip_to_t *to = NULL;
	osip_to_clone(req->to, &to);
	if (to) {
		osip_to_set_tag(to, osip_strdup(c->local_tag));
		c->local_hdr = sip_msg_from_str(to);
		osip_to_free(to);
	}
	osip_contact_t *ct = osip_list_get(&req->contacts, 0);
	if (ct && ct->url)
		osip_uri_to_str(ct->url, &c->remote_target);
	for (int i = 0; i < osip_list_size(&req->record_routes) && c->n_routes < MAX_ROUTES; i++) {
		osip_record_route_t *rr = osip_list_get(&req->record_routes, i);
		char *s = NULL;
		if (osip_record_route_to_str(rr, &s) == 0)
			c->routes[c->n_routes++] = s;
	}
	const char *b = sip_via_branch(req);
	snprintf(c->branch, sizeof(c->branch), "%s", b ? b : "");
	c->invite_cseq = (unsigned)strtoul(req->cseq->number, NULL, 10);
	char *from = NULL;
	if (req->from && req->from->url && osip_uri_to_str(req->from->url, &from) == 0) {
		snprintf(c->caller, sizeof(c->caller), "%s", from);
		osip_free(from);
	}
	set_display_name(c, req->from);
}

static struct sip_call *call_new(struct sip_ua *ua, osip_transaction_t *tr, const osip_message_t *req)
{
	struct sip_call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ua = ua;
	c->id = ++ua->next_call_id;
	c->state = SIP_CALL_PROCEEDING;
	c->invite_tr = tr;
	c->created_us = g_get_monotonic_time();
	const struct sip_origin *o = osip_transaction_get_reserved1(tr);
	if (o)
		c->origin = *o;
	save_dialog(c, req);
	snprintf(c->local.address, sizeof(c->local.address), "%.*s", SIP_SDP_ADDR_MAX - 1, ua->cfg->sip_address);
	c->local.direction = SDP_SENDRECV;
	if (getrandom(c->local.srtp_key, sizeof(c->local.srtp_key), 0) != sizeof(c->local.srtp_key))
		for (size_t i = 0; i < sizeof(c->local.srtp_key); i++)
			c->local.srtp_key[i] = (uint8_t)g_random_int();
	uint64_t sid;
	getrandom(&sid, sizeof(sid), 0);
	sip_sdp_origin_init(&c->sdp_origin, sid & INT64_MAX);
	g_hash_table_insert(ua->calls, c->call_id, c);
	return c;
}

/* Refuses the call before any state exists. */
static void refuse(struct sip_ua *ua, osip_transaction_t *tr, const osip_message_t *req,
		   int code, const char *reason, const char *detail)
{
	char tag[24];
	snprintf(tag, sizeof(tag), "%08x", g_random_int());
	char *from = NULL;
	if (req->from && req->from->url)
		osip_uri_to_str(req->from->url, &from);
	log_info(LOGS_SIP, "call from %s to %s refused: %d %s%s%s", from ? from : "?",
		 req->req_uri->username ? req->req_uri->username : "?", code, reason,
		 detail ? ": " : "", detail ? detail : "");
	osip_free(from);
	sip_count(SIP_COUNT_REFUSED, 1);
	osip_message_t *r = sip_msg_response(req, code, reason, tag);
	if (!r)
		return;
	if (code == 488 && detail) {
		char warning[200];
		snprintf(warning, sizeof(warning), "399 parley \"%.150s\"", detail);
		osip_message_set_header(r, "Warning", warning);
	}
	if (code == 503)
		osip_message_set_header(r, "Retry-After", "30");
	sip_ua_respond(ua, tr, r);
}

static unsigned live_calls(struct sip_ua *ua)
{
	unsigned n = 0;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v))
		n += ((struct sip_call *)v)->state != SIP_CALL_ENDED;
	return n;
}

static void answer(struct sip_call *c)
{
	if (!c->invite_tr || sip_call_state_next(&c->state, SIP_CALL_EV_ANSWER) != SIP_CALL_DO_SEND_200)
		return;
	send_200(c, c->invite_tr, c->invite_tr->orig_request, c->local_sdp);
	c->answered_us = g_get_monotonic_time();
	sip_count(SIP_COUNT_ANSWERED, 1);
	sip_count(SIP_COUNT_ACTIVE, 1);
	char codec[96];
	log_info(LOGS_SIP, "call %" PRIu64 " started: from %s, room %s, codec %s, %s from %s:%d, rtp port %u",
		 c->id, c->caller, c->room,
		 c->awaiting_answer ? "(our offer, answer in ACK)" : codec_desc(c, codec, sizeof(codec)),
		 sip_proto_name(c->origin.proto), c->origin.ip, c->origin.port, c->local.port);
	if (hooks.on_call_started)
		hooks.on_call_started(c);
}

static void start_call(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req)
{
	sip_ua_reply(ua, tr, req, 100, "Trying", NULL);
	char id[512];
	if (g_hash_table_lookup(ua->calls, call_id_of(req, id, sizeof(id)))) {
		refuse(ua, tr, req, 482, "Loop Detected", "Call-ID in use");
		return;
	}
	if (live_calls(ua) >= (unsigned)ua->cfg->sip_max_calls) {
		refuse(ua, tr, req, 503, "Service Unavailable", "call limit");
		return;
	}
	char room[SIP_DIALPLAN_ROOM_MAX] = "";
	struct refusal no = route_call(ua, req, room);
	if (no.code) {
		refuse(ua, tr, req, no.code, no.reason, room[0] ? room : NULL);
		return;
	}
	struct sip_call *c = call_new(ua, tr, req);
	if (!c) {
		refuse(ua, tr, req, 500, "Server Internal Error", "out of memory");
		return;
	}
	snprintf(c->room, sizeof(c->room), "%s", room);
	int rc = room_directory_enter(ua->dir, room, PARTICIPANT_SIP, &c->seat);
	if (rc) {
		refuse(ua, tr, req, rc == -ENOSPC ? 486 : 404, rc == -ENOSPC ? "Room Is Full" : "No Such Room", room);
		c->invite_tr = NULL;
		end_call(c, "refused");
		return;
	}
	c->in_room = true;
	rc = sip_media_create(&c->media, ua->ctx, ua->cfg->sip_address, ua->cfg->sip_rtp_port_min,
			      ua->cfg->sip_rtp_port_max, &media_cb, c);
	if (rc) {
		refuse(ua, tr, req, 503, "Service Unavailable", "no RTP port free");
		c->invite_tr = NULL;
		end_call(c, "no media port");
		return;
	}
	c->local.port = sip_media_port(c->media);
	char why[160] = "";
	int code = has_body(req) ? answer_offer(c, req, why, sizeof(why)) : make_offer(c);
	if (!code && apply_media(c, why, sizeof(why)))
		code = 488;
	if (code) {
		refuse(ua, tr, req, code, code == 488 ? "Not Acceptable Here" : code == 415 ?
		       "Unsupported Media Type" : code == 400 ? "Bad SDP" : "Server Internal Error", why);
		c->invite_tr = NULL;
		end_call(c, "refused");
		return;
	}
	sip_call_state_next(&c->state, SIP_CALL_EV_RING);
	c->rang = true;
	if (!ua->cfg->sip_ring_ms) {
		answer(c);   /* no ringing asked for: not even a tick's wait */
		return;
	}
	reply(c, req, 180, "Ringing");
	c->answer_at = g_get_monotonic_time() + (int64_t)ua->cfg->sip_ring_ms * 1000;
}

/* ---- re-INVITE ---- */

static const char *direction_name(enum sdp_direction d)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
	return (unsigned)d < 4 ? names[d] : "?";
}

static void reinvite(struct sip_call *c, osip_transaction_t *tr, osip_message_t *req)
{
	enum sip_call_action a = sip_call_state_next(&c->state, SIP_CALL_EV_REINVITE);
	if (a != SIP_CALL_DO_ANSWER_REINVITE) {
		osip_message_t *r = sip_msg_response(req, 491, "Request Pending", NULL);
		if (r) {
			osip_message_set_header(r, "Retry-After", "1");
			sip_ua_respond(c->ua, tr, r);
		}
		return;
	}
	char why[160] = "";
	struct sip_media_choice before = c->choice;
	int code = has_body(req) ? answer_offer(c, req, why, sizeof(why)) : make_offer(c);
	if (!code && !c->awaiting_answer && apply_media(c, why, sizeof(why))) {
		c->choice = before;   /* keep the old media */
		code = 488;
	}
	if (code) {
		log_info(LOGS_SIP, "call %" PRIu64 ": re-INVITE refused: %d %s", c->id, code, why);
		sip_ua_reply(c->ua, tr, req, code, code == 488 ? "Not Acceptable Here" : "Bad Request", NULL);
		return;
	}
	log_info(LOGS_SIP, "call %" PRIu64 ": re-INVITE, media %s, to %s:%u", c->id,
		 c->awaiting_answer ? "offered" : direction_name(c->choice.direction),
		 c->choice.address, c->choice.port);
	send_200(c, tr, req, c->local_sdp);
}

void sip_call_on_invite(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req)
{
	osip_generic_param_t *tag = NULL;
	if (osip_to_get_tag(req->to, &tag) != 0 || !tag || !tag->gvalue) {
		start_call(ua, tr, req);
		return;
	}
	struct sip_call *c = find_call(ua, req);
	if (!c || strcmp(tag->gvalue, c->local_tag) != 0) {
		sip_ua_reply(ua, tr, req, 481, "Call/Transaction Does Not Exist", NULL);
		return;
	}
	reinvite(c, tr, req);
}

bool sip_call_absorb_retransmission(struct sip_ua *ua, const osip_message_t *invite)
{
	osip_generic_param_t *tag = NULL;
	struct sip_call *c = find_call(ua, invite);
	if (!c || osip_to_get_tag(invite->to, &tag) == 0 || !c->last_2xx ||
	    strtoul(invite->cseq->number, NULL, 10) != c->invite_cseq)
		return false;
	sip_ua_send_raw(ua, c->last_2xx, &c->origin);
	return true;
}

/* ---- ACK, BYE, CANCEL, INFO ---- */

void sip_call_on_ack(struct sip_ua *ua, osip_message_t *ack)
{
	struct sip_call *c = find_call(ua, ack);
	if (!c || strtoul(ack->cseq->number, NULL, 10) != c->last_2xx_cseq || !c->last_2xx)
		return;
	osip_message_free(c->last_2xx);
	c->last_2xx = NULL;
	c->rtx_at = c->ack_deadline = 0;
	char why[160] = "";
	if (c->awaiting_answer && take_answer(c, ack, why, sizeof(why))) {
		log_info(LOGS_SIP, "call %" PRIu64 ": unusable answer in ACK: %s", c->id, why);
		if (c->state == SIP_CALL_ANSWERED)
			sip_call_state_next(&c->state, SIP_CALL_EV_ACK);
		sip_call_hangup(c, "bad SDP answer");
		return;
	}
	if (sip_call_state_next(&c->state, SIP_CALL_EV_ACK) == SIP_CALL_DO_START_MEDIA && c->media) {
		sip_media_start(c->media);
		log_debug(LOGS_SIP, "call %" PRIu64 " confirmed", c->id);
	}
}

static void on_bye(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req, struct sip_call *c)
{
	sip_ua_reply(ua, tr, req, 200, "OK", NULL);
	if (sip_call_state_next(&c->state, SIP_CALL_EV_BYE) == SIP_CALL_DO_END)
		end_call(c, "caller hung up");
}

static void on_cancel(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req, struct sip_call *c)
{
	const char *b = sip_via_branch(req);
	if (!b || strcmp(b, c->branch) != 0) {
		sip_ua_reply(ua, tr, req, 481, "Call/Transaction Does Not Exist", NULL);
		return;
	}
	sip_ua_reply(ua, tr, req, 200, "OK", NULL);
	if (sip_call_state_next(&c->state, SIP_CALL_EV_CANCEL) == SIP_CALL_DO_SEND_487 && c->invite_tr) {
		reply(c, c->invite_tr->orig_request, 487, "Request Terminated");
		end_call(c, "cancelled");
	}
}

static void on_info(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req, struct sip_call *c)
{
	char type[64], digit = 0;
	size_t len;
	const char *body = sip_msg_body(req, &len);
	sip_msg_content_type(req, type, sizeof(type));
	int rc = sip_dtmf_parse_info(type, body ? body : "", body ? len : 0, &digit);
	if (rc == 1)
		media_dtmf(c, digit, "INFO");
	if (rc == -EPROTONOSUPPORT)
		sip_ua_reply(ua, tr, req, 415, "Unsupported Media Type", NULL);
	else if (rc < 0)
		sip_ua_reply(ua, tr, req, 400, "Bad DTMF Body", NULL);
	else
		sip_ua_reply(ua, tr, req, 200, "OK", NULL);
}

void sip_call_on_request(struct sip_ua *ua, osip_transaction_t *tr, osip_message_t *req)
{
	struct sip_call *c = find_call(ua, req);
	if (!c) {
		sip_ua_reply(ua, tr, req, 481, "Call/Transaction Does Not Exist", NULL);
		return;
	}
	if (MSG_IS_BYE(req))
		on_bye(ua, tr, req, c);
	else if (MSG_IS_CANCEL(req))
		on_cancel(ua, tr, req, c);
	else
		on_info(ua, tr, req, c);
}

/* ---- hang-up and time ---- */

void sip_call_hangup(struct sip_call *c, const char *reason)
{
	enum sip_call_action a = sip_call_state_next(&c->state, SIP_CALL_EV_HANGUP);
	if (a == SIP_CALL_DO_SEND_BYE)
		send_bye(c);
	else if (a == SIP_CALL_DO_REJECT_480 && c->invite_tr)
		reply(c, c->invite_tr->orig_request, 480, "Temporarily Unavailable");
	if (a != SIP_CALL_DO_INVALID)
		end_call(c, reason);
}

static void call_tick(struct sip_call *c, int64_t now)
{
	if (c->state == SIP_CALL_RINGING && now >= c->answer_at) {
		answer(c);
		return;
	}
	if (c->last_2xx && c->rtx_at && now >= c->rtx_at) {
		sip_ua_send_raw(c->ua, c->last_2xx, &c->origin);
		c->rtx_interval = c->rtx_interval * 2 > T2_US ? T2_US : c->rtx_interval * 2;
		c->rtx_at = now + c->rtx_interval;
	}
	if (c->last_2xx && c->ack_deadline && now >= c->ack_deadline) {
		osip_message_free(c->last_2xx);
		c->last_2xx = NULL;
		if (sip_call_state_next(&c->state, SIP_CALL_EV_ACK_TIMEOUT) == SIP_CALL_DO_SEND_BYE) {
			send_bye(c);
			end_call(c, "no ACK");
		}
		return;
	}
	if (c->state != SIP_CALL_CONFIRMED || !c->media)
		return;
	sip_media_tick(c->media, now);
	int64_t timeout = (int64_t)c->ua->cfg->sip_media_timeout_s * G_USEC_PER_SEC;
	if (sip_media_expects_rtp(c->media) && sip_media_idle_us(c->media, now) > timeout)
		sip_call_hangup(c, "media timeout");
}

void sip_calls_tick(struct sip_ua *ua, int64_t now_us)
{
	GHashTableIter it;
	gpointer k, v;
	if (hooks.on_tick)
		hooks.on_tick(now_us);
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (((struct sip_call *)v)->state != SIP_CALL_ENDED)
			call_tick(v, now_us);
	if (hooks.on_tick_done)
		hooks.on_tick_done();
}

struct sip_call *sip_call_find(struct sip_ua *ua, uint64_t id)
{
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct sip_call *c = v;
		if (c->id == id && c->state != SIP_CALL_ENDED)
			return c;
	}
	return NULL;
}

void sip_calls_hangup_all(struct sip_ua *ua, const char *reason)
{
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (((struct sip_call *)v)->state != SIP_CALL_ENDED)
			sip_call_hangup(v, reason);
}
