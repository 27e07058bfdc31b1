/* Per-subsystem logging. Levels are plain ints read without a lock: a torn
 * read can only delay a level change by one line. */
#include "base/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum log_level log_levels[LOGS_COUNT] = {
	LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO,
};

static const char *const subsys_names[LOGS_COUNT] = {
	"main", "ice", "dtls", "srtp", "rtp", "room", "signal", "http", "sip",
};
static const char *const level_names[] = { "error", "warn", "info", "debug" };

static int level_from_name(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strlen(level_names[i]) == n && strncasecmp(s, level_names[i], n) == 0)
			return (int)i;
	return -1;
}

static int subsys_from_name(const char *s, size_t n)
{
	for (int i = 0; i < LOGS_COUNT; i++)
		if (strlen(subsys_names[i]) == n && strncasecmp(s, subsys_names[i], n) == 0)
			return i;
	return -1;
}

int log_parse_spec(const char *spec)
{
	enum log_level next[LOGS_COUNT];
	memcpy(next, log_levels, sizeof(next));
	const char *p = spec;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (eq) {
			int sub = subsys_from_name(p, (size_t)(eq - p));
			int lvl = level_from_name(eq + 1, n - (size_t)(eq - p) - 1);
			if (sub < 0 || lvl < 0)
				return -EINVAL;
			next[sub] = (enum log_level)lvl;
		} else {
			int lvl = level_from_name(p, n);
			if (lvl < 0)
				return -EINVAL;
			for (int i = 0; i < LOGS_COUNT; i++)
				next[i] = (enum log_level)lvl;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	memcpy(log_levels, next, sizeof(next));
	return 0;
}

void log_write(enum log_subsys sub, enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %-5s %-6s ", tm.tm_hour,
			 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_names[lvl], subsys_names[sub]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
