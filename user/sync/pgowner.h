/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/sync/pgowner.h - the shared mode ("lease-database-shared"): the
 * ownership store in PostgreSQL (leasesnoop.owner, beside the change feed,
 * installed by --db-init/--db-upgrade) and the shard leadership of this
 * instance. One dedicated session (TCP keepalives both ways) holds one
 * session advisory lock per shard it leads (pg_try_advisory_lock(LSNP,
 * shard)); the server releases them when the session dies, and another
 * instance takes the shards over at its next try (user/lease/shard.h: the
 * takeover plan). On taking a shard its bindings are read into memory; the
 * reconciler then works on that shard only (pgowner_mine()). Writes are
 * kept in memory until owner_commit(), which writes them in one
 * transaction on the lock session: a commit that succeeds proves the locks
 * were still held, so the intent of every UPDATE is stored, by the shard's
 * leader, before it is sent (the reconciler sends nothing when the commit
 * fails). A lost session gives up every shard and empties the memory.
 */
#ifndef LS_PGOWNER_H
#define LS_PGOWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "user/lease/leasedb.h"
#include "user/sync/owner.h"

struct pgowner;

struct pgowner_stats {
	uint64_t shards;		/* configured */
	uint64_t held;			/* led by this instance now */
	uint64_t acquired;		/* shards taken (at start and over from another instance) */
	uint64_t released;		/* shards given up (the lock session was lost) */
	uint64_t sessions;		/* lock sessions established */
	uint64_t connecting;		/* 1 while a lock session is being set up */
	uint64_t session_failures;	/* tries that failed */
	uint64_t sessions_lost;		/* lock sessions lost mid-run */
	uint64_t loaded;		/* bindings read when taking shards */
	uint64_t commits;		/* transactions of intents and outcomes */
	uint64_t commit_failures;	/* commits that failed (nothing was sent) */
	uint64_t written, deleted;	/* rows upserted, deleted */
	uint64_t refused;		/* writes refused: the address is in no shard held */
	uint64_t records;		/* bindings held in memory (the shards led) */
};

/*
 * pgowner_open() - the store for @db (must outlive it; db->shared set),
 * and in *@owner the struct owner the reconciler uses (owner_close() it
 * before pgowner_close()). Connects at the first pgowner_tick(). Returns 0
 * or -ENOMEM.
 */
int pgowner_open(struct pgowner **out, const struct leasedb_conf *db, struct owner **owner);

/* pgowner_close() - end the session (the server releases the locks); NULL is a no-op. */
void pgowner_close(struct pgowner *p);

/*
 * pgowner_tick() - connect (with backoff) when needed, a step per call
 * (never waiting for the server: a session that takes connect-timeout to
 * fail does not hold the caller), check the session, try the shards the
 * takeover plan says to try, and load the bindings of those taken. The
 * statements block, bounded by the statement timeout. Returns the number of shards taken now (the caller runs a full
 * reconciliation: their leases and bindings are now this instance's), or 0.
 */
int pgowner_tick(struct pgowner *p);

/* pgowner_mine() - (@family, @addr) is in a shard this instance leads (ctx: the pgowner). */
bool pgowner_mine(void *ctx, int family, const uint8_t *addr);

/* pgowner_get_stats() - the counters. */
void pgowner_get_stats(const struct pgowner *p, struct pgowner_stats *st);

#endif
