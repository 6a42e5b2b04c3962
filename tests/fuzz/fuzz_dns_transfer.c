// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/fuzz/fuzz_dns_transfer.c - libFuzzer target for the two readers of
 * what a DNS server sends back outside an UPDATE reply: a zone transfer
 * (xfr_parse_msg(), AXFR and IXFR, the messages of one TCP stream) and the
 * answer to a GSS-TSIG TKEY query (tkey_answer_parse(), tkey_answer_check()).
 * The first input byte picks the reader (bit 7: TKEY; bit 0: IXFR from
 * serial 1000, else AXFR); for a transfer the rest is the stream, each
 * message behind its 2-byte length as on TCP. Every RR the reader hands
 * over is checked against what xfr.h promises. Any crash or sanitizer
 * report is a bug.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "user/common/log.h"
#include "user/dns/tkey.h"
#include "user/dns/xfr.h"

static int on_rr(void *arg, enum xfr_op op, const char *owner, uint16_t type, uint32_t ttl,
		 const uint8_t *rdata, size_t rdlen)
{
	size_t *n = arg;

	(void)type;
	(void)ttl;
	(*n)++;
	if (op == XFR_RESET)
		return 0;
	/* owners: presentation form, lower case, ending with a dot */
	assert(owner && owner[0] && owner[strlen(owner) - 1] == '.');
	for (const char *c = owner; *c; c++)
		assert(!(*c >= 'A' && *c <= 'Z'));
	/* every RDATA byte is readable (ASan checks the reads) */
	for (size_t i = 0; i < rdlen; i++)
		*n += rdata[i] == 0xff;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	size_t n = 0, at = 1;

	if (!ready) {
		log_set_level(LOG_LVL_ERR);
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] & 0x80) {
		struct tkey_answer a;

		if (tkey_answer_parse(data + 1, size - 1, 0x1234, "123.sig-leasesnoop.", &a) == 0) {
			assert(!a.token || (a.token >= data + 1 && a.token + a.token_len <= data + size));
			tkey_answer_check(&a);
			tkey_error_name(a.error);
		}
		return 0;
	}
	struct xfr_parse p = {
		.id = 0x1234, .ixfr = data[0] & 1, .from = 1000, .cb = on_rr, .arg = &n,
	};
	while (at + 2 <= size && !p.done) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];

		at += 2;
		if (len > size - at)
			len = size - at;
		if (xfr_parse_msg(data + at, len, &p) != 0)
			break;
		at += len;
	}
	return 0;
}
