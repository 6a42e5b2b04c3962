/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/sqlfeed.h - Kea's leases in a SQL database (PostgreSQL through
 * libpq, user/lease/pgfeed; MySQL/MariaDB through libmariadb,
 * user/lease/myfeed) as a lease source: feeds the same lease tables
 * (user/lease/leases.h, opened without a file) the memfile source feeds, so
 * the reconciler is the same. It owns leasesnoop's own schema beside Kea's
 * (never altering Kea's tables' columns): a change table that AFTER
 * INSERT/UPDATE/DELETE triggers on lease4/lease6 write (pure renewals are
 * filtered in the trigger), and its version. At every session start a full
 * pass pages through lease4/lease6 by primary key; then the change table is
 * polled every poll-interval, and at once when PostgreSQL's NOTIFY arrives
 * (a wake-up only: correctness never depends on it). Each changed address,
 * each wire event's address and each lease the clock says is due is looked
 * up by address (the primary key index) and the row applied as Kea's loader
 * would: a missing row deletes. The name removed is the one the table held
 * (Kea clears hostname on reclamation).
 *
 * Statements are synchronous but bounded (connect-timeout, statement and
 * read timeouts, TCP keepalives); connecting to PostgreSQL is non-blocking.
 * When the server is unreachable or refuses, the feed retries with backoff
 * (1 s doubling to 30 s), counts, and logs one rate-limited line; DHCP is
 * never affected, and no lease is expired by the clock while renewals
 * cannot be checked.
 */
#ifndef LS_SQLFEED_H
#define LS_SQLFEED_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "user/lease/leasedb.h"
#include "user/lease/leases.h"

/* ---- what a backend provides (pgfeed.c, myfeed.c) ---- */

struct sqlconn;

/* The rows of one statement, as text: cell (i, c) is v[i * ncols + c], NULL for SQL NULL. */
struct sqlrows {
	int n, ncols;
	const char **v;
	uint64_t affected;	/* rows a DELETE/UPDATE touched */
	void *res;		/* the backend's result, freed with the rows */
};

/* Statement errors a backend tells apart. */
#define SQLFEED_ELOST	(-ENOTCONN)	/* the session is gone */
#define SQLFEED_ENOTAB	(-ENOENT)	/* a table or schema does not exist */

struct sqlfeed_backend {
	const char *name;		/* "PostgreSQL" */
	const char *cols[2];		/* v4, v6 select lists in leasedb_row_parse()'s order */
	const char *change, *version;	/* leasesnoop's tables, qualified */
	const char *prune[2];		/* DELETE of change rows older than: [0] <seconds> [1] */
	const char *triggers;		/* one number: leasesnoop's triggers on lease4/lease6 */
	int triggers_want;
	const char *listen;		/* the wake-up subscription, NULL: none */
	const char *seq_last;		/* the last change seq handed out (one number, NULL or 0: unknown) */
	const char *kea_check;		/* 't' or '1' when Kea's lease4 and lease6 exist */
	const char *const *ddl;		/* --db-init statements, NULL-terminated */
	uint16_t default_port;
	/*
	 * start() - begin a session (@blocking: complete it); 0 or negative,
	 * with the reason in @msg. step() - advance a session being set up: 1
	 * when up, 0 when it waits for its socket, negative on failure.
	 */
	int (*start)(struct sqlconn **out, const struct leasedb_conf *c, bool blocking, char *msg,
		     size_t len);
	int (*step)(struct sqlconn *s, char *msg, size_t len);
	int (*fd)(const struct sqlconn *s);
	/* exec() - one statement; 0, SQLFEED_ELOST, SQLFEED_ENOTAB or -EIO, reason in @msg */
	int (*exec)(struct sqlconn *s, const char *sql, struct sqlrows *out, char *msg, size_t len);
	void (*rows_free)(struct sqlrows *r);
	/* wakeups() - read what the server sent unasked: NOTIFYs seen, or SQLFEED_ELOST */
	int (*wakeups)(struct sqlconn *s);
	void (*close)(struct sqlconn *s);
};

struct sqlfeed;

struct sqlfeed_stats {
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
	uint64_t holes_skipped;		/* change seqs never committed within 10 s, given up */
};

/*
 * sqlfeed_open() - a feed for @c (must outlive it) into the tables @t4 and
 * @t6 (either may be NULL). Connects later, from sqlfeed_process(). Returns 0
 * or -ENOMEM. Close with sqlfeed_close().
 */
int sqlfeed_open(struct sqlfeed **out, const struct leasedb_conf *c, struct leases *t4,
		struct leases *t6);

/* sqlfeed_close() - end the session and free @f; NULL is a no-op. */
void sqlfeed_close(struct sqlfeed *f);

/*
 * sqlfeed_fd() - the session's socket (-1 when none) to poll for input
 * (NOTIFY); sqlfeed_generation() changes whenever the socket may have, so
 * the caller registers it again.
 */
int sqlfeed_fd(const struct sqlfeed *f);
unsigned int sqlfeed_generation(const struct sqlfeed *f);

/*
 * sqlfeed_process() - connect or reconnect when due, read NOTIFYs, run one
 * page of a full pass or one poll of the change table with its lookups.
 * Bounded work per call. Returns 1 when more work is ready now, else 0.
 */
int sqlfeed_process(struct sqlfeed *f);

/* sqlfeed_loaded() - the first full pass has finished: the tables hold every lease. */
bool sqlfeed_loaded(const struct sqlfeed *f);

/*
 * sqlfeed_want() - look @addr up at the next poll (a wire event saw it).
 * The queue is bounded; past it the lookup is dropped and counted.
 */
void sqlfeed_want(struct sqlfeed *f, int family, const uint8_t *addr);

/*
 * sqlfeed_expire() - the clock expiry of the tables at @now: leases due are
 * looked up first (a renewal the trigger filtered moves their expire), then
 * leases_expire_scan() runs. Does nothing without a session. Returns the
 * number of leases expired.
 */
int sqlfeed_expire(struct sqlfeed *f, time_t now);

/* sqlfeed_get_stats() - copy the counters. */
void sqlfeed_get_stats(const struct sqlfeed *f, struct sqlfeed_stats *st);

/*
 * sqlfeed_admin() - `--db-init` (@upgrade false) or `--db-upgrade`: install
 * or upgrade leasesnoop's schema (change table, triggers on Kea's
 * lease4/lease6, version) idempotently (PostgreSQL: in one transaction);
 * blocking. Needs Kea's schema in place and a user that may
 * create a schema and triggers on lease4/lease6 (Kea's tables' owner).
 * Refuses a schema newer than this build knows. Returns 0 or a negative
 * error (logged).
 */
int sqlfeed_admin(const struct leasedb_conf *c, bool upgrade);

/* sqlfeed_backend_of() - the backend of @type, NULL for memfile. */
const struct sqlfeed_backend *sqlfeed_backend_of(enum leasedb_type type);

#endif
