// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/kea/test_ncr.c - user/kea/ncr.c: the NCR D2 accepted in the
 * corpus (tests/corpus/data/kea/ncr-example.txt) decodes field by field;
 * IPv6, removals and Kea >= 2.5's conflict-resolution-mode; every way a
 * datagram can be wrong is refused with its reason; unknown members are
 * counted and ignored (as Kea's reader does); the lease-expires-on clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/kea/ncr.h"

#define EXAMPLE "{\"change-type\":0,\"forward-change\":true,\"reverse-change\":true," \
	"\"fqdn\":\"h7.dyn.example.\",\"ip-address\":\"10.0.0.7\",\"dhcid\":" \
	"\"000001BB9AE2DAF7DC0D4CD3510EEE40CD6EC6478E68A8C2EEE0DA6694236A456B9FE7\"," \
	"\"lease-expires-on\":\"20261121003415\",\"lease-length\":3600," \
	"\"use-conflict-resolution\":true}"

static uint8_t wire[NCR_MAX_LEN + 64];

/* the datagram for @json: its length, big-endian, then the text */
static size_t dgram(const char *json)
{
	size_t n = strlen(json);

	wire[0] = (uint8_t)(n >> 8);
	wire[1] = (uint8_t)n;
	memcpy(wire + 2, json, n);
	return n + 2;
}

static const char *refuse(const char *json)
{
	struct ncr n;
	const char *why = NULL;

	assert_int_equal(ncr_decode(wire, dgram(json), &n, &why), LS_EPARSE);
	assert_non_null(why);
	return why;
}

static void test_example(void **state)
{
	struct ncr n;
	const char *why = "x";
	size_t len = dgram(EXAMPLE);

	(void)state;
	assert_int_equal(len, 0x116 + 2);	/* the corpus' own length prefix */
	assert_int_equal(ncr_decode(wire, len, &n, &why), 0);
	assert_null(why);
	assert_int_equal(n.change, NCR_ADD);
	assert_true(n.fwd);
	assert_true(n.rev);
	assert_string_equal(n.fqdn, "h7.dyn.example.");
	assert_int_equal(n.family, 4);
	assert_memory_equal(n.addr, "\x0a\x00\x00\x07", 4);
	assert_int_equal(n.dhcid_len, 35);
	assert_memory_equal(n.dhcid, "\x00\x00\x01\xbb\x9a", 5);
	assert_int_equal(n.dhcid[34], 0xe7);
	assert_int_equal(n.expires, 1795221255);	/* date -u -d '2026-11-21 00:34:15' +%s */
	assert_int_equal(n.lease_length, 3600);
	assert_int_equal(n.cr_mode, NCR_CR_CHECK_WITH_DHCID);
	assert_int_equal(n.unknown_fields, 0);
}

static void test_v6_remove_modes(void **state)
{
	struct ncr n;
	const char *why;

	(void)state;
	assert_int_equal(ncr_decode(wire, dgram("{\"change-type\":1,\"forward-change\":false,"
		"\"reverse-change\":true,\"fqdn\":\"Host.Example.COM\",\"ip-address\":\"2001:db8::5\","
		"\"dhcid\":\"000201aa\",\"lease-expires-on\":\"20240229235959\",\"lease-length\":0,"
		"\"use-conflict-resolution\":false}"), &n, &why), 0);
	assert_int_equal(n.change, NCR_REMOVE);
	assert_false(n.fwd);
	assert_true(n.rev);
	assert_string_equal(n.fqdn, "host.example.com.");	/* qualified, lower case */
	assert_int_equal(n.family, 6);
	assert_memory_equal(n.addr, "\x20\x01\x0d\xb8", 4);
	assert_int_equal(n.addr[15], 5);
	assert_int_equal(n.cr_mode, NCR_CR_NO_CHECK_WITH_DHCID);
	assert_int_equal(n.expires, 1709251199);	/* a leap day */
	/* Kea >= 2.5 names the mode; the string wins over the bool */
	assert_int_equal(ncr_decode(wire, dgram("{\"change-type\":0,\"forward-change\":true,"
		"\"reverse-change\":false,\"fqdn\":\"a.b\",\"ip-address\":\"10.1.2.3\",\"dhcid\":"
		"\"000101ff\",\"lease-expires-on\":\"20300101000000\",\"lease-length\":4294967295,"
		"\"conflict-resolution-mode\":\"no-check-without-dhcid\",\"ddns-ttl\":7,\"x\":1}"),
		&n, &why), 0);
	assert_int_equal(n.cr_mode, NCR_CR_NO_CHECK_WITHOUT_DHCID);
	assert_int_equal(n.lease_length, 4294967295u);
	assert_int_equal(n.unknown_fields, 2);	/* counted, ignored, as Kea's reader does */
}

static void test_framing(void **state)
{
	struct ncr n;
	const char *why;
	size_t len;

	(void)state;
	assert_int_equal(ncr_decode(wire, 0, &n, &why), LS_EPARSE);
	assert_string_equal(why, "truncated length");
	assert_int_equal(ncr_decode((const uint8_t *)"\x01", 1, &n, &why), LS_EPARSE);
	assert_string_equal(why, "truncated length");
	len = dgram(EXAMPLE);
	assert_int_equal(ncr_decode(wire, len - 1, &n, &why), LS_EPARSE);	/* cut short */
	assert_string_equal(why, "length does not match the datagram");
	wire[len] = ' ';
	assert_int_equal(ncr_decode(wire, len + 1, &n, &why), LS_EPARSE);	/* trailing byte */
	assert_string_equal(why, "length does not match the datagram");
	memset(wire, 'x', sizeof(wire));
	assert_int_equal(ncr_decode(wire, sizeof(wire), &n, &why), LS_EPARSE);
	assert_string_equal(why, "datagram too large");
	assert_string_equal(refuse("garbage"), "not JSON");
	assert_string_equal(refuse("[1,2]"), "not a JSON map");
	assert_string_equal(refuse("{\"fqdn\":\"a.\",\"fqdn\":\"b.\"}"), "not JSON");	/* duplicate */
}

/* EXAMPLE with member @key's value replaced by @val (NULL: the member left out) */
static const char *refuse_with(const char *key, const char *val)
{
	static char j[1024];
	const char *p = strstr(EXAMPLE, key), *e;

	assert_non_null(p);
	e = p + strlen(key) + 2;	/* past  key":  */
	while (*e && *e != ',' && *e != '}')
		e++;
	if (val)
		snprintf(j, sizeof(j), "%.*s%s\":%s%s", (int)(p - EXAMPLE), EXAMPLE, key, val, e);
	else if (*e == ',')
		snprintf(j, sizeof(j), "%.*s%s", (int)(p - 1 - EXAMPLE), EXAMPLE, e + 1);
	else
		snprintf(j, sizeof(j), "%.*s%s", (int)(p - 2 - EXAMPLE), EXAMPLE, e);
	return refuse(j);
}

static void test_fields(void **state)
{
	(void)state;
	assert_string_equal(refuse_with("change-type", NULL), "missing 'change-type'");
	assert_string_equal(refuse_with("change-type", "2"), "bad 'change-type'");
	assert_string_equal(refuse_with("change-type", "\"0\""), "bad 'change-type'");
	assert_string_equal(refuse_with("forward-change", "1"), "missing or bad 'forward-change'");
	assert_string_equal(refuse_with("reverse-change", NULL), "missing or bad 'reverse-change'");
	assert_string_equal(refuse("{\"change-type\":0,\"forward-change\":false,"
				   "\"reverse-change\":false}"), "neither forward nor reverse change");
	assert_string_equal(refuse_with("fqdn", NULL), "missing 'fqdn'");
	assert_string_equal(refuse_with("fqdn", "\"\""), "bad 'fqdn'");
	assert_string_equal(refuse_with("fqdn", "\".\""), "bad 'fqdn'");
	assert_string_equal(refuse_with("fqdn", "\"a..b\""), "bad 'fqdn'");
	assert_string_equal(refuse_with("fqdn", "\"a b.c\""), "bad 'fqdn'");
	assert_string_equal(refuse_with("fqdn", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b\""),
			    "bad 'fqdn'");	/* a 64-octet label */
	assert_string_equal(refuse_with("ip-address", NULL), "missing 'ip-address'");
	assert_string_equal(refuse_with("ip-address", "\"10.0.0.256\""), "bad 'ip-address'");
	assert_string_equal(refuse_with("dhcid", "\"\""), "bad 'dhcid'");
	assert_string_equal(refuse_with("dhcid", "\"000\""), "bad 'dhcid'");
	assert_string_equal(refuse_with("dhcid", "\"0000zz\""), "bad 'dhcid'");
	assert_string_equal(refuse_with("lease-expires-on", NULL), "missing 'lease-expires-on'");
	assert_string_equal(refuse_with("lease-expires-on", "\"20261321003415\""),
			    "bad 'lease-expires-on'");
	assert_string_equal(refuse_with("lease-length", "-1"), "bad 'lease-length'");
	assert_string_equal(refuse_with("lease-length", "4294967296"), "bad 'lease-length'");
	assert_string_equal(refuse_with("lease-length", NULL), "missing 'lease-length'");
	assert_string_equal(refuse_with("use-conflict-resolution", "1"),
			    "bad 'use-conflict-resolution'");
}

static void test_time(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(ncr_parse_time("19700101000000", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(ncr_parse_time("20000301000000", &t), 0);
	assert_int_equal(t, 951868800);
	assert_int_equal(ncr_parse_time("21000229000000", &t), -EINVAL);	/* not a leap year */
	assert_int_equal(ncr_parse_time("2026112100341", &t), -EINVAL);
	assert_int_equal(ncr_parse_time("2026112100341x", &t), -EINVAL);
	assert_int_equal(ncr_parse_time("20261121243415", &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_v6_remove_modes),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
