// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/sync/verify.c - the verifier: a queue of zones, one AXFR at a time on
 * a private epoll fd (nested in the daemon's), the content collected in a
 * zdiff and, at the closing SOA, compared with the store's bindings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/dns/dnsengine.h"
#include "user/dns/dnsio.h"
#include "user/dns/dnsmsg.h"
#include "user/dns/xfr.h"
#include "user/sync/sweep.h"
#include "user/sync/verify.h"

#define REPAIR_LOG_MAX 100	/* repair lines per zone and run, then one count */

struct vzone {
	struct verify_zone_stats st;
	const struct zones_domain *d;
	bool queued;
	bool ixfr;			/* the transfer under way is an IXFR */
	struct zdiff *content;		/* as of @held, for the next IXFR; NULL: AXFR next */
	uint32_t held;
};

struct verify {
	struct verify_opts o;
	struct vzone *z;
	size_t nz;
	int ep;
	uint64_t next_ms;
	/* the transfer under way */
	struct vzone *cur;
	struct xfr *x;
	int64_t started;
	uint64_t started_ms;
	unsigned int logged;
	uint64_t repaired;
	struct zdiff *owned;		/* the sweep: names the store holds in this zone */
	const char *swept;		/* the sweep: the last orphan name logged */
};

char verify_sweep_tag[] = "verify-sweep";

/* ---- the decision ---- */

struct slot {
	const char *name;
	size_t bind;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->bind > y->bind) - (x->bind < y->bind);
}

long verify_plan(const struct zdiff *z, const char *zone, bool reverse,
		 const struct verify_bind *b, size_t n, verify_item_fn cb, void *arg,
		 struct verify_counts *cnt)
{
	struct slot *s = calloc(n ? n : 1, sizeof(*s));
	char (*rname)[ZONES_NAME_MAX] = reverse ? calloc(n ? n : 1, ZONES_NAME_MAX) : NULL;
	struct zdiff_want *w = NULL;
	size_t ns = 0;
	long handed = 0;

	if (!s || (reverse && !rname)) {
		handed = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (reverse ? !b[i].rev || strcmp(b[i].rev_zone, zone) :
			      !b[i].fwd || strcmp(b[i].fwd_zone, zone))
			continue;
		if (reverse) {
			int err = b[i].prefix_len ?
				zones_reverse_prefix(b[i].addr, b[i].prefix_len, rname[i],
						     ZONES_NAME_MAX) :
				zones_reverse_name(b[i].family, b[i].addr, rname[i], ZONES_NAME_MAX);

			if (err) {
				cnt->bad++;
				continue;
			}
			s[ns].name = rname[i];
		} else {
			s[ns].name = b[i].fqdn;
		}
		s[ns++].bind = i;
	}
	qsort(s, ns, sizeof(*s), slot_cmp);
	w = calloc(2 * (ns ? ns : 1), sizeof(*w));
	if (!w) {
		handed = -ENOMEM;
		goto out;
	}
	for (size_t i = 0, j; i < ns; i = j) {
		struct zdiff_verdict v;
		size_t nw = 0;

		for (j = i; j < ns && !strcmp(s[j].name, s[i].name); j++) {
			const struct verify_bind *x = &b[s[j].bind];

			if (reverse) {
				w[nw++] = (struct zdiff_want){ DNSMSG_TYPE_PTR,
					(const uint8_t *)x->fqdn, strlen(x->fqdn) + 1 };
			} else {
				w[nw++] = (struct zdiff_want){ x->family == 4 ? DNSMSG_TYPE_A :
					DNSMSG_TYPE_AAAA, x->addr, x->family == 4 ? 4 : 16 };
			}
			if (x->mode != DNSENGINE_NO_CHECK_WITHOUT_DHCID)
				w[nw++] = (struct zdiff_want){ DNSMSG_TYPE_DHCID, x->dhcid,
							       DHCID_RDATA_LEN };
		}
		zdiff_check(z, s[i].name, w, nw, &v);
		cnt->missing += v.missing;
		cnt->wrong += v.wrong;
		cnt->foreign += v.foreign;
		if (v.state == ZDIFF_OK)
			continue;
		for (size_t k = i; k < j; k++) {
			cb(arg, &b[s[k].bind], s[i].name, &v);
			handed++;
		}
	}
out:
	free(w);
	free(rname);
	free(s);
	return handed;
}

/* ---- the runner ---- */

int verify_new(struct verify **out, const struct verify_opts *o)
{
	struct verify *v = calloc(1, sizeof(*v));
	size_t nf = zones_count(o->zones, false), nr = zones_count(o->zones, true);

	if (!v)
		return -ENOMEM;
	v->o = *o;
	v->z = calloc(nf + nr ? nf + nr : 1, sizeof(*v->z));
	v->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!v->z || v->ep < 0) {
		int err = v->z ? -errno : -ENOMEM;

		verify_free(v);
		return err;
	}
	for (size_t i = 0; i < nf + nr; i++) {
		struct vzone *z = &v->z[v->nz++];

		z->d = zones_domain_at(o->zones, i >= nf, i >= nf ? i - nf : i);
		snprintf(z->st.zone, sizeof(z->st.zone), "%s", z->d->name);
		z->st.reverse = i >= nf;
	}
	v->next_ms = o->interval_s ? dnsio_now_ms() + (uint64_t)o->interval_s * 1000 : 0;
	*out = v;
	return 0;
}

static void end_xfr(struct verify *v)
{
	xfr_free(v->x);
	v->x = NULL;
	v->cur = NULL;
}

/* The zone's copy no longer follows the server: the next transfer is a whole AXFR. */
static void drop_content(struct vzone *z)
{
	zdiff_free(z->content);
	z->content = NULL;
}

static int on_rr(void *arg, enum xfr_op op, const char *owner, uint16_t type, uint32_t ttl,
		 const uint8_t *rdata, size_t len)
{
	struct vzone *z = arg;

	switch (op) {
	case XFR_RESET:
		drop_content(z);
		return zdiff_new(&z->content);
	case XFR_DEL:
		/* a deletion of an RR we do not hold: our copy went wrong, start over */
		return zdiff_del(z->content, owner, type, rdata, len) ? -ESTALE : 0;
	default:
		return zdiff_add(z->content, owner, type, ttl, rdata, len);
	}
}

void verify_free(struct verify *v)
{
	if (!v)
		return;
	end_xfr(v);
	zdiff_free(v->owned);
	for (size_t i = 0; i < v->nz; i++)
		drop_content(&v->z[i]);
	if (v->ep >= 0)
		close(v->ep);
	free(v->z);
	free(v);
}

int verify_fd(const struct verify *v)
{
	return v->ep;
}

bool verify_busy(const struct verify *v)
{
	if (v->cur)
		return true;
	for (size_t i = 0; i < v->nz; i++)
		if (v->z[i].queued)
			return true;
	return false;
}

size_t verify_nzones(const struct verify *v)
{
	return v->nz;
}

const struct verify_zone_stats *verify_zone_at(const struct verify *v, size_t i)
{
	return i < v->nz ? &v->z[i].st : NULL;
}

int verify_request(struct verify *v, const char *zone)
{
	char canon[ZONES_NAME_MAX];
	int n = 0;

	if (zone && zones_name_canon(zone, canon, sizeof(canon)))
		return -ENOENT;
	for (size_t i = 0; i < v->nz; i++) {
		if (zone && strcmp(v->z[i].st.zone, canon))
			continue;
		v->z[i].queued = true;
		n++;
	}
	return zone && !n ? -ENOENT : n;
}

static void refused(struct verify *v, struct vzone *z, const struct zones_server *srv, int err,
		    int rcode)
{
	const char *key = srv->key ? srv->key->name : "(none)";

	z->st.failures++;
	if (err == LS_EDNS_RCODE || err == LS_ETSIG_BADKEY || err == LS_ETSIG_BADSIG)
		pr_err_rl("verify: server '%s' refused AXFR of zone '%s' to key '%s' (%s); allow it: "
			  "BIND allow-transfer { key \"%s\"; }; in the zone, Knot an acl with "
			  "action transfer and key %s", srv->text, z->st.zone, key,
			  err == LS_EDNS_RCODE ? dnsmsg_rcode_name(rcode) : ls_strerror(err), key,
			  key);
	else
		pr_warn_rl("verify: AXFR of zone '%s' from '%s' failed (%s); next try at the next interval",
			   z->st.zone, srv->text, ls_strerror(err));
	(void)v;
}

static void start_next(struct verify *v)
{
	for (size_t i = 0; i < v->nz && !v->cur; i++) {
		struct vzone *z = &v->z[i];
		struct epoll_event ev = { 0 };
		int err;

		if (!z->queued)
			continue;
		z->queued = false;
		if (!z->d->nservers)
			continue;
		/* IXFR from the serial we verified, when we hold that content */
		z->ixfr = z->content != NULL;
		err = z->content ? 0 : zdiff_new(&z->content);
		if (!err)
			err = xfr_start(&v->x, z->d->name, &z->d->servers[0], z->ixfr, z->held,
					v->o.timeout_ms, on_rr, z);
		if (!err) {
			ev.events = xfr_events(v->x);
			if (epoll_ctl(v->ep, EPOLL_CTL_ADD, xfr_fd(v->x), &ev))
				err = -errno;
		}
		if (err) {
			refused(v, z, &z->d->servers[0], err, 0);
			drop_content(z);
			xfr_free(v->x);
			v->x = NULL;
			continue;
		}
		v->cur = z;
		v->started = time(NULL);
		v->started_ms = dnsio_now_ms();
		v->logged = 0;
		v->repaired = 0;
	}
}

static void on_item(void *arg, const struct verify_bind *b, const char *name,
		    const struct zdiff_verdict *vd)
{
	struct verify *v = arg;
	char a[64];

	util_addr_text(b->family, b->addr, a, sizeof(a));
	if (v->logged < REPAIR_LOG_MAX)
		pr_info("verify: zone '%s' name '%s' (%s %s): %s; repairing", v->cur->st.zone, name,
			b->fqdn, a, vd->what);
	v->logged++;
	v->repaired++;
	v->o.repair(v->o.ctx, b->family, b->addr);
}

/* The sweep must not touch a name the store holds (or is sending) in this zone. */
static void note_owned(struct zdiff *owned, const struct owner_rec *o, const struct vzone *z)
{
	char rname[ZONES_NAME_MAX];

	if (o->state != OWNER_ADDING && o->state != OWNER_ADDED && o->state != OWNER_REMOVING)
		return;
	if (!z->st.reverse && o->fwd && !strcmp(o->fwd_zone, z->st.zone)) {
		zdiff_add(owned, o->fqdn, 0, 0, (const uint8_t *)"", 0);
	} else if (z->st.reverse && o->rev && !strcmp(o->rev_zone, z->st.zone)) {
		if (!(o->prefix_len ? zones_reverse_prefix(o->addr, o->prefix_len, rname, sizeof(rname)) :
				      zones_reverse_name(o->family, o->addr, rname, sizeof(rname))))
			zdiff_add(owned, rname, 0, 0, (const uint8_t *)"", 0);
	}
}

static bool sw_known(void *ctx, const uint8_t *dhcid, size_t len, int *family, uint8_t *addr)
{
	struct verify *v = ctx;

	return known_get(v->o.known, dhcid, len, family, addr);
}

static bool sw_owned(void *ctx, const char *name)
{
	struct verify *v = ctx;
	const struct zdiff_rr *rrs;

	/* the store unreadable: everything counts as owned, nothing is swept */
	return !v->owned || zdiff_name(v->owned, name, &rrs) || rrs;
}

static bool sw_wanted(void *ctx, int family, const uint8_t *addr, const char *fqdn,
		      const uint8_t *dhcid, bool reverse)
{
	struct verify *v = ctx;

	return v->o.wanted(v->o.ctx, family, addr, fqdn, dhcid, reverse);
}

static void on_orphan(void *arg, const struct sweep_orphan *o)
{
	struct verify *v = arg;
	struct dnsengine_change c = { .op = DNSENGINE_REMOVE, .mode = DNSENGINE_CHECK_WITH_DHCID,
				      .fwd = !v->cur->st.reverse, .rev = v->cur->st.reverse,
				      .family = o->family, .user = verify_sweep_tag };
	char a[64];
	int err;

	memcpy(c.addr, o->addr, sizeof(c.addr));
	memcpy(c.dhcid, o->dhcid, DHCID_RDATA_LEN);
	snprintf(c.fqdn, sizeof(c.fqdn), "%s", o->fqdn);
	util_addr_text(o->family, o->addr, a, sizeof(a));
	if (v->swept != o->name) {
		/* once per name (a forward one may hold several addresses) */
		v->swept = o->name;
		if (v->logged < REPAIR_LOG_MAX)
			pr_info("verify: zone '%s' name '%s' (%s %s): orphan (DHCID of a known client "
				"whose lease ended or moved); %s", v->cur->st.zone, o->name, o->fqdn, a,
				v->o.dry_run ? "would remove" : "removing");
		v->logged++;
	}
	err = v->o.remove(v->o.ctx, &c);
	if (err)
		pr_warn_rl("verify: orphan '%s' (%s) in zone '%s' not removed (%s)", o->name, a,
			   v->cur->st.zone, ls_strerror(err));
}

static void sweep(struct verify *v, struct vzone *z)
{
	const struct sweep_ops ops = { sw_known, sw_owned, sw_wanted, v };
	struct sweep_counts cnt = { 0 };

	v->swept = NULL;
	sweep_plan(z->content, z->st.reverse, &ops, on_orphan, v, &cnt);
	zdiff_free(v->owned);
	v->owned = NULL;
	z->st.orphans_found += cnt.names;
	if (cnt.names || cnt.unknown)
		pr_info("verify: zone '%s': %llu orphan names %s, %llu names with a DHCID of no known "
			"client left alone", z->st.zone, (unsigned long long)cnt.names,
			v->o.dry_run ? "would be removed" : "being removed",
			(unsigned long long)cnt.unknown);
}

void verify_sweep_done(struct verify *v, const struct dnsengine_change *c,
		       const struct dnsengine_result *r)
{
	char rname[ZONES_NAME_MAX];
	const struct zones_domain *d = NULL;
	bool rev = c->rev;

	if (!v || !r->final)
		return;
	if (!rev)
		d = zones_match(v->o.zones, c->fqdn, false);
	else if (!zones_reverse_name(c->family, c->addr, rname, sizeof(rname)))
		d = zones_match(v->o.zones, rname, true);
	for (size_t i = 0; d && i < v->nz; i++) {
		if (v->z[i].d != d)
			continue;
		if ((rev ? r->rev : r->fwd) == DNSENGINE_APPLIED)
			v->z[i].st.orphans_removed++;
		else
			pr_debug("verify: orphan '%s' in zone '%s' not removed (%s)", c->fqdn,
				 v->z[i].st.zone, dnsengine_outcome_name(rev ? r->rev : r->fwd));
	}
}

/* The closing SOA arrived: compare with the store's bindings of this zone. */
static void finish(struct verify *v)
{
	struct vzone *z = v->cur;
	struct verify_counts cnt = { 0 };
	struct verify_bind *b = NULL;
	struct owner_key *keys = NULL;
	struct xfr_stats xs;
	size_t nk = 0, nb = 0;
	long r;

	xfr_get_stats(v->x, &xs);
	z->held = xs.serial;		/* the copy is complete, compared or not */
	if (owner_keys(v->o.owner, &keys, &nk)) {
		pr_warn_rl("verify: ownership store unreadable; zone '%s' not compared", z->st.zone);
		return;
	}
	b = calloc(nk ? nk : 1, sizeof(*b));
	if (v->o.known && zdiff_new(&v->owned))
		v->owned = NULL;
	for (size_t i = 0; b && i < nk; i++) {
		struct owner_rec o;
		struct verify_bind *x = &b[nb];

		if (owner_get(v->o.owner, keys[i].family, keys[i].addr, &o))
			continue;
		if (v->owned)
			note_owned(v->owned, &o, z);
		/* only what was settled before the transfer began can be judged by it */
		if (o.state != OWNER_ADDED || o.updated >= v->started)
			continue;
		if (z->st.reverse ? !o.rev || strcmp(o.rev_zone, z->st.zone) :
				    !o.fwd || strcmp(o.fwd_zone, z->st.zone))
			continue;
		x->family = o.family;
		x->prefix_len = o.prefix_len;
		x->mode = o.mode;
		x->fwd = o.fwd;
		x->rev = o.rev;
		memcpy(x->addr, o.addr, 16);
		memcpy(x->dhcid, o.dhcid, DHCID_RDATA_LEN);
		memcpy(x->fqdn, o.fqdn, sizeof(x->fqdn));
		memcpy(x->fwd_zone, o.fwd_zone, sizeof(x->fwd_zone));
		memcpy(x->rev_zone, o.rev_zone, sizeof(x->rev_zone));
		nb++;
	}
	free(keys);
	r = b ? verify_plan(z->content, z->st.zone, z->st.reverse, b, nb, on_item, v, &cnt) :
		-ENOMEM;
	free(b);
	if (r < 0) {
		zdiff_free(v->owned);
		v->owned = NULL;
		pr_warn_rl("verify: zone '%s' not compared (%s)", z->st.zone, ls_strerror((int)r));
		return;
	}
	if (v->o.known)
		sweep(v, z);
	if (v->logged > REPAIR_LOG_MAX)
		pr_info("verify: zone '%s': %u more repairs not logged one by one", z->st.zone,
			v->logged - REPAIR_LOG_MAX);
	z->st.runs++;
	if (xs.incremental)
		z->st.ixfr_runs++;
	z->st.missing += cnt.missing;
	z->st.wrong += cnt.wrong;
	z->st.repaired += v->repaired;
	z->st.foreign = cnt.foreign;
	z->st.serial = xs.serial;
	z->st.last_time = (int64_t)time(NULL);
	z->st.last_ms = dnsio_now_ms() - v->started_ms;
	pr_info("verify: zone '%s' serial %u (%s): %zu RRs, %zu owned bindings, %llu missing, %llu wrong, "
		"%llu foreign, %llu repairs, %llu ms", z->st.zone, xs.serial,
		xs.incremental ? "IXFR" : z->ixfr ? "IXFR answered in full" : "AXFR", zdiff_rrs(z->content), nb,
		(unsigned long long)cnt.missing, (unsigned long long)cnt.wrong,
		(unsigned long long)cnt.foreign, (unsigned long long)v->repaired,
		(unsigned long long)z->st.last_ms);
}

void verify_process(struct verify *v)
{
	struct epoll_event evs[4];
	int err;

	/* drain the nested epoll's readiness; the step itself is what counts */
	(void)epoll_wait(v->ep, evs, 4, 0);
	if (!v->x) {
		start_next(v);
		return;
	}
	err = xfr_step(v->x);
	if (err == 1) {
		struct epoll_event ev = { .events = xfr_events(v->x) };

		epoll_ctl(v->ep, EPOLL_CTL_MOD, xfr_fd(v->x), &ev);
		return;
	}
	if (err == 0) {
		finish(v);
	} else if (v->cur->ixfr) {
		/* RFC 1995 §2: a server may refuse IXFR; a whole AXFR at once instead */
		pr_debug("verify: IXFR of zone '%s' failed (%s); AXFR instead", v->cur->st.zone,
			 ls_strerror(err));
		drop_content(v->cur);
		v->cur->queued = true;
	} else {
		struct xfr_stats xs;

		xfr_get_stats(v->x, &xs);
		refused(v, v->cur, &v->cur->d->servers[0], err, xs.rcode);
		drop_content(v->cur);
	}
	end_xfr(v);
	start_next(v);
}

void verify_tick(struct verify *v)
{
	uint64_t now = dnsio_now_ms();

	if (v->o.interval_s && now >= v->next_ms) {
		v->next_ms = now + (uint64_t)v->o.interval_s * 1000;
		verify_request(v, NULL);
	}
	if (v->x)
		verify_process(v);	/* the deadline */
	else
		start_next(v);
}
