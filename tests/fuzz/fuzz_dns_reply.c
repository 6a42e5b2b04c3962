// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/fuzz/fuzz_dns_reply.c - libFuzzer target for what the engine does
 * with a DNS server's reply before trusting it: dnsmsg_parse_reply() (ldns)
 * and tsig_find()/tsig_verify() (our own wire walking). Any input must be
 * either parsed or rejected, never crash or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "user/dns/dnsmsg.h"
#include "user/common/log.h"
#include "user/dns/tsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tsig_key key;
	static int ready;
	static const uint8_t req_mac[32] = { 1, 2, 3 };
	struct dnsmsg_reply r;
	int terr;

	if (!ready) {
		log_set_level(LOG_LVL_ERR);
		tsig_key_init(&key, "ddns-key", "HMAC-SHA256",
			      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ1Njc4OTA=", 0);
		ready = 1;
	}
	dnsmsg_parse_reply(data, size, &r);
	tsig_find(data, size);
	tsig_verify(&key, data, size, req_mac, sizeof(req_mac), 1700000000, &terr);
	key.alg = TSIG_HMAC_MD5;
	tsig_verify(&key, data, size, NULL, 0, 1700000000, &terr);
	key.alg = TSIG_HMAC_SHA256;
	return 0;
}
