/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dhcid.h - DHCID RDATA (RFC 4701): identifier-type code (2 bytes),
 * digest-type 1 (SHA-256) and SHA-256(identifier || FQDN in lower-case wire
 * form), computed exactly as Kea (src/lib/dhcp_ddns D2Dhcid) does, so that
 * records written by kea-dhcp-ddns are recognised as the same client's.
 */
#ifndef LS_DHCID_H
#define LS_DHCID_H

#include <stddef.h>
#include <stdint.h>

#define DHCID_RDATA_LEN 35	/* 2 + 1 + 32 */

/* RFC 4701 §3.3 identifier type codes. */
enum dhcid_idtype {
	DHCID_ID_HWADDR = 0,	/* 1-octet htype followed by hlen octets of chaddr */
	DHCID_ID_CLIENTID = 1,	/* DHCPv4 client identifier option data, type byte included */
	DHCID_ID_DUID = 2,	/* DHCPv6 DUID */
};

/*
 * dhcid_compute() - RDATA of the DHCID RR for a client identified by
 * @id[0..id_len) of @type (for DHCID_ID_HWADDR, @id is htype then the
 * hardware address) that owns @fqdn (presentation form; trailing dot
 * optional; case ignored). Writes DHCID_RDATA_LEN bytes to @out. Returns 0,
 * -EINVAL (empty identifier, bad name) or LS_ECRYPTO.
 */
int dhcid_compute(enum dhcid_idtype type, const uint8_t *id, size_t id_len, const char *fqdn,
		  uint8_t out[DHCID_RDATA_LEN]);

/*
 * dhcid_from_hex() - parse the hex DHCID of a Kea NameChangeRequest
 * ("000001BB…") into @out; returns the length or -EINVAL.
 */
int dhcid_from_hex(const char *hex, uint8_t *out, size_t cap);

#endif
