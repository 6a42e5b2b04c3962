// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ddns_conf.c - Kea D2 configuration reader, on user/ctl/confread's
 * tables. D2's NCR listener settings (ip-address, port, ncr-*) are read
 * for leasesnoop's own listener; keys it does not use (loggers,
 * control-socket, hooks) are accepted and ignored, so an existing
 * kea-dhcp-ddns.conf can be pointed at as is. The tables say what each map
 * holds; the functions below them only apply what was read to a struct
 * zones (a key, a domain, a server at a time), in table order, so a
 * key-name always finds its key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ctl/ddns_conf.h"
#include "user/ctl/gss_conf.h"
#include "user/common/errcode.h"
#include "user/common/log.h"

#define OFF CONFREAD_OFF

/* what one entry of each list holds, as read */
struct d2_key {
	const char *name, *algorithm, *secret, *secret_file;
	uint32_t digest_bits;
};

struct d2_server {
	const char *hostname, *ip, *key_name;
	uint32_t port;
};

struct d2_domain {
	const char *name, *key_name;
	const json_t *servers;
	bool prefix_delegation;
};

/* forward-ddns or reverse-ddns */
struct d2_side {
	struct zones *z;
	bool reverse;
	struct zones_domain *dom;	/* the domain whose servers are being read */
};

struct d2_read {
	struct zones *z;
	struct d2_side fwd, rev;
	uint32_t timeout_ms;
	const char *ncr_ip, *ncr_protocol, *ncr_format;
	uint32_t ncr_port;
	const json_t *gss;		/* the Leasesnoop map's "gss-tsig", read after the zones */
};

/* one entry of D2's hooks-libraries: only the gss_tsig hook's parameters are ours */
struct d2_hook {
	const char *library;
	const json_t *parameters;
};

/* D2 itself takes only UDP and JSON; so does leasesnoop's NCR listener */
static int ncr_word_check(struct confread *cr, const char *key, void *field, void *base)
{
	const char *s = *(const char **)field, *want = strcmp(key, "ncr-protocol") ? "JSON" : "UDP";

	(void)base;
	if (s && strcmp(s, want))
		return confread_bad(cr, key, "must be \"%s\", not \"%s\"", want, s);
	return 0;
}

/* tsig-keys */

static int key_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct d2_key *k = field;

	(void)base;
	if (k->algorithm && tsig_alg_parse(k->algorithm) == TSIG_GSS_TSIG) {
		/* RFC 3645: the context negotiated with the server is the key */
		if (k->secret || k->secret_file || k->digest_bits)
			return confread_bad(cr, key, "a gss-tsig key has no secret, secret-file or digest-bits");
		return 0;
	}
	if (!k->secret == !k->secret_file)
		return confread_bad(cr, key, "must have exactly one of 'secret' and 'secret-file'");
	return 0;
}

static int key_apply(struct confread *cr, void *entry, size_t idx, void *base)
{
	const struct d2_key *k = entry;
	struct d2_read *r = base;
	struct tsig_key key;
	int err;

	(void)idx;
	if (k->secret || tsig_alg_parse(k->algorithm) == TSIG_GSS_TSIG)
		err = tsig_key_init(&key, k->name, k->algorithm, k->secret, k->digest_bits);
	else
		err = tsig_key_load_file(&key, k->secret_file, k->name, k->algorithm,
					 k->digest_bits);
	/* say which value is wrong: the error codes are shared with key files */
	if (err == LS_ETSIG_ALG && tsig_alg_parse(k->algorithm) < 0)
		return confread_bad(cr, "algorithm", "must be one of HMAC-MD5, HMAC-SHA1, HMAC-SHA224, HMAC-SHA256, HMAC-SHA384, HMAC-SHA512, not \"%s\"",
				    k->algorithm ? k->algorithm : "");
	if (err == LS_ETSIG_ALG)
		return confread_bad(cr, "digest-bits", "must be 0 or a multiple of 8 from 80 and half the digest up to the digest, not %u",
				    k->digest_bits);
	if (err == LS_EKEYFILE && k->secret)
		return confread_bad(cr, NULL, "key '%s' rejected: name not a DNS name, or secret not base64",
				    k->name);
	if (err)
		return confread_bad(cr, NULL, "key '%s' rejected: %s", k->name, ls_strerror(err));
	err = zones_add_key(r->z, &key);
	memset(&key, 0, sizeof(key));
	if (err == -EEXIST)
		return confread_bad(cr, "name", "duplicate key name \"%s\"", k->name);
	return err;
}

static const struct confread_item key_items[] = {
	{ .key = "name", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED,
	  .offset = OFF(struct d2_key, name) },
	{ .key = "algorithm", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED,
	  .offset = OFF(struct d2_key, algorithm) },
	{ .key = "digest-bits", .type = CONFREAD_U32, .offset = OFF(struct d2_key, digest_bits),
	  .min = 0, .max = 512 },
	{ .key = "secret", .type = CONFREAD_CSTR, .flags = CONFREAD_SECRET,
	  .offset = OFF(struct d2_key, secret) },
	{ .key = "secret-file", .type = CONFREAD_CSTR, .offset = OFF(struct d2_key, secret_file) },
	{ .type = CONFREAD_END },
};

static const struct confread_item key_entry[] = {
	{ .type = CONFREAD_MAP, .sub = key_items, .check = key_check },
	{ .type = CONFREAD_END },
};

/* dns-servers */

static int hostname_check(struct confread *cr, const char *key, void *field, void *base)
{
	const char *h = *(const char **)field;

	(void)base;
	/* D2 does not support it either */
	if (h && *h)
		return confread_bad(cr, key, "is not supported, use ip-address");
	return 0;
}

static int server_apply(struct confread *cr, void *entry, size_t idx, void *base)
{
	const struct d2_server *s = entry;
	struct d2_side *side = base;
	int err;

	(void)idx;
	err = zones_add_server(side->z, side->dom, s->ip, (uint16_t)s->port, s->key_name);
	if (err == -EINVAL)
		return confread_bad(cr, "ip-address", "must be an IP address, not \"%s\"", s->ip);
	if (err == -ENOENT)
		return confread_bad(cr, "key-name", "names an unknown key \"%s\"", s->key_name);
	return err;
}

static const struct confread_item server_items[] = {
	{ .key = "hostname", .type = CONFREAD_CSTR, .offset = OFF(struct d2_server, hostname),
	  .check = hostname_check },
	{ .key = "ip-address", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED,
	  .offset = OFF(struct d2_server, ip) },
	{ .key = "port", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(struct d2_server, port), .min = 0, .max = 65535, .def = 53 },
	{ .key = "key-name", .type = CONFREAD_CSTR, .offset = OFF(struct d2_server, key_name) },
	{ .type = CONFREAD_END },
};

static const struct confread_item server_entry[] = {
	{ .type = CONFREAD_MAP, .sub = server_items },
	{ .type = CONFREAD_END },
};

static const struct confread_item servers_list = {
	.key = "dns-servers", .type = CONFREAD_LIST, .min = 1, .sub = server_entry,
	.elem_size = sizeof(struct d2_server), .each = server_apply,
};

/* ddns-domains */

static int domain_apply(struct confread *cr, void *entry, size_t idx, void *base)
{
	const struct d2_domain *d = entry;
	struct d2_side *side = base;
	struct zones_domain *dom;
	int err;

	(void)idx;
	err = zones_add_domain(side->z, side->reverse, d->name, d->key_name, &dom);
	if (err == -EINVAL)
		return confread_bad(cr, "name", "must be a domain name, not \"%s\"", d->name);
	if (err == -EEXIST)
		return confread_bad(cr, "name", "duplicate domain \"%s\"", d->name);
	if (err == -ENOENT)
		return confread_bad(cr, "key-name", "names an unknown key \"%s\"", d->key_name);
	if (err)
		return err;
	if (side->reverse && !strstr(dom->name, "in-addr.arpa.") && !strstr(dom->name, "ip6.arpa."))
		pr_warn("config: reverse domain '%s' in '%s' is not under in-addr.arpa or ip6.arpa",
			dom->name, cr->file);
	side->dom = dom;
	err = confread_value(cr, servers_list.key, d->servers, &servers_list, side);
	dom->prefix_delegation = d->prefix_delegation;
	return err;
}

static int pd_in_d2_file(struct confread *cr, const json_t *v, void *field)
{
	(void)v;
	(void)field;
	return confread_bad(cr, NULL, "is leasesnoop's, not Kea D2's: set it in an inline \"reverse-ddns\" of the Leasesnoop map, not in a ddns-config-file");
}

static int pd_forward(struct confread *cr, const json_t *v, void *field)
{
	(void)v;
	(void)field;
	/*
	 * Kea writes the router's name on its IA_NA and IA_PD leases alike,
	 * with the same DUID, so the same DHCID: a prefix AAAA at that name
	 * would replace the address lease's (RFC 4703) and back.
	 */
	return confread_bad(cr, NULL, "is for reverse-ddns domains only (a forward name belongs to the client's address lease)");
}

#define DOMAIN_ITEMS(...) \
	{ .key = "name", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED, \
	  .offset = OFF(struct d2_domain, name) }, \
	{ .key = "key-name", .type = CONFREAD_CSTR, .offset = OFF(struct d2_domain, key_name) }, \
	{ .key = "dns-servers", .type = CONFREAD_JSON, .flags = CONFREAD_REQUIRED, \
	  .offset = OFF(struct d2_domain, servers) }, \
	{ .key = "prefix-delegation", .offset = OFF(struct d2_domain, prefix_delegation), __VA_ARGS__ }, \
	{ .type = CONFREAD_END }

/* leasesnoop's own per-domain policy: never in a file D2 must read too */
static const struct confread_item dom_d2[] = {
	DOMAIN_ITEMS(.type = CONFREAD_FN, .fn = pd_in_d2_file) };
static const struct confread_item dom_fwd[] = {
	DOMAIN_ITEMS(.type = CONFREAD_FN, .fn = pd_forward) };
static const struct confread_item dom_rev[] = { DOMAIN_ITEMS(.type = CONFREAD_BOOL) };

#define SIDE(name, dom) \
	static const struct confread_item name##_entry[] = { \
		{ .type = CONFREAD_MAP, .sub = dom }, { .type = CONFREAD_END } }; \
	static const struct confread_item name[] = { \
		{ .key = "ddns-domains", .type = CONFREAD_LIST, .sub = name##_entry, \
		  .elem_size = sizeof(struct d2_domain), .each = domain_apply }, \
		{ .type = CONFREAD_END } }

SIDE(side_d2, dom_d2);
SIDE(side_fwd, dom_fwd);
SIDE(side_rev, dom_rev);

#define D2_ITEMS(fwd_items, rev_items) \
	{ .key = "tsig-keys", .type = CONFREAD_LIST, .sub = key_entry, \
	  .elem_size = sizeof(struct d2_key), .each = key_apply }, \
	{ .key = "forward-ddns", .type = CONFREAD_MAP, .offset = OFF(struct d2_read, fwd), \
	  .sub = fwd_items }, \
	{ .key = "reverse-ddns", .type = CONFREAD_MAP, .offset = OFF(struct d2_read, rev), \
	  .sub = rev_items }, \
	{ .key = "dns-server-timeout", .type = CONFREAD_U32, \
	  .offset = OFF(struct d2_read, timeout_ms), .min = 0, .max = 3600000 }

static int hook_apply(struct confread *cr, void *entry, size_t idx, void *base)
{
	const struct d2_hook *h = entry;
	struct d2_read *r = base;

	(void)idx;
	/* libddns_gss_tsig.so: its parameters carry over as they are */
	if (!strstr(h->library, "gss_tsig") || !h->parameters)
		return 0;
	return gss_conf_read(cr, "parameters", h->parameters, r->z);
}

static const struct confread_item hook_items[] = {
	{ .key = "library", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED,
	  .offset = OFF(struct d2_hook, library) },
	{ .key = "parameters", .type = CONFREAD_JSON, .offset = OFF(struct d2_hook, parameters) },
	{ .type = CONFREAD_END },
};

static const struct confread_item hook_entry[] = {
	{ .type = CONFREAD_MAP, .sub = hook_items },
	{ .type = CONFREAD_END },
};

/* a kea-dhcp-ddns.conf's DhcpDdns map */
static const struct confread_item d2_file[] = {
	D2_ITEMS(side_d2, side_d2),
	/* where D2 listened for Kea's NCRs: leasesnoop listens there in its place */
	{ .key = "ip-address", .type = CONFREAD_CSTR, .offset = OFF(struct d2_read, ncr_ip) },
	{ .key = "port", .type = CONFREAD_U32, .offset = OFF(struct d2_read, ncr_port), .min = 1,
	  .max = 65535 },
	{ .key = "ncr-protocol", .type = CONFREAD_CSTR, .offset = OFF(struct d2_read, ncr_protocol),
	  .check = ncr_word_check },
	{ .key = "ncr-format", .type = CONFREAD_CSTR, .offset = OFF(struct d2_read, ncr_format),
	  .check = ncr_word_check },
	/* D2's logging and control: not ours, harmless */
	{ .key = "control-socket", .type = CONFREAD_ANY },
	/* after the domains: the gss_tsig hook's servers name theirs */
	{ .key = "hooks-libraries", .type = CONFREAD_LIST, .sub = hook_entry,
	  .elem_size = sizeof(struct d2_hook), .each = hook_apply },
	{ .key = "loggers", .type = CONFREAD_ANY },
	{ .type = CONFREAD_END },
};

/* the top of such a file: other programs' maps beside "DhcpDdns" are theirs */
static const struct confread_item d2_root[] = {
	{ .key = "DhcpDdns", .type = CONFREAD_MAP, .flags = CONFREAD_WRAPPER, .sub = d2_file },
	{ .key = "*", .type = CONFREAD_ANY },
	{ .type = CONFREAD_END },
};

/* the same sections inline in the Leasesnoop map, whose other keys are its own */
static const struct confread_item d2_inline[] = {
	D2_ITEMS(side_fwd, side_rev),
	{ .key = "gss-tsig", .type = CONFREAD_JSON, .offset = OFF(struct d2_read, gss) },
	{ .key = "*", .type = CONFREAD_ANY },
	{ .type = CONFREAD_END },
};

int ddns_conf_read(struct confread *cr, const json_t *obj, unsigned int flags,
		   struct ddns_conf *conf)
{
	const struct confread_item *items = d2_file;
	struct d2_read r = { .rev.reverse = true };
	int err;

	memset(conf, 0, sizeof(*conf));
	if (flags & DDNS_CONF_ALLOW_FOREIGN)
		items = d2_inline;
	else if (json_object_get(obj, "DhcpDdns"))
		items = d2_root;
	err = zones_new(&conf->zones);
	if (err)
		return err;
	r.z = r.fwd.z = r.rev.z = conf->zones;
	err = confread_map(cr, obj, items, &r);
	if (!err && r.gss)
		err = gss_conf_read(cr, "gss-tsig", r.gss, conf->zones);
	if (!err)
		err = gss_conf_check(conf->zones, cr->file);
	if (err) {
		ddns_conf_fini(conf);
		return err;
	}
	conf->server_timeout_ms = r.timeout_ms;
	if (r.ncr_ip)
		snprintf(conf->ncr_ip, sizeof(conf->ncr_ip), "%s", r.ncr_ip);
	conf->ncr_port = (uint16_t)r.ncr_port;
	return 0;
}

int ddns_conf_parse_json(const json_t *obj, const char *file, unsigned int flags,
			 struct ddns_conf *conf)
{
	struct confread cr;

	confread_init(&cr, file, NULL);
	return ddns_conf_read(&cr, obj, flags, conf);
}

int ddns_conf_load(const char *path, struct ddns_conf *conf)
{
	struct confread cr;
	json_t *j = NULL;
	char *text = NULL;
	int err;

	memset(conf, 0, sizeof(*conf));
	err = confread_load(path, &j, &text);
	if (err)
		return err;
	confread_init(&cr, path, text);
	err = ddns_conf_read(&cr, j, 0, conf);
	json_decref(j);
	free(text);
	return err;
}

void ddns_conf_fini(struct ddns_conf *conf)
{
	if (!conf)
		return;
	zones_free(conf->zones);
	conf->zones = NULL;
}
