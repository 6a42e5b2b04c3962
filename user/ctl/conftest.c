// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ctl/conftest.c - what `-t` and `config-test` check beyond the
 * reader: each path is stat(2)ed once into a struct conftest_fact and
 * judged by a pure function; zones are judged from their names and keys.
 * Findings go to the caller's note function, a summary to @out.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/ctl/conftest.h"
#include "user/dns/tsig.h"

static const char *const mode_words[] = {
	[DNSENGINE_CHECK_WITH_DHCID] = "check-with-dhcid",
	[DNSENGINE_NO_CHECK_WITH_DHCID] = "no-check-with-dhcid",
	[DNSENGINE_CHECK_EXISTS_WITH_DHCID] = "check-exists-with-dhcid",
	[DNSENGINE_NO_CHECK_WITHOUT_DHCID] = "no-check-without-dhcid",
};

enum conftest_verdict conftest_path_judge(enum conftest_kind kind, const struct conftest_fact *f,
					  const char **why)
{
	*why = NULL;
	if (f->err && f->err != -ENOENT) {
		*why = f->err == -ENOTDIR ? "a component of it is not a directory"
					  : "cannot be examined";
		return CONFTEST_ERR;
	}
	switch (kind) {
	case CONFTEST_STATE_DIR:
		if (!f->err) {
			if (!S_ISDIR(f->mode))
				*why = "is not a directory";
			else if (!f->writable)
				*why = "is not writable";
			return *why ? CONFTEST_ERR : CONFTEST_OK;
		}
		if (!f->parent_dir || !f->parent_writable) {
			*why = "does not exist and cannot be created";
			return CONFTEST_ERR;
		}
		return CONFTEST_OK;	/* created at start-up */
	case CONFTEST_LEASE_FILE:
		if (!f->err) {
			if (!S_ISREG(f->mode))
				*why = S_ISDIR(f->mode) ? "is a directory, not a lease file"
							: "is not a regular file";
			else if (!f->readable)
				*why = "is not readable";
			return *why ? CONFTEST_ERR : CONFTEST_OK;
		}
		if (f->missing > 1 || !f->parent_dir) {
			*why = "is in a directory that does not exist";
			return CONFTEST_ERR;
		}
		*why = "does not exist yet (read once Kea writes it)";
		return CONFTEST_WARN;
	case CONFTEST_OUR_SOCKET:
		if (!f->err) {
			if (!S_ISSOCK(f->mode)) {
				*why = "exists and is not a socket";
				return CONFTEST_ERR;
			}
			return CONFTEST_OK;	/* a stale socket is replaced at start-up */
		}
		/* control.c creates the socket's own directory, one level */
		if (f->missing > 2 || !f->parent_dir || !f->parent_writable) {
			*why = "is in a directory that does not exist and cannot be created";
			return CONFTEST_ERR;
		}
		return CONFTEST_OK;
	case CONFTEST_KEA_SOCKET:
		if (!f->err) {
			if (!S_ISSOCK(f->mode)) {
				*why = "is not a socket";
				return CONFTEST_ERR;
			}
			return CONFTEST_OK;
		}
		*why = "does not exist (Kea not running?)";
		return CONFTEST_WARN;
	}
	*why = "unknown use";
	return CONFTEST_ERR;
}

static bool name_under(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n >= s && !strcasecmp(name + n - s, suffix) && (n == s || name[n - s - 1] == '.');
}

enum conftest_verdict conftest_zone_judge(const struct zones_domain *d, const char **why)
{
	*why = NULL;
	/* a reverse domain outside in-addr.arpa./ip6.arpa. is ddns_conf's warning */
	if (!d->reverse && name_under(d->name, "arpa.")) {
		*why = "is a forward domain under arpa.";
		return CONFTEST_WARN;
	}
	if (!d->nservers) {
		*why = "has no DNS servers";
		return CONFTEST_ERR;
	}
	if (!d->key) {
		for (size_t i = 0; i < d->nservers; i++)
			if (!d->servers[i].key) {
				*why = "has no TSIG key: its updates go unsigned";
				return CONFTEST_WARN;
			}
	}
	return CONFTEST_OK;
}

void conftest_fact_get(const char *path, struct conftest_fact *f)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	memset(f, 0, sizeof(*f));
	if (stat(path, &st) == 0) {
		f->mode = st.st_mode;
		f->readable = access(path, R_OK) == 0;
		f->writable = access(path, W_OK) == 0;
		return;
	}
	f->err = -errno;
	if (f->err != -ENOENT)
		return;
	/* the nearest existing ancestor: where a missing path would be created */
	snprintf(dir, sizeof(dir), "%s", path);
	for (f->missing = 1;; f->missing++) {
		slash = strrchr(dir, '/');
		if (!slash) {
			snprintf(dir, sizeof(dir), ".");
		} else if (slash == dir) {
			dir[1] = 0;
		} else {
			*slash = 0;
		}
		if (stat(dir, &st) == 0) {
			f->parent_dir = S_ISDIR(st.st_mode);
			f->parent_writable = access(dir, W_OK) == 0;
			return;
		}
		if (errno != ENOENT || !strcmp(dir, "/") || !strcmp(dir, "."))
			return;
	}
}

struct run {
	conftest_note_fn *note;
	void *arg;
	int errors;
};

static void __attribute__((format(printf, 3, 4)))
finding(struct run *r, enum conftest_verdict v, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (v == CONFTEST_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (v == CONFTEST_ERR)
		r->errors++;
	if (r->note)
		r->note(r->arg, v, line);
}

static void path_check(struct run *r, const char *key, const char *path, enum conftest_kind kind)
{
	struct conftest_fact f;
	enum conftest_verdict v;
	const char *why;

	if (!path)
		return;
	conftest_fact_get(path, &f);
	v = conftest_path_judge(kind, &f, &why);
	if (v != CONFTEST_OK && f.err && f.err != -ENOENT)
		finding(r, v, "%s '%s' %s (%s)", key, path, why, ls_strerror(f.err));
	else
		finding(r, v, "%s '%s' %s", key, path, why);
}

static void zones_summary(const struct zones *z, bool reverse, FILE *out)
{
	for (size_t i = 0; i < zones_count(z, reverse); i++) {
		const struct zones_domain *d = zones_domain_at(z, reverse, i);

		fprintf(out, "  %-7s %s ->", reverse ? "reverse" : "forward", d->name);
		for (size_t j = 0; j < d->nservers; j++)
			fprintf(out, "%s %s", j ? "," : "", d->servers[j].text);
		if (d->key)
			fprintf(out, " key %s (%.*s)", d->key->name,
				(int)strlen(tsig_alg_name(d->key->alg)) - 1, tsig_alg_name(d->key->alg));
		else
			fprintf(out, " unsigned");
		fprintf(out, "%s\n", d->prefix_delegation ? ", delegated prefixes too" : "");
	}
}

static void summary(const struct config *c, FILE *out)
{
	fprintf(out, "configuration '%s' is valid; the daemon would:\n", c->file);
	if (c->n_ifaces) {
		fprintf(out, "  watch DHCP on");
		for (int i = 0; i < c->n_ifaces; i++)
			fprintf(out, " %s", c->ifaces[i]);
		fprintf(out, " (XDP ingress, tc egress; needs CAP_BPF CAP_NET_ADMIN CAP_PERFMON)\n");
	} else {
		fprintf(out, "  watch no interface: lease files only (no BPF, no capabilities)\n");
	}
	fprintf(out, "  read Kea's leases from%s%s%s%s\n", c->lease_file4 ? " v4 " : "",
		c->lease_file4 ?: "", c->lease_file6 ? " v6 " : "", c->lease_file6 ?: "");
	fprintf(out, "  keep what it owns in %s; control socket %s\n", c->state_dir,
		c->control_socket ?: "(none)");
	fprintf(out, "  update %zu forward and %zu reverse domain(s), %s, TTL ", zones_count(c->zones, false),
		zones_count(c->zones, true), mode_words[c->mode]);
	if (c->ttl_fixed)
		fprintf(out, "%u s\n", c->ttl_fixed);
	else
		fprintf(out, "%u%% of the lease [%u s, %u s]\n", c->ttl_percent, c->ttl_min, c->ttl_max);
	zones_summary(c->zones, false, out);
	zones_summary(c->zones, true, out);
	if (c->metrics.enabled)
		fprintf(out, "  serve Prometheus metrics on %s\n", c->metrics.listen);
	if (c->ha.enabled)
		fprintf(out, "  follow Kea's HA state through %s\n", c->ha.control_socket);
}

int conftest_run(const struct config *c, conftest_note_fn *note, void *arg, FILE *out)
{
	struct run r = { .note = note, .arg = arg };

	for (int i = 0; i < c->n_ifaces; i++)
		if (!if_nametoindex(c->ifaces[i]))
			finding(&r, CONFTEST_ERR, "interfaces[%d] '%s' is not an interface here", i,
				c->ifaces[i]);
	path_check(&r, "lease-files.v4", c->lease_file4, CONFTEST_LEASE_FILE);
	path_check(&r, "lease-files.v6", c->lease_file6, CONFTEST_LEASE_FILE);
	path_check(&r, "state-dir", c->state_dir, CONFTEST_STATE_DIR);
	path_check(&r, "control-socket", c->control_socket, CONFTEST_OUR_SOCKET);
	if (c->ha.enabled)
		path_check(&r, "high-availability.control-socket", c->ha.control_socket,
			   CONFTEST_KEA_SOCKET);
	for (int rev = 0; rev < 2; rev++)
		for (size_t i = 0; i < zones_count(c->zones, rev); i++) {
			const struct zones_domain *d = zones_domain_at(c->zones, rev, i);
			const char *why;
			enum conftest_verdict v = conftest_zone_judge(d, &why);

			finding(&r, v, "%s.ddns-domains[%zu] '%s' %s",
				rev ? "reverse-ddns" : "forward-ddns", i, d->name, why);
		}
	if (out && !r.errors)
		summary(c, out);
	return r.errors ? LS_ECONFIG : 0;
}
