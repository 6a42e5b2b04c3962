// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/config.c - the "Leasesnoop" map (jansson, via ddns_conf's reader so
 * comments are allowed and jansson's line/column stay right). The D2
 * sections are handed to ddns_conf, inline or from "ddns-config-file";
 * everything else is checked here, key by key, against its type and range.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "user/ctl/config.h"
#include "user/ctl/ddns_conf.h"
#include "user/common/errcode.h"

#define CFG "Leasesnoop"

static const char *const known_keys[] = {
	"interfaces", "lease-files", "state-dir", "control-socket", "conflict-resolution-mode",
	"ttl", "update-on-renew", "honor-fqdn-flags", "generate-names", "ddns-generated-prefix",
	"ddns-qualifying-suffix", "pending-timeout", "full-reconcile-interval", "expire-grace",
	"max-pending-events", "batching", "log-level", "ddns-config-file",
	"high-availability", "metrics", "adopt-existing",
	/* D2's sections, inline: parsed by ddns_conf */
	"tsig-keys", "forward-ddns", "reverse-ddns", "dns-server-timeout",
	"comment", "user-context", NULL,
};

static bool key_known(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(k, *list))
			return true;
	return false;
}

static int check_keys(const json_t *m, const char *where, const char *file,
		      const char *const *list)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)m, k, v) {
		if (!key_known(k, list)) {
			pr_err("config: unknown key '%s%s' in '%s'", where, k, file);
			return LS_ECONFIG;
		}
	}
	return 0;
}

static int bad_type(const char *where, const char *k, const char *file, const char *want)
{
	pr_err("config: key '%s%s' in '%s' must be %s", where, k, file, want);
	return LS_ECONFIG;
}

static int get_str(const json_t *m, const char *where, const char *k, const char *file,
		   char **out)
{
	json_t *v = json_object_get(m, k);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad_type(where, k, file, "a string");
	free(*out);
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static int get_bool(const json_t *m, const char *where, const char *k, const char *file, bool *out)
{
	json_t *v = json_object_get(m, k);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad_type(where, k, file, "true or false");
	*out = json_is_true(v);
	return 0;
}

static int get_u32(const json_t *m, const char *where, const char *k, const char *file,
		   uint32_t lo, uint32_t hi, uint32_t *out)
{
	json_t *v = json_object_get(m, k);
	json_int_t n;

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return bad_type(where, k, file, "an integer");
	n = json_integer_value(v);
	if (n < lo || n > hi) {
		pr_err("config: key '%s%s' in '%s' must be between %u and %u", where, k, file, lo,
		       hi);
		return LS_ECONFIG;
	}
	*out = (uint32_t)n;
	return 0;
}

static int parse_ifaces(const json_t *m, const char *file, struct config *c)
{
	json_t *a = json_object_get(m, "interfaces"), *v;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return bad_type("", "interfaces", file, "a list of interface names");
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !*json_string_value(v))
			return bad_type("", "interfaces", file, "a list of interface names");
		if (c->n_ifaces == CONFIG_MAX_IFACES) {
			pr_err("config: key 'interfaces' in '%s' has more than %d entries", file,
			       CONFIG_MAX_IFACES);
			return LS_ECONFIG;
		}
		c->ifaces[c->n_ifaces] = strdup(json_string_value(v));
		if (!c->ifaces[c->n_ifaces++])
			return -ENOMEM;
	}
	return 0;
}

static int parse_lease_files(const json_t *m, const char *file, struct config *c)
{
	static const char *const keys[] = { "v4", "v6", "comment", NULL };
	json_t *lf = json_object_get(m, "lease-files");
	int err;

	if (!lf)
		return 0;
	if (!json_is_object(lf))
		return bad_type("", "lease-files", file, "a map with \"v4\" and/or \"v6\"");
	err = check_keys(lf, "lease-files/", file, keys);
	err = err ?: get_str(lf, "lease-files/", "v4", file, &c->lease_file4);
	err = err ?: get_str(lf, "lease-files/", "v6", file, &c->lease_file6);
	return err;
}

static int parse_ttl(const json_t *m, const char *file, struct config *c)
{
	static const char *const keys[] = { "percent", "min", "max", "fixed", "comment", NULL };
	json_t *t = json_object_get(m, "ttl");
	int err;

	if (!t)
		return 0;
	if (!json_is_object(t))
		return bad_type("", "ttl", file, "a map");
	err = check_keys(t, "ttl/", file, keys);
	err = err ?: get_u32(t, "ttl/", "percent", file, 1, 100, &c->ttl_percent);
	err = err ?: get_u32(t, "ttl/", "min", file, 0, 2147483647, &c->ttl_min);
	err = err ?: get_u32(t, "ttl/", "max", file, 1, 2147483647, &c->ttl_max);
	err = err ?: get_u32(t, "ttl/", "fixed", file, 0, 2147483647, &c->ttl_fixed);
	if (!err && c->ttl_min > c->ttl_max) {
		pr_err("config: key 'ttl/min' in '%s' is above 'ttl/max'", file);
		err = LS_ECONFIG;
	}
	return err;
}

static int parse_batching(const json_t *m, const char *file, struct config *c)
{
	static const char *const keys[] = { "max-changes-per-message", "max-inflight-per-zone",
					    "max-queued-changes", "timeout-ms", "backoff-max-ms",
					    "comment", NULL };
	json_t *b = json_object_get(m, "batching");
	int err;

	if (!b)
		return 0;
	if (!json_is_object(b))
		return bad_type("", "batching", file, "a map");
	err = check_keys(b, "batching/", file, keys);
	err = err ?: get_u32(b, "batching/", "max-changes-per-message", file, 1, 10000,
			     &c->engine.max_changes_per_msg);
	err = err ?: get_u32(b, "batching/", "max-inflight-per-zone", file, 1, 64,
			     &c->engine.max_inflight_per_zone);
	err = err ?: get_u32(b, "batching/", "max-queued-changes", file, 1, 10000000,
			     &c->max_inflight);
	err = err ?: get_u32(b, "batching/", "timeout-ms", file, 10, 600000, &c->engine.timeout_ms);
	err = err ?: get_u32(b, "batching/", "backoff-max-ms", file, 10, 3600000,
			     &c->engine.backoff_max_ms);
	return err;
}

static int parse_misc(const json_t *m, const char *file, struct config *c)
{
	char *mode = NULL, *lvl = NULL;
	json_t *pt;
	int err, r;

	err = get_str(m, "", "state-dir", file, &c->state_dir);
	err = err ?: get_str(m, "", "control-socket", file, &c->control_socket);
	err = err ?: get_bool(m, "", "update-on-renew", file, &c->update_on_renew);
	err = err ?: get_bool(m, "", "adopt-existing", file, &c->adopt_existing);
	err = err ?: get_bool(m, "", "honor-fqdn-flags", file, &c->honor_fqdn_flags);
	err = err ?: get_bool(m, "", "generate-names", file, &c->generate_names);
	err = err ?: get_str(m, "", "ddns-generated-prefix", file, &c->generated_prefix);
	err = err ?: get_str(m, "", "ddns-qualifying-suffix", file, &c->qualifying_suffix);
	err = err ?: get_u32(m, "", "full-reconcile-interval", file, 0, 604800,
			     &c->full_reconcile_s);
	err = err ?: get_u32(m, "", "expire-grace", file, 0, 86400, &c->expire_grace_s);
	err = err ?: get_u32(m, "", "max-pending-events", file, 16, 16777216,
			     &c->max_pending_events);
	err = err ?: get_str(m, "", "conflict-resolution-mode", file, &mode);
	err = err ?: get_str(m, "", "log-level", file, &lvl);
	if (err)
		goto out;
	pt = json_object_get(m, "pending-timeout");
	if (pt) {
		double s = json_number_value(pt);

		if (!json_is_number(pt) || !isfinite(s) || s < 0 || s > 3600) {
			err = bad_type("", "pending-timeout", file, "a number of seconds (0 to 3600)");
			goto out;
		}
		c->pending_timeout_ms = (uint32_t)(s * 1000 + 0.5);
	}
	if (mode) {
		r = dnsengine_mode_parse(mode);
		if (r < 0) {
			pr_err("config: key 'conflict-resolution-mode' in '%s' has unknown value '%s'",
			       file, mode);
			err = LS_ECONFIG;
			goto out;
		}
		c->mode = (enum dnsengine_mode)r;
	}
	if (lvl) {
		static const char *const names[] = { "error", "warn", "info", "debug" };
		int i;

		for (i = 0; i < 4 && strcmp(lvl, names[i]); i++)
			;
		if (i == 4) {
			pr_err("config: key 'log-level' in '%s' has unknown value '%s' (error, warn, info, debug)",
			       file, lvl);
			err = LS_ECONFIG;
			goto out;
		}
		c->log_level = (enum log_level)i;
	}
	if (c->generated_prefix) {
		char tmp[ZONES_NAME_MAX];

		if (!*c->generated_prefix || strchr(c->generated_prefix, '.') ||
		    zones_name_canon(c->generated_prefix, tmp, sizeof(tmp))) {
			pr_err("config: key 'ddns-generated-prefix' in '%s' is not one DNS label",
			       file);
			err = LS_ECONFIG;
		}
	}
	if (!err && c->qualifying_suffix && *c->qualifying_suffix) {
		char tmp[ZONES_NAME_MAX];

		if (zones_name_canon(c->qualifying_suffix, tmp, sizeof(tmp))) {
			pr_err("config: key 'ddns-qualifying-suffix' in '%s' is not a domain name",
			       file);
			err = LS_ECONFIG;
		}
	}
out:
	free(mode);
	free(lvl);
	return err;
}

static void set_defaults(struct config *c)
{
	c->mode = DNSENGINE_CHECK_WITH_DHCID;
	c->ttl_percent = 33;	/* RFC 4702 §5: one third of the lease lifetime */
	c->ttl_min = 300;
	c->ttl_max = 86400;
	c->pending_timeout_ms = 2000;
	c->full_reconcile_s = 3600;
	c->expire_grace_s = 0;
	c->max_pending_events = 65536;
	c->max_inflight = 100000;
	c->log_level = LOG_LVL_INFO;
	dnsengine_opts_default(&c->engine);
}

static int parse_ddns(const json_t *m, const char *file, struct config *c)
{
	struct ddns_conf dc;
	json_t *f = json_object_get(m, "ddns-config-file");
	int err;

	if (f) {
		if (!json_is_string(f))
			return bad_type("", "ddns-config-file", file, "a file name");
		if (json_object_get(m, "tsig-keys") || json_object_get(m, "forward-ddns") ||
		    json_object_get(m, "reverse-ddns")) {
			pr_err("config: key 'ddns-config-file' in '%s' excludes inline 'tsig-keys', 'forward-ddns' and 'reverse-ddns'",
			       file);
			return LS_ECONFIG;
		}
		err = ddns_conf_load(json_string_value(f), &dc);
	} else {
		err = ddns_conf_parse_json(m, file, DDNS_CONF_ALLOW_FOREIGN, &dc);
	}
	if (err)
		return err;
	c->zones = dc.zones;
	if (dc.server_timeout_ms && !json_object_get(json_object_get(m, "batching"), "timeout-ms"))
		c->engine.timeout_ms = dc.server_timeout_ms;
	if (!zones_count(c->zones, false) && !zones_count(c->zones, true))
		pr_warn("config: no forward-ddns or reverse-ddns domains in '%s': nothing will reach DNS",
			file);
	return 0;
}

int config_load(const char *path, struct config **out)
{
	struct config *c;
	json_t *root = NULL, *m;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	set_defaults(c);
	c->file = strdup(path);
	if (!c->file) {
		err = -ENOMEM;
		goto out;
	}
	err = ddns_conf_read_json(path, &root);
	if (err)
		goto out;
	m = json_object_get(root, CFG);
	if (!json_is_object(root) || !m || !json_is_object(m) || json_object_size(root) != 1) {
		pr_err("config: top level of '%s' must be a map with one key '" CFG "'", path);
		err = LS_ECONFIG;
		goto out;
	}
	err = check_keys(m, "", path, known_keys);
	err = err ?: parse_ifaces(m, path, c);
	err = err ?: parse_lease_files(m, path, c);
	err = err ?: parse_ttl(m, path, c);
	err = err ?: parse_batching(m, path, c);
	err = err ?: parse_misc(m, path, c);
	err = err ?: parse_ddns(m, path, c);
	err = err ?: ha_config_parse(json_object_get(m, "high-availability"), path, &c->ha);
	err = err ?: metrics_config_parse(json_object_get(m, "metrics"), path, &c->metrics);
	if (err)
		goto out;
	if (!c->lease_file4 && !c->lease_file6) {
		pr_err("config: key 'lease-files' in '%s' must name a v4 or a v6 lease file", path);
		err = LS_ECONFIG;
		goto out;
	}
	if (!c->state_dir) {
		c->state_dir = strdup("/var/lib/leasesnoop");
		if (!c->state_dir)
			err = -ENOMEM;
	}
	if (!c->generated_prefix)
		c->generated_prefix = strdup("myhost");
	if (!c->qualifying_suffix)
		c->qualifying_suffix = strdup("");
	if (!c->generated_prefix || !c->qualifying_suffix)
		err = -ENOMEM;
out:
	json_decref(root);
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
	free(c->state_dir);
	free(c->control_socket);
	free(c->generated_prefix);
	free(c->qualifying_suffix);
	zones_free(c->zones);
	free(c);
}

uint32_t config_ttl(const struct config *c, uint32_t valid_lft)
{
	uint64_t t;

	if (c->ttl_fixed)
		return c->ttl_fixed;
	t = (uint64_t)valid_lft * c->ttl_percent / 100;
	if (t < c->ttl_min)
		t = c->ttl_min;
	if (t > c->ttl_max)
		t = c->ttl_max;
	return (uint32_t)t;
}
