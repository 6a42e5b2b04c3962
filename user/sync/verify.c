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
/*
 * After an IXFR only the bindings at the addresses it touched and those
 * changed since the last run are compared; past this many of either, and
 * every FULL_EVERY runs (what no address leads to: a prefix's PTR, a
 * binding adopted without an UPDATE), every binding is.
 */
#define ASET_MAX 65536
#define FULL_EVERY 16

/* A bounded list of binding keys (addresses). */
struct aset {
	struct owner_key *k;
	size_t n, cap;
	bool overflow;
};

struct vzone {
	struct verify_zone_stats st;
	const struct zones_domain *d;
	bool queued;
	bool ixfr;			/* the transfer under way is an IXFR */
	struct zdiff *content;		/* as of @held, for the next IXFR; NULL: AXFR next */
	uint32_t held;
	struct aset notes;		/* bindings changed since the transfer under way began */
	struct aset cur_notes;		/* … since the last one began, up to this one's start */
	struct aset touched;		/* addresses the IXFR under way touched */
	unsigned int since_full;	/* runs since every binding was compared */
	struct zdiff *foreign;		/* owned names with foreign RRs: their count (type 1) */
	uint64_t nforeign;		/* the sum: the foreign gauge */
};

static void aset_add(struct aset *s, int family, const uint8_t *addr)
{
	if (s->overflow)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = cap <= ASET_MAX ? realloc(s->k, cap * sizeof(*s->k)) : NULL;

		if (!p) {
			s->overflow = true;	/* compare everything instead: never lose one */
			return;
		}
		s->k = p;
		s->cap = cap;
	}
	memset(&s->k[s->n], 0, sizeof(s->k[s->n]));
	s->k[s->n].family = (uint8_t)family;
	memcpy(s->k[s->n].addr, addr, family == 4 ? 4 : 16);
	s->n++;
}

static void aset_clear(struct aset *s)
{
	free(s->k);
	memset(s, 0, sizeof(*s));
}

static int key_cmp(const void *a, const void *b)
{
	const struct owner_key *x = a, *y = b;

	return x->family != y->family ? x->family - y->family : memcmp(x->addr, y->addr, 16);
}

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
		if (cnt->foreign_at)
			cnt->foreign_at(cnt->foreign_arg, s[i].name, v.foreign);
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

/* An IXFR changed @owner: the bindings whose records are there must be compared. */
static void touch(struct vzone *z, const char *owner, uint16_t type, const uint8_t *rdata,
		  size_t len)
{
	const struct zdiff_rr *rrs;
	uint8_t a[16];
	size_t n;
	int fam;

	if (z->st.reverse) {
		fam = sweep_reverse_addr(owner, a);
		if (fam > 0)
			aset_add(&z->touched, fam, a);
		return;
	}
	if ((type == DNSMSG_TYPE_A && len == 4) || (type == DNSMSG_TYPE_AAAA && len == 16))
		aset_add(&z->touched, len == 4 ? 4 : 6, rdata);	/* a deleted one too */
	n = zdiff_name(z->content, owner, &rrs);
	for (size_t i = 0; i < n; i++)
		if ((rrs[i].type == DNSMSG_TYPE_A && rrs[i].len == 4) ||
		    (rrs[i].type == DNSMSG_TYPE_AAAA && rrs[i].len == 16))
			aset_add(&z->touched, rrs[i].len == 4 ? 4 : 6, rrs[i].data);
}

static int on_rr(void *arg, enum xfr_op op, const char *owner, uint16_t type, uint32_t ttl,
		 const uint8_t *rdata, size_t len)
{
	struct vzone *z = arg;
	int err;

	switch (op) {
	case XFR_RESET:
		drop_content(z);
		z->touched.overflow = true;	/* the whole zone came: compare it all */
		return zdiff_new(&z->content);
	case XFR_DEL:
		/* a deletion of an RR we do not hold: our copy went wrong, start over */
		err = zdiff_del(z->content, owner, type, rdata, len) ? -ESTALE : 0;
		break;
	default:
		err = zdiff_add(z->content, owner, type, ttl, rdata, len);
		break;
	}
	if (!err && z->ixfr && type != XFR_TYPE_SOA)
		touch(z, owner, type, rdata, len);
	return err;
}

void verify_free(struct verify *v)
{
	if (!v)
		return;
	end_xfr(v);
	zdiff_free(v->owned);
	for (size_t i = 0; i < v->nz; i++) {
		drop_content(&v->z[i]);
		aset_clear(&v->z[i].notes);
		aset_clear(&v->z[i].cur_notes);
		aset_clear(&v->z[i].touched);
		zdiff_free(v->z[i].foreign);
	}
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
		/* what changes from now on is for the next run */
		aset_clear(&z->cur_notes);
		aset_clear(&z->touched);
		z->cur_notes = z->notes;
		memset(&z->notes, 0, sizeof(z->notes));
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

/* Sort @s and drop repeats. */
static void aset_uniq(struct aset *s)
{
	size_t w = 0;

	if (!s->n)
		return;
	qsort(s->k, s->n, sizeof(*s->k), key_cmp);
	for (size_t i = 1; i < s->n; i++)
		if (key_cmp(&s->k[i], &s->k[w]))
			s->k[++w] = s->k[i];
	s->n = w + 1;
}

/*
 * Binding @o judged by this run: appended to @b. Only what was settled before
 * the transfer began can be judged by it; the rest waits for the next run.
 */
static bool take(struct verify *v, struct vzone *z, const struct owner_rec *o,
		 struct verify_bind *x)
{
	if (z->st.reverse ? !o->rev || strcmp(o->rev_zone, z->st.zone) :
			    !o->fwd || strcmp(o->fwd_zone, z->st.zone))
		return false;
	if (o->state != OWNER_ADDED)
		return false;
	if (o->updated >= v->started) {
		aset_add(&z->notes, o->family, o->addr);
		return false;
	}
	x->family = o->family;
	x->prefix_len = o->prefix_len;
	x->mode = o->mode;
	x->fwd = o->fwd;
	x->rev = o->rev;
	memcpy(x->addr, o->addr, 16);
	memcpy(x->dhcid, o->dhcid, DHCID_RDATA_LEN);
	memcpy(x->fqdn, o->fqdn, sizeof(x->fqdn));
	memcpy(x->fwd_zone, o->fwd_zone, sizeof(x->fwd_zone));
	memcpy(x->rev_zone, o->rev_zone, sizeof(x->rev_zone));
	return true;
}

/* Bindings at @keys[0..nk) (sorted, unique) this run judges, appended to @b. */
static size_t take_keys(struct verify *v, struct vzone *z, const struct owner_key *keys, size_t nk,
			struct verify_bind *b)
{
	size_t nb = 0;

	for (size_t i = 0; i < nk; i++) {
		struct owner_rec o;

		if (!owner_get(v->o.owner, keys[i].family, keys[i].addr, &o) &&
		    take(v, z, &o, &b[nb]))
			nb++;
	}
	return nb;
}

/*
 * After an IXFR: the bindings at the addresses it touched and those changed
 * since the last run, and (forward) every other binding at their names, so
 * a name shared by two bindings is judged with both. Sets *@b, returns how
 * many, or -ENOMEM.
 */
static long changed_bindings(struct verify *v, struct vzone *z, struct verify_bind **b)
{
	struct aset c = { 0 }, more = { 0 };
	size_t nb = 0;
	long ret;

	for (size_t i = 0; i < z->touched.n; i++)
		aset_add(&c, z->touched.k[i].family, z->touched.k[i].addr);
	for (size_t i = 0; i < z->cur_notes.n; i++)
		aset_add(&c, z->cur_notes.k[i].family, z->cur_notes.k[i].addr);
	aset_uniq(&c);
	*b = calloc(c.n ? c.n : 1, sizeof(**b));
	if (!*b || c.overflow) {
		ret = -ENOMEM;
		goto out;
	}
	nb = take_keys(v, z, c.k, c.n, *b);
	for (size_t i = 0; !z->st.reverse && i < nb; i++) {
		const struct zdiff_rr *rrs;
		size_t n = zdiff_name(z->content, (*b)[i].fqdn, &rrs);

		for (size_t k = 0; k < n; k++) {
			struct owner_key key = { .family = rrs[k].len == 4 ? 4 : 6 };

			if (!((rrs[k].type == DNSMSG_TYPE_A && rrs[k].len == 4) ||
			      (rrs[k].type == DNSMSG_TYPE_AAAA && rrs[k].len == 16)))
				continue;
			memcpy(key.addr, rrs[k].data, rrs[k].len);
			if (!bsearch(&key, c.k, c.n, sizeof(key), key_cmp))
				aset_add(&more, key.family, key.addr);
		}
	}
	aset_uniq(&more);
	if (more.n) {
		void *p = realloc(*b, (nb + more.n) * sizeof(**b));

		if (!p || more.overflow) {
			ret = -ENOMEM;
			goto out;
		}
		*b = p;
		nb += take_keys(v, z, more.k, more.n, *b + nb);
	}
	ret = (long)nb;
out:
	if (ret < 0) {
		free(*b);
		*b = NULL;
	}
	aset_clear(&c);
	aset_clear(&more);
	return ret;
}

static void foreign_at(void *arg, const char *name, unsigned int n);

/* The closing SOA arrived: compare with the store's bindings of this zone. */
static void finish(struct verify *v)
{
	struct vzone *z = v->cur;
	struct verify_counts cnt = { 0 };
	struct verify_bind *b = NULL;
	struct owner_key *keys = NULL;
	struct xfr_stats xs;
	size_t nk = 0, nb = 0;
	bool full;
	long r = 0;

	xfr_get_stats(v->x, &xs);
	z->held = xs.serial;		/* the copy is complete, compared or not */
	full = !xs.incremental || z->touched.overflow || z->cur_notes.overflow ||
	       z->since_full + 1 >= FULL_EVERY;
	if (!full) {
		r = changed_bindings(v, z, &b);
		if (r < 0)
			full = true;	/* too many to list: compare them all */
		else
			nb = (size_t)r;
	}
	if ((full || v->o.known) && owner_keys(v->o.owner, &keys, &nk)) {
		pr_warn_rl("verify: ownership store unreadable; zone '%s' not compared", z->st.zone);
		free(b);
		return;
	}
	if (v->o.known && zdiff_new(&v->owned))
		v->owned = NULL;
	for (size_t i = 0; v->owned && i < nk; i++) {
		struct owner_rec o;

		if (!owner_get(v->o.owner, keys[i].family, keys[i].addr, &o))
			note_owned(v->owned, &o, z);
	}
	if (full) {
		b = calloc(nk ? nk : 1, sizeof(*b));
		nb = b ? take_keys(v, z, keys, nk, b) : 0;
		/* every owned name is judged: the per-name foreign counts start over */
		zdiff_free(z->foreign);
		if (zdiff_new(&z->foreign))
			z->foreign = NULL;
		z->nforeign = 0;
	}
	cnt.foreign_at = foreign_at;
	cnt.foreign_arg = z;
	free(keys);
	r = b ? verify_plan(z->content, z->st.zone, z->st.reverse, b, nb, on_item, v, &cnt) :
		-ENOMEM;
	free(b);
	aset_clear(&z->cur_notes);
	aset_clear(&z->touched);
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
	z->since_full = full ? 0 : z->since_full + 1;
	if (xs.incremental)
		z->st.ixfr_runs++;
	z->st.missing += cnt.missing;
	z->st.wrong += cnt.wrong;
	z->st.repaired += v->repaired;
	z->st.foreign = z->foreign ? z->nforeign : cnt.foreign;
	z->st.serial = xs.serial;
	z->st.last_time = (int64_t)time(NULL);
	z->st.last_ms = dnsio_now_ms() - v->started_ms;
	pr_info("verify: zone '%s' serial %u (%s): %zu RRs, %zu %s bindings, %llu missing, %llu wrong, "
		"%llu foreign, %llu repairs, %llu ms", z->st.zone, xs.serial,
		xs.incremental ? "IXFR" : z->ixfr ? "IXFR answered in full" : "AXFR", zdiff_rrs(z->content), nb,
		full ? "owned" : "changed", (unsigned long long)cnt.missing, (unsigned long long)cnt.wrong,
		(unsigned long long)cnt.foreign, (unsigned long long)v->repaired,
		(unsigned long long)z->st.last_ms);
}

/* The foreign gauge: per owned name, kept across IXFR runs that judge only some names. */
static void foreign_at(void *arg, const char *name, unsigned int n)
{
	struct vzone *z = arg;
	const struct zdiff_rr *rrs;
	uint32_t had;

	if (!z->foreign)
		return;
	if (zdiff_name(z->foreign, name, &rrs) && rrs[0].len == sizeof(had)) {
		memcpy(&had, rrs[0].data, sizeof(had));
		z->nforeign -= had;
		zdiff_del(z->foreign, name, 1, rrs[0].data, sizeof(had));
	}
	if (n && !zdiff_add(z->foreign, name, 1, 0, (const uint8_t *)&n, sizeof(n)))
		z->nforeign += n;
}

void verify_note(struct verify *v, int family, const uint8_t *addr)
{
	for (size_t i = 0; v && i < v->nz; i++)
		aset_add(&v->z[i].notes, family, addr);
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
