// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/log.c - stderr/syslog logging backend with levels. Thread-safe in the
 * sense that each message is written with one write(2)-sized stdio call.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "user/common/log.h"

static enum log_level cur_level = LOG_LVL_INFO;
static int use_syslog;
static enum log_style cur_style = LOG_STYLE_PLAIN;
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

static const char *const level_words[] = { "error", "warn", "info", "debug" };

const char *log_level_word(enum log_level lvl)
{
	return (unsigned int)lvl <= LOG_LVL_DEBUG ? level_words[lvl] : "debug";
}

enum log_style log_style_pick(const char *journal_stream, unsigned long long dev,
			      unsigned long long ino)
{
	unsigned long long jd, ji;
	char tail;

	if (journal_stream && sscanf(journal_stream, "%llu:%llu%c", &jd, &ji, &tail) == 2 &&
	    jd == dev && ji == ino)
		return LOG_STYLE_JOURNAL;
	return LOG_STYLE_TIME;
}

static const struct msgid {
	uint32_t hash;
	const char *id;
	enum log_level lvl;
} msgids[] = {
#include "user/common/msgid_table.h"
};

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 0x811c9dc5;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x01000193;
	return h;
}

const char *log_msgid(const char *fmt)
{
	uint32_t h = fnv1a(fmt);
	size_t lo = 0, hi = sizeof(msgids) / sizeof(msgids[0]);

	while (lo < hi) {	/* the table is sorted by hash */
		size_t mid = lo + (hi - lo) / 2;

		if (msgids[mid].hash == h)
			return msgids[mid].id;
		if (msgids[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t log_format(char *buf, size_t cap, enum log_style style, enum log_level lvl,
		  const struct timespec *ts, const char *id, const char *msg)
{
	char tag[80] = "";
	/* sd-daemon(3): <3> SD_ERR, <4> SD_WARNING, <6> SD_INFO, <7> SD_DEBUG */
	static const int prio[] = { 3, 4, 6, 7 };
	const char *word = log_level_word(lvl);
	struct tm tm;
	int n;

	if (id)
		snprintf(tag, sizeof(tag), "[%s] ", id);
	switch (style) {
	case LOG_STYLE_JOURNAL:
		n = snprintf(buf, cap, "<%d>%s: %s%s\n", prio[lvl > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : lvl],
			     word, tag, msg);
		break;
	case LOG_STYLE_TIME:
		gmtime_r(&ts->tv_sec, &tm);
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s%s\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, ts->tv_nsec / 1000000, word, tag, msg);
		break;
	default:
		n = snprintf(buf, cap, "leasesnoop: %s: %s\n", word, msg);
		break;
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= cap && cap) {	/* cut: keep the newline */
		n = (int)cap - 1;
		buf[n - 1] = '\n';
	}
	return (size_t)n;
}

void log_set_style(enum log_style style)
{
	cur_style = style;
}

void log_use_daemon_style(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st))
		return;
	log_set_style(log_style_pick(getenv("JOURNAL_STREAM"), (unsigned long long)st.st_dev,
				     (unsigned long long)st.st_ino));
}

__attribute__((format(printf, 3, 0)))
static void log_vemit(enum log_level lvl, const char *id, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char buf[1024], line[1200];
	struct timespec ts = { 0 };
	size_t n;

	if (lvl > cur_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (tap_fn)
		tap_fn(tap_arg, lvl, buf);
	if (use_syslog) {
		syslog(prio[lvl], "%s", buf);
		return;
	}
	if (cur_style == LOG_STYLE_TIME)
		clock_gettime(CLOCK_REALTIME, &ts);
	n = log_format(line, sizeof(line), cur_style, lvl, &ts, id, buf);
	/* one call on the unbuffered stderr: one write(2), lines of threads never mix */
	fwrite(line, 1, n, stderr);
}

static void log_emit(enum log_level lvl, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_emit(enum log_level lvl, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(lvl, id, fmt, ap);
	va_end(ap);
}

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > cur_level)
		return;
	log_vemit(lvl, lvl <= LOG_LVL_WARN && cur_style != LOG_STYLE_PLAIN ? log_msgid(fmt) : NULL,
		  fmt, ap);
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
	const char *id;
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
	/* the ID is the site's, not that of the "%s" carrying its text */
	id = lvl <= LOG_LVL_WARN && cur_style != LOG_STYLE_PLAIN ? log_msgid(fmt) : NULL;
	if (held)
		log_emit(lvl, id, "%s (%llu more like this)", buf, (unsigned long long)held);
	else
		log_emit(lvl, id, "%s", buf);
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
