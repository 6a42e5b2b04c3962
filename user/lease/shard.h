/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/shard.h - the pure half of the shared mode ("lease-database-
 * shared"): several leasesnoop instances against one PostgreSQL split the
 * addresses into shards by a hash of the address (so one lease's forward
 * and reverse changes always go through one instance, in order), and each
 * shard has one leader, the instance holding its session advisory lock.
 * Which shard an address is in, which lock a shard is, and when an
 * instance tries to take a shard: its own shards (shard % node-count ==
 * node-index) at once, every other one only after takeover-delay, so the
 * instance a shard belongs to gets it first and a dead one's shards are
 * taken by the others. No I/O here; user/sync/pgowner.c applies it.
 */
#ifndef LS_SHARD_H
#define LS_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#define SHARD_MAX 1024u
/* pg_advisory_lock(int4, int4): the first key names leasesnoop ("LSNP"), the second the shard */
#define SHARD_LOCK_CLASS 0x4c534e50

/*
 * shard_hash() - FNV-1a (32 bits) of the family and the address bytes (4
 * for v4, 16 for v6): stable across builds and hosts, as it is stored.
 */
uint32_t shard_hash(int family, const uint8_t *addr);

/* shard_of() - the shard of @hash among @nshards (>= 1). */
unsigned int shard_of(uint32_t hash, unsigned int nshards);

/* shard_home() - @shard belongs to instance @node of @nodes (shard % nodes == node). */
bool shard_home(unsigned int shard, unsigned int node, unsigned int nodes);

/*
 * shard_should_try() - the takeover plan: may instance @node of @nodes,
 * whose lock session has been up @up_ms, try to take @shard now? Its home
 * shards: always; the others once @up_ms >= @takeover_ms (their own
 * instance had that long to take them; if it has not, it is down).
 */
bool shard_should_try(unsigned int shard, unsigned int node, unsigned int nodes, uint64_t up_ms,
		      uint32_t takeover_ms);

#endif
