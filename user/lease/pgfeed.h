/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/pgfeed.h - Kea's leases in PostgreSQL as a lease source: feeds
 * the same lease tables (user/lease/leases.h, opened without a file) the
 * memfile source feeds, so the reconciler is the same. It owns leasesnoop's
 * own schema "leasesnoop" beside Kea's (never altering Kea's tables'
 * columns): a change table that AFTER INSERT/UPDATE/DELETE triggers on
 * lease4/lease6 write (pure renewals are filtered in the trigger), and its
 * version. At start (and when the change table no longer reaches back to
 * where the feed stood) a full pass pages through lease4/lease6 by primary
 * key; afterwards the change table is polled every poll-interval, and at
 * once when a NOTIFY arrives (a wake-up only: correctness never depends on
 * it). Each changed address, each wire event's address and each lease the
 * clock says is due is looked up by address (the primary key index) and
 * the row applied as Kea's loader would: a missing row deletes. The name
 * removed is the one the table held (Kea clears hostname on reclamation).
 *
 * libpq calls are synchronous but bounded (connect-timeout, statement
 * timeout, tcp-user-timeout); connecting is non-blocking. When the server is
 * unreachable or refuses, the feed retries with backoff (1 s doubling to
 * 30 s), counts, and logs one rate-limited line; DHCP is never affected,
 * and no lease is expired by the clock while renewals cannot be checked.
 */
#ifndef LS_PGFEED_H
#define LS_PGFEED_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "user/lease/leasedb.h"
#include "user/lease/leases.h"

struct pgfeed;

struct pgfeed_stats {
	uint64_t connected;		/* 1 while a session is up and the schema good */
	uint64_t loaded;		/* 1 once the first full pass finished */
	uint64_t connects;		/* sessions established */
	uint64_t connect_failures;	/* tries that failed (unreachable, credentials, schema) */
	uint64_t disconnects;		/* sessions lost mid-run */
	uint64_t schema_errors;		/* schema missing, older, newer, or triggers missing */
	uint64_t query_errors;		/* statements that failed */
	uint64_t polls;			/* change-table reads */
	uint64_t notifies;		/* NOTIFY wake-ups */
	uint64_t change_rows;		/* change rows read */
	uint64_t lookups;		/* lookup statements (by address, batched) */
	uint64_t lookup_rows;		/* lease rows they returned */
	uint64_t gone;			/* addresses looked up that Kea no longer has */
	uint64_t full_passes;		/* full passes finished */
	uint64_t full_rows;		/* rows read by full passes */
	uint64_t bad_rows;		/* lease rows that do not parse (skipped, logged) */
	uint64_t debounced;		/* rows held for Kea's second name write */
	uint64_t expiry_checks;		/* leases due by the clock, looked up first */
	uint64_t wire_lookups;		/* wire events looked up */
	uint64_t wants_dropped;		/* lookups dropped: queue full (the feed covers them) */
	uint64_t pruned;		/* change rows older than change-retention deleted */
	uint64_t cursor;		/* the last change seq applied */
};

/*
 * pgfeed_open() - a feed for @c (must outlive it) into the tables @t4 and
 * @t6 (either may be NULL). Connects later, from pgfeed_process(). Returns 0
 * or -ENOMEM. Close with pgfeed_close().
 */
int pgfeed_open(struct pgfeed **out, const struct leasedb_conf *c, struct leases *t4,
		struct leases *t6);

/* pgfeed_close() - end the session and free @f; NULL is a no-op. */
void pgfeed_close(struct pgfeed *f);

/*
 * pgfeed_fd() - the session's socket (-1 when none) to poll for input
 * (NOTIFY); pgfeed_generation() changes whenever the socket may have, so
 * the caller registers it again.
 */
int pgfeed_fd(const struct pgfeed *f);
unsigned int pgfeed_generation(const struct pgfeed *f);

/*
 * pgfeed_process() - connect or reconnect when due, read NOTIFYs, run one
 * page of a full pass or one poll of the change table with its lookups.
 * Bounded work per call. Returns 1 when more work is ready now, else 0.
 */
int pgfeed_process(struct pgfeed *f);

/* pgfeed_loaded() - the first full pass has finished: the tables hold every lease. */
bool pgfeed_loaded(const struct pgfeed *f);

/*
 * pgfeed_want() - look @addr up at the next poll (a wire event saw it).
 * The queue is bounded; past it the lookup is dropped and counted.
 */
void pgfeed_want(struct pgfeed *f, int family, const uint8_t *addr);

/*
 * pgfeed_expire() - the clock expiry of the tables at @now: leases due are
 * looked up first (a renewal the trigger filtered moves their expire), then
 * leases_expire_scan() runs. Does nothing without a session. Returns the
 * number of leases expired.
 */
int pgfeed_expire(struct pgfeed *f, time_t now);

/* pgfeed_get_stats() - copy the counters. */
void pgfeed_get_stats(const struct pgfeed *f, struct pgfeed_stats *st);

/*
 * pgfeed_admin() - `--db-init` (@upgrade false) or `--db-upgrade`: install
 * or upgrade the schema "leasesnoop" (change table, trigger function,
 * triggers on Kea's lease4/lease6, version) in one transaction,
 * idempotently; blocking. Needs Kea's schema in place and a user that may
 * create a schema and triggers on lease4/lease6 (Kea's tables' owner).
 * Refuses a schema newer than this build knows. Returns 0 or a negative
 * error (logged).
 */
int pgfeed_admin(const struct leasedb_conf *c, bool upgrade);

#endif
