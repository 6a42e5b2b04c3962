// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_owner.c - the ownership store: put/get/del through the
 * open batch, durability across close and reopen, key listing, one daemon
 * per store (lock), and the --dry-run snapshot that never touches the store.
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

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/sync/owner.h"

static char dir[] = "/tmp/ls-test-owner-XXXXXX";

static void rec_make(struct owner_rec *r, int family, uint8_t last, const char *fqdn)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->state = OWNER_ADDING;
	r->fwd = r->rev = 1;
	if (family == 4) {
		r->addr[0] = 10;
		r->addr[3] = last;
	} else {
		r->addr[0] = 0xfd;
		r->addr[15] = last;
	}
	r->id_type = DHCID_ID_DUID;
	r->id_len = 14;
	memset(r->id, 0xab, 14);
	memset(r->dhcid, last, DHCID_RDATA_LEN);
	r->ttl = 1200;
	r->created = 1800000000;
	snprintf(r->fqdn, sizeof(r->fqdn), "%s", fqdn);
	snprintf(r->fwd_zone, sizeof(r->fwd_zone), "dyn.example.");
	snprintf(r->rev_zone, sizeof(r->rev_zone), "10.in-addr.arpa.");
}

static void test_put_get_reopen(void **state)
{
	struct owner *o, *o2;
	struct owner_rec r, g;
	struct owner_key *keys;
	struct owner_stats st;
	size_t n;

	(void)state;
	assert_int_equal(owner_open(&o, dir, 0), 0);
	rec_make(&r, 4, 5, "a.dyn.example.");
	assert_int_equal(owner_put(o, &r), 0);
	/* visible before the commit */
	assert_int_equal(owner_get(o, 4, r.addr, &g), 0);
	assert_string_equal(g.fqdn, "a.dyn.example.");
	assert_memory_equal(g.dhcid, r.dhcid, DHCID_RDATA_LEN);
	assert_int_equal(g.id_len, 14);
	assert_int_equal(g.ttl, 1200);
	assert_string_equal(g.rev_zone, "10.in-addr.arpa.");
	rec_make(&r, 6, 7, "b.dyn.example.");
	assert_int_equal(owner_put(o, &r), 0);
	assert_int_equal(owner_commit(o), 0);
	owner_get_stats(o, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.commits, 1);
	/* one daemon per store */
	assert_int_equal(owner_open(&o2, dir, 0), -EBUSY);
	owner_close(o);

	assert_int_equal(owner_open(&o, dir, 0), 0);
	assert_int_equal(owner_get(o, 6, r.addr, &g), 0);
	assert_string_equal(g.fqdn, "b.dyn.example.");
	assert_int_equal(g.family, 6);
	assert_int_equal(owner_keys(o, &keys, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(keys[0].family, 4);
	assert_int_equal(keys[1].family, 6);
	free(keys);
	/* a state change and a delete, then close without an explicit commit */
	g.state = OWNER_ADDED;
	assert_int_equal(owner_put(o, &g), 0);
	rec_make(&r, 4, 5, "");
	assert_int_equal(owner_del(o, 4, r.addr), 0);
	assert_int_equal(owner_del(o, 4, r.addr), -ENOENT);
	owner_close(o);
	assert_int_equal(owner_open(&o, dir, 0), 0);
	assert_int_equal(owner_get(o, 4, r.addr, &g), -ENOENT);
	rec_make(&r, 6, 7, "");
	assert_int_equal(owner_get(o, 6, r.addr, &g), 0);
	assert_int_equal(g.state, OWNER_ADDED);
	owner_close(o);
}

static void test_snapshot(void **state)
{
	struct owner *o, *s;
	struct owner_rec r, g;

	(void)state;
	/* the dry run works on a copy: it may run beside the daemon and changes nothing */
	assert_int_equal(owner_open(&o, dir, 0), 0);
	assert_int_equal(owner_open(&s, dir, OWNER_F_SNAPSHOT), 0);
	rec_make(&r, 6, 7, "");
	assert_int_equal(owner_get(s, 6, r.addr, &g), 0);
	assert_int_equal(owner_del(s, 6, r.addr), 0);
	rec_make(&r, 4, 9, "c.dyn.example.");
	assert_int_equal(owner_put(s, &r), 0);
	assert_int_equal(owner_commit(s), 0);
	owner_close(s);
	rec_make(&r, 6, 7, "");
	assert_int_equal(owner_get(o, 6, r.addr, &g), 0);
	rec_make(&r, 4, 9, "");
	assert_int_equal(owner_get(o, 4, r.addr, &g), -ENOENT);
	owner_close(o);
}

/* owner_seek_plan(): a step forward only when the key lies beyond the cursor */
static void test_seek_plan(void **state)
{
	const uint8_t a[3] = { 4, 10, 1 }, b[3] = { 4, 10, 2 }, c[3] = { 6, 0, 0 };

	(void)state;
	assert_int_equal(owner_seek_plan(NULL, a, 3), OWNER_SEEK_RANGE);
	assert_int_equal(owner_seek_plan(a, b, 3), OWNER_SEEK_NEXT);
	assert_int_equal(owner_seek_plan(a, c, 3), OWNER_SEEK_NEXT);
	assert_int_equal(owner_seek_plan(b, a, 3), OWNER_SEEK_RANGE);	/* backwards: seek */
	assert_int_equal(owner_seek_plan(a, a, 3), OWNER_SEEK_RANGE);	/* the same key again */
}

/*
 * Reads through the kept cursor give what a fresh lookup gives, whatever the
 * order of the keys asked for (ascending with gaps, descending, repeated),
 * and see every commit of ours (never a stale snapshot).
 */
static void test_get_orders(void **state)
{
	struct owner *o;
	struct owner_rec r, g;
	uint8_t addr[16] = { 10, 0, 0, 0 };

	(void)state;
	assert_int_equal(owner_open(&o, dir, 0), 0);
	/* every third address of 10.0.0.0/24 is owned */
	for (int i = 0; i < 256; i += 3) {
		rec_make(&r, 4, (uint8_t)i, "x.dyn.example.");
		assert_int_equal(owner_put(o, &r), 0);
	}
	assert_int_equal(owner_commit(o), 0);
	for (int pass = 0; pass < 4; pass++) {
		for (int k = 0; k < 256; k++) {
			/* ascending, descending, ascending by 7s (wrapping), each twice */
			int i = pass == 0 ? k : pass == 1 ? 255 - k : pass == 2 ? (k * 7) % 256 : k / 2;

			addr[3] = (uint8_t)i;
			assert_int_equal(owner_get(o, 4, addr, &g), i % 3 ? -ENOENT : 0);
			if (!(i % 3))
				assert_int_equal(g.addr[3], i);
		}
	}
	/* v6 keys sort after every v4 one: a step past the last v4 binding */
	addr[3] = 255;
	assert_int_equal(owner_get(o, 4, addr, &g), 0);
	rec_make(&r, 6, 1, "y.dyn.example.");
	assert_int_equal(owner_get(o, 6, r.addr, &g), -ENOENT);
	/* our own writes, committed, are seen by the next reads */
	assert_int_equal(owner_put(o, &r), 0);
	assert_int_equal(owner_commit(o), 0);
	assert_int_equal(owner_get(o, 6, r.addr, &g), 0);
	assert_string_equal(g.fqdn, "y.dyn.example.");
	addr[3] = 3;
	assert_int_equal(owner_get(o, 4, addr, &g), 0);
	assert_int_equal(owner_del(o, 4, addr), 0);
	assert_int_equal(owner_commit(o), 0);
	assert_int_equal(owner_get(o, 4, addr, &g), -ENOENT);
	addr[3] = 6;
	assert_int_equal(owner_get(o, 4, addr, &g), 0);
	rec_make(&r, 4, 4, "z.dyn.example.");
	assert_int_equal(owner_put(o, &r), 0);
	assert_int_equal(owner_commit(o), 0);
	assert_int_equal(owner_get(o, 4, r.addr, &g), 0);	/* a new one between two read */
	assert_string_equal(g.fqdn, "z.dyn.example.");
	owner_close(o);
}

/* the encoding the shared store keeps (owner_encode/decode), and a store behind owner_ops */
static struct owner_rec ops_rec;
static int ops_calls;
static int ops_get(void *ctx, int family, const uint8_t *addr, struct owner_rec *rec)
{
	(void)ctx;
	ops_calls++;
	if (family != ops_rec.family || memcmp(addr, ops_rec.addr, 16))
		return -ENOENT;
	*rec = ops_rec;
	return 0;
}
static int ops_put(void *ctx, const struct owner_rec *rec)
{
	(void)ctx;
	ops_calls++;
	ops_rec = *rec;
	return 0;
}
static int ops_del(void *ctx, int family, const uint8_t *addr)
{
	(void)ctx;
	(void)family;
	(void)addr;
	ops_calls++;
	return -ENOENT;
}
static int ops_commit(void *ctx)
{
	(void)ctx;
	ops_calls++;
	return LS_ESTORE;
}
static int ops_keys(void *ctx, struct owner_key **out, size_t *n)
{
	(void)ctx;
	ops_calls++;
	*out = NULL;
	*n = 0;
	return 0;
}
static void ops_stats(void *ctx, struct owner_stats *st)
{
	(void)ctx;
	st->records = 7;
}

static void test_encode_ops(void **state)
{
	static const struct owner_ops ops = { ops_get, ops_put, ops_del, ops_commit, ops_keys,
					      ops_stats };
	struct owner_rec r = { .family = 4, .state = OWNER_ADDING, .fwd = 1, .rev = 1, .mode = 1,
			       .id_type = 1, .id_len = 3, .addr = { 10, 64, 1, 5 }, .id = { 1, 2, 3 },
			       .ttl = 300, .created = 1700000000, .updated = 1700000001 },
			 back;
	uint8_t buf[OWNER_ENC_MAX];
	struct owner *o;
	struct owner_stats st;
	struct owner_key *keys;
	size_t len, n;

	(void)state;
	snprintf(r.fqdn, sizeof(r.fqdn), "h-10-64-1-5.dyn.example.");
	snprintf(r.fwd_zone, sizeof(r.fwd_zone), "dyn.example.");
	snprintf(r.rev_zone, sizeof(r.rev_zone), "64.10.in-addr.arpa.");
	memset(r.dhcid, 0xab, sizeof(r.dhcid));
	len = owner_encode(&r, buf);
	assert_true(len > 0 && len <= sizeof(buf));
	assert_int_equal(owner_decode(4, r.addr, buf, len, &back), 0);
	assert_int_equal(back.family, 4);
	assert_int_equal(back.state, OWNER_ADDING);
	assert_int_equal(back.fwd, 1);
	assert_int_equal(back.rev, 1);
	assert_int_equal(back.id_len, 3);
	assert_memory_equal(back.id, r.id, 3);
	assert_memory_equal(back.addr, r.addr, 16);
	assert_memory_equal(back.dhcid, r.dhcid, sizeof(r.dhcid));
	assert_int_equal(back.ttl, 300);
	assert_int_equal(back.created, 1700000000);
	assert_int_equal(back.updated, 1700000001);
	assert_string_equal(back.fqdn, r.fqdn);
	assert_string_equal(back.fwd_zone, r.fwd_zone);
	assert_string_equal(back.rev_zone, r.rev_zone);
	/* a wrong family, a short or long value: refused */
	assert_int_equal(owner_decode(6, r.addr, buf, len, &back), LS_ESTORE);
	assert_int_equal(owner_decode(4, r.addr, buf, len - 1, &back), LS_ESTORE);
	assert_int_equal(owner_decode(4, r.addr, buf, 10, &back), LS_ESTORE);
	/* every call reaches the backend; its errors come back as they are */
	assert_int_equal(owner_open_ops(&o, &ops, NULL), 0);
	assert_int_equal(owner_put(o, &r), 0);
	assert_int_equal(owner_get(o, 4, r.addr, &back), 0);
	assert_string_equal(back.fqdn, r.fqdn);
	assert_int_equal(owner_del(o, 6, r.addr), -ENOENT);
	assert_int_equal(owner_commit(o), LS_ESTORE);
	assert_int_equal(owner_keys(o, &keys, &n), 0);
	assert_int_equal(n, 0);
	owner_get_stats(o, &st);
	assert_int_equal(st.records, 7);
	assert_int_equal(ops_calls, 5);
	owner_close(o);		/* commits through the backend, frees only the wrapper */
	assert_int_equal(ops_calls, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_reopen),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_encode_ops),
		cmocka_unit_test(test_seek_plan),
		cmocka_unit_test(test_get_orders),
	};
	char cmd[128];
	int rc;

	log_set_level(LOG_LVL_ERR);
	assert_non_null(mkdtemp(dir));
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		rc = 1;
	return rc;
}
