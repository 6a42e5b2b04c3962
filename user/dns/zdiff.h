/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/zdiff.h - a zone's actual content (as a transfer delivered it)
 * and the pure comparison of one owner name with what should be there.
 * Content is held per owner name (lower-case presentation form); a PTR's
 * RDATA is its target in the same form, other RDATA as on the wire. The
 * check looks only at the RR types the caller wants at the name: any other
 * RR there is foreign (counted, never judged).
 */
#ifndef LS_ZDIFF_H
#define LS_ZDIFF_H
#include <stddef.h>
#include <stdint.h>

struct zdiff;

/* What should be at a name: one RR each (several may share a type). */
struct zdiff_want {
	uint16_t type;
	const uint8_t *rdata;	/* PTR: the target, lower case, trailing dot, NUL included */
	size_t len;
};

enum zdiff_state { ZDIFF_OK = 0, ZDIFF_MISSING, ZDIFF_WRONG };

struct zdiff_verdict {
	enum zdiff_state state;
	unsigned int missing;	/* wanted RRs absent (their type holds nothing unwanted) */
	unsigned int wrong;	/* types whose RRset holds data we did not put there */
	unsigned int foreign;	/* RRs at the name of types not wanted there */
	char what[192];		/* "A 192.0.2.5 missing, DHCID differs", for the log */
};

/* One RR held at a name (zdiff_walk()). */
struct zdiff_rr {
	uint16_t type;
	uint16_t len;
	uint8_t *data;		/* as zdiff_add() was given it */
};

/*
 * zdiff_walk_fn - one owner name @name with its RRs @rrs[0..n) (n may be
 * 0: every RR of the name was deleted). Valid during the call only.
 */
typedef void (*zdiff_walk_fn)(void *arg, const char *name, const struct zdiff_rr *rrs, size_t n);

/* zdiff_new() - an empty zone. Returns 0 or -ENOMEM. */
int zdiff_new(struct zdiff **out);
/* zdiff_free() - NULL is a no-op. */
void zdiff_free(struct zdiff *z);
/*
 * zdiff_add() - one RR of the zone (@ttl is ignored). @owner
 * must already be lower case with a trailing dot. Returns 0 or -ENOMEM.
 */
int zdiff_add(struct zdiff *z, const char *owner, uint16_t type, uint32_t ttl,
	      const uint8_t *rdata, size_t len);
/*
 * zdiff_del() - remove one RR equal to (@type, @rdata) at @owner (an IXFR
 * deletion). Returns 0, or -ENOENT when it was not held.
 */
int zdiff_del(struct zdiff *z, const char *owner, uint16_t type, const uint8_t *rdata, size_t len);
/* zdiff_walk() - every name held, in no particular order, to @cb(@arg). */
void zdiff_walk(const struct zdiff *z, zdiff_walk_fn cb, void *arg);
/*
 * zdiff_name() - the RRs at @name: sets *@rrs and returns how many (0 and
 * *@rrs NULL when the name is not held). Valid until the zone changes.
 */
size_t zdiff_name(const struct zdiff *z, const char *name, const struct zdiff_rr **rrs);
/* zdiff_rrs() - RRs held. */
size_t zdiff_rrs(const struct zdiff *z);
/*
 * zdiff_check() - compare the RRs at @name (lower case, trailing dot) with
 * @want[0..n): per wanted type, the RRset must be exactly the wanted RRs.
 * A type holding only a subset of them is missing RRs; one holding anything
 * else is wrong. Pure. Fills @v.
 */
void zdiff_check(const struct zdiff *z, const char *name, const struct zdiff_want *want, size_t n,
		 struct zdiff_verdict *v);
#endif
