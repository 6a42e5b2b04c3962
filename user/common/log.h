/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/log.h - the one logging backend of leasesnoop. Messages follow
 * "<module>: <what failed> '<object>' (<reason>)", lower case, no trailing
 * period, never secrets. Levels: err, warn, info, debug; -v raises the level.
 * Output goes to stderr (or syslog when log_use_syslog() was called).
 */
#ifndef LS_LOG_H
#define LS_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* log_set_level() - messages above @lvl are discarded. Default LOG_LVL_INFO. */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);

/* log_use_syslog() - send messages to syslog(3) instead of stderr. */
void log_use_syslog(const char *ident);

/*
 * How a line on stderr looks. The level word is the one "log-level" takes
 * (error, warn, info, debug) everywhere.
 *   PLAIN    "leasesnoop: warn: MSG"               commands (-t, --kea-leases, …)
 *   TIME     "2026-12-01T22:34:15.123Z warn: MSG"  the daemon outside journald
 *   JOURNAL  "<4>warn: MSG"                        the daemon under systemd: journald
 *            reads the sd-daemon(3) prefix as the syslog priority and stamps the time
 */
enum log_style { LOG_STYLE_PLAIN = 0, LOG_STYLE_TIME, LOG_STYLE_JOURNAL };

/*
 * log_style_pick() - the daemon's style: JOURNAL when @journal_stream (the
 * JOURNAL_STREAM variable systemd sets, "DEV:INODE") names stderr's
 * @dev/@ino (so stderr was not redirected since), TIME otherwise.
 */
enum log_style log_style_pick(const char *journal_stream, unsigned long long dev,
			      unsigned long long ino);

/*
 * log_format() - one line for @msg at @lvl in @style (@ts: CLOCK_REALTIME),
 * with its newline, into @buf of @cap bytes (cut to fit). Returns its length.
 */
size_t log_format(char *buf, size_t cap, enum log_style style, enum log_level lvl,
		  const struct timespec *ts, const char *msg);

/* log_set_style() - use @style for stderr from now on. */
void log_set_style(enum log_style style);

/* log_use_daemon_style() - log_set_style(log_style_pick(…)) for this process's stderr. */
void log_use_daemon_style(void);

/* log_level_word() - "error", "warn", "info", "debug". */
const char *log_level_word(enum log_level lvl);

/*
 * log_set_tap() - on the calling thread only, also hand every message at or
 * below the current level to @fn (NULL: stop). The control command
 * config-test uses it to answer with the reader's own messages.
 */
typedef void log_tap_fn(void *arg, enum log_level lvl, const char *msg);
void log_set_tap(log_tap_fn *fn, void *arg);

/* log_printf() - the backend behind pr_*(); a newline is appended. */
void log_printf(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Rate limiting of repeated messages (STYLE.md 7: "one line, then a count").
 * Each call site of pr_err_rl()/pr_warn_rl()/pr_info_rl() owns one static
 * struct log_rl: at most LOG_RL_BURST lines per LOG_RL_WINDOW_S seconds go
 * out; the rest are counted, and the first line of a later window carries
 * "(N more like this)". A site that fails 500,000 times a second logs 3
 * lines per 10 s, never a line per iteration.
 */
#define LOG_RL_WINDOW_S 10
#define LOG_RL_BURST	3

struct log_rl {
	int64_t window_start;	/* CLOCK_MONOTONIC seconds; 0: never used */
	unsigned int printed;	/* lines printed in the current window */
	uint64_t suppressed;	/* lines held back since the last printed one */
};

/*
 * log_rl_decide() - the pure decision behind the *_rl() macros: at time @now
 * (seconds), may a line of @rl go out? Returns 1 and sets *@held to the number
 * of lines held back before it (to report), or 0 when this one is held back
 * (and counted). Not locked: log_rl_printf() serialises callers.
 */
int log_rl_decide(struct log_rl *rl, int64_t now, uint64_t *held);

/* log_rl_printf() - log_printf() through @rl (its lock covers every site). */
void log_rl_printf(struct log_rl *rl, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* log_rl_flush() - when lines of @rl were held back, log "N more like this" now. */
void log_rl_flush(struct log_rl *rl, enum log_level lvl, const char *what);

#define LOG_RL_(lvl, ...)                                                                  \
	do {                                                                               \
		static struct log_rl log_rl_site_;                                         \
		log_rl_printf(&log_rl_site_, (lvl), __VA_ARGS__);                          \
	} while (0)
#define pr_err_rl(...)	LOG_RL_(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn_rl(...) LOG_RL_(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info_rl(...) LOG_RL_(LOG_LVL_INFO, __VA_ARGS__)

#define pr_err(...)   log_printf(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
