// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_gsswork.c - user/dns/gsswork.c, the worker thread
 * GSS-TSIG's Kerberos steps run on: jobs run one at a time in order and
 * come back through the eventfd; submitting never waits for a job that
 * blocks (here on a pipe, as krb5 waits on a KDC), nor does
 * gsswork_free(): the worker drops the job it was in, and the queued ones
 * unrun, once the block ends. Bounded waits on conditions only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/dns/gsswork.h"

#define BOUND_MS 10000

struct tjob {
	struct gsswork_job wj;	/* first */
	int id;
	int gate;		/* >= 0: run() reads one byte from it first (blocks until written) */
	int ran;		/* run() finished: its turn (1, 2, …) */
	int dropped_fd;		/* drop() writes the id here */
	int started_fd;		/* > 0: run() writes a byte here first */
};

static int turn;		/* the worker's alone while jobs run */

static void tjob_run(struct gsswork_job *wj)
{
	struct tjob *j = (struct tjob *)wj;
	char c;

	if (j->started_fd > 0 && write(j->started_fd, "s", 1) != 1)
		abort();
	if (j->gate >= 0 && read(j->gate, &c, 1) != 1)
		j->ran = -1;
	j->ran = ++turn;
}

static void tjob_drop(struct gsswork_job *wj)
{
	struct tjob *j = (struct tjob *)wj;
	char c = (char)j->id;

	if (j->dropped_fd >= 0 && write(j->dropped_fd, &c, 1) != 1)
		abort();
	free(j);
}

static struct tjob *tjob(int id, int gate, int dropped_fd)
{
	struct tjob *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	j->wj.run = tjob_run;
	j->wj.drop = tjob_drop;
	j->id = id;
	j->gate = gate;
	j->dropped_fd = dropped_fd;
	return j;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms) == 1;
}

/* take back @want jobs (a bounded wait), checking their order by id from @first */
static void take(struct gsswork *w, int first, int want)
{
	int got = 0;

	while (got < want) {
		struct gsswork_job *l;

		assert_true(readable(gsswork_fd(w), BOUND_MS));
		l = gsswork_done(w);
		while (l) {
			struct tjob *j = (struct tjob *)l;

			l = l->next;
			assert_int_equal(j->id, first + got);
			assert_true(j->ran > 0);
			got++;
			free(j);
		}
	}
	assert_int_equal(got, want);
}

static void test_order(void **state)
{
	struct gsswork *w;
	struct gsswork_stats st;

	(void)state;
	turn = 0;
	assert_int_equal(gsswork_new(&w), 0);
	assert_null(gsswork_done(w));
	assert_false(readable(gsswork_fd(w), 0));
	for (int i = 1; i <= 3; i++)
		gsswork_submit(w, &tjob(i, -1, -1)->wj);
	take(w, 1, 3);
	gsswork_get_stats(w, &st);
	assert_int_equal(st.jobs, 3);
	assert_int_equal(st.busy, 0);
	/* all taken back: the fd is quiet again */
	assert_false(readable(gsswork_fd(w), 0));
	gsswork_free(w);
}

static void test_blocked_job(void **state)
{
	struct gsswork *w;
	struct gsswork_stats st;
	int gate[2];

	(void)state;
	turn = 0;
	assert_int_equal(pipe(gate), 0);
	assert_int_equal(gsswork_new(&w), 0);
	/* job 1 blocks (a KDC that does not answer), job 2 waits behind it */
	gsswork_submit(w, &tjob(1, gate[0], -1)->wj);
	gsswork_submit(w, &tjob(2, -1, -1)->wj);
	/* the submitter went on: nothing is back, both are counted busy */
	gsswork_get_stats(w, &st);
	assert_int_equal(st.busy, 2);
	assert_false(readable(gsswork_fd(w), 50));
	assert_null(gsswork_done(w));
	/* the KDC answers: both come back, in order */
	assert_int_equal(write(gate[1], "x", 1), 1);
	take(w, 1, 2);
	gsswork_get_stats(w, &st);
	assert_int_equal(st.jobs, 2);
	assert_int_equal(st.busy, 0);
	gsswork_free(w);
	close(gate[0]);
	close(gate[1]);
}

static void test_free_while_blocked(void **state)
{
	struct gsswork *w;
	int gate[2], dropped[2], started[2];
	struct tjob *j1;
	char c;

	(void)state;
	turn = 0;
	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(dropped), 0);
	assert_int_equal(pipe(started), 0);
	assert_int_equal(gsswork_new(&w), 0);
	j1 = tjob(1, gate[0], dropped[1]);
	j1->started_fd = started[1];
	gsswork_submit(w, &j1->wj);
	gsswork_submit(w, &tjob(2, -1, dropped[1])->wj);
	/* job 1 is in run() */
	assert_true(readable(started[0], BOUND_MS));
	/* freed with job 1 still in run(): this returns at once (else the test hangs here) */
	gsswork_free(w);
	assert_false(readable(dropped[0], 0));
	/* the block ends: the worker drops job 1 (run) and job 2 (never run), then goes */
	assert_int_equal(write(gate[1], "x", 1), 1);
	assert_true(readable(dropped[0], BOUND_MS));
	assert_int_equal(read(dropped[0], &c, 1), 1);
	assert_int_equal(c, 1);
	assert_true(readable(dropped[0], BOUND_MS));
	assert_int_equal(read(dropped[0], &c, 1), 1);
	assert_int_equal(c, 2);
	assert_int_equal(turn, 1);	/* job 2 never ran */
	close(gate[0]);
	close(gate[1]);
	close(dropped[0]);
	close(dropped[1]);
	close(started[0]);
	close(started[1]);
}

/* finished but never taken back when freed: dropped by the worker, not leaked */
static void test_free_with_done(void **state)
{
	struct gsswork *w;
	int dropped[2];
	char c;

	(void)state;
	turn = 0;
	assert_int_equal(pipe(dropped), 0);
	assert_int_equal(gsswork_new(&w), 0);
	gsswork_submit(w, &tjob(7, -1, dropped[1])->wj);
	assert_true(readable(gsswork_fd(w), BOUND_MS));
	gsswork_free(w);
	assert_true(readable(dropped[0], BOUND_MS));
	assert_int_equal(read(dropped[0], &c, 1), 1);
	assert_int_equal(c, 7);
	close(dropped[0]);
	close(dropped[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_blocked_job),
		cmocka_unit_test(test_free_while_blocked),
		cmocka_unit_test(test_free_with_done),
	};

	return cmocka_run_group_tests_name("gsswork", tests, NULL, NULL);
}
