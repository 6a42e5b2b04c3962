// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_zones.c - user/zones.c: longest-suffix, label-aligned zone
 * match (forward and reverse), root domain as catch-all, per-server key
 * override, reverse names for IPv4 and IPv6 (nibbles).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "user/dns/zones.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQ="

static void test_match(void **state)
{
	struct zones *z;
	struct zones_domain *d1, *d2, *d3;
	struct tsig_key k1, k2;

	(void)state;
	assert_int_equal(zones_new(&z), 0);
	assert_int_equal(tsig_key_init(&k1, "k1", "HMAC-SHA256", SECRET, 0), 0);
	assert_int_equal(tsig_key_init(&k2, "k2", "HMAC-SHA1", SECRET, 0), 0);
	assert_int_equal(zones_add_key(z, &k1), 0);
	assert_int_equal(zones_add_key(z, &k2), 0);
	assert_int_equal(zones_add_key(z, &k1), -EEXIST);
	assert_int_equal(zones_add_domain(z, false, "Example.COM", "k1", &d1), 0);
	assert_string_equal(d1->name, "example.com.");
	assert_int_equal(zones_add_domain(z, false, "dyn.example.com.", "k1", &d2), 0);
	assert_int_equal(zones_add_domain(z, false, "example.com.", NULL, NULL), -EEXIST);
	assert_int_equal(zones_add_domain(z, false, "x.org.", "nokey", NULL), -ENOENT);
	assert_int_equal(zones_add_domain(z, true, "2.0.192.in-addr.arpa.", "k2", &d3), 0);
	assert_int_equal(zones_add_server(z, d2, "127.0.0.1", 5353, NULL), 0);
	assert_int_equal(zones_add_server(z, d2, "::1", 5354, "k2"), 0);
	assert_int_equal(zones_add_server(z, d2, "not-an-ip", 53, NULL), -EINVAL);
	assert_int_equal(zones_add_server(z, d2, "127.0.0.2", 53, "nokey"), -ENOENT);
	assert_int_equal(d2->nservers, 2);
	assert_ptr_equal(d2->servers[0].key, zones_find_key(z, "k1"));
	assert_ptr_equal(d2->servers[1].key, zones_find_key(z, "K2."));
	assert_string_equal(d2->servers[1].text, "::1#5354");

	assert_ptr_equal(zones_match(z, "h1.dyn.example.com", false), d2);
	assert_ptr_equal(zones_match(z, "H1.DYN.example.com.", false), d2);
	assert_ptr_equal(zones_match(z, "dyn.example.com.", false), d2);
	assert_ptr_equal(zones_match(z, "h1.xdyn.example.com.", false), d1);	/* label aligned */
	assert_ptr_equal(zones_match(z, "example.com", false), d1);
	assert_null(zones_match(z, "example.org.", false));
	assert_null(zones_match(z, "com.", false));
	assert_null(zones_match(z, "10.2.0.192.in-addr.arpa.", false));
	assert_ptr_equal(zones_match(z, "10.2.0.192.in-addr.arpa.", true), d3);
	assert_null(zones_match(z, "10.3.0.192.in-addr.arpa.", true));
	/* the root domain catches what nothing else does */
	assert_int_equal(zones_add_domain(z, false, ".", NULL, &d3), 0);
	assert_ptr_equal(zones_match(z, "example.org.", false), d3);
	assert_ptr_equal(zones_match(z, "a.dyn.example.com.", false), d2);
	assert_int_equal(zones_count(z, false), 3);
	assert_int_equal(zones_count(z, true), 1);
	zones_free(z);
	zones_free(NULL);
}

static void test_reverse(void **state)
{
	uint8_t a4[4], a6[16];
	char buf[128];

	(void)state;
	inet_pton(AF_INET, "192.0.2.10", a4);
	assert_int_equal(zones_reverse_name(4, a4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.2.0.192.in-addr.arpa.");
	inet_pton(AF_INET6, "2001:db8::5f", a6);
	assert_int_equal(zones_reverse_name(6, a6, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "f.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_int_equal(zones_reverse_name(6, a6, buf, 20), -ENOSPC);
	assert_int_equal(zones_reverse_name(99, a6, buf, sizeof(buf)), -EINVAL);

	/* delegated prefixes: the length rounded down to a nibble */
	inet_pton(AF_INET6, "2001:db8:1:1ab::", a6);
	assert_int_equal(zones_reverse_prefix(a6, 56, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_int_equal(zones_reverse_prefix(a6, 59, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_int_equal(zones_reverse_prefix(a6, 60, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a.1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_int_equal(zones_reverse_prefix(a6, 64, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b.a.1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_int_equal(zones_reverse_prefix(a6, 3, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(zones_reverse_prefix(a6, 129, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(zones_reverse_prefix(a6, 64, buf, 20), -ENOSPC);
	inet_pton(AF_INET6, "2001:db8::5f", a6);
	assert_int_equal(zones_reverse_prefix(a6, 128, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "f.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}

static void test_canon(void **state)
{
	char b[ZONES_NAME_MAX];
	char long_label[80];

	(void)state;
	assert_int_equal(zones_name_canon("A.b", b, sizeof(b)), 0);
	assert_string_equal(b, "a.b.");
	assert_int_equal(zones_name_canon("a..b", b, sizeof(b)), -EINVAL);
	assert_int_equal(zones_name_canon("", b, sizeof(b)), -EINVAL);
	memset(long_label, 'x', 64);
	long_label[64] = 0;
	assert_int_equal(zones_name_canon(long_label, b, sizeof(b)), -EINVAL);
}

/* a name of @labels labels of @len 'x's each, dot-separated, no trailing dot */
static void make_name(char *buf, int labels, int len)
{
	char *p = buf;

	for (int i = 0; i < labels; i++) {
		if (i)
			*p++ = '.';
		memset(p, 'x', (size_t)len);
		p += len;
	}
	*p = 0;
}

static void test_name_check(void **state)
{
	char n[400];
	const char *why = "unset";

	(void)state;
	assert_int_equal(zones_name_check("host.dyn.example.", &why), 0);
	assert_null(why);
	assert_int_equal(zones_name_check("host.dyn.example", NULL), 0);
	/* a hyphen at a label's end is legal DNS (RFC 2181 §11); servers may refuse it */
	assert_int_equal(zones_name_check("bad-.dyn.example.", NULL), 0);
	assert_int_equal(zones_name_check(".", &why), -EINVAL);
	assert_string_equal(why, "the root");
	assert_int_equal(zones_name_check("", &why), -EINVAL);
	assert_string_equal(why, "empty name");
	assert_int_equal(zones_name_check(NULL, &why), -EINVAL);
	assert_int_equal(zones_name_check("a..example.", &why), -EINVAL);
	assert_string_equal(why, "empty label");
	assert_int_equal(zones_name_check(".example.", &why), -EINVAL);
	assert_string_equal(why, "empty label");
	assert_int_equal(zones_name_check("..", &why), -EINVAL);
	assert_string_equal(why, "empty label");
	/* labels: 63 octets fit, 64 do not */
	make_name(n, 1, 63);
	strcat(n, ".example.");
	assert_int_equal(zones_name_check(n, NULL), 0);
	make_name(n, 1, 64);
	strcat(n, ".example.");
	assert_int_equal(zones_name_check(n, &why), -EINVAL);
	assert_string_equal(why, "label over 63 octets");
	/* whole name: 3 x 63-octet labels and a 61, 253 text octets = 255 on the wire */
	make_name(n, 3, 63);
	strcat(n, ".");
	memset(n + strlen(n), 'y', 61);
	n[3 * 64 + 61] = 0;
	assert_int_equal(strlen(n), 253);
	assert_int_equal(zones_name_check(n, NULL), 0);
	strcat(n, ".");
	assert_int_equal(zones_name_check(n, NULL), 0);	/* trailing dot: same name */
	n[253] = 'y';
	n[254] = 0;				/* 254 text octets: 256 on the wire */
	assert_int_equal(zones_name_check(n, &why), -EINVAL);
	assert_string_equal(why, "name over 255 octets");
	make_name(n, 6, 63);
	assert_int_equal(zones_name_check(n, &why), -EINVAL);
	assert_string_equal(why, "name over 255 octets");
}

/* zones_name_canon() agrees with zones_name_check() at the 255-octet edge */
static void test_canon_length(void **state)
{
	char n[400], b[ZONES_NAME_MAX];

	(void)state;
	make_name(n, 3, 63);
	strcat(n, ".");
	memset(n + strlen(n), 'y', 61);
	n[3 * 64 + 61] = 0;
	assert_int_equal(zones_name_canon(n, b, sizeof(b)), 0);
	assert_int_equal(strlen(b), 254);
	n[253] = 'y';
	n[254] = 0;
	assert_int_equal(zones_name_canon(n, b, sizeof(b)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_canon_length),
	};

	return cmocka_run_group_tests_name("zones", tests, NULL, NULL);
}
