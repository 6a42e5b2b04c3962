// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/stats.c - the statistics walk of user/stats.h and its two emitters.
 * The walk is the only place that knows which counters exist, under which
 * JSON key and which metric: stats_collect() copies (the doing),
 * stats_walk() decides what is said (pure), the emitters only format.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user/stats.h"
#include "user/wire/evfmt.h"
#include "user/wire/loader.h"

/* ---- collecting ---- */

int stats_collect(struct stats_snapshot *s, const struct stats_sources *src)
{
	struct reconcile_zone_stats z;
	struct dnsengine_server_stats ss;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->process = !stats_process_read(&s->proc);
	s->version = src->version;
	reconcile_get_stats(src->rec, &s->rec);
	s->last_error = reconcile_last_error(src->rec);
	for (n = 0; !reconcile_zone_stats(src->rec, n, &z); n++)
		;
	if (n) {
		s->zones = calloc(n, sizeof(*s->zones));
		if (!s->zones)
			return -ENOMEM;
		for (; s->nzones < n && !reconcile_zone_stats(src->rec, s->nzones, &s->zones[s->nzones]);
		     s->nzones++)
			;
	}
	if (src->eng) {
		s->engine = true;
		dnsengine_get_stats(src->eng, &s->dns);
		dnsengine_stage_stats(src->eng, &s->stages);
		for (n = 0; !dnsengine_server_stats(src->eng, n, &ss); n++)
			;
		if (n) {
			s->servers = calloc(n, sizeof(*s->servers));
			if (!s->servers)
				return -ENOMEM;
			for (; s->nservers < n &&
			       !dnsengine_server_stats(src->eng, s->nservers, &s->servers[s->nservers]);
			     s->nservers++)
				;
		}
	}
	if (src->adopt)
		s->adopt = *src->adopt;
	s->retry_reports = src->retry_reports;
	s->last_success = src->last_success > 0 ? (uint64_t)src->last_success : 0;
	if (src->ldr) {
		struct loader_iface li;

		for (n = 0; !loader_iface_get(src->ldr, (int)n, &li); n++)
			;
		if (n) {
			s->hooks = calloc(n, sizeof(*s->hooks));
			if (!s->hooks)
				return -ENOMEM;
			for (; s->nhooks < n && !loader_iface_get(src->ldr, (int)s->nhooks, &li); s->nhooks++)
				s->hooks[s->nhooks] = (struct stats_hook){ li.name, hookplan_name(li.ingress),
									   hookplan_name(li.egress) };
		}
		s->ring = true;
		s->ring_counters = !loader_counters(src->ldr, &s->cnt);
		if (src->cons)
			consumer_get_stats(src->cons, &s->cons);
	}
	for (int i = 0; i < 2; i++) {
		s->table[i] = src->tab[i] != NULL;
		if (src->tab[i])
			leases_get_stats(src->tab[i], &s->leases[i]);
	}
	owner_get_stats(src->owner, &s->store);
	s->idle = reconcile_idle(src->rec) && (!src->eng || !dnsengine_pending(src->eng));
	s->sending = src->sending;
	if (src->feed) {
		s->feed = true;
		sqlfeed_get_stats(src->feed, &s->feed_st);
	}
	if (src->pgo) {
		s->shared = true;
		pgowner_get_stats(src->pgo, &s->shared_st);
	}
	if (src->ha) {
		s->ha = true;
		s->ha_socket = ha_control_socket(src->ha);
		ha_get_status(src->ha, &s->ha_status);
		ha_get_stats(src->ha, &s->ha_stats);
	}
	if (src->ncr) {
		s->ncr = true;
		ncr_listen_get_stats(src->ncr, &s->ncr_st);
	}
	n = src->ver ? verify_nzones(src->ver) : 0;
	if (n) {
		s->verify = calloc(n, sizeof(*s->verify));
		if (!s->verify)
			return -ENOMEM;
		for (; s->nverify < n; s->nverify++)
			s->verify[s->nverify] = *verify_zone_at(src->ver, s->nverify);
	}
	return 0;
}

void stats_snapshot_fini(struct stats_snapshot *s)
{
	free(s->zones);
	free(s->servers);
	free(s->hooks);
	free(s->verify);
	s->zones = NULL;
	s->servers = NULL;
	s->hooks = NULL;
	s->verify = NULL;
	s->nzones = s->nservers = s->nhooks = s->nverify = 0;
}

/* ---- the metric families (names and help are the /metrics contract) ---- */

static const char *const L_EVENT[] = { "family", "type", "source", NULL };
static const char *const L_CHANGE[] = { "family", "op", "rr", "result", NULL };
static const char *const L_ZONE[] = { "zone", "result", NULL };
static const char *const L_QUEUE[] = { "queue", NULL };
static const char *const L_SZ[] = { "server", "zone", NULL };
static const char *const L_SZR[] = { "server", "zone", "reason", NULL };
static const char *const L_HOOK[] = { "interface", "direction", "hook", NULL };
static const char *const L_Z[] = { "zone", NULL };
static const char *const L_RESULT[] = { "result", NULL };
static const char *const L_REASON[] = { "reason", NULL };
static const char *const L_FAMILY[] = { "family", NULL };
static const char *const L_BUILD[] = { "version", "compiler", NULL };
static const char *const L_STAGE[] = { "stage", NULL };

/*
 * One row a family: LS_COUNTER/LS_GAUGE/LS_HISTOGRAM(name after
 * "leasesnoop_", labels, help); METRIC() for the standard process_* ones.
 */
#define METRIC(name, type, labels, help) { name, help, METRICS_##type, labels }
#define LS_COUNTER(name, labels, help) METRIC("leasesnoop_" name, COUNTER, labels, help)
#define LS_GAUGE(name, labels, help) METRIC("leasesnoop_" name, GAUGE, labels, help)
#define LS_HISTOGRAM(name, labels, help) METRIC("leasesnoop_" name, HISTOGRAM, labels, help)

static const struct stats_metric
	M_EVENTS = LS_COUNTER("events_total", L_EVENT, "Lease events by family, type and source."),
	M_CHANGES = LS_COUNTER("dns_changes_total", L_CHANGE,
		"DNS record changes with a final outcome, by family, operation, record type and result."),
	M_ZONE = LS_COUNTER("zone_changes_total", L_ZONE,
		"DNS record changes with a final outcome, by zone."),
	M_LATENCY = LS_HISTOGRAM("dns_update_latency_seconds", L_SZ,
		"Time from sending an UPDATE to its verified reply, by the server that answered and the zone."),
	M_STAGE = LS_HISTOGRAM("dns_change_stage_seconds", L_STAGE,
		"Where DNS changes' time goes, by stage: trigger (address marked dirty to the engine), queue (to the first UPDATE sent), server (UPDATE sent to its reply, per change carried), change (engine to final outcome)."),
	M_SLOW = LS_COUNTER("dns_slow_updates_total", NULL,
		"UPDATEs over TCP waited on past their timeout instead of being resent."),
	M_SRV_MSG = LS_COUNTER("dns_server_messages_total", L_SZ,
		"UPDATE messages sent, by server and zone."),
	M_SRV_FAIL = LS_COUNTER("dns_server_failures_total", L_SZR,
		"UPDATE messages without a reply, by server, zone and reason."),
	M_CONFIRMED = LS_COUNTER("wire_confirmed_total", NULL,
		"Wire events the lease file confirmed."),
	M_UNCONFIRMED = LS_COUNTER("wire_unconfirmed_total", NULL,
		"Wire events never confirmed by the lease file (no DNS change)."),
	M_PENDING = LS_GAUGE("pending_changes", NULL,
		"Addresses waiting to be synced (dirty) plus changes in flight."),
	M_QUEUE = LS_GAUGE("queue_depth", L_QUEUE, "Reconciler queues."),
	M_RING_DROPS = LS_COUNTER("ring_drops_total", NULL,
		"Events the kernel could not put in the ring (ring full)."),
	M_RETRIES = LS_COUNTER("dns_retries_total", NULL,
		"DNS messages sent again after a timeout or network error."),
	M_OWNED = LS_GAUGE("owned_records", NULL, "Bindings in the ownership store."),
	M_FULL = LS_COUNTER("full_reconciliations_total", NULL,
		"Full comparisons of desired and owned state."),
	M_LAST_OK = LS_GAUGE("last_success_timestamp_seconds", NULL,
		"When a DNS change was last applied (Unix time)."),
	M_HA_ACTIVE = LS_GAUGE("ha_active", NULL,
		"1 when this node sends DNS changes (always 1 without HA)."),
	M_HA_CHANGES = LS_COUNTER("ha_state_changes_total", NULL,
		"Changes of the local Kea HA state seen (contact lost counts as a change)."),
	M_HOLDS = LS_COUNTER("dns_server_holds_total", NULL,
		"Times a server was held back for a zone after rejecting our key or answering NOTAUTH."),
	M_HELD = LS_COUNTER("retries_held_total", NULL,
		"Full-pass retries of bindings refused in a row, held back."),
	M_UNPUB = LS_COUNTER("names_unpublishable_total", NULL,
		"Leases whose name cannot be published (root, empty or long label, over 255 octets)."),
	M_HOOK = LS_GAUGE("bpf_hook_info", L_HOOK,
		"The kernel hook leasesnoop sees each interface's traffic at (always 1)."),
	M_SHARDS = LS_GAUGE("shards_led", NULL,
		"Shards of the shared lease database this instance leads now."),
	M_TAKEN = LS_COUNTER("shards_taken_total", NULL,
		"Shards taken (at start and over from another instance)."),
	M_DB_UP = LS_GAUGE("lease_database_connected", NULL,
		"1 while the session with the lease database is up and its schema usable."),
	M_DB_ROWS = LS_COUNTER("lease_database_change_rows_total", NULL,
		"Change rows read from the lease database's change table."),
	M_DB_FAIL = LS_COUNTER("lease_database_failures_total", NULL,
		"Connection tries that failed plus sessions lost."),
	M_GSS_NEG = LS_COUNTER("gss_tsig_negotiations_total", NULL,
		"GSS-TSIG context negotiations (TKEY exchanges) started."),
	M_GSS_EST = LS_COUNTER("gss_tsig_established_total", NULL,
		"GSS-TSIG contexts established."),
	M_GSS_REN = LS_COUNTER("gss_tsig_renewals_total", NULL,
		"GSS-TSIG negotiations that replaced a context (rekey-interval or expiry)."),
	M_GSS_FAIL = LS_COUNTER("gss_tsig_failures_total", L_REASON,
		"Failed GSS-TSIG negotiations, by reason (credentials: keytab, cache, KDC, principal; tkey: the DNS server's answer, an error or not verifiable; timeout: no answer)."),
	M_GSS_REJ = LS_COUNTER("gss_tsig_rejected_total", NULL,
		"GSS-TSIG contexts a DNS server stopped accepting (BADKEY, BADSIG)."),
	M_GSS_CTX = LS_GAUGE("gss_tsig_contexts", NULL, "Usable GSS-TSIG contexts."),
	M_GSS_KRB = LS_COUNTER("gss_tsig_kerberos_steps_total", NULL,
		"Kerberos steps of GSS-TSIG negotiations (credentials, a ticket from the KDC) run on the worker thread."),
	M_GSS_KRB_S = LS_COUNTER("gss_tsig_kerberos_seconds_total", NULL,
		"Time the worker thread spent in Kerberos steps (waiting on the KDC included)."),
	M_GSS_KRB_MAX = LS_GAUGE("gss_tsig_kerberos_max_seconds", NULL,
		"The longest Kerberos step so far."),
	M_GSS_KRB_PEND = LS_GAUGE("gss_tsig_kerberos_pending", NULL,
		"Kerberos steps queued or running on the worker thread now."),
	M_HA_FAIL = LS_COUNTER("ha_poll_failures_total", NULL,
		"Queries to Kea's control socket without a usable answer."),
	M_NCR = LS_COUNTER("ncr_total", L_RESULT,
		"Kea NameChangeRequests by result: accepted (a trigger), invalid (refused), error (socket read errors)."),
	M_VER_RUNS = LS_COUNTER("verify_runs_total", L_Z,
		"Zone verifications (AXFR compared with the ownership store) completed."),
	M_VER_REC = LS_COUNTER("verify_records_total", L_ZONE,
		"Verification findings by zone: owned records missing, owned RRsets wrong, bindings repaired, failed transfers, orphan names found and orphan removals applied (sweep-orphans)."),
	M_VER_FOREIGN = LS_GAUGE("verify_foreign_records", L_Z,
		"RRs of other types at owned names, last verification."),
	M_VER_SERIAL = LS_GAUGE("verify_serial", L_Z,
		"SOA serial of the zone content last verified."),
	M_VER_LAST = LS_GAUGE("verify_last_timestamp_seconds", L_Z,
		"When the zone was last verified (Unix time, 0: never)."),
	M_BAD_ROWS = LS_COUNTER("lease_file_bad_rows_total", L_FAMILY,
		"Lease file rows skipped as torn or garbage, by family."),
	M_STORE_ERR = LS_COUNTER("store_errors_total", NULL,
		"Ownership store reads or writes that failed."),
	M_BUILD = LS_GAUGE("build_info", L_BUILD, "The running build (always 1)."),
	M_CPU = METRIC("process_cpu_seconds_total", COUNTER, NULL,
		"Total user and system CPU time spent in seconds."),
	M_RSS = METRIC("process_resident_memory_bytes", GAUGE, NULL,
		"Resident memory size in bytes."),
	M_FDS = METRIC("process_open_fds", GAUGE, NULL, "Number of open file descriptors."),
	M_START = METRIC("process_start_time_seconds", GAUGE, NULL,
		"Start time of the process since unix epoch in seconds.");

/* ---- the walk ---- */

struct walk {
	const struct stats_emitter *em;
	void *ctx;
};

static void w_open(const struct walk *w, const char *key, bool array)
{
	w->em->open(w->ctx, key, array);
}

static void w_close(const struct walk *w)
{
	w->em->close(w->ctx);
}

static void w_val(const struct walk *w, struct stats_value v)
{
	w->em->value(w->ctx, &v);
}

/* an unsigned counter; exported as @m with label values @lv when @m is set */
static void w_uint(const struct walk *w, const char *key, uint64_t v, const struct stats_metric *m,
		   const char *const *lv)
{
	w_val(w, (struct stats_value){ .key = key, .kind = STATS_UINT, .u = v, .metric = m, .lv = lv });
}

/* a value only /metrics shows (derived, or a part that is off) */
static void w_metric(const struct walk *w, uint64_t v, const struct stats_metric *m,
		     const char *const *lv)
{
	w_val(w, (struct stats_value){ .metric_only = true, .kind = STATS_UINT, .u = v, .metric = m,
				       .lv = lv });
}

static void w_str(const struct walk *w, const char *key, const char *s)
{
	w_val(w, (struct stats_value){ .key = key, .kind = STATS_STR, .s = s });
}

static void w_real(const struct walk *w, const char *key, double r)
{
	w_val(w, (struct stats_value){ .key = key, .kind = STATS_REAL, .r = r });
}

static void w_bool(const struct walk *w, const char *key, bool b)
{
	w_val(w, (struct stats_value){ .key = key, .kind = STATS_BOOL, .b = b });
}

/* wire event types: the JSON key is "v<family>-<type>", the metric labels the parts */
static const struct {
	const char *family, *type;
} ev_types[LS_EV_TYPE_MAX_] = {
	[LS_EV_V4_ACK] = { "4", "ack" },	 [LS_EV_V4_NAK] = { "4", "nak" },
	[LS_EV_V4_RELEASE] = { "4", "release" }, [LS_EV_V4_DECLINE] = { "4", "decline" },
	[LS_EV_V6_REPLY] = { "6", "reply" },	 [LS_EV_V6_RELEASE] = { "6", "release" },
	[LS_EV_V6_DECLINE] = { "6", "decline" },
};

/* "changes": one entry per (family, op, record type, outcome) seen */
static void walk_changes(const struct walk *w, const struct reconcile_stats *st)
{
	w_open(w, "changes", true);
	for (int v6 = 0; v6 < 2; v6++)
		for (int op = 0; op < 2; op++)
			for (int side = 0; side < 2; side++)
				for (int x = 0; x < DNSENGINE_OUTCOME_MAX_; x++) {
					const char *opn = op ? "remove" : "add";
					const char *rr = side ? "PTR" : v6 ? "AAAA" : "A";
					const char *res = dnsengine_outcome_name(x);
					uint64_t n = st->changes[v6][op][side][x];

					if (!n)
						continue;
					w_open(w, NULL, false);
					w_uint(w, "family", v6 ? 6 : 4, NULL, NULL);
					w_str(w, "op", opn);
					w_str(w, "rr", rr);
					w_str(w, "result", res);
					w_uint(w, "count", n, &M_CHANGES,
					       (const char *const[]){ v6 ? "6" : "4", opn, rr, res });
					w_close(w);
				}
	w_close(w);
}

static void walk_events(const struct walk *w, const struct reconcile_stats *st)
{
	w_open(w, "events", false);
	for (int i = 1; i < LS_EV_TYPE_MAX_; i++) {
		char key[32];

		snprintf(key, sizeof(key), "v%s-%s", ev_types[i].family, ev_types[i].type);
		w_uint(w, key, st->events[i], &M_EVENTS,
		       (const char *const[]){ ev_types[i].family, ev_types[i].type, "wire" });
	}
	w_close(w);
}

static void walk_lease_changes(const struct walk *w, const struct reconcile_stats *st)
{
	w_open(w, "lease-changes", false);
	for (int i = 1; i < LEASE_CH_MAX_; i++) {
		const char *k = leases_change_name((enum lease_change_kind)i);

		w_uint(w, k, st->lease_changes[i], &M_EVENTS,
		       (const char *const[]){ "any", k, "lease-file" });
	}
	w_close(w);
}

static void walk_zones(const struct walk *w, const struct stats_snapshot *s)
{
	w_open(w, "zones", false);
	for (size_t i = 0; i < s->nzones; i++) {
		const struct reconcile_zone_stats *z = &s->zones[i];

		w_open(w, z->name, false);
		w_uint(w, "applied", z->applied, &M_ZONE, (const char *const[]){ z->name, "applied" });
		w_uint(w, "conflict", z->conflict, &M_ZONE,
		       (const char *const[]){ z->name, "conflict" });
		w_uint(w, "failed", z->failed, &M_ZONE, (const char *const[]){ z->name, "failed" });
		w_open(w, "servers", true);
		for (size_t k = 0; z->domain && k < z->domain->nservers; k++)
			w_str(w, NULL, z->domain->servers[k].text);
		w_close(w);
		w_close(w);
	}
	w_close(w);
}

static void walk_reconcile(const struct walk *w, const struct stats_snapshot *s)
{
	const struct reconcile_stats *st = &s->rec;

	w_uint(w, "adopted", st->adopted, NULL, NULL);
	w_uint(w, "adopt-probed", st->adopt_probed, NULL, NULL);
	w_uint(w, "removes-found-applied", st->removes_found_applied, NULL, NULL);
	w_uint(w, "adds-found-absent", st->adds_found_absent, NULL, NULL);
	walk_changes(w, st);
	walk_events(w, st);
	w_uint(w, "confirmed", st->confirmed, &M_CONFIRMED, NULL);
	w_uint(w, "pending", st->pending, &M_QUEUE, (const char *const[]){ "pending-wire" });
	w_uint(w, "unconfirmed", st->unconfirmed, &M_UNCONFIRMED, NULL);
	w_uint(w, "pending-dropped", st->pending_dropped, NULL, NULL);
	w_uint(w, "events-ignored", st->ignored_events, NULL, NULL);
	walk_lease_changes(w, st);
	w_uint(w, "adds-sent", st->adds, NULL, NULL);
	w_uint(w, "removes-sent", st->removes, NULL, NULL);
	w_uint(w, "applied", st->applied, NULL, NULL);
	w_uint(w, "conflicts", st->conflicts, NULL, NULL);
	w_uint(w, "failed", st->failed, NULL, NULL);
	w_uint(w, "queue-dirty", st->dirty, &M_QUEUE, (const char *const[]){ "dirty" });
	w_uint(w, "queue-inflight", st->inflight, &M_QUEUE, (const char *const[]){ "inflight" });
	w_metric(w, st->dirty + st->inflight, &M_PENDING, NULL);
	w_uint(w, "syncs", st->syncs, NULL, NULL);
	w_uint(w, "full-runs", st->full_runs, &M_FULL, NULL);
	w_uint(w, "leases-without-name", st->no_name, NULL, NULL);
	w_uint(w, "leases-without-zone", st->no_zone, NULL, NULL);
	w_uint(w, "store-errors", st->store_errors, &M_STORE_ERR, NULL);
	w_uint(w, "names-unpublishable", st->unpublishable, &M_UNPUB, NULL);
	w_uint(w, "names-without-forward-zone", st->no_fwd_zone, NULL, NULL);
	w_uint(w, "ncr-triggers", st->ncr_triggers, NULL, NULL);
	w_uint(w, "retries-held", st->held, &M_HELD, NULL);
	walk_zones(w, s);
	w_str(w, "last-error", s->last_error ? s->last_error : "");
}

/*
 * Per zone and server: messages sent, verified replies, timeouts, network
 * errors, reply latency quantiles in ms and the buckets themselves (per
 * bucket; "latency-bounds" in seconds, the last bucket above them all),
 * which /metrics shows as the histogram leasesnoop_dns_update_latency_seconds.
 */
static void walk_server(const struct walk *w, const struct dnsengine_server_stats *ss)
{
	const char *const sz[] = { ss->server, ss->zone };

	w_open(w, NULL, false);
	w_str(w, "server", ss->server);
	w_str(w, "zone", ss->zone);
	w_uint(w, "messages", ss->sent, &M_SRV_MSG, sz);
	w_uint(w, "replies", ss->replies, NULL, NULL);
	w_uint(w, "timeouts", ss->timeouts, &M_SRV_FAIL,
	       (const char *const[]){ ss->server, ss->zone, "timeout" });
	w_uint(w, "network-errors", ss->neterrs, &M_SRV_FAIL,
	       (const char *const[]){ ss->server, ss->zone, "network" });
	w_real(w, "latency-p50-ms", 1000 * dnsengine_lat_quantile(ss, 0.5));
	w_real(w, "latency-p90-ms", 1000 * dnsengine_lat_quantile(ss, 0.9));
	w_real(w, "latency-p99-ms", 1000 * dnsengine_lat_quantile(ss, 0.99));
	w_real(w, "latency-sum-seconds", ss->lat_sum);
	w_val(w, (struct stats_value){ .key = "latency-buckets", .kind = STATS_HIST, .hist = ss->lat,
				       .hist_sum = ss->lat_sum, .metric = &M_LATENCY, .lv = sz });
	w_open(w, "latency-bounds", true);
	for (int k = 0; k < DNSENGINE_LAT_BUCKETS; k++)
		w_real(w, NULL, dnsengine_lat_bounds[k]);
	w_close(w);
	/* the pace of this pair (user/dns/pace.h) */
	w_uint(w, "timeout-ms", ss->timeout_ms, NULL, NULL);
	w_uint(w, "srtt-ms", ss->srtt_ms, NULL, NULL);
	w_uint(w, "batch-size", ss->batch, NULL, NULL);
	w_uint(w, "window", ss->window, NULL, NULL);
	w_uint(w, "pace-cuts", ss->cuts, NULL, NULL);
	w_close(w);
}

/*
 * "stages": per stage of a change (user/dns/dnsengine.h, enum
 * dnsengine_stage) its quantiles in ms, sum and buckets (the servers'
 * latency-bounds), which /metrics shows as leasesnoop_dns_change_stage_seconds
 */
static void walk_stages(const struct walk *w, const struct dnsengine_stage_stats *st)
{
	w_open(w, "stages", false);
	for (int i = 0; i < DNSENGINE_STAGES; i++) {
		const char *n = dnsengine_stage_name((enum dnsengine_stage)i);

		w_open(w, n, false);
		w_real(w, "p50-ms", 1000 * dnsengine_hist_quantile(st->lat[i], 0.5));
		w_real(w, "p90-ms", 1000 * dnsengine_hist_quantile(st->lat[i], 0.9));
		w_real(w, "p99-ms", 1000 * dnsengine_hist_quantile(st->lat[i], 0.99));
		w_real(w, "sum-seconds", st->sum[i]);
		w_val(w, (struct stats_value){ .key = "buckets", .kind = STATS_HIST, .hist = st->lat[i],
					       .hist_sum = st->sum[i], .metric = &M_STAGE,
					       .lv = (const char *const[]){ n } });
		w_close(w);
	}
	w_close(w);
}

/* GSS-TSIG (RFC 3645) contexts: all zero when no server uses GSS-TSIG */
static void walk_gss(const struct walk *w, const struct dnsengine_stats *es)
{
	uint64_t known = es->gss_cred_failures + es->gss_tkey_errors + es->gss_timeouts;
	uint64_t other = es->gss_failures > known ? es->gss_failures - known : 0;

	w_open(w, "gss-tsig", false);
	w_uint(w, "negotiations", es->gss_negotiations, &M_GSS_NEG, NULL);
	w_uint(w, "established", es->gss_established, &M_GSS_EST, NULL);
	w_uint(w, "renewals", es->gss_renewals, &M_GSS_REN, NULL);
	w_uint(w, "failures", es->gss_failures, NULL, NULL);
	w_uint(w, "credential-failures", es->gss_cred_failures, &M_GSS_FAIL,
	       (const char *const[]){ "credentials" });
	w_uint(w, "tkey-errors", es->gss_tkey_errors, &M_GSS_FAIL, (const char *const[]){ "tkey" });
	w_uint(w, "timeouts", es->gss_timeouts, &M_GSS_FAIL, (const char *const[]){ "timeout" });
	w_metric(w, other, &M_GSS_FAIL, (const char *const[]){ "other" });
	w_uint(w, "rejected", es->gss_rejected, &M_GSS_REJ, NULL);
	w_uint(w, "contexts", es->gss_contexts, &M_GSS_CTX, NULL);
	/* the Kerberos steps, on the worker thread: the event loop never waits on a KDC */
	w_uint(w, "kerberos-steps", es->gss_krb_steps, &M_GSS_KRB, NULL);
	w_uint(w, "kerberos-ms", es->gss_krb_ms, NULL, NULL);
	w_uint(w, "kerberos-max-ms", es->gss_krb_max_ms, NULL, NULL);
	/* Prometheus wants base units: the same two in seconds */
	w_val(w, (struct stats_value){ .metric_only = true, .kind = STATS_REAL,
				       .r = (double)es->gss_krb_ms / 1000, .metric = &M_GSS_KRB_S });
	w_val(w, (struct stats_value){ .metric_only = true, .kind = STATS_REAL,
				       .r = (double)es->gss_krb_max_ms / 1000, .metric = &M_GSS_KRB_MAX });
	w_uint(w, "kerberos-pending", es->gss_krb_pending, &M_GSS_KRB_PEND, NULL);
	w_close(w);
}

static void walk_dns(const struct walk *w, const struct stats_snapshot *s)
{
	const struct dnsengine_stats *es = &s->dns;

	w_open(w, "dns", false);
	if (s->engine) {
		w_uint(w, "submitted", es->submitted, NULL, NULL);
		w_uint(w, "finished", es->finished, NULL, NULL);
		w_uint(w, "applied", es->applied, NULL, NULL);
		w_uint(w, "conflicts", es->conflicts, NULL, NULL);
		w_uint(w, "failed", es->failed, NULL, NULL);
		w_uint(w, "messages", es->messages, NULL, NULL);
		w_uint(w, "bisections", es->bisections, NULL, NULL);
		w_uint(w, "retries", es->retries, &M_RETRIES, NULL);
		w_uint(w, "rejected-replies", es->rejected_replies, NULL, NULL);
		w_uint(w, "pending", es->pending, NULL, NULL);
		w_uint(w, "server-holds", es->server_holds, &M_HOLDS, NULL);
		w_uint(w, "applied-checks", es->applied_checks, NULL, NULL);
		w_uint(w, "already-applied", es->already_applied, NULL, NULL);
		w_uint(w, "unsigned-refusals", es->unsigned_refusals, NULL, NULL);
		w_uint(w, "slow", es->slow, &M_SLOW, NULL);
		walk_gss(w, es);
		w_open(w, "servers", true);
		for (size_t i = 0; i < s->nservers; i++)
			walk_server(w, &s->servers[i]);
		w_close(w);
		walk_stages(w, &s->stages);
	} else {
		w_metric(w, 0, &M_RETRIES, NULL);	/* --dry-run: nothing is sent */
		w_metric(w, 0, &M_SLOW, NULL);
		w_metric(w, 0, &M_HOLDS, NULL);
	}
	w_uint(w, "adopt-queries", s->adopt.queries, NULL, NULL);
	w_uint(w, "adopt-failures", s->adopt.failures, NULL, NULL);
	/* adoption by zone transfer (user/dns/adoptxfr.h) */
	w_uint(w, "adopt-transfers", s->adopt.transfers, NULL, NULL);
	w_uint(w, "adopt-transfer-failures", s->adopt.transfer_failures, NULL, NULL);
	w_uint(w, "adopt-transfer-rrs", s->adopt.transfer_rrs, NULL, NULL);
	w_uint(w, "adopt-settled", s->adopt.settled, NULL, NULL);
	w_uint(w, "adopt-index-bytes", s->adopt.index_bytes, NULL, NULL);
	w_close(w);
}

static void walk_ring(const struct walk *w, const struct stats_snapshot *s)
{
	w_open(w, "ring", false);
	if (s->ring_counters)
		for (unsigned int i = 0; i < LS_CNT_MAX; i++)
			w_uint(w, evfmt_counter_name(i), s->cnt.c[i],
			       i == LS_CNT_RB_FULL ? &M_RING_DROPS : NULL, NULL);
	else
		w_metric(w, 0, &M_RING_DROPS, NULL);	/* no interfaces: no ring to fill */
	if (s->ring) {
		w_uint(w, "consumed", s->cons.events, NULL, NULL);
		w_uint(w, "bad-records", s->cons.bad_size + s->cons.bad_version, NULL, NULL);
	}
	w_close(w);
}

/* {"eth0": {"ingress": "xdp-native", "egress": "tcx"}, …}: the hook each interface uses */
static void walk_hooks(const struct walk *w, const struct stats_snapshot *s)
{
	w_open(w, "hooks", false);
	for (size_t i = 0; i < s->nhooks; i++) {
		const struct stats_hook *h = &s->hooks[i];

		w_open(w, h->name, false);
		w_str(w, "ingress", h->ingress);
		w_str(w, "egress", h->egress);
		w_metric(w, 1, &M_HOOK, (const char *const[]){ h->name, "ingress", h->ingress });
		w_metric(w, 1, &M_HOOK, (const char *const[]){ h->name, "egress", h->egress });
		w_close(w);
	}
	w_close(w);
}

static void walk_tables(const struct walk *w, const struct stats_snapshot *s)
{
	w_open(w, "lease-files", false);
	for (int i = 0; i < 2; i++) {
		const struct leases_stats *ls = &s->leases[i];

		if (!s->table[i])
			continue;
		w_open(w, i ? "v6" : "v4", false);
		w_uint(w, "leases", ls->leases, NULL, NULL);
		w_uint(w, "rows", ls->rows, NULL, NULL);
		w_uint(w, "bad-rows", ls->bad_rows, &M_BAD_ROWS,
		       (const char *const[]){ i ? "6" : "4" });
		w_uint(w, "rotations", ls->rotations, NULL, NULL);
		w_uint(w, "mem-bytes", ls->mem_bytes, NULL, NULL);
		w_close(w);
	}
	w_close(w);
}

static void walk_store(const struct walk *w, const struct owner_stats *os)
{
	w_open(w, "store", false);
	w_uint(w, "records", os->records, &M_OWNED, NULL);
	w_uint(w, "puts", os->puts, NULL, NULL);
	w_uint(w, "dels", os->dels, NULL, NULL);
	w_uint(w, "commits", os->commits, NULL, NULL);
	w_uint(w, "map-bytes", os->map_bytes, NULL, NULL);
	w_close(w);
}

/* "lease-database" postgresql: the change feed (user/lease/sqlfeed.h) */
static void walk_feed(const struct walk *w, const struct sqlfeed_stats *f)
{
	w_open(w, "lease-database", false);
	w_bool(w, "connected", f->connected);
	w_metric(w, f->connected, &M_DB_UP, NULL);
	w_bool(w, "loaded", f->loaded);
	w_uint(w, "connects", f->connects, NULL, NULL);
	w_uint(w, "connect-failures", f->connect_failures, NULL, NULL);
	w_uint(w, "disconnects", f->disconnects, NULL, NULL);
	w_metric(w, f->connect_failures + f->disconnects, &M_DB_FAIL, NULL);
	w_uint(w, "schema-errors", f->schema_errors, NULL, NULL);
	w_uint(w, "query-errors", f->query_errors, NULL, NULL);
	w_uint(w, "polls", f->polls, NULL, NULL);
	w_uint(w, "notifies", f->notifies, NULL, NULL);
	w_uint(w, "change-rows", f->change_rows, &M_DB_ROWS, NULL);
	w_uint(w, "cursor", f->cursor, NULL, NULL);
	w_uint(w, "holes-skipped", f->holes_skipped, NULL, NULL);
	w_uint(w, "lookups", f->lookups, NULL, NULL);
	w_uint(w, "lookup-rows", f->lookup_rows, NULL, NULL);
	w_uint(w, "wire-lookups", f->wire_lookups, NULL, NULL);
	w_uint(w, "expiry-checks", f->expiry_checks, NULL, NULL);
	w_uint(w, "gone", f->gone, NULL, NULL);
	w_uint(w, "debounced", f->debounced, NULL, NULL);
	w_uint(w, "full-passes", f->full_passes, NULL, NULL);
	w_uint(w, "full-pass-rows", f->full_rows, NULL, NULL);
	w_uint(w, "bad-rows", f->bad_rows, NULL, NULL);
	w_uint(w, "lookups-dropped", f->wants_dropped, NULL, NULL);
	w_uint(w, "pruned", f->pruned, NULL, NULL);
	w_close(w);
}

/* "lease-database-shared": the shards led and the store in PostgreSQL (user/sync/pgowner.h) */
static void walk_shared(const struct walk *w, const struct pgowner_stats *p)
{
	w_open(w, "lease-database-shared", false);
	w_uint(w, "shards", p->shards, NULL, NULL);
	w_uint(w, "held", p->held, &M_SHARDS, NULL);
	w_uint(w, "acquired", p->acquired, &M_TAKEN, NULL);
	w_uint(w, "released", p->released, NULL, NULL);
	w_uint(w, "sessions", p->sessions, NULL, NULL);
	w_uint(w, "connecting", p->connecting, NULL, NULL);
	w_uint(w, "session-failures", p->session_failures, NULL, NULL);
	w_uint(w, "sessions-lost", p->sessions_lost, NULL, NULL);
	w_uint(w, "loaded", p->loaded, NULL, NULL);
	w_uint(w, "commits", p->commits, NULL, NULL);
	w_uint(w, "commit-failures", p->commit_failures, NULL, NULL);
	w_uint(w, "written", p->written, NULL, NULL);
	w_uint(w, "deleted", p->deleted, NULL, NULL);
	w_uint(w, "refused", p->refused, NULL, NULL);
	w_uint(w, "records", p->records, NULL, NULL);
	w_close(w);
}

static void walk_ha(const struct walk *w, const struct stats_snapshot *s)
{
	const struct ha_status *hs = &s->ha_status;
	const struct ha_stats *st = &s->ha_stats;

	w_open(w, "ha", false);
	w_str(w, "control-socket", s->ha_socket);
	w_str(w, "state", ha_state_name(hs->state));
	w_str(w, "mode", ha_mode_name(hs->mode));
	w_str(w, "role", ha_role_name(hs->role));
	w_str(w, "partner-state", ha_state_name(hs->partner_state));
	w_bool(w, "active", hs->active);
	w_uint(w, "unsent-updates", hs->unsent_updates, NULL, NULL);
	w_uint(w, "polls", st->polls, NULL, NULL);
	w_uint(w, "answers", st->answers, NULL, NULL);
	w_uint(w, "failures", st->failures, &M_HA_FAIL, NULL);
	w_uint(w, "consecutive-failures", st->consecutive_failures, NULL, NULL);
	w_uint(w, "state-changes", st->state_changes, &M_HA_CHANGES, NULL);
	w_uint(w, "became-active", st->became_active, NULL, NULL);
	w_uint(w, "became-standby", st->became_standby, NULL, NULL);
	w_close(w);
}

/* Kea's NameChangeRequests (kea-ddns-updates), under D2's names where D2 has one */
static void walk_ncr(const struct walk *w, const struct ncr_listen_stats *ns)
{
	w_open(w, "ncr", false);
	w_uint(w, "ncr-received", ns->accepted, &M_NCR, (const char *const[]){ "accepted" });
	w_uint(w, "ncr-invalid", ns->invalid, &M_NCR, (const char *const[]){ "invalid" });
	w_uint(w, "ncr-error", ns->errors, &M_NCR, (const char *const[]){ "error" });
	w_uint(w, "datagrams", ns->received, NULL, NULL);
	w_uint(w, "unknown-fields", ns->unknown_fields, NULL, NULL);
	w_uint(w, "adds", ns->adds, NULL, NULL);
	w_uint(w, "removes", ns->removes, NULL, NULL);
	w_uint(w, "receive-buffer", ns->rcvbuf > 0 ? (uint64_t)ns->rcvbuf : 0, NULL, NULL);
	w_close(w);
}

/* Per zone: "verify": { zone: { runs, ixfr-runs, missing, wrong, repaired, foreign, … } } */
static void walk_verify(const struct walk *w, const struct stats_snapshot *s)
{
	w_open(w, "verify", false);
	for (size_t i = 0; i < s->nverify; i++) {
		const struct verify_zone_stats *z = &s->verify[i];
		const char *const zl[] = { z->zone };

		w_open(w, z->zone, false);
		w_uint(w, "runs", z->runs, &M_VER_RUNS, zl);
		w_uint(w, "ixfr-runs", z->ixfr_runs, NULL, NULL);
		w_uint(w, "missing", z->missing, &M_VER_REC, (const char *const[]){ z->zone, "missing" });
		w_uint(w, "wrong", z->wrong, &M_VER_REC, (const char *const[]){ z->zone, "wrong" });
		w_uint(w, "repaired", z->repaired, &M_VER_REC,
		       (const char *const[]){ z->zone, "repaired" });
		w_uint(w, "foreign", z->foreign, &M_VER_FOREIGN, zl);
		w_uint(w, "failures", z->failures, &M_VER_REC,
		       (const char *const[]){ z->zone, "failures" });
		w_uint(w, "serial", z->serial, &M_VER_SERIAL, zl);
		w_uint(w, "last-time", z->last_time > 0 ? (uint64_t)z->last_time : 0, &M_VER_LAST, zl);
		w_uint(w, "last-duration-ms", z->last_ms, NULL, NULL);
		w_uint(w, "orphans-found", z->orphans_found, &M_VER_REC,
		       (const char *const[]){ z->zone, "orphans-found" });
		w_uint(w, "orphans-removed", z->orphans_removed, &M_VER_REC,
		       (const char *const[]){ z->zone, "orphans-removed" });
		w_close(w);
	}
	w_close(w);
}

static void walk_process(const struct walk *w, const struct stats_snapshot *s)
{
	if (s->version) {
		w_str(w, "version", s->version);
		w_metric(w, 1, &M_BUILD, (const char *const[]){ s->version, __VERSION__ });
	}
	if (!s->process)
		return;
	w_open(w, "process", false);
	w_val(w, (struct stats_value){ .key = "cpu-seconds", .kind = STATS_REAL, .r = s->proc.cpu_s,
				       .metric = &M_CPU });
	w_uint(w, "resident-memory-bytes", s->proc.rss_bytes, &M_RSS, NULL);
	w_uint(w, "open-fds", s->proc.open_fds, &M_FDS, NULL);
	w_uint(w, "start-time-seconds", s->proc.start_time_s, &M_START, NULL);
	w_close(w);
}

int stats_process_parse(const char *stat, long tck, long page, uint64_t btime,
			struct stats_process *p)
{
	/* after "pid (comm) ": comm may hold spaces and ')', so from the last ')' */
	const char *q = strrchr(stat, ')');
	unsigned long long v[24];
	int n = 0;

	if (!q || tck <= 0 || page <= 0)
		return -EINVAL;
	/* fields 3 (state) on: state, then numbers; we need 14/15 (utime, stime), 22 (starttime), 24 (rss) */
	q++;
	while (*q == ' ')
		q++;
	if (!*q)
		return -EINVAL;
	q++;	/* the state letter */
	for (n = 0; n < 22; n++) {
		char *end;

		while (*q == ' ')
			q++;
		if (*q == '-')	/* a negative field (priority, nice): its magnitude does not matter here */
			q++;
		v[n] = strtoull(q, &end, 10);
		if (end == q)
			return -EINVAL;
		q = end;
	}
	/* v[0] is field 4: field k is v[k - 4] */
	p->cpu_s = (double)(v[14 - 4] + v[15 - 4]) / (double)tck;
	p->start_time_s = btime + v[22 - 4] / (unsigned long long)tck;
	p->rss_bytes = v[24 - 4] * (unsigned long long)page;
	return 0;
}

int stats_process_read(struct stats_process *p)
{
	char buf[1024], line[256];
	uint64_t btime = 0;
	ssize_t n;
	FILE *f;
	DIR *d;
	int fd;

	memset(p, 0, sizeof(*p));
	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	f = fopen("/proc/stat", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %" SCNu64, &btime) == 1)
			break;
	if (f)
		fclose(f);
	if (stats_process_parse(buf, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), btime, p))
		return -EINVAL;
	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;

		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				p->open_fds++;
		closedir(d);
		p->open_fds--;	/* the directory's own fd */
	}
	return 0;
}

void stats_walk(const struct stats_snapshot *s, const struct stats_emitter *em, void *ctx)
{
	const struct walk w = { em, ctx };

	w_open(&w, NULL, false);
	walk_reconcile(&w, s);
	walk_dns(&w, s);
	w_uint(&w, "dns-retry-reports", s->retry_reports, NULL, NULL);
	/* never applied: no timestamp series rather than 1970 */
	w_uint(&w, "last-success", s->last_success, s->last_success ? &M_LAST_OK : NULL, NULL);
	walk_ring(&w, s);
	walk_hooks(&w, s);
	walk_tables(&w, s);
	walk_store(&w, &s->store);
	w_bool(&w, "idle", s->idle);
	if (s->feed)
		walk_feed(&w, &s->feed_st);
	if (s->shared)
		walk_shared(&w, &s->shared_st);
	if (s->ha)
		walk_ha(&w, s);
	w_metric(&w, s->sending, &M_HA_ACTIVE, NULL);
	if (s->ncr)
		walk_ncr(&w, &s->ncr_st);
	walk_verify(&w, s);
	walk_process(&w, s);
	w_close(&w);
}

/* ---- the JSON emitter ---- */

#define JSON_DEPTH 8	/* root, dns, servers, a server, its bounds: 5 deep today */

struct json_em {
	json_t *root;
	json_t *stack[JSON_DEPTH];
	int depth;		/* open containers; beyond JSON_DEPTH only counted */
	bool bad;		/* out of memory, or nested too deep: no answer */
};

/* add @v (a new reference, taken even on failure) to the open container; false if it failed */
static bool json_put(struct json_em *j, const char *key, json_t *v)
{
	json_t *top = j->depth > 0 && j->depth <= JSON_DEPTH ? j->stack[j->depth - 1] : NULL;

	if (!v || !top) {
		j->bad = true;
		json_decref(v);
		return false;
	}
	if (json_is_array(top) ? json_array_append_new(top, v)
			       : json_object_set_new(top, key ? key : "", v)) {
		j->bad = true;
		return false;
	}
	return true;
}

static void json_em_open(void *ctx, const char *key, bool array)
{
	struct json_em *j = ctx;
	json_t *c = array ? json_array() : json_object();

	if (!j->depth && !j->root) {
		j->root = c;	/* ours; the rest belong to their parents */
		j->bad |= !c;
	} else if (!json_put(j, key, c)) {
		c = NULL;
	}
	if (j->depth < JSON_DEPTH)
		j->stack[j->depth] = c;
	j->depth++;
}

static void json_em_close(void *ctx)
{
	struct json_em *j = ctx;

	if (j->depth)
		j->depth--;
}

static void json_em_value(void *ctx, const struct stats_value *v)
{
	struct json_em *j = ctx;
	json_t *x = NULL;

	if (v->metric_only)
		return;
	switch (v->kind) {
	case STATS_UINT:
		x = json_integer((json_int_t)v->u);
		break;
	case STATS_REAL:
		x = json_real(v->r);
		break;
	case STATS_BOOL:
		x = json_boolean(v->b);
		break;
	case STATS_STR:
		/* a last error may quote bytes from a lease file: never lose the whole answer */
		x = json_string(v->s ? v->s : "");
		if (!x)
			x = json_string("(not UTF-8)");
		break;
	case STATS_HIST:
		x = json_array();
		for (int k = 0; x && k <= DNSENGINE_LAT_BUCKETS; k++)
			if (json_array_append_new(x, json_integer((json_int_t)v->hist[k])))
				j->bad = true;
		break;
	}
	json_put(j, v->key, x);
}

json_t *stats_json(const struct stats_snapshot *s)
{
	static const struct stats_emitter em = { json_em_open, json_em_close, json_em_value };
	struct json_em j = { 0 };

	stats_walk(s, &em, &j);
	if (j.bad || j.depth) {
		json_decref(j.root);
		return NULL;
	}
	return j.root;
}

/* ---- the metrics emitter ---- */

struct metrics_em {
	struct metrics *m;
	int err;
};

static void metrics_em_open(void *ctx, const char *key, bool array)
{
	(void)ctx;
	(void)key;
	(void)array;
}

static void metrics_em_close(void *ctx)
{
	(void)ctx;
}

static void metrics_em_value(void *ctx, const struct stats_value *v)
{
	struct metrics_em *e = ctx;
	const struct stats_metric *d = v->metric;
	struct metrics_family *f;
	struct metrics_series *s;
	bool hist = v->kind == STATS_HIST;
	int err;

	if (!d)
		return;
	err = metrics_family_add(e->m, d->type, d->name, d->help, d->labels,
				 hist ? dnsengine_lat_bounds : NULL, hist ? DNSENGINE_LAT_BUCKETS : 0,
				 &f);
	err = err ?: metrics_series_get(f, v->lv, &s);
	if (!err && hist)
		err = metrics_histogram_set(s, v->hist, DNSENGINE_LAT_BUCKETS + 1, v->hist_sum);
	else if (!err)
		metrics_set(s, v->kind == STATS_BOOL ? v->b :
			       v->kind == STATS_REAL ? v->r : (double)v->u);
	if (err && !e->err)
		e->err = err;
}

int stats_metrics(const struct stats_snapshot *s, struct metrics *m)
{
	static const struct stats_emitter em = { metrics_em_open, metrics_em_close,
						 metrics_em_value };
	struct metrics_em e = { m, 0 };

	stats_walk(s, &em, &e);
	return e.err;
}
