// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/ctl/test_gss_conf.c - user/ctl/gss_conf.c: a Kea D2 file whose
 * gss_tsig hook parameters carry over as they are (global settings, servers
 * overriding them, domain-names), the same map inline as "gss-tsig" with a
 * gss-tsig key, Kea's defaults; and each refusal (fallback, missing
 * server-principal, rekey-interval not below tkey-lifetime, retry-interval
 * not below rekey-interval, a server that is no dns-servers entry, a
 * gss-tsig key without settings, a gss-tsig key with a secret), whose
 * message names the key path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/ctl/ddns_conf.h"
#include "user/common/errcode.h"
#include "tests/lib/unit.h"

static char path[UNIT_PATH];

#define DOMAINS \
	"\"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\", \"dns-servers\": [\n" \
	"    { \"ip-address\": \"127.0.0.1\", \"port\": 5353 }, { \"ip-address\": \"127.0.0.2\" } ] } ] },\n" \
	"\"reverse-ddns\": { \"ddns-domains\": [ { \"name\": \"2.0.192.in-addr.arpa.\", \"dns-servers\": [\n" \
	"    { \"ip-address\": \"127.0.0.1\", \"port\": 5353 } ] } ] }\n"

static void test_d2_hook(void **state)
{
	struct ddns_conf c;
	const struct zones_domain *f, *r;
	const struct zones_gss *g;

	(void)state;
	unit_temp_file(path, "d2gss",
		"{ \"DhcpDdns\": { " DOMAINS ",\n"
		"  \"hooks-libraries\": [ { \"library\": \"/usr/lib/kea/hooks/libdhcp_lease_cmds.so\" },\n"
		"    { \"library\": \"/usr/lib/kea/hooks/libddns_gss_tsig.so\", \"parameters\": {\n"
		"      \"server-principal\": \"DNS/ns.example@EXAMPLE\",\n"
		"      \"client-principal\": \"DHCP/dhcp1.example@EXAMPLE\",\n"
		"      \"client-keytab\": \"FILE:/etc/dhcp.keytab\",\n"
		"      \"gss-replay-flag\": true, \"gss-sequence-flag\": false,\n"
		"      \"tkey-lifetime\": 600, \"rekey-interval\": 500, \"retry-interval\": 60,\n"
		"      \"tkey-protocol\": \"UDP\", \"fallback\": false, \"exchange-timeout\": 2500,\n"
		"      \"servers\": [\n"
		"        { \"id\": \"ns1\", \"ip-address\": \"127.0.0.1\", \"port\": 5353,\n"
		"          \"domain-names\": [ \"dyn.example\" ], \"tkey-protocol\": \"tcp\",\n"
		"          \"server-principal\": \"DNS/ns1.example@EXAMPLE\", \"comment\": \"x\" },\n"
		"        { \"id\": \"ns1rev\", \"ip-address\": \"127.0.0.1\", \"port\": 5353,\n"
		"          \"rekey-interval\": 300 },\n"
		"        { \"id\": \"ns2\", \"ip-address\": \"127.0.0.2\" } ] } } ]\n"
		"} }\n", 0644);
	assert_int_equal(ddns_conf_load(path, &c), 0);
	f = zones_domain_at(c.zones, false, 0);
	r = zones_domain_at(c.zones, true, 0);
	g = f->servers[0].gss;
	assert_non_null(g);
	assert_string_equal(g->server_principal, "DNS/ns1.example@EXAMPLE");
	assert_string_equal(g->client_principal, "DHCP/dhcp1.example@EXAMPLE");
	assert_string_equal(g->client_keytab, "FILE:/etc/dhcp.keytab");
	assert_int_equal(g->tkey_lifetime, 600);
	assert_int_equal(g->rekey_interval, 500);
	assert_int_equal(g->retry_interval, 60);
	assert_int_equal(g->exchange_timeout_ms, 2500);
	assert_true(g->tcp);
	/* the reverse domain's server at the same address took the second entry */
	g = r->servers[0].gss;
	assert_non_null(g);
	assert_string_equal(g->server_principal, "DNS/ns.example@EXAMPLE");
	assert_int_equal(g->rekey_interval, 300);
	assert_false(g->tcp);
	g = f->servers[1].gss;
	assert_non_null(g);
	assert_string_equal(g->server_principal, "DNS/ns.example@EXAMPLE");
	assert_null(f->servers[0].key);
	ddns_conf_fini(&c);
	unlink(path);
}

static int inline_read(const char *text, struct ddns_conf *c)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	int err;

	assert_non_null(j);
	err = ddns_conf_parse_json(j, "inline.conf", DDNS_CONF_ALLOW_FOREIGN, c);
	json_decref(j);
	return err;
}

static void test_inline_key(void **state)
{
	struct ddns_conf c;
	const struct zones_domain *f, *r;

	(void)state;
	/* a gss-tsig key on the forward domain: its servers take the global settings (Kea's defaults) */
	assert_int_equal(inline_read(
		"{ \"tsig-keys\": [ { \"name\": \"ad\", \"algorithm\": \"gss-tsig\" } ],\n"
		"  \"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\", \"key-name\": \"ad\",\n"
		"      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] },\n"
		"  \"reverse-ddns\": { \"ddns-domains\": [ { \"name\": \"2.0.192.in-addr.arpa.\",\n"
		"      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] },\n"
		"  \"gss-tsig\": { \"server-principal\": \"DNS/dc1.ad.example@AD.EXAMPLE\",\n"
		"                \"credentials-cache\": \"FILE:/var/lib/leasesnoop/cc\" } }", &c), 0);
	f = zones_domain_at(c.zones, false, 0);
	r = zones_domain_at(c.zones, true, 0);
	assert_non_null(f->servers[0].gss);
	assert_string_equal(f->servers[0].gss->credentials_cache, "FILE:/var/lib/leasesnoop/cc");
	assert_int_equal(f->servers[0].gss->tkey_lifetime, 3600);
	assert_int_equal(f->servers[0].gss->rekey_interval, 2700);
	assert_int_equal(f->servers[0].gss->retry_interval, 120);
	assert_int_equal(f->servers[0].gss->exchange_timeout_ms, 3000);
	assert_true(f->servers[0].gss->tcp);
	assert_int_equal(f->servers[0].key->alg, TSIG_GSS_TSIG);
	/* the reverse domain has no key and is in no servers list: plain */
	assert_null(r->servers[0].gss);
	ddns_conf_fini(&c);
}

static char logged[1024];

/* @gss refused, and the message holds @want */
static void reject(const char *keys, const char *gss, const char *want)
{
	char text[4096];
	struct ddns_conf c;
	FILE *old = stderr, *mem = fmemopen(logged, sizeof(logged) - 1, "w");
	int err;

	assert_non_null(mem);
	memset(logged, 0, sizeof(logged));
	snprintf(text, sizeof(text), "{ %s " DOMAINS "%s%s }", keys, gss ? ", \"gss-tsig\": " : "",
		 gss ? gss : "");
	stderr = mem;
	err = inline_read(text, &c);
	stderr = old;
	fclose(mem);
	if (err != LS_ECONFIG || !strstr(logged, want))
		fail_msg("expected a refusal naming '%s', got %d: %s", want, err, logged);
}

static void test_reject(void **state)
{
	(void)state;
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"fallback\": true }", "'gss-tsig.fallback'");
	reject("", "{ \"servers\": [ { \"id\": \"x\", \"ip-address\": \"127.0.0.1\", \"port\": 5353 } ] }",
	       "missing key 'gss-tsig.servers[0].server-principal'");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"tkey-lifetime\": 100, \"rekey-interval\": 100 }",
	       "'gss-tsig.rekey-interval'");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"rekey-interval\": 100, \"retry-interval\": 100 }",
	       "'gss-tsig.retry-interval'");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"servers\": [ { \"id\": \"nsX\", \"ip-address\": \"127.0.0.3\" } ] }",
	       "server 'nsX' (127.0.0.3 port 53) is no dns-servers entry");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"servers\": [ { \"id\": \"x\", \"ip-address\": \"127.0.0.1\", \"port\": 5353, \"domain-names\": [ \"other.example\" ] } ] }",
	       "in the domains of domain-names");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"tkey-protocol\": \"SCTP\" }", "'gss-tsig.tkey-protocol'");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"client-keytab\": 7 }", "'gss-tsig.client-keytab'");
	reject("", "{ \"server-principal\": \"DNS/a@B\", \"unknown\": 1 }", "unknown key 'gss-tsig.unknown'");
	/* a gss-tsig key: no secret, and settings needed */
	reject("\"tsig-keys\": [ { \"name\": \"ad\", \"algorithm\": \"gss-tsig\", \"secret\": \"c2VjcmV0\" } ],",
	       NULL, "a gss-tsig key has no secret");
	{
		char keys[] = "\"tsig-keys\": [ { \"name\": \"ad\", \"algorithm\": \"gss-tsig\" } ],"
			      "\"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"x.example.\", \"key-name\": \"ad\","
			      " \"dns-servers\": [ { \"ip-address\": \"127.0.0.7\" } ] } ] }, \"comment\": \"\",";
		char text[2048];
		struct ddns_conf c;
		FILE *old = stderr, *mem = fmemopen(logged, sizeof(logged) - 1, "w");
		int err;

		snprintf(text, sizeof(text), "{ %s \"dns-server-timeout\": 100 }", keys);
		stderr = mem;
		err = inline_read(text, &c);
		stderr = old;
		fclose(mem);
		assert_int_equal(err, LS_ECONFIG);
		assert_non_null(strstr(logged, "uses gss-tsig key 'ad.' but no GSS-TSIG settings"));
	}
}

/* settings that reach no server are accepted, with a warning saying so */
static void test_no_server_warning(void **state)
{
	struct ddns_conf c;
	char text[2048];
	FILE *old = stderr, *mem = fmemopen(logged, sizeof(logged) - 1, "w");
	int err;

	(void)state;
	memset(logged, 0, sizeof(logged));
	snprintf(text, sizeof(text), "{ " DOMAINS ", \"gss-tsig\": { \"server-principal\": \"DNS/a@B\" } }");
	stderr = mem;
	err = inline_read(text, &c);
	stderr = old;
	fclose(mem);
	assert_int_equal(err, 0);
	assert_non_null(strstr(logged, "apply to no server"));
	assert_null(zones_domain_at(c.zones, false, 0)->servers[0].gss);
	ddns_conf_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_d2_hook),
		cmocka_unit_test(test_inline_key),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_no_server_warning),
	};

	return cmocka_run_group_tests_name("gss_conf", tests, NULL, NULL);
}
