/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/sync/verify.h - DNS checked, not trusted: every dns-verify-interval
 * (or on the control command dns-verify) each configured zone is pulled by
 * a TSIG-signed AXFR (user/dns/xfr.h, non-blocking, inside the daemon's
 * event loop), later ones by IXFR from the serial verified last applied to
 * the copy kept from it (AXFR again when the server answers in full or
 * refuses), and compared with what the ownership store says leasesnoop
 * put there (user/dns/zdiff.h). A binding whose records are missing or
 * altered is handed back to the reconciler for repair (its add sent again
 * through the engine, with the usual conflict rules); RRs of other types at
 * an owned name, and every name we do not own, are only counted, never
 * touched. One zone is transferred at a time.
 */
#ifndef LS_VERIFY_H
#define LS_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "user/dns/dnsengine.h"
#include "user/dns/zdiff.h"
#include "user/dns/zones.h"
#include "user/sync/known.h"
#include "user/sync/owner.h"

/* Per zone, for --stats and /metrics. Counters are totals since start. */
struct verify_zone_stats {
	char zone[ZONES_NAME_MAX];
	bool reverse;
	uint64_t runs;		/* verifications completed */
	uint64_t ixfr_runs;	/* of which by IXFR (differences, or none, since the last one) */
	uint64_t missing;	/* owned RRs found missing */
	uint64_t wrong;		/* owned RRsets found holding other data */
	uint64_t repaired;	/* bindings handed back for repair */
	uint64_t foreign;	/* RRs of other types at owned names, last run (a gauge) */
	uint64_t failures;	/* transfers that failed (refused, timeout, bad TSIG) */
	uint32_t serial;	/* SOA serial of the last verified content */
	int64_t last_time;	/* Unix time of the last completed verification, 0: never */
	uint64_t last_ms;	/* how long it took: transfer and comparison, ms */
	uint64_t orphans_found;	/* "sweep-orphans": orphan names found, every run */
	uint64_t orphans_removed;	/* orphan removals the server applied */
};

/* One owned binding, as the comparison needs it. */
struct verify_bind {
	uint8_t family, prefix_len, mode, fwd, rev;
	uint8_t addr[16];
	uint8_t dhcid[DHCID_RDATA_LEN];
	char fqdn[ZONES_NAME_MAX];
	char fwd_zone[ZONES_NAME_MAX];
	char rev_zone[ZONES_NAME_MAX];
};

/* verify_item_fn - a binding to repair, with what was wrong at its name. */
typedef void (*verify_item_fn)(void *arg, const struct verify_bind *b, const char *name,
			       const struct zdiff_verdict *v);

struct verify_counts {
	uint64_t missing, wrong, foreign, bad;
	/* optional: each name judged, with its foreign RRs (0 too) */
	void (*foreign_at)(void *arg, const char *name, unsigned int n);
	void *foreign_arg;
};

/*
 * verify_plan() - the decision, pure: compare zone @zone's content @z with
 * the bindings @b[0..n) that put records in it (forward side when
 * !@reverse, reverse side otherwise; others are ignored): per owner name,
 * A/AAAA (or PTR) and DHCID must be exactly the owned ones. Each binding at
 * a name that is not right goes to @cb. Counts into @cnt. Returns the
 * number of bindings handed to @cb, or -ENOMEM.
 */
long verify_plan(const struct zdiff *z, const char *zone, bool reverse,
		 const struct verify_bind *b, size_t n, verify_item_fn cb, void *arg,
		 struct verify_counts *cnt);

typedef void (*verify_repair_fn)(void *ctx, int family, const uint8_t *addr);
/* verify_remove_fn - send an orphan's removal (the engine, or --dry-run's printer). */
typedef int (*verify_remove_fn)(void *ctx, const struct dnsengine_change *c);
/* verify_wanted_fn - reconcile_wanted(): the live lease at the address wants this binding. */
typedef bool (*verify_wanted_fn)(void *ctx, int family, const uint8_t *addr, const char *fqdn,
				 const uint8_t *dhcid, bool reverse);

struct verify_opts {
	const struct zones *zones;	/* must outlive the verifier */
	struct owner *owner;
	uint32_t interval_s;		/* 0: only on request */
	uint32_t timeout_ms;		/* one transfer */
	verify_repair_fn repair;
	void *ctx;
	/*
	 * "sweep-orphans" (user/sync/sweep.h): with @known set, each completed
	 * verification also removes the zone's orphans through @remove (its
	 * changes carry verify_sweep_tag in .user; hand their outcome to
	 * verify_sweep_done()); @wanted and @remove take @ctx
	 */
	const struct known *known;
	verify_wanted_fn wanted;
	verify_remove_fn remove;
	bool dry_run;			/* log "would remove" */
};

/* The .user of the orphan removals the verifier sends. */
extern char verify_sweep_tag[];

struct verify;

/* verify_new() - a verifier over every zone of @o->zones. Returns 0 or -errno. */
int verify_new(struct verify **out, const struct verify_opts *o);
/* verify_free() - abort a transfer under way; NULL is a no-op. */
void verify_free(struct verify *v);
/* verify_fd() - an epoll fd readable when verify_process() has work. */
int verify_fd(const struct verify *v);
/*
 * verify_request() - verify @zone (NULL: every zone) as soon as possible.
 * Returns the number of zones queued, or -ENOENT for an unknown zone.
 */
int verify_request(struct verify *v, const char *zone);
/* verify_tick() - timers: the interval, a transfer's deadline. */
void verify_tick(struct verify *v);
/* verify_process() - move the transfer on (never blocks). */
void verify_process(struct verify *v);
/* verify_busy() - a transfer is under way or zones are queued. */
bool verify_busy(const struct verify *v);
/*
 * verify_sweep_done() - the final outcome @r of orphan removal @c (whose
 * .user is verify_sweep_tag): counted in its zone. @v may be NULL (the
 * verifier was replaced meanwhile): nothing is counted.
 */
void verify_sweep_done(struct verify *v, const struct dnsengine_change *c,
		       const struct dnsengine_result *r);
/*
 * verify_note() - the binding at (@family, @addr) changed in the store (an
 * add or removal came back from the engine): the next IXFR verification
 * compares it even if the transfer does not touch its names. @v may be NULL.
 */
void verify_note(struct verify *v, int family, const uint8_t *addr);
/* verify_nzones() / verify_zone_at() - per-zone counters. */
size_t verify_nzones(const struct verify *v);
const struct verify_zone_stats *verify_zone_at(const struct verify *v, size_t i);
#endif
