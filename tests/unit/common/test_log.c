// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/common/test_log.c - the rate limiter of repeated log lines: a
 * call site that fails on every iteration prints LOG_RL_BURST lines per
 * window, counts the rest, and the first line of a later window reports
 * how many were held back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/log.h"

static void test_burst_then_count(void **state)
{
	struct log_rl rl = { 0 };
	uint64_t held;
	int printed = 0;

	(void)state;
	/* 525,559 failures within one window: LOG_RL_BURST lines */
	for (int i = 0; i < 525559; i++)
		printed += log_rl_decide(&rl, 100, &held);
	assert_int_equal(printed, LOG_RL_BURST);
	assert_int_equal(rl.suppressed, 525559 - LOG_RL_BURST);
	/* still the same window: nothing */
	assert_int_equal(log_rl_decide(&rl, 100 + LOG_RL_WINDOW_S - 1, &held), 0);
	/* the next window: one line carrying the count */
	assert_int_equal(log_rl_decide(&rl, 100 + LOG_RL_WINDOW_S, &held), 1);
	assert_int_equal(held, 525559 - LOG_RL_BURST + 1);
	assert_int_equal(rl.suppressed, 0);
	assert_int_equal(log_rl_decide(&rl, 100 + LOG_RL_WINDOW_S, &held), 1);
	assert_int_equal(held, 0);
}

static void test_sites_independent(void **state)
{
	struct log_rl a = { 0 }, b = { 0 };
	uint64_t held;

	(void)state;
	for (int i = 0; i < 10; i++)
		log_rl_decide(&a, 5, &held);
	assert_int_equal(log_rl_decide(&b, 5, &held), 1);
	assert_int_equal(held, 0);
}

static void test_first_use_at_zero(void **state)
{
	struct log_rl rl = { 0 };
	uint64_t held;
	int printed = 0;

	(void)state;
	/* a monotonic clock may read 0 s right after boot: still one window */
	for (int i = 0; i < 100; i++)
		printed += log_rl_decide(&rl, 0, &held);
	assert_int_equal(printed, LOG_RL_BURST);
}

/* the macro end to end, with stderr captured: bounded lines, then the count */
static void test_macro_lines(void **state)
{
	char path[] = "/tmp/ls-test-log-XXXXXX", line[1200];
	int fd = mkstemp(path), saved = dup(2), lines = 0;
	FILE *f;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	for (int i = 0; i < 10000; i++)
		pr_err_rl("test: cannot open '%s' (Is a directory)", "x");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	unlink(path);
	assert_true(lines >= 1 && lines <= 2 * LOG_RL_BURST);
}

/* the daemon's style: journald only when JOURNAL_STREAM names stderr itself */
static void test_style_pick(void **state)
{
	(void)state;
	assert_int_equal(log_style_pick("8:12345", 8, 12345), LOG_STYLE_JOURNAL);
	assert_int_equal(log_style_pick("8:12345", 8, 99), LOG_STYLE_TIME);	/* redirected */
	assert_int_equal(log_style_pick(NULL, 8, 12345), LOG_STYLE_TIME);
	assert_int_equal(log_style_pick("", 8, 12345), LOG_STYLE_TIME);
	assert_int_equal(log_style_pick("8:12345x", 8, 12345), LOG_STYLE_TIME);
}

/* one level word everywhere (the config's), a priority or a time per style */
static void test_format(void **state)
{
	struct timespec ts = { .tv_sec = 1796164455, .tv_nsec = 123456789 };	/* 2026-12-01T22:34:15Z */
	char buf[128];

	(void)state;
	log_format(buf, sizeof(buf), LOG_STYLE_PLAIN, LOG_LVL_WARN, &ts, NULL, "x: y");
	assert_string_equal(buf, "leasesnoop: warn: x: y\n");
	log_format(buf, sizeof(buf), LOG_STYLE_TIME, LOG_LVL_ERR, &ts, NULL, "x: y");
	assert_string_equal(buf, "2026-12-01T22:34:15.123Z error: x: y\n");
	log_format(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_LVL_ERR, &ts, NULL, "m");
	assert_string_equal(buf, "<3>error: m\n");
	log_format(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_LVL_WARN, &ts, NULL, "m");
	assert_string_equal(buf, "<4>warn: m\n");
	log_format(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_LVL_INFO, &ts, NULL, "m");
	assert_string_equal(buf, "<6>info: m\n");
	log_format(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_LVL_DEBUG, &ts, NULL, "m");
	assert_string_equal(buf, "<7>debug: m\n");
	/* cut to fit, still one line */
	assert_int_equal(log_format(buf, 12, LOG_STYLE_JOURNAL, LOG_LVL_INFO, &ts, NULL, "abcdefghijkl"), 11);
	assert_string_equal(buf, "<6>info: a\n");
}

/* every warning and error has its ID; the daemon's lines carry it */
static void test_msgid(void **state)
{
	struct timespec ts = { .tv_sec = 1796164455 };
	char buf[160];

	(void)state;
	assert_string_equal(log_msgid("config: syntax error in '%s' line %d column %d (%s)"),
			    "LS_CONFIG_SYNTAX_ERROR_LINE_COLUMN");
	assert_null(log_msgid("no such format %d"));
	log_format(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_LVL_WARN, &ts, "LS_X_Y", "x: y");
	assert_string_equal(buf, "<4>warn: [LS_X_Y] x: y\n");
	log_format(buf, sizeof(buf), LOG_STYLE_TIME, LOG_LVL_ERR, &ts, "LS_X_Y", "x: y");
	assert_string_equal(buf, "2026-12-01T22:34:15.000Z error: [LS_X_Y] x: y\n");
	log_format(buf, sizeof(buf), LOG_STYLE_PLAIN, LOG_LVL_ERR, &ts, "LS_X_Y", "x: y");
	assert_string_equal(buf, "leasesnoop: error: x: y\n");	/* commands: no ID */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_count),
		cmocka_unit_test(test_sites_independent),
		cmocka_unit_test(test_first_use_at_zero),
		cmocka_unit_test(test_macro_lines),
		cmocka_unit_test(test_style_pick),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_msgid),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
