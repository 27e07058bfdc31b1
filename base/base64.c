/* Base64 (RFC 4648), both alphabets: see base64.h. The decoder checks the
 * shape (length, padding, room in out) before it writes a byte. */
#include "base/base64.h"

#include <limits.h>
#include <stdbool.h>

static const char alphabet_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64_encoded_len(size_t n, unsigned flags)
{
	if (flags & BASE64_PAD)
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

int base64_encode(const uint8_t *in, size_t n, enum base64_alphabet a, unsigned flags, char *out,
		  size_t cap)
{
	const char *abc = a == BASE64_URL ? alphabet_url : alphabet_std;
	bool pad = flags & BASE64_PAD;
	if (n > (size_t)INT_MAX / 4 * 3)
		return -1;
	size_t need = base64_encoded_len(n, flags);
	if (!out || cap <= need)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = abc[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (i + 2 < n)
			out[o++] = abc[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

/* The 6-bit value of c in alphabet a, or -1 for anything else ('=' included). */
static int value_of(char c, enum base64_alphabet a)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (a == BASE64_URL)
		return c == '-' ? 62 : c == '_' ? 63 : -1;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int base64_decode(const char *in, size_t len, enum base64_alphabet a, unsigned flags,
		  uint8_t *out, size_t cap)
{
	size_t pad = 0, n = len;
	if (len && !in)
		return -1;
	if (flags & BASE64_PAD) {
		while (n && in[n - 1] == '=' && pad < 3)
			n--, pad++;
		if (pad > 2 || (pad && len % 4))
			return -1;
	}
	if (n % 4 == 1 || n / 4 > (size_t)INT_MAX / 3 - 1)
		return -1;
	size_t decoded = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (decoded > cap)
		return -1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int v = value_of(in[i], a);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (!(flags & BASE64_LAX_BITS) && (acc & ((1u << bits) - 1)))
		return -1;
	return (int)o;
}
