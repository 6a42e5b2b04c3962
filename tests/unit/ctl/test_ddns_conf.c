// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_ddns_conf.c - user/ddns_conf.c: a Kea D2 file with every
 * comment style, D2-only keys ignored, per-server keys, secret-file; and
 * each kind of rejection (unknown key, wrong type, unknown key-name, domain
 * without servers, syntax error), whose message must name the key and file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/ctl/ddns_conf.h"
#include "user/common/errcode.h"
#include "user/common/log.h"
#include "tests/lib/unit.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQ="

static char path[UNIT_PATH];

static const char *write_file(const char *text, mode_t mode)
{
	return unit_temp_file(path, "d2", text, mode);
}

static void test_good(void **state)
{
	char keyfile[64], text[4096];
	struct ddns_conf c;
	const struct zones_domain *d;

	(void)state;
	write_file("key \"filekey\" { algorithm hmac-sha512; secret \"" SECRET "\"; };\n", 0600);
	strcpy(keyfile, path);
	snprintf(text, sizeof(text),
		 "# Kea D2 file\n"
		 "{ \"DhcpDdns\": {\n"
		 "  \"ip-address\": \"127.0.0.2\", \"port\": 53011, // D2's own listener\n"
		 "  \"dns-server-timeout\": 250, /* ms\n   multi-line */\n"
		 "  \"ncr-protocol\": \"UDP\", \"ncr-format\": \"JSON\",\n"
		 "  \"tsig-keys\": [ { \"name\": \"k1\", \"algorithm\": \"HMAC-SHA256\", \"digest-bits\": 128,\n"
		 "                   \"secret\": \"" SECRET "\" },\n"
		 "                 { \"name\": \"filekey\", \"algorithm\": \"HMAC-SHA512\", \"secret-file\": \"%s\" } ],\n"
		 "  \"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\", \"key-name\": \"k1\",\n"
		 "      \"comment\": \"a // not a comment # inside a string\",\n"
		 "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\", \"port\": 5353 },\n"
		 "                       { \"ip-address\": \"::1\", \"key-name\": \"filekey\" } ] } ] },\n"
		 "  \"reverse-ddns\": { \"ddns-domains\": [ { \"name\": \"2.0.192.in-addr.arpa.\",\n"
		 "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\" } ] } ] }\n"
		 "} }\n", keyfile);
	write_file(text, 0644);
	assert_int_equal(ddns_conf_load(path, &c), 0);
	assert_int_equal(c.server_timeout_ms, 250);
	assert_string_equal(c.ncr_ip, "127.0.0.2");	/* leasesnoop's NCR listener goes there */
	assert_int_equal(c.ncr_port, 53011);
	d = zones_match(c.zones, "a.dyn.example.", false);
	assert_non_null(d);
	assert_int_equal(d->nservers, 2);
	assert_string_equal(d->key->name, "k1.");
	assert_int_equal(d->key->digest_bits, 128);
	assert_string_equal(d->servers[0].key->name, "k1.");
	assert_string_equal(d->servers[1].key->name, "filekey.");
	assert_string_equal(d->servers[1].text, "::1#53");
	d = zones_match(c.zones, "1.2.0.192.in-addr.arpa.", true);
	assert_non_null(d);
	assert_null(d->key);
	ddns_conf_fini(&c);
	unlink(path);
	unlink(keyfile);
}

static void expect_reject(const char *text)
{
	struct ddns_conf c;

	write_file(text, 0644);
	assert_int_equal(ddns_conf_load(path, &c), LS_ECONFIG);
	assert_null(c.zones);
	unlink(path);
}

#define FWD(x) "{\"forward-ddns\":{\"ddns-domains\":[" x "]}}"

static void test_reject(void **state)
{
	(void)state;
	expect_reject("{\"DhcpDdns\":{\"frobnicate\":1}}");
	expect_reject("{\"DhcpDdns\":{\"ncr-protocol\":\"TCP\"}}");	/* D2 takes UDP only, and so do we */
	expect_reject("{\"DhcpDdns\":{\"ncr-format\":\"XML\"}}");
	expect_reject("{\"tsig-keys\":{}}");
	expect_reject("{\"tsig-keys\":[{\"name\":\"k\",\"algorithm\":\"HMAC-FOO\",\"secret\":\"" SECRET "\"}]}");
	expect_reject("{\"tsig-keys\":[{\"name\":\"k\",\"algorithm\":\"HMAC-MD5\"}]}");
	expect_reject("{\"tsig-keys\":[{\"name\":\"k\",\"algorithm\":\"HMAC-MD5\",\"secret\":\"" SECRET "\",\"digest-bits\":\"8\"}]}");
	expect_reject(FWD("{\"name\":\"a.\",\"dns-servers\":[]}"));
	expect_reject(FWD("{\"name\":\"a.\"}"));
	expect_reject(FWD("{\"name\":\"a.\",\"key-name\":\"nokey\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\"}]}"));
	expect_reject(FWD("{\"name\":\"a.\",\"dns-servers\":[{\"ip-address\":\"localhost\"}]}"));
	expect_reject(FWD("{\"name\":\"a.\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\",\"port\":70000}]}"));
	expect_reject(FWD("{\"name\":\"a.\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\",\"porto\":53}]}"));
	expect_reject(FWD("{\"name\":\"a..b\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\"}]}"));
	expect_reject("{\"forward-ddns\": [ }");
	expect_reject("[]");
}

/* The error message names the key path and the file. */
static char logged[512];

static void test_message(void **state)
{
	struct ddns_conf c;
	FILE *old = stderr;
	FILE *mem = fmemopen(logged, sizeof(logged) - 1, "w");

	(void)state;
	assert_non_null(mem);
	write_file(FWD("{\"name\":\"a.\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\",\"porto\":53}]}"), 0644);
	stderr = mem;
	assert_int_equal(ddns_conf_load(path, &c), LS_ECONFIG);
	stderr = old;
	fclose(mem);
	assert_non_null(strstr(logged, "forward-ddns.ddns-domains[0].dns-servers[0].porto"));
	assert_non_null(strstr(logged, path));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests_name("ddns_conf", tests, NULL, NULL);
}
