/* Unit tests for sfu/codecs.c: the video_codecs list parser (order, case,
 * spaces, unknown and empty lists, the output limit, duplicates) and the
 * static tables every participant's payload types come from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sfu/codecs.h"

/* Parses list into out[0..CODEC_MAX_VIDEO) and checks the rtpmap names. */
static void expect_list(const char *list, const char *const *names, int n)
{
	const struct codec *out[CODEC_MAX_VIDEO + 1] = { 0 };
	char err[128] = "";
	int rc = codec_parse_video_list(list, out, CODEC_MAX_VIDEO, err, sizeof(err));

	if (rc != n)
		fail_msg("\"%s\": got %d (%s), wanted %d", list, rc, err, n);
	for (int i = 0; i < n; i++) {
		assert_non_null(out[i]);
		assert_string_equal(out[i]->name, names[i]);
		assert_int_equal(out[i]->kind, SDP_KIND_VIDEO);
	}
	assert_null(out[n]); /* nothing written past the count */
}

/* Expects -EINVAL with err naming want. */
static void expect_invalid(const char *list, const char *want)
{
	const struct codec *out[CODEC_MAX_VIDEO] = { 0 };
	char err[128] = "";
	int rc = codec_parse_video_list(list, out, CODEC_MAX_VIDEO, err, sizeof(err));

	if (rc != -EINVAL)
		fail_msg("\"%s\": got %d, wanted -EINVAL", list, rc);
	if (!strstr(err, want))
		fail_msg("\"%s\": error \"%s\" does not mention \"%s\"", list, err, want);
}

#define NAMES(...) ((const char *const[]){ __VA_ARGS__ })

static void test_default_list(void **state)
{
	const struct codec *out[CODEC_MAX_VIDEO];
	char err[64];

	expect_list("vp8,vp9,h264,av1", NAMES("VP8", "VP9", "H264", "AV1"), 4);
	assert_int_equal(codec_parse_video_list("vp8,vp9,h264,av1", out, CODEC_MAX_VIDEO, err,
						sizeof(err)), 4);
	assert_int_equal(out[0]->pt, 96);
	assert_int_equal(out[0]->rtx_pt, 97);
	assert_int_equal(out[0]->id, RTP_CODEC_VP8);
	assert_int_equal(out[1]->pt, 98);
	assert_int_equal(out[1]->id, RTP_CODEC_VP9);
	assert_string_equal(out[1]->fmtp, "profile-id=0");
	assert_int_equal(out[2]->pt, 102);
	assert_int_equal(out[2]->id, RTP_CODEC_H264);
	assert_non_null(strstr(out[2]->fmtp, "packetization-mode=1"));
	assert_int_equal(out[3]->pt, 45);
	assert_int_equal(out[3]->id, RTP_CODEC_AV1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(out[i]->clock_rate, 90000);
}

static void test_order_is_kept(void **state)
{
	expect_list("av1,h264,vp9,vp8", NAMES("AV1", "H264", "VP9", "VP8"), 4);
	expect_list("h264,vp8", NAMES("H264", "VP8"), 2);
	expect_list("vp9", NAMES("VP9"), 1);
	expect_list("h264", NAMES("H264"), 1);
}

static void test_case_insensitive(void **state)
{
	expect_list("VP8,H264", NAMES("VP8", "H264"), 2);
	expect_list("Av1,vP9", NAMES("AV1", "VP9"), 2);
}

static void test_spaces_and_commas(void **state)
{
	expect_list(" vp8 , h264 ", NAMES("VP8", "H264"), 2);
	expect_list("vp8, vp9,  av1", NAMES("VP8", "VP9", "AV1"), 3);
	expect_list(",,vp8,,h264,", NAMES("VP8", "H264"), 2);
	expect_list("   vp9", NAMES("VP9"), 1);
	expect_list("vp9   ", NAMES("VP9"), 1);
}

static void test_unknown_codec(void **state)
{
	expect_invalid("vp8,h265", "\"h265\"");
	expect_invalid("h265,vp8", "\"h265\"");
	expect_invalid("vp8x", "\"vp8x\"");
	expect_invalid("vp", "\"vp\"");
	expect_invalid("vp8;vp9", "vp8;vp9");
	expect_invalid("vp8,H.264", "H.264");
	/* Audio codecs are not video codecs. */
	expect_invalid("opus", "\"opus\"");
	expect_invalid("vp8,opus", "\"opus\"");
	/* An unknown codec is an error even past the output limit. */
	expect_invalid("vp8,vp9,h264,av1,bogus", "\"bogus\"");
}

static void test_empty_list(void **state)
{
	expect_invalid("", "no video codec");
	expect_invalid(" ", "no video codec");
	expect_invalid(",", "no video codec");
	expect_invalid(" , ,, ", "no video codec");
}

/* At most max codecs are written; the count says how many. */
static void test_output_limit(void **state)
{
	const struct codec *out[3] = { 0 };
	char err[64] = "";

	assert_int_equal(codec_parse_video_list("h264,vp8,av1", out, 2, err, sizeof(err)), 2);
	assert_string_equal(out[0]->name, "H264");
	assert_string_equal(out[1]->name, "VP8");
	assert_null(out[2]);
}

/* The error text fits whatever buffer it is given. */
static void test_small_error_buffer(void **state)
{
	const struct codec *out[CODEC_MAX_VIDEO];
	char err[8];

	memset(err, 'x', sizeof(err));
	assert_int_equal(codec_parse_video_list("averyveryverylongname", out, CODEC_MAX_VIDEO, err,
						sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

/* A codec named twice would put its payload type twice on the m= line;
 * each codec is offered once (duplicates dropped or the list refused). */
static void test_duplicates(void **state)
{
	const struct codec *out[CODEC_MAX_VIDEO] = { 0 };
	char err[128] = "";
	int rc = codec_parse_video_list("vp8,vp8", out, CODEC_MAX_VIDEO, err, sizeof(err));

	if (rc == -EINVAL)
		return;
	assert_int_equal(rc, 1);
	assert_string_equal(out[0]->name, "VP8");

	/* Duplicates must not crowd out later codecs either. */
	rc = codec_parse_video_list("vp8,VP8,vp8,vp8,h264", out, CODEC_MAX_VIDEO, err, sizeof(err));
	assert_int_equal(rc, 2);
	assert_string_equal(out[0]->name, "VP8");
	assert_string_equal(out[1]->name, "H264");
}

static void test_opus(void **state)
{
	const struct codec *o = codec_opus();

	assert_non_null(o);
	assert_string_equal(o->name, "opus");
	assert_int_equal(o->kind, SDP_KIND_AUDIO);
	assert_int_equal(o->id, RTP_CODEC_OPUS);
	assert_int_equal(o->pt, 111);
	assert_int_equal(o->rtx_pt, 0);
	assert_int_equal(o->clock_rate, 48000);
	assert_int_equal(o->channels, 2);
	assert_non_null(strstr(o->fmtp, "useinbandfec=1"));
}

static void test_by_pt(void **state)
{
	assert_ptr_equal(codec_by_pt(111), codec_opus());
	assert_string_equal(codec_by_pt(96)->name, "VP8");
	assert_string_equal(codec_by_pt(98)->name, "VP9");
	assert_string_equal(codec_by_pt(102)->name, "H264");
	assert_string_equal(codec_by_pt(45)->name, "AV1");
	/* RTX payload types and unused ones are not media codecs. */
	assert_null(codec_by_pt(97));
	assert_null(codec_by_pt(99));
	assert_null(codec_by_pt(0));
	assert_null(codec_by_pt(127));
	assert_null(codec_by_pt(255));
}

/* Payload types and RTX payload types are all distinct and dynamic; each
 * codec looks itself up by its own pt. */
static void test_payload_types_distinct(void **state)
{
	const struct codec *all[CODEC_MAX_VIDEO + 1];
	char err[64];
	uint8_t pts[2 * (CODEC_MAX_VIDEO + 1)];
	int n = 0;

	all[0] = codec_opus();
	assert_int_equal(codec_parse_video_list("vp8,vp9,h264,av1", all + 1, CODEC_MAX_VIDEO, err,
						sizeof(err)), 4);
	for (int i = 0; i < CODEC_MAX_VIDEO + 1; i++) {
		assert_ptr_equal(codec_by_pt(all[i]->pt), all[i]);
		pts[n++] = all[i]->pt;
		if (all[i]->rtx_pt)
			pts[n++] = all[i]->rtx_pt;
	}
	for (int i = 0; i < n; i++) {
		assert_true((pts[i] >= 35 && pts[i] <= 63) || (pts[i] >= 96 && pts[i] <= 127));
		for (int j = i + 1; j < n; j++)
			assert_int_not_equal(pts[i], pts[j]);
	}
}

static void test_extensions(void **state)
{
	assert_int_equal(codec_n_exts, 5);
	for (size_t i = 0; i < codec_n_exts; i++) {
		assert_true(codec_exts[i].id >= 1 && codec_exts[i].id <= 14); /* one-byte form */
		assert_non_null(codec_exts[i].uri);
		for (size_t j = i + 1; j < codec_n_exts; j++) {
			assert_int_not_equal(codec_exts[i].id, codec_exts[j].id);
			assert_string_not_equal(codec_exts[i].uri, codec_exts[j].uri);
		}
	}
	assert_int_equal(codec_exts[0].id, EXT_AUDIO_LEVEL);
	assert_string_equal(codec_exts[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
	/* Only transport-wide CC is kept off forwarded streams. */
	for (size_t i = 0; i < codec_n_exts; i++)
		assert_int_equal(codec_exts[i].publish_only, codec_exts[i].id == EXT_TWCC);
	assert_string_equal(codec_ext_uri(EXT_MID), "urn:ietf:params:rtp-hdrext:sdes:mid");
	assert_null(codec_ext_uri(14));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_list),
		cmocka_unit_test(test_order_is_kept),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_spaces_and_commas),
		cmocka_unit_test(test_unknown_codec),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_opus),
		cmocka_unit_test(test_by_pt),
		cmocka_unit_test(test_payload_types_distinct),
		cmocka_unit_test(test_extensions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
