/* One SIP call's RTP leg: see sip_media.h. The codec work is split in two
 * small pipelines (decode_part for what arrives, encode_frame for what we
 * send); sockets and RTCP are around them. */
#include "sip/sip_media.h"

#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "sfu/rtp/rtcp.h"
#include "sfu/rtp/rtp_packet.h"
#include "sfu/transport/srtp_session.h"
#include "sip/sip_dtmf.h"
#include "sip/sip_g711.h"
#include "sip/sip_g722.h"
#include "sip/sip_jitter.h"
#include "sip/sip_opus.h"
#include "sip/sip_pcm_queue.h"
#include "sip/sip_transport.h"

#define RTCP_INTERVAL_US (5 * G_USEC_PER_SEC)
#define PKT_MAX 1500

struct sip_media {
	GMainContext *ctx;
	const struct sip_media_callbacks *cb;
	void *owner;
	int rtp_fd, rtcp_fd;
	uint16_t port;
	GSource *rtp_src, *rtcp_src;

	bool configured;
	struct sip_media_choice choice;
	struct sockaddr_storage rtp_dst, rtcp_dst;
	socklen_t rtp_dst_len, rtcp_dst_len;
	bool rtp_latched, rtcp_latched;
	struct srtp_session *srtp;

	/* receive */
	struct sip_jitter jitter;
	struct sip_dtmf_detector dtmf;
	struct sip_plc plc;
	struct sip_g722_dec *g722_dec;
	struct sip_opus_dec *opus_dec;
	struct sip_pcm_queue queue;
	int64_t last_rx_us;
	uint32_t remote_ssrc;
	uint16_t max_seq;
	uint32_t last_sr_ntp_mid;      /* LSR of the last SR received */
	int64_t last_sr_at_us;

	/* send */
	struct sip_resampler down;
	struct sip_g722_enc *g722_enc;
	struct sip_opus_enc *opus_enc;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	int64_t next_rtcp_us;

	struct sip_media_stats stats;
};

static uint16_t port_cursor;   /* SIP thread only: where the next search starts */

/* ---- sockets ---- */

static int bind_udp(const char *address, int port)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	if (sip_sockaddr_from(address, port, &sa, &sl))
		return -EINVAL;
	int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sl)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char ip[64];
	int port = 0;
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		sip_sockaddr_to((struct sockaddr *)&sa, ip, &port);
	return port;
}

/* An even RTP port and the odd one above it (RFC 3550 11). */
static int bind_pair(struct sip_media *m, const char *address, int lo, int hi)
{
	if (lo == 0) {
		for (int attempt = 0; attempt < 32; attempt++) {
			int rtp = bind_udp(address, 0);
			if (rtp < 0)
				return rtp;
			int p = local_port(rtp);
			int rtcp = p < 65535 ? bind_udp(address, p + 1) : -EADDRINUSE;
			if (rtcp >= 0) {
				m->rtp_fd = rtp;
				m->rtcp_fd = rtcp;
				m->port = (uint16_t)p;
				return 0;
			}
			close(rtp);
		}
		return -EADDRINUSE;
	}
	int first = lo + (lo & 1);
	int pairs = (hi - first + 1) / 2;
	for (int i = 0; i < pairs; i++) {
		int p = first + 2 * ((port_cursor + i) % pairs);
		int rtp = bind_udp(address, p);
		if (rtp < 0)
			continue;
		int rtcp = bind_udp(address, p + 1);
		if (rtcp < 0) {
			close(rtp);
			continue;
		}
		port_cursor = (uint16_t)((port_cursor + i + 1) % pairs);
		m->rtp_fd = rtp;
		m->rtcp_fd = rtcp;
		m->port = (uint16_t)p;
		return 0;
	}
	return -EADDRINUSE;
}

static void send_to(struct sip_media *m, int fd, const struct sockaddr_storage *dst, socklen_t len,
		    const uint8_t *buf, size_t n)
{
	if (len)
		sendto(fd, buf, n, MSG_DONTWAIT, (const struct sockaddr *)dst, len);
}

/* ---- receive ---- */

static uint32_t packet_samples(const struct sip_media *m, const uint8_t *p, size_t len)
{
	switch (m->choice.codec) {
	case SIP_CODEC_OPUS: {
		int n = sip_opus_packet_samples(p, len);
		return n > 0 ? (uint32_t)n : 0;
	}
	default:
		return (uint32_t)len;   /* G.711: a byte a sample; G.722: 8 kHz clock */
	}
}

static void on_rtcp_packet(struct sip_media *m, uint8_t *buf, size_t len, int64_t now)
{
	if (m->srtp && srtp_session_unprotect_rtcp(m->srtp, buf, &len))
		return;
	m->stats.rx_rtcp++;
	struct rtcp_iter it;
	struct rtcp_view v;
	rtcp_iter_init(&it, buf, len);
	while (rtcp_iter_next(&it, &v) == 1) {
		struct rtcp_sr sr;
		if (v.pt == RTCP_SR && rtcp_parse_sr(&v, &sr) == 0) {
			m->last_sr_ntp_mid = (uint32_t)(sr.ntp >> 16);
			m->last_sr_at_us = now;
		}
	}
}

static void on_rtp_packet(struct sip_media *m, uint8_t *buf, size_t len, int64_t now)
{
	if (m->srtp && srtp_session_unprotect(m->srtp, buf, &len)) {
		m->stats.rx_dropped++;
		return;
	}
	struct rtp_view v;
	if (rtp_parse(&v, buf, len)) {
		m->stats.rx_dropped++;
		return;
	}
	m->stats.rx_packets++;
	m->stats.rx_bytes += len;
	m->last_rx_us = now;
	m->remote_ssrc = v.ssrc;
	if (rtp_seq_newer(v.seq, m->max_seq) || m->stats.rx_packets == 1)
		m->max_seq = v.seq;
	const uint8_t *payload = v.data + v.payload_off;
	if (m->choice.telephone_event && v.pt == m->choice.te_recv_pt) {
		char digit;
		if (sip_dtmf_on_packet(&m->dtmf, v.ts, v.marker, payload, v.payload_len, &digit) == 1)
			m->cb->dtmf(m->owner, digit, "rtp");
		return;
	}
	if (v.pt != m->choice.recv_pt || !m->choice.recv) {
		m->stats.rx_dropped++;
		return;
	}
	struct sip_jitter_packet p = {
		.ssrc = v.ssrc, .seq = v.seq, .ts = v.ts, .pt = v.pt, .data = payload,
		.len = v.payload_len, .samples = packet_samples(m, payload, v.payload_len),
	};
	sip_jitter_put(&m->jitter, &p);
}

/* Symmetric RTP: the first packet after (re)negotiation sets where we send. */
static void latch(struct sockaddr_storage *dst, socklen_t *dst_len, bool *latched,
		  const struct sockaddr_storage *from, socklen_t from_len)
{
	if (*latched)
		return;
	*dst = *from;
	*dst_len = from_len;
	*latched = true;
}

static gboolean on_readable(struct sip_media *m, int fd, bool rtcp_socket)
{
	uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER + 4];
	int64_t now = g_get_monotonic_time();
	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		if (!m->configured || n < RTP_HEADER_MIN)
			continue;
		if (rtcp_socket || rtp_is_rtcp(buf, (size_t)n)) {
			if (rtcp_socket)
				latch(&m->rtcp_dst, &m->rtcp_dst_len, &m->rtcp_latched, &from, fl);
			on_rtcp_packet(m, buf, (size_t)n, now);
			continue;
		}
		uint64_t before = m->stats.rx_packets;
		on_rtp_packet(m, buf, (size_t)n, now);
		if (m->stats.rx_packets != before) {
			latch(&m->rtp_dst, &m->rtp_dst_len, &m->rtp_latched, &from, fl);
			if (m->choice.rtcp_mux)
				latch(&m->rtcp_dst, &m->rtcp_dst_len, &m->rtcp_latched, &from, fl);
		}
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_rtp(int fd, GIOCondition cond, gpointer arg)
{
	struct sip_media *m = arg;
	return on_readable(m, m->rtp_fd, false);
}

static gboolean on_rtcp(int fd, GIOCondition cond, gpointer arg)
{
	struct sip_media *m = arg;
	return on_readable(m, m->rtcp_fd, true);
}

/* ---- decode ---- */

/* The rate a codec decodes at, and the caller's voice is passed on at. */
static unsigned pcm_rate(enum sip_codec codec)
{
	switch (codec) {
	case SIP_CODEC_PCMU:
	case SIP_CODEC_PCMA:
		return 8000;
	case SIP_CODEC_G722:
		return 16000;
	default:
		return SIP_OPUS_RATE;
	}
}

/* PCM at 8 or 16 kHz: conceal or remember, and queue as it is. */
static void push_low_rate(struct sip_media *m, int16_t *pcm, size_t n, bool lost)
{
	if (lost)
		sip_plc_conceal(&m->plc, pcm, n);
	else
		sip_plc_good(&m->plc, pcm, n);
	sip_pcm_queue_push(&m->queue, pcm, n);
}

static void decode_part(struct sip_media *m, const struct sip_jitter_part *p)
{
	int16_t pcm[SIP_OPUS_MAX_SAMPLES];
	bool lost = p->kind == SIP_JITTER_LOST;
	size_t samples = p->samples ? p->samples : m->choice.clock_rate / 50;
	switch (m->choice.codec) {
	case SIP_CODEC_PCMU:
	case SIP_CODEC_PCMA: {
		size_t n = lost ? samples : p->len;
		if (n > 960)
			return;
		if (!lost)
			sip_g711_decode(m->choice.codec == SIP_CODEC_PCMU ? SIP_G711_ULAW : SIP_G711_ALAW,
					p->data, n, pcm);
		push_low_rate(m, pcm, n, lost);
		break;
	}
	case SIP_CODEC_G722: {
		size_t n = lost ? samples * 2 : p->len * 2;
		if (n > 1920)
			return;
		if (!lost && sip_g722_decode(m->g722_dec, p->data, p->len, pcm) < 0)
			return;
		push_low_rate(m, pcm, n, lost);
		break;
	}
	case SIP_CODEC_OPUS: {
		int w = lost ? sip_opus_dec_conceal(m->opus_dec, samples, p->data, p->len, pcm,
						    SIP_OPUS_MAX_SAMPLES)
			     : sip_opus_dec_decode(m->opus_dec, p->data, p->len, pcm,
						   SIP_OPUS_MAX_SAMPLES);
		if (w > 0)
			sip_pcm_queue_push(&m->queue, pcm, (size_t)w);
		break;
	}
	default:
		break;
	}
}

static void reset_decoders(struct sip_media *m)
{
	if (m->choice.codec != SIP_CODEC_OPUS)
		sip_plc_init(&m->plc, pcm_rate(m->choice.codec));
	if (m->opus_dec)
		sip_opus_dec_reset(m->opus_dec);
	sip_pcm_queue_clear(&m->queue);
}

static void receive_tick(struct sip_media *m)
{
	struct sip_jitter_out out;
	sip_jitter_get(&m->jitter, &out);
	if (out.new_stream)
		reset_decoders(m);
	for (unsigned i = 0; i < out.n; i++)
		decode_part(m, &out.parts[i]);
	int16_t frame[SIP_MEDIA_FRAME];
	unsigned rate = pcm_rate(m->choice.codec);
	if (sip_pcm_queue_pop(&m->queue, frame, rate / 50))
		m->cb->audio(m->owner, frame, rate / 50, rate);
}

/* ---- encode and send ---- */

/* One 20 ms frame in the negotiated codec. Returns the payload length and
 * the RTP clock ticks it covers, or -1. */
static int encode_frame(struct sip_media *m, const int16_t *pcm48, uint8_t *out, size_t cap,
			uint32_t *ticks)
{
	int16_t low[320];
	switch (m->choice.codec) {
	case SIP_CODEC_PCMU:
	case SIP_CODEC_PCMA: {
		int n = sip_resampler_process(&m->down, pcm48, SIP_MEDIA_FRAME, low, 320);
		if (n <= 0)
			return -1;
		sip_g711_encode(m->choice.codec == SIP_CODEC_PCMU ? SIP_G711_ULAW : SIP_G711_ALAW,
				low, (size_t)n, out);
		*ticks = 160;
		return n;
	}
	case SIP_CODEC_G722: {
		int n = sip_resampler_process(&m->down, pcm48, SIP_MEDIA_FRAME, low, 320);
		if (n <= 0)
			return -1;
		*ticks = 160;   /* G.722's RTP clock is 8000 (RFC 3551) */
		return sip_g722_encode(m->g722_enc, low, (size_t)n, out);
	}
	case SIP_CODEC_OPUS:
		*ticks = SIP_MEDIA_FRAME;
		return sip_opus_enc_encode(m->opus_enc, pcm48, out, cap);
	default:
		return -1;
	}
}

static void send_tick(struct sip_media *m)
{
	int16_t pcm[SIP_MEDIA_FRAME];
	if (!m->cb->fill(m->owner, pcm, SIP_MEDIA_FRAME))
		memset(pcm, 0, sizeof(pcm));   /* comfort silence keeps RTP (and NATs) alive */
	uint8_t pkt[PKT_MAX + SRTP_MAX_TRAILER + 4];
	struct rtp_header_out h = { .marker = m->stats.tx_packets == 0, .pt = m->choice.send_pt,
				    .seq = m->seq, .ts = m->ts, .ssrc = m->ssrc };
	int hl = rtp_write_header(pkt, sizeof(pkt), &h);
	uint32_t ticks = 0;
	int pl = hl > 0 ? encode_frame(m, pcm, pkt + hl, PKT_MAX - (size_t)hl, &ticks) : -1;
	if (pl <= 0)
		return;
	m->seq++;
	m->ts += ticks;
	size_t len = (size_t)hl + (size_t)pl;
	if (m->srtp && srtp_session_protect(m->srtp, pkt, &len, sizeof(pkt)))
		return;
	send_to(m, m->rtp_fd, &m->rtp_dst, m->rtp_dst_len, pkt, len);
	m->stats.tx_packets++;
	m->stats.tx_bytes += (size_t)pl;
}

static uint64_t ntp_now(void)
{
	int64_t us = g_get_real_time();
	uint64_t secs = (uint64_t)(us / G_USEC_PER_SEC) + 2208988800ull;
	uint64_t frac = ((uint64_t)(us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
	return secs << 32 | frac;
}

static void send_rtcp(struct sip_media *m, int64_t now)
{
	uint8_t buf[256 + SRTP_MAX_TRAILER + 4];
	struct rtcp_report_block rb = { .ssrc = m->remote_ssrc, .highest_seq = m->max_seq,
					.lsr = m->last_sr_ntp_mid };
	if (m->last_sr_at_us)
		rb.dlsr = (uint32_t)((now - m->last_sr_at_us) * 65536 / G_USEC_PER_SEC);
	int n_reports = m->stats.rx_packets ? 1 : 0;
	int len;
	if (m->choice.send && m->stats.tx_packets) {
		struct rtcp_sr sr = { .ssrc = m->ssrc, .ntp = ntp_now(), .rtp_ts = m->ts,
				      .packet_count = (uint32_t)m->stats.tx_packets,
				      .octet_count = (uint32_t)m->stats.tx_bytes,
				      .n_reports = (uint8_t)n_reports };
		sr.reports[0] = rb;
		len = rtcp_write_sr(buf, 256, &sr);
	} else {
		struct rtcp_rr rr = { .ssrc = m->ssrc, .n_reports = (uint8_t)n_reports };
		rr.reports[0] = rb;
		len = rtcp_write_rr(buf, 256, &rr);
	}
	if (len <= 0)
		return;
	size_t l = (size_t)len;
	if (m->srtp && srtp_session_protect_rtcp(m->srtp, buf, &l, sizeof(buf)))
		return;
	int fd = m->choice.rtcp_mux ? m->rtp_fd : m->rtcp_fd;
	send_to(m, fd, &m->rtcp_dst, m->rtcp_dst_len, buf, l);
	m->stats.tx_rtcp++;
}

void sip_media_tick(struct sip_media *m, int64_t now_us)
{
	if (!m->configured)
		return;
	if (m->choice.recv)
		receive_tick(m);
	if (m->choice.send)
		send_tick(m);
	if (now_us >= m->next_rtcp_us) {
		m->next_rtcp_us = now_us + RTCP_INTERVAL_US;
		send_rtcp(m, now_us);
	}
}

/* ---- configuration ---- */

static int make_codecs(struct sip_media *m, enum sip_codec codec)
{
	unsigned low = pcm_rate(codec);
	if (codec != SIP_CODEC_OPUS) {
		if (sip_resampler_init(&m->down, low) || sip_plc_init(&m->plc, low))
			return -EINVAL;
	}
	if (codec == SIP_CODEC_G722 && !m->g722_dec &&
	    (sip_g722_dec_create(&m->g722_dec) || sip_g722_enc_create(&m->g722_enc)))
		return -ENOMEM;
	if (codec == SIP_CODEC_OPUS && !m->opus_dec &&
	    (sip_opus_dec_create(&m->opus_dec) || sip_opus_enc_create(&m->opus_enc, NULL)))
		return -ENOMEM;
	return 0;
}

static int set_destination(struct sip_media *m, const struct sip_media_choice *c)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	m->rtp_dst_len = m->rtcp_dst_len = 0;
	m->rtp_latched = m->rtcp_latched = false;
	if (c->address[0] && c->port && sip_sockaddr_from(c->address, c->port, &sa, &sl) == 0) {
		m->rtp_dst = sa;
		m->rtp_dst_len = sl;
	}
	const char *ra = c->rtcp_mux ? c->address : c->rtcp_address;
	int rp = c->rtcp_mux ? c->port : c->rtcp_port;
	if (ra[0] && rp && sip_sockaddr_from(ra, rp, &sa, &sl) == 0) {
		m->rtcp_dst = sa;
		m->rtcp_dst_len = sl;
	}
	return 0;
}

int sip_media_apply(struct sip_media *m, const struct sip_media_choice *c, char *err, size_t errlen)
{
	bool new_codec = !m->configured || c->codec != m->choice.codec ||
			 c->clock_rate != m->choice.clock_rate;
	if (new_codec) {
		struct sip_jitter_config jc;
		sip_jitter_config_default(&jc, c->clock_rate);
		if (sip_jitter_init(&m->jitter, &jc) || make_codecs(m, c->codec)) {
			snprintf(err, errlen, "cannot set up %s", sip_codec_name(c->codec));
			return -EINVAL;
		}
	}
	bool new_keys = c->srtp != m->choice.srtp || c->key_len != m->choice.key_len ||
			memcmp(c->remote_key, m->choice.remote_key, c->key_len) ||
			memcmp(c->local_key, m->choice.local_key, c->key_len);
	if (!m->configured || new_keys) {
		srtp_session_destroy(m->srtp);
		m->srtp = NULL;
		if (c->srtp != SIP_SRTP_NONE) {
			struct srtp_keys keys;
			if (sip_sdp_srtp_keys(c, &keys) || srtp_session_create(&m->srtp, &keys)) {
				snprintf(err, errlen, "cannot use SRTP suite %s", sip_srtp_suite_name(c->srtp));
				return -ENOTSUP;
			}
		}
	}
	m->choice = *c;
	set_destination(m, c);
	if (new_codec) {
		reset_decoders(m);
		sip_dtmf_detector_init(&m->dtmf);
	}
	if (!m->configured)
		m->last_rx_us = g_get_monotonic_time();
	m->configured = true;
	return 0;
}

/* ---- life ---- */

int sip_media_create(struct sip_media **out, GMainContext *ctx, const char *address,
		     int port_min, int port_max, const struct sip_media_callbacks *cb, void *owner)
{
	struct sip_media *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ctx = ctx;
	m->cb = cb;
	m->owner = owner;
	m->rtp_fd = m->rtcp_fd = -1;
	int rc = bind_pair(m, address, port_min, port_max);
	if (rc) {
		free(m);
		return rc;
	}
	m->ssrc = g_random_int();
	m->seq = (uint16_t)g_random_int();
	m->ts = g_random_int();
	m->next_rtcp_us = g_get_monotonic_time() + RTCP_INTERVAL_US / 2;
	m->rtp_src = g_unix_fd_source_new(m->rtp_fd, G_IO_IN);
	g_source_set_callback(m->rtp_src, (GSourceFunc)(void (*)(void))on_rtp, m, NULL);
	g_source_attach(m->rtp_src, ctx);
	m->rtcp_src = g_unix_fd_source_new(m->rtcp_fd, G_IO_IN);
	g_source_set_callback(m->rtcp_src, (GSourceFunc)(void (*)(void))on_rtcp, m, NULL);
	g_source_attach(m->rtcp_src, ctx);
	*out = m;
	return 0;
}

void sip_media_destroy(struct sip_media *m)
{
	if (!m)
		return;
	g_source_destroy(m->rtp_src);
	g_source_unref(m->rtp_src);
	g_source_destroy(m->rtcp_src);
	g_source_unref(m->rtcp_src);
	close(m->rtp_fd);
	close(m->rtcp_fd);
	srtp_session_destroy(m->srtp);
	sip_g722_dec_destroy(m->g722_dec);
	sip_g722_enc_destroy(m->g722_enc);
	sip_opus_dec_destroy(m->opus_dec);
	sip_opus_enc_destroy(m->opus_enc);
	free(m);
}

void sip_media_start(struct sip_media *m)
{
	m->last_rx_us = g_get_monotonic_time();
}

uint16_t sip_media_port(const struct sip_media *m)
{
	return m->port;
}

int64_t sip_media_idle_us(const struct sip_media *m, int64_t now_us)
{
	return now_us - m->last_rx_us;
}

bool sip_media_expects_rtp(const struct sip_media *m)
{
	return m->configured && m->choice.direction == SDP_SENDRECV;
}

const struct sip_media_stats *sip_media_stats(const struct sip_media *m)
{
	return &m->stats;
}
