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

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* log_set_level() - messages above @lvl are discarded. Default LOG_LVL_INFO. */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);

/* log_use_syslog() - send messages to syslog(3) instead of stderr. */
void log_use_syslog(const char *ident);

/* log_printf() - the backend behind pr_*(); a newline is appended. */
void log_printf(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define pr_err(...)   log_printf(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
