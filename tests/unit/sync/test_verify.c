// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/sync/test_verify.c - the verifier's decision (verify_plan()):
 * which owned bindings a zone's actual content says to repair, forward and
 * reverse, with and without DHCID, bindings of other zones left out, and
 * every binding at a wrong shared name handed on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/dns/dnsengine.h"
#include "user/dns/dnsmsg.h"
#include "user/sync/verify.h"

#define FZ "dyn.example."
#define RZ "2.0.192.in-addr.arpa."

struct got {
	char names[8][ZONES_NAME_MAX];
	char what[8][192];
	uint8_t last[8];
	int n;
};

static void on_item(void *arg, const struct verify_bind *b, const char *name,
		    const struct zdiff_verdict *v)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	snprintf(g->names[g->n], ZONES_NAME_MAX, "%s", name);
	snprintf(g->what[g->n], 192, "%s", v->what);
	g->last[g->n++] = b->addr[3];
}

static struct verify_bind bind4(uint8_t last, const char *fqdn, uint8_t dh)
{
	struct verify_bind b = { .family = 4, .fwd = 1, .rev = 1,
				 .mode = DNSENGINE_CHECK_WITH_DHCID };

	b.addr[0] = 192, b.addr[1] = 0, b.addr[2] = 2, b.addr[3] = last;
	b.dhcid[0] = 0, b.dhcid[1] = 1, b.dhcid[2] = 1, b.dhcid[3] = dh;
	snprintf(b.fqdn, sizeof(b.fqdn), "%s", fqdn);
	snprintf(b.fwd_zone, sizeof(b.fwd_zone), FZ);
	snprintf(b.rev_zone, sizeof(b.rev_zone), RZ);
	return b;
}

/* the records a binding puts in DNS */
static void put(struct zdiff *f, struct zdiff *r, const struct verify_bind *b)
{
	char rn[64];

	assert_int_equal(zdiff_add(f, b->fqdn, DNSMSG_TYPE_A, 300, b->addr, 4), 0);
	assert_int_equal(zdiff_add(f, b->fqdn, DNSMSG_TYPE_DHCID, 300, b->dhcid, 35), 0);
	snprintf(rn, sizeof(rn), "%u." RZ, b->addr[3]);
	assert_int_equal(zdiff_add(r, rn, DNSMSG_TYPE_PTR, 300, (const uint8_t *)b->fqdn,
				   strlen(b->fqdn) + 1), 0);
	assert_int_equal(zdiff_add(r, rn, DNSMSG_TYPE_DHCID, 300, b->dhcid, 35), 0);
}

static void test_all_right(void **state)
{
	struct verify_bind b[] = { bind4(1, "a." FZ, 1), bind4(2, "b." FZ, 2) };
	struct verify_counts c = { 0 };
	struct zdiff *f, *r;
	struct got g = { 0 };

	(void)state;
	assert_int_equal(zdiff_new(&f), 0);
	assert_int_equal(zdiff_new(&r), 0);
	put(f, r, &b[0]);
	put(f, r, &b[1]);
	assert_int_equal(zdiff_add(f, "a." FZ, 16, 300, (const uint8_t *)"\2hi", 3), 0);
	assert_int_equal(verify_plan(f, FZ, false, b, 2, on_item, &g, &c), 0);
	assert_int_equal(verify_plan(r, RZ, true, b, 2, on_item, &g, &c), 0);
	assert_int_equal(c.missing + c.wrong, 0);
	assert_int_equal(c.foreign, 1);		/* the TXT: counted, not judged */
	zdiff_free(f);
	zdiff_free(r);
}

static void test_missing_and_wrong(void **state)
{
	struct verify_bind b[] = { bind4(1, "a." FZ, 1), bind4(2, "b." FZ, 2),
				   bind4(3, "c." FZ, 3), bind4(4, "d." FZ, 4) };
	struct verify_bind good = bind4(2, "b." FZ, 2);
	struct verify_counts c = { 0 };
	struct zdiff *f, *r;
	struct got g = { 0 };

	(void)state;
	assert_int_equal(zdiff_new(&f), 0);
	assert_int_equal(zdiff_new(&r), 0);
	/* a: gone from both zones; b: right; c: A altered, PTR right; d: PTR altered */
	put(f, r, &good);
	b[2].addr[3] = 99;
	put(f, r, &b[2]);
	b[2].addr[3] = 3;
	snprintf(b[3].fqdn, sizeof(b[3].fqdn), "x." FZ);
	put(f, r, &b[3]);
	snprintf(b[3].fqdn, sizeof(b[3].fqdn), "d." FZ);
	assert_int_equal(zdiff_add(f, "d." FZ, DNSMSG_TYPE_A, 300, b[3].addr, 4), 0);
	assert_int_equal(zdiff_add(f, "d." FZ, DNSMSG_TYPE_DHCID, 300, b[3].dhcid, 35), 0);
	/* c's reverse: the PTR put above sits at 99.…; put the right one at 3.… */
	assert_int_equal(zdiff_add(r, "3." RZ, DNSMSG_TYPE_PTR, 300, (const uint8_t *)"c." FZ,
				   sizeof("c." FZ)), 0);
	assert_int_equal(zdiff_add(r, "3." RZ, DNSMSG_TYPE_DHCID, 300, b[2].dhcid, 35), 0);

	assert_int_equal(verify_plan(f, FZ, false, b, 4, on_item, &g, &c), 2);
	assert_string_equal(g.names[0], "a." FZ);
	assert_string_equal(g.what[0], "A 192.0.2.1 missing, DHCID missing");
	assert_string_equal(g.names[1], "c." FZ);
	assert_string_equal(g.what[1], "A holds 192.0.2.99");
	assert_int_equal(c.missing, 2);
	assert_int_equal(c.wrong, 1);

	memset(&g, 0, sizeof(g));
	memset(&c, 0, sizeof(c));
	assert_int_equal(verify_plan(r, RZ, true, b, 4, on_item, &g, &c), 2);
	assert_string_equal(g.names[0], "1." RZ);
	assert_string_equal(g.names[1], "4." RZ);
	assert_string_equal(g.what[1], "PTR holds 'x.dyn.example.'");
	assert_int_equal(g.last[1], 4);
	zdiff_free(f);
	zdiff_free(r);
}

/* other zones' bindings, sides not owned, and no-DHCID mode */
static void test_scope(void **state)
{
	struct verify_bind b[] = { bind4(1, "a." FZ, 1), bind4(2, "b.other.", 2),
				   bind4(3, "c." FZ, 3) };
	struct verify_counts c = { 0 };
	struct zdiff *f;
	struct got g = { 0 };

	(void)state;
	assert_int_equal(zdiff_new(&f), 0);
	snprintf(b[1].fwd_zone, sizeof(b[1].fwd_zone), "other.");
	b[2].fwd = 0;		/* reverse only: nothing of ours in the forward zone */
	b[0].mode = DNSENGINE_NO_CHECK_WITHOUT_DHCID;
	assert_int_equal(zdiff_add(f, "a." FZ, DNSMSG_TYPE_A, 300, b[0].addr, 4), 0);
	assert_int_equal(verify_plan(f, FZ, false, b, 3, on_item, &g, &c), 0);
	assert_int_equal(c.missing + c.wrong, 0);
	zdiff_free(f);
}

/* two bindings share a name and it is wrong: both are handed on */
static void test_shared(void **state)
{
	struct verify_bind b[] = { bind4(1, "a." FZ, 1), bind4(2, "a." FZ, 1) };
	struct verify_counts c = { 0 };
	struct zdiff *f;
	struct got g = { 0 };

	(void)state;
	assert_int_equal(zdiff_new(&f), 0);
	assert_int_equal(zdiff_add(f, "a." FZ, DNSMSG_TYPE_A, 300, b[0].addr, 4), 0);
	assert_int_equal(zdiff_add(f, "a." FZ, DNSMSG_TYPE_DHCID, 300, b[0].dhcid, 35), 0);
	assert_int_equal(verify_plan(f, FZ, false, b, 2, on_item, &g, &c), 2);
	assert_string_equal(g.what[0], "A 192.0.2.2 missing");
	zdiff_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_right), cmocka_unit_test(test_missing_and_wrong),
		cmocka_unit_test(test_scope), cmocka_unit_test(test_shared),
	};

	return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
