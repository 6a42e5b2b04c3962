// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/sync/known.c - two open-addressing hash tables (linear probing, load
 * at most 1/2), the newer one taking every put; lookups look in both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/sync/known.h"

#define KEY_LEN 17	/* identifier type (low byte) + 16 bytes of the digest */

struct kent {
	uint8_t key[KEY_LEN];
	uint8_t used, family;
	uint8_t addr[16];
};

struct gen {
	struct kent *t;
	size_t cap, n;		/* cap: a power of two */
};

struct known {
	struct gen g[2];	/* [0]: newer */
	size_t half;		/* entries a generation may hold */
	uint64_t dropped;
};

/* The key of a DHCID RDATA: RFC 4701 §3.1 identifier type, digest type 1, digest. */
static bool key_of(const uint8_t *d, size_t len, uint8_t key[KEY_LEN])
{
	if (len != DHCID_RDATA_LEN || d[2] != 1)
		return false;
	key[0] = d[1];
	memcpy(key + 1, d + 3, KEY_LEN - 1);
	return true;
}

static size_t slot0(const struct gen *g, const uint8_t *key)
{
	uint64_t h;

	memcpy(&h, key + 1, sizeof(h));	/* the digest is uniform already */
	return (size_t)(h ^ key[0]) & (g->cap - 1);
}

static struct kent *find(const struct gen *g, const uint8_t *key)
{
	if (!g->cap)
		return NULL;
	for (size_t i = slot0(g, key);; i = (i + 1) & (g->cap - 1)) {
		struct kent *e = &g->t[i];

		if (!e->used)
			return NULL;
		if (!memcmp(e->key, key, KEY_LEN))
			return e;
	}
}

static int gen_grow(struct gen *g)
{
	size_t cap = g->cap ? g->cap * 2 : 64;
	struct kent *t = calloc(cap, sizeof(*t));
	struct gen ng = { t, cap, g->n };

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < g->cap; i++) {
		size_t j;

		if (!g->t[i].used)
			continue;
		for (j = slot0(&ng, g->t[i].key); t[j].used; j = (j + 1) & (cap - 1))
			;
		t[j] = g->t[i];
	}
	free(g->t);
	*g = ng;
	return 0;
}

int known_new(struct known **out, size_t max)
{
	struct known *k;

	if (max < 2)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->half = max / 2;
	*out = k;
	return 0;
}

void known_free(struct known *k)
{
	if (!k)
		return;
	free(k->g[0].t);
	free(k->g[1].t);
	free(k);
}

int known_put(struct known *k, const uint8_t *dhcid, int family, const uint8_t *addr)
{
	uint8_t key[KEY_LEN];
	struct gen *g = &k->g[0];
	struct kent *e;

	if (!key_of(dhcid, DHCID_RDATA_LEN, key))
		return -EINVAL;
	e = find(g, key);
	if (!e) {
		if (g->n >= k->half) {
			/* the newer generation is full: the older one goes */
			k->dropped += k->g[1].n;
			free(k->g[1].t);
			k->g[1] = *g;
			memset(g, 0, sizeof(*g));
		}
		if ((g->n + 1) * 2 > g->cap && gen_grow(g))
			return -ENOMEM;
		e = &g->t[slot0(g, key)];
		while (e->used)
			e = &g->t[(size_t)(e - g->t + 1) & (g->cap - 1)];
		memcpy(e->key, key, KEY_LEN);
		e->used = 1;
		g->n++;
	}
	e->family = (uint8_t)family;
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	return 0;
}

bool known_get(const struct known *k, const uint8_t *dhcid, size_t len, int *family,
	       uint8_t *addr)
{
	uint8_t key[KEY_LEN];
	const struct kent *e;

	if (!key_of(dhcid, len, key))
		return false;
	e = find(&k->g[0], key);
	if (!e)
		e = find(&k->g[1], key);
	if (!e)
		return false;
	if (family && addr) {
		*family = e->family;
		memset(addr, 0, 16);
		memcpy(addr, e->addr, e->family == 4 ? 4 : 16);
	}
	return true;
}

void known_get_stats(const struct known *k, struct known_stats *st)
{
	st->entries = k->g[0].n + k->g[1].n;
	st->dropped = k->dropped;
}
