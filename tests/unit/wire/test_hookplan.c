// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/wire/test_hookplan.c - which hook leasesnoop takes on an
 * interface (user/wire/hookplan.c): a free XDP hook, a stale one of ours, a
 * libxdp dispatcher (with and without a usable bpffs), another tool's plain
 * XDP program, tcx or not, and the flags that force generic XDP, clsact or
 * tc ingress.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "user/wire/hookplan.h"

static enum hookplan_hook plan[HOOKPLAN_MAX];

static int in(struct hookplan_seen s, unsigned int flags)
{
	memset(plan, 0xff, sizeof(plan));
	return hookplan_ingress(&s, flags, plan);
}

static void test_free_hook(void **state)
{
	(void)state;
	/* native, then generic, then tc if XDP cannot be had at all */
	assert_int_equal(in((struct hookplan_seen){ .have_tcx = 1 }, 0), 3);
	assert_int_equal(plan[0], HOOK_XDP_NATIVE);
	assert_int_equal(plan[1], HOOK_XDP_GENERIC);
	assert_int_equal(plan[2], HOOK_TCX);
	assert_int_equal(in((struct hookplan_seen){ 0 }, HOOKPLAN_F_XDP_SKB), 2);
	assert_int_equal(plan[0], HOOK_XDP_GENERIC);
	assert_int_equal(plan[1], HOOK_CLSACT);
}

static void test_stale_ours_is_replaced(void **state)
{
	(void)state;
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 7, .xdp_stale_ours = 1 }, 0), 3);
	assert_int_equal(plan[0], HOOK_XDP_NATIVE);
}

static void test_dispatcher_is_joined(void **state)
{
	(void)state;
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 9, .xdp_dispatcher = 1,
						    .libxdp_ok = 1, .have_tcx = 1 }, 0), 2);
	assert_int_equal(plan[0], HOOK_XDP_MULTIPROG);
	assert_int_equal(plan[1], HOOK_TCX);
	/* libxdp cannot manage it (no bpffs): never touch the XDP hook */
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 9, .xdp_dispatcher = 1 }, 0), 1);
	assert_int_equal(plan[0], HOOK_CLSACT);
}

static void test_foreign_xdp_goes_to_tc(void **state)
{
	(void)state;
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 5, .have_tcx = 1 }, 0), 1);
	assert_int_equal(plan[0], HOOK_TCX);
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 5 }, 0), 1);
	assert_int_equal(plan[0], HOOK_CLSACT);
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 5, .have_tcx = 1 },
			    HOOKPLAN_F_NO_TCX), 1);
	assert_int_equal(plan[0], HOOK_CLSACT);
	/* generic-only does not change where a foreign program sends us */
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 5, .have_tcx = 1 },
			    HOOKPLAN_F_XDP_SKB), 1);
	assert_int_equal(plan[0], HOOK_TCX);
}

static void test_tc_ingress_forced(void **state)
{
	(void)state;
	assert_int_equal(in((struct hookplan_seen){ .have_tcx = 1 }, HOOKPLAN_F_TC_IN), 1);
	assert_int_equal(plan[0], HOOK_TCX);
	assert_int_equal(in((struct hookplan_seen){ .xdp_id = 9, .xdp_dispatcher = 1,
						    .libxdp_ok = 1 },
			    HOOKPLAN_F_TC_IN | HOOKPLAN_F_NO_TCX), 1);
	assert_int_equal(plan[0], HOOK_CLSACT);
}

static void test_egress_and_names(void **state)
{
	struct hookplan_seen s = { .have_tcx = 1 };

	(void)state;
	assert_int_equal(hookplan_tc(&s, 0), HOOK_TCX);
	assert_int_equal(hookplan_tc(&s, HOOKPLAN_F_NO_TCX), HOOK_CLSACT);
	s.have_tcx = 0;
	assert_int_equal(hookplan_tc(&s, 0), HOOK_CLSACT);
	assert_string_equal(hookplan_name(HOOK_XDP_NATIVE), "xdp-native");
	assert_string_equal(hookplan_name(HOOK_XDP_GENERIC), "xdp-generic");
	assert_string_equal(hookplan_name(HOOK_XDP_MULTIPROG), "xdp-multiprog");
	assert_string_equal(hookplan_name(HOOK_TCX), "tcx");
	assert_string_equal(hookplan_name(HOOK_CLSACT), "tc-clsact");
	assert_string_equal(hookplan_name(HOOK_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_hook),
		cmocka_unit_test(test_stale_ours_is_replaced),
		cmocka_unit_test(test_dispatcher_is_joined),
		cmocka_unit_test(test_foreign_xdp_goes_to_tc),
		cmocka_unit_test(test_tc_ingress_forced),
		cmocka_unit_test(test_egress_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
