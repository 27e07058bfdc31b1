/* Prometheus exposition: one HELP/TYPE block per family; counters end in
 * _total; per-worker series carry a worker label. */
#include "api/metrics.h"

#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/webhook.h"
#include "sfu/sfu_sip.h"
#include "sfu/participant.h"
#include "sfu/worker.h"
#include "sip/sip_ua.h"

static struct room_directory *directory;

void metrics_init(struct room_directory *d)
{
	directory = d;
}

static void family(GString *s, const char *name, const char *type, const char *help)
{
	g_string_append_printf(s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge(GString *s, const char *name, const char *help, double v)
{
	family(s, name, "gauge", help);
	g_string_append_printf(s, "%s %.17g\n", name, v);
}

static void counter(GString *s, const char *name, const char *help, uint64_t v)
{
	family(s, name, "counter", help);
	g_string_append_printf(s, "%s %llu\n", name, (unsigned long long)v);
}

/* One family with a series per worker; field is the counter's offset. */
static void per_worker(GString *s, const struct worker_stats *st, unsigned n, const char *name,
		       const char *type, const char *help, size_t field, double scale)
{
	family(s, name, type, help);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = *(const uint64_t *)((const char *)&st[i] + field);
		if (scale == 1.0)
			g_string_append_printf(s, "%s{worker=\"%u\"} %llu\n", name, i, (unsigned long long)v);
		else
			g_string_append_printf(s, "%s{worker=\"%u\"} %.6f\n", name, i, (double)v * scale);
	}
}

#define WORKER_COUNTER(name, field, help) \
	per_worker(s, st, n, name, "counter", help, offsetof(struct worker_stats, field), 1.0)

static void media(GString *s)
{
	unsigned n = worker_count();
	struct worker_stats st[64];
	if (n > G_N_ELEMENTS(st))
		n = G_N_ELEMENTS(st);
	for (unsigned i = 0; i < n; i++)
		worker_read_stats(worker_get(i), &st[i]);
	WORKER_COUNTER("parley_packets_received_total", packets_in, "RTP/RTCP/DTLS packets received by media workers.");
	WORKER_COUNTER("parley_packets_sent_total", packets_out, "Packets sent by media workers.");
	WORKER_COUNTER("parley_bytes_received_total", bytes_in, "Bytes received by media workers.");
	WORKER_COUNTER("parley_bytes_sent_total", bytes_out, "Bytes sent by media workers.");
	WORKER_COUNTER("parley_packets_dropped_total", dropped, "Packets dropped: malformed, unknown SSRC or failed authentication.");
	WORKER_COUNTER("parley_nacks_total", nacks, "NACKed packets subscribers asked for.");
	WORKER_COUNTER("parley_retransmissions_total", retransmits, "Packets retransmitted to subscribers.");
	WORKER_COUNTER("parley_plis_total", keyframe_requests, "Keyframe requests (PLI) sent to publishers.");
	per_worker(s, st, n, "parley_worker_loop_delay_seconds", "gauge",
		   "Worst lateness of a media worker's 100 ms timer over the last second.",
		   offsetof(struct worker_stats, loop_delay_us), 1e-6);
}

static void rooms(GString *s)
{
	unsigned total, live, by_kind[ROOM_KINDS];
	room_directory_totals(directory, &total, &live, by_kind);
	gauge(s, "parley_rooms", "Rooms known: created through the API or live.", total);
	gauge(s, "parley_rooms_live", "Rooms with at least one participant.", live);
	family(s, "parley_participants", "gauge", "Participants in rooms, by kind.");
	for (unsigned k = 0; k < ROOM_KINDS; k++)
		g_string_append_printf(s, "parley_participants{kind=\"%s\"} %u\n",
				       participant_kind_name((enum participant_kind)k), by_kind[k]);
}

static void webhooks(GString *s)
{
	struct webhook_counters c;
	webhook_get_counters(&c);
	counter(s, "parley_webhooks_delivered_total", "Webhook events delivered (2xx).", c.delivered);
	counter(s, "parley_webhooks_failed_total", "Webhook events given up after every retry.", c.failed);
	counter(s, "parley_webhooks_dropped_total", "Webhook events dropped because the queue was full.", c.dropped);
	counter(s, "parley_webhooks_retries_total", "Webhook delivery retries.", c.retries);
}

static void sip(GString *s)
{
	struct sip_counters c;
	struct sfu_sip_stats b;
	sip_read_counters(&c);
	sfu_sip_read_stats(&b);
	gauge(s, "parley_sip_calls", "SIP calls answered and not ended.", (double)c.calls_active);
	counter(s, "parley_sip_calls_answered_total", "SIP calls answered.", c.calls_answered);
	counter(s, "parley_sip_calls_refused_total", "INVITEs refused with a 4xx or 5xx.", c.calls_refused);
	counter(s, "parley_sip_malformed_total", "SIP messages dropped because they did not parse.", c.malformed);
	counter(s, "parley_sip_audio_dropped_total",
		"Audio packets dropped between media workers and the SIP thread (a ring was full).",
		b.to_sip_dropped + b.to_worker_dropped);
}

static void process(GString *s)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     ru.ru_stime.tv_usec / 1e6;
	family(s, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
	g_string_append_printf(s, "process_cpu_seconds_total %.6f\n", cpu);
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%*s %ld", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	gauge(s, "process_resident_memory_bytes", "Resident memory size.", (double)pages * (double)sysconf(_SC_PAGESIZE));
}

void metrics_handle(const struct http_request *req, struct http_response *resp)
{
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		http_respond_error(resp, 405, "method_not_allowed", "use GET");
		http_add_header(resp, "Allow", "GET, HEAD");
		return;
	}
	GString *s = g_string_sized_new(4096);
	rooms(s);
	media(s);
	webhooks(s);
	sip(s);
	process(s);
	http_respond_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", s->str, s->len);
	g_string_free(s, TRUE);
}
