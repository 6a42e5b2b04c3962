// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_zdiff.c - user/dns/zdiff.c: a zone's content against
 * what should be at a name: exact, missing, wrong data, foreign types,
 * several wanted RRs of one type, and a name that is not there at all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/dns/dnsmsg.h"
#include "user/dns/zdiff.h"

static const uint8_t A5[4] = { 192, 0, 2, 5 }, A9[4] = { 192, 0, 2, 9 };
static const uint8_t D1[35] = { 0, 1, 1, 0xaa }, D2[35] = { 0, 1, 1, 0xbb };
static const char PTR_OK[] = "host.example.", PTR_BAD[] = "other.example.";

static struct zdiff *zone(void)
{
	struct zdiff *z;

	assert_int_equal(zdiff_new(&z), 0);
	return z;
}

static void add(struct zdiff *z, const char *n, uint16_t t, const void *d, size_t l)
{
	assert_int_equal(zdiff_add(z, n, t, 300, d, l), 0);
}

static void test_exact(void **state)
{
	struct zdiff *z = zone();
	struct zdiff_want w[] = { { DNSMSG_TYPE_A, A5, 4 }, { DNSMSG_TYPE_DHCID, D1, 35 } };
	struct zdiff_verdict v;

	(void)state;
	add(z, "host.example.", DNSMSG_TYPE_A, A5, 4);
	add(z, "host.example.", DNSMSG_TYPE_DHCID, D1, 35);
	add(z, "other.example.", DNSMSG_TYPE_A, A9, 4);
	zdiff_check(z, "host.example.", w, 2, &v);
	assert_int_equal(v.state, ZDIFF_OK);
	assert_int_equal(v.missing + v.wrong + v.foreign, 0);
	assert_int_equal(zdiff_rrs(z), 3);
	zdiff_free(z);
}

static void test_missing(void **state)
{
	struct zdiff *z = zone();
	struct zdiff_want w[] = { { DNSMSG_TYPE_A, A5, 4 }, { DNSMSG_TYPE_DHCID, D1, 35 } };
	struct zdiff_verdict v;

	(void)state;
	add(z, "host.example.", DNSMSG_TYPE_DHCID, D1, 35);
	zdiff_check(z, "host.example.", w, 2, &v);
	assert_int_equal(v.state, ZDIFF_MISSING);
	assert_int_equal(v.missing, 1);
	assert_string_equal(v.what, "A 192.0.2.5 missing");
	/* nothing at all at the name */
	zdiff_check(z, "gone.example.", w, 2, &v);
	assert_int_equal(v.state, ZDIFF_MISSING);
	assert_int_equal(v.missing, 2);
	assert_string_equal(v.what, "A 192.0.2.5 missing, DHCID missing");
	zdiff_free(z);
}

static void test_wrong(void **state)
{
	struct zdiff *z = zone();
	struct zdiff_want w[] = { { DNSMSG_TYPE_A, A5, 4 }, { DNSMSG_TYPE_DHCID, D1, 35 } };
	struct zdiff_want p[] = { { DNSMSG_TYPE_PTR, (const uint8_t *)PTR_OK, sizeof(PTR_OK) },
				  { DNSMSG_TYPE_DHCID, D1, 35 } };
	struct zdiff_verdict v;

	(void)state;
	add(z, "host.example.", DNSMSG_TYPE_A, A9, 4);
	add(z, "host.example.", DNSMSG_TYPE_DHCID, D2, 35);
	zdiff_check(z, "host.example.", w, 2, &v);
	assert_int_equal(v.state, ZDIFF_WRONG);
	assert_int_equal(v.wrong, 2);
	assert_string_equal(v.what, "A holds 192.0.2.9, DHCID differs");
	/* an extra address beside ours is wrong too: the RRset is not ours alone */
	add(z, "two.example.", DNSMSG_TYPE_A, A5, 4);
	add(z, "two.example.", DNSMSG_TYPE_A, A9, 4);
	add(z, "two.example.", DNSMSG_TYPE_DHCID, D1, 35);
	zdiff_check(z, "two.example.", w, 2, &v);
	assert_int_equal(v.state, ZDIFF_WRONG);
	assert_int_equal(v.wrong, 1);
	assert_int_equal(v.missing, 0);
	/* a PTR to another name */
	add(z, "5.2.0.192.in-addr.arpa.", DNSMSG_TYPE_PTR, PTR_BAD, sizeof(PTR_BAD));
	add(z, "5.2.0.192.in-addr.arpa.", DNSMSG_TYPE_DHCID, D1, 35);
	zdiff_check(z, "5.2.0.192.in-addr.arpa.", p, 2, &v);
	assert_int_equal(v.state, ZDIFF_WRONG);
	assert_string_equal(v.what, "PTR holds 'other.example.'");
	zdiff_free(z);
}

static void test_foreign(void **state)
{
	struct zdiff *z = zone();
	struct zdiff_want w[] = { { DNSMSG_TYPE_A, A5, 4 }, { DNSMSG_TYPE_DHCID, D1, 35 } };
	struct zdiff_verdict v;

	(void)state;
	add(z, "host.example.", DNSMSG_TYPE_A, A5, 4);
	add(z, "host.example.", DNSMSG_TYPE_DHCID, D1, 35);
	add(z, "host.example.", 16, "\3abc", 4);		/* TXT */
	add(z, "host.example.", DNSMSG_TYPE_AAAA, "0123456789abcdef", 16);
	zdiff_check(z, "host.example.", w, 2, &v);
	assert_int_equal(v.state, ZDIFF_OK);
	assert_int_equal(v.foreign, 2);
	zdiff_free(z);
}

/* two bindings at one name (v4 and v6 of one host): both types are wanted */
static void test_shared_name(void **state)
{
	static const uint8_t six[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };
	struct zdiff *z = zone();
	struct zdiff_want w[] = { { DNSMSG_TYPE_A, A5, 4 }, { DNSMSG_TYPE_DHCID, D1, 35 },
				  { DNSMSG_TYPE_AAAA, six, 16 }, { DNSMSG_TYPE_DHCID, D2, 35 } };
	struct zdiff_verdict v;

	(void)state;
	add(z, "host.example.", DNSMSG_TYPE_A, A5, 4);
	add(z, "host.example.", DNSMSG_TYPE_DHCID, D1, 35);
	add(z, "host.example.", DNSMSG_TYPE_DHCID, D2, 35);
	zdiff_check(z, "host.example.", w, 4, &v);
	assert_int_equal(v.state, ZDIFF_MISSING);
	assert_int_equal(v.missing, 1);
	assert_int_equal(v.wrong, 0);
	add(z, "host.example.", DNSMSG_TYPE_AAAA, six, 16);
	zdiff_check(z, "host.example.", w, 4, &v);
	assert_int_equal(v.state, ZDIFF_OK);
	/* an IXFR deletion takes exactly that RR */
	assert_int_equal(zdiff_del(z, "host.example.", DNSMSG_TYPE_DHCID, D1, 35), 0);
	assert_int_equal(zdiff_del(z, "host.example.", DNSMSG_TYPE_DHCID, D1, 35), -ENOENT);
	assert_int_equal(zdiff_del(z, "none.example.", DNSMSG_TYPE_A, A5, 4), -ENOENT);
	zdiff_check(z, "host.example.", w, 4, &v);
	assert_int_equal(v.state, ZDIFF_MISSING);
	assert_int_equal(zdiff_rrs(z), 3);
	zdiff_free(z);
}

/* enough names to grow the table several times */
static void test_many(void **state)
{
	struct zdiff *z = zone();
	struct zdiff_want w[] = { { DNSMSG_TYPE_A, A5, 4 } };
	struct zdiff_verdict v;
	char n[64];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(n, sizeof(n), "h%d.example.", i);
		add(z, n, DNSMSG_TYPE_A, A5, 4);
	}
	for (int i = 0; i < 20000; i += 997) {
		snprintf(n, sizeof(n), "h%d.example.", i);
		zdiff_check(z, n, w, 1, &v);
		assert_int_equal(v.state, ZDIFF_OK);
	}
	assert_int_equal(zdiff_rrs(z), 20000);
	zdiff_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),	cmocka_unit_test(test_missing),
		cmocka_unit_test(test_wrong),	cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_shared_name), cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("zdiff", tests, NULL, NULL);
}
