// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_lease_tail.c - the LFC-safe follower, driven step by step
 * through what kea-dhcp4 and kea-lfc do to the files: Kea's load order at
 * start (.completed, else .2 then .1, then the live file), appends with torn
 * lines, the rename of the live file to .1 with rows written just before it,
 * the gap before the new live file exists, kea-lfc's .output -> .completed
 * -> .2 dance, a live file rewritten in place, and inotify waking the poller.
 * Every row must arrive exactly once.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/lease/lease_tail.h"
#include "user/lease/leases.h"
#include "user/common/log.h"
#include "tests/lib/unit.h"

#define H4 UNIT_H4 "\n"

struct seen {
	int n;
	int count[256];	/* times each 10.0.0.x row arrived */
};

static int on_row(void *ctx, const struct kea_row *r)
{
	struct seen *s = ctx;

	s->n++;
	s->count[r->addr[3]]++;
	return 0;
}

struct dir {
	char path[64];
	char live[128];
};

static void fpath(const struct dir *d, const char *suffix, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", d->live, suffix);
}

static void write_to(const struct dir *d, const char *suffix, const char *mode, const char *fmt,
		     ...)
{
	char p[160];
	FILE *f;
	va_list ap;

	fpath(d, suffix, p, sizeof(p));
	f = fopen(p, mode);
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void row(const struct dir *d, const char *suffix, int x)
{
	write_to(d, suffix, "a", "10.0.0.%d,00:%02x,,3600,2000000000,1,0,0,h%d,0,\n", x, x, x);
}

static void mv(const struct dir *d, const char *from, const char *to)
{
	char a[160], b[160];

	fpath(d, from, a, sizeof(a));
	fpath(d, to, b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
}

static void rm(const struct dir *d, const char *suffix)
{
	char a[160];

	fpath(d, suffix, a, sizeof(a));
	unlink(a);
}

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	unit_temp_dir(d->path, "tail");
	snprintf(d->live, sizeof(d->live), "%s/kea-leases4.csv", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	static const char *const sfx[] = { "", ".1", ".2", ".output", ".completed" };

	for (size_t i = 0; i < 5; i++)
		rm(d, sfx[i]);
	rmdir(d->path);
	free(d);
	return 0;
}

static void assert_each_once(const struct seen *s, int lo, int hi)
{
	for (int x = lo; x <= hi; x++)
		if (s->count[x] != 1)
			fail_msg("row 10.0.0.%d arrived %d times", x, s->count[x]);
}

static void test_load_order(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct seen s = { 0 };

	/* .2 then .1 then live */
	write_to(d, ".2", "w", H4);
	row(d, ".2", 1);
	write_to(d, ".1", "w", H4);
	row(d, ".1", 2);
	write_to(d, "", "w", H4);
	row(d, "", 3);
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	assert_int_equal(s.n, 3);
	assert_each_once(&s, 1, 3);
	lease_tail_close(t);

	/* a .completed file supersedes .2 and .1 */
	write_to(d, ".completed", "w", H4);
	row(d, ".completed", 4);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.count[4], 1);
	assert_int_equal(s.count[3], 1);
	lease_tail_close(t);
}

/* kea-lfc finishing while we load the history: the history is read again. */
struct racer {
	struct seen s;
	const struct dir *d;
	int done;
};

static int lfc_during_load(void *ctx, const struct kea_row *r)
{
	struct racer *x = ctx;

	if (!x->done) {
		/* after the first row of .2: kea-lfc merges .2 + .1 and renames */
		x->done = 1;
		write_to(x->d, ".completed", "w", H4);
		row(x->d, ".completed", 1);
		row(x->d, ".completed", 2);
		rm(x->d, ".1");
		rm(x->d, ".2");
		mv(x->d, ".completed", ".2");
	}
	return on_row(&x->s, r);
}

static void test_lfc_during_load(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct racer x = { .d = d };

	write_to(d, ".2", "w", H4);
	row(d, ".2", 1);
	write_to(d, ".1", "w", H4);
	row(d, ".1", 2);
	write_to(d, "", "w", H4);
	row(d, "", 3);
	assert_int_equal(lease_tail_open(&t, d->live, 0, lfc_during_load, &x), 0);
	assert_true(x.done);
	/* row 2 lived only in .1, removed under us: found again in the new .2 */
	assert_true(x.s.count[2] >= 1);
	assert_int_equal(x.s.count[3], 1);
	lease_tail_close(t);
}

static void test_bad_live_header(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct seen s = { 0 };

	write_to(d, "", "w", "address,valid_lifetime\n10.0.0.1,5\n");
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), LS_ECSV_HEADER);
	/* a history file with a bad header is skipped, not fatal */
	write_to(d, "", "w", H4);
	row(d, "", 1);
	write_to(d, ".1", "w", "garbage\n10.0.0.2\n");
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	assert_int_equal(s.n, 1);
	lease_tail_close(t);
}

/* One full LFC cycle as kea-dhcp4 2.2 + kea-lfc perform it, checked at each step. */
static void test_lfc_cycle(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct lease_tail_stats st;
	struct seen s = { 0 };

	write_to(d, "", "w", H4);
	row(d, "", 1);
	assert_int_equal(lease_tail_open(&t, d->live, 1, on_row, &s), 0);
	assert_true(lease_tail_fd(t) >= 0);
	assert_int_equal(s.n, 1);

	/* appends, one torn */
	row(d, "", 2);
	write_to(d, "", "a", "10.0.0.3,00:03,,3600,20000");
	assert_int_equal(lease_tail_process(t), 1);
	write_to(d, "", "a", "00000,1,0,0,h3,0,\n");
	assert_int_equal(lease_tail_process(t), 1);

	/* rows written just before the server renames the live file to .1 */
	row(d, "", 4);
	row(d, "", 5);
	mv(d, "", ".1");
	/* the gap: no live file yet */
	assert_int_equal(lease_tail_process(t), 2);
	assert_int_equal(lease_tail_process(t), 0);
	/* the new live file, with its header only, then rows */
	write_to(d, "", "w", H4);
	assert_int_equal(lease_tail_process(t), 0);
	row(d, "", 6);
	assert_int_equal(lease_tail_process(t), 1);

	/* kea-lfc: merge .2 + .1 into .output, then .completed, then .2 */
	write_to(d, ".output", "w", H4);
	for (int x = 1; x <= 5; x++)
		row(d, ".output", x);
	assert_int_equal(lease_tail_process(t), 0);
	mv(d, ".output", ".completed");
	rm(d, ".1");
	assert_int_equal(lease_tail_process(t), 0);
	mv(d, ".completed", ".2");
	row(d, "", 7);
	assert_int_equal(lease_tail_process(t), 1);

	/* a second rotation: .1 exists no more, so the server rotates again */
	row(d, "", 8);
	mv(d, "", ".1");
	write_to(d, "", "w", H4);
	row(d, "", 9);
	assert_int_equal(lease_tail_process(t), 2);

	lease_tail_get_stats(t, &st);
	assert_int_equal(st.rotations, 2);
	assert_int_equal(st.rows, 9);
	assert_int_equal(st.bad_rows, 0);
	assert_int_equal(s.n, 9);
	assert_each_once(&s, 1, 9);
	lease_tail_close(t);

	/* restarting now loads .2 (1-5), .1 (6-8) and live (9): Kea's view */
	memset(&s, 0, sizeof(s));
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	assert_int_equal(s.n, 9);
	assert_each_once(&s, 1, 9);
	lease_tail_close(t);
}

static void test_torn_at_rotation(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct lease_tail_stats st;
	struct seen s = { 0 };

	write_to(d, "", "w", H4);
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	row(d, "", 1);
	write_to(d, "", "a", "10.0.0.2,00:02");	/* never completed */
	mv(d, "", ".1");
	write_to(d, "", "w", H4);
	row(d, "", 3);
	assert_int_equal(lease_tail_process(t), 2);
	lease_tail_get_stats(t, &st);
	assert_int_equal(st.bad_rows, 1);
	assert_int_equal(s.count[2], 0);
	lease_tail_close(t);
}

static void test_rewritten_in_place(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct lease_tail_stats st;
	struct seen s = { 0 };

	write_to(d, "", "w", H4);
	row(d, "", 1);
	row(d, "", 2);
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	/* truncated and rewritten (same inode), shorter than what we read */
	write_to(d, "", "w", H4);
	row(d, "", 3);
	assert_int_equal(lease_tail_process(t), 1);
	lease_tail_get_stats(t, &st);
	assert_int_equal(st.truncations, 1);
	assert_each_once(&s, 1, 3);
	lease_tail_close(t);
}

static void test_inotify_wakes(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct seen s = { 0 };
	struct pollfd p;

	write_to(d, "", "w", H4);
	assert_int_equal(lease_tail_open(&t, d->live, 1, on_row, &s), 0);
	p.fd = lease_tail_fd(t);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 0), 0);
	row(d, "", 1);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(lease_tail_process(t), 1);
	assert_int_equal(poll(&p, 1, 0), 0);	/* drained */
	mv(d, "", ".1");
	assert_int_equal(poll(&p, 1, 1000), 1);
	lease_tail_close(t);
}

/* The table through a rotation: the feed sees each change once. */
struct kinds {
	int n[LEASE_CH_MAX_];
};

static void count_kind(void *ctx, const struct lease_change *ch)
{
	((struct kinds *)ctx)->n[ch->kind]++;
}

static void test_table_follows(void **state)
{
	struct dir *d = *state;
	struct kinds k = { 0 };
	struct leases_opts o = { .watch = 1, .on_change = count_kind, .ctx = &k };
	struct leases *t;
	struct leases_stats st;

	write_to(d, "", "w", H4);
	row(d, "", 1);
	assert_int_equal(leases_open(&t, d->live, 0, &o), 0);
	assert_int_equal(leases_count(t), 1);
	assert_int_equal(k.n[LEASE_CH_NEW], 0);	/* the initial load sends nothing */
	row(d, "", 2);
	mv(d, "", ".1");
	write_to(d, "", "w", H4);
	row(d, "", 1);	/* LFC does not repeat rows in the live file: a renewal */
	row(d, "", 3);
	assert_int_equal(leases_process(t), 3);
	assert_int_equal(k.n[LEASE_CH_NEW], 2);
	assert_int_equal(k.n[LEASE_CH_RENEWED], 0);	/* identical row: nothing */
	leases_get_stats(t, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(leases_count(t), 3);
	leases_close(t);
}

/*
 * The live file replaced by a directory: one failed attempt, then the tail
 * leaves it alone for the backoff (calls return 0 at once), and picks up
 * the file when it comes back.
 */
static void test_dir_backs_off(void **state)
{
	struct dir *d = *state;
	struct lease_tail *t;
	struct lease_tail_stats st;
	struct seen s = { 0 };
	int n = 0;

	write_to(d, "", "w", H4);
	row(d, "", 1);
	assert_int_equal(lease_tail_open(&t, d->live, 0, on_row, &s), 0);
	assert_int_equal(s.n, 1);
	mv(d, "", ".gone");
	assert_int_equal(mkdir(d->live, 0700), 0);
	assert_true(lease_tail_process(t) < 0);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(lease_tail_process(t), 0);
	lease_tail_get_stats(t, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(rmdir(d->live), 0);
	write_to(d, "", "w", H4);
	row(d, "", 2);
	/* back within the first backoff (1 s); wait on the condition, not a sleep */
	for (int i = 0; i < 400 && n <= 0; i++) {
		n = lease_tail_process(t);
		if (n <= 0)
			usleep(10000);
	}
	assert_int_equal(n, 1);
	assert_int_equal(s.count[2], 1);
	lease_tail_close(t);
	rm(d, ".gone");
}

static void test_backoff_bounds(void **state)
{
	unsigned int ms = 0;

	(void)state;
	ms = lease_tail_next_backoff(ms);
	assert_int_equal(ms, LEASE_TAIL_BACKOFF_MIN_MS);
	assert_int_equal(lease_tail_next_backoff(ms), 2 * LEASE_TAIL_BACKOFF_MIN_MS);
	for (int i = 0; i < 40; i++)
		ms = lease_tail_next_backoff(ms);
	assert_int_equal(ms, LEASE_TAIL_BACKOFF_MAX_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lfc_during_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_live_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lfc_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_at_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inotify_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_follows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_backs_off, setup, teardown),
		cmocka_unit_test(test_backoff_bounds),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("lease_tail", tests, NULL, NULL);
}
