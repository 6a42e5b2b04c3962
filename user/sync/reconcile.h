/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/reconcile.h - the reconciler: joins wire events, the lease tables and
 * the ownership store, and decides which DNS bindings to add and remove. It
 * is level-triggered: every trigger (a lease-file change, a confirmed wire
 * event, the start-up and periodic full reconciliation) only marks an
 * address dirty; syncing an address compares what the lease tables want
 * there (desired) with what the store says leasesnoop put in DNS (owned)
 * and sends the difference, one change per address in flight, the old
 * binding removed before a new one is added. Wire events are confirmed
 * against the lease table (at once, or pending up to pending-timeout);
 * one never confirmed changes nothing. Queues are bounded: the dirty set
 * holds each address once, pending wire events are capped (the oldest is
 * dropped and counted; the lease-file path still covers it) and changes
 * handed to the DNS side are capped by max-queued-changes.
 */
#ifndef LS_RECONCILE_H
#define LS_RECONCILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ringbuf/event.h"
#include "user/dns/adopt.h"
#include "user/ctl/config.h"
#include "user/dns/dnsengine.h"
#include "user/lease/leases.h"
#include "user/sync/known.h"
#include "user/sync/owner.h"

/* reconcile_submit_fn - send @c to DNS (the engine, or --dry-run's printer). 0 or -errno. */
typedef int (*reconcile_submit_fn)(void *ctx, const struct dnsengine_change *c);

struct reconcile_opts {
	const struct config *cfg;	/* must outlive the reconciler (or reconcile_set_config()) */
	struct owner *owner;
	reconcile_submit_fn submit;
	void *submit_ctx;
	time_t (*clock)(void *ctx);		/* wall clock, s; NULL: time(NULL) */
	uint64_t (*mono_ms)(void *ctx);		/* monotonic, ms; NULL: CLOCK_MONOTONIC */
	void *clock_ctx;
	/*
	 * shared mode: only addresses @mine says this instance leads are
	 * marked, synced and recorded; NULL: every address
	 */
	bool (*mine)(void *ctx, int family, const uint8_t *addr);
	void *mine_ctx;
};

struct reconcile_stats {
	uint64_t events[LS_EV_TYPE_MAX_];	/* wire events by enum ls_event_type */
	uint64_t confirmed, unconfirmed, pending_dropped, ignored_events;
	uint64_t ncr_triggers;			/* Kea NCRs that marked an address dirty */
	uint64_t no_fwd_zone;			/* syncs of a name in no forward zone (PTR only or nothing) */
	uint64_t pending;			/* waiting for the lease file now */
	uint64_t lease_changes[LEASE_CH_MAX_];
	uint64_t adds, removes;			/* changes sent */
	uint64_t applied, conflicts, failed;	/* outcomes, per side */
	uint64_t dirty, inflight;		/* queue depths now */
	uint64_t syncs, full_runs;
	uint64_t no_name, no_zone;		/* active leases left out of DNS, last full run */
	uint64_t unpublishable;			/* leases whose name cannot be published (once each) */
	uint64_t held;				/* full-pass retries of refused bindings held back */
	uint64_t store_errors;
	uint64_t adopted;			/* bindings taken over from DNS without an UPDATE */
	uint64_t adopt_probed;			/* leases looked up in DNS for adoption */
	uint64_t removes_found_applied;		/* shared mode: unfinished removes already in DNS, not sent again */
	uint64_t adds_found_absent;		/* shared mode: unwanted unfinished adds not (all) in DNS: not removed */
	/* final outcomes by [v6][op][reverse side][enum dnsengine_outcome] */
	uint64_t changes[2][2][2][DNSENGINE_OUTCOME_MAX_];
};

struct reconcile;

/* reconcile_new() - a reconciler with options @o (copied). Returns 0 or -ENOMEM. */
int reconcile_new(struct reconcile **out, const struct reconcile_opts *o);

/* reconcile_free() - free it; changes in flight are forgotten (the store has them). NULL ok. */
void reconcile_free(struct reconcile *r);

/* reconcile_set_leases() - the lease table of @family (4 or 6); NULL: none. */
void reconcile_set_leases(struct reconcile *r, int family, struct leases *t);

/* reconcile_set_config() - switch to @cfg (SIGHUP); the caller runs reconcile_full(). */
void reconcile_set_config(struct reconcile *r, const struct config *cfg);

/*
 * reconcile_lease_change() - the leases_change_fn to give the lease tables
 * (ctx = the reconciler): marks the address (and for MOVED the client's other
 * one) dirty and re-checks pending wire events.
 */
void reconcile_lease_change(void *ctx, const struct lease_change *ch);

/*
 * reconcile_ncr() - Kea's NameChangeRequest for @addr (the third trigger):
 * marks the address dirty, so it is synced from the lease table (which
 * still decides whether the lease exists and, with honor-fqdn-flags, which
 * sides Kea wants). @add: an add request, which re-sends an unchanged
 * binding as D2 would (Kea only sends one on a renewal when its
 * ddns-update-on-renew says so); not while a change for @addr is with the
 * DNS side (a new lease's own add: D2 sends that once).
 */
void reconcile_ncr(struct reconcile *r, int family, const uint8_t *addr, int add);

/*
 * renew_resend_due() - whether an update-on-renew re-send of a binding in
 * place is due: its records (written at @updated) predate the lease's term
 * (@cltt; 0: unknown, due). Pure.
 */
bool renew_resend_due(int64_t updated, int64_t cltt);

/*
 * intent_settle_ms() - shared mode: how long after a takeover the unfinished
 * adds and removes of the leader before are looked up in DNS (its UPDATEs
 * may still be on their way into the server): the longest a leader waits
 * for a reply itself, @timeout_max_ms bounded below by @timeout_ms as the
 * engine does (0s: the engine's defaults, 2000 and 15000). Pure.
 */
uint32_t intent_settle_ms(uint32_t timeout_ms, uint32_t timeout_max_ms);

/*
 * remove_left() - shared mode: the sides (*@fwd, *@rev) of an unfinished
 * remove still to send once DNS answered whether each still holds the
 * binding's records (@fwd_there, @rev_there). Pure.
 */
void remove_left(uint8_t *fwd, uint8_t *rev, bool fwd_there, bool rev_there);

/* reconcile_event() - one wire event: confirmed, pending, or (ack-less types) counted. */
void reconcile_event(struct reconcile *r, const struct ls_event *ev);

/*
 * reconcile_full() - mark every owned binding and every active lease dirty,
 * so the next flushes compare all of desired with all of owned. Returns 0 or
 * a negative error from the store.
 */
int reconcile_full(struct reconcile *r);

/*
 * reconcile_retire_zones() - before a configuration without some zones
 * takes over: mark every owned binding whose forward or reverse domain is
 * not in @keep for removal (the intent is stored at once). Then switch to
 * the new configuration (reconcile_set_config()) and flush while the DNS
 * side still knows the old zones: the removals go out, and what the new
 * configuration still wants of those bindings is added back. Returns how
 * many bindings were marked.
 */
int reconcile_retire_zones(struct reconcile *r, const struct zones *keep);

/*
 * reconcile_repair() - DNS lost or altered what the binding of (@family,
 * @addr) put there (the verifier saw it): sync it again and, if desired
 * and owned still agree, send its add again, through the engine's usual
 * RFC 4703 steps (conflict rules included).
 */
void reconcile_repair(struct reconcile *r, int family, const uint8_t *addr);

/*
 * reconcile_set_known() - "sweep-orphans": from now on remember in @k the
 * DHCID of every lease row read (its client at its name), whatever its
 * state; NULL: stop. @k must outlive the reconciler or be unset first.
 */
void reconcile_set_known(struct reconcile *r, struct known *k);

/*
 * reconcile_lease_row() - the lease tables' on_row (ctx = the reconciler):
 * with reconcile_set_known(), remembers the row's client at its name.
 */
void reconcile_lease_row(void *ctx, const struct lease *l);

/*
 * reconcile_wanted() - the live lease at (@family, @addr) wants the binding
 * (@fqdn, @dhcid) published now: its forward side (!@reverse) or its
 * reverse side (@reverse) goes to a configured zone. For the orphan sweep.
 */
bool reconcile_wanted(struct reconcile *r, int family, const uint8_t *addr, const char *fqdn,
		      const uint8_t *dhcid, bool reverse);

/*
 * reconcile_tick() - timers: pending wire events past their deadline become
 * unconfirmed; a full reconciliation every full-reconcile-interval.
 */
void reconcile_tick(struct reconcile *r);

/*
 * reconcile_flush() - sync dirty addresses (a bounded amount of work per
 * call), write the intents, commit the store (fsync) and only then submit
 * the changes. Returns reconcile_ready() (1: call again at once), or a
 * negative error of the store.
 */
int reconcile_flush(struct reconcile *r);

/*
 * reconcile_ready() - 1 when dirty work can be synced now, 0 when there is
 * none or all of it waits for an in-flight slot (max-queued-changes): then
 * only a DNS reply (reconcile_done()) can make progress, and the caller may
 * sleep until one comes.
 */
int reconcile_ready(const struct reconcile *r);

/*
 * reconcile_hold_ms() - how long full passes leave alone a binding the DNS
 * server refused @fails times in a row (BADSIG, NOTAUTH, REFUSED …): 0 for
 * one (the next full pass retries it), then 1 s doubling per refusal, up
 * to 10 min. A lease change or a reload retries it at once. Pure.
 */
uint64_t reconcile_hold_ms(unsigned int fails);

/*
 * reconcile_done() - the outcome of a submitted change (the engine's
 * callback, final reports only); recorded in the store at the next flush.
 */
void reconcile_done(struct reconcile *r, const struct dnsengine_change *c,
		    const struct dnsengine_result *res);

/*
 * reconcile_forget_inflight() - the DNS side dropped what it held (engine
 * replaced): every address in flight is synced again from the store's intent.
 */
void reconcile_forget_inflight(struct reconcile *r);

/*
 * Adoption ("adopt-existing") runs beside the event loop, never blocking
 * it: a full pass queues the active leases that have no binding (instead of
 * marking them dirty), and the caller probes DNS for them a chunk at a time
 * (adopt_probe_start()). reconcile_adopt_next() hands out the next chunk
 * (@items belongs to the reconciler; 0: none, or one is still out);
 * reconcile_adopt_done() takes the answers for it: a lease whose records DNS
 * already holds with its client's DHCID becomes a binding in state added
 * with no UPDATE, every other one is marked dirty for the add path. @err
 * (the probe failed, or was cancelled by a reload) gives up the rest of the
 * round: every queued lease takes the add path. A lease changed meanwhile
 * (a lease change or wire event), or whose address saw a removal sent, is
 * synced as usual and DNS's answer for it ignored, however it was read (a
 * query, or a zone transfer that began before the change); so is one whose
 * name, DHCID or zones are no longer those it was asked about with.
 */
size_t reconcile_adopt_next(struct reconcile *r, struct adopt_item **items);
void reconcile_adopt_done(struct reconcile *r, int err);
/* reconcile_adopt_left() - leases of the round not yet handed out (sizes a transfer's index). */
size_t reconcile_adopt_left(const struct reconcile *r);
/*
 * reconcile_adopt_chunk() - hand out at most @n leases a chunk from now on
 * (0: 4,096, also the most): each chunk's answers are applied in one turn
 * of the caller's loop, so a smaller one keeps that turn short when the
 * answers come at once (from a transfer's index).
 */
void reconcile_adopt_chunk(struct reconcile *r, size_t n);

/* reconcile_adopting() - 1 while an adoption round has leases left to probe or out. */
int reconcile_adopting(const struct reconcile *r);

/* reconcile_idle() - nothing dirty, pending or in flight. */
int reconcile_idle(const struct reconcile *r);

/* reconcile_get_stats() - copy the counters. */
void reconcile_get_stats(const struct reconcile *r, struct reconcile_stats *st);

/* Final outcomes of one zone, per side (its name is the domain's). */
struct reconcile_zone_stats {
	const char *name;			/* valid until the reconciler is freed */
	const struct zones_domain *domain;	/* its configured domain (servers); NULL if gone */
	uint64_t applied, conflict, failed;
};

/*
 * reconcile_zone_stats() - the outcomes of zone @i, zones in the order their
 * first outcome came. Returns 0, or -ENOENT past the last zone.
 */
int reconcile_zone_stats(const struct reconcile *r, size_t i, struct reconcile_zone_stats *st);

/* What the reconciler decided at one address, and why (reconcile_explain()). */
struct reconcile_explain {
	int has_lease;			/* the lease table holds a row there */
	struct lease lease;		/* that row; its pointers are valid until the table changes */
	int ok;				/* a binding is wanted: fqdn, zones, dhcid, ttl are set */
	const char *why_not;		/* else why not: "no usable name", "no configured zone",
					 * "lease says no DNS", "name cannot be published", … */
	const char *bad_name;		/* the name cannot be published: why */
	int no_fwd_zone;		/* the name is in no forward zone (PTR only, or nothing) */
	char fqdn[ZONES_NAME_MAX];
	const struct zones_domain *fz, *rz;	/* the domains it goes to (NULL: that side not) */
	uint8_t dhcid[DHCID_RDATA_LEN];
	uint32_t ttl;
	/* the reconciler's own state there */
	int dirty;			/* waiting to be synced */
	int in_flight;			/* a change is with the DNS side */
	unsigned int pending_wire;	/* wire events waiting for the lease file to confirm them */
	unsigned int fails;		/* refusals in a row by the server */
	uint64_t held_ms;		/* full passes leave it alone this much longer */
	int last_op;			/* the last final outcome: 0 none (or forgotten), 1 add, 2 remove */
	enum dnsengine_outcome last_fwd, last_rev;
};

/*
 * reconcile_explain() - what the reconciler wants at (@family, @addr) and
 * why, from the very decision a sync acts on (nothing is counted, logged or
 * changed), plus its queue state and last outcome there. Returns 0 or -EINVAL.
 */
int reconcile_explain(const struct reconcile *r, int family, const uint8_t *addr,
		      struct reconcile_explain *x);

/* reconcile_last_error() - the last error in words ("" if none), valid until the next call in. */
const char *reconcile_last_error(const struct reconcile *r);

#endif
