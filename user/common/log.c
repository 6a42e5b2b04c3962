// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/log.c - stderr/syslog logging backend with levels. Thread-safe in the
 * sense that each message is written with one write(2)-sized stdio call.
 */
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "user/common/log.h"

static enum log_level cur_level = LOG_LVL_INFO;
static int use_syslog;

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char buf[1024];

	if (lvl > cur_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (use_syslog) {
		syslog(prio[lvl], "%s", buf);
		return;
	}
	fprintf(stderr, "leasesnoop: %s: %s\n", tag[lvl], buf);
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}
