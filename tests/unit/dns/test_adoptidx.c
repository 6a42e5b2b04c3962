// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_adoptidx.c - user/dns/adoptidx.c, adoption's
 * decision from a zone transfer: each rule (the forward name's DHCID and
 * address, the reverse name's PTR and DHCID) and each mismatch (wrong
 * DHCID, wrong address, PTR to another name, a missing side, the records
 * in another zone), names under a delegation or DNAME sent to the query
 * path, IPv6; and the same verdict as the query probe's own rules
 * (adopt_rr_match(), applied to what a query would be answered with) over
 * every combination of a lease's four records present, absent or wrong.
 * Also the index's growth and adoptxfr_worth().
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/dns/adoptidx.h"
#include "user/dns/adoptxfr.h"
#include "user/dns/dnsmsg.h"

#define FZ 0
#define RZ 1

static const uint8_t KEY[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static struct zones_domain dom_f = { .name = "dyn.example." };
static struct zones_domain dom_r = { .name = "64.10.in-addr.arpa.", .reverse = true };
static struct zones_domain dom_r6 = { .name = "8.b.d.0.1.0.0.2.ip6.arpa.", .reverse = true };
static const uint8_t D1[DHCID_RDATA_LEN] = { 0, 1, 1, 0xaa, 0xbb };
static const uint8_t D2[DHCID_RDATA_LEN] = { 0, 1, 1, 0xcc, 0xdd };
static const uint8_t A5[4] = { 10, 64, 1, 5 }, A6[4] = { 10, 64, 1, 6 };
#define REV5 "5.1.64.10.in-addr.arpa."

/* one RR of a zone, as a transfer hands it on */
struct rr {
	uint32_t zone;
	const char *owner;
	uint16_t type;
	const void *rdata;
	size_t len;
};

#define RR_A(z, o, a) { z, o, DNSMSG_TYPE_A, a, 4 }
#define RR_DHCID(z, o, d) { z, o, DNSMSG_TYPE_DHCID, d, DHCID_RDATA_LEN }
#define RR_PTR(z, o, t) { z, o, DNSMSG_TYPE_PTR, t, sizeof(t) }

static struct adoptidx *index_of(const struct rr *rrs, size_t n)
{
	struct adoptidx *ix;

	assert_int_equal(adoptidx_new(&ix, 0, KEY), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(adoptidx_add(ix, rrs[i].zone, rrs[i].zone == FZ ? dom_f.name :
					      dom_r.name, rrs[i].owner, rrs[i].type,
					      rrs[i].rdata, rrs[i].len), 0);
	return ix;
}

static struct adopt_item item5(void)
{
	struct adopt_item it = { .family = 4, .fz = &dom_f, .rz = &dom_r };

	memcpy(it.addr, A5, 4);
	snprintf(it.fqdn, sizeof(it.fqdn), "h5.dyn.example.");
	memcpy(it.dhcid, D1, DHCID_RDATA_LEN);
	return it;
}

/* the verdict on item5() from @rrs: 1 fwd ok, 2 rev ok; -1 sent to the query path */
static int verdict(const struct rr *rrs, size_t n, struct adopt_item it)
{
	struct adoptidx *ix = index_of(rrs, n);
	int v;

	it.failed = true;	/* the decision clears it */
	v = adoptidx_decide(ix, &it, FZ, RZ);
	adoptidx_free(ix);
	if (v == ADOPTIDX_ASK)
		return -1;
	assert_int_equal(v, ADOPTIDX_SETTLED);
	assert_false(it.failed);
	return (it.fwd_ok ? 1 : 0) | (it.rev_ok ? 2 : 0);
}

#define VERDICT(it, ...)                                                                  \
	({                                                                                \
		const struct rr _r[] = { __VA_ARGS__ };                                   \
		verdict(_r, sizeof(_r) / sizeof(_r[0]), it);                              \
	})

static const char H5[] = "h5.dyn.example.", H7[] = "h7.dyn.example.";

static void test_rules(void **state)
{
	struct adopt_item it = item5();

	(void)state;
	/* everything D2 writes: both sides */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D1)), 3);
	/* more at the names (another A, another DHCID, a TXT) does not hide ours */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A6), RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D2),
				 RR_DHCID(FZ, H5, D1), { FZ, H5, 16, "\x03txt", 4 },
				 RR_PTR(RZ, REV5, H5), RR_DHCID(RZ, REV5, D1)), 3);
	/* wrong DHCID at the name (another client's) */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D2), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D1)), 2);
	/* wrong DHCID at the reverse name */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D2)), 1);
	/* wrong address */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A6), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D1)), 2);
	/* PTR to another name */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H7),
				 RR_DHCID(RZ, REV5, D1)), 1);
	/* the right RRs at another name (the address's, a neighbour's reverse name) */
	assert_int_equal(VERDICT(it, RR_A(FZ, H7, A5), RR_DHCID(FZ, H7, D1),
				 RR_PTR(RZ, "6.1.64.10.in-addr.arpa.", H5),
				 RR_DHCID(RZ, "6.1.64.10.in-addr.arpa.", D1)), 0);
	/* a missing side: no reverse records, or no forward ones */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1)), 1);
	assert_int_equal(VERDICT(it, RR_PTR(RZ, REV5, H5), RR_DHCID(RZ, REV5, D1)), 2);
	/* half a side: A without DHCID, PTR without DHCID */
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_PTR(RZ, REV5, H5), RR_DHCID(RZ, REV5, D1)),
			 2);
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5)), 1);
	/* the records, but in the other zone's transfer */
	assert_int_equal(VERDICT(it, RR_A(RZ, H5, A5), RR_DHCID(RZ, H5, D1), RR_PTR(FZ, REV5, H5),
				 RR_DHCID(FZ, REV5, D1)), 0);
	/* a side not wanted is never ok, whatever DNS holds */
	it.rz = NULL;
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D1)), 1);
	it = item5();
	it.fz = NULL;
	assert_int_equal(VERDICT(it, RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D1)), 2);
}

/* Data at or under a zone cut or a DNAME is not what a query gets: ask. */
static void test_occluded(void **state)
{
	struct adopt_item it = item5();

	(void)state;
	snprintf(it.fqdn, sizeof(it.fqdn), "h5.sub.dyn.example.");
	/* NS at the zone's apex is not a cut */
	assert_int_equal(VERDICT(it, { FZ, "dyn.example.", 2, "\x02ns\x00", 4 },
				 RR_A(FZ, "h5.sub.dyn.example.", A5),
				 RR_DHCID(FZ, "h5.sub.dyn.example.", D1)), 1);
	/* a delegation above the name, or at it */
	assert_int_equal(VERDICT(it, { FZ, "sub.dyn.example.", 2, "\x02ns\x00", 4 },
				 RR_A(FZ, "h5.sub.dyn.example.", A5),
				 RR_DHCID(FZ, "h5.sub.dyn.example.", D1)), -1);
	assert_int_equal(VERDICT(it, { FZ, "h5.sub.dyn.example.", 2, "\x02ns\x00", 4 },
				 RR_A(FZ, "h5.sub.dyn.example.", A5),
				 RR_DHCID(FZ, "h5.sub.dyn.example.", D1)), -1);
	/* a DNAME above it */
	assert_int_equal(VERDICT(it, { FZ, "sub.dyn.example.", 39, "\x01x\x00", 3 },
				 RR_A(FZ, "h5.sub.dyn.example.", A5),
				 RR_DHCID(FZ, "h5.sub.dyn.example.", D1)), -1);
	/* a cut beside it (another branch) changes nothing */
	assert_int_equal(VERDICT(it, { FZ, "other.dyn.example.", 2, "\x02ns\x00", 4 },
				 RR_A(FZ, "h5.sub.dyn.example.", A5),
				 RR_DHCID(FZ, "h5.sub.dyn.example.", D1)), 1);
	/* the reverse side likewise: a /24 delegated away */
	it = item5();
	assert_int_equal(VERDICT(it, { RZ, "1.64.10.in-addr.arpa.", 2, "\x02ns\x00", 4 },
				 RR_A(FZ, H5, A5), RR_DHCID(FZ, H5, D1), RR_PTR(RZ, REV5, H5),
				 RR_DHCID(RZ, REV5, D1)), -1);
}

static void test_v6(void **state)
{
	static const char rev6[] = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
	static const char h[] = "v6h1.dyn.example.";
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	struct adopt_item it = { .family = 6, .fz = &dom_f, .rz = &dom_r6 };
	struct adoptidx *ix;

	(void)state;
	memcpy(it.addr, a6, 16);
	snprintf(it.fqdn, sizeof(it.fqdn), "%s", h);
	memcpy(it.dhcid, D1, DHCID_RDATA_LEN);
	assert_int_equal(adoptidx_new(&ix, 0, KEY), 0);
	assert_int_equal(adoptidx_add(ix, FZ, dom_f.name, h, DNSMSG_TYPE_AAAA, a6, 16), 0);
	assert_int_equal(adoptidx_add(ix, FZ, dom_f.name, h, DNSMSG_TYPE_DHCID, D1, DHCID_RDATA_LEN), 0);
	assert_int_equal(adoptidx_add(ix, RZ, dom_r6.name, rev6, DNSMSG_TYPE_PTR,
				      (const uint8_t *)h, sizeof(h)), 0);
	assert_int_equal(adoptidx_decide(ix, &it, FZ, RZ), ADOPTIDX_SETTLED);
	assert_true(it.fwd_ok);
	assert_false(it.rev_ok);	/* no DHCID at the reverse name yet */
	assert_int_equal(adoptidx_add(ix, RZ, dom_r6.name, rev6, DNSMSG_TYPE_DHCID, D1,
				      DHCID_RDATA_LEN), 0);
	assert_int_equal(adoptidx_decide(ix, &it, FZ, RZ), ADOPTIDX_SETTLED);
	assert_true(it.fwd_ok && it.rev_ok);
	/* an A with the address's first 4 bytes is not its AAAA */
	it.family = 4;
	memcpy(it.addr, a6, 4);
	assert_int_equal(adoptidx_decide(ix, &it, FZ, RZ), ADOPTIDX_SETTLED);
	assert_false(it.fwd_ok);
	adoptidx_free(ix);
}

/*
 * The query probe's verdict, with its own matching (adopt_rr_match()) over
 * what a server would answer: the RRs at the question's name and type.
 */
static unsigned int query_verdict(const struct rr *rrs, size_t n, struct adopt_item *it)
{
	unsigned int found = 0;

	for (int k = 0; k < ADOPT_KINDS; k++) {
		char name[ZONES_NAME_MAX];
		const uint8_t *rd;
		uint16_t type;
		size_t len;
		uint32_t zone = k <= ADOPT_FWD_ADDR ? FZ : RZ;

		if (adopt_want(it, (enum adopt_kind)k, name, sizeof(name), &type, &rd, &len))
			continue;
		for (size_t i = 0; i < n; i++)
			if (rrs[i].zone == zone && !strcmp(rrs[i].owner, name) && rrs[i].type == type &&
			    adopt_rr_match(it, (enum adopt_kind)k, rrs[i].type, rrs[i].rdata,
					   rrs[i].len))
				found |= 1u << k;
	}
	adopt_verdict(it, found);
	return (it->fwd_ok ? 1 : 0) | (it->rev_ok ? 2 : 0);
}

/* Every combination of the four records right, absent or wrong, and of the sides wanted. */
static void test_same_as_queries(void **state)
{
	int combos = 0, both = 0;

	(void)state;
	for (int c = 0; c < 81 * 4; c++) {
		struct adopt_item it = item5(), q;
		struct rr rrs[8];
		size_t n = 0;
		int x = c % 81;

		if (c / 81 & 1)
			it.fz = NULL;
		if (c / 81 & 2)
			it.rz = NULL;
		for (int k = 0; k < ADOPT_KINDS; k++, x /= 3) {
			int how = x % 3;	/* 0 right, 1 absent, 2 wrong */
			static const struct rr right[] = { RR_DHCID(FZ, H5, D1), RR_A(FZ, H5, A5),
							   RR_PTR(RZ, REV5, H5),
							   RR_DHCID(RZ, REV5, D1) };
			static const struct rr wrong[] = { RR_DHCID(FZ, H5, D2), RR_A(FZ, H5, A6),
							   RR_PTR(RZ, REV5, H7),
							   RR_DHCID(RZ, REV5, D2) };

			if (how == 0)
				rrs[n++] = right[k];
			else if (how == 2)
				rrs[n++] = wrong[k];
		}
		q = it;
		assert_int_equal(verdict(rrs, n, it), (int)query_verdict(rrs, n, &q));
		both += q.fwd_ok && q.rev_ok;
		combos++;
	}
	assert_int_equal(combos, 324);
	assert_int_equal(both, 1);	/* only everything right, both sides wanted */
}

static void test_growth(void **state)
{
	struct adoptidx *ix;
	char n[64];
	size_t bytes0;

	(void)state;
	assert_int_equal(adoptidx_new(&ix, 0, NULL), 0);
	bytes0 = adoptidx_bytes(ix);
	for (int i = 0; i < 50000; i++) {
		snprintf(n, sizeof(n), "h%d.dyn.example.", i);
		assert_int_equal(adoptidx_add(ix, FZ, dom_f.name, n, DNSMSG_TYPE_DHCID, D1,
					      DHCID_RDATA_LEN), 0);
		/* the same RR twice is held once; types adoption ignores are not held */
		assert_int_equal(adoptidx_add(ix, FZ, dom_f.name, n, DNSMSG_TYPE_DHCID, D1,
					      DHCID_RDATA_LEN), 0);
		assert_int_equal(adoptidx_add(ix, FZ, dom_f.name, n, 16, D1, 8), 0);
	}
	assert_int_equal(adoptidx_records(ix), 50000);
	assert_true(adoptidx_bytes(ix) > bytes0);
	/* at most 3/4 full: at most 21.4 bytes per record after a doubling, at least 10.7 */
	assert_true(adoptidx_bytes(ix) <= 50000 * 22 && adoptidx_bytes(ix) >= 50000 * 10);
	for (int i = 0; i < 50000; i += 7) {
		snprintf(n, sizeof(n), "h%d.dyn.example.", i);
		assert_true(adoptidx_has(ix, FZ, n, DNSMSG_TYPE_DHCID, D1, DHCID_RDATA_LEN));
		assert_false(adoptidx_has(ix, FZ, n, DNSMSG_TYPE_DHCID, D2, DHCID_RDATA_LEN));
		assert_false(adoptidx_has(ix, RZ, n, DNSMSG_TYPE_DHCID, D1, DHCID_RDATA_LEN));
		assert_false(adoptidx_has(ix, FZ, n, 16, D1, 8));
	}
	adoptidx_free(ix);
	/* sized ahead: no growth needed for what was expected */
	assert_int_equal(adoptidx_new(&ix, 400000, NULL), 0);
	assert_true(adoptidx_bytes(ix) >= 400000 / 3 * 4 * 8);
	adoptidx_free(ix);
}

static void test_worth(void **state)
{
	(void)state;
	/* a first start or a migration: everything waits */
	assert_true(adoptxfr_worth(1000000, 1000000));
	assert_true(adoptxfr_worth(300, 302));
	/* 1/64 of the leases or more */
	assert_true(adoptxfr_worth(15625, 1000000));
	assert_false(adoptxfr_worth(15624, 1000000));
	/* the few names left over from conflicts at a later pass */
	assert_false(adoptxfr_worth(40, 1000000));
	assert_false(adoptxfr_worth(0, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),	  cmocka_unit_test(test_occluded),
		cmocka_unit_test(test_v6),	  cmocka_unit_test(test_same_as_queries),
		cmocka_unit_test(test_growth),	  cmocka_unit_test(test_worth),
	};

	return cmocka_run_group_tests_name("adoptidx", tests, NULL, NULL);
}
