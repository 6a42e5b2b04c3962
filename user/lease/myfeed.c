// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/myfeed.c - the MySQL/MariaDB backend (myfeed.h): libmariadb
 * sessions and statements, and leasesnoop's tables and triggers in MySQL's
 * dialect (Kea's schema 14.0 of Kea 2.2: lease6.address is a varchar).
 */
#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/common/log.h"
#include "user/common/util.h"
#include "user/lease/myfeed.h"

/* leasedb_row_parse()'s columns */
#define COLS4 \
	"address, HEX(hwaddr), HEX(client_id), coalesce(valid_lifetime, 0), " \
	"CAST(coalesce(UNIX_TIMESTAMP(expire), 0) AS UNSIGNED), coalesce(subnet_id, 0), " \
	"coalesce(fqdn_fwd, 0), coalesce(fqdn_rev, 0), coalesce(hostname, ''), " \
	"coalesce(state, 0), coalesce(user_context, '')"
#define COLS6 \
	"address, HEX(duid), coalesce(valid_lifetime, 0), " \
	"CAST(coalesce(UNIX_TIMESTAMP(expire), 0) AS UNSIGNED), coalesce(subnet_id, 0), " \
	"coalesce(pref_lifetime, 0), coalesce(lease_type, 0), coalesce(iaid, 0), " \
	"coalesce(prefix_len, 128), coalesce(fqdn_fwd, 0), coalesce(fqdn_rev, 0), " \
	"coalesce(hostname, ''), coalesce(state, 0), HEX(hwaddr), coalesce(hwtype, 0), " \
	"coalesce(hwaddr_source, 0), coalesce(user_context, '')"

/* ---- the schema (version LEASEDB_SCHEMA_VERSION.LEASEDB_SCHEMA_MINOR) ---- */

#define INS(fam, row, op) \
	"INSERT INTO leasesnoop_change (family, address, op) VALUES (" fam ", " row ".address, '" op "')"
/*
 * A pure renewal (only expire and lifetimes moved, the old lease not yet
 * past its expiry) writes nothing: the feed checks a lease's row when the
 * clock says it is due.
 */
#define SAME(c) "NEW." c " <=> OLD." c
#define UPD(fam, same)                                                                  \
	"CREATE TRIGGER leasesnoop_lease" fam "_upd AFTER UPDATE ON lease" fam             \
	" FOR EACH ROW BEGIN\n"                                                            \
	"  IF NOT (" same " AND " SAME("address") " AND " SAME("subnet_id") " AND "       \
	SAME("fqdn_fwd") " AND " SAME("fqdn_rev") " AND " SAME("hostname") " AND "         \
	SAME("state") " AND " SAME("user_context") " AND OLD.expire > NOW()) THEN\n"       \
	"    " INS(fam, "NEW", "U") ";\n"                                                   \
	"    IF NOT (" SAME("address") ") THEN " INS(fam, "OLD", "D") "; END IF;\n"          \
	"  END IF;\n"                                                                      \
	"END"

static const char *const ddl[] = {
	"CREATE TABLE IF NOT EXISTS leasesnoop_schema_version ("
	" version INT NOT NULL, minor INT NOT NULL) ENGINE = InnoDB",
	"CREATE TABLE IF NOT EXISTS leasesnoop_change ("
	" seq BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,"
	" family TINYINT NOT NULL,"
	" address VARCHAR(64) NOT NULL,"
	" op CHAR(1) NOT NULL,"
	" at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
	" KEY leasesnoop_change_at (at)) ENGINE = InnoDB",
	"DROP TRIGGER IF EXISTS leasesnoop_lease4_ins",
	"DROP TRIGGER IF EXISTS leasesnoop_lease4_upd",
	"DROP TRIGGER IF EXISTS leasesnoop_lease4_del",
	"DROP TRIGGER IF EXISTS leasesnoop_lease6_ins",
	"DROP TRIGGER IF EXISTS leasesnoop_lease6_upd",
	"DROP TRIGGER IF EXISTS leasesnoop_lease6_del",
	"CREATE TRIGGER leasesnoop_lease4_ins AFTER INSERT ON lease4 FOR EACH ROW "
	INS("4", "NEW", "I"),
	UPD("4", SAME("hwaddr") " AND " SAME("client_id")),
	"CREATE TRIGGER leasesnoop_lease4_del AFTER DELETE ON lease4 FOR EACH ROW "
	INS("4", "OLD", "D"),
	"CREATE TRIGGER leasesnoop_lease6_ins AFTER INSERT ON lease6 FOR EACH ROW "
	INS("6", "NEW", "I"),
	UPD("6", SAME("duid") " AND " SAME("iaid") " AND " SAME("lease_type") " AND "
		 SAME("prefix_len") " AND " SAME("hwaddr") " AND " SAME("hwtype") " AND "
		 SAME("hwaddr_source")),
	"CREATE TRIGGER leasesnoop_lease6_del AFTER DELETE ON lease6 FOR EACH ROW "
	INS("6", "OLD", "D"),
	NULL,
};

/* ---- sessions ---- */

struct sqlconn {
	MYSQL *my;
	int wait;		/* non-zero: being set up, waiting for these MYSQL_WAIT_* */
	uint64_t wait_until;	/* its MYSQL_WAIT_TIMEOUT, monotonic ms */
};

/* a non-blocking call returned @status: remember what it waits for */
static void waiting(struct sqlconn *s, int status)
{
	s->wait = status;
	s->wait_until = status & MYSQL_WAIT_TIMEOUT ?
			util_mono_ms() + mysql_get_timeout_value_ms(s->my) : 0;
}

static int my_start(struct sqlconn **out, const struct leasedb_conf *c, bool blocking, char *msg,
		    size_t len)
{
	unsigned int ct = c->connect_timeout_s ? c->connect_timeout_s : 5, rw = 10;
	const char *host = c->host, *sock = NULL;
	my_bool no = 0;
	struct sqlconn *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->my = mysql_init(NULL))) {
		free(s);
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	mysql_options(s->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(s->my, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(s->my, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(s->my, MYSQL_OPT_RECONNECT, &no);	/* a new session is the feed's decision */
	if (host && host[0] == '/') {
		sock = host;
		host = "localhost";
	}
	if (blocking) {
		if (!mysql_real_connect(s->my, host, c->user, c->password, c->name, c->port, sock,
					0))
			goto fail;
	} else {
		/*
		 * libmariadb's non-blocking connect: my_step() advances it when its
		 * socket is ready, so a server that does not answer never holds the
		 * loop (the feed gives up after connect-timeout)
		 */
		MYSQL *ret = NULL;
		int st;

		mysql_options(s->my, MYSQL_OPT_NONBLOCK, 0);
		st = mysql_real_connect_start(&ret, s->my, host, c->user, c->password, c->name,
					      c->port, sock, 0);
		if (!st && !ret)
			goto fail;
		waiting(s, st);
	}
	*out = s;
	return 0;
fail:
	snprintf(msg, len, "%s", mysql_error(s->my));
	mysql_close(s->my);
	free(s);
	return -EIO;
}

static int my_step(struct sqlconn *s, char *msg, size_t len)
{
	for (int i = 0; i < 32 && s->wait; i++) {
		struct pollfd p = { .fd = (int)mysql_get_socket(s->my) };
		MYSQL *ret = NULL;
		int ev = 0;

		p.events = (short)((s->wait & MYSQL_WAIT_READ ? POLLIN : 0) |
				   (s->wait & MYSQL_WAIT_WRITE ? POLLOUT : 0) |
				   (s->wait & MYSQL_WAIT_EXCEPT ? POLLPRI : 0));
		if (p.fd >= 0 && poll(&p, 1, 0) > 0)
			ev = (p.revents & (POLLIN | POLLHUP | POLLERR) ? MYSQL_WAIT_READ : 0) |
			     (p.revents & POLLOUT ? MYSQL_WAIT_WRITE : 0) |
			     (p.revents & POLLPRI ? MYSQL_WAIT_EXCEPT : 0);
		if (!ev && s->wait_until && util_mono_ms() >= s->wait_until)
			ev = MYSQL_WAIT_TIMEOUT;
		if (!ev)
			return 0;	/* the next tick brings us back */
		s->wait = mysql_real_connect_cont(&ret, s->my, ev);
		if (!s->wait && !ret) {
			snprintf(msg, len, "%s", mysql_error(s->my));
			return -EIO;
		}
		waiting(s, s->wait);
	}
	return s->wait ? 0 : 1;
}

static int my_fd(const struct sqlconn *s)
{
	/* no NOTIFY to wait for: the timer polls (a closed socket would wake the loop for nothing) */
	(void)s;
	return -1;
}

static int my_exec(struct sqlconn *s, const char *sql, struct sqlrows *out, char *msg, size_t len)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned int e;
	int n, nc;

	memset(out, 0, sizeof(*out));
	if (mysql_real_query(s->my, sql, strlen(sql))) {
		e = mysql_errno(s->my);
		snprintf(msg, len, "%s", mysql_error(s->my));
		if (e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
		    e == CR_CONN_HOST_ERROR)
			return SQLFEED_ELOST;
		return e == ER_NO_SUCH_TABLE ? SQLFEED_ENOTAB : -EIO;
	}
	res = mysql_store_result(s->my);
	if (!res) {
		if (mysql_field_count(s->my)) {
			snprintf(msg, len, "%s", mysql_error(s->my));
			return SQLFEED_ELOST;
		}
		out->affected = mysql_affected_rows(s->my);
		return 0;
	}
	n = (int)mysql_num_rows(res);
	nc = (int)mysql_num_fields(res);
	out->n = n;
	out->ncols = nc;
	out->res = res;
	if (n && nc) {
		out->v = malloc((size_t)n * (size_t)nc * sizeof(*out->v));
		if (!out->v) {
			mysql_free_result(res);
			memset(out, 0, sizeof(*out));
			snprintf(msg, len, "out of memory");
			return -ENOMEM;
		}
		for (int i = 0; i < n && (row = mysql_fetch_row(res)); i++)
			for (int c = 0; c < nc; c++)
				out->v[(size_t)i * (size_t)nc + (size_t)c] = row[c];
	}
	return 0;
}

static void my_rows_free(struct sqlrows *r)
{
	free(r->v);
	if (r->res)
		mysql_free_result(r->res);
	memset(r, 0, sizeof(*r));
}

static int my_wakeups(struct sqlconn *s)
{
	(void)s;
	return 0;
}

static void my_close(struct sqlconn *s)
{
	if (!s)
		return;
	mysql_close(s->my);
	free(s);
}

const struct sqlfeed_backend myfeed_backend = {
	.name = "MySQL",
	.cols = { COLS4, COLS6 },
	.change = "leasesnoop_change",
	.version = "leasesnoop_schema_version",
	.prune = { "DELETE FROM leasesnoop_change WHERE at < NOW(6) - INTERVAL ", " SECOND" },
	.triggers = "SELECT count(*) FROM information_schema.TRIGGERS WHERE"
		    " TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME IN ('leasesnoop_lease4_ins',"
		    " 'leasesnoop_lease4_upd', 'leasesnoop_lease4_del', 'leasesnoop_lease6_ins',"
		    " 'leasesnoop_lease6_upd', 'leasesnoop_lease6_del')",
	.triggers_want = 6,
	.listen = NULL,
	.seq_last = "SELECT AUTO_INCREMENT - 1 FROM information_schema.TABLES WHERE"
		    " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'leasesnoop_change'",
	.kea_check = "SELECT count(*) = 2 FROM information_schema.TABLES WHERE"
		     " TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('lease4', 'lease6')",
	.ddl = ddl,
	.default_port = 3306,
	.start = my_start,
	.step = my_step,
	.fd = my_fd,
	.exec = my_exec,
	.rows_free = my_rows_free,
	.wakeups = my_wakeups,
	.close = my_close,
};
