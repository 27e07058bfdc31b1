/* Base64 (RFC 4648) in both alphabets, with the strictness each caller asks
 * for. Tokens (api/token.c) use base64url, never padded, with every spare bit
 * zero, so one string has one meaning. SDES keys (sip/sip_sdes.c) use the
 * standard alphabet with optional padding, as RFC 4568's inline keys are
 * written by phones.
 *
 * Pure functions over the caller's buffers: no allocation, no global state;
 * any thread may call them. */
#ifndef PARLEY_BASE_BASE64_H
#define PARLEY_BASE_BASE64_H

#include <stddef.h>
#include <stdint.h>

enum base64_alphabet {
	BASE64_STD,  /* RFC 4648 section 4: A-Z a-z 0-9 + / */
	BASE64_URL,  /* RFC 4648 section 5: A-Z a-z 0-9 - _ */
};

/* Encoding: write '=' padding to a multiple of 4 characters.
 * Decoding: accept it (optional; when present there are one or two and the
 * text is then a multiple of 4 characters). Without it, '=' is refused. */
#define BASE64_PAD 0x1u
/* Decoding: accept non-zero unused low bits in the last character (by
 * default refused, since they make several strings decode alike). */
#define BASE64_LAX_BITS 0x2u

/* Characters base64_encode writes for n bytes, the NUL excluded. */
size_t base64_encoded_len(size_t n, unsigned flags);

/* Writes the encoding of in[0..n) and a NUL to out (cap bytes, at least
 * base64_encoded_len + 1). Returns the characters written (NUL excluded),
 * or -1, writing nothing, when cap is too small or the length is above
 * INT_MAX. */
int base64_encode(const uint8_t *in, size_t n, enum base64_alphabet a, unsigned flags, char *out,
		  size_t cap);

/* Decodes the len characters at in (no NUL needed) into out (cap bytes).
 * Returns the decoded length, or -1 when in is not base64 of alphabet a under
 * flags (a character outside the alphabet, whitespace included; a length of
 * 4k+1; padding where flags refuse it or in the wrong amount; non-zero spare
 * bits unless BASE64_LAX_BITS) or when the result would exceed cap. Never
 * writes past cap, nor anything when the result would not fit; on a bad
 * character out may hold the bytes decoded before it. */
int base64_decode(const char *in, size_t len, enum base64_alphabet a, unsigned flags,
		  uint8_t *out, size_t cap);

#endif
