/* Unit tests for base/config.c: defaults, "key = value" files (comments,
 * quotes, whitespace, errors), --key flags overriding the file, --help, the
 * bounds of every kind of key, the rtp_port_min/max consistency rule and
 * the sip_tls_* rules.
 * Config files are written with mkstemp; what config_load prints on stdout
 * and stderr is captured and checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"

#ifndef PARLEY_WEB_DIR
#define PARLEY_WEB_DIR "web"
#endif

#define MAX_ARGS 16

/* ---- helpers ------------------------------------------------------------ */

/* Temporary config files, removed in teardown. */
static char paths[32][64];
static int n_paths;

static const char *write_file(const char *text)
{
	char *path;
	int fd;
	FILE *f;

	assert_true(n_paths < 32);
	path = paths[n_paths++];
	snprintf(path, sizeof(paths[0]), "/tmp/parley-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int teardown(void **state)
{
	for (int i = 0; i < n_paths; i++)
		unlink(paths[i]);
	n_paths = 0;
	return 0;
}

/* Runs config_load with fd (1 or 2) captured into out (NUL-terminated). */
static int load_capturing(struct config *cfg, int fd, char *out, size_t outlen,
			  const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0, saved, rc;
	FILE *cap = tmpfile();
	size_t n;

	assert_non_null(cap);
	argv[argc++] = "parley";
	for (; args && args[argc - 1]; argc++) {
		assert_true(argc <= MAX_ARGS);
		argv[argc] = (char *)args[argc - 1];
	}
	argv[argc] = NULL;

	fflush(fd == 1 ? stdout : stderr);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(cap), fd) >= 0);
	rc = config_load(cfg, argc, argv);
	fflush(fd == 1 ? stdout : stderr);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);

	rewind(cap);
	n = fread(out, 1, outlen - 1, cap);
	out[n] = 0;
	fclose(cap);
	return rc;
}

/* NULL-terminated argument list after argv[0]. */
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Loads and expects success with nothing printed on stderr. */
static void load_ok(struct config *cfg, const char *const *args)
{
	char err[2048];
	int rc = load_capturing(cfg, 2, err, sizeof(err), args);

	if (rc != 0)
		fail_msg("config_load returned %d: %s", rc, err);
	assert_string_equal(err, "");
}

/* Loads and expects -EINVAL with a "parley: ..." reason on stderr that
 * mentions want (if not NULL). */
static void load_fails(const char *const *args, const char *want)
{
	struct config cfg;
	char err[2048];
	int rc = load_capturing(&cfg, 2, err, sizeof(err), args);

	if (rc != -EINVAL)
		fail_msg("config_load returned %d, wanted -EINVAL (%s)", rc,
			 args && args[0] ? args[0] : "no args");
	assert_non_null(strstr(err, "parley: "));
	if (want && !strstr(err, want))
		fail_msg("stderr \"%s\" does not mention \"%s\"", err, want);
}

/* Loads a file with these contents and expects -EINVAL naming want. */
static void file_fails(const char *text, const char *want)
{
	const char *path = write_file(text);

	load_fails(ARGS("-c", path), want);
}

static void expect_defaults(const struct config *c)
{
	assert_string_equal(c->http_address, "127.0.0.1");
	assert_int_equal(c->http_port, 8080);
	assert_string_equal(c->web_dir, PARLEY_WEB_DIR);
	assert_string_equal(c->ice_addresses, "");
	assert_string_equal(c->public_ip, "");
	assert_int_equal(c->rtp_port_min, 0);
	assert_int_equal(c->rtp_port_max, 0);
	assert_int_equal(c->workers, 0);
	assert_string_equal(c->log, "info");
	assert_int_equal(c->max_participants, 32);
	assert_int_equal(c->max_video_bitrate_kbps, 2500);
	assert_string_equal(c->video_codecs, "vp8,vp9,h264,av1");
	assert_int_equal(c->ice_timeout_s, 30);
}

/* ---- defaults ----------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct config c;

	memset(&c, 0x5a, sizeof(c)); /* stale contents are replaced */
	load_ok(&c, NULL);
	expect_defaults(&c);
}

static void test_empty_file_keeps_defaults(void **state)
{
	struct config c;
	const char *path = write_file("");

	load_ok(&c, ARGS("-c", path));
	expect_defaults(&c);
	path = write_file("\n\n# only comments\n   # indented comment\n\t\n\r\n");
	load_ok(&c, ARGS("--config", path));
	expect_defaults(&c);
}

/* ---- files ---------------------------------------------------------------- */

static void test_file_values(void **state)
{
	struct config c;
	const char *path = write_file(
		"# Parley test config\n"
		"http_address = 0.0.0.0\n"
		"   http_port=9443   \n"
		"\tweb_dir\t=\t/srv/parley/web\t\n"
		"ice_addresses = \"192.0.2.1,198.51.100.7\"\n"
		"public_ip = \"  203.0.113.9 \"\n"
		"rtp_port_min = 40000\r\n"
		"rtp_port_max = 40100\r\n"
		"workers = 3\n"
		"\n"
		"   # log below has '=' in its value\n"
		"log = info,ice=debug,dtls=warn\n"
		"max_participants = 32\n"
		"max_video_bitrate_kbps = 100\n"
		"video_codecs = h264,vp8\n"
		"ice_timeout_s = 3600"); /* no final newline */

	load_ok(&c, ARGS("-c", path));
	assert_string_equal(c.http_address, "0.0.0.0");
	assert_int_equal(c.http_port, 9443);
	assert_string_equal(c.web_dir, "/srv/parley/web");
	assert_string_equal(c.ice_addresses, "192.0.2.1,198.51.100.7");
	assert_string_equal(c.public_ip, "  203.0.113.9 "); /* quotes keep inner spaces */
	assert_int_equal(c.rtp_port_min, 40000);
	assert_int_equal(c.rtp_port_max, 40100);
	assert_int_equal(c.workers, 3);
	assert_string_equal(c.log, "info,ice=debug,dtls=warn");
	assert_int_equal(c.max_participants, 32);
	assert_int_equal(c.max_video_bitrate_kbps, 100);
	assert_string_equal(c.video_codecs, "h264,vp8");
	assert_int_equal(c.ice_timeout_s, 3600);
}

static void test_file_quotes(void **state)
{
	struct config c;
	const char *path = write_file("public_ip = \"\"\n"
				      "ice_addresses = \"a=b # not a comment\"\n"
				      "http_address = \"\n"
				      "log = \"debug\"\n"
				      "http_port = \"8081\"\n");

	load_ok(&c, ARGS("-c", path));
	assert_string_equal(c.public_ip, "");
	assert_string_equal(c.ice_addresses, "a=b # not a comment");
	assert_string_equal(c.http_address, "\""); /* a lone quote is a value */
	assert_string_equal(c.log, "debug");
	assert_int_equal(c.http_port, 8081);
}

static void test_file_later_lines_and_files_win(void **state)
{
	struct config c;
	const char *a = write_file("http_port = 1000\nhttp_port = 2000\nworkers = 2\n");
	const char *b = write_file("http_port = 3000\n");

	load_ok(&c, ARGS("-c", a));
	assert_int_equal(c.http_port, 2000);
	load_ok(&c, ARGS("-c", a, "-c", b));
	assert_int_equal(c.http_port, 3000);
	assert_int_equal(c.workers, 2);
}

static void test_file_unknown_key(void **state)
{
	file_fails("http_port = 8080\nhttp_prot = 8081\n", "http_prot");
	file_fails("http-port = 8081\n", "http-port"); /* files use underscores */
	file_fails("HTTP_PORT = 8081\n", "HTTP_PORT");
	file_fails(" = 8081\n", "unknown key");
	file_fails("help = 1\n", "help");
}

static void test_file_syntax_errors(void **state)
{
	file_fails("http_port 8080\n", "expected key = value");
	file_fails("# ok\n\nworkers = 2\njust words\n", ":4:"); /* names the line */
	load_fails(ARGS("-c", "/nonexistent/parley.conf"), "/nonexistent/parley.conf");
}

/* A directory cannot be read as a config file: that is an error, not an
 * empty configuration. */
static void test_file_unreadable(void **state)
{
	load_fails(ARGS("-c", "/tmp"), NULL);
}

/* ---- integers ------------------------------------------------------------- */

static void test_bad_ints(void **state)
{
	static const char *const bad[] = {
		"", "x", "80x", "0x50", "8 0", "80.0", "1e3", "--80", "80 # port",
		"99999999999999999999", "-99999999999999999999",
	};
	char line[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "http_port = %s\n", bad[i]);
		file_fails(line, "http_port must be an integer");
		teardown(NULL);
		load_fails(ARGS("--http-port", bad[i]), "http_port must be an integer");
	}
}

static void test_int_bounds(void **state)
{
	static const struct {
		const char *flag;
		const char *lo, *hi, *below, *above;
	} b[] = {
		{ "--http-port", "1", "65535", "0", "65536" },
		{ "--workers", "0", "64", "-1", "65" },
		{ "--max-participants", "1", "1000", "0", "1001" },
		{ "--max-video-bitrate-kbps", "100", "20000", "99", "20001" },
		{ "--ice-timeout-s", "5", "3600", "4", "3601" },
		{ "--rtp-port-min", "0", "65535", "-1", "65536" },
		{ "--rtp-port-max", "0", "65535", "-1", "65536" },
	};
	struct config c;

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		const char *other = strcmp(b[i].flag, "--rtp-port-min") == 0 ? "--rtp-port-max"
				    : strcmp(b[i].flag, "--rtp-port-max") == 0 ? "--rtp-port-min"
				    : "--workers";
		const char *other_v = strcmp(other, "--workers") == 0 ? "1" : "65535";

		load_ok(&c, ARGS(b[i].flag, b[i].hi, other, other_v));
		if (strcmp(b[i].flag, "--rtp-port-max") != 0) { /* max 0 needs min 0 */
			load_ok(&c, ARGS(b[i].flag, b[i].lo));
		}
		load_fails(ARGS(b[i].flag, b[i].below), "must be an integer in");
		load_fails(ARGS(b[i].flag, b[i].above), "must be an integer in");
	}
	load_ok(&c, ARGS("--http-port", "1", "--workers", "64", "--max-participants", "32",
			 "--ice-timeout-s", "5", "--max-video-bitrate-kbps", "20000"));
	assert_int_equal(c.http_port, 1);
	assert_int_equal(c.workers, 64);
	assert_int_equal(c.max_participants, 32);
	assert_int_equal(c.ice_timeout_s, 5);
	assert_int_equal(c.max_video_bitrate_kbps, 20000);
	/* Signs and leading zeros are still decimal integers. */
	load_ok(&c, ARGS("--http-port", "+0100"));
	assert_int_equal(c.http_port, 100);
}

/* ---- strings ---------------------------------------------------------------- */

static void test_string_lengths(void **state)
{
	static const struct {
		const char *key, *flag;
		size_t offset, max;
	} s[] = {
		{ "http_address", "--http-address", offsetof(struct config, http_address), 63 },
		{ "public_ip", "--public-ip", offsetof(struct config, public_ip), 63 },
		{ "web_dir", "--web-dir", offsetof(struct config, web_dir), 511 },
		{ "ice_addresses", "--ice-addresses", offsetof(struct config, ice_addresses), 511 },
		{ "log", "--log", offsetof(struct config, log), 255 },
		{ "video_codecs", "--video-codecs", offsetof(struct config, video_codecs), 127 },
	};
	struct config c;
	char v[600], line[700];

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		const char *field = (const char *)&c + s[i].offset;

		memset(v, 'a', s[i].max);
		v[s[i].max] = 0;
		load_ok(&c, ARGS(s[i].flag, v));
		assert_string_equal(field, v);
		snprintf(line, sizeof(line), "%s = \"%s\"\n", s[i].key, v);
		load_ok(&c, ARGS("-c", write_file(line)));
		assert_string_equal(field, v);

		v[s[i].max] = 'a';
		v[s[i].max + 1] = 0;
		load_fails(ARGS(s[i].flag, v), "too long");
		snprintf(line, sizeof(line), "%s = %s\n", s[i].key, v);
		file_fails(line, "too long");
		teardown(NULL);
	}
}

/* ---- flags ------------------------------------------------------------------ */

static void test_flags(void **state)
{
	struct config c;

	load_ok(&c, ARGS("--http-address", "::1", "--http-port", "8443", "--log", "debug",
			 "--video-codecs", "av1", "--public-ip", "203.0.113.1"));
	assert_string_equal(c.http_address, "::1");
	assert_int_equal(c.http_port, 8443);
	assert_string_equal(c.log, "debug");
	assert_string_equal(c.video_codecs, "av1");
	assert_string_equal(c.public_ip, "203.0.113.1");
	/* Untouched keys keep their defaults. */
	assert_int_equal(c.max_participants, 32);
	assert_string_equal(c.web_dir, PARLEY_WEB_DIR);
	/* Flags may spell the key with underscores too. */
	load_ok(&c, ARGS("--http_port", "8444", "--max_video-bitrate_kbps", "300"));
	assert_int_equal(c.http_port, 8444);
	assert_int_equal(c.max_video_bitrate_kbps, 300);
	/* The last of a repeated flag wins; an empty string is a value. */
	load_ok(&c, ARGS("--workers", "2", "--workers", "4", "--public-ip", ""));
	assert_int_equal(c.workers, 4);
	assert_string_equal(c.public_ip, "");
}

static void test_flags_override_file(void **state)
{
	struct config c;
	const char *path = write_file("http_port = 9000\nworkers = 2\nlog = warn\n");

	load_ok(&c, ARGS("-c", path, "--http-port", "9001"));
	assert_int_equal(c.http_port, 9001);
	assert_int_equal(c.workers, 2);
	assert_string_equal(c.log, "warn");
	/* Also when the flag comes before -c. */
	load_ok(&c, ARGS("--log", "error", "--config", path));
	assert_string_equal(c.log, "error");
	assert_int_equal(c.http_port, 9000);
}

static void test_bad_flags(void **state)
{
	load_fails(ARGS("--no-such-key", "1"), "--no-such-key");
	load_fails(ARGS("--http-port"), "--http-port"); /* no value */
	load_fails(ARGS("http-port", "80"), "http-port"); /* not a flag */
	load_fails(ARGS("-p", "80"), "-p");
	load_fails(ARGS("--", "80"), NULL);
	load_fails(ARGS("--http-port=80"), NULL);
	load_fails(ARGS("--workers", "1", "stray"), "stray");
}

/* -c or --config as the last argument is an incomplete option, not a
 * request for no file. */
static void test_config_flag_without_file(void **state)
{
	load_fails(ARGS("--config"), NULL);
	load_fails(ARGS("-c"), NULL);
	load_fails(ARGS("--workers", "1", "-c"), NULL);
}

/* A bad file stops the load even when --help follows it. */
static void test_bad_file_before_help(void **state)
{
	const char *path = write_file("nonsense = 1\n");

	load_fails(ARGS("-c", path, "--help"), "nonsense");
}

static void test_help(void **state)
{
	static const char *const flags[] = {
		"--http-address", "--http-port", "--web-dir", "--ice-addresses", "--public-ip",
		"--rtp-port-min", "--rtp-port-max", "--workers", "--log", "--max-participants",
		"--max-video-bitrate-kbps", "--video-codecs", "--ice-timeout-s",
	};
	struct config c;
	char out[8192];

	assert_int_equal(load_capturing(&c, 1, out, sizeof(out), ARGS("--help")), 1);
	assert_non_null(strstr(out, "usage: parley"));
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strstr(out, flags[i]))
			fail_msg("--help does not mention %s", flags[i]);
	assert_non_null(strstr(out, "(default \"8080\")"));
	assert_non_null(strstr(out, "(default \"vp8,vp9,h264,av1\")"));
	assert_int_equal(load_capturing(&c, 1, out, sizeof(out), ARGS("-h")), 1);
	assert_non_null(strstr(out, "usage: parley"));
	/* --help wins over other flags, even invalid ones after it. */
	assert_int_equal(load_capturing(&c, 1, out, sizeof(out),
					ARGS("--http-port", "99999", "--help", "--bogus")), 1);

	/* config_print_help writes to the stream it is given. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		config_print_help(f, "prog");
		fclose(f);
		assert_non_null(strstr(buf, "usage: prog"));
		assert_non_null(strstr(buf, "--max-participants"));
		free(buf);
	}
}

/* ---- rtp port range ------------------------------------------------------ */

static void test_rtp_port_range(void **state)
{
	struct config c;
	const char *path;

	load_ok(&c, ARGS("--rtp-port-min", "10000", "--rtp-port-max", "20000"));
	assert_int_equal(c.rtp_port_min, 10000);
	assert_int_equal(c.rtp_port_max, 20000);
	load_ok(&c, ARGS("--rtp-port-min", "10000", "--rtp-port-max", "10000"));
	assert_int_equal(c.rtp_port_min, c.rtp_port_max);
	load_ok(&c, ARGS("--rtp-port-min", "0", "--rtp-port-max", "0"));

	load_fails(ARGS("--rtp-port-min", "10000"), "rtp_port_min");
	load_fails(ARGS("--rtp-port-max", "20000"), "rtp_port_min");
	load_fails(ARGS("--rtp-port-min", "20001", "--rtp-port-max", "20000"), "rtp_port_min");
	load_fails(ARGS("--rtp-port-min", "0", "--rtp-port-max", "1"), "rtp_port_min");

	/* Checked after file and flags are both applied. */
	path = write_file("rtp_port_min = 30000\n");
	load_ok(&c, ARGS("-c", path, "--rtp-port-max", "30010"));
	assert_int_equal(c.rtp_port_min, 30000);
	assert_int_equal(c.rtp_port_max, 30010);
	load_fails(ARGS("-c", path), "rtp_port_min");
	load_fails(ARGS("-c", path, "--rtp-port-max", "29999"), "rtp_port_min");
	load_ok(&c, ARGS("-c", path, "--rtp-port-min", "0"));
}

static void test_sip_tls_pair(void **state)
{
	struct config c;

	load_ok(&c, ARGS("--sip-tls-cert", "c.pem", "--sip-tls-key", "k.pem"));
	assert_string_equal(c.sip_tls_cert, "c.pem");
	assert_int_equal(c.sip_tls_port, 5061);
	load_fails(ARGS("--sip-tls-cert", "c.pem"), "sip_tls_key");
	load_fails(ARGS("--sip-tls-key", "k.pem"), "sip_tls_key");
	/* TCP already listens on sip_port. */
	load_fails(ARGS("--sip-tls-cert", "c.pem", "--sip-tls-key", "k.pem", "--sip-tls-port", "5060"),
		   "sip_tls_port");
	/* Without SIP, or without TLS, the ports may be anything. */
	load_ok(&c, ARGS("--sip-tls-cert", "c.pem", "--sip-tls-key", "k.pem", "--sip-port", "0",
			 "--sip-tls-port", "5060"));
	load_ok(&c, ARGS("--sip-tls-port", "5060"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_empty_file_keeps_defaults, teardown),
		cmocka_unit_test_teardown(test_file_values, teardown),
		cmocka_unit_test_teardown(test_file_quotes, teardown),
		cmocka_unit_test_teardown(test_file_later_lines_and_files_win, teardown),
		cmocka_unit_test_teardown(test_file_unknown_key, teardown),
		cmocka_unit_test_teardown(test_file_syntax_errors, teardown),
		cmocka_unit_test_teardown(test_file_unreadable, teardown),
		cmocka_unit_test_teardown(test_bad_ints, teardown),
		cmocka_unit_test_teardown(test_int_bounds, teardown),
		cmocka_unit_test_teardown(test_string_lengths, teardown),
		cmocka_unit_test_teardown(test_flags, teardown),
		cmocka_unit_test_teardown(test_flags_override_file, teardown),
		cmocka_unit_test_teardown(test_bad_flags, teardown),
		cmocka_unit_test_teardown(test_config_flag_without_file, teardown),
		cmocka_unit_test_teardown(test_bad_file_before_help, teardown),
		cmocka_unit_test_teardown(test_help, teardown),
		cmocka_unit_test_teardown(test_rtp_port_range, teardown),
		cmocka_unit_test_teardown(test_sip_tls_pair, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
