/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease_tail.h - follows one Kea lease file the way Kea's memfile
 * backend and its Lease File Cleanup (kea-lfc) use it. At open it reads the
 * history in Kea's own load order (FILE.completed if present, otherwise
 * FILE.2 then FILE.1) and then the live FILE; afterwards it reads what Kea
 * appends, surviving the rename of FILE to FILE.1, the new live FILE, and
 * kea-lfc's .output/.completed/.2 renames, so that every row reaches the
 * callback exactly once, in order. Rows are parsed by user/kea_csv.
 */
#ifndef LS_LEASE_TAIL_H
#define LS_LEASE_TAIL_H

#include <stdint.h>

#include "user/lease/kea_csv.h"

struct lease_tail;

/* Counters, cumulative over every file read. */
struct lease_tail_stats {
	uint64_t rows;		/* good rows handed to the callback */
	uint64_t bad_rows;	/* rows skipped, torn lines dropped at rotation included */
	uint64_t bytes;		/* bytes of complete lines read */
	uint64_t rotations;	/* live file replaced by a new one (LFC, restart) */
	uint64_t truncations;	/* live file shrank in place: reread from its start */
	uint64_t files;		/* files opened, history included */
	uint64_t errors;	/* reads of the live file that failed (then backed off) */
};

/*
 * lease_tail_next_backoff() - how long (ms) to leave the live file alone
 * after a failed read, given the previous wait @prev_ms (0 after a good
 * read): 1 s, doubling to 30 s. A lease file replaced by a directory costs
 * one attempt (and at most one log line) per wait, not one per event.
 */
#define LEASE_TAIL_BACKOFF_MIN_MS 1000u
#define LEASE_TAIL_BACKOFF_MAX_MS 30000u
unsigned int lease_tail_next_backoff(unsigned int prev_ms);

/*
 * lease_tail_open() - load @path's history and the live file, calling @fn for
 * every row, then (when @watch) set up inotify on @path's directory. A live
 * file that does not exist yet is waited for. Returns 0, LS_ECSV_HEADER when
 * the live file's header is unusable (logged), -ENOMEM, or a negative errno
 * from inotify or @fn. Free with lease_tail_close().
 */
int lease_tail_open(struct lease_tail **out, const char *path, int watch, kea_csv_row_fn fn,
		    void *ctx);

/*
 * lease_tail_fd() - the inotify descriptor to poll for readability, or -1
 * when opened without @watch (then call lease_tail_process() on a timer).
 */
int lease_tail_fd(const struct lease_tail *t);

/*
 * lease_tail_process() - drain the inotify queue and read every row appended
 * since the last call, following a rotation if one happened. Safe to call at
 * any time, with or without events. Returns the number of rows handed to the
 * callback, or a negative errno / the callback's error. After an error the
 * live file is not touched again before lease_tail_next_backoff() has passed
 * (calls meanwhile return 0); the first good read after errors is logged.
 */
int lease_tail_process(struct lease_tail *t);

/* lease_tail_get_stats() - copy the counters to @st. */
void lease_tail_get_stats(const struct lease_tail *t, struct lease_tail_stats *st);

/* lease_tail_close() - close every descriptor and free @t; NULL is a no-op. */
void lease_tail_close(struct lease_tail *t);

#endif
