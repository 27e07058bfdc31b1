/* Unit tests for sfu/transport/srtp_session: a sender and a receiver session
 * with mirrored keys, for each DTLS-SRTP profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sfu/transport/srtp_session.h"

#define BUF_CAP 1500
#define GUARD 64
#define OVERHEAD (SRTP_MAX_TRAILER + 4)

struct pair {
	struct srtp_session *tx;
	struct srtp_session *rx;
	enum srtp_profile_id profile;
};

static const enum srtp_profile_id all_profiles[] = {
	SRTP_PROFILE_AES128_CM_SHA1_80,
	SRTP_PROFILE_AEAD_AES_128_GCM,
	SRTP_PROFILE_AEAD_AES_256_GCM,
};

static size_t key_salt_len(enum srtp_profile_id p)
{
	switch (p) {
	case SRTP_PROFILE_AES128_CM_SHA1_80: return 30;
	case SRTP_PROFILE_AEAD_AES_128_GCM: return 28;
	case SRTP_PROFILE_AEAD_AES_256_GCM: return 44;
	}
	return 0;
}

static size_t tag_len(enum srtp_profile_id p)
{
	return p == SRTP_PROFILE_AES128_CM_SHA1_80 ? 10 : 16;
}

static void fill_keys(struct srtp_keys *k, enum srtp_profile_id p, uint8_t seed_local,
		      uint8_t seed_remote)
{
	memset(k, 0, sizeof(*k));
	k->profile = p;
	k->key_salt_len = key_salt_len(p);
	for (size_t i = 0; i < SRTP_MAX_KEY_SALT; i++) {
		k->local[i] = (uint8_t)(seed_local * 31 + i * 7);
		k->remote[i] = (uint8_t)(seed_remote * 31 + i * 7);
	}
}

static void make_pair(struct pair *pr, enum srtp_profile_id p)
{
	struct srtp_keys a, b;
	fill_keys(&a, p, 1, 2);
	fill_keys(&b, p, 2, 1);
	pr->profile = p;
	assert_int_equal(srtp_session_create(&pr->tx, &a), 0);
	assert_int_equal(srtp_session_create(&pr->rx, &b), 0);
}

static void free_pair(struct pair *pr)
{
	srtp_session_destroy(pr->tx);
	srtp_session_destroy(pr->rx);
}

static size_t build_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
{
	buf[0] = 0x80;
	buf[1] = 96;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	uint32_t ts = 90u * seq;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (size_t i = 0; i < payload; i++)
		buf[12 + i] = (uint8_t)(i ^ seq);
	return 12 + payload;
}

/* A sender report without report blocks (28 bytes). */
static size_t build_rtcp_sr(uint8_t *buf, uint32_t ssrc, uint32_t packets)
{
	memset(buf, 0, 28);
	buf[0] = 0x80;
	buf[1] = 200;
	buf[3] = 6;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
		buf[20 + i] = (uint8_t)(packets >> (24 - 8 * i));
	}
	return 28;
}

static int setup(void **state)
{
	return srtp_session_library_init();
}

static int teardown(void **state)
{
	srtp_session_library_shutdown();
	return 0;
}

static void test_profile_names(void **state)
{
	assert_string_equal(srtp_profile_name(SRTP_PROFILE_AES128_CM_SHA1_80),
			    "SRTP_AES128_CM_HMAC_SHA1_80");
	assert_string_equal(srtp_profile_name(SRTP_PROFILE_AEAD_AES_128_GCM), "SRTP_AEAD_AES_128_GCM");
	assert_string_equal(srtp_profile_name(SRTP_PROFILE_AEAD_AES_256_GCM), "SRTP_AEAD_AES_256_GCM");
	assert_string_equal(srtp_profile_name((enum srtp_profile_id)0x1234), "unknown");
}

static void test_create_rejects_bad_keys(void **state)
{
	struct srtp_session *s = NULL;
	struct srtp_keys k;
	for (size_t i = 0; i < 3; i++) {
		fill_keys(&k, all_profiles[i], 1, 2);
		k.key_salt_len += 1;
		assert_int_equal(srtp_session_create(&s, &k), -EINVAL);
		k.key_salt_len -= 2;
		assert_int_equal(srtp_session_create(&s, &k), -EINVAL);
	}
	fill_keys(&k, SRTP_PROFILE_AEAD_AES_128_GCM, 1, 2);
	k.profile = (enum srtp_profile_id)2; /* AES128_CM_SHA1_32: not supported */
	assert_int_equal(srtp_session_create(&s, &k), -EINVAL);
	srtp_session_destroy(NULL);
}

static void rtp_roundtrip(enum srtp_profile_id p)
{
	struct pair pr;
	make_pair(&pr, p);
	uint8_t buf[BUF_CAP], orig[BUF_CAP];
	const uint32_t ssrcs[] = { 0x11111111, 0x22222222, 0xdeadbeef };
	for (uint16_t seq = 65530; seq != 10; seq++) { /* crosses the rollover */
		for (size_t k = 0; k < 3; k++) {
			size_t len = build_rtp(buf, seq, ssrcs[k], 100 + seq % 50);
			size_t plain = len;
			memcpy(orig, buf, len);
			assert_int_equal(srtp_session_protect(pr.tx, buf, &len, sizeof(buf)), 0);
			assert_int_equal(len, plain + tag_len(p));
			assert_memory_not_equal(buf + 12, orig + 12, plain - 12);
			assert_memory_equal(buf, orig, 12); /* header stays clear */
			assert_int_equal(srtp_session_unprotect(pr.rx, buf, &len), 0);
			assert_int_equal(len, plain);
			assert_memory_equal(buf, orig, plain);
		}
	}
	free_pair(&pr);
}

static void test_rtp_roundtrip(void **state)
{
	rtp_roundtrip(*(enum srtp_profile_id *)*state);
}

static void rtcp_roundtrip(enum srtp_profile_id p)
{
	struct pair pr;
	make_pair(&pr, p);
	uint8_t buf[BUF_CAP], orig[BUF_CAP];
	for (uint32_t i = 0; i < 20; i++) {
		size_t len = build_rtcp_sr(buf, 0x1234 + i % 3, i);
		size_t plain = len;
		memcpy(orig, buf, len);
		assert_int_equal(srtp_session_protect_rtcp(pr.tx, buf, &len, sizeof(buf)), 0);
		assert_int_equal(len, plain + 4 + tag_len(p));
		assert_int_equal(srtp_session_unprotect_rtcp(pr.rx, buf, &len), 0);
		assert_int_equal(len, plain);
		assert_memory_equal(buf, orig, plain);
	}
	free_pair(&pr);
}

static void test_rtcp_roundtrip(void **state)
{
	rtcp_roundtrip(*(enum srtp_profile_id *)*state);
}

/* Both directions of one association, as two DTLS ends would set them up. */
static void test_both_directions(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t buf[BUF_CAP];
	size_t len = build_rtp(buf, 1, 42, 50);
	assert_int_equal(srtp_session_protect(pr.rx, buf, &len, sizeof(buf)), 0);
	assert_int_equal(srtp_session_unprotect(pr.tx, buf, &len), 0);
	len = build_rtp(buf, 1, 42, 50);
	assert_int_equal(srtp_session_protect(pr.tx, buf, &len, sizeof(buf)), 0);
	/* The sender's own inbound session has the other key. */
	assert_int_equal(srtp_session_unprotect(pr.tx, buf, &len), -EACCES);
	free_pair(&pr);
}

static void test_tampered_rejected(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t buf[BUF_CAP];
	/* One flipped bit in payload, in the header, in the tag. */
	const size_t flips[] = { 20, 5, 0 };
	for (size_t i = 0; i < 3; i++) {
		size_t len = build_rtp(buf, (uint16_t)(100 + i), 7, 80);
		assert_int_equal(srtp_session_protect(pr.tx, buf, &len, sizeof(buf)), 0);
		buf[flips[i] ? flips[i] : len - 1] ^= 0x01;
		assert_int_equal(srtp_session_unprotect(pr.rx, buf, &len), -EACCES);
	}
	size_t len = build_rtcp_sr(buf, 7, 1);
	assert_int_equal(srtp_session_protect_rtcp(pr.tx, buf, &len, sizeof(buf)), 0);
	buf[12] ^= 0x80;
	assert_int_equal(srtp_session_unprotect_rtcp(pr.rx, buf, &len), -EACCES);
	free_pair(&pr);
}

static void test_replay_rejected(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t buf[BUF_CAP], copy[BUF_CAP];
	size_t len = build_rtp(buf, 500, 9, 60);
	assert_int_equal(srtp_session_protect(pr.tx, buf, &len, sizeof(buf)), 0);
	size_t copy_len = len;
	memcpy(copy, buf, len);
	assert_int_equal(srtp_session_unprotect(pr.rx, buf, &len), 0);
	assert_int_equal(srtp_session_unprotect(pr.rx, copy, &copy_len), -EACCES);

	len = build_rtcp_sr(buf, 9, 3);
	assert_int_equal(srtp_session_protect_rtcp(pr.tx, buf, &len, sizeof(buf)), 0);
	copy_len = len;
	memcpy(copy, buf, len);
	assert_int_equal(srtp_session_unprotect_rtcp(pr.rx, buf, &len), 0);
	assert_int_equal(srtp_session_unprotect_rtcp(pr.rx, copy, &copy_len), -EACCES);
	free_pair(&pr);
}

/* Retransmission without RTX resends the same sequence number. */
static void test_repeat_tx_allowed(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t first[BUF_CAP], again[BUF_CAP];
	for (uint16_t seq = 1; seq <= 3; seq++) {
		size_t len = build_rtp(first, seq, 5, 40);
		assert_int_equal(srtp_session_protect(pr.tx, first, &len, sizeof(first)), 0);
	}
	size_t len = build_rtp(again, 2, 5, 40);
	assert_int_equal(srtp_session_protect(pr.tx, again, &len, sizeof(again)), 0);
	assert_int_equal(srtp_session_unprotect(pr.rx, again, &len), 0);
	free_pair(&pr);
}

static void test_cap_too_small(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t buf[BUF_CAP], orig[BUF_CAP];
	size_t plain = build_rtp(buf, 1, 3, 100);
	memcpy(orig, buf, plain);
	size_t len = plain;
	assert_int_equal(srtp_session_protect(pr.tx, buf, &len, plain + OVERHEAD - 1), -ENOSPC);
	assert_int_equal(len, plain);
	assert_memory_equal(buf, orig, plain);
	assert_int_equal(srtp_session_protect(pr.tx, buf, &len, plain), -ENOSPC);

	plain = build_rtcp_sr(buf, 3, 1);
	len = plain;
	assert_int_equal(srtp_session_protect_rtcp(pr.tx, buf, &len, plain + OVERHEAD - 1), -ENOSPC);
	assert_int_equal(len, plain);
	free_pair(&pr);
}

/* With exactly the documented room, nothing is written past cap. */
static void test_exact_cap_no_overrun(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t buf[200 + OVERHEAD + GUARD];
	size_t len = build_rtp(buf, 1, 3, 188);
	size_t cap = len + OVERHEAD;
	memset(buf + cap, 0xa5, GUARD);
	assert_int_equal(srtp_session_protect(pr.tx, buf, &len, cap), 0);
	for (size_t i = 0; i < GUARD; i++)
		assert_int_equal(buf[cap + i], 0xa5);

	len = build_rtcp_sr(buf, 3, 1);
	cap = len + OVERHEAD;
	memset(buf + cap, 0xa5, GUARD);
	assert_int_equal(srtp_session_protect_rtcp(pr.tx, buf, &len, cap), 0);
	for (size_t i = 0; i < GUARD; i++)
		assert_int_equal(buf[cap + i], 0xa5);
	free_pair(&pr);
}

static void test_truncated_rejected(void **state)
{
	struct pair pr;
	make_pair(&pr, *(enum srtp_profile_id *)*state);
	uint8_t buf[BUF_CAP], protected_rtp[BUF_CAP], protected_rtcp[BUF_CAP];
	for (size_t n = 0; n < 12; n++) {
		size_t len = n;
		memset(buf, 0x80, sizeof(buf));
		assert_int_equal(srtp_session_protect(pr.tx, buf, &len, sizeof(buf)), -EINVAL);
	}
	for (size_t n = 0; n < 8; n++) {
		size_t len = n;
		assert_int_equal(srtp_session_protect_rtcp(pr.tx, buf, &len, sizeof(buf)), -EINVAL);
	}
	size_t rtp_len = build_rtp(protected_rtp, 1, 3, 30);
	assert_int_equal(srtp_session_protect(pr.tx, protected_rtp, &rtp_len, BUF_CAP), 0);
	size_t rtcp_len = build_rtcp_sr(protected_rtcp, 3, 1);
	assert_int_equal(srtp_session_protect_rtcp(pr.tx, protected_rtcp, &rtcp_len, BUF_CAP), 0);
	for (size_t n = 0; n < rtp_len; n++) {
		size_t len = n;
		memcpy(buf, protected_rtp, n);
		assert_true(srtp_session_unprotect(pr.rx, buf, &len) < 0);
		assert_int_equal(len, n);
	}
	for (size_t n = 0; n < rtcp_len; n++) {
		size_t len = n;
		memcpy(buf, protected_rtcp, n);
		assert_true(srtp_session_unprotect_rtcp(pr.rx, buf, &len) < 0);
	}
	/* A header that claims more CSRCs than the packet holds. */
	size_t len = build_rtp(buf, 2, 3, 4);
	buf[0] |= 0x0f;
	assert_true(srtp_session_protect(pr.tx, buf, &len, sizeof(buf)) < 0);
	/* The untouched packets still pass afterwards. */
	assert_int_equal(srtp_session_unprotect(pr.rx, protected_rtp, &rtp_len), 0);
	assert_int_equal(srtp_session_unprotect_rtcp(pr.rx, protected_rtcp, &rtcp_len), 0);
	free_pair(&pr);
}

#define PER_PROFILE(fn)                                                              \
	cmocka_unit_test_prestate(fn, (void *)&all_profiles[0]),                     \
	cmocka_unit_test_prestate(fn, (void *)&all_profiles[1]),                     \
	cmocka_unit_test_prestate(fn, (void *)&all_profiles[2])

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_names),
		cmocka_unit_test(test_create_rejects_bad_keys),
		PER_PROFILE(test_rtp_roundtrip),
		PER_PROFILE(test_rtcp_roundtrip),
		PER_PROFILE(test_both_directions),
		PER_PROFILE(test_tampered_rejected),
		PER_PROFILE(test_replay_rejected),
		PER_PROFILE(test_repeat_tx_allowed),
		PER_PROFILE(test_cap_too_small),
		PER_PROFILE(test_exact_cap_no_overrun),
		PER_PROFILE(test_truncated_rejected),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
