/* libFuzzer target for base/base64.c. The first byte picks the alphabet and
 * flags (bit 0: URL, bit 1: BASE64_PAD, bit 2: BASE64_LAX_BITS), the second
 * the output capacity; the rest is decoded as text, and separately encoded as
 * bytes. Decoding must never write past cap, must agree with a plain
 * reference decoder written here, and what it accepts strictly must be the
 * one canonical text of its bytes (encoding them again gives the input
 * back); encoding must round-trip under every flag. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define MAX_IN 4096

/* A slow, obvious decoder: the same rules as base64.h, stated one by one. */
static int reference(const char *in, size_t len, bool url, unsigned flags, uint8_t *out,
		     size_t cap)
{
	const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			      : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = len, pad = 0;
	if (flags & BASE64_PAD) {
		while (n && in[n - 1] == '=')
			n--, pad++;
		if (pad > 2 || (pad && len % 4))
			return -1;
	}
	if (n % 4 == 1)
		return -1;
	size_t want = n * 6 / 8;
	if (want > cap)
		return -1;
	uint64_t bits = 0;
	unsigned nbits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = in[i] ? strchr(abc, in[i]) : NULL;
		if (!p)
			return -1;
		bits = bits << 6 | (uint64_t)(p - abc);
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (uint8_t)(bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	if (!(flags & BASE64_LAX_BITS) && bits)
		return -1;
	return (int)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[MAX_IN + 16], ref[MAX_IN + 16], back[MAX_IN + 16];
	static char text[MAX_IN * 2];
	if (size < 2 || size - 2 > MAX_IN)
		return 0;
	bool url = data[0] & 1;
	enum base64_alphabet a = url ? BASE64_URL : BASE64_STD;
	unsigned flags = (data[0] & 2 ? BASE64_PAD : 0) | (data[0] & 4 ? BASE64_LAX_BITS : 0);
	size_t cap = data[1] == 255 ? MAX_IN : data[1];
	const uint8_t *body = data + 2;
	size_t n = size - 2;

	/* Decode an exact-size copy, so ASan sees any read past the end. */
	char *in = malloc(n ? n : 1);
	CHECK(in);
	memcpy(in, body, n);
	memset(out, 0xa5, sizeof out);
	int len = base64_decode(in, n, a, flags, out, cap);
	int want = reference(in, n, url, flags, ref, cap);
	CHECK(len == want);
	for (size_t i = len < 0 ? cap : (size_t)len; i < sizeof out; i++)
		CHECK(out[i] == 0xa5);
	if (len >= 0) {
		CHECK((size_t)len <= cap && !memcmp(out, ref, (size_t)len));
		/* Canonical: without lax bits the bytes have exactly one text
		 * (padded or bare, as the input was). */
		bool padded = n && in[n - 1] == '=';
		int m = base64_encode(out, (size_t)len, a, padded ? BASE64_PAD : 0, text, sizeof text);
		CHECK(m >= 0);
		if (!(flags & BASE64_LAX_BITS))
			CHECK((size_t)m == n && !memcmp(text, in, n));
		CHECK(base64_decode(text, (size_t)m, a, flags, back, sizeof back) == len);
		CHECK(!memcmp(back, out, (size_t)len));
	}
	free(in);

	/* Encode the bytes under both padding choices and read them back. */
	for (unsigned pad = 0; pad <= BASE64_PAD; pad += BASE64_PAD) {
		size_t need = base64_encoded_len(n, pad);
		int m = base64_encode(body, n, a, pad, text, cap < need + 1 ? cap : sizeof text);
		if (cap < need + 1) {
			CHECK(m == -1);
			continue;
		}
		CHECK(m >= 0 && (size_t)m == need && text[m] == '\0');
		CHECK(base64_decode(text, (size_t)m, a, pad, back, n) == (int)n);
		CHECK(!memcmp(back, body, n));
	}
	return 0;
}
