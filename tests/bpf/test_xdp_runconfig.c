// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/bpf/test_xdp_runconfig.c - the metadata a libxdp dispatcher reads
 * when ls_xdp joins another tool's chain (bpf/leasesnoop.bpf.c's
 * XDP_RUN_CONFIG), read from the built object by libxdp itself, as
 * xdp-loader would: run priority 1 (first in the chain), and XDP_PASS, ls_xdp's
 * only verdict, is a chain-call action, so the programs after it still run.
 * Opening the object loads nothing: no privileges needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <xdp/libxdp.h>

static void test_ls_xdp_run_config(void **state)
{
	const char *out = getenv("LS_OUTPUT") ? getenv("LS_OUTPUT") : ".output";
	char path[1024];
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .open_filename = path, .prog_name = "ls_xdp");
	struct xdp_program *p;

	(void)state;
	snprintf(path, sizeof(path), "%s/leasesnoop.bpf.o", out);
	p = xdp_program__create(&opts);
	assert_non_null(p);
	assert_string_equal(xdp_program__name(p), "ls_xdp");
	assert_int_equal(xdp_program__run_prio(p), 1);
	assert_true(xdp_program__chain_call_enabled(p, XDP_PASS));
	assert_false(xdp_program__chain_call_enabled(p, XDP_DROP));
	assert_false(xdp_program__chain_call_enabled(p, XDP_TX));
	xdp_program__close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ls_xdp_run_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
