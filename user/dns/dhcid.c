// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dhcid.c - RFC 4701 DHCID computation. Kea builds the digest input as
 * identifier bytes followed by the FQDN in wire form, lower-cased
 * (OptionDataTypeUtil::writeFqdn(…, downcase = true)); so do we.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "user/dns/dhcid.h"
#include "user/common/errcode.h"
#include "user/common/log.h"

int dhcid_compute(enum dhcid_idtype type, const uint8_t *id, size_t id_len, const char *fqdn,
		  uint8_t out[DHCID_RDATA_LEN])
{
	uint8_t wire[256];
	size_t w = 0;
	const char *p = fqdn;
	unsigned int dl = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (!id || !id_len || !fqdn || !*fqdn || type > DHCID_ID_DUID)
		return -EINVAL;
	while (*p && strcmp(p, ".")) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (!l || l > 63 || w + 1 + l + 1 > sizeof(wire))
			return -EINVAL;
		wire[w++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			wire[w++] = (uint8_t)tolower((unsigned char)p[i]);
		p += l + (dot ? 1 : 0);
	}
	wire[w++] = 0;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, id, id_len) &&
	     EVP_DigestUpdate(ctx, wire, w) && EVP_DigestFinal_ex(ctx, out + 3, &dl);
	EVP_MD_CTX_free(ctx);
	if (!ok || dl != 32) {
		pr_err("dhcid: SHA-256 failed for '%s' (%s)", fqdn, ls_strerror(LS_ECRYPTO));
		return LS_ECRYPTO;
	}
	out[0] = 0;
	out[1] = (uint8_t)type;
	out[2] = 1;	/* digest type 1: SHA-256 */
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dhcid_from_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (!n || n % 2 || n / 2 > cap)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}
