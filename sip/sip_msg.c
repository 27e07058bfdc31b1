/* SIP message builders on libosip2: see sip_msg.h. */
#include "sip/sip_msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "base/log.h"

static void copy_headers(const osip_message_t *req, osip_message_t *r, int code)
{
	osip_list_clone(&req->vias, &r->vias, (int (*)(void *, void **))osip_via_clone);
	if (req->from)
		osip_from_clone(req->from, &r->from);
	if (req->to)
		osip_to_clone(req->to, &r->to);
	if (req->call_id)
		osip_call_id_clone(req->call_id, &r->call_id);
	if (req->cseq)
		osip_cseq_clone(req->cseq, &r->cseq);
	if (code > 100 && code < 300)
		osip_list_clone(&req->record_routes, &r->record_routes,
				(int (*)(void *, void **))osip_record_route_clone);
}

osip_message_t *sip_msg_response(const osip_message_t *req, int code, const char *reason,
				 const char *to_tag)
{
	osip_message_t *r;
	if (osip_message_init(&r))
		return NULL;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r, osip_strdup(reason));
	copy_headers(req, r, code);
	osip_generic_param_t *tag = NULL;
	if (r->to && to_tag && osip_to_get_tag(r->to, &tag) != 0)
		osip_to_set_tag(r->to, osip_strdup(to_tag));
	osip_message_set_header(r, "Server", "Parley");
	return r;
}

int sip_msg_set_body(osip_message_t *m, const char *type, const char *body, size_t len)
{
	if (osip_message_set_body(m, body, len) || osip_message_set_content_type(m, type))
		return -ENOMEM;
	return 0;
}

osip_message_t *sip_msg_request(const struct sip_msg_dialog *d)
{
	osip_message_t *m;
	osip_uri_t *uri;
	if (osip_message_init(&m))
		return NULL;
	if (osip_uri_init(&uri) || osip_uri_parse(uri, d->target)) {
		osip_uri_free(uri);
		osip_message_free(m);
		return NULL;
	}
	char cseq[64];
	snprintf(cseq, sizeof(cseq), "%u %s", d->cseq, d->method);
	osip_message_set_method(m, osip_strdup(d->method));
	osip_message_set_uri(m, uri);
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	int bad = osip_message_set_via(m, d->via) || osip_message_set_from(m, d->from) ||
		  osip_message_set_to(m, d->to) || osip_message_set_call_id(m, d->call_id) ||
		  osip_message_set_cseq(m, cseq) ||
		  osip_message_set_header(m, "Max-Forwards", "70");
	for (size_t i = 0; !bad && i < d->n_routes; i++)
		bad = osip_message_set_route(m, d->routes[i]);
	if (!bad && d->contact)
		bad = osip_message_set_contact(m, d->contact);
	osip_message_set_header(m, "User-Agent", "Parley");
	if (bad) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}

const char *sip_msg_body(const osip_message_t *m, size_t *len)
{
	osip_body_t *b = NULL;
	if (osip_message_get_body(m, 0, &b) < 0 || !b || !b->body) {
		*len = 0;
		return NULL;
	}
	*len = b->length;
	return b->body;
}

void sip_msg_content_type(const osip_message_t *m, char *buf, size_t cap)
{
	buf[0] = 0;
	const osip_content_type_t *ct = m->content_type;
	if (ct && ct->type && ct->subtype)
		snprintf(buf, cap, "%s/%s", ct->type, ct->subtype);
}

char *sip_msg_from_str(const osip_from_t *f)
{
	char *s = NULL;
	if (!f || osip_from_to_str(f, &s))
		return NULL;
	return s;
}

__attribute__((format(printf, 4, 0)))
static void osip_trace_to_log(const char *file, int line, osip_trace_level_t level, const char *fmt,
			      va_list ap)
{
	if (log_levels[LOGS_SIP] < LOG_DEBUG)
		return;
	char text[256];
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\r\n")] = 0;
	log_debug(LOGS_SIP, "libosip2 (level %d, %s:%d): %s", (int)level, file, line, text);
}

void sip_msg_log_osip_traces(void)
{
	/* Levels below TRACE_LEVEL4: FATAL, BUG, ERROR, WARNING. */
	osip_trace_initialize_func(TRACE_LEVEL4, osip_trace_to_log);
}
