/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/owner.h - the ownership store: every DNS binding leasesnoop created
 * (one per leased address: the forward A/AAAA + DHCID at the name and the
 * reverse PTR + DHCID), with its name, zones, DHCID, client identity, mode,
 * TTL and times, in an LMDB environment under state-dir. The intent is
 * stored before an UPDATE is sent and the outcome after; writes are grouped
 * in one transaction that owner_commit() makes durable (fsync), so one
 * commit covers a whole engine batch. Only what is in the store is ever
 * removed from DNS. One daemon per store (a lock file says so).
 */
#ifndef LS_OWNER_H
#define LS_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/dns/dhcid.h"
#include "user/dns/zones.h"

/* struct owner_rec.state */
enum owner_state {
	OWNER_ADDING = 1,	/* intent: an add was (or is about to be) sent */
	OWNER_ADDED,		/* the server applied it: the sides in fwd/rev are ours */
	OWNER_REMOVING,		/* intent: a removal was (or is about to be) sent */
	OWNER_CONFLICT,		/* the name belongs to another client: nothing of ours in DNS */
	OWNER_FAILED,		/* the server refused the add: nothing of ours; retried by full sync */
};

#define OWNER_ID_MAX 255

/* One binding: the key is (family, addr). */
struct owner_rec {
	uint8_t family;			/* 4 or 6 */
	uint8_t state;			/* enum owner_state */
	uint8_t fwd, rev;		/* sides owned (ADDED) or intended (ADDING, REMOVING) */
	uint8_t mode;			/* enum dnsengine_mode it was written with */
	uint8_t id_type;		/* enum dhcid_idtype of the client identity */
	uint8_t prefix_len;		/* 0: addr is an address; else a delegated prefix's length */
	uint16_t id_len;
	uint8_t addr[16];
	uint8_t id[OWNER_ID_MAX];	/* client identity (client-id, htype+hwaddr, DUID) */
	uint8_t dhcid[DHCID_RDATA_LEN];
	uint32_t ttl;
	uint32_t iaid;			/* v6 */
	int64_t created, updated;	/* Unix time */
	char fqdn[ZONES_NAME_MAX];	/* forward name, canonical */
	char fwd_zone[ZONES_NAME_MAX];	/* domain the forward side went to ("" if none) */
	char rev_zone[ZONES_NAME_MAX];	/* domain the reverse side went to ("" if none) */
};

/* The key of a binding, for owner_keys(). */
struct owner_key {
	uint8_t family;
	uint8_t addr[16];
};

struct owner_stats {
	uint64_t records;		/* bindings in the store */
	uint64_t puts, dels, commits;
	uint64_t map_bytes;		/* LMDB map in use */
};

/* owner_open() flags */
#define OWNER_F_SNAPSHOT 0x1	/* work on a private copy of the store (--dry-run); deleted at close */

struct owner;

/*
 * owner_open() - open (creating it and @dir if needed) the store in @dir.
 * Returns 0, -EBUSY when another process holds the store, LS_ESTORE when
 * LMDB refuses it (logged), or a negative errno. Close with owner_close().
 */
int owner_open(struct owner **out, const char *dir, unsigned int flags);

/* owner_close() - commit what is pending and close; NULL is a no-op. */
void owner_close(struct owner *o);

/*
 * owner_get() - the binding of (@family, @addr) into @rec. Sees writes not
 * yet committed. Returns 0, -ENOENT or LS_ESTORE.
 */
int owner_get(struct owner *o, int family, const uint8_t *addr, struct owner_rec *rec);

/*
 * owner_put() - store @rec (replacing the binding of its address) in the
 * open batch; durable at the next owner_commit(). Returns 0 or LS_ESTORE.
 */
int owner_put(struct owner *o, const struct owner_rec *rec);

/* owner_del() - forget the binding of (@family, @addr). Returns 0, -ENOENT or LS_ESTORE. */
int owner_del(struct owner *o, int family, const uint8_t *addr);

/*
 * owner_commit() - make every put and del so far durable (LMDB commit with
 * fsync). A no-op when nothing is pending. Returns 0 or LS_ESTORE.
 */
int owner_commit(struct owner *o);

/*
 * owner_keys() - commit, then every key in the store into a new array
 * *@out (free() it) of *@n entries, in key order. Returns 0, -ENOMEM or
 * LS_ESTORE.
 */
int owner_keys(struct owner *o, struct owner_key **out, size_t *n);

/* owner_get_stats() - counters; records counts committed and pending writes. */
void owner_get_stats(struct owner *o, struct owner_stats *st);

/*
 * Another backend behind the same API (user/sync/pgowner.c: PostgreSQL,
 * shared by several leasesnoop instances): owner_open_ops() makes a store
 * whose every call goes to @ops with @ctx (same semantics as above: get
 * sees uncommitted writes, commit makes them durable or fails, keys is in
 * key order). owner_close() commits and frees the wrapper, not @ctx.
 */
struct owner_ops {
	int (*get)(void *ctx, int family, const uint8_t *addr, struct owner_rec *rec);
	int (*put)(void *ctx, const struct owner_rec *rec);
	int (*del)(void *ctx, int family, const uint8_t *addr);
	int (*commit)(void *ctx);
	int (*keys)(void *ctx, struct owner_key **out, size_t *n);
	void (*stats)(void *ctx, struct owner_stats *st);
};

int owner_open_ops(struct owner **out, const struct owner_ops *ops, void *ctx);

/*
 * owner_encode() - @r in the store's versioned encoding into @buf (at
 * least OWNER_ENC_MAX bytes); returns its length. owner_decode() - the
 * reverse, for the binding of (@family, @addr): 0 or LS_ESTORE.
 */
#define OWNER_ENC_MAX (64 + DHCID_RDATA_LEN + OWNER_ID_MAX + 3 * ZONES_NAME_MAX)
size_t owner_encode(const struct owner_rec *r, uint8_t *buf);
int owner_decode(int family, const uint8_t *addr, const uint8_t *v, size_t len,
		 struct owner_rec *r);

/*
 * owner_seek_plan() - how the kept read cursor, positioned at key @at
 * (NULL: nowhere), finds key @key (@len bytes, memcmp order as LMDB's):
 * OWNER_SEEK_NEXT, one step forward, when @key lies beyond @at (the next
 * binding is then @key, or shows @key is absent unless others lie in
 * between: then a seek); else OWNER_SEEK_RANGE, a seek from the root. Pure.
 */
enum owner_seek { OWNER_SEEK_RANGE = 0, OWNER_SEEK_NEXT };
enum owner_seek owner_seek_plan(const uint8_t *at, const uint8_t *key, size_t len);

/* owner_state_name() - "adding", "added", … */
const char *owner_state_name(unsigned int state);

#endif
