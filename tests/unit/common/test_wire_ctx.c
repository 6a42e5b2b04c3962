// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/common/test_wire_ctx.c - user/common/wire_ctx.h: big-endian
 * reads and writes, the sticky error (the first overrun is kept, the
 * position stays, later calls read 0 and write nothing), sub-cursors,
 * offsets, and read-only cursors refusing writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <cmocka.h>

#include "user/common/wire_ctx.h"

static void test_read(void **state)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				     0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	struct wire_ctx w = wire_ctx_init_const(b, sizeof(b));
	uint8_t three[3];

	(void)state;
	assert_int_equal(wire_ctx_read_u8(&w), 0x01);
	assert_int_equal(wire_ctx_read_u16(&w), 0x0203);
	assert_int_equal(wire_ctx_read_u32(&w), 0x04050607);
	assert_true(wire_ctx_read_u48(&w) == 0x08090a0b0c0dULL);
	assert_int_equal(wire_ctx_offset(&w), 13);
	assert_int_equal(wire_ctx_available(&w), 2);
	assert_int_equal(w.error, 0);
	/* overrun: error set, position kept, output untouched */
	three[0] = 0xaa;
	wire_ctx_read(&w, three, 3);
	assert_int_equal(w.error, -ERANGE);
	assert_int_equal(wire_ctx_offset(&w), 13);
	assert_int_equal(three[0], 0xaa);
	/* sticky: a read that would fit now reads 0 */
	assert_int_equal(wire_ctx_read_u8(&w), 0);
	assert_null(wire_ctx_take(&w, 0));
	wire_ctx_set_offset(&w, 0);
	assert_int_equal(wire_ctx_offset(&w), 13);
	assert_int_equal(w.error, -ERANGE);
}

static void test_offsets(void **state)
{
	static const uint8_t b[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct wire_ctx w = wire_ctx_init_const(b, sizeof(b));

	(void)state;
	wire_ctx_skip(&w, 8);
	assert_int_equal(w.error, 0);
	assert_int_equal(wire_ctx_available(&w), 0);
	wire_ctx_set_offset(&w, 3);
	assert_int_equal(wire_ctx_read_u8(&w), 3);
	wire_ctx_set_offset(&w, 9);
	assert_int_equal(w.error, -ERANGE);

	w = wire_ctx_init_const(b, sizeof(b));
	wire_ctx_skip(&w, 9);
	assert_int_equal(w.error, -ERANGE);
	assert_int_equal(wire_ctx_offset(&w), 0);

	w = wire_ctx_init_const(b, sizeof(b));
	assert_true(wire_ctx_can_read(&w, 8) == 0);
	assert_int_equal(wire_ctx_can_read(&w, 9), -ERANGE);
	assert_int_equal(w.error, 0);	/* asking sets nothing */
	wire_ctx_fail(&w, -EBADMSG);
	wire_ctx_fail(&w, -ERANGE);	/* the first error wins */
	assert_int_equal(w.error, -EBADMSG);
}

static void test_sub(void **state)
{
	/* a 16-bit length, then that many bytes, then one more */
	static const uint8_t b[] = { 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0xdd };
	struct wire_ctx w = wire_ctx_init_const(b, sizeof(b)), s;

	(void)state;
	s = wire_ctx_sub(&w, wire_ctx_read_u16(&w));
	assert_int_equal(wire_ctx_offset(&w), 5);
	assert_int_equal(wire_ctx_read_u16(&s), 0xaabb);
	assert_int_equal(wire_ctx_read_u16(&s), 0);	/* the sub-cursor ends at its length */
	assert_int_equal(s.error, -ERANGE);
	assert_int_equal(w.error, 0);			/* ... without spoiling its parent */
	assert_int_equal(wire_ctx_read_u8(&w), 0xdd);
	/* a length beyond the buffer spoils both */
	w = wire_ctx_init_const(b, sizeof(b));
	s = wire_ctx_sub(&w, 7);
	assert_int_equal(w.error, -ERANGE);
	assert_int_equal(s.error, -ERANGE);
	assert_int_equal(wire_ctx_read_u8(&s), 0);
}

static void test_write(void **state)
{
	uint8_t b[16] = { 0 };
	struct wire_ctx w = wire_ctx_init(b, 15);
	static const uint8_t want[15] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
					  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0 };

	(void)state;
	wire_ctx_write_u8(&w, 0x01);
	wire_ctx_write_u16(&w, 0x0203);
	wire_ctx_write_u32(&w, 0x04050607);
	wire_ctx_write_u48(&w, 0x08090a0b0c0dULL);
	wire_ctx_clear(&w, 2);
	assert_int_equal(w.error, 0);
	assert_memory_equal(b, want, sizeof(want));
	/* one byte too many: -ENOSPC, nothing written beyond the cursor's end */
	b[15] = 0x55;
	wire_ctx_write_u8(&w, 0xee);
	assert_int_equal(w.error, -ENOSPC);
	assert_int_equal(b[15], 0x55);
	/* patching a field already written */
	w = wire_ctx_init(b, 15);
	wire_ctx_set_offset(&w, 1);
	wire_ctx_write_u16(&w, 0xbeef);
	assert_int_equal(b[1], 0xbe);
	assert_int_equal(b[2], 0xef);
	/* a read-only cursor refuses writes */
	w = wire_ctx_init_const(b, sizeof(b));
	wire_ctx_write_u8(&w, 0);
	assert_int_equal(w.error, -EACCES);
	assert_int_equal(b[0], 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests_name("wire_ctx", tests, NULL, NULL);
}
