// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ctl/gss_conf.c - the gss_tsig hook's parameters on confread tables.
 * The global map is read into one struct zones_gss; each "servers" entry is
 * read into a scratch entry whose unset fields (empty strings, zero
 * numbers) take the global values, checked, then given to the matching
 * servers of the zones.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/ctl/gss_conf.h"

#define OFF CONFREAD_OFF
#define SZ CONFREAD_SZ
#define DOMAINS_MAX 64

/* tkey-protocol: index 0 is "not set" (a server entry then takes the global value) */
static const char *const protocols[] = { "", "TCP", "UDP" };

struct gss_global {
	struct zones_gss g;
	uint32_t proto;
	bool fallback, replay, sequence;
	const json_t *servers;
	struct zones *z;
};

struct gss_server {
	struct zones_gss g;		/* zero fields: the global's */
	uint32_t proto, port;
	const char *id, *ip;
	bool fallback, replay, sequence;
	const char *domains[DOMAINS_MAX];
	int ndomains;
};

/* the keys a global map and a server entry share, @T the struct read into */
#define COMMON_ITEMS(T, DEF, DEFSTR) \
	{ .key = "server-principal", .type = CONFREAD_BUF, .flags = DEFSTR, \
	  .offset = OFF(T, g.server_principal), .size = SZ(T, g.server_principal), .def_str = "" }, \
	{ .key = "client-principal", .type = CONFREAD_BUF, .flags = DEFSTR, \
	  .offset = OFF(T, g.client_principal), .size = SZ(T, g.client_principal), .def_str = "" }, \
	{ .key = "tkey-lifetime", .type = CONFREAD_U32, .flags = DEF, \
	  .offset = OFF(T, g.tkey_lifetime), .min = 1, .max = 86400 * 30, .def = 3600 }, \
	{ .key = "rekey-interval", .type = CONFREAD_U32, .flags = DEF, \
	  .offset = OFF(T, g.rekey_interval), .min = 1, .max = 86400 * 30, .def = 2700 }, \
	{ .key = "retry-interval", .type = CONFREAD_U32, .flags = DEF, \
	  .offset = OFF(T, g.retry_interval), .min = 1, .max = 86400, .def = 120 }, \
	{ .key = "exchange-timeout", .type = CONFREAD_U32, .flags = DEF, \
	  .offset = OFF(T, g.exchange_timeout_ms), .min = 1, .max = 600000, .def = 3000 }, \
	{ .key = "tkey-protocol", .type = CONFREAD_ENUM, .flags = CONFREAD_NOCASE | DEF, \
	  .offset = OFF(T, proto), .size = SZ(T, proto), .names = protocols, .min = 1, .max = 2, \
	  .def = 1 }, \
	{ .key = "fallback", .type = CONFREAD_BOOL, .offset = OFF(T, fallback) }, \
	/* GSS-API flags: leasesnoop asks replay detection and never sequencing, as \
	 * pipelined replies arrive out of order; the keys are accepted for D2's files */ \
	{ .key = "gss-replay-flag", .type = CONFREAD_BOOL, .offset = OFF(T, replay) }, \
	{ .key = "gss-sequence-flag", .type = CONFREAD_BOOL, .offset = OFF(T, sequence) }

static const struct confread_item domain_entry[] = {
	{ .type = CONFREAD_CSTR, .flags = CONFREAD_NONEMPTY },
	{ .type = CONFREAD_END },
};

static const struct confread_item server_items[] = {
	COMMON_ITEMS(struct gss_server, 0, 0),
	/* per server only in Kea's hook: the global map has them too, as defaults */
	{ .key = "client-keytab", .type = CONFREAD_BUF, .offset = OFF(struct gss_server, g.client_keytab),
	  .size = SZ(struct gss_server, g.client_keytab) },
	{ .key = "credentials-cache", .type = CONFREAD_BUF,
	  .offset = OFF(struct gss_server, g.credentials_cache),
	  .size = SZ(struct gss_server, g.credentials_cache) },
	{ .key = "id", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED | CONFREAD_NONEMPTY,
	  .offset = OFF(struct gss_server, id) },
	{ .key = "ip-address", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED,
	  .offset = OFF(struct gss_server, ip) },
	{ .key = "port", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(struct gss_server, port), .min = 0, .max = 65535, .def = 53 },
	{ .key = "domain-names", .type = CONFREAD_LIST, .sub = domain_entry,
	  .offset = OFF(struct gss_server, domains), .elem_size = sizeof(const char *),
	  .count_offset = OFF(struct gss_server, ndomains), .max = DOMAINS_MAX },
	{ .type = CONFREAD_END },
};

/* What one server's settings must satisfy (Kea's rules), @key naming where to point. */
static int settings_check(struct confread *cr, const struct zones_gss *g, bool fallback)
{
	if (fallback)
		return confread_bad(cr, "fallback",
				    "must be false: leasesnoop never sends an update unsigned or with another key when GSS-TSIG fails");
	if (!g->server_principal[0])
		return confread_missing(cr, "server-principal");
	if (g->rekey_interval >= g->tkey_lifetime)
		return confread_bad(cr, "rekey-interval", "must be below tkey-lifetime (%u), not %u",
				    g->tkey_lifetime, g->rekey_interval);
	if (g->retry_interval >= g->rekey_interval)
		return confread_bad(cr, "retry-interval", "must be below rekey-interval (%u), not %u",
				    g->rekey_interval, g->retry_interval);
	return 0;
}

static int server_apply(struct confread *cr, void *entry, size_t idx, void *base)
{
	struct gss_server *s = entry;
	const struct gss_global *gl = base;
	struct zones_gss g = s->g;
	int n, err;

	(void)idx;
	/* unset here: the global value */
#define INHERIT_STR(f) if (!g.f[0]) memcpy(g.f, gl->g.f, sizeof(g.f))
#define INHERIT_NUM(f) if (!g.f) g.f = gl->g.f
	INHERIT_STR(server_principal);
	INHERIT_STR(client_principal);
	INHERIT_STR(client_keytab);
	INHERIT_STR(credentials_cache);
	INHERIT_NUM(tkey_lifetime);
	INHERIT_NUM(rekey_interval);
	INHERIT_NUM(retry_interval);
	INHERIT_NUM(exchange_timeout_ms);
#undef INHERIT_STR
#undef INHERIT_NUM
	g.tcp = (s->proto ? s->proto : gl->proto) != 2;
	err = settings_check(cr, &g, s->fallback || gl->fallback);
	if (err)
		return err;
	n = zones_set_gss(gl->z, s->ip, (uint16_t)s->port, s->domains, (size_t)s->ndomains, &g);
	if (n == -EINVAL)
		return confread_bad(cr, "ip-address", "must be an IP address, not \"%s\"", s->ip);
	if (n < 0)
		return n;
	if (!n)
		return confread_bad(cr, NULL,
				    "server '%s' (%s port %u) is no dns-servers entry of forward-ddns or reverse-ddns%s",
				    s->id, s->ip, s->port, s->ndomains ? " in the domains of domain-names" : "");
	return 0;
}

static const struct confread_item server_entry[] = {
	{ .type = CONFREAD_MAP, .sub = server_items },
	{ .type = CONFREAD_END },
};

static const struct confread_item servers_list = {
	.key = "servers", .type = CONFREAD_LIST, .sub = server_entry,
	.elem_size = sizeof(struct gss_server), .each = server_apply,
};

static const struct confread_item global_items[] = {
	COMMON_ITEMS(struct gss_global, CONFREAD_DEFAULT, CONFREAD_DEFAULT),
	{ .key = "client-keytab", .type = CONFREAD_BUF, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(struct gss_global, g.client_keytab),
	  .size = SZ(struct gss_global, g.client_keytab), .def_str = "" },
	{ .key = "credentials-cache", .type = CONFREAD_BUF, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(struct gss_global, g.credentials_cache),
	  .size = SZ(struct gss_global, g.credentials_cache), .def_str = "" },
	{ .key = "servers", .type = CONFREAD_JSON, .offset = OFF(struct gss_global, servers) },
	{ .type = CONFREAD_END },
};

static int global_apply_in(struct confread *cr, struct gss_global *gl);

/* after the global map: its servers, then the servers whose key says gss-tsig */
static int global_apply(struct confread *cr, const char *key, void *field, void *base)
{
	struct gss_global *gl = field;
	int err;

	(void)base;
	/* checks run beside the map: messages name its keys below it */
	confread_push(cr, key, false);
	err = global_apply_in(cr, gl);
	confread_pop(cr);
	return err;
}

static int global_apply_in(struct confread *cr, struct gss_global *gl)
{
	int err, n;

	gl->g.tcp = gl->proto != 2;
	if (gl->servers) {
		err = confread_value(cr, servers_list.key, gl->servers, &servers_list, gl);
		if (err)
			return err;
	}
	if (!gl->g.server_principal[0])
		return 0;	/* only per-server settings */
	err = settings_check(cr, &gl->g, gl->fallback);
	if (err)
		return err;
	n = zones_set_gss(gl->z, NULL, 0, NULL, 0, &gl->g);
	if (!n && !gl->servers)
		pr_warn("config: GSS-TSIG settings in '%s' apply to no server: list them in \"servers\" (as Kea's gss_tsig hook wants) or give their domains a key with algorithm gss-tsig",
			cr->file);
	return n < 0 ? n : 0;
}

static const struct confread_item global_map[] = {
	{ .type = CONFREAD_MAP, .sub = global_items, .check = global_apply },
	{ .type = CONFREAD_END },
};

int gss_conf_read(struct confread *cr, const char *key, const json_t *params, struct zones *z)
{
	struct gss_global gl = { .z = z };
	int err;

	err = confread_defaults(global_items, &gl);
	if (err)
		return err;
	return confread_value(cr, key, params, global_map, &gl);
}

int gss_conf_check(const struct zones *z, const char *file)
{
	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; i < zones_count(z, r); i++) {
			const struct zones_domain *d = zones_domain_at(z, r, i);

			for (size_t k = 0; k < d->nservers; k++) {
				const struct zones_server *s = &d->servers[k];

				if (s->key && s->key->alg == TSIG_GSS_TSIG && !s->gss) {
					pr_err("config: server '%s' of domain '%s' in '%s' uses gss-tsig key '%s' but no GSS-TSIG settings apply to it (set \"gss-tsig\" with a server-principal)",
					       s->text, d->name, file, s->key->name);
					return LS_ECONFIG;
				}
			}
		}
	}
	return 0;
}
