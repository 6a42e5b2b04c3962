// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_dhcid.c - user/dhcid.c against the three examples of
 * RFC 4701 §3.6 (DUID, hardware address, client identifier), case
 * insensitivity of the name, and the hex reader used for Kea NCRs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "user/dns/dhcid.h"

static void check_b64(const uint8_t *rd, const char *want)
{
	unsigned char b64[64];

	EVP_EncodeBlock(b64, rd, DHCID_RDATA_LEN);
	assert_string_equal((char *)b64, want);
}

/* RFC 4701 §3.6.1: DUID 00:01:00:06:41:2d:f1:66:01:02:03:04:05:06, chi6.example.com */
static void test_rfc_duid(void **state)
{
	static const uint8_t duid[] = { 0x00, 0x01, 0x00, 0x06, 0x41, 0x2d, 0xf1, 0x66,
					0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	uint8_t rd[DHCID_RDATA_LEN];

	(void)state;
	assert_int_equal(dhcid_compute(DHCID_ID_DUID, duid, sizeof(duid), "chi6.example.com", rd), 0);
	check_b64(rd, "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=");
}

/* RFC 4701 §3.6.2: htype 1, chaddr 01:02:03:04:05:06, client.example.com */
static void test_rfc_hwaddr(void **state)
{
	static const uint8_t hw[] = { 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	uint8_t rd[DHCID_RDATA_LEN];

	(void)state;
	assert_int_equal(dhcid_compute(DHCID_ID_HWADDR, hw, sizeof(hw), "client.example.com", rd), 0);
	check_b64(rd, "AAABxLmlskllE0MVjd57zHcWmEH3pCQ6VytcKD//7es/deY=");
	/* trailing dot and case make no difference (canonical wire form) */
	assert_int_equal(dhcid_compute(DHCID_ID_HWADDR, hw, sizeof(hw), "Client.EXAMPLE.com.", rd), 0);
	check_b64(rd, "AAABxLmlskllE0MVjd57zHcWmEH3pCQ6VytcKD//7es/deY=");
}

/* RFC 4701 §3.6.3: client identifier 01:07:08:09:0a:0b:0c, chi.example.com */
static void test_rfc_clientid(void **state)
{
	static const uint8_t cid[] = { 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c };
	uint8_t rd[DHCID_RDATA_LEN];

	(void)state;
	assert_int_equal(dhcid_compute(DHCID_ID_CLIENTID, cid, sizeof(cid), "chi.example.com", rd), 0);
	check_b64(rd, "AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=");
}

static void test_bad_input(void **state)
{
	uint8_t rd[DHCID_RDATA_LEN], one = 1;

	(void)state;
	assert_int_equal(dhcid_compute(DHCID_ID_DUID, &one, 0, "a.b", rd), -EINVAL);
	assert_int_equal(dhcid_compute(DHCID_ID_DUID, &one, 1, "", rd), -EINVAL);
	assert_int_equal(dhcid_compute(DHCID_ID_DUID, &one, 1, "a..b", rd), -EINVAL);
	assert_int_equal(dhcid_compute(3, &one, 1, "a.b", rd), -EINVAL);
}

static void test_hex(void **state)
{
	uint8_t out[DHCID_RDATA_LEN];

	(void)state;
	assert_int_equal(dhcid_from_hex("000001BB9AE2DAF7DC0D4CD3510EEE40CD6EC6478E68A8C2EEE0DA6694236A456B9FE7",
					out, sizeof(out)), 35);
	assert_int_equal(out[2], 1);
	assert_int_equal(out[3], 0xbb);
	assert_int_equal(dhcid_from_hex("0g", out, sizeof(out)), -EINVAL);
	assert_int_equal(dhcid_from_hex("000", out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_duid),   cmocka_unit_test(test_rfc_hwaddr),
		cmocka_unit_test(test_rfc_clientid), cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests_name("dhcid", tests, NULL, NULL);
}
