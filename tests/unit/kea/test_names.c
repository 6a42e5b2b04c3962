// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/kea/test_names.c - user/kea/names.c against Kea's documented
 * behaviour of hostname-char-set / hostname-char-replacement: the default
 * set "[^A-Za-z0-9.-]" with the default (empty) replacement drops what it
 * matches; with "x" each match becomes x ("my_host" -> "myxhost"); a set
 * matching runs replaces the run once; names come out lower case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "user/kea/names.h"

static const char *clean(const char *set, const char *repl, const char *in)
{
	static char out[256];
	regex_t re;

	assert_int_equal(names_compile(&re, set), 0);
	assert_true(names_sanitize(&re, repl, in, strlen(in), out, sizeof(out)) >= 0);
	regfree(&re);
	return out;
}

static void test_kea_rules(void **state)
{
	(void)state;
	/* Kea's defaults: drop every character outside letters, digits, '.', '-' */
	assert_string_equal(clean(NAMES_DEFAULT_CHAR_SET, "", "Eve_s PC"), "evespc");
	assert_string_equal(clean(NAMES_DEFAULT_CHAR_SET, "", "host.example.org"), "host.example.org");
	/* hostname-char-replacement "x": one x per character matched */
	assert_string_equal(clean(NAMES_DEFAULT_CHAR_SET, "x", "my_host"), "myxhost");
	assert_string_equal(clean(NAMES_DEFAULT_CHAR_SET, "x", "one-&$_-host"), "one-xxx-host");
	/* a set matching runs: one replacement per run */
	assert_string_equal(clean("[^A-Za-z0-9.-]+", "-", "Eve_s  PC"), "eve-s-pc");
	/* anchored sets work as regular expressions do */
	assert_string_equal(clean("^-", "", "-lead-"), "lead-");
	/* a set that matches the empty string: nothing is lost, no endless loop */
	assert_string_equal(clean("x*", "", "abc"), "abc");
	assert_int_equal(names_compile(&(regex_t){ 0 }, "[a-"), -EINVAL);
}

static void test_bounds(void **state)
{
	char out[4];
	regex_t re;

	(void)state;
	assert_int_equal(names_compile(&re, NAMES_DEFAULT_CHAR_SET), 0);
	assert_int_equal(names_sanitize(&re, "", "abcdef", 6, out, sizeof(out)), -ENOSPC);
	assert_string_equal(out, "abc");
	assert_int_equal(names_sanitize(&re, "", "ab", 2, out, sizeof(out)), 2);
	regfree(&re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kea_rules),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
