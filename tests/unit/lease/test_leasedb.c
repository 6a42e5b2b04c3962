// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_leasedb.c - the SQL lease source's pure decisions: a
 * lease4/lease6 row as text becomes the kea_row a memfile line would (v6
 * keys from varchar or inet, Kea's signed IAID, SQL NULLs), bad columns are
 * named; a gone row deletes; the schema verdicts; the change cursor waits
 * for a sequence hole until it is LEASEDB_GAP_MS old; Kea's two-step name
 * write is held for the debounce; the backoff; and leases_due() lists what
 * the clock would expire without expiring it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/lease/leasedb.h"
#include "user/lease/leases.h"

static void test_row4(void **state)
{
	const char *v[LEASEDB_NCOLS4] = { "167837953", "000c29000001", "01000c29000001", "3600",
					  "1800003600", "7", "1", "0", "h.dyn.example.", "0", "" };
	struct kea_row r;
	const char *why = NULL;

	(void)state;
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), 0);
	assert_int_equal(r.family, 4);
	assert_memory_equal(r.addr, "\x0a\x01\x01\x01", 4);
	assert_int_equal(r.prefix_len, 32);
	assert_int_equal(r.hwaddr_len, 6);
	assert_int_equal(r.id_len, 7);
	assert_int_equal(r.valid_lft, 3600);
	assert_int_equal(r.expire, 1800003600);
	assert_int_equal(r.subnet_id, 7);
	assert_int_equal(r.fqdn_fwd, 1);
	assert_int_equal(r.fqdn_rev, 0);
	assert_string_equal(r.hostname, "h.dyn.example.");
	assert_true(r.cols & (1u << KEA_COL_CLIENT_ID));
	assert_false(r.cols & (1u << KEA_COL_DUID));

	/* SQL NULL identifiers are empty, as in a CSV row */
	v[2] = NULL;
	v[1] = NULL;
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), 0);
	assert_int_equal(r.id_len, 0);
	assert_int_equal(r.hwaddr_len, 0);

	v[0] = "4294967296";	/* past 255.255.255.255 */
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), LS_ECSV_ROW);
	assert_string_equal(why, "address");
	v[0] = "1";
	v[9] = "x";
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), LS_ECSV_ROW);
	assert_string_equal(why, "state");
	v[9] = "0";
	v[1] = "0g";
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), LS_ECSV_ROW);
	assert_string_equal(why, "hwaddr");
	v[1] = "";
	v[4] = "10";	/* expire before the lifetime began: cltt negative */
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), LS_ECSV_ROW);
	assert_string_equal(why, "expire");
}

static void test_row6(void **state)
{
	const char *v[LEASEDB_NCOLS6] = { "fd00:64::1:5", "000100011c39cf88080027fe8f95", "3600",
					  "1800003600", "1", "2700", "0", "-1", "128", "1", "1",
					  "c.dyn.example.", "2", "080027fe8f95", "1", "4", "{}" };
	struct kea_row r;
	const char *why = NULL;

	(void)state;
	assert_int_equal(leasedb_row_parse(6, v, &r, &why), 0);
	assert_int_equal(r.family, 6);
	assert_memory_equal(r.addr, "\xfd\x00\x00\x64\0\0\0\0\0\0\0\0\0\x01\0\x05", 16);
	assert_int_equal(r.iaid, 0xffffffffu);	/* Kea's signed INT column */
	assert_int_equal(r.pref_lft, 2700);
	assert_int_equal(r.state, KEA_STATE_EXPIRED_RECLAIMED);
	assert_int_equal(r.hwaddr_len, 6);
	assert_int_equal(r.hwtype, 1);
	assert_int_equal(r.hwaddr_source, 4);
	assert_string_equal(r.user_context, "{}");
	/* later schemas: lease6.address is inet, and inet::text says /128 */
	v[0] = "fd00:64::1:5/128";
	assert_int_equal(leasedb_row_parse(6, v, &r, &why), 0);
	assert_int_equal(r.addr[15], 5);
	v[0] = "fd00:64::1:5/64";
	assert_int_equal(leasedb_row_parse(6, v, &r, &why), LS_ECSV_ROW);
	assert_string_equal(why, "address");
	v[0] = "fd00:64::1:5";
	v[6] = "3";
	assert_int_equal(leasedb_row_parse(6, v, &r, &why), LS_ECSV_ROW);
	assert_string_equal(why, "lease_type");
}

static void test_keys_and_gone(void **state)
{
	uint8_t a[16] = { 10, 64, 1, 200 }, b[16];
	char key[64];
	struct kea_row r;

	(void)state;
	assert_string_equal(leasedb_addr_key(4, a, key, sizeof(key)), "171966920");
	assert_int_equal(leasedb_addr_from_key(4, key, b), 0);
	assert_memory_equal(a, b, 16);
	assert_int_equal(leasedb_addr_from_key(4, "-1", b), -EINVAL);
	assert_int_equal(leasedb_addr_from_key(4, "12a", b), -EINVAL);
	memcpy(a, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	assert_string_equal(leasedb_addr_key(6, a, key, sizeof(key)), "2001:db8::1");
	assert_int_equal(leasedb_addr_from_key(6, "10.0.0.1", b), -EINVAL);

	leasedb_gone_row(6, a, &r);
	assert_int_equal(r.family, 6);
	assert_int_equal(r.valid_lft, 0);	/* the table's delete */
	assert_memory_equal(r.addr, a, 16);
	assert_string_equal(r.hostname, "");
}

static void test_schema_verdicts(void **state)
{
	(void)state;
	assert_int_equal(leasedb_schema_check(false, 0, 0, 1, 0), LEASEDB_SCHEMA_MISSING);
	assert_int_equal(leasedb_schema_check(true, 1, 0, 1, 0), LEASEDB_SCHEMA_OK);
	assert_int_equal(leasedb_schema_check(true, 1, 3, 1, 0), LEASEDB_SCHEMA_OK);
	assert_int_equal(leasedb_schema_check(true, 1, 0, 1, 2), LEASEDB_SCHEMA_OLDER);
	assert_int_equal(leasedb_schema_check(true, 1, 9, 2, 0), LEASEDB_SCHEMA_OLDER);
	assert_int_equal(leasedb_schema_check(true, 2, 0, 1, 0), LEASEDB_SCHEMA_NEWER);
	assert_non_null(strstr(leasedb_schema_text(LEASEDB_SCHEMA_MISSING), "--db-init"));
	assert_non_null(strstr(leasedb_schema_text(LEASEDB_SCHEMA_OLDER), "--db-upgrade"));
}

/* a poll's rows: which are taken (looked up), then the cursor advanced */
static uint64_t poll(struct leasedb_cursor *c, const uint64_t *seqs, size_t n, uint64_t now,
		     char *taken)
{
	for (size_t i = 0; i < n; i++)
		if (taken)
			taken[i] = leasedb_cursor_take(c, seqs[i]) ? 'T' : '-';
		else
			leasedb_cursor_take(c, seqs[i]);
	if (taken)
		taken[n] = 0;
	return leasedb_cursor_advance(c, now);
}

static void test_cursor_holes(void **state)
{
	struct leasedb_cursor c = { 0 };
	const uint64_t a[] = { 11, 12, 14, 15 }, b[] = { 13, 14, 15 }, d[] = { 17, 18 };

	(void)state;
	leasedb_cursor_reset(&c, 10, 0);
	/* 13 is allocated but not committed yet: stay at 12 */
	assert_int_equal(poll(&c, a, 4, 1000, NULL), 12);
	assert_int_equal(c.hole, 13);
	/* it commits: move past it */
	assert_int_equal(poll(&c, b, 3, 2000, NULL), 15);
	assert_int_equal(c.hole, 0);
	/* 16 never comes (rolled back): wait, then give it up after LEASEDB_GAP_MS */
	assert_int_equal(poll(&c, d, 2, 3000, NULL), 15);
	assert_int_equal(poll(&c, NULL, 0, 3000 + LEASEDB_GAP_MS - 1, NULL), 15);
	assert_int_equal(c.holes_skipped, 0);
	assert_int_equal(poll(&c, NULL, 0, 3000 + LEASEDB_GAP_MS, NULL), 18);
	assert_int_equal(c.holes_skipped, 1);
	assert_int_equal(poll(&c, NULL, 0, 99999, NULL), 18);
	leasedb_cursor_fini(&c);
}

static void test_cursor_takes_late_fill(void **state)
{
	struct leasedb_cursor c = { 0 };
	const uint64_t a[] = { 11, 12, 14, 15 }, b[] = { 14, 15, 16 }, d[] = { 13, 17 };
	uint64_t miss[4];
	char t[8];

	(void)state;
	leasedb_cursor_reset(&c, 10, 0);
	/* 13 not committed yet (kea-dhcp6's insert, kea-dhcp4's 14 and 15 already are) */
	assert_int_equal(poll(&c, a, 4, 1000, t), 12);
	assert_string_equal(t, "TTTT");
	/* what the next poll asks for: 13 by name, new rows after 15 */
	assert_int_equal(leasedb_cursor_missing(&c, miss, 4), 1);
	assert_int_equal(miss[0], 13);
	assert_int_equal(leasedb_cursor_high(&c), 15);
	/* read again: 14 and 15 were looked up, 16 is new */
	assert_int_equal(poll(&c, b, 3, 1100, t), 12);
	assert_string_equal(t, "--T");
	assert_int_equal(c.ntaken, 3);
	/* 13 commits: it is taken although rows after it were (the change it carries is not lost) */
	assert_int_equal(poll(&c, d, 2, 1200, t), 17);
	assert_string_equal(t, "TT");
	assert_int_equal(c.ntaken, 0);
	assert_int_equal(leasedb_cursor_high(&c), 17);
	assert_false(leasedb_cursor_take(&c, 13));
	assert_false(leasedb_cursor_take(&c, 17));
	assert_true(leasedb_cursor_take(&c, 18));
	/* a reset starts over: nothing remembered */
	leasedb_cursor_reset(&c, 5, 0);
	assert_true(leasedb_cursor_take(&c, 18));
	leasedb_cursor_fini(&c);
}

/* holes seen together wait together: not 10 s one after the other */
static void test_cursor_holes_wait_together(void **state)
{
	struct leasedb_cursor c = { 0 };
	const uint64_t a[] = { 12, 14, 16 }, b[] = { 18 };
	uint64_t miss[8];

	(void)state;
	leasedb_cursor_reset(&c, 10, 0);
	/* 11, 13 and 15 missing at 1000 (a Galera-like step of 2) */
	assert_int_equal(poll(&c, a, 3, 1000, NULL), 10);
	assert_int_equal(leasedb_cursor_missing(&c, miss, 8), 3);
	assert_int_equal(leasedb_cursor_missing(&c, miss, 2), 3);	/* more than 2 */
	/* 17 missing from 5000 on */
	assert_int_equal(poll(&c, b, 1, 5000, NULL), 10);
	/* at 11000 the three seen at 1000 are given up at once; 17 waits to 15000 */
	assert_int_equal(poll(&c, NULL, 0, 1000 + LEASEDB_GAP_MS, NULL), 16);
	assert_int_equal(c.holes_skipped, 3);
	assert_int_equal(poll(&c, NULL, 0, 1000 + LEASEDB_GAP_MS + 1, NULL), 16);
	assert_int_equal(poll(&c, NULL, 0, 1001 + 2 * LEASEDB_GAP_MS, NULL), 18);
	assert_int_equal(c.holes_skipped, 4);
	leasedb_cursor_fini(&c);
}

/* holes from before the start (pruned numbers) are waited for, not counted */
static void test_cursor_quiet_start(void **state)
{
	struct leasedb_cursor c = { 0 };
	const uint64_t a[] = { 7200 };

	(void)state;
	leasedb_cursor_reset(&c, 7123 - 64, 7123);
	assert_int_equal(poll(&c, a, 1, 1000, NULL), 7123 - 64);
	assert_int_equal(poll(&c, NULL, 0, 1000 + LEASEDB_GAP_MS, NULL), 7200);
	/* one hole, 7060..7199, begun at a number from before the start: not counted */
	assert_int_equal(c.holes_skipped, 0);
	leasedb_cursor_fini(&c);
}

static void test_cursor_start(void **state)
{
	(void)state;
	/* rows 4,001..5,000 present: 1,000 back from the end, replayed */
	assert_int_equal(leasedb_cursor_start(5000, 4000, 4001, 0, 64), 4000);
	/* rows below 4,800 pruned: start just before the first row, no hole to wait for */
	assert_int_equal(leasedb_cursor_start(5000, 4000, 4800, 0, 64), 4799);
	/* a small table: from its first row */
	assert_int_equal(leasedb_cursor_start(300, 0, 120, 0, 64), 119);
	/* every row pruned: a little before the last number handed out, or 0 when that is unknown */
	assert_int_equal(leasedb_cursor_start(0, 0, 0, 7123, 64), 7123 - 64);
	assert_int_equal(leasedb_cursor_start(0, 0, 0, 40, 64), 0);
	assert_int_equal(leasedb_cursor_start(0, 0, 0, 0, 64), 0);
}

static void test_debounce_and_backoff(void **state)
{
	struct kea_row r = { .family = 4, .valid_lft = 3600, .fqdn_fwd = 1, .hostname = "" };

	(void)state;
	assert_true(leasedb_name_pending(&r, 0, 500));
	assert_true(leasedb_name_pending(&r, 499, 500));
	assert_false(leasedb_name_pending(&r, 500, 500));
	assert_false(leasedb_name_pending(&r, 0, 0));
	r.hostname = "h.example.";
	r.hostname_len = 10;
	assert_false(leasedb_name_pending(&r, 0, 500));
	r.hostname = "";
	r.hostname_len = 0;
	r.fqdn_fwd = 0;	/* Kea wants no DNS for it: nothing to wait for */
	assert_false(leasedb_name_pending(&r, 0, 500));
	r.fqdn_rev = 1;
	r.state = KEA_STATE_EXPIRED_RECLAIMED;	/* reclamation clears the name: not a first step */
	assert_false(leasedb_name_pending(&r, 0, 500));

	assert_int_equal(leasedb_next_backoff(0), 1000);
	assert_int_equal(leasedb_next_backoff(1000), 2000);
	assert_int_equal(leasedb_next_backoff(16000), 30000);
	assert_int_equal(leasedb_next_backoff(30000), 30000);
}

static time_t clock_at;
static time_t test_clock(void *ctx)
{
	(void)ctx;
	return clock_at;
}

static int count_due(void *ctx, const struct lease *l)
{
	(void)l;
	(*(int *)ctx)++;
	return 0;
}

static void test_leases_due(void **state)
{
	struct leases_opts o = { .clock = test_clock };
	struct leases *t;
	struct kea_row r;
	const char *v[LEASEDB_NCOLS4] = { "1", "", "01", "100", "1800000100", "1", "1", "1",
					  "a.", "0", "" };
	const char *why;
	int n = 0;

	(void)state;
	clock_at = 1800000000;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), 0);
	assert_int_equal(leases_apply(t, &r), 1);
	assert_int_equal(leases_due(t, 1800000099, count_due, &n), 0);
	assert_int_equal(leases_due(t, 1800000100, count_due, &n), 1);
	assert_int_equal(n, 1);
	/* listing does not expire: the scan still does, once */
	assert_int_equal(leases_expire_scan(t, 1800000100), 1);
	assert_int_equal(leases_due(t, 1800000200, count_due, &n), 0);
	leases_close(t);
}

static void count_change(void *ctx, const struct lease_change *ch)
{
	(void)ch;
	(*(int *)ctx)++;
}

/* the first full pass loads without changes; later rows send them */
static void test_loading(void **state)
{
	int changes = 0;
	struct leases_opts o = { .clock = test_clock, .on_change = count_change, .ctx = &changes };
	const char *v[LEASEDB_NCOLS4] = { "1", "", "01", "100", "1800000100", "1", "1", "1",
					  "a.", "0", "" };
	struct leases *t;
	struct kea_row r;
	const char *why;

	(void)state;
	clock_at = 1800000000;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	leases_set_loading(t, 1);
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), 0);
	assert_int_equal(leases_apply(t, &r), 1);
	assert_int_equal(changes, 0);
	leases_set_loading(t, 0);
	v[0] = "2";
	assert_int_equal(leasedb_row_parse(4, v, &r, &why), 0);
	assert_int_equal(leases_apply(t, &r), 1);
	assert_int_equal(changes, 1);
	leases_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row4),
		cmocka_unit_test(test_row6),
		cmocka_unit_test(test_keys_and_gone),
		cmocka_unit_test(test_schema_verdicts),
		cmocka_unit_test(test_cursor_holes),
		cmocka_unit_test(test_cursor_takes_late_fill),
		cmocka_unit_test(test_cursor_holes_wait_together),
		cmocka_unit_test(test_cursor_quiet_start),
		cmocka_unit_test(test_cursor_start),
		cmocka_unit_test(test_debounce_and_backoff),
		cmocka_unit_test(test_leases_due),
		cmocka_unit_test(test_loading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
