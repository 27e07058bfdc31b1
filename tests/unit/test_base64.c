/* Unit tests for base/base64.c: the RFC 4648 section 10 vectors in both
 * alphabets, padded and not; bytes that differ between the alphabets; the
 * padding rules (refused by default; with BASE64_PAD optional, one or two,
 * and only to a multiple of four characters); non-zero spare bits (refused
 * unless BASE64_LAX_BITS); characters outside the alphabet, whitespace and
 * NUL included; output capacity in both directions, with nothing written
 * when it does not fit; and a round trip of every length up to 64 bytes.
 * Inputs are decoded from exact-size heap copies with no terminator, so ASan
 * reports any read past them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/base64.h"

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *padded, *bare;
} rfc_vectors[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};
#define N_VECTORS (sizeof rfc_vectors / sizeof rfc_vectors[0])

/* base64_decode over an exact-size heap copy of text. */
static int decode(const char *text, enum base64_alphabet a, unsigned flags, uint8_t *out,
		  size_t cap)
{
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, text, n);
	int rc = base64_decode(copy, n, a, flags, out, cap);
	free(copy);
	return rc;
}

static void expect_decoded(const char *text, enum base64_alphabet a, unsigned flags,
			   const void *want, size_t want_len)
{
	uint8_t out[128];
	int rc = decode(text, a, flags, out, sizeof out);
	if (rc != (int)want_len)
		fail_msg("\"%s\" (alphabet %d, flags %u): %d bytes, expected %zu", text, a, flags, rc,
			 want_len);
	assert_memory_equal(out, want, want_len);
}

static void expect_refused(const char *text, enum base64_alphabet a, unsigned flags)
{
	uint8_t out[128];
	int rc = decode(text, a, flags, out, sizeof out);
	if (rc != -1)
		fail_msg("\"%s\" (alphabet %d, flags %u) decoded to %d bytes", text, a, flags, rc);
}

static void expect_encoded(const void *in, size_t n, enum base64_alphabet a, unsigned flags,
			   const char *want)
{
	char out[128];
	assert_int_equal(base64_encoded_len(n, flags), strlen(want));
	assert_int_equal(base64_encode(in, n, a, flags, out, sizeof out), (int)strlen(want));
	assert_string_equal(out, want);
}

static void test_rfc4648_vectors(void **state)
{
	for (size_t i = 0; i < N_VECTORS; i++) {
		const char *p = rfc_vectors[i].plain;
		size_t n = strlen(p);
		for (int a = BASE64_STD; a <= BASE64_URL; a++) {
			expect_encoded(p, n, (enum base64_alphabet)a, BASE64_PAD, rfc_vectors[i].padded);
			expect_encoded(p, n, (enum base64_alphabet)a, 0, rfc_vectors[i].bare);
			expect_decoded(rfc_vectors[i].bare, (enum base64_alphabet)a, 0, p, n);
			expect_decoded(rfc_vectors[i].bare, (enum base64_alphabet)a, BASE64_PAD, p, n);
			expect_decoded(rfc_vectors[i].padded, (enum base64_alphabet)a, BASE64_PAD, p, n);
		}
	}
}

/* 0xfb 0xff 0xbf uses the two characters the alphabets disagree on. */
static void test_alphabets(void **state)
{
	static const uint8_t bytes[] = { 0xfb, 0xff, 0xbf, 0xfe };
	expect_encoded(bytes, 3, BASE64_STD, 0, "+/+/");
	expect_encoded(bytes, 3, BASE64_URL, 0, "-_-_");
	expect_encoded(bytes, 4, BASE64_STD, BASE64_PAD, "+/+//g==");
	expect_encoded(bytes, 4, BASE64_URL, 0, "-_-__g");
	expect_decoded("+/+/", BASE64_STD, 0, bytes, 3);
	expect_decoded("-_-_", BASE64_URL, 0, bytes, 3);
	expect_refused("-_-_", BASE64_STD, 0);
	expect_refused("+/+/", BASE64_URL, 0);
	expect_refused("+/+/", BASE64_URL, BASE64_PAD | BASE64_LAX_BITS);
	expect_refused("-_-_", BASE64_STD, BASE64_PAD | BASE64_LAX_BITS);
	/* Every byte value, both ways, in both alphabets. */
	uint8_t all[256], back[256];
	char text[400];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	for (int a = BASE64_STD; a <= BASE64_URL; a++) {
		int n = base64_encode(all, sizeof all, (enum base64_alphabet)a, BASE64_PAD, text,
				      sizeof text);
		assert_int_equal(n, 344);
		assert_int_equal(base64_decode(text, (size_t)n, (enum base64_alphabet)a, BASE64_PAD,
					       back, sizeof back), 256);
		assert_memory_equal(all, back, 256);
	}
}

static void test_padding_rules(void **state)
{
	uint8_t f = 'f';
	/* Refused when flags do not ask for it, in either alphabet. */
	expect_refused("Zg==", BASE64_URL, 0);
	expect_refused("Zg==", BASE64_STD, 0);
	expect_refused("Zm8=", BASE64_STD, BASE64_LAX_BITS);
	expect_refused("=", BASE64_STD, 0);
	/* With BASE64_PAD: optional, but right when present. */
	expect_decoded("Zg==", BASE64_STD, BASE64_PAD, &f, 1);
	expect_decoded("Zg", BASE64_STD, BASE64_PAD, &f, 1);
	expect_refused("Zg=", BASE64_STD, BASE64_PAD);       /* not to a multiple of 4 */
	expect_refused("Zg===", BASE64_STD, BASE64_PAD);
	expect_refused("Zm9v=", BASE64_STD, BASE64_PAD);
	expect_refused("Zm9v====", BASE64_STD, BASE64_PAD);  /* a whole group of padding */
	expect_refused("Z===", BASE64_STD, BASE64_PAD);      /* three: one character of data */
	expect_refused("Zm9=v", BASE64_STD, BASE64_PAD);     /* inside the text */
	expect_refused("Zg==Zg==", BASE64_STD, BASE64_PAD);
	expect_refused("==", BASE64_STD, BASE64_PAD);
	expect_refused("====", BASE64_STD, BASE64_PAD);
	expect_decoded("", BASE64_STD, BASE64_PAD, "", 0);
	/* The encoder writes it only when asked. */
	expect_encoded("fo", 2, BASE64_URL, BASE64_PAD, "Zm8=");
	expect_encoded("fo", 2, BASE64_STD, 0, "Zm8");
}

static void test_length_rules(void **state)
{
	/* 4k+1 characters cannot be base64, padded or not. */
	expect_refused("Z", BASE64_STD, BASE64_PAD | BASE64_LAX_BITS);
	expect_refused("Zm9vY", BASE64_URL, 0);
	expect_refused("Zm9vY===", BASE64_STD, BASE64_PAD | BASE64_LAX_BITS);
}

/* Zg is 0x66 and four zero bits; Zh to Zv set some of those four. */
static void test_spare_bits(void **state)
{
	uint8_t f = 'f';
	static const uint8_t fo[] = { 'f', 'o' };
	expect_refused("Zh", BASE64_URL, 0);
	expect_refused("Zv", BASE64_STD, 0);
	expect_refused("Zh==", BASE64_STD, BASE64_PAD);
	expect_refused("Zm9", BASE64_URL, 0);                /* 0x3d: two spare bits 01 */
	expect_refused("Zm-", BASE64_URL, 0);
	expect_decoded("Zm8", BASE64_URL, 0, fo, 2);
	/* BASE64_LAX_BITS ignores them. */
	expect_decoded("Zh", BASE64_STD, BASE64_LAX_BITS, &f, 1);
	expect_decoded("Zv==", BASE64_STD, BASE64_PAD | BASE64_LAX_BITS, &f, 1);
	expect_decoded("Zm9", BASE64_STD, BASE64_LAX_BITS, fo, 2);
	/* A whole group has no spare bits. */
	expect_decoded("////", BASE64_STD, 0, "\xff\xff\xff", 3);
}

static void test_invalid_characters(void **state)
{
	static const char *const bad[] = {
		"Zm9v Zg", " Zm9v", "Zm9v ", "Zm9v\n", "Zm\r\n9v", "Zm9v\t", "Zm.v", "Zm9v!",
		"Zm9v\x80", "Zm9v\xff", "Zm*v", "Zm9v:", "@m9v",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		for (int a = BASE64_STD; a <= BASE64_URL; a++) {
			expect_refused(bad[i], (enum base64_alphabet)a, 0);
			expect_refused(bad[i], (enum base64_alphabet)a, BASE64_PAD | BASE64_LAX_BITS);
		}
	/* A NUL inside the text is a character like any other: refused. */
	uint8_t out[8];
	assert_int_equal(base64_decode("Zm\0v", 4, BASE64_STD, BASE64_PAD | BASE64_LAX_BITS, out,
				       sizeof out), -1);
	assert_int_equal(base64_decode("Zm9v", 4, BASE64_URL, 0, out, sizeof out), 3);
}

static void test_decode_capacity(void **state)
{
	uint8_t out[8];
	memset(out, 0xee, sizeof out);
	/* "foobar" needs 6: 5 refuses without writing, 6 fits exactly. */
	assert_int_equal(base64_decode("Zm9vYmFy", 8, BASE64_STD, 0, out, 5), -1);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0xee);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, BASE64_STD, 0, out, 6), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(out[6], 0xee);
	/* Padding does not count against the room. */
	assert_int_equal(base64_decode("Zm9vYg==", 8, BASE64_STD, BASE64_PAD, out, 4), 4);
	assert_int_equal(base64_decode("Zm9vYg==", 8, BASE64_STD, BASE64_PAD, out, 3), -1);
	assert_int_equal(base64_decode("Zm9vYmE", 7, BASE64_URL, 0, out, 5), 5);
	assert_int_equal(base64_decode("Zm9vYmE", 7, BASE64_URL, 0, out, 4), -1);
	assert_int_equal(base64_decode("", 0, BASE64_URL, 0, NULL, 0), 0);
	assert_int_equal(base64_decode("Zg", 2, BASE64_URL, 0, out, 0), -1);
}

static void test_encode_capacity(void **state)
{
	char out[16];
	memset(out, 'x', sizeof out);
	/* "foob" padded is 8 characters and a NUL: 8 bytes refuse untouched. */
	assert_int_equal(base64_encode((const uint8_t *)"foob", 4, BASE64_STD, BASE64_PAD, out, 8), -1);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 'x');
	assert_int_equal(base64_encode((const uint8_t *)"foob", 4, BASE64_STD, BASE64_PAD, out, 9), 8);
	assert_string_equal(out, "Zm9vYg==");
	assert_int_equal(out[9], 'x');
	/* Unpadded: 6 characters and a NUL. */
	assert_int_equal(base64_encode((const uint8_t *)"foob", 4, BASE64_URL, 0, out, 6), -1);
	assert_int_equal(base64_encode((const uint8_t *)"foob", 4, BASE64_URL, 0, out, 7), 6);
	assert_string_equal(out, "Zm9vYg");
	/* Nothing in: an empty string, which still needs its NUL. */
	assert_int_equal(base64_encode(NULL, 0, BASE64_URL, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(base64_encode(NULL, 0, BASE64_URL, 0, out, 0), -1);
	assert_int_equal(base64_encoded_len(0, BASE64_PAD), 0);
	assert_int_equal(base64_encoded_len(1, BASE64_PAD), 4);
	assert_int_equal(base64_encoded_len(1, 0), 2);
	assert_int_equal(base64_encoded_len(32, 0), 43);
	assert_int_equal(base64_encoded_len(44, BASE64_PAD), 60);
}

/* Every length 0..64 and both alphabets: encode, decode back, and the
 * padded and bare forms decode alike under BASE64_PAD. */
static void test_round_trip(void **state)
{
	uint8_t in[64], back[64];
	char padded[100], bare[100];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof in; n++)
		for (int a = BASE64_STD; a <= BASE64_URL; a++) {
			enum base64_alphabet al = (enum base64_alphabet)a;
			int np = base64_encode(in, n, al, BASE64_PAD, padded, sizeof padded);
			int nb = base64_encode(in, n, al, 0, bare, sizeof bare);
			assert_int_equal(np % 4, 0);
			assert_int_equal(np - nb, (3 - n % 3) % 3);
			assert_int_equal(strncmp(padded, bare, (size_t)nb), 0);
			assert_int_equal(base64_decode(bare, (size_t)nb, al, 0, back, n), (int)n);
			assert_memory_equal(in, back, n);
			assert_int_equal(base64_decode(padded, (size_t)np, al, BASE64_PAD, back, n), (int)n);
			assert_memory_equal(in, back, n);
			if (np != nb)
				assert_int_equal(base64_decode(padded, (size_t)np, al, 0, back, n), -1);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_alphabets),
		cmocka_unit_test(test_padding_rules),
		cmocka_unit_test(test_length_rules),
		cmocka_unit_test(test_spare_bits),
		cmocka_unit_test(test_invalid_characters),
		cmocka_unit_test(test_decode_capacity),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
