// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/lease/test_dueheap.c - user/lease/dueheap.c: pops come out in
 * due order (against a sorted copy, 10,000 random items, interleaved
 * pushes and pops), empty heap, saturation, the compaction rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "user/lease/dueheap.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void test_order(void **state)
{
	enum { N = 10000 };
	static uint32_t want[N];
	struct dueheap h;
	struct dueheap_item it;
	uint32_t last = 0;

	(void)state;
	srandom(15);
	dueheap_init(&h);
	assert_null(dueheap_top(&h));
	assert_false(dueheap_pop(&h, &it));
	for (uint32_t i = 0; i < N; i++) {
		want[i] = (uint32_t)random() % 5000;	/* many ties */
		assert_int_equal(dueheap_push(&h, want[i], i), 0);
	}
	qsort(want, N, sizeof(want[0]), cmp_u32);
	assert_int_equal(dueheap_top(&h)->due, want[0]);
	for (uint32_t i = 0; i < N; i++) {
		assert_true(dueheap_pop(&h, &it));
		assert_int_equal(it.due, want[i]);
		assert_true(it.due >= last);
		last = it.due;
	}
	assert_false(dueheap_pop(&h, &it));
	assert_true(dueheap_bytes(&h) >= N * sizeof(struct dueheap_item));
	dueheap_fini(&h);
}

static void test_interleaved(void **state)
{
	struct dueheap h;
	struct dueheap_item it;
	uint32_t now = 1000, popped = 0;

	(void)state;
	srandom(7);
	dueheap_init(&h);
	/* a clock that moves: what is due pops, never before its time, in order */
	for (int round = 0; round < 200; round++) {
		for (int k = 0; k < 50; k++)
			assert_int_equal(dueheap_push(&h, now + (uint32_t)random() % 300, (uint32_t)k), 0);
		now += 10;
		while (dueheap_top(&h) && dueheap_top(&h)->due <= now) {
			uint32_t d = dueheap_top(&h)->due;

			assert_true(dueheap_pop(&h, &it));
			assert_int_equal(it.due, d);
			popped++;
		}
		if (dueheap_top(&h))
			assert_true(dueheap_top(&h)->due > now);
	}
	assert_true(popped > 5000);
	dueheap_fini(&h);
}

static void test_sat_and_compact(void **state)
{
	struct dueheap h;

	(void)state;
	assert_int_equal(dueheap_sat(-5), 0);
	assert_int_equal(dueheap_sat(7), 7);
	assert_int_equal(dueheap_sat((int64_t)UINT32_MAX + 10), UINT32_MAX);
	dueheap_init(&h);
	for (uint32_t i = 0; i < 3000; i++)
		assert_int_equal(dueheap_push(&h, i, i), 0);
	assert_false(dueheap_compact_needed(&h, 1500));
	assert_true(dueheap_compact_needed(&h, 1000));
	dueheap_clear(&h);
	assert_null(dueheap_top(&h));
	assert_false(dueheap_compact_needed(&h, 0));
	dueheap_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_sat_and_compact),
	};

	return cmocka_run_group_tests_name("dueheap", tests, NULL, NULL);
}
