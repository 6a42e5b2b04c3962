// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/sync/test_stampq.c - user/sync/stampq.c: pops give the push
 * times in FIFO order, runs of one millisecond share a slot, the ring wraps
 * and grows without losing order, a time that goes back joins the last run,
 * empty gives 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "user/sync/stampq.h"

static void test_fifo_order_and_runs(void **state)
{
	struct stampq q = { 0 };

	(void)state;
	assert_int_equal(stampq_pop(&q), 0);
	stampq_push(&q, 10);
	stampq_push(&q, 10);
	stampq_push(&q, 12);
	stampq_push(&q, 11);		/* back in time: joins the 12 run */
	assert_int_equal(q.n, 2);
	assert_int_equal(stampq_pop(&q), 10);
	assert_int_equal(stampq_pop(&q), 10);
	assert_int_equal(stampq_pop(&q), 12);
	stampq_push(&q, 20);
	assert_int_equal(stampq_pop(&q), 12);
	assert_int_equal(stampq_pop(&q), 20);
	assert_int_equal(stampq_pop(&q), 0);
	assert_int_equal(q.n, 0);
	stampq_fini(&q);
}

static void test_wrap_and_grow(void **state)
{
	struct stampq q = { 0 };
	uint64_t next_pop = 1, next_push = 1;

	(void)state;
	/* interleave so the ring's head moves around it, then grow it past its size */
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 7 + round; i++)
			stampq_push(&q, next_push++);
		for (int i = 0; i < 5 + round / 2; i++)
			assert_int_equal(stampq_pop(&q), next_pop++);
	}
	while (next_pop < next_push)
		assert_int_equal(stampq_pop(&q), next_pop++);
	assert_int_equal(stampq_pop(&q), 0);
	assert_true(q.cap >= 16);
	stampq_fini(&q);
	assert_null(q.run);
}

static void test_a_million_in_few_runs(void **state)
{
	struct stampq q = { 0 };

	(void)state;
	for (int i = 0; i < 1000000; i++)
		stampq_push(&q, 1000 + (uint64_t)i / 5000);	/* a full pass: 200 ms */
	assert_int_equal(q.n, 200);
	assert_int_equal(stampq_pop(&q), 1000);
	for (int i = 1; i < 999999; i++)
		stampq_pop(&q);
	assert_int_equal(stampq_pop(&q), 1199);
	assert_int_equal(stampq_pop(&q), 0);
	stampq_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order_and_runs),
		cmocka_unit_test(test_wrap_and_grow),
		cmocka_unit_test(test_a_million_in_few_runs),
	};

	return cmocka_run_group_tests_name("stampq", tests, NULL, NULL);
}
