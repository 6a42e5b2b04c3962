// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/common/test_util.c - user/common/util.c: hex digits, Kea's two
 * hex spellings of identifiers (plain and colon-separated) and the bad ones,
 * hex output with and without a separator and cut short at a whole byte,
 * addresses as text and back for families 4 and 6 and nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "user/common/util.h"

static void test_hex_parse(void **state)
{
	uint8_t b[8];

	(void)state;
	assert_int_equal(util_hex_val('0'), 0);
	assert_int_equal(util_hex_val('f'), 15);
	assert_int_equal(util_hex_val('F'), 15);
	assert_int_equal(util_hex_val('g'), -1);
	assert_int_equal(util_hex_val(':'), -1);
	assert_int_equal(util_hex_parse("", b, 8), 0);
	assert_int_equal(util_hex_parse("0:c:29:AB", b, 8), 4);
	assert_memory_equal(b, "\x00\x0c\x29\xab", 4);
	assert_int_equal(util_hex_parse("000c29ab", b, 8), 4);
	assert_memory_equal(b, "\x00\x0c\x29\xab", 4);
	assert_int_equal(util_hex_parse("000c29a", b, 8), -EINVAL);	/* odd */
	assert_int_equal(util_hex_parse("00:", b, 8), -EINVAL);		/* empty group */
	assert_int_equal(util_hex_parse(":00", b, 8), -EINVAL);
	assert_int_equal(util_hex_parse("00::01", b, 8), -EINVAL);
	assert_int_equal(util_hex_parse("001:02", b, 8), -EINVAL);	/* three digits */
	assert_int_equal(util_hex_parse("0x:02", b, 8), -EINVAL);
	assert_int_equal(util_hex_parse("01:02:03", b, 2), -EINVAL);	/* too long */
	assert_int_equal(util_hex_parse("010203", b, 2), -EINVAL);
	assert_int_equal(util_hex_parse("0102", b, 2), 2);
}

static void test_hex_format(void **state)
{
	static const uint8_t b[4] = { 0x00, 0x0c, 0x29, 0xab };
	char s[32];

	(void)state;
	assert_int_equal(util_hex_format(b, 4, ':', s, sizeof(s)), 11);
	assert_string_equal(s, "00:0c:29:ab");
	assert_int_equal(util_hex_format(b, 4, 0, s, sizeof(s)), 8);
	assert_string_equal(s, "000c29ab");
	/* short buffers: whole bytes only, always terminated */
	assert_int_equal(util_hex_format(b, 4, ':', s, 6), 5);
	assert_string_equal(s, "00:0c");
	assert_int_equal(util_hex_format(b, 4, 0, s, 6), 4);
	assert_string_equal(s, "000c");
	assert_int_equal(util_hex_format(b, 4, 0, s, 2), 0);
	assert_string_equal(s, "");
	assert_int_equal(util_hex_format(b, 0, ':', s, sizeof(s)), 0);
	assert_string_equal(s, "");
	s[0] = 'x';
	assert_int_equal(util_hex_format(b, 4, ':', s, 0), 0);
	assert_int_equal(s[0], 'x');
}

static void test_addr(void **state)
{
	uint8_t a[16];
	char t[UTIL_ADDR_TEXT];

	(void)state;
	assert_int_equal(util_addr_len(4), 4);
	assert_int_equal(util_addr_len(6), 16);
	assert_int_equal(util_addr_len(2), 0);
	assert_int_equal(util_addr_parse("192.0.2.10", 0, a), 4);
	assert_memory_equal(a, "\xc0\x00\x02\x0a\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_string_equal(util_addr_text(4, a, t, sizeof(t)), "192.0.2.10");
	assert_int_equal(util_addr_parse("2001:db8::5", 0, a), 6);
	assert_string_equal(util_addr_text(6, a, t, sizeof(t)), "2001:db8::5");
	assert_string_equal(util_addr_text(6, (const uint8_t *)"\x20\x01\x0d\xb8\xff\xff\xff\xff"
					   "\xff\xff\xff\xff\xff\xff\xff\xff", t, sizeof(t)),
			    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	/* a family is asked for: the other one is refused */
	assert_int_equal(util_addr_parse("192.0.2.10", 6, a), -EINVAL);
	assert_int_equal(util_addr_parse("2001:db8::5", 4, a), -EINVAL);
	assert_int_equal(util_addr_parse("192.0.2.10", 4, a), 4);
	assert_int_equal(util_addr_parse("192.0.2", 0, a), -EINVAL);
	assert_int_equal(util_addr_parse("", 0, a), -EINVAL);
	/* another family, or no room: "?" rather than garbage */
	assert_string_equal(util_addr_text(2, a, t, sizeof(t)), "?");
	assert_string_equal(util_addr_text(4, a, t, 4), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_parse),
		cmocka_unit_test(test_hex_format),
		cmocka_unit_test(test_addr),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
