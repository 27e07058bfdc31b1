/* parley-forward-bench: what one forwarded packet costs on Parley's real
 * receive -> forward -> protect -> send path, beside the cost of
 * srtp_protect alone (the floor) and of sending one datagram.
 *
 * For each SRTP profile and subscriber count N it builds a real room on a
 * real worker (see bench_room.c), injects M synthetic SRTP packets per
 * media kind into the publisher's transport, and times the worker while it
 * forwards them to N subscribers: per forwarded packet = time / (M x N).
 * Under valgrind --tool=callgrind the measured loops are the only code
 * collected, each dumped under its own label (run-callgrind.sh turns the
 * dumps into instructions per forwarded packet). Output: a table, then one
 * JSON line. docs/benchmarks.md has the commands. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "bench/forward/bench.h"
#include "sfu/sfu.h"
#include "sfu/transport/srtp_session.h"
#include "sfu/worker.h"

#define MAX_LIST 8
#define SRTP_TAG_CM80 10
#define SRTP_TAG_GCM 16
/* Datagrams a batch puts in flight on loopback before the peers read them:
 * few enough that no peer socket overflows (about 90 full-size datagrams
 * fit its default buffer) and the kernel's queued buffers stay cache-sized. */
#define BATCH_DATAGRAMS 256
#define MAX_BATCH 64
#define FLOOR_BATCH 64

struct options {
	unsigned subs[MAX_LIST], n_subs;
	enum srtp_profile_id profiles[MAX_LIST];
	unsigned n_profiles;
	bool kinds[2];
	uint64_t forwarded;      /* target forwarded packets per phase */
	uint64_t packets;        /* injected per phase; 0 = forwarded / N */
	unsigned batch;          /* injected per batch; 0 = by N (batch_for) */
	unsigned repeat;
	size_t payload[2];       /* by kind */
	uint64_t floor_packets;
	bool floors;
	bool verify;
	int timeout_ms;
};

static const char *kind_name(enum bench_kind k)
{
	return k == KIND_VIDEO ? "video" : "audio";
}

static const char *profile_key(enum srtp_profile_id p)
{
	switch (p) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: return "cm80";
	case SRTP_PROFILE_AEAD_AES_128_GCM: return "gcm128";
	case SRTP_PROFILE_AEAD_AES_256_GCM: return "gcm256";
	}
	return "?";
}

static size_t tag_len(enum srtp_profile_id p)
{
	return p == SRTP_PROFILE_AES128_CM_SHA1_80 ? SRTP_TAG_CM80 : SRTP_TAG_GCM;
}

/* ---- results ---- */

struct floor_row {
	enum srtp_profile_id profile;
	enum bench_kind kind;
	size_t bytes;            /* protected datagram */
	struct timing protect, send, nice;
	uint64_t send_delivered, nice_delivered;
};

struct fwd_row {
	enum srtp_profile_id profile;
	unsigned n;
	enum bench_kind kind;
	uint64_t injected;       /* per repeat */
	struct timing t;         /* all repeats */
	double rep_cpu[MAX_LIST];
	unsigned reps;
	struct phase_check chk;  /* summed over repeats */
	unsigned batch;
	bool ok;
	const char *error;
};

static struct floor_row floors[MAX_LIST * 2];
static unsigned n_floors;
static struct fwd_row *rows;
static unsigned n_rows;

static const struct floor_row *floor_for(enum srtp_profile_id p, enum bench_kind k)
{
	for (unsigned i = 0; i < n_floors; i++)
		if (floors[i].profile == p && floors[i].kind == k)
			return &floors[i];
	return NULL;
}

static double mean(const struct timing *t, bool cpu)
{
	return t->units ? (cpu ? t->cpu_ns : t->wall_ns) / (double)t->units : 0;
}

/* ---- options ---- */

static int parse_uint_list(const char *s, unsigned *out, unsigned *n)
{
	*n = 0;
	gchar **parts = g_strsplit(s, ",", -1);
	int rc = 0;
	for (gchar **p = parts; *p && rc == 0; p++) {
		char *end;
		unsigned long v = strtoul(*p, &end, 10);
		if (*end || v == 0 || v > 500 || *n == MAX_LIST)
			rc = -EINVAL;
		else
			out[(*n)++] = (unsigned)v;
	}
	g_strfreev(parts);
	return *n ? rc : -EINVAL;
}

static int parse_profiles(const char *s, struct options *o)
{
	o->n_profiles = 0;
	gchar **parts = g_strsplit(s, ",", -1);
	int rc = 0;
	for (gchar **p = parts; *p && rc == 0; p++) {
		if (o->n_profiles == MAX_LIST)
			rc = -EINVAL;
		else if (strcmp(*p, "cm80") == 0)
			o->profiles[o->n_profiles++] = SRTP_PROFILE_AES128_CM_SHA1_80;
		else if (strcmp(*p, "gcm128") == 0)
			o->profiles[o->n_profiles++] = SRTP_PROFILE_AEAD_AES_128_GCM;
		else if (strcmp(*p, "gcm256") == 0)
			o->profiles[o->n_profiles++] = SRTP_PROFILE_AEAD_AES_256_GCM;
		else
			rc = -EINVAL;
	}
	g_strfreev(parts);
	return o->n_profiles ? rc : -EINVAL;
}

static int parse_kinds(const char *s, struct options *o)
{
	o->kinds[KIND_VIDEO] = strstr(s, "video") != NULL;
	o->kinds[KIND_AUDIO] = strstr(s, "audio") != NULL;
	return o->kinds[0] || o->kinds[1] ? 0 : -EINVAL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: parley-forward-bench [options]\n"
		"  --subscribers LIST   subscriber counts N, e.g. 1,10,50 (default)\n"
		"  --profiles LIST      cm80, gcm128, gcm256 (default cm80,gcm128)\n"
		"  --kinds LIST         video,audio (default both)\n"
		"  --forwarded N        forwarded packets per measured phase (default 200000;\n"
		"                       20000 under valgrind); injected = N / subscribers\n"
		"  --packets M          injected packets per phase (overrides --forwarded)\n"
		"  --batch B            injected packets per timed batch (default: 256 / N,\n"
		"                       1..64, so each batch puts about 256 datagrams in flight)\n"
		"  --repeat R           measured phases per case (default 3; 1 under valgrind)\n"
		"  --video-payload B    RTP payload bytes of a video packet (default 1150)\n"
		"  --audio-payload B    RTP payload bytes of an audio packet (default 100)\n"
		"  --floor-packets N    packets per floor measurement (default 200000)\n"
		"  --no-floors          skip srtp_protect / sendto / nice_agent_send floors\n"
		"  --no-verify          subscribers count packets without decrypting them\n"
		"  --timeout-ms T       connection setup limit per room (default 20000)\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	bool vg = bench_under_valgrind();
	*o = (struct options){
		.subs = { 1, 10, 50 }, .n_subs = 3,
		.profiles = { SRTP_PROFILE_AES128_CM_SHA1_80, SRTP_PROFILE_AEAD_AES_128_GCM },
		.n_profiles = 2, .kinds = { true, true },
		.forwarded = vg ? 20000 : 200000, .batch = 0, .repeat = vg ? 1 : 3,
		.payload = { [KIND_VIDEO] = 1150, [KIND_AUDIO] = 100 },
		.floor_packets = vg ? 20000 : 200000, .floors = true, .verify = true,
		.timeout_ms = vg ? 180000 : 20000,
	};
	static const struct option longs[] = {
		{ "subscribers", required_argument, NULL, 's' }, { "profiles", required_argument, NULL, 'p' },
		{ "kinds", required_argument, NULL, 'k' }, { "forwarded", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'm' }, { "batch", required_argument, NULL, 'b' },
		{ "repeat", required_argument, NULL, 'r' }, { "video-payload", required_argument, NULL, 'V' },
		{ "audio-payload", required_argument, NULL, 'A' },
		{ "floor-packets", required_argument, NULL, 'F' }, { "no-floors", no_argument, NULL, 'n' },
		{ "no-verify", no_argument, NULL, 'x' }, { "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 's': rc = parse_uint_list(optarg, o->subs, &o->n_subs); break;
		case 'p': rc = parse_profiles(optarg, o); break;
		case 'k': rc = parse_kinds(optarg, o); break;
		case 'f': o->forwarded = strtoull(optarg, NULL, 10); break;
		case 'm': o->packets = strtoull(optarg, NULL, 10); break;
		case 'b': o->batch = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': o->repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'V': o->payload[KIND_VIDEO] = strtoul(optarg, NULL, 10); break;
		case 'A': o->payload[KIND_AUDIO] = strtoul(optarg, NULL, 10); break;
		case 'F': o->floor_packets = strtoull(optarg, NULL, 10); break;
		case 'n': o->floors = false; break;
		case 'x': o->verify = false; break;
		case 't': o->timeout_ms = atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: rc = -EINVAL; break;
		}
		if (rc) {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (o->batch > MAX_BATCH || o->repeat == 0 || o->repeat > MAX_LIST ||
	    o->payload[0] < 16 || o->payload[0] > 1400 || o->payload[1] < 16 || o->payload[1] > 1400) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- measuring ---- */

static unsigned batch_for(const struct options *o, unsigned n)
{
	if (o->batch)
		return o->batch;
	unsigned b = BATCH_DATAGRAMS / n;
	return b < 1 ? 1 : b > MAX_BATCH ? MAX_BATCH : b;
}

static void measure_floors(struct worker *w, const struct options *o)
{
	struct floor_pair *fp = NULL;
	if (floor_pair_create(&fp, w, o->timeout_ms))
		fprintf(stderr, "bench: floor pair did not connect; send floors skipped\n");
	char label[160];
	for (unsigned pi = 0; pi < o->n_profiles; pi++) {
		for (int k = 0; k < 2; k++) {
			if (!o->kinds[k])
				continue;
			struct floor_row *f = &floors[n_floors++];
			enum srtp_profile_id prof = o->profiles[pi];
			uint8_t tmp[2048];
			f->profile = prof;
			f->kind = (enum bench_kind)k;
			f->bytes = forwarded_template(f->kind, o->payload[k], tmp, sizeof(tmp)) + tag_len(prof);
			timing_init(&f->protect);
			timing_init(&f->send);
			timing_init(&f->nice);
			bench_instrument(true);
			floor_protect(w, prof, f->kind, o->payload[k], o->floor_packets, FLOOR_BATCH,
				      &f->protect);
			bench_instrument(false);
			snprintf(label, sizeof(label), "floor=protect profile=%s kind=%s bytes=%zu units=%llu",
				 profile_key(prof), kind_name(f->kind), f->bytes,
				 (unsigned long long)f->protect.units);
			bench_dump(label);
			if (!fp)
				continue;
			bench_instrument(true);
			floor_sendto(fp, f->bytes, o->floor_packets, FLOOR_BATCH, &f->send, &f->send_delivered);
			bench_instrument(false);
			snprintf(label, sizeof(label), "floor=sendto profile=%s kind=%s bytes=%zu units=%llu",
				 profile_key(prof), kind_name(f->kind), f->bytes,
				 (unsigned long long)f->send.units);
			bench_dump(label);
			bench_instrument(true);
			floor_nice_send(fp, f->bytes, o->floor_packets, FLOOR_BATCH, &f->nice, &f->nice_delivered);
			bench_instrument(false);
			snprintf(label, sizeof(label), "floor=nice_send profile=%s kind=%s bytes=%zu units=%llu",
				 profile_key(prof), kind_name(f->kind), f->bytes,
				 (unsigned long long)f->nice.units);
			bench_dump(label);
			if (f->send_delivered != f->send.units || f->nice_delivered != f->nice.units)
				fprintf(stderr, "bench: floor %s %s: the receiving agent got %llu of %llu "
					"(sendto) and %llu of %llu (nice_agent_send)\n", profile_key(prof),
					kind_name(f->kind), (unsigned long long)f->send_delivered,
					(unsigned long long)f->send.units, (unsigned long long)f->nice_delivered,
					(unsigned long long)f->nice.units);
		}
	}
	floor_pair_destroy(fp);
}

static void add_check(struct phase_check *sum, const struct phase_check *c)
{
	sum->injected += c->injected;
	sum->expected += c->expected;
	sum->delivered += c->delivered;
	sum->bad += c->bad;
	sum->server_dropped += c->server_dropped;
	if (!sum->min_per_sub || c->min_per_sub < sum->min_per_sub)
		sum->min_per_sub = c->min_per_sub;
	sum->in_len = c->in_len;
	sum->out_len = c->out_len;
}

static bool check_ok(const struct phase_check *c)
{
	return c->delivered == c->expected && c->bad == 0 && c->server_dropped == 0;
}

static void measure_room(struct worker *w, const struct options *o, enum srtp_profile_id prof,
			 unsigned n)
{
	struct room_params rp = {
		.profile = prof, .n_subs = n, .video_payload = o->payload[KIND_VIDEO],
		.audio_payload = o->payload[KIND_AUDIO], .verify = o->verify, .timeout_ms = o->timeout_ms,
	};
	struct bench_room *br = NULL;
	char err[256];
	uint64_t m = o->packets ? o->packets : (o->forwarded + n - 1) / n;
	unsigned batch = batch_for(o, n);
	if (m < batch)
		m = batch;
	int rc = bench_room_open(&br, w, &rp, err, sizeof(err));
	for (int k = 0; k < 2; k++) {
		if (!o->kinds[k])
			continue;
		struct fwd_row *r = &rows[n_rows++];
		memset(r, 0, sizeof(*r));
		r->profile = prof;
		r->n = n;
		r->kind = (enum bench_kind)k;
		r->injected = m;
		timing_init(&r->t);
		if (rc) {
			r->error = g_strdup(err);
			fprintf(stderr, "bench: %s\n", err);
			continue;
		}
		/* Warm-up: a keyframe opens every video consumer, libsrtp makes each
		 * SSRC's stream, caches fill. Checked like the measured phases. */
		struct phase_check chk;
		r->batch = batch;
		bench_room_inject(br, r->kind, (uint64_t)batch * 4, batch, true, NULL, &chk);
		if (!check_ok(&chk)) {
			fprintf(stderr, "bench: %s N=%u %s warm-up: %llu of %llu delivered (min %llu per "
				"subscriber), %llu bad, %llu dropped by the server\n", profile_key(prof), n,
				kind_name(r->kind), (unsigned long long)chk.delivered,
				(unsigned long long)chk.expected, (unsigned long long)chk.min_per_sub,
				(unsigned long long)chk.bad, (unsigned long long)chk.server_dropped);
		}
		r->ok = true;
		for (unsigned rep = 0; rep < o->repeat; rep++) {
			struct timing one;
			timing_init(&one);
			bool collect = rep == 0;
			if (collect)
				bench_instrument(true);
			bench_room_inject(br, r->kind, m, batch, false, &one, &chk);
			if (collect) {
				bench_instrument(false);
				char label[160];
				snprintf(label, sizeof(label), "fwd profile=%s subs=%u kind=%s bytes_in=%zu "
					 "bytes_out=%zu units=%llu", profile_key(prof), n, kind_name(r->kind),
					 chk.in_len, chk.out_len, (unsigned long long)one.units);
				bench_dump(label);
			}
			r->rep_cpu[r->reps++] = mean(&one, true);
			r->t.wall_ns += one.wall_ns;
			r->t.cpu_ns += one.cpu_ns;
			r->t.units += one.units;
			g_array_append_vals(r->t.per_batch, one.per_batch->data, one.per_batch->len);
			timing_clear(&one);
			add_check(&r->chk, &chk);
			if (!check_ok(&chk))
				r->ok = false;
		}
		fprintf(stderr, "bench: %s N=%u %s: %.0f ns CPU per forwarded packet%s\n",
			profile_key(prof), n, kind_name(r->kind), mean(&r->t, true),
			r->ok ? "" : "  CHECK FAILED");
	}
	bench_room_close(br);
}

/* ---- report ---- */

static void load_average(double out[3])
{
	out[0] = out[1] = out[2] = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &out[0], &out[1], &out[2]) != 3)
			out[0] = -1;
		fclose(f);
	}
}

static void print_table(const struct options *o, const double load0[3], const double load1[3])
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("\nparley-forward-bench: %ld CPUs, load average %.2f %.2f %.2f at start, %.2f %.2f %.2f "
	       "at end%s\n", cpus, load0[0], load0[1], load0[2], load1[0], load1[1], load1[2],
	       bench_under_valgrind() ? " (under valgrind: times are not meaningful)" : "");
	printf("ns per packet, measured on the worker thread. cpu = its CPU time over all timed "
	       "batches / packets (the figure\nto read on a busy machine); wall = median and best "
	       "batch (a batch: 'batch' injected packets; floors %u).\n", FLOOR_BATCH);
	if (n_floors) {
		printf("\nFloors (one packet of the size a subscriber receives)\n");
		printf("%-7s %-6s %6s | %21s | %21s | %21s\n", "profile", "kind", "bytes",
		       "srtp_protect cpu/wall", "sendto cpu/wall", "nice_agent_send c/w");
		for (unsigned i = 0; i < n_floors; i++) {
			const struct floor_row *f = &floors[i];
			printf("%-7s %-6s %6zu | %10.0f %10.0f | %10.0f %10.0f | %10.0f %10.0f\n",
			       profile_key(f->profile), kind_name(f->kind), f->bytes, mean(&f->protect, true),
			       timing_median(&f->protect), mean(&f->send, true), timing_median(&f->send),
			       mean(&f->nice, true), timing_median(&f->nice));
		}
	}
	printf("\nForwarding, per forwarded packet (= injected x N; the receive side is shared by the "
	       "N).\nx protect: cpu / srtp_protect floor cpu; x p+s: cpu / (srtp_protect + sendto) "
	       "floors cpu.\n");
	printf("%-7s %3s %-6s %9s %5s %9s | %7s %7s %7s | %8s %6s | %9s %6s | %s\n", "profile", "N",
	       "kind", "bytes", "batch", "forwarded", "cpu", "wall", "best", "protect", "x",
	       "prot+send", "x", "check");
	for (unsigned i = 0; i < n_rows; i++) {
		const struct fwd_row *r = &rows[i];
		if (r->error) {
			printf("%-7s %3u %-6s  error: %s\n", profile_key(r->profile), r->n, kind_name(r->kind),
			       r->error);
			continue;
		}
		const struct floor_row *f = floor_for(r->profile, r->kind);
		double cpu = mean(&r->t, true);
		double prot = f ? mean(&f->protect, true) : 0;
		double ps = f ? prot + mean(&f->send, true) : 0;
		char bytes[24];
		snprintf(bytes, sizeof(bytes), "%zu/%zu", r->chk.in_len, r->chk.out_len);
		printf("%-7s %3u %-6s %9s %5u %9llu | %7.0f %7.0f %7.0f | %8.0f %6.2f | %9.0f %6.2f | %s\n",
		       profile_key(r->profile), r->n, kind_name(r->kind), bytes, r->batch,
		       (unsigned long long)r->t.units, cpu, timing_median(&r->t), timing_min(&r->t), prot,
		       prot ? cpu / prot : 0, ps, ps ? cpu / ps : 0, r->ok ? "ok" : "FAILED");
	}
	for (unsigned i = 0; i < n_rows; i++) {
		const struct fwd_row *r = &rows[i];
		if (!r->error && !r->ok)
			printf("CHECK FAILED %s N=%u %s: delivered %llu of %llu (min %llu per subscriber), %llu "
			       "did not decrypt, %llu dropped by the server\n", profile_key(r->profile), r->n,
			       kind_name(r->kind), (unsigned long long)r->chk.delivered,
			       (unsigned long long)r->chk.expected, (unsigned long long)r->chk.min_per_sub,
			       (unsigned long long)r->chk.bad, (unsigned long long)r->chk.server_dropped);
	}
}

static void print_json(const struct options *o, const double load0[3], const double load1[3])
{
	json_t *fl = json_array(), *rs = json_array();
	for (unsigned i = 0; i < n_floors; i++) {
		const struct floor_row *f = &floors[i];
		json_array_append_new(fl, json_pack(
			"{s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "profile", profile_key(f->profile),
			"kind", kind_name(f->kind), "bytes", (int)f->bytes,
			"protect_cpu_ns", mean(&f->protect, true), "protect_wall_ns", timing_median(&f->protect),
			"sendto_cpu_ns", mean(&f->send, true), "sendto_wall_ns", timing_median(&f->send),
			"nice_send_cpu_ns", mean(&f->nice, true), "nice_send_wall_ns", timing_median(&f->nice)));
	}
	for (unsigned i = 0; i < n_rows; i++) {
		const struct fwd_row *r = &rows[i];
		const struct floor_row *f = floor_for(r->profile, r->kind);
		double cpu = mean(&r->t, true);
		double prot = f ? mean(&f->protect, true) : 0;
		json_t *reps = json_array();
		for (unsigned j = 0; j < r->reps; j++)
			json_array_append_new(reps, json_real(r->rep_cpu[j]));
		json_array_append_new(rs, json_pack(
			"{s:s, s:i, s:s, s:i, s:i, s:i, s:I, s:I, s:f, s:f, s:f, s:o, s:f, s:b, s:I, s:I, s:s?}",
			"profile", profile_key(r->profile), "subscribers", (int)r->n, "kind", kind_name(r->kind),
			"batch", (int)r->batch,
			"bytes_in", (int)r->chk.in_len, "bytes_out", (int)r->chk.out_len,
			"injected", (json_int_t)(r->injected * r->reps), "forwarded", (json_int_t)r->t.units,
			"cpu_ns", cpu, "wall_ns_median", timing_median(&r->t), "wall_ns_best", timing_min(&r->t),
			"cpu_ns_per_repeat", reps, "x_protect_floor_cpu", prot ? cpu / prot : 0, "ok", r->ok,
			"delivered", (json_int_t)r->chk.delivered, "expected", (json_int_t)r->chk.expected,
			"error", r->error));
	}
	json_t *cfg = json_pack("{s:i, s:i, s:i, s:i, s:b}", "batch", (int)o->batch, "repeat",
				(int)o->repeat, "video_payload", (int)o->payload[KIND_VIDEO],
				"audio_payload", (int)o->payload[KIND_AUDIO], "verify", o->verify);
	json_t *top = json_pack("{s:s, s:i, s:[f,f,f], s:[f,f,f], s:b, s:o, s:o, s:o}", "bench",
				"parley-forward", "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "load_start",
				load0[0], load0[1], load0[2], "load_end", load1[0], load1[1], load1[2],
				"valgrind", bench_under_valgrind(), "config", cfg, "floors", fl, "results", rs);
	char *s = json_dumps(top, JSON_COMPACT);
	printf("%s\n", s);
	free(s);
	json_decref(top);
}

int main(int argc, char **argv)
{
	struct options o;
	if (parse_options(argc, argv, &o))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	const char *spec = getenv("PARLEY_LOG");
	log_parse_spec(spec ? spec : "warn");
	static struct config cfg;
	char *none[] = { argv[0], NULL };
	if (config_load(&cfg, 1, none))
		return 2;
	cfg.workers = 1;
	g_strlcpy(cfg.ice_addresses, "127.0.0.1", sizeof(cfg.ice_addresses));
	g_strlcpy(cfg.video_codecs, "vp8", sizeof(cfg.video_codecs));
	cfg.ice_timeout_s = 600;
	if (sfu_start(&cfg, bench_sink, NULL)) {
		fprintf(stderr, "bench: sfu_start failed\n");
		return 1;
	}
	struct worker *w = worker_get(0);
	double load0[3], load1[3];
	load_average(load0);
	if (o.floors)
		measure_floors(w, &o);
	rows = calloc((size_t)o.n_profiles * o.n_subs * 2, sizeof(*rows));
	for (unsigned pi = 0; pi < o.n_profiles; pi++)
		for (unsigned ni = 0; ni < o.n_subs; ni++)
			measure_room(w, &o, o.profiles[pi], o.subs[ni]);
	load_average(load1);
	print_table(&o, load0, load1);
	print_json(&o, load0, load1);
	sfu_stop();
	int rc = 0;
	for (unsigned i = 0; i < n_rows; i++)
		if (rows[i].error || !rows[i].ok)
			rc = 1;
	return rc;
}
