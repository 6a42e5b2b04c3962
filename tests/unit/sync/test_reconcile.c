// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_reconcile.c - the reconciler's decisions, driven through
 * the real lease table (leases_apply), the real ownership store and a fake
 * clock; the DNS side is a recorder that answers like the engine does. New
 * lease adds fwd+rev with the intent durable first; renewal sends nothing
 * (unless update-on-renew); name change and reassignment remove the old
 * binding before adding the new; release, expiry and delete remove; a
 * conflict is left alone; a forged wire event changes nothing; pending
 * events are bounded; a restart finishes unfinished intents; zones leaving
 * the configuration have their bindings removed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/ctl/config.h"
#include "user/lease/kea_csv.h"
#include "user/lease/leases.h"
#include "user/common/log.h"
#include "user/sync/owner.h"
#include "user/sync/reconcile.h"
#include "tests/lib/unit.h"

#define H4 UNIT_H4
#define T0 1800000000

struct world {
	char dir[64];
	time_t now;
	uint64_t ms;
	struct config *cfg;
	struct owner *owner;
	struct leases *t4, *t6;
	struct reconcile *r;
	struct dnsengine_change sent[64];
	uint64_t commits_at_submit[64];
	int nsent;
	/* the DNS adopt_probe() would see: by last octet, 1 fwd ok, 2 rev ok */
	uint8_t dns_has[256];
	bool shared;		/* shared mode: the reconciler leads every shard (opts.mine) */
	int nprobed;
	struct adopt_item probed[16];
};

static void w_probe(struct world *w, struct adopt_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t h = w->dns_has[items[i].addr[3]];

		if (w->nprobed < 16)
			w->probed[w->nprobed] = items[i];
		w->nprobed++;
		items[i].fwd_ok = items[i].fz && (h & 1);
		items[i].rev_ok = items[i].rz && (h & 2);
		items[i].fwd_dhcid = items[i].fz && (h & 5);	/* 4: our DHCID alone, no address */
		items[i].rev_dhcid = items[i].rev_ok;
	}
}

/* the daemon's part: hand each chunk the reconciler queues to the "DNS" above */
static void w_adopt(struct world *w)
{
	struct adopt_item *items;
	size_t n;

	while ((n = reconcile_adopt_next(w->r, &items))) {
		w_probe(w, items, n);
		reconcile_adopt_done(w->r, 0);
	}
	assert_false(reconcile_adopting(w->r));
}

static bool w_mine(void *ctx, int family, const uint8_t *addr)
{
	(void)ctx;
	(void)family;
	(void)addr;
	return true;
}

static time_t w_clock(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static uint64_t w_ms(void *ctx)
{
	return ((struct world *)ctx)->ms;
}

static int w_submit(void *ctx, const struct dnsengine_change *c)
{
	struct world *w = ctx;
	struct owner_stats st;
	struct owner_rec o;

	assert_true(w->nsent < 64);
	/* the intent is in the store, committed, before the change leaves */
	assert_int_equal(owner_get(w->owner, c->family, c->addr, &o), 0);
	assert_int_equal(o.state, c->op == DNSENGINE_ADD ? OWNER_ADDING : OWNER_REMOVING);
	owner_get_stats(w->owner, &st);
	w->commits_at_submit[w->nsent] = st.commits;
	w->sent[w->nsent++] = *c;
	return 0;
}

static void lease_cb(void *ctx, const struct lease_change *ch)
{
	struct world *w = ctx;

	/* while "killed", the lease file moves on without us */
	if (w->r)
		reconcile_lease_change(w->r, ch);
}

static void put4(struct world *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_true(unit_vrow(w->t4, H4, fmt, ap) >= 0);
	va_end(ap);
}

static void conf(struct world *w, const char *extra)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ls.conf", w->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* Kea's DDNS off (names from the lease file) unless @extra says otherwise */
	fprintf(f, "{ \"Leasesnoop\": { %s\"lease-files\": { \"v4\": \"/unused\" }, \"state-dir\": \"%s/state\","
		"\"pending-timeout\": 2, \"max-pending-events\": 16, \"ddns-qualifying-suffix\": \"dyn.example.\","
		"\"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\","
		"  \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }"
		"%s } }", strstr(extra, "kea-ddns-updates") ? "" : "\"kea-ddns-updates\": false, ",
		w->dir, extra);
	fclose(f);
	config_free(w->cfg);
	w->cfg = NULL;
	assert_int_equal(config_load(path, &w->cfg), 0);
}

#define REV ", \"reverse-ddns\": { \"ddns-domains\": [ { \"name\": \"64.10.in-addr.arpa.\"," \
	    " \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }"

static void start(struct world *w)
{
	struct leases_opts lo = { .on_change = lease_cb, .ctx = w, .clock = w_clock,
				  .clock_ctx = w };
	struct reconcile_opts ro = { .cfg = w->cfg, .submit = w_submit, .submit_ctx = w,
				     .clock = w_clock, .mono_ms = w_ms, .clock_ctx = w };
	char sd[96];

	snprintf(sd, sizeof(sd), "%s/state", w->dir);
	assert_int_equal(owner_open(&w->owner, sd, 0), 0);
	ro.owner = w->owner;
	if (w->shared)
		ro.mine = w_mine;
	assert_int_equal(reconcile_new(&w->r, &ro), 0);
	if (!w->t4)
		assert_int_equal(leases_open(&w->t4, NULL, 4, &lo), 0);
	reconcile_set_leases(w->r, 4, w->t4);
	if (w->t6)
		reconcile_set_leases(w->r, 6, w->t6);
}

static void stop(struct world *w, int keep_leases)
{
	reconcile_free(w->r);
	w->r = NULL;
	owner_close(w->owner);
	w->owner = NULL;
	if (!keep_leases) {
		leases_close(w->t4);
		w->t4 = NULL;
		leases_close(w->t6);
		w->t6 = NULL;
	}
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	unit_temp_dir(w->dir, "reconcile");
	w->now = T0;
	w->ms = 1000;
	conf(w, REV);
	start(w);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	char cmd[128];

	stop(w, 0);
	config_free(w->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
	free(w);
	return 0;
}

/* Flush, then answer every change sent with @fwd/@rev (like the engine). */
static int step(struct world *w, enum dnsengine_outcome fwd, enum dnsengine_outcome rev)
{
	int first = w->nsent, done = first;

	/* answers may lead to more changes (remove before add): until quiet */
	do {
		while (reconcile_flush(w->r) > 0)
			;
		for (; done < w->nsent; done++) {
			struct dnsengine_result res = {
				w->sent[done].fwd ? fwd : DNSENGINE_SKIPPED,
				w->sent[done].rev ? rev : DNSENGINE_SKIPPED, true };

			reconcile_done(w->r, &w->sent[done], &res);
		}
		while (reconcile_flush(w->r) > 0)
			;
	} while (done < w->nsent);
	return w->nsent - first;
}

#define OK DNSENGINE_APPLIED

static void owned(struct world *w, uint8_t last, int want_state, const char *fqdn)
{
	const uint8_t a[4] = { 10, 64, 1, last };
	struct owner_rec o;
	int err = owner_get(w->owner, 4, a, &o);

	if (!want_state) {
		assert_int_equal(err, -ENOENT);
		return;
	}
	assert_int_equal(err, 0);
	assert_int_equal(o.state, want_state);
	assert_string_equal(o.fqdn, fqdn);
}

static void test_lifecycle(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;

	/* new lease: one add, forward and reverse, intent committed before it left */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[0].op, DNSENGINE_ADD);
	assert_true(w->sent[0].fwd && w->sent[0].rev);
	assert_string_equal(w->sent[0].fqdn, "h5.dyn.example.");
	assert_int_equal(w->sent[0].ttl, 1188);
	assert_true(w->commits_at_submit[0] >= 1);
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");

	/* renewal with the same name and address: nothing */
	w->now += 1800;
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 0);

	/* name changed: the old binding goes first, then the new one comes */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,new5.dyn.example.,0,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 2);
	assert_int_equal(w->sent[1].op, DNSENGINE_REMOVE);
	assert_string_equal(w->sent[1].fqdn, "h5.dyn.example.");
	assert_int_equal(w->sent[2].op, DNSENGINE_ADD);
	assert_string_equal(w->sent[2].fqdn, "new5.dyn.example.");
	owned(w, 5, OWNER_ADDED, "new5.dyn.example.");

	/* reassigned to another MAC: old name removed, new added with another DHCID */
	put4(w, "10.64.1.5,00:11:22:33:44:66,,3600,%d,1,1,1,other.dyn.example.,0,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 2);
	assert_int_equal(w->sent[3].op, DNSENGINE_REMOVE);
	assert_string_equal(w->sent[3].fqdn, "new5.dyn.example.");
	assert_int_equal(w->sent[4].op, DNSENGINE_ADD);
	assert_memory_not_equal(w->sent[3].dhcid, w->sent[4].dhcid, DHCID_RDATA_LEN);

	/* release: removed, and the store forgets it */
	put4(w, "10.64.1.5,00:11:22:33:44:66,,3600,%d,1,1,1,other.dyn.example.,3,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[5].op, DNSENGINE_REMOVE);
	owned(w, 5, 0, NULL);

	/* expiry by the clock */
	put4(w, "10.64.1.6,00:11:22:33:44:77,,600,%d,1,1,1,h6,0,", (int)w->now + 600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_string_equal(w->sent[6].fqdn, "h6.dyn.example.");	/* qualified */
	w->now += 601;
	assert_int_equal(leases_expire_scan(w->t4, w->now), 1);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[7].op, DNSENGINE_REMOVE);
	owned(w, 6, 0, NULL);

	/* a lease without a name, generate-names off: nothing */
	put4(w, "10.64.1.7,00:11:22:33:44:88,,600,%d,1,1,1,,0,", (int)w->now + 600);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.adds, 4);
	assert_int_equal(st.removes, 4);
	assert_true(reconcile_idle(w->r));
}

static void test_conflict_and_failure(void **state)
{
	struct world *w = *state;

	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,taken.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, DNSENGINE_CONFLICT, DNSENGINE_SKIPPED), 1);
	owned(w, 9, OWNER_CONFLICT, "taken.dyn.example.");
	/* neither renewal nor a full reconciliation hammers someone else's name */
	w->now += 100;
	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,taken.dyn.example.,0,", T0 + 3700);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
	/* expiry of a lease whose records were never ours: nothing to remove */
	put4(w, "10.64.1.9,00:11:22:33:44:99,,0,%d,1,1,1,taken.dyn.example.,0,", T0 + 3700);
	assert_int_equal(step(w, OK, OK), 0);
	owned(w, 9, 0, NULL);

	/* a refused add is retried by the full reconciliation, not before */
	put4(w, "10.64.1.10,00:11:22:33:44:10,,3600,%d,1,1,1,r.dyn.example.,0,", T0 + 3700);
	assert_int_equal(step(w, DNSENGINE_REFUSED, DNSENGINE_SKIPPED), 1);
	owned(w, 10, OWNER_FAILED, "r.dyn.example.");
	{
		/* the lookup sees the refusal, per side, and the decision still wants it */
		const uint8_t a10[4] = { 10, 64, 1, 10 };
		struct reconcile_explain x;

		assert_int_equal(reconcile_explain(w->r, 4, a10, &x), 0);
		assert_true(x.has_lease && x.ok);
		assert_string_equal(x.fqdn, "r.dyn.example.");
		assert_int_equal(x.last_op, 1);
		assert_int_equal(x.last_fwd, DNSENGINE_REFUSED);
		assert_int_equal(x.last_rev, DNSENGINE_SKIPPED);
		assert_int_equal(x.fails, 1);
		assert_int_equal(x.held_ms, 0);
		assert_false(x.dirty || x.in_flight);
	}
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 1);
	owned(w, 10, OWNER_ADDED, "r.dyn.example.");
}

/* reconcile_explain(): the decision a sync acts on, without counting or logging it */
static void test_explain(void **state)
{
	struct world *w = *state;
	const uint8_t a1[4] = { 10, 64, 1, 21 }, a2[4] = { 10, 64, 1, 22 }, a3[4] = { 10, 64, 1, 23 };
	struct reconcile_stats st0, st1;
	struct reconcile_explain x;

	put4(w, "10.64.1.21,00:11:22:33:44:21,,3600,%d,1,1,1,,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st0);
	assert_int_equal(reconcile_explain(w->r, 4, a1, &x), 0);
	assert_true(x.has_lease);
	assert_false(x.ok);
	assert_string_equal(x.why_not, "no usable name");
	assert_int_equal(reconcile_explain(w->r, 4, a2, &x), 0);
	assert_false(x.has_lease);
	assert_string_equal(x.why_not, "no lease");
	reconcile_get_stats(w->r, &st1);
	assert_memory_equal(&st0, &st1, sizeof(st0));	/* nothing counted */
	/* marked dirty, not yet synced: pending */
	put4(w, "10.64.1.23,00:11:22:33:44:23,,3600,%d,1,1,1,h23.dyn.example.,0,", T0 + 3600);
	assert_int_equal(reconcile_explain(w->r, 4, a3, &x), 0);
	assert_true(x.ok && x.dirty);
	assert_string_equal(x.fqdn, "h23.dyn.example.");
	assert_non_null(x.fz);
	assert_int_equal(reconcile_explain(w->r, 5, a3, &x), -EINVAL);
}

static void test_update_on_renew(void **state)
{
	struct world *w = *state;

	stop(w, 1);
	conf(w, REV ", \"update-on-renew\": true");
	start(w);
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	w->now += 10;
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3610);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[1].op, DNSENGINE_ADD);
}

/*
 * Kea's DDNS on (the default): the lease rows' flags are Kea's per-lease
 * decision and are obeyed; the TTL is the lease length (as D2 makes it);
 * an NCR marks the address dirty and re-sends an unchanged binding.
 */
static void test_kea_ddns_mode(void **state)
{
	struct world *w = *state;
	const uint8_t a5[4] = { 10, 64, 1, 5 };
	struct reconcile_stats st;

	stop(w, 1);
	conf(w, REV ", \"kea-ddns-updates\": true");
	start(w);
	/* ddns-send-updates false (both flags 0): nothing at all */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,0,0,h5.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 0);
	/* the client does its own forward update (S=0): the PTR only */
	put4(w, "10.64.1.6,00:11:22:33:44:66,,3600,%d,1,0,1,h6.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_false(w->sent[0].fwd);
	assert_true(w->sent[0].rev);
	assert_int_equal(w->sent[0].ttl, 1200);	/* Kea's NCR lease-length, D2's TTL */
	/* both: A and PTR; an NCR for it changes nothing already done... */
	put4(w, "10.64.1.7,00:11:22:33:44:77,,7200,%d,1,1,1,h7.dyn.example.,0,", T0 + 7200);
	assert_int_equal(step(w, OK, OK), 1);
	assert_true(w->sent[1].fwd && w->sent[1].rev);
	assert_int_equal(w->sent[1].ttl, 2400);
	/* ...nor does Kea's add NCR for the term already written (it came late)... */
	reconcile_ncr(w->r, 4, (const uint8_t[]){ 10, 64, 1, 7 }, 1);
	assert_int_equal(step(w, OK, OK), 0);
	/* ...but after a renewal (a new term) its add NCR re-sends (Kea's update-on-renew), a remove one does not */
	w->now += 600;
	put4(w, "10.64.1.7,00:11:22:33:44:77,,7200,%d,1,1,1,h7.dyn.example.,0,", (int)w->now + 7200);
	reconcile_ncr(w->r, 4, (const uint8_t[]){ 10, 64, 1, 7 }, 1);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[2].op, DNSENGINE_ADD);
	reconcile_ncr(w->r, 4, (const uint8_t[]){ 10, 64, 1, 7 }, 0);
	assert_int_equal(step(w, OK, OK), 0);
	/* an NCR for an address with no lease: the lease file decides, nothing is sent */
	reconcile_ncr(w->r, 4, (const uint8_t[]){ 10, 64, 1, 99 }, 1);
	assert_int_equal(step(w, OK, OK), 0);
	/* Kea turned the names off for 10.64.1.5 and on again: follows the row */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	reconcile_ncr(w->r, 4, a5, 1);
	assert_int_equal(step(w, OK, OK), 1);
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,0,0,h5.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[4].op, DNSENGINE_REMOVE);
	owned(w, 5, 0, NULL);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.ncr_triggers, 5);
	/* a name in no configured forward zone: the PTR only, as D2, counted */
	put4(w, "10.64.1.8,00:11:22:33:44:08,,3600,%d,1,1,1,h8.elsewhere.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_false(w->sent[5].fwd);
	assert_true(w->sent[5].rev);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.no_fwd_zone, 1);
}

/*
 * Kea's add NCR for a new lease asks for the add that lease gets anyway: one
 * UPDATE, as D2 sends one, whether the NCR comes before the add is sent,
 * while it is in flight or after it is done; a later trigger (a remove NCR)
 * sends nothing more. A renewal's add NCR still re-sends (update-on-renew).
 */
static void test_kea_ncr_new_lease_once(void **state)
{
	struct world *w = *state;
	const uint8_t a7[4] = { 10, 64, 1, 7 }, a8[4] = { 10, 64, 1, 8 };

	stop(w, 1);
	conf(w, REV ", \"kea-ddns-updates\": true");
	start(w);
	/* the NCR before the add is sent (the row and the NCR in one loop turn) */
	put4(w, "10.64.1.7,00:11:22:33:44:77,,3600,%d,1,1,1,h7.dyn.example.,0,", T0 + 3600);
	reconcile_ncr(w->r, 4, a7, 1);
	assert_int_equal(step(w, OK, OK), 1);
	reconcile_ncr(w->r, 4, a7, 0);
	assert_int_equal(step(w, OK, OK), 0);
	/* the NCR while the add is with the DNS side (the wire's ACK came first) */
	put4(w, "10.64.1.8,00:11:22:33:44:88,,3600,%d,1,1,1,h8.dyn.example.,0,", T0 + 3600);
	while (reconcile_flush(w->r) > 0)
		;
	assert_int_equal(w->nsent, 2);
	reconcile_ncr(w->r, 4, a8, 1);
	reconcile_done(w->r, &w->sent[1], &(struct dnsengine_result){ OK, OK, true });
	assert_int_equal(step(w, OK, OK), 0);
	assert_int_equal(w->nsent, 2);
	owned(w, 8, OWNER_ADDED, "h8.dyn.example.");
	reconcile_ncr(w->r, 4, a8, 0);
	assert_int_equal(step(w, OK, OK), 0);
	/* the NCR after the add is done (Kea's sender lagged): the term is written, nothing */
	reconcile_ncr(w->r, 4, a8, 1);
	assert_int_equal(step(w, OK, OK), 0);
	/* renewed (a new term), then Kea's add NCR (its update-on-renew): sent again */
	w->now += 60;
	put4(w, "10.64.1.8,00:11:22:33:44:88,,3600,%d,1,1,1,h8.dyn.example.,0,", (int)w->now + 3600);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_ncr(w->r, 4, a8, 1);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[2].op, DNSENGINE_ADD);
	assert_false(renew_resend_due(T0 + 10, T0));	/* written during the term */
	assert_true(renew_resend_due(T0 - 1, T0));	/* before it: a renewal */
	assert_true(renew_resend_due(T0, 0));		/* no lease term known */
}

/* "ptr-without-forward-zone": false gives such a name nothing */
static void test_no_forward_zone_nothing(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;

	stop(w, 1);
	conf(w, REV ", \"ptr-without-forward-zone\": false");
	start(w);
	put4(w, "10.64.1.8,00:11:22:33:44:08,,3600,%d,1,1,1,h8.elsewhere.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.no_fwd_zone, 1);
	put4(w, "10.64.1.9,00:11:22:33:44:09,,3600,%d,1,1,1,h9.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_true(w->sent[0].fwd && w->sent[0].rev);
	/* a client's name cleaned as Kea's default hostname-char-set does: dropped, not '-' */
	put4(w, "10.64.1.10,00:11:22:33:44:10,,3600,%d,1,1,1,Eve_s PC,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_string_equal(w->sent[1].fqdn, "evespc.dyn.example.");
	stop(w, 1);
	conf(w, REV ", \"hostname-char-replacement\": \"x\"");
	start(w);
	put4(w, "10.64.1.11,00:11:22:33:44:11,,3600,%d,1,1,1,my_host,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_string_equal(w->sent[2].fqdn, "myxhost.dyn.example.");
}

static void test_wire_events(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;
	struct ls_event ev;

	/* a forged ACK with no lease behind it: pending, then unconfirmed, nothing sent */
	memset(&ev, 0, sizeof(ev));
	ev.version = LS_EVENT_VERSION;
	ev.type = LS_EV_V4_ACK;
	ev.family = 4;
	ev.prefix_len = 32;
	memcpy(ev.addr, "\x0a\x40\x01\x63", 4);
	ev.hlen = 6;
	memcpy(ev.chaddr, "\x00\x11\x22\x33\x44\x63", 6);
	ev.flags = LS_EVF_LEASE_TIME;
	ev.valid_lft = 3600;
	reconcile_event(w->r, &ev);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.pending, 1);
	w->ms += 2001;
	reconcile_tick(w->r);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.unconfirmed, 1);
	assert_int_equal(step(w, OK, OK), 0);

	/* the lease file catches up within the timeout: confirmed */
	reconcile_event(w->r, &ev);
	w->ms += 500;
	put4(w, "10.64.1.99,00:11:22:33:44:63,,3600,%d,1,1,1,w.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.confirmed, 1);
	/* the same ACK again (a renewal on the wire): confirmed at once, nothing to send */
	reconcile_event(w->r, &ev);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.confirmed, 2);
	/* an ACK from another MAC for that address is not confirmed by this lease */
	ev.chaddr[5] = 0x64;
	reconcile_event(w->r, &ev);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.pending, 1);

	/* a flood of forged ACKs: the pending queue stays bounded */
	for (int i = 0; i < 100; i++) {
		ev.addr[3] = (uint8_t)(100 + i);
		reconcile_event(w->r, &ev);
	}
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.pending, 16);
	assert_int_equal(st.pending_dropped, 85);
	w->ms += 3000;
	reconcile_tick(w->r);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.unconfirmed, 17);
}

static void test_restart_finishes_intents(void **state)
{
	struct world *w = *state;

	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.6,00:11:22:33:44:56,,3600,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	while (reconcile_flush(w->r) > 0)
		;
	assert_int_equal(w->nsent, 2);
	/* killed before any answer: intents ADDING in the store */
	stop(w, 1);
	/* meanwhile the lease file lost 10.64.1.6 */
	put4(w, "10.64.1.6,00:11:22:33:44:56,,0,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	start(w);
	owned(w, 5, OWNER_ADDING, "h5.dyn.example.");
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 2);
	/* 5 is finished (add again: RFC 4703 makes it idempotent), 6 is undone */
	assert_int_equal(w->sent[2].op, DNSENGINE_ADD);
	assert_string_equal(w->sent[2].fqdn, "h5.dyn.example.");
	assert_int_equal(w->sent[3].op, DNSENGINE_REMOVE);
	assert_string_equal(w->sent[3].fqdn, "h6.dyn.example.");
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");
	owned(w, 6, 0, NULL);
	/* and a second full run finds nothing to do */
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
}

/*
 * shared mode: the shard's leader dies with adds and removes sent and
 * unanswered; the next leader waits until the server has surely applied
 * what it got (timeout-max-ms), asks DNS, and sends only what is missing:
 * a remove DNS already applied is not sent again, a half-applied one
 * only for the side left (a forward name with our DHCID but no address is
 * a remove half done), an add only for the side that did not land.
 */
static void test_takeover_intents(void **state)
{
	struct world *w = *state;
	struct adopt_item *items;
	struct reconcile_stats st;
	int n0;

	stop(w, 1);
	conf(w, REV ", \"batching\": { \"timeout-ms\": 1000, \"timeout-max-ms\": 4000 }");
	w->shared = true;
	start(w);
	for (int i = 4; i <= 7; i++)
		put4(w, "10.64.1.%d,00:11:22:33:44:%02d,,3600,%d,1,1,1,h%d.dyn.example.,0,", i, i,
		     T0 + 3600, i);
	assert_int_equal(step(w, OK, OK), 4);
	/* the leader's last moments: four adds and four removes sent, no answer */
	for (int i = 8; i <= 11; i++)
		put4(w, "10.64.1.%d,00:11:22:33:44:%02d,,3600,%d,1,1,1,h%d.dyn.example.,0,", i, i,
		     T0 + 3600, i);
	for (int i = 4; i <= 7; i++)
		put4(w, "10.64.1.%d,00:11:22:33:44:%02d,,0,%d,1,1,1,h%d.dyn.example.,0,", i, i,
		     T0 + 3600, i);
	while (reconcile_flush(w->r) > 0)
		;
	assert_int_equal(w->nsent, 12);
	stop(w, 1);
	/* meanwhile the leases of two of the adds are deleted (Kea's delete rows), one renamed */
	for (int i = 9; i <= 10; i++)
		put4(w, "10.64.1.%d,00:11:22:33:44:%02d,,0,%d,1,1,1,h%d.dyn.example.,0,", i, i,
		     T0 + 3600, i);
	put4(w, "10.64.1.11,00:11:22:33:44:11,,3600,%d,1,1,1,n11.dyn.example.,0,", T0 + 3600);
	/* the next leader; what the server applied of it meanwhile: */
	start(w);
	w->dns_has[4] = 0;	/* remove applied */
	w->dns_has[5] = 4;	/* remove applied but for the forward DHCID: its second step */
	w->dns_has[6] = 1;	/* remove of the reverse side applied (another UPDATE), forward left */
	w->dns_has[7] = 3;	/* remove not applied */
	w->dns_has[8] = 1;	/* add: forward landed */
	w->dns_has[9] = 0;	/* add of a lease gone since: nothing landed */
	w->dns_has[10] = 1;	/* add of a lease gone since: forward landed */
	w->dns_has[11] = 0;	/* add of a lease renamed since: nothing landed */
	w->dns_has[12] = 0;	/* the second takeover's remove (below): applied */
	owned(w, 4, OWNER_REMOVING, "h4.dyn.example.");
	owned(w, 9, OWNER_ADDING, "h9.dyn.example.");
	n0 = w->nsent;
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);	/* nothing resent blind, no add undone blind */
	/* a lease change meanwhile waits for DNS's answer as well */
	put4(w, "10.64.1.8,00:11:22:33:44:08,,3600,%d,1,1,1,h8.dyn.example.,0,", T0 + 3700);
	assert_int_equal(step(w, OK, OK), 0);
	assert_true(reconcile_adopting(w->r));
	assert_false(reconcile_idle(w->r));
	/*
	 * another shard taken over 3 s later, with an unfinished remove of its
	 * own leader (10.64.1.12, its lease gone): it settles in full too, and
	 * holds the round until then
	 */
	w->ms += 3000;
	{
		struct owner_rec o12;

		assert_int_equal(owner_get(w->owner, 4, (const uint8_t[]){ 10, 64, 1, 4 }, &o12), 0);
		o12.addr[3] = 12;
		o12.state = OWNER_REMOVING;
		snprintf(o12.fqdn, sizeof(o12.fqdn), "h12.dyn.example.");
		assert_int_equal(owner_put(w->owner, &o12), 0);
		assert_int_equal(owner_commit(w->owner), 0);
	}
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
	w->ms += 999;		/* the server may still be applying the dead leader's UPDATEs */
	assert_int_equal(reconcile_adopt_next(w->r, &items), 0);
	w->ms += 1;		/* the first takeover's have settled, not the second's */
	assert_int_equal(reconcile_adopt_next(w->r, &items), 0);
	w->ms += 3000;
	w_adopt(w);
	assert_int_equal(w->nprobed, 9);
	assert_int_equal(step(w, OK, OK), 6);
	for (int i = n0; i < w->nsent; i++) {
		const struct dnsengine_change *c = &w->sent[i];

		switch (c->addr[3]) {
		case 5:
		case 6:
		case 10:	/* the forward side of the add landed: only it is undone */
			assert_int_equal(c->op, DNSENGINE_REMOVE);
			assert_true(c->fwd && !c->rev);
			break;
		case 7:
			assert_int_equal(c->op, DNSENGINE_REMOVE);
			assert_true(c->fwd && c->rev);
			break;
		case 8:
			assert_int_equal(c->op, DNSENGINE_ADD);
			assert_true(!c->fwd && c->rev);
			break;
		case 11:	/* nothing of the old add landed: the lease's new name is added */
			assert_int_equal(c->op, DNSENGINE_ADD);
			assert_true(c->fwd && c->rev);
			assert_string_equal(c->fqdn, "n11.dyn.example.");
			break;
		default:
			fail_msg("change for 10.64.1.%u sent again", c->addr[3]);
		}
	}
	for (int i = 4; i <= 7; i++)
		owned(w, (uint8_t)i, 0, NULL);
	owned(w, 8, OWNER_ADDED, "h8.dyn.example.");
	owned(w, 9, 0, NULL);
	owned(w, 10, 0, NULL);
	owned(w, 11, OWNER_ADDED, "n11.dyn.example.");
	owned(w, 12, 0, NULL);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.removes_found_applied, 4);	/* .4, .5, .6, .12 */
	assert_int_equal(st.adds_found_absent, 3);	/* .9, .10, .11 */
	assert_true(reconcile_idle(w->r));
}

static void test_intent_settle(void **state)
{
	uint8_t f = 1, r = 1;

	(void)state;
	assert_int_equal(intent_settle_ms(0, 0), 15000);
	assert_int_equal(intent_settle_ms(3000, 0), 15000);
	assert_int_equal(intent_settle_ms(1000, 4000), 4000);
	assert_int_equal(intent_settle_ms(20000, 4000), 20000);
	remove_left(&f, &r, true, false);
	assert_true(f && !r);
	remove_left(&f, &r, false, true);	/* a side not intended stays off */
	assert_true(!f && !r);
}

/*
 * A full pass checks the owned bindings first, in key order, then the live
 * leases without one, in table order; the queue shows in --stats (dirty) and
 * in reconcile_explain() until each address is checked; an address with a
 * change in flight is not sent twice, its entry redone once the answer came.
 */
static void test_full_pass_queue(void **state)
{
	struct world *w = *state;
	const uint8_t a2[4] = { 10, 64, 1, 2 }, a9[4] = { 10, 64, 1, 9 };
	struct reconcile_explain x;
	struct reconcile_stats st;

	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,h9.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.7,00:11:22:33:44:77,,3600,%d,1,1,1,h7.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 2);
	stop(w, 1);
	/* while stopped: .9 released, .2 (below it) leased to a client named as .9 was */
	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,h9.dyn.example.,3,", T0 + 3600);
	put4(w, "10.64.1.2,00:11:22:33:44:22,,3600,%d,1,1,1,h9.dyn.example.,0,", T0 + 3600);
	start(w);
	w->nsent = 0;
	assert_int_equal(reconcile_full(w->r), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.dirty, 3);	/* .7 and .9 owned, .2 leased */
	assert_int_equal(reconcile_ready(w->r), 1);
	assert_false(reconcile_idle(w->r));
	assert_int_equal(reconcile_explain(w->r, 4, a2, &x), 0);
	assert_true(x.dirty);
	assert_int_equal(step(w, OK, OK), 2);
	/* the owned binding's removal first, then the new lease's add */
	assert_int_equal(w->sent[0].op, DNSENGINE_REMOVE);
	assert_memory_equal(w->sent[0].addr, a9, 4);
	assert_int_equal(w->sent[1].op, DNSENGINE_ADD);
	assert_memory_equal(w->sent[1].addr, a2, 4);
	assert_int_equal(reconcile_explain(w->r, 4, a2, &x), 0);
	assert_false(x.dirty);
	assert_true(reconcile_idle(w->r));
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.dirty, 0);
	owned(w, 9, 0, NULL);
	owned(w, 2, OWNER_ADDED, "h9.dyn.example.");

	/* a change in flight when the pass comes: not sent again meanwhile */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	while (reconcile_flush(w->r) > 0)
		;
	assert_int_equal(w->nsent, 3);
	assert_int_equal(reconcile_full(w->r), 0);
	while (reconcile_flush(w->r) > 0)
		;
	assert_int_equal(w->nsent, 3);
	assert_false(reconcile_idle(w->r));
	{
		struct dnsengine_result res = { OK, OK, true };

		reconcile_done(w->r, &w->sent[2], &res);	/* then it is checked again */
	}
	assert_int_equal(step(w, OK, OK), 0);
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");
	assert_true(reconcile_idle(w->r));
}

static void test_zone_retired(void **state)
{
	struct world *w = *state;
	struct config *old;

	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	/* the reverse zone leaves the configuration: its PTR goes, the forward stays */
	old = w->cfg;
	w->cfg = NULL;
	conf(w, "");
	assert_int_equal(reconcile_retire_zones(w->r, w->cfg->zones), 1);
	reconcile_set_config(w->r, w->cfg);
	config_free(old);
	/* removed whole, then what the new configuration wants (forward only) comes back */
	assert_int_equal(step(w, OK, OK), 2);
	assert_int_equal(w->sent[1].op, DNSENGINE_REMOVE);
	assert_true(w->sent[1].fwd);
	assert_true(w->sent[1].rev);
	assert_int_equal(w->sent[2].op, DNSENGINE_ADD);
	assert_true(w->sent[2].fwd);
	assert_false(w->sent[2].rev);
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
}

static void test_adopt_existing(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;
	uint8_t dh[DHCID_RDATA_LEN];
	const uint8_t id[7] = { 1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };

	/* off by default: the full pass never asks DNS */
	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,h9.dyn.example.,0,", T0 + 3600);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->nprobed, 0);

	stop(w, 1);
	conf(w, REV ", \"adopt-existing\": true");
	start(w);
	/* .5: DNS holds both sides with our DHCID; .6: only the forward side; .7: nothing */
	w->dns_has[5] = 3;
	w->dns_has[6] = 1;
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.6,00:11:22:33:44:66,,3600,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.7,00:11:22:33:44:77,,3600,%d,1,1,1,h7.dyn.example.,0,", T0 + 3600);
	w->nsent = 0;
	assert_int_equal(reconcile_full(w->r), 0);
	/* they wait for DNS's answer: nothing is sent for them meanwhile, not idle */
	assert_true(reconcile_adopting(w->r));
	assert_false(reconcile_idle(w->r));
	assert_int_equal(step(w, OK, OK), 0);
	w_adopt(w);
	/* only leases without a binding are asked about (.9 is owned) */
	assert_int_equal(w->nprobed, 3);
	assert_int_equal(w->probed[0].addr[3] + w->probed[1].addr[3] + w->probed[2].addr[3], 18);
	for (int i = 0; i < 3; i++) {
		assert_non_null(w->probed[i].fz);
		assert_non_null(w->probed[i].rz);
		if (w->probed[i].addr[3] == 5) {
			assert_string_equal(w->probed[i].fqdn, "h5.dyn.example.");
			assert_int_equal(dhcid_compute(DHCID_ID_HWADDR, id, sizeof(id),
						       "h5.dyn.example.", dh), 0);
			assert_memory_equal(w->probed[i].dhcid, dh, DHCID_RDATA_LEN);
		}
	}
	/* .5 adopted without an UPDATE; .6 and .7 take the add path */
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");
	assert_int_equal(step(w, OK, OK), 2);
	assert_string_not_equal(w->sent[0].fqdn, "h5.dyn.example.");
	assert_string_not_equal(w->sent[1].fqdn, "h5.dyn.example.");
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.adopted, 1);
	assert_int_equal(st.adopt_probed, 3);

	/* the next full pass asks nothing: every lease has its binding */
	assert_int_equal(reconcile_full(w->r), 0);
	assert_false(reconcile_adopting(w->r));
	w_adopt(w);
	assert_int_equal(w->nprobed, 3);
	assert_int_equal(step(w, OK, OK), 0);

	/* the adopted binding is cleaned like any other when the lease ends */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,3,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[2].op, DNSENGINE_REMOVE);
	assert_string_equal(w->sent[2].fqdn, "h5.dyn.example.");
	assert_true(w->sent[2].fwd && w->sent[2].rev);
	owned(w, 5, 0, NULL);

	/* no-check-without-dhcid: nothing can be proven ours, nothing is asked */
	stop(w, 1);
	conf(w, REV ", \"adopt-existing\": true, \"conflict-resolution-mode\": \"no-check-without-dhcid\"");
	start(w);
	put4(w, "10.64.1.8,00:11:22:33:44:88,,3600,%d,1,1,1,h8.dyn.example.,0,", T0 + 3600);
	w->dns_has[8] = 3;
	assert_int_equal(reconcile_full(w->r), 0);
	assert_false(reconcile_adopting(w->r));
	assert_int_equal(w->nprobed, 3);
}

/*
 * Adoption beside the loop: a lease that changes while its chunk waits is
 * synced at once (its late answer is ignored: it has a binding by then);
 * a probe that fails sends every queued lease down the add path.
 */
static void test_adopt_async(void **state)
{
	struct world *w = *state;
	struct adopt_item *items, *none;
	struct reconcile_stats st;
	size_t n;

	stop(w, 1);
	conf(w, REV ", \"adopt-existing\": true");
	start(w);
	w->dns_has[5] = w->dns_has[6] = 3;
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.6,00:11:22:33:44:66,,3600,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	w->nsent = 0;
	assert_int_equal(reconcile_full(w->r), 0);
	n = reconcile_adopt_next(w->r, &items);
	assert_int_equal(n, 2);
	/* one chunk at a time */
	assert_int_equal(reconcile_adopt_next(w->r, &none), 0);
	/* .6 renews under another name while DNS is asked: synced now, not held back */
	put4(w, "10.64.1.6,00:11:22:33:44:66,,3600,%d,1,1,1,h6b.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_string_equal(w->sent[0].fqdn, "h6b.dyn.example.");
	owned(w, 6, OWNER_ADDED, "h6b.dyn.example.");
	w_probe(w, items, n);
	reconcile_adopt_done(w->r, 0);
	assert_false(reconcile_adopting(w->r));
	/* .5 adopted; .6's stale answer (for h6) changed nothing */
	owned(w, 5, OWNER_ADDED, "h5.dyn.example.");
	owned(w, 6, OWNER_ADDED, "h6b.dyn.example.");
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.adopted, 1);

	/* a probe that fails: nothing adopted, every queued lease takes the add path */
	put4(w, "10.64.1.7,00:11:22:33:44:77,,3600,%d,1,1,1,h7.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.8,00:11:22:33:44:88,,3600,%d,1,1,1,h8.dyn.example.,0,", T0 + 3600);
	w->dns_has[7] = w->dns_has[8] = 3;
	assert_int_equal(step(w, OK, OK), 2);	/* lease changes sync at once, as ever */
	owned(w, 7, OWNER_ADDED, "h7.dyn.example.");
	stop(w, 1);
	conf(w, REV ", \"adopt-existing\": true");
	start(w);
	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,h9.dyn.example.,0,", T0 + 3600);
	w->dns_has[9] = 3;
	w->nsent = 0;
	assert_int_equal(reconcile_full(w->r), 0);
	assert_true(reconcile_adopting(w->r));
	assert_int_equal(reconcile_adopt_next(w->r, &items), 1);
	reconcile_adopt_done(w->r, -ETIMEDOUT);
	assert_false(reconcile_adopting(w->r));
	assert_int_equal(step(w, OK, OK), 1);
	assert_string_equal(w->sent[0].fqdn, "h9.dyn.example.");
}

/*
 * DNS's answer is a snapshot (a zone transfer may be minutes old when a
 * lease is decided): a lease changed after it was handed out is not
 * adopted from it, even before the change is synced; it takes the add
 * path. Chunks are as short as asked (reconcile_adopt_chunk()), and what
 * is left of the round is counted.
 */
static void test_adopt_stale_answer(void **state)
{
	struct world *w = *state;
	struct adopt_item *items;
	struct reconcile_stats st;
	size_t n;

	stop(w, 1);
	conf(w, REV ", \"adopt-existing\": true");
	start(w);
	w->dns_has[5] = w->dns_has[6] = w->dns_has[7] = 3;
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.6,00:11:22:33:44:66,,3600,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.7,00:11:22:33:44:77,,3600,%d,1,1,1,h7.dyn.example.,0,", T0 + 3600);
	/* no name: never a candidate, never counted */
	put4(w, "10.64.1.8,00:11:22:33:44:88,,3600,%d,1,1,1,,0,", T0 + 3600);
	w->nsent = 0;
	reconcile_adopt_chunk(w->r, 2);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(reconcile_adopt_left(w->r), 3);
	n = reconcile_adopt_next(w->r, &items);
	assert_int_equal(n, 2);
	assert_int_equal(reconcile_adopt_left(w->r), 1);
	/* .5 renewed (a later expiry) while DNS is asked; not synced yet */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 7200);
	w_probe(w, items, n);
	reconcile_adopt_done(w->r, 0);
	/* .7 renewed before it is handed out: not even asked about */
	put4(w, "10.64.1.7,00:11:22:33:44:77,,3600,%d,1,1,1,h7.dyn.example.,0,", T0 + 7200);
	assert_int_equal(reconcile_adopt_next(w->r, &items), 0);
	assert_false(reconcile_adopting(w->r));
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.adopted, 1);	/* .6 only */
	owned(w, 6, OWNER_ADDED, "h6.dyn.example.");
	assert_int_equal(step(w, OK, OK), 2);
	assert_true((!strcmp(w->sent[0].fqdn, "h5.dyn.example.") &&
		     !strcmp(w->sent[1].fqdn, "h7.dyn.example.")) ||
		    (!strcmp(w->sent[1].fqdn, "h5.dyn.example.") &&
		     !strcmp(w->sent[0].fqdn, "h7.dyn.example.")));
	assert_int_equal(w->sent[0].op, DNSENGINE_ADD);
	assert_int_equal(w->sent[1].op, DNSENGINE_ADD);
	reconcile_adopt_chunk(w->r, 0);
}

static uint64_t commits(struct world *w)
{
	struct owner_stats os;

	owner_get_stats(w->owner, &os);
	return os.commits;
}

/*
 * Adoptions are not fsynced a chunk at a time (one lost to a crash is asked
 * about again): the store is committed when the round ends (or every
 * 8,192), but an intent written meanwhile is committed before it is sent,
 * as always, and takes the adoptions before it along.
 */
static void test_adopt_commits(void **state)
{
	struct world *w = *state;
	struct adopt_item *items;
	uint64_t c0;
	size_t n;

	stop(w, 1);
	conf(w, REV ", \"adopt-existing\": true");
	start(w);
	for (int i = 1; i <= 5; i++) {
		w->dns_has[i] = 3;
		put4(w, "10.64.1.%d,00:11:22:33:44:0%d,,3600,%d,1,1,1,h%d.dyn.example.,0,", i, i,
		     T0 + 3600, i);
	}
	w->nsent = 0;
	reconcile_adopt_chunk(w->r, 1);
	assert_int_equal(reconcile_full(w->r), 0);
	c0 = commits(w);
	for (int k = 0; k < 2; k++) {	/* two leases adopted, a flush after each */
		n = reconcile_adopt_next(w->r, &items);
		assert_int_equal(n, 1);
		w_probe(w, items, n);
		reconcile_adopt_done(w->r, 0);
		assert_int_equal(step(w, OK, OK), 0);
	}
	assert_int_equal(commits(w), c0);
	/* a new lease meanwhile: its intent is committed before it is sent */
	put4(w, "10.64.1.9,00:11:22:33:44:99,,3600,%d,1,1,1,h9.dyn.example.,0,", T0 + 3600);
	while (reconcile_flush(w->r) > 0)
		;
	assert_int_equal(w->nsent, 1);
	assert_true(w->commits_at_submit[0] > c0);
	n = reconcile_adopt_next(w->r, &items);
	w_probe(w, items, n);
	reconcile_adopt_done(w->r, 0);
	while (reconcile_flush(w->r) > 0)
		;
	c0 = commits(w);
	/* its outcome is written (uncommitted) while adoptions wait for their commit */
	{
		struct dnsengine_result res = { OK, OK, true };

		reconcile_done(w->r, &w->sent[0], &res);
	}
	/* the next chunk commits it first: an outcome never waits for adoptions' commit */
	n = reconcile_adopt_next(w->r, &items);
	w_probe(w, items, n);
	reconcile_adopt_done(w->r, 0);
	assert_int_equal(commits(w), c0 + 1);
	assert_int_equal(step(w, OK, OK), 0);
	assert_int_equal(commits(w), c0 + 1);
	/* the round's end commits the rest */
	while ((n = reconcile_adopt_next(w->r, &items))) {
		w_probe(w, items, n);
		reconcile_adopt_done(w->r, 0);
	}
	assert_false(reconcile_adopting(w->r));
	assert_true(commits(w) > c0);
	reconcile_adopt_chunk(w->r, 0);
	/* all five are in the store after a restart */
	stop(w, 1);
	start(w);
	for (int i = 1; i <= 5; i++) {
		char h[32];

		snprintf(h, sizeof(h), "h%d.dyn.example.", i);
		owned(w, (uint8_t)i, OWNER_ADDED, h);
	}
}

#define H6 UNIT_H6
#define DUID "00:01:00:01:00:00:00:01:02:00:00:00:00:01"

static void put6(struct world *w, const char *fmt, ...)
{
	struct leases_opts lo = { .on_change = lease_cb, .ctx = w, .clock = w_clock,
				  .clock_ctx = w };
	va_list ap;

	if (!w->t6) {
		assert_int_equal(leases_open(&w->t6, NULL, 6, &lo), 0);
		reconcile_set_leases(w->r, 6, w->t6);
	}
	va_start(ap, fmt);
	assert_true(unit_vrow(w->t6, H6, fmt, ap) >= 0);
	va_end(ap);
}

#define REV6(pd) ", \"reverse-ddns\": { \"ddns-domains\": [ { \"name\": \"8.b.d.0.1.0.0.2.ip6.arpa.\"," \
	" \"prefix-delegation\": " pd ", \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }"

/* Delegated prefixes: nothing by default; a PTR at the prefix's nibble name when opted in. */
static void test_prefix_delegation(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;
	struct owner_rec o;
	uint8_t pfx[16], na[16];

	inet_pton(AF_INET6, "2001:db8:1:100::", pfx);
	inet_pton(AF_INET6, "2001:db8::5", na);
	stop(w, 0);
	conf(w, REV6("false"));
	start(w);
	/* the router's address lease and its /56, same DUID and name */
	put6(w, "2001:db8::5," DUID ",3600,%d,1,1800,0,1,128,1,1,cpe.dyn.example.,,0,", T0 + 3600);
	put6(w, "2001:db8:1:100::," DUID ",3600,%d,1,1800,2,2,56,1,1,cpe.dyn.example.,,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[0].prefix_len, 0);
	assert_memory_equal(w->sent[0].addr, na, 16);
	assert_true(w->sent[0].fwd && w->sent[0].rev);
	assert_int_equal(owner_get(w->owner, 6, pfx, &o), -ENOENT);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);

	/* opted in: the prefix gets its reverse side only, with the client's DHCID */
	stop(w, 1);
	conf(w, REV6("true"));
	start(w);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[1].op, DNSENGINE_ADD);
	assert_int_equal(w->sent[1].prefix_len, 56);
	assert_memory_equal(w->sent[1].addr, pfx, 16);
	assert_false(w->sent[1].fwd);
	assert_true(w->sent[1].rev);
	assert_string_equal(w->sent[1].fqdn, "cpe.dyn.example.");
	assert_memory_equal(w->sent[1].dhcid, w->sent[0].dhcid, DHCID_RDATA_LEN);
	assert_int_equal(owner_get(w->owner, 6, pfx, &o), 0);
	assert_int_equal(o.state, OWNER_ADDED);
	assert_int_equal(o.prefix_len, 56);	/* through the store's encoding */
	assert_string_equal(o.rev_zone, "8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_string_equal(o.fwd_zone, "");

	/* renewal: nothing; a new prefix length: the old binding out, the new in */
	put6(w, "2001:db8:1:100::," DUID ",3600,%d,1,1800,2,2,56,1,1,cpe.dyn.example.,,0,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 0);
	put6(w, "2001:db8:1:100::," DUID ",3600,%d,1,1800,2,2,60,1,1,cpe.dyn.example.,,0,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 2);
	assert_int_equal(w->sent[2].op, DNSENGINE_REMOVE);
	assert_int_equal(w->sent[2].prefix_len, 56);
	assert_int_equal(w->sent[3].op, DNSENGINE_ADD);
	assert_int_equal(w->sent[3].prefix_len, 60);

	/* release: removed like any other lease, reverse side only */
	put6(w, "2001:db8:1:100::," DUID ",3600,%d,1,1800,2,2,60,1,1,cpe.dyn.example.,,3,", T0 + 5400);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[4].op, DNSENGINE_REMOVE);
	assert_int_equal(w->sent[4].prefix_len, 60);
	assert_false(w->sent[4].fwd);
	assert_true(w->sent[4].rev);
	assert_int_equal(owner_get(w->owner, 6, pfx, &o), -ENOENT);
	/* the address lease was never touched */
	assert_int_equal(owner_get(w->owner, 6, na, &o), 0);
	assert_int_equal(o.prefix_len, 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.store_errors, 0);
}

/*
 * A server that refuses a removal for good (a wrong key after rotation): the
 * engine reports the forward side BADSIG and skips the reverse. One change
 * goes out, not a storm: the binding waits for the next full pass, and from
 * the second refusal in a row full passes hold it back, exponentially.
 */
static void test_refused_remove_backs_off(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;

	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	/* released; the server now rejects our key */
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,3,", T0 + 3600);
	assert_int_equal(step(w, DNSENGINE_BADSIG, DNSENGINE_SKIPPED), 1);
	owned(w, 5, OWNER_REMOVING, "h5.dyn.example.");
	assert_true(reconcile_idle(w->r));
	/* the next full pass retries it once */
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, DNSENGINE_BADSIG, DNSENGINE_SKIPPED), 1);
	/* refused twice in a row: held for reconcile_hold_ms(2) = 1 s */
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.held, 1);
	w->ms += reconcile_hold_ms(2);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, DNSENGINE_BADSIG, DNSENGINE_SKIPPED), 1);
	/* third: 2 s */
	w->ms += reconcile_hold_ms(2);
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
	w->ms += reconcile_hold_ms(3) - reconcile_hold_ms(2);
	assert_int_equal(reconcile_full(w->r), 0);
	/* the key is fixed: removed, and the store forgets it */
	assert_int_equal(step(w, OK, OK), 1);
	owned(w, 5, 0, NULL);
	/* a reverse side skipped because the forward was not ours still goes alone */
	put4(w, "10.64.1.6,00:11:22:33:44:56,,3600,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	put4(w, "10.64.1.6,00:11:22:33:44:56,,3600,%d,1,1,1,h6.dyn.example.,3,", T0 + 3600);
	assert_int_equal(reconcile_flush(w->r), 0);
	{
		struct dnsengine_result res = { DNSENGINE_CONFLICT, DNSENGINE_SKIPPED, true };

		reconcile_done(w->r, &w->sent[w->nsent - 1], &res);
	}
	assert_int_equal(step(w, OK, OK), 1);
	assert_false(w->sent[w->nsent - 1].fwd);
	assert_true(w->sent[w->nsent - 1].rev);
	owned(w, 6, 0, NULL);
}

static void test_hold_ms(void **state)
{
	(void)state;
	assert_int_equal(reconcile_hold_ms(0), 0);
	assert_int_equal(reconcile_hold_ms(1), 0);
	assert_int_equal(reconcile_hold_ms(2), 1000);
	assert_int_equal(reconcile_hold_ms(3), 2000);
	assert_int_equal(reconcile_hold_ms(11), 512000);
	assert_int_equal(reconcile_hold_ms(12), 600000);
	assert_int_equal(reconcile_hold_ms(255), 600000);
}

/* Names that cannot be published: never sent, counted and logged once per lease. */
static void test_unpublishable_names(void **state)
{
	struct world *w = *state;
	struct reconcile_stats st;
	char label[70], longname[300];

	memset(label, 'x', 64);
	label[64] = 0;
	memset(longname, 0, sizeof(longname));
	for (int i = 0; i < 5; i++)
		strcat(longname, i ? ".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" :
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	strcat(longname, ".dyn.example.");
	assert_true(strlen(longname) > 255);
	put4(w, "10.64.1.20,00:11:22:33:44:20,,3600,%d,1,1,1,.,0,", T0 + 3600);
	put4(w, "10.64.1.21,00:11:22:33:44:21,,3600,%d,1,1,1,a..dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.22,00:11:22:33:44:22,,3600,%d,1,1,1,%s.dyn.example.,0,", T0 + 3600, label);
	put4(w, "10.64.1.23,00:11:22:33:44:23,,3600,%d,1,1,1,%s,0,", T0 + 3600, longname);
	put4(w, "10.64.1.24,00:11:22:33:44:24,,3600,%d,1,1,1,%s,0,", T0 + 3600, label);	/* + suffix */
	put4(w, "10.64.1.25,00:11:22:33:44:25,,3600,%d,1,1,1,ok25.dyn.example.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_string_equal(w->sent[0].fqdn, "ok25.dyn.example.");
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.unpublishable, 5);
	for (int i = 20; i < 25; i++)
		owned(w, (uint8_t)i, 0, NULL);
	/* a full pass sees them again: nothing sent, not counted again */
	assert_int_equal(reconcile_full(w->r), 0);
	assert_int_equal(step(w, OK, OK), 0);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.unpublishable, 5);
	/* an owned binding whose name becomes unpublishable: its records go */
	put4(w, "10.64.1.25,00:11:22:33:44:25,,3600,%d,1,1,1,.,0,", T0 + 3600);
	assert_int_equal(step(w, OK, OK), 1);
	assert_int_equal(w->sent[1].op, DNSENGINE_REMOVE);
	assert_string_equal(w->sent[1].fqdn, "ok25.dyn.example.");
	owned(w, 25, 0, NULL);
	reconcile_get_stats(w->r, &st);
	assert_int_equal(st.unpublishable, 6);
}

/*
 * With max-queued-changes in flight, dirty work is not work for now:
 * reconcile_flush() says so, and a reply makes it ready again.
 */
static void test_ready_waits_for_a_slot(void **state)
{
	struct world *w = *state;

	stop(w, 1);
	conf(w, REV ", \"batching\": { \"max-queued-changes\": 1 }");
	start(w);
	put4(w, "10.64.1.5,00:11:22:33:44:55,,3600,%d,1,1,1,h5.dyn.example.,0,", T0 + 3600);
	put4(w, "10.64.1.6,00:11:22:33:44:56,,3600,%d,1,1,1,h6.dyn.example.,0,", T0 + 3600);
	assert_int_equal(reconcile_flush(w->r), 0);
	assert_int_equal(w->nsent, 1);
	assert_int_equal(reconcile_ready(w->r), 0);
	assert_false(reconcile_idle(w->r));
	{
		struct dnsengine_result res = { OK, OK, true };

		reconcile_done(w->r, &w->sent[0], &res);
	}
	assert_int_equal(reconcile_ready(w->r), 1);
	assert_int_equal(reconcile_flush(w->r), 0);
	assert_int_equal(w->nsent, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_and_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_on_renew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kea_ddns_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kea_ncr_new_lease_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_forward_zone_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_finishes_intents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_retired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_pass_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_stale_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_delegation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_remove_backs_off, setup, teardown),
		cmocka_unit_test(test_hold_ms),
		cmocka_unit_test_setup_teardown(test_takeover_intents, setup, teardown),
		cmocka_unit_test(test_intent_settle),
		cmocka_unit_test_setup_teardown(test_unpublishable_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_waits_for_a_slot, setup, teardown),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
