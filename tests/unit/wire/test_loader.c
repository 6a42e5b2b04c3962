// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/wire/test_loader.c - the event ring's size (loader_ring_bytes):
 * one second of the configured lease rate per interface, a power of two
 * within bounds, and the explicit "ring-size" kept as given. A small site
 * (one interface, the default 1,000 leases/s) gets 512 KiB, not the 16 MiB
 * the BPF object declares (mapped twice, that was 32 MiB of resident memory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "user/wire/loader.h"

static void test_from_rate(void **state)
{
	(void)state;
	/* 1 interface x 1,000 events/s x 520 B = 520,000 B -> 512 KiB */
	assert_int_equal(loader_ring_bytes(1, 1000, 0), 512UL << 10);
	/* the room grows with the interfaces and the rate */
	assert_int_equal(loader_ring_bytes(2, 1000, 0), 1UL << 20);
	assert_int_equal(loader_ring_bytes(1, 2100, 0), 2UL << 20);
	assert_int_equal(loader_ring_bytes(1, 4100, 0), 4UL << 20);
	assert_int_equal(loader_ring_bytes(4, 8100, 0), 32UL << 20);
	/* an exact fit is not doubled */
	assert_int_equal(loader_ring_bytes(1, 1024, 0), 1UL << 20);	/* 532,480 B */
	assert_int_equal(loader_ring_bytes(1, 2016, 0), 1UL << 20);	/* 1,048,320 B */
}

static void test_bounds(void **state)
{
	(void)state;
	/* at least LOADER_RING_MIN, however low the rate */
	assert_int_equal(loader_ring_bytes(1, 1, 0), LOADER_RING_MIN);
	assert_int_equal(loader_ring_bytes(0, 10, 0), LOADER_RING_MIN);
	/* at most LOADER_RING_MAX, without overflowing on the way */
	assert_int_equal(loader_ring_bytes(64, 1000000, 0), LOADER_RING_MAX);
	/* every result is a power of two (the kernel's rule) */
	for (unsigned int r = 1; r < 2000000; r = r * 3 + 1) {
		unsigned long b = loader_ring_bytes(3, r, 0);

		assert_int_equal(b & (b - 1), 0);
	}
}

static void test_explicit(void **state)
{
	(void)state;
	assert_int_equal(loader_ring_bytes(1, 1000, 16UL << 20), 16UL << 20);
	assert_int_equal(loader_ring_bytes(8, 100000, 65536), 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_rate),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_explicit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
