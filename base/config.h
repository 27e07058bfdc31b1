/* Server configuration: one table of keys (name, default, help) that drives
 * the config file parser, the command-line flags, --help and
 * docs/configuration.md. Filled once on the main thread at start, read-only
 * afterwards, so every thread reads it without locks. */
#ifndef PARLEY_CONFIG_H
#define PARLEY_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
	char http_address[64];
	int http_port;
	char web_dir[512];
	char ice_addresses[512];   /* comma list; "" = every non-loopback interface */
	char public_ip[64];        /* announced for 1:1 NAT; "" = none */
	int rtp_port_min;
	int rtp_port_max;
	int workers;               /* 0 = one per core */
	char log[256];
	int max_participants;
	int max_video_bitrate_kbps;
	char video_codecs[128];    /* preference order */
	int ice_timeout_s;
	char data_dir[512];        /* holds parley.db */
	char api_key[256];         /* "" = PARLEY_API_KEY, else no key (loopback only) */
	int auto_create_rooms;     /* 0/1 */
	char token_secret[256];    /* "" = generated once and kept in the database */
	char webhook_url[512];     /* "" = no webhooks */
	char webhook_secret[256];
	/* SIP dial-in (sip/) */
	char sip_address[64];
	int sip_port;              /* 0 = no SIP */
	int sip_tls_port;
	char sip_tls_cert[512];    /* "" = no TLS */
	char sip_tls_key[512];
	int sip_rtp_port_min;      /* 0 = any */
	int sip_rtp_port_max;
	int sip_max_calls;
	int sip_media_timeout_s;
	char sip_numbers[1024];    /* "NUMBER=ROOM,..." */
	int sip_create_rooms;      /* 0/1 */
	char sip_codecs[128];      /* preference order */
	char sip_srtp[16];         /* "optional" or "off" */
	int sip_ring_ms;           /* 180 Ringing lasts this long before the 200 */
};

/* Defaults, then the file named by -c/--config (if any), then flags.
 * Returns 0, 1 when --help was printed, or -EINVAL after printing why. */
int config_load(struct config *cfg, int argc, char **argv);
void config_print_help(FILE *out, const char *prog);

#endif
