// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/leaseinfo.c - lease4-get / lease6-get and `leasesnoop --lease`: the
 * lease row, the reconciler's decision and why, the owned binding, and
 * (in the client) what DNS answers now. See leaseinfo.h.
 */
#include "user/leaseinfo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/ctl/control.h"
#include "user/dns/dnsengine.h"
#include "user/dns/dnsmsg.h"
#include "user/dns/zones.h"

#define T_A 1
#define T_PTR 12
#define T_AAAA 28
#define T_DHCID 49

static const char *const state_names[LEASEINFO_STATE_MAX_] = {
	[LEASEINFO_UNKNOWN] = "unknown",	   [LEASEINFO_PUBLISHED] = "published",
	[LEASEINFO_NOT_PUBLISHED] = "not-published", [LEASEINFO_PENDING] = "pending",
	[LEASEINFO_CONFLICT] = "conflict",	   [LEASEINFO_FAILED] = "failed",
	[LEASEINFO_HELD] = "held",
};

const char *leaseinfo_state_name(enum leaseinfo_state s)
{
	return (unsigned int)s < LEASEINFO_STATE_MAX_ ? state_names[s] : "?";
}

static const char *side_word(const struct reconcile_explain *x, char *buf, size_t cap)
{
	snprintf(buf, cap, "forward %s, reverse %s", dnsengine_outcome_name(x->last_fwd),
		 dnsengine_outcome_name(x->last_rev));
	return buf;
}

enum leaseinfo_state leaseinfo_verdict(const struct reconcile_explain *x,
				       const struct owner_rec *o, char *why, size_t cap)
{
	char sides[96];

	if (x->in_flight || x->dirty || x->pending_wire) {
		snprintf(why, cap, "%s",
			 x->in_flight ? "a change is with the DNS server" :
			 x->dirty ? "waiting to be synced" :
				    "a wire event waits for the lease file to confirm it");
		return LEASEINFO_PENDING;
	}
	if (!x->ok) {
		if (!x->has_lease && !o) {
			snprintf(why, cap, "no lease at this address in Kea's lease table");
			return LEASEINFO_UNKNOWN;
		}
		if (o && o->state != OWNER_CONFLICT && o->state != OWNER_FAILED) {
			snprintf(why, cap, "%s; the records it owns are to be removed",
				 x->why_not ? x->why_not : "not wanted");
			return LEASEINFO_PENDING;
		}
		if (x->bad_name)
			snprintf(why, cap, "%s: '%s' (%s)", x->why_not, x->fqdn, x->bad_name);
		else
			snprintf(why, cap, "%s", x->why_not ? x->why_not : "not wanted");
		return LEASEINFO_NOT_PUBLISHED;
	}
	if (!o) {
		snprintf(why, cap, "wanted as '%s', not sent yet", x->fqdn);
		return LEASEINFO_PENDING;
	}
	switch (o->state) {
	case OWNER_ADDED:
		if (strcmp(o->fqdn, x->fqdn)) {
			snprintf(why, cap, "owns '%s', wants '%s': not synced yet", o->fqdn, x->fqdn);
			return LEASEINFO_PENDING;
		}
		snprintf(why, cap, "'%s' in DNS (%s%s%s)", o->fqdn, o->fwd ? "forward" : "",
			 o->fwd && o->rev ? " and " : "", o->rev ? "reverse" : "");
		if (x->no_fwd_zone)
			snprintf(why + strlen(why), cap - strlen(why),
				 "; the name is in no configured forward zone");
		return LEASEINFO_PUBLISHED;
	case OWNER_CONFLICT:
		snprintf(why, cap,
			 "conflict: '%s' holds another client's DHCID (RFC 4703); left alone",
			 o->fqdn);
		return LEASEINFO_CONFLICT;
	case OWNER_FAILED:
		if (x->last_op)
			side_word(x, sides, sizeof(sides));
		else
			snprintf(sides, sizeof(sides), "outcome before the last restart");
		if (x->held_ms) {
			snprintf(why, cap, "the server refused it %u times in a row (%s); held back %llu s",
				 x->fails, sides, (unsigned long long)((x->held_ms + 999) / 1000));
			return LEASEINFO_HELD;
		}
		snprintf(why, cap, "the server refused it (%s); retried at the next full reconciliation",
			 sides);
		return LEASEINFO_FAILED;
	default:	/* ADDING, REMOVING: intent stored, outcome to come */
		snprintf(why, cap, "%s '%s'", owner_state_name(o->state), o->fqdn);
		return LEASEINFO_PENDING;
	}
}

int leaseinfo_parse_args(const json_t *args, int family, uint8_t addr[16], const char **name,
			 const char **err)
{
	const char *ip = json_string_value(json_object_get(args, "ip-address"));
	const char *host = json_string_value(json_object_get(args, "hostname"));

	*name = NULL;
	if (!json_is_object(args) || (!ip && !host) || (ip && host)) {
		*err = "expected {\"ip-address\": …} or {\"hostname\": …}";
		return -EINVAL;
	}
	if (ip) {
		if (util_addr_parse(ip, family, addr) < 0) {
			*err = family == 4 ? "\"ip-address\" is not an IPv4 address" :
					     "\"ip-address\" is not an IPv6 address";
			return -EINVAL;
		}
		return 1;
	}
	if (!*host || strlen(host) >= ZONES_NAME_MAX) {
		*err = "\"hostname\" is empty or too long";
		return -EINVAL;
	}
	*name = host;
	return 2;
}

json_t *leaseinfo_owned_row(const struct owner_rec *o)
{
	char a[INET6_ADDRSTRLEN], hex[2 * DHCID_RDATA_LEN + 1];
	json_t *row;

	util_addr_text(o->family, o->addr, a, sizeof(a));
	util_hex_format(o->dhcid, DHCID_RDATA_LEN, 0, hex, sizeof(hex));
	row = json_pack("{s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:s,s:i,s:I,s:I}", "address", a, "fqdn",
			o->fqdn, "state", owner_state_name(o->state), "fwd", o->fwd, "rev", o->rev,
			"fwd-zone", o->fwd_zone, "rev-zone", o->rev_zone, "dhcid", hex, "ttl",
			(int)o->ttl, "created", (json_int_t)o->created, "updated",
			(json_int_t)o->updated);
	if (row && o->prefix_len)
		json_object_set_new(row, "prefix-len", json_integer(o->prefix_len));
	return row;
}

/* "a.b." and "A.B" are the same name */
static int name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la && a[la - 1] == '.')
		la--;
	while (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && !strncasecmp(a, b, la);
}

struct by_name {
	const char *name;
	int found;
	int64_t cltt;
	uint8_t addr[16];
};

static int by_name_fn(void *ctx, const struct lease *l)
{
	struct by_name *b = ctx;

	/* the most recent lease of that name (Kea's lease4-get-by-hostname lists them all) */
	if (l->hostname_len && name_eq(l->hostname, b->name) && (!b->found || l->cltt > b->cltt)) {
		b->found = 1;
		b->cltt = l->cltt;
		memcpy(b->addr, l->addr, 16);
	}
	return 0;
}

/* the lease row with the lease file's own column names */
static json_t *lease_row(const struct leases *t, const struct lease *l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *j = NULL;

	if (!f)
		return NULL;
	if (!leases_print(l, leases_columns(t), 1, f) && !fflush(f))
		j = json_loadb(buf, len, 0, NULL);
	fclose(f);
	free(buf);
	return j;
}

static json_t *server_json(const char *side, const char *name, const struct zones_domain *d)
{
	char ip[INET6_ADDRSTRLEN] = "";
	const struct zones_server *s = d && d->nservers ? &d->servers[0] : NULL;
	int port = 0;

	if (!s)
		return json_pack("{s:s,s:s,s:s?}", "side", side, "name", name, "zone",
				 d ? d->name : NULL);
	if (s->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&s->addr;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)&s->addr;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:i}", "side", side, "name", name, "zone", d->name,
			 "server", ip, "port", port);
}

/* which names to ask DNS about, and where: what is owned, else what is wanted */
static json_t *dns_targets(const struct leaseinfo_sources *src, int family, const uint8_t *addr,
			   const struct reconcile_explain *x, const struct owner_rec *o)
{
	const struct zones *z = src->cfg ? src->cfg->zones : NULL;
	const struct zones_domain *fz = x->fz, *rz = x->rz;
	const char *fqdn = x->fqdn;
	char rname[ZONES_NAME_MAX], hn[ZONES_NAME_MAX];
	json_t *arr = json_array();

	if (!*fqdn && x->has_lease && x->lease.hostname_len &&
	    !zones_name_canon(x->lease.hostname, hn, sizeof(hn)))
		fqdn = hn;	/* no name decided (e.g. Kea said no DNS): the lease's own */
	if (o) {
		fqdn = o->fqdn;
		fz = *o->fwd_zone && z ? zones_match(z, o->fwd_zone, false) : fz;
		rz = *o->rev_zone && z ? zones_match(z, o->rev_zone, true) : rz;
	}
	if (!fz && *fqdn && z)
		fz = zones_match(z, fqdn, false);
	if (!rz && z && !zones_reverse_name(family, addr, rname, sizeof(rname)))
		rz = zones_match(z, rname, true);
	if (*fqdn && fz)
		json_array_append_new(arr, server_json("forward", fqdn, fz));
	if (rz && !zones_reverse_name(family, addr, rname, sizeof(rname)))
		json_array_append_new(arr, server_json("reverse", rname, rz));
	return arr;
}

static json_t *explain_json(const struct reconcile_explain *x)
{
	json_t *j = json_pack("{s:b,s:b,s:i,s:i,s:I}", "dirty", x->dirty, "in-flight",
			      x->in_flight, "pending-wire-events", (int)x->pending_wire, "refusals",
			      (int)x->fails, "held-s", (json_int_t)((x->held_ms + 999) / 1000));

	if (j && x->last_op)
		json_object_set_new(j, "last-outcome",
				    json_pack("{s:s,s:s,s:s}", "op",
					      x->last_op == 1 ? "add" : "remove", "fwd",
					      dnsengine_outcome_name(x->last_fwd), "rev",
					      dnsengine_outcome_name(x->last_rev)));
	return j;
}

json_t *leaseinfo_get(const struct leaseinfo_sources *src, int family, const json_t *args)
{
	const struct leases *t = src->tab[family == 6];
	struct reconcile_explain x;
	struct owner_rec o;
	const char *name, *perr;
	uint8_t addr[16];
	char a[INET6_ADDRSTRLEN], why[512];
	enum leaseinfo_state st;
	int kind, have, err;
	json_t *ans;

	kind = leaseinfo_parse_args(args, family, addr, &name, &perr);
	if (kind < 0)
		return control_answer(CONTROL_ERROR, perr, NULL);
	if (kind == 2) {
		struct by_name b = { .name = name };

		if (t)
			leases_foreach(t, by_name_fn, &b);
		if (!b.found)
			return control_answer(CONTROL_EMPTY, "no lease of that host name", NULL);
		memcpy(addr, b.addr, 16);
	}
	if (!src->rec)
		return control_answer(CONTROL_ERROR, "the reconciler is not running", NULL);
	reconcile_explain(src->rec, family, addr, &x);
	err = src->owner ? owner_get(src->owner, family, addr, &o) : -ENOENT;
	if (err && err != -ENOENT)
		return control_answer(CONTROL_ERROR, "ownership store unreadable", NULL);
	have = !err;
	st = leaseinfo_verdict(&x, have ? &o : NULL, why, sizeof(why));
	util_addr_text(family, addr, a, sizeof(a));
	ans = json_pack("{s:s,s:i,s:s,s:s,s:o}", "address", a, "family", family, "decision",
			leaseinfo_state_name(st), "reason", why, "reconciler", explain_json(&x));
	if (!ans)
		return control_answer(CONTROL_ERROR, "out of memory", NULL);
	if (x.has_lease && t)
		json_object_set_new(ans, "lease", lease_row(t, &x.lease));
	if (x.ok) {
		char hex[2 * DHCID_RDATA_LEN + 1];

		util_hex_format(x.dhcid, DHCID_RDATA_LEN, 0, hex, sizeof(hex));
		json_object_set_new(ans, "wanted", json_pack("{s:s,s:s,s:s,s:s,s:i}", "fqdn", x.fqdn,
			"fwd-zone", x.fz ? x.fz->name : "", "rev-zone", x.rz ? x.rz->name : "",
			"dhcid", hex, "ttl", (int)x.ttl));
	}
	if (have)
		json_object_set_new(ans, "owned", leaseinfo_owned_row(&o));
	json_object_set_new(ans, "dns", dns_targets(src, family, addr, &x, have ? &o : NULL));
	if (st == LEASEINFO_UNKNOWN)
		return control_answer(CONTROL_EMPTY, "no lease and nothing owned there", ans);
	return control_answer(CONTROL_OK, "lease found", ans);
}

/* ---- the client: `leasesnoop --lease` ---- */

/* one read-only query, unsigned, over UDP; the answer's rdata in presentation form */
static json_t *ask(const char *server, int port, const char *qname, uint16_t qtype,
		   unsigned int timeout_ms)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	struct dnsmsg_reply r;
	struct dnsmsg_rr rrs[16];
	uint8_t *q = NULL, rep[4096];
	size_t qlen, n = 0;
	uint16_t id;
	json_t *vals = json_array();
	const char *fail = NULL;
	int fd = -1;
	ssize_t got = -1;

	if (inet_pton(AF_INET, server, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, server, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		fail = "bad server address";
		goto out;
	}
	id = (uint16_t)(getpid() ^ qtype ^ (uintptr_t)qname);
	if (dnsmsg_query_to_wire(qname, qtype, id, 0, &q, &qlen)) {
		fail = "bad name";
		goto out;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) || send(fd, q, qlen, 0) < 0) {
		fail = "cannot send";
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, (int)timeout_ms) <= 0) {
			fail = "no answer in time";
			goto out;
		}
		got = recv(fd, rep, sizeof(rep), 0);
		if (got < 0) {
			fail = "no answer (connection refused)";
			goto out;
		}
		if (got >= 2 && (rep[0] << 8 | rep[1]) == id)
			break;	/* a stray datagram is not ours: wait for the right one */
	}
	if (dnsmsg_parse_answer(rep, (size_t)got, qtype, &r, rrs, 16, &n)) {
		fail = "unparsable answer";
		goto out;
	}
	if (r.rcode) {
		json_decref(vals);
		free(q);
		close(fd);
		return json_string(dnsmsg_rcode_name(r.rcode));
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		char txt[256];
		unsigned char b64[4 * ((64 + 2) / 3) + 1];

		if (qtype == T_A && rrs[i].rdlen == 4)
			inet_ntop(AF_INET, rrs[i].rdata, txt, sizeof(txt));
		else if (qtype == T_AAAA && rrs[i].rdlen == 16)
			inet_ntop(AF_INET6, rrs[i].rdata, txt, sizeof(txt));
		else if (qtype == T_PTR)
			snprintf(txt, sizeof(txt), "%s", rrs[i].name);
		else if (qtype == T_DHCID && rrs[i].rdlen <= sizeof(rrs[i].rdata)) {
			EVP_EncodeBlock(b64, rrs[i].rdata, rrs[i].rdlen);
			snprintf(txt, sizeof(txt), "%s", (char *)b64);
		} else
			continue;
		json_array_append_new(vals, json_string(txt));
	}
out:
	free(q);
	if (fd >= 0)
		close(fd);
	if (fail) {
		json_decref(vals);
		return json_pack("{s:s}", "error", fail);
	}
	return vals;
}

/* add "dns-now" to @ans: each target's records as its server answers now */
static void ask_dns(json_t *ans, int family, unsigned int timeout_ms)
{
	json_t *targets = json_object_get(ans, "dns"), *t, *now = json_array();
	size_t i;

	json_array_foreach(targets, i, t) {
		const char *side = json_string_value(json_object_get(t, "side"));
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *srv = json_string_value(json_object_get(t, "server"));
		int port = (int)json_integer_value(json_object_get(t, "port"));
		bool fwd = side && !strcmp(side, "forward");
		json_t *row;

		if (!name || !srv)
			continue;
		row = json_pack("{s:s,s:s,s:s,s:i}", "side", side, "name", name, "server", srv,
				"port", port);
		json_object_set_new(row, fwd ? (family == 4 ? "A" : "AAAA") : "PTR",
				    ask(srv, port, name, fwd ? (family == 4 ? T_A : T_AAAA) : T_PTR,
					timeout_ms));
		json_object_set_new(row, "DHCID", ask(srv, port, name, T_DHCID, timeout_ms));
		json_array_append_new(now, row);
	}
	json_object_set_new(ans, "dns-now", now);
}

static void print_vals(FILE *out, const char *type, const json_t *v)
{
	size_t i;
	json_t *e;

	fprintf(out, "    %-6s", type);
	if (json_is_string(v))
		fprintf(out, "%s", json_string_value(v));	/* an rcode: NXDOMAIN … */
	else if (json_is_object(v))
		fprintf(out, "(%s)", json_string_value(json_object_get(v, "error")));
	else if (!json_array_size(v))
		fprintf(out, "(none)");
	json_array_foreach(v, i, e)
		fprintf(out, "%s%s", i ? " " : "", json_string_value(e));
	fputc('\n', out);
}

static void print_obj_line(FILE *out, const char *title, const json_t *o)
{
	const char *k;
	json_t *v;
	int n = 0;

	if (!json_is_object(o))
		return;
	fprintf(out, "%-10s", title);
	json_object_foreach((json_t *)o, k, v) {
		char *s;

		if (json_is_string(v) && !*json_string_value(v))
			continue;
		s = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
		fprintf(out, "%s%s=%s", n && !(n % 4) ? "\n          " : " ", k, s ? s : "?");
		n++;
		free(s);
	}
	fputc('\n', out);
}

static void print_human(FILE *out, const json_t *ans)
{
	const json_t *a = json_object_get(ans, "arguments"), *lo, *now, *row;
	size_t i;

	fprintf(out, "%s (IPv%d)\n", json_string_value(json_object_get(a, "address")),
		(int)json_integer_value(json_object_get(a, "family")));
	fprintf(out, "decision  %s: %s\n", json_string_value(json_object_get(a, "decision")),
		json_string_value(json_object_get(a, "reason")));
	if (json_object_get(a, "lease"))
		print_obj_line(out, "lease", json_object_get(a, "lease"));
	else
		fprintf(out, "lease     none in Kea's lease table\n");
	print_obj_line(out, "wanted", json_object_get(a, "wanted"));
	if (json_object_get(a, "owned"))
		print_obj_line(out, "owned", json_object_get(a, "owned"));
	else
		fprintf(out, "owned     nothing in the ownership store\n");
	lo = json_object_get(json_object_get(a, "reconciler"), "last-outcome");
	if (lo)
		fprintf(out, "last      %s: forward %s, reverse %s\n",
			json_string_value(json_object_get(lo, "op")),
			json_string_value(json_object_get(lo, "fwd")),
			json_string_value(json_object_get(lo, "rev")));
	now = json_object_get(a, "dns-now");
	if (!json_array_size(now))
		fprintf(out, "dns now   no configured zone to ask\n");
	json_array_foreach(now, i, row) {
		const char *k;
		json_t *v;

		fprintf(out, "dns now   %s %s @%s#%d\n",
			json_string_value(json_object_get(row, "side")),
			json_string_value(json_object_get(row, "name")),
			json_string_value(json_object_get(row, "server")),
			(int)json_integer_value(json_object_get(row, "port")));
		json_object_foreach((json_t *)row, k, v)
			if (!strcmp(k, "A") || !strcmp(k, "AAAA") || !strcmp(k, "PTR") ||
			    !strcmp(k, "DHCID"))
				print_vals(out, k, v);
	}
}

/* one lookup: 1 found, 0 not, or a negative errno */
static int lookup(const char *sock, int family, const json_t *args, int json,
		  unsigned int timeout_ms, FILE *out, int quiet_empty)
{
	json_t *ans = NULL, *a;
	int err, res;

	err = control_request(sock, family == 4 ? "lease4-get" : "lease6-get", args, &ans);
	if (err) {
		pr_err("lease: cannot ask the daemon at '%s' (%s)", sock, ls_strerror(err));
		return err;
	}
	res = (int)json_integer_value(json_object_get(ans, "result"));
	a = json_object_get(ans, "arguments");
	if (res != CONTROL_OK && res != CONTROL_EMPTY) {
		pr_err("lease: the daemon says '%s'", json_string_value(json_object_get(ans, "text")));
		json_decref(ans);
		return -EINVAL;
	}
	if (a)
		ask_dns(a, family, timeout_ms);
	if (json && !(quiet_empty && !a)) {
		json_dumpf(ans, out, JSON_COMPACT);
		fputc('\n', out);
	} else if (a) {
		print_human(out, ans);
	} else if (!quiet_empty) {
		fprintf(out, "IPv%d: %s\n", family, json_string_value(json_object_get(ans, "text")));
	}
	json_decref(ans);
	return res == CONTROL_OK;
}

int leaseinfo_cmd(const char *sock, const char *what, int json, unsigned int timeout_ms,
		  FILE *out)
{
	uint8_t addr[16];
	int family = util_addr_parse(what, 0, addr);
	json_t *args;
	int found = 0, err = 0;

	if (family < 0)
		family = 0;	/* not an address: a host name, looked up in both families */
	if (family)
		args = json_pack("{s:s}", "ip-address", what);
	else
		args = json_pack("{s:s}", "hostname", what);
	if (!args)
		return -ENOMEM;
	for (int f = 4; f <= 6 && !err; f += 2) {
		int n;

		if (family && f != family)
			continue;
		n = lookup(sock, f, args, json, timeout_ms, out, !family);
		if (n < 0)
			err = n;
		else
			found += n;
	}
	json_decref(args);
	if (!err && !found && !json)
		fprintf(out, "%s: no lease and nothing owned\n", what);
	return err ? err : found ? 0 : -ENOENT;
}
