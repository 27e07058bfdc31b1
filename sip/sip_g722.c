/* G.722 through spandsp (see sip_g722.h). spandsp allocates its state in
 * its init call; these wrappers only add the checks. */
#include "sip/sip_g722.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <spandsp/telephony.h>
#include <spandsp/g722.h>

struct sip_g722_enc {
	g722_encode_state_t *st;
};

struct sip_g722_dec {
	g722_decode_state_t *st;
};

int sip_g722_enc_create(struct sip_g722_enc **out)
{
	struct sip_g722_enc *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->st = g722_encode_init(NULL, 64000, 0);
	if (!e->st) {
		free(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

int sip_g722_dec_create(struct sip_g722_dec **out)
{
	struct sip_g722_dec *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->st = g722_decode_init(NULL, 64000, 0);
	if (!d->st) {
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void sip_g722_enc_destroy(struct sip_g722_enc *e)
{
	if (!e)
		return;
	g722_encode_free(e->st);
	free(e);
}

void sip_g722_dec_destroy(struct sip_g722_dec *d)
{
	if (!d)
		return;
	g722_decode_free(d->st);
	free(d);
}

int sip_g722_encode(struct sip_g722_enc *e, const int16_t *pcm, size_t n, uint8_t *out)
{
	if (!e || (n && (!pcm || !out)) || n % 2 || n > INT_MAX)
		return -EINVAL;
	return n ? g722_encode(e->st, out, pcm, (int)n) : 0;
}

int sip_g722_decode(struct sip_g722_dec *d, const uint8_t *in, size_t n, int16_t *pcm)
{
	if (!d || (n && (!in || !pcm)) || n > INT_MAX / 2)
		return -EINVAL;
	return n ? g722_decode(d->st, pcm, in, (int)n) : 0;
}
