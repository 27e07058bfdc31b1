/* Via stamping and response targets: see sip_via.h. */
#include "sip/sip_via.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static osip_via_t *top_via(const osip_message_t *m)
{
	return m ? (osip_via_t *)osip_list_get(&m->vias, 0) : NULL;
}

/* Replaces (or adds) a Via parameter. */
static void set_param(osip_via_t *via, const char *name, const char *value)
{
	osip_generic_param_t *p = NULL;
	osip_via_param_get_byname(via, (char *)name, &p);
	if (p) {
		osip_free(p->gvalue);
		p->gvalue = osip_strdup(value);
		return;
	}
	osip_via_param_add(via, osip_strdup(name), osip_strdup(value));
}

int sip_via_stamp(osip_message_t *request, const char *src_ip, int src_port)
{
	osip_via_t *via = top_via(request);
	if (!via || !via->host)
		return -EINVAL;
	osip_generic_param_t *rport = NULL;
	osip_via_param_get_byname(via, "rport", &rport);
	/* RFC 3581 4: with rport, received is added even when it is the same. */
	if (rport || strcmp(via->host, src_ip) != 0)
		set_param(via, "received", src_ip);
	if (rport) {
		char port[8];
		snprintf(port, sizeof(port), "%d", src_port);
		set_param(via, "rport", port);
	}
	return 0;
}

int sip_via_response_target(const osip_message_t *response, char host[SIP_VIA_HOST_MAX], int *port)
{
	osip_via_t *via = top_via(response);
	if (!via || !via->host)
		return -EINVAL;
	osip_generic_param_t *received = NULL, *rport = NULL;
	osip_via_param_get_byname(via, "received", &received);
	osip_via_param_get_byname(via, "rport", &rport);
	const char *h = received && received->gvalue ? received->gvalue : via->host;
	if (strlen(h) >= SIP_VIA_HOST_MAX)
		return -EINVAL;
	strcpy(host, h);
	int p = 0;
	if (rport && rport->gvalue)
		p = atoi(rport->gvalue);
	else if (via->port)
		p = atoi(via->port);
	*port = p > 0 && p < 65536 ? p : 5060;
	return 0;
}

const char *sip_via_branch(const osip_message_t *msg)
{
	osip_via_t *via = top_via(msg);
	osip_generic_param_t *b = NULL;
	if (via)
		osip_via_param_get_byname(via, "branch", &b);
	return b ? b->gvalue : NULL;
}
