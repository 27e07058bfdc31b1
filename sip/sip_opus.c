/* Opus decode with concealment and encode for SIP audio (see sip_opus.h).
 * The only allocation is libopus's state, at create.
 *
 * Encoder complexity: 1 by default, for the 1%-of-a-core budget per caller.
 * Measured on the development machine (2.1 GHz EPYC, libopus 1.3.1, VOIP,
 * FEC, 20 ms of speech-like input), microseconds per frame:
 *
 *   input rate    complexity 1   3     5     10
 *   8 kHz         30             66    86    154
 *   16 kHz        69             127   156   318
 *   48 kHz        72             145   173   375
 *
 * Complexity 1 keeps SILK's mid-complexity pitch analysis and noise shaping
 * and drops the delayed-decision quantizer (worth about 1 dB of SNR), which
 * a voice that crossed a G.711 or G.722 call does not miss; at 48 kHz it
 * also keeps the encoder in SILK wideband rather than hybrid. */
#include "sip/sip_opus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>

#define STEP 120 /* 2.5 ms: the granularity libopus decodes in */

struct sip_opus_dec {
	OpusDecoder *st;
	int last_samples; /* of the last good packet, for concealing a bad one */
	struct sip_opus_dec_stats stats;
};

struct sip_opus_enc {
	OpusEncoder *st;
	int frame; /* samples per 20 ms at the input rate */
};

int sip_opus_dec_create(struct sip_opus_dec **out)
{
	struct sip_opus_dec *d;
	int err;

	if (!out)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->st = opus_decoder_create(SIP_OPUS_RATE, 1, &err);
	if (!d->st) {
		free(d);
		return err == OPUS_ALLOC_FAIL ? -ENOMEM : -EINVAL;
	}
	d->last_samples = SIP_OPUS_FRAME;
	*out = d;
	return 0;
}

void sip_opus_dec_destroy(struct sip_opus_dec *d)
{
	if (!d)
		return;
	opus_decoder_destroy(d->st);
	free(d);
}

void sip_opus_dec_reset(struct sip_opus_dec *d)
{
	if (!d)
		return;
	opus_decoder_ctl(d->st, OPUS_RESET_STATE);
	d->last_samples = SIP_OPUS_FRAME;
}

int sip_opus_packet_samples(const uint8_t *pkt, size_t len)
{
	if (!pkt || len == 0 || len > INT32_MAX)
		return -EINVAL;
	int n = opus_packet_get_nb_samples(pkt, (opus_int32)len, SIP_OPUS_RATE);
	return n > 0 && n <= SIP_OPUS_MAX_SAMPLES ? n : -EINVAL;
}

/* libopus PLC for n samples (a multiple of STEP); returns what it wrote. */
static int plc(struct sip_opus_dec *d, int16_t *pcm, int n)
{
	int done = 0;

	d->stats.concealed++;
	while (done < n) {
		int chunk = n - done > SIP_OPUS_MAX_SAMPLES ? SIP_OPUS_MAX_SAMPLES : n - done;
		int got = opus_decode(d->st, NULL, 0, pcm + done, chunk, 0);
		if (got <= 0) {
			/* Cannot happen with a valid state; keep the frame defined. */
			memset(pcm + done, 0, (size_t)(n - done) * sizeof(*pcm));
			return n;
		}
		done += got;
	}
	return done;
}

static size_t round_up_step(size_t n)
{
	return (n + STEP - 1) / STEP * STEP;
}

int sip_opus_dec_decode(struct sip_opus_dec *d, const uint8_t *pkt, size_t len,
			int16_t *pcm, size_t cap)
{
	if (!d || !pcm || cap < SIP_OPUS_FRAME || (!pkt && len))
		return -EINVAL;
	int want = sip_opus_packet_samples(pkt, len);
	if (want > 0 && (size_t)want <= cap) {
		int got = opus_decode(d->st, pkt, (opus_int32)len, pcm, want, 0);
		if (got > 0) {
			d->stats.packets++;
			d->last_samples = got;
			return got;
		}
	}
	d->stats.malformed++;
	size_t n = (size_t)d->last_samples;
	if (n > cap)
		n = cap / STEP * STEP;
	return plc(d, pcm, (int)n);
}

int sip_opus_dec_conceal(struct sip_opus_dec *d, size_t samples, const uint8_t *next,
			 size_t next_len, int16_t *pcm, size_t cap)
{
	if (!d || !pcm || samples == 0)
		return -EINVAL;
	size_t n = round_up_step(samples);
	if (n > SIP_OPUS_MAX_SAMPLES)
		n = SIP_OPUS_MAX_SAMPLES;
	if (n > cap)
		n = cap / STEP * STEP;
	if (n == 0)
		return -EINVAL;
	/* The next packet's LBRR data describes its own duration just before
	 * it (one frame's worth); PLC covers whatever of the loss comes before. */
	int next_samples = next ? sip_opus_packet_samples(next, next_len) : -EINVAL;
	int frame = next_samples > 0 ? opus_packet_get_samples_per_frame(next, SIP_OPUS_RATE) : 0;
	if (frame <= 0 || (size_t)frame > n || frame % STEP)
		return plc(d, pcm, (int)n);
	size_t head = n - (size_t)frame;
	if (head)
		plc(d, pcm, (int)head);
	int got = opus_decode(d->st, next, (opus_int32)next_len, pcm + head, frame, 1);
	if (got != frame) {
		plc(d, pcm + head, frame);
		return (int)n;
	}
	d->stats.fec++;
	return (int)n;
}

const struct sip_opus_dec_stats *sip_opus_dec_stats(const struct sip_opus_dec *d)
{
	return &d->stats;
}

void sip_opus_enc_config_default(struct sip_opus_enc_config *c)
{
	c->rate = SIP_OPUS_RATE;
	c->bitrate = 28000;
	c->complexity = 1;
	c->loss_percent = 10;
	c->fec = 1;
}

int sip_opus_enc_create(struct sip_opus_enc **out, const struct sip_opus_enc_config *config)
{
	struct sip_opus_enc_config def;
	struct sip_opus_enc *e;
	int err;

	if (!out)
		return -EINVAL;
	if (!config) {
		sip_opus_enc_config_default(&def);
		config = &def;
	}
	if ((config->rate != 8000 && config->rate != 16000 && config->rate != SIP_OPUS_RATE) ||
	    config->bitrate < 6000 || config->bitrate > 510000 || config->complexity < 0 ||
	    config->complexity > 10 || config->loss_percent < 0 || config->loss_percent > 100)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->st = opus_encoder_create(config->rate, 1, OPUS_APPLICATION_VOIP, &err);
	if (!e->st) {
		free(e);
		return err == OPUS_ALLOC_FAIL ? -ENOMEM : -EINVAL;
	}
	e->frame = config->rate / 50;
	if (opus_encoder_ctl(e->st, OPUS_SET_BITRATE(config->bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_COMPLEXITY(config->complexity)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_INBAND_FEC(config->fec ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_PACKET_LOSS_PERC(config->loss_percent)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_DTX(0)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK) {
		sip_opus_enc_destroy(e);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

void sip_opus_enc_destroy(struct sip_opus_enc *e)
{
	if (!e)
		return;
	opus_encoder_destroy(e->st);
	free(e);
}

int sip_opus_enc_encode(struct sip_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap)
{
	if (!e || !pcm || !out || cap < 3)
		return -EINVAL;
	opus_int32 max = cap > SIP_OPUS_MAX_PACKET ? SIP_OPUS_MAX_PACKET : (opus_int32)cap;
	opus_int32 n = opus_encode(e->st, pcm, e->frame, out, max);
	if (n == OPUS_BUFFER_TOO_SMALL)
		return -ENOSPC;
	return n > 0 ? (int)n : -EINVAL;
}
