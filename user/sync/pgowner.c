// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/sync/pgowner.c - the ownership store in PostgreSQL and the shard
 * leadership of the shared mode (pgowner.h), over the PostgreSQL backend's
 * statements (user/lease/pgfeed.h). The bindings of the shards held live
 * in a hash table of their encoded records (owner_encode()); writes are
 * remembered by key and written at the commit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/lease/pgfeed.h"
#include "user/lease/shard.h"
#include "user/sync/pgowner.h"

#define TRY_EVERY_MS 1000	/* lock tries (and the session check) */
#define ROWS_PER_STMT 200	/* rows per INSERT / DELETE of a commit */
#define MSG 256

struct bnode {
	struct bnode *next;
	uint8_t family;
	uint8_t addr[16];
	uint16_t len;
	uint8_t v[];
};

struct pkey {
	uint8_t family;
	uint8_t addr[16];
};

struct pgowner {
	const struct leasedb_conf *c;
	const struct sqlfeed_backend *b;
	struct owner *owner;
	struct sqlconn *conn;
	struct sqlconn *opening;	/* a session being set up, step by step (never blocks the loop) */
	uint64_t opening_deadline;
	unsigned int nshards;
	uint64_t up_since, retry_at, next_try;
	uint32_t backoff;
	bool held[SHARD_MAX];
	struct bnode **tab;
	size_t nb, n;
	struct pkey *pend;
	size_t npend, cappend;
	uint64_t puts, dels;
	struct pgowner_stats st;
};

static void key_of(int family, const uint8_t *addr, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, addr, family == 4 ? 4 : 16);
}

static unsigned int shard_at(const struct pgowner *p, int family, const uint8_t *addr)
{
	return shard_of(shard_hash(family, addr), p->nshards);
}

bool pgowner_mine(void *ctx, int family, const uint8_t *addr)
{
	const struct pgowner *p = ctx;

	return p->conn && p->held[shard_at(p, family, addr)];
}

/* ---- the bindings in memory ---- */

static size_t bucket(const struct pgowner *p, int family, const uint8_t *k)
{
	return shard_hash(family == 4 ? 4 : 6, k) * 2654435761u % p->nb;
}

static struct bnode **find(struct pgowner *p, int family, const uint8_t *k)
{
	struct bnode **pp;

	if (!p->nb)
		return NULL;
	for (pp = &p->tab[bucket(p, family, k)]; *pp; pp = &(*pp)->next)
		if ((*pp)->family == family && !memcmp((*pp)->addr, k, 16))
			return pp;
	return NULL;
}

static int grow(struct pgowner *p)
{
	size_t nb = p->nb ? p->nb * 2 : 1024;
	struct bnode **t = calloc(nb, sizeof(*t)), **old = p->tab;
	size_t onb = p->nb;

	if (!t)
		return -ENOMEM;
	p->tab = t;
	p->nb = nb;
	for (size_t i = 0; i < onb; i++)
		for (struct bnode *e = old[i], *nx; e; e = nx) {
			size_t b = bucket(p, e->family, e->addr);

			nx = e->next;
			e->next = t[b];
			t[b] = e;
		}
	free(old);
	return 0;
}

static int cache_set(struct pgowner *p, int family, const uint8_t *k, const uint8_t *v, size_t len)
{
	struct bnode **pp, *e;

	if (p->n >= p->nb && grow(p))
		return -ENOMEM;
	e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	e->family = (uint8_t)family;
	memcpy(e->addr, k, 16);
	e->len = (uint16_t)len;
	memcpy(e->v, v, len);
	pp = find(p, family, k);
	if (pp) {
		e->next = (*pp)->next;
		free(*pp);
		*pp = e;
		return 0;
	}
	e->next = p->tab[bucket(p, family, k)];
	p->tab[bucket(p, family, k)] = e;
	p->n++;
	return 0;
}

static int cache_del(struct pgowner *p, int family, const uint8_t *k)
{
	struct bnode **pp = find(p, family, k), *e;

	if (!pp)
		return -ENOENT;
	e = *pp;
	*pp = e->next;
	free(e);
	p->n--;
	return 0;
}

static void cache_clear(struct pgowner *p)
{
	for (size_t i = 0; i < p->nb; i++)
		for (struct bnode *e = p->tab[i], *nx; e; e = nx) {
			nx = e->next;
			free(e);
		}
	free(p->tab);
	p->tab = NULL;
	p->nb = p->n = 0;
	p->npend = 0;
}

static int pend_push(struct pgowner *p, int family, const uint8_t *k)
{
	if (p->npend == p->cappend) {
		size_t cap = p->cappend ? p->cappend * 2 : 256;
		void *n = realloc(p->pend, cap * sizeof(*p->pend));

		if (!n)
			return -ENOMEM;
		p->pend = n;
		p->cappend = cap;
	}
	p->pend[p->npend].family = (uint8_t)family;
	memcpy(p->pend[p->npend].addr, k, 16);
	p->npend++;
	return 0;
}

static int pkey_cmp(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, 16);
}

/* ---- the session ---- */

static const char *where(const struct pgowner *p, char *buf, size_t size)
{
	snprintf(buf, size, "database '%s' on '%s' port %u", p->c->name ? p->c->name : "",
		 p->c->host ? p->c->host : "localhost", p->c->port ? p->c->port : 5432);
	return buf;
}

static void held_text(const struct pgowner *p, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = 0;
	for (unsigned int s = 0; s < p->nshards && o + 8 < size; s++)
		if (p->held[s])
			o += (size_t)snprintf(buf + o, size - o, "%s%u", o ? "," : "", s);
}

/* the session is gone (or no longer trusted): every shard with it */
static void drop_session(struct pgowner *p, const char *why)
{
	static struct log_rl rl;
	char w[200], h[SHARD_MAX * 5];
	unsigned int k = 0;

	for (unsigned int s = 0; s < p->nshards; s++)
		k += p->held[s];
	held_text(p, h, sizeof(h));
	if (p->conn) {
		p->st.sessions_lost++;
		log_rl_printf(&rl, LOG_LVL_ERR,
			      "pgowner: lost the lock session with %s (%s); gave up shards [%s]",
			      where(p, w, sizeof(w)), why, h);
		p->b->close(p->conn);
	}
	p->conn = NULL;
	p->st.released += k;
	memset(p->held, 0, sizeof(p->held));
	cache_clear(p);
	p->backoff = leasedb_next_backoff(p->backoff);
	p->retry_at = util_mono_ms() + p->backoff;
}

static int exec(struct pgowner *p, const char *sql, struct sqlrows *r, const char *what)
{
	char m[MSG];
	struct sqlrows tmp;
	int err;

	err = p->b->exec(p->conn, sql, r ? r : &tmp, m, sizeof(m));
	if (err) {
		char why[MSG + 64];

		snprintf(why, sizeof(why), "%s: %s", what, m);
		drop_session(p, why);
		return err;
	}
	if (!r)
		p->b->rows_free(&tmp);
	return 0;
}

static int connect_failed(struct pgowner *p, const char *why)
{
	static struct log_rl rl;
	char w[200];

	p->b->close(p->opening);
	p->opening = NULL;
	p->st.session_failures++;
	log_rl_printf(&rl, LOG_LVL_ERR,
		      "pgowner: cannot open the lock session with %s (%s); retrying with backoff",
		      where(p, w, sizeof(w)), why);
	p->backoff = leasedb_next_backoff(p->backoff);
	p->retry_at = util_mono_ms() + p->backoff;
	return -EIO;
}

/*
 * Open the lock session a step at a time (each tick advances it without
 * waiting: a database that does not answer never holds the event loop);
 * -EAGAIN while it is being set up, 0 once it is up.
 */
static int connect_session(struct pgowner *p)
{
	char m[MSG], w[200];
	int r;

	if (!p->opening) {
		if (util_mono_ms() < p->retry_at)
			return -EAGAIN;
		if (p->b->start(&p->opening, p->c, false, m, sizeof(m))) {
			p->opening = NULL;
			return connect_failed(p, m);
		}
		p->opening_deadline = util_mono_ms() + 1000ull * (p->c->connect_timeout_s ?
							    p->c->connect_timeout_s : 5);
	}
	r = p->b->step(p->opening, m, sizeof(m));
	if (r < 0)
		return connect_failed(p, m);
	if (!r)
		return util_mono_ms() > p->opening_deadline ? connect_failed(p, "timeout") : -EAGAIN;
	p->conn = p->opening;
	p->opening = NULL;
	p->st.sessions++;
	p->backoff = 0;
	p->up_since = util_mono_ms();
	p->next_try = 0;
	pr_info("pgowner: lock session open with %s (node %u of %u, %u shards)",
		where(p, w, sizeof(w)), p->c->node_index, p->c->node_count, p->nshards);
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* bytea's text output "\x0a0b…" into @out (at most @cap); the length or -1 */
static long unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (!s || s[0] != '\\' || s[1] != 'x')
		return -1;
	for (s += 2; s[0] && s[1]; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0 || n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return *s ? -1 : (long)n;
}

static char *hex(char *o, const uint8_t *v, size_t n)
{
	static const char d[] = "0123456789abcdef";

	*o++ = '\'';
	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < n; i++) {
		*o++ = d[v[i] >> 4];
		*o++ = d[v[i] & 15];
	}
	*o++ = '\'';
	*o = 0;
	return o;
}

/* read the bindings of the shards in @take (a SQL list "1,5,9") into memory */
static int load(struct pgowner *p, const char *take)
{
	static struct log_rl rl;
	char sql[SHARD_MAX * 5 + 200];
	struct sqlrows r;
	int bad = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT family, address, rec FROM leasesnoop.owner WHERE hash %% %u IN (%s)",
		 p->nshards, take);
	if (exec(p, sql, &r, "reading the ownership store"))
		return -EIO;
	for (int i = 0; i < r.n && r.ncols == 3; i++) {
		const char *const *v = r.v + (size_t)i * 3;
		uint8_t k[16], rec[OWNER_ENC_MAX];
		long kl = unhex(v[1], k, sizeof(k)), rl_ = unhex(v[2], rec, sizeof(rec));
		int family = v[0] ? atoi(v[0]) : 0;
		struct owner_rec o;

		if ((family != 4 && family != 6) || kl != 16 || rl_ < 0 ||
		    owner_decode(family, k, rec, (size_t)rl_, &o)) {
			bad++;
			continue;
		}
		if (cache_set(p, family, k, rec, (size_t)rl_)) {
			p->b->rows_free(&r);
			drop_session(p, "out of memory");
			return -ENOMEM;
		}
		p->st.loaded++;
	}
	p->b->rows_free(&r);
	if (bad)
		log_rl_printf(&rl, LOG_LVL_WARN,
			      "pgowner: skipped %d unreadable rows of leasesnoop.owner in shards [%s]",
			      bad, take);
	return 0;
}

int pgowner_tick(struct pgowner *p)
{
	char sql[SHARD_MAX * 5 + 200], list[SHARD_MAX * 5], take[SHARD_MAX * 5];
	size_t o = 0, t = 0;
	uint64_t now;
	struct sqlrows r;
	int got = 0;

	if (!p->conn && connect_session(p))
		return 0;
	now = util_mono_ms();
	if (now < p->next_try)
		return 0;
	p->next_try = now + TRY_EVERY_MS;
	list[0] = take[0] = 0;
	for (unsigned int s = 0; s < p->nshards; s++)
		if (!p->held[s] && shard_should_try(s, p->c->node_index, p->c->node_count,
						    now - p->up_since, p->c->takeover_ms))
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%u", o ? "," : "", s);
	if (!o)	/* nothing to try: the check alone (a dead session gives up its shards) */
		return exec(p, "SELECT 1", NULL, "checking the session"), 0;
	snprintf(sql, sizeof(sql),
		 "SELECT s FROM unnest(ARRAY[%s]::int[]) s WHERE pg_try_advisory_lock(%d, s)", list,
		 SHARD_LOCK_CLASS);
	if (exec(p, sql, &r, "trying the shard locks"))
		return 0;
	for (int i = 0; i < r.n && r.ncols == 1; i++) {
		unsigned int s = r.v[i] ? (unsigned int)strtoul(r.v[i], NULL, 10) : SHARD_MAX;

		if (s < p->nshards)
			t += (size_t)snprintf(take + t, sizeof(take) - t, "%s%u", t ? "," : "", s);
	}
	p->b->rows_free(&r);
	if (!t)
		return 0;
	/* the bindings first, then the shards are ours: nothing is synced half-known */
	if (load(p, take))
		return 0;
	for (char *s = take; *s;) {
		unsigned int k = (unsigned int)strtoul(s, &s, 10);

		if (k < p->nshards && !p->held[k]) {
			p->held[k] = true;
			got++;
		}
		if (*s == ',')
			s++;
	}
	p->st.acquired += (uint64_t)got;
	pr_info("pgowner: took shards [%s] (%s); %zu bindings now", take,
		now - p->up_since < p->c->takeover_ms ? "this node's own" : "takeover", p->n);
	return got;
}

/* ---- struct owner_ops ---- */

static int op_get(void *ctx, int family, const uint8_t *addr, struct owner_rec *rec)
{
	struct pgowner *p = ctx;
	uint8_t k[16];
	struct bnode **pp;

	key_of(family, addr, k);
	pp = find(p, family, k);
	if (!pp)
		return -ENOENT;
	return owner_decode(family, k, (*pp)->v, (*pp)->len, rec);
}

/* a write for a shard not held: refused (fencing: the leader alone writes) */
static int refuse(struct pgowner *p, int family, const uint8_t *addr)
{
	static struct log_rl rl;
	char a[64];

	p->st.refused++;
	leasedb_addr_key(family, addr, a, sizeof(a));
	log_rl_printf(&rl, LOG_LVL_WARN,
		      "pgowner: refused a write for address %s: its shard %u is not led by this node",
		      a, shard_at(p, family, addr));
	return LS_ESTORE;
}

static int op_put(void *ctx, const struct owner_rec *rec)
{
	struct pgowner *p = ctx;
	uint8_t k[16], buf[OWNER_ENC_MAX];
	size_t len;

	if (!pgowner_mine(p, rec->family, rec->addr))
		return refuse(p, rec->family, rec->addr);
	key_of(rec->family, rec->addr, k);
	len = owner_encode(rec, buf);
	if (cache_set(p, rec->family, k, buf, len) || pend_push(p, rec->family, k))
		return -ENOMEM;
	p->puts++;
	return 0;
}

static int op_del(void *ctx, int family, const uint8_t *addr)
{
	struct pgowner *p = ctx;
	uint8_t k[16];

	if (!pgowner_mine(p, family, addr))
		return refuse(p, family, addr);
	key_of(family, addr, k);
	if (cache_del(p, family, k))
		return -ENOENT;
	if (pend_push(p, family, k))
		return -ENOMEM;
	p->dels++;
	return 0;
}

/* the pending keys (sorted, unique) from @i: one INSERT (@ins) or DELETE; returns the next i */
static size_t stmt(struct pgowner *p, size_t i, bool ins, char *sql, size_t *rows)
{
	char *o = sql;

	*rows = 0;
	o += sprintf(o, ins ? "INSERT INTO leasesnoop.owner (family, address, hash, rec) VALUES " :
			 "DELETE FROM leasesnoop.owner WHERE (family, address) IN (");
	for (; i < p->npend && *rows < ROWS_PER_STMT; i++) {
		const struct pkey *k = &p->pend[i];
		struct bnode **pp = find(p, k->family, k->addr);

		if (!pp != !ins)
			continue;
		o += sprintf(o, "%s(%u, ", *rows ? ", " : "", k->family);
		o = hex(o, k->addr, 16);
		if (ins) {
			o += sprintf(o, ", %" PRIu32 ", ", shard_hash(k->family, k->addr));
			o = hex(o, (*pp)->v, (*pp)->len);
		}
		*o++ = ')';
		(*rows)++;
	}
	strcpy(o, ins ? " ON CONFLICT (family, address) DO UPDATE SET hash = EXCLUDED.hash,"
			" rec = EXCLUDED.rec, updated = now()" : ")");
	return i;
}

static int op_commit(void *ctx)
{
	struct pgowner *p = ctx;
	size_t n = 0, rows;
	char *sql;

	if (!p->npend)
		return 0;
	if (!p->conn) {
		p->st.commit_failures++;
		return LS_ESTORE;
	}
	qsort(p->pend, p->npend, sizeof(*p->pend), pkey_cmp);
	for (size_t i = 0; i < p->npend; i++)
		if (!n || pkey_cmp(&p->pend[n - 1], &p->pend[i]))
			p->pend[n++] = p->pend[i];
	p->npend = n;
	sql = malloc(ROWS_PER_STMT * (2 * OWNER_ENC_MAX + 120) + 512);
	if (!sql)
		return -ENOMEM;
	if (exec(p, "BEGIN", NULL, "committing the ownership store"))
		goto fail;
	for (int ins = 1; ins >= 0; ins--)
		for (size_t i = 0; i < p->npend;) {
			i = stmt(p, i, ins, sql, &rows);
			if (!rows)
				continue;
			if (exec(p, sql, NULL, "committing the ownership store"))
				goto fail;
			if (ins)
				p->st.written += rows;
			else
				p->st.deleted += rows;
		}
	/* on the session holding the locks: a commit that succeeds proves they were still held */
	if (exec(p, "COMMIT", NULL, "committing the ownership store"))
		goto fail;
	free(sql);
	p->npend = 0;
	p->st.commits++;
	return 0;
fail:
	/* exec() dropped the session: memory and shards are gone, the store holds what it held */
	free(sql);
	p->st.commit_failures++;
	return LS_ESTORE;
}

static int op_keys(void *ctx, struct owner_key **out, size_t *n)
{
	struct pgowner *p = ctx;
	struct owner_key *a = calloc(p->n + 1, sizeof(*a));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < p->nb; i++)
		for (struct bnode *e = p->tab[i]; e; e = e->next) {
			a[k].family = e->family;
			memcpy(a[k].addr, e->addr, 16);
			k++;
		}
	qsort(a, k, sizeof(*a), pkey_cmp);	/* same layout: family, then 16 bytes */
	*out = a;
	*n = k;
	return 0;
}

static void op_stats(void *ctx, struct owner_stats *st)
{
	struct pgowner *p = ctx;

	st->records = p->n;
	st->puts = p->puts;
	st->dels = p->dels;
	st->commits = p->st.commits;
}

static const struct owner_ops pgowner_ops = {
	.get = op_get, .put = op_put, .del = op_del, .commit = op_commit, .keys = op_keys,
	.stats = op_stats,
};

_Static_assert(sizeof(struct owner_key) == sizeof(struct pkey), "owner_key layout");

int pgowner_open(struct pgowner **out, const struct leasedb_conf *db, struct owner **owner)
{
	struct pgowner *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	*owner = NULL;
	if (!p)
		return -ENOMEM;
	p->c = db;
	p->b = &pgfeed_backend;
	p->nshards = db->shards ? db->shards : 16;
	if (p->nshards > SHARD_MAX)
		p->nshards = SHARD_MAX;
	err = owner_open_ops(&p->owner, &pgowner_ops, p);
	if (err) {
		free(p);
		return err;
	}
	*owner = p->owner;
	*out = p;
	return 0;
}

void pgowner_close(struct pgowner *p)
{
	if (!p)
		return;
	if (p->conn)
		p->b->close(p->conn);
	if (p->opening)
		p->b->close(p->opening);
	cache_clear(p);
	free(p->pend);
	free(p);
}

void pgowner_get_stats(const struct pgowner *p, struct pgowner_stats *st)
{
	*st = p->st;
	st->shards = p->nshards;
	st->held = 0;
	for (unsigned int s = 0; s < p->nshards; s++)
		st->held += p->held[s] && p->conn;
	st->records = p->n;
	st->connecting = p->opening != NULL;
}
