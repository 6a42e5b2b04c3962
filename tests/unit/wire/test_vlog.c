// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/wire/test_vlog.c - the verifier log's tail (user/wire/vlog.c):
 * the reason at the end of a long log is found however long the log is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "user/wire/vlog.h"

/* A libbpf load-log message of @n instruction lines ending in the 6.1 error. */
static char *fake_log(int n)
{
	size_t cap = (size_t)n * 64 + 512, len;
	char *m = malloc(cap);

	assert_non_null(m);
	len = snprintf(m, cap, "libbpf: prog 'ls_xdp': -- BEGIN PROG LOAD LOG --\n");
	for (int i = 0; i < n; i++)
		len += snprintf(m + len, cap - len, "%d: (bf) r1 = r6 ; R1_w=ctx(off=0,imm=0)\n", i);
	snprintf(m + len, cap - len,
		 "invalid access to map value, value_size=240 off=524312 size=8\n"
		 "R1 max value is outside of the allowed memory range\n"
		 "processed 2730 insns (limit 1000000)\n"
		 "-- END PROG LOAD LOG --\n");
	return m;
}

static void test_tail_of_long_log(void **state)
{
	char *m = fake_log(100000);	/* ~5 MB: far past any fixed print buffer */
	const char *t;

	(void)state;
	assert_true(vlog_is_load_log(m));
	t = vlog_tail(m, 3);
	assert_string_equal(t, "invalid access to map value, value_size=240 off=524312 size=8\n"
			       "R1 max value is outside of the allowed memory range\n"
			       "processed 2730 insns (limit 1000000)\n"
			       "-- END PROG LOAD LOG --\n");
	t = vlog_tail(m, 1);
	assert_true(!strncmp(t, "processed 2730 insns", 20));
	free(m);
}

static void test_short_and_odd(void **state)
{
	(void)state;
	assert_false(vlog_is_load_log("libbpf: loaded kernel BTF\n"));
	assert_string_equal(vlog_tail("", 5), "");
	assert_string_equal(vlog_tail("one\ntwo\n", 5), "one\ntwo\n");
	assert_string_equal(vlog_tail("one\ntwo\nthree", 2), "two\nthree");
	assert_string_equal(vlog_tail("one\ntwo\n\n\n", 1), "two\n\n\n");
	assert_string_equal(vlog_tail("a\n-- END PROG LOAD LOG --\n", 1), "a\n-- END PROG LOAD LOG --\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_of_long_log),
		cmocka_unit_test(test_short_and_odd),
	};

	return cmocka_run_group_tests_name("vlog", tests, NULL, NULL);
}
