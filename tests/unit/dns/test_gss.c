// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_gss.c - user/dns/gss.c's decisions: when a GSS-TSIG
 * context is used, renewed (rekey-interval, the old one signing meanwhile),
 * given up before it expires, negotiated, or waited for (a negotiation
 * under way, a retry not due); the retry backoff (1 s doubling up to
 * retry-interval). And zones_set_gss(): settings given by server address
 * and domain, or to the servers whose key is gss-tsig.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <cmocka.h>

#include "user/dns/dnsio.h"
#include "user/dns/gss.h"
#include "user/dns/zones.h"
#include "tests/lib/unit.h"

static void test_plan(void **state)
{
	struct zones_gss cfg;
	struct gss_timing t = { 0 };
	uint64_t t0 = 1000000;

	(void)state;
	zones_gss_default(&cfg);	/* 3600 s life, rekey after 2700 s */
	/* nothing yet: negotiate; under way: wait */
	assert_int_equal(gss_plan(&t, &cfg, t0), GSS_PLAN_NEGOTIATE);
	t.negotiating = true;
	assert_int_equal(gss_plan(&t, &cfg, t0), GSS_PLAN_WAIT);
	/* a failed one: wait until the retry is due */
	t.negotiating = false;
	t.retry_at = t0 + 4000;
	assert_int_equal(gss_plan(&t, &cfg, t0 + 3999), GSS_PLAN_WAIT);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 4000), GSS_PLAN_NEGOTIATE);
	/* established at t0 for 3600 s */
	t = (struct gss_timing){ .have = true, .established = t0, .expires = t0 + 3600000 };
	assert_int_equal(gss_plan(&t, &cfg, t0), GSS_PLAN_USE);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 2699999), GSS_PLAN_USE);
	/* rekey-interval reached: use it and start the next; while that runs, just use */
	assert_int_equal(gss_plan(&t, &cfg, t0 + 2700000), GSS_PLAN_USE_RENEW);
	t.negotiating = true;
	assert_int_equal(gss_plan(&t, &cfg, t0 + 2700000), GSS_PLAN_USE);
	/* the renewal failed: keep using the old one, retry when due */
	t.negotiating = false;
	t.retry_at = t0 + 2702000;
	assert_int_equal(gss_plan(&t, &cfg, t0 + 2701000), GSS_PLAN_USE);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 2702000), GSS_PLAN_USE_RENEW);
	/* 10 s before expiry it is not used any more (a message must arrive in time) */
	assert_int_equal(gss_plan(&t, &cfg, t0 + 3590000 - 1), GSS_PLAN_USE_RENEW);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 3590000), GSS_PLAN_NEGOTIATE);
	t.negotiating = true;
	assert_int_equal(gss_plan(&t, &cfg, t0 + 3590000), GSS_PLAN_WAIT);
	/* a short context (8 s): the margin is a tenth of its life */
	cfg.tkey_lifetime = 8;
	cfg.rekey_interval = 4;
	t = (struct gss_timing){ .have = true, .established = t0, .expires = t0 + 8000 };
	assert_int_equal(gss_plan(&t, &cfg, t0 + 3999), GSS_PLAN_USE);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 4000), GSS_PLAN_USE_RENEW);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 7199), GSS_PLAN_USE_RENEW);
	assert_int_equal(gss_plan(&t, &cfg, t0 + 7200), GSS_PLAN_NEGOTIATE);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(gss_backoff_ms(1, 120), 1000);
	assert_int_equal(gss_backoff_ms(2, 120), 2000);
	assert_int_equal(gss_backoff_ms(3, 120), 4000);
	assert_int_equal(gss_backoff_ms(7, 120), 64000);
	assert_int_equal(gss_backoff_ms(8, 120), 120000);
	assert_int_equal(gss_backoff_ms(1000, 120), 120000);
	assert_int_equal(gss_backoff_ms(5, 3), 3000);
	assert_int_equal(gss_backoff_ms(0, 0), 1000);
}

static void test_zones_set_gss(void **state)
{
	struct zones *z;
	struct zones_domain *a, *b, *r;
	struct zones_gss g1, g2, g3;
	struct tsig_key k;
	const char *only_b[] = { "B.example" };

	(void)state;
	zones_gss_default(&g1);
	strcpy(g1.server_principal, "DNS/ns1.example@EXAMPLE");
	g2 = g1;
	strcpy(g2.server_principal, "DNS/ns2.example@EXAMPLE");
	g3 = g1;
	strcpy(g3.server_principal, "DNS/ns3.example@EXAMPLE");
	assert_int_equal(zones_new(&z), 0);
	assert_int_equal(tsig_key_init(&k, "gss", "gss-tsig", NULL, 0), 0);
	assert_int_equal(zones_add_key(z, &k), 0);
	assert_int_equal(zones_add_domain(z, false, "a.example.", NULL, &a), 0);
	assert_int_equal(zones_add_domain(z, false, "b.example.", NULL, &b), 0);
	assert_int_equal(zones_add_domain(z, true, "2.0.192.in-addr.arpa.", "gss", &r), 0);
	assert_int_equal(zones_add_server(z, a, "127.0.0.1", 5300, NULL), 0);
	assert_int_equal(zones_add_server(z, a, "127.0.0.2", 5300, NULL), 0);
	assert_int_equal(zones_add_server(z, b, "127.0.0.1", 5300, NULL), 0);
	assert_int_equal(zones_add_server(z, r, "127.0.0.9", 53, NULL), 0);
	/* by address, limited to b.example */
	assert_int_equal(zones_set_gss(z, "127.0.0.1", 5300, only_b, 1, &g1), 1);
	assert_null(a->servers[0].gss);
	assert_string_equal(b->servers[0].gss->server_principal, "DNS/ns1.example@EXAMPLE");
	/* by address, every domain; b's keeps its own */
	assert_int_equal(zones_set_gss(z, "127.0.0.1", 5300, NULL, 0, &g2), 1);
	assert_string_equal(a->servers[0].gss->server_principal, "DNS/ns2.example@EXAMPLE");
	assert_string_equal(b->servers[0].gss->server_principal, "DNS/ns1.example@EXAMPLE");
	/* another port matches nothing; a bad address */
	assert_int_equal(zones_set_gss(z, "127.0.0.2", 53, NULL, 0, &g2), 0);
	assert_int_equal(zones_set_gss(z, "not-an-ip", 53, NULL, 0, &g2), -EINVAL);
	/* the servers whose key is gss-tsig */
	assert_int_equal(zones_set_gss(z, NULL, 0, NULL, 0, &g3), 1);
	assert_string_equal(r->servers[0].gss->server_principal, "DNS/ns3.example@EXAMPLE");
	assert_null(a->servers[1].gss);
	zones_free(z);
}

/*
 * The Kerberos step runs on the worker: gss_peer_ready() returns at once
 * with the step pending; its failure (a keytab that does not exist, in a
 * realm with no KDC: nothing leaves the machine) comes back through
 * gss_fd() and is applied by gss_poll(): counted, backoff started.
 */
static void test_step_on_worker(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct zones_gss cfg;
	struct gss_stats st;
	struct dnsio *io;
	struct dnsio_peer *p;
	struct gss_peer *gp;
	struct gss *g;
	struct pollfd pf;
	char path[UNIT_PATH];

	(void)state;
	/* a krb5.conf of our own: a realm whose KDC is never asked */
	unit_temp_file(path, "krb5", "[libdefaults]\n default_realm = UNIT.TEST\n"
		       "[realms]\n UNIT.TEST = {\n kdc = 127.0.0.1:1\n }\n", 0644);
	setenv("KRB5_CONFIG", path, 1);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	zones_gss_default(&cfg);
	snprintf(cfg.server_principal, sizeof(cfg.server_principal), "DNS/ns.unit.test@UNIT.TEST");
	snprintf(cfg.client_principal, sizeof(cfg.client_principal), "DHCP/d.unit.test@UNIT.TEST");
	snprintf(cfg.client_keytab, sizeof(cfg.client_keytab), "FILE:/nonexistent/unit.keytab");
	assert_int_equal(dnsio_new(&io), 0);
	p = dnsio_peer_get(io, (const struct sockaddr *)&sin, sizeof(sin), "127.0.0.1#9");
	assert_non_null(p);
	assert_int_equal(gss_new(&g, io), 0);
	gp = gss_peer_get(g, p, &cfg);
	assert_non_null(gp);
	assert_false(gss_busy(g));
	/* the step is handed over; nothing usable yet, nothing to wait for but the step */
	assert_false(gss_peer_ready(gp, dnsio_now_ms()));
	assert_true(gss_busy(g));
	assert_int_equal(gss_peer_wait_ms(gp, dnsio_now_ms()), -1);
	gss_get_stats(g, &st);
	assert_int_equal(st.negotiations, 1);
	assert_int_equal(st.failures, 0);
	/* asked again meanwhile: no second step */
	assert_false(gss_peer_ready(gp, dnsio_now_ms()));
	gss_get_stats(g, &st);
	assert_int_equal(st.negotiations, 1);
	/* its result wakes the fd; gss_poll() applies it */
	pf = (struct pollfd){ gss_fd(g), POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 10000), 1);
	gss_poll(g);
	assert_false(gss_busy(g));
	gss_get_stats(g, &st);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.cred_failures, 1);
	assert_int_equal(st.kerberos_steps, 1);
	assert_int_equal(st.kerberos_pending, 0);
	assert_int_equal(st.contexts, 0);
	/* the backoff runs: the next try in 1 s */
	assert_in_range(gss_peer_wait_ms(gp, dnsio_now_ms()), 1, 1000);
	assert_false(gss_peer_ready(gp, dnsio_now_ms()));
	assert_false(gss_busy(g));
	/* freed with a step out: returns at once, the worker drops it */
	assert_false(gss_peer_ready(gp, dnsio_now_ms() + 1000));
	assert_true(gss_busy(g));
	gss_free(g);
	dnsio_free(io);
	/* KRB5_CONFIG stays set: the dropped step may still read it (no setenv() under a reader) */
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_zones_set_gss),
		cmocka_unit_test(test_step_on_worker),
	};

	return cmocka_run_group_tests_name("gss", tests, NULL, NULL);
}
