/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/leasedb.h - the pure half of the SQL lease source (Kea's
 * "lease-database" of type postgresql or mysql): its settings, and every decision
 * the feed (user/lease/sqlfeed.h) takes, without a connection. A database
 * row of lease4/lease6, selected as text in LEASEDB_COLS4/6's order,
 * becomes the same struct kea_row a memfile line does, so the lease table
 * (user/lease/leases.h) and the reconciler work unchanged; a change row for
 * an address Kea no longer has becomes a lifetime-0 row (Kea's own delete).
 * Also: the schema version verdict, the change-feed cursor that never
 * skips a sequence number a slow transaction has yet to commit (unless the
 * hole outlives LEASEDB_GAP_MS), the debounce of Kea's two-step name write
 * and the reconnect backoff.
 */
#ifndef LS_LEASEDB_H
#define LS_LEASEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/lease/kea_csv.h"

enum leasedb_type { LEASEDB_MEMFILE = 0, LEASEDB_POSTGRESQL, LEASEDB_MYSQL };

/* "lease-database" (Kea's keys) and leasesnoop's "lease-database-feed" */
struct leasedb_conf {
	enum leasedb_type type;		/* memfile: the lease files are the source */
	char *name, *host, *user, *password;	/* NULL: libpq's default */
	uint32_t port;			/* 0: libpq's default */
	uint32_t connect_timeout_s;	/* "connect-timeout" (Kea's default 5) */
	uint32_t tcp_user_timeout_s;	/* "tcp-user-timeout"; 0: the kernel's */
	bool v4, v6;			/* follow lease4 / lease6 */
	uint32_t poll_ms;		/* feed: "poll-interval" (NOTIFY only wakes earlier) */
	uint32_t debounce_ms;		/* feed: "name-debounce" */
	uint32_t retention_s;		/* feed: "change-retention" */
	uint32_t page_rows;		/* feed: rows per full-pass page */
	/* "lease-database-shared": several instances, one PostgreSQL (user/lease/shard.h) */
	bool shared;			/* "enabled" */
	uint32_t shards;		/* "shards" */
	uint32_t node_index, node_count;	/* "node-index", "node-count" */
	uint32_t takeover_ms;		/* "takeover-delay" */
};

/* The version of leasesnoop's own schema ("leasesnoop") this build knows. */
#define LEASEDB_SCHEMA_VERSION 1
#define LEASEDB_SCHEMA_MINOR 1	/* 1.1: leasesnoop.owner (PostgreSQL) */

/*
 * The columns of a lease row, as text, in the order leasedb_row_parse()
 * reads them: v4 address (the number), hwaddr (hex), client_id (hex),
 * valid_lifetime, expire (Unix time), subnet_id, fqdn_fwd (0/1), fqdn_rev,
 * hostname, state, user_context; v6 address (text), duid (hex),
 * valid_lifetime, expire, subnet_id, pref_lifetime, lease_type, iaid,
 * prefix_len, fqdn_fwd, fqdn_rev, hostname, state, hwaddr (hex), hwtype,
 * hwaddr_source, user_context. Each backend writes its SELECT list.
 */
#define LEASEDB_NCOLS4 11
#define LEASEDB_NCOLS6 17

/*
 * leasedb_row_parse() - the row @v (LEASEDB_NCOLS4/6 NUL-terminated
 * strings, NULL for SQL NULL) of @family into @r, whose strings point into
 * @v. Returns 0, or LS_ECSV_ROW with *@why naming the column.
 */
int leasedb_row_parse(int family, const char *const *v, struct kea_row *r, const char **why);

/*
 * leasedb_gone_row() - the row that tells the lease table Kea removed the
 * lease at @addr (lifetime 0, as Kea's memfile writes a delete).
 */
void leasedb_gone_row(int family, const uint8_t *addr, struct kea_row *r);

/*
 * leasedb_addr_key() - @addr as the lease table's primary key holds it:
 * v4 the unsigned 32-bit number in decimal (lease4.address is a BIGINT),
 * v6 the text form. @buf at least 46 bytes. Returns @buf.
 */
const char *leasedb_addr_key(int family, const uint8_t *addr, char *buf, size_t size);

/*
 * leasedb_addr_from_key() - the reverse: a key as a change row or a lease
 * row carries it (v6 may end in "/128", as inet::text does). 0 or -EINVAL.
 */
int leasedb_addr_from_key(int family, const char *key, uint8_t addr[16]);

enum leasedb_schema_verdict {
	LEASEDB_SCHEMA_OK = 0,
	LEASEDB_SCHEMA_MISSING,		/* no schema leasesnoop: run --db-init */
	LEASEDB_SCHEMA_OLDER,		/* run --db-upgrade */
	LEASEDB_SCHEMA_NEWER,		/* a newer leasesnoop installed it: refuse */
};

/*
 * leasedb_schema_check() - what the schema found (@present, its @version
 * and @minor) means to a build that knows @known_version.@known_minor. A
 * newer minor is compatible (additive), a newer major is not.
 */
enum leasedb_schema_verdict leasedb_schema_check(bool present, int version, int minor,
						 int known_version, int known_minor);

/* leasedb_schema_text() - the operator's sentence for a verdict. */
const char *leasedb_schema_text(enum leasedb_schema_verdict v);

/*
 * struct leasedb_cursor - where the change feed stands. Sequence numbers
 * are handed out when a row is inserted but become visible at commit, so a
 * number missing from what the polls saw (a hole) may fill later: the
 * cursor stays before it until it fills or has been missing for
 * LEASEDB_GAP_MS (a rolled-back insert leaves a hole for good). Rows past
 * a hole are taken at once: @taken remembers them, so each row is taken
 * once, and the row that fills the hole later (a smaller seq than rows
 * already taken: kea-dhcp4 and kea-dhcp6 commit in any order) is taken
 * too. The polls read new rows past the highest taken and look for the
 * missing numbers apart (leasedb_cursor_high(), _missing()), so any number
 * of rows behind a hole is read at once.
 */
#define LEASEDB_GAP_MS 10000u
struct leasedb_cursor {
	uint64_t pos;		/* every seq <= pos has been taken (or given up) */
	uint64_t hole;		/* the first missing seq, 0: none */
	uint64_t hole_since;	/* ms (monotonic) the numbers up to hole_upto were seen missing */
	uint64_t hole_upto;
	uint64_t quiet_upto;	/* holes at or below: from before the start, not counted */
	uint64_t *taken;	/* seqs > pos taken already, ascending */
	size_t ntaken, cap;
	uint64_t holes_skipped;	/* holes given up after LEASEDB_GAP_MS */
};

/*
 * leasedb_cursor_take() - whether the change row @seq is new (not at or
 * before pos, not taken before); it is taken then. Without memory to
 * remember it, it is new every time (looking a row up twice is harmless).
 */
bool leasedb_cursor_take(struct leasedb_cursor *c, uint64_t seq);

/*
 * leasedb_cursor_advance() - after a poll's rows were taken, at @now_ms:
 * move pos past every taken seq that follows it and past each hole missing
 * for LEASEDB_GAP_MS (counted in holes_skipped unless at or below
 * quiet_upto). A hole's wait starts when it is first seen: every number
 * below the highest seq taken then waits from that moment, not one hole
 * after the other. Returns the new pos.
 */
uint64_t leasedb_cursor_advance(struct leasedb_cursor *c, uint64_t now_ms);

/* leasedb_cursor_high() - the highest seq taken, or pos: new rows are after it. */
uint64_t leasedb_cursor_high(const struct leasedb_cursor *c);

/*
 * leasedb_cursor_missing() - the numbers between pos and the highest seq
 * taken that were not seen, the first @max of them into @out (ascending).
 * Returns how many, or @max + 1 when there are more (then look by range).
 */
size_t leasedb_cursor_missing(const struct leasedb_cursor *c, uint64_t *out, size_t max);

/*
 * leasedb_cursor_start() - where a feed starts: the change table's last
 * seq @max, @lo a little before it, @min the table's first seq above @lo
 * (0: none), @last the last seq handed out (0: unknown), @back the numbers
 * to go back from @last. Just before @min (numbers below it were pruned,
 * not holes to wait for); @lo without one; an empty table (@max 0) @back
 * before @last.
 */
uint64_t leasedb_cursor_start(uint64_t max, uint64_t lo, uint64_t min, uint64_t last,
			      uint64_t back);

/*
 * leasedb_cursor_reset() - start at @pos, nothing taken; holes at or below
 * @quiet_upto (numbers from before the start: pruned, or rolled back long
 * ago) are waited for but not counted. _fini() frees.
 */
void leasedb_cursor_reset(struct leasedb_cursor *c, uint64_t pos, uint64_t quiet_upto);
void leasedb_cursor_fini(struct leasedb_cursor *c);

/*
 * leasedb_name_pending() - Kea writes a generated name in two autocommit
 * steps: the lease first with hostname '' (fqdn flags already set), then
 * the name. Return true when @r looks like the first step and was first
 * seen @age_ms ago, less than @debounce_ms: hold it for the second.
 */
bool leasedb_name_pending(const struct kea_row *r, uint64_t age_ms, uint32_t debounce_ms);

/*
 * leasedb_next_backoff() - the wait (ms) before the next connection try
 * after one that failed, given the previous wait @prev_ms (0 after a good
 * connection): 1 s, doubling to 30 s.
 */
#define LEASEDB_BACKOFF_MIN_MS 1000u
#define LEASEDB_BACKOFF_MAX_MS 30000u
uint32_t leasedb_next_backoff(uint32_t prev_ms);

/* leasedb_type_name() - "memfile", "postgresql", "mysql". */
const char *leasedb_type_name(enum leasedb_type t);

/* leasedb_conf_fini() - free the strings of @c (not @c). */
void leasedb_conf_fini(struct leasedb_conf *c);

#endif
