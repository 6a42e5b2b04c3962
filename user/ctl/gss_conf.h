/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ctl/gss_conf.h - GSS-TSIG settings in the shape of the parameters of
 * Kea D2's gss_tsig hook (server-principal, client-principal,
 * client-keytab, credentials-cache, tkey-lifetime, rekey-interval,
 * retry-interval, tkey-protocol, exchange-timeout, fallback, and a
 * "servers" list overriding them per DNS server, limited to some domains
 * with domain-names), read with user/ctl/confread and given to the servers
 * of a struct zones (zones_set_gss()). A D2 configuration's gss_tsig hook
 * entry is read as is; the same map may stand inline in the Leasesnoop map
 * as "gss-tsig". Servers whose key has algorithm gss-tsig take the global
 * settings.
 */
#ifndef LS_GSS_CONF_H
#define LS_GSS_CONF_H

#include <jansson.h>

#include "user/ctl/confread.h"
#include "user/dns/zones.h"

/*
 * gss_conf_read() - read the parameters map @params at key @key of @cr's
 * path and give the settings to the servers of @z (whose domains and
 * servers must be read already). A "servers" entry matching no server of
 * @z, rekey-interval not below tkey-lifetime, retry-interval not below
 * rekey-interval, fallback true, or a server left without a
 * server-principal are refused with confread's messages. Returns 0,
 * LS_ECONFIG or -ENOMEM.
 */
int gss_conf_read(struct confread *cr, const char *key, const json_t *params, struct zones *z);

/*
 * gss_conf_check() - every server of @z whose key has algorithm gss-tsig
 * has GSS-TSIG settings. Returns 0 or LS_ECONFIG (logged, naming @file).
 */
int gss_conf_check(const struct zones *z, const char *file);

#endif
