// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/adoptidx.c - the transfer index: a set of 64-bit fingerprints,
 * linear probing, doubled at 3/4 full. A fingerprint is SipHash-2-4 of
 * (zone number, type, owner, NUL, RDATA) under the index's key: keyed, so
 * names a client picks cannot be made to collide or to pile up in one run
 * of the table. Delegations and DNAMEs are entered as the owner with the
 * pseudo type CUT and no RDATA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "user/dns/adoptidx.h"
#include "user/dns/dnsmsg.h"

#define TYPE_NS 2
#define TYPE_DNAME 39
#define TYPE_CUT 0		/* not a real type: "delegated or redirected here" */
#define SLOTS_MIN 1024
#define FP_INPUT_MAX (4 + 2 + 256 + 1 + 256)	/* zone, type, owner, NUL, RDATA (a PTR's name) */

struct adoptidx {
	uint64_t k0, k1;
	uint64_t *slot;		/* 0: empty */
	size_t mask, n;
};

/* ---- SipHash-2-4 (Aumasson, Bernstein), 64-bit output ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                          \
	do {                                                                              \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                 \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                    \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                    \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                 \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t siphash(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < tail; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The fingerprint of one RR; never 0 (the empty slot). */
static uint64_t fingerprint(const struct adoptidx *ix, uint32_t zone, uint16_t type,
			    const char *owner, const uint8_t *rdata, size_t len)
{
	uint8_t buf[FP_INPUT_MAX];
	size_t ol = strlen(owner), n = 0;
	uint64_t h;

	if (ol > 255)
		ol = 255;
	if (len > 256)
		len = 256;	/* longer RDATA is never one adoption looks for */
	memcpy(buf, &zone, 4);
	n += 4;
	buf[n++] = (uint8_t)(type >> 8);
	buf[n++] = (uint8_t)type;
	memcpy(buf + n, owner, ol);
	n += ol;
	buf[n++] = 0;
	if (len)
		memcpy(buf + n, rdata, len);
	n += len;
	h = siphash(ix->k0, ix->k1, buf, n);
	return h ? h : 1;
}

static bool present(const struct adoptidx *ix, uint64_t fp)
{
	for (size_t i = fp & ix->mask;; i = (i + 1) & ix->mask) {
		if (!ix->slot[i])
			return false;
		if (ix->slot[i] == fp)
			return true;
	}
}

static void put(uint64_t *slot, size_t mask, uint64_t fp)
{
	size_t i = fp & mask;

	while (slot[i] && slot[i] != fp)
		i = (i + 1) & mask;
	slot[i] = fp;
}

static int grow(struct adoptidx *ix)
{
	size_t cap = (ix->mask + 1) * 2;
	uint64_t *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i <= ix->mask; i++)
		if (ix->slot[i])
			put(s, cap - 1, ix->slot[i]);
	free(ix->slot);
	ix->slot = s;
	ix->mask = cap - 1;
	return 0;
}

int adoptidx_new(struct adoptidx **out, size_t expect, const uint8_t *key)
{
	struct adoptidx *ix = calloc(1, sizeof(*ix));
	uint8_t k[16];
	size_t cap = SLOTS_MIN;

	*out = NULL;
	if (!ix)
		return -ENOMEM;
	if (key)
		memcpy(k, key, sizeof(k));
	else if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		memset(k, 0x5a, sizeof(k));	/* still a working index, just an unkeyed one */
	ix->k0 = le64(k);
	ix->k1 = le64(k + 8);
	while (cap / 4 * 3 < expect && cap < ((size_t)1 << 40))
		cap *= 2;
	ix->slot = calloc(cap, sizeof(*ix->slot));
	if (!ix->slot) {
		free(ix);
		return -ENOMEM;
	}
	ix->mask = cap - 1;
	*out = ix;
	return 0;
}

void adoptidx_free(struct adoptidx *ix)
{
	if (!ix)
		return;
	free(ix->slot);
	free(ix);
}

int adoptidx_add(struct adoptidx *ix, uint32_t zone, const char *apex, const char *owner,
		 uint16_t type, const uint8_t *rdata, size_t len)
{
	uint64_t fp;

	switch (type) {
	case DNSMSG_TYPE_A:
	case DNSMSG_TYPE_AAAA:
	case DNSMSG_TYPE_PTR:
	case DNSMSG_TYPE_DHCID:
		break;
	case TYPE_NS:
		if (!strcmp(owner, apex))
			return 0;	/* the zone's own servers */
		/* fall through */
	case TYPE_DNAME:
		type = TYPE_CUT;
		len = 0;
		break;
	default:
		return 0;
	}
	if ((ix->n + 1) * 4 > (ix->mask + 1) * 3 && grow(ix))
		return -ENOMEM;
	fp = fingerprint(ix, zone, type, owner, rdata, len);
	if (present(ix, fp))
		return 0;
	put(ix->slot, ix->mask, fp);
	ix->n++;
	return 0;
}

bool adoptidx_has(const struct adoptidx *ix, uint32_t zone, const char *owner, uint16_t type,
		  const uint8_t *rdata, size_t len)
{
	return present(ix, fingerprint(ix, zone, type, owner, rdata, len));
}

bool adoptidx_occluded(const struct adoptidx *ix, uint32_t zone, const char *apex,
		       const char *name)
{
	size_t al = strlen(apex);

	/* @name and each of its ancestors strictly below the apex */
	for (const char *p = name; strlen(p) > al; p++) {
		if (present(ix, fingerprint(ix, zone, TYPE_CUT, p, NULL, 0)))
			return true;
		p = strchr(p, '.');	/* xfr escapes a dot inside a label: this ends one */
		if (!p)
			break;
	}
	return false;
}

size_t adoptidx_records(const struct adoptidx *ix)
{
	return ix ? ix->n : 0;
}

size_t adoptidx_bytes(const struct adoptidx *ix)
{
	return ix ? (ix->mask + 1) * sizeof(*ix->slot) + sizeof(*ix) : 0;
}

int adoptidx_decide(const struct adoptidx *ix, struct adopt_item *it, uint32_t fzone,
		    uint32_t rzone)
{
	unsigned int found = 0;

	it->failed = false;
	for (int k = 0; k < ADOPT_KINDS; k++) {
		bool fwd = k <= ADOPT_FWD_ADDR;
		const struct zones_domain *d = fwd ? it->fz : it->rz;
		uint32_t zone = fwd ? fzone : rzone;
		char name[ZONES_NAME_MAX];
		const uint8_t *rd;
		uint16_t type;
		size_t len;

		if (adopt_want(it, (enum adopt_kind)k, name, sizeof(name), &type, &rd, &len))
			continue;	/* side not wanted (or no reverse name: never ok) */
		/* both checks of a side are at one name: look for a cut above it once */
		if ((k == ADOPT_FWD_DHCID || k == ADOPT_REV_PTR) &&
		    adoptidx_occluded(ix, zone, d->name, name))
			return ADOPTIDX_ASK;
		if (adoptidx_has(ix, zone, name, type, rd, len))
			found |= 1u << k;
	}
	adopt_verdict(it, found);
	return ADOPTIDX_SETTLED;
}
