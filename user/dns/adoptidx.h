/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/adoptidx.h - the transient index adoption by zone transfer
 * builds (user/dns/adoptxfr.h): what the transferred zones hold, kept as
 * one keyed 64-bit fingerprint per RR of (zone, owner, type, RDATA) in an
 * open-addressing table of 8-byte slots, filled to at most 3/4 (so 11 to
 * 21 bytes per RR; 16.8 at 1M leases, 4M RRs). Only what adoption looks at
 * is kept: A, AAAA, PTR and DHCID, and the names where a zone delegates
 * (NS below its apex) or redirects (DNAME), since what lies at or under
 * those is not what a query for it would be answered with. The index never
 * says an RR is there that a transfer did not deliver, but for a
 * fingerprint collision (SipHash-2-4 under a random key: about one in 2^64
 * / RRs per look-up, 10^-13 at 4M RRs).
 *
 * adoptidx_decide() judges a lease with the probe's own rules
 * (adopt_want(), user/dns/adopt.h): the same verdict a query for each of
 * its four checks would have given, from the transfer.
 */
#ifndef LS_ADOPTIDX_H
#define LS_ADOPTIDX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/dns/adopt.h"

struct adoptidx;

/*
 * adoptidx_new() - an empty index sized for about @expect RRs (0: small;
 * it grows). @key (16 bytes, NULL: random) keys the fingerprints; tests
 * pass one. Returns 0 or -ENOMEM.
 */
int adoptidx_new(struct adoptidx **out, size_t expect, const uint8_t *key);
/* adoptidx_free() - NULL is a no-op. */
void adoptidx_free(struct adoptidx *ix);
/*
 * adoptidx_add() - one RR of zone number @zone (the caller's numbering)
 * whose apex is @apex, as a transfer delivers it (user/dns/xfr.h: @owner
 * lower case with a trailing dot; a PTR's RDATA its target, NUL
 * included). Types adoption does not look at are left out. Returns 0 or
 * -ENOMEM.
 */
int adoptidx_add(struct adoptidx *ix, uint32_t zone, const char *apex, const char *owner,
		 uint16_t type, const uint8_t *rdata, size_t len);
/* adoptidx_has() - was (@owner, @type, @rdata) among zone @zone's RRs? Pure. */
bool adoptidx_has(const struct adoptidx *ix, uint32_t zone, const char *owner, uint16_t type,
		  const uint8_t *rdata, size_t len);
/*
 * adoptidx_occluded() - is @name (in zone @zone, apex @apex) at or under
 * a delegation or a DNAME of that zone? Pure.
 */
bool adoptidx_occluded(const struct adoptidx *ix, uint32_t zone, const char *apex,
		       const char *name);
/* adoptidx_records() / adoptidx_bytes() - RRs held; the table's memory. */
size_t adoptidx_records(const struct adoptidx *ix);
size_t adoptidx_bytes(const struct adoptidx *ix);

enum adoptidx_verdict {
	ADOPTIDX_SETTLED = 0,	/* @it's fwd_ok and rev_ok are set */
	ADOPTIDX_ASK,		/* a name lies under a delegation or DNAME: ask by query */
};

/*
 * adoptidx_decide() - the decision, pure: fwd_ok and rev_ok of @it from
 * the index, its forward side from zone @fzone (used when @it->fz is set,
 * apex @it->fz->name) and its reverse side from zone @rzone (likewise
 * @it->rz): each side ok when it is wanted and both of its checks
 * (adopt_want()) find their RR, exactly as adopt_probe() would. Clears
 * @it->failed. Returns enum adoptidx_verdict.
 */
int adoptidx_decide(const struct adoptidx *ix, struct adopt_item *it, uint32_t fzone,
		    uint32_t rzone);
#endif
