// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/config.c - the "Leasesnoop" map, read with user/ctl/confread's
 * tables: ls_items below is the whole of it (each key, its type, range and
 * default), with the maps of "high-availability" and "metrics" from their
 * modules. The D2 sections are handed to ddns_conf, inline or from
 * "ddns-config-file".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/ctl/config.h"
#include "user/ctl/confread.h"
#include "user/ctl/ddns_conf.h"
#include "user/ctl/gss_conf.h"
#include "user/common/errcode.h"

#define CFG "Leasesnoop"
#define OFF(f) CONFREAD_OFF(struct config, f)
#define SZ(f) CONFREAD_SZ(struct config, f)
#define TTL_MAX 2147483647	/* RFC 2181 §8 */

static const char *const mode_names[] = {
	[DNSENGINE_CHECK_WITH_DHCID] = "check-with-dhcid",
	[DNSENGINE_NO_CHECK_WITH_DHCID] = "no-check-with-dhcid",
	[DNSENGINE_CHECK_EXISTS_WITH_DHCID] = "check-exists-with-dhcid",
	[DNSENGINE_NO_CHECK_WITHOUT_DHCID] = "no-check-without-dhcid",
};

static const char *const adopt_method_names[] = {
	[CONFIG_ADOPT_TRANSFER] = "transfer", [CONFIG_ADOPT_QUERY] = "query",
};

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error", [LOG_LVL_WARN] = "warn", [LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static int lease_files_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct config *c = field;

	(void)base;
	if (!c->lease_file4 && !c->lease_file6)
		return confread_bad(cr, key, "must name a v4 or a v6 lease file");
	return 0;
}

static int ttl_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct config *c = field;
	int err = 0;

	(void)base;
	if (c->ttl_min > c->ttl_max) {
		confread_push(cr, key, false);
		err = confread_bad(cr, "min", "must not be above 'ttl.max'");
		confread_pop(cr);
	}
	return err;
}

static int label_check(struct confread *cr, const char *key, void *field, void *base)
{
	const char *s = *(char **)field;
	char tmp[ZONES_NAME_MAX];

	(void)base;
	if (!*s || strchr(s, '.') || zones_name_canon(s, tmp, sizeof(tmp)))
		return confread_bad(cr, key, "must be one DNS label, not \"%s\"", s);
	return 0;
}

static int suffix_check(struct confread *cr, const char *key, void *field, void *base)
{
	const char *s = *(char **)field;
	char tmp[ZONES_NAME_MAX];

	(void)base;
	if (*s && zones_name_canon(s, tmp, sizeof(tmp)))
		return confread_bad(cr, key, "must be a domain name, not \"%s\"", s);
	return 0;
}

static int ip_check(struct confread *cr, const char *key, void *field, void *base)
{
	const char *s = *(char **)field;
	uint8_t a[16];

	(void)base;
	if (inet_pton(AF_INET, s, a) != 1 && inet_pton(AF_INET6, s, a) != 1)
		return confread_bad(cr, key, "must be an IP address, not \"%s\"", s);
	return 0;
}

static int char_set_check(struct confread *cr, const char *key, void *field, void *base)
{
	struct config *c = base;

	(void)field;
	if (c->name_re_ok)
		regfree(&c->name_re);
	c->name_re_ok = !names_compile(&c->name_re, c->name_char_set);
	if (!c->name_re_ok)
		return confread_bad(cr, key, "must be a regular expression, not \"%s\"",
				    c->name_char_set);
	return 0;
}

/* the BPF ring: a power of two, a multiple of the page size (the kernel's rule) */
static int ring_size_check(struct confread *cr, const char *key, void *field, void *base)
{
	uint32_t v = *(uint32_t *)field;

	(void)base;
	if (v && ((v & (v - 1)) || v < 4096))
		return confread_bad(cr, key, "must be 0 (sized from lease-rate) or a power of two from 4096, not %u",
				    v);
	return 0;
}

static const struct confread_item iface_entry[] = {
	{ .type = CONFREAD_STR, .flags = CONFREAD_NONEMPTY },
	{ .type = CONFREAD_END },
};

static const struct confread_item lease_file_items[] = {
	{ .key = "v4", .type = CONFREAD_STR, .offset = OFF(lease_file4) },
	{ .key = "v6", .type = CONFREAD_STR, .offset = OFF(lease_file6) },
	{ .type = CONFREAD_END },
};

static const struct confread_item ttl_items[] = {
	/* RFC 4702 §5: one third of the lease lifetime */
	{ .key = "percent", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(ttl_percent), .min = 1, .max = 100, .def = 33 },
	{ .key = "min", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT, .offset = OFF(ttl_min),
	  .min = 0, .max = TTL_MAX, .def = 300 },
	{ .key = "max", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT, .offset = OFF(ttl_max),
	  .min = 1, .max = TTL_MAX, .def = 86400 },
	{ .key = "fixed", .type = CONFREAD_U32, .offset = OFF(ttl_fixed), .min = 0, .max = TTL_MAX },
	{ .type = CONFREAD_END },
};

/* the engine's own defaults are dnsengine_opts_default()'s */
static const struct confread_item batching_items[] = {
	{ .key = "max-changes-per-message", .type = CONFREAD_U32,
	  .offset = OFF(engine.max_changes_per_msg), .min = 1, .max = 10000 },
	{ .key = "max-inflight-per-zone", .type = CONFREAD_U32,
	  .offset = OFF(engine.max_inflight_per_zone), .min = 1, .max = 64 },
	{ .key = "max-queued-changes", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(max_inflight), .min = 1, .max = 10000000, .def = 100000 },
	{ .key = "timeout-ms", .type = CONFREAD_U32, .offset = OFF(engine.timeout_ms),
	  .min = 10, .max = 600000 },
	{ .key = "backoff-max-ms", .type = CONFREAD_U32, .offset = OFF(engine.backoff_max_ms),
	  .min = 10, .max = 3600000 },
	{ .key = "timeout-max-ms", .type = CONFREAD_U32, .offset = OFF(engine.timeout_max_ms),
	  .min = 10, .max = 3600000 },
	{ .key = "latency-target-ms", .type = CONFREAD_U32,
	  .offset = OFF(engine.latency_target_ms), .min = 1, .max = 600000 },
	{ .type = CONFREAD_END },
};

static const struct confread_item ncr_items[] = {
	{ .key = "ip-address", .type = CONFREAD_STR, .offset = OFF(ncr_ip), .check = ip_check },
	{ .key = "port", .type = CONFREAD_U32, .offset = OFF(ncr_port), .min = 1, .max = 65535 },
	{ .type = CONFREAD_END },
};

static const struct confread_item ls_items[] = {
	{ .key = "interfaces", .type = CONFREAD_LIST, .offset = OFF(ifaces), .sub = iface_entry,
	  .elem_size = sizeof(char *), .count_offset = OFF(n_ifaces), .max = CONFIG_MAX_IFACES },
	{ .key = "lease-files", .type = CONFREAD_MAP, .sub = lease_file_items,
	  .check = lease_files_check },
	LEASEDB_CONFIG_ITEMS(OFF(db), OFF(kea_files)),
	{ .key = "ttl", .type = CONFREAD_MAP, .sub = ttl_items, .check = ttl_check },
	{ .key = "batching", .type = CONFREAD_MAP, .sub = batching_items },
	{ .key = "state-dir", .type = CONFREAD_STR, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(state_dir), .def_str = "/var/lib/leasesnoop" },
	{ .key = "control-socket", .type = CONFREAD_STR, .offset = OFF(control_socket) },
	{ .key = "update-on-renew", .type = CONFREAD_BOOL, .offset = OFF(update_on_renew) },
	{ .key = "adopt-existing", .type = CONFREAD_BOOL, .offset = OFF(adopt_existing) },
	{ .key = "adopt-method", .type = CONFREAD_ENUM, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(adopt_method), .size = SZ(adopt_method), .names = adopt_method_names,
	  .min = 0, .max = 1, .def = CONFIG_ADOPT_TRANSFER },
	{ .key = "kea-ddns-updates", .type = CONFREAD_BOOL, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(kea_ddns), .def = 1 },
	{ .key = "ncr-listener", .type = CONFREAD_MAP, .sub = ncr_items },
	{ .key = "honor-fqdn-flags", .type = CONFREAD_BOOL, .offset = OFF(honor_fqdn_flags) },
	{ .key = "ptr-without-forward-zone", .type = CONFREAD_BOOL, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(ptr_without_fwd_zone), .def = 1 },
	{ .key = "generate-names", .type = CONFREAD_BOOL, .offset = OFF(generate_names) },
	{ .key = "hostname-char-set", .type = CONFREAD_STR, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(name_char_set), .def_str = NAMES_DEFAULT_CHAR_SET, .check = char_set_check },
	{ .key = "hostname-char-replacement", .type = CONFREAD_STR, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(name_char_repl), .def_str = "" },
	{ .key = "ddns-generated-prefix", .type = CONFREAD_STR, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(generated_prefix), .def_str = "myhost", .check = label_check },
	{ .key = "ddns-qualifying-suffix", .type = CONFREAD_STR, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(qualifying_suffix), .def_str = "", .check = suffix_check },
	{ .key = "full-reconcile-interval", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(full_reconcile_s), .min = 0, .max = 604800, .def = 3600 },
	{ .key = "dns-verify-interval", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(dns_verify_s), .min = 0, .max = 604800, .def = 3600 },
	{ .key = "dns-verify-timeout", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(dns_verify_timeout_ms), .min = 1000, .max = 3600000, .def = 300000 },
	{ .key = "sweep-orphans", .type = CONFREAD_BOOL, .offset = OFF(sweep_orphans) },
	{ .key = "sweep-known-clients", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(sweep_known_max), .min = 2, .max = 268435456, .def = 1048576 },
	{ .key = "expire-grace", .type = CONFREAD_U32, .offset = OFF(expire_grace_s), .min = 0,
	  .max = 86400 },
	{ .key = "max-pending-events", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(max_pending_events), .min = 16, .max = 16777216, .def = 65536 },
	{ .key = "ring-size", .type = CONFREAD_U32, .offset = OFF(ring_size), .min = 0,
	  .max = 1U << 30, .check = ring_size_check },
	{ .key = "lease-rate", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(lease_rate), .min = 1, .max = 1000000, .def = 1000 },
	{ .key = "conflict-resolution-mode", .type = CONFREAD_ENUM, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(mode), .size = SZ(mode), .names = mode_names, .min = 0, .max = 3,
	  .def = DNSENGINE_CHECK_WITH_DHCID },
	{ .key = "log-level", .type = CONFREAD_ENUM, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(log_level), .size = SZ(log_level), .names = level_names,
	  .min = LOG_LVL_ERR, .max = LOG_LVL_DEBUG, .def = LOG_LVL_INFO },
	{ .key = "pending-timeout", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(pending_timeout_ms), .min = 0, .max = 3600000, .def = 2000 },
	HA_CONFIG_ITEM("high-availability", OFF(ha)),
	METRICS_CONFIG_ITEM("metrics", OFF(metrics)),
	/* read by read_ddns() below, after the rest */
	{ .key = "ddns-config-file", .type = CONFREAD_ANY },
	{ .key = "tsig-keys", .type = CONFREAD_ANY },
	{ .key = "forward-ddns", .type = CONFREAD_ANY },
	{ .key = "reverse-ddns", .type = CONFREAD_ANY },
	{ .key = "dns-server-timeout", .type = CONFREAD_ANY },
	{ .key = "gss-tsig", .type = CONFREAD_ANY },
	{ .type = CONFREAD_END },
};

static const struct confread_item root_items[] = {
	{ .key = CFG, .type = CONFREAD_MAP, .flags = CONFREAD_REQUIRED | CONFREAD_WRAPPER,
	  .sub = ls_items },
	{ .type = CONFREAD_END },
};

static const struct confread_item ddns_file_item = {
	.key = "ddns-config-file", .type = CONFREAD_CSTR, .flags = CONFREAD_NONEMPTY,
};

/* the D2 sections: from "ddns-config-file" or inline in @m (at @cr's path) */
static int read_ddns(struct confread *cr, const json_t *m, struct config *c)
{
	const json_t *f = json_object_get(m, "ddns-config-file");
	struct ddns_conf dc;
	const char *file;
	int err;

	if (f) {
		err = confread_value(cr, ddns_file_item.key, f, &ddns_file_item, &file);
		if (err)
			return err;
		if (json_object_get(m, "tsig-keys") || json_object_get(m, "forward-ddns") ||
		    json_object_get(m, "reverse-ddns"))
			return confread_bad(cr, ddns_file_item.key,
					    "excludes inline 'tsig-keys', 'forward-ddns' and 'reverse-ddns'");
		err = ddns_conf_load(file, &dc);
		/* GSS-TSIG settings beside a D2 file (which may carry its own gss_tsig hook) */
		if (!err && json_object_get(m, "gss-tsig")) {
			err = gss_conf_read(cr, "gss-tsig", json_object_get(m, "gss-tsig"), dc.zones);
			if (err)
				ddns_conf_fini(&dc);
		}
	} else {
		err = ddns_conf_read(cr, m, DDNS_CONF_ALLOW_FOREIGN, &dc);
	}
	if (err)
		return err;
	c->zones = dc.zones;
	/* the NCR listener: "ncr-listener", else where D2 listened, else D2's default */
	if (!c->ncr_ip)
		c->ncr_ip = strdup(dc.ncr_ip[0] ? dc.ncr_ip : "127.0.0.1");
	if (!c->ncr_port)
		c->ncr_port = dc.ncr_port ? dc.ncr_port : 53001;
	if (!c->ncr_ip)
		return -ENOMEM;
	/* Kea's default hostname-char-set, when none was given */
	if (!c->name_re_ok && names_compile(&c->name_re, c->name_char_set))
		return confread_bad(cr, "hostname-char-set", "cannot be compiled");
	c->name_re_ok = true;
	/* with Kea's DDNS on, Kea decides per lease: its flags are obeyed unless told otherwise */
	if (!json_object_get(m, "honor-fqdn-flags"))
		c->honor_fqdn_flags = c->kea_ddns;
	/* and the TTL is Kea's lease-length, which D2 uses as it is (config_ttl()) */
	if (c->kea_ddns && !json_object_get(m, "ttl"))
		c->ttl_kea = true;
	if (dc.server_timeout_ms && !json_object_get(json_object_get(m, "batching"), "timeout-ms"))
		c->engine.timeout_ms = dc.server_timeout_ms;
	if (!zones_count(c->zones, false) && !zones_count(c->zones, true))
		pr_warn("config: no forward-ddns or reverse-ddns domains in '%s': nothing will reach DNS",
			cr->file);
	return 0;
}

/*
 * the lease source: "lease-files", "lease-database" or "kea-config-file",
 * exactly one (a lease-database of type memfile goes with lease-files)
 */
static int read_source(struct confread *cr, const json_t *m, struct config *c)
{
	bool files = json_object_get(m, "lease-files"), kea = c->kea_files.n;
	bool sql = c->db.type != LEASEDB_MEMFILE;
	int err = 0;

	if (kea && (files || json_object_get(m, "lease-database")))
		return confread_bad(cr, "kea-config-file",
				    "excludes 'lease-files' and 'lease-database' (it names them)");
	if (sql && files)
		return confread_bad(cr, "lease-files",
				    "excludes a 'lease-database' of type \"%s\" (one lease source)",
				    leasedb_type_name(c->db.type));
	for (int i = 0; !err && i < c->kea_files.n; i++)
		err = leasedb_conf_from_kea(c->kea_files.path[i], &c->db, &c->lease_file4,
					    &c->lease_file6);
	if (err)
		return err;
	if (c->db.type != LEASEDB_MEMFILE && !kea)
		c->db.v4 = c->db.v6 = true;	/* inline: both of Kea's tables */
	if (c->db.type == LEASEDB_MEMFILE && !c->lease_file4 && !c->lease_file6)
		return confread_missing(cr, "lease-files");
	return 0;
}

int config_load(const char *path, struct config **out)
{
	struct confread cr;
	struct config *c;
	json_t *root = NULL;
	char *text = NULL;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	dnsengine_opts_default(&c->engine);
	c->file = strdup(path);
	err = c->file ? confread_defaults(root_items, c) : -ENOMEM;
	err = err ?: confread_load(path, &root, &text);
	if (err)
		goto out;
	confread_init(&cr, path, text);
	err = confread_map(&cr, root, root_items, c);
	if (err)
		goto out;
	confread_push(&cr, CFG, true);
	err = read_source(&cr, json_object_get(root, CFG), c);
	err = err ?: read_ddns(&cr, json_object_get(root, CFG), c);
	confread_pop(&cr);
out:
	json_decref(root);
	free(text);
	if (err)
		config_free(c);
	else
		*out = c;
	return err;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n_ifaces; i++)
		free(c->ifaces[i]);
	free(c->file);
	free(c->lease_file4);
	free(c->lease_file6);
	leasedb_conf_fini(&c->db);
	leasedb_kea_files_free(&c->kea_files);
	free(c->state_dir);
	free(c->control_socket);
	free(c->ncr_ip);
	free(c->generated_prefix);
	free(c->name_char_set);
	free(c->name_char_repl);
	if (c->name_re_ok)
		regfree(&c->name_re);
	free(c->qualifying_suffix);
	zones_free(c->zones);
	free(c);
}

uint32_t config_ttl(const struct config *c, uint32_t valid_lft)
{
	uint64_t t;

	if (c->ttl_fixed)
		return c->ttl_fixed;
	if (c->ttl_kea) {
		/* Kea's calculateDdnsTtl(): RFC 4702 §5, a third of the lifetime, at least 10 min */
		t = valid_lft / 3;
		return t < 600 ? 600 : (uint32_t)t;
	}
	t = (uint64_t)valid_lft * c->ttl_percent / 100;
	if (t < c->ttl_min)
		t = c->ttl_min;
	if (t > c->ttl_max)
		t = c->ttl_max;
	return (uint32_t)t;
}
