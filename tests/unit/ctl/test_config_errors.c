// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/ctl/test_config_errors.c - what an operator reads when a
 * configuration is wrong (issue 16): deliberately wrong files, each loaded
 * with config_load(), whose one error message is compared word for word
 * (from "config:" on; the log backend's prefix is not ours to pin): the
 * kind of error, the key path printed one way, the file, the line, and the
 * reason. They pin the reader's behaviour (user/ctl/confread.c).
 */
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
#include "user/ctl/config.h"

static char dir[] = "/tmp/ls-test-config-errors-XXXXXX";
static char conf[128], d2[128];

/* the start of every file: line 1 and 2 */
#define HEAD "{ \"Leasesnoop\": {\n  \"lease-files\": { \"v4\": \"/var/lib/kea/kea-leases4.csv\" },\n"
#define KEY "  \"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"HMAC-SHA256\",\n" \
	    "                  \"secret\": \"c2VjcmV0c2VjcmV0c2VjcmV0\" } ],\n"
#define TAIL "} }\n"

struct bad_conf {
	const char *what;
	const char *text;	/* the file; "%s" in it is the path of d2.conf */
	const char *msg;	/* "%s" is the path of the file that is wrong */
	bool in_d2;		/* the message names d2.conf */
};

static const struct bad_conf cases[] = {
	{ "a misspelt key",
	  HEAD "  \"interfaces\": [ \"eth0\" ],\n  \"update-on-renewal\": true\n" TAIL,
	  "config: unknown key 'update-on-renewal' in '%s' line 4", false },
	{ "a misspelt key in a map",
	  HEAD "  \"ttl\": {\n    \"percent\": 33,\n    \"maximum\": 3600 }\n" TAIL,
	  "config: unknown key 'ttl.maximum' in '%s' line 5", false },
	{ "a number as a string",
	  HEAD "  \"ttl\": { \"percent\": \"33\" }\n" TAIL,
	  "config: bad key 'ttl.percent' in '%s' line 3 (must be an integer from 1 to 100, not \"33\")", false },
	{ "a value out of range",
	  HEAD "  \"batching\": {\n    \"max-inflight-per-zone\": 100 }\n" TAIL,
	  "config: bad key 'batching.max-inflight-per-zone' in '%s' line 4 (must be an integer from 1 to 64, not 100)", false },
	{ "min above max",
	  HEAD "  \"ttl\": { \"min\": 600,\n           \"max\": 300 }\n" TAIL,
	  "config: bad key 'ttl.min' in '%s' line 3 (must not be above 'ttl.max')", false },
	{ "a boolean as a string",
	  HEAD "  // migrating from D2\n  \"adopt-existing\": \"yes\"\n" TAIL,
	  "config: bad key 'adopt-existing' in '%s' line 4 (must be true or false, not \"yes\")", false },
	{ "an unknown mode",
	  HEAD "  \"conflict-resolution-mode\": \"check-without-dhcid\"\n" TAIL,
	  "config: bad key 'conflict-resolution-mode' in '%s' line 3 (must be one of check-with-dhcid, no-check-with-dhcid, check-exists-with-dhcid, no-check-without-dhcid, not \"check-without-dhcid\")", false },
	{ "no lease files",
	  "{ \"Leasesnoop\": {\n  \"interfaces\": []\n} }\n",
	  "config: missing key 'lease-files' in '%s' line 1", false },
	{ "lease files naming none",
	  "{ \"Leasesnoop\": {\n  \"interfaces\": [],\n  \"lease-files\": { \"comment\": \"none yet\" }\n} }\n",
	  "config: bad key 'lease-files' in '%s' line 3 (must name a v4 or a v6 lease file)", false },
	{ "an empty interface name",
	  HEAD "  \"interfaces\": [ \"eth0\", \"\" ]\n" TAIL,
	  "config: bad key 'interfaces[1]' in '%s' line 3 (must be a non-empty string, not \"\")", false },
	{ "a domain without servers",
	  HEAD KEY "  \"forward-ddns\": { \"ddns-domains\": [\n"
	  "    { \"name\": \"dyn.example.com.\", \"key-name\": \"k\",\n"
	  "      \"dns-servers\": [] } ] }\n" TAIL,
	  "config: bad key 'forward-ddns.ddns-domains[0].dns-servers' in '%s' line 7 (must be a list of at least 1 entry, not an empty list)", false },
	{ "a domain naming an unknown key",
	  HEAD KEY "  \"reverse-ddns\": { \"ddns-domains\": [\n"
	  "    { \"name\": \"2.0.192.in-addr.arpa.\", \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] },\n"
	  "    { \"name\": \"3.0.192.in-addr.arpa.\",\n"
	  "      \"key-name\": \"ddns-key\",\n"
	  "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }\n" TAIL,
	  "config: bad key 'reverse-ddns.ddns-domains[1].key-name' in '%s' line 8 (names an unknown key \"ddns-key\")", false },
	{ "a server that is not an address",
	  HEAD KEY "  \"forward-ddns\": { \"ddns-domains\": [\n"
	  "    { \"name\": \"dyn.example.com.\", \"key-name\": \"k\",\n"
	  "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" },\n"
	  "                      { \"ip-address\": \"ns1.example.com\", \"port\": 53 } ] } ] }\n" TAIL,
	  "config: bad key 'forward-ddns.ddns-domains[0].dns-servers[1].ip-address' in '%s' line 8 (must be an IP address, not \"ns1.example.com\")", false },
	{ "a key with a secret and a secret file",
	  HEAD "  \"tsig-keys\": [\n    { \"name\": \"k\", \"algorithm\": \"HMAC-SHA256\",\n"
	  "      \"secret\": \"c2VjcmV0c2VjcmV0c2VjcmV0\",\n      \"secret-file\": \"/etc/ls/k.key\" } ]\n" TAIL,
	  "config: bad key 'tsig-keys[0]' in '%s' line 4 (must have exactly one of 'secret' and 'secret-file')", false },
	{ "an HA map without Kea's socket",
	  HEAD "  \"high-availability\": {\n    \"mode\": \"hot-standby\",\n    \"interval\": 0.5 }\n" TAIL,
	  "config: missing key 'high-availability.control-socket' in '%s' line 3", false },
	{ "metrics beyond loopback",
	  HEAD "  \"metrics\": { \"listen\": \"0.0.0.0:9547\" }\n" TAIL,
	  "config: bad key 'metrics.listen' in '%s' line 3 (\"0.0.0.0:9547\" is not loopback; set \"allow-remote\": true to serve metrics beyond this host)", false },
	{ "user-context that is not a map",
	  HEAD "  \"user-context\": \"rack 4\"\n" TAIL,
	  "config: bad key 'user-context' in '%s' line 3 (must be a map, not \"rack 4\")", false },
	{ "a wrong key in a ddns-config-file",
	  HEAD "  \"ddns-config-file\": \"%s\"\n" TAIL,
	  "config: unknown key 'forward-ddns.ddns-domains[0].dns-server' in '%s' line 5", true },
	{ "a syntax error",
	  HEAD "  \"interfaces\": [ \"eth0\" ]\n  \"state-dir\": \"/var/lib/leasesnoop\"\n" TAIL,
	  "config: syntax error in '%s' line 4 column 13 ('}' expected near '\"state-dir\"')", false },
	{ "a trailing comma",
	  HEAD TAIL,
	  "config: syntax error in '%s' line 3 column 1 (string or '}' expected near '}')", false },
	{ "a second top-level map",
	  "{ \"Leasesnoop\": {\n  \"lease-files\": { \"v4\": \"/x\" }\n},\n  \"Dhcp4\": {} }\n",
	  "config: unknown key 'Dhcp4' in '%s' line 4", false },
	{ "an unknown TSIG algorithm",
	  HEAD "  \"tsig-keys\": [\n    { \"name\": \"k\", \"algorithm\": \"HMAC-SHA3\",\n"
	  "      \"secret\": \"c2VjcmV0c2VjcmV0c2VjcmV0\" } ]\n" TAIL,
	  "config: bad key 'tsig-keys[0].algorithm' in '%s' line 4 (must be one of HMAC-MD5, HMAC-SHA1, HMAC-SHA224, HMAC-SHA256, HMAC-SHA384, HMAC-SHA512, not \"HMAC-SHA3\")", false },
	{ "digest-bits the algorithm does not allow",
	  HEAD "  \"tsig-keys\": [\n    { \"name\": \"k\", \"algorithm\": \"HMAC-SHA256\",\n"
	  "      \"digest-bits\": 100,\n"
	  "      \"secret\": \"c2VjcmV0c2VjcmV0c2VjcmV0\" } ]\n" TAIL,
	  "config: bad key 'tsig-keys[0].digest-bits' in '%s' line 5 (must be 0 or a multiple of 8 from 80 and half the digest up to the digest, not 100)", false },
	{ "a port out of range",
	  HEAD KEY "  \"forward-ddns\": { \"ddns-domains\": [\n"
	  "    { \"name\": \"dyn.example.com.\", \"key-name\": \"k\",\n"
	  "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\", \"port\": 65536 } ] } ] }\n" TAIL,
	  "config: bad key 'forward-ddns.ddns-domains[0].dns-servers[0].port' in '%s' line 7 (must be an integer from 0 to 65535, not 65536)", false },
	{ "the same domain twice",
	  HEAD KEY "  \"forward-ddns\": { \"ddns-domains\": [\n"
	  "    { \"name\": \"dyn.example.com.\", \"key-name\": \"k\", \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] },\n"
	  "    { \"name\": \"DYN.example.com\", \"key-name\": \"k\", \"dns-servers\": [ { \"ip-address\": \"127.0.0.2\" } ] } ] }\n" TAIL,
	  "config: bad key 'forward-ddns.ddns-domains[1].name' in '%s' line 7 (duplicate domain \"DYN.example.com\")", false },
	{ "a secret that is not base64",
	  HEAD "  \"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"HMAC-SHA256\",\n"
	  "                  \"secret\": \"not base64!\" } ]\n" TAIL,
	  "config: bad key 'tsig-keys[0]' in '%s' line 3 (key 'k' rejected: name not a DNS name, or secret not base64)", false },
	{ "the wrong map",
	  "{ \"DhcpDdns\": {\n  \"tsig-keys\": []\n} }\n",
	  "config: unknown key 'DhcpDdns' in '%s' line 1", false },
};

static const char d2_text[] =
	"{ \"DhcpDdns\": {\n"
	"  \"ip-address\": \"127.0.0.1\", \"port\": 53001,\n"
	"  \"forward-ddns\": { \"ddns-domains\": [\n"
	"    { \"name\": \"dyn.example.com.\",\n"
	"      \"dns-server\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }\n"
	"} }\n";

static char logged[4096];

static const char *last_msg(void)
{
	char *p = NULL, *q = logged, *nl;

	while ((q = strstr(q, "config: "))) {
		p = q;
		q++;
	}
	if (!p)
		return "";
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_messages(void **state)
{
	char text[2048], want[1024];
	size_t i;
	int failed = 0;

	(void)state;
	write_file(d2, d2_text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_conf *b = &cases[i];
		struct config *c = (struct config *)1;
		FILE *old = stderr, *mem;
		int err;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof(text), b->text, d2);
		snprintf(want, sizeof(want), b->msg, b->in_d2 ? d2 : conf);
#pragma GCC diagnostic pop
		write_file(conf, text);
		memset(logged, 0, sizeof(logged));
		mem = fmemopen(logged, sizeof(logged) - 1, "w");
		assert_non_null(mem);
		stderr = mem;
		err = config_load(conf, &c);
		stderr = old;
		fclose(mem);
		if (err != LS_ECONFIG || c) {
			print_message("# %s: accepted (%d)\n", b->what, err);
			if (!err)
				config_free(c);
			failed++;
		} else if (strcmp(last_msg(), want)) {
			print_message("# %s\n#   expected: %s\n#        got: %s\n", b->what, want,
				      last_msg());
			failed++;
		}
	}
	assert_true(sizeof(cases) / sizeof(cases[0]) >= 15);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
	};
	int rc;

	log_set_level(LOG_LVL_ERR);
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/leasesnoop.conf", dir);
	snprintf(d2, sizeof(d2), "%s/d2.conf", dir);
	rc = cmocka_run_group_tests_name("config_errors", tests, NULL, NULL);
	unlink(conf);
	unlink(d2);
	rmdir(dir);
	return rc;
}
