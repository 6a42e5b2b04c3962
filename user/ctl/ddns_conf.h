/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ddns_conf.h - read Kea D2's "DhcpDdns" syntax (tsig-keys,
 * forward-ddns, reverse-ddns and their ddns-domains / dns-servers) into a
 * struct zones. Comments (#, //, C-style) are allowed as in Kea's files.
 * Unknown keys, wrong types, unknown key-names and domains without servers
 * are rejected with a message naming the key and the file.
 */
#ifndef LS_DDNS_CONF_H
#define LS_DDNS_CONF_H

#include <jansson.h>

#include "user/dns/zones.h"

struct ddns_conf {
	struct zones *zones;
	unsigned int server_timeout_ms;	/* D2's dns-server-timeout; 0 if absent */
};

/* When set, keys that are not D2's are left for the caller (the Leasesnoop map). */
#define DDNS_CONF_ALLOW_FOREIGN 0x1

/*
 * ddns_conf_read_json() - read the JSON file @path, comments allowed, into
 * *@out (a new reference). Returns 0, LS_ECONFIG (syntax, with line and
 * column logged) or a negative errno.
 */
int ddns_conf_read_json(const char *path, json_t **out);

/*
 * ddns_conf_parse_json() - fill @conf from @obj: either a map holding
 * "DhcpDdns" or the DhcpDdns map itself. @file names the source in messages.
 * On success @conf->zones is owned by the caller (zones_free()). Returns 0 or
 * LS_ECONFIG / -ENOMEM.
 */
int ddns_conf_parse_json(const json_t *obj, const char *file, unsigned int flags,
			 struct ddns_conf *conf);

/* ddns_conf_load() - ddns_conf_read_json() then ddns_conf_parse_json(). */
int ddns_conf_load(const char *path, struct ddns_conf *conf);

/* ddns_conf_fini() - free what @conf holds; the struct itself is the caller's. */
void ddns_conf_fini(struct ddns_conf *conf);

#endif
