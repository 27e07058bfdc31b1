/* Webhooks: a bounded queue of prepared JSON bodies and one sender thread
 * that POSTs them, one at a time and in order, to the configured URL.
 *
 * webhook_emit runs on the caller's thread: it serialises the event (so the
 * data is a snapshot taken then), assigns the next sequence number and
 * appends the body to the queue under the lock, dropping the oldest queued
 * body when full. It does no network I/O and no DNS.
 *
 * The sender thread takes the head of the queue and tries it up to
 * WEBHOOK_MAX_ATTEMPTS times, waiting 1, 2, 4, 8, 16 back-off units between
 * attempts; later events wait behind it, so receivers see events in order.
 * A transfer runs on a curl multi handle wrapped around one reused easy
 * handle, so webhook_stop can interrupt both a transfer (curl_multi_wakeup)
 * and a back-off wait (the condition variable).
 *
 * Everything here is module state: webhook_start creates it, webhook_stop
 * joins the thread and frees it. The lock guards the queue, the flags and
 * the sequence number; the URL, secret and curl handles are set before the
 * thread starts and freed after it is joined, so the thread reads them
 * without the lock. Counters are atomics, readable from any thread. */
#include "api/webhook.h"

#include "base/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_TIMEOUT_MS 5000
#define WEBHOOK_CONNECT_TIMEOUT_MS 2000
#define WEBHOOK_BACKOFF_DEFAULT_MS 500
#define WEBHOOK_BACKOFF_MAX_MS 60000
#define WEBHOOK_EVENT_MAX 64

/* One prepared event, owned by the queue, then by the sender thread. */
struct pending {
	uint64_t seq;
	char event[WEBHOOK_EVENT_MAX + 1];
	size_t len;
	char body[];    /* compact JSON, NUL-terminated */
};

enum outcome { POST_OK, POST_FAILED, POST_STOPPED };

static struct {
	GMutex life;            /* serialises webhook_start and webhook_stop */
	bool started;           /* between start and stop, even when disabled */

	GMutex lock;            /* guards the fields down to next_seq */
	GCond wake;             /* sender: queue became non-empty, or stopping */
	GQueue queue;           /* struct pending *, at most WEBHOOK_MAX_QUEUED */
	bool enabled;           /* emit queues; also read without the lock */
	bool stopping;
	gint64 deadline;        /* monotonic µs, valid while stopping */
	bool overflowing;       /* a drop was logged; cleared once drained */
	uint64_t next_seq;

	/* Set by start before the thread exists, freed by stop after the join. */
	GThread *thread;
	char *secret;
	int backoff_ms;
	CURL *easy;
	CURLM *multi;
	char errbuf[CURL_ERROR_SIZE];
} wh = { .queue = G_QUEUE_INIT, .next_seq = 1 };

static uint64_t n_delivered, n_failed, n_dropped, n_retries;

static void count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* ---- emit: the caller's thread ---- */

/* Event names go into a header and into the JSON unescaped. */
static bool event_name_ok(const char *event)
{
	if (!event || !*event || strlen(event) > WEBHOOK_EVENT_MAX)
		return false;
	for (const char *c = event; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr("._-:/", *c))
			return false;
	return true;
}

static void random_id(char out[33])
{
	unsigned char raw[16];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)g_random_int();
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static const char *const envelope_keys[] = { "id", "seq", "event", "created_at" };

/* data (stolen) as compact JSON with our envelope keys removed: "{...}". */
static char *dump_fields(const char *event, json_t *data)
{
	if (data && !json_is_object(data)) {
		log_warn(LOGS_HTTP, "webhook %s: data is not an object, ignored", event);
		json_decref(data);
		data = NULL;
	}
	if (!data)
		return strdup("{}");
	for (size_t i = 0; i < G_N_ELEMENTS(envelope_keys); i++) {
		if (!json_object_get(data, envelope_keys[i]))
			continue;
		/* Ours win. The caller may still hold a reference: edit a copy. */
		json_t *copy = json_copy(data);
		json_decref(data);
		data = copy;
		for (size_t k = 0; data && k < G_N_ELEMENTS(envelope_keys); k++)
			json_object_del(data, envelope_keys[k]);
		break;
	}
	char *s = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	return s;
}

/* Called with the lock held: seq is taken and the body queued together, so
 * queue order is seq order whichever thread emits. */
static struct pending *pending_new(uint64_t seq, const char *event, const char *id,
				   int64_t created_at, const char *fields)
{
	char head[160];
	int n = snprintf(head, sizeof(head),
			 "{\"id\":\"%s\",\"seq\":%" PRIu64 ",\"event\":\"%s\",\"created_at\":%" PRId64,
			 id, seq, event, created_at);
	size_t inner = strlen(fields) - 2;      /* fields is "{...}" */
	size_t len = (size_t)n + (inner ? 1 + inner : 0) + 1;
	struct pending *p = malloc(sizeof(*p) + len + 1);

	if (!p)
		return NULL;
	p->seq = seq;
	p->len = len;
	snprintf(p->event, sizeof(p->event), "%s", event);
	char *w = p->body;
	memcpy(w, head, (size_t)n);
	w += n;
	if (inner) {
		*w++ = ',';
		memcpy(w, fields + 1, inner);
		w += inner;
	}
	*w++ = '}';
	*w = '\0';
	return p;
}

void webhook_emit(const char *event, json_t *data)
{
	if (!__atomic_load_n(&wh.enabled, __ATOMIC_ACQUIRE)) {
		json_decref(data);
		return;
	}
	if (!event_name_ok(event)) {
		log_warn(LOGS_HTTP, "webhook: invalid event name, not sent");
		json_decref(data);
		return;
	}
	char *fields = dump_fields(event, data);
	if (!fields) {
		log_warn(LOGS_HTTP, "webhook %s: cannot serialise data, not sent", event);
		return;
	}
	char id[33];
	random_id(id);
	int64_t created_at = g_get_real_time() / 1000;
	struct pending *dropped = NULL;
	bool first_drop = false;

	g_mutex_lock(&wh.lock);
	struct pending *p = NULL;
	if (wh.enabled)
		p = pending_new(wh.next_seq, event, id, created_at, fields);
	if (p) {
		wh.next_seq++;
		if (g_queue_get_length(&wh.queue) >= WEBHOOK_MAX_QUEUED) {
			dropped = g_queue_pop_head(&wh.queue);
			first_drop = !wh.overflowing;
			wh.overflowing = true;
		}
		if (g_queue_is_empty(&wh.queue))
			g_cond_signal(&wh.wake);
		g_queue_push_tail(&wh.queue, p);
	}
	bool lost = wh.enabled && !p;
	g_mutex_unlock(&wh.lock);

	if (lost)
		count(&n_dropped, 1);
	if (dropped) {
		count(&n_dropped, 1);
		if (first_drop)
			log_warn(LOGS_HTTP, "webhook: queue full (%d), dropping the oldest events",
				 WEBHOOK_MAX_QUEUED);
		free(dropped);
	}
	free(fields);
}

/* ---- sender thread ---- */

/* While stopping: true once the deadline has passed, else caps *wait_ms. */
static bool stop_due(int *wait_ms)
{
	bool due = false;

	g_mutex_lock(&wh.lock);
	if (wh.stopping) {
		gint64 left_ms = (wh.deadline - g_get_monotonic_time() + 999) / 1000;
		if (left_ms <= 0)
			due = true;
		else if (left_ms < *wait_ms)
			*wait_ms = (int)left_ms;
	}
	g_mutex_unlock(&wh.lock);
	return due;
}

/* Runs the easy handle's transfer on the multi handle until it ends or the
 * stop deadline passes. */
static enum outcome run_transfer(char *reason, size_t n)
{
	CURLcode result = CURLE_OK;
	CURLMcode mc = curl_multi_add_handle(wh.multi, wh.easy);
	enum outcome o = POST_FAILED;

	if (mc != CURLM_OK) {
		snprintf(reason, n, "%s", curl_multi_strerror(mc));
		return POST_FAILED;
	}
	for (;;) {
		int running = 0, wait_ms = 1000;
		mc = curl_multi_perform(wh.multi, &running);
		if (mc != CURLM_OK)
			break;
		if (!running) {
			CURLMsg *m;
			int left;
			while ((m = curl_multi_info_read(wh.multi, &left)))
				if (m->msg == CURLMSG_DONE)
					result = m->data.result;
			break;
		}
		if (stop_due(&wait_ms)) {
			o = POST_STOPPED;
			break;
		}
		mc = curl_multi_poll(wh.multi, NULL, 0, wait_ms, NULL);
		if (mc != CURLM_OK)
			break;
	}
	curl_multi_remove_handle(wh.multi, wh.easy);

	long status = 0;
	if (o == POST_STOPPED)
		snprintf(reason, n, "stopped during the request");
	else if (mc != CURLM_OK)
		snprintf(reason, n, "%s", curl_multi_strerror(mc));
	else if (result != CURLE_OK)
		snprintf(reason, n, "%s", wh.errbuf[0] ? wh.errbuf : curl_easy_strerror(result));
	else if (curl_easy_getinfo(wh.easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		 status >= 200 && status < 300)
		o = POST_OK;
	else
		snprintf(reason, n, "HTTP %ld", status);
	return o;
}

static void sign(const char *secret, const char *body, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len,
		  md, &md_len))
		md_len = 0;
	hex[0] = '\0';
	for (unsigned int i = 0; i < md_len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static enum outcome post_once(const struct pending *p, char *reason, size_t n)
{
	char hex[65], sig[96], ev[WEBHOOK_EVENT_MAX + 32];
	struct curl_slist *h = NULL, *t;

	sign(wh.secret, p->body, p->len, hex);
	if (!hex[0]) {
		snprintf(reason, n, "cannot sign the body");
		return POST_FAILED;
	}
	snprintf(sig, sizeof(sig), "X-Parley-Signature: sha256=%s", hex);
	snprintf(ev, sizeof(ev), "X-Parley-Event: %s", p->event);
	/* "Expect:" stops curl waiting for a 100 Continue on larger bodies. */
	const char *lines[] = { "Content-Type: application/json", "Expect:", sig, ev };
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
		t = curl_slist_append(h, lines[i]);
		if (!t) {
			curl_slist_free_all(h);
			snprintf(reason, n, "out of memory");
			return POST_FAILED;
		}
		h = t;
	}
	wh.errbuf[0] = '\0';
	curl_easy_setopt(wh.easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(wh.easy, CURLOPT_POSTFIELDS, (const char *)p->body);
	curl_easy_setopt(wh.easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->len);
	enum outcome o = run_transfer(reason, n);
	curl_easy_setopt(wh.easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(wh.easy, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(h);
	return o;
}

/* Waits before attempt number attempt + 1. False when that attempt would
 * fall after the stop deadline: then the event is given up now. */
static bool backoff_wait(int attempt)
{
	gint64 end = g_get_monotonic_time() +
		     (gint64)wh.backoff_ms * 1000 * ((gint64)1 << (attempt - 1));
	bool retry = true;

	g_mutex_lock(&wh.lock);
	for (;;) {
		if (wh.stopping && end > wh.deadline) {
			retry = false;
			break;
		}
		if (!g_cond_wait_until(&wh.wake, &wh.lock, end) && g_get_monotonic_time() >= end)
			break;
	}
	g_mutex_unlock(&wh.lock);
	return retry;
}

static void deliver(const struct pending *p)
{
	char reason[CURL_ERROR_SIZE + 64];
	int attempts = 0;
	bool cut = false;       /* the next retry would fall after the stop deadline */
	enum outcome o;

	for (;;) {
		attempts++;
		o = post_once(p, reason, sizeof(reason));
		if (o == POST_OK) {
			count(&n_delivered, 1);
			return;
		}
		log_debug(LOGS_HTTP, "webhook %s seq %llu: attempt %d failed: %s", p->event,
			  (unsigned long long)p->seq, attempts, reason);
		if (o == POST_STOPPED || attempts >= WEBHOOK_MAX_ATTEMPTS)
			break;
		if (!backoff_wait(attempts)) {
			cut = true;
			break;
		}
		count(&n_retries, 1);
	}
	count(&n_failed, 1);
	log_warn(LOGS_HTTP, "webhook %s seq %llu: giving up after %d attempts: %s%s", p->event,
		 (unsigned long long)p->seq, attempts, reason,
		 cut ? " (stopping)" : "");
}

static gpointer sender_main(gpointer arg)
{
	g_mutex_lock(&wh.lock);
	for (;;) {
		while (g_queue_is_empty(&wh.queue) && !wh.stopping)
			g_cond_wait(&wh.wake, &wh.lock);
		if (g_queue_is_empty(&wh.queue) ||
		    (wh.stopping && g_get_monotonic_time() >= wh.deadline))
			break;
		struct pending *p = g_queue_pop_head(&wh.queue);
		if (g_queue_get_length(&wh.queue) < WEBHOOK_MAX_QUEUED / 2)
			wh.overflowing = false;
		g_mutex_unlock(&wh.lock);
		deliver(p);
		free(p);
		g_mutex_lock(&wh.lock);
	}
	g_mutex_unlock(&wh.lock);
	return NULL;
}

/* ---- start and stop: the owner's thread ---- */

/* http:// or https:// with a host, checked without any I/O. */
static bool url_ok(const char *url)
{
	if (g_ascii_strncasecmp(url, "http://", 7) && g_ascii_strncasecmp(url, "https://", 8))
		return false;
	CURLU *u = curl_url();
	char *host = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && *host;
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

static int backoff_from_env(void)
{
	const char *s = getenv("PARLEY_WEBHOOK_BACKOFF_MS");
	char *end;

	if (!s || !*s)
		return WEBHOOK_BACKOFF_DEFAULT_MS;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > WEBHOOK_BACKOFF_MAX_MS) {
		log_warn(LOGS_HTTP, "webhook: PARLEY_WEBHOOK_BACKOFF_MS=%s invalid, using %d", s,
			 WEBHOOK_BACKOFF_DEFAULT_MS);
		return WEBHOOK_BACKOFF_DEFAULT_MS;
	}
	return (int)v;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

static void free_handles(void)
{
	curl_multi_cleanup(wh.multi);
	curl_easy_cleanup(wh.easy);
	wh.multi = NULL;
	wh.easy = NULL;
	g_free(wh.secret);
	wh.secret = NULL;
}

static int make_handles(const char *url)
{
	wh.easy = curl_easy_init();
	wh.multi = curl_multi_init();
	if (!wh.easy || !wh.multi)
		return -ENOMEM;
	CURL *e = wh.easy;
	CURLcode rc = CURLE_OK;
	rc |= curl_easy_setopt(e, CURLOPT_URL, url);
	rc |= curl_easy_setopt(e, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, "parley");
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
	rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)WEBHOOK_CONNECT_TIMEOUT_MS);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, wh.errbuf);
	return rc == CURLE_OK ? 0 : -EINVAL;
}

static void global_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
}

static int start_locked(const char *url, const char *secret)
{
	if (wh.started)
		return -EALREADY;
	if (!*url) {
		wh.started = true;
		log_info(LOGS_HTTP, "webhook: disabled (no url)");
		return 0;
	}
	if (!url_ok(url)) {
		log_error(LOGS_HTTP, "webhook: url must be http:// or https:// with a host");
		return -EINVAL;
	}
	if (!*secret) {
		log_error(LOGS_HTTP, "webhook: a url needs a secret to sign with");
		return -EINVAL;
	}
	global_init();
	unsigned char warm[1];
	(void)RAND_bytes(warm, sizeof(warm));   /* seed now, not in the first emit */
	wh.backoff_ms = backoff_from_env();
	wh.secret = g_strdup(secret);
	int err = make_handles(url);
	if (err) {
		free_handles();
		return err;
	}
	g_mutex_lock(&wh.lock);
	wh.stopping = false;
	__atomic_store_n(&wh.enabled, true, __ATOMIC_RELEASE);
	g_mutex_unlock(&wh.lock);
	wh.thread = g_thread_try_new("webhook", sender_main, NULL, NULL);
	if (!wh.thread) {
		g_mutex_lock(&wh.lock);
		__atomic_store_n(&wh.enabled, false, __ATOMIC_RELEASE);
		g_mutex_unlock(&wh.lock);
		free_handles();
		return -EAGAIN;
	}
	wh.started = true;
	log_info(LOGS_HTTP, "webhook: started (back-off unit %d ms)", wh.backoff_ms);
	return 0;
}

int webhook_start(const char *url, const char *secret)
{
	g_mutex_lock(&wh.life);
	int err = start_locked(url ? url : "", secret ? secret : "");
	g_mutex_unlock(&wh.life);
	return err;
}

void webhook_stop(int timeout_ms)
{
	g_mutex_lock(&wh.life);
	if (!wh.started) {
		g_mutex_unlock(&wh.life);
		return;
	}
	if (wh.thread) {
		g_mutex_lock(&wh.lock);
		wh.stopping = true;
		wh.deadline = g_get_monotonic_time() + (gint64)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
		g_cond_broadcast(&wh.wake);
		g_mutex_unlock(&wh.lock);
		curl_multi_wakeup(wh.multi);
		g_thread_join(wh.thread);
		wh.thread = NULL;
	}

	g_mutex_lock(&wh.lock);
	__atomic_store_n(&wh.enabled, false, __ATOMIC_RELEASE);
	wh.stopping = false;
	wh.overflowing = false;
	unsigned left = g_queue_get_length(&wh.queue);
	struct pending *p;
	while ((p = g_queue_pop_head(&wh.queue)))
		free(p);
	g_mutex_unlock(&wh.lock);

	if (left) {
		count(&n_dropped, left);
		log_warn(LOGS_HTTP, "webhook: stopped with %u events not sent", left);
	}
	free_handles();
	wh.started = false;
	g_mutex_unlock(&wh.life);
}

void webhook_get_counters(struct webhook_counters *out)
{
	out->delivered = __atomic_load_n(&n_delivered, __ATOMIC_RELAXED);
	out->failed = __atomic_load_n(&n_failed, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&n_dropped, __ATOMIC_RELAXED);
	out->retries = __atomic_load_n(&n_retries, __ATOMIC_RELAXED);
}
