/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/adopt.h - read-only probe of DNS for records another DDNS client
 * (Kea D2) left for a lease: does the name hold this client's DHCID and
 * address, and the reverse name its PTR and DHCID? The reconciler decides
 * what to adopt; this module only asks (QUERY, TSIG-signed, pipelined over
 * TCP through dnsio) and compares.
 */
#ifndef LS_ADOPT_H
#define LS_ADOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/dns/dhcid.h"
#include "user/dns/zones.h"

/* One binding to check. */
struct adopt_item {
	/* in */
	int family;				/* 4 or 6 */
	uint8_t addr[16];
	char fqdn[ZONES_NAME_MAX];		/* canonical, trailing dot */
	uint8_t dhcid[DHCID_RDATA_LEN];		/* dhcid_compute() for this client and name */
	const struct zones_domain *fz;		/* forward domain; NULL: side not wanted */
	const struct zones_domain *rz;		/* reverse domain; NULL: side not wanted */
	bool by_query;		/* asked by query even where a zone transfer's index could tell */
	/* out */
	bool fwd_ok;	/* fqdn holds our DHCID and an A/AAAA with addr */
	bool rev_ok;	/* the reverse name holds a PTR to fqdn and our DHCID */
	bool fwd_dhcid;	/* fqdn holds our DHCID (whatever else: a remove half done) */
	bool rev_dhcid;	/* the reverse name holds our DHCID */
	bool failed;	/* a query got no usable answer (timeout, bad TSIG, SERVFAIL …) */
};

/*
 * Counters of adoption: the queries of the probe and, for adoption by zone
 * transfer (user/dns/adoptxfr.h), the transfers, the RRs they indexed and
 * the leases their index settled. All totals but @index_bytes (the index
 * held now: 0 once a round is over).
 */
struct adopt_stats {
	uint64_t queries, answers, failures;
	uint64_t transfers;		/* zone transfers completed for adoption */
	uint64_t transfer_failures;	/* refused, timed out, bad TSIG: those zones asked by query */
	uint64_t transfer_rrs;		/* RRs the transfers delivered */
	uint64_t settled;		/* leases decided from a transfer's index, no query */
	uint64_t index_bytes;		/* the index's memory now */
};

/*
 * The four things a lease's records are checked for, whichever way DNS is
 * read: one question each for the probe, one index look-up each for the
 * transfer (adoptidx_decide()). fwd_ok needs both forward ones, rev_ok both
 * reverse ones.
 */
enum adopt_kind { ADOPT_FWD_DHCID = 0, ADOPT_FWD_ADDR, ADOPT_REV_PTR, ADOPT_REV_DHCID, ADOPT_KINDS };

/*
 * adopt_want() - the rule, pure: for check @k of @it, the RR that must be
 * at which name: the owner into @name[0..cap) (lower case, trailing dot),
 * its type into *@type and its RDATA into *@rdata and *@len (pointing into
 * @it; a PTR's is the target name in presentation form, NUL included, as
 * user/dns/xfr.h delivers it). Returns 0, or -EINVAL when @k's side is not
 * wanted (its zone NULL) or has no reverse name.
 */
int adopt_want(const struct adopt_item *it, enum adopt_kind k, char *name, size_t cap,
	       uint16_t *type, const uint8_t **rdata, size_t *len);
/*
 * adopt_rr_match() - pure: does an RR of @type with @rdata[0..len) (a PTR:
 * the target, NUL included) at check @k's name satisfy it for @it?
 */
bool adopt_rr_match(const struct adopt_item *it, enum adopt_kind k, uint16_t type,
		    const uint8_t *rdata, size_t len);
/* adopt_items_reset() - clear the out fields of @items[0..n) (nothing decided yet). */
void adopt_items_reset(struct adopt_item *items, size_t n);
/*
 * adopt_verdict() - pure: set @it's fwd_ok and rev_ok from @found (bit
 * 1 << k set when check k was satisfied): a side is ok when it is wanted
 * and both of its checks were; fwd_dhcid and rev_dhcid when it is wanted
 * and its DHCID check was.
 */
void adopt_verdict(struct adopt_item *it, unsigned int found);

/*
 * The probe as an object the caller's event loop drives, so probing a whole
 * site never blocks the control socket, wire events or UPDATEs:
 * adopt_probe_start() asks the first questions (@items stays the caller's
 * until adopt_probe_free(); @inflight 0: 256, @timeout_ms 0: 2000);
 * adopt_probe_fd() is readable when answers wait; adopt_probe_run() handles
 * what is there without blocking and asks more: 0 while questions are open,
 * 1 when every one is answered or timed out (the out fields are then set),
 * a negative errno if the probe failed (socket or memory: nothing matched).
 * adopt_probe_free() adds the counters to @st (may be NULL) and frees.
 */
struct adopt_probe;

int adopt_probe_start(struct adopt_probe **out, struct adopt_item *items, size_t n,
		      unsigned int inflight, unsigned int timeout_ms);
int adopt_probe_fd(const struct adopt_probe *p);
int adopt_probe_run(struct adopt_probe *p);
void adopt_probe_free(struct adopt_probe *p, struct adopt_stats *st);
/* adopt_probe_get_stats() - add the counters so far (a probe still running) to @st */
void adopt_probe_get_stats(const struct adopt_probe *p, struct adopt_stats *st);

/**
 * adopt_probe() - fill the out fields of @items[0..n). Each wanted side is
 * asked of the first usable server of its domain, signed with that server's
 * key; replies are TSIG-verified. At most @inflight queries are outstanding
 * (0: 256); each waits @timeout_ms (0: 2000). Blocks until all are answered
 * or timed out. @st (may be NULL) gets the counters added.
 * Returns 0 or a negative errno (socket or memory failure: nothing matched).
 */
int adopt_probe(struct adopt_item *items, size_t n, unsigned int inflight,
		unsigned int timeout_ms, struct adopt_stats *st);

#endif
