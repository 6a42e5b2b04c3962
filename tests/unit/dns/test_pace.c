// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_pace.c - user/dns/pace.c: RFC 6298's estimator (first
 * sample, smoothing, bounds, back-off on timeout) and the AIMD batch size
 * and window (halved once per RTT on queueing or timeout, grown back
 * additively on fast replies, never past the limits).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "user/dns/pace.h"

static const struct pace_limits LIM = {
	.rto_init_ms = 2000, .rto_min_ms = 1000, .rto_max_ms = 60000,
	.batch_min = 10, .batch_max = 1000, .window_max = 4, .target_ms = 500,
};

static void test_rto_first_and_smoothed(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, &LIM);
	assert_int_equal(pace_rto(&p), 2000);
	assert_int_equal(p.batch, 1000);
	assert_int_equal(p.window, 4);
	/* RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
	pace_reply(&p, 400, 0);
	assert_int_equal(p.srtt_ms, 400);
	assert_int_equal(p.rttvar_ms, 200);
	assert_int_equal(pace_rto(&p), 1200);
	/* §2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R */
	pace_reply(&p, 800, 10);
	assert_int_equal(p.rttvar_ms, (200 * 3 + 400) / 4);
	assert_int_equal(p.srtt_ms, (400 * 7 + 800) / 8);
	assert_int_equal(pace_rto(&p), 450 + 4 * 250);
	/* fast steady replies: the timeout falls to its floor, never below */
	for (int i = 0; i < 100; i++)
		pace_reply(&p, 5, 100 + i);
	assert_int_equal(pace_rto(&p), 1000);
}

static void test_rto_follows_a_slow_server(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, &LIM);
	/* 2.5 s replies, more than the initial 2 s: the timeout moves above them */
	for (int i = 0; i < 20; i++)
		pace_reply(&p, 2500 + (i % 2) * 500, (uint64_t)i * 3000);
	assert_true(pace_rto(&p) > 3000);
	assert_true(pace_rto(&p) < 6000);
	/* and it is bounded */
	for (int i = 0; i < 10; i++)
		pace_reply(&p, 500000, 100000 + (uint64_t)i * 600000);
	assert_int_equal(pace_rto(&p), 60000);
}

static void test_timeout_backs_off(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, &LIM);
	pace_timeout(&p, 0);
	assert_int_equal(pace_rto(&p), 4000);
	assert_int_equal(p.batch, 500);
	assert_int_equal(p.window, 2);
	for (int i = 0; i < 10; i++)
		pace_timeout(&p, 100000 + (uint64_t)i * 100000);
	assert_int_equal(pace_rto(&p), 60000);
	assert_int_equal(p.batch, 10);		/* batch_min */
	assert_int_equal(p.window, 1);
	/* a reply brings the timeout back to the measured latency */
	pace_reply(&p, 100, 2000000);
	assert_int_equal(pace_rto(&p), 1000);
}

static void test_aimd(void **state)
{
	struct pace p;
	uint64_t t = 0;

	(void)state;
	pace_init(&p, &LIM);
	pace_reply(&p, 100, t);			/* least RTT 100 */
	assert_int_equal(p.batch, 1000);
	assert_int_equal(p.cuts, 0);
	/* queueing: 100 + 500 is the limit, 700 is past it -> halved */
	t += 1000;
	pace_reply(&p, 700, t);
	assert_int_equal(p.batch, 500);
	assert_int_equal(p.window, 2);
	assert_int_equal(p.cuts, 1);
	/* the other replies of the same flight do not cut again */
	pace_reply(&p, 700, t + 1);
	pace_reply(&p, 800, t + 2);
	assert_int_equal(p.batch, 500);
	assert_int_equal(p.cuts, 1);
	/* a round trip later they do */
	t += 5000;
	pace_reply(&p, 900, t);
	assert_int_equal(p.batch, 250);
	assert_int_equal(p.window, 1);
	assert_int_equal(p.cuts, 2);
	/* fast replies: + batch_max/8 each, window + 1 per window's worth */
	pace_reply(&p, 120, t + 10);
	assert_int_equal(p.batch, 375);
	assert_int_equal(p.window, 2);
	pace_reply(&p, 120, t + 20);
	assert_int_equal(p.window, 2);
	pace_reply(&p, 120, t + 30);
	assert_int_equal(p.window, 3);
	for (int i = 0; i < 50; i++)
		pace_reply(&p, 100, t + 40 + (uint64_t)i);
	assert_int_equal(p.batch, 1000);	/* never past the limits */
	assert_int_equal(p.window, 4);
	assert_true(p.grows > 0);
}

static void test_far_server_is_not_slow(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, &LIM);
	/* 2 s away and steady (netem): never cut, whatever the absolute latency */
	for (int i = 0; i < 50; i++)
		pace_reply(&p, 2000 + (uint32_t)(i % 3) * 100, (uint64_t)i * 2500);
	assert_int_equal(p.cuts, 0);
	assert_int_equal(p.batch, 1000);
	assert_int_equal(p.window, 4);
}

/*
 * pace_hold(): small batches wait behind a message in flight only at a
 * server whose latency is its own queueing; never the first change after an
 * idle period, a full message, before any reply, or for a far server.
 */
static void test_hold(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, &LIM);
	assert_false(pace_hold(&p, 2, false));		/* no reply seen yet */
	pace_reply(&p, 2, 0);
	assert_false(pace_hold(&p, 2, false));		/* quick: nothing to gain */
	for (int i = 0; i < 5; i++)
		pace_reply(&p, 300, 10 + (uint64_t)i);	/* Knot committing: 150 x the least */
	assert_true(pace_hold(&p, 2, false));
	assert_true(pace_hold(&p, 3, false));
	assert_false(pace_hold(&p, 0, false));		/* idle: the first change goes at once */
	assert_false(pace_hold(&p, 1, false));		/* and one to wait behind it */
	assert_false(pace_hold(&p, 2, true));		/* a full message goes */
	/* far and steady (netem 2 s): pipelining hides the distance */
	pace_init(&p, &LIM);
	for (int i = 0; i < 20; i++)
		pace_reply(&p, 2000 + (uint32_t)(i % 3) * 100, (uint64_t)i * 2500);
	assert_false(pace_hold(&p, 3, false));
}

static void test_degenerate_limits(void **state)
{
	struct pace_limits l = { .rto_init_ms = 5, .rto_min_ms = 100, .rto_max_ms = 50 };
	struct pace p;

	(void)state;
	pace_init(&p, &l);
	assert_int_equal(pace_rto(&p), 100);
	assert_int_equal(p.batch, 1);
	assert_int_equal(p.window, 1);
	pace_timeout(&p, 0);
	assert_int_equal(p.batch, 1);
	assert_int_equal(p.window, 1);
	pace_reply(&p, 0, 1);
	assert_int_equal(pace_rto(&p), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rto_first_and_smoothed),
		cmocka_unit_test(test_rto_follows_a_slow_server),
		cmocka_unit_test(test_timeout_backs_off),
		cmocka_unit_test(test_aimd),
		cmocka_unit_test(test_far_server_is_not_slow),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_degenerate_limits),
	};

	return cmocka_run_group_tests_name("pace", tests, NULL, NULL);
}
