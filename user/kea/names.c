// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/kea/names.c - Kea's host name sanitizer (names.h), on POSIX regex.
 */
#include <errno.h>
#include <string.h>

#include "user/kea/names.h"

int names_compile(regex_t *re, const char *set)
{
	return regcomp(re, set, REG_EXTENDED) ? -EINVAL : 0;
}

static int put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (*o + 1 >= cap)
			return -ENOSPC;
		out[(*o)++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	return 0;
}

int names_sanitize(const regex_t *re, const char *repl, const char *in, size_t n, char *out,
		   size_t cap)
{
	char buf[1024];
	size_t o = 0, pos = 0, rl = strlen(repl);
	int err = 0;

	if (!cap)
		return -ENOSPC;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, in, n);
	buf[n] = 0;
	while (pos < n && !err) {
		regmatch_t m;

		if (regexec(re, buf + pos, 1, &m, pos ? REG_NOTBOL : 0)) {
			err = put(out, cap, &o, buf + pos, n - pos);
			pos = n;
			break;
		}
		err = put(out, cap, &o, buf + pos, (size_t)m.rm_so);
		err = err ?: put(out, cap, &o, repl, rl);
		if (m.rm_eo == m.rm_so) {
			/* an empty match: keep the character and move on (no endless loop) */
			err = err ?: put(out, cap, &o, buf + pos + m.rm_so, 1);
			pos += (size_t)m.rm_so + 1;
		} else {
			pos += (size_t)m.rm_eo;
		}
	}
	out[o] = 0;
	return err ? err : (int)o;
}
