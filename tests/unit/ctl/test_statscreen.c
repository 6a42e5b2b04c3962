// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/ctl/test_statscreen.c - the human `--stats` dashboard
 * (user/ctl/statscreen.c): number grouping, human times, rates, and a
 * whole screen from a statistic-get-all answer: sections in order, rates
 * only with a previous sample, failures by result, no JSON, no float
 * noise, no epoch, every line within the width, at most the rows given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "user/ctl/statscreen.h"

static void test_formats(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(statscreen_num(0, b, sizeof(b)), "0");
	assert_string_equal(statscreen_num(999, b, sizeof(b)), "999");
	assert_string_equal(statscreen_num(1000, b, sizeof(b)), "1,000");
	assert_string_equal(statscreen_num(1234567, b, sizeof(b)), "1,234,567");
	assert_string_equal(statscreen_num(99999999, b, sizeof(b)), "99,999,999");
	assert_string_equal(statscreen_num(123456789, b, sizeof(b)), "123.5 M");
	assert_string_equal(statscreen_ago(1000, 0, b, sizeof(b)), "never");
	assert_string_equal(statscreen_ago(1000, 1000, b, sizeof(b)), "now");
	assert_string_equal(statscreen_ago(1000, 988, b, sizeof(b)), "12 s ago");
	assert_string_equal(statscreen_ago(10000, 10000 - 300, b, sizeof(b)), "5 min ago");
	assert_string_equal(statscreen_ago(100000, 100000 - 3 * 3600, b, sizeof(b)), "3 h ago");
	assert_string_equal(statscreen_ago(1000000, 1000000 - 3 * 86400, b, sizeof(b)), "3 d ago");
	assert_string_equal(statscreen_rate(-1, b, sizeof(b)), "-");
	assert_string_equal(statscreen_rate(0.01, b, sizeof(b)), "0");
	assert_string_equal(statscreen_rate(2.54, b, sizeof(b)), "2.5");
	assert_string_equal(statscreen_rate(1234.4, b, sizeof(b)), "1,234");
}

static const char *STATS =
	"{\"adds-sent\": 1500, \"removes-sent\": 20, \"applied\": 3000, \"conflicts\": 2,"
	" \"failed\": 4, \"queue-dirty\": 0, \"queue-inflight\": 3, \"pending\": 1,"
	" \"retries-held\": 0, \"last-success\": 1796170000, \"idle\": false,"
	" \"last-error\": \"add 10.0.0.1 'a.' failed (fwd refused, rev skipped)\","
	" \"changes\": [{\"family\": 4, \"op\": \"add\", \"rr\": \"A\", \"result\": \"applied\", \"count\": 1500},"
	"   {\"family\": 4, \"op\": \"add\", \"rr\": \"A\", \"result\": \"refused\", \"count\": 3},"
	"   {\"family\": 4, \"op\": \"add\", \"rr\": \"PTR\", \"result\": \"notauth\", \"count\": 1}],"
	" \"zones\": {\"dyn.example.\": {\"applied\": 1500, \"conflict\": 2, \"failed\": 3, \"servers\": [\"127.0.0.1#53\"]},"
	"   \"a-very-long-zone-name-that-does-not-fit.example.\": {\"applied\": 1, \"conflict\": 0, \"failed\": 0}},"
	" \"dns\": {\"servers\": [{\"server\": \"127.0.0.1#53\", \"zone\": \"dyn.example.\", \"messages\": 12,"
	"   \"timeouts\": 0, \"network-errors\": 1, \"latency-p50-ms\": 0.4,"
	"   \"latency-p90-ms\": 30.000000000000007, \"latency-p99-ms\": 1234.5,"
	"   \"latency-buckets\": [1, 2, 3]}]},"
	" \"lease-files\": {\"v4\": {\"leases\": 100000, \"rows\": 250000, \"bad-rows\": 3, \"rotations\": 1}},"
	" \"store\": {\"records\": 1500, \"commits\": 9},"
	" \"verify\": {\"dyn.example.\": {\"missing\": 0, \"wrong\": 0, \"repaired\": 5, \"last-time\": 1796170100}},"
	" \"ha\": {\"state\": \"load-balancing\", \"mode\": \"load-balancing\", \"role\": \"primary\","
	"   \"partner-state\": \"load-balancing\", \"active\": true, \"failures\": 0},"
	" \"ncr-received\": [[0, \"2026-12-02 00:51:08.000000\"]]}";

static char *render(const struct statscreen_in *in, int *lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*lines = statscreen_render(f, in);
	fclose(f);
	return buf;
}

static void test_screen(void **state)
{
	json_t *st = json_loads(STATS, 0, NULL), *prev, *status = json_pack("{s:i}", "uptime", 7380);
	struct statscreen_in in = { .stats = st, .status = status, .now = 1796170112, .source = "s" };
	char *out, *l, *save = NULL;
	int lines, n = 0;

	(void)state;
	assert_non_null(st);
	out = render(&in, &lines);
	if (getenv("SHOW"))
		fputs(out, stderr);
	assert_non_null(strstr(out, "leasesnoop  2026-"));
	assert_non_null(strstr(out, "up 2 h 3 min"));
	assert_non_null(strstr(out, "  applied               3,000"));
	assert_non_null(strstr(out, "last success    112 s ago"));
	assert_non_null(strstr(out, "  failed by result: refused 3, notauth 1\n"));
	assert_non_null(strstr(out, "\nZONES"));
	assert_non_null(strstr(out, "  a-very-long-zone-name-that-do~"));
	assert_non_null(strstr(out, " 1   0.4    30 1,235\n"));	/* latencies rounded */
	assert_non_null(strstr(out, "HA  load-balancing (primary), partner load-balancing, sending, 0 failures\n"));
	assert_null(strstr(out, "/s"));	/* no rates without a previous sample */
	assert_null(strchr(out, '['));
	assert_null(strchr(out, '{'));
	assert_null(strstr(out, "0000"));	/* no float noise */
	assert_null(strstr(out, "17961"));	/* no epoch */
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
		assert_true(strlen(l) <= 80);
	assert_int_equal(n, lines);
	/* the order: the top says how it is doing */
	free(out);

	/* --watch: rates between two samples, and the rows cut to the terminal */
	prev = json_deep_copy(st);
	json_object_set_new(prev, "applied", json_integer(2000));
	in.prev = prev;
	in.dt_s = 2.0;
	in.rows = 12;
	in.cols = 60;
	out = render(&in, &lines);
	assert_non_null(strstr(out, "/s"));
	assert_non_null(strstr(out, "  applied               3,000      500"));
	assert_int_equal(lines, 12);
	assert_true(out[strlen(out) - 1] != '\n');	/* the last row does not scroll the top away */
	save = NULL;
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		assert_true(strlen(l) <= 60);
	free(out);
	json_decref(prev);
	json_decref(st);
	json_decref(status);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_screen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
