// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease_tail.c - the LFC-safe follower of a Kea lease file.
 *
 * How Kea 2.x rotates (src/lib/dhcpsrv/memfile_lease_mgr.cc, kea-lfc):
 * the server renames FILE to FILE.1 (only if FILE.1 does not exist), opens a
 * new FILE with just a header, and starts kea-lfc, which merges FILE.2 and
 * FILE.1 into FILE.output, renames that to FILE.completed, removes FILE.2
 * and FILE.1, and renames FILE.completed to FILE.2. Every row of those files
 * was first appended to a live FILE, so once the history is loaded at start
 * the follower only has to read live FILEs to their end: our descriptor
 * keeps the old inode across the rename, we drain it, then switch to the
 * new FILE from its first byte. Nothing is read twice and nothing is missed.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/lease/lease_tail.h"
#include "user/common/log.h"

struct lease_tail {
	char *path;
	int ifd;		/* inotify, -1 without watch */
	struct kea_csv_file *live;
	kea_csv_row_fn fn;
	void *ctx;
	struct lease_tail_stats st;	/* of closed files; the live one is added on read */
	unsigned int backoff_ms;	/* 0: the last read was good */
	int64_t retry_at_ms;		/* CLOCK_MONOTONIC; no read before it */
};

static struct log_rl rl_open, rl_stat;

unsigned int lease_tail_next_backoff(unsigned int prev_ms)
{
	if (!prev_ms)
		return LEASE_TAIL_BACKOFF_MIN_MS;
	return prev_ms >= LEASE_TAIL_BACKOFF_MAX_MS / 2 ? LEASE_TAIL_BACKOFF_MAX_MS : prev_ms * 2;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void account(struct lease_tail *t, const struct kea_csv_file *f)
{
	struct kea_csv_stats s;

	kea_csv_get_stats(f, &s);
	t->st.rows += s.rows;
	t->st.bad_rows += s.bad_rows;
	t->st.bytes += s.bytes;
}

/* Read a finished history file to its end; a missing one is normal. */
static int load_whole(struct lease_tail *t, const char *path)
{
	struct kea_csv_file *f;
	int err;

	err = kea_csv_open(&f, path);
	if (err == -ENOENT)
		return 0;
	if (err) {
		pr_err("lease_tail: cannot open '%s' (%s)", path, ls_strerror(err));
		return err;
	}
	t->st.files++;
	err = kea_csv_read(f, t->fn, t->ctx);
	kea_csv_finish(f);
	account(t, f);
	kea_csv_close(f);
	/* a history file with a bad header is logged and skipped, never fatal */
	return err == LS_ECSV_HEADER ? 0 : (err < 0 ? err : 0);
}

static int open_live(struct lease_tail *t)
{
	struct stat st;
	int err = kea_csv_open(&t->live, t->path);

	if (err == -ENOENT)
		return 0;
	/* a directory opens fine and fails at read(): refuse what is not a file */
	if (!err && fstat(kea_csv_fd(t->live), &st) == 0 && !S_ISREG(st.st_mode)) {
		kea_csv_close(t->live);
		t->live = NULL;
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (err) {
		log_rl_printf(&rl_open, LOG_LVL_ERR, "lease_tail: cannot open '%s' (%s)", t->path,
			      ls_strerror(err));
		return err;
	}
	t->st.files++;
	return 0;
}

static void close_live(struct lease_tail *t)
{
	kea_csv_finish(t->live);
	account(t, t->live);
	kea_csv_close(t->live);
	t->live = NULL;
}

/* 1 when @path names another file than our descriptor, or shrank below what we read. */
static int live_replaced(struct lease_tail *t, const struct stat *st)
{
	struct stat fst;

	if (fstat(kea_csv_fd(t->live), &fst) < 0)
		return 1;
	if (fst.st_ino != st->st_ino || fst.st_dev != st->st_dev)
		return 1;
	if (st->st_size < kea_csv_offset(t->live)) {
		t->st.truncations++;
		pr_warn("lease_tail: lease file shrank, rereading '%s'", t->path);
		return 1;
	}
	return 0;
}

static int process(struct lease_tail *t)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct stat st;
	int rows = 0, n;

	/* Events only wake us up: what changed is found by stat and read. */
	while (t->ifd >= 0 && read(t->ifd, ev, sizeof(ev)) > 0)
		;
	for (int round = 0; round < 4; round++) {
		if (t->live) {
			n = kea_csv_read(t->live, t->fn, t->ctx);
			if (n < 0 && n != LS_ECSV_HEADER)
				return n;
			rows += n > 0 ? n : 0;
		}
		if (stat(t->path, &st) < 0) {
			/* renamed away and not recreated yet: IN_CREATE will wake us */
			if (errno == ENOENT)
				return rows;
			n = -errno;
			log_rl_printf(&rl_stat, LOG_LVL_ERR, "lease_tail: cannot stat '%s' (%s)",
				      t->path, ls_strerror(n));
			return n;
		}
		if (t->live && !live_replaced(t, &st))
			return rows;
		if (t->live) {
			/* rows Kea wrote between our read and its rename */
			n = kea_csv_read(t->live, t->fn, t->ctx);
			if (n < 0 && n != LS_ECSV_HEADER)
				return n;
			rows += n > 0 ? n : 0;
			close_live(t);
			t->st.rotations++;
			pr_debug("lease_tail: following new live file '%s'", t->path);
		}
		n = open_live(t);
		if (n)
			return n;
	}
	return rows;
}

int lease_tail_process(struct lease_tail *t)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int64_t now;
	int n;

	if (t->backoff_ms) {
		now = mono_ms();
		if (now < t->retry_at_ms) {
			/* keep the inotify queue empty meanwhile: it wakes us, it is not work */
			while (t->ifd >= 0 && read(t->ifd, ev, sizeof(ev)) > 0)
				;
			return 0;
		}
	}
	n = process(t);
	if (n < 0) {
		t->st.errors++;
		t->backoff_ms = lease_tail_next_backoff(t->backoff_ms);
		t->retry_at_ms = mono_ms() + t->backoff_ms;
		pr_debug("lease_tail: '%s' unreadable, next attempt in %u ms", t->path, t->backoff_ms);
	} else if (t->backoff_ms) {
		t->backoff_ms = 0;
		log_rl_flush(&rl_open, LOG_LVL_ERR, "lease_tail: cannot open the lease file");
		log_rl_flush(&rl_stat, LOG_LVL_ERR, "lease_tail: cannot stat the lease file");
		pr_info("lease_tail: reading '%s' again", t->path);
	}
	return n;
}

/* Identity of the history files, to see whether kea-lfc moved them meanwhile. */
struct hist_id {
	ino_t ino[3];
	off_t size[3];
};

static void hist_ids(const char *path, struct hist_id *h)
{
	static const char *const sfx[3] = { ".completed", ".2", ".1" };
	char p[PATH_MAX];

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 3; i++) {
		struct stat st;

		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (stat(p, &st) == 0) {
			h->ino[i] = st.st_ino;
			h->size[i] = st.st_size;
		}
	}
}

/* Kea's load order: FILE.completed if present, else FILE.2 then FILE.1. */
static int load_history(struct lease_tail *t, const char *path)
{
	char hist[PATH_MAX];
	int err;

	snprintf(hist, sizeof(hist), "%s.completed", path);
	if (access(hist, F_OK) == 0)
		return load_whole(t, hist);
	snprintf(hist, sizeof(hist), "%s.2", path);
	err = load_whole(t, hist);
	if (err)
		return err;
	snprintf(hist, sizeof(hist), "%s.1", path);
	return load_whole(t, hist);
}

int lease_tail_open(struct lease_tail **out, const char *path, int watch, kea_csv_row_fn fn,
		    void *ctx)
{
	struct lease_tail *t;
	char *dir = NULL;
	int err;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ifd = -1;
	t->fn = fn;
	t->ctx = ctx;
	t->path = strdup(path);
	dir = strdup(path);
	if (!t->path || !dir) {
		err = -ENOMEM;
		goto fail;
	}
	if (watch) {
		/* Watch the directory, not the file: the file is renamed away. */
		t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (t->ifd < 0 ||
		    inotify_add_watch(t->ifd, dirname(dir),
				      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
					      IN_DELETE | IN_CLOSE_WRITE) < 0) {
			err = -errno;
			pr_err("lease_tail: cannot watch the directory of '%s' (%s)", path,
			       ls_strerror(err));
			goto fail;
		}
	}
	/*
	 * Hold the live file before reading the history, so a rotation during
	 * the load makes us read rows twice (harmless: the last row wins and an
	 * identical row changes nothing) rather than miss any.
	 */
	err = open_live(t);
	if (err)
		goto fail;
	/*
	 * kea-lfc may finish while we read (.1 and .2 removed, .completed
	 * renamed to .2): then read the history again. Rows read twice are
	 * harmless for the same reason as above.
	 */
	for (int round = 0; round < 3; round++) {
		struct hist_id before, after;

		hist_ids(path, &before);
		err = load_history(t, path);
		if (err)
			goto fail;
		hist_ids(path, &after);
		if (!memcmp(&before, &after, sizeof(before)))
			break;
		pr_info("lease_tail: LFC ran while loading '%s', loading its history again", path);
	}
	if (t->live) {
		err = kea_csv_read(t->live, fn, ctx);
		if (err < 0)
			goto fail;
	}
	err = lease_tail_process(t);
	if (err < 0)
		goto fail;
	free(dir);
	*out = t;
	return 0;
fail:
	free(dir);
	lease_tail_close(t);
	return err;
}

int lease_tail_fd(const struct lease_tail *t)
{
	return t->ifd;
}

void lease_tail_get_stats(const struct lease_tail *t, struct lease_tail_stats *st)
{
	*st = t->st;
	if (t->live) {
		struct kea_csv_stats s;

		kea_csv_get_stats(t->live, &s);
		st->rows += s.rows;
		st->bad_rows += s.bad_rows;
		st->bytes += s.bytes;
	}
}

void lease_tail_close(struct lease_tail *t)
{
	if (!t)
		return;
	if (t->live)
		kea_csv_close(t->live);
	if (t->ifd >= 0)
		close(t->ifd);
	free(t->path);
	free(t);
}
