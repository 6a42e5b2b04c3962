/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/daemon.h - `leasesnoop -c FILE [--dry-run]`: the epoll loop that joins
 * the BPF ring, the lease files, the DNS engine, the control socket and a
 * timer around the reconciler. SIGHUP reloads the configuration (zones that
 * leave it have their owned records removed first); SIGTERM/SIGINT detach,
 * let the DNS side finish briefly and flush the store.
 */
#ifndef LS_DAEMON_H
#define LS_DAEMON_H

#include <signal.h>

struct daemon_args {
	const char *config;		/* -c FILE */
	int dry_run;			/* print changes instead of sending them */
	int verbose;			/* -v count: overrides the file's log-level when > 0 */
	volatile sig_atomic_t *exiting;	/* set by SIGTERM/SIGINT */
	volatile sig_atomic_t *reload;	/* set by SIGHUP; the daemon clears it */
};

/*
 * daemon_run() - run until *@a->exiting. Returns 0, or a negative error when
 * start-up failed (logged: config, store, BPF, control socket).
 */
int daemon_run(const struct daemon_args *a);

#endif
