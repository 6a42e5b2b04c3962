// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ctl/leasedb_conf.c - the tables of "lease-database" and
 * "lease-database-feed", and the reading of Kea's own configuration file
 * for "kea-config-file" (leasedb_conf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/ctl/leasedb_conf.h"
#include "user/lease/shard.h"

#define OFF(f) CONFREAD_OFF(struct leasedb_conf, f)
#define SZ(f) CONFREAD_SZ(struct leasedb_conf, f)

/* Kea's default memfile paths (Debian's build: localstatedir /var) */
#define KEA_LEASES4 "/var/lib/kea/kea-leases4.csv"
#define KEA_LEASES6 "/var/lib/kea/kea-leases6.csv"

static const char *const type_names[] = {
	[LEASEDB_MEMFILE] = "memfile", [LEASEDB_POSTGRESQL] = "postgresql",
	[LEASEDB_MYSQL] = "mysql",
};

const struct confread_item leasedb_conf_items[] = {
	{ .key = "type", .type = CONFREAD_ENUM, .flags = CONFREAD_REQUIRED, .offset = OFF(type),
	  .size = SZ(type), .names = type_names, .min = LEASEDB_MEMFILE, .max = LEASEDB_MYSQL },
	{ .key = "name", .type = CONFREAD_STR, .flags = CONFREAD_NONEMPTY, .offset = OFF(name) },
	{ .key = "host", .type = CONFREAD_STR, .flags = CONFREAD_NONEMPTY, .offset = OFF(host) },
	{ .key = "port", .type = CONFREAD_U32, .offset = OFF(port), .min = 1, .max = 65535 },
	{ .key = "user", .type = CONFREAD_STR, .flags = CONFREAD_NONEMPTY, .offset = OFF(user) },
	{ .key = "password", .type = CONFREAD_STR, .flags = CONFREAD_SECRET,
	  .offset = OFF(password) },
	{ .key = "connect-timeout", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(connect_timeout_s), .min = 1, .max = 3600, .def = 5 },
	{ .key = "tcp-user-timeout", .type = CONFREAD_U32, .offset = OFF(tcp_user_timeout_s),
	  .min = 0, .max = 3600 },
	/* Kea's own: how Kea itself uses the database, nothing to leasesnoop */
	{ .key = "persist", .type = CONFREAD_ANY },
	{ .key = "lfc-interval", .type = CONFREAD_ANY },
	{ .key = "max-row-errors", .type = CONFREAD_ANY },
	{ .key = "readonly", .type = CONFREAD_ANY },
	{ .key = "reconnect-wait-time", .type = CONFREAD_ANY },
	{ .key = "max-reconnect-tries", .type = CONFREAD_ANY },
	{ .key = "on-fail", .type = CONFREAD_ANY },
	{ .key = "retry-on-startup", .type = CONFREAD_ANY },
	{ .key = "read-timeout", .type = CONFREAD_ANY },
	{ .key = "write-timeout", .type = CONFREAD_ANY },
	{ .key = "trust-anchor", .type = CONFREAD_ANY },
	{ .key = "cert-file", .type = CONFREAD_ANY },
	{ .key = "key-file", .type = CONFREAD_ANY },
	{ .key = "cipher-list", .type = CONFREAD_ANY },
	{ .type = CONFREAD_END },
};

const struct confread_item leasedb_feed_items[] = {
	{ .key = "poll-interval", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(poll_ms), .min = 10, .max = 60000, .def = 200 },
	{ .key = "name-debounce", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(debounce_ms), .min = 0, .max = 10000, .def = 500 },
	{ .key = "change-retention", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(retention_s), .min = 0, .max = 30 * 86400, .def = 3600 },
	{ .key = "page-rows", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(page_rows), .min = 100, .max = 1000000, .def = 5000 },
	{ .type = CONFREAD_END },
};

const struct confread_item leasedb_shared_items[] = {
	{ .key = "enabled", .type = CONFREAD_BOOL, .offset = OFF(shared) },
	{ .key = "shards", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT, .offset = OFF(shards),
	  .min = 1, .max = SHARD_MAX, .def = 16 },
	{ .key = "node-index", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(node_index), .min = 0, .max = SHARD_MAX - 1, .def = 0 },
	{ .key = "node-count", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(node_count), .min = 1, .max = SHARD_MAX, .def = 1 },
	{ .key = "takeover-delay", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(takeover_ms), .min = 0, .max = 600000, .def = 3000 },
	{ .type = CONFREAD_END },
};

int leasedb_shared_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct leasedb_conf *db = field;

	(void)base;
	if (db->node_index >= db->node_count) {
		confread_push(cr, key, false);
		confread_bad(cr, "node-index", "must be less than node-count");
		confread_pop(cr);
		return LS_ECONFIG;
	}
	return 0;
}

int leasedb_conf_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct leasedb_conf *db = field;

	(void)base;
	if (db->type != LEASEDB_MEMFILE && !db->name) {
		confread_push(cr, key, false);
		confread_missing(cr, "name");
		confread_pop(cr);
		return LS_ECONFIG;
	}
	if (db->type == LEASEDB_MEMFILE && (db->name || db->host || db->user)) {
		confread_push(cr, key, false);
		confread_bad(cr, db->name ? "name" : db->host ? "host" : "user",
			     "is not for memfile: name the files in 'lease-files' (or use 'kea-config-file')");
		confread_pop(cr);
		return LS_ECONFIG;
	}
	return 0;
}

int leasedb_kea_files_read(struct confread *cr, const json_t *v, void *field)
{
	struct leasedb_kea_files *k = field;
	const char *want = "a file name or a list of at most two";
	size_t i;
	json_t *e;

	if (json_is_string(v) && *json_string_value(v)) {
		k->path[0] = strdup(json_string_value(v));
		k->n = 1;
		return k->path[0] ? 0 : -ENOMEM;
	}
	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 2)
		return confread_bad_value(cr, NULL, want, v);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || !*json_string_value(e)) {
			confread_push_idx(cr, i);
			confread_bad_value(cr, NULL, "a file name", e);
			confread_pop(cr);
			return LS_ECONFIG;
		}
		k->path[k->n] = strdup(json_string_value(e));
		if (!k->path[k->n])
			return -ENOMEM;
		k->n++;
	}
	return 0;
}

void leasedb_kea_files_free(struct leasedb_kea_files *k)
{
	for (int i = 0; i < k->n; i++)
		free(k->path[i]);
	k->n = 0;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Kea's map "Dhcp4"/"Dhcp6": any key but lease-database is Kea's business */
static const struct confread_item kea_map_items[] = {
	{ .key = "lease-database", .type = CONFREAD_JSON },
	{ .key = "*", .type = CONFREAD_ANY },
	{ .type = CONFREAD_END },
};

int leasedb_conf_from_kea(const char *path, struct leasedb_conf *db, char **lf4, char **lf6)
{
	const json_t *ldb = NULL;
	struct leasedb_conf d = { 0 };
	struct confread cr;
	const char *top;
	json_t *root = NULL, *m;
	char *text = NULL;
	int family, err;

	err = confread_load(path, &root, &text);
	if (err)
		goto out;
	confread_init(&cr, path, text);
	m = json_object_get(root, "Dhcp4");
	top = "Dhcp4";
	family = 4;
	if (!m) {
		m = json_object_get(root, "Dhcp6");
		top = "Dhcp6";
		family = 6;
	}
	if (!json_is_object(m)) {
		pr_err("config: '%s' is not a Kea DHCP server configuration (no \"Dhcp4\" or \"Dhcp6\" map)",
		       path);
		err = LS_ECONFIG;
		goto out;
	}
	confread_push(&cr, top, true);
	err = confread_map(&cr, m, kea_map_items, &ldb);
	d.connect_timeout_s = 5;
	if (!err && ldb)
		err = confread_value(&cr, "lease-database", ldb,
				     &(const struct confread_item){ .type = CONFREAD_MAP,
								   .sub = leasedb_conf_items },
				     &d);
	if (!err && d.type != LEASEDB_MEMFILE && !d.name) {
		confread_push(&cr, "lease-database", false);
		err = confread_missing(&cr, "name");
		confread_pop(&cr);
	}
	confread_pop(&cr);
	if (err)
		goto out;
	if (d.type == LEASEDB_MEMFILE) {
		char **lf = family == 4 ? lf4 : lf6;

		free(*lf);
		*lf = strdup(d.name ? d.name : family == 4 ? KEA_LEASES4 : KEA_LEASES6);
		err = *lf ? 0 : -ENOMEM;
		if (!err && db->type != LEASEDB_MEMFILE)
			goto mixed;
		goto out;
	}
	if (db->type != LEASEDB_MEMFILE) {
		/* the second file: the same database, or the feed would miss one */
		if (db->type != d.type || !same(db->name, d.name) || !same(db->host, d.host) || db->port != d.port) {
			pr_err("config: '%s' names another lease database than the first kea-config-file; both must share one",
			       path);
			err = LS_ECONFIG;
			goto out;
		}
	} else if (*lf4 || *lf6) {
		goto mixed;
	} else {
		char *keep[4] = { db->name, db->host, db->user, db->password };

		*db = (struct leasedb_conf){ .type = d.type, .name = d.name, .host = d.host,
					     .user = d.user, .password = d.password, .port = d.port,
					     .connect_timeout_s = d.connect_timeout_s,
					     .tcp_user_timeout_s = d.tcp_user_timeout_s,
					     .poll_ms = db->poll_ms, .debounce_ms = db->debounce_ms,
					     .retention_s = db->retention_s,
					     .page_rows = db->page_rows };
		for (int i = 0; i < 4; i++)
			free(keep[i]);
		d.name = d.host = d.user = d.password = NULL;
		db->v4 = db->v6 = false;
	}
	if (family == 4)
		db->v4 = true;
	else
		db->v6 = true;
	goto out;
mixed:
	pr_err("config: the kea-config-file files mix memfile and a database; leasesnoop follows one source");
	err = LS_ECONFIG;
out:
	leasedb_conf_fini(&d);
	json_decref(root);
	free(text);
	return err;
}
