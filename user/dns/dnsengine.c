// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dnsengine.c - batching, RFC 4703 sequences and retries.
 *
 * A change is split into a forward unit and a reverse unit. A unit is one
 * owner name at one step of its sequence (e.g. "add, name not in use" then
 * "replace, DHCID matches"). Units wait in a FIFO per domain; a batch takes
 * the oldest units whose owner name has nothing in flight (so two changes
 * to one name never share a message and stay in order), up to the message
 * limits, and becomes one signed UPDATE. RFC 2136 §3.2 makes the
 * prerequisites of a message all-or-nothing: if a batch fails on them, it
 * is split in halves and both are sent again, until the failing unit is
 * alone and takes the next step of its own sequence. As in Kea D2, the
 * reverse unit runs after the forward one succeeded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "user/dns/dnsengine.h"
#include "user/dns/dnsio.h"
#include "user/dns/dnsmsg.h"
#include "user/dns/pace.h"
#include "user/dns/rrplan.h"
#include "user/dns/gss.h"
#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/dns/tsig.h"

struct change;

struct unit {
	struct change *ch;
	bool rev;
	enum rrplan_step step;
	const char *owner;
	struct zq *zq;
	struct unit *next;		/* queue link */
	struct unit *hnext;		/* busy-hash link */
	uint64_t queued_ns;		/* queued and not yet sent (DNSENGINE_STAGE_QUEUE); 0: sent */
};

struct change {
	struct dnsengine_change c;
	char fqdn[ZONES_NAME_MAX];
	char rname[80];
	struct dnsengine_result res;
	struct unit fu, ru;
	bool started;			/* a unit of it went into a message */
	bool superseded;		/* reported final; dropped from its queue when met */
	struct change *pnext;		/* pending-by-key hash link, while not started */
	uint64_t submit_ns;		/* DNSENGINE_STAGE_CHANGE starts */
};

struct zq {
	const struct zones_domain *dom;
	struct unit *head, *tail;
	size_t len;
	unsigned int inflight;
	unsigned int attempt;
	uint64_t retry_at;
	struct dnsio_peer **peers;
	struct dnsengine_server_stats *sst;	/* per server, same index as peers */
	struct hold *hold;			/* per server, same index as peers */
	struct pace *pace;			/* per server, same index as peers */
	unsigned int *silent;			/* per server: timeouts in a row */
	struct batch *ready, *ready_tail;	/* built, waiting for an in-flight slot */
	size_t fill;				/* changes the last message the size limit cut held; 0: none */
	struct gss_peer **gp;			/* per server: its GSS-TSIG contexts, or NULL */
};

/*
 * A server that refused a whole message for reasons no subset of it could
 * avoid (our key, or it is not authoritative) gets no UPDATE for this zone
 * until @until; each refusal in a row doubles the wait, up to backoff_max_ms.
 */
struct hold {
	uint64_t until;			/* dnsio_now_ms() */
	unsigned int refusals;		/* in a row; a verified answer resets it */
};

struct batch {
	struct dnsengine *e;
	struct zq *zq;
	struct unit **u;
	size_t n;
	struct dnsio_peer *peer;
	size_t srv;			/* index of peer in zq->peers */
	uint64_t sent_ns;		/* CLOCK_MONOTONIC when handed to the transport */
	const struct tsig_key *key;
	struct gss_ctx *gctx;		/* the GSS-TSIG context @key belongs to, held until the reply */
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	bool sent;			/* handed to the transport at least once */
	bool resent;			/* an earlier send of it may have been applied */
	bool verify;			/* this send only checks that it is already in place */
	bool slow;			/* this send passed its timeout on TCP and waits on */
	struct batch *qnext;		/* zq->ready link */
	struct batch *bprev, *bnext;	/* every batch in flight, for dnsengine_free() */
};

#define BUSY_BUCKETS 65536
#define TSIG_ROOM 400		/* key name + algorithm name + MAC + fixed fields, bounded */
#define GSS_REJECTS_RETRIED 3	/* GSS-TSIG refusals in a row retried, each with a new context */

struct dnsengine {
	const struct zones *z;
	struct dnsengine_opts o;
	dnsengine_done_fn cb;
	void *cbarg;
	struct dnsio *io;
	struct gss *gss;		/* GSS-TSIG contexts, when a server uses them */
	struct zq *zqs;
	size_t nzq;
	struct unit *busy[BUSY_BUCKETS];
	struct change *pend[BUSY_BUCKETS];	/* queued, not started: by name + address */
	struct batch *batches;
	struct dnsengine_stats st;
	struct dnsengine_stage_stats stage;
	uint64_t log_start;		/* per-change error lines: this window's start, count, rest */
	unsigned int log_n;
	uint64_t log_dropped;
};

#define LOG_BURST 20		/* per-change error lines per LOG_WINDOW_MS, then one count */
#define LOG_WINDOW_MS 60000

/*
 * 1 ms … 30 s: a loopback server answers a small UPDATE in about a
 * millisecond, a 1,000-change one in hundreds; the default timeout is 2 s,
 * and a reply can still arrive up to the largest configured timeout.
 */
const double dnsengine_lat_bounds[DNSENGINE_LAT_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

/* Rate limit for lines about single changes: LOG_BURST per window, then a count. */
static bool log_allow(struct dnsengine *e)
{
	uint64_t now = dnsio_now_ms();

	if (!e->log_start || now - e->log_start >= LOG_WINDOW_MS) {
		if (e->log_dropped)
			pr_err("dnsengine: %llu more refused changes not logged in the last %d s (see --stats)",
			       (unsigned long long)e->log_dropped, LOG_WINDOW_MS / 1000);
		e->log_start = now;
		e->log_n = 0;
		e->log_dropped = 0;
	}
	if (e->log_n < LOG_BURST) {
		e->log_n++;
		return true;
	}
	e->log_dropped++;
	return false;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int lat_bucket(double sec)
{
	int i;

	for (i = 0; i < DNSENGINE_LAT_BUCKETS; i++)
		if (sec <= dnsengine_lat_bounds[i])
			break;
	return i;
}

/* @n samples of stage @s, @sec long each */
static void stage_add(struct dnsengine *e, enum dnsengine_stage s, double sec, uint64_t n)
{
	e->stage.lat[s][lat_bucket(sec)] += n;
	e->stage.sum[s] += sec * (double)n;
}

/* one sample of @s, @ns long */
static void stage_observe(struct dnsengine *e, enum dnsengine_stage s, uint64_t ns)
{
	stage_add(e, s, (double)ns / 1e9, 1);
}

static const char *const outcome_names[DNSENGINE_OUTCOME_MAX_] = {
	[DNSENGINE_PENDING] = "pending", [DNSENGINE_APPLIED] = "applied",
	[DNSENGINE_CONFLICT] = "conflict", [DNSENGINE_SKIPPED] = "skipped",
	[DNSENGINE_NOZONE] = "nozone", [DNSENGINE_REFUSED] = "refused",
	[DNSENGINE_NOTAUTH] = "notauth", [DNSENGINE_NOTZONE] = "notzone",
	[DNSENGINE_FORMERR] = "formerr", [DNSENGINE_BADSIG] = "badsig",
	[DNSENGINE_BADKEY] = "badkey", [DNSENGINE_BADTIME] = "badtime",
	[DNSENGINE_TIMEOUT] = "timeout", [DNSENGINE_NETERR] = "neterr",
	[DNSENGINE_SUPERSEDED] = "superseded",
};

const char *dnsengine_outcome_name(enum dnsengine_outcome o)
{
	return o < DNSENGINE_OUTCOME_MAX_ ? outcome_names[o] : "?";
}

int dnsengine_mode_parse(const char *s)
{
	static const char *const m[] = { "check-with-dhcid", "no-check-with-dhcid",
					  "check-exists-with-dhcid", "no-check-without-dhcid" };

	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, m[i]))
			return i;
	return -EINVAL;
}

void dnsengine_opts_default(struct dnsengine_opts *o)
{
	o->max_changes_per_msg = 1000;
	o->max_msg_bytes = 65535;
	o->max_inflight_per_zone = 4;
	o->timeout_ms = 2000;
	o->timeout_max_ms = 15000;
	o->latency_target_ms = 1000;
	o->backoff_base_ms = 100;
	o->backoff_max_ms = 30000;
	o->udp_single = true;
}

int dnsengine_new(struct dnsengine **out, const struct zones *z, const struct dnsengine_opts *o,
		  dnsengine_done_fn cb, void *cbarg)
{
	struct dnsengine *e;
	size_t nf = zones_count(z, false), nr = zones_count(z, true);
	struct pace_limits lim;
	int err;

	if (!cb)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->z = z;
	if (o)
		e->o = *o;
	else
		dnsengine_opts_default(&e->o);
	if (!e->o.max_changes_per_msg || e->o.max_msg_bytes < 512 || !e->o.max_inflight_per_zone ||
	    e->o.max_msg_bytes > 65535) {
		free(e);
		return -EINVAL;
	}
	if (!e->o.timeout_ms)
		e->o.timeout_ms = 2000;
	if (!e->o.latency_target_ms)
		e->o.latency_target_ms = 1000;
	if (e->o.timeout_max_ms < e->o.timeout_ms)
		e->o.timeout_max_ms = e->o.timeout_ms > 15000 ? e->o.timeout_ms : 15000;
	lim = (struct pace_limits){
		.rto_init_ms = e->o.timeout_ms, .rto_min_ms = e->o.timeout_ms,
		.rto_max_ms = e->o.timeout_max_ms,
		.batch_min = e->o.max_changes_per_msg < 10 ? e->o.max_changes_per_msg : 10,
		.batch_max = e->o.max_changes_per_msg, .window_max = e->o.max_inflight_per_zone,
		.target_ms = e->o.latency_target_ms,
	};
	e->cb = cb;
	e->cbarg = cbarg;
	err = dnsio_new(&e->io);
	if (err)
		goto fail;
	e->zqs = calloc(nf + nr + 1, sizeof(*e->zqs));
	if (!e->zqs) {
		err = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nf + nr; i++) {
		struct zq *q = &e->zqs[e->nzq++];

		q->dom = zones_domain_at(z, i >= nf, i >= nf ? i - nf : i);
		q->peers = calloc(q->dom->nservers + 1, sizeof(*q->peers));
		q->sst = calloc(q->dom->nservers + 1, sizeof(*q->sst));
		q->hold = calloc(q->dom->nservers + 1, sizeof(*q->hold));
		q->pace = calloc(q->dom->nservers + 1, sizeof(*q->pace));
		q->silent = calloc(q->dom->nservers + 1, sizeof(*q->silent));
		q->gp = calloc(q->dom->nservers + 1, sizeof(*q->gp));
		if (!q->peers || !q->sst || !q->hold || !q->pace || !q->silent || !q->gp) {
			err = -ENOMEM;
			goto fail;
		}
		for (size_t s = 0; s < q->dom->nservers; s++) {
			const struct zones_server *sv = &q->dom->servers[s];

			q->peers[s] = dnsio_peer_get(e->io, (const struct sockaddr *)&sv->addr,
						     sv->addr_len, sv->text);
			q->sst[s].server = sv->text;
			q->sst[s].zone = q->dom->name;
			pace_init(&q->pace[s], &lim);
			if (!q->peers[s]) {
				err = -ENOMEM;
				goto fail;
			}
			if (!sv->gss)
				continue;
			if (!e->gss && (err = gss_new(&e->gss, e->io)))
				goto fail;
			q->gp[s] = gss_peer_get(e->gss, q->peers[s], sv->gss);
			if (!q->gp[s]) {
				err = -ENOMEM;
				goto fail;
			}
		}
	}
	*out = e;
	return 0;
fail:
	dnsengine_free(e);
	return err;
}

static void batch_free(struct batch *b);

void dnsengine_free(struct dnsengine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nzq; i++) {
		struct unit *u = e->zqs[i].head;

		while (u) {
			struct unit *n = u->next;

			free(u->ch);	/* one unit of a change is queued at a time */
			u = n;
		}
		free(e->zqs[i].peers);
		free(e->zqs[i].sst);
		free(e->zqs[i].hold);
		free(e->zqs[i].pace);
		free(e->zqs[i].silent);
		free(e->zqs[i].gp);
	}
	while (e->batches) {
		struct batch *b = e->batches;

		for (size_t i = 0; i < b->n; i++)
			free(b->u[i]->ch);
		batch_free(b);
	}
	dnsio_free(e->io);	/* no callback after this: the TKEY exchanges go with it */
	gss_free(e->gss);
	free(e->zqs);
	free(e);
}

static struct zq *zq_of(struct dnsengine *e, const struct zones_domain *d)
{
	for (size_t i = 0; i < e->nzq; i++)
		if (e->zqs[i].dom == d)
			return &e->zqs[i];
	return NULL;
}

/* ---- owner names in flight ---- */

static unsigned int name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h % BUSY_BUCKETS;
}

static bool busy_has(struct dnsengine *e, const char *name)
{
	for (struct unit *u = e->busy[name_hash(name)]; u; u = u->hnext)
		if (!strcmp(u->owner, name))
			return true;
	return false;
}

static void busy_add(struct dnsengine *e, struct unit *u)
{
	unsigned int h = name_hash(u->owner);

	u->hnext = e->busy[h];
	e->busy[h] = u;
}

static void busy_del(struct dnsengine *e, struct unit *u)
{
	for (struct unit **pp = &e->busy[name_hash(u->owner)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == u) {
			*pp = u->hnext;
			u->hnext = NULL;
			return;
		}
	}
}

/* ---- changes not yet started, by name and address (for superseding) ---- */

static unsigned int pend_hash(const struct change *ch)
{
	uint32_t h = name_hash(ch->fqdn);

	for (int i = 0; i < 16; i++)
		h = (h ^ ch->c.addr[i]) * 16777619u;
	return (h ^ (uint32_t)ch->c.family) % BUSY_BUCKETS;
}

static bool same_lease(const struct change *a, const struct change *b)
{
	return a->c.family == b->c.family && !memcmp(a->c.addr, b->c.addr, 16) &&
	       !strcmp(a->fqdn, b->fqdn);
}

static void pend_del(struct dnsengine *e, struct change *ch)
{
	for (struct change **pp = &e->pend[pend_hash(ch)]; *pp; pp = &(*pp)->pnext) {
		if (*pp == ch) {
			*pp = ch->pnext;
			ch->pnext = NULL;
			return;
		}
	}
}

/* ---- queues ---- */

static void q_push_tail(struct zq *q, struct unit *u)
{
	u->next = NULL;
	if (q->tail)
		q->tail->next = u;
	else
		q->head = u;
	q->tail = u;
	q->len++;
}

/* Put @n units back at the head, keeping their order. */
static void q_push_front(struct zq *q, struct unit **u, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		u[i]->next = q->head;
		q->head = u[i];
		if (!q->tail)
			q->tail = u[i];
		q->len++;
	}
}

/* ---- outcomes ---- */

static void change_finish(struct dnsengine *e, struct change *ch)
{
	pend_del(e, ch);
	stage_observe(e, DNSENGINE_STAGE_CHANGE, now_ns() - ch->submit_ns);
	e->st.finished++;
	e->st.pending--;
	if (ch->res.fwd == DNSENGINE_APPLIED || ch->res.rev == DNSENGINE_APPLIED)
		e->st.applied++;
	if (ch->res.fwd == DNSENGINE_CONFLICT || ch->res.rev == DNSENGINE_CONFLICT)
		e->st.conflicts++;
	else if ((ch->res.fwd != DNSENGINE_APPLIED && ch->res.fwd != DNSENGINE_SKIPPED) ||
		 (ch->res.rev != DNSENGINE_APPLIED && ch->res.rev != DNSENGINE_SKIPPED))
		e->st.failed++;
	ch->res.final = true;
	e->cb(e->cbarg, &ch->c, &ch->res);
	free(ch);
}

static void unit_enqueue(struct dnsengine *e, struct unit *u, bool front);

/* Start the reverse side, or finish. */
static void start_rev(struct dnsengine *e, struct change *ch)
{
	struct unit *u = &ch->ru;
	const struct zones_domain *d;

	if (!ch->c.rev) {
		ch->res.rev = DNSENGINE_SKIPPED;
		change_finish(e, ch);
		return;
	}
	if (ch->c.fwd && ch->res.fwd != DNSENGINE_APPLIED && ch->res.fwd != DNSENGINE_NOZONE) {
		/* Kea D2: the PTR follows the forward change only when that succeeded */
		ch->res.rev = DNSENGINE_SKIPPED;
		change_finish(e, ch);
		return;
	}
	d = zones_match(e->z, ch->rname, true);
	if (!d) {
		ch->res.rev = DNSENGINE_NOZONE;
		pr_warn("dnsengine: no reverse domain for '%s' (%s)", ch->rname,
			ls_strerror(LS_EDNS_NOZONE));
		change_finish(e, ch);
		return;
	}
	u->zq = zq_of(e, d);
	unit_enqueue(e, u, false);
}

static void unit_final(struct dnsengine *e, struct unit *u, enum dnsengine_outcome o)
{
	struct change *ch = u->ch;

	if (u->rev) {
		ch->res.rev = o;
		change_finish(e, ch);
	} else {
		ch->res.fwd = o;
		start_rev(e, ch);
	}
}

static void unit_enqueue(struct dnsengine *e, struct unit *u, bool front)
{
	(void)e;
	u->queued_ns = now_ns();
	if (front)
		q_push_front(u->zq, &u, 1);
	else
		q_push_tail(u->zq, u);
}

int dnsengine_submit(struct dnsengine *e, const struct dnsengine_change *c)
{
	struct change *ch;
	const struct zones_domain *d;

	if ((c->family != 4 && c->family != 6) || (!c->fwd && !c->rev) ||
	    c->mode > DNSENGINE_NO_CHECK_WITHOUT_DHCID || c->op > DNSENGINE_REMOVE ||
	    (c->prefix_len && (c->family != 6 || c->prefix_len > 127 || c->fwd)))
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->c = *c;
	ch->submit_ns = now_ns();
	/*
	 * a name that cannot be published (the root …) is never added; removing
	 * one (a PTR to the root an older release made) stays possible
	 */
	if (zones_name_canon(c->fqdn, ch->fqdn, sizeof(ch->fqdn)) ||
	    (c->op == DNSENGINE_ADD && zones_name_check(ch->fqdn, NULL)) ||
	    (c->prefix_len ? zones_reverse_prefix(c->addr, c->prefix_len, ch->rname,
						  sizeof(ch->rname)) :
	     zones_reverse_name(c->family, c->addr, ch->rname, sizeof(ch->rname)))) {
		free(ch);
		return -EINVAL;
	}
	ch->fu = (struct unit){ .ch = ch, .rev = false, .owner = ch->fqdn,
				.step = c->op == DNSENGINE_ADD ? RRPLAN_FWD_ADD : RRPLAN_FWD_REM_ADDR };
	ch->ru = (struct unit){ .ch = ch, .rev = true, .owner = ch->rname,
				.step = c->op == DNSENGINE_ADD ? RRPLAN_REV_ADD : RRPLAN_REV_REM };
	e->st.submitted++;
	e->st.pending++;
	if (c->trigger_ms) {
		uint64_t now = dnsio_now_ms();

		stage_observe(e, DNSENGINE_STAGE_TRIGGER,
			      now > c->trigger_ms ? (now - c->trigger_ms) * 1000000 : 0);
	}
	{
		unsigned int h = pend_hash(ch);

		for (struct change *o = e->pend[h]; o; o = o->pnext) {
			if (!same_lease(o, ch))
				continue;
			/* never sent: the newer intent replaces it; its unit is dropped when met */
			pend_del(e, o);
			o->superseded = true;
			o->res.fwd = o->c.fwd ? DNSENGINE_SUPERSEDED : DNSENGINE_SKIPPED;
			o->res.rev = o->c.rev ? DNSENGINE_SUPERSEDED : DNSENGINE_SKIPPED;
			o->res.final = true;
			e->st.superseded++;
			e->st.finished++;
			e->st.pending--;
			e->cb(e->cbarg, &o->c, &o->res);
			break;
		}
		ch->pnext = e->pend[h];
		e->pend[h] = ch;
	}
	if (!c->fwd) {
		ch->res.fwd = DNSENGINE_SKIPPED;
		start_rev(e, ch);
		return 0;
	}
	d = zones_match(e->z, ch->fqdn, false);
	if (!d) {
		pr_warn("dnsengine: no forward domain for '%s' (%s)", ch->fqdn,
			ls_strerror(LS_EDNS_NOZONE));
		ch->res.fwd = DNSENGINE_NOZONE;
		start_rev(e, ch);
		return 0;
	}
	ch->fu.zq = zq_of(e, d);
	unit_enqueue(e, &ch->fu, false);
	return 0;
}

/* ---- message content per step (RFC 4703 §5, as Kea D2 builds it: user/dns/rrplan.c) ---- */

static bool checks(const struct change *ch)
{
	return ch->c.mode == DNSENGINE_CHECK_WITH_DHCID ||
	       ch->c.mode == DNSENGINE_CHECK_EXISTS_WITH_DHCID;
}

/* @u's RRs (@check: the prerequisites that hold once its step was applied). */
static void unit_plan(const struct unit *u, bool check, struct rrplan *pl)
{
	const struct change *ch = u->ch;
	const struct rrplan_in in = {
		.step = u->step, .mode = ch->c.mode, .family = ch->c.family, .check = check,
		.owner_len = strlen(u->owner), .fqdn_len = strlen(ch->fqdn) + 1,
	};

	rrplan_make(pl, &in);
}

/*
 * A compression pointer holds 14 bits: a name first written past 16 KiB
 * cannot be pointed to, so each repeat of it costs its first label again
 * (plus a pointer to the rest). Past PTR_NEAR bytes of the message so far
 * (a margin for the sections' order) the estimate charges that.
 */
#define PTR_NEAR 12288

/* a message's estimated size so far: in all, and of its prerequisite section (written first) */
struct emit_est {
	size_t all, pre;
};

/*
 * Grow @est by @pl, the plan of @u's RRs: the plan counts the owner once in
 * full and 2-byte pointers after; where the owner is first written (among
 * the prerequisites if the plan has any) past PTR_NEAR, each repeat costs
 * its first label too. A check-only message is all prerequisites.
 */
static void est_add(struct emit_est *est, const struct unit *u, const struct rrplan *pl, bool check)
{
	size_t at = pl->npre && !check ? est->pre : est->all;
	size_t extra = at < PTR_NEAR ? 0 : strcspn(u->owner, ".") + 1;
	size_t own = strlen(u->owner) + 1 + 4;	/* as rrplan_make() counts it */

	est->all += pl->size + pl->n * extra;
	if (check)
		est->pre = est->all;
	else if (pl->npre)
		est->pre += pl->pre_size + pl->npre * extra + own;
}

/*
 * Write @u's planned RRs into @m; @est grows by the plan's estimate of
 * their wire size. batch_send() splits a message the estimate got wrong.
 */
static int unit_emit(struct dnsmsg *m, const struct unit *u, bool check, struct emit_est *est)
{
	const struct change *ch = u->ch;
	struct rrplan pl;

	unit_plan(u, check, &pl);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rrplan_rr *r = &pl.rr[i];
		const void *rd = r->rd == RRPLAN_RD_ADDR ? (const void *)ch->c.addr
			       : r->rd == RRPLAN_RD_DHCID ? (const void *)ch->c.dhcid
			       : r->rd == RRPLAN_RD_FQDN ? (const void *)ch->fqdn : NULL;
		int err;

		err = dnsmsg_add_rr(m, r->sect, u->owner, r->type, r->cls, r->ttl ? ch->c.ttl : 0, rd,
				    rrplan_rdlen(r->rd, ch->c.family, strlen(ch->fqdn) + 1));
		if (err)
			return err;
	}
	est_add(est, u, &pl, check);
	return 0;
}

/* @est grown by @u's RRs, as unit_emit() would grow it (the message so far matters past 16 KiB). */
static struct emit_est unit_size(const struct unit *u, struct emit_est est)
{
	struct rrplan pl;

	unit_plan(u, false, &pl);
	est_add(&est, u, &pl, false);
	return est;
}

/* A unit's prerequisites failed while it was alone in its message. */
static void unit_prereq_failed(struct dnsengine *e, struct unit *u, int rcode)
{
	pr_debug("dnsengine: prerequisite failed for '%s' step %d (%s)", u->owner, u->step,
		 dnsmsg_rcode_name(rcode));
	switch (u->step) {
	case RRPLAN_FWD_ADD:
		if (checks(u->ch)) {
			u->step = RRPLAN_FWD_REPLACE;
			unit_enqueue(e, u, true);
			return;
		}
		break;
	case RRPLAN_FWD_REM_RRS:
		/* another address of the client (or of someone else) remains: fine */
		unit_final(e, u, DNSENGINE_APPLIED);
		return;
	default:
		break;
	}
	unit_final(e, u, DNSENGINE_CONFLICT);
}

static void unit_applied(struct dnsengine *e, struct unit *u)
{
	if (u->step == RRPLAN_FWD_REM_ADDR && checks(u->ch)) {
		u->step = RRPLAN_FWD_REM_RRS;
		unit_enqueue(e, u, true);
		return;
	}
	unit_final(e, u, DNSENGINE_APPLIED);
}

/* ---- batches ---- */

static int batch_send(struct dnsengine *e, struct batch *b);

static void batch_link(struct dnsengine *e, struct batch *b)
{
	b->bprev = NULL;
	b->bnext = e->batches;
	if (e->batches)
		e->batches->bprev = b;
	e->batches = b;
}

static void batch_free(struct batch *b)
{
	if (b->bprev)
		b->bprev->bnext = b->bnext;
	else
		b->e->batches = b->bnext;
	if (b->bnext)
		b->bnext->bprev = b->bprev;
	gss_ctx_put(b->gctx);
	free(b->u);
	free(b);
}

static void batch_release(struct dnsengine *e, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		busy_del(e, b->u[i]);
	b->zq->inflight--;
}

static uint64_t backoff_ms(struct dnsengine *e, unsigned int attempt)
{
	uint64_t d = e->o.backoff_base_ms;
	uint32_t r = 0;

	for (unsigned int i = 1; i < attempt && d < e->o.backoff_max_ms; i++)
		d *= 2;
	if (d > e->o.backoff_max_ms)
		d = e->o.backoff_max_ms;
	/* jitter: 50 %..150 %, so that many zones do not retry in lockstep */
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)random();
	return d / 2 + (d ? r % (d + 1) : 0);
}

/*
 * Park @b, built, on its zone's ready list (at the head: it is older than
 * anything still in the queue); its units stay busy, and zq_pump_one()
 * sends it when an in-flight slot is free. Not counted in flight.
 */
static void ready_push(struct zq *q, struct batch *b)
{
	b->qnext = q->ready;
	q->ready = b;
	if (!q->ready_tail)
		q->ready_tail = b;
}

static struct batch *ready_pop(struct zq *q)
{
	struct batch *b = q->ready;

	if (b) {
		q->ready = b->qnext;
		if (!q->ready)
			q->ready_tail = NULL;
		b->qnext = NULL;
	}
	return b;
}

/*
 * Transient failure: the batch waits whole on the ready list for the next
 * server, later. Kept whole, so that a resend is exactly the message that
 * may already have been applied (RFC 2136 §3.2: all or nothing), and one
 * check tells.
 */
static void batch_retry(struct dnsengine *e, struct batch *b, enum dnsengine_outcome why)
{
	struct zq *q = b->zq;
	uint64_t now = dnsio_now_ms();

	q->inflight--;
	if (b->sent)
		b->resent = true;
	b->verify = false;
	q->attempt++;
	e->st.retries++;
	/* try each server once at once; back off when all have failed */
	if (q->attempt >= q->dom->nservers) {
		uint64_t at = now + backoff_ms(e, q->attempt - q->dom->nservers + 1);

		if (at > q->retry_at)
			q->retry_at = at;
	}
	pr_info_rl("dnsengine: UPDATE for zone '%s' to '%s' failed (%s), %zu changes retried",
		   q->dom->name, b->peer ? dnsio_peer_name(b->peer) : "-",
		   dnsengine_outcome_name(why), b->n);
	ready_push(q, b);
	for (size_t i = 0; i < b->n; i++) {
		struct dnsengine_result r = b->u[i]->ch->res;

		if (b->u[i]->rev)
			r.rev = why;
		else
			r.fwd = why;
		r.final = false;
		e->cb(e->cbarg, &b->u[i]->ch->c, &r);
	}
}

static void batch_final_all(struct dnsengine *e, struct batch *b, enum dnsengine_outcome o)
{
	batch_release(e, b);
	for (size_t i = 0; i < b->n; i++)
		unit_final(e, b->u[i], o);
	batch_free(b);
}

/*
 * Split @b in halves: the first is sent in @b's in-flight slot, the second
 * waits on the ready list for a slot of its own (never past
 * max-inflight-per-zone). The units stay marked busy.
 */
static void batch_bisect(struct dnsengine *e, struct batch *b)
{
	size_t h = b->n / 2;
	struct batch *b2 = calloc(1, sizeof(*b2));
	struct unit **u2 = calloc(b->n - h, sizeof(*u2));

	if (!b2 || !u2) {
		free(b2);
		free(u2);
		batch_retry(e, b, DNSENGINE_NETERR);
		return;
	}
	e->st.bisections++;
	memcpy(u2, b->u + h, (b->n - h) * sizeof(*u2));
	*b2 = (struct batch){ .e = e, .zq = b->zq, .u = u2, .n = b->n - h };
	b->n = h;
	b->resent = b->verify = false;
	batch_link(e, b2);
	ready_push(b->zq, b2);
	batch_send(e, b);
}

/*
 * @b's server refused the whole message for a reason no subset of it avoids
 * (TSIG rejected, not authoritative): hold that server for this zone, longer
 * at each refusal in a row. With every server of the zone held, the queue
 * waits for the first to come back, so a key that no longer matches costs
 * one UPDATE per backoff interval, not one per change.
 */
static uint64_t server_hold(struct dnsengine *e, struct batch *b)
{
	struct zq *q = b->zq;
	struct hold *h = &q->hold[b->srv];
	uint64_t now = dnsio_now_ms(), first = UINT64_MAX, d;

	h->refusals++;
	d = backoff_ms(e, h->refusals);
	if (now + d > h->until)
		h->until = now + d;
	e->st.server_holds++;
	for (size_t s = 0; s < q->dom->nservers; s++) {
		if (q->hold[s].until <= now)
			return d;
		if (q->hold[s].until < first)
			first = q->hold[s].until;
	}
	if (first > q->retry_at)
		q->retry_at = first;
	return d;
}

/* @b's server took our key and answered for the zone: no hold. */
static void server_ok(struct batch *b)
{
	b->zq->hold[b->srv] = (struct hold){ 0 };
}

static enum dnsengine_outcome rcode_outcome(int rcode)
{
	switch (rcode) {
	case 5: return DNSENGINE_REFUSED;
	case 9: return DNSENGINE_NOTAUTH;
	case 10: return DNSENGINE_NOTZONE;
	case 1: return DNSENGINE_FORMERR;
	default: return DNSENGINE_NETERR;
	}
}

/* one verified reply to @b: its latency, in the stats of the server that answered */
static void lat_observe(struct batch *b)
{
	struct dnsengine_server_stats *st = &b->zq->sst[b->srv];
	double sec = (double)(now_ns() - b->sent_ns) / 1e9;
	int i = lat_bucket(sec);

	st->lat[i]++;
	st->lat_sum += sec;
	st->replies++;
	/* per side carried: a message of many changes weighs as many */
	stage_add(b->e, DNSENGINE_STAGE_SERVER, sec, b->n);
	b->zq->silent[b->srv] = 0;
	pace_reply(&b->zq->pace[b->srv], (uint32_t)(sec * 1000), dnsio_now_ms());
}

/*
 * No reply in time: the (server, zone) pair's timeout doubles and its
 * batches shrink. A server that answers slowly is not down: only a run of
 * messages with no reply at all, each waiting twice as long, is worth a
 * line, and the zone's own backoff (batch_retry()) holds its queue; other
 * zones on the same server go on.
 */
static void timeout_observe(struct dnsengine *e, struct batch *b)
{
	struct zq *q = b->zq;
	struct pace *p = &q->pace[b->srv];

	(void)e;
	q->sst[b->srv].timeouts++;
	pace_timeout(p, dnsio_now_ms());
	if (++q->silent[b->srv] == 3)
		pr_warn_rl("dnsengine: server '%s' gave no reply for zone '%s' to 3 UPDATEs in a row; next timeout %u ms, %u changes per UPDATE",
			   dnsio_peer_name(b->peer), q->dom->name, pace_rto(p), p->batch);
}

static int batch_reply(void *arg, int status, const uint8_t *msg, size_t len)
{
	struct batch *b = arg;
	struct dnsengine *e = b->e;
	struct dnsmsg_reply r;
	int terr = 0, err;

	if (status == DNSIO_SLOW) {
		/*
		 * no reply in time on a TCP connection that is still up: the
		 * server has the message and may only be slow. Sending it again
		 * on the same connection would have it applied twice (the
		 * resend then fails its prerequisites and costs a check), so
		 * it waits on; the pace still notes the slow reply. dnsio
		 * gives the connection up at timeout-max-ms, and the batch is
		 * then resent on a new one.
		 */
		b->slow = true;
		timeout_observe(e, b);
		return 0;
	}
	if (status) {
		/* a slow TCP send was noted once, at its timeout */
		if (status == -ETIMEDOUT && !b->slow)
			timeout_observe(e, b);
		else if (status != -ETIMEDOUT)
			b->zq->sst[b->srv].neterrs++;
		batch_retry(e, b, status == -ETIMEDOUT ? DNSENGINE_TIMEOUT : DNSENGINE_NETERR);
		return 0;
	}
	if (dnsmsg_parse_reply(msg, len, &r) || !r.qr || r.opcode != DNSMSG_OPCODE_UPDATE ||
	    (r.zone[0] && strcmp(r.zone, b->zq->dom->name))) {
		e->st.rejected_replies++;
		pr_warn_rl("dnsengine: reply from '%s' for zone '%s' ignored (%s)",
			dnsio_peer_name(b->peer), b->zq->dom->name, ls_strerror(LS_EDNS_ID));
		return -1;
	}
	if (b->key) {
		err = tsig_verify(b->key, msg, len, b->mac, b->mac_len, time(NULL), &terr);
		if (err && terr && b->gctx && terr != TSIG_ERR_BADTIME &&
		    (err == LS_ETSIG_BADKEY || err == LS_ETSIG_BADSIG) &&
		    gss_peer_rejected(b->zq->gp[b->srv], b->gctx) <= GSS_REJECTS_RETRIED) {
			/*
			 * The server lost our GSS-TSIG context (restart, its own
			 * expiry): negotiate a new one and send the changes again,
			 * as a transport failure; refused again and again, it is
			 * a real refusal and takes the HMAC path below.
			 */
			lat_observe(b);
			pr_warn_rl("dnsengine: server '%s' no longer accepts GSS-TSIG context '%s' for zone '%s' (%s); negotiating a new one, %zu changes retried",
				   dnsio_peer_name(b->peer), b->key->name, b->zq->dom->name,
				   terr == TSIG_ERR_BADKEY ? "BADKEY" : "BADSIG", b->n);
			batch_retry(e, b, DNSENGINE_NETERR);
			return 0;
		}
		if (err && terr && (err == LS_ETSIG_BADKEY || err == LS_ETSIG_BADSIG ||
				    err == LS_ETSIG_BADTIME)) {
			/* the server rejected our signature; its reply cannot be signed */
			enum dnsengine_outcome o = terr == TSIG_ERR_BADKEY ? DNSENGINE_BADKEY :
						   terr == TSIG_ERR_BADTIME ? DNSENGINE_BADTIME :
						   DNSENGINE_BADSIG;

			uint64_t d;

			lat_observe(b);
			d = server_hold(e, b);
			pr_err("dnsengine: server '%s' rejected key '%s' for zone '%s' (%s; %zu changes failed, no UPDATE to it for %llu ms)",
			       dnsio_peer_name(b->peer), b->key->name, b->zq->dom->name,
			       dnsengine_outcome_name(o), b->n, (unsigned long long)d);
			batch_final_all(e, b, o);
			return 0;
		}
		if (err == LS_ETSIG_MISSING && (r.rcode == 5 || r.rcode == 9)) {
			/*
			 * REFUSED or NOTAUTH without a TSIG: a server that did not
			 * accept our signature or key and does not sign its refusal
			 * (PowerDNS answers a bad MAC or an unknown key so). It
			 * cannot be verified, so it never counts as applied; taken
			 * as a refusal of the whole message, it costs a failure and
			 * a hold instead of endless resends (a forger who guesses
			 * the ID could only delay a change to the next full pass).
			 */
			uint64_t d;

			lat_observe(b);
			d = server_hold(e, b);
			e->st.unsigned_refusals++;
			pr_err("dnsengine: server '%s' answered %s without a TSIG for zone '%s' with key '%s': it does not accept the key or its signature (%zu changes failed, no UPDATE to it for %llu ms)",
			       dnsio_peer_name(b->peer), dnsmsg_rcode_name(r.rcode), b->zq->dom->name,
			       b->key->name, b->n, (unsigned long long)d);
			batch_final_all(e, b, rcode_outcome(r.rcode));
			return 0;
		}
		if (err) {
			e->st.rejected_replies++;
			pr_warn_rl("dnsengine: reply from '%s' for zone '%s' ignored (%s)",
				dnsio_peer_name(b->peer), b->zq->dom->name, ls_strerror(err));
			return -1;
		}
		if (b->gctx)
			gss_peer_accepted(b->zq->gp[b->srv]);
	}
	lat_observe(b);
	if (r.rcode != 9)
		server_ok(b);
	if (b->verify && (r.rcode == 1 || r.rcode == 3 || r.rcode == 5 || r.rcode == 6 ||
			  r.rcode == 7 || r.rcode == 8 || r.rcode == 10)) {
		/* not in place: the resend's own failure stands; find its cause as usual */
		pr_debug("dnsengine: %zu changes for zone '%s' not applied before (%s)", b->n,
			 b->zq->dom->name, dnsmsg_rcode_name(r.rcode));
		b->verify = b->resent = false;
		r.rcode = 8;
	}
	switch (r.rcode) {
	case 0:
		if (b->verify) {
			e->st.already_applied++;
			pr_debug("dnsengine: %zu changes for zone '%s' were applied by an earlier send",
				 b->n, b->zq->dom->name);
		}
		batch_release(e, b);
		b->zq->attempt = 0;
		for (size_t i = 0; i < b->n; i++)
			unit_applied(e, b->u[i]);
		batch_free(b);
		break;
	case 3: case 6: case 7: case 8:	/* NXDOMAIN YXDOMAIN YXRRSET NXRRSET: prerequisites */
		if (b->resent) {
			/*
			 * an earlier send got no reply in time and may have been
			 * applied: ask before splitting anything (same slot)
			 */
			b->verify = true;
			e->st.applied_checks++;
			batch_send(e, b);
			break;
		}
		/* fall through */
	case 1: case 10:		/* FORMERR NOTZONE: find the change that causes it */
	case 5:				/* REFUSED: may be one name (BIND check-names, update-policy) */
		if (b->n > 1) {
			batch_bisect(e, b);
			break;
		}
		b->zq->attempt = 0;
		batch_release(e, b);
		if (r.rcode == 1 || r.rcode == 10 || r.rcode == 5) {
			if (log_allow(e))
				pr_err("dnsengine: server '%s' answered %s for '%s' (lease name '%s') in zone '%s'",
				       dnsio_peer_name(b->peer), dnsmsg_rcode_name(r.rcode),
				       b->u[0]->owner, b->u[0]->ch->fqdn, b->zq->dom->name);
			unit_final(e, b->u[0], rcode_outcome(r.rcode));
		} else {
			unit_prereq_failed(e, b->u[0], r.rcode);
		}
		batch_free(b);
		break;
	case 9: {			/* NOTAUTH: the whole message, whatever it holds */
		uint64_t d = server_hold(e, b);

		pr_err("dnsengine: server '%s' answered %s for zone '%s' (%zu changes failed, no UPDATE to it for %llu ms)",
		       dnsio_peer_name(b->peer), dnsmsg_rcode_name(r.rcode), b->zq->dom->name, b->n,
		       (unsigned long long)d);
		batch_final_all(e, b, rcode_outcome(r.rcode));
		break;
	}
	default:			/* SERVFAIL, NOTIMP, …: another server, later */
		batch_retry(e, b, DNSENGINE_NETERR);
		break;
	}
	return 0;
}

/*
 * Can server @s of @q take an UPDATE now: transport up, not held, and,
 * for GSS-TSIG, a context (whose negotiation this starts when due)?
 */
static bool server_sendable(struct zq *q, size_t s, uint64_t now)
{
	if (!dnsio_peer_usable(q->peers[s]) || q->hold[s].until > now)
		return false;
	return !q->gp[s] || gss_peer_ready(q->gp[s], now);
}

/*
 * No server of @q can take an UPDATE now, and one of them only for want of
 * a GSS-TSIG context: the changes wait unsent (no retry counted) for it.
 */
static bool zq_gss_waiting(struct zq *q, uint64_t now)
{
	bool gss_wait = false;

	for (size_t s = 0; s < q->dom->nservers; s++) {
		if (server_sendable(q, s, now))
			return false;
		if (q->gp[s] && dnsio_peer_usable(q->peers[s]) && q->hold[s].until <= now)
			gss_wait = true;
	}
	return gss_wait;
}

/* The server @q's next message goes to: the first that can take one from q->attempt on, or -1. */
static int zq_server(struct zq *q)
{
	uint64_t now = dnsio_now_ms();

	for (size_t k = 0; k < q->dom->nservers; k++) {
		size_t s = (q->attempt + k) % q->dom->nservers;

		if (server_sendable(q, s, now))
			return (int)s;
	}
	return -1;
}

/* Pick a server, render, sign and send @b (already counted in zq->inflight). */
static int batch_send(struct dnsengine *e, struct batch *b)
{
	struct zq *q = b->zq;
	const struct zones_server *sv = NULL;
	struct dnsmsg *m = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	struct emit_est est = { 12, 12 };
	uint16_t id;
	int err, s;

	gss_ctx_put(b->gctx);	/* a bisected batch is signed afresh */
	b->gctx = NULL;
	s = zq_server(q);
	if (s >= 0) {
		sv = &q->dom->servers[s];
		b->peer = q->peers[s];
		b->srv = (size_t)s;
	}
	if (!sv) {
		/* every server's breaker is open: wait, do not drop */
		b->peer = NULL;
		batch_retry(e, b, DNSENGINE_NETERR);
		return LS_EDNS_NOSERVER;
	}
	b->key = sv->key;
	if (q->gp[b->srv]) {
		b->gctx = gss_peer_ctx(q->gp[b->srv]);
		b->key = b->gctx ? gss_ctx_key(b->gctx) : NULL;
	}
	err = dnsmsg_new(&m, q->dom->name);
	for (size_t i = 0; !err && i < b->n; i++)
		err = unit_emit(m, b->u[i], b->verify, &est);
	id = dnsio_alloc_id(b->peer);
	if (!err)
		err = dnsmsg_to_wire(m, id, 512, &wire, &len);
	dnsmsg_free(m);
	pr_debug("dnsengine: UPDATE for zone '%s': %zu changes, %zu bytes (estimate %zu)%s",
		 q->dom->name, b->n, len, est.all, b->verify ? ", check only" : "");
	if ((err == -EMSGSIZE || (!err && len + TSIG_ROOM > e->o.max_msg_bytes)) && b->n > 1 &&
	    !b->verify) {
		/* larger than estimated (even past 65,535 bytes): send it as two */
		free(wire);
		batch_bisect(e, b);
		return 0;
	}
	if (!err && b->key)
		err = tsig_sign(b->key, wire, &len, len + 512, time(NULL), b->mac, &b->mac_len);
	/*
	 * over TCP a reply later than the timeout is waited for, up to
	 * timeout-max-ms in all (see batch_reply()); over UDP it is resent
	 */
	b->slow = false;
	if (!err)
		err = dnsio_send_wait(e->io, b->peer,
				      !(e->o.udp_single && b->n == 1 && len <= 512), wire, len, id,
				      pace_rto(&q->pace[b->srv]), e->o.timeout_max_ms, batch_reply, b);
	free(wire);
	if (err) {
		pr_warn("dnsengine: cannot send UPDATE for zone '%s' to '%s' (%s)", q->dom->name,
			dnsio_peer_name(b->peer), ls_strerror(err));
		if (err == -EINVAL || err == -EMSGSIZE || err == LS_ELDNS) {
			/* a name that does not render: report it, never loop on it */
			if (b->n > 1) {
				batch_bisect(e, b);
			} else {
				batch_release(e, b);
				unit_final(e, b->u[0], DNSENGINE_FORMERR);
				batch_free(b);
			}
		} else {
			batch_retry(e, b, DNSENGINE_NETERR);
		}
		return err;
	}
	e->st.messages++;
	q->sst[b->srv].sent++;
	b->sent_ns = now_ns();
	b->sent = true;
	for (size_t i = 0; i < b->n; i++) {
		struct unit *u = b->u[i];

		if (u->queued_ns) {
			stage_observe(e, DNSENGINE_STAGE_QUEUE, b->sent_ns - u->queued_ns);
			u->queued_ns = 0;
		}
	}
	return 0;
}

/* Build one batch from @q's queue and send it. Returns true if one was sent. */
static bool zq_pump_one(struct dnsengine *e, struct zq *q)
{
	size_t cap = e->o.max_changes_per_msg;
	struct emit_est est = { 12 + strlen(q->dom->name) + 6, 12 + strlen(q->dom->name) + 6 };
	size_t scanned = 0, budget = e->o.max_msg_bytes - TSIG_ROOM;
	struct unit **prev, *u, *last_kept = NULL;
	struct batch *b;
	bool full_bytes = false;

	int s;

	if ((!q->head && !q->ready) || q->retry_at > dnsio_now_ms())
		return false;
	s = zq_server(q);
	if (s >= 0) {
		cap = q->pace[s].batch < cap ? q->pace[s].batch : cap;
		if (q->inflight >= q->pace[s].window)
			return false;
	}
	if (q->inflight >= e->o.max_inflight_per_zone)
		return false;
	if (q->ready) {
		/* split or resent batches first: their names are busy, nothing else moves them */
		b = ready_pop(q);
		q->inflight++;
		batch_send(e, b);
		return true;
	}
	if (!q->head)
		return false;
	/*
	 * not a full message's worth and UPDATEs of this zone already at a
	 * server that queues them: wait for a reply (pace_hold()); a reply,
	 * a timeout or more changes bring the next pump
	 */
	/* (a message cut by size counts as full, unless the pace cut cap below it since) */
	if (s >= 0 && pace_hold(&q->pace[s], q->inflight,
				q->len >= (q->fill && q->fill < cap ? q->fill : cap)))
		return false;
	/* every server waits for its GSS-TSIG context (or is held): the changes wait, unsent */
	if (e->gss && zq_gss_waiting(q, dnsio_now_ms()))
		return false;
	b = calloc(1, sizeof(*b));
	if (!b || !(b->u = calloc(cap, sizeof(*b->u)))) {
		free(b);
		return false;
	}
	b->e = e;
	b->zq = q;
	batch_link(e, b);
	prev = &q->head;
	for (u = q->head; u && b->n < cap && scanned < 4 * cap; scanned++) {
		struct unit *next = u->next;
		struct emit_est sz;	/* the message so far: past 16 KiB names cost more */

		if (u->ch->superseded) {
			*prev = next;
			q->len--;
			free(u->ch);
			u = next;
			continue;
		}
		if (!busy_has(e, u->owner)) {
			sz = unit_size(u, est);
			if (sz.all > budget) {
				full_bytes = true;
				break;
			}
			est = sz;
			*prev = next;
			q->len--;
			b->u[b->n++] = u;
			busy_add(e, u);
			if (!u->ch->started) {
				u->ch->started = true;
				pend_del(e, u->ch);
			}
			u = next;
			continue;
		}
		last_kept = u;
		prev = &u->next;
		u = next;
	}
	/* the scan reached the end: the last unit kept is the new tail */
	if (!u)
		q->tail = last_kept;
	if (!b->n) {
		batch_free(b);
		return false;
	}
	/* a full message by size holds fewer than cap changes: what pace_hold() counts as full */
	q->fill = full_bytes ? b->n : 0;
	q->inflight++;
	batch_send(e, b);
	return true;
}

static void pump(struct dnsengine *e)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < e->nzq; i++)
			progress |= zq_pump_one(e, &e->zqs[i]);
	}
}

int dnsengine_run(struct dnsengine *e, int timeout_ms)
{
	uint64_t now = dnsio_now_ms();
	int n;

	pump(e);
	for (size_t i = 0; i < e->nzq; i++) {
		struct zq *q = &e->zqs[i];

		if ((q->head || q->ready) && q->retry_at > now &&
		    q->inflight < e->o.max_inflight_per_zone) {
			int w = (int)(q->retry_at - now);

			if (timeout_ms < 0 || w < timeout_ms)
				timeout_ms = w;
		}
		/* waiting for a GSS-TSIG retry: wake for it */
		for (size_t s = 0; e->gss && q->head && s < q->dom->nservers; s++) {
			int w = q->gp[s] ? gss_peer_wait_ms(q->gp[s], now) : -1;

			if (w >= 0 && (timeout_ms < 0 || w < timeout_ms))
				timeout_ms = w;
		}
	}
	if (e->gss) {
		/* a Kerberos step on the worker ends the wait too (dnsengine_gss_fd()) */
		gss_poll(e->gss);
		pump(e);
		if (timeout_ms && gss_busy(e->gss)) {
			struct pollfd pf[2] = { { dnsio_fd(e->io), POLLIN, 0 },
						{ gss_fd(e->gss), POLLIN, 0 } };

			if (poll(pf, 2, timeout_ms) < 0)
				return -1;
			timeout_ms = 0;
		}
	}
	n = dnsio_poll(e->io, timeout_ms);
	if (e->gss)
		gss_poll(e->gss);
	pump(e);
	return n;
}

size_t dnsengine_drain(struct dnsengine *e, int timeout_ms)
{
	uint64_t end = dnsio_now_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);

	while (e->st.pending) {
		uint64_t now = dnsio_now_ms();
		int t = 100;

		if (timeout_ms >= 0) {
			if (now >= end)
				break;
			if (end - now < 100)
				t = (int)(end - now);
		}
		if (dnsengine_run(e, t) < 0 && errno != EINTR)
			break;
	}
	return e->st.pending;
}

int dnsengine_fd(const struct dnsengine *e)
{
	return dnsio_fd(e->io);
}

int dnsengine_gss_fd(const struct dnsengine *e)
{
	return e->gss ? gss_fd(e->gss) : -1;
}

size_t dnsengine_pending(const struct dnsengine *e)
{
	return e->st.pending;
}

void dnsengine_get_stats(const struct dnsengine *e, struct dnsengine_stats *st)
{
	struct gss_stats g;
	struct dnsio_stats io;

	*st = e->st;
	dnsio_get_stats(e->io, &io);
	st->slow = io.slow;
	if (!e->gss)
		return;
	gss_get_stats(e->gss, &g);
	st->gss_negotiations = g.negotiations;
	st->gss_established = g.established;
	st->gss_renewals = g.renewals;
	st->gss_failures = g.failures;
	st->gss_cred_failures = g.cred_failures;
	st->gss_tkey_errors = g.tkey_errors;
	st->gss_timeouts = g.timeouts;
	st->gss_rejected = g.rejected;
	st->gss_contexts = g.contexts;
	st->gss_krb_steps = g.kerberos_steps;
	st->gss_krb_ms = g.kerberos_ms;
	st->gss_krb_max_ms = g.kerberos_max_ms;
	st->gss_krb_pending = g.kerberos_pending;
}

size_t dnsengine_servers(const struct dnsengine *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nzq; i++)
		n += e->zqs[i].dom->nservers;
	return n;
}

int dnsengine_server_stats(const struct dnsengine *e, size_t i, struct dnsengine_server_stats *st)
{
	for (size_t k = 0; k < e->nzq; k++) {
		if (i < e->zqs[k].dom->nservers) {
			const struct pace *p = &e->zqs[k].pace[i];

			*st = e->zqs[k].sst[i];
			st->timeout_ms = pace_rto(p);
			st->srtt_ms = p->srtt_ms;
			st->batch = p->batch;
			st->window = p->window;
			st->cuts = p->cuts;
			return 0;
		}
		i -= e->zqs[k].dom->nservers;
	}
	return -ENOENT;
}

void dnsengine_stage_stats(const struct dnsengine *e, struct dnsengine_stage_stats *st)
{
	*st = e->stage;
}

const char *dnsengine_stage_name(enum dnsengine_stage s)
{
	static const char *const n[DNSENGINE_STAGES] = { "trigger", "queue", "server", "change" };

	return s < DNSENGINE_STAGES ? n[s] : "?";
}

double dnsengine_lat_quantile(const struct dnsengine_server_stats *st, double q)
{
	return dnsengine_hist_quantile(st->lat, q);
}

double dnsengine_hist_quantile(const uint64_t *lat, double q)
{
	uint64_t n = 0, cum = 0;
	double rank, lo = 0;
	int i;

	for (i = 0; i <= DNSENGINE_LAT_BUCKETS; i++)
		n += lat[i];
	if (!n)
		return 0;
	rank = q * (double)n;
	for (i = 0; i < DNSENGINE_LAT_BUCKETS; i++) {
		double hi = dnsengine_lat_bounds[i];

		if (lat[i] && (double)(cum + lat[i]) >= rank)
			return lo + (hi - lo) * (rank - (double)cum) / (double)lat[i];
		cum += lat[i];
		lo = hi;
	}
	return dnsengine_lat_bounds[DNSENGINE_LAT_BUCKETS - 1];	/* above every bound */
}
