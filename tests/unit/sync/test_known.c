// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/sync/test_known.c - the set of clients seen (known.h): a put
 * is found with its last address, an unknown or malformed DHCID is not,
 * the bound drops the oldest generation whole and keeps the newer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "user/dns/dhcid.h"
#include "user/sync/known.h"

static void dh(uint8_t out[DHCID_RDATA_LEN], uint32_t client)
{
	char name[64];
	uint8_t id[4] = { (uint8_t)(client >> 24), (uint8_t)(client >> 16), (uint8_t)(client >> 8),
			  (uint8_t)client };

	snprintf(name, sizeof(name), "h%u.dyn.example.", client);
	assert_int_equal(dhcid_compute(DHCID_ID_CLIENTID, id, sizeof(id), name, out), 0);
}

static void test_put_get(void **state)
{
	struct known *k;
	uint8_t d[DHCID_RDATA_LEN], a[16], got[16];
	int fam = 0;

	(void)state;
	assert_int_equal(known_new(&k, 1000), 0);
	dh(d, 1);
	assert_false(known_get(k, d, sizeof(d), NULL, NULL));
	memset(a, 0, sizeof(a));
	a[0] = 192, a[1] = 0, a[2] = 2, a[3] = 10;
	assert_int_equal(known_put(k, d, 4, a), 0);
	assert_true(known_get(k, d, sizeof(d), &fam, got));
	assert_int_equal(fam, 4);
	assert_memory_equal(got, a, 16);
	/* the client moved: the last address wins */
	a[3] = 11;
	assert_int_equal(known_put(k, d, 4, a), 0);
	assert_true(known_get(k, d, sizeof(d), &fam, got));
	assert_int_equal(got[3], 11);
	/* a DHCID of another client, a short one, another digest type: unknown */
	dh(d, 2);
	assert_false(known_get(k, d, sizeof(d), NULL, NULL));
	dh(d, 1);
	assert_false(known_get(k, d, 20, NULL, NULL));
	d[2] = 2;
	assert_false(known_get(k, d, sizeof(d), NULL, NULL));
	known_free(k);
}

static void test_bound(void **state)
{
	struct known *k;
	struct known_stats st;
	uint8_t d[DHCID_RDATA_LEN], a[16] = { 10 };

	(void)state;
	assert_int_equal(known_new(&k, 200), 0);
	for (uint32_t c = 0; c < 1000; c++) {
		dh(d, c);
		assert_int_equal(known_put(k, d, 4, a), 0);
	}
	known_get_stats(k, &st);
	assert_true(st.entries <= 200);
	assert_int_equal(st.entries + st.dropped, 1000);
	/* the newest are kept, the oldest forgotten */
	dh(d, 999);
	assert_true(known_get(k, d, sizeof(d), NULL, NULL));
	dh(d, 900);
	assert_true(known_get(k, d, sizeof(d), NULL, NULL));
	dh(d, 0);
	assert_false(known_get(k, d, sizeof(d), NULL, NULL));
	known_free(k);
	assert_int_equal(known_new(&k, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get), cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests_name("known", tests, NULL, NULL);
}
