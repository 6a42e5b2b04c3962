// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/common/util.c - hex and address conversions (util.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "user/common/util.h"

static const char hex_digits[] = "0123456789abcdef";

int util_hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_hex_parse(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	if (!*s)
		return 0;
	if (strchr(s, ':')) {
		/* "0:c:29:..." - every group one or two digits, none empty */
		for (;;) {
			int a = util_hex_val((unsigned char)s[0]), b;

			if (a < 0 || n >= max)
				return -EINVAL;
			b = util_hex_val((unsigned char)s[1]);
			if (b >= 0) {
				out[n++] = (uint8_t)(a << 4 | b);
				s += 2;
			} else {
				out[n++] = (uint8_t)a;
				s += 1;
			}
			if (!*s)
				return (int)n;
			if (*s != ':')
				return -EINVAL;
			s++;
		}
	}
	while (*s) {
		int a = util_hex_val((unsigned char)s[0]);
		int b = a < 0 ? -1 : util_hex_val((unsigned char)s[1]);

		if (a < 0 || b < 0 || n >= max)
			return -EINVAL;
		out[n++] = (uint8_t)(a << 4 | b);
		s += 2;
	}
	return (int)n;
}

size_t util_hex_format(const uint8_t *b, size_t len, char sep, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return 0;
	for (size_t i = 0; i < len; i++) {
		size_t need = (i && sep ? 1 : 0) + 2;

		if (o + need + 1 > size)
			break;
		if (i && sep)
			buf[o++] = sep;
		buf[o++] = hex_digits[b[i] >> 4];
		buf[o++] = hex_digits[b[i] & 15];
	}
	buf[o] = '\0';
	return o;
}

int util_af(int family)
{
	return family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
}

size_t util_addr_len(int family)
{
	return family == 4 ? 4 : family == 6 ? 16 : 0;
}

const char *util_addr_text(int family, const uint8_t *addr, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (!util_addr_len(family) || !inet_ntop(util_af(family), addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

int util_addr_parse(const char *s, int family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (family != 6 && inet_pton(AF_INET, s, addr) == 1)
		return 4;
	if (family != 4 && inet_pton(AF_INET6, s, addr) == 1)
		return 6;
	memset(addr, 0, 16);
	return -EINVAL;
}

uint64_t util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
