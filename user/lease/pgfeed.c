// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/pgfeed.c - the PostgreSQL lease source (pgfeed.h): libpq, the
 * schema DDL, the session's life (connect, check, backoff), full passes,
 * the change-table poll and the lookups by address. Every decision is
 * leasedb.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/lease/leasedb.h"
#include "user/lease/pgfeed.h"

#define CHANNEL "leasesnoop_change"
#define POLL_ROWS 10000		/* change rows per poll */
#define POLL_ROWS_TEXT "10000"
#define LOOKUP_BATCH 1000	/* addresses per lookup statement */
#define WANT_MAX 65536		/* queued lookups (wire events, due leases) */
#define REPLAY_ROWS 1000	/* at start the cursor stands this far back: a change
				 * allocated before the full pass may commit after it */
#define STMT_TIMEOUT_MS "10000"
#define PRUNE_EVERY_MS 60000

/* ---- the schema (version LEASEDB_SCHEMA_VERSION.LEASEDB_SCHEMA_MINOR) ---- */

/*
 * One function for both tables. A pure renewal (only expire and lifetimes
 * moved, the old lease not yet past its expiry) writes nothing: the feed
 * checks a lease's row when the clock says it is due. SECURITY DEFINER: Kea's
 * user needs no rights on our schema; the owner is who ran --db-init.
 */
static const char ddl[] =
	"CREATE SCHEMA IF NOT EXISTS leasesnoop;\n"
	"CREATE TABLE IF NOT EXISTS leasesnoop.schema_version (\n"
	"  version INT NOT NULL, minor INT NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS leasesnoop.change (\n"
	"  seq BIGSERIAL PRIMARY KEY,\n"
	"  family SMALLINT NOT NULL,\n"
	"  address TEXT NOT NULL,\n"
	"  op CHAR(1) NOT NULL,\n"
	"  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());\n"
	"CREATE INDEX IF NOT EXISTS change_at ON leasesnoop.change (at);\n"
	"CREATE OR REPLACE FUNCTION leasesnoop.lease_change() RETURNS trigger\n"
	"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$\n"
	"DECLARE\n"
	"  fam SMALLINT := CASE TG_TABLE_NAME WHEN 'lease4' THEN 4 ELSE 6 END;\n"
	"  times TEXT[] := '{expire,valid_lifetime,pref_lifetime}';\n"
	"BEGIN\n"
	"  IF TG_OP = 'UPDATE' THEN\n"
	"    IF (to_jsonb(NEW) - times) = (to_jsonb(OLD) - times) AND OLD.expire > now() THEN\n"
	"      RETURN NULL;\n"
	"    END IF;\n"
	"    IF NEW.address IS DISTINCT FROM OLD.address THEN\n"
	"      INSERT INTO leasesnoop.change (family, address, op) VALUES (fam, OLD.address::text, 'D');\n"
	"    END IF;\n"
	"  END IF;\n"
	"  IF TG_OP = 'DELETE' THEN\n"
	"    INSERT INTO leasesnoop.change (family, address, op) VALUES (fam, OLD.address::text, 'D');\n"
	"  ELSE\n"
	"    INSERT INTO leasesnoop.change (family, address, op)\n"
	"      VALUES (fam, NEW.address::text, left(TG_OP, 1));\n"
	"  END IF;\n"
	"  PERFORM pg_notify('" CHANNEL "', '');\n"
	"  RETURN NULL;\n"
	"END $f$;\n"
	"DROP TRIGGER IF EXISTS leasesnoop_change ON lease4;\n"
	"CREATE TRIGGER leasesnoop_change AFTER INSERT OR UPDATE OR DELETE ON lease4\n"
	"  FOR EACH ROW EXECUTE FUNCTION leasesnoop.lease_change();\n"
	"DROP TRIGGER IF EXISTS leasesnoop_change ON lease6;\n"
	"CREATE TRIGGER leasesnoop_change AFTER INSERT OR UPDATE OR DELETE ON lease6\n"
	"  FOR EACH ROW EXECUTE FUNCTION leasesnoop.lease_change();\n";

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

struct pgfeed {
	const struct leasedb_conf *c;
	struct leases *tab[2];
	PGconn *conn;
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
	uint64_t seen_seq;		/* change rows up to here were looked up already */
	uint64_t next_poll, next_prune;
	struct wantq wants, held;
	struct pgfeed_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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

static struct leases *table(struct pgfeed *f, int family)
{
	return f->tab[family == 6];
}

static const char *where(const struct pgfeed *f, char *buf, size_t size)
{
	snprintf(buf, size, "database '%s' on '%s' port %u", f->c->name ? f->c->name : "",
		 f->c->host ? f->c->host : "localhost", f->c->port ? f->c->port : 5432);
	return buf;
}

/* libpq's message, one line */
static const char *pq_msg(const PGconn *conn, const PGresult *res, char *buf, size_t size)
{
	const char *m = res ? PQresultErrorMessage(res) : "";

	if (!m || !*m)
		m = conn ? PQerrorMessage(conn) : "out of memory";
	/* libpq's text spans lines ("…failed: …\n\tIs the server running…"): one line */
	size_t o = 0;

	for (; *m && o + 1 < size; m++) {
		char ch = *m == '\n' || *m == '\r' || *m == '\t' ? ' ' : *m;

		if (ch != ' ' || (o && buf[o - 1] != ' '))
			buf[o++] = ch;
	}
	while (o && buf[o - 1] == ' ')
		o--;
	buf[o] = 0;
	return buf;
}

int pgfeed_open(struct pgfeed **out, const struct leasedb_conf *c, struct leases *t4,
		struct leases *t6)
{
	struct pgfeed *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->c = c;
	f->tab[0] = t4;
	f->tab[1] = t6;
	f->last_fd = -1;
	*out = f;
	return 0;
}

void pgfeed_close(struct pgfeed *f)
{
	if (!f)
		return;
	if (f->conn)
		PQfinish(f->conn);
	free(f->seen.v);
	free(f->wants.v);
	free(f->held.v);
	free(f);
}

int pgfeed_fd(const struct pgfeed *f)
{
	return f->conn ? PQsocket(f->conn) : -1;
}

unsigned int pgfeed_generation(const struct pgfeed *f)
{
	return f->gen;
}

bool pgfeed_loaded(const struct pgfeed *f)
{
	return f->loaded;
}

void pgfeed_get_stats(const struct pgfeed *f, struct pgfeed_stats *st)
{
	*st = f->st;
	st->connected = f->state == ST_UP;
	st->loaded = f->loaded;
	st->cursor = f->cur.pos;
}

static void end_session(struct pgfeed *f)
{
	if (f->conn)
		PQfinish(f->conn);
	f->conn = NULL;
	f->gen++;
	f->last_fd = -1;
	f->state = ST_DOWN;
	f->in_pass = false;
	f->backoff = leasedb_next_backoff(f->backoff);
	f->retry_at = now_ms() + f->backoff;
}

/* a failed statement: count, log, and end the session if it is gone */
static void query_failed(struct pgfeed *f, PGresult *res, const char *what)
{
	static struct log_rl rl_q, rl_lost;
	char m[256], w[200];

	f->st.query_errors++;
	pq_msg(f->conn, res, m, sizeof(m));
	if (PQstatus(f->conn) == CONNECTION_BAD) {
		f->st.disconnects++;
		log_rl_printf(&rl_lost, LOG_LVL_ERR,
			      "pgfeed: lost the session with %s (%s); retrying with backoff",
			      where(f, w, sizeof(w)), m);
		end_session(f);
		return;
	}
	log_rl_printf(&rl_q, LOG_LVL_ERR, "pgfeed: %s failed in %s (%s)", what,
		      where(f, w, sizeof(w)), m);
}

/* one statement with text parameters; the result when it returned what @ok says, else NULL */
static PGresult *run(struct pgfeed *f, const char *sql, int n, const char *const *params,
		     ExecStatusType ok, const char *what)
{
	PGresult *res = PQexecParams(f->conn, sql, n, NULL, params, NULL, NULL, 0);

	if (res && PQresultStatus(res) == ok)
		return res;
	query_failed(f, res, what);
	PQclear(res);
	return NULL;
}

/* ---- connecting ---- */

static PGconn *start_conn(const struct leasedb_conf *c, bool blocking)
{
	const char *kw[16], *val[16];
	char port[12], ct[12], tut[16];
	int n = 0;

#define KV(k, v)                                \
	do {                                    \
		const char *v_ = (v);           \
		if (v_) {                       \
			kw[n] = k;              \
			val[n] = v_;            \
			n++;                    \
		}                               \
	} while (0)
	snprintf(port, sizeof(port), "%u", c->port);
	snprintf(ct, sizeof(ct), "%u", c->connect_timeout_s ? c->connect_timeout_s : 5);
	snprintf(tut, sizeof(tut), "%u", c->tcp_user_timeout_s * 1000);
	KV("host", c->host);
	KV("port", c->port ? port : NULL);
	KV("dbname", c->name);
	KV("user", c->user);
	KV("password", c->password);
	KV("connect_timeout", ct);
	KV("application_name", "leasesnoop");
	/* a dead peer is noticed within seconds, not at TCP's retransmission timeout */
	KV("keepalives", "1");
	KV("keepalives_idle", "5");
	KV("keepalives_interval", "2");
	KV("keepalives_count", "3");
	KV("tcp_user_timeout", c->tcp_user_timeout_s ? tut : NULL);
	KV("options", "-c statement_timeout=" STMT_TIMEOUT_MS);
#undef KV
	kw[n] = val[n] = NULL;
	return blocking ? PQconnectdbParams(kw, val, 0) : PQconnectStartParams(kw, val, 0);
}

static void connect_failed(struct pgfeed *f, const char *why)
{
	static struct log_rl rl;
	char w[200];

	f->st.connect_failures++;
	log_rl_printf(&rl, LOG_LVL_ERR, "pgfeed: cannot connect to %s (%s); retrying with backoff",
		      where(f, w, sizeof(w)), why);
	end_session(f);
}

/* the schema check: 0 when usable, else logged and counted (the session ends) */
static int check_schema(struct pgfeed *f)
{
	static struct log_rl rl;
	enum leasedb_schema_verdict v;
	char w[200];
	PGresult *res;
	int ver = 0, minor = 0;
	bool present = false;

	res = PQexec(f->conn, "SELECT version, minor FROM leasesnoop.schema_version");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
		present = true;
		ver = atoi(PQgetvalue(res, 0, 0));
		minor = atoi(PQgetvalue(res, 0, 1));
	} else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		/* undefined table or schema: not installed; anything else is a failure */
		if (!code || (strcmp(code, "42P01") && strcmp(code, "3F000"))) {
			char m[256];

			pq_msg(f->conn, res, m, sizeof(m));
			PQclear(res);
			connect_failed(f, m);
			return -EIO;
		}
	}
	PQclear(res);
	v = leasedb_schema_check(present, ver, minor, LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	if (v == LEASEDB_SCHEMA_OK) {
		res = PQexec(f->conn,
			     "SELECT count(*) FROM pg_trigger WHERE tgname = 'leasesnoop_change'"
			     " AND tgrelid IN (to_regclass('lease4'), to_regclass('lease6'))");
		if (PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) == 2) {
			PQclear(res);
			return 0;
		}
		PQclear(res);
		f->st.schema_errors++;
		log_rl_printf(&rl, LOG_LVL_ERR,
			      "pgfeed: the triggers of schema 'leasesnoop' on lease4/lease6 are missing in %s: run 'leasesnoop -c FILE --db-upgrade'",
			      where(f, w, sizeof(w)));
		f->st.connect_failures++;
		end_session(f);
		return LS_ECONFIG;
	}
	f->st.schema_errors++;
	if (v == LEASEDB_SCHEMA_NEWER)
		log_rl_printf(&rl, LOG_LVL_ERR,
			      "pgfeed: schema 'leasesnoop' version %d.%d in %s is %s (%d.%d)", ver,
			      minor, where(f, w, sizeof(w)), leasedb_schema_text(v),
			      LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	else
		log_rl_printf(&rl, LOG_LVL_ERR, "pgfeed: schema 'leasesnoop' in %s is %s",
			      where(f, w, sizeof(w)), leasedb_schema_text(v));
	f->st.connect_failures++;
	end_session(f);
	return LS_ECONFIG;
}

static void on_connected(struct pgfeed *f)
{
	char w[200];
	PGresult *res;

	if (check_schema(f))
		return;
	res = run(f, "LISTEN " CHANNEL, 0, NULL, PGRES_COMMAND_OK, "LISTEN");
	if (!res)
		return;
	PQclear(res);
	if (!f->cur_set) {
		/* the feed starts where the change table ends, a little back (REPLAY_ROWS) */
		res = run(f, "SELECT coalesce(max(seq), 0) FROM leasesnoop.change", 0, NULL,
			  PGRES_TUPLES_OK, "reading the change table");
		if (!res)
			return;
		{
			uint64_t max = strtoull(PQgetvalue(res, 0, 0), NULL, 10);

			f->cur.pos = max > REPLAY_ROWS ? max - REPLAY_ROWS : 0;
			f->seen_seq = f->cur.pos;
		}
		PQclear(res);
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
	pr_info("pgfeed: %s %s", f->was_up ? "reconnected to" : "connected to",
		where(f, w, sizeof(w)));
	f->was_up = true;
}

static void connect_step(struct pgfeed *f)
{
	uint64_t now = now_ms();

	if (f->state == ST_DOWN) {
		if (now < f->retry_at)
			return;
		f->conn = start_conn(f->c, false);
		f->gen++;
		if (!f->conn || PQstatus(f->conn) == CONNECTION_BAD) {
			char m[256];

			connect_failed(f, pq_msg(f->conn, NULL, m, sizeof(m)));
			return;
		}
		f->state = ST_CONNECTING;
		f->deadline = now + 1000ull * (f->c->connect_timeout_s ? f->c->connect_timeout_s : 5);
	}
	for (int i = 0; i < 32 && f->state == ST_CONNECTING; i++) {
		PostgresPollingStatusType r = PQconnectPoll(f->conn);
		struct pollfd p = { .fd = PQsocket(f->conn) };

		if (p.fd != f->last_fd) {
			f->last_fd = p.fd;
			f->gen++;
		}
		if (r == PGRES_POLLING_OK) {
			on_connected(f);
			return;
		}
		if (r == PGRES_POLLING_FAILED) {
			char m[256];

			connect_failed(f, pq_msg(f->conn, NULL, m, sizeof(m)));
			return;
		}
		if (now_ms() > f->deadline) {
			connect_failed(f, "timeout");
			return;
		}
		p.events = r == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		if (poll(&p, 1, 0) <= 0)
			return;	/* the socket (epoll) or the next tick brings us back */
	}
}

/* ---- applying rows ---- */

static void bad_row(struct pgfeed *f, int family, const char *key, const char *why)
{
	static struct log_rl rl;
	char w[200];

	f->st.bad_rows++;
	log_rl_printf(&rl, LOG_LVL_WARN, "pgfeed: skipped a lease%d row at address '%s' in %s (bad %s)",
		      family, key ? key : "?", where(f, w, sizeof(w)), why);
}

static int parse_row(struct pgfeed *f, int family, const PGresult *res, int i, struct kea_row *r)
{
	const char *v[LEASEDB_NCOLS6];
	const char *why = "column";
	int n = family == 4 ? LEASEDB_NCOLS4 : LEASEDB_NCOLS6;

	if (PQnfields(res) != n) {
		bad_row(f, family, NULL, "column count");
		return -EINVAL;
	}
	for (int c = 0; c < n; c++)
		v[c] = PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
	if (leasedb_row_parse(family, v, r, &why)) {
		bad_row(f, family, v[0], why);
		return -EINVAL;
	}
	return 0;
}

static void apply(struct pgfeed *f, struct leases *t, const struct kea_row *r)
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
	struct pgfeed *f = ctx;
	struct want k = { .family = l->family };

	memcpy(k.addr, l->addr, 16);
	if (!bsearch(&k, f->seen.v, f->seen.n, sizeof(k), want_cmp) &&
	    q_push(&f->wants, l->family, l->addr, 0, 0))
		f->st.wants_dropped++;
	return 0;
}

/* one page of the pass; 1 when more pages follow */
static int pass_page(struct pgfeed *f)
{
	char sql[1024], lim[16];
	const char *params[2] = { f->pass_key, lim };
	struct leases *t = table(f, f->pass_fam);
	PGresult *res;
	int n;

	if (!t)
		goto next_family;
	snprintf(lim, sizeof(lim), "%u", f->c->page_rows ? f->c->page_rows : 5000);
	snprintf(sql, sizeof(sql), "SELECT %s FROM lease%d %s ORDER BY address LIMIT $%d",
		 f->pass_fam == 4 ? LEASEDB_COLS4 : LEASEDB_COLS6, f->pass_fam,
		 f->pass_key[0] ? "WHERE address > $1" : "", f->pass_key[0] ? 2 : 1);
	res = run(f, sql, f->pass_key[0] ? 2 : 1, f->pass_key[0] ? params : params + 1,
		  PGRES_TUPLES_OK, "a full pass");
	if (!res)
		return 0;
	n = PQntuples(res);
	f->st.full_rows += (uint64_t)n;
	for (int i = 0; i < n; i++) {
		struct kea_row r;

		if (parse_row(f, f->pass_fam, res, i, &r))
			continue;
		apply(f, t, &r);
		if (q_push(&f->seen, r.family, r.addr, 0, 0))
			f->st.wants_dropped++;
	}
	if (n)
		snprintf(f->pass_key, sizeof(f->pass_key), "%s", PQgetvalue(res, n - 1, 0));
	PQclear(res);
	if ((unsigned int)n >= (f->c->page_rows ? f->c->page_rows : 5000u))
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
		pr_info("pgfeed: full pass done: %zu v4 and %zu v6 leases",
			f->tab[0] ? leases_count(f->tab[0]) : 0, f->tab[1] ? leases_count(f->tab[1]) : 0);
	f->loaded = true;
	return 1;
}

/* ---- lookups by address ---- */

/* look up @w[0..n) (one family, sorted, unique); rows applied, held or deleted */
static int lookup_batch(struct pgfeed *f, struct want *w, size_t n, struct wantq *held)
{
	struct leases *t = table(f, w[0].family);
	int family = w[0].family;
	char sql[1024], key[64];
	const char *param;
	char *arr, *p;
	bool *found;
	PGresult *res;
	uint64_t now = now_ms();
	int rows;

	if (!t)
		return 0;
	arr = malloc(n * 50 + 3);
	found = calloc(n, sizeof(*found));
	if (!arr || !found) {
		free(arr);
		free(found);
		return -ENOMEM;
	}
	p = arr;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\"%s\"", i ? "," : "",
			     leasedb_addr_key(family, w[i].addr, key, sizeof(key)));
	*p++ = '}';
	*p = 0;
	param = arr;
	snprintf(sql, sizeof(sql), "SELECT %s FROM lease%d WHERE address = ANY($1)",
		 family == 4 ? LEASEDB_COLS4 : LEASEDB_COLS6, family);
	f->st.lookups++;
	res = run(f, sql, 1, &param, PGRES_TUPLES_OK, "a lookup by address");
	free(arr);
	if (!res) {
		free(found);
		return -EIO;
	}
	rows = PQntuples(res);
	f->st.lookup_rows += (uint64_t)rows;
	for (int i = 0; i < rows; i++) {
		struct want k = { .family = (uint8_t)family }, *hit;
		struct kea_row r;

		if (parse_row(f, family, res, i, &r))
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
	PQclear(res);
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
static int lookup_all(struct pgfeed *f, struct wantq *q)
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
	for (i = 0; i < n && !err && f->state == ST_UP; i = j) {
		for (j = i; j < n && j - i < LOOKUP_BATCH && q->v[j].family == q->v[i].family; j++)
			;
		err = lookup_batch(f, q->v + i, j - i, &held);
	}
	q->n = 0;
	free(f->held.v);
	f->held = held;
	return err;
}

void pgfeed_want(struct pgfeed *f, int family, const uint8_t *addr)
{
	if (!table(f, family))
		return;
	if (q_push(&f->wants, family, addr, 0, WANT_MAX))
		f->st.wants_dropped++;
	else
		f->st.wire_lookups++;
}

/* ---- the change table ---- */

static int poll_changes(struct pgfeed *f)
{
	char pos[24];
	const char *param = pos;
	uint64_t *seqs;
	PGresult *res;
	int n;

	snprintf(pos, sizeof(pos), "%" PRIu64, f->cur.pos);
	f->st.polls++;
	res = run(f,
		  "SELECT seq, family, address FROM leasesnoop.change WHERE seq > $1"
		  " ORDER BY seq LIMIT " POLL_ROWS_TEXT,
		  1, &param, PGRES_TUPLES_OK, "reading the change table");
	if (!res)
		return 0;
	n = PQntuples(res);
	seqs = malloc(((size_t)n + 1) * sizeof(*seqs));
	if (!seqs) {
		PQclear(res);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		uint64_t seq = strtoull(PQgetvalue(res, i, 0), NULL, 10);
		int family = atoi(PQgetvalue(res, i, 1));
		uint8_t addr[16];

		seqs[i] = seq;
		if (seq <= f->seen_seq)
			continue;
		f->seen_seq = seq;
		f->st.change_rows++;
		if ((family != 4 && family != 6) ||
		    leasedb_addr_from_key(family, PQgetvalue(res, i, 2), addr)) {
			bad_row(f, family, PQgetvalue(res, i, 2), "change row");
			continue;
		}
		if (table(f, family) && q_push(&f->wants, family, addr, 0, 0))
			f->st.wants_dropped++;
	}
	PQclear(res);
	leasedb_cursor_advance(&f->cur, seqs, (size_t)n, now_ms());
	free(seqs);
	return n >= POLL_ROWS;
}

static void prune(struct pgfeed *f)
{
	char secs[16];
	const char *param = secs;
	PGresult *res;

	snprintf(secs, sizeof(secs), "%u", f->c->retention_s);
	res = run(f,
		  "DELETE FROM leasesnoop.change WHERE at < now() - make_interval(secs => $1::int)",
		  1, &param, PGRES_COMMAND_OK, "pruning the change table");
	if (res) {
		f->st.pruned += strtoull(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
}

static void read_notifies(struct pgfeed *f)
{
	PGnotify *n;

	if (!PQconsumeInput(f->conn)) {
		query_failed(f, NULL, "reading notifications");
		return;
	}
	while ((n = PQnotifies(f->conn))) {
		f->notified = true;
		f->st.notifies++;
		PQfreemem(n);
	}
}

int pgfeed_process(struct pgfeed *f)
{
	uint64_t now;
	int more = 0;

	if (f->state != ST_UP) {
		connect_step(f);
		if (f->state != ST_UP)
			return 0;
	}
	read_notifies(f);
	if (f->state != ST_UP)
		return 0;
	if (f->in_pass)
		return pass_page(f);
	now = now_ms();
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

int pgfeed_expire(struct pgfeed *f, time_t now)
{
	int n = 0;

	if (f->state != ST_UP || !f->loaded)
		return 0;	/* renewals cannot be checked: nothing expires by the clock */
	for (int i = 0; i < 2; i++) {
		struct wantq due = { 0 };
		int err;

		if (!f->tab[i])
			continue;
		if (leases_due(f->tab[i], now, collect_due, &due) <= 0) {
			free(due.v);
			continue;
		}
		f->st.expiry_checks += due.n;
		/* held rows wait for their own poll: only the due ones here */
		{
			struct wantq keep = f->held;

			f->held = (struct wantq){ 0 };
			err = lookup_all(f, &due);
			for (size_t k = 0; k < f->held.n; k++)
				q_push(&keep, f->held.v[k].family, f->held.v[k].addr,
				       f->held.v[k].since, 0);
			free(f->held.v);
			f->held = keep;
		}
		free(due.v);
		if (err || f->state != ST_UP)
			return n;
		n += leases_expire_scan(f->tab[i], now);
	}
	return n;
}

/* ---- --db-init / --db-upgrade ---- */

/* NOTICEs ("already exists, skipping") are libpq's chatter, not the operator's */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	pr_debug("pgfeed: server notice: %s", msg);
}

static int admin_exec(PGconn *conn, const char *sql, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok) {
		char m[256];

		pr_err("pgfeed: %s failed (%s)", what, pq_msg(conn, res, m, sizeof(m)));
	}
	PQclear(res);
	return ok ? 0 : -EIO;
}

int pgfeed_admin(const struct leasedb_conf *c, bool upgrade)
{
	struct pgfeed tmp = { .c = c };
	enum leasedb_schema_verdict v;
	char w[200], m[256], sql[160];
	PGconn *conn;
	PGresult *res;
	int ver = 0, minor = 0, err = -EIO;
	bool present = false;

	where(&tmp, w, sizeof(w));
	conn = start_conn(c, true);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		pr_err("pgfeed: cannot connect to %s (%s)", w, pq_msg(conn, NULL, m, sizeof(m)));
		goto out;
	}
	PQsetNoticeProcessor(conn, quiet, NULL);
	res = PQexec(conn, "SELECT to_regclass('lease4') IS NOT NULL AND to_regclass('lease6') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || strcmp(PQgetvalue(res, 0, 0), "t")) {
		pr_err("pgfeed: Kea's tables lease4/lease6 are not in %s: run 'kea-admin db-init pgsql' first",
		       w);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	res = PQexec(conn, "SELECT to_regclass('leasesnoop.schema_version') IS NOT NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(res, 0, 0), "t")) {
		PQclear(res);
		res = PQexec(conn, "SELECT version, minor FROM leasesnoop.schema_version");
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
			present = true;
			ver = atoi(PQgetvalue(res, 0, 0));
			minor = atoi(PQgetvalue(res, 0, 1));
		}
	}
	PQclear(res);
	v = leasedb_schema_check(present, ver, minor, LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	if (v == LEASEDB_SCHEMA_NEWER) {
		pr_err("pgfeed: schema 'leasesnoop' version %d.%d in %s is %s (%d.%d)", ver, minor, w,
		       leasedb_schema_text(v), LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
		goto out;
	}
	if (upgrade && v == LEASEDB_SCHEMA_MISSING) {
		pr_err("pgfeed: schema 'leasesnoop' in %s is %s", w, leasedb_schema_text(v));
		goto out;
	}
	if (admin_exec(conn, "BEGIN", "BEGIN") || admin_exec(conn, ddl, "creating schema 'leasesnoop'"))
		goto out;
	snprintf(sql, sizeof(sql), present ?
		 "UPDATE leasesnoop.schema_version SET version = %d, minor = %d" :
		 "INSERT INTO leasesnoop.schema_version VALUES (%d, %d)",
		 LEASEDB_SCHEMA_VERSION, LEASEDB_SCHEMA_MINOR);
	if (admin_exec(conn, sql, "setting the schema version") ||
	    admin_exec(conn, "COMMIT", "COMMIT"))
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
	err = 0;
out:
	PQfinish(conn);
	return err;
}
