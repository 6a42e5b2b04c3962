// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/lease/test_shard.c - user/lease/shard.c: the hash is FNV-1a
 * over family and address (pinned values: it is stored in PostgreSQL, so
 * it must not change between builds), v4 reads only its 4 bytes, shards
 * spread evenly, every shard has exactly one home instance, and the
 * takeover plan (home shards at once, the others after takeover-delay).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "user/lease/shard.h"

static void test_hash_pinned(void **state)
{
	uint8_t a[16] = { 192, 0, 2, 10 }, b[16] = { 192, 0, 2, 10, 0xff, 0xff };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	/* FNV-1a 32 of 04 c0 00 02 0a, (Python: h = (h ^ b) * 16777619 mod 2^32 from 2166136261) */
	assert_int_equal(shard_hash(4, a), 0x803f5fb3);
	assert_int_equal(shard_hash(4, b), shard_hash(4, a));	/* v4: 4 bytes only */
	assert_int_not_equal(shard_hash(6, v6), shard_hash(6, a));
	assert_int_not_equal(shard_hash(6, a), shard_hash(4, a));
}

static void test_spread(void **state)
{
	enum { N = 16, LEASES = 64000 };
	unsigned int count[N] = { 0 };

	(void)state;
	for (unsigned int i = 0; i < LEASES; i++) {
		uint8_t a[16] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		count[shard_of(shard_hash(4, a), N)]++;
	}
	for (unsigned int s = 0; s < N; s++) {
		assert_true(count[s] > LEASES / N * 8 / 10);
		assert_true(count[s] < LEASES / N * 12 / 10);
	}
	assert_int_equal(shard_of(12345, 1), 0);
	assert_int_equal(shard_of(12345, 0), 0);
	assert_int_equal(shard_of(17, 16), 1);
}

static void test_home(void **state)
{
	(void)state;
	for (unsigned int nodes = 1; nodes <= 5; nodes++)
		for (unsigned int s = 0; s < 32; s++) {
			unsigned int homes = 0;

			for (unsigned int node = 0; node < nodes; node++)
				homes += shard_home(s, node, nodes);
			assert_int_equal(homes, 1);
		}
	assert_true(shard_home(3, 0, 0));	/* no node count: every shard is home */
}

static void test_takeover_plan(void **state)
{
	(void)state;
	/* home shards at once */
	assert_true(shard_should_try(0, 0, 2, 0, 3000));
	assert_true(shard_should_try(1, 1, 2, 0, 3000));
	/* the other instance's: only after takeover-delay */
	assert_false(shard_should_try(1, 0, 2, 0, 3000));
	assert_false(shard_should_try(1, 0, 2, 2999, 3000));
	assert_true(shard_should_try(1, 0, 2, 3000, 3000));
	assert_true(shard_should_try(1, 0, 2, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_pinned),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_takeover_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
