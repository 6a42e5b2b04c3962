/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ctl/statscreen.h - `leasesnoop --stats` for people: the daemon's
 * statistic-get-all (and status-get) laid out as a small dashboard that
 * fits a terminal: a header, the DNS changes (totals, and rates per second
 * beside them under --watch), queues, leases, the store, then aligned
 * tables per zone and per server, verification and HA. Numbers are
 * grouped by thousands, latencies rounded to what can be read, times are
 * said as "12 s ago", no JSON and no epoch reaches the screen. The most
 * important lines come first, so the top 24 rows of an 80-column terminal
 * say how the daemon is doing; every line is cut to the width. `--json`
 * stays the machine form (control.c). Pure: JSON in, text out.
 */
#ifndef LS_STATSCREEN_H
#define LS_STATSCREEN_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

/* What one screen is drawn from. */
struct statscreen_in {
	const json_t *stats;	/* statistic-get-all's arguments */
	const json_t *status;	/* status-get's arguments (pid, uptime); may be NULL */
	const json_t *prev;	/* the previous stats (--watch), NULL: no rates */
	double dt_s;		/* seconds between prev and stats */
	time_t now;		/* wall clock, for "12 s ago" */
	const char *source;	/* the control socket's path, for the header */
	unsigned int cols;	/* cut every line to this width (0: 80) */
	unsigned int rows;	/* at most this many lines (--watch: the terminal's); 0: all */
};

/* statscreen_render() - write the dashboard to @out. Returns the lines written. */
int statscreen_render(FILE *out, const struct statscreen_in *in);

/*
 * statscreen_num() - @v grouped by thousands ("1,234,567"), above 99,999,999
 * with a unit ("123.4 M"), into @buf. Returns @buf. Pure.
 */
const char *statscreen_num(unsigned long long v, char *buf, size_t cap);

/* statscreen_ago() - "never" (@t 0), "now", "12 s ago", "4 min ago", "3 h ago", "2 d ago". Pure. */
const char *statscreen_ago(time_t now, time_t t, char *buf, size_t cap);

/* statscreen_rate() - a rate per second: "-" (negative: unknown), "0", "2.5", "1,234". Pure. */
const char *statscreen_rate(double r, char *buf, size_t cap);

#endif
