// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/pgfeed.c - the PostgreSQL backend (pgfeed.h): libpq sessions
 * and statements, and leasesnoop's schema in PostgreSQL's dialect.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/common/log.h"
#include "user/common/util.h"
#include "user/lease/pgfeed.h"

#define CHANNEL "leasesnoop_change"

/* leasedb_row_parse()'s columns; every Kea schema from 13.0 (lease6.address varchar or inet) */
#define COLS4 \
	"address::text, encode(hwaddr, 'hex'), encode(client_id, 'hex'), " \
	"coalesce(valid_lifetime, 0), coalesce(extract(epoch from expire)::bigint, 0), " \
	"coalesce(subnet_id, 0), coalesce(fqdn_fwd::int, 0), coalesce(fqdn_rev::int, 0), " \
	"coalesce(hostname, ''), coalesce(state, 0), coalesce(user_context, '')"
#define COLS6 \
	"address::text, encode(duid, 'hex'), coalesce(valid_lifetime, 0), " \
	"coalesce(extract(epoch from expire)::bigint, 0), coalesce(subnet_id, 0), " \
	"coalesce(pref_lifetime, 0), coalesce(lease_type, 0), coalesce(iaid, 0), " \
	"coalesce(prefix_len, 128), coalesce(fqdn_fwd::int, 0), coalesce(fqdn_rev::int, 0), " \
	"coalesce(hostname, ''), coalesce(state, 0), encode(hwaddr, 'hex'), " \
	"coalesce(hwtype, 0), coalesce(hwaddr_source, 0), coalesce(user_context, '')"
#define STMT_TIMEOUT_MS "10000"
/*
 * The client's own bound on one statement: the server's statement timeout
 * and then some. A server that does not answer at all (stopped, hung: its
 * kernel still acknowledges, so neither keepalives nor tcp_user_timeout
 * end the session) would otherwise hold the caller for ever.
 */
#define CLIENT_TIMEOUT_MS 15000

/* ---- the schema (version LEASEDB_SCHEMA_VERSION.LEASEDB_SCHEMA_MINOR) ---- */

static const char ddl_text[] =
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
	/* 1.1: the shared ownership store (user/sync/pgowner.c); hash: shard_hash() */
	"CREATE TABLE IF NOT EXISTS leasesnoop.owner (\n"
	"  family SMALLINT NOT NULL,\n"
	"  address BYTEA NOT NULL,\n"
	"  hash BIGINT NOT NULL,\n"
	"  rec BYTEA NOT NULL,\n"
	"  updated TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
	"  PRIMARY KEY (family, address));\n"
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

static const char *const ddl[] = { "BEGIN", ddl_text, NULL };

/* ---- sessions ---- */

struct sqlconn {
	PGconn *pg;
};

/* libpq's text spans lines ("…failed: …\n\tIs the server running…"): one line */
static void pq_msg(const PGconn *conn, const PGresult *res, char *buf, size_t size)
{
	const char *m = res ? PQresultErrorMessage(res) : "";
	size_t o = 0;

	if (!m || !*m)
		m = conn ? PQerrorMessage(conn) : "out of memory";
	for (; *m && o + 1 < size; m++) {
		char ch = *m == '\n' || *m == '\r' || *m == '\t' ? ' ' : *m;

		if (ch != ' ' || (o && buf[o - 1] != ' '))
			buf[o++] = ch;
	}
	while (o && buf[o - 1] == ' ')
		o--;
	buf[o] = 0;
}

/* NOTICEs ("already exists, skipping") are libpq's chatter, not the operator's */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	pr_debug("pgfeed: server notice: %s", msg);
}

static int pg_start(struct sqlconn **out, const struct leasedb_conf *c, bool blocking, char *msg,
		    size_t len)
{
	const char *kw[16], *val[16];
	char port[12], ct[12], tut[16];
	struct sqlconn *s;
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
	*out = NULL;
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
	/*
	 * and the server notices a dead leasesnoop host within seconds too: its
	 * session's advisory locks (the shared mode's shard leaders) go with it
	 */
	KV("options", "-c statement_timeout=" STMT_TIMEOUT_MS " -c tcp_keepalives_idle=5"
		      " -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3");
#undef KV
	kw[n] = val[n] = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	s->pg = blocking ? PQconnectdbParams(kw, val, 0) : PQconnectStartParams(kw, val, 0);
	if (!s->pg || PQstatus(s->pg) == CONNECTION_BAD) {
		pq_msg(s->pg, NULL, msg, len);
		PQfinish(s->pg);
		free(s);
		return -EIO;
	}
	PQsetNoticeProcessor(s->pg, quiet, NULL);
	*out = s;
	return 0;
}

static int pg_step(struct sqlconn *s, char *msg, size_t len)
{
	for (int i = 0; i < 32; i++) {
		PostgresPollingStatusType r = PQconnectPoll(s->pg);
		struct pollfd p = { .fd = PQsocket(s->pg) };

		if (r == PGRES_POLLING_OK)
			return 1;
		if (r == PGRES_POLLING_FAILED) {
			pq_msg(s->pg, NULL, msg, len);
			return -EIO;
		}
		p.events = r == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		if (poll(&p, 1, 0) <= 0)
			return 0;	/* the socket (epoll) or the next tick brings us back */
	}
	return 0;
}

static int pg_fd(const struct sqlconn *s)
{
	return PQsocket(s->pg);
}

static bool failed(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK;
}

/*
 * PQexec() with a deadline: the statement's result (the first error, else
 * the last result, as PQexec() returns), or NULL with *@late set when the
 * server has not answered within CLIENT_TIMEOUT_MS.
 */
static PGresult *exec_bounded(PGconn *pg, const char *sql, bool *late)
{
	uint64_t deadline = util_mono_ms() + CLIENT_TIMEOUT_MS;
	PGresult *keep = NULL, *res;

	*late = false;
	if (!PQsendQuery(pg, sql))
		return NULL;
	for (;;) {
		struct pollfd p = { .fd = PQsocket(pg), .events = POLLIN };
		uint64_t now;

		while (!PQisBusy(pg)) {
			res = PQgetResult(pg);
			if (!res)
				return keep;
			if (!keep || !failed(keep)) {	/* the first error stays */
				PQclear(keep);
				keep = res;
			} else {
				PQclear(res);
			}
		}
		now = util_mono_ms();
		if (now >= deadline) {
			*late = true;
			PQclear(keep);
			return NULL;
		}
		if (poll(&p, 1, (int)(deadline - now)) < 0 && errno != EINTR) {
			PQclear(keep);
			return NULL;
		}
		if (!PQconsumeInput(pg)) {
			PQclear(keep);
			return NULL;
		}
	}
}

static int pg_exec(struct sqlconn *s, const char *sql, struct sqlrows *out, char *msg, size_t len)
{
	bool late;
	PGresult *res = exec_bounded(s->pg, sql, &late);
	int n, nc;

	memset(out, 0, sizeof(*out));
	if (late) {
		snprintf(msg, len, "no answer from the server within %d s (stopped or hung?)",
			 CLIENT_TIMEOUT_MS / 1000);
		return SQLFEED_ELOST;	/* the session is unusable: a new one is opened */
	}
	if (failed(res)) {
		const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		int err = -EIO;

		pq_msg(s->pg, res, msg, len);
		if (PQstatus(s->pg) == CONNECTION_BAD)
			err = SQLFEED_ELOST;
		else if (code && (!strcmp(code, "42P01") || !strcmp(code, "3F000")))
			err = SQLFEED_ENOTAB;	/* undefined table, undefined schema */
		PQclear(res);
		return err;
	}
	n = PQntuples(res);
	nc = PQnfields(res);
	out->n = n;
	out->ncols = nc;
	out->res = res;
	out->affected = strtoull(PQcmdTuples(res), NULL, 10);
	if (n && nc) {
		out->v = malloc((size_t)n * (size_t)nc * sizeof(*out->v));
		if (!out->v) {
			PQclear(res);
			memset(out, 0, sizeof(*out));
			snprintf(msg, len, "out of memory");
			return -ENOMEM;
		}
		for (int i = 0; i < n; i++)
			for (int c = 0; c < nc; c++)
				out->v[(size_t)i * (size_t)nc + (size_t)c] =
					PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
	}
	return 0;
}

static void pg_rows_free(struct sqlrows *r)
{
	free(r->v);
	PQclear(r->res);
	memset(r, 0, sizeof(*r));
}

static int pg_wakeups(struct sqlconn *s)
{
	PGnotify *n;
	int k = 0;

	if (!PQconsumeInput(s->pg) || PQstatus(s->pg) == CONNECTION_BAD)
		return SQLFEED_ELOST;
	while ((n = PQnotifies(s->pg))) {
		k++;
		PQfreemem(n);
	}
	return k;
}

static void pg_close(struct sqlconn *s)
{
	if (!s)
		return;
	PQfinish(s->pg);
	free(s);
}

const struct sqlfeed_backend pgfeed_backend = {
	.name = "PostgreSQL",
	.cols = { COLS4, COLS6 },
	.change = "leasesnoop.change",
	.version = "leasesnoop.schema_version",
	.prune = { "DELETE FROM leasesnoop.change WHERE at < now() - make_interval(secs => ", ")" },
	.triggers = "SELECT count(*) FROM pg_trigger WHERE tgname = 'leasesnoop_change'"
		    " AND tgrelid IN (to_regclass('lease4'), to_regclass('lease6'))",
	.triggers_want = 2,
	.listen = "LISTEN " CHANNEL,
	/* without SELECT or USAGE on the sequence: NULL, not an error */
	.seq_last = "SELECT CASE WHEN has_sequence_privilege('leasesnoop.change_seq_seq', 'SELECT, USAGE')"
		    " THEN pg_sequence_last_value('leasesnoop.change_seq_seq') END",
	.kea_check = "SELECT to_regclass('lease4') IS NOT NULL AND to_regclass('lease6') IS NOT NULL",
	.ddl = ddl,
	.default_port = 5432,
	.start = pg_start,
	.step = pg_step,
	.fd = pg_fd,
	.exec = pg_exec,
	.rows_free = pg_rows_free,
	.wakeups = pg_wakeups,
	.close = pg_close,
};
