// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/sqlfeed.c - the SQL lease source (sqlfeed.h): the session's
 * life (connect, schema check, backoff), full passes, the change-table
 * poll and the lookups by address, over a backend's statements
 * (pgfeed.c, myfeed.c). Every decision is leasedb.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/lease/leasedb.h"
#include "user/lease/myfeed.h"
#include "user/lease/pgfeed.h"
#include "user/lease/sqlfeed.h"

#define POLL_ROWS 10000		/* change rows per poll */
#define LOOKUP_BATCH 1000	/* addresses per lookup statement */
#define WANT_MAX 65536		/* queued lookups (wire events, due leases) */
#define FILL_MAX 256		/* missing numbers asked for by name */
#define START_BACK 64		/* an empty table: from this far before the last number */
#define REPLAY_ROWS 1000	/* at start the cursor stands this far back: a change
				 * allocated before the full pass may commit after it */
#define PRUNE_EVERY_MS 60000
#define MSG 256

const struct sqlfeed_backend *sqlfeed_backend_of(enum leasedb_type type)
{
	switch (type) {
	case LEASEDB_POSTGRESQL:
		return &pgfeed_backend;
	case LEASEDB_MYSQL:
		return &myfeed_backend;
	default:
		return NULL;
	}
}

/* ---- the feed ---- */

enum state { ST_DOWN = 0, ST_CONNECTING, ST_UP };

struct want {
	uint8_t family;
	uint8_t addr[16];
	uint64_t since;		/* held rows: first seen (ms); 0 otherwise */
};

struct wantq {
	struct want *v;
	size_t n, cap;
};

struct sqlfeed {
	const struct leasedb_conf *c;
	const struct sqlfeed_backend *b;
	struct leases *tab[2];
	struct sqlconn *conn;
	enum state state;
	unsigned int gen;
	int last_fd;
	uint64_t retry_at, deadline;
	uint32_t backoff;
	bool loaded, notified, was_up;
	/* full pass */
	bool in_pass;
	int pass_fam;			/* 4, then 6 */
	char pass_key[64];		/* the last primary key read; "" before the first page */
	struct wantq seen;		/* addresses the pass read (for the sweep) */
	/* the change feed */
	bool cur_set;
	struct leasedb_cursor cur;
	uint64_t next_poll, next_prune;
	struct wantq wants, held;
	struct sqlfeed_stats st;
};

static int q_push(struct wantq *q, int family, const uint8_t *addr, uint64_t since, size_t max)
{
	if (max && q->n >= max)
		return -ENOSPC;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		void *p = realloc(q->v, cap * sizeof(*q->v));

		if (!p)
			return -ENOMEM;
		q->v = p;
		q->cap = cap;
	}
	q->v[q->n] = (struct want){ .family = (uint8_t)family, .since = since };
	memcpy(q->v[q->n].addr, addr, 16);
	q->n++;
	return 0;
}

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, 16);
}

static struct leases *table(struct sqlfeed *f, int family)
{
	return f->tab[family == 6];
}

static const char *where_of(const struct leasedb_conf *c, const struct sqlfeed_backend *b,
			    char *buf, size_t size)
{
	snprintf(buf, size, "database '%s' on '%s' port %u", c->name ? c->name : "",
		 c->host ? c->host : "localhost", c->port ? c->port : b->default_port);
	return buf;
}

static const char *where(const struct sqlfeed *f, char *buf, size_t size)
{
	return where_of(f->c, f->b, buf, size);
}

int sqlfeed_open(struct sqlfeed **out, const struct leasedb_conf *c, struct leases *t4,
		 struct leases *t6)
{
	struct sqlfeed *f;

	*out = NULL;
	if (!sqlfeed_backend_of(c->type))
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->c = c;
	f->b = sqlfeed_backend_of(c->type);
	f->tab[0] = t4;
	f->tab[1] = t6;
	f->last_fd = -1;
	*out = f;
	return 0;
}

void sqlfeed_close(struct sqlfeed *f)
{
	if (!f)
		return;
	if (f->conn)
		f->b->close(f->conn);
	free(f->seen.v);
	free(f->wants.v);
	free(f->held.v);
	leasedb_cursor_fini(&f->cur);
	free(f);
}

int sqlfeed_fd(const struct sqlfeed *f)
{
	return f->conn ? f->b->fd(f->conn) : -1;
}

unsigned int sqlfeed_generation(const struct sqlfeed *f)
{
	return f->gen;
}

bool sqlfeed_loaded(const struct sqlfeed *f)
{
	return f->loaded;
}

void sqlfeed_get_stats(const struct sqlfeed *f, struct sqlfeed_stats *st)
{
	*st = f->st;
	st->connected = f->state == ST_UP;
	st->loaded = f->loaded;
	st->cursor = f->cur.pos;
	st->holes_skipped = f->cur.holes_skipped;
}

static void end_session(struct sqlfeed *f)
{
	if (f->conn)
		f->b->close(f->conn);
	f->conn = NULL;
	f->gen++;
	f->last_fd = -1;
	f->state = ST_DOWN;
	f->in_pass = false;
	f->backoff = leasedb_next_backoff(f->backoff);
	f->retry_at = util_mono_ms() + f->backoff;
}

/*
 * one statement: 0 with @out filled, or an error (counted, logged
 * rate-limited, and the session ended when it is gone)
 */
static int run(struct sqlfeed *f, const char *sql, struct sqlrows *out, const char *what)
{
	static struct log_rl rl_q, rl_lost;
	char m[MSG], w[200];
	int err;

	memset(out, 0, sizeof(*out));
	err = f->b->exec(f->conn, sql, out, m, sizeof(m));
	if (!err)
		return 0;
	f->st.query_errors++;
	if (err == SQLFEED_ELOST) {
		f->st.disconnects++;
		log_rl_printf(&rl_lost, LOG_LVL_ERR,
			      "sqlfeed: lost the session with %s (%s); retrying with backoff",
			      where(f, w, sizeof(w)), m);
		end_session(f);
		return err;
	}
	log_rl_printf(&rl_q, LOG_LVL_ERR, "sqlfeed: %s failed in %s (%s)", what,
		      where(f, w, sizeof(w)), m);
	return err;
}

/* a statement's one number (NULL: 0); 0 or run()'s error */
static int one_number(struct sqlfeed *f, const char *sql, uint64_t *out)
{
	struct sqlrows r;
	int err = run(f, sql, &r, "reading the change table");

	if (err)
		return err;
	*out = r.n > 0 && r.ncols > 0 && r.v[0] ? strtoull(r.v[0], NULL, 10) : 0;
	f->b->rows_free(&r);
	return 0;
}

/* ---- connecting ---- */

static void connect_failed(struct sqlfeed *f, const char *why)
{
	static struct log_rl rl;
	char w[200];

	f->st.connect_failures++;
	log_rl_printf(&rl, LOG_LVL_ERR, "sqlfeed: cannot connect to %s (%s); retrying with backoff",
		      where(f, w, sizeof(w)), why);
	end_session(f);
}

/* the version found: 0 and @present; or an error other than "not installed" */
static int read_version(struct sqlfeed *f, struct sqlconn *conn, bool *present, int *ver,
			int *minor, char *m, size_t len)
{
	struct sqlrows r;
	char sql[160];
	int err;

	*present = false;
	snprintf(sql, sizeof(sql), "SELECT version, minor FROM %s", f->b->version);
	err = f->b->exec(conn, sql, &r, m, len);
	if (err == SQLFEED_ENOTAB)
		return 0;
	if (err)
		return err;
	if (r.n > 0 && r.ncols == 2 && r.v[0] && r.v[1]) {
		*present = true;
		*ver = atoi(r.v[0]);
		*minor = atoi(r.v[1]);
	}
	f->b->rows_free(&r);
	return 0;
}

/* the schema check: 0 when usable, else logged and counted (the session ends) */
static int check_schema(struct sqlfeed *f)
{
	static struct log_rl rl;
	enum leasedb_schema_verdict v;
	char w[200], m[MSG];
	struct sqlrows r;
	int ver = 0, minor = 0, err, n = -1;
	bool present;

	err = read_version(f, f->conn, &present, &ver, &minor, m, sizeof(m));
	if (err) {
		connect_failed(f, m);
		return err;
	}
	v = leasedb_schema_check(present, ver, minor, LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	if (v == LEASEDB_SCHEMA_OK) {
		err = f->b->exec(f->conn, f->b->triggers, &r, m, sizeof(m));
		if (err) {
			connect_failed(f, m);
			return err;
		}
		if (r.n > 0 && r.v[0])
			n = atoi(r.v[0]);
		f->b->rows_free(&r);
		if (n == f->b->triggers_want)
			return 0;
		f->st.schema_errors++;
		log_rl_printf(&rl, LOG_LVL_ERR,
			      "sqlfeed: leasesnoop's triggers on lease4/lease6 are missing in %s: run 'leasesnoop -c FILE --db-upgrade'",
			      where(f, w, sizeof(w)));
		f->st.connect_failures++;
		end_session(f);
		return LS_ECONFIG;
	}
	f->st.schema_errors++;
	if (v == LEASEDB_SCHEMA_NEWER)
		log_rl_printf(&rl, LOG_LVL_ERR,
			      "sqlfeed: schema 'leasesnoop' version %d.%d in %s is %s (%d.%d)", ver,
			      minor, where(f, w, sizeof(w)), leasedb_schema_text(v),
			      LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	else
		log_rl_printf(&rl, LOG_LVL_ERR, "sqlfeed: schema 'leasesnoop' in %s is %s",
			      where(f, w, sizeof(w)), leasedb_schema_text(v));
	f->st.connect_failures++;
	end_session(f);
	return LS_ECONFIG;
}

static void on_connected(struct sqlfeed *f)
{
	struct sqlrows r;
	char w[200], sql[160];

	if (check_schema(f))
		return;
	if (f->b->listen) {
		if (run(f, f->b->listen, &r, "subscribing to change notifications")) {
			if (f->conn)
				connect_failed(f, "LISTEN failed");
			return;
		}
		f->b->rows_free(&r);
	}
	if (!f->cur_set) {
		uint64_t max = 0, lo, min = 0, last = 0;
		int err;

		/*
		 * the feed starts where the change table ends, a little back
		 * (REPLAY_ROWS), at its first row there: numbers below it were
		 * pruned, not holes to wait for; an empty table START_BACK
		 * before the last number handed out
		 */
		snprintf(sql, sizeof(sql), "SELECT coalesce(max(seq), 0) FROM %s", f->b->change);
		err = one_number(f, sql, &max);
		lo = max > REPLAY_ROWS ? max - REPLAY_ROWS : 0;
		snprintf(sql, sizeof(sql), "SELECT coalesce(min(seq), 0) FROM %s WHERE seq > %" PRIu64,
			 f->b->change, lo);
		if (!err && max)
			err = one_number(f, sql, &min);
		if (err) {
			if (f->conn)
				connect_failed(f, "the change table cannot be read");
			return;
		}
		/* the last number unknown (unreadable, or no privilege: NULL): from 0 */
		if (!max && f->b->seq_last && one_number(f, f->b->seq_last, &last) && !f->conn)
			return;
		leasedb_cursor_reset(&f->cur, leasedb_cursor_start(max, lo, min, last, START_BACK),
				     max ? max : last);
		f->cur_set = true;
	}
	f->state = ST_UP;
	f->st.connects++;
	f->backoff = 0;
	/* a full pass at every session start: what changed while we were away */
	f->in_pass = true;
	f->pass_fam = 4;
	f->pass_key[0] = 0;
	f->seen.n = 0;
	f->notified = true;
	pr_info("sqlfeed: %s %s", f->was_up ? "reconnected to" : "connected to",
		where(f, w, sizeof(w)));
	f->was_up = true;
}

static void connect_step(struct sqlfeed *f)
{
	char m[MSG];
	int r, fd;

	if (f->state == ST_DOWN) {
		if (util_mono_ms() < f->retry_at)
			return;
		f->gen++;
		if (f->b->start(&f->conn, f->c, false, m, sizeof(m))) {
			connect_failed(f, m);
			return;
		}
		f->state = ST_CONNECTING;
		f->deadline = util_mono_ms() + 1000ull * (f->c->connect_timeout_s ? f->c->connect_timeout_s : 5);
	}
	r = f->b->step(f->conn, m, sizeof(m));
	fd = f->b->fd(f->conn);
	if (fd != f->last_fd) {
		f->last_fd = fd;
		f->gen++;
	}
	if (r > 0)
		on_connected(f);
	else if (r < 0)
		connect_failed(f, m);
	else if (util_mono_ms() > f->deadline)
		connect_failed(f, "timeout");
}

/* ---- applying rows ---- */

static void bad_row(struct sqlfeed *f, int family, const char *key, const char *why)
{
	static struct log_rl rl;
	char w[200];

	f->st.bad_rows++;
	log_rl_printf(&rl, LOG_LVL_WARN, "sqlfeed: skipped a lease%d row at address '%s' in %s (bad %s)",
		      family, key ? key : "?", where(f, w, sizeof(w)), why);
}

static int parse_row(struct sqlfeed *f, int family, const struct sqlrows *res, int i,
		     struct kea_row *r)
{
	const char *why = "column";
	const char *const *v = res->v + (size_t)i * (size_t)res->ncols;
	int n = family == 4 ? LEASEDB_NCOLS4 : LEASEDB_NCOLS6;

	if (res->ncols != n) {
		bad_row(f, family, NULL, "column count");
		return -EINVAL;
	}
	if (leasedb_row_parse(family, v, r, &why)) {
		bad_row(f, family, v[0], why);
		return -EINVAL;
	}
	return 0;
}

static void apply(struct sqlfeed *f, struct leases *t, const struct kea_row *r)
{
	int err = leases_apply(t, r);

	if (err == -EINVAL) {
		char key[64];

		bad_row(f, r->family, leasedb_addr_key(r->family, r->addr, key, sizeof(key)),
			"expire");
	}
}

/* ---- full pass ---- */

static int sweep_one(void *ctx, const struct lease *l)
{
	struct sqlfeed *f = ctx;
	struct want k = { .family = l->family };

	memcpy(k.addr, l->addr, 16);
	if (!bsearch(&k, f->seen.v, f->seen.n, sizeof(k), want_cmp) &&
	    q_push(&f->wants, l->family, l->addr, 0, 0))
		f->st.wants_dropped++;
	return 0;
}

/* a primary key as a literal: only what an address key can hold (no quoting needed) */
static bool key_ok(const char *k)
{
	return *k && strspn(k, "0123456789abcdefABCDEF:./") == strlen(k) && strlen(k) < 60;
}

/* one page of the pass; 1 when more pages follow */
static int pass_page(struct sqlfeed *f)
{
	char sql[1024], cond[96] = "";
	struct leases *t = table(f, f->pass_fam);
	unsigned int page = f->c->page_rows ? f->c->page_rows : 5000u;
	struct sqlrows res;
	int n;

	if (!t)
		goto next_family;
	/* the first pass is the initial load: no changes (the daemon compares all of it after) */
	leases_set_loading(t, !f->loaded);
	if (f->pass_key[0])
		snprintf(cond, sizeof(cond), "WHERE address > '%s'", f->pass_key);
	snprintf(sql, sizeof(sql), "SELECT %s FROM lease%d %s ORDER BY address LIMIT %u",
		 f->b->cols[f->pass_fam == 6], f->pass_fam, cond, page);
	if (run(f, sql, &res, "a full pass")) {
		if (f->state == ST_UP)
			end_session(f);	/* retried with backoff: a pass cannot be half-done */
		return 0;
	}
	n = res.n;
	f->st.full_rows += (uint64_t)n;
	for (int i = 0; i < n; i++) {
		struct kea_row r;

		if (parse_row(f, f->pass_fam, &res, i, &r))
			continue;
		apply(f, t, &r);
		if (q_push(&f->seen, r.family, r.addr, 0, 0))
			f->st.wants_dropped++;
	}
	if (n) {
		const char *k = res.v[(size_t)(n - 1) * (size_t)res.ncols];

		if (!k || !key_ok(k)) {
			/* cannot page past it: end the pass here (the feed still covers changes) */
			bad_row(f, f->pass_fam, k, "primary key");
			n = 0;
		} else {
			snprintf(f->pass_key, sizeof(f->pass_key), "%s", k);
		}
	}
	f->b->rows_free(&res);
	leases_set_loading(t, 0);
	if ((unsigned int)n >= page)
		return 1;
	/*
	 * leases the table holds that the pass did not read: looked up one by
	 * one (a lease written meanwhile is found; one Kea removed is not)
	 */
	qsort(f->seen.v, f->seen.n, sizeof(*f->seen.v), want_cmp);
	leases_foreach(t, sweep_one, f);
next_family:
	f->seen.n = 0;
	f->pass_key[0] = 0;
	if (f->pass_fam == 4) {
		f->pass_fam = 6;
		return 1;
	}
	f->in_pass = false;
	f->st.full_passes++;
	if (!f->loaded)
		pr_info("sqlfeed: full pass done: %zu v4 and %zu v6 leases",
			f->tab[0] ? leases_count(f->tab[0]) : 0, f->tab[1] ? leases_count(f->tab[1]) : 0);
	f->loaded = true;
	return 1;
}

/* ---- lookups by address ---- */

/* look up @w[0..n) (one family, sorted, unique); rows applied, held or deleted */
static int lookup_batch(struct sqlfeed *f, struct want *w, size_t n, struct wantq *held)
{
	struct leases *t = table(f, w[0].family);
	int family = w[0].family;
	char key[64];
	char *sql, *p;
	bool *found;
	struct sqlrows res;
	uint64_t now = util_mono_ms();
	int err;

	if (!t)
		return 0;
	sql = malloc(n * 52 + 1024);
	found = calloc(n, sizeof(*found));
	if (!sql || !found) {
		free(sql);
		free(found);
		return -ENOMEM;
	}
	p = sql + sprintf(sql, "SELECT %s FROM lease%d WHERE address IN (", f->b->cols[family == 6],
			  family);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s'%s'", i ? "," : "",
			     leasedb_addr_key(family, w[i].addr, key, sizeof(key)));
	strcpy(p, ")");
	f->st.lookups++;
	err = run(f, sql, &res, "a lookup by address");
	free(sql);
	if (err) {
		free(found);
		return err;
	}
	f->st.lookup_rows += (uint64_t)res.n;
	for (int i = 0; i < res.n; i++) {
		struct want k = { .family = (uint8_t)family }, *hit;
		struct kea_row r;

		if (parse_row(f, family, &res, i, &r))
			continue;
		memcpy(k.addr, r.addr, 16);
		hit = bsearch(&k, w, n, sizeof(k), want_cmp);
		if (hit)
			found[hit - w] = true;
		if (hit && leasedb_name_pending(&r, hit->since ? now - hit->since : 0,
						f->c->debounce_ms)) {
			/* Kea's first step of a generated name: wait for the second */
			if (!hit->since)
				f->st.debounced++;
			if (q_push(held, family, r.addr, hit->since ? hit->since : now, WANT_MAX))
				apply(f, t, &r);
			continue;
		}
		apply(f, t, &r);
	}
	f->b->rows_free(&res);
	for (size_t i = 0; i < n; i++) {
		struct lease l;
		struct kea_row r;

		if (found[i])
			continue;
		/* Kea no longer has it (released, reclaimed and flushed, or never there) */
		if (leases_find_addr(t, w[i].addr, &l)) {
			f->st.gone++;
			continue;
		}
		leasedb_gone_row(family, w[i].addr, &r);
		apply(f, t, &r);
	}
	free(found);
	return 0;
}

/* every address in @q (plus the held ones), deduplicated, looked up; @q emptied */
static int lookup_all(struct sqlfeed *f, struct wantq *q)
{
	struct wantq held = { 0 };
	size_t i, j, n;
	int err = 0;

	for (i = 0; i < f->held.n; i++)
		if (q_push(q, f->held.v[i].family, f->held.v[i].addr, f->held.v[i].since, 0))
			return -ENOMEM;
	f->held.n = 0;
	if (!q->n)
		return 0;
	qsort(q->v, q->n, sizeof(*q->v), want_cmp);
	/* unique, keeping the earliest "held since" */
	for (i = 0, n = 0; i < q->n; i++) {
		if (n && !want_cmp(&q->v[n - 1], &q->v[i])) {
			if (q->v[i].since && (!q->v[n - 1].since || q->v[i].since < q->v[n - 1].since))
				q->v[n - 1].since = q->v[i].since;
			continue;
		}
		q->v[n++] = q->v[i];
	}
	for (i = 0; i < n && f->state == ST_UP; i = j) {
		for (j = i; j < n && j - i < LOOKUP_BATCH && q->v[j].family == q->v[i].family; j++)
			;
		err = lookup_batch(f, q->v + i, j - i, &held);
		if (err)
			break;
	}
	/* what could not be looked up stays queued for the next try: a change is never dropped */
	q->n = i < n ? n - i : 0;
	if (q->n)
		memmove(q->v, q->v + i, q->n * sizeof(*q->v));
	free(f->held.v);
	f->held = held;
	return err;
}

void sqlfeed_want(struct sqlfeed *f, int family, const uint8_t *addr)
{
	if (!table(f, family))
		return;
	if (q_push(&f->wants, family, addr, 0, WANT_MAX))
		f->st.wants_dropped++;
	else
		f->st.wire_lookups++;
}

/* ---- the change table ---- */

/* the change rows of one statement: the new ones taken, their addresses queued; the row count */
static int take_rows(struct sqlfeed *f, const char *sql)
{
	struct sqlrows res;
	int n;

	f->st.polls++;
	if (run(f, sql, &res, "reading the change table"))
		return -1;
	n = res.ncols == 3 ? res.n : 0;
	for (int i = 0; i < n; i++) {
		const char *const *v = res.v + (size_t)i * 3;
		uint64_t seq = v[0] ? strtoull(v[0], NULL, 10) : 0;
		int family = v[1] ? atoi(v[1]) : 0;
		uint8_t addr[16];

		if (!leasedb_cursor_take(&f->cur, seq))
			continue;	/* looked up already (a row past a hole, read again) */
		f->st.change_rows++;
		if ((family != 4 && family != 6) || leasedb_addr_from_key(family, v[2], addr)) {
			bad_row(f, family, v[2], "change row");
			continue;
		}
		if (table(f, family) && q_push(&f->wants, family, addr, 0, 0))
			f->st.wants_dropped++;
	}
	f->b->rows_free(&res);
	return n;
}

/*
 * Behind a hole, the missing numbers are asked for by name (a few) or by
 * range (many, up to POLL_ROWS rows re-read); new rows are read past the
 * highest taken. 1 when more rows wait.
 */
static int poll_changes(struct sqlfeed *f)
{
	uint64_t miss[FILL_MAX], high = leasedb_cursor_high(&f->cur), skipped;
	char sql[256 + FILL_MAX * 22], *p;
	size_t nmiss;
	int n;

	if (high > f->cur.pos) {
		nmiss = leasedb_cursor_missing(&f->cur, miss, FILL_MAX);
		p = sql + sprintf(sql, "SELECT seq, family, address FROM %s WHERE ", f->b->change);
		if (nmiss <= FILL_MAX) {
			p += sprintf(p, "seq IN (");
			for (size_t i = 0; i < nmiss; i++)
				p += sprintf(p, "%s%" PRIu64, i ? "," : "", miss[i]);
			strcpy(p, ")");
		} else {
			sprintf(p, "seq > %" PRIu64 " AND seq < %" PRIu64 " ORDER BY seq LIMIT %d",
				f->cur.pos, high, POLL_ROWS);
		}
		if (take_rows(f, sql) < 0)
			return 0;
	}
	snprintf(sql, sizeof(sql),
		 "SELECT seq, family, address FROM %s WHERE seq > %" PRIu64 " ORDER BY seq LIMIT %d",
		 f->b->change, high, POLL_ROWS);
	n = take_rows(f, sql);
	if (n < 0)
		return 0;
	skipped = f->cur.holes_skipped;
	leasedb_cursor_advance(&f->cur, util_mono_ms());
	if (f->cur.holes_skipped != skipped)
		pr_info_rl("sqlfeed: %" PRIu64 " hole(s) in the numbers of %s not filled within %u s given up, cursor at %" PRIu64 " (a rolled-back write; one committed later still is found by the next full pass)",
			   f->cur.holes_skipped - skipped, f->b->change, LEASEDB_GAP_MS / 1000,
			   f->cur.pos);
	return n >= POLL_ROWS;
}

static void prune(struct sqlfeed *f)
{
	char sql[256];
	struct sqlrows res;

	snprintf(sql, sizeof(sql), "%s%u%s", f->b->prune[0], f->c->retention_s, f->b->prune[1]);
	if (!run(f, sql, &res, "pruning the change table")) {
		f->st.pruned += res.affected;
		f->b->rows_free(&res);
	}
}

static void read_wakeups(struct sqlfeed *f)
{
	static struct log_rl rl;
	char w[200];
	int n = f->b->wakeups(f->conn);

	if (n == SQLFEED_ELOST) {
		f->st.disconnects++;
		log_rl_printf(&rl, LOG_LVL_ERR,
			      "sqlfeed: lost the session with %s; retrying with backoff",
			      where(f, w, sizeof(w)));
		end_session(f);
		return;
	}
	if (n > 0) {
		f->notified = true;
		f->st.notifies += (uint64_t)n;
	}
}

int sqlfeed_process(struct sqlfeed *f)
{
	uint64_t now;
	int more = 0;

	if (f->state != ST_UP) {
		connect_step(f);
		if (f->state != ST_UP)
			return 0;
	}
	read_wakeups(f);
	if (f->state != ST_UP)
		return 0;
	if (f->in_pass)
		return pass_page(f);
	now = util_mono_ms();
	if (f->notified || now >= f->next_poll || f->wants.n) {
		f->notified = false;
		f->next_poll = now + (f->c->poll_ms ? f->c->poll_ms : 200);
		more = poll_changes(f);
		if (f->state == ST_UP)
			lookup_all(f, &f->wants);
	} else if (f->held.n) {
		lookup_all(f, &f->wants);
	}
	if (f->state == ST_UP && f->c->retention_s && now >= f->next_prune) {
		f->next_prune = now + PRUNE_EVERY_MS;
		prune(f);
	}
	return more && f->state == ST_UP;
}

static int collect_due(void *ctx, const struct lease *l)
{
	struct wantq *q = ctx;

	return q_push(q, l->family, l->addr, 0, 0);
}

int sqlfeed_expire(struct sqlfeed *f, time_t now)
{
	int n = 0;

	if (f->state != ST_UP || !f->loaded)
		return 0;	/* renewals cannot be checked: nothing expires by the clock */
	for (int i = 0; i < 2; i++) {
		struct wantq due = { 0 }, keep;
		int err;

		if (!f->tab[i])
			continue;
		if (leases_due(f->tab[i], now, collect_due, &due) <= 0) {
			free(due.v);
			continue;
		}
		f->st.expiry_checks += due.n;
		/* held rows wait for their own poll: only the due ones here */
		keep = f->held;
		f->held = (struct wantq){ 0 };
		err = lookup_all(f, &due);
		for (size_t k = 0; k < f->held.n; k++)
			q_push(&keep, f->held.v[k].family, f->held.v[k].addr, f->held.v[k].since, 0);
		free(f->held.v);
		f->held = keep;
		free(due.v);
		if (err || f->state != ST_UP)
			return n;
		n += leases_expire_scan(f->tab[i], now);
	}
	return n;
}

/* ---- --db-init / --db-upgrade ---- */

static int admin_exec(const struct sqlfeed_backend *b, struct sqlconn *conn, const char *sql,
		      const char *what)
{
	struct sqlrows r;
	char m[MSG];
	int err = b->exec(conn, sql, &r, m, sizeof(m));

	if (err)
		pr_err("sqlfeed: %s failed (%s)", what, m);
	else
		b->rows_free(&r);
	return err;
}

int sqlfeed_admin(const struct leasedb_conf *c, bool upgrade)
{
	const struct sqlfeed_backend *b = sqlfeed_backend_of(c->type);
	struct sqlfeed tmp = { .c = c, .b = b };
	enum leasedb_schema_verdict v;
	char w[200], m[MSG], sql[200];
	struct sqlconn *conn = NULL;
	struct sqlrows r;
	int ver = 0, minor = 0, err;
	bool present = false;

	if (!b)
		return -EINVAL;
	where(&tmp, w, sizeof(w));
	err = b->start(&conn, c, true, m, sizeof(m));
	if (err) {
		pr_err("sqlfeed: cannot connect to %s (%s)", w, m);
		goto out;
	}
	err = b->exec(conn, b->kea_check, &r, m, sizeof(m));
	if (!err) {
		bool ok = r.n > 0 && r.v[0] && (!strcmp(r.v[0], "t") || !strcmp(r.v[0], "1"));

		b->rows_free(&r);
		err = ok ? 0 : -ENOENT;
	}
	if (err) {
		pr_err("sqlfeed: Kea's tables lease4/lease6 are not in %s: run 'kea-admin db-init %s' first",
		       w, c->type == LEASEDB_MYSQL ? "mysql" : "pgsql");
		goto out;
	}
	err = read_version(&tmp, conn, &present, &ver, &minor, m, sizeof(m));
	if (err) {
		pr_err("sqlfeed: cannot read the schema version in %s (%s)", w, m);
		goto out;
	}
	v = leasedb_schema_check(present, ver, minor, LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	err = -EINVAL;
	if (v == LEASEDB_SCHEMA_NEWER) {
		pr_err("sqlfeed: schema 'leasesnoop' version %d.%d in %s is %s (%d.%d)", ver, minor, w,
		       leasedb_schema_text(v), LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
		goto out;
	}
	if (upgrade && v == LEASEDB_SCHEMA_MISSING) {
		pr_err("sqlfeed: schema 'leasesnoop' in %s is %s", w, leasedb_schema_text(v));
		goto out;
	}
	for (const char *const *d = b->ddl; *d; d++) {
		err = admin_exec(b, conn, *d, "installing leasesnoop's schema");
		if (err)
			goto out;
	}
	snprintf(sql, sizeof(sql), present ? "UPDATE %s SET version = %d, minor = %d" :
		 "INSERT INTO %s VALUES (%d, %d)", b->version, LEASEDB_SCHEMA_VERSION,
		 LEASEDB_SCHEMA_MINOR);
	err = admin_exec(b, conn, sql, "setting the schema version");
	err = err ?: admin_exec(b, conn, "COMMIT", "COMMIT");
	if (err)
		goto out;
	if (present && v == LEASEDB_SCHEMA_OK)
		printf("leasesnoop: schema 'leasesnoop' in %s is already version %d.%d (triggers checked)\n",
		       w, LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	else if (present)
		printf("leasesnoop: schema 'leasesnoop' in %s upgraded from %d.%d to %d.%d\n", w, ver,
		       minor, LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	else
		printf("leasesnoop: schema 'leasesnoop' version %d.%d installed in %s\n",
		       LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR, w);
out:
	if (conn)
		b->close(conn);
	return err;
}
