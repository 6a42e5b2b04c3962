// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/daemon.c - wiring of the daemon: owns the objects of one run and the
 * epoll loop; every decision is the reconciler's. Work is done in turns:
 * read what is ready (ring, lease files, DNS replies, control, timer), let
 * the reconciler flush (intents committed before sending), let the engine
 * send. While the reconciler has work it can do now, the loop does not
 * sleep; work that waits for a DNS reply or a backoff never keeps it awake.
 */
#include <argp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ringbuf/consumer.h"
#include "user/dns/adopt.h"
#include "user/dns/adoptxfr.h"
#include "user/ctl/config.h"
#include "user/common/sdnotify.h"
#include "user/ctl/conftest.h"
#include "user/ctl/control.h"
#include "user/daemon.h"
#include "user/dns/dnsengine.h"
#include "user/common/errcode.h"
#include "user/wire/evfmt.h"
#include "user/ctl/ha.h"
#include "user/lease/leases.h"
#include "user/lease/sqlfeed.h"
#include "user/wire/loader.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/ctl/metrics.h"
#include "user/kea/ncr_listen.h"
#include "user/sync/owner.h"
#include "user/sync/pgowner.h"
#include "user/sync/reconcile.h"
#include "user/leaseinfo.h"
#include "user/stats.h"
#include "user/sync/verify.h"

#define TICK_MS 200
#define EXIT_DRAIN_MS 3000	/* at exit: let changes in flight finish (the store has the rest) */

enum { TAG_RING = 1, TAG_L4, TAG_L6, TAG_DNS, TAG_CTL, TAG_TIMER, TAG_HA, TAG_VERIFY, TAG_NCR,
       TAG_FEED, TAG_ADOPT, TAG_GSS };
#define METRICS_EVERY_TICKS 5	/* the registry mirrors the statistics once a second */

struct daemon {
	const struct daemon_args *a;
	bool ready;		/* READY=1 sent: the start-up full pass is decided and handed on */
	bool trim_due;		/* changes flowed since the heap was last trimmed */
	uint64_t wd_usec;	/* systemd's WatchdogSec= in µs; 0: none */
	struct timespec wd_last;	/* last WATCHDOG=1 */
	struct config *cfg;
	struct owner *owner;
	struct dnsengine *eng;
	struct reconcile *rec;
	struct verify *ver;		/* "dns-verify-interval" and dns-verify */
	struct known *known;		/* "sweep-orphans": the clients seen in the lease files */
	struct leases *tab[2];
	/* "lease-database" postgresql: the feed fills tab[]; nothing is synced before its first pass */
	struct leasedb_conf db;		/* the feed's settings (only a restart changes them) */
	struct sqlfeed *feed;
	unsigned int feed_gen;
	int feed_fd;
	bool feed_ready;
	struct pgowner *pgo;		/* "lease-database-shared": the store and the shards led */
	struct loader *ldr;
	struct consumer *cons;
	struct control *ctl;
	struct ha *ha;			/* NULL: no HA, this node always sends */
	struct metrics *met;
	struct metrics_server *msrv;
	struct ncr_listen *ncr;		/* Kea's NCRs (kea-ddns-updates); NULL: not listening */
	unsigned int ticks;
	time_t last_success;		/* a change last applied by a DNS server */
	int ep, tfd;
	time_t started;
	uint64_t retries;
	struct adopt_stats adopt_st;	/* "adopt-existing": rounds over */
	struct adoptxfr *ax;		/* the round under way (transfers, index, probe); NULL: none */
	bool adopt_out;			/* a chunk of it is being decided */
	/* --dry-run: changes "sent", answered APPLIED on the next turn */
	struct dnsengine_change *dry;
	size_t ndry, capdry;
};

static int dry_submit(void *ctx, const struct dnsengine_change *c)
{
	struct daemon *d = ctx;
	char a[INET6_ADDRSTRLEN + 4], hex[2 * DHCID_RDATA_LEN + 1];

	if (d->ndry == d->capdry) {
		size_t cap = d->capdry ? d->capdry * 2 : 256;
		void *p = realloc(d->dry, cap * sizeof(*d->dry));

		if (!p)
			return -ENOMEM;
		d->dry = p;
		d->capdry = cap;
	}
	d->dry[d->ndry++] = *c;
	util_addr_text(c->family, c->addr, a, sizeof(a));
	if (c->prefix_len)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%u", c->prefix_len);
	util_hex_format(c->dhcid, DHCID_RDATA_LEN, 0, hex, sizeof(hex));
	printf("dry-run: %s %s %s%s%s ttl %u dhcid %s\n", c->op == DNSENGINE_ADD ? "add" : "remove",
	       a, c->fqdn, c->fwd ? " fwd" : "", c->rev ? " rev" : "", c->ttl, hex);
	fflush(stdout);
	return 0;
}

static void dry_answer(struct daemon *d)
{
	/* reconcile_done() may submit again: work on a copy of the list */
	size_t n = d->ndry;
	struct dnsengine_change *list;

	if (!n)
		return;
	list = d->dry;
	d->dry = NULL;
	d->ndry = d->capdry = 0;
	for (size_t i = 0; i < n; i++) {
		struct dnsengine_result r = {
			list[i].fwd ? DNSENGINE_APPLIED : DNSENGINE_SKIPPED,
			list[i].rev ? DNSENGINE_APPLIED : DNSENGINE_SKIPPED, true };

		if (list[i].user == verify_sweep_tag)
			continue;	/* an orphan a sweep would remove: listed, not counted */
		reconcile_done(d->rec, &list[i], &r);
		verify_note(d->ver, list[i].family, list[i].addr);
	}
	free(list);
}

static int eng_submit(void *ctx, const struct dnsengine_change *c)
{
	struct daemon *d = ctx;

	return dnsengine_submit(d->eng, c);
}

static void eng_done(void *cbarg, const struct dnsengine_change *c, const struct dnsengine_result *r)
{
	struct daemon *d = cbarg;

	if (!r->final) {
		d->retries++;
		return;
	}
	if (r->fwd == DNSENGINE_APPLIED || r->rev == DNSENGINE_APPLIED)
		d->last_success = time(NULL);
	if (c->user == verify_sweep_tag) {
		verify_sweep_done(d->ver, c, r);
		return;
	}
	reconcile_done(d->rec, c, r);
	verify_note(d->ver, c->family, c->addr);	/* compared at the next IXFR run */
}

static void on_batch(const struct ls_event *ev, size_t n, void *arg)
{
	struct daemon *d = arg;

	for (size_t i = 0; i < n; i++) {
		reconcile_event(d->rec, &ev[i]);
		/* the database confirms: look the address up by its key at once */
		if (d->feed && ev[i].type != LS_EV_V4_NAK)
			sqlfeed_want(d->feed, ev[i].type >= LS_EV_V6_REPLY ? 6 : 4, ev[i].addr);
	}
}

/* Kea's NCR: a trigger; the lease table (read up to date first) decides */
static void on_ncr(void *ctx, const struct ncr *n, const char *from)
{
	struct daemon *d = ctx;

	(void)from;
	/* the database decides: look the address up by its key at once */
	if (d->feed)
		sqlfeed_want(d->feed, n->family, n->addr);
	reconcile_ncr(d->rec, n->family, n->addr, n->change == NCR_ADD);
}

/*
 * may_send() - this node sends DNS changes now. Standing by, the lease tables,
 * wire events and the dirty set stay current, but nothing is flushed: the
 * reconciler only submits from reconcile_flush(), so nothing is sent or deleted.
 */
static bool may_send(const struct daemon *d)
{
	return !d->ha || ha_is_active(d->ha);
}

static void adopt_pump(struct daemon *d);

static void on_ha_change(void *ctx, const struct ha_status *old, const struct ha_status *now)
{
	struct daemon *d = ctx;

	if (now->active && !old->active) {
		/*
		 * taking over: compare all of desired with all of owned at once. Records the
		 * partner created for a lease carry the client's DHCID, the same on both
		 * nodes, so the add's RFC 4703 prerequisite matches and the record becomes
		 * ours in the store; a name with another DHCID or none stays untouched
		 */
		pr_info("daemon: HA active: full reconciliation");
		reconcile_full(d->rec);
		adopt_pump(d);
	} else if (!now->active && old->active) {
		pr_info("daemon: HA standing by: changes are held (lease tables stay current)");
	}
}

static int ep_add(struct daemon *d, int fd, uint32_t tag);

/*
 * "adopt-existing": the reconciler's queued leases decided a chunk at a time
 * (user/dns/adoptxfr.h: zone transfers and their index where the round is
 * large, read-only queries otherwise and where a transfer is refused, with
 * the same TSIG keys) through the event loop, so the control socket, wire
 * events and UPDATEs go on. One chunk is applied per loop turn (adopt_turn()).
 */
static void adopt_close(struct daemon *d)
{
	if (!d->ax)
		return;
	epoll_ctl(d->ep, EPOLL_CTL_DEL, adoptxfr_fd(d->ax), NULL);
	adoptxfr_free(d->ax, &d->adopt_st);	/* the index goes with it */
	d->ax = NULL;
	d->adopt_out = false;
}

/* A new round: by transfer when it is worth it (adoptxfr_worth()). */
static int adopt_open(struct daemon *d)
{
	size_t left = reconcile_adopt_left(d->rec), leases = 0;
	struct adoptxfr_opts o = {
		.xfr_timeout_ms = d->cfg->dns_verify_timeout_ms,
		.query_timeout_ms = d->cfg->engine.timeout_ms,
		.expect = left,
	};
	int err;

	for (int i = 0; i < 2; i++)
		leases += d->tab[i] ? leases_count(d->tab[i]) : 0;
	o.transfer = d->cfg->adopt_method == CONFIG_ADOPT_TRANSFER && adoptxfr_worth(left, leases);
	err = adoptxfr_new(&d->ax, &o);
	if (!err)
		err = ep_add(d, adoptxfr_fd(d->ax), TAG_ADOPT);
	if (err) {
		adoptxfr_free(d->ax, NULL);
		d->ax = NULL;
	}
	return err;
}

static void adopt_pump(struct daemon *d)
{
	struct adopt_item *items;
	size_t n;
	int err = 0;

	if (d->adopt_out || !reconcile_adopting(d->rec))
		goto out;
	if (!d->ax)
		err = adopt_open(d);
	if (!err)	/* short chunks when answered at once (an index), long by query */
		reconcile_adopt_chunk(d->rec, adoptxfr_chunk(d->ax));
	n = err ? 0 : reconcile_adopt_next(d->rec, &items);
	if (n)
		err = adoptxfr_submit(d->ax, items, n);
	if (err)
		reconcile_adopt_done(d->rec, err);	/* ends the round: the add path for all */
	else
		d->adopt_out = n > 0;
out:
	if (!d->adopt_out && !reconcile_adopting(d->rec))
		adopt_close(d);
}

/*
 * Once a loop turn: move the round on; a decided chunk goes to the
 * reconciler and the next one out. @cancel (a reload: the chunk points into
 * the old configuration's zones) ends the round.
 */
static void adopt_turn(struct daemon *d, int cancel)
{
	int rc;

	if (!d->ax) {
		/* a round the periodic full pass began (reconcile_tick()) starts here */
		if (!cancel)
			adopt_pump(d);
		return;
	}
	rc = cancel ? cancel : adoptxfr_run(d->ax);
	if (rc && d->adopt_out) {
		d->adopt_out = false;
		reconcile_adopt_done(d->rec, rc < 0 ? rc : 0);
	}
	if (cancel)
		adopt_close(d);
	else
		adopt_pump(d);
}

static time_t wall(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

/* ---- control ---- */

static json_t *owned_json(struct daemon *d, const json_t *args)
{
	struct owner_key *keys, one = { 0 };
	json_t *arr = json_array();
	json_int_t limit = json_integer_value(json_object_get(args, "limit"));
	const char *addr = json_string_value(json_object_get(args, "address"));
	size_t n;

	if (addr) {	/* one address: its binding only */
		int f = util_addr_parse(addr, 0, one.addr);

		if (f < 0)
			return control_answer(CONTROL_ERROR, "\"address\" is not an address", arr);
		one.family = (uint8_t)f;
		keys = malloc(sizeof(*keys));
		if (!keys)
			return control_answer(CONTROL_ERROR, "out of memory", arr);
		keys[0] = one;
		n = 1;
	} else if (owner_keys(d->owner, &keys, &n)) {
		return control_answer(CONTROL_ERROR, "ownership store unreadable", arr);
	}
	for (size_t i = 0; i < n && (limit <= 0 || (json_int_t)i < limit); i++) {
		struct owner_rec o;

		if (owner_get(d->owner, keys[i].family, keys[i].addr, &o))
			continue;
		json_array_append_new(arr, leaseinfo_owned_row(&o));
	}
	free(keys);
	return control_answer(json_array_size(arr) ? CONTROL_OK : CONTROL_EMPTY,
			      json_array_size(arr) ? "owned bindings" : "nothing owned",
			      json_pack("{s:o}", "bindings", arr));
}

/* ---- statistics: one walk (user/stats.c) for statistic-get-all and /metrics ---- */

static int stats_snap(struct daemon *d, struct stats_snapshot *s)
{
	struct adopt_stats as = d->adopt_st;
	const struct stats_sources src = {
		.rec = d->rec, .eng = d->eng, .owner = d->owner, .tab = { d->tab[0], d->tab[1] },
		.ldr = d->ldr, .cons = d->cons, .ha = d->ha, .ver = d->ver, .ncr = d->ncr, .adopt = &as,
		.feed = d->feed, .pgo = d->pgo,
		.retry_reports = d->retries, .last_success = d->last_success, .sending = may_send(d),
		.version = argp_program_version,
	};

	adoptxfr_get_stats(d->ax, &as);	/* the round under way counts too */

	return stats_collect(s, &src);
}

/* {"eth0": {"ingress": "xdp-native", "egress": "tcx"}, …}: the hook each interface uses */
static json_t *hooks_json(struct daemon *d)
{
	json_t *o = json_object();
	struct loader_iface li;

	for (int i = 0; d->ldr && loader_iface_get(d->ldr, i, &li) == 0; i++)
		json_object_set_new(o, li.name,
				    json_pack("{s:s,s:s}", "ingress", hookplan_name(li.ingress),
					      "egress", hookplan_name(li.egress)));
	return o;
}

static void ver_repair(void *ctx, int family, const uint8_t *addr)
{
	struct daemon *d = ctx;

	reconcile_repair(d->rec, family, addr);
}

static bool may_send(const struct daemon *d);

/* "sweep-orphans": an orphan's removal goes the way the reconciler's changes go */
static int ver_remove(void *ctx, const struct dnsengine_change *c)
{
	struct daemon *d = ctx;

	if (!may_send(d))
		return 0;	/* standing by (HA): the active node sweeps */
	return d->a->dry_run ? dry_submit(d, c) : eng_submit(d, c);
}

static bool ver_wanted(void *ctx, int family, const uint8_t *addr, const char *fqdn,
		       const uint8_t *dhcid, bool reverse)
{
	struct daemon *d = ctx;

	return reconcile_wanted(d->rec, family, addr, fqdn, dhcid, reverse);
}

/*
 * "sweep-orphans" on: remember the clients of every lease row from now on (at
 * start-up, before the lease files are read, so their history counts too)
 */
static int open_known(struct daemon *d, const struct config *cfg)
{
	int err;

	if (!cfg->sweep_orphans) {
		reconcile_set_known(d->rec, NULL);
		known_free(d->known);
		d->known = NULL;
		return 0;
	}
	if (d->known)
		return 0;
	err = known_new(&d->known, cfg->sweep_known_max);
	if (err) {
		pr_err("daemon: cannot keep the clients seen for sweep-orphans (%s)", ls_strerror(err));
		return err;
	}
	reconcile_set_known(d->rec, d->known);
	return 0;
}

/* (Re)start the verifier over @cfg's zones (its counters start again on a reload). */
static int open_verify(struct daemon *d, const struct config *cfg)
{
	struct verify_opts vo = { .zones = cfg->zones, .owner = d->owner,
				  .interval_s = cfg->dns_verify_s,
				  .timeout_ms = cfg->dns_verify_timeout_ms, .repair = ver_repair,
				  .ctx = d, .known = cfg->sweep_orphans ? d->known : NULL,
				  .wanted = ver_wanted, .remove = ver_remove,
				  .dry_run = d->a->dry_run };
	struct verify *nv;
	int err = verify_new(&nv, &vo);

	if (d->ver) {
		/* it points into the configuration being replaced: never keep it */
		epoll_ctl(d->ep, EPOLL_CTL_DEL, verify_fd(d->ver), NULL);
		verify_free(d->ver);
		d->ver = NULL;
	}
	if (err) {
		pr_err("daemon: cannot start the DNS verifier (%s); DNS is not verified until a reload",
		       ls_strerror(err));
		return err;
	}
	d->ver = nv;
	return ep_add(d, verify_fd(nv), TAG_VERIFY);
}

static json_t *stats_get(struct daemon *d)
{
	struct stats_snapshot s;
	json_t *j = stats_snap(d, &s) ? NULL : stats_json(&s);

	stats_snapshot_fini(&s);
	return j;
}

/* the registry mirrors the same walk: both always agree */
static void metrics_update(struct daemon *d)
{
	struct stats_snapshot s;

	if (!stats_snap(d, &s) && stats_metrics(&s, d->met))
		pr_debug("daemon: a metric could not be set");
	stats_snapshot_fini(&s);
}

/* Kea's statistic form: "name": [ [ value, "YYYY-MM-DD HH:MM:SS.000000" ] ] */
static void d2_stat(json_t *j, const char *name, uint64_t v, const char *ts)
{
	json_object_set_new(j, name, json_pack("[[I,s]]", (json_int_t)v, ts));
}

/*
 * kea-dhcp-ddns's statistics under its own names, beside ours, so its
 * monitoring keeps reading them: NCRs (ncr-received / -invalid / -error) and
 * UPDATE messages (update-sent, update-success: a verified reply,
 * update-timeout, update-error: network errors and rejected replies).
 */
static void d2_stats(struct daemon *d, json_t *j)
{
	struct ncr_listen_stats ns;
	struct dnsengine_server_stats ss;
	uint64_t sent = 0, ok = 0, to = 0, err = 0;
	char ts[40];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S.000000", &tm);
	ncr_listen_get_stats(d->ncr, &ns);
	for (size_t i = 0; d->eng && !dnsengine_server_stats(d->eng, i, &ss); i++) {
		sent += ss.sent;
		ok += ss.replies;
		to += ss.timeouts;
		err += ss.neterrs;
	}
	if (d->eng) {
		struct dnsengine_stats es;

		dnsengine_get_stats(d->eng, &es);
		err += es.rejected_replies;
	}
	d2_stat(j, "ncr-received", ns.accepted, ts);
	d2_stat(j, "ncr-invalid", ns.invalid, ts);
	d2_stat(j, "ncr-error", ns.errors, ts);
	d2_stat(j, "update-sent", sent, ts);
	d2_stat(j, "update-signed", sent, ts);	/* every UPDATE is TSIG-signed */
	d2_stat(j, "update-unsigned", 0, ts);
	d2_stat(j, "update-success", ok, ts);
	d2_stat(j, "update-timeout", to, ts);
	d2_stat(j, "update-error", err, ts);
}

/* config-test: the log lines of config_load() and the findings, as JSON lists */
struct ctest {
	json_t *errors, *warnings;
};

static void ctest_line(struct ctest *t, bool err, const char *line)
{
	json_array_append_new(err ? t->errors : t->warnings, json_string(line));
}

static void ctest_tap(void *arg, enum log_level lvl, const char *msg)
{
	if (lvl <= LOG_LVL_WARN)
		ctest_line(arg, lvl == LOG_LVL_ERR, msg);
}

static void ctest_note(void *arg, enum conftest_verdict v, const char *line)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "config: %s", line);
	ctest_line(arg, v == CONFTEST_ERR, buf);
}

/* @j into a new private file named from the mkstemp() template @path; 0 or -1 (nothing left) */
static int tmp_json(char *path, const json_t *j)
{
	int fd = mkstemp(path), bad;

	if (fd < 0)
		return -1;
	bad = json_dumpfd(j, fd, JSON_INDENT(1));
	if (close(fd) || bad) {
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * Kea's config-test: with {"Leasesnoop": {…}} as arguments, that
 * configuration (written to a private temporary file, so relative paths
 * are the daemon's); with D2's {"DhcpDdns": {…}}, that map read as a
 * ddns-config-file (D2's own config-test); without, the file a reload
 * would read. Nothing of the running configuration changes.
 */
static json_t *config_test(struct daemon *d, const json_t *args)
{
	struct ctest t = { json_array(), json_array() };
	char tmp[] = "/tmp/leasesnoop-config-test.XXXXXX";
	char wrap[] = "/tmp/leasesnoop-config-test.XXXXXX";
	bool d2 = args && !json_object_get(args, "Leasesnoop") && json_object_get(args, "DhcpDdns");
	const char *path = d->a->config;
	struct config *nc = NULL;
	char *sum = NULL;
	size_t sum_len = 0;
	FILE *out = NULL;
	json_t *ans, *lines;
	int err;

	if (args && (json_object_get(args, "Leasesnoop") || d2)) {
		json_t *w = NULL;
		int bad = tmp_json(tmp, args);

		/* a D2 map: a Leasesnoop map that reads it as D2's own file */
		if (!bad && d2) {
			w = json_pack("{s:{s:{s:s},s:s}}", "Leasesnoop", "lease-files", "v4", "/dev/null",
				      "ddns-config-file", tmp);
			bad = !w || tmp_json(wrap, w);
			json_decref(w);
			if (bad)
				unlink(tmp);
		}
		if (bad) {
			json_decref(t.errors);
			json_decref(t.warnings);
			return control_answer(CONTROL_ERROR, "config-test: cannot write a temporary file", NULL);
		}
		path = d2 ? wrap : tmp;
	}
	log_set_tap(ctest_tap, &t);
	err = config_load(path, &nc);
	log_set_tap(NULL, NULL);
	if (!err && !d2) {	/* a D2 map has no paths of ours to judge */
		out = open_memstream(&sum, &sum_len);
		err = conftest_run(nc, ctest_note, &t, out);
		if (out)
			fclose(out);
	}
	if (path != d->a->config)
		unlink(tmp);
	if (d2)
		unlink(wrap);
	config_free(nc);
	lines = json_array();
	for (char *l = sum, *nl; l && *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl)
			break;
		*nl = 0;
		json_array_append_new(lines, json_string(l[0] == ' ' ? l + 2 : l));
	}
	free(sum);
	ans = json_pack("{s:o,s:o,s:o}", "errors", t.errors, "warnings", t.warnings, "summary",
			lines);
	if (err) {
		const char *first = json_string_value(json_array_get(t.errors, 0));

		return control_answer(CONTROL_ERROR, first ? first : "configuration rejected", ans);
	}
	return control_answer(CONTROL_OK, "Configuration seems sane.", ans);
}

static json_t *on_command(void *ctx, const char *cmd, const json_t *args)
{
	struct daemon *d = ctx;

	if (!strcmp(cmd, "status-get")) {
		struct owner_stats os;
		json_t *ifs = json_array();

		struct control_stats cs;
		json_t *st;

		owner_get_stats(d->owner, &os);
		/* what the loader really holds: interfaces change only at restart */
		for (int i = 0; loader_iface(d->ldr, i); i++)
			json_array_append_new(ifs, json_string(loader_iface(d->ldr, i)));
		control_get_stats(d->ctl, &cs);
		st = json_pack("{s:i,s:I,s:s,s:b,s:o,s:o,s:s?,s:s?,s:I,s:b,s:b}", "pid", (int)getpid(),
			       "uptime", (json_int_t)(time(NULL) - d->started), "config",
			       d->cfg->file, "dry-run", d->a->dry_run, "interfaces", ifs,
			       "hooks", hooks_json(d),
			       "lease-file-v4", d->cfg->lease_file4, "lease-file-v6",
			       d->cfg->lease_file6, "owned", (json_int_t)os.records, "idle",
			       reconcile_idle(d->rec), "sending", may_send(d));
		if (st)
			json_object_set_new(st, "control", json_pack(
				"{s:I,s:I,s:I,s:I,s:I,s:i}", "accepted", (json_int_t)cs.accepted,
				"answered", (json_int_t)cs.answered, "evicted",
				(json_int_t)cs.evicted, "timeouts", (json_int_t)cs.timeouts, "bad",
				(json_int_t)cs.bad, "open", (int)cs.open));
		return control_answer(CONTROL_OK, "leasesnoop running", st);
	}
	if (!strcmp(cmd, "statistic-get-all")) {
		json_t *j = stats_get(d);

		if (j)
			d2_stats(d, j);	/* D2's names too, so its monitoring reads them as before */
		return control_answer(CONTROL_OK, "statistics", j);
	}
	if (!strcmp(cmd, "version-get"))
		return control_answer(CONTROL_OK, argp_program_version,
				      json_pack("{s:s}", "extended", argp_program_version));
	if (!strcmp(cmd, "config-test"))
		return config_test(d, args);
	if (!strcmp(cmd, "leases-owned"))
		return owned_json(d, args);
	if (!strcmp(cmd, "lease4-get") || !strcmp(cmd, "lease6-get")) {
		const struct leaseinfo_sources src = { .cfg = d->cfg, .rec = d->rec,
			.owner = d->owner, .tab = { d->tab[0], d->tab[1] } };

		return leaseinfo_get(&src, cmd[5] == '4' ? 4 : 6, args);
	}
	if (!strcmp(cmd, "dns-verify")) {
		const char *zone = json_string_value(json_object_get(args, "zone"));
		int n = d->ver ? verify_request(d->ver, zone) : -ENOENT;

		if (n < 0)
			return control_answer(CONTROL_ERROR, "no such zone", NULL);
		if (d->ver)
			verify_process(d->ver);	/* starts the first transfer now */
		return control_answer(CONTROL_OK, "verification scheduled",
				      json_pack("{s:i}", "zones", n));
	}
	if (!strcmp(cmd, "config-reload")) {
		*d->a->reload = 1;
		return control_answer(CONTROL_OK, "reload scheduled", NULL);
	}
	if (!strcmp(cmd, "list-commands"))
		return control_answer(CONTROL_OK, "commands",
				      json_pack("[s,s,s,s,s,s,s,s,s,s]", "config-reload", "config-test",
						"dns-verify", "lease4-get", "lease6-get",
						"leases-owned", "list-commands",
						"statistic-get-all", "status-get", "version-get"));
	return control_answer(CONTROL_UNSUPPORTED, "unsupported command", NULL);
}

/* ---- lifecycle ---- */

static int ep_add(struct daemon *d, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd < 0)
		return 0;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		pr_err("daemon: cannot watch fd %d (%s)", fd, ls_strerror(err));
		return err;
	}
	return 0;
}

static int open_engine(struct daemon *d, const struct config *cfg, struct dnsengine **out)
{
	int err;

	*out = NULL;
	if (d->a->dry_run)
		return 0;
	err = dnsengine_new(out, cfg->zones, &cfg->engine, eng_done, d);
	if (err)
		pr_err("daemon: cannot start the DNS engine (%s)", ls_strerror(err));
	return err;
}

static void set_level(struct daemon *d)
{
	if (d->a->verbose > 0)
		log_set_level(d->a->verbose >= 2 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	else
		log_set_level(d->cfg->log_level);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_ifaces(const struct config *a, const struct config *b)
{
	if (a->n_ifaces != b->n_ifaces)
		return 0;
	for (int i = 0; i < a->n_ifaces; i++)
		if (strcmp(a->ifaces[i], b->ifaces[i]))
			return 0;
	return 1;
}

static void reload(struct daemon *d)
{
	struct config *nc;
	struct dnsengine *ne = NULL;
	int n;

	pr_info("daemon: reloading '%s'", d->a->config);
	sdnotify_send("RELOADING=1");
	if (config_load(d->a->config, &nc)) {
		pr_err("daemon: reload of '%s' failed; the running configuration stays", d->a->config);
		return;
	}
	if (!same_str(nc->lease_file4, d->cfg->lease_file4) ||
	    !same_str(nc->lease_file6, d->cfg->lease_file6) ||
	    strcmp(nc->state_dir, d->cfg->state_dir) || !same_ifaces(nc, d->cfg) ||
	    !same_str(nc->control_socket, d->cfg->control_socket) ||
	    memcmp(&nc->ha, &d->cfg->ha, sizeof(nc->ha)) ||
	    memcmp(&nc->metrics, &d->cfg->metrics, sizeof(nc->metrics)) ||
	    nc->kea_ddns != d->cfg->kea_ddns || strcmp(nc->ncr_ip, d->cfg->ncr_ip) ||
	    nc->ncr_port != d->cfg->ncr_port ||
	    (d->feed && (nc->db.type != d->db.type || !same_str(nc->db.name, d->db.name) ||
			 !same_str(nc->db.host, d->db.host) || nc->db.port != d->db.port)))
		pr_warn("daemon: lease-files, lease-database, interfaces, state-dir, control-socket, high-availability, metrics, kea-ddns-updates and ncr-listener change only at restart");
	if (open_engine(d, nc, &ne)) {
		config_free(nc);
		return;
	}
	/* keep what only a restart changes */
	for (int i = 0; i < 2; i++) {
		char **mine = i ? &nc->lease_file6 : &nc->lease_file4;
		char **old = i ? &d->cfg->lease_file6 : &d->cfg->lease_file4;
		char *t = *mine;

		*mine = *old;
		*old = t;
	}
	/* the chunk being decided points into the old configuration's zones */
	adopt_turn(d, -ECANCELED);
	/*
	 * zones leaving the configuration: their owned bindings are removed through
	 * the old engine (it still knows those zones) under the new policy
	 */
	n = reconcile_retire_zones(d->rec, nc->zones);
	reconcile_set_config(d->rec, nc);
	if (n && !may_send(d)) {
		pr_warn("daemon: standing by (HA): %d owned bindings of zones no longer configured are left to the active node",
			n);
	} else if (n) {
		pr_info("daemon: removing %d owned bindings from zones no longer configured", n);
		for (int turn = 0; turn < 1000 && !reconcile_idle(d->rec); turn++) {
			reconcile_flush(d->rec);
			if (d->eng)
				dnsengine_run(d->eng, 10);
			dry_answer(d);
			if (d->eng && !dnsengine_pending(d->eng) && !reconcile_flush(d->rec))
				break;
		}
	}
	if (d->eng) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, dnsengine_fd(d->eng), NULL);
		/* GSS-TSIG: the worker closes its fd later, on its own; stop watching it now */
		if (dnsengine_gss_fd(d->eng) >= 0)
			epoll_ctl(d->ep, EPOLL_CTL_DEL, dnsengine_gss_fd(d->eng), NULL);
		dnsengine_free(d->eng);
	}
	reconcile_forget_inflight(d->rec);
	d->eng = ne;
	if (d->eng) {
		ep_add(d, dnsengine_fd(d->eng), TAG_DNS);
		ep_add(d, dnsengine_gss_fd(d->eng), TAG_GSS);	/* -1 (none): not watched */
	}
	open_known(d, nc);	/* sweep-orphans turned on: clients seen from now on */
	open_verify(d, nc);	/* the old one points into the old configuration */
	config_free(d->cfg);
	d->cfg = nc;
	set_level(d);
	reconcile_full(d->rec);
	adopt_pump(d);
	pr_info("daemon: configuration reloaded");
	sdnotify_send("READY=1\nSTATUS=configuration reloaded");
}

/* the socket of the feed's session changes with each connection: register the current one */
static void feed_watch(struct daemon *d)
{
	if (!d->feed || sqlfeed_generation(d->feed) == d->feed_gen)
		return;
	d->feed_gen = sqlfeed_generation(d->feed);
	if (d->feed_fd >= 0)
		epoll_ctl(d->ep, EPOLL_CTL_DEL, d->feed_fd, NULL);	/* may be closed already */
	d->feed_fd = sqlfeed_fd(d->feed);
	if (ep_add(d, d->feed_fd, TAG_FEED))
		d->feed_fd = -1;	/* polled on the timer instead */
}

/* one round of the feed; the first time it holds every lease, compare all of DNS */
static int feed_turn(struct daemon *d)
{
	int more = sqlfeed_process(d->feed);

	feed_watch(d);
	if (!d->feed_ready && sqlfeed_loaded(d->feed)) {
		d->feed_ready = true;
		reconcile_full(d->rec);
		adopt_pump(d);
	}
	return more;
}

/*
 * "lease-database" postgresql: empty tables the feed fills (user/lease/sqlfeed.h).
 * Connecting happens in the loop, so an unreachable database delays DNS, never start-up.
 */
static int open_feed(struct daemon *d)
{
	struct leases *t[2] = { NULL, NULL };
	int err;

	for (int i = 0; i < 2; i++) {
		struct leases_opts lo = {
			.grace = d->cfg->expire_grace_s, .on_change = reconcile_lease_change,
			.ctx = d->rec,
		};

		if (!(i ? d->db.v6 : d->db.v4))
			continue;
		err = leases_open(&d->tab[i], NULL, i ? 6 : 4, &lo);
		if (err)
			return err;
		t[i] = d->tab[i];
		reconcile_set_leases(d->rec, i ? 6 : 4, d->tab[i]);
	}
	err = sqlfeed_open(&d->feed, &d->db, t[0], t[1]);
	if (err)
		return err;
	feed_turn(d);
	return 0;
}

static int open_tables(struct daemon *d)
{
	const char *files[2] = { d->cfg->lease_file4, d->cfg->lease_file6 };

	if (d->db.type != LEASEDB_MEMFILE)
		return open_feed(d);

	for (int i = 0; i < 2; i++) {
		struct leases_opts lo = {
			.watch = 1, .grace = d->cfg->expire_grace_s, .on_change = reconcile_lease_change,
			.on_row = reconcile_lease_row,
			.ctx = d->rec,
		};
		int err;

		if (!files[i])
			continue;
		err = leases_open(&d->tab[i], files[i], i ? 6 : 4, &lo);
		if (err) {
			pr_err("daemon: cannot follow lease file '%s' (%s)", files[i], ls_strerror(err));
			return err;
		}
		reconcile_set_leases(d->rec, i ? 6 : 4, d->tab[i]);
		err = ep_add(d, leases_fd(d->tab[i]), i ? TAG_L6 : TAG_L4);
		if (err)
			return err;
	}
	return 0;
}

/*
 * the ownership store: LMDB under state-dir, or with "lease-database-shared"
 * the one in PostgreSQL, shared by the instances (user/sync/pgowner.h)
 */
static int open_owner(struct daemon *d)
{
	if (!d->db.shared)
		return owner_open(&d->owner, d->cfg->state_dir, d->a->dry_run ? OWNER_F_SNAPSHOT : 0);
	if (d->db.type != LEASEDB_POSTGRESQL) {
		pr_err("daemon: 'lease-database-shared' needs a 'lease-database' of type postgresql, not %s",
		       leasedb_type_name(d->db.type));
		return LS_ECONFIG;
	}
	if (d->a->dry_run) {
		pr_err("daemon: --dry-run cannot be used with 'lease-database-shared' (its store is shared)");
		return LS_ECONFIG;
	}
	return pgowner_open(&d->pgo, &d->db, &d->owner);
}

/* shared mode: shards taken now are this instance's: compare all of them */
static void shard_turn(struct daemon *d)
{
	if (!d->pgo || !d->feed_ready)
		return;	/* the lease tables must hold every lease before a shard is synced */
	if (pgowner_tick(d->pgo) > 0)
		reconcile_full(d->rec);
	adopt_pump(d);	/* also the probe of a takeover's unfinished intents, once they settled */
}

static int open_all(struct daemon *d)
{
	struct reconcile_opts ro = { 0 };
	struct itimerspec its = { { 0, TICK_MS * 1000000L }, { 0, TICK_MS * 1000000L } };
	int err;

	err = config_load(d->a->config, &d->cfg);
	if (err)
		return err;
	set_level(d);
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->ep < 0 || d->tfd < 0 || timerfd_settime(d->tfd, 0, &its, NULL)) {
		err = -errno;
		pr_err("daemon: cannot create epoll or timer fds (%s)", ls_strerror(err));
		return err;
	}
	/* the feed's settings are the daemon's from here (only a restart changes them) */
	d->db = d->cfg->db;
	memset(&d->cfg->db, 0, sizeof(d->cfg->db));
	err = open_owner(d);
	if (err)
		return err;
	err = open_engine(d, d->cfg, &d->eng);
	if (err)
		return err;
	ro.cfg = d->cfg;
	ro.owner = d->owner;
	ro.submit = d->a->dry_run ? dry_submit : eng_submit;
	ro.submit_ctx = d;
	ro.clock = wall;
	if (d->pgo) {
		ro.mine = pgowner_mine;
		ro.mine_ctx = d->pgo;
	}
	err = reconcile_new(&d->rec, &ro);
	if (err)
		return err;
	err = open_known(d, d->cfg);
	if (err)
		return err;
	err = open_tables(d);
	if (err)
		return err;
	if (d->cfg->n_ifaces) {
		err = loader_open(&d->ldr, (const char *const *)d->cfg->ifaces, d->cfg->n_ifaces, 0,
				  loader_ring_bytes(d->cfg->n_ifaces, d->cfg->lease_rate,
						    d->cfg->ring_size));
		if (err)
			return err;
		err = consumer_open(&d->cons, loader_events_fd(d->ldr), on_batch, d, 0);
		if (err) {
			pr_err("daemon: cannot open the event ring (%s)", ls_strerror(err));
			return err;
		}
		err = ep_add(d, consumer_fd(d->cons), TAG_RING);
		if (err)
			return err;
	}
	if (d->cfg->control_socket) {
		err = control_open(&d->ctl, d->cfg->control_socket, on_command, d);
		if (err)
			return err;
		err = ep_add(d, control_fd(d->ctl), TAG_CTL);
		if (err)
			return err;
	}
	if (d->cfg->kea_ddns) {
		err = ncr_listen_open(&d->ncr, d->cfg->ncr_ip, (uint16_t)d->cfg->ncr_port, on_ncr, d);
		if (err)
			return err;
		err = ep_add(d, ncr_listen_fd(d->ncr), TAG_NCR);
		if (err)
			return err;
		pr_info("daemon: listening for Kea's NameChangeRequests on %s port %u",
			d->cfg->ncr_ip, d->cfg->ncr_port);
	}
	err = ep_add(d, d->tfd, TAG_TIMER);
	if (!err)
		err = open_verify(d, d->cfg);
	if (!err && d->eng)
		err = ep_add(d, dnsengine_fd(d->eng), TAG_DNS);
	/* GSS-TSIG's Kerberos steps end on a worker thread: their results wake the loop */
	if (!err && d->eng)
		err = ep_add(d, dnsengine_gss_fd(d->eng), TAG_GSS);
	if (!err && d->cfg->ha.enabled) {
		err = ha_open(&d->ha, &d->cfg->ha, on_ha_change, d);
		err = err ?: ep_add(d, ha_fd(d->ha), TAG_HA);
		if (!err)
			pr_info("daemon: HA: following kea '%s'; standing by until it says this node serves",
				d->cfg->ha.control_socket);
	}
	if (!err && d->cfg->metrics.enabled) {
		err = metrics_new(&d->met);
		err = err ?: metrics_server_open(&d->msrv, d->met, &d->cfg->metrics);
	}
	return err;
}

static void close_all(struct daemon *d)
{
	/* detach from the wire first: nothing new arrives while we wind down */
	consumer_close(d->cons);
	loader_close(d->ldr);
	control_close(d->ctl);
	ncr_listen_close(d->ncr);
	metrics_server_close(d->msrv);
	if (d->rec && d->owner) {
		if (may_send(d))
			reconcile_flush(d->rec);
		if (d->eng && dnsengine_pending(d->eng)) {
			size_t left = dnsengine_drain(d->eng, EXIT_DRAIN_MS);

			if (left)
				pr_info("daemon: %zu changes still in flight at exit; the store has them for the next start",
					left);
		}
		dry_answer(d);
	}
	sqlfeed_close(d->feed);
	leasedb_conf_fini(&d->db);
	for (int i = 0; i < 2; i++)
		leases_close(d->tab[i]);
	dnsengine_free(d->eng);
	verify_free(d->ver);
	reconcile_free(d->rec);
	known_free(d->known);
	owner_close(d->owner);	/* commits and syncs what is pending */
	pgowner_close(d->pgo);
	if (d->tfd >= 0)
		close(d->tfd);
	if (d->ep >= 0)
		close(d->ep);
	free(d->dry);
	ha_close(d->ha);
	metrics_free(d->met);
	config_free(d->cfg);
}

/* sd_notify: pet the watchdog at half its interval (timer ticks: every TICK_MS) */
static void watchdog_pet(struct daemon *d)
{
	struct timespec now;
	uint64_t el;

	if (!d->wd_usec)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (uint64_t)(now.tv_sec - d->wd_last.tv_sec) * 1000000 +
	     (uint64_t)((now.tv_nsec - d->wd_last.tv_nsec) / 1000);
	if (el < d->wd_usec / 2)
		return;
	sdnotify_send("WATCHDOG=1");
	d->wd_last = now;
}

/*
 * Readiness (Type=notify): once the start-up full pass has been decided and
 * every change it found is handed to the DNS engine (none dirty is left; an
 * HA standby at once), not
 * once DNS has answered: a DNS server that is down must not hold the start.
 */
static void ready_maybe(struct daemon *d)
{
	char st[160];

	/* an HA standby sends nothing: it is ready once it holds the leases */
	if (d->ready || (d->feed && !d->feed_ready) ||
	    (may_send(d) && (reconcile_ready(d->rec) || reconcile_adopting(d->rec))))
		return;
	d->ready = true;
	snprintf(st, sizeof(st), "READY=1\nSTATUS=running: %d interface(s), start-up pass done",
		 d->cfg->n_ifaces);
	sdnotify_send(st);
	pr_info("daemon: start-up full pass done: ready");
}

int daemon_run(const struct daemon_args *a)
{
	struct daemon d = { .a = a, .ep = -1, .tfd = -1, .feed_fd = -1, .started = time(NULL) };
	int err, more = 0;

	err = open_all(&d);
	if (err)
		goto out;
	if (!d.feed) {
		reconcile_full(d.rec);	/* the feed's tables: at its first full pass (feed_turn) */
		adopt_pump(&d);
	}
	d.wd_usec = sdnotify_watchdog_usec();
	clock_gettime(CLOCK_MONOTONIC, &d.wd_last);
	sdnotify_send("WATCHDOG=1");
	if (d.feed)
		pr_info("daemon: running%s: %d interface(s), lease database %s '%s', store '%s'",
			a->dry_run ? " (dry run)" : "", d.cfg->n_ifaces, leasedb_type_name(d.db.type),
			d.db.name, d.cfg->state_dir);
	else
		pr_info("daemon: running%s: %d interface(s), lease files%s%s%s%s, store '%s'",
			a->dry_run ? " (dry run)" : "", d.cfg->n_ifaces, d.cfg->lease_file4 ? " " : "",
			d.cfg->lease_file4 ? d.cfg->lease_file4 : "", d.cfg->lease_file6 ? " " : "",
			d.cfg->lease_file6 ? d.cfg->lease_file6 : "", d.cfg->state_dir);
	if (d.met)
		metrics_update(&d);	/* the first scrape already sees every family */
	while (!*a->exiting) {
		struct epoll_event evs[16];
		int n;

		if (*a->reload) {
			*a->reload = 0;
			reload(&d);
		}
		n = epoll_wait(d.ep, evs, 16, more ? 0 : 100);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			pr_err("daemon: epoll_wait failed (%s); exiting so the service manager restarts us",
			       ls_strerror(err));
			goto fatal;
		}
		for (int i = 0; i < n; i++) {
			uint64_t ticks;

			switch (evs[i].data.u32) {
			case TAG_RING:
				err = consumer_poll(d.cons, 0);
				if (err < 0 && err != -EINTR) {
					pr_err("daemon: the event ring failed (%s); exiting so the service manager restarts us",
					       ls_strerror(err));
					goto fatal;
				}
				err = 0;
				break;
			case TAG_L4:
			case TAG_L6:
				leases_process(d.tab[evs[i].data.u32 == TAG_L6]);
				break;
			case TAG_CTL:
				control_process(d.ctl);
				break;
			case TAG_VERIFY:
				if (d.ver)
					verify_process(d.ver);
				break;
			case TAG_ADOPT:	/* adopt_turn() below */
				break;
			case TAG_NCR:
				/* Kea wrote the lease before it sent the NCR: read the files first */
				for (int k = 0; k < 2; k++)
					if (d.tab[k])
						leases_process(d.tab[k]);
				ncr_listen_process(d.ncr, 0);
				break;
			case TAG_FEED:	/* a NOTIFY: read by the feed's turn below */
				break;
			case TAG_GSS:	/* a Kerberos step done: dnsengine_run() below takes it */
				break;
			case TAG_HA:
				err = ha_process(d.ha);
				if (err)
					pr_err_rl("daemon: HA poller failed (%s)", ls_strerror(err));
				err = 0;
				break;
			case TAG_TIMER:
				if (read(d.tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					pr_debug("daemon: timer read failed");
				if (d.feed)
					sqlfeed_expire(d.feed, time(NULL));
				shard_turn(&d);
				for (int k = 0; k < 2 && !d.feed; k++) {
					if (!d.tab[k])
						continue;
					/* the table keeps its own watch; a poll costs one fstat */
					leases_process(d.tab[k]);
					leases_expire_scan(d.tab[k], time(NULL));
				}
				if (!d.feed || d.feed_ready)
					reconcile_tick(d.rec);
				/*
				 * a burst's entries and queued changes are freed once it is
				 * done, but glibc keeps their pages (a 1M-lease start: ~80 %
				 * of the anonymous memory); give them back when it goes idle
				 */
				if (!reconcile_idle(d.rec))
					d.trim_due = true;
				else if (d.trim_due && !(d.trim_due = false))
					malloc_trim(0);
				/* a standby (HA) leaves DNS to the active node, repairs too */
				if (d.ver && may_send(&d))
					verify_tick(d.ver);
				watchdog_pet(&d);
				if (d.met && ++d.ticks % METRICS_EVERY_TICKS == 0)
					metrics_update(&d);
				break;
			default:
				break;
			}
		}
		if (d.eng)
			dnsengine_run(d.eng, 0);
		dry_answer(&d);
		adopt_turn(&d, 0);	/* one chunk a turn; its leases are flushed below */
		if (may_send(&d) && (!d.feed || d.feed_ready))
			reconcile_flush(d.rec);	/* store trouble is logged and counted; keep serving */
		if (d.eng)
			dnsengine_run(d.eng, 0);
		/*
		 * sleep unless there is work for now: dirty addresses with in-flight
		 * room (replies in this turn may have made some), --dry-run answers.
		 * Changes that only wait for a reply, a slot or a backoff wake us
		 * through the DNS fd or the timer, never by polling
		 */
		more = d.feed ? feed_turn(&d) : 0;
		more = more || (may_send(&d) && (!d.feed || d.feed_ready) && reconcile_ready(d.rec)) ||
		       d.ndry || (d.ax && adoptxfr_ready(d.ax));
		ready_maybe(&d);
	}
	sdnotify_send("STOPPING=1");
	pr_info("daemon: stopping");
	goto out;
fatal:
	/* a fatal loop error must reach main() so it exits non-zero (Restart=on-failure) */
	pr_err("daemon: stopping after a fatal error (%s)", ls_strerror(err));
out:
	/*
	 * an adoption round still running is dropped, not handed back: its
	 * leases would only be marked dirty and flushed at exit, and the next
	 * start's full pass asks DNS about them again
	 */
	adoptxfr_free(d.ax, NULL);
	close_all(&d);
	return err;
}
