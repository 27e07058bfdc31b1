/* Aggregation of one window into the result object (see report.h). Runs on
 * the main thread after the window's closing barrier, so every counter it
 * reads is a snapshot no loop writes any more. */
#include "bench/loadgen/report.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/loadgen/loop.h"
#include "bench/loadgen/peer.h"
#include "bench/loadgen/stats.h"

bool proc_sample(int pid, struct proc_sample *out)
{
	char path[64], buf[4096];
	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return false;
	/* Fields after the command: state is field 3; utime 14, stime 15, num_threads 20. */
	unsigned long long utime = 0, stime = 0;
	long threads = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %ld",
		   &utime, &stime, &threads) != 3)
		return false;
	out->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	out->threads = threads;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "VmRSS: %ld kB", &out->rss_kb) == 1)
			break;
	fclose(f);
	out->ok = true;
	return true;
}

static GHashTable *socket_inodes(int pid)
{
	GHashTable *set = g_hash_table_new(g_direct_hash, g_direct_equal);
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = pid ? opendir(path) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char fd[320];
		unsigned long inode;
		snprintf(fd, sizeof(fd), "%s/%s", path, e->d_name);
		ssize_t n = readlink(fd, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1)
			g_hash_table_add(set, GSIZE_TO_POINTER(inode));
	}
	if (d)
		closedir(d);
	return set;
}

void udp_drops_sample(int server_pid, struct udp_drops *out)
{
	memset(out, 0, sizeof(*out));
	GHashTable *server = socket_inodes(server_pid);
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long inode;
		unsigned long long drops;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops */
		if (sscanf(line, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %llu", &inode, &drops) != 2)
			continue;
		if (g_hash_table_contains(server, GSIZE_TO_POINTER(inode)))
			out->server += drops;
		else
			out->others += drops;
	}
	if (f)
		fclose(f);
	g_hash_table_destroy(server);
}

double host_busy_s(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		       &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 5)
		return 0;
	/* user nice system idle iowait irq softirq steal: busy is all but idle and iowait. */
	unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

static double ms(int64_t from_us, int64_t to_us)
{
	return (double)(to_us - from_us) / 1000.0;
}

static json_t *quantiles_ms(double *v, size_t n)
{
	if (!n)
		return json_pack("{s:i}", "count", 0);
	double max = sample_quantile(v, n, 1.0);
	return json_pack("{s:I, s:f, s:f, s:f, s:f}", "count", (json_int_t)n, "p50",
			 sample_quantile(v, n, 0.5), "p90", sample_quantile(v, n, 0.9), "p99",
			 sample_quantile(v, n, 0.99), "max", max);
}

static json_t *join_latencies(GPtrArray *joined)
{
	size_t n = joined->len, k_conn = 0, k_video = 0, k_key = 0, k_audio = 0;
	double *conn = calloc(n + 1, sizeof(double)), *video = calloc(n + 1, sizeof(double));
	double *key = calloc(n + 1, sizeof(double)), *audio = calloc(n + 1, sizeof(double));
	for (guint i = 0; i < n; i++) {
		struct client *c = joined->pdata[i];
		struct peer_status st;
		peer_status(client_rx_peer(c), &st);
		int64_t j = client_join_us(c);
		if (st.connected_us)
			conn[k_conn++] = ms(j, st.connected_us);
		if (st.first_audio_us)
			audio[k_audio++] = ms(j, st.first_audio_us);
		if (st.first_video_us)
			video[k_video++] = ms(j, st.first_video_us);
		if (st.first_key_us)
			key[k_key++] = ms(j, st.first_key_us);
	}
	json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:I}", "joins", (json_int_t)n, "connected",
			      quantiles_ms(conn, k_conn), "first_audio", quantiles_ms(audio, k_audio),
			      "first_video", quantiles_ms(video, k_video), "first_keyframe",
			      quantiles_ms(key, k_key), "no_keyframe", (json_int_t)(n - k_key));
	free(conn);
	free(video);
	free(key);
	free(audio);
	return o;
}

static json_t *per_subscriber(GPtrArray *measured)
{
	uint64_t min = UINT64_MAX, max = 0, sum = 0, lost = 0, lost_max = 0, gaps = 0, dups = 0;
	uint64_t reordered = 0, no_trailer = 0, with_loss = 0;
	size_t n = 0;
	for (guint i = 0; i < measured->len; i++) {
		struct rx_totals t;
		struct peer_status st;
		peer_status(client_rx_peer(measured->pdata[i]), &st);
		if (!st.connected_us)
			continue; /* never connected: counted in "errors" */
		n++;
		receiver_window_totals(peer_receiver(client_rx_peer(measured->pdata[i])), -1, &t);
		uint64_t l = t.idx_expected > t.idx_packets ? t.idx_expected - t.idx_packets : 0;
		uint64_t g = t.seq_expected > t.packets ? t.seq_expected - t.packets : 0;
		min = t.packets < min ? t.packets : min;
		max = t.packets > max ? t.packets : max;
		sum += t.packets;
		lost += l;
		lost_max = l > lost_max ? l : lost_max;
		with_loss += l > 0;
		gaps += g;
		dups += t.dups;
		reordered += t.reordered;
		no_trailer += t.no_trailer;
	}
	return json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)n,
			 "packets_min", (json_int_t)(n ? min : 0), "packets_mean", n ? (double)sum / n : 0.0,
			 "packets_max", (json_int_t)max, "lost_total", (json_int_t)lost, "lost_max",
			 (json_int_t)lost_max, "with_loss", (json_int_t)with_loss, "seq_gaps_total",
			 (json_int_t)gaps, "duplicates_total", (json_int_t)dups, "reordered_total",
			 (json_int_t)reordered, "without_trailer", (json_int_t)no_trailer);
}

static json_t *delay(void)
{
	struct hist *h = calloc(1, sizeof(*h));
	for (unsigned i = 0; i < lg_loop_count(); i++)
		hist_merge(h, &lg_loop_get(i)->delay);
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "samples", (json_int_t)h->n, "p50",
			      (json_int_t)hist_quantile(h, 0.5), "p90", (json_int_t)hist_quantile(h, 0.9),
			      "p99", (json_int_t)hist_quantile(h, 0.99), "p999",
			      (json_int_t)hist_quantile(h, 0.999), "max", (json_int_t)h->max);
	free(h);
	return o;
}

static json_t *errors(GPtrArray *clients, unsigned *count)
{
	json_t *samples = json_array();
	*count = 0;
	for (guint i = 0; i < clients->len; i++) {
		struct client *c = clients->pdata[i];
		const char *e = client_error(c);
		struct peer *tx = client_tx_peer(c), *rx = client_rx_peer(c);
		if (!e[0] && tx)
			e = peer_error(tx);
		if (!e[0] && rx)
			e = peer_error(rx);
		if (!e[0])
			continue;
		(*count)++;
		bool seen = false;
		for (size_t k = 0; k < json_array_size(samples); k++)
			seen |= !strcmp(json_string_value(json_array_get(samples, k)), e);
		if (!seen && json_array_size(samples) < 5)
			json_array_append_new(samples, json_string(e));
	}
	return samples;
}

json_t *report_build(const struct run_options *o, GPtrArray *clients, GPtrArray *measured,
		     GPtrArray *joined, const struct window *w)
{
	uint64_t fwd_packets = 0, fwd_bytes = 0, video_packets = 0;
	unsigned connected = 0, receivers = 0, present = 0;
	const char *profile = "none";
	struct sender_counters pub = { 0 };
	for (guint i = 0; i < clients->len; i++) {
		struct client *c = clients->pdata[i];
		struct peer *rx = client_rx_peer(c), *tx = client_tx_peer(c);
		if (rx) {
			struct rx_totals t, v;
			receiver_window_totals(peer_receiver(rx), -1, &t);
			receiver_window_totals(peer_receiver(rx), 1, &v);
			fwd_packets += t.packets;
			fwd_bytes += t.bytes;
			video_packets += v.packets;
			receivers++;
			struct peer_status st;
			peer_status(rx, &st);
			connected += st.connected_us != 0;
			present += st.connected_us && !st.closed;
			if (st.connected_us)
				profile = peer_srtp_profile(rx);
		}
		if (tx) {
			struct sender_counters a, b;
			peer_sender_window(tx, &a, &b);
			pub.packets += b.packets - a.packets;
			pub.bytes += b.bytes - a.bytes;
			pub.keyframes += b.keyframes - a.keyframes;
			pub.keyframe_requests += b.keyframe_requests - a.keyframe_requests;
			pub.nacks += b.nacks - a.nacks;
			pub.send_errors += b.send_errors - a.send_errors;
			pub.remb_bps = b.remb_bps;
		}
	}
	unsigned n_errors;
	json_t *error_samples = errors(clients, &n_errors);
	double mbit = (double)fwd_bytes * 8 / 1e6;
	json_t *r = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:f, s:I, s:f}",
			      "label", o->label, "server", o->kind == SERVER_PARLEY ? "parley" : "janus",
			      "scenario", scenario_name(o->scenario), "n",
			      (json_int_t)(o->scenario == SCENARIO_MEETING ? o->participants : o->subscribers),
			      "srtp_asked", o->srtp, "srtp", profile, "video_kbps",
			      (json_int_t)(o->media.video_bps / 1000), "fps", (json_int_t)o->media.fps,
			      "threads", (json_int_t)o->threads, "window_s", w->seconds, "receivers",
			      (json_int_t)receivers, "setup_s", w->setup_s);
	json_object_set_new(r, "connected", json_integer(connected));
	json_object_set_new(r, "errors", json_integer(n_errors));
	json_object_set_new(r, "error_samples", error_samples);
	json_object_set_new(r, "published", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "packets",
		(json_int_t)pub.packets, "keyframes", (json_int_t)pub.keyframes, "keyframe_requests",
		(json_int_t)pub.keyframe_requests, "nacks", (json_int_t)pub.nacks, "send_errors",
		(json_int_t)pub.send_errors, "remb_bps", (json_int_t)pub.remb_bps));
	json_object_set_new(r, "forwarded", json_pack("{s:I, s:I, s:f, s:f}", "packets",
		(json_int_t)fwd_packets, "video_packets", (json_int_t)video_packets, "mbit", mbit,
		"packets_per_s", w->seconds > 0 ? fwd_packets / w->seconds : 0.0));
	if (w->begin.ok && w->end.ok) {
		double cpu = w->end.cpu_s - w->begin.cpu_s;
		json_object_set_new(r, "server_proc", json_pack("{s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:I}",
			"cpu_s", cpu, "cpu_util", w->seconds > 0 ? cpu / w->seconds : 0.0,
			"us_per_packet", fwd_packets ? cpu * 1e6 / (double)fwd_packets : 0.0,
			"ms_per_mbit", mbit > 0 ? cpu * 1e3 / mbit : 0.0,
			"rss_kb", (json_int_t)w->end.rss_kb, "rss_kb_before_join", (json_int_t)w->before_join.rss_kb,
			"rss_kb_per_subscriber", present ?
				(double)(w->end.rss_kb - w->before_join.rss_kb) / present : 0.0,
			"threads", (json_int_t)w->end.threads));
	}
	json_object_set_new(r, "per_subscriber", per_subscriber(measured));
	json_object_set_new(r, "delay_us", delay());
	json_object_set_new(r, "join_ms", join_latencies(joined));
	json_object_set_new(r, "udp_drops", json_pack("{s:I, s:I}", "server_sockets",
		(json_int_t)(w->drops_end.server - w->drops_begin.server), "other_sockets",
		(json_int_t)(w->drops_end.others - w->drops_begin.others)));
	json_object_set_new(r, "loadgen_cpu_s", json_real(w->loadgen_cpu_s));
	/* What else ran: the machine's busy time less the server's and ours. */
	double server_cpu = w->begin.ok && w->end.ok ? w->end.cpu_s - w->begin.cpu_s : 0;
	json_object_set_new(r, "host", json_pack("{s:I, s:f, s:f}", "cores", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
		"busy_cpu_s", w->host_busy_s, "other_cpu_s", w->host_busy_s - server_cpu - w->loadgen_cpu_s));
	if (o->scenario == SCENARIO_CHURN)
		json_object_set_new(r, "churn", json_pack("{s:I, s:I, s:f, s:I, s:I}", "joins",
			(json_int_t)w->churn_joins, "leaves", (json_int_t)w->churn_leaves, "rate_per_s",
			o->churn_rate, "rss_kb_begin", (json_int_t)w->begin.rss_kb, "rss_kb_end",
			(json_int_t)w->end.rss_kb));
	return r;
}
