// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/log.c - stderr/syslog logging backend with levels. Thread-safe in the
 * sense that each message is written with one write(2)-sized stdio call.
 */
#include <pthread.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "user/common/log.h"

static enum log_level cur_level = LOG_LVL_INFO;
static int use_syslog;
static __thread log_tap_fn *tap_fn;
static __thread void *tap_arg;

void log_set_tap(log_tap_fn *fn, void *arg)
{
	tap_fn = fn;
	tap_arg = arg;
}

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
	if (tap_fn)
		tap_fn(tap_arg, lvl, buf);
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

static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;

int log_rl_decide(struct log_rl *rl, int64_t now, uint64_t *held)
{
	*held = 0;
	if (!rl->window_start || now - rl->window_start >= LOG_RL_WINDOW_S) {
		rl->window_start = now ? now : 1;
		rl->printed = 0;
	}
	if (rl->printed >= LOG_RL_BURST) {
		rl->suppressed++;
		return 0;
	}
	rl->printed++;
	*held = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

void log_rl_printf(struct log_rl *rl, enum log_level lvl, const char *fmt, ...)
{
	char buf[900];
	uint64_t held;
	va_list ap;
	int go;

	if (lvl > cur_level)
		return;
	pthread_mutex_lock(&rl_lock);
	go = log_rl_decide(rl, mono_s(), &held);
	pthread_mutex_unlock(&rl_lock);
	if (!go)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (held)
		log_printf(lvl, "%s (%llu more like this)", buf, (unsigned long long)held);
	else
		log_printf(lvl, "%s", buf);
}

void log_rl_flush(struct log_rl *rl, enum log_level lvl, const char *what)
{
	uint64_t held;

	pthread_mutex_lock(&rl_lock);
	held = rl->suppressed;
	rl->suppressed = 0;
	pthread_mutex_unlock(&rl_lock);
	if (held)
		log_printf(lvl, "%s (%llu more like this)", what, (unsigned long long)held);
}
