// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_config.c - the leasesnoop configuration: defaults,
 * comments, inline D2 sections and ddns-config-file, and the rejections
 * (unknown key, wrong type, zone without servers, bad values), each naming
 * the key; the TTL rule.
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

#include "user/ctl/config.h"
#include "user/common/errcode.h"

static char dir[] = "/tmp/ls-test-config-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define ZONES \
	"\"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"HMAC-SHA256\", \"secret\": \"c2VjcmV0c2VjcmV0c2VjcmV0\" } ]," \
	"\"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\", \"key-name\": \"k\"," \
	"  \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\", \"port\": 5353 } ] } ] }"

static int load(const char *text, struct config **c)
{
	return config_load(write_file("ls.conf", text), c);
}

static void test_defaults_and_comments(void **state)
{
	struct config *c;

	(void)state;
	assert_int_equal(load("# a comment\n{ \"Leasesnoop\": { // inline\n"
			      "\"interfaces\": [], /* block */ \"lease-files\": { \"v4\": \"/x/l4.csv\" },"
			      ZONES " } }", &c), 0);
	assert_int_equal(c->n_ifaces, 0);
	assert_string_equal(c->lease_file4, "/x/l4.csv");
	assert_null(c->lease_file6);
	assert_string_equal(c->state_dir, "/var/lib/leasesnoop");
	assert_int_equal(c->mode, DNSENGINE_CHECK_WITH_DHCID);
	assert_int_equal(c->pending_timeout_ms, 2000);
	assert_int_equal(c->update_on_renew, 0);
	assert_false(c->adopt_existing);
	assert_int_equal(c->ring_size, 0);	/* sized from the interfaces and lease-rate */
	assert_int_equal(c->lease_rate, 1000);
	assert_int_equal(zones_count(c->zones, false), 1);
	assert_non_null(zones_match(c->zones, "a.dyn.example.", false));
	/* Kea's DDNS on (D2's place): NCRs where D2 listened, Kea's flags obeyed, TTL as D2's */
	assert_true(c->kea_ddns);
	assert_true(c->honor_fqdn_flags);
	assert_string_equal(c->ncr_ip, "127.0.0.1");
	assert_int_equal(c->ncr_port, 53001);
	/* D2: TTL = the NCR's lease-length, Kea's calculateDdnsTtl(): lifetime / 3, >= 600 */
	assert_int_equal(config_ttl(c, 3600), 1200);
	assert_int_equal(config_ttl(c, 60), 600);
	assert_int_equal(config_ttl(c, 10000000), 3333333);
	config_free(c);
	/* Kea's DDNS off: names from the lease file, flags ignored, RFC 4702's third, clamped */
	assert_int_equal(load("{ \"Leasesnoop\": { \"kea-ddns-updates\": false,"
			      "\"lease-files\": { \"v4\": \"/x/l4.csv\" }," ZONES " } }", &c), 0);
	assert_false(c->kea_ddns);
	assert_false(c->honor_fqdn_flags);
	assert_int_equal(config_ttl(c, 3600), 1188);
	assert_int_equal(config_ttl(c, 60), 300);
	assert_int_equal(config_ttl(c, 10000000), 86400);
	config_free(c);
	/* each can be set on its own; the listener moves */
	assert_int_equal(load("{ \"Leasesnoop\": { \"honor-fqdn-flags\": false, \"ttl\": {},"
			      "\"ncr-listener\": { \"ip-address\": \"::1\", \"port\": 5301 },"
			      "\"lease-files\": { \"v4\": \"/x/l4.csv\" }," ZONES " } }", &c), 0);
	assert_true(c->kea_ddns);
	assert_false(c->honor_fqdn_flags);
	assert_string_equal(c->ncr_ip, "::1");
	assert_int_equal(c->ncr_port, 5301);
	assert_int_equal(config_ttl(c, 3600), 1188);
	config_free(c);
	assert_int_equal(load("{ \"Leasesnoop\": { \"ncr-listener\": { \"ip-address\": \"lo\" },"
			      "\"lease-files\": { \"v4\": \"/x/l4.csv\" }," ZONES " } }", &c),
			 LS_ECONFIG);
}

static void test_all_keys(void **state)
{
	struct config *c;

	(void)state;
	assert_int_equal(load("{ \"Leasesnoop\": { \"interfaces\": [ \"eth0\", \"eth1\" ],"
			      "\"lease-files\": { \"v4\": \"a\", \"v6\": \"b\" }, \"state-dir\": \"/s\","
			      "\"control-socket\": \"/c.sock\", \"conflict-resolution-mode\": \"no-check-with-dhcid\","
			      "\"ttl\": { \"fixed\": 120 }, \"update-on-renew\": true, \"adopt-existing\": true, \"pending-timeout\": 0.5,"
			      "\"full-reconcile-interval\": 60, \"expire-grace\": 5, \"generate-names\": true,"
			      "\"ddns-generated-prefix\": \"host\", \"ddns-qualifying-suffix\": \"dyn.example.\","
			      "\"batching\": { \"max-changes-per-message\": 50, \"max-queued-changes\": 1000 },"
			      "\"log-level\": \"debug\", \"max-pending-events\": 100,"
			      "\"ring-size\": 65536, \"lease-rate\": 5000," ZONES " } }", &c), 0);
	assert_int_equal(c->ring_size, 65536);
	assert_int_equal(c->lease_rate, 5000);
	assert_int_equal(c->n_ifaces, 2);
	assert_string_equal(c->ifaces[1], "eth1");
	assert_int_equal(c->mode, DNSENGINE_NO_CHECK_WITH_DHCID);
	assert_int_equal(config_ttl(c, 3600), 120);
	assert_int_equal(c->pending_timeout_ms, 500);
	assert_int_equal(c->engine.max_changes_per_msg, 50);
	assert_int_equal(c->max_inflight, 1000);
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_string_equal(c->generated_prefix, "host");
	assert_true(c->adopt_existing);
	config_free(c);
	/* a wrong type names the key */
	assert_int_not_equal(load("{ \"Leasesnoop\": { \"adopt-existing\": \"yes\"," ZONES " } }", &c), 0);
}

/* "prefix-delegation": leasesnoop's, on inline reverse domains only */
static void test_prefix_delegation(void **state)
{
	char text[1024];
	struct config *c;
	const char *d2;

	(void)state;
#define PDREV(v) "\"reverse-ddns\": { \"ddns-domains\": [ { \"name\": \"8.b.d.0.1.0.0.2.ip6.arpa.\"," \
	"\"prefix-delegation\": " v ", \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] }," \
	"{ \"name\": \"9.b.d.0.1.0.0.2.ip6.arpa.\", \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }"
	assert_int_equal(load("{ \"Leasesnoop\": { \"lease-files\": { \"v6\": \"x\" }," ZONES "," PDREV("true") " } }", &c), 0);
	assert_true(zones_match(c->zones, "0.0.1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", true)->prefix_delegation);
	assert_false(zones_match(c->zones, "9.b.d.0.1.0.0.2.ip6.arpa.", true)->prefix_delegation);
	assert_false(zones_match(c->zones, "a.dyn.example.", false)->prefix_delegation);
	config_free(c);
	/* not a boolean */
	assert_int_not_equal(load("{ \"Leasesnoop\": { \"lease-files\": { \"v6\": \"x\" }," ZONES "," PDREV("1") " } }", &c), 0);
	/* forward domains: refused (the name belongs to the address lease) */
	assert_int_not_equal(load("{ \"Leasesnoop\": { \"lease-files\": { \"v6\": \"x\" }, \"tsig-keys\": [],"
				  "\"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\","
				  "\"prefix-delegation\": true, \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] } } }",
				  &c), 0);
	/* in a ddns-config-file that kea-dhcp-ddns reads too: refused */
	d2 = write_file("d2pd.conf", "{ \"DhcpDdns\": {" ZONES "," PDREV("true") " } }");
	snprintf(text, sizeof(text), "{ \"Leasesnoop\": { \"lease-files\": { \"v6\": \"x\" }, \"ddns-config-file\": \"%s\" } }", d2);
	assert_int_not_equal(load(text, &c), 0);
#undef PDREV
}

static void test_d2_file(void **state)
{
	char text[512];
	struct config *c;
	const char *d2;

	(void)state;
	d2 = write_file("d2.conf", "{ \"DhcpDdns\": { \"ip-address\": \"127.0.0.1\", \"port\": 53001, "
			ZONES " } }");
	snprintf(text, sizeof(text), "{ \"Leasesnoop\": { \"lease-files\": { \"v6\": \"x\" },"
		 "\"ddns-config-file\": \"%s\" } }", d2);
	assert_int_equal(load(text, &c), 0);
	assert_int_equal(zones_count(c->zones, false), 1);
	config_free(c);
	/* both a file and inline sections: ambiguous */
	snprintf(text, sizeof(text), "{ \"Leasesnoop\": { \"lease-files\": { \"v6\": \"x\" },"
		 "\"ddns-config-file\": \"%s\", \"tsig-keys\": [] } }", d2);
	assert_int_equal(load(text, &c), LS_ECONFIG);
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"no-such-key\": 1 } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\", \"v5\": \"b\" } } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": 4 } } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"update-on-renew\": \"yes\" } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"interfaces\": \"eth0\" } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"ttl\": { \"percent\": 0 } } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"ttl\": { \"min\": 9, \"max\": 8 } } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"conflict-resolution-mode\": \"x\" } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"pending-timeout\": -1 } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"log-level\": \"loud\" } }",
		/* the kernel's rule for a ring: a power of two, at least a page */
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"ring-size\": 100000 } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"ring-size\": 2048 } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"lease-rate\": 0 } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"ddns-generated-prefix\": \"a.b\" } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"forward-ddns\": { \"ddns-domains\": "
		"[ { \"name\": \"dyn.example.\" } ] } } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, \"forward-ddns\": { \"ddns-domains\": "
		"[ { \"name\": \"dyn.example.\", \"dns-servers\": [] } ] } } }",
		"{ \"Leasesnoop\": { \"interfaces\": [] } }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" } }, \"Dhcp4\": {} }",
		"{ \"Leasesnoop\": { \"lease-files\": { \"v4\": \"a\" }, } }",
		NULL,
	};
	struct config *c;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		c = (struct config *)1;
		if (load(bad[i], &c) != LS_ECONFIG)
			fail_msg("accepted: %s", bad[i]);
		assert_null(c);
	}
	assert_int_equal(config_load("/nonexistent/ls.conf", &c), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_comments),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_prefix_delegation),
		cmocka_unit_test(test_d2_file),
		cmocka_unit_test(test_rejects),
	};
	int rc;

	log_set_level(LOG_LVL_ERR);
	assert_non_null(mkdtemp(dir));
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(write_file("ls.conf", ""));
	unlink(write_file("d2.conf", ""));
	unlink(write_file("d2pd.conf", ""));
	rmdir(dir);
	return rc;
}
