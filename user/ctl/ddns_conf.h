/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ddns_conf.h - read Kea D2's "DhcpDdns" syntax (tsig-keys,
 * forward-ddns, reverse-ddns and their ddns-domains / dns-servers) into a
 * struct zones, through user/ctl/confread.h. Comments (#, //, C-style) are
 * allowed as in Kea's files. Unknown keys, wrong types, unknown key-names
 * and domains without servers are rejected with confread's messages, which
 * name the key path, the file and the line.
 */
#ifndef LS_DDNS_CONF_H
#define LS_DDNS_CONF_H

#include <jansson.h>

#include "user/ctl/confread.h"
#include "user/dns/zones.h"

struct ddns_conf {
	struct zones *zones;
	unsigned int server_timeout_ms;	/* D2's dns-server-timeout; 0 if absent */
	char ncr_ip[64];		/* D2's "ip-address" (its NCR listener); "" if absent */
	uint16_t ncr_port;		/* D2's "port"; 0 if absent */
};

/* When set, keys that are not D2's are left for the caller (the Leasesnoop map). */
#define DDNS_CONF_ALLOW_FOREIGN 0x1

/*
 * ddns_conf_read() - fill @conf from @obj at @cr's key path: a map holding
 * "DhcpDdns", the DhcpDdns map itself, or (DDNS_CONF_ALLOW_FOREIGN) the
 * Leasesnoop map holding the same sections inline. On success
 * @conf->zones is owned by the caller. Returns 0, LS_ECONFIG (logged) or
 * -ENOMEM.
 */
int ddns_conf_read(struct confread *cr, const json_t *obj, unsigned int flags,
		   struct ddns_conf *conf);

/*
 * ddns_conf_parse_json() - fill @conf from @obj: either a map holding
 * "DhcpDdns" or the DhcpDdns map itself. @file names the source in messages
 * (no line numbers: the text is not known).
 * On success @conf->zones is owned by the caller (zones_free()). Returns 0 or
 * LS_ECONFIG / -ENOMEM.
 */
int ddns_conf_parse_json(const json_t *obj, const char *file, unsigned int flags,
			 struct ddns_conf *conf);

/* ddns_conf_load() - confread_load() then ddns_conf_read(), with line numbers. */
int ddns_conf_load(const char *path, struct ddns_conf *conf);

/* ddns_conf_fini() - free what @conf holds; the struct itself is the caller's. */
void ddns_conf_fini(struct ddns_conf *conf);

#endif
