// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/shard.c - shards of the shared mode (shard.h).
 */
#include "user/lease/shard.h"

uint32_t shard_hash(int family, const uint8_t *addr)
{
	uint32_t h = 2166136261u;
	int n = family == 4 ? 4 : 16;

	h = (h ^ (uint8_t)family) * 16777619u;
	for (int i = 0; i < n; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h;
}

unsigned int shard_of(uint32_t hash, unsigned int nshards)
{
	return nshards ? hash % nshards : 0;
}

bool shard_home(unsigned int shard, unsigned int node, unsigned int nodes)
{
	return nodes <= 1 || shard % nodes == node;
}

bool shard_should_try(unsigned int shard, unsigned int node, unsigned int nodes, uint64_t up_ms,
		      uint32_t takeover_ms)
{
	return shard_home(shard, node, nodes) || up_ms >= takeover_ms;
}
