/* Logging with a level per subsystem, set at run time from one spec string
 * ("info,ice=debug,dtls=warn"). Thread-safe: one write(2) per line. */
#ifndef PARLEY_LOG_H
#define PARLEY_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

enum log_subsys {
	LOGS_MAIN, LOGS_ICE, LOGS_DTLS, LOGS_SRTP, LOGS_RTP, LOGS_ROOM,
	LOGS_SIGNAL, LOGS_HTTP, LOGS_SIP, LOGS_COUNT
};

extern enum log_level log_levels[LOGS_COUNT];

/* Parses "LEVEL[,SUBSYS=LEVEL]...". Returns 0, or -EINVAL leaving levels unchanged. */
int log_parse_spec(const char *spec);
void log_write(enum log_subsys sub, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_at(sub, lvl, ...) \
	do { if ((lvl) <= log_levels[sub]) log_write(sub, lvl, __VA_ARGS__); } while (0)
#define log_error(sub, ...) log_at(sub, LOG_ERROR, __VA_ARGS__)
#define log_warn(sub, ...)  log_at(sub, LOG_WARN, __VA_ARGS__)
#define log_info(sub, ...)  log_at(sub, LOG_INFO, __VA_ARGS__)
#define log_debug(sub, ...) log_at(sub, LOG_DEBUG, __VA_ARGS__)

#endif
