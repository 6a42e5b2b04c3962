// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/fuzz/fuzz_ncr.c - libFuzzer target for the NCR decoder
 * (user/kea/ncr.c): the input is one datagram as Kea's sender would put it
 * on the wire (2-byte length, JSON). Decoded or refused with a reason; any
 * crash, sanitizer report or a refusal without a reason is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "user/kea/ncr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ncr n;
	const char *why = NULL;

	if (ncr_decode(data, size, &n, &why)) {
		if (!why)
			abort();
		return 0;
	}
	if ((!n.fwd && !n.rev) || (n.family != 4 && n.family != 6) || !n.dhcid_len ||
	    strlen(n.fqdn) >= sizeof(n.fqdn) || n.fqdn[strlen(n.fqdn) - 1] != '.')
		abort();
	return 0;
}
