/* Unit tests for sip/sip_via.c: stamping received/rport on a request's top
 * Via (RFC 3261 18.2.1, RFC 3581) and where its responses go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_msg.h"
#include "sip/sip_via.h"
#include <osipparser2/osip_parser.h>

static osip_message_t *parse(const char *via)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "INVITE sip:room@127.0.0.1 SIP/2.0\r\nVia: %s\r\nVia: SIP/2.0/UDP proxy.example:5060;branch=z9hG4bKp\r\n"
		 "From: <sip:a@b>;tag=1\r\nTo: <sip:room@127.0.0.1>\r\nCall-ID: x@y\r\nCSeq: 1 INVITE\r\n"
		 "Content-Length: 0\r\n\r\n", via);
	osip_message_t *m;
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_parse(m, buf, strlen(buf)), 0);
	return m;
}

static const char *param(osip_message_t *m, const char *name)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *p = NULL;
	osip_via_param_get_byname(via, (char *)name, &p);
	return p ? (p->gvalue ? p->gvalue : "") : NULL;
}

/* Target of a response built from the stamped request. */
static void target(osip_message_t *req, char *host, int *port)
{
	osip_message_t *r = sip_msg_response(req, 200, "OK", "t");
	assert_non_null(r);
	assert_int_equal(sip_via_response_target(r, host, port), 0);
	osip_message_free(r);
}

static void test_same_host_no_rport(void **state)
{
	osip_message_t *m = parse("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa");
	assert_int_equal(sip_via_stamp(m, "10.0.0.1", 40000), 0);
	assert_null(param(m, "received"));
	char host[SIP_VIA_HOST_MAX];
	int port;
	target(m, host, &port);
	assert_string_equal(host, "10.0.0.1");
	assert_int_equal(port, 5070);   /* RFC 3261: sent-by port without rport */
	osip_message_free(m);
}

static void test_other_host_gets_received(void **state)
{
	osip_message_t *m = parse("SIP/2.0/UDP phone.local:5060;branch=z9hG4bKa");
	assert_int_equal(sip_via_stamp(m, "192.0.2.7", 5060), 0);
	assert_string_equal(param(m, "received"), "192.0.2.7");
	assert_null(param(m, "rport"));
	char host[SIP_VIA_HOST_MAX];
	int port;
	target(m, host, &port);
	assert_string_equal(host, "192.0.2.7");
	assert_int_equal(port, 5060);
	osip_message_free(m);
}

static void test_rport_filled(void **state)
{
	osip_message_t *m = parse("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport");
	assert_int_equal(sip_via_stamp(m, "203.0.113.9", 61000), 0);
	assert_string_equal(param(m, "rport"), "61000");
	assert_string_equal(param(m, "received"), "203.0.113.9");
	char host[SIP_VIA_HOST_MAX];
	int port;
	target(m, host, &port);
	assert_string_equal(host, "203.0.113.9");
	assert_int_equal(port, 61000);
	/* Only the top Via is touched. */
	osip_via_t *second = osip_list_get(&m->vias, 1);
	osip_generic_param_t *p = NULL;
	osip_via_param_get_byname(second, "received", &p);
	assert_null(p);
	osip_message_free(m);
}

/* RFC 3581 4: received goes in even when the address is the same. */
static void test_rport_same_host(void **state)
{
	osip_message_t *m = parse("SIP/2.0/UDP 127.0.0.1:5071;rport;branch=z9hG4bKa");
	assert_int_equal(sip_via_stamp(m, "127.0.0.1", 5071), 0);
	assert_string_equal(param(m, "received"), "127.0.0.1");
	assert_string_equal(param(m, "rport"), "5071");
	osip_message_free(m);
}

static void test_default_port_and_branch(void **state)
{
	osip_message_t *m = parse("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKxyz");
	char host[SIP_VIA_HOST_MAX];
	int port;
	target(m, host, &port);
	assert_int_equal(port, 5060);
	assert_string_equal(sip_via_branch(m), "z9hG4bKxyz");
	osip_message_free(m);
}

static void test_no_via(void **state)
{
	osip_message_t *m;
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(sip_via_stamp(m, "1.2.3.4", 5), -22);
	char host[SIP_VIA_HOST_MAX];
	int port;
	assert_int_equal(sip_via_response_target(m, host, &port), -22);
	assert_null(sip_via_branch(m));
	osip_message_free(m);
}

static int setup(void **state)
{
	parser_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_host_no_rport),
		cmocka_unit_test(test_other_host_gets_received),
		cmocka_unit_test(test_rport_filled),
		cmocka_unit_test(test_rport_same_host),
		cmocka_unit_test(test_default_port_and_branch),
		cmocka_unit_test(test_no_via),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
