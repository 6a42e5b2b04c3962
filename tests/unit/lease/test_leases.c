// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_leases.c - the lease table and its change feed: Kea's
 * load rules (last row wins, lifetime 0 deletes, identical rows change
 * nothing), every change kind, the clock expiry with grace, lookups by
 * address and identity, the string store's compaction under churn, the
 * memory target, and leases_cmd_print() (--kea-leases) output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/lease/kea_csv.h"
#include "user/lease/leases.h"
#include "user/common/log.h"
#include "tests/lib/unit.h"

#define H4 UNIT_H4
#define H6 UNIT_H6_HW

#define T0 1800000000	/* the test clock */

struct feed {
	time_t now;
	int n;
	enum lease_change_kind kind[64];
	char host[64][64];	/* lease->hostname */
	char prev_host[64][64];	/* prev->hostname or "-" */
	char other_addr[64][48];	/* other's address or "-" */
};

static time_t test_clock(void *ctx)
{
	return ((struct feed *)ctx)->now;
}

static void on_change(void *ctx, const struct lease_change *ch)
{
	struct feed *f = ctx;

	assert_true(f->n < 64);
	f->kind[f->n] = ch->kind;
	snprintf(f->host[f->n], 64, "%s", ch->lease->hostname);
	snprintf(f->prev_host[f->n], 64, "%s", ch->prev ? ch->prev->hostname : "-");
	if (ch->other)
		snprintf(f->other_addr[f->n], 48, "%u.%u.%u.%u", ch->other->addr[0],
			 ch->other->addr[1], ch->other->addr[2], ch->other->addr[3]);
	else
		strcpy(f->other_addr[f->n], "-");
	f->n++;
}

static struct leases *new_table(int family, struct feed *f, uint32_t grace)
{
	struct leases_opts o = { .grace = grace, .on_change = on_change, .ctx = f,
				 .clock = test_clock, .clock_ctx = f };
	struct leases *t;

	f->now = T0;
	assert_int_equal(leases_open(&t, NULL, family, &o), 0);
	return t;
}

#define LAST(f) ((f)->kind[(f)->n - 1])

static void test_feed_v4(void **state)
{
	struct feed f = { 0 };
	struct leases *t = new_table(4, &f, 0);
	struct lease l;
	const uint8_t a1[4] = { 10, 0, 0, 1 };

	(void)state;
	/* new, then DDNS fills the name in: name changed */
	assert_int_equal(unit_row(t, H4, "10.0.0.1,00:00:00:00:00:01,01:00:00:00:00:00:01,3600,%d,1,1,1,,0,", T0 + 3600), 1);
	assert_int_equal(LAST(&f), LEASE_CH_NEW);
	assert_string_equal(f.prev_host[0], "-");
	unit_row(t, H4, "10.0.0.1,00:00:00:00:00:01,01:00:00:00:00:00:01,3600,%d,1,1,1,a.example,0,", T0 + 3600);
	assert_int_equal(LAST(&f), LEASE_CH_NAME_CHANGED);
	assert_string_equal(f.host[1], "a.example");
	/* the same row again: nothing */
	assert_int_equal(unit_row(t, H4, "10.0.0.1,00:00:00:00:00:01,01:00:00:00:00:00:01,3600,%d,1,1,1,a.example,0,", T0 + 3600), 0);
	assert_int_equal(f.n, 2);
	/* renewal */
	f.now += 1800;
	unit_row(t, H4, "10.0.0.1,00:00:00:00:00:01,01:00:00:00:00:00:01,3600,%d,1,1,1,a.example,0,", T0 + 5400);
	assert_int_equal(LAST(&f), LEASE_CH_RENEWED);
	assert_int_equal(leases_find_addr(t, a1, &l), 0);
	assert_int_equal(l.expire, T0 + 5400);
	assert_int_equal(l.cltt, T0 + 1800);
	assert_true(l.flags & LEASE_F_FQDN_FWD);
	assert_int_equal(l.hwaddr_len, 6);
	assert_memory_equal(l.hwaddr, "\0\0\0\0\0\1", 6);
	assert_int_equal(l.client_id_len, 7);
	/* another client takes the address while it is active */
	unit_row(t, H4, "10.0.0.1,00:00:00:00:00:02,,3600,%d,1,1,1,b.example,0,", T0 + 5400);
	assert_int_equal(LAST(&f), LEASE_CH_REASSIGNED);
	assert_string_equal(f.prev_host[f.n - 1], "a.example");
	/* client b moves to .2 while .1 is still its active lease */
	unit_row(t, H4, "10.0.0.2,00:00:00:00:00:02,,3600,%d,1,1,1,b.example,0,", T0 + 5400);
	assert_int_equal(LAST(&f), LEASE_CH_MOVED);
	assert_string_equal(f.other_addr[f.n - 1], "10.0.0.1");
	/* release with lease affinity keeps the row, without name: name remembered */
	unit_row(t, H4, "10.0.0.2,00:00:00:00:00:02,,3600,%d,1,0,0,,3,", T0 + 5400);
	assert_int_equal(LAST(&f), LEASE_CH_RELEASED);
	assert_int_equal(leases_find_addr(t, (const uint8_t *)"\x0a\0\0\x02", &l), 0);
	assert_string_equal(l.hostname, "b.example");
	assert_true(l.flags & LEASE_F_NAME_KEPT);
	assert_false(leases_is_active(&l, f.now));
	/* reclaimed: name remembered too */
	unit_row(t, H4, "10.0.0.1,00:00:00:00:00:02,,3600,%d,1,0,0,,2,", T0 + 5400);
	assert_int_equal(LAST(&f), LEASE_CH_RECLAIMED);
	assert_string_equal(f.host[f.n - 1], "b.example");
	/* a later client at .1: new (the old lease is inactive), prev shows it */
	unit_row(t, H4, "10.0.0.1,00:00:00:00:00:03,,3600,%d,1,1,1,c.example,0,", T0 + 5400);
	assert_int_equal(LAST(&f), LEASE_CH_NEW);
	assert_string_equal(f.prev_host[f.n - 1], "b.example");
	/* declined: Kea strips the identity and the name */
	unit_row(t, H4, "10.0.0.1,,,86400,%d,1,0,0,,1,", T0 + 86400);
	assert_int_equal(LAST(&f), LEASE_CH_DECLINED);
	assert_string_equal(f.prev_host[f.n - 1], "c.example");
	assert_int_equal(leases_find_addr(t, a1, &l), 0);
	assert_string_equal(l.hostname, "");
	/* lifetime 0 deletes; deleting what is absent does nothing */
	assert_int_equal(unit_row(t, H4, "10.0.0.1,,,0,%d,1,0,0,,1,", T0), 1);
	assert_int_equal(LAST(&f), LEASE_CH_DELETED);
	assert_int_equal(leases_find_addr(t, a1, &l), -ENOENT);
	assert_int_equal(unit_row(t, H4, "10.0.0.9,00:09,,0,%d,1,0,0,,0,", T0), 0);
	assert_int_equal(leases_count(t), 1);
	leases_close(t);
}

static void test_expiry_clock(void **state)
{
	struct feed f = { 0 };
	struct leases *t = new_table(4, &f, 30);
	struct leases_stats st;
	struct lease l;

	(void)state;
	unit_row(t, H4, "10.0.0.1,00:01,,100,%d,1,1,1,a.example,0,", T0 + 100);
	unit_row(t, H4, "10.0.0.2,00:02,,200,%d,1,1,1,b.example,0,", T0 + 200);
	assert_int_equal(leases_expire_scan(t, T0 + 100), 0);
	assert_int_equal(leases_expire_scan(t, T0 + 129), 0);
	f.n = 0;
	assert_int_equal(leases_expire_scan(t, T0 + 130), 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.kind[0], LEASE_CH_EXPIRED);
	assert_string_equal(f.host[0], "a.example");
	assert_int_equal(leases_expire_scan(t, T0 + 131), 0);	/* once only */
	assert_int_equal(leases_find_addr(t, (const uint8_t *)"\x0a\0\0\x01", &l), 0);
	assert_true(l.flags & LEASE_F_CLOCK_EXPIRED);
	assert_false(leases_is_active(&l, T0));
	/* Kea reclaims it later: reclaimed, name remembered */
	unit_row(t, H4, "10.0.0.1,00:01,,100,%d,1,0,0,,2,", T0 + 100);
	assert_int_equal(LAST(&f), LEASE_CH_RECLAIMED);
	assert_string_equal(f.host[f.n - 1], "a.example");
	/* the client comes back after expiry: new */
	f.now = T0 + 300;
	unit_row(t, H4, "10.0.0.1,00:01,,100,%d,1,1,1,a.example,0,", T0 + 400);
	assert_int_equal(LAST(&f), LEASE_CH_NEW);
	assert_int_equal(leases_expire_scan(t, T0 + 230), 1);
	assert_int_equal(leases_expire_scan(t, T0 + 430), 1);
	leases_get_stats(t, &st);
	assert_int_equal(st.changes[LEASE_CH_EXPIRED], 3);
	leases_close(t);
}

/* expiry by heap: many leases, renewed and deleted ones among them */
struct expiry_seen {
	int n;
	uint8_t hit[8192];
};

static void on_expire(void *ctx, const struct lease_change *ch)
{
	struct expiry_seen *x = ctx;
	unsigned int i = (unsigned int)ch->lease->addr[2] << 8 | ch->lease->addr[3];

	if (ch->kind != LEASE_CH_EXPIRED)
		return;
	assert_true(i < 8192);
	assert_int_equal(x->hit[i], 0);		/* once only */
	x->hit[i] = 1;
	x->n++;
}

static void test_expiry_order_at_scale(void **state)
{
	enum { N = 6000 };
	static int64_t due[N];
	struct expiry_seen x = { 0 };
	struct feed f = { 0 };
	struct leases_opts o = { .grace = 0, .on_change = on_expire, .ctx = &x,
				 .clock = test_clock, .clock_ctx = &f };
	struct leases *t;
	int total = 0;

	(void)state;
	f.now = T0;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	for (int i = 0; i < N; i++) {
		due[i] = T0 + 1 + (i * 7919) % 3000;
		unit_row(t, H4, "10.2.%d.%d,00:00:00:02:%02x:%02x,,3000,%lld,1,1,1,h%d.example,0,",
			 i >> 8, i & 255, i >> 8, i & 255, (long long)due[i], i);
	}
	/* renew every third to a later time, delete every seventh */
	for (int i = 0; i < N; i += 3) {
		due[i] += 1000;
		unit_row(t, H4, "10.2.%d.%d,00:00:00:02:%02x:%02x,,3000,%lld,1,1,1,h%d.example,0,",
			 i >> 8, i & 255, i >> 8, i & 255, (long long)due[i], i);
	}
	for (int i = 0; i < N; i += 7) {
		due[i] = 0;
		unit_row(t, H4, "10.2.%d.%d,00:00:00:02:%02x:%02x,,0,%d,1,0,0,,0,", i >> 8, i & 255,
			 i >> 8, i & 255, T0);
	}
	for (int64_t now = T0; now <= T0 + 4100; now += 37) {
		int want = 0, before = x.n;

		for (int i = 0; i < N; i++)
			if (due[i] && due[i] <= now && !x.hit[(i >> 8) << 8 | (i & 255)])
				want++;
		assert_int_equal(leases_expire_scan(t, (time_t)now), want);
		assert_int_equal(x.n - before, want);
		/* nothing left behind that is due */
		for (int i = 0; i < N; i++)
			if (due[i] && due[i] <= now)
				assert_int_equal(x.hit[(i >> 8) << 8 | (i & 255)], 1);
	}
	for (int i = 0; i < N; i++)
		total += due[i] != 0;
	assert_int_equal(x.n, total);
	leases_close(t);
}

static void test_identity_v6(void **state)
{
	struct feed f = { 0 };
	struct leases *t = new_table(6, &f, 0);
	struct lease out[4];
	uint8_t duid[] = { 0, 1, 0, 1, 0xaa, 0xbb };
	uint8_t a[16] = { 0xfd, 0 };

	(void)state;
	unit_row(t, H6, "fd00::1,00:01:00:01:aa:bb,4000,%d,1,3000,0,1,128,1,1,h.example.,,0,,,", T0 + 4000);
	unit_row(t, H6, "2001:db8:100::,00:01:00:01:aa:bb,4000,%d,1,3000,2,1,56,0,0,,,0,,,", T0 + 4000);
	assert_int_equal(f.kind[0], LEASE_CH_NEW);
	assert_int_equal(f.kind[1], LEASE_CH_NEW);	/* a prefix does not "move" an address */
	assert_int_equal(leases_find_client(t, LEASE_ID_DUID, duid, 6, 1, out, 4), 2);
	assert_int_equal(leases_find_client(t, LEASE_ID_DUID, duid, 6, 2, out, 4), 0);
	unit_row(t, H6, "fd00::2,00:01:00:01:aa:bb,4000,%d,1,3000,0,1,128,1,1,h.example.,,0,,,", T0 + 4000);
	assert_int_equal(LAST(&f), LEASE_CH_MOVED);
	assert_int_equal(leases_find_client(t, LEASE_ID_DUID, duid, 6, 1, out, 1), 3);
	a[15] = 2;
	assert_int_equal(leases_find_addr(t, a, &out[0]), 0);
	assert_int_equal(out[0].pref_lft, 3000);
	assert_int_equal(out[0].type, KEA_TYPE_NA);
	assert_string_equal(out[0].hostname, "h.example.");
	/* a v4 row is refused by a v6 table */
	assert_int_equal(unit_row(t, H4, "10.0.0.1,00:01,,100,%d,1,1,1,a,0,", T0 + 100), -EINVAL);
	leases_close(t);
}

static void test_identity_v4(void **state)
{
	struct feed f = { 0 };
	struct leases *t = new_table(4, &f, 0);
	struct lease out[4];

	(void)state;
	unit_row(t, H4, "10.0.0.1,00:0c:01:02:03:04,01:00:0c:01:02:03:04,3600,%d,1,1,1,a,0,", T0 + 3600);
	unit_row(t, H4, "10.0.0.2,00:0c:01:02:03:05,,3600,%d,1,1,1,b,0,", T0 + 3600);
	unit_row(t, H4, "10.0.0.3,00:0c:01:02:03:06,ff:00:00:00:01:00,3600,%d,1,1,1,c,0,", T0 + 3600);
	assert_int_equal(leases_find_client(t, LEASE_ID_CLIENT_ID,
					    (const uint8_t *)"\x01\x00\x0c\x01\x02\x03\x04", 7, 0,
					    out, 4), 1);
	assert_memory_equal(out[0].addr, "\x0a\0\0\x01", 4);
	assert_memory_equal(out[0].hwaddr, "\x00\x0c\x01\x02\x03\x04", 6);
	/* Kea identifies a client by its client-id when it has one */
	assert_int_equal(leases_find_client(t, LEASE_ID_HWADDR,
					    (const uint8_t *)"\x00\x0c\x01\x02\x03\x04", 6, 0, out,
					    4), 0);
	assert_int_equal(leases_find_client(t, LEASE_ID_HWADDR,
					    (const uint8_t *)"\x00\x0c\x01\x02\x03\x05", 6, 0, out,
					    4), 1);
	assert_string_equal(out[0].hostname, "b");
	assert_int_equal(leases_find_client(t, LEASE_ID_CLIENT_ID,
					    (const uint8_t *)"\xff\0\0\0\x01\0", 6, 0, out, 4), 1);
	assert_int_equal(out[0].hwaddr_len, 6);
	assert_int_equal(out[0].client_id_len, 6);
	assert_int_equal(leases_find_client(t, LEASE_ID_CLIENT_ID, (const uint8_t *)"zz", 2, 0,
					    out, 4), 0);
	leases_close(t);
}

/* the leases of @l's client, by identifier: what leases_find_client_of() must match */
static int by_identifier(const struct leases *t, const struct lease *l, struct lease *out, int max)
{
	if (l->family == 6)
		return leases_find_client(t, LEASE_ID_DUID, l->client_id, l->client_id_len, l->iaid,
					  out, max);
	if (l->client_id_len)
		return leases_find_client(t, LEASE_ID_CLIENT_ID, l->client_id, l->client_id_len, 0,
					  out, max);
	return leases_find_client(t, LEASE_ID_HWADDR, l->hwaddr, l->hwaddr_len, 0, out, max);
}

static int same_set(const struct lease *a, int na, const struct lease *b, int nb)
{
	if (na != nb)
		return 0;
	for (int i = 0; i < na; i++) {
		int found = 0;

		for (int j = 0; j < nb && !found; j++)
			found = !memcmp(a[i].addr, b[j].addr, 16) && a[i].prefix_len == b[j].prefix_len;
		if (!found)
			return 0;
	}
	return 1;
}

struct client_check {
	const struct leases *t;
	int checked, alone;
};

static int check_client_of(void *ctx, const struct lease *l)
{
	struct client_check *c = ctx;
	struct lease x[8], y[8];
	int nx = leases_find_client_of(c->t, l, x, 8), ny = by_identifier(c->t, l, y, 8);

	assert_int_equal(nx, ny);
	assert_true(same_set(x, nx < 8 ? nx : 8, y, ny < 8 ? ny : 8));
	c->checked++;
	c->alone += nx == 1;
	return 0;
}

/* address 10.2.x.y (@i) held by client @cl until @expire; every third without a client-id */
static void client_row(struct leases *t, int i, int cl, int round, int expire)
{
	if (i % 3 == 1)
		unit_row(t, H4, "10.2.%d.%d,00:0c:00:00:%02x:%02x,,3600,%d,1,1,1,h-%d-%d-a-long-host-name-to-fill-the-string-store,0,",
			 i / 256, i % 256, cl / 256, cl % 256, expire, i, round);
	else
		unit_row(t, H4, "10.2.%d.%d,00:0c:00:00:%02x:%02x,01:00:0c:00:00:%02x:%02x,"
			 "3600,%d,1,1,1,h-%d-%d-a-long-host-name-to-fill-the-string-store,0,",
			 i / 256, i % 256, cl / 256, cl % 256, cl / 256, cl % 256, expire, i,
			 round);
}

/*
 * leases_find_client_of() finds, from the lease's own entry, exactly the
 * leases leases_find_client() finds by the identifier: clients with one
 * lease and several, clients whose identity changed at an address, leases
 * deleted and entries reused, the string store compacted; and a lease no
 * longer in the table is looked up by its identifier.
 */
static void test_client_of(void **state)
{
	struct feed f = { .now = T0 };
	struct leases_opts o = { .clock = test_clock, .clock_ctx = &f };	/* no feed: many rows */
	struct leases *t, *t6;
	struct client_check c = { 0 };
	struct leases_stats st;
	struct lease l, out[4];
	uint8_t a[4] = { 10, 2, 0, 9 };

	(void)state;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 300; i++)	/* 100 clients hold two leases each */
			client_row(t, i, (i + round * 7) % 200, round, T0 + 3600);
		/* every fifth address released by deletion (its entry reused later) */
		for (int i = round; i < 300; i += 5)
			unit_row(t, H4, "10.2.%d.%d,00:0c:00:00:00:00,,0,%d,1,1,1,,0,", i / 256, i % 256,
				 T0);
		c.t = t;
		assert_int_equal(leases_foreach(t, check_client_of, &c), 0);
		/* renewals: the same client at the same address, a later expiry */
		for (int i = 0; i < 300; i += 2)
			client_row(t, i, (i + round * 7) % 200, round, T0 + 3700);
		assert_int_equal(leases_foreach(t, check_client_of, &c), 0);
	}
	assert_true(c.checked > 1000);
	assert_true(c.alone > 0 && c.alone < c.checked);
	leases_get_stats(t, &st);
	assert_true(st.compactions > 0);
	/* a lease whose entry has gone: found by its identifier */
	assert_int_equal(leases_find_addr(t, a, &l), 0);
	unit_row(t, H4, "10.2.0.9,00:0c:00:00:00:00,,0,%d,1,1,1,,0,", T0);
	assert_int_equal(leases_find_client_of(t, &l, out, 4), by_identifier(t, &l, out, 4));
	/* a lease built by hand (no table handle) */
	memset(&l, 0, sizeof(l));
	l.family = 4;
	l.hwaddr = (const uint8_t *)"\x00\x0c\x00\x00\x00\x01";
	l.hwaddr_len = 6;
	assert_int_equal(leases_find_client_of(t, &l, out, 4), by_identifier(t, &l, out, 4));
	leases_close(t);

	/* v6: DUID and IAID; a prefix and an address of one client */
	assert_int_equal(leases_open(&t6, NULL, 6, &o), 0);
	unit_row(t6, H6, "fd00::1,00:01:00:01:aa:bb,4000,%d,1,3000,0,1,128,1,1,h.example.,,0,,,", T0 + 4000);
	unit_row(t6, H6, "fd00::2,00:01:00:01:aa:cc,4000,%d,1,3000,0,1,128,1,1,i.example.,,0,,,", T0 + 4000);
	unit_row(t6, H6, "2001:db8:100::,00:01:00:01:aa:bb,4000,%d,1,3000,2,1,56,0,0,,,0,,,", T0 + 4000);
	unit_row(t6, H6, "fd00::3,00:01:00:01:aa:bb,4000,%d,1,3000,0,2,128,1,1,j.example.,,0,,,", T0 + 4000);
	c.t = t6;
	c.checked = 0;
	assert_int_equal(leases_foreach(t6, check_client_of, &c), 0);
	assert_int_equal(c.checked, 4);
	leases_close(t6);
}

/* leases_find_addr_hint(): the handle when it still holds the address, else the index */
static void test_find_addr_hint(void **state)
{
	struct feed f = { .now = T0 };
	struct leases_opts o = { .clock = test_clock, .clock_ctx = &f };
	const uint8_t a1[4] = { 10, 3, 0, 1 }, a2[4] = { 10, 3, 0, 2 }, a3[4] = { 10, 3, 0, 3 };
	struct leases *t;
	struct lease l;
	uint32_t r1;

	(void)state;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	unit_row(t, H4, "10.3.0.1,00:0c:00:00:00:01,,3600,%d,1,1,1,one,0,", T0 + 3600);
	unit_row(t, H4, "10.3.0.2,00:0c:00:00:00:02,,3600,%d,1,1,1,two,0,", T0 + 3600);
	r1 = leases_ref(t, a1);
	assert_true(r1 > 0);
	assert_int_equal(leases_ref(t, a3), 0);
	assert_int_equal(leases_find_addr_hint(t, a1, r1, &l), 0);
	assert_string_equal(l.hostname, "one");
	assert_int_equal(l.ref, r1);
	/* a handle of another address, none, one out of range: found by the index */
	assert_int_equal(leases_find_addr_hint(t, a2, r1, &l), 0);
	assert_string_equal(l.hostname, "two");
	assert_int_equal(leases_find_addr_hint(t, a2, 0, &l), 0);
	assert_int_equal(leases_find_addr_hint(t, a2, 1000, &l), 0);
	assert_string_equal(l.hostname, "two");
	assert_int_equal(leases_find_addr_hint(t, a3, r1, &l), -ENOENT);
	/* the address deleted and its entry reused by another: the old handle finds nothing */
	unit_row(t, H4, "10.3.0.1,00:0c:00:00:00:01,,0,%d,1,1,1,,0,", T0);
	unit_row(t, H4, "10.3.0.3,00:0c:00:00:00:03,,3600,%d,1,1,1,three,0,", T0 + 3600);
	assert_int_equal(leases_ref(t, a3), r1);
	assert_int_equal(leases_find_addr_hint(t, a1, r1, &l), -ENOENT);
	assert_int_equal(leases_find_addr_hint(t, a3, r1, &l), 0);
	assert_string_equal(l.hostname, "three");
	leases_close(t);
}

/* Many renames and address changes: the string store compacts, lookups stay right. */
static void test_churn_compaction(void **state)
{
	struct feed f = { 0 };
	struct leases_opts o = { .clock = test_clock, .clock_ctx = &f };
	struct leases *t;
	struct leases_stats st;
	struct lease l;
	uint64_t mem_first = 0;

	(void)state;
	f.now = T0;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 2000; i++)
			unit_row(t, H4, "10.1.%d.%d,00:00:00:00:%02x:%02x,,3600,%d,1,1,1,"
				   "host-%d-round-%d-with-a-long-name.example.com,0,",
			    i / 256, i % 256, i / 256, i % 256, T0 + 3600, i, round);
		leases_get_stats(t, &st);
		if (round == 4)
			mem_first = st.mem_bytes;
	}
	assert_int_equal(leases_count(t), 2000);
	leases_get_stats(t, &st);
	/* bounded: 40 rounds of new names cost no more than a few rounds */
	assert_true(st.mem_bytes <= 2 * mem_first);
	assert_true(st.compactions > 0);
	for (int i = 0; i < 2000; i += 97) {
		uint8_t a[4] = { 10, 1, i / 256, i % 256 }, hw[6] = { 0, 0, 0, 0, i / 256, i % 256 };
		char want[80];
		struct lease out[2];

		assert_int_equal(leases_find_addr(t, a, &l), 0);
		snprintf(want, sizeof(want), "host-%d-round-39-with-a-long-name.example.com", i);
		assert_string_equal(l.hostname, want);
		assert_int_equal(leases_find_client(t, LEASE_ID_HWADDR, hw, 6, 0, out, 2), 1);
		assert_memory_equal(out[0].addr, a, 4);
	}
	/* delete half, then re-add: indexes stay consistent */
	for (int i = 0; i < 2000; i += 2)
		unit_row(t, H4, "10.1.%d.%d,00:00:00:00:%02x:%02x,,0,%d,1,1,1,,0,", i / 256, i % 256,
		    i / 256, i % 256, T0);
	assert_int_equal(leases_count(t), 1000);
	for (int i = 0; i < 2000; i++) {
		uint8_t a[4] = { 10, 1, i / 256, i % 256 }, hw[6] = { 0, 0, 0, 0, i / 256, i % 256 };
		struct lease out[2];

		assert_int_equal(leases_find_addr(t, a, &l), i % 2 ? 0 : -ENOENT);
		assert_int_equal(leases_find_client(t, LEASE_ID_HWADDR, hw, 6, 0, out, 2), i % 2);
	}
	leases_close(t);
}

/* The per-lease cost the issue sets: <= 150 bytes for a realistic v4 table. */
static void test_memory_per_lease(void **state)
{
	struct feed f = { 0 };
	struct leases_opts o = { .clock = test_clock, .clock_ctx = &f };
	struct leases *t;
	struct leases_stats st;
	const int n = 200000;

	(void)state;
	f.now = T0;
	assert_int_equal(leases_open(&t, NULL, 4, &o), 0);
	for (int i = 0; i < n; i++)
		unit_row(t, H4, "10.%d.%d.%d,00:0c:29:%02x:%02x:%02x,01:00:0c:29:%02x:%02x:%02x,3600,%d,1,1,1,"
			   "h-10-%d-%d-%d.dyn.example,0,",
		    i >> 16, (i >> 8) & 255, i & 255, i >> 16, (i >> 8) & 255, i & 255, i >> 16,
		    (i >> 8) & 255, i & 255, T0 + 3600, i >> 16, (i >> 8) & 255, i & 255);
	leases_get_stats(t, &st);
	print_message("# %llu bytes for %d leases: %.1f bytes/lease\n",
		      (unsigned long long)st.mem_bytes, n, (double)st.mem_bytes / n);
	assert_int_equal(st.leases, n);
	assert_true(st.mem_bytes / n <= 150);
	leases_close(t);
}

static char *slurp_print(const char *path, int all, int json, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	*err = leases_cmd_print(path, all, json, out);
	fclose(out);
	return buf;
}

static void test_cmd_print(void **state)
{
	char path[] = "/tmp/ls-test-leases-XXXXXX";
	int fd = mkstemp(path), err;
	char *s;
	FILE *f;
	time_t now = time(NULL);

	(void)state;
	f = fdopen(fd, "w");
	fprintf(f, H4 ",pool_id\n");
	fprintf(f, "10.0.0.2,00:02,01:00:02,3600,%lld,1,1,0,two&#x2cx,0,{ \"k\": \"v\" },4\n",
		(long long)now + 3600);
	fprintf(f, "10.0.0.1,00:01,,3600,%lld,1,0,0,one,0,,0\n", (long long)now + 3600);
	fprintf(f, "10.0.0.3,00:03,,3600,%lld,1,0,0,gone,0,,0\n", (long long)now - 10);
	fprintf(f, "10.0.0.4,00:04,,3600,%lld,1,0,0,,2,,0\n", (long long)now + 3600);
	fprintf(f, "10.0.0.5,00:05,,3600,%lld,1,0,0,,0,,0\n", (long long)now + 3600);
	fprintf(f, "10.0.0.5,00:05,,0,%lld,1,0,0,,0,,0\n", (long long)now);
	fprintf(f, "bad,row\n");
	fclose(f);

	s = slurp_print(path, 0, 1, &err);
	assert_int_equal(err, 0);
	{
		char want[1024];

		snprintf(want, sizeof(want),
			 "{\"address\":\"10.0.0.1\",\"hwaddr\":\"00:01\",\"client_id\":\"\","
			 "\"valid_lifetime\":3600,\"expire\":%lld,\"subnet_id\":1,\"fqdn_fwd\":false,"
			 "\"fqdn_rev\":false,\"hostname\":\"one\",\"state\":0,\"user_context\":\"\","
			 "\"pool_id\":0}\n"
			 "{\"address\":\"10.0.0.2\",\"hwaddr\":\"00:02\",\"client_id\":\"01:00:02\","
			 "\"valid_lifetime\":3600,\"expire\":%lld,\"subnet_id\":1,\"fqdn_fwd\":true,"
			 "\"fqdn_rev\":false,\"hostname\":\"two,x\",\"state\":0,"
			 "\"user_context\":{\"k\":\"v\"},\"pool_id\":4}\n",
			 (long long)now + 3600, (long long)now + 3600);
		assert_string_equal(s, want);
	}
	free(s);
	s = slurp_print(path, 1, 1, &err);
	assert_int_equal(err, 0);
	/* all: expired and reclaimed too, deleted never */
	assert_non_null(strstr(s, "\"10.0.0.3\""));
	assert_non_null(strstr(s, "\"10.0.0.4\""));
	assert_null(strstr(s, "\"10.0.0.5\""));
	free(s);
	s = slurp_print(path, 0, 0, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(s, "10.0.0.1        hwaddr 00:01 client_id - hostname one valid 3600"));
	assert_null(strstr(s, "10.0.0.3"));
	free(s);
	unlink(path);
	s = slurp_print("/nonexistent/dir/leases.csv", 0, 0, &err);
	assert_int_equal(err, -ENOENT);	/* a command names a file: it must exist */
	assert_string_equal(s, "");
	free(s);
}

struct rows {
	int n;
	char host[8][32];
};

static void on_row(void *ctx, const struct lease *l)
{
	struct rows *r = ctx;

	assert_true(r->n < 8);
	snprintf(r->host[r->n++], 32, "%s", l->hostname);
}

/* on_row: every row kept, the initial load's history rows too (sweep-orphans) */
static void test_on_row(void **state)
{
	char path[] = "/tmp/ls-test-leases-XXXXXX";
	int fd = mkstemp(path);
	struct rows r = { 0 };
	struct leases_opts o = { .on_row = on_row, .ctx = &r };
	struct leases *t;
	time_t now = time(NULL);
	FILE *f;

	(void)state;
	f = fdopen(fd, "w");
	fprintf(f, H4 ",pool_id\n");
	/* one address, two clients in turn: the first one's row is history */
	fprintf(f, "10.0.0.1,00:01,,3600,%lld,1,1,1,first,0,,0\n", (long long)now - 100);
	fprintf(f, "10.0.0.1,00:02,,3600,%lld,1,1,1,second,0,,0\n", (long long)now + 3600);
	fprintf(f, "10.0.0.1,00:02,,3600,%lld,1,1,1,second,0,,0\n", (long long)now + 3600);
	fprintf(f, "10.0.0.1,00:02,,0,%lld,1,1,1,second,0,,0\n", (long long)now);
	fclose(f);
	assert_int_equal(leases_open(&t, path, 4, &o), 0);
	/* the repeat changes nothing, the deletion keeps nothing */
	assert_int_equal(r.n, 2);
	assert_string_equal(r.host[0], "first");
	assert_string_equal(r.host[1], "second");
	leases_close(t);
	unlink(path);
}

static void test_real_v6_file(void **state)
{
	const char *top = getenv("LS_TOP") ? getenv("LS_TOP") : ".";
	struct leases *t;
	struct leases_stats st;
	char p[4096];

	(void)state;
	snprintf(p, sizeof(p), "%s/tests/corpus/data/kea/kea-leases6.csv", top);
	assert_int_equal(leases_open(&t, p, 0, NULL), 0);
	assert_int_equal(leases_family(t), 6);
	assert_int_equal(leases_count(t), 399);
	leases_get_stats(t, &st);
	assert_int_equal(st.rows, 399);
	assert_int_equal(st.bad_rows, 0);
	assert_int_equal(leases_fd(t), -1);
	leases_close(t);
}

/*
 * leases_classify() on its own: every kind, and every row that means
 * nothing, from the facts alone (no table, no clock).
 */
static void test_classify(void **state)
{
	enum { D = KEA_STATE_DEFAULT, DC = KEA_STATE_DECLINED, RC = KEA_STATE_EXPIRED_RECLAIMED,
	       RL = KEA_STATE_RELEASED, RG = KEA_STATE_REGISTERED };
	static const struct {
		struct lease_transition tr;
		int want;
		const char *what;
	} c[] = {
		/* has_old, old_state, old_active, new_state, new_past, same_client, same_name, other */
		{ { 0, 0, 0, D, 0, 0, 0, 0 }, LEASE_CH_NEW, "first lease at a free address" },
		{ { 1, RL, 0, D, 0, 0, 0, 0 }, LEASE_CH_NEW, "address reused after a release" },
		{ { 1, D, 0, D, 0, 1, 1, 0 }, LEASE_CH_NEW, "same client back after expiry" },
		{ { 0, 0, 0, D, 0, 0, 0, 1 }, LEASE_CH_MOVED, "client active elsewhere" },
		{ { 1, D, 0, D, 0, 0, 0, 1 }, LEASE_CH_MOVED, "client active elsewhere, address stale" },
		{ { 1, D, 1, D, 0, 1, 1, 1 }, LEASE_CH_RENEWED, "renewal, even with another lease" },
		{ { 1, D, 1, D, 0, 1, 0, 0 }, LEASE_CH_NAME_CHANGED, "same client, new hostname" },
		{ { 1, D, 1, D, 0, 0, 1, 0 }, LEASE_CH_REASSIGNED, "active for another client" },
		{ { 1, D, 1, D, 0, 0, 0, 1 }, LEASE_CH_REASSIGNED, "another client, any name" },
		{ { 1, D, 1, D, 1, 1, 1, 0 }, LEASE_CH_EXPIRED, "row already past expiry, was active" },
		{ { 1, D, 0, D, 1, 1, 1, 0 }, 0, "past expiry, was not active" },
		{ { 0, 0, 0, D, 1, 0, 0, 1 }, 0, "past expiry, no previous row" },
		{ { 0, 0, 0, RL, 0, 0, 0, 0 }, LEASE_CH_RELEASED, "release with no previous row" },
		{ { 1, D, 1, RL, 0, 1, 1, 0 }, LEASE_CH_RELEASED, "release" },
		{ { 1, RL, 0, RL, 0, 1, 1, 0 }, 0, "released again" },
		{ { 1, D, 1, DC, 0, 0, 0, 0 }, LEASE_CH_DECLINED, "decline" },
		{ { 1, DC, 0, DC, 0, 0, 0, 0 }, 0, "declined again" },
		{ { 1, D, 0, RC, 0, 1, 1, 0 }, LEASE_CH_RECLAIMED, "reclamation" },
		{ { 1, RL, 0, RC, 0, 1, 1, 0 }, LEASE_CH_RECLAIMED, "reclamation after release" },
		{ { 1, RC, 0, RC, 0, 1, 1, 0 }, 0, "reclaimed again" },
		{ { 1, D, 1, RG, 0, 1, 1, 0 }, 0, "registered (Kea 2.6+): no DNS meaning" },
		{ { 0, 0, 0, 9, 0, 0, 0, 0 }, 0, "unknown state" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int got = leases_classify(&c[i].tr);

		if (got != c[i].want)
			fail_msg("%s: got %s, want %s", c[i].what, got ? leases_change_name(got) : "nothing",
				 c[i].want ? leases_change_name(c[i].want) : "nothing");
	}
}


/* why --kea-leases leaves a lease out: the state first, then the clock */
static void test_inactive_why(void **state)
{
	struct lease l = { .state = KEA_STATE_DEFAULT, .valid_lft = 3600, .expire = 2000 };

	(void)state;
	assert_int_equal(leases_inactive_why(&l, 1000), LEASES_ACTIVE);
	assert_int_equal(leases_inactive_why(&l, 2000), LEASES_EXPIRED);
	l.valid_lft = 0;
	assert_int_equal(leases_inactive_why(&l, 1000), LEASES_EXPIRED);
	l.valid_lft = 3600;
	l.flags = LEASE_F_CLOCK_EXPIRED;
	assert_int_equal(leases_inactive_why(&l, 1000), LEASES_EXPIRED);
	l.flags = 0;
	l.state = KEA_STATE_DECLINED;
	assert_int_equal(leases_inactive_why(&l, 1000), LEASES_DECLINED);
	l.state = KEA_STATE_EXPIRED_RECLAIMED;
	assert_int_equal(leases_inactive_why(&l, 3000), LEASES_RECLAIMED);
	l.state = KEA_STATE_RELEASED;
	assert_int_equal(leases_inactive_why(&l, 1000), LEASES_RELEASED);
	l.state = KEA_STATE_REGISTERED;
	assert_int_equal(leases_inactive_why(&l, 1000), LEASES_OTHER_STATE);
	assert_string_equal(leases_inactive_name(LEASES_RECLAIMED), "expired-reclaimed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_feed_v4),
		cmocka_unit_test(test_expiry_clock), cmocka_unit_test(test_expiry_order_at_scale),
		cmocka_unit_test(test_identity_v6),
		cmocka_unit_test(test_identity_v4),
		cmocka_unit_test(test_client_of),
		cmocka_unit_test(test_find_addr_hint),
		cmocka_unit_test(test_churn_compaction),
		cmocka_unit_test(test_memory_per_lease),
		cmocka_unit_test(test_cmd_print),
		cmocka_unit_test(test_inactive_why),
		cmocka_unit_test(test_real_v6_file), cmocka_unit_test(test_on_row),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("leases", tests, NULL, NULL);
}
