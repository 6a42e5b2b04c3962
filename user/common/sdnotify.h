/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/common/sdnotify.h - systemd's service notification protocol
 * (sd_notify(3)) without libsystemd: one datagram of "KEY=VALUE" lines to
 * the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or '@' for the
 * abstract namespace), and the watchdog interval from $WATCHDOG_USEC (when
 * $WATCHDOG_PID, if set, is this process). Outside systemd every call is a
 * no-op. Holds no state.
 */
#ifndef LS_SDNOTIFY_H
#define LS_SDNOTIFY_H

#include <stdint.h>
#include <sys/types.h>

/*
 * sdnotify_send() - send @state ("READY=1\nSTATUS=…") to $NOTIFY_SOCKET.
 * Returns 1 when sent, 0 when there is no socket to send to, or a negative errno.
 */
int sdnotify_send(const char *state);

/*
 * sdnotify_watchdog_parse() - the watchdog interval in microseconds that
 * @usec and @pid (the variables' values, may be NULL) give process @self:
 * 0 when there is none, @pid names another process, or a value is malformed.
 */
uint64_t sdnotify_watchdog_parse(const char *usec, const char *pid, pid_t self);

/* sdnotify_watchdog_usec() - sdnotify_watchdog_parse() of this process's environment. */
uint64_t sdnotify_watchdog_usec(void);

#endif
