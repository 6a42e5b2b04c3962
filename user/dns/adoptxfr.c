// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/adoptxfr.c - the round: zones by their domain (a pointer map),
 * at most XFR_PARALLEL transfers at once on a private epoll fd (nested in
 * the caller's), one chunk out, its items waiting, decided, or to be asked
 * by the probe, which runs on a compact copy of those items.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/dns/adoptidx.h"
#include "user/dns/adoptxfr.h"
#include "user/dns/dnsio.h"
#include "user/dns/dnsmsg.h"
#include "user/dns/xfr.h"

#define XFR_PARALLEL 4		/* transfers at once: the forward and reverse zones, and some */
#define XFR_TIMEOUT_DEF 300000
#define XFR_IDLE_DEF 10000
#define RRS_PER_LEASE 4		/* A + DHCID, PTR + DHCID */
#define XFR_READS 2		/* recv()s per step: ~256 KiB, ~6,000 RRs indexed in a loop turn */

enum zstate { Z_NEW = 0, Z_QUEUED, Z_XFR, Z_READY, Z_ASK };
enum istate { I_WAIT = 0, I_DONE, I_ASK };

struct xzone {
	struct adoptxfr *a;
	const struct zones_domain *d;
	uint32_t id;
	enum zstate st;
	struct xfr *x;
	uint64_t started_ms, seen_ms, seen_bytes;
};

struct adoptxfr {
	struct adoptxfr_opts o;
	int ep;
	struct adoptidx *ix;
	struct xzone **z;	/* each on its own: a transfer's callback holds its pointer */
	size_t nz, capz;
	uint32_t *zmap;		/* open addressing by domain pointer: zone index + 1; 0 empty */
	size_t zmask;
	size_t running;		/* transfers under way */
	bool zchanged;		/* a zone became ready or failed since the chunk was looked at */
	/* the chunk */
	struct adopt_item *items;
	size_t n, nwait, nask;
	uint8_t *ist;		/* enum istate per item */
	struct adopt_item *ask;	/* the probe's copy of the items to ask about */
	size_t *ask_at;
	struct adopt_probe *probe;
	bool asked;		/* the last chunk had leases to ask about by query */
	struct adopt_stats st;	/* totals (the probes finished, the transfers) */
};

bool adoptxfr_worth(size_t candidates, size_t leases)
{
	return candidates && candidates * 64 >= leases;
}

static size_t ptr_hash(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;

	return (size_t)(v >> 32);
}

static int zmap_grow(struct adoptxfr *a)
{
	size_t cap = a->zmap ? (a->zmask + 1) * 2 : 64;
	uint32_t *m = calloc(cap, sizeof(*m));

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < a->nz; i++) {
		size_t h = ptr_hash(a->z[i]->d) & (cap - 1);

		while (m[h])
			h = (h + 1) & (cap - 1);
		m[h] = (uint32_t)i + 1;
	}
	free(a->zmap);
	a->zmap = m;
	a->zmask = cap - 1;
	return 0;
}

/* The round's entry for domain @d, created (Z_NEW) when @create. NULL: none, or no memory. */
static struct xzone *zone_of(struct adoptxfr *a, const struct zones_domain *d, bool create)
{
	struct xzone *z;
	size_t h;

	if (a->zmap) {
		for (h = ptr_hash(d) & a->zmask; a->zmap[h]; h = (h + 1) & a->zmask)
			if (a->z[a->zmap[h] - 1]->d == d)
				return a->z[a->zmap[h] - 1];
	}
	if (!create)
		return NULL;
	if (a->nz == a->capz) {
		size_t cap = a->capz ? a->capz * 2 : 16;
		void *p = realloc(a->z, cap * sizeof(*a->z));

		if (!p)
			return NULL;
		a->z = p;
		a->capz = cap;
	}
	if ((!a->zmap || (a->nz + 1) * 2 > a->zmask + 1) && zmap_grow(a))
		return NULL;
	z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->a = a;
	z->d = d;
	z->id = (uint32_t)a->nz;
	for (h = ptr_hash(d) & a->zmask; a->zmap[h]; h = (h + 1) & a->zmask)
		;
	a->zmap[h] = (uint32_t)a->nz + 1;
	a->z[a->nz++] = z;
	return z;
}

int adoptxfr_new(struct adoptxfr **out, const struct adoptxfr_opts *o)
{
	struct adoptxfr *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->o = *o;
	if (!a->o.xfr_timeout_ms)
		a->o.xfr_timeout_ms = XFR_TIMEOUT_DEF;
	if (!a->o.idle_ms)
		a->o.idle_ms = XFR_IDLE_DEF;
	a->ep = epoll_create1(EPOLL_CLOEXEC);
	if (a->ep < 0) {
		int err = -errno;

		free(a);
		return err;
	}
	*out = a;
	return 0;
}

static void probe_end(struct adoptxfr *a)
{
	if (!a->probe)
		return;
	epoll_ctl(a->ep, EPOLL_CTL_DEL, adopt_probe_fd(a->probe), NULL);
	adopt_probe_free(a->probe, &a->st);
	a->probe = NULL;
}

static void chunk_clear(struct adoptxfr *a)
{
	probe_end(a);
	free(a->ist);
	free(a->ask);
	free(a->ask_at);
	a->ist = NULL;
	a->ask = NULL;
	a->ask_at = NULL;
	a->items = NULL;
	a->n = a->nwait = a->nask = 0;
}

/* stats_add() - add @from's totals to @st (index_bytes, a gauge, is not a total). */
static void stats_add(struct adopt_stats *st, const struct adopt_stats *from)
{
	st->queries += from->queries;
	st->answers += from->answers;
	st->failures += from->failures;
	st->transfers += from->transfers;
	st->transfer_failures += from->transfer_failures;
	st->transfer_rrs += from->transfer_rrs;
	st->settled += from->settled;
}

static void xfr_end(struct adoptxfr *a, struct xzone *z)
{
	if (!z->x)
		return;
	epoll_ctl(a->ep, EPOLL_CTL_DEL, xfr_fd(z->x), NULL);
	xfr_free(z->x);
	z->x = NULL;
	a->running--;
}

void adoptxfr_free(struct adoptxfr *a, struct adopt_stats *st)
{
	if (!a)
		return;
	chunk_clear(a);
	for (size_t i = 0; i < a->nz; i++) {
		xfr_end(a, a->z[i]);
		free(a->z[i]);
	}
	if (st)
		stats_add(st, &a->st);
	adoptidx_free(a->ix);
	if (a->ep >= 0)
		close(a->ep);
	free(a->zmap);
	free(a->z);
	free(a);
}

int adoptxfr_fd(const struct adoptxfr *a)
{
	return a->ep;
}

void adoptxfr_get_stats(const struct adoptxfr *a, struct adopt_stats *st)
{
	if (!a || !st)
		return;
	stats_add(st, &a->st);
	st->index_bytes += adoptidx_bytes(a->ix);
	adopt_probe_get_stats(a->probe, st);	/* a probe still running counts too */
	for (size_t i = 0; i < a->nz; i++) {
		struct xfr_stats xs;

		if (!a->z[i]->x)
			continue;
		xfr_get_stats(a->z[i]->x, &xs);
		st->transfer_rrs += xs.rrs;	/* a transfer under way: what came so far */
	}
}

/* ---- transfers ---- */

static int on_rr(void *arg, enum xfr_op op, const char *owner, uint16_t type, uint32_t ttl,
		 const uint8_t *rdata, size_t len)
{
	struct xzone *z = arg;

	(void)ttl;
	if (op != XFR_ADD)
		return LS_EDNS_FORMAT;	/* an AXFR holds additions only */
	return adoptidx_add(z->a->ix, z->id, z->d->name, owner, type, rdata, len);
}

/* What the zone's server takes to sign a transfer: GSS-TSIG contexts are the engine's. */
static bool transferable(const struct zones_domain *d)
{
	const struct zones_server *sv = d->nservers ? &d->servers[0] : NULL;

	return sv && !sv->gss && !(sv->key && sv->key->alg == TSIG_GSS_TSIG);
}

static void zone_failed(struct adoptxfr *a, struct xzone *z, int err, int rcode)
{
	const struct zones_server *sv = &z->d->servers[0];
	const char *key = sv->key ? sv->key->name : "(none)";

	a->st.transfer_failures++;
	if (err == LS_EDNS_RCODE || err == LS_ETSIG_BADKEY || err == LS_ETSIG_BADSIG ||
	    err == LS_ETSIG_BADTIME)
		pr_warn_rl("adopt: server '%s' refused AXFR of zone '%s' to key '%s' (%s); its leases are asked about by query instead (to adopt by transfer: BIND allow-transfer { key \"%s\"; };, Knot an acl with action transfer)",
			   sv->text, z->d->name, key,
			   err == LS_EDNS_RCODE ? dnsmsg_rcode_name(rcode) : ls_strerror(err), key);
	else
		pr_warn_rl("adopt: AXFR of zone '%s' from '%s' failed (%s); its leases are asked about by query instead",
			   z->d->name, sv->text, ls_strerror(err));
	xfr_end(a, z);
	z->st = Z_ASK;
	a->zchanged = true;
}

static void zone_start(struct adoptxfr *a, struct xzone *z)
{
	struct epoll_event ev = { 0 };
	int err = 0;

	if (!a->ix)
		err = adoptidx_new(&a->ix, a->o.expect * RRS_PER_LEASE, NULL);
	if (!err)
		err = xfr_start(&z->x, z->d->name, &z->d->servers[0], 0, 0, a->o.xfr_timeout_ms,
				on_rr, z);
	if (!err) {
		a->running++;
		xfr_set_reads(z->x, XFR_READS);
		ev.events = xfr_events(z->x);
		if (epoll_ctl(a->ep, EPOLL_CTL_ADD, xfr_fd(z->x), &ev))
			err = -errno;
	}
	z->st = Z_XFR;
	z->started_ms = z->seen_ms = dnsio_now_ms();
	z->seen_bytes = 0;
	if (err)
		zone_failed(a, z, err, 0);
	else
		pr_info("adopt: asking '%s' for a transfer of zone '%s' (AXFR)",
			z->d->servers[0].text, z->d->name);
}

static void zone_done(struct adoptxfr *a, struct xzone *z)
{
	struct xfr_stats xs;

	xfr_get_stats(z->x, &xs);
	a->st.transfers++;
	a->st.transfer_rrs += xs.rrs;
	pr_info("adopt: zone '%s' transferred from '%s' (serial %u): %llu RRs, %llu bytes in %llu ms; index %zu records, %zu bytes",
		z->d->name, z->d->servers[0].text, xs.serial, (unsigned long long)xs.rrs,
		(unsigned long long)xs.bytes, (unsigned long long)(dnsio_now_ms() - z->started_ms),
		adoptidx_records(a->ix), adoptidx_bytes(a->ix));
	xfr_end(a, z);
	z->st = Z_READY;
	a->zchanged = true;
}

/* Move each transfer on; start queued ones while there is room. */
static void transfers_step(struct adoptxfr *a)
{
	struct epoll_event evs[XFR_PARALLEL];
	uint64_t now = dnsio_now_ms();

	(void)epoll_wait(a->ep, evs, XFR_PARALLEL, 0);	/* the step itself is what counts */
	for (size_t i = 0; i < a->nz && a->running; i++) {
		struct xzone *z = a->z[i];
		struct xfr_stats xs;
		int rc;

		if (z->st != Z_XFR || !z->x)
			continue;
		rc = xfr_step(z->x);
		xfr_get_stats(z->x, &xs);
		if (xs.bytes != z->seen_bytes) {
			z->seen_bytes = xs.bytes;
			z->seen_ms = now;
		}
		if (rc == 1 && now - z->seen_ms > a->o.idle_ms)
			rc = -ETIMEDOUT;	/* a server that took the query and went silent */
		if (rc == 1) {
			struct epoll_event ev = { .events = xfr_events(z->x) };

			epoll_ctl(a->ep, EPOLL_CTL_MOD, xfr_fd(z->x), &ev);
		} else if (rc == 0) {
			zone_done(a, z);
		} else {
			zone_failed(a, z, rc, xs.rcode);
		}
	}
	for (size_t i = 0; i < a->nz && a->running < XFR_PARALLEL; i++)
		if (a->z[i]->st == Z_QUEUED)
			zone_start(a, a->z[i]);
}

/* ---- the chunk ---- */

/* Where item @it stands now: decided (from the index), to ask, or waiting for a transfer. */
static enum istate classify(struct adoptxfr *a, struct adopt_item *it)
{
	const struct zones_domain *d[2] = { it->fz, it->rz };
	struct xzone *z[2] = { NULL, NULL };
	bool wait = false;

	if (it->by_query)
		return I_ASK;	/* what DNS holds now, not what a transfer held when it began */
	for (int s = 0; s < 2; s++) {
		if (!d[s])
			continue;
		z[s] = zone_of(a, d[s], true);
		if (!z[s])
			return I_ASK;	/* no memory for the zone: the probe decides */
		if (z[s]->st == Z_NEW) {
			z[s]->st = a->o.transfer && transferable(d[s]) ? Z_QUEUED : Z_ASK;
			if (z[s]->st == Z_ASK && a->o.transfer)
				pr_info("adopt: zone '%s' is asked about by query (its server signs with GSS-TSIG, or it has none)",
					d[s]->name);
		}
		if (z[s]->st == Z_ASK)
			return I_ASK;
		if (z[s]->st != Z_READY)
			wait = true;
	}
	if (wait)
		return I_WAIT;
	if (adoptidx_decide(a->ix, it, z[0] ? z[0]->id : 0, z[1] ? z[1]->id : 0) != ADOPTIDX_SETTLED)
		return I_ASK;
	a->st.settled++;
	return I_DONE;
}

static void chunk_look(struct adoptxfr *a)
{
	a->zchanged = false;
	a->nwait = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->ist[i] != I_WAIT)
			continue;
		a->ist[i] = (uint8_t)classify(a, &a->items[i]);
		if (a->ist[i] == I_WAIT)
			a->nwait++;
		else if (a->ist[i] == I_ASK)
			a->nask++;
	}
}

int adoptxfr_submit(struct adoptxfr *a, struct adopt_item *items, size_t n)
{
	if (a->items)
		return -EBUSY;
	a->ist = calloc(n ? n : 1, 1);
	if (!a->ist)
		return -ENOMEM;
	a->items = items;
	a->n = n;
	adopt_items_reset(items, n);
	a->nwait = n;
	chunk_look(a);
	transfers_step(a);	/* start what the chunk needs */
	return 0;
}

static int probe_start(struct adoptxfr *a)
{
	struct epoll_event ev = { .events = EPOLLIN };
	size_t k = 0;
	int err;

	a->ask = calloc(a->nask, sizeof(*a->ask));
	a->ask_at = calloc(a->nask, sizeof(*a->ask_at));
	if (!a->ask || !a->ask_at)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++)
		if (a->ist[i] == I_ASK) {
			a->ask[k] = a->items[i];
			a->ask_at[k++] = i;
		}
	err = adopt_probe_start(&a->probe, a->ask, k, 0, a->o.query_timeout_ms);
	if (!err && epoll_ctl(a->ep, EPOLL_CTL_ADD, adopt_probe_fd(a->probe), &ev))
		err = -errno;
	return err;
}

int adoptxfr_run(struct adoptxfr *a)
{
	int rc;

	if (a->running)
		transfers_step(a);
	if (!a->items)
		return 0;
	if (a->zchanged && a->nwait)
		chunk_look(a);
	if (a->nwait)
		return 0;
	if (a->nask && !a->probe) {
		rc = probe_start(a);
		if (rc) {
			chunk_clear(a);
			return rc;
		}
	}
	if (a->probe) {
		rc = adopt_probe_run(a->probe);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			chunk_clear(a);
			return rc;
		}
		/* every out field: a remove's verdict is read from fwd_dhcid and rev_dhcid */
		for (size_t k = 0; k < a->nask; k++)
			a->items[a->ask_at[k]] = a->ask[k];
	}
	a->asked = a->nask > 0;
	chunk_clear(a);
	return 1;
}

size_t adoptxfr_chunk(const struct adoptxfr *a)
{
	/*
	 * Answers from an index come in one turn: 512 keep it short. Queries
	 * come over seconds, 256 in flight: 4,096 a chunk keep them flowing
	 * (a chunk's last answers are waited for before the next one is asked).
	 */
	return a->o.transfer && !a->asked ? 512 : 4096;
}

bool adoptxfr_ready(const struct adoptxfr *a)
{
	return a->items && (a->nwait ? a->zchanged : !a->probe);
}
