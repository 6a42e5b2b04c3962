/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/kea/ncr.h - Kea's NameChangeRequests (NCRs) as kea-dhcp4/6 send them
 * to kea-dhcp-ddns ("ncr-protocol": "UDP", "ncr-format": "JSON"): a 2-byte
 * big-endian length, then that many bytes of JSON (Kea's ncr_msg.cc,
 * fromJSON()). ncr_decode() is pure (no I/O, no allocation kept) and takes
 * any bytes: a datagram that is not one well-formed NCR is refused with a
 * reason, never a crash. Fields Kea does not send are counted, not fatal,
 * as Kea's own reader ignores them.
 */
#ifndef LS_NCR_H
#define LS_NCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NCR_MAX_LEN 4096	/* a Kea NCR is a few hundred bytes; more is not an NCR */
#define NCR_FQDN_MAX 256	/* presentation form with the trailing dot, NUL included */
#define NCR_DHCID_MAX 64	/* RFC 4701 RDATA: 3 + digest (SHA-256: 35 bytes) */

enum ncr_change { NCR_ADD = 0, NCR_REMOVE = 1 };

/* Kea >= 2.5 sends "conflict-resolution-mode"; older ones a bool */
enum ncr_cr_mode {
	NCR_CR_CHECK_WITH_DHCID = 0,	/* use-conflict-resolution true (the default) */
	NCR_CR_NO_CHECK_WITH_DHCID,	/* use-conflict-resolution false */
	NCR_CR_CHECK_EXISTS_WITH_DHCID,
	NCR_CR_NO_CHECK_WITHOUT_DHCID,
};

struct ncr {
	enum ncr_change change;
	bool fwd, rev;			/* forward-change, reverse-change (never both false) */
	char fqdn[NCR_FQDN_MAX];	/* lower case, with the trailing dot */
	int family;			/* 4 or 6 */
	uint8_t addr[16];
	uint8_t dhcid[NCR_DHCID_MAX];
	size_t dhcid_len;
	int64_t expires;		/* lease-expires-on, Unix time (UTC) */
	uint32_t lease_length;		/* seconds: what D2 makes the records' TTL */
	enum ncr_cr_mode cr_mode;
	unsigned int unknown_fields;	/* members Kea does not define (ignored) */
};

/*
 * ncr_decode() - decode one datagram @buf[0..len) (length prefix + JSON)
 * into @out. Returns 0, or LS_EPARSE with *@why (a static string) saying
 * what is wrong: "truncated length", "length does not match the datagram",
 * "not JSON", "missing 'fqdn'", "bad 'ip-address'", … .
 */
int ncr_decode(const uint8_t *buf, size_t len, struct ncr *out, const char **why);

/* ncr_parse_time() - "YYYYMMDDHHMMSS" (UTC) to Unix time. 0 or -EINVAL. Pure. */
int ncr_parse_time(const char *s, int64_t *out);

#endif
