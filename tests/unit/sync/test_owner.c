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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_reopen),
		cmocka_unit_test(test_snapshot),
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
