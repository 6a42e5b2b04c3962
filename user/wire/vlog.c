// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/wire/vlog.c - see vlog.h. libbpf's own print path cuts nothing, but a
 * callback that copies each message into a fixed buffer loses the end of the
 * verifier log, which is where the reason is.
 */
#include <string.h>

#include "user/wire/vlog.h"

#define VLOG_BEGIN "-- BEGIN PROG LOAD LOG --"
#define VLOG_END   "-- END PROG LOAD LOG --"

int vlog_is_load_log(const char *msg)
{
	return strstr(msg, VLOG_BEGIN) != NULL;
}

const char *vlog_tail(const char *msg, unsigned int lines)
{
	const char *p = msg + strlen(msg);

	/* drop trailing newlines and libbpf's END marker line */
	while (p > msg && p[-1] == '\n')
		p--;
	if ((size_t)(p - msg) >= strlen(VLOG_END) &&
	    !strncmp(p - strlen(VLOG_END), VLOG_END, strlen(VLOG_END))) {
		p -= strlen(VLOG_END);
		while (p > msg && p[-1] == '\n')
			p--;
	}
	/* p is one past the last counted line; go back @lines line starts */
	for (; p > msg; p--)
		if (p[-1] == '\n' && lines-- <= 1)
			return p;
	return msg;
}
