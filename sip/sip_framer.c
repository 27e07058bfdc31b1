/* SIP stream framing: see sip_framer.h. */
#include "sip/sip_framer.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The end of the header block ("\r\n\r\n", or bare "\n\n" from sloppy
 * peers): the offset of the first body byte, or 0 when not there yet. */
static size_t headers_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* "Content-Length:" or its compact form "l:", any case, blanks before the
 * colon allowed. Returns the value's offset in line, or 0. */
static size_t length_header(const char *line, size_t n)
{
	size_t name;
	if (n >= 14 && strncasecmp(line, "Content-Length", 14) == 0)
		name = 14;
	else if (n >= 1 && (line[0] == 'l' || line[0] == 'L'))
		name = 1;
	else
		return 0;
	size_t i = name;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < n && line[i] == ':' ? i + 1 : 0;
}

/* Parses Content-Length in the header block. Returns the value, -1 when
 * absent, -2 when malformed or repeated with another value. */
static long content_length(const char *buf, size_t hdr_len)
{
	long found = -1;
	size_t pos = 0;
	while (pos < hdr_len) {
		const char *nl = memchr(buf + pos, '\n', hdr_len - pos);
		size_t n = (nl ? (size_t)(nl - buf) : hdr_len) - pos;
		size_t v = length_header(buf + pos, n);
		if (v) {
			long value = 0;
			bool digits = false;
			size_t i = v;
			while (i < n && (buf[pos + i] == ' ' || buf[pos + i] == '\t'))
				i++;
			for (; i < n && buf[pos + i] >= '0' && buf[pos + i] <= '9'; i++) {
				digits = true;
				value = value * 10 + (buf[pos + i] - '0');
				if (value > SIP_FRAMER_MAX_MESSAGE)
					return -2;
			}
			while (i < n && (buf[pos + i] == ' ' || buf[pos + i] == '\t' || buf[pos + i] == '\r'))
				i++;
			if (!digits || i != n || (found >= 0 && found != value))
				return -2;
			found = value;
		}
		pos += n + 1;
	}
	return found;
}

long sip_framer_next(const char *buf, size_t len, size_t *skip)
{
	size_t s = 0;
	while (s < len && (buf[s] == '\r' || buf[s] == '\n'))
		s++;
	*skip = s;
	buf += s;
	len -= s;
	size_t hdr = headers_end(buf, len);
	if (!hdr)
		return len >= SIP_FRAMER_MAX_MESSAGE ? -EMSGSIZE : 0;
	long body = content_length(buf, hdr);
	if (body < 0)
		return body == -2 && hdr < SIP_FRAMER_MAX_MESSAGE ? -EINVAL
			: hdr >= SIP_FRAMER_MAX_MESSAGE ? -EMSGSIZE : -EINVAL;
	if (hdr + (size_t)body > SIP_FRAMER_MAX_MESSAGE)
		return -EMSGSIZE;
	return hdr + (size_t)body <= len ? (long)(hdr + (size_t)body) : 0;
}
