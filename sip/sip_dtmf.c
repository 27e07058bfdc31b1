/* DTMF for SIP legs (see sip_dtmf.h): RFC 4733 event payloads, the
 * once-per-press detector, and SIP INFO bodies. Inputs are untrusted and
 * read through lengths only; nothing here allocates or keeps global state. */
#include "sip/sip_dtmf.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const char digits[] = "0123456789*#ABCD";

/* Packets more than this far behind the current event are taken as a new
 * timeline (a sender restart without an SSRC change), not as reordering:
 * 65 s at 8 kHz, 11 s at 48 kHz. */
#define RESYNC_DISTANCE (1 << 19)

/* A long event is cut into segments when its duration would overflow 16
 * bits (RFC 4733 2.5.1.3); the next one starts at most 0x10000 later. Only an
 * event already this long can be continued, so that a second press of the
 * same key whose marker packet and the first press's end packets were all
 * lost is not swallowed. */
#define SEGMENT_DISTANCE 0x10000
#define SEGMENT_MIN_DURATION 0x8000

int sip_dtmf_parse_event(const uint8_t *p, size_t len, struct sip_dtmf_event *out)
{
	if (!p || len < 4 || !out)
		return -EINVAL;
	out->event = p[0];
	out->end = p[1] & 0x80;
	out->volume = p[1] & 0x3f;
	out->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

char sip_dtmf_digit(unsigned event)
{
	return event < 16 ? digits[event] : '\0';
}

int sip_dtmf_event_of(char digit)
{
	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	const char *p = digit ? strchr(digits, digit) : NULL;
	return p ? (int)(p - digits) : -1;
}

void sip_dtmf_detector_init(struct sip_dtmf_detector *d)
{
	memset(d, 0, sizeof *d);
}

/* The next segment of the event in progress rather than a new press: same
 * event, never ended, no marker, and just after the current segment. */
static bool continues(const struct sip_dtmf_detector *d, const struct sip_dtmf_event *e,
		      bool marker, uint32_t ahead)
{
	return !marker && !d->ended && e->event == d->event && ahead <= SEGMENT_DISTANCE &&
	       d->duration >= SEGMENT_MIN_DURATION;
}

int sip_dtmf_on_packet(struct sip_dtmf_detector *d, uint32_t rtp_ts, bool marker,
		       const uint8_t *payload, size_t len, char *digit_out)
{
	struct sip_dtmf_event e;
	if (!d || sip_dtmf_parse_event(payload, len, &e))
		return -EINVAL;
	int32_t ahead = (int32_t)(rtp_ts - d->ts);
	if (d->started && ahead == 0) {  /* update, end, or a copy of one */
		if (e.event == d->event) {
			d->ended |= e.end;
			if (e.duration > d->duration)
				d->duration = e.duration;
		}
		return 0;
	}
	if (d->started && ahead < 0 && ahead > -RESYNC_DISTANCE)
		return 0;  /* an older event, late */
	bool segment = d->started && ahead > 0 && continues(d, &e, marker, (uint32_t)ahead);
	d->started = true;
	d->ts = rtp_ts;
	d->event = e.event;
	d->ended = e.end;
	d->duration = e.duration;
	if (segment || e.event >= 16)
		return 0;
	if (digit_out)
		*digit_out = digits[e.event];
	return 1;
}

/* ---- SIP INFO ---- */

struct text {
	const char *p;
	size_t n;
};

static struct text trim(struct text t)
{
	while (t.n && (*t.p == ' ' || *t.p == '\t'))
		t.p++, t.n--;
	while (t.n && (t.p[t.n - 1] == ' ' || t.p[t.n - 1] == '\t'))
		t.n--;
	return t;
}

static bool text_case_is(struct text t, const char *lit)
{
	return t.n == strlen(lit) && strncasecmp(t.p, lit, t.n) == 0;
}

/* One signal: a key character or an RFC 4733 event number (0-16).
 * Returns 1 and the digit, 0 for flash, -EINVAL otherwise. */
static int signal_of(struct text s, char *digit_out)
{
	unsigned event = 0;
	if (s.n == 1 && (s.p[0] == '!'))
		return 0;
	if (s.n == 1 && sip_dtmf_event_of(s.p[0]) >= 0) {
		*digit_out = digits[sip_dtmf_event_of(s.p[0])];
		return 1;
	}
	if (s.n == 0 || s.n > 2)
		return -EINVAL;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		event = event * 10 + (unsigned)(s.p[i] - '0');
	}
	if (event == 16)
		return 0;
	if (event > 16)
		return -EINVAL;
	*digit_out = digits[event];
	return 1;
}

static bool number_ok(struct text s, unsigned max)
{
	unsigned long v = 0;
	if (s.n == 0 || s.n > 9)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	return v <= max;
}

/* "Signal=5\r\nDuration=160\r\n": one Signal, an optional numeric Duration
 * (ms), other keys ignored. */
static int parse_relay(struct text body, char *digit_out)
{
	int result = -EINVAL;
	bool seen_signal = false, seen_duration = false;
	while (body.n) {
		const char *nl = memchr(body.p, '\n', body.n);
		struct text line = { body.p, nl ? (size_t)(nl - body.p) : body.n };
		body.p += line.n + (nl != NULL);
		body.n -= line.n + (nl != NULL);
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		line = trim(line);
		if (!line.n)
			continue;
		const char *eq = memchr(line.p, '=', line.n);
		if (!eq)
			return -EINVAL;
		struct text key = trim((struct text){ line.p, (size_t)(eq - line.p) });
		struct text value = trim((struct text){ eq + 1, line.n - (size_t)(eq - line.p) - 1 });
		if (text_case_is(key, "Signal")) {
			if (seen_signal)
				return -EINVAL;
			seen_signal = true;
			result = signal_of(value, digit_out);
			if (result < 0)
				return result;
		} else if (text_case_is(key, "Duration")) {
			if (seen_duration || !number_ok(value, 3600000))
				return -EINVAL;
			seen_duration = true;
		} else if (!key.n) {
			return -EINVAL;
		}
	}
	return seen_signal ? result : -EINVAL;
}

static int parse_plain(struct text body, char *digit_out)
{
	while (body.n && (body.p[body.n - 1] == '\n' || body.p[body.n - 1] == '\r'))
		body.n--;
	body = trim(body);
	return signal_of(body, digit_out);
}

int sip_dtmf_parse_info(const char *content_type, const char *body, size_t len, char *digit_out)
{
	char digit = '\0';
	if (!content_type || (!body && len))
		return -EINVAL;
	const char *semi = strchr(content_type, ';');
	struct text type = trim((struct text){ content_type,
					       semi ? (size_t)(semi - content_type) : strlen(content_type) });
	bool relay = text_case_is(type, "application/dtmf-relay");
	if (!relay && !text_case_is(type, "application/dtmf"))
		return -EPROTONOSUPPORT;
	if (len > SIP_DTMF_MAX_INFO)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)body[i];
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
			return -EINVAL;
	}
	struct text t = { body, len };
	int rc = relay ? parse_relay(t, &digit) : parse_plain(t, &digit);
	if (rc == 1 && digit_out)
		*digit_out = digit;
	return rc;
}
