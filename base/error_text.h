/* One printf-style reason for a caller's error buffer, and the code to
 * return with it: `return error_text(err, errlen, -EINVAL, "bad %s", x);`.
 * err may be NULL or errlen 0 (nothing is written); a long reason is cut to
 * errlen - 1 bytes. No state; any thread. */
#ifndef PARLEY_BASE_ERROR_TEXT_H
#define PARLEY_BASE_ERROR_TEXT_H

#include <stddef.h>

int error_text(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
