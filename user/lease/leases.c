// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/leases.c - the lease table and its change feed.
 *
 * Layout, chosen for ~150 bytes per lease at a million leases: one array of
 * 68-byte entries; two open-addressing indexes of 32-bit entry numbers
 * (linear probing, backward-shift deletion): by address, and by identity
 * (head of a chain through the entries, since one client may hold several
 * leases); and one string store where every identifier and name is interned
 * once, entries holding 32-bit offsets. Strings are never freed one by one:
 * when what entries dropped (renamed, deleted) is half the store, it is
 * rebuilt from the live entries: bounded under churn, O(1) amortized, and
 * never run while the table only grows (a full load).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "user/common/errcode.h"
#include "user/lease/dueheap.h"
#include "user/lease/lease_tail.h"
#include "user/lease/leases.h"
#include "user/common/log.h"
#include "user/common/util.h"

#define NIL UINT32_MAX

/* ent.flags beyond the public LEASE_F_* bits */
#define ENT_ID_SHARED 0x20	/* another entry had the same identity once (cleared by a rebuild):
				 * without it, the entry is surely alone in its identity chain */
#define ENT_HW_TAIL 0x40	/* hwaddr is the tail of client_id / DUID: not stored */
#define ENT_USED 0x80
#define ENT_PUBLIC (LEASE_F_FQDN_FWD | LEASE_F_FQDN_REV | LEASE_F_NAME_KEPT | LEASE_F_CLOCK_EXPIRED)

/* Identity kinds in the index (ent.idk). */
enum { IDK_NONE = 0, IDK_CID, IDK_HW, IDK_DUID };

struct ent {
	uint8_t addr[16];
	uint32_t cltt, valid, pref, iaid, subnet, pool;
	uint32_t hw, id, name, uctx;	/* string refs; 0 is "" */
	uint32_t id_next;		/* next entry of the same identity; free list link */
	uint16_t hwtype;
	uint8_t hwsrc, state, type, plen, flags, idk;
};
_Static_assert(sizeof(struct ent) == 68, "struct ent is the per-lease cost: keep it packed");

struct leases {
	int family;
	uint32_t cols;
	struct leases_opts o;
	struct lease_tail *tail;
	/* entries */
	struct ent *ents;
	uint32_t n_ents, cap_ents, free_head, count;
	/* index by address: entry number + 1, 0 empty */
	uint32_t *aix, amask;
	/* index by identity: chain head entry number + 1 */
	uint32_t *iix, imask, icount;
	/* string store: [len: 1 byte, or 0xff + 4 bytes][bytes][NUL] */
	uint8_t *arena;
	uint32_t alen, acap;
	uint32_t garbage;	/* estimated bytes of the store no entry uses any more */
	uint32_t *six, smask, scount;
	int64_t next_due;	/* earliest expire + grace not yet sent; INT64_MAX none */
	struct dueheap due;	/* (expire + grace, entry) of active leases; stale items skipped */
	bool due_failed;	/* a push failed (no memory): leases_expire_scan() rebuilds */
	int loading;		/* initial load: no changes sent */
	struct leases_stats st;
};

static inline uint32_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return mix64(h ^ n);
}

static uint32_t hash_addr(const uint8_t *a)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	return mix64(x ^ (y * 0x9e3779b97f4a7c15ULL));
}

static uint32_t hash_id(uint32_t idk, uint32_t ref, uint32_t iaid)
{
	return mix64((uint64_t)ref << 32 ^ (uint64_t)iaid * 0x9e3779b1u ^ idk);
}

/* ---- string store ------------------------------------------------------ */

static const uint8_t *str_get(const struct leases *t, uint32_t ref, size_t *len)
{
	const uint8_t *p;
	uint32_t l;

	if (!ref) {
		*len = 0;
		return (const uint8_t *)"";
	}
	p = t->arena + ref;
	if (*p != 0xff) {
		*len = *p;
		return p + 1;
	}
	memcpy(&l, p + 1, 4);
	*len = l;
	return p + 5;
}

/* Bytes @ref takes in the store (0 for ""). */
static uint32_t str_size(const struct leases *t, uint32_t ref)
{
	size_t len;

	if (!ref)
		return 0;
	str_get(t, ref, &len);
	return len + (len < 0xff ? 1 : 5) + 1;
}

/* Account the strings of @old that @e (NULL: none) no longer uses. */
static void str_drop(struct leases *t, const struct ent *old, const struct ent *e)
{
	if (!(old->flags & ENT_HW_TAIL) && (!e || old->hw != e->hw))
		t->garbage += str_size(t, old->hw);
	if (!e || old->id != e->id)
		t->garbage += str_size(t, old->id);
	if (!e || old->name != e->name)
		t->garbage += str_size(t, old->name);
	if (!e || old->uctx != e->uctx)
		t->garbage += str_size(t, old->uctx);
}

static uint32_t str_hash_ref(const struct leases *t, uint32_t ref)
{
	size_t len;
	const uint8_t *p = str_get(t, ref, &len);

	return hash_bytes(p, len);
}

static int str_rehash(struct leases *t, uint32_t nslots)
{
	uint32_t *six = calloc(nslots, sizeof(*six)), mask = nslots - 1;

	if (!six)
		return -ENOMEM;
	for (uint32_t i = 0; t->six && i <= t->smask; i++) {
		uint32_t ref = t->six[i], h;

		if (!ref)
			continue;
		for (h = str_hash_ref(t, ref) & mask; six[h]; h = (h + 1) & mask)
			;
		six[h] = ref;
	}
	free(t->six);
	t->six = six;
	t->smask = mask;
	return 0;
}

/* Find @p[0..@len) in the store; 0 when absent (and for ""). */
static uint32_t str_find(const struct leases *t, const void *p, size_t len)
{
	uint32_t h;

	if (!len || !t->six)
		return 0;
	for (h = hash_bytes(p, len) & t->smask; t->six[h]; h = (h + 1) & t->smask) {
		size_t l;
		const uint8_t *q = str_get(t, t->six[h], &l);

		if (l == len && !memcmp(p, q, len))
			return t->six[h];
	}
	return 0;
}

/*
 * Store @p[0..@len) in @t; *@ref is 0 for "". With @dedupe the string is
 * interned (found again if present, entered in the hash); without, it is
 * only appended - for host names, which are unique to a lease and whose
 * renewals are deduplicated by the caller against the lease's old name.
 * Returns 0 or -ENOMEM.
 */
static int str_add(struct leases *t, const void *p, size_t len, int dedupe, uint32_t *ref)
{
	size_t need = len + (len < 0xff ? 1 : 5) + 1;
	uint32_t h;

	*ref = dedupe ? str_find(t, p, len) : 0;
	if (*ref || !len)
		return 0;
	if (len > UINT32_MAX / 2 || t->alen + need > UINT32_MAX / 2)
		return -ENOMEM;
	if (dedupe && (t->scount + 1) * 4 >= (t->smask + 1) * 3 &&
	    str_rehash(t, t->six ? (t->smask + 1) * 2 : 1024))
		return -ENOMEM;
	if (t->alen + need > t->acap) {
		uint32_t ncap = t->acap ? t->acap : 65536;
		uint8_t *na;

		while (t->alen + need > ncap)
			ncap *= 2;
		na = realloc(t->arena, ncap);
		if (!na)
			return -ENOMEM;
		t->arena = na;
		t->acap = ncap;
	}
	*ref = t->alen;
	if (len < 0xff) {
		t->arena[t->alen++] = len;
	} else {
		uint32_t l = len;

		t->arena[t->alen++] = 0xff;
		memcpy(t->arena + t->alen, &l, 4);
		t->alen += 4;
	}
	memcpy(t->arena + t->alen, p, len);
	t->alen += len;
	t->arena[t->alen++] = '\0';
	if (!dedupe)
		return 0;
	for (h = hash_bytes(p, len) & t->smask; t->six[h]; h = (h + 1) & t->smask)
		;
	t->six[h] = *ref;
	t->scount++;
	return 0;
}

static int str_intern(struct leases *t, const void *p, size_t len, uint32_t *ref)
{
	return str_add(t, p, len, 1, ref);
}

/* ---- identity index ---------------------------------------------------- */

static uint32_t ent_idref(const struct ent *e)
{
	return e->idk == IDK_HW ? e->hw : e->id;
}

static uint32_t ent_idhash(const struct ent *e)
{
	return hash_id(e->idk, ent_idref(e), e->iaid);
}

static int same_identity(const struct ent *a, const struct ent *b)
{
	return a->idk == b->idk && ent_idref(a) == ent_idref(b) && a->iaid == b->iaid;
}

/* Slot of the chain for (idk, ref, iaid), or NIL. */
static uint32_t iix_slot(const struct leases *t, uint32_t idk, uint32_t ref, uint32_t iaid)
{
	uint32_t h;

	if (!t->iix)
		return NIL;
	for (h = hash_id(idk, ref, iaid) & t->imask; t->iix[h]; h = (h + 1) & t->imask) {
		const struct ent *e = &t->ents[t->iix[h] - 1];

		if (e->idk == idk && ent_idref(e) == ref && e->iaid == iaid)
			return h;
	}
	return NIL;
}

static int iix_rebuild(struct leases *t, uint32_t nslots);

/*
 * Entry @ei joins the identity chain of slot @s at its head: a chain of two
 * or more, so both it and the member it links to get ENT_ID_SHARED (the
 * others got it as they joined).
 */
static void iix_chain(struct leases *t, uint32_t s, uint32_t ei)
{
	struct ent *e = &t->ents[ei];

	e->flags |= ENT_ID_SHARED;
	t->ents[t->iix[s] - 1].flags |= ENT_ID_SHARED;
	e->id_next = t->iix[s] - 1;
	t->iix[s] = ei + 1;
}

static int iix_link(struct leases *t, uint32_t ei)
{
	struct ent *e = &t->ents[ei];
	uint32_t s, h;

	e->id_next = NIL;
	if (e->idk == IDK_NONE)
		return 0;
	s = iix_slot(t, e->idk, ent_idref(e), e->iaid);
	if (s != NIL) {
		iix_chain(t, s, ei);
		return 0;
	}
	if ((t->icount + 1) * 4 >= (t->imask + 1) * 3 || !t->iix) {
		int err = iix_rebuild(t, t->iix ? (t->imask + 1) * 2 : 1024);

		if (err)
			return err;
		if (e->id_next != NIL || iix_slot(t, e->idk, ent_idref(e), e->iaid) != NIL)
			return 0;	/* the rebuild linked it (it is marked used) */
	}
	for (h = ent_idhash(e) & t->imask; t->iix[h]; h = (h + 1) & t->imask)
		;
	t->iix[h] = ei + 1;
	t->icount++;
	return 0;
}

/* Backward-shift deletion of slot @i from a linear-probing index. */
static void ix_del(const struct leases *t, uint32_t *ix, uint32_t mask, uint32_t i, int by_id)
{
	uint32_t j = i;

	for (;;) {
		ix[i] = 0;
		for (;;) {
			const struct ent *e;
			uint32_t k;

			j = (j + 1) & mask;
			if (!ix[j])
				return;
			e = &t->ents[ix[j] - 1];
			k = (by_id ? ent_idhash(e) : hash_addr(e->addr)) & mask;
			/* stays when its home k lies cyclically in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		ix[i] = ix[j];
		i = j;
	}
}

static void iix_unlink(struct leases *t, uint32_t ei)
{
	struct ent *e = &t->ents[ei];
	uint32_t s, cur;

	if (e->idk == IDK_NONE)
		return;
	s = iix_slot(t, e->idk, ent_idref(e), e->iaid);
	if (s == NIL)
		return;
	cur = t->iix[s] - 1;
	if (cur == ei) {
		if (e->id_next != NIL) {
			t->iix[s] = e->id_next + 1;
		} else {
			ix_del(t, t->iix, t->imask, s, 1);
			t->icount--;
		}
	} else {
		while (t->ents[cur].id_next != NIL && t->ents[cur].id_next != ei)
			cur = t->ents[cur].id_next;
		if (t->ents[cur].id_next == ei)
			t->ents[cur].id_next = e->id_next;
	}
	e->id_next = NIL;
}

static int iix_rebuild(struct leases *t, uint32_t nslots)
{
	uint32_t *nix = calloc(nslots, sizeof(*nix));

	if (!nix)
		return -ENOMEM;
	free(t->iix);
	t->iix = nix;
	t->imask = nslots - 1;
	t->icount = 0;
	for (uint32_t i = 0; i < t->n_ents; i++) {
		struct ent *e = &t->ents[i];
		uint32_t s, h;

		e->flags &= ~ENT_ID_SHARED;
		if (!(e->flags & ENT_USED) || e->idk == IDK_NONE)
			continue;
		e->id_next = NIL;
		s = iix_slot(t, e->idk, ent_idref(e), e->iaid);
		if (s != NIL) {
			iix_chain(t, s, i);
			continue;
		}
		for (h = ent_idhash(e) & t->imask; t->iix[h]; h = (h + 1) & t->imask)
			;
		t->iix[h] = i + 1;
		t->icount++;
	}
	return 0;
}

/* ---- address index and entries ----------------------------------------- */

static uint32_t aix_find(const struct leases *t, const uint8_t *addr16, uint32_t *slot)
{
	uint32_t h;

	if (!t->aix)
		return NIL;
	for (h = hash_addr(addr16) & t->amask; t->aix[h]; h = (h + 1) & t->amask) {
		if (!memcmp(t->ents[t->aix[h] - 1].addr, addr16, 16)) {
			if (slot)
				*slot = h;
			return t->aix[h] - 1;
		}
	}
	return NIL;
}

static int aix_grow(struct leases *t)
{
	uint32_t n = t->aix ? (t->amask + 1) * 2 : 1024, mask = n - 1;
	uint32_t *nix = calloc(n, sizeof(*nix));

	if (!nix)
		return -ENOMEM;
	for (uint32_t i = 0; t->aix && i <= t->amask; i++) {
		uint32_t h;

		if (!t->aix[i])
			continue;
		for (h = hash_addr(t->ents[t->aix[i] - 1].addr) & mask; nix[h]; h = (h + 1) & mask)
			;
		nix[h] = t->aix[i];
	}
	free(t->aix);
	t->aix = nix;
	t->amask = mask;
	return 0;
}

/* A new entry holding @e, indexed by address and identity; its number or NIL. */
static uint32_t ent_insert(struct leases *t, const struct ent *e)
{
	uint32_t ei, h;

	if ((t->count + 1) * 4 >= (t->amask + 1) * 3 || !t->aix) {
		if (aix_grow(t))
			return NIL;
	}
	if (t->free_head != NIL) {
		ei = t->free_head;
		t->free_head = t->ents[ei].id_next;
	} else {
		if (t->n_ents == t->cap_ents) {
			uint32_t ncap = t->cap_ents ? t->cap_ents * 2 : 1024;
			struct ent *ne = realloc(t->ents, (size_t)ncap * sizeof(*ne));

			if (!ne)
				return NIL;
			t->ents = ne;
			t->cap_ents = ncap;
		}
		ei = t->n_ents++;
	}
	t->ents[ei] = *e;
	t->ents[ei].flags |= ENT_USED;
	for (h = hash_addr(e->addr) & t->amask; t->aix[h]; h = (h + 1) & t->amask)
		;
	t->aix[h] = ei + 1;
	t->count++;
	if (iix_link(t, ei)) {
		/* cannot index it: undo, the row is lost as if never read */
		ix_del(t, t->aix, t->amask, h, 0);
		t->ents[ei].flags = 0;
		t->ents[ei].id_next = t->free_head;
		t->free_head = ei;
		t->count--;
		return NIL;
	}
	return ei;
}

static void ent_remove(struct leases *t, uint32_t ei, uint32_t aslot)
{
	iix_unlink(t, ei);
	ix_del(t, t->aix, t->amask, aslot, 0);
	memset(&t->ents[ei], 0, sizeof(t->ents[ei]));
	t->ents[ei].id_next = t->free_head;
	t->free_head = ei;
	t->count--;
}

/*
 * Rebuild the string store from the live entries once it has doubled. New
 * refs are computed aside first, so running out of memory leaves the table
 * as it was (the rebuild is tried again on a later row).
 */
static int maybe_compact(struct leases *t)
{
	struct leases nt = { 0 };
	uint32_t *nref;
	int err = 0;

	if (t->alen < (64u << 10) || t->garbage < t->alen / 2)
		return 0;
	nref = malloc((size_t)t->n_ents * 4 * sizeof(*nref) + 1);
	if (!nref)
		return 0;
	nt.alen = 1;	/* ref 0 means "" */
	for (uint32_t i = 0; i < t->n_ents && !err; i++) {
		struct ent *e = &t->ents[i];
		const uint32_t refs[4] = { e->flags & ENT_HW_TAIL ? 0 : e->hw, e->id, e->name,
					   e->uctx };

		if (!(e->flags & ENT_USED))
			continue;
		for (int k = 0; k < 4 && !err; k++) {
			size_t len;
			const uint8_t *p = str_get(t, refs[k], &len);

			/* names (k == 2) are per lease: appended, not interned */
			err = str_add(&nt, p, len, k != 2, &nref[(size_t)i * 4 + k]);
		}
	}
	if (err) {
		pr_warn("leases: no memory to compact the string store, will retry");
		free(nt.arena);
		free(nt.six);
		free(nref);
		t->garbage /= 2;	/* retry after more churn */
		return 0;
	}
	for (uint32_t i = 0; i < t->n_ents; i++) {
		struct ent *e = &t->ents[i];

		if (!(e->flags & ENT_USED))
			continue;
		if (!(e->flags & ENT_HW_TAIL))
			e->hw = nref[(size_t)i * 4];
		e->id = nref[(size_t)i * 4 + 1];
		e->name = nref[(size_t)i * 4 + 2];
		e->uctx = nref[(size_t)i * 4 + 3];
	}
	free(nref);
	free(t->arena);
	free(t->six);
	t->arena = nt.arena;
	t->alen = nt.alen;
	t->acap = nt.acap;
	t->six = nt.six;
	t->smask = nt.smask;
	t->scount = nt.scount;
	t->garbage = 0;
	t->st.compactions++;
	/* identity keys are string refs: they all moved */
	return t->iix ? iix_rebuild(t, t->imask + 1) : 0;
}

/* ---- decoding and the feed --------------------------------------------- */

static void decode(const struct leases *t, const struct ent *e, struct lease *l)
{
	size_t n;

	memset(l, 0, sizeof(*l));
	l->family = t->family;
	memcpy(l->addr, e->addr, 16);
	l->prefix_len = e->plen;
	l->type = e->type;
	l->state = e->state;
	l->flags = e->flags & ENT_PUBLIC;
	l->hwtype = e->hwtype;
	l->hwaddr_source = e->hwsrc;
	l->iaid = e->iaid;
	l->valid_lft = e->valid;
	l->pref_lft = e->pref;
	l->subnet_id = e->subnet;
	l->pool_id = e->pool;
	l->cltt = e->cltt;
	l->expire = (int64_t)e->cltt + e->valid;
	l->client_id = str_get(t, e->id, &n);
	l->client_id_len = n;
	if (e->flags & ENT_HW_TAIL) {
		l->hwaddr = l->client_id + n - e->hw;	/* e->hw holds the length */
		l->hwaddr_len = e->hw;
	} else {
		l->hwaddr = str_get(t, e->hw, &n);
		l->hwaddr_len = n;
	}
	l->hostname = (const char *)str_get(t, e->name, &l->hostname_len);
	l->user_context = (const char *)str_get(t, e->uctx, &l->user_context_len);
	l->ref = (uint32_t)(e - t->ents) + 1;
}

static int ent_active(const struct ent *e, int64_t now)
{
	return e->state == KEA_STATE_DEFAULT && e->valid && (int64_t)e->cltt + e->valid > now &&
	       !(e->flags & LEASE_F_CLOCK_EXPIRED);
}

int leases_is_active(const struct lease *l, time_t now)
{
	return l->state == KEA_STATE_DEFAULT && l->valid_lft && l->expire > now &&
	       !(l->flags & LEASE_F_CLOCK_EXPIRED);
}

enum leases_inactive leases_inactive_why(const struct lease *l, time_t now)
{
	if (leases_is_active(l, now))
		return LEASES_ACTIVE;
	switch (l->state) {
	case KEA_STATE_DEFAULT:
		return LEASES_EXPIRED;
	case KEA_STATE_DECLINED:
		return LEASES_DECLINED;
	case KEA_STATE_EXPIRED_RECLAIMED:
		return LEASES_RECLAIMED;
	case KEA_STATE_RELEASED:
		return LEASES_RELEASED;
	default:
		return LEASES_OTHER_STATE;
	}
}

const char *leases_inactive_name(enum leases_inactive why)
{
	static const char *const names[LEASES_INACTIVE_N] = {
		[LEASES_ACTIVE] = "active", [LEASES_EXPIRED] = "expired",
		[LEASES_DECLINED] = "declined", [LEASES_RECLAIMED] = "expired-reclaimed",
		[LEASES_RELEASED] = "released", [LEASES_OTHER_STATE] = "in another state",
	};

	return (unsigned int)why < LEASES_INACTIVE_N ? names[why] : "?";
}

static time_t now_of(const struct leases *t)
{
	return t->o.clock ? t->o.clock(t->o.clock_ctx) : time(NULL);
}

static void emit(struct leases *t, enum lease_change_kind kind, const struct lease *l,
		 const struct lease *prev, const struct lease *other)
{
	struct lease_change ch = { .kind = kind, .lease = l, .prev = prev, .other = other };

	t->st.changes[kind]++;
	if (!t->loading && t->o.on_change)
		t->o.on_change(t->o.ctx, &ch);
}

/* The client's active lease of the same kind at another address, or NIL. */
static uint32_t other_active(const struct leases *t, const struct ent *e, int64_t now)
{
	uint32_t s = e->idk == IDK_NONE ? NIL : iix_slot(t, e->idk, ent_idref(e), e->iaid);

	for (uint32_t i = s == NIL ? NIL : t->iix[s] - 1; i != NIL; i = t->ents[i].id_next) {
		const struct ent *o = &t->ents[i];

		if (memcmp(o->addr, e->addr, 16) && o->type == e->type && ent_active(o, now))
			return i;
	}
	return NIL;
}

static int64_t ent_due(const struct leases *t, const struct ent *e)
{
	return (int64_t)e->cltt + e->valid + t->o.grace;
}

/* an entry that leases_expire_scan() will expire once its time comes */
static bool ent_expirable(const struct ent *e)
{
	return (e->flags & ENT_USED) && e->state == KEA_STATE_DEFAULT && e->valid &&
	       !(e->flags & LEASE_F_CLOCK_EXPIRED);
}

static void due_rebuild(struct leases *t);

static void note_due(struct leases *t, uint32_t ei)
{
	const struct ent *e = &t->ents[ei];
	int64_t due = ent_due(t, e);

	if (!ent_expirable(e))
		return;
	if (dueheap_compact_needed(&t->due, t->count)) {
		/* renewals left more stale items than live ones: rebuild (this entry too) */
		due_rebuild(t);
		return;
	}
	if (dueheap_push(&t->due, dueheap_sat(due), ei))
		t->due_failed = true;
	if (due < t->next_due)
		t->next_due = due;
}

/* Rebuild the heap from the live entries: stale items dropped. */
static void due_rebuild(struct leases *t)
{
	dueheap_clear(&t->due);
	t->due_failed = false;
	t->next_due = INT64_MAX;
	for (uint32_t i = 0; i < t->n_ents; i++)
		note_due(t, i);
}

enum lease_change_kind leases_classify(const struct lease_transition *tr)
{
	switch (tr->new_state) {
	case KEA_STATE_DECLINED:
		return !tr->has_old || tr->old_state != tr->new_state ? LEASE_CH_DECLINED : 0;
	case KEA_STATE_RELEASED:
		return !tr->has_old || tr->old_state != tr->new_state ? LEASE_CH_RELEASED : 0;
	case KEA_STATE_EXPIRED_RECLAIMED:
		return !tr->has_old || tr->old_state != tr->new_state ? LEASE_CH_RECLAIMED : 0;
	case KEA_STATE_DEFAULT:
		if (tr->new_past)	/* already past its expiry when written or read */
			return tr->has_old && tr->old_active ? LEASE_CH_EXPIRED : 0;
		if (tr->has_old && tr->old_active) {
			if (!tr->same_client)
				return LEASE_CH_REASSIGNED;
			return tr->same_name ? LEASE_CH_RENEWED : LEASE_CH_NAME_CHANGED;
		}
		return tr->other_active ? LEASE_CH_MOVED : LEASE_CH_NEW;
	default:	/* registered (Kea 2.6+) and unknown states: kept, no DNS meaning */
		return 0;
	}
}

/* A lifetime-0 row: LeaseFileLoader::load removes the lease. */
static int ent_delete(struct leases *t, uint32_t ei, uint32_t aslot)
{
	struct lease prev;

	if (ei == NIL)
		return 0;
	if (!t->loading) {
		decode(t, &t->ents[ei], &prev);
		emit(t, LEASE_CH_DELETED, &prev, &prev, NULL);
	}
	str_drop(t, &t->ents[ei], NULL);
	ent_remove(t, ei, aslot);
	return 1;
}

/*
 * Build the entry row @r stands for, interning its strings (decoded leases
 * point into the store); @old is the address's current entry or NULL.
 */
static int ent_from_row(struct leases *t, const struct kea_row *r, const struct ent *old,
			struct ent *e)
{
	int err;

	memset(e, 0, sizeof(*e));
	memcpy(e->addr, r->addr, 16);
	e->cltt = (uint32_t)(r->expire - r->valid_lft);
	e->valid = r->valid_lft;
	e->pref = r->pref_lft;
	e->iaid = r->iaid;
	e->subnet = r->subnet_id;
	e->pool = r->pool_id;
	e->hwtype = r->hwtype;
	e->hwsrc = r->hwaddr_source;
	e->state = r->state;
	e->type = r->type;
	e->plen = r->prefix_len;
	e->flags = (r->fqdn_fwd ? LEASE_F_FQDN_FWD : 0) | (r->fqdn_rev ? LEASE_F_FQDN_REV : 0);
	e->id_next = NIL;

	if ((err = str_intern(t, r->id, r->id_len, &e->id)) ||
	    (err = str_intern(t, r->user_context, r->user_context_len, &e->uctx)))
		return err;
	if (old && r->hostname_len) {
		size_t ol;
		const uint8_t *on = str_get(t, old->name, &ol);

		/* a renewal repeats the name: keep the stored copy */
		if (ol == r->hostname_len && !memcmp(on, r->hostname, ol))
			e->name = old->name;
	}
	if (!e->name && (err = str_add(t, r->hostname, r->hostname_len, 0, &e->name)))
		return err;
	if (r->hwaddr_len && r->id_len > r->hwaddr_len &&
	    !memcmp(r->id + r->id_len - r->hwaddr_len, r->hwaddr, r->hwaddr_len)) {
		/*
		 * The common cases: a v4 client-id of type + hwaddr (RFC 2132
		 * 9.14), a v6 DUID-LLT or DUID-LL ending in the hwaddr. Keep
		 * only the hwaddr's length.
		 */
		e->flags |= ENT_HW_TAIL;
		e->hw = r->hwaddr_len;
	} else if ((err = str_intern(t, r->hwaddr, r->hwaddr_len, &e->hw))) {
		return err;
	}
	if (t->family == 6)
		e->idk = IDK_DUID;
	else if (r->id_len)
		e->idk = IDK_CID;
	else if (r->hwaddr_len)
		e->idk = IDK_HW;
	/*
	 * Kea's reclamation (and release with lease affinity) blanks the
	 * hostname but keeps the client: remember the last name it had.
	 */
	if (old && !e->name && old->name && same_identity(old, e) &&
	    (e->state == KEA_STATE_EXPIRED_RECLAIMED || e->state == KEA_STATE_RELEASED)) {
		e->name = old->name;
		e->flags |= LEASE_F_NAME_KEPT;
	}
	return 0;
}

/* The same row again (or re-read): nothing changes. */
static int ent_same(const struct ent *old, const struct ent *e)
{
	struct ent a = *old, b = *e;

	a.flags |= ENT_USED;
	b.flags |= ENT_USED | (a.flags & (LEASE_F_CLOCK_EXPIRED | ENT_ID_SHARED));
	a.id_next = b.id_next = 0;
	return !memcmp(&a, &b, sizeof(a));
}

/*
 * The facts leases_classify() decides on; *@oi is the client's active lease
 * at another address, or NIL.
 */
static void transition_of(const struct leases *t, const struct ent *old, const struct ent *e,
			  int64_t now, struct lease_transition *tr, uint32_t *oi)
{
	memset(tr, 0, sizeof(*tr));
	tr->has_old = !!old;
	tr->old_state = old ? old->state : 0;
	tr->old_active = old && ent_active(old, now);
	tr->new_state = e->state;
	tr->new_past = (int64_t)e->cltt + e->valid <= now;
	tr->same_client = old && same_identity(old, e);
	tr->same_name = old && old->name == e->name;
	/* only a row that can start a lease needs the identity index walked */
	*oi = !tr->old_active && e->state == KEA_STATE_DEFAULT ? other_active(t, e, now) : NIL;
	tr->other_active = *oi != NIL;
}

/* Put @e at the address: a new entry, or in place of @old (*@ei). */
static int ent_store(struct leases *t, uint32_t *ei, struct ent *old, struct ent *e)
{
	int relink, err;

	if (!old) {
		*ei = ent_insert(t, e);
		return *ei == NIL ? -ENOMEM : 0;
	}
	relink = !same_identity(old, e);
	if (relink)
		iix_unlink(t, *ei);
	e->id_next = old->id_next;
	e->flags |= ENT_USED | (old->flags & ENT_ID_SHARED);	/* conservative: kept */
	str_drop(t, old, e);
	*old = *e;
	if (relink && (err = iix_link(t, *ei)))
		return err;
	return 0;
}

int leases_apply(struct leases *t, const struct kea_row *r)
{
	struct lease prev, now_l, oth;
	struct lease_transition tr;
	struct ent e, *old;
	uint32_t ei, aslot = 0, oi = NIL;
	enum lease_change_kind kind = 0;
	int err;

	if (!t->family)
		t->family = r->family;
	if (r->family != t->family)
		return -EINVAL;
	t->cols |= r->cols;
	err = maybe_compact(t);
	if (err)
		return err;
	ei = aix_find(t, r->addr, &aslot);
	t->st.rows++;

	if (r->valid_lft == 0)
		return ent_delete(t, ei, aslot);
	if (r->expire - r->valid_lft > UINT32_MAX)
		return -EINVAL;	/* cltt beyond 2106 */
	old = ei == NIL ? NULL : &t->ents[ei];
	err = ent_from_row(t, r, old, &e);
	if (err)
		return err;
	if (old && ent_same(old, &e))
		return 0;

	/* the initial load sends no changes: skip working out what they would be */
	if (!t->loading) {
		transition_of(t, old, &e, now_of(t), &tr, &oi);
		kind = leases_classify(&tr);
	}
	if (kind == LEASE_CH_EXPIRED)
		e.flags |= LEASE_F_CLOCK_EXPIRED;
	if (old && kind)
		decode(t, old, &prev);
	if (kind == LEASE_CH_MOVED)
		decode(t, &t->ents[oi], &oth);
	err = ent_store(t, &ei, old, &e);
	if (err)
		return err;
	note_due(t, ei);
	if (t->o.on_row) {
		/* every row kept, the initial load's too: the history of who held what */
		decode(t, &t->ents[ei], &now_l);
		t->o.on_row(t->o.ctx, &now_l);
	}
	if (kind) {
		decode(t, &t->ents[ei], &now_l);
		emit(t, kind, &now_l, old ? &prev : NULL, kind == LEASE_CH_MOVED ? &oth : NULL);
	}
	return 1;
}

/*
 * The heap pops entries in due order; an item whose entry has since been
 * renewed, released, removed or reused (its due time no longer matches,
 * or it is no longer expirable) is stale and dropped. Each lease costs
 * O(log n) when its time comes; nothing is walked while nothing is due.
 */
int leases_expire_scan(struct leases *t, time_t now)
{
	const struct dueheap_item *top;
	int n = 0;

	if (t->due_failed || dueheap_compact_needed(&t->due, t->count))
		due_rebuild(t);
	if (now < t->next_due)
		return 0;
	while ((top = dueheap_top(&t->due)) && (int64_t)top->due <= (int64_t)now) {
		struct dueheap_item it;
		struct ent *e;

		dueheap_pop(&t->due, &it);
		if (it.idx >= t->n_ents)
			continue;
		e = &t->ents[it.idx];
		if (!ent_expirable(e) || dueheap_sat(ent_due(t, e)) != it.due || ent_due(t, e) > now)
			continue;
		{
			struct lease prev, l;

			decode(t, e, &prev);
			e->flags |= LEASE_F_CLOCK_EXPIRED;
			decode(t, e, &l);
			emit(t, LEASE_CH_EXPIRED, &l, &prev, NULL);
			n++;
		}
	}
	top = dueheap_top(&t->due);
	t->next_due = top ? (int64_t)top->due : INT64_MAX;
	return n;
}

void leases_set_loading(struct leases *t, int on)
{
	t->loading = on;
}

int leases_due(const struct leases *t, time_t now, int (*fn)(void *ctx, const struct lease *l),
	       void *ctx)
{
	int n = 0;

	if (now < t->next_due)
		return 0;
	for (uint32_t i = 0; i < t->n_ents; i++) {
		const struct ent *e = &t->ents[i];
		struct lease l;
		int err;

		if (!(e->flags & ENT_USED) || e->state != KEA_STATE_DEFAULT || !e->valid ||
		    (e->flags & LEASE_F_CLOCK_EXPIRED) ||
		    (int64_t)e->cltt + e->valid + t->o.grace > (int64_t)now)
			continue;
		decode(t, e, &l);
		err = fn(ctx, &l);
		if (err)
			return err;
		n++;
	}
	return n;
}

/* ---- open, process, lookups -------------------------------------------- */

static int on_row(void *ctx, const struct kea_row *r)
{
	struct leases *t = ctx;
	int err = leases_apply(t, r);

	if (err == -EINVAL) {
		if (!t->st.bad_rows++)
			pr_warn("leases: rows of the wrong family or time skipped (counted)");
		return 0;
	}
	return err < 0 ? err : 0;
}

int leases_open(struct leases **out, const char *path, int family, const struct leases_opts *o)
{
	struct leases *t;
	int err = 0;

	*out = NULL;
	if (!path && family != 4 && family != 6)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (o)
		t->o = *o;
	t->family = family;
	t->free_head = NIL;
	t->next_due = INT64_MAX;
	t->alen = 1;	/* string ref 0 means "" */
	if (path) {
		t->loading = 1;
		err = lease_tail_open(&t->tail, path, t->o.watch, on_row, t);
		t->loading = 0;
		if (err) {
			if (err != LS_ECSV_HEADER)
				pr_err("leases: cannot load '%s' (%s)", path, ls_strerror(err));
			leases_close(t);
			return err;
		}
		/* the load's changes were not sent; count only what is fed later */
		memset(t->st.changes, 0, sizeof(t->st.changes));
	}
	*out = t;
	return 0;
}

void leases_close(struct leases *t)
{
	if (!t)
		return;
	lease_tail_close(t->tail);
	free(t->ents);
	free(t->aix);
	free(t->iix);
	free(t->arena);
	free(t->six);
	dueheap_fini(&t->due);
	free(t);
}

int leases_family(const struct leases *t)
{
	return t->family;
}

int leases_fd(const struct leases *t)
{
	return t->tail ? lease_tail_fd(t->tail) : -1;
}

int leases_process(struct leases *t)
{
	return t->tail ? lease_tail_process(t->tail) : 0;
}

static void addr16(const struct leases *t, const uint8_t *addr, uint8_t *a)
{
	memset(a, 0, 16);
	memcpy(a, addr, t->family == 4 ? 4 : 16);
}

int leases_find_addr(const struct leases *t, const uint8_t *addr, struct lease *out)
{
	uint8_t a[16];
	uint32_t ei;

	if (!t->family)
		return -ENOENT;	/* nothing read yet: not even the address size is known */
	addr16(t, addr, a);
	ei = aix_find(t, a, NULL);
	if (ei == NIL)
		return -ENOENT;
	decode(t, &t->ents[ei], out);
	return 0;
}

int leases_find_addr_hint(const struct leases *t, const uint8_t *addr, uint32_t ref,
			  struct lease *out)
{
	const struct ent *e = ref && ref <= t->n_ents ? &t->ents[ref - 1] : NULL;

	if (e && (e->flags & ENT_USED) && t->family &&
	    !memcmp(e->addr, addr, t->family == 4 ? 4 : 16) &&
	    (t->family == 6 || !memcmp(e->addr + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12))) {
		decode(t, e, out);
		return 0;
	}
	return leases_find_addr(t, addr, out);
}

uint32_t leases_ref(const struct leases *t, const uint8_t *addr)
{
	uint8_t a[16];
	uint32_t ei;

	if (!t->family)
		return 0;
	addr16(t, addr, a);
	ei = aix_find(t, a, NULL);
	return ei == NIL ? 0 : ei + 1;
}

int leases_find_client(const struct leases *t, enum lease_id_kind kind, const uint8_t *id,
		       size_t id_len, uint32_t iaid, struct lease *out, int max)
{
	uint32_t idk = kind == LEASE_ID_CLIENT_ID ? IDK_CID :
		       kind == LEASE_ID_HWADDR	  ? IDK_HW :
						    IDK_DUID;
	uint32_t ref = str_find(t, id, id_len), s;
	int n = 0;

	if (!ref)
		return 0;
	if (idk != IDK_DUID)
		iaid = 0;
	s = iix_slot(t, idk, ref, iaid);
	for (uint32_t i = s == NIL ? NIL : t->iix[s] - 1; i != NIL; i = t->ents[i].id_next) {
		if (n < max)
			decode(t, &t->ents[i], &out[n]);
		n++;
	}
	return n;
}

int leases_find_client_of(const struct leases *t, const struct lease *l, struct lease *out,
			  int max)
{
	const struct ent *e = l->ref && l->ref <= t->n_ents ? &t->ents[l->ref - 1] : NULL;
	uint32_t s;
	int n = 0;

	if (!e || !(e->flags & ENT_USED) || memcmp(e->addr, l->addr, 16) || l->family != t->family) {
		/* not (or no longer) this table's: by the identifier, as any client */
		if (l->family == 6)
			return leases_find_client(t, LEASE_ID_DUID, l->client_id, l->client_id_len,
						  l->iaid, out, max);
		if (l->client_id_len)
			return leases_find_client(t, LEASE_ID_CLIENT_ID, l->client_id,
						  l->client_id_len, 0, out, max);
		return leases_find_client(t, LEASE_ID_HWADDR, l->hwaddr, l->hwaddr_len, 0, out,
					  max);
	}
	if (e->idk == IDK_NONE || !ent_idref(e))
		return 0;	/* no identity: leases_find_client() finds none either */
	if (!(e->flags & ENT_ID_SHARED)) {
		if (max > 0)
			out[0] = *l;
		return 1;
	}
	s = iix_slot(t, e->idk, ent_idref(e), e->iaid);
	for (uint32_t i = s == NIL ? NIL : t->iix[s] - 1; i != NIL; i = t->ents[i].id_next) {
		if (n < max)
			decode(t, &t->ents[i], &out[n]);
		n++;
	}
	return n;
}

int leases_foreach(const struct leases *t, int (*fn)(void *ctx, const struct lease *l), void *ctx)
{
	for (uint32_t i = 0; i < t->n_ents; i++) {
		struct lease l;
		int err;

		if (!(t->ents[i].flags & ENT_USED))
			continue;
		decode(t, &t->ents[i], &l);
		err = fn(ctx, &l);
		if (err)
			return err;
	}
	return 0;
}

uint32_t leases_columns(const struct leases *t)
{
	return t->cols;
}

size_t leases_count(const struct leases *t)
{
	return t->count;
}

void leases_get_stats(const struct leases *t, struct leases_stats *st)
{
	*st = t->st;
	st->leases = t->count;
	/*
	 * Resident bytes: the hash indexes are touched all over, while the
	 * untouched tail of the entry array and of the string store (grown by
	 * realloc, so mremap for large sizes) never becomes resident.
	 */
	st->mem_bytes = sizeof(*t) + (uint64_t)t->n_ents * sizeof(struct ent) +
			(t->aix ? (uint64_t)(t->amask + 1) * 4 : 0) +
			(t->iix ? (uint64_t)(t->imask + 1) * 4 : 0) +
			(t->six ? (uint64_t)(t->smask + 1) * 4 : 0) + t->alen +
			dueheap_bytes(&t->due);
	if (t->tail) {
		struct lease_tail_stats ts;

		lease_tail_get_stats(t->tail, &ts);
		st->bad_rows += ts.bad_rows;
		st->rotations = ts.rotations;
		st->truncations = ts.truncations;
	}
}

const char *leases_change_name(enum lease_change_kind kind)
{
	static const char *const names[LEASE_CH_MAX_] = {
		[LEASE_CH_NEW] = "new",
		[LEASE_CH_RENEWED] = "renewed",
		[LEASE_CH_NAME_CHANGED] = "name-changed",
		[LEASE_CH_MOVED] = "moved",
		[LEASE_CH_REASSIGNED] = "reassigned",
		[LEASE_CH_RELEASED] = "released",
		[LEASE_CH_DECLINED] = "declined",
		[LEASE_CH_EXPIRED] = "expired",
		[LEASE_CH_RECLAIMED] = "reclaimed",
		[LEASE_CH_DELETED] = "deleted",
	};

	return (unsigned)kind < LEASE_CH_MAX_ && names[kind] ? names[kind] : "?";
}

const char *leases_state_name(unsigned int state)
{
	static const char *const names[] = { "default", "declined", "expired-reclaimed",
					     "released", "registered" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

/* ---- printing ---------------------------------------------------------- */

static void json_str(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)	/* bytes, not UTF-8: keep the JSON valid */
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}


int leases_print(const struct lease *l, uint32_t cols, int json, FILE *out)
{
	char a[UTIL_ADDR_TEXT], hw[3 * KEA_HWADDR_MAX + 1], id[3 * KEA_ID_MAX + 1];
	const char *name = l->flags & LEASE_F_NAME_KEPT ? "" : l->hostname;
	size_t name_len = l->flags & LEASE_F_NAME_KEPT ? 0 : l->hostname_len;
	const char *sep = "{";

	util_addr_text(l->family, l->addr, a, sizeof(a));
	util_hex_format(l->hwaddr, l->hwaddr_len, ':', hw, sizeof(hw));
	util_hex_format(l->client_id, l->client_id_len, ':', id, sizeof(id));
	if (!json) {
		struct tm tm;
		time_t ex = (time_t)l->expire;
		char ts[32];

		gmtime_r(&ex, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (l->family == 4)
			fprintf(out, "%-15s hwaddr %s client_id %s", a, hw[0] ? hw : "-",
				id[0] ? id : "-");
		else
			fprintf(out, "%s/%u %s duid %s iaid %u hwaddr %s", a, l->prefix_len,
				l->type == KEA_TYPE_PD ? "PD" : l->type == KEA_TYPE_TA ? "TA" : "NA",
				id, l->iaid, hw[0] ? hw : "-");
		fprintf(out, " hostname %s valid %u", l->hostname[0] ? l->hostname : "-",
			l->valid_lft);
		if (l->family == 6)
			fprintf(out, " pref %u", l->pref_lft);
		fprintf(out, " expire %s subnet %u state %s%s\n", ts, l->subnet_id,
			leases_state_name(l->state),
			l->flags & LEASE_F_CLOCK_EXPIRED ? " (expired)" : "");
		return ferror(out) ? -EIO : 0;
	}
	for (int c = 0; c < KEA_COL_MAX_; c++) {
		int v6only = c == KEA_COL_DUID || c == KEA_COL_PREF_LIFETIME ||
			     c == KEA_COL_LEASE_TYPE || c == KEA_COL_IAID || c == KEA_COL_PREFIX_LEN ||
			     c == KEA_COL_HWTYPE || c == KEA_COL_HWADDR_SOURCE;

		if (!(cols & (1u << c)) || (l->family == 4 && v6only) ||
		    (l->family == 6 && c == KEA_COL_CLIENT_ID))
			continue;
		fprintf(out, "%s\"%s\":", sep, kea_csv_col_name(c));
		sep = ",";
		switch (c) {
		case KEA_COL_ADDRESS: fprintf(out, "\"%s\"", a); break;
		case KEA_COL_HWADDR: fprintf(out, "\"%s\"", hw); break;
		case KEA_COL_CLIENT_ID:
		case KEA_COL_DUID: fprintf(out, "\"%s\"", id); break;
		case KEA_COL_VALID_LIFETIME: fprintf(out, "%u", l->valid_lft); break;
		case KEA_COL_EXPIRE: fprintf(out, "%lld", (long long)l->expire); break;
		case KEA_COL_SUBNET_ID: fprintf(out, "%u", l->subnet_id); break;
		case KEA_COL_PREF_LIFETIME: fprintf(out, "%u", l->pref_lft); break;
		case KEA_COL_LEASE_TYPE: fprintf(out, "%u", l->type); break;
		case KEA_COL_IAID: fprintf(out, "%u", l->iaid); break;
		case KEA_COL_PREFIX_LEN: fprintf(out, "%u", l->prefix_len); break;
		case KEA_COL_FQDN_FWD:
			fputs(l->flags & LEASE_F_FQDN_FWD ? "true" : "false", out);
			break;
		case KEA_COL_FQDN_REV:
			fputs(l->flags & LEASE_F_FQDN_REV ? "true" : "false", out);
			break;
		case KEA_COL_HOSTNAME: json_str(out, name, name_len); break;
		case KEA_COL_STATE: fprintf(out, "%u", l->state); break;
		case KEA_COL_USER_CONTEXT: {
			/* Kea keeps a JSON map here: embed it when it is one */
			json_t *j = l->user_context_len ?
					    json_loadb(l->user_context, l->user_context_len, 0, NULL) :
					    NULL;
			char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;

			if (txt)
				fputs(txt, out);
			else
				json_str(out, l->user_context, l->user_context_len);
			free(txt);
			json_decref(j);
			break;
		}
		case KEA_COL_HWTYPE: fprintf(out, "%u", l->hwtype); break;
		case KEA_COL_HWADDR_SOURCE: fprintf(out, "%u", l->hwaddr_source); break;
		case KEA_COL_POOL_ID: fprintf(out, "%u", l->pool_id); break;
		}
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

struct collect {
	struct lease *v;
	size_t n, cap;
	int all;
	time_t now;
	size_t skipped[LEASES_INACTIVE_N];
};

static int collect_one(void *ctx, const struct lease *l)
{
	struct collect *c = ctx;
	enum leases_inactive why = leases_inactive_why(l, c->now);

	if (!c->all && why != LEASES_ACTIVE) {
		c->skipped[why]++;
		return 0;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct lease *nv = realloc(c->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n++] = *l;
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct lease *x = a, *y = b;
	int d = memcmp(x->addr, y->addr, 16);

	return d ? d : (int)x->prefix_len - (int)y->prefix_len;
}

/* the command's word on what it did not print (stderr: stdout stays the leases) */
static void skipped_note(const struct collect *c, const char *path)
{
	size_t total = 0;
	const char *sep = "";

	for (int i = 1; i < LEASES_INACTIVE_N; i++)
		total += c->skipped[i];
	if (!total) {
		if (!c->n)
			fprintf(stderr, "leasesnoop: '%s' holds no leases\n", path);
		return;
	}
	fprintf(stderr, "leasesnoop: %zu active lease%s shown, %zu not (", c->n, c->n == 1 ? "" : "s",
		total);
	for (int i = 1; i < LEASES_INACTIVE_N; i++) {
		if (!c->skipped[i])
			continue;
		fprintf(stderr, "%s%zu %s", sep, c->skipped[i], leases_inactive_name(i));
		sep = ", ";
	}
	fprintf(stderr, "): --all shows them\n");
}

int leases_cmd_print(const char *path, int all, int json, FILE *out)
{
	struct collect c = { .all = all, .now = time(NULL) };
	static const char *const sfx[] = { "", ".completed", ".2", ".1" };
	struct leases *t;
	int err = -ENOENT;

	/* the daemon waits for a missing live file; a command names a file */
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]) && err; i++) {
		char p[4096];

		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		err = access(p, R_OK) ? (i ? err : -errno) : 0;
	}
	if (err) {
		pr_err("leases: cannot read lease file '%s' (%s)", path, ls_strerror(err));
		return err;
	}
	err = leases_open(&t, path, 0, NULL);
	if (err)
		return err;
	err = leases_foreach(t, collect_one, &c);
	if (!err) {
		if (c.n)
			qsort(c.v, c.n, sizeof(*c.v), cmp_addr);
		for (size_t i = 0; i < c.n && !err; i++)
			err = leases_print(&c.v[i], t->cols, json, out);
		if (!err && fflush(out))
			err = -EIO;
		/* the reader went away (`| head`): that ends the output, it is no error */
		if (err == -EIO && errno == EPIPE)
			err = 1;
	}
	if (err < 0)
		pr_err("leases: cannot print the leases of '%s' (%s)", path, ls_strerror(err));
	if (!err)
		skipped_note(&c, path);
	err = err > 0 ? 0 : err;
	free(c.v);
	leases_close(t);
	return err;
}
