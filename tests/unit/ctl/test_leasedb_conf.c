// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_leasedb_conf.c - where Kea's leases are: "lease-database"
 * in Kea's syntax (Kea's other keys accepted), "lease-database-feed"
 * defaults, "kea-config-file" (a Dhcp4/Dhcp6 file's lease-database, or its
 * memfile path with Kea's default), and the refusals, each naming the key:
 * two lease sources, a database without name,
 * files naming two databases or mixing memfile and a database.
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
#include "user/ctl/config.h"

static char dir[] = "/tmp/ls-test-leasedb-conf-XXXXXX";

/* @name in the test's folder, holding @text; the path stays valid (one slot per name) */
static const char *write_file(const char *name, const char *text)
{
	static char path[16][256];
	static int n;
	int i;
	FILE *f;

	for (i = 0; i < n && !strstr(path[i], name); i++)
		;
	assert_true(i < 16);
	if (i == n)
		n++;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	f = fopen(path[i], "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path[i];
}

#define ZONES \
	"\"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"HMAC-SHA256\", \"secret\": \"c2VjcmV0c2VjcmV0c2VjcmV0\" } ]," \
	"\"forward-ddns\": { \"ddns-domains\": [ { \"name\": \"dyn.example.\", \"key-name\": \"k\"," \
	"  \"dns-servers\": [ { \"ip-address\": \"127.0.0.1\", \"port\": 5353 } ] } ] }"

static int load(const char *members, struct config **c)
{
	char text[4096];

	snprintf(text, sizeof(text), "{ \"Leasesnoop\": { %s, " ZONES " } }", members);
	return config_load(write_file("ls.conf", text), c);
}

static void test_inline(void **state)
{
	struct config *c;

	(void)state;
	assert_int_equal(load("\"lease-database\": { \"type\": \"postgresql\", \"name\": \"kea\","
			      " \"host\": \"db1\", \"port\": 5433, \"user\": \"ls\", \"password\": \"pw\","
			      " \"lfc-interval\": 3600, \"max-reconnect-tries\": 10 },"
			      " \"lease-database-feed\": { \"poll-interval\": 0.05 }", &c), 0);
	assert_int_equal(c->db.type, LEASEDB_POSTGRESQL);
	assert_string_equal(c->db.name, "kea");
	assert_string_equal(c->db.host, "db1");
	assert_int_equal(c->db.port, 5433);
	assert_string_equal(c->db.user, "ls");
	assert_string_equal(c->db.password, "pw");
	assert_int_equal(c->db.connect_timeout_s, 5);	/* Kea's default */
	assert_int_equal(c->db.poll_ms, 50);
	assert_int_equal(c->db.debounce_ms, 500);
	assert_int_equal(c->db.retention_s, 3600);
	assert_true(c->db.v4 && c->db.v6);
	assert_null(c->lease_file4);
	config_free(c);

	assert_int_equal(load("\"lease-database\": { \"type\": \"mysql\", \"name\": \"kea\","
			      " \"host\": \"/run/mysqld/mysqld.sock\" }", &c), 0);
	assert_int_equal(c->db.type, LEASEDB_MYSQL);
	assert_true(c->db.v4 && c->db.v6);
	config_free(c);
}

static void test_refusals(void **state)
{
	struct config *c;

	(void)state;
	/* two sources */
	assert_int_equal(load("\"lease-files\": { \"v4\": \"/x\" }, \"lease-database\": "
			      "{ \"type\": \"postgresql\", \"name\": \"kea\" }", &c), LS_ECONFIG);
	assert_int_equal(load("\"lease-database\": { \"type\": \"mysql\" }", &c), LS_ECONFIG);
	assert_int_equal(load("\"lease-database\": { \"type\": \"postgresql\" }", &c), LS_ECONFIG);
	assert_int_equal(load("\"lease-database\": { \"type\": \"oracle\", \"name\": \"kea\" }", &c),
			 LS_ECONFIG);
	assert_int_equal(load("\"lease-database\": { \"type\": \"postgresql\", \"name\": \"kea\","
			      " \"colour\": 1 }", &c), LS_ECONFIG);
	/* memfile names its files in lease-files */
	assert_int_equal(load("\"lease-database\": { \"type\": \"memfile\", \"name\": \"/x\" }", &c),
			 LS_ECONFIG);
	/* no source at all */
	assert_int_equal(load("\"interfaces\": []", &c), LS_ECONFIG);
	assert_int_equal(load("\"kea-config-file\": 3", &c), LS_ECONFIG);
	assert_int_equal(load("\"kea-config-file\": [ \"a\", \"b\", \"c\" ]", &c), LS_ECONFIG);
}

static void test_kea_files(void **state)
{
	char members[1024];
	const char *k4, *k6, *m4, *other;
	struct config *c;

	(void)state;
	k4 = write_file("kea-dhcp4.conf",
			"// Kea's own file\n{ \"Dhcp4\": { \"interfaces-config\": { \"interfaces\": [] },\n"
			"  \"lease-database\": { \"type\": \"postgresql\", \"name\": \"kea\", \"host\": \"/run/pg\","
			" \"user\": \"kea\", \"password\": \"s\", \"lfc-interval\": 0 },\n"
			"  \"subnet4\": [] } }");
	k6 = write_file("kea-dhcp6.conf",
			"{ \"Dhcp6\": { \"lease-database\": { \"type\": \"postgresql\", \"name\": \"kea\","
			" \"host\": \"/run/pg\", \"user\": \"kea6\", \"password\": \"t\" } } }");
	snprintf(members, sizeof(members), "\"kea-config-file\": [ \"%s\", \"%s\" ]", k4, k6);
	assert_int_equal(load(members, &c), 0);
	assert_int_equal(c->db.type, LEASEDB_POSTGRESQL);
	assert_string_equal(c->db.host, "/run/pg");
	assert_string_equal(c->db.user, "kea");	/* the first file's credentials */
	assert_true(c->db.v4 && c->db.v6);
	config_free(c);

	/* one v4 file: lease4 only */
	snprintf(members, sizeof(members), "\"kea-config-file\": \"%s\"", k4);
	assert_int_equal(load(members, &c), 0);
	assert_true(c->db.v4);
	assert_false(c->db.v6);
	config_free(c);

	/* memfile: the path, Kea's default when unnamed */
	m4 = write_file("m4.conf", "{ \"Dhcp4\": { \"lease-database\": { \"type\": \"memfile\","
			" \"lfc-interval\": 3600 } } }");
	snprintf(members, sizeof(members), "\"kea-config-file\": \"%s\"", m4);
	assert_int_equal(load(members, &c), 0);
	assert_int_equal(c->db.type, LEASEDB_MEMFILE);
	assert_string_equal(c->lease_file4, "/var/lib/kea/kea-leases4.csv");
	config_free(c);

	/* mixed, two databases, and with lease-files too: refused */
	snprintf(members, sizeof(members), "\"kea-config-file\": [ \"%s\", \"%s\" ]", k6, m4);
	assert_int_equal(load(members, &c), LS_ECONFIG);
	other = write_file("o6.conf", "{ \"Dhcp6\": { \"lease-database\": { \"type\": \"postgresql\","
			   " \"name\": \"other\" } } }");
	snprintf(members, sizeof(members), "\"kea-config-file\": [ \"%s\", \"%s\" ]", k4, other);
	assert_int_equal(load(members, &c), LS_ECONFIG);
	snprintf(members, sizeof(members),
		 "\"kea-config-file\": \"%s\", \"lease-files\": { \"v4\": \"/x\" }", k4);
	assert_int_equal(load(members, &c), LS_ECONFIG);
	/* not a Kea server file */
	other = write_file("d2.conf", "{ \"DhcpDdns\": {} }");
	snprintf(members, sizeof(members), "\"kea-config-file\": \"%s\"", other);
	assert_int_equal(load(members, &c), LS_ECONFIG);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_kea_files),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
