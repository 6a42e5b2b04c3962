// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ddns_conf.c - Kea D2 configuration reader (jansson). Comments are
 * blanked out before parsing (keeping offsets, so jansson's line/column
 * stay right), strings are left alone. Keys D2 knows but leasesnoop does
 * not use (ip-address, port, ncr-*, loggers, …) are accepted and ignored, so
 * an existing kea-dhcp-ddns.conf can be pointed at as is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ctl/ddns_conf.h"
#include "user/common/errcode.h"
#include "user/common/log.h"

/* Blank #, // and C-style comments outside strings; newlines are kept. */
static void strip_comments(char *s)
{
	bool in_str = false;

	for (char *p = s; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
			continue;
		}
		if (*p == '"') {
			in_str = true;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		} else if (p[0] == '/' && p[1] == '*') {
			*p++ = ' ';
			*p = ' ';
			while (p[1] && !(p[1] == '*' && p[2] == '/')) {
				p++;
				if (*p != '\n')
					*p = ' ';
			}
			if (p[1]) {
				p[1] = ' ';
				p[2] = ' ';
				p += 2;
			}
		}
	}
}

int ddns_conf_read_json(const char *path, json_t **out)
{
	FILE *f = fopen(path, "re");
	json_error_t jerr;
	char *text = NULL;
	size_t cap = 0, n = 0;
	int err = 0;

	if (!f) {
		err = -errno;
		pr_err("ddns_conf: cannot open '%s' (%s)", path, ls_strerror(err));
		return err;
	}
	for (;;) {
		size_t r;

		if (n + 4096 + 1 > cap) {
			char *t = realloc(text, cap = cap * 2 + 8192);

			if (!t) {
				err = -ENOMEM;
				goto out;
			}
			text = t;
		}
		r = fread(text + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		pr_err("ddns_conf: cannot read '%s' (%s)", path, ls_strerror(err));
		goto out;
	}
	text[n] = 0;
	strip_comments(text);
	*out = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out) {
		pr_err("ddns_conf: syntax error in '%s' line %d column %d (%s)", path, jerr.line,
		       jerr.column, jerr.text);
		err = LS_ECONFIG;
	}
out:
	free(text);
	fclose(f);
	return err;
}

static bool key_in(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(k, *list))
			return true;
	return false;
}

/* Reject keys of @obj that are neither in @ours nor in @ignored. */
static int check_keys(const json_t *obj, const char *where, const char *file,
		      const char *const *ours, const char *const *ignored)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		if (key_in(k, ours) || (ignored && key_in(k, ignored)) || !strcmp(k, "comment") ||
		    !strcmp(k, "user-context"))
			continue;
		pr_err("ddns_conf: unknown key '%s%s' in '%s'", where, k, file);
		return LS_ECONFIG;
	}
	return 0;
}

static int get_str(const json_t *obj, const char *k, const char *where, const char *file,
		   bool required, const char **out)
{
	json_t *v = json_object_get(obj, k);

	*out = NULL;
	if (!v) {
		if (!required)
			return 0;
		pr_err("ddns_conf: missing key '%s%s' in '%s'", where, k, file);
		return LS_ECONFIG;
	}
	if (!json_is_string(v)) {
		pr_err("ddns_conf: key '%s%s' in '%s' must be a string", where, k, file);
		return LS_ECONFIG;
	}
	*out = json_string_value(v);
	return 0;
}

static int get_uint(const json_t *obj, const char *k, const char *where, const char *file,
		    long long max, long long *out)
{
	json_t *v = json_object_get(obj, k);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		pr_err("ddns_conf: key '%s%s' in '%s' must be an integer 0..%lld", where, k, file,
		       max);
		return LS_ECONFIG;
	}
	*out = json_integer_value(v);
	return 0;
}

static int parse_keys(const json_t *arr, const char *file, struct zones *z)
{
	static const char *const ours[] = { "name", "algorithm", "digest-bits", "secret",
					    "secret-file", NULL };
	size_t i;
	json_t *k;

	if (!json_is_array(arr)) {
		pr_err("ddns_conf: key 'tsig-keys' in '%s' must be a list", file);
		return LS_ECONFIG;
	}
	json_array_foreach(arr, i, k) {
		const char *name, *alg, *secret, *sfile;
		long long bits = 0;
		struct tsig_key key;
		char where[64];
		int err;

		snprintf(where, sizeof(where), "tsig-keys[%zu].", i);
		if (!json_is_object(k)) {
			pr_err("ddns_conf: key 'tsig-keys[%zu]' in '%s' must be a map", i, file);
			return LS_ECONFIG;
		}
		err = check_keys(k, where, file, ours, NULL);
		err = err ?: get_str(k, "name", where, file, true, &name);
		err = err ?: get_str(k, "algorithm", where, file, true, &alg);
		err = err ?: get_str(k, "secret", where, file, false, &secret);
		err = err ?: get_str(k, "secret-file", where, file, false, &sfile);
		err = err ?: get_uint(k, "digest-bits", where, file, 512, &bits);
		if (err)
			return err;
		if (!secret == !sfile) {
			pr_err("ddns_conf: key '%ssecret' in '%s': give exactly one of 'secret' and 'secret-file'",
			       where, file);
			return LS_ECONFIG;
		}
		if (secret)
			err = tsig_key_init(&key, name, alg, secret, (unsigned int)bits);
		else
			err = tsig_key_load_file(&key, sfile, name, alg, (unsigned int)bits);
		if (err) {
			pr_err("ddns_conf: key '%s' ('%s') in '%s' rejected (%s)", where, name, file,
			       ls_strerror(err));
			return LS_ECONFIG;
		}
		err = zones_add_key(z, &key);
		memset(&key, 0, sizeof(key));
		if (err == -EEXIST) {
			pr_err("ddns_conf: duplicate key name '%sname' ('%s') in '%s'", where, name,
			       file);
			return LS_ECONFIG;
		}
		if (err)
			return err;
	}
	return 0;
}

static int parse_servers(const json_t *arr, const char *where0, const char *file, struct zones *z,
			 struct zones_domain *d)
{
	static const char *const ours[] = { "ip-address", "port", "key-name", NULL };
	static const char *const ign[] = { "hostname", NULL };
	size_t i;
	json_t *s;

	if (!json_is_array(arr) || !json_array_size(arr)) {
		pr_err("ddns_conf: key '%sdns-servers' in '%s' must be a non-empty list (domain '%s' has no servers)",
		       where0, file, d->name);
		return LS_ECONFIG;
	}
	json_array_foreach(arr, i, s) {
		const char *ip, *kn, *host;
		long long port = 53;
		char where[160];
		int err;

		snprintf(where, sizeof(where), "%sdns-servers[%zu].", where0, i);
		if (!json_is_object(s)) {
			pr_err("ddns_conf: key '%s' in '%s' must be a map", where, file);
			return LS_ECONFIG;
		}
		err = check_keys(s, where, file, ours, ign);
		err = err ?: get_str(s, "hostname", where, file, false, &host);
		if (!err && host && *host) {
			/* D2 does not support it either */
			pr_err("ddns_conf: key '%shostname' in '%s' is not supported, use ip-address",
			       where, file);
			return LS_ECONFIG;
		}
		err = err ?: get_str(s, "ip-address", where, file, true, &ip);
		err = err ?: get_str(s, "key-name", where, file, false, &kn);
		err = err ?: get_uint(s, "port", where, file, 65535, &port);
		if (err)
			return err;
		err = zones_add_server(z, d, ip, (uint16_t)port, kn);
		if (err == -EINVAL) {
			pr_err("ddns_conf: key '%sip-address' in '%s' is not an IP address ('%s')", where,
			       file, ip);
			return LS_ECONFIG;
		}
		if (err == -ENOENT) {
			pr_err("ddns_conf: key '%skey-name' in '%s' names an unknown key '%s'", where,
			       file, kn);
			return LS_ECONFIG;
		}
		if (err)
			return err;
	}
	return 0;
}

static int parse_ddns(const json_t *m, bool reverse, const char *file, unsigned int flags,
		      struct zones *z)
{
	static const char *const ours[] = { "ddns-domains", NULL };
	static const char *const dom_keys[] = { "name", "key-name", "dns-servers", NULL };
	/* leasesnoop's own per-domain policy: never in a file D2 must read too */
	static const char *const ls_dom_keys[] = { "name", "key-name", "dns-servers",
						   "prefix-delegation", NULL };
	const char *sect = reverse ? "reverse-ddns" : "forward-ddns";
	char w0[64];
	json_t *arr, *d;
	size_t i;
	int err;

	snprintf(w0, sizeof(w0), "%s.", sect);
	if (!json_is_object(m)) {
		pr_err("ddns_conf: key '%s' in '%s' must be a map", sect, file);
		return LS_ECONFIG;
	}
	err = check_keys(m, w0, file, ours, NULL);
	if (err)
		return err;
	arr = json_object_get(m, "ddns-domains");
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		pr_err("ddns_conf: key '%s.ddns-domains' in '%s' must be a list", sect, file);
		return LS_ECONFIG;
	}
	json_array_foreach(arr, i, d) {
		struct zones_domain *dom;
		const char *name, *kn;
		const json_t *pd;
		char where[96];

		snprintf(where, sizeof(where), "%s.ddns-domains[%zu].", sect, i);
		if (!json_is_object(d)) {
			pr_err("ddns_conf: key '%s' in '%s' must be a map", where, file);
			return LS_ECONFIG;
		}
		if (!(flags & DDNS_CONF_ALLOW_FOREIGN) && json_object_get(d, "prefix-delegation")) {
			pr_err("ddns_conf: key '%sprefix-delegation' in '%s' is leasesnoop's, not Kea D2's: set it in an inline \"reverse-ddns\" of the Leasesnoop map, not in a ddns-config-file",
			       where, file);
			return LS_ECONFIG;
		}
		err = check_keys(d, where, file, flags & DDNS_CONF_ALLOW_FOREIGN ? ls_dom_keys :
				 dom_keys, NULL);
		err = err ?: get_str(d, "name", where, file, true, &name);
		err = err ?: get_str(d, "key-name", where, file, false, &kn);
		if (err)
			return err;
		err = zones_add_domain(z, reverse, name, kn, &dom);
		if (err == -EINVAL || err == -EEXIST) {
			pr_err("ddns_conf: key '%sname' in '%s': %s '%s'", where, file,
			       err == -EINVAL ? "not a domain name" : "duplicate domain", name);
			return LS_ECONFIG;
		}
		if (err == -ENOENT) {
			pr_err("ddns_conf: key '%skey-name' in '%s' names an unknown key '%s'", where,
			       file, kn);
			return LS_ECONFIG;
		}
		if (err)
			return err;
		if (reverse && !strstr(dom->name, "in-addr.arpa.") && !strstr(dom->name, "ip6.arpa."))
			pr_warn("ddns_conf: reverse domain '%s' in '%s' is not under in-addr.arpa or ip6.arpa",
				dom->name, file);
		err = parse_servers(json_object_get(d, "dns-servers"), where, file, z, dom);
		if (err)
			return err;
		pd = json_object_get(d, "prefix-delegation");
		if (pd && !reverse) {
			/*
			 * Kea writes the router's name on its IA_NA and IA_PD leases alike,
			 * with the same DUID, so the same DHCID: a prefix AAAA at that
			 * name would replace the address lease's (RFC 4703) and back.
			 */
			pr_err("ddns_conf: key '%sprefix-delegation' in '%s' is for reverse-ddns domains only (a forward name belongs to the client's address lease)",
			       where, file);
			return LS_ECONFIG;
		}
		if (pd && !json_is_boolean(pd)) {
			pr_err("ddns_conf: key '%sprefix-delegation' in '%s' must be true or false",
			       where, file);
			return LS_ECONFIG;
		}
		dom->prefix_delegation = pd && json_is_true(pd);
	}
	return 0;
}

int ddns_conf_parse_json(const json_t *obj, const char *file, unsigned int flags,
			 struct ddns_conf *conf)
{
	static const char *const ours[] = { "tsig-keys", "forward-ddns", "reverse-ddns",
					    "dns-server-timeout", NULL };
	/* D2 settings about its NCR listener, logging and control: not ours, harmless. */
	static const char *const d2_only[] = { "ip-address", "port", "ncr-protocol", "ncr-format",
					       "control-socket", "hooks-libraries", "loggers",
					       NULL };
	const json_t *dd;
	long long timeout = 0;
	int err;

	memset(conf, 0, sizeof(*conf));
	if (!json_is_object(obj)) {
		pr_err("ddns_conf: top level of '%s' must be a map", file);
		return LS_ECONFIG;
	}
	dd = json_object_get(obj, "DhcpDdns");
	if (dd && !json_is_object(dd)) {
		pr_err("ddns_conf: key 'DhcpDdns' in '%s' must be a map", file);
		return LS_ECONFIG;
	}
	if (!dd)
		dd = obj;
	if (!(flags & DDNS_CONF_ALLOW_FOREIGN)) {
		err = check_keys(dd, "", file, ours, d2_only);
		if (err)
			return err;
	}
	err = zones_new(&conf->zones);
	if (err)
		return err;
	if (json_object_get(dd, "tsig-keys"))
		err = parse_keys(json_object_get(dd, "tsig-keys"), file, conf->zones);
	if (!err && json_object_get(dd, "forward-ddns"))
		err = parse_ddns(json_object_get(dd, "forward-ddns"), false, file, flags,
				 conf->zones);
	if (!err && json_object_get(dd, "reverse-ddns"))
		err = parse_ddns(json_object_get(dd, "reverse-ddns"), true, file, flags,
				 conf->zones);
	if (!err)
		err = get_uint(dd, "dns-server-timeout", "", file, 3600000, &timeout);
	if (err) {
		ddns_conf_fini(conf);
		return err;
	}
	conf->server_timeout_ms = (unsigned int)timeout;
	return 0;
}

int ddns_conf_load(const char *path, struct ddns_conf *conf)
{
	json_t *j = NULL;
	int err;

	memset(conf, 0, sizeof(*conf));
	err = ddns_conf_read_json(path, &j);
	if (err)
		return err;
	err = ddns_conf_parse_json(j, path, 0, conf);
	json_decref(j);
	return err;
}

void ddns_conf_fini(struct ddns_conf *conf)
{
	if (!conf)
		return;
	zones_free(conf->zones);
	conf->zones = NULL;
}
