/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ctl/leasedb_conf.h - where Kea keeps its leases, as the
 * configuration says it: "lease-database" in Kea's own syntax (type
 * memfile, postgresql or mysql; name, host, port, user, password,
 * connect-timeout, tcp-user-timeout; Kea's other keys accepted and
 * ignored), leasesnoop's "lease-database-feed" (how the change feed is
 * polled), or "kea-config-file": Kea's kea-dhcp4.conf / kea-dhcp6.conf,
 * whose lease-database map (or memfile path) is taken as it is, so the
 * operator states nothing twice. Only reads; the feed is user/lease/sqlfeed.
 */
#ifndef LS_LEASEDB_CONF_H
#define LS_LEASEDB_CONF_H

#include <stddef.h>

#include "user/ctl/confread.h"
#include "user/lease/leasedb.h"

/* "kea-config-file": one path or a list of two */
struct leasedb_kea_files {
	char *path[2];
	int n;
};

extern const struct confread_item leasedb_conf_items[];
extern const struct confread_item leasedb_feed_items[];
extern const struct confread_item leasedb_shared_items[];
int leasedb_shared_check(struct confread *cr, const char *key, void *field, void *base);
int leasedb_conf_check(struct confread *cr, const char *key, void *field, void *base);
int leasedb_kea_files_read(struct confread *cr, const json_t *v, void *field);

/*
 * The items of the Leasesnoop map: DB_OFF is the offset of a struct
 * leasedb_conf, FILES_OFF of a struct leasedb_kea_files.
 */
#define LEASEDB_CONFIG_ITEMS(DB_OFF, FILES_OFF)                                              \
	{ .key = "lease-database", .type = CONFREAD_MAP, .offset = (DB_OFF),                 \
	  .sub = leasedb_conf_items, .check = leasedb_conf_check },                          \
	{ .key = "lease-database-feed", .type = CONFREAD_MAP, .offset = (DB_OFF),            \
	  .sub = leasedb_feed_items },                                                       \
	{ .key = "lease-database-shared", .type = CONFREAD_MAP, .offset = (DB_OFF),          \
	  .sub = leasedb_shared_items, .check = leasedb_shared_check },                      \
	{ .key = "kea-config-file", .type = CONFREAD_FN, .offset = (FILES_OFF),              \
	  .fn = leasedb_kea_files_read, .want = "a file name or a list of at most two" }

/*
 * leasedb_conf_from_kea() - read Kea's configuration file @path (its
 * "Dhcp4" or "Dhcp6" map) into @db, or, for a memfile backend, the lease
 * file path into *@lf4 / *@lf6 (Kea's default path when "name" is absent).
 * A second file must name the same database as the first. Errors name the
 * key path in @path. Returns 0, LS_ECONFIG or a negative errno.
 */
int leasedb_conf_from_kea(const char *path, struct leasedb_conf *db, char **lf4, char **lf6);

/* leasedb_kea_files_free() - free the paths. */
void leasedb_kea_files_free(struct leasedb_kea_files *k);

#endif
