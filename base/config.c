/* Configuration table and its three readers: defaults, "key = value" files
 * and --key value flags. Runs on the main thread before any other starts. */
#include "base/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef PARLEY_WEB_DIR
#define PARLEY_WEB_DIR "web"
#endif

enum key_type { KEY_STRING, KEY_INT };

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;       /* strings: buffer size */
	const char *def;
	long min, max;     /* ints */
	const char *help;
};

#define STR(field, def, help) \
	{ #field, KEY_STRING, offsetof(struct config, field), \
	  sizeof(((struct config *)0)->field), def, 0, 0, help }
#define INT(field, def, lo, hi, help) \
	{ #field, KEY_INT, offsetof(struct config, field), sizeof(int), def, lo, hi, help }

static const struct key keys[] = {
	STR(http_address, "127.0.0.1", "address of the web page, WebSocket signaling and API"),
	INT(http_port, "8080", 1, 65535, "port of the web page, WebSocket signaling and API"),
	STR(web_dir, PARLEY_WEB_DIR, "folder served at / (the conference page and parley.js)"),
	STR(ice_addresses, "", "comma-separated local addresses for ICE host candidates; empty = every non-loopback interface"),
	STR(public_ip, "", "public address announced as an extra candidate (1:1 NAT); empty = none"),
	INT(rtp_port_min, "0", 0, 65535, "lowest UDP port for media; 0 = any"),
	INT(rtp_port_max, "0", 0, 65535, "highest UDP port for media; 0 = any"),
	INT(workers, "0", 0, 64, "media worker threads; 0 = one per core"),
	STR(log, "info", "log levels: LEVEL[,SUBSYS=LEVEL...]; levels error warn info debug; subsystems main ice dtls srtp rtp room signal http sip"),
	INT(max_participants, "32", 1, 1000, "participants per room (a session receives at most 62 tracks: beyond 31 publishers, later joiners miss some)"),
	INT(max_video_bitrate_kbps, "2500", 100, 20000, "video bitrate cap sent to publishers (REMB)"),
	STR(video_codecs, "vp8,vp9,h264,av1", "video codecs offered, in preference order"),
	INT(ice_timeout_s, "30", 5, 3600, "a participant whose media has not connected this long after joining is dropped"),
	STR(data_dir, "parley-data", "folder for the database (parley.db: rooms created through the API, the token secret); created if missing"),
	STR(api_key, "", "key for the HTTP API (Authorization: Bearer KEY); empty = the PARLEY_API_KEY environment variable, else none (then the API only listens on loopback)"),
	INT(auto_create_rooms, "1", 0, 1, "1 = joining a room name nobody created makes a transient room; 0 = only rooms created through the API exist"),
	STR(token_secret, "", "HS256 secret that signs join tokens; empty = a random one made once and kept in the database"),
	STR(webhook_url, "", "http(s) URL that receives event POSTs; empty = no webhooks"),
	STR(webhook_secret, "", "HMAC-SHA256 key for the X-Parley-Signature header of webhooks (required with webhook_url)"),
	STR(sip_address, "127.0.0.1", "address of the SIP user agent (UDP, TCP, TLS) and of SIP callers' RTP"),
	INT(sip_port, "5060", 0, 65535, "SIP port for UDP and TCP; 0 = no SIP dial-in"),
	INT(sip_tls_port, "5061", 1, 65535, "SIP over TLS port, used when sip_tls_cert and sip_tls_key are set"),
	STR(sip_tls_cert, "", "PEM certificate (chain) for SIP over TLS; empty = no TLS"),
	STR(sip_tls_key, "", "PEM private key for sip_tls_cert"),
	INT(sip_rtp_port_min, "0", 0, 65535, "lowest UDP port for SIP callers' RTP (RTCP on the next port); 0 = any"),
	INT(sip_rtp_port_max, "0", 0, 65535, "highest UDP port for SIP callers' RTP; 0 = any"),
	INT(sip_max_calls, "100", 1, 10000, "concurrent SIP calls; more get 503"),
	INT(sip_media_timeout_s, "30", 5, 3600, "a SIP call that receives no RTP this long (except on hold) is hung up"),
	STR(sip_numbers, "", "dialed numbers mapped to rooms: NUMBER=ROOM,...; empty = none"),
	INT(sip_create_rooms, "0", 0, 1, "1 = a SIP call to a room nobody created makes it; 0 = 404"),
	STR(sip_codecs, "opus,g722,pcmu,pcma", "SIP audio codecs accepted and offered, in preference order"),
	STR(sip_srtp, "optional", "SDES-SRTP for SIP callers: optional (accept if offered) or off (RTP/SAVP offers get 488)"),
	INT(sip_ring_ms, "0", 0, 10000, "how long SIP callers hear ringing (180) before the call is answered (0: at once)"),
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].name) == len && strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static int set_key(struct config *cfg, const struct key *k, const char *value)
{
	char *dst = (char *)cfg + k->offset;
	if (k->type == KEY_STRING) {
		size_t n = strlen(value);
		if (n >= k->size) {
			fprintf(stderr, "parley: value of %s is too long (max %zu)\n", k->name, k->size - 1);
			return -EINVAL;
		}
		memcpy(dst, value, n + 1);
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < k->min || v > k->max) {
		fprintf(stderr, "parley: %s must be an integer in %ld..%ld, not \"%s\"\n", k->name,
			k->min, k->max, value);
		return -EINVAL;
	}
	*(int *)dst = (int)v;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static int load_file(struct config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "parley: cannot open config %s: %s\n", path, strerror(errno));
		return -EINVAL;
	}
	char line[1024];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "parley: %s:%d: line longer than %zu bytes\n", path, lineno,
				sizeof(line) - 2);
			rc = -EINVAL;
			break;
		}
		char *s = trim(line);
		if (*s == 0 || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "parley: %s:%d: expected key = value\n", path, lineno);
			rc = -EINVAL;
			break;
		}
		*eq = 0;
		char *name = trim(s), *value = trim(eq + 1);
		size_t vn = strlen(value);
		if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
			value[vn - 1] = 0;
			value++;
		}
		const struct key *k = find_key(name, strlen(name));
		if (!k) {
			fprintf(stderr, "parley: %s:%d: unknown key %s\n", path, lineno, name);
			rc = -EINVAL;
		} else {
			rc = set_key(cfg, k, value);
		}
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "parley: cannot read config %s: %s\n", path, strerror(errno));
		rc = -EINVAL;
	}
	fclose(f);
	return rc;
}

void config_print_help(FILE *out, const char *prog)
{
	fprintf(out, "usage: %s [-c FILE] [--KEY VALUE]...\n\n", prog);
	fprintf(out, "  -c, --config FILE   read \"key = value\" lines from FILE first\n");
	fprintf(out, "  -h, --help          this text\n\nkeys (flag --key-name or file key_name):\n");
	for (size_t i = 0; i < N_KEYS; i++) {
		char flag[64];
		snprintf(flag, sizeof(flag), "%s", keys[i].name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		fprintf(out, "  --%-22s %s (default \"%s\")\n", flag, keys[i].help, keys[i].def);
	}
}

/* Flags spell keys with dashes; the table and files use underscores. */
static const struct key *key_for_flag(const char *flag)
{
	char name[64];
	size_t n = strlen(flag);
	if (n >= sizeof(name))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		name[i] = flag[i] == '-' ? '_' : flag[i];
	return find_key(name, n);
}

int config_load(struct config *cfg, int argc, char **argv)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_KEYS; i++)
		if (set_key(cfg, &keys[i], keys[i].def))
			return -EINVAL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			config_print_help(stdout, argv[0]);
			return 1;
		}
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "parley: %s needs a file name\n", argv[i]);
				return -EINVAL;
			}
			if (load_file(cfg, argv[++i]))
				return -EINVAL;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			i++;
			continue;
		}
		const struct key *k = strncmp(argv[i], "--", 2) == 0 ? key_for_flag(argv[i] + 2) : NULL;
		if (!k || i + 1 >= argc) {
			fprintf(stderr, "parley: unknown or incomplete option %s (see --help)\n", argv[i]);
			return -EINVAL;
		}
		if (set_key(cfg, k, argv[++i]))
			return -EINVAL;
	}
	if ((cfg->rtp_port_min == 0) != (cfg->rtp_port_max == 0) ||
	    cfg->rtp_port_min > cfg->rtp_port_max) {
		fprintf(stderr, "parley: rtp_port_min and rtp_port_max must both be set, min <= max\n");
		return -EINVAL;
	}
	if ((cfg->sip_rtp_port_min == 0) != (cfg->sip_rtp_port_max == 0) ||
	    cfg->sip_rtp_port_min > cfg->sip_rtp_port_max) {
		fprintf(stderr, "parley: sip_rtp_port_min and sip_rtp_port_max must both be set, min <= max\n");
		return -EINVAL;
	}
	if (!cfg->sip_tls_cert[0] != !cfg->sip_tls_key[0]) {
		fprintf(stderr, "parley: sip_tls_cert and sip_tls_key go together: set both or neither\n");
		return -EINVAL;
	}
	if (cfg->sip_tls_cert[0] && cfg->sip_port && cfg->sip_tls_port == cfg->sip_port) {
		fprintf(stderr, "parley: sip_tls_port must differ from sip_port (TCP listens there)\n");
		return -EINVAL;
	}
	if (strcmp(cfg->sip_srtp, "optional") && strcmp(cfg->sip_srtp, "off")) {
		fprintf(stderr, "parley: sip_srtp must be optional or off\n");
		return -EINVAL;
	}
	return 0;
}
