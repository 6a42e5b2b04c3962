/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/sync/sweep.h - the orphan sweep's decision ("sweep-orphans"), pure:
 * in a zone's content as a verification transferred it, a name is an
 * orphan when it holds a DHCID of a client leasesnoop knows from the lease
 * files (user/sync/known.h) while that client has no current lease for the
 * name (the lease ended or moved): a record D2 left behind, or one of a
 * lease that expired while the HA partner was updating. Names leasesnoop
 * owns are the verifier's (repaired, never swept); a name without a DHCID,
 * or with a DHCID of no known client, is never touched. Each orphan is
 * removed by the caller through the engine with RFC 4703 prerequisites
 * (forward: the DHCID must still match; reverse: the PTR must still name
 * the client).
 */
#ifndef LS_SWEEP_H
#define LS_SWEEP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "user/dns/dhcid.h"
#include "user/dns/zdiff.h"
#include "user/dns/zones.h"

/* One removal: forward, one address at @name; reverse, the PTR at @name. */
struct sweep_orphan {
	const char *name;		/* owner name in the zone */
	int family;			/* 4 or 6 */
	uint8_t addr[16];		/* forward: an A/AAAA held; reverse: what @name encodes */
	char fqdn[ZONES_NAME_MAX];	/* forward: @name; reverse: the PTR's target */
	uint8_t dhcid[DHCID_RDATA_LEN];	/* the DHCID held at @name */
};

/* What the sweep asks of the rest of the daemon. */
struct sweep_ops {
	/* the DHCID is a known client's; fills the address of its last lease */
	bool (*known)(void *ctx, const uint8_t *dhcid, size_t len, int *family, uint8_t *addr);
	/* the ownership store has (or is sending) a binding at this name of the zone */
	bool (*owned)(void *ctx, const char *name);
	/*
	 * the live lease at (@family, @addr) wants exactly this: DHCID @dhcid at
	 * forward name @fqdn (!@reverse), or a PTR to @fqdn with @dhcid (@reverse)
	 */
	bool (*wanted)(void *ctx, int family, const uint8_t *addr, const char *fqdn,
		       const uint8_t *dhcid, bool reverse);
	void *ctx;
};

typedef void (*sweep_fn)(void *arg, const struct sweep_orphan *o);

struct sweep_counts {
	uint64_t names;		/* orphan names found */
	uint64_t removals;	/* removals handed on (a forward name: one per address) */
	uint64_t unknown;	/* names with a DHCID of no known client: left alone */
};

/*
 * sweep_name() - decide for one name @name holding @rrs[0..n) in a forward
 * (!@reverse) or reverse zone: each removal goes to @cb(@arg). Returns the
 * number of removals handed on.
 */
size_t sweep_name(const char *name, const struct zdiff_rr *rrs, size_t n, bool reverse,
		  const struct sweep_ops *ops, sweep_fn cb, void *arg, struct sweep_counts *cnt);

/* sweep_plan() - sweep_name() over every name of @z. Returns the removals handed on. */
size_t sweep_plan(const struct zdiff *z, bool reverse, const struct sweep_ops *ops, sweep_fn cb,
		  void *arg, struct sweep_counts *cnt);

/*
 * sweep_reverse_addr() - the address a reverse name encodes: four labels
 * under in-addr.arpa. (v4) or 32 nibbles under ip6.arpa. (v6), lower case,
 * trailing dot. Returns 4 or 6, or -EINVAL (a prefix's name, the apex, …).
 */
int sweep_reverse_addr(const char *name, uint8_t addr[16]);
#endif
