/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/adoptxfr.h - adoption by zone transfer: one round of
 * "adopt-existing" as an object the caller's event loop drives. Leases come
 * in chunks (struct adopt_item, user/dns/adopt.h). For each zone a chunk
 * needs, one TSIG-signed AXFR is asked of the zone's first server
 * (user/dns/xfr.h: non-blocking, read as it arrives), its A, AAAA, PTR and
 * DHCID RRs go into one transient index (user/dns/adoptidx.h), and every
 * lease of that zone is then decided from the index with the rules of the
 * query probe. Where a transfer is refused (REFUSED, NOTAUTH, a TSIG
 * error), fails, stalls or times out, or cannot be asked (GSS-TSIG), and
 * for names the index cannot settle (under a delegation or a DNAME), the
 * leases are asked about by query as before (adopt_probe_start()). The
 * index lives until adoptxfr_free(), at the end of the round.
 */
#ifndef LS_ADOPTXFR_H
#define LS_ADOPTXFR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/dns/adopt.h"

struct adoptxfr_opts {
	bool transfer;			/* false: every lease by query ("adopt-method": "query") */
	unsigned int xfr_timeout_ms;	/* a whole transfer (0: 300 s) */
	unsigned int idle_ms;		/* a transfer that delivers nothing this long is given up (0: 10 s) */
	unsigned int query_timeout_ms;	/* a query (0: 2000 ms) */
	size_t expect;			/* leases the round holds: sizes the index (0: it grows) */
};

struct adoptxfr;

/* adoptxfr_new() - a round. Returns 0, or a negative errno (memory, epoll). */
int adoptxfr_new(struct adoptxfr **out, const struct adoptxfr_opts *o);
/*
 * adoptxfr_free() - abort what is under way, free the index; add the
 * totals to @st (may be NULL; index_bytes is not added: it is a gauge).
 * NULL is a no-op.
 */
void adoptxfr_free(struct adoptxfr *a, struct adopt_stats *st);
/* adoptxfr_fd() - an epoll fd readable when adoptxfr_run() has work. */
int adoptxfr_fd(const struct adoptxfr *a);
/*
 * adoptxfr_submit() - decide @items[0..n) (the caller's until the chunk is
 * decided; one chunk at a time): starts the transfers of zones not yet
 * asked for, decides at once what the index can. Returns 0, -EBUSY (a
 * chunk is out), or a negative errno.
 */
int adoptxfr_submit(struct adoptxfr *a, struct adopt_item *items, size_t n);
/*
 * adoptxfr_run() - move the transfers and the query probe on, never
 * blocking. Returns 1 when the chunk is decided (its out fields set; the
 * chunk is then handed back: call it once a loop turn and act on the 1),
 * 0 while it is not (or none is out), or a negative errno when its probe
 * failed (socket or memory: nothing of the chunk matched; handed back too).
 */
int adoptxfr_run(struct adoptxfr *a);
/*
 * adoptxfr_ready() - adoptxfr_run() has work it can do now without
 * waiting for a socket or a timer (the chunk is decided, its probe is to
 * start, or a zone it waits for is done).
 */
bool adoptxfr_ready(const struct adoptxfr *a);
/*
 * adoptxfr_chunk() - leases a chunk should hold now: 512 while they are
 * decided from transfers (applied in one loop turn), 4,096 when by query
 * (the probe keeps 256 in flight; a chunk's end is a pause).
 */
size_t adoptxfr_chunk(const struct adoptxfr *a);
/* adoptxfr_get_stats() - add the counters so far and the index's bytes to @st. */
void adoptxfr_get_stats(const struct adoptxfr *a, struct adopt_stats *st);
/*
 * adoptxfr_worth() - pure: is a round of @candidates leases waiting for
 * adoption, out of @leases active, worth whole zone transfers? A transfer
 * costs about what queries for 1/64 of the zone's leases cost (here: 1.5
 * µs of CPU per RR transferred, 4 RRs a lease, against 360 µs per lease
 * asked, leasesnoop and server together): a first start or a migration is,
 * the few names left over from conflicts at a later full pass are not.
 */
bool adoptxfr_worth(size_t candidates, size_t leases);
#endif
