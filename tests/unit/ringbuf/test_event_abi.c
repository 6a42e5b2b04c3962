// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_event_abi.c - pins the kernel<->user ABI of ringbuf/event.h
 * (sizes and offsets) so a layout change cannot slip in without a
 * LS_EVENT_VERSION bump, and checks ls_strerror() covers every project code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ringbuf/event.h"
#include "user/common/errcode.h"

_Static_assert(sizeof(struct ls_event) == 512, "ABI: struct ls_event size");
_Static_assert(offsetof(struct ls_event, xid) == 16, "ABI: xid");
_Static_assert(offsetof(struct ls_event, addr) == 32, "ABI: addr");
_Static_assert(offsetof(struct ls_event, family) == 48, "ABI: family");
_Static_assert(offsetof(struct ls_event, flags) == 52, "ABI: flags");
_Static_assert(offsetof(struct ls_event, vlan) == 56, "ABI: vlan");
_Static_assert(offsetof(struct ls_event, relay_addr) == 64, "ABI: relay_addr");
_Static_assert(offsetof(struct ls_event, chaddr) == 80, "ABI: chaddr");
_Static_assert(offsetof(struct ls_event, client_id) == 104, "ABI: client_id");
_Static_assert(offsetof(struct ls_event, server_id) == 168, "ABI: server_id");
_Static_assert(offsetof(struct ls_event, hostname) == 200, "ABI: hostname");
_Static_assert(offsetof(struct ls_event, fqdn) == 264, "ABI: fqdn");
_Static_assert(sizeof(struct ls_counters) == 8 * LS_CNT_MAX, "ABI: counters");

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(LS_EVENT_VERSION, 1);
	assert_int_equal(LS_EV_V6_DECLINE, 7);
	/* per-type event counters follow enum ls_event_type order */
	assert_int_equal(LS_CNT_EV_V6_DECLINE - LS_CNT_EV_V4_ACK, LS_EV_V6_DECLINE - LS_EV_V4_ACK);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int c = LS_ERROR_MIN; c < LS_ERROR_MAX_; c++) {
		const char *s = ls_strerror(c);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown leasesnoop error");
	}
	assert_string_equal(ls_strerror(-2), strerror(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests_name("event_abi", tests, NULL, NULL);
}
