// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/sync/test_sweep.c - the orphan sweep's decision (sweep.h):
 * a known client's DHCID at a name its lease no longer wants is removed
 * (each address, with the DHCID held); a name without a DHCID, with a DHCID
 * of no known client, one the store owns, or one whose client's live lease
 * still wants it is never touched; reverse names are decoded exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/dns/dnsmsg.h"
#include "user/sync/sweep.h"

#define FZ "dyn.example."
#define RZ "2.0.192.in-addr.arpa."

/* the world as the fakes see it */
struct world {
	uint8_t known[4][DHCID_RDATA_LEN];
	int nknown;
	uint8_t last[4];		/* v4 address of each known client's last lease */
	const char *owned;		/* one owned name, or NULL */
	uint8_t wanted_addr;		/* last byte of the one live lease's address, 0: none */
	const char *wanted_name;
	const uint8_t *wanted_dhcid;
};

struct got {
	struct sweep_orphan o[8];
	char names[8][ZONES_NAME_MAX];
	int n;
};

static bool f_known(void *ctx, const uint8_t *d, size_t len, int *family, uint8_t *addr)
{
	struct world *w = ctx;

	for (int i = 0; i < w->nknown; i++) {
		if (len == DHCID_RDATA_LEN && !memcmp(d, w->known[i], len)) {
			*family = 4;
			memset(addr, 0, 16);
			addr[0] = 192, addr[1] = 0, addr[2] = 2, addr[3] = w->last[i];
			return true;
		}
	}
	return false;
}

static bool f_owned(void *ctx, const char *name)
{
	struct world *w = ctx;

	return w->owned && !strcmp(w->owned, name);
}

static bool f_wanted(void *ctx, int family, const uint8_t *addr, const char *fqdn,
		     const uint8_t *dhcid, bool reverse)
{
	struct world *w = ctx;

	(void)reverse;
	return w->wanted_addr && family == 4 && addr[3] == w->wanted_addr &&
	       !strcmp(fqdn, w->wanted_name) && !memcmp(dhcid, w->wanted_dhcid, DHCID_RDATA_LEN);
}

static void on_orphan(void *arg, const struct sweep_orphan *o)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	g->o[g->n] = *o;
	snprintf(g->names[g->n], ZONES_NAME_MAX, "%s", o->name);
	g->o[g->n].name = g->names[g->n];
	g->n++;
}

static void mk(uint8_t d[DHCID_RDATA_LEN], uint8_t v)
{
	memset(d, v, DHCID_RDATA_LEN);
	d[0] = 0, d[1] = 1, d[2] = 1;
}

static void a4(struct zdiff *z, const char *name, uint8_t last)
{
	uint8_t a[4] = { 192, 0, 2, last };

	assert_int_equal(zdiff_add(z, name, DNSMSG_TYPE_A, 300, a, 4), 0);
}

static void dhc(struct zdiff *z, const char *name, const uint8_t *d)
{
	assert_int_equal(zdiff_add(z, name, DNSMSG_TYPE_DHCID, 300, d, DHCID_RDATA_LEN), 0);
}

static size_t run(struct zdiff *z, bool reverse, struct world *w, struct got *g,
		  struct sweep_counts *c)
{
	const struct sweep_ops ops = { f_known, f_owned, f_wanted, w };

	memset(g, 0, sizeof(*g));
	memset(c, 0, sizeof(*c));
	return sweep_plan(z, reverse, &ops, on_orphan, g, c);
}

static void test_forward(void **state)
{
	struct world w = { 0 };
	struct sweep_counts c;
	struct got g;
	struct zdiff *z;
	uint8_t d1[DHCID_RDATA_LEN], d2[DHCID_RDATA_LEN], d3[DHCID_RDATA_LEN];

	(void)state;
	mk(d1, 0x11), mk(d2, 0x22), mk(d3, 0x33);
	memcpy(w.known[0], d1, sizeof(d1)), w.last[0] = 5;
	memcpy(w.known[1], d3, sizeof(d3)), w.last[1] = 9;
	w.nknown = 2;
	assert_int_equal(zdiff_new(&z), 0);
	a4(z, "old." FZ, 5), dhc(z, "old." FZ, d1);		/* D2's, lease ended: orphan */
	a4(z, "www." FZ, 80);					/* no DHCID: foreign */
	a4(z, "other." FZ, 6), dhc(z, "other." FZ, d2);	/* unknown client */
	a4(z, "mine." FZ, 9), dhc(z, "mine." FZ, d3);		/* owned by the store */
	w.owned = "mine." FZ;
	assert_int_equal(run(z, false, &w, &g, &c), 1);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.o[0].name, "old." FZ);
	assert_string_equal(g.o[0].fqdn, "old." FZ);
	assert_int_equal(g.o[0].family, 4);
	assert_int_equal(g.o[0].addr[3], 5);
	assert_memory_equal(g.o[0].dhcid, d1, DHCID_RDATA_LEN);
	assert_int_equal(c.names, 1);
	assert_int_equal(c.unknown, 1);

	/* the client's live lease (at its last address) still wants the name: kept */
	w.wanted_addr = 5, w.wanted_name = "old." FZ, w.wanted_dhcid = d1;
	assert_int_equal(run(z, false, &w, &g, &c), 0);
	/* it moved to .7 and the name moved with it (not swept: the reconciler's) */
	w.last[0] = 7, w.wanted_addr = 7;
	assert_int_equal(run(z, false, &w, &g, &c), 0);
	/* a live lease at .5 wants another name: the old name is an orphan */
	w.wanted_addr = 5, w.wanted_name = "new." FZ;
	assert_int_equal(run(z, false, &w, &g, &c), 1);
	/* two addresses at the orphan: both removed, one name */
	w.wanted_addr = 0;
	a4(z, "old." FZ, 50);
	assert_int_equal(run(z, false, &w, &g, &c), 2);
	assert_int_equal(c.names, 1);
	assert_int_equal(c.removals, 2);
	zdiff_free(z);
}

static void test_odd_names(void **state)
{
	struct world w = { 0 };
	struct sweep_counts c;
	struct got g;
	struct zdiff *z;
	uint8_t d1[DHCID_RDATA_LEN], d2[DHCID_RDATA_LEN];

	(void)state;
	mk(d1, 0x11), mk(d2, 0x22);
	memcpy(w.known[0], d1, sizeof(d1));
	memcpy(w.known[1], d2, sizeof(d2));
	w.nknown = 2;
	assert_int_equal(zdiff_new(&z), 0);
	dhc(z, "alone." FZ, d1);				/* a DHCID without address */
	a4(z, "two." FZ, 3), dhc(z, "two." FZ, d1), dhc(z, "two." FZ, d2); /* two clients */
	assert_int_equal(run(z, false, &w, &g, &c), 0);
	assert_int_equal(g.n, 0);
	zdiff_free(z);
}

static void test_reverse(void **state)
{
	struct world w = { 0 };
	struct sweep_counts c;
	struct got g;
	struct zdiff *z;
	uint8_t d1[DHCID_RDATA_LEN], d2[DHCID_RDATA_LEN];
	static const char t1[] = "old." FZ, t2[] = "other." FZ;

	(void)state;
	mk(d1, 0x11), mk(d2, 0x22);
	memcpy(w.known[0], d1, sizeof(d1)), w.last[0] = 5;
	w.nknown = 1;
	assert_int_equal(zdiff_new(&z), 0);
	assert_int_equal(zdiff_add(z, "5." RZ, DNSMSG_TYPE_PTR, 300, (const uint8_t *)t1,
				   sizeof(t1)), 0);
	dhc(z, "5." RZ, d1);
	assert_int_equal(zdiff_add(z, "6." RZ, DNSMSG_TYPE_PTR, 300, (const uint8_t *)t2,
				   sizeof(t2)), 0);
	dhc(z, "6." RZ, d2);					/* unknown client */
	assert_int_equal(zdiff_add(z, "7." RZ, DNSMSG_TYPE_PTR, 300, (const uint8_t *)t2,
				   sizeof(t2)), 0);		/* no DHCID */
	assert_int_equal(run(z, true, &w, &g, &c), 1);
	assert_string_equal(g.o[0].name, "5." RZ);
	assert_string_equal(g.o[0].fqdn, t1);
	assert_int_equal(g.o[0].family, 4);
	assert_int_equal(g.o[0].addr[0], 192);
	assert_int_equal(g.o[0].addr[3], 5);
	/* the lease at .5 is the client's again, for that name: kept */
	w.wanted_addr = 5, w.wanted_name = t1, w.wanted_dhcid = d1;
	assert_int_equal(run(z, true, &w, &g, &c), 0);
	/* owned: the verifier's, not the sweep's */
	w.wanted_addr = 0, w.owned = "5." RZ;
	assert_int_equal(run(z, true, &w, &g, &c), 0);
	zdiff_free(z);
}

static void test_reverse_addr(void **state)
{
	uint8_t a[16];

	(void)state;
	assert_int_equal(sweep_reverse_addr("10.2.0.192.in-addr.arpa.", a), 4);
	assert_int_equal(a[0], 192), assert_int_equal(a[1], 0);
	assert_int_equal(a[2], 2), assert_int_equal(a[3], 10);
	assert_int_equal(sweep_reverse_addr("0.0.0.0.in-addr.arpa.", a), 4);
	assert_int_equal(sweep_reverse_addr("2.0.192.in-addr.arpa.", a), -EINVAL);
	assert_int_equal(sweep_reverse_addr("01.2.0.192.in-addr.arpa.", a), -EINVAL);
	assert_int_equal(sweep_reverse_addr("256.2.0.192.in-addr.arpa.", a), -EINVAL);
	assert_int_equal(sweep_reverse_addr("x.10.2.0.192.in-addr.arpa.", a), -EINVAL);
	assert_int_equal(sweep_reverse_addr(
		"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", a), 6);
	assert_int_equal(a[0], 0x20), assert_int_equal(a[1], 0x01);
	assert_int_equal(a[2], 0x0d), assert_int_equal(a[3], 0xb8);
	assert_int_equal(a[5], 0x01), assert_int_equal(a[15], 0x05);
	assert_int_equal(sweep_reverse_addr("1.0.0.2.ip6.arpa.", a), -EINVAL);
	assert_int_equal(sweep_reverse_addr("dyn.example.", a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward), cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_reverse), cmocka_unit_test(test_reverse_addr),
	};

	return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}
