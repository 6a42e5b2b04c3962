// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/top/test_leaseinfo.c - the per-lease lookup's pure parts
 * (user/leaseinfo.c): the verdict from the reconciler's explanation and the
 * store's binding (each state, and the reason in words), and Kea's
 * lease4-get / lease6-get arguments.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/leaseinfo.h"

static enum leaseinfo_state verdict(const struct reconcile_explain *x, const struct owner_rec *o,
				    char *why)
{
	return leaseinfo_verdict(x, o, why, 512);
}

static void test_unknown_and_not_published(void **state)
{
	struct reconcile_explain x = { .why_not = "no lease" };
	char why[512];

	(void)state;
	assert_int_equal(verdict(&x, NULL, why), LEASEINFO_UNKNOWN);
	assert_string_equal(why, "no lease at this address in Kea's lease table");
	x = (struct reconcile_explain){ .has_lease = 1, .why_not = "no usable name" };
	assert_int_equal(verdict(&x, NULL, why), LEASEINFO_NOT_PUBLISHED);
	assert_string_equal(why, "no usable name");
	x.why_not = "lease says no DNS";
	assert_int_equal(verdict(&x, NULL, why), LEASEINFO_NOT_PUBLISHED);
	assert_string_equal(why, "lease says no DNS");
	x.why_not = "name cannot be published";
	x.bad_name = "label over 63 octets";
	snprintf(x.fqdn, sizeof(x.fqdn), "bad-");
	assert_int_equal(verdict(&x, NULL, why), LEASEINFO_NOT_PUBLISHED);
	assert_string_equal(why, "name cannot be published: 'bad-' (label over 63 octets)");
	assert_string_equal(leaseinfo_state_name(LEASEINFO_NOT_PUBLISHED), "not-published");
}

static void test_owned_states(void **state)
{
	struct reconcile_explain x = { .has_lease = 1, .ok = 1, .fqdn = "a.example." };
	struct owner_rec o = { .state = OWNER_ADDED, .fwd = 1, .rev = 1, .fqdn = "a.example." };
	char why[512];

	(void)state;
	assert_int_equal(verdict(&x, NULL, why), LEASEINFO_PENDING);
	assert_string_equal(why, "wanted as 'a.example.', not sent yet");
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_PUBLISHED);
	assert_string_equal(why, "'a.example.' in DNS (forward and reverse)");
	o.fwd = 0;
	x.no_fwd_zone = 1;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_PUBLISHED);
	assert_string_equal(why, "'a.example.' in DNS (reverse); the name is in no configured forward zone");
	snprintf(o.fqdn, sizeof(o.fqdn), "old.example.");
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_PENDING);
	o.state = OWNER_CONFLICT;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_CONFLICT);
	assert_string_equal(why, "conflict: 'old.example.' holds another client's DHCID (RFC 4703); left alone");
	o.state = OWNER_FAILED;
	x.last_op = 1;
	x.last_fwd = DNSENGINE_REFUSED;
	x.last_rev = DNSENGINE_SKIPPED;
	x.fails = 1;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_FAILED);
	assert_string_equal(why, "the server refused it (forward refused, reverse skipped); retried at the next full reconciliation");
	x.fails = 3;
	x.held_ms = 3500;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_HELD);
	assert_string_equal(why, "the server refused it 3 times in a row (forward refused, reverse skipped); held back 4 s");
	/* a binding no longer wanted is being removed */
	x = (struct reconcile_explain){ .has_lease = 1, .why_not = "expired" };
	o.state = OWNER_ADDED;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_PENDING);
	assert_string_equal(why, "expired; the records it owns are to be removed");
}

static void test_pending_first(void **state)
{
	struct reconcile_explain x = { .has_lease = 1, .ok = 1, .in_flight = 1 };
	struct owner_rec o = { .state = OWNER_ADDING };
	char why[512];

	(void)state;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_PENDING);
	assert_string_equal(why, "a change is with the DNS server");
	x.in_flight = 0;
	x.pending_wire = 1;
	assert_int_equal(verdict(&x, NULL, why), LEASEINFO_PENDING);
	assert_string_equal(why, "a wire event waits for the lease file to confirm it");
	x.pending_wire = 0;
	assert_int_equal(verdict(&x, &o, why), LEASEINFO_PENDING);
}

static void test_args(void **state)
{
	uint8_t a[16];
	const char *name, *err;
	json_t *j;

	(void)state;
	j = json_pack("{s:s}", "ip-address", "192.0.2.7");
	assert_int_equal(leaseinfo_parse_args(j, 4, a, &name, &err), 1);
	assert_int_equal(a[0], 192);
	assert_int_equal(a[3], 7);
	assert_int_equal(leaseinfo_parse_args(j, 6, a, &name, &err), -EINVAL);
	assert_string_equal(err, "\"ip-address\" is not an IPv6 address");
	json_decref(j);
	j = json_pack("{s:s}", "hostname", "host.example.com");
	assert_int_equal(leaseinfo_parse_args(j, 6, a, &name, &err), 2);
	assert_string_equal(name, "host.example.com");
	json_decref(j);
	j = json_pack("{s:s,s:s}", "hostname", "h", "ip-address", "192.0.2.7");
	assert_int_equal(leaseinfo_parse_args(j, 4, a, &name, &err), -EINVAL);
	json_decref(j);
	assert_int_equal(leaseinfo_parse_args(NULL, 4, a, &name, &err), -EINVAL);
	assert_string_equal(err, "expected {\"ip-address\": …} or {\"hostname\": …}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_and_not_published),
		cmocka_unit_test(test_owned_states),
		cmocka_unit_test(test_pending_first),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
