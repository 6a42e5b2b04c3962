// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_rrplan.c - user/dns/rrplan.c: the RRs of each step of
 * the RFC 4703 sequences in each of Kea's four modes (section, type, class,
 * TTL or not, RDATA, order), the check-only prerequisites, and the wire size
 * estimate the engine batches by (a DHCID prerequisite counted at a DHCID's
 * length even where it carries none). The messages these plans become are
 * tested against real servers in test_dnsengine.c and tests/integ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "user/dns/dhcid.h"
#include "user/dns/rrplan.h"

#define P DNSMSG_PREREQ
#define U DNSMSG_UPDATE
#define T_A DNSMSG_TYPE_A
#define T_AAAA DNSMSG_TYPE_AAAA
#define T_ANY DNSMSG_TYPE_ANY
#define T_PTR DNSMSG_TYPE_PTR
#define T_DHCID DNSMSG_TYPE_DHCID
#define IN DNSMSG_CLASS_IN
#define NONE DNSMSG_CLASS_NONE
#define ANY DNSMSG_CLASS_ANY
#define R_NONE RRPLAN_RD_NONE
#define R_ADDR RRPLAN_RD_ADDR
#define R_DHCID RRPLAN_RD_DHCID
#define R_FQDN RRPLAN_RD_FQDN

#define OWNER_LEN 16	/* strlen("h1.example.test.") */
#define FQDN_LEN 17	/* that + 1 */

static struct rrplan plan(enum rrplan_step step, enum dnsengine_mode mode, int family, bool check)
{
	const struct rrplan_in in = { .step = step, .mode = mode, .family = family, .check = check,
				      .owner_len = OWNER_LEN, .fqdn_len = FQDN_LEN };
	struct rrplan pl;

	memset(&pl, 0xa5, sizeof(pl));
	rrplan_make(&pl, &in);
	return pl;
}

/* @pl is exactly the @n RRs of @want. */
static void expect(const struct rrplan *pl, const struct rrplan_rr *want, size_t n)
{
	assert_int_equal(pl->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pl->rr[i].sect, want[i].sect);
		assert_int_equal(pl->rr[i].type, want[i].type);
		assert_int_equal(pl->rr[i].cls, want[i].cls);
		assert_int_equal(pl->rr[i].ttl, want[i].ttl);
		assert_int_equal(pl->rr[i].rd, want[i].rd);
	}
}

#define EXPECT(pl, ...)                                                          \
	do {                                                                     \
		const struct rrplan_rr _w[] = { __VA_ARGS__ };                   \
		expect(&(pl), _w, sizeof(_w) / sizeof(_w[0]));                   \
	} while (0)

/* 12 bytes an RR (owner as a pointer) + RDATA, then the owner once + 1 + 4. */
static size_t est(size_t rdata_total, size_t nrr)
{
	return 12 * nrr + rdata_total + OWNER_LEN + 1 + 4;
}

static void t_fwd_add(void **st)
{
	struct rrplan pl;

	(void)st;
	/* RFC 4703 §5.3.1: name not in use, then the address and the DHCID */
	pl = plan(RRPLAN_FWD_ADD, DNSENGINE_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { P, T_ANY, NONE, false, R_NONE }, { U, T_A, IN, true, R_ADDR },
	       { U, T_DHCID, IN, true, R_DHCID });
	assert_int_equal(pl.size, est(4 + DHCID_RDATA_LEN, 3));
	pl = plan(RRPLAN_FWD_ADD, DNSENGINE_CHECK_EXISTS_WITH_DHCID, 6, false);
	EXPECT(pl, { P, T_ANY, NONE, false, R_NONE }, { U, T_AAAA, IN, true, R_ADDR },
	       { U, T_DHCID, IN, true, R_DHCID });
	assert_int_equal(pl.size, est(16 + DHCID_RDATA_LEN, 3));
	/* no check: overwrite whatever is there */
	pl = plan(RRPLAN_FWD_ADD, DNSENGINE_NO_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { U, T_A, ANY, false, R_NONE }, { U, T_DHCID, ANY, false, R_NONE },
	       { U, T_A, IN, true, R_ADDR }, { U, T_DHCID, IN, true, R_DHCID });
	pl = plan(RRPLAN_FWD_ADD, DNSENGINE_NO_CHECK_WITHOUT_DHCID, 6, false);
	EXPECT(pl, { U, T_AAAA, ANY, false, R_NONE }, { U, T_AAAA, IN, true, R_ADDR });
	assert_int_equal(pl.size, est(16, 2));
}

static void t_fwd_replace(void **st)
{
	struct rrplan pl;

	(void)st;
	/* RFC 4703 §5.3.2: the DHCID is ours, replace the address */
	pl = plan(RRPLAN_FWD_REPLACE, DNSENGINE_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { P, T_DHCID, IN, false, R_DHCID }, { U, T_A, ANY, false, R_NONE },
	       { U, T_A, IN, true, R_ADDR });
	assert_int_equal(pl.size, est(DHCID_RDATA_LEN + 4, 3));
	/* check-exists: any DHCID counts, and ours replaces it */
	pl = plan(RRPLAN_FWD_REPLACE, DNSENGINE_CHECK_EXISTS_WITH_DHCID, 4, false);
	EXPECT(pl, { P, T_DHCID, ANY, false, R_NONE }, { U, T_A, ANY, false, R_NONE },
	       { U, T_DHCID, ANY, false, R_NONE }, { U, T_A, IN, true, R_ADDR },
	       { U, T_DHCID, IN, true, R_DHCID });
	/* the "exists" prerequisite has no RDATA but is estimated as a DHCID's */
	assert_int_equal(pl.size, est(DHCID_RDATA_LEN + 4 + DHCID_RDATA_LEN, 5));
}

static void t_fwd_remove(void **st)
{
	struct rrplan pl;

	(void)st;
	pl = plan(RRPLAN_FWD_REM_ADDR, DNSENGINE_CHECK_WITH_DHCID, 6, false);
	EXPECT(pl, { P, T_DHCID, IN, false, R_DHCID }, { U, T_AAAA, NONE, false, R_ADDR });
	assert_int_equal(pl.size, est(DHCID_RDATA_LEN + 16, 2));
	pl = plan(RRPLAN_FWD_REM_ADDR, DNSENGINE_NO_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { U, T_A, NONE, false, R_ADDR }, { U, T_DHCID, NONE, false, R_DHCID });
	pl = plan(RRPLAN_FWD_REM_ADDR, DNSENGINE_NO_CHECK_WITHOUT_DHCID, 4, false);
	EXPECT(pl, { U, T_A, NONE, false, R_ADDR });
	assert_int_equal(pl.size, est(4, 1));
	/* RFC 4703 §5.5: the DHCID goes only with the last address */
	pl = plan(RRPLAN_FWD_REM_RRS, DNSENGINE_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { P, T_DHCID, IN, false, R_DHCID }, { P, T_A, NONE, false, R_NONE },
	       { P, T_AAAA, NONE, false, R_NONE }, { U, T_ANY, ANY, false, R_NONE });
	assert_int_equal(pl.size, est(DHCID_RDATA_LEN, 4));
	pl = plan(RRPLAN_FWD_REM_RRS, DNSENGINE_CHECK_EXISTS_WITH_DHCID, 4, false);
	EXPECT(pl, { P, T_DHCID, ANY, false, R_NONE }, { P, T_A, NONE, false, R_NONE },
	       { P, T_AAAA, NONE, false, R_NONE }, { U, T_ANY, ANY, false, R_NONE });
	assert_int_equal(pl.size, est(DHCID_RDATA_LEN, 4));
}

static void t_reverse(void **st)
{
	struct rrplan pl;

	(void)st;
	/* RFC 4703 §5.4: no prerequisite on the reverse side */
	pl = plan(RRPLAN_REV_ADD, DNSENGINE_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { U, T_PTR, ANY, false, R_NONE }, { U, T_DHCID, ANY, false, R_NONE },
	       { U, T_PTR, IN, true, R_FQDN }, { U, T_DHCID, IN, true, R_DHCID });
	assert_int_equal(pl.size, est(FQDN_LEN + DHCID_RDATA_LEN, 4));
	pl = plan(RRPLAN_REV_ADD, DNSENGINE_NO_CHECK_WITHOUT_DHCID, 6, false);
	EXPECT(pl, { U, T_PTR, ANY, false, R_NONE }, { U, T_PTR, IN, true, R_FQDN });
	pl = plan(RRPLAN_REV_REM, DNSENGINE_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { P, T_PTR, IN, false, R_FQDN }, { U, T_ANY, ANY, false, R_NONE });
	pl = plan(RRPLAN_REV_REM, DNSENGINE_NO_CHECK_WITH_DHCID, 4, false);
	EXPECT(pl, { U, T_PTR, NONE, false, R_FQDN }, { U, T_DHCID, NONE, false, R_DHCID });
	pl = plan(RRPLAN_REV_REM, DNSENGINE_NO_CHECK_WITHOUT_DHCID, 4, false);
	EXPECT(pl, { U, T_PTR, NONE, false, R_FQDN });
	assert_int_equal(pl.size, est(FQDN_LEN, 1));
}

/* What holds once the step was applied: prerequisites only, no update. */
static void t_check_only(void **st)
{
	struct rrplan pl;

	(void)st;
	pl = plan(RRPLAN_FWD_ADD, DNSENGINE_CHECK_WITH_DHCID, 4, true);
	EXPECT(pl, { P, T_A, IN, false, R_ADDR }, { P, T_DHCID, IN, false, R_DHCID });
	assert_int_equal(pl.size, est(4 + DHCID_RDATA_LEN, 2));
	pl = plan(RRPLAN_FWD_REPLACE, DNSENGINE_NO_CHECK_WITHOUT_DHCID, 6, true);
	EXPECT(pl, { P, T_AAAA, IN, false, R_ADDR });
	pl = plan(RRPLAN_FWD_REM_ADDR, DNSENGINE_CHECK_WITH_DHCID, 6, true);
	EXPECT(pl, { P, T_AAAA, NONE, false, R_NONE });
	pl = plan(RRPLAN_FWD_REM_RRS, DNSENGINE_CHECK_WITH_DHCID, 4, true);
	EXPECT(pl, { P, T_ANY, NONE, false, R_NONE });
	pl = plan(RRPLAN_REV_ADD, DNSENGINE_NO_CHECK_WITH_DHCID, 4, true);
	EXPECT(pl, { P, T_PTR, IN, false, R_FQDN }, { P, T_DHCID, IN, false, R_DHCID });
	pl = plan(RRPLAN_REV_REM, DNSENGINE_CHECK_WITH_DHCID, 4, true);
	EXPECT(pl, { P, T_PTR, NONE, false, R_NONE });
	assert_int_equal(pl.size, est(0, 1));
}

/* Every step in every mode fits the plan, and only checks carry prerequisites alone. */
static void t_every_combination(void **st)
{
	(void)st;
	for (int step = RRPLAN_FWD_ADD; step <= RRPLAN_REV_REM; step++)
		for (int mode = DNSENGINE_CHECK_WITH_DHCID; mode <= DNSENGINE_NO_CHECK_WITHOUT_DHCID;
		     mode++)
			for (int check = 0; check < 2; check++) {
				struct rrplan pl = plan(step, mode, 4, check);
				size_t upd = 0;

				assert_true(pl.n >= 1 && pl.n < RRPLAN_RR_MAX);
				for (size_t i = 0; i < pl.n; i++)
					upd += pl.rr[i].sect == U;
				if (check)
					assert_int_equal(upd, 0);
				else
					assert_true(upd >= 1);
				assert_true(pl.size >= est(0, pl.n));
			}
}

static void t_rdlen(void **st)
{
	(void)st;
	assert_int_equal(rrplan_rdlen(R_ADDR, 4, FQDN_LEN), 4);
	assert_int_equal(rrplan_rdlen(R_ADDR, 6, FQDN_LEN), 16);
	assert_int_equal(rrplan_rdlen(R_DHCID, 6, FQDN_LEN), DHCID_RDATA_LEN);
	assert_int_equal(rrplan_rdlen(R_FQDN, 6, FQDN_LEN), FQDN_LEN);
	assert_int_equal(rrplan_rdlen(R_NONE, 6, FQDN_LEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_fwd_add),
		cmocka_unit_test(t_fwd_replace),
		cmocka_unit_test(t_fwd_remove),
		cmocka_unit_test(t_reverse),
		cmocka_unit_test(t_check_only),
		cmocka_unit_test(t_every_combination),
		cmocka_unit_test(t_rdlen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
