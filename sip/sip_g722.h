/* G.722 (64 kbit/s, 16 kHz audio) for SIP callers, over spandsp's
 * bit-exact coder. RTP carries it with an 8000 Hz clock (RFC 3551 4.5.2):
 * 20 ms is 160 bytes, 320 samples, and advances the timestamp by 160.
 * Every byte is valid G.722, so decoding cannot fail.
 *
 * Each coder's state is allocated once at create; encoding and decoding
 * allocate nothing. Owned by the call leg; one thread at a time. */
#ifndef PARLEY_SIP_G722_H
#define PARLEY_SIP_G722_H

#include <stddef.h>
#include <stdint.h>

#define SIP_G722_RATE 16000
#define SIP_G722_FRAME 320       /* samples per 20 ms; 160 bytes */

struct sip_g722_enc;
struct sip_g722_dec;

/* Return 0 or -ENOMEM. */
int sip_g722_enc_create(struct sip_g722_enc **out);
int sip_g722_dec_create(struct sip_g722_dec **out);
/* NULL is fine. */
void sip_g722_enc_destroy(struct sip_g722_enc *e);
void sip_g722_dec_destroy(struct sip_g722_dec *d);

/* n samples (even) -> n / 2 bytes. Returns the bytes written, or -EINVAL. */
int sip_g722_encode(struct sip_g722_enc *e, const int16_t *pcm, size_t n, uint8_t *out);
/* n bytes -> 2n samples. Returns the samples written, or -EINVAL. */
int sip_g722_decode(struct sip_g722_dec *d, const uint8_t *in, size_t n, int16_t *pcm);

#endif
