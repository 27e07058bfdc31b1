/* parley-loadgen: many real WebRTC endpoints (ICE, DTLS, SRTP on Parley's
 * own transport) against Parley or Janus's VideoRoom, one scenario per run,
 * one JSON line of results on stdout. See bench/README.md. */
#include <curl/curl.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"
#include "bench/loadgen/loop.h"
#include "bench/loadgen/peer.h"
#include "bench/loadgen/scenario.h"
#include "bench/loadgen/sig_janus.h"
#include "bench/loadgen/sig_parley.h"
#include "sfu/transport/dtls.h"
#include "sfu/transport/srtp_session.h"

static const struct {
	const char *name;
	const char *openssl;
} srtp_profiles[] = {
	{ "cm80", "SRTP_AES128_CM_SHA1_80" },
	{ "gcm128", "SRTP_AEAD_AES_128_GCM" },
	{ "gcm256", "SRTP_AEAD_AES_256_GCM" },
	/* What Chromium offers, in its order. */
	{ "any", "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: parley-loadgen [options]\n"
		"  --server parley|janus     server kind (parley)\n"
		"  --url URL                 ws://127.0.0.1:8080/ws or http://127.0.0.2:8088/janus\n"
		"  --scenario fanout|meeting|churn (fanout)\n"
		"  --subscribers N           fanout and churn (10); 0 = publish only\n"
		"  --participants K          meeting (4)\n"
		"  --duration S              measured window (20)\n"
		"  --warmup S                after everyone receives, before the window (3)\n"
		"  --bitrate BPS             video bitrate (1200000)\n"
		"  --fps N                   video frame rate (30)\n"
		"  --keyframe-interval MS    periodic keyframes (3000)\n"
		"  --keyframe-ratio R        keyframe size / delta frame size (8)\n"
		"  --pace F                  pacing rate / bitrate, 0 = burst frames (2.5)\n"
		"  --pli-keyframes on|off    a PLI or FIR brings a keyframe at once (on)\n"
		"  --srtp cm80|gcm128|gcm256|any  SRTP profiles we offer (cm80)\n"
		"  --threads N               media threads; with 2 or more, the first carries\n"
		"                            only a fan-out's publisher (3)\n"
		"  --join-rate R             joins per second while setting up (50)\n"
		"  --churn-rate R            churn: joins (and leaves) per second (2)\n"
		"  --setup-timeout S         wait for media at most this long (30)\n"
		"  --room NAME               Parley room (bench-PID)\n"
		"  --janus-room ID           Janus room (created if missing; 1234)\n"
		"  --server-pid PID          sample this process's CPU and RSS\n"
		"  --ice-address IP          local ICE address (127.0.0.1)\n"
		"  --label TEXT              copied into the result\n"
		"  --log SPEC                Parley log spec for our transport (error)\n");
}

static bool parse(int argc, char **argv, struct run_options *o, const char **ice, const char **logspec)
{
	static const struct option opts[] = {
		{ "server", 1, 0, 's' }, { "url", 1, 0, 'u' }, { "scenario", 1, 0, 'S' },
		{ "subscribers", 1, 0, 'n' }, { "participants", 1, 0, 'k' }, { "duration", 1, 0, 'd' },
		{ "warmup", 1, 0, 'w' }, { "bitrate", 1, 0, 'b' }, { "fps", 1, 0, 'f' },
		{ "keyframe-interval", 1, 0, 'K' }, { "keyframe-ratio", 1, 0, 'R' }, { "pace", 1, 0, 'p' },
		{ "srtp", 1, 0, 'P' }, { "threads", 1, 0, 't' }, { "join-rate", 1, 0, 'j' },
		{ "churn-rate", 1, 0, 'c' }, { "setup-timeout", 1, 0, 'T' }, { "room", 1, 0, 'r' },
		{ "janus-room", 1, 0, 'J' }, { "server-pid", 1, 0, 'i' }, { "ice-address", 1, 0, 'a' },
		{ "label", 1, 0, 'l' }, { "log", 1, 0, 'L' }, { "pli-keyframes", 1, 0, 'I' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!strcmp(optarg, "parley"))
				o->kind = SERVER_PARLEY;
			else if (!strcmp(optarg, "janus"))
				o->kind = SERVER_JANUS;
			else
				return false;
			break;
		case 'u': o->url = optarg; break;
		case 'S':
			if (!strcmp(optarg, "fanout"))
				o->scenario = SCENARIO_FANOUT;
			else if (!strcmp(optarg, "meeting"))
				o->scenario = SCENARIO_MEETING;
			else if (!strcmp(optarg, "churn"))
				o->scenario = SCENARIO_CHURN;
			else
				return false;
			break;
		case 'n': o->subscribers = (unsigned)atoi(optarg); break;
		case 'k': o->participants = (unsigned)atoi(optarg); break;
		case 'd': o->duration_s = atof(optarg); break;
		case 'w': o->warmup_s = atof(optarg); break;
		case 'b': o->media.video_bps = (uint32_t)atol(optarg); break;
		case 'f': o->media.fps = (unsigned)atoi(optarg); break;
		case 'K': o->media.key_interval_ms = (unsigned)atoi(optarg); break;
		case 'R': o->media.key_ratio = (unsigned)atoi(optarg); break;
		case 'p': o->media.pace_factor = atof(optarg); break;
		case 'P': o->srtp = optarg; break;
		case 't': o->threads = (unsigned)atoi(optarg); break;
		case 'j': o->join_rate = atof(optarg); break;
		case 'c': o->churn_rate = atof(optarg); break;
		case 'T': o->setup_timeout_s = atof(optarg); break;
		case 'r': o->room = optarg; break;
		case 'J': o->janus_room = strtoull(optarg, NULL, 10); break;
		case 'i': o->server_pid = atoi(optarg); break;
		case 'a': *ice = optarg; break;
		case 'l': o->label = optarg; break;
		case 'L': *logspec = optarg; break;
		case 'I': o->media.keyframe_on_request = strcmp(optarg, "off") != 0; break;
		case 'h': usage(stdout); exit(0);
		default: return false;
		}
	}
	return optind == argc && o->media.fps > 0 && o->media.video_bps > 0 && o->threads > 0 &&
	       o->media.key_interval_ms > 0 && o->media.key_ratio > 0 &&
	       (o->scenario != SCENARIO_MEETING || o->participants >= 2);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	static char room[64];
	struct run_options o = {
		.kind = SERVER_PARLEY, .scenario = SCENARIO_FANOUT, .subscribers = 10, .participants = 4,
		.duration_s = 20, .warmup_s = 3, .join_rate = 50, .churn_rate = 2, .setup_timeout_s = 30,
		.media = { .video_bps = 1200000, .fps = 30, .key_interval_ms = 3000, .key_ratio = 8,
			   .audio_bytes = 60, .pace_factor = 2.5, .max_packet = 1200,
			   .keyframe_on_request = true },
		.srtp = "cm80", .threads = 3, .janus_room = 1234, .janus_create_room = true, .label = "",
	};
	const char *ice = "127.0.0.1", *logspec = "error";
	snprintf(room, sizeof(room), "bench-%d", (int)getpid());
	o.room = room;
	if (!parse(argc, argv, &o, &ice, &logspec)) {
		usage(stderr);
		return 2;
	}
	if (!o.url)
		o.url = o.kind == SERVER_PARLEY ? "ws://127.0.0.1:8080/ws" : "http://127.0.0.2:8088/janus";
	const char *profiles = NULL;
	for (size_t i = 0; i < sizeof(srtp_profiles) / sizeof(srtp_profiles[0]); i++)
		if (!strcmp(o.srtp, srtp_profiles[i].name))
			profiles = srtp_profiles[i].openssl;
	if (!profiles || log_parse_spec(logspec)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct dtls_identity *id = NULL;
	if (srtp_session_library_init() || dtls_identity_create(&id) ||
	    dtls_identity_set_srtp_profiles(id, profiles)) {
		fprintf(stderr, "parley-loadgen: cannot set up DTLS/SRTP\n");
		return 1;
	}
	peer_setup(id, ice);
	if (lg_loops_start(o.threads))
		return 1;
	int rc = o.kind == SERVER_PARLEY ? sigp_start(o.url) : sigj_start(o.url);
	if (rc) {
		fprintf(stderr, "parley-loadgen: cannot reach %s\n", o.url);
		return 1;
	}
	json_t *res = scenario_run(&o);
	if (o.kind == SERVER_PARLEY)
		sigp_stop();
	else
		sigj_stop();
	lg_loops_stop();
	if (!res)
		return 1;
	bool failed = json_object_get(res, "error") != NULL;
	char *line = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	printf("%s\n", line);
	fflush(stdout);
	free(line);
	json_decref(res);
	/* Peers, clients and their loops are left to the exit (see peer.h). */
	return failed ? 1 : 0;
}
