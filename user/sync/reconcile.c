// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/reconcile.c - correlation and the desired-vs-owned diff. State per
 * address lives in a chained hash of small entries (stable pointers: the
 * engine hands them back in dnsengine_change.user) that exist only while an
 * address is dirty or in flight, so memory follows the work, not history.
 * What DNS holds is never cached here: it is read from the store at each
 * sync, so a restart after kill -9 resumes from the store and the lease
 * files alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/sync/known.h"
#include "user/sync/outcome.h"
#include "user/sync/reconcile.h"
#include "user/sync/stampq.h"

#define ADOPT_CHUNK 4096	/* leases probed per adopt_probe() call: bounds memory */
#define ADOPT_LOG_MAX 100	/* adoptions per pass logged at info; the rest at debug */
#define ADOPT_COMMIT_EVERY 8192	/* adoptions per store commit (each an fsync): see adopt_lazy() */
#define SYNC_BUDGET 8192	/* addresses synced per flush: keeps the loop responsive */
#define FAMILY_IDX(f) ((f) == 4 ? 0 : 1)
#define BADNAME_SLOTS 4096	/* unpublishable names already counted and logged (a cache) */
#define HOLD_BASE_MS 1000	/* a binding refused twice in a row: wait before a full pass retries it */
#define HOLD_MAX_MS 600000	/* ... doubling per refusal, up to 10 min (below the pass interval default) */
#define FAIL_LOG_BURST 20	/* failed-change lines per FAIL_LOG_WINDOW_MS, then one count */
#define FAIL_LOG_WINDOW_MS 60000

struct ent {
	struct ent *next;	/* hash chain */
	struct ent *qnext;	/* dirty FIFO */
	uint8_t family;
	uint8_t addr[16];
	uint8_t queued;		/* in the dirty FIFO */
	uint8_t busy;		/* a change is with the DNS side */
	uint8_t redirty;	/* triggered while busy: sync again when it returns */
	uint8_t force;		/* re-send the add even if unchanged: 1 update-on-renew, 2 repair */
	uint8_t full;		/* from a full reconciliation: retry failed adds */
	uint8_t retire;		/* zones leaving the configuration: remove those sides */
	uint8_t adopt;		/* queued for adoption: DNS is asked before anything is sent;
				 * 2: shared mode, an unfinished intent of the leader before
				 * (lease changes wait for the answer too) */
	uint8_t landed;		/* shared mode: sides of an unfinished add DNS holds (1 fwd, 2 rev) */
	uint8_t why;		/* last enum lease_change_kind, 0: full/wire */
	uint8_t fails;		/* permanent failures in a row (server refused) */
	uint8_t last_op;	/* the last final outcome: 0 none, 1 add, 2 remove */
	uint8_t last_fwd, last_rev;	/* its enum dnsengine_outcome per side */
	uint64_t hold_ms;	/* until then full passes leave it alone (0: no hold) */
	uint32_t lease_ref;	/* full pass: the lease table's handle of the address (a hint) */
};

struct pend {
	uint8_t family, type, has_lft, hlen;
	uint8_t addr[16];
	uint8_t id_len;		/* v4 client-id / v6 DUID from the packet */
	uint8_t id[LS_CLIENT_ID_MAX];
	uint8_t chaddr[LS_CHADDR_MAX];
	uint32_t iaid, valid_lft;
	int64_t wall;		/* when it was seen */
	uint64_t deadline_ms;
};

struct zstat {
	char name[ZONES_NAME_MAX];
	uint64_t applied, conflict, failed;
};

/* decisions logged one line each at debug; at info, a summary per LOG_SUMMARY_S */
#define LOG_SUMMARY_S 10

struct reconcile;
static void log_summary(struct reconcile *r);
static void fq_free(struct reconcile *r);
static void adopt_touch(struct reconcile *r, int family, const uint8_t *addr);

/* a lease queued for adoption */
struct adopt_addr {
	uint8_t family;
	uint8_t intent;		/* shared mode: an unfinished add or remove of the leader before */
	uint8_t addr[16];
};

struct reconcile {
	struct reconcile_opts o;
	struct {
		bool active;		/* a round is on: q holds what is left to probe */
		struct adopt_addr *q;
		size_t nq, capq, head;	/* queued, allocated, handed out so far */
		struct adopt_item *it;	/* the chunk out at the probe (ADOPT_CHUNK) */
		size_t nit;		/* its items; 0: none out */
		uint64_t adopted;	/* this round */
		uint64_t not_before;	/* shared mode: no probe before (monotonic ms), see intent_settle() */
		size_t nintents;	/* shared mode: unfinished intents queued this round */
		/* addresses changed or sent a removal during the round (hashes; 0 empty) */
		uint64_t *touched;
		size_t tmask, ntouched;
		bool lost;	/* one could not be kept (no memory): every answer counts as stale */
		uint64_t lazy;	/* adoptions written to the store, not yet committed */
		uint64_t mark;	/* the store's puts + dels after the last of them */
	} ad;
	size_t adopt_chunk;	/* leases per chunk handed out; 0: ADOPT_CHUNK */
	uint64_t decided[2];	/* adds, removes since the last summary */
	const struct config *cfg;
	struct leases *tab[2];
	struct ent **buckets;
	size_t nbuckets, nents;
	struct ent *qhead, *qtail;
	size_t nqueued, ninflight;
	struct stampq qstamp;		/* when each dirty FIFO entry was queued, in its order */
	uint64_t sync_trigger_ms;	/* the entry being synced: when it was queued */
	/*
	 * A full pass's addresses, checked after the dirty FIFO (reconcile_full()):
	 * the owned bindings in key order, then the live leases not among them.
	 * They get an entry only when a change is sent or one exists already.
	 */
	struct owner_key *fq;
	uint32_t *fq_ref;	/* each one's lease handle (0: none), a hint for its sync */
	size_t fq_n, fq_pos;
	struct pend *pend;	/* ring of cfg->max_pending_events */
	size_t pcap, phead, pn;
	int precheck;		/* lease tables changed since the last pending re-check */
	struct dnsengine_change *out;	/* changes of this flush, sent after the commit */
	size_t nout, capout;
	uint64_t next_full_ms;
	uint64_t sum_at_ms;		/* the last summary line: when, and the counts then */
	struct reconcile_stats sum_base;
	struct zstat *zs;
	size_t nzs;
	uint64_t badname[BADNAME_SLOTS];	/* hashes of (address, name) already reported */
	uint64_t flog_start, flog_dropped;	/* rate limit of failed-change lines */
	unsigned int flog_n;
	char last_error[256];
	struct known *known;	/* "sweep-orphans": DHCIDs of the clients seen; NULL: not kept */
	struct reconcile_stats st;
};

enum { WANT_NO_NAME = 1, WANT_NO_ZONE };	/* struct want.count: what desired() counts */

struct want {
	int ok;
	int has_lease;		/* the table holds a lease at the address */
	int count;		/* WANT_NO_NAME, WANT_NO_ZONE or 0 */
	int no_fwd_zone;	/* the name is in no forward zone (PTR only, or nothing) */
	const char *why_not;
	const char *bad_name;	/* the lease's name cannot be published: why (fqdn holds it) */
	char fqdn[ZONES_NAME_MAX];
	const struct zones_domain *fz, *rz;
	struct owner_rec rec;	/* the binding to own: family, addr, ids, dhcid, ttl, zones */
};

static time_t now_wall(const struct reconcile *r)
{
	return r->o.clock ? r->o.clock(r->o.clock_ctx) : time(NULL);
}

static uint64_t now_ms(const struct reconcile *r)
{
	struct timespec ts;

	if (r->o.mono_ms)
		return r->o.mono_ms(r->o.clock_ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_error(struct reconcile *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct reconcile *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_error, sizeof(r->last_error), fmt, ap);
	va_end(ap);
}

/* Rate limit for lines about failed changes: FAIL_LOG_BURST per window, then a count. */
static int fail_log_allow(struct reconcile *r)
{
	uint64_t now = now_ms(r);

	if (!r->flog_n || now - r->flog_start >= FAIL_LOG_WINDOW_MS) {
		if (r->flog_dropped)
			pr_warn("reconcile: %llu more failed changes not logged in the last %d s (failed and last-error in --stats)",
				(unsigned long long)r->flog_dropped, FAIL_LOG_WINDOW_MS / 1000);
		r->flog_start = now;
		r->flog_n = 0;
		r->flog_dropped = 0;
	}
	if (r->flog_n < FAIL_LOG_BURST) {
		r->flog_n++;
		return 1;
	}
	r->flog_dropped++;
	return 0;
}

uint64_t reconcile_hold_ms(unsigned int fails)
{
	uint64_t d = HOLD_BASE_MS;

	if (fails < 2)
		return 0;	/* one refusal: the next full pass retries it, as always */
	for (unsigned int i = 2; i < fails && d < HOLD_MAX_MS; i++)
		d *= 2;
	return d < HOLD_MAX_MS ? d : HOLD_MAX_MS;
}

static void addr_text(int family, const uint8_t *addr, char *buf, size_t cap)
{
	util_addr_text(family, addr, buf, cap);
}

static const char *ev_name(unsigned int type)
{
	static const char *const names[] = { "?", "v4-ack", "v4-nak", "v4-release", "v4-decline",
					     "v6-reply", "v6-release", "v6-decline" };

	return type < LS_EV_TYPE_MAX_ ? names[type] : "?";
}

/* ---- entries ---- */

static size_t hash_key(int family, const uint8_t *addr)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)family;
	int n = family == 4 ? 4 : 16;

	for (int i = 0; i < n; i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static int grow(struct reconcile *r)
{
	size_t nb = r->nbuckets ? r->nbuckets * 2 : 1024;
	struct ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct ent *e = r->buckets[i], *n;

		for (; e; e = n) {
			size_t h = hash_key(e->family, e->addr) & (nb - 1);

			n = e->next;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = nb;
	return 0;
}

static struct ent *ent_find(const struct reconcile *r, int family, const uint8_t *addr)
{
	size_t alen = family == 4 ? 4 : 16, h;
	struct ent *e;

	if (!r->nbuckets)
		return NULL;
	h = hash_key(family, addr) & (r->nbuckets - 1);
	for (e = r->buckets[h]; e; e = e->next)
		if (e->family == family && !memcmp(e->addr, addr, alen))
			return e;
	return NULL;
}

static struct ent *ent_get(struct reconcile *r, int family, const uint8_t *addr, int create)
{
	struct ent *e = ent_find(r, family, addr);
	size_t alen = family == 4 ? 4 : 16, h;

	if (e || !create)
		return e;
	if (r->nents >= r->nbuckets && grow(r))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->family = (uint8_t)family;
	memcpy(e->addr, addr, alen);
	h = hash_key(family, addr) & (r->nbuckets - 1);
	e->next = r->buckets[h];
	r->buckets[h] = e;
	r->nents++;
	return e;
}

static void ent_put(struct reconcile *r, struct ent *e)
{
	size_t h;
	struct ent **pp;

	if (e->queued || e->busy || e->fails || e->adopt == 2)
		return;
	h = hash_key(e->family, e->addr) & (r->nbuckets - 1);
	for (pp = &r->buckets[h]; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			r->nents--;
			free(e);
			return;
		}
	}
}

/* ---- shared mode (issue 14): only the shards this instance leads ---- */
static bool not_mine(const struct reconcile *r, int family, const uint8_t *addr)
{
	return r->o.mine && !r->o.mine(r->o.mine_ctx, family, addr);
}
/*
 * shared mode (issue 14): a binding left in state adding is the intent of an
 * UPDATE this or another instance (the shard's leader before) may have sent:
 * DNS is asked whether it landed before it is sent again, so a takeover
 * never sends an add twice.
 */
static bool intent_probe(const struct reconcile *r, int err, const struct owner_rec *o)
{
	return r->o.mine && !err && o->state == OWNER_ADDING;
}

/* DNS can be asked about the binding's sides: by its DHCID (no prefix, no "no-check" mode) */
static bool probe_able(const struct owner_rec *o)
{
	return (o->fwd || o->rev) && !o->prefix_len && o->mode != DNSENGINE_NO_CHECK_WITHOUT_DHCID;
}

/*
 * shared mode: the same for an unfinished remove: DNS is asked which of its
 * sides still hold our records; only those are removed (a remove the
 * leader before sent and the server applied is not sent again).
 */
static bool remove_probe(const struct reconcile *r, int err, const struct owner_rec *o)
{
	return r->o.mine && !err && o->state == OWNER_REMOVING && probe_able(o);
}

/*
 * intent_settle_ms() - how long after taking over unfinished intents DNS
 * is asked about them: the leader before may have sent an UPDATE the
 * server has not applied yet (queued behind others, or the server paused).
 * It is the longest a leader waits for a reply before it counts an UPDATE
 * lost and sends it again itself (timeout-max-ms, bounded as the engine
 * bounds it), so a takeover resends no sooner than the leader would have.
 * Pure.
 */
uint32_t intent_settle_ms(uint32_t timeout_ms, uint32_t timeout_max_ms)
{
	uint32_t t = timeout_ms ? timeout_ms : 2000, m = timeout_max_ms;

	if (m < t)	/* as the engine bounds it (dnsengine_new()) */
		m = t > 15000 ? t : 15000;
	return m;
}

/* an unfinished intent queued for the probe: the round's probes wait for the settle time */
static void intent_queued(struct reconcile *r)
{
	uint64_t nb = now_ms(r) + intent_settle_ms(r->cfg->engine.timeout_ms,
						   r->cfg->engine.timeout_max_ms);

	/* each takeover's intents settle in full, also those joining a round under way */
	r->ad.nintents++;
	if (nb > r->ad.not_before)
		r->ad.not_before = nb;
}

/* ---- end shared mode ---- */

/* Mark an address dirty; the next flushes sync it (once, however often it is marked). */
static void mark(struct reconcile *r, int family, const uint8_t *addr, int why, int full)
{
	struct ent *e;

	if (not_mine(r, family, addr))
		return;	/* shared mode: another instance leads its shard */
	e = ent_get(r, family, addr, 1);
	if (!e) {
		set_error(r, "out of memory marking an address dirty");
		return;
	}
	if (why)
		e->why = (uint8_t)why;
	if (full)
		e->full = 1;
	else if (e->adopt != 2)
		e->adopt = 0;	/* a lease change or wire event: synced as usual, not adopted */
	if (!full)
		adopt_touch(r, family, addr);	/* ... and DNS's earlier answer for it ignored */
	if (e->busy) {
		e->redirty = 1;
		return;
	}
	if (e->queued)
		return;
	e->queued = 1;
	e->qnext = NULL;
	if (r->qtail)
		r->qtail->qnext = e;
	else
		r->qhead = e;
	r->qtail = e;
	r->nqueued++;
	stampq_push(&r->qstamp, now_ms(r));
}

/* ---- desired state ---- */

static int lease_live(const struct reconcile *r, const struct lease *l, time_t now)
{
	return l->state == KEA_STATE_DEFAULT && l->valid_lft &&
	       !(l->flags & LEASE_F_CLOCK_EXPIRED) &&
	       l->expire + (int64_t)r->cfg->expire_grace_s > (int64_t)now;
}

/*
 * The lease's DNS name, canonical: the hostname column, else generated (if
 * enabled). Returns 0, -ENOENT (no name to give), or -EINVAL when the name
 * cannot be published (zones_name_check(): *@why says why, and @out holds
 * the name as far as it fits, for the log).
 */
static int lease_name(const struct reconcile *r, const struct lease *l, char *out, size_t cap,
		      const char **why)
{
	char raw[ZONES_NAME_MAX + 64], a[INET6_ADDRSTRLEN];
	size_t n = 0, sl = strlen(r->cfg->qualifying_suffix);

	if (l->hostname_len) {
		/* cleaned as Kea cleans (hostname-char-set / -replacement), lower case */
		int k = names_sanitize(&r->cfg->name_re, r->cfg->name_char_repl, l->hostname,
				       l->hostname_len, raw, sizeof(raw));

		if (k < 0) {	/* longer than any name can be: never a truncated one */
			*why = "name over 255 octets";
			snprintf(out, cap, "%.*s", (int)(cap - 1), raw);
			return -EINVAL;
		}
		n = (size_t)k;
		if (!n)
			return -ENOENT;
	} else if (r->cfg->generate_names) {
		/* Kea's generated name: prefix-<address with '.'/':' as '-'>.suffix */
		addr_text(l->family, l->addr, a, sizeof(a));
		for (char *p = a; *p; p++)
			if (*p == '.' || *p == ':')
				*p = '-';
		n = (size_t)snprintf(raw, sizeof(raw), "%s-%s", r->cfg->generated_prefix, a);
	} else {
		return -ENOENT;
	}
	if (n && raw[n - 1] != '.' && !strchr(raw, '.')) {
		/* unqualified: qualify as Kea's ddns-qualifying-suffix would */
		if (!sl)
			return -ENOENT;
		if (n + 1 + sl + 1 < sizeof(raw)) {
			raw[n++] = '.';
			memcpy(raw + n, r->cfg->qualifying_suffix, sl + 1);
		} else {
			*why = "name over 255 octets";
			snprintf(out, cap, "%.*s", (int)(cap - 1), raw);
			return -EINVAL;
		}
	}
	/* the root, empty labels, over-long labels or names: never sent */
	if (zones_name_check(raw, why) || zones_name_canon(raw, out, cap)) {
		if (!*why)
			*why = "name over 255 octets";
		snprintf(out, cap, "%.*s", (int)(cap - 1), raw);
		return -EINVAL;
	}
	return 0;
}

static void lease_identity(const struct lease *l, struct owner_rec *rec)
{
	rec->id_len = 0;
	if (l->family == 6) {
		rec->id_type = DHCID_ID_DUID;
		rec->id_len = l->client_id_len;
		memcpy(rec->id, l->client_id, l->client_id_len);
		rec->iaid = l->iaid;
	} else if (l->client_id_len) {
		rec->id_type = DHCID_ID_CLIENTID;
		rec->id_len = l->client_id_len;
		memcpy(rec->id, l->client_id, l->client_id_len);
	} else if (l->hwaddr_len) {
		/* RFC 4701 §3.3: htype then chaddr; Kea's v4 hardware type is Ethernet */
		rec->id_type = DHCID_ID_HWADDR;
		rec->id[0] = 1;
		memcpy(rec->id + 1, l->hwaddr, l->hwaddr_len);
		rec->id_len = (uint16_t)(l->hwaddr_len + 1);
	}
}

/* Another live lease of the same client with the same name, more recent: it owns the name. */
static int lease_superseded(const struct reconcile *r, const struct leases *t, const struct lease *l,
			    const char *fqdn, time_t now)
{
	struct lease o[8];
	size_t alen = l->family == 4 ? 4 : 16;
	char name[ZONES_NAME_MAX];
	const char *why = NULL;
	int n;

	/* the client as Kea identifies it: v6 DUID + IAID, v4 client-id, else hwaddr */
	if (!(l->family == 6 || l->client_id_len ? l->client_id_len : l->hwaddr_len))
		return 0;
	/* its leases, found from this one's entry (a client with one lease: none looked up) */
	n = leases_find_client_of(t, l, o, 8);
	if (n > 8)
		n = 8;
	for (int i = 0; i < n; i++) {
		if (!memcmp(o[i].addr, l->addr, alen) || o[i].type != l->type ||
		    !lease_live(r, &o[i], now))
			continue;
		if (lease_name(r, &o[i], name, sizeof(name), &why) || strcmp(name, fqdn))
			continue;
		if (o[i].cltt > l->cltt || (o[i].cltt == l->cltt && memcmp(o[i].addr, l->addr, alen) > 0))
			return 1;
	}
	return 0;
}

/* Some reverse domain opted in to delegated prefixes. */
static int pd_policy(const struct reconcile *r)
{
	const struct zones_domain *d;

	for (size_t i = 0; (d = zones_domain_at(r->cfg->zones, true, i)); i++)
		if (d->prefix_delegation)
			return 1;
	return 0;
}

/*
 * What the lease tables want at (@family, @addr): the decision, with no
 * side effect (reconcile_explain() shows it to operators; desired() counts
 * and logs it). @l gets the lease row when there is one (w->has_lease).
 */
static void decide(const struct reconcile *r, int family, const uint8_t *addr, uint32_t hint,
		   time_t now, struct want *w, struct lease *lp)
{
	const struct leases *t = r->tab[FAMILY_IDX(family)];
	char rname[ZONES_NAME_MAX];
	struct lease l;
	int pd;

	memset(w, 0, sizeof(*w));
	if (!t || leases_find_addr_hint(t, addr, hint, &l)) {
		w->why_not = "no lease";
		return;
	}
	w->has_lease = 1;
	if (lp)
		*lp = l;
	if (!lease_live(r, &l, now)) {
		w->why_not = l.state != KEA_STATE_DEFAULT ? leases_state_name(l.state) : "expired";
		return;
	}
	pd = l.type == KEA_TYPE_PD;
	if (l.type == KEA_TYPE_TA || (pd && !pd_policy(r))) {
		w->why_not = pd ? "delegated prefix" : "temporary address";
		return;
	}
	if (r->cfg->honor_fqdn_flags && !(l.flags & (LEASE_F_FQDN_FWD | LEASE_F_FQDN_REV))) {
		w->why_not = "lease says no DNS";
		return;
	}
	if (lease_name(r, &l, w->fqdn, sizeof(w->fqdn), &w->bad_name) == -EINVAL) {
		w->why_not = "name cannot be published";
		return;
	}
	if (!w->fqdn[0]) {
		w->why_not = "no usable name";
		w->count = WANT_NO_NAME;
		return;
	}
	lease_identity(&l, &w->rec);
	if (!w->rec.id_len) {
		w->why_not = "no client identity";
		return;
	}
	if (lease_superseded(r, t, &l, w->fqdn, now)) {
		w->why_not = "name held by the client's newer lease";
		return;
	}
	if (pd) {
		/* reverse only, in domains that opted in (config.h, "prefix-delegation") */
		if (l.prefix_len >= 4 && l.prefix_len < 128 &&
		    zones_reverse_prefix(addr, l.prefix_len, rname, sizeof(rname)) == 0)
			w->rz = zones_match(r->cfg->zones, rname, true);
		if (w->rz && !w->rz->prefix_delegation)
			w->rz = NULL;
	} else {
		w->fz = zones_match(r->cfg->zones, w->fqdn, false);
		if (zones_reverse_name(family, addr, rname,
				       sizeof(rname)) == 0)
			w->rz = zones_match(r->cfg->zones, rname, true);
	}
	if (r->cfg->honor_fqdn_flags) {
		if (!(l.flags & LEASE_F_FQDN_FWD))
			w->fz = NULL;
		if (!(l.flags & LEASE_F_FQDN_REV))
			w->rz = NULL;
	}
	if (!pd && !w->fz && w->rz && (!r->cfg->honor_fqdn_flags || (l.flags & LEASE_F_FQDN_FWD))) {
		/*
		 * a name in no configured forward zone: D2 still does the reverse
		 * side (its forward lookup fails, the PTR goes on), unless told not to
		 */
		w->no_fwd_zone = 1;
		if (!r->cfg->ptr_without_fwd_zone)
			w->rz = NULL;
	}
	if (!w->fz && !w->rz) {
		w->why_not = pd ? "delegated prefix outside prefix-delegation domains" :
			     "no configured zone";
		w->count = WANT_NO_ZONE;
		return;
	}
	if (dhcid_compute(w->rec.id_type, w->rec.id, w->rec.id_len, w->fqdn, w->rec.dhcid)) {
		w->why_not = "cannot compute DHCID";
		return;
	}
	w->rec.family = (uint8_t)family;
	memcpy(w->rec.addr, addr, family == 4 ? 4 : 16);
	w->rec.fwd = w->fz != NULL;
	w->rec.rev = w->rz != NULL;
	w->rec.mode = (uint8_t)r->cfg->mode;
	w->rec.ttl = config_ttl(r->cfg, l.valid_lft);
	w->rec.prefix_len = pd ? l.prefix_len : 0;
	snprintf(w->rec.fqdn, sizeof(w->rec.fqdn), "%s", w->fqdn);
	snprintf(w->rec.fwd_zone, sizeof(w->rec.fwd_zone), "%s", w->fz ? w->fz->name : "");
	snprintf(w->rec.rev_zone, sizeof(w->rec.rev_zone), "%s", w->rz ? w->rz->name : "");
	w->ok = 1;
}

/* decide(), counted and logged: what a sync acts on */
static void desired(struct reconcile *r, int family, const uint8_t *addr, uint32_t hint,
		    time_t now, struct want *w)
{
	decide(r, family, addr, hint, now, w, NULL);
	if (w->count == WANT_NO_NAME)
		r->st.no_name++;
	else if (w->count == WANT_NO_ZONE)
		r->st.no_zone++;
	if (w->no_fwd_zone) {
		/*
		 * a name in no configured forward zone: D2 still does the reverse
		 * side (its forward lookup fails, the PTR goes on), unless told not to
		 */
		char a[INET6_ADDRSTRLEN];

		r->st.no_fwd_zone++;
		addr_text(family, addr, a, sizeof(a));
		pr_info_rl("reconcile: name '%s' of lease %s is in no configured forward zone: %s",
			   w->fqdn, a, r->cfg->ptr_without_fwd_zone ? "PTR only, as D2" : "no records");
	}
}

static int same_binding(const struct owner_rec *o, const struct want *w)
{
	return w->ok && !strcmp(o->fqdn, w->rec.fqdn) && !memcmp(o->dhcid, w->rec.dhcid,
		DHCID_RDATA_LEN) && !strcmp(o->fwd_zone, w->rec.fwd_zone) &&
	       !strcmp(o->rev_zone, w->rec.rev_zone) && o->mode == w->rec.mode &&
	       o->prefix_len == w->rec.prefix_len;
}

/*
 * shared mode: an unfinished add of the leader before that its lease no
 * longer wants (the lease is gone, or has another name or client since) is
 * undone as an unfinished remove is: once the leader's UPDATEs have
 * settled, DNS is asked which sides hold the binding's DHCID, and only
 * those are removed. Removing it at once would race the add, which the
 * server may not have applied yet. Reads the binding at @addr into @o;
 * outside shared mode nothing is read (there is no leader before).
 */
static bool undo_probe(const struct reconcile *r, int family, const uint8_t *addr, time_t now,
		       struct owner_rec *o)
{
	struct want w;
	int err;

	if (!r->o.mine)
		return false;
	err = owner_get(r->o.owner, family, addr, o);
	if (remove_probe(r, err, o))
		return true;
	if (!intent_probe(r, err, o) || !probe_able(o))
		return false;
	decide(r, family, addr, 0, now, &w, NULL);	/* not counted: no sync */
	return !same_binding(o, &w);
}

/* ---- sending ---- */

static const char *server_of(const struct reconcile *r, const char *zone, bool reverse)
{
	const struct zones_domain *d = *zone ? zones_match(r->cfg->zones, zone, reverse) : NULL;

	return d && d->nservers ? d->servers[0].text : "-";
}

static void log_decision(struct reconcile *r, const char *what, const struct owner_rec *rec,
			 int fwd, int rev, const char *reason)
{
	char a[INET6_ADDRSTRLEN + 4];

	addr_text(rec->family, rec->addr, a, sizeof(a));
	if (rec->prefix_len)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%u", rec->prefix_len);
	pr_debug("reconcile: %s %s '%s' fwd-zone '%s' rev-zone '%s' server '%s' (%s)", what, a,
		 rec->fqdn, fwd ? rec->fwd_zone : "-", rev ? rec->rev_zone : "-",
		 server_of(r, fwd ? rec->fwd_zone : rec->rev_zone, !fwd), reason);
	r->decided[strcmp(what, "add") != 0]++;
}

static int queue_change(struct reconcile *r, struct ent *e, enum dnsengine_op op,
			const struct owner_rec *rec)
{
	struct dnsengine_change *c;

	if (r->nout == r->capout) {
		size_t cap = r->capout ? r->capout * 2 : 256;
		void *p = realloc(r->out, cap * sizeof(*r->out));

		if (!p)
			return -ENOMEM;
		r->out = p;
		r->capout = cap;
	}
	c = &r->out[r->nout++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->mode = (enum dnsengine_mode)rec->mode;
	c->fwd = rec->fwd;
	c->rev = rec->rev;
	c->family = rec->family;
	memcpy(c->addr, rec->addr, 16);
	snprintf(c->fqdn, sizeof(c->fqdn), "%s", rec->fqdn);
	memcpy(c->dhcid, rec->dhcid, DHCID_RDATA_LEN);
	c->ttl = rec->ttl;
	c->prefix_len = rec->prefix_len;
	c->user = e;
	c->trigger_ms = r->sync_trigger_ms;
	e->busy = 1;
	r->ninflight++;
	if (op == DNSENGINE_REMOVE)
		adopt_touch(r, rec->family, rec->addr);	/* what DNS held there goes */
	if (op == DNSENGINE_ADD)
		r->st.adds++;
	else
		r->st.removes++;
	return 0;
}

static int store_put(struct reconcile *r, const struct owner_rec *rec)
{
	int err = owner_put(r->o.owner, rec);

	if (err) {
		r->st.store_errors++;
		set_error(r, "store write failed for '%s' (%s)", rec->fqdn, ls_strerror(err));
	}
	return err;
}

static int start_remove(struct reconcile *r, struct ent *e, struct owner_rec *o,
			const char *reason)
{
	int err;

	o->state = OWNER_REMOVING;
	o->updated = now_wall(r);
	err = store_put(r, o);
	if (!err)
		err = queue_change(r, e, DNSENGINE_REMOVE, o);
	if (!err)
		log_decision(r, "remove", o, o->fwd, o->rev, reason);
	return err;
}

static int start_add(struct reconcile *r, struct ent *e, struct want *w, const char *reason)
{
	int err;

	e->landed = 0;
	w->rec.state = OWNER_ADDING;
	w->rec.created = w->rec.updated = now_wall(r);
	err = store_put(r, &w->rec);
	if (!err)
		err = queue_change(r, e, DNSENGINE_ADD, &w->rec);
	if (!err)
		log_decision(r, "add", &w->rec, w->rec.fwd, w->rec.rev, reason);
	return err;
}

/*
 * shared mode: an unfinished add of which DNS already holds one side (the
 * leader before was killed between the two): the intent stays whole, only
 * the missing side is sent (reconcile_done() keeps the other).
 */
static int resume_add(struct reconcile *r, struct ent *e, struct want *w)
{
	struct owner_rec side;
	int err;

	w->rec.state = OWNER_ADDING;
	w->rec.created = w->rec.updated = now_wall(r);
	side = w->rec;
	side.fwd = side.fwd && !(e->landed & 1);
	side.rev = side.rev && !(e->landed & 2);
	e->landed = 0;
	err = store_put(r, &w->rec);
	if (!err)
		err = queue_change(r, e, DNSENGINE_ADD, &side);
	if (!err)
		log_decision(r, "add", &side, side.fwd, side.rev,
			     "unfinished add, the other side already in DNS");
	return err;
}

static const char *reason_of(const struct ent *e)
{
	if (e->retire)
		return "zone removed from the configuration";
	if (e->why)
		return leases_change_name((enum lease_change_kind)e->why);
	return e->full ? "full reconciliation" : "wire event";
}

/*
 * A lease whose name cannot be published: counted and logged once per
 * address and name (a small cache of what was reported), never sent.
 */
static void note_bad_name(struct reconcile *r, const struct ent *e, const struct want *w)
{
	uint64_t h = 1469598103934665603ULL ^ e->family;
	char a[INET6_ADDRSTRLEN];
	size_t slot;

	for (int i = 0; i < 16; i++)
		h = (h ^ e->addr[i]) * 1099511628211ULL;
	for (const char *p = w->fqdn; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	h |= 1;			/* 0 marks an empty slot */
	slot = (size_t)(h >> 7) % BADNAME_SLOTS;
	if (r->badname[slot] == h)
		return;
	r->badname[slot] = h;
	r->st.unpublishable++;
	addr_text(e->family, e->addr, a, sizeof(a));
	set_error(r, "lease %s: name '%.64s' cannot be published (%s)", a, w->fqdn, w->bad_name);
	pr_warn("reconcile: lease %s name '%.100s%s' cannot be published (%s); no DNS records for it",
		a, w->fqdn, strlen(w->fqdn) > 100 ? "..." : "", w->bad_name);
}

/*
 * renew_resend_due() - an update-on-renew re-send (Kea's add NCR, or a
 * renewal with "ddns-update-on-renew") of a binding already in place is due
 * only when its records were written before the lease's current term began
 * (@updated < @cltt): a renewal. Written during this term, they are what the
 * NCR asks for (a new lease's NCR arriving after its add was done: D2
 * sends one UPDATE for it, so do we). @cltt 0: unknown, re-send. Pure.
 */
bool renew_resend_due(int64_t updated, int64_t cltt)
{
	return !cltt || updated < cltt;
}

/* the current term's start (cltt) of the lease at @e's address; 0: none */
static int64_t lease_cltt(const struct reconcile *r, const struct ent *e)
{
	const struct leases *t = r->tab[FAMILY_IDX(e->family)];
	struct lease l;

	return t && !leases_find_addr(t, e->addr, &l) ? l.cltt : 0;
}

/* Compare desired and owned at one address; queue at most one change. */
static int sync_one(struct reconcile *r, struct ent *e, time_t now)
{
	struct owner_rec o;
	struct want w;
	char why[128];
	int have, err, force;

	r->st.syncs++;
	err = owner_get(r->o.owner, e->family, e->addr, &o);
	if (err && err != -ENOENT) {
		r->st.store_errors++;
		set_error(r, "store read failed (%s)", ls_strerror(err));
		return err;
	}
	have = !err;
	if (!have && e->adopt && r->ad.active)
		return 0;	/* DNS is being asked whether its records are already there */
	if (have && e->adopt && r->ad.active && (intent_probe(r, 0, &o) || remove_probe(r, 0, &o)))
		return 0;	/* shared mode: DNS is being asked whether the add or remove landed */
	desired(r, e->family, e->addr, e->lease_ref, now, &w);
	if (w.bad_name)
		note_bad_name(r, e, &w);
	if (have && e->retire) {
		e->retire = 0;
		if (o.state == OWNER_REMOVING)
			return start_remove(r, e, &o, "zone removed from the configuration");
	}
	if (!have) {
		e->fails = 0;	/* nothing of ours there: no refusal to remember */
		e->hold_ms = 0;
		if (w.ok)
			return start_add(r, e, &w, reason_of(e));
		return 0;
	}
	switch (o.state) {
	case OWNER_ADDED:
		if (same_binding(&o, &w)) {
			e->fails = 0;
			e->hold_ms = 0;
			if (!e->force)
				return 0;
			force = e->force;
			e->force = 0;
			if (force == 1 && !renew_resend_due(o.updated, lease_cltt(r, e)))
				return 0;	/* Kea's add NCR for the term already written */
			return start_add(r, e, &w, force == 2 ? "repair, DNS lost or altered it" :
					 "renewed, update-on-renew");
		}
		if (w.ok)
			return start_remove(r, e, &o, e->why ? reason_of(e) :
					    "name, client or zone changed");
		snprintf(why, sizeof(why), "%s: %s", reason_of(e), w.why_not);
		return start_remove(r, e, &o, why);
	case OWNER_ADDING:	/* only seen idle after a restart: finish or undo it */
		if (same_binding(&o, &w) && e->landed)
			return resume_add(r, e, &w);
		if (same_binding(&o, &w))
			return start_add(r, e, &w, "unfinished add before restart");
		return start_remove(r, e, &o, "unfinished add no longer wanted");
	case OWNER_REMOVING:
		if (!o.fwd && !o.rev) {
			/* nothing of it left in DNS (a takeover asked): forgotten, the lease's own added */
			err = owner_del(r->o.owner, o.family, o.addr);
			if (err && err != -ENOENT)
				return err;
			return w.ok ? start_add(r, e, &w, reason_of(e)) : 0;
		}
		return start_remove(r, e, &o, "unfinished remove");
	case OWNER_CONFLICT:
	case OWNER_FAILED:
		if (same_binding(&o, &w) && (o.state == OWNER_CONFLICT || !e->full))
			return 0;	/* Kea does not retry a conflict either */
		err = owner_del(r->o.owner, o.family, o.addr);
		if (err && err != -ENOENT)
			return err;
		return w.ok ? start_add(r, e, &w, o.state == OWNER_FAILED ? "retry after failure" :
						       reason_of(e)) : 0;
	default:
		pr_warn("owner: unknown state %u in the store, binding '%s' dropped", o.state,
			o.fqdn);
		owner_del(r->o.owner, o.family, o.addr);
		return w.ok ? start_add(r, e, &w, reason_of(e)) : 0;
	}
}

/* ---- outcomes ---- */

static struct zstat *zstat_of(struct reconcile *r, const char *zone)
{
	void *p;

	for (size_t i = 0; i < r->nzs; i++)
		if (!strcmp(r->zs[i].name, zone))
			return &r->zs[i];
	p = realloc(r->zs, (r->nzs + 1) * sizeof(*r->zs));
	if (!p)
		return NULL;
	r->zs = p;
	memset(&r->zs[r->nzs], 0, sizeof(*r->zs));
	snprintf(r->zs[r->nzs].name, ZONES_NAME_MAX, "%s", zone);
	return &r->zs[r->nzs++];
}

static void count_side(struct reconcile *r, const char *zone, enum dnsengine_outcome x)
{
	struct zstat *z = *zone ? zstat_of(r, zone) : NULL;

	if (x == DNSENGINE_APPLIED) {
		r->st.applied++;
		if (z)
			z->applied++;
	} else if (x == DNSENGINE_CONFLICT) {
		r->st.conflicts++;
		if (z)
			z->conflict++;
	} else if (outcome_failed(x)) {
		r->st.failed++;
		if (z)
			z->failed++;
	}
}

/*
 * The server refused @e's change for good: the binding waits for a full
 * pass, and from the second refusal in a row full passes skip it until its
 * hold (reconcile_hold_ms()) is over.
 */
static void note_refused(struct reconcile *r, struct ent *e)
{
	if (e->fails < UINT8_MAX)
		e->fails++;
	e->hold_ms = now_ms(r) + reconcile_hold_ms(e->fails);
}

static void note_done(struct ent *e)
{
	e->fails = 0;
	e->hold_ms = 0;
}

void reconcile_done(struct reconcile *r, const struct dnsengine_change *c,
		    const struct dnsengine_result *res)
{
	struct ent *e = c->user;
	struct owner_rec o;
	struct outcome v;
	char a[INET6_ADDRSTRLEN];
	int err, resync = 0;

	if (!res->final || !e)
		return;
	e->busy = 0;
	r->ninflight--;
	if (not_mine(r, e->family, e->addr)) {
		/* shared mode: the shard's new leader finishes it from the stored intent */
		ent_put(r, e);
		return;
	}
	err = owner_get(r->o.owner, e->family, e->addr, &o);
	if (err) {
		/* nothing recorded: cannot happen unless the store failed under us */
		r->st.store_errors++;
		goto requeue;
	}
	if (c->fwd)
		count_side(r, o.fwd_zone, res->fwd);
	if (c->rev)
		count_side(r, o.rev_zone, res->rev);
	for (int side = 0; side < 2; side++) {
		enum dnsengine_outcome x = side ? res->rev : res->fwd;

		if ((side ? c->rev : c->fwd) && (unsigned int)x < DNSENGINE_OUTCOME_MAX_)
			r->st.changes[c->family == 6][c->op == DNSENGINE_REMOVE][side][x]++;
	}
	e->last_op = c->op == DNSENGINE_ADD ? 1 : 2;
	e->last_fwd = (uint8_t)(c->fwd ? res->fwd : DNSENGINE_SKIPPED);
	e->last_rev = (uint8_t)(c->rev ? res->rev : DNSENGINE_SKIPPED);
	addr_text(o.family, o.addr, a, sizeof(a));
	o.updated = now_wall(r);
	v = outcome_decide(c, res, o.fwd, o.rev);
	o.fwd = v.fwd;
	o.rev = v.rev;
	resync = v.resync;
	switch (v.v) {
	case OUTCOME_ADDED:
		o.state = OWNER_ADDED;
		note_done(e);
		break;
	case OUTCOME_CONFLICT:
		o.state = OWNER_CONFLICT;
		pr_warn("reconcile: conflict %s '%s' zone '%s' (the name belongs to another client; left alone)",
			a, o.fqdn, o.fwd_zone);
		break;
	case OUTCOME_ADD_FAILED:
		o.state = OWNER_FAILED;
		note_refused(r, e);
		set_error(r, "add %s '%s' failed (fwd %s, rev %s)", a, o.fqdn,
			  dnsengine_outcome_name(res->fwd), dnsengine_outcome_name(res->rev));
		if (fail_log_allow(r))
			pr_warn("reconcile: add failed %s '%s' zone '%s' (fwd %s, rev %s; retried at the next full reconciliation)",
				a, o.fqdn, o.fwd_zone, dnsengine_outcome_name(res->fwd),
				dnsengine_outcome_name(res->rev));
		break;
	case OUTCOME_REMOVED:
		owner_del(r->o.owner, o.family, o.addr);
		pr_debug("reconcile: remove %s '%s' done", a, o.fqdn);
		note_done(e);
		break;
	case OUTCOME_REMOVE_FAILED:
		note_refused(r, e);
		set_error(r, "remove %s '%s' failed (fwd %s, rev %s)", a, o.fqdn,
			  dnsengine_outcome_name(res->fwd), dnsengine_outcome_name(res->rev));
		if (fail_log_allow(r))
			pr_warn("reconcile: remove failed %s '%s' (fwd %s, rev %s; retried at the next full reconciliation)",
				a, o.fqdn, dnsengine_outcome_name(res->fwd),
				dnsengine_outcome_name(res->rev));
		store_put(r, &o);
		break;
	case OUTCOME_REMOVE_REST:
		store_put(r, &o);
		break;
	}
	if (v.partial)
		pr_warn("reconcile: partial add %s '%s' (fwd %s, rev %s)", a, o.fqdn,
			dnsengine_outcome_name(res->fwd), dnsengine_outcome_name(res->rev));
	if (c->op == DNSENGINE_ADD) {
		pr_debug("reconcile: add %s '%s' done (fwd %s, rev %s)", a, o.fqdn,
			 dnsengine_outcome_name(res->fwd), dnsengine_outcome_name(res->rev));
		store_put(r, &o);
	}
requeue:
	if (e->redirty || resync) {
		e->redirty = 0;
		mark(r, e->family, e->addr, 0, 0);
	} else {
		ent_put(r, e);
	}
}

/* ---- wire events ---- */

static int ev_confirms(struct reconcile *r, const struct pend *p, time_t now)
{
	const struct leases *t = r->tab[FAMILY_IDX(p->family)];
	int64_t slack = r->cfg->pending_timeout_ms / 1000 + 5;
	struct lease l;

	if (!t)
		return 0;
	if (leases_find_addr(t, p->addr, &l))
		return 0;	/* no lease there at all: nothing can confirm it */
	switch (p->type) {
	case LS_EV_V4_ACK:
	case LS_EV_V6_REPLY:
		if (!lease_live(r, &l, now))
			return 0;
		if (p->family == 6) {
			if (l.client_id_len < p->id_len || memcmp(l.client_id, p->id, p->id_len) ||
			    !p->id_len || l.iaid != p->iaid)
				return 0;
		} else if (p->id_len && l.client_id_len) {
			if (l.client_id_len < p->id_len || memcmp(l.client_id, p->id, p->id_len))
				return 0;
		} else if (!p->hlen || l.hwaddr_len != p->hlen || memcmp(l.hwaddr, p->chaddr, p->hlen)) {
			return 0;
		}
		/* the lease's expiry must be the one this ACK granted */
		if (p->has_lft && llabs(l.expire - (p->wall + (int64_t)p->valid_lft)) > slack)
			return 0;
		return 1;
	case LS_EV_V4_RELEASE:
	case LS_EV_V6_RELEASE:
		return l.state == KEA_STATE_RELEASED || !lease_live(r, &l, now);
	case LS_EV_V4_DECLINE:
	case LS_EV_V6_DECLINE:
		return l.state == KEA_STATE_DECLINED;
	}
	return 0;
}

static void pend_log(struct reconcile *r, const struct pend *p, const char *what)
{
	char a[INET6_ADDRSTRLEN];

	(void)r;
	addr_text(p->family, p->addr, a, sizeof(a));
	log_printf(strcmp(what, "unconfirmed") ? LOG_LVL_DEBUG : LOG_LVL_INFO, "reconcile: %s wire %s for %s (%s)", what, ev_name(p->type), a,
		!strcmp(what, "unconfirmed") ? "no matching lease in the lease file: no DNS change" :
		"lease file agrees");
}

void reconcile_event(struct reconcile *r, const struct ls_event *ev)
{
	struct pend p;

	if (ev->type < LS_EV_TYPE_MAX_)
		r->st.events[ev->type]++;
	if (ev->type == LS_EV_V4_NAK || ev->type >= LS_EV_TYPE_MAX_ ||
	    (ev->family != 4 && ev->family != 6) || !r->tab[FAMILY_IDX(ev->family)]) {
		r->st.ignored_events++;
		return;
	}
	if (ev->family == 6 && ev->ia_type != LS_IA_NA) {
		r->st.ignored_events++;	/* prefixes and temporary addresses: no DNS policy */
		return;
	}
	memset(&p, 0, sizeof(p));
	p.family = ev->family;
	p.type = (uint8_t)ev->type;
	memcpy(p.addr, ev->addr, 16);
	if (ev->flags & LS_EVF_CLIENT_ID) {
		p.id_len = ev->client_id_len > LS_CLIENT_ID_MAX ? LS_CLIENT_ID_MAX : ev->client_id_len;
		memcpy(p.id, ev->client_id, p.id_len);
	}
	p.hlen = ev->hlen > LS_CHADDR_MAX ? LS_CHADDR_MAX : ev->hlen;
	memcpy(p.chaddr, ev->chaddr, p.hlen);
	p.iaid = ev->iaid;
	p.has_lft = !!(ev->flags & LS_EVF_LEASE_TIME);
	p.valid_lft = ev->valid_lft;
	p.wall = now_wall(r);
	p.deadline_ms = now_ms(r) + r->cfg->pending_timeout_ms;
	if (ev_confirms(r, &p, (time_t)p.wall)) {
		r->st.confirmed++;
		pend_log(r, &p, "confirmed");
		mark(r, p.family, p.addr, 0, 0);
		return;
	}
	if (!r->pcap)
		return;
	if (r->pn == r->pcap) {
		/* bounded: the oldest goes; the lease-file path still sees its lease */
		r->phead = (r->phead + 1) % r->pcap;
		r->pn--;
		r->st.pending_dropped++;
	}
	r->pend[(r->phead + r->pn) % r->pcap] = p;
	r->pn++;
}

/* Re-check pending events: confirm those the lease file now backs, expire the overdue. */
static void pend_recheck(struct reconcile *r, int tables_changed)
{
	uint64_t ms = now_ms(r);
	time_t now = now_wall(r);
	size_t keep = 0;

	if (!r->pn)
		return;
	if (!tables_changed && r->pend[r->phead].deadline_ms > ms)
		return;
	/* compact in place, preserving order */
	for (size_t i = 0; i < r->pn; i++) {
		struct pend *p = &r->pend[(r->phead + i) % r->pcap];

		if (ev_confirms(r, p, now)) {
			r->st.confirmed++;
			pend_log(r, p, "confirmed");
			mark(r, p->family, p->addr, 0, 0);
		} else if (p->deadline_ms <= ms) {
			r->st.unconfirmed++;
			pend_log(r, p, "unconfirmed");
		} else {
			r->pend[(r->phead + keep) % r->pcap] = *p;
			keep++;
		}
	}
	r->pn = keep;
}

/* ---- public ---- */

int reconcile_new(struct reconcile **out, const struct reconcile_opts *o)
{
	struct reconcile *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->cfg = o->cfg;
	r->pcap = r->cfg->max_pending_events;
	r->pend = calloc(r->pcap ? r->pcap : 1, sizeof(*r->pend));
	if (!r->pend || grow(r)) {
		reconcile_free(r);
		return -ENOMEM;
	}
	r->next_full_ms = r->cfg->full_reconcile_s ?
		now_ms(r) + (uint64_t)r->cfg->full_reconcile_s * 1000 : UINT64_MAX;
	*out = r;
	return 0;
}

void reconcile_free(struct reconcile *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct ent *e = r->buckets[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(r->buckets);
	fq_free(r);
	free(r->ad.q);
	free(r->ad.it);
	free(r->pend);
	free(r->out);
	free(r->zs);
	stampq_fini(&r->qstamp);
	free(r);
}

void reconcile_set_leases(struct reconcile *r, int family, struct leases *t)
{
	r->tab[FAMILY_IDX(family)] = t;
}

void reconcile_set_config(struct reconcile *r, const struct config *cfg)
{
	/* a new configuration (a new key, say) deserves a try at once: no holds */
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct ent *e = r->buckets[i], *n;

		for (; e; e = n) {
			n = e->next;
			note_done(e);
			ent_put(r, e);
		}
	}
	r->cfg = cfg;
	r->next_full_ms = cfg->full_reconcile_s ?
		now_ms(r) + (uint64_t)cfg->full_reconcile_s * 1000 : UINT64_MAX;
}

/* "sweep-orphans": the DHCID this row's client has (or had) at this row's name */
void reconcile_lease_row(void *ctx, const struct lease *l)
{
	struct reconcile *r = ctx;
	struct owner_rec rec;
	char fqdn[ZONES_NAME_MAX];
	const char *why = NULL;

	if (!r->known)
		return;
	lease_identity(l, &rec);
	if (!rec.id_len || lease_name(r, l, fqdn, sizeof(fqdn), &why) ||
	    dhcid_compute(rec.id_type, rec.id, rec.id_len, fqdn, rec.dhcid))
		return;
	known_put(r->known, rec.dhcid, l->family, l->addr);
}

void reconcile_set_known(struct reconcile *r, struct known *k)
{
	r->known = k;
}

bool reconcile_wanted(struct reconcile *r, int family, const uint8_t *addr, const char *fqdn,
		      const uint8_t *dhcid, bool reverse)
{
	struct want w;

	desired(r, family, addr, 0, now_wall(r), &w);
	if (!w.ok || memcmp(w.rec.dhcid, dhcid, DHCID_RDATA_LEN) || strcmp(w.fqdn, fqdn))
		return false;
	return reverse ? w.rz != NULL : w.fz != NULL;
}

void reconcile_lease_change(void *ctx, const struct lease_change *ch)
{
	struct reconcile *r = ctx;
	const struct lease *l = ch->lease;
	struct ent *e;

	if (ch->kind < LEASE_CH_MAX_)
		r->st.lease_changes[ch->kind]++;
	r->precheck = 1;
	/* the client moved: its old address goes first (engine keeps per-name order) */
	if (ch->kind == LEASE_CH_MOVED && ch->other)
		mark(r, ch->other->family, ch->other->addr, ch->kind, 0);
	mark(r, l->family, l->addr, ch->kind, 0);
	if (ch->kind == LEASE_CH_RENEWED && r->cfg->update_on_renew) {
		e = ent_get(r, l->family, l->addr, 0);
		if (e)
			e->force = 1;
	}
}

void reconcile_ncr(struct reconcile *r, int family, const uint8_t *addr, int add)
{
	struct ent *e;

	r->st.ncr_triggers++;
	r->precheck = 1;
	mark(r, family, addr, 0, 0);
	/*
	 * Kea sent an add for a lease whose binding may be unchanged: its
	 * update-on-renew. Not while a change is with the DNS side: that is the
	 * add of this lease (the wire's ACK or the row came first; a new lease's
	 * NCR asks for nothing more, and D2 sends it once), or a remove, after
	 * which the add follows anyway.
	 */
	if (add) {
		e = ent_get(r, family, addr, 0);
		if (e && !e->busy)
			e->force = 1;
	}
}

struct full_ctx {
	struct reconcile *r;
	time_t now;
	bool adopt;		/* a new adoption round: queue leases without a binding */
};

/* adoption applies: configured, and the mode lets a DHCID prove a record ours */
static bool adopt_on(const struct reconcile *r)
{
	return r->cfg->adopt_existing && r->cfg->mode != DNSENGINE_NO_CHECK_WITHOUT_DHCID;
}

/*
 * A live lease with no binding whose records could be D2's: ask DNS first
 * (a full pass). 0: no; 1: an adoption candidate; 2: shared mode, an
 * unfinished add of an earlier leader.
 */
static int adopt_candidate(struct reconcile *r, const struct lease *l, time_t now, struct want *w)
{
	struct owner_rec o;
	int err = owner_get(r->o.owner, l->family, l->addr, &o);

	if (intent_probe(r, err, &o)) {
		desired(r, l->family, l->addr, l->ref, now, w);
		return same_binding(&o, w) && !w->rec.prefix_len ? 2 : 0;
	}
	if (err != -ENOENT || !adopt_on(r))
		return 0;
	desired(r, l->family, l->addr, l->ref, now, w);
	/* D2 never writes records for prefixes: nothing to adopt */
	return w->ok && !w->rec.prefix_len;
}

/* shared mode: an intent of the leader before, queued for DNS's answer (a round under way) */
static bool queued_intent(struct reconcile *r, int family, const uint8_t *addr)
{
	const struct ent *e = r->ad.active ? ent_find(r, family, addr) : NULL;

	return e && e->adopt == 2;
}

/* An adoption candidate answered (or given up): the add path decides, as for any lease. */
static void adopt_release(struct reconcile *r, int family, const uint8_t *addr)
{
	struct ent *e = ent_get(r, family, addr, 0);

	if (e)
		e->adopt = 0;
	mark(r, family, addr, 0, 1);
}

static int adopt_queue(struct reconcile *r, int family, const uint8_t *addr, bool intent)
{
	struct ent *e = ent_get(r, family, addr, 1);
	struct adopt_addr *q = r->ad.q;

	if (r->ad.nq == r->ad.capq) {
		size_t cap = r->ad.capq ? r->ad.capq * 2 : 1024;

		q = realloc(q, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		r->ad.q = q;
		r->ad.capq = cap;
	}
	if (!e)
		return -ENOMEM;
	e->adopt = intent ? 2 : 1;	/* dirty already (a lease loaded or changed before this pass): it waits */
	q[r->ad.nq].family = (uint8_t)family;
	q[r->ad.nq].intent = intent;
	memcpy(q[r->ad.nq].addr, addr, sizeof(q[r->ad.nq].addr));
	r->ad.nq++;
	return 0;
}

/*
 * The full pass's look at a lease for a new round: the store only (no
 * binding: 1; shared mode, an unfinished add: 2), and a name to look for. The
 * rest of adopt_candidate() (the name, DHCID and zones: a SHA-256 and a
 * regular expression per lease) waits until the lease is handed out, a
 * chunk a loop turn, so a 1M-lease pass does not hold the loop for it.
 */
static int adopt_maybe(struct reconcile *r, const struct lease *l, time_t now)
{
	struct owner_rec o;
	struct want w;
	int err = owner_get(r->o.owner, l->family, l->addr, &o);

	if (intent_probe(r, err, &o))
		return adopt_candidate(r, l, now, &w);	/* 2 or 0 */
	/* D2 never writes records for prefixes: nothing to adopt */
	return err == -ENOENT && adopt_on(r) && l->type != KEA_TYPE_PD &&
	       (l->hostname_len || r->cfg->generate_names);
}

static int full_lease(void *ctx, const struct lease *l)
{
	struct full_ctx *f = ctx;
	int c;

	if (!lease_live(f->r, l, f->now) || not_mine(f->r, l->family, l->addr) ||
	    queued_intent(f->r, l->family, l->addr))
		return 0;
	/* a new adoption round: leases without a binding wait for DNS's answer */
	c = f->r->ad.active ? adopt_maybe(f->r, l, f->now) : 0;
	if ((c == 2 || (c && f->adopt)) && !adopt_queue(f->r, l->family, l->addr, c == 2)) {
		if (c == 2)
			intent_queued(f->r);
		return 0;
	}
	mark(f->r, l->family, l->addr, 0, 1);
	return 0;
}

/* ---- adoption ("adopt-existing"), a chunk at a time beside the event loop ---- */

/*
 * What DNS answered for a lease (a query, or a zone transfer taken minutes
 * before) is only the truth for it if nothing changed it since the round
 * began: a lease change or wire event (its records may be about to
 * change), or a removal we sent there. Those addresses are kept (as hashes:
 * a collision only sends a lease down the add path) and their answers
 * ignored.
 */
static uint64_t touch_key(int family, const uint8_t *addr)
{
	uint64_t h = (uint64_t)hash_key(family, addr);

	return h ? h : 1;
}

static bool adopt_touched(const struct reconcile *r, int family, const uint8_t *addr)
{
	uint64_t k = touch_key(family, addr);

	if (r->ad.lost)
		return true;
	if (!r->ad.touched)
		return false;
	for (size_t i = k & r->ad.tmask; r->ad.touched[i]; i = (i + 1) & r->ad.tmask)
		if (r->ad.touched[i] == k)
			return true;
	return false;
}

/*
 * A lease without a binding changed since the round began: DNS's answer is
 * stale. (Shared mode's unfinished adds keep their answer: the intent in the
 * store says what was sent, and its sync decides as before.)
 */
static bool adopt_stale(struct reconcile *r, int family, const uint8_t *addr)
{
	struct owner_rec o;

	return adopt_touched(r, family, addr) &&
	       owner_get(r->o.owner, family, addr, &o) == -ENOENT;
}

static void adopt_touch(struct reconcile *r, int family, const uint8_t *addr)
{
	uint64_t k = touch_key(family, addr);
	size_t i;

	if (!r->ad.active || adopt_touched(r, family, addr))
		return;
	if ((r->ad.ntouched + 1) * 2 > (r->ad.touched ? r->ad.tmask + 1 : 0)) {
		size_t cap = r->ad.touched ? (r->ad.tmask + 1) * 2 : 256;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t) {
			/* no room to remember it: the round's answers can no longer be trusted */
			set_error(r, "adoption: out of memory tracking changed leases");
			r->ad.lost = true;
			return;
		}
		for (size_t j = 0; r->ad.touched && j <= r->ad.tmask; j++) {
			if (!r->ad.touched[j])
				continue;
			for (i = r->ad.touched[j] & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = r->ad.touched[j];
		}
		free(r->ad.touched);
		r->ad.touched = t;
		r->ad.tmask = cap - 1;
	}
	for (i = k & r->ad.tmask; r->ad.touched[i]; i = (i + 1) & r->ad.tmask)
		;
	r->ad.touched[i] = k;
	r->ad.ntouched++;
}

/*
 * Adoptions need not be durable one chunk at a time: one lost to a crash is
 * asked about again at the next start. So the store is committed (an
 * fsync) every ADOPT_COMMIT_EVERY of them, not at each loop turn, unless
 * something else was written meanwhile (an intent, an outcome: those are
 * committed at once as ever). Not in shared mode, whose store counts its
 * writes elsewhere.
 */
static uint64_t store_writes(struct reconcile *r)
{
	struct owner_stats os;

	owner_get_stats(r->o.owner, &os);
	return os.puts + os.dels;
}

/* before adoption writes: commit what others wrote since (their durability is not ours to delay) */
static void adopt_lazy_begin(struct reconcile *r)
{
	if (r->o.mine || (r->ad.lazy && store_writes(r) == r->ad.mark))
		return;
	if (owner_commit(r->o.owner)) {
		r->st.store_errors++;
		set_error(r, "store commit failed");
	}
	r->ad.lazy = 0;
}

/* may the flush leave the open batch uncommitted? Only adoptions in it, and not too many */
static bool adopt_lazy(struct reconcile *r)
{
	return !r->o.mine && r->ad.lazy && r->ad.lazy < ADOPT_COMMIT_EVERY &&
	       store_writes(r) == r->ad.mark;
}

static void adopt_end(struct reconcile *r, const char *why)
{
	int err = owner_commit(r->o.owner);

	if (err) {
		r->st.store_errors++;
		set_error(r, "store commit failed (%s)", ls_strerror(err));
	}
	pr_info("reconcile: adoption pass: %llu bindings adopted from DNS%s",
		(unsigned long long)r->ad.adopted, why);
	free(r->ad.q);
	free(r->ad.it);
	free(r->ad.touched);
	memset(&r->ad, 0, sizeof(r->ad));
}

/*
 * shared mode: the question for an unfinished remove: do the sides it is
 * to remove still hold our DHCID (a forward remove is two UPDATEs, the
 * address, then the DHCID once no address is left: a DHCID alone is a
 * remove half done)? false: a side's domain is no longer configured (the
 * remove is sent as it is).
 */
static bool remove_item(struct reconcile *r, const struct owner_rec *o, struct adopt_item *it)
{
	memset(it, 0, sizeof(*it));
	it->family = o->family;
	memcpy(it->addr, o->addr, sizeof(it->addr));
	snprintf(it->fqdn, sizeof(it->fqdn), "%s", o->fqdn);
	memcpy(it->dhcid, o->dhcid, DHCID_RDATA_LEN);
	it->fz = o->fwd ? zones_match(r->cfg->zones, o->fwd_zone, false) : NULL;
	it->rz = o->rev ? zones_match(r->cfg->zones, o->rev_zone, true) : NULL;
	it->by_query = true;	/* an intent of the leader before: DNS after the settle */
	return (!o->fwd || it->fz) && (!o->rev || it->rz);
}

size_t reconcile_adopt_next(struct reconcile *r, struct adopt_item **items)
{
	time_t now = now_wall(r);
	size_t chunk = r->adopt_chunk ? r->adopt_chunk : ADOPT_CHUNK;

	*items = NULL;
	if (!r->ad.active || r->ad.nit)
		return 0;
	if (r->ad.nintents && now_ms(r) < r->ad.not_before)
		return 0;	/* shared mode: the leader before may still have UPDATEs at the server */
	if (!r->ad.it) {
		r->ad.it = calloc(ADOPT_CHUNK, sizeof(*r->ad.it));
		if (!r->ad.it) {
			set_error(r, "adoption: out of memory");
			reconcile_adopt_done(r, -ENOMEM);
			return 0;
		}
	}
	while (r->ad.head < r->ad.nq && r->ad.nit < chunk) {
		const struct adopt_addr *a = &r->ad.q[r->ad.head++];
		struct adopt_item *it = &r->ad.it[r->ad.nit];
		struct lease l;
		struct want w;
		struct owner_rec o;

		/* shared mode: the leader before's unfinished remove, or add no longer wanted */
		if (undo_probe(r, a->family, a->addr, now, &o)) {
			if (remove_item(r, &o, it))
				r->ad.nit++;
			else
				adopt_release(r, a->family, a->addr);	/* cannot be asked: removed again */
			continue;
		}
		/* changed since it was queued: no longer live, or a binding of its own */
		if (!r->tab[a->family == 6] || leases_find_addr(r->tab[a->family == 6], a->addr, &l) ||
		    !lease_live(r, &l, now) || adopt_stale(r, a->family, a->addr) ||
		    !adopt_candidate(r, &l, now, &w)) {
			adopt_release(r, a->family, a->addr);
			continue;
		}
		memset(it, 0, sizeof(*it));
		it->family = a->family;
		memcpy(it->addr, a->addr, sizeof(it->addr));
		snprintf(it->fqdn, sizeof(it->fqdn), "%s", w.rec.fqdn);
		memcpy(it->dhcid, w.rec.dhcid, DHCID_RDATA_LEN);
		it->fz = w.fz;
		it->rz = w.rz;
		it->by_query = a->intent;	/* DNS after the settle, not a transfer from before it */
		r->ad.nit++;
	}
	if (!r->ad.nit) {
		adopt_end(r, "");
		return 0;
	}
	r->st.adopt_probed += r->ad.nit;
	*items = r->ad.it;
	return r->ad.nit;
}

/*
 * remove_left() - the sides of an unfinished remove still to send, given
 * what DNS answered: a side whose records are gone was removed (by the
 * leader before); one still there is removed again. Pure.
 */
void remove_left(uint8_t *fwd, uint8_t *rev, bool fwd_there, bool rev_there)
{
	*fwd = *fwd && fwd_there;
	*rev = *rev && rev_there;
}

/*
 * shared mode: an unfinished remove answered, or an unfinished add no
 * longer wanted (undo_probe()): only what DNS still holds is removed. The
 * add becomes a remove intent with the sides left.
 */
static void remove_answered(struct reconcile *r, const struct adopt_item *it, struct owner_rec *o)
{
	uint8_t fwd = o->fwd, rev = o->rev;
	bool undo = o->state == OWNER_ADDING;
	bool gone;

	if (!it->failed) {
		remove_left(&o->fwd, &o->rev, it->fwd_dhcid, it->rev_dhcid);
		gone = o->fwd != fwd || o->rev != rev;
		o->state = OWNER_REMOVING;
		if ((gone || undo) && !store_put(r, o) && gone) {
			if (undo)
				r->st.adds_found_absent++;
			else
				r->st.removes_found_applied++;
			pr_debug("reconcile: unfinished %s of '%s': %s",
				 undo ? "add no longer wanted" : "remove", o->fqdn,
				 !o->fwd && !o->rev ? "nothing of it in DNS" :
				 !o->fwd ? "its forward side not in DNS" : "its reverse side not in DNS");
		}
	}
	adopt_release(r, it->family, it->addr);	/* its sync removes what is left, or forgets it */
}

/* shared mode: an unfinished add of which one side is in DNS sends only the other */
static void note_landed(struct reconcile *r, const struct adopt_item *it)
{
	struct owner_rec o;
	struct ent *e = ent_get(r, it->family, it->addr, 1);	/* freed while DNS was asked */
	uint8_t landed = (uint8_t)((it->fz && it->fwd_ok ? 1 : 0) | (it->rz && it->rev_ok ? 2 : 0));

	if (e && landed && intent_probe(r, owner_get(r->o.owner, it->family, it->addr, &o), &o)) {
		e->landed = landed;
		pr_debug("reconcile: unfinished add '%s': %s side already in DNS", it->fqdn,
			 landed & 1 ? "forward" : "reverse");
	}
}

/* Store the chunk's leases whose records DNS already holds as ours; the rest take the add path. */
static void adopt_apply(struct reconcile *r, time_t now)
{
	uint64_t puts = 0;

	adopt_lazy_begin(r);
	for (size_t i = 0; i < r->ad.nit; i++) {
		const struct adopt_item *it = &r->ad.it[i];
		struct owner_rec o;
		struct want w;
		struct ent *e;
		char txt[INET6_ADDRSTRLEN];
		int err;

		if (undo_probe(r, it->family, it->addr, now, &o)) {
			remove_answered(r, it, &o);
			continue;
		}
		if ((it->fz && !it->fwd_ok) || (it->rz && !it->rev_ok) || it->failed) {
			if (!it->failed)
				note_landed(r, it);
			adopt_release(r, it->family, it->addr);	/* not (all) there, or not ours */
			continue;
		}
		if (adopt_stale(r, it->family, it->addr)) {
			adopt_release(r, it->family, it->addr);	/* changed since: DNS's answer is stale */
			continue;
		}
		desired(r, it->family, it->addr, 0, now, &w);
		err = owner_get(r->o.owner, it->family, it->addr, &o);
		if (err != -ENOENT && !intent_probe(r, err, &o))
			continue;	/* synced meanwhile (a lease change): that decision stands */
		if (!w.ok || strcmp(w.rec.fqdn, it->fqdn) || w.fz != it->fz || w.rz != it->rz ||
		    memcmp(w.rec.dhcid, it->dhcid, DHCID_RDATA_LEN)) {
			adopt_release(r, it->family, it->addr);
			continue;
		}
		w.rec.state = OWNER_ADDED;
		w.rec.created = w.rec.updated = now;
		if (store_put(r, &w.rec)) {
			adopt_release(r, it->family, it->addr);
			continue;
		}
		puts++;
		/* the binding is in place: nothing to sync (a lease dirty anyway still is) */
		e = ent_get(r, it->family, it->addr, 0);
		if (e) {
			e->adopt = 0;
			if (!e->queued && !e->busy)
				ent_put(r, e);
		}
		r->st.adopted++;
		if (++r->ad.adopted > ADOPT_LOG_MAX && log_get_level() < LOG_LVL_DEBUG)
			continue;
		addr_text(it->family, it->addr, txt, sizeof(txt));
		if (r->ad.adopted <= ADOPT_LOG_MAX)
			pr_info("reconcile: adopt %s '%s' fwd-zone '%s' rev-zone '%s' server '%s' (DHCID matches the lease's client)",
				txt, w.rec.fqdn, w.fz ? w.rec.fwd_zone : "-",
				w.rz ? w.rec.rev_zone : "-",
				server_of(r, w.fz ? w.rec.fwd_zone : w.rec.rev_zone, !w.fz));
		else
			pr_debug("reconcile: adopt %s '%s' fwd-zone '%s' rev-zone '%s' (DHCID matches the lease's client)",
				 txt, w.rec.fqdn, w.fz ? w.rec.fwd_zone : "-",
				 w.rz ? w.rec.rev_zone : "-");
	}
	if (puts && !r->o.mine) {
		r->ad.lazy += puts;
		r->ad.mark = store_writes(r);
	}
}

void reconcile_adopt_done(struct reconcile *r, int err)
{
	if (!r->ad.active)
		return;
	if (err) {
		/* nothing proven: everything of this round takes the add path */
		for (size_t i = 0; i < r->ad.nit; i++)
			adopt_release(r, r->ad.it[i].family, r->ad.it[i].addr);
		for (; r->ad.head < r->ad.nq; r->ad.head++)
			adopt_release(r, r->ad.q[r->ad.head].family, r->ad.q[r->ad.head].addr);
		if (err != -ECANCELED)
			set_error(r, "adoption: cannot query DNS (%s)", ls_strerror(err));
		adopt_end(r, err == -ECANCELED ? " (stopped by a reload)" :
			     " (stopped: DNS could not be queried)");
		return;
	}
	adopt_apply(r, now_wall(r));
	r->ad.nit = 0;
	if (r->ad.head >= r->ad.nq)
		adopt_end(r, "");
}

int reconcile_adopting(const struct reconcile *r)
{
	return r->ad.active;
}

size_t reconcile_adopt_left(const struct reconcile *r)
{
	return r->ad.active ? r->ad.nq - r->ad.head : 0;
}

void reconcile_adopt_chunk(struct reconcile *r, size_t n)
{
	r->adopt_chunk = n > ADOPT_CHUNK ? ADOPT_CHUNK : n;
}

/* ---- the full pass's queue (reconcile_full()) ---- */

static void fq_free(struct reconcile *r)
{
	free(r->fq);
	free(r->fq_ref);
	r->fq = NULL;
	r->fq_ref = NULL;
	r->fq_n = r->fq_pos = 0;
}

struct fq_build {
	struct reconcile *r;
	time_t now;
	size_t cap;
	uint64_t *owned[2];	/* per table: bit per lease handle whose address is owned */
	uint32_t nbits[2];
};

static int fq_push(struct reconcile *r, size_t *cap, int family, const uint8_t *addr,
		   uint32_t ref)
{
	if (r->fq_n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		struct owner_key *p = realloc(r->fq, nc * sizeof(*p));
		uint32_t *q;

		if (!p)
			return -ENOMEM;
		r->fq = p;
		q = realloc(r->fq_ref, nc * sizeof(*q));
		if (!q)
			return -ENOMEM;
		r->fq_ref = q;
		*cap = nc;
	}
	r->fq[r->fq_n].family = (uint8_t)family;
	memcpy(r->fq[r->fq_n].addr, addr, 16);
	r->fq_ref[r->fq_n] = ref;
	r->fq_n++;
	return 0;
}

static int fq_own(struct fq_build *b, int ti, uint32_t ref)
{
	if (ref >= b->nbits[ti]) {
		uint32_t nb = b->nbits[ti] ? b->nbits[ti] : 4096;
		uint64_t *p;

		while (nb <= ref)
			nb *= 2;
		p = realloc(b->owned[ti], nb / 8);
		if (!p)
			return -ENOMEM;
		memset((uint8_t *)p + b->nbits[ti] / 8, 0, (nb - b->nbits[ti]) / 8);
		b->owned[ti] = p;
		b->nbits[ti] = nb;
	}
	b->owned[ti][ref / 64] |= 1ULL << (ref % 64);
	return 0;
}

/* a live lease not owned yet: checked after the owned bindings */
static int fq_lease(void *ctx, const struct lease *l)
{
	struct fq_build *b = ctx;
	int ti = FAMILY_IDX(l->family);

	if (!lease_live(b->r, l, b->now) || not_mine(b->r, l->family, l->addr))
		return 0;
	if (l->ref < b->nbits[ti] && (b->owned[ti][l->ref / 64] >> (l->ref % 64) & 1))
		return 0;	/* its binding's key is in the queue already */
	return fq_push(b->r, &b->cap, l->family, l->addr, l->ref);
}

/*
 * The queue of a full pass: @keys (the store's, in key order; taken over),
 * then every live lease whose address is not among them, in table order:
 * the order, and the set, the pass used to mark one by one.
 */
static int fq_build(struct reconcile *r, struct owner_key *keys, size_t n, time_t now)
{
	struct fq_build b = { .r = r, .now = now, .cap = n };
	int err = 0;

	fq_free(r);
	r->fq = keys;
	r->fq_ref = malloc((n ? n : 1) * sizeof(*r->fq_ref));
	if (!r->fq_ref)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		const struct leases *t;
		uint32_t ref;

		if (keys[i].family != 4 && keys[i].family != 6)
			continue;
		t = r->tab[FAMILY_IDX(keys[i].family)];
		ref = t ? leases_ref(t, keys[i].addr) : 0;
		r->fq_ref[r->fq_n] = ref;
		keys[r->fq_n++] = keys[i];
		if (ref)
			err = fq_own(&b, FAMILY_IDX(keys[i].family), ref);
	}
	for (int i = 0; i < 2 && !err; i++)
		if (r->tab[i])
			err = leases_foreach(r->tab[i], fq_lease, &b);
	free(b.owned[0]);
	free(b.owned[1]);
	return err;
}

/* @k is still to be checked by the full pass under way */
static bool fq_has(const struct reconcile *r, int family, const uint8_t *addr)
{
	size_t alen = family == 4 ? 4 : 16;

	for (size_t i = r->fq_pos; i < r->fq_n; i++)
		if (r->fq[i].family == family && !memcmp(r->fq[i].addr, addr, alen))
			return true;
	return false;
}

/*
 * One address of the full pass's queue. One with an entry (in flight,
 * dirty, refused lately, waiting for adoption) is marked, so it is synced
 * as its entry says; any other is synced at once on an entry of the stack,
 * and only a change sent makes it a real one.
 */
static int fq_sync(struct reconcile *r, const struct owner_key *k, uint32_t ref, time_t now)
{
	struct ent tmp = { .family = k->family, .full = 1, .lease_ref = ref }, *e;
	size_t nout = r->nout;
	int err;

	if (not_mine(r, k->family, k->addr))
		return 0;
	if (ent_find(r, k->family, k->addr)) {
		mark(r, k->family, k->addr, 0, 1);
		return 0;
	}
	r->sync_trigger_ms = 0;	/* no lease change behind it: not timed in dns.stages */
	memcpy(tmp.addr, k->addr, 16);
	err = sync_one(r, &tmp, now);
	if (r->nout == nout)
		return err;
	/* a change went out for it: it needs an entry the engine can hand back */
	e = ent_get(r, k->family, k->addr, 1);
	if (!e) {
		r->nout--;
		r->ninflight--;
		set_error(r, "out of memory for a change in flight");
		return err ? err : -ENOMEM;
	}
	tmp.next = e->next;
	tmp.full = 0;
	tmp.lease_ref = 0;	/* a hint for this pass only */
	*e = tmp;
	r->out[r->nout - 1].user = e;
	return err;
}

int reconcile_full(struct reconcile *r)
{
	struct full_ctx f = { r, now_wall(r), false };
	struct owner_key *keys;
	size_t n;
	int err;

	err = owner_keys(r->o.owner, &keys, &n);
	if (err) {
		r->st.store_errors++;
		set_error(r, "full reconciliation cannot list the store (%s)", ls_strerror(err));
		return err;
	}
	r->st.no_name = r->st.no_zone = 0;
	/*
	 * a new adoption round, or in shared mode the one running: every owned
	 * address marked now (a takeover's unfinished removes queued for DNS's
	 * answer), leases without a binding queued (a new round), unfinished
	 * adds queued (shared mode)
	 */
	if ((adopt_on(r) || r->o.mine) && (!r->ad.active || r->o.mine)) {
		fq_free(r);
		if (!r->ad.active) {
			f.adopt = true;
			r->ad.active = true;
		}
		for (size_t i = 0; i < n; i++) {
			struct owner_rec o;

			if (keys[i].family != 4 && keys[i].family != 6)
				continue;
			if (queued_intent(r, keys[i].family, keys[i].addr))
				continue;	/* a round under way asks DNS about it already */
			/* shared mode: an unfinished remove (or unwanted add) of the leader before: DNS first */
			if (!not_mine(r, keys[i].family, keys[i].addr) &&
			    undo_probe(r, keys[i].family, keys[i].addr, f.now, &o) &&
			    !adopt_queue(r, keys[i].family, keys[i].addr, true)) {
				intent_queued(r);
				continue;
			}
			mark(r, keys[i].family, keys[i].addr, 0, 1);
		}
		free(keys);
		for (int i = 0; i < 2; i++)
			if (r->tab[i])
				leases_foreach(r->tab[i], full_lease, &f);
	} else if ((err = fq_build(r, keys, n, f.now))) {
		fq_free(r);	/* no memory for the queue: the next pass tries again */
		set_error(r, "full reconciliation: out of memory for its queue");
		return err;
	}
	r->st.full_runs++;
	if (f.adopt && !r->ad.nq)
		adopt_end(r, "");
	if (r->ad.nintents && r->ad.not_before > now_ms(r))
		pr_info("reconcile: %zu unfinished adds and removes of the shards' leader before: DNS is asked in %llu ms, when all it may have sent is applied",
			r->ad.nintents, (unsigned long long)(r->ad.not_before - now_ms(r)));
	pr_info("reconcile: full reconciliation of %zu owned bindings and the active leases (%zu addresses to check%s)",
		n, r->nqueued + r->fq_n, r->ad.nq ? ", the others after DNS is asked about adoption" : "");
	return 0;
}

int reconcile_retire_zones(struct reconcile *r, const struct zones *keep)
{
	struct owner_key *keys;
	struct owner_rec o;
	size_t n;
	int cnt = 0;

	if (owner_keys(r->o.owner, &keys, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct ent *e;
		int fwd, rev;

		if (owner_get(r->o.owner, keys[i].family, keys[i].addr, &o))
			continue;
		fwd = o.fwd && *o.fwd_zone && !zones_match(keep, o.fwd_zone, false);
		rev = o.rev && *o.rev_zone && !zones_match(keep, o.rev_zone, true);
		if (!fwd && !rev)
			continue;
		/*
		 * the whole binding goes (intent recorded now); the next sync, under
		 * the new configuration, adds back what it still wants
		 */
		o.state = OWNER_REMOVING;
		if (store_put(r, &o))
			continue;
		mark(r, o.family, o.addr, 0, 0);
		e = ent_get(r, o.family, o.addr, 0);
		if (e)
			e->retire = 1;
		cnt++;
	}
	free(keys);
	return cnt;
}

/*
 * One info line with what happened since the last one (decisions, sends,
 * outcomes), at most every LOG_SUMMARY_S and only when something did: at
 * 1M leases, info gets this instead of one line per change.
 */
static void log_summary(struct reconcile *r)
{
	const struct reconcile_stats *b = &r->sum_base, *s = &r->st;
	uint64_t now = now_ms(r);

	if (r->sum_at_ms && now - r->sum_at_ms < LOG_SUMMARY_S * 1000)
		return;
	if (!r->decided[0] && !r->decided[1] && s->adds == b->adds && s->removes == b->removes &&
	    s->applied == b->applied && s->conflicts == b->conflicts && s->failed == b->failed)
		return;
	pr_info("reconcile: %llu add(s), %llu removal(s) decided (each at log-level debug); last %llu s: %llu adds and %llu removes sent, %llu applied, %llu conflicts, %llu failed (per side); %llu queued, %llu in flight",
		(unsigned long long)r->decided[0], (unsigned long long)r->decided[1],
		(unsigned long long)(r->sum_at_ms ? (now - r->sum_at_ms) / 1000 : 0),
		(unsigned long long)(s->adds - b->adds), (unsigned long long)(s->removes - b->removes),
		(unsigned long long)(s->applied - b->applied),
		(unsigned long long)(s->conflicts - b->conflicts),
		(unsigned long long)(s->failed - b->failed), (unsigned long long)r->nqueued,
		(unsigned long long)r->ninflight);
	r->decided[0] = r->decided[1] = 0;
	r->sum_base = *s;
	r->sum_at_ms = now ? now : 1;
}

void reconcile_repair(struct reconcile *r, int family, const uint8_t *addr)
{
	struct ent *e;

	mark(r, family, addr, 0, 0);
	e = ent_get(r, family, addr, 0);
	if (e)
		e->force = 2;	/* an owned, unchanged binding: its add is sent again */
}

void reconcile_tick(struct reconcile *r)
{
	log_summary(r);
	pend_recheck(r, 0);
	if (now_ms(r) >= r->next_full_ms) {
		r->next_full_ms = now_ms(r) + (uint64_t)r->cfg->full_reconcile_s * 1000;
		reconcile_full(r);
	}
}

int reconcile_flush(struct reconcile *r)
{
	time_t now = now_wall(r);
	size_t budget = SYNC_BUDGET;
	int err = 0;

	if (r->precheck) {
		r->precheck = 0;
		pend_recheck(r, 1);
	}
	r->nout = 0;
	while ((r->qhead || r->fq_pos < r->fq_n) && budget-- &&
	       r->ninflight < r->cfg->max_inflight) {
		struct ent *e = r->qhead;

		if (!e) {
			/* the dirty FIFO is empty: the full pass's next address */
			err = fq_sync(r, &r->fq[r->fq_pos], r->fq_ref[r->fq_pos], now);
			r->fq_pos++;
			if (r->fq_pos == r->fq_n)
				fq_free(r);
			if (err)
				break;
			continue;
		}
		r->qhead = e->qnext;
		if (!r->qhead)
			r->qtail = NULL;
		e->queued = 0;
		r->nqueued--;
		r->sync_trigger_ms = stampq_pop(&r->qstamp);
		if (e->full && !e->why && !e->retire && e->hold_ms > now_ms(r)) {
			/* refused for good in a row lately: this full pass leaves it alone */
			r->st.held++;
			e->full = 0;
			continue;
		}
		if (not_mine(r, e->family, e->addr)) {
			/* shared mode: its shard went to another instance since it was marked */
			e->full = 0;
			e->why = 0;
			ent_put(r, e);
			continue;
		}
		err = sync_one(r, e, now);
		e->full = 0;
		e->why = 0;
		if (err)
			break;
		if (!e->busy)
			ent_put(r, e);
	}
	log_summary(r);
	/* the intents are durable before anything reaches DNS (adoptions alone may wait) */
	if (!err && !adopt_lazy(r)) {
		err = owner_commit(r->o.owner);
		r->ad.lazy = 0;
	}
	if (err) {
		r->st.store_errors++;
		set_error(r, "store commit failed (%s)", ls_strerror(err));
		pr_err_rl("reconcile: cannot commit the ownership store (%s); nothing sent",
		       ls_strerror(err));
		/* undo: the store did not take the intents, so send none of them */
		for (size_t i = 0; i < r->nout; i++) {
			struct ent *e = r->out[i].user;

			e->busy = 0;
			r->ninflight--;
			mark(r, e->family, e->addr, 0, 0);
		}
		r->nout = 0;
		return err;
	}
	for (size_t i = 0; i < r->nout; i++) {
		int e2 = r->o.submit(r->o.submit_ctx, &r->out[i]);

		if (e2) {
			struct dnsengine_result res = { DNSENGINE_FORMERR, DNSENGINE_FORMERR, true };

			set_error(r, "cannot submit '%s' (%s)", r->out[i].fqdn, ls_strerror(e2));
			res.fwd = r->out[i].fwd ? DNSENGINE_FORMERR : DNSENGINE_SKIPPED;
			res.rev = r->out[i].rev ? DNSENGINE_FORMERR : DNSENGINE_SKIPPED;
			reconcile_done(r, &r->out[i], &res);
		}
	}
	r->nout = 0;
	return reconcile_ready(r);
}

int reconcile_ready(const struct reconcile *r)
{
	/* dirty work waiting for an in-flight slot is not work for now: a reply frees one */
	return (r->qhead || r->fq_pos < r->fq_n) && r->ninflight < r->cfg->max_inflight;
}

void reconcile_forget_inflight(struct reconcile *r)
{
	for (size_t i = 0; i < r->nbuckets; i++)
		for (struct ent *e = r->buckets[i]; e; e = e->next)
			if (e->busy) {
				e->busy = 0;
				e->redirty = 0;
				mark(r, e->family, e->addr, 0, 0);
			}
	r->ninflight = 0;
}

int reconcile_idle(const struct reconcile *r)
{
	return !r->qhead && r->fq_pos >= r->fq_n && !r->ninflight && !r->pn && !r->ad.active;
}

void reconcile_get_stats(const struct reconcile *r, struct reconcile_stats *st)
{
	*st = r->st;
	st->pending = r->pn;
	st->dirty = r->nqueued + (r->fq_n - r->fq_pos);
	st->inflight = r->ninflight;
}

int reconcile_zone_stats(const struct reconcile *r, size_t i, struct reconcile_zone_stats *st)
{
	if (i >= r->nzs)
		return -ENOENT;
	st->name = r->zs[i].name;
	st->domain = zones_match(r->cfg->zones, r->zs[i].name, strstr(r->zs[i].name, ".arpa.") != NULL);
	st->applied = r->zs[i].applied;
	st->conflict = r->zs[i].conflict;
	st->failed = r->zs[i].failed;
	return 0;
}

const char *reconcile_last_error(const struct reconcile *r)
{
	return r->last_error;
}

int reconcile_explain(const struct reconcile *r, int family, const uint8_t *addr,
		      struct reconcile_explain *x)
{
	size_t alen = family == 4 ? 4 : 16;
	const struct ent *e;
	struct want w;

	if (family != 4 && family != 6)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	decide(r, family, addr, 0, now_wall(r), &w, &x->lease);
	x->has_lease = w.has_lease;
	x->ok = w.ok;
	x->why_not = w.why_not;
	x->bad_name = w.bad_name;
	x->no_fwd_zone = w.no_fwd_zone;
	snprintf(x->fqdn, sizeof(x->fqdn), "%s", w.fqdn);
	x->fz = w.fz;
	x->rz = w.rz;
	if (w.ok) {
		memcpy(x->dhcid, w.rec.dhcid, DHCID_RDATA_LEN);
		x->ttl = w.rec.ttl;
	}
	e = ent_find(r, family, addr);
	if (e) {
		uint64_t ms = now_ms(r);

		x->dirty = e->queued || fq_has(r, family, addr);
		x->in_flight = e->busy;
		x->fails = e->fails;
		x->held_ms = e->fails > 1 && e->hold_ms > ms ? e->hold_ms - ms : 0;
		x->last_op = e->last_op;
		x->last_fwd = (enum dnsengine_outcome)e->last_fwd;
		x->last_rev = (enum dnsengine_outcome)e->last_rev;
	} else {
		x->dirty = fq_has(r, family, addr);
	}
	for (size_t i = 0; i < r->pn; i++) {
		const struct pend *p = &r->pend[(r->phead + i) % r->pcap];

		if (p->family == family && !memcmp(p->addr, addr, alen))
			x->pending_wire++;
	}
	return 0;
}
