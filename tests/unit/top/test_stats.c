// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/top/test_stats.c - the statistics walk (user/stats.c): every
 * counter of every part reaches the JSON and, where exported, the metrics
 * registry with the same value; each /metrics series reads the field its
 * README name says (a hand-kept table here, independent of the walk), so a
 * renamed or removed counter fails here instead of exporting 0; the JSON
 * keeps its shape; building it many times leaks nothing (LeakSanitizer).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "user/stats.h"
#include "user/wire/evfmt.h"

static struct zones_server srv_a[2] = { { .text = "127.0.0.1#5301" }, { .text = "127.0.0.2#53" } };
static struct zones_domain dom_a = { .name = "dyn.example.", .servers = srv_a, .nservers = 2 };

/* every uint64 of @p (a struct of nothing else) gets a value of its own */
static void fill(void *p, size_t size, uint64_t *next)
{
	uint64_t *u = p;

	for (size_t i = 0; i < size / sizeof(*u); i++)
		u[i] = (*next)++;
}

struct snap {
	struct stats_snapshot s;
	struct reconcile_zone_stats zones[2];
	struct dnsengine_server_stats servers[2];
	struct verify_zone_stats verify[1];
};

/* a daemon with everything on: engine, ring, both tables, HA; distinct values */
static void snap_full(struct snap *x)
{
	uint64_t n = 1001;
	struct stats_snapshot *s = &x->s;

	memset(x, 0, sizeof(*x));
	_Static_assert(sizeof(s->rec) % 8 == 0 && sizeof(s->dns) % 8 == 0, "u64 structs");
	fill(&s->rec, sizeof(s->rec), &n);
	fill(&s->dns, sizeof(s->dns), &n);
	fill(&s->adopt, sizeof(s->adopt), &n);
	fill(&s->cnt, sizeof(s->cnt), &n);
	fill(&s->cons, sizeof(s->cons), &n);
	fill(&s->leases[0], sizeof(s->leases[0]), &n);
	fill(&s->leases[1], sizeof(s->leases[1]), &n);
	fill(&s->store, sizeof(s->store), &n);
	fill(&s->ha_stats, sizeof(s->ha_stats), &n);
	fill(&s->shared_st, sizeof(s->shared_st), &n);
	s->shared = true;
	x->zones[0] = (struct reconcile_zone_stats){ "dyn.example.", &dom_a, n, n + 1, n + 2 };
	x->zones[1] = (struct reconcile_zone_stats){ "2.0.192.in-addr.arpa.", NULL, n + 3, n + 4,
						     n + 5 };
	n += 6;
	for (int i = 0; i < 2; i++) {
		struct dnsengine_server_stats *ss = &x->servers[i];

		ss->server = srv_a[i].text;
		ss->zone = "dyn.example.";
		ss->sent = n++;
		ss->replies = n++;
		ss->timeouts = n++;
		ss->neterrs = n++;
		for (int k = 0; k <= DNSENGINE_LAT_BUCKETS; k++)
			ss->lat[k] = n++;
		ss->lat_sum = 1.5 + i;
	}
	for (int i = 0; i < DNSENGINE_STAGES; i++) {
		for (int k = 0; k <= DNSENGINE_LAT_BUCKETS; k++)
			s->stages.lat[i][k] = n++;
		s->stages.sum[i] = 0.25 + i;
	}
	s->process = true;
	s->proc = (struct stats_process){ 12.5, n, n + 1, n + 2 };
	n += 3;
	s->version = "leasesnoop 0.1";
	s->ha_status.unsent_updates = n++;
	s->ha_status.state = HA_ST_HOT_STANDBY;
	s->ha_status.active = true;
	s->retry_reports = n++;
	s->last_success = n++;
	s->zones = x->zones;
	s->nzones = 2;
	s->servers = x->servers;
	s->nservers = 2;
	s->last_error = "dns: no reply";
	s->engine = s->ring = s->ring_counters = true;
	s->table[0] = s->table[1] = true;
	s->idle = false;
	s->sending = true;
	s->ha = true;
	s->ha_socket = "/run/kea/kea4-ctrl-socket";
	snprintf(x->verify[0].zone, sizeof(x->verify[0].zone), "dyn.example.");
	x->verify[0].runs = n++;
	x->verify[0].ixfr_runs = n++;
	x->verify[0].missing = n++;
	x->verify[0].wrong = n++;
	x->verify[0].repaired = n++;
	x->verify[0].foreign = n++;
	x->verify[0].failures = n++;
	x->verify[0].serial = (uint32_t)n++;
	x->verify[0].last_time = (int64_t)n++;
	x->verify[0].last_ms = n++;
	x->verify[0].orphans_found = n++;
	x->verify[0].orphans_removed = n++;
	s->verify = x->verify;
	s->nverify = 1;
	s->ncr = true;
	s->ncr_st = (struct ncr_listen_stats){ n, n + 1, n + 2, n + 3, n + 4, n + 5, n + 6, 4096 };
	n += 7;
}

/* the value at a dotted path ("dns.servers.1.messages"; keys may hold dots: zones by prefix) */
static const json_t *at(const json_t *j, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && j; tok = strtok_r(NULL, "/", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(tok, NULL, 10))
				     : json_object_get(j, tok);
	return j;
}

static uint64_t at_u(const json_t *j, const char *path)
{
	const json_t *v = at(j, path);

	if (!json_is_integer(v))
		fail_msg("JSON has no integer at '%s'", path);
	return (uint64_t)json_integer_value(v);
}

/* the rendered value of series @name{@labels} ("" for none); fails if absent */
static double series(const char *text, const char *name, const char *labels)
{
	char want[512];
	const char *p;

	snprintf(want, sizeof(want), "\n%s%s%s%s ", name, *labels ? "{" : "", labels,
		 *labels ? "}" : "");
	p = strstr(text, want);
	if (!p)
		fail_msg("/metrics has no series %s", want + 1);
	return strtod(p + strlen(want), NULL);
}

/* the registry after two updates, rendered; *@nlines: its sample lines, buckets aside */
static char *render(const struct stats_snapshot *s, size_t *nlines)
{
	struct metrics *m;
	char *text, *line, *save = NULL, *copy;
	size_t len;

	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(stats_metrics(s, m), 0);
	assert_int_equal(stats_metrics(s, m), 0);	/* the second update finds every series */
	assert_int_equal(metrics_render(m, &text, &len), 0);
	metrics_free(m);
	*nlines = 0;
	copy = strdup(text);
	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#' && !strstr(line, "_bucket{"))
			(*nlines)++;
	free(copy);
	return text;
}

/*
 * Every /metrics series and the JSON value it must equal: the names the
 * README documents, written here by hand rather than taken from the walk.
 */
static void test_metrics_equal_json(void **state)
{
	struct snap x;
	json_t *j;
	char *text, lbl[256], path[256];
	size_t nseries, expected = 0;

	(void)state;
	snap_full(&x);
	j = stats_json(&x.s);
	assert_non_null(j);
	text = render(&x.s, &nseries);

#define SAME(name, labels, p)                                                           \
	do {                                                                            \
		assert_true(series(text, name, labels) == (double)at_u(j, p));          \
		expected++;                                                             \
	} while (0)
	SAME("leasesnoop_wire_confirmed_total", "", "confirmed");
	SAME("leasesnoop_wire_unconfirmed_total", "", "unconfirmed");
	SAME("leasesnoop_queue_depth", "queue=\"dirty\"", "queue-dirty");
	SAME("leasesnoop_queue_depth", "queue=\"inflight\"", "queue-inflight");
	SAME("leasesnoop_queue_depth", "queue=\"pending-wire\"", "pending");
	SAME("leasesnoop_ring_drops_total", "", "ring/ring_full_drops");
	SAME("leasesnoop_dns_retries_total", "", "dns/retries");
	SAME("leasesnoop_owned_records", "", "store/records");
	SAME("leasesnoop_full_reconciliations_total", "", "full-runs");
	SAME("leasesnoop_last_success_timestamp_seconds", "", "last-success");
	SAME("leasesnoop_ha_state_changes_total", "", "ha/state-changes");
	SAME("leasesnoop_ha_poll_failures_total", "", "ha/failures");
	SAME("leasesnoop_names_unpublishable_total", "", "names-unpublishable");
	SAME("leasesnoop_retries_held_total", "", "retries-held");
	SAME("leasesnoop_dns_server_holds_total", "", "dns/server-holds");
	SAME("leasesnoop_dns_slow_updates_total", "", "dns/slow");
	for (int i = 0; i < DNSENGINE_STAGES; i++) {
		const char *st = dnsengine_stage_name((enum dnsengine_stage)i);
		uint64_t sum = 0;

		for (int k = 0; k <= DNSENGINE_LAT_BUCKETS; k++) {
			snprintf(path, sizeof(path), "dns/stages/%s/buckets/%d", st, k);
			sum += at_u(j, path);
			assert_int_equal(at_u(j, path), x.s.stages.lat[i][k]);
		}
		snprintf(lbl, sizeof(lbl), "stage=\"%s\"", st);
		assert_true(series(text, "leasesnoop_dns_change_stage_seconds_count", lbl) ==
			    (double)sum);
		snprintf(path, sizeof(path), "dns/stages/%s/sum-seconds", st);
		assert_true(series(text, "leasesnoop_dns_change_stage_seconds_sum", lbl) ==
			    json_real_value(at(j, path)));
		assert_true(json_real_value(at(j, path)) == x.s.stages.sum[i]);
		expected += 2;	/* _sum and _count */
	}
	SAME("leasesnoop_gss_tsig_negotiations_total", "", "dns/gss-tsig/negotiations");
	SAME("leasesnoop_gss_tsig_established_total", "", "dns/gss-tsig/established");
	SAME("leasesnoop_gss_tsig_renewals_total", "", "dns/gss-tsig/renewals");
	SAME("leasesnoop_gss_tsig_failures_total", "reason=\"credentials\"",
	     "dns/gss-tsig/credential-failures");
	SAME("leasesnoop_gss_tsig_failures_total", "reason=\"tkey\"", "dns/gss-tsig/tkey-errors");
	SAME("leasesnoop_gss_tsig_failures_total", "reason=\"timeout\"", "dns/gss-tsig/timeouts");
	SAME("leasesnoop_gss_tsig_rejected_total", "", "dns/gss-tsig/rejected");
	SAME("leasesnoop_gss_tsig_contexts", "", "dns/gss-tsig/contexts");
	SAME("leasesnoop_gss_tsig_kerberos_steps_total", "", "dns/gss-tsig/kerberos-steps");
	/* in seconds (Prometheus' base unit); the JSON has ms */
	assert_true(series(text, "leasesnoop_gss_tsig_kerberos_seconds_total", "") ==
		    (double)at_u(j, "dns/gss-tsig/kerberos-ms") / 1000);
	assert_true(series(text, "leasesnoop_gss_tsig_kerberos_max_seconds", "") ==
		    (double)at_u(j, "dns/gss-tsig/kerberos-max-ms") / 1000);
	expected += 2;
	SAME("leasesnoop_gss_tsig_kerberos_pending", "", "dns/gss-tsig/kerberos-pending");
	{
		/* failures of no other reason: metric only */
		uint64_t f = at_u(j, "dns/gss-tsig/failures"),
			 k = at_u(j, "dns/gss-tsig/credential-failures") +
			     at_u(j, "dns/gss-tsig/tkey-errors") + at_u(j, "dns/gss-tsig/timeouts");

		assert_true(series(text, "leasesnoop_gss_tsig_failures_total", "reason=\"other\"") ==
			    (double)(f > k ? f - k : 0));
		expected++;
	}
	assert_true(series(text, "leasesnoop_pending_changes", "") ==
		    (double)(at_u(j, "queue-dirty") + at_u(j, "queue-inflight")));
	assert_true(series(text, "leasesnoop_ha_active", "") == 1);
	expected += 2;
	for (int i = 1; i < LS_EV_TYPE_MAX_; i++) {
		const char *fam = i < LS_EV_V6_REPLY ? "4" : "6";
		static const char *const type[] = { "", "ack", "nak", "release", "decline",
						    "reply", "release", "decline" };

		snprintf(lbl, sizeof(lbl), "family=\"%s\",type=\"%s\",source=\"wire\"", fam, type[i]);
		snprintf(path, sizeof(path), "events/v%s-%s", fam, type[i]);
		SAME("leasesnoop_events_total", lbl, path);
		assert_int_equal(at_u(j, path), x.s.rec.events[i]);
	}
	for (int i = 1; i < LEASE_CH_MAX_; i++) {
		const char *k = leases_change_name((enum lease_change_kind)i);

		snprintf(lbl, sizeof(lbl), "family=\"any\",type=\"%s\",source=\"lease-file\"", k);
		snprintf(path, sizeof(path), "lease-changes/%s", k);
		SAME("leasesnoop_events_total", lbl, path);
	}
	for (size_t z = 0; z < 2; z++)
		for (int r = 0; r < 3; r++) {
			static const char *const res[] = { "applied", "conflict", "failed" };

			snprintf(lbl, sizeof(lbl), "zone=\"%s\",result=\"%s\"", x.zones[z].name, res[r]);
			snprintf(path, sizeof(path), "zones/%s/%s", x.zones[z].name, res[r]);
			SAME("leasesnoop_zone_changes_total", lbl, path);
		}
	for (size_t i = 0; i < json_array_size(json_object_get(j, "changes")); i++) {
		const json_t *c = json_array_get(json_object_get(j, "changes"), i);

		snprintf(lbl, sizeof(lbl), "family=\"%d\",op=\"%s\",rr=\"%s\",result=\"%s\"",
			 (int)json_integer_value(json_object_get(c, "family")),
			 json_string_value(json_object_get(c, "op")),
			 json_string_value(json_object_get(c, "rr")),
			 json_string_value(json_object_get(c, "result")));
		snprintf(path, sizeof(path), "changes/%zu/count", i);
		SAME("leasesnoop_dns_changes_total", lbl, path);
	}
	assert_int_equal(json_array_size(json_object_get(j, "changes")),
			 2 * 2 * 2 * DNSENGINE_OUTCOME_MAX_);
	for (int i = 0; i < 2; i++) {
		uint64_t sum = 0;

		snprintf(lbl, sizeof(lbl), "server=\"%s\",zone=\"dyn.example.\"", srv_a[i].text);
		snprintf(path, sizeof(path), "dns/servers/%d/messages", i);
		SAME("leasesnoop_dns_server_messages_total", lbl, path);
		snprintf(lbl, sizeof(lbl), "server=\"%s\",zone=\"dyn.example.\",reason=\"timeout\"",
			 srv_a[i].text);
		snprintf(path, sizeof(path), "dns/servers/%d/timeouts", i);
		SAME("leasesnoop_dns_server_failures_total", lbl, path);
		snprintf(lbl, sizeof(lbl), "server=\"%s\",zone=\"dyn.example.\",reason=\"network\"",
			 srv_a[i].text);
		snprintf(path, sizeof(path), "dns/servers/%d/network-errors", i);
		SAME("leasesnoop_dns_server_failures_total", lbl, path);
		for (int k = 0; k <= DNSENGINE_LAT_BUCKETS; k++) {
			snprintf(path, sizeof(path), "dns/servers/%d/latency-buckets/%d", i, k);
			sum += at_u(j, path);
		}
		snprintf(lbl, sizeof(lbl), "server=\"%s\",zone=\"dyn.example.\"", srv_a[i].text);
		assert_true(series(text, "leasesnoop_dns_update_latency_seconds_count", lbl) ==
			    (double)sum);
		snprintf(path, sizeof(path), "dns/servers/%d/latency-sum-seconds", i);
		assert_true(series(text, "leasesnoop_dns_update_latency_seconds_sum", lbl) ==
			    json_real_value(at(j, path)));
		expected++;	/* the histogram: one series */
	}
	SAME("leasesnoop_ncr_total", "result=\"accepted\"", "ncr/ncr-received");
	SAME("leasesnoop_ncr_total", "result=\"invalid\"", "ncr/ncr-invalid");
	SAME("leasesnoop_ncr_total", "result=\"error\"", "ncr/ncr-error");
	SAME("leasesnoop_verify_runs_total", "zone=\"dyn.example.\"", "verify/dyn.example./runs");
	for (int r = 0; r < 6; r++) {
		static const char *const res[] = { "missing", "wrong", "repaired", "failures",
						   "orphans-found", "orphans-removed" };

		snprintf(lbl, sizeof(lbl), "zone=\"dyn.example.\",result=\"%s\"", res[r]);
		snprintf(path, sizeof(path), "verify/dyn.example./%s", res[r]);
		SAME("leasesnoop_verify_records_total", lbl, path);
	}
	SAME("leasesnoop_verify_foreign_records", "zone=\"dyn.example.\"",
	     "verify/dyn.example./foreign");
	SAME("leasesnoop_verify_serial", "zone=\"dyn.example.\"", "verify/dyn.example./serial");
	SAME("leasesnoop_verify_last_timestamp_seconds", "zone=\"dyn.example.\"",
	     "verify/dyn.example./last-time");
	SAME("leasesnoop_store_errors_total", "", "store-errors");
	SAME("leasesnoop_shards_led", "", "lease-database-shared/held");
	SAME("leasesnoop_shards_taken_total", "", "lease-database-shared/acquired");
	SAME("leasesnoop_lease_file_bad_rows_total", "family=\"4\"", "lease-files/v4/bad-rows");
	SAME("leasesnoop_lease_file_bad_rows_total", "family=\"6\"", "lease-files/v6/bad-rows");
	SAME("process_resident_memory_bytes", "", "process/resident-memory-bytes");
	SAME("process_open_fds", "", "process/open-fds");
	SAME("process_start_time_seconds", "", "process/start-time-seconds");
	assert_true(series(text, "process_cpu_seconds_total", "") ==
		    json_real_value(at(j, "process/cpu-seconds")));
	assert_true(json_real_value(at(j, "process/cpu-seconds")) == 12.5);
	snprintf(lbl, sizeof(lbl), "version=\"%s\",compiler=\"%s\"",
		 json_string_value(at(j, "version")), __VERSION__);
	assert_true(series(text, "leasesnoop_build_info", lbl) == 1);
	expected += 2;
#undef SAME
	/* and nothing else: a metric added to the walk needs a line above (a histogram
	 * counted once above renders _sum and _count) */
	assert_int_equal(nseries, expected + 2);
	free(text);
	json_decref(j);
}

static bool json_has(const json_t *j, uint64_t v)
{
	const char *k;
	size_t i;
	json_t *x;

	if (json_is_integer(j))
		return (uint64_t)json_integer_value(j) == v;
	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, x)
			if (json_has(x, v))
				return true;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, x)
			if (json_has(x, v))
				return true;
	}
	return false;
}

/*
 * Every field of every part's counters reaches the JSON, except the few
 * listed here on purpose: a field added to a stats struct and forgotten in
 * the walk fails this test.
 */
/* /proc/self/stat as Linux writes it: a comm with spaces and ')' */
static void test_process_parse(void **state)
{
	const char *stat = "4242 (a b) c) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 1 0 "
			   "12345 1000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0";
	struct stats_process p = { 0 };

	(void)state;
	assert_int_equal(stats_process_parse(stat, 100, 4096, 1700000000, &p), 0);
	assert_true(p.cpu_s == 4.0);			/* (250 + 150) / 100 */
	assert_int_equal(p.start_time_s, 1700000000 + 123);	/* 12345 ticks after boot */
	assert_int_equal(p.rss_bytes, 300 * 4096);
	assert_int_equal(stats_process_parse("4242 (x", 100, 4096, 0, &p), -EINVAL);
	assert_int_equal(stats_process_parse("4242 (x) S 1 2", 100, 4096, 0, &p), -EINVAL);
	/* this process: running, some memory, some fds, started after boot */
	assert_int_equal(stats_process_read(&p), 0);
	assert_true(p.rss_bytes > 0 && p.open_fds >= 3 && p.start_time_s > 1000000000);
}

static void test_every_field_in_json(void **state)
{
	struct snap x;
	struct stats_snapshot *s = &x.s;
	json_t *j;
	const struct {
		const void *base;
		size_t size;
		const char *what;
	} parts[] = {
		{ &s->rec, sizeof(s->rec), "reconcile" },   { &s->dns, sizeof(s->dns), "dnsengine" },
		{ &s->adopt, sizeof(s->adopt), "adopt" },   { &s->cnt, sizeof(s->cnt), "ring" },
		{ &s->cons, sizeof(s->cons), "consumer" }, { &s->leases[0], sizeof(s->leases[0]), "v4" },
		{ &s->leases[1], sizeof(s->leases[1]), "v6" }, { &s->store, sizeof(s->store), "store" },
		{ &s->ha_stats, sizeof(s->ha_stats), "ha" },
		{ &s->shared_st, sizeof(s->shared_st), "lease-database-shared" },
		{ &s->ncr_st, offsetof(struct ncr_listen_stats, rcvbuf), "ncr" },
	};
	/* not in the JSON today, by choice (README lists what is) */
	const void *skip[] = {
		&s->rec.events[0], &s->rec.lease_changes[0], &s->dns.superseded, &s->adopt.answers,
		&s->cons.bad_size, &s->cons.bad_version, /* summed: ring.bad-records */
		&s->cons.batches,
	};
	int missing = 0;

	(void)state;
	snap_full(&x);
	j = stats_json(s);
	assert_non_null(j);
	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
		const uint64_t *u = parts[p].base;

		for (size_t i = 0; i < parts[p].size / 8; i++) {
			bool skipped = false;

			for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
				skipped |= skip[k] == (const void *)&u[i];
			/* per-table counters the walk does not show (changes: see lease-changes) */
			if (parts[p].base == &s->leases[0] || parts[p].base == &s->leases[1]) {
				const struct leases_stats *ls = parts[p].base;
				const uint64_t *f = &u[i];

				skipped |= f == &ls->truncations || f == &ls->compactions ||
					   (f >= ls->changes && f < ls->changes + LEASE_CH_MAX_);
			}
			if (!skipped && !json_has(j, u[i])) {
				print_message("# %s: field %zu (value %llu) is not in the JSON\n",
					      parts[p].what, i, (unsigned long long)u[i]);
				missing++;
			}
		}
	}
	assert_int_equal(missing, 0);
	assert_int_equal(at_u(j, "ring/bad-records"), s->cons.bad_size + s->cons.bad_version);
	assert_int_equal(at_u(j, "ha/unsent-updates"), s->ha_status.unsent_updates);
	assert_int_equal(at_u(j, "dns-retry-reports"), s->retry_reports);
	json_decref(j);
}

/* --stats --json keeps its shape: the keys, in their order, that tests and README use */
static void test_json_shape(void **state)
{
	static const char *const top[] = {
		"adopted", "adopt-probed", "removes-found-applied", "adds-found-absent", "changes", "events", "confirmed",
		"pending", "unconfirmed", "pending-dropped", "events-ignored", "lease-changes", "adds-sent", "removes-sent",
		"applied", "conflicts", "failed", "queue-dirty", "queue-inflight", "syncs",
		"full-runs", "leases-without-name", "leases-without-zone", "store-errors",
		"names-unpublishable", "names-without-forward-zone", "ncr-triggers",
		"retries-held", "zones", "last-error", "dns",
		"dns-retry-reports", "last-success", "ring", "hooks", "lease-files",
		"store", "idle", "lease-database-shared", "ha", "ncr", "verify", "version", "process",
	};
	static const char *const dns[] = { "submitted", "finished", "applied", "conflicts",
					   "failed", "messages", "bisections", "retries",
					   "rejected-replies", "pending", "server-holds",
					   "applied-checks", "already-applied",
					   "unsigned-refusals", "slow", "gss-tsig", "servers",
					   "stages", "adopt-queries",
					   "adopt-failures", "adopt-transfers",
					   "adopt-transfer-failures", "adopt-transfer-rrs",
					   "adopt-settled", "adopt-index-bytes" };
	static const char *const server[] = { "server", "zone", "messages", "replies", "timeouts",
					      "network-errors", "latency-p50-ms", "latency-p90-ms",
					      "latency-p99-ms", "latency-sum-seconds",
					      "latency-buckets", "latency-bounds", "timeout-ms",
					      "srtt-ms", "batch-size", "window", "pace-cuts" };
	static const char *const vzone[] = { "runs", "ixfr-runs", "missing", "wrong", "repaired",
					     "foreign", "failures", "serial", "last-time",
					     "last-duration-ms", "orphans-found", "orphans-removed" };
	struct snap x;
	const char *k;
	json_t *j, *v;
	size_t i = 0;

	(void)state;
	snap_full(&x);
	j = stats_json(&x.s);
	assert_non_null(j);
	json_object_foreach(j, k, v) {
		assert_true(i < sizeof(top) / sizeof(top[0]));
		assert_string_equal(k, top[i++]);
	}
	assert_int_equal(i, sizeof(top) / sizeof(top[0]));
	i = 0;
	json_object_foreach(json_object_get(j, "dns"), k, v)
		assert_string_equal(k, dns[i++]);
	assert_int_equal(i, sizeof(dns) / sizeof(dns[0]));
	i = 0;
	json_object_foreach(json_array_get(at(j, "dns/servers"), 1), k, v)
		assert_string_equal(k, server[i++]);
	assert_int_equal(i, sizeof(server) / sizeof(server[0]));
	assert_string_equal(json_string_value(at(j, "dns/servers/1/server")), "127.0.0.2#53");
	assert_int_equal(json_array_size(at(j, "dns/servers/0/latency-bounds")),
			 DNSENGINE_LAT_BUCKETS);
	{
		static const char *const stages[] = { "trigger", "queue", "server", "change" };
		static const char *const stage[] = { "p50-ms", "p90-ms", "p99-ms", "sum-seconds",
						     "buckets" };

		i = 0;
		json_object_foreach((json_t *)at(j, "dns/stages"), k, v) {
			size_t m = 0;
			const char *k2;
			json_t *v2;

			assert_string_equal(k, stages[i++]);
			json_object_foreach(v, k2, v2)
				assert_string_equal(k2, stage[m++]);
			assert_int_equal(m, 5);
			assert_int_equal(json_array_size(json_object_get(v, "buckets")),
					 DNSENGINE_LAT_BUCKETS + 1);
		}
		assert_int_equal(i, 4);
	}
	assert_string_equal(json_string_value(at(j, "zones/dyn.example./servers/1")), "127.0.0.2#53");
	assert_int_equal(json_array_size(at(j, "zones/2.0.192.in-addr.arpa./servers")), 0);
	assert_int_equal(json_object_size(at(j, "ring")), LS_CNT_MAX + 2);
	assert_int_equal(at_u(j, "ring/packets"), x.s.cnt.c[LS_CNT_PKTS]);
	assert_true(json_is_false(at(j, "idle")));
	assert_true(json_is_true(at(j, "ha/active")));
	assert_string_equal(json_string_value(at(j, "ha/state")), "hot-standby");
	assert_string_equal(json_string_value(at(j, "last-error")), "dns: no reply");
	assert_int_equal(json_object_size(at(j, "lease-files/v6")), 5);
	i = 0;
	json_object_foreach((json_t *)at(j, "verify/dyn.example."), k, v)
		assert_string_equal(k, vzone[i++]);
	assert_int_equal(i, sizeof(vzone) / sizeof(vzone[0]));
	assert_int_equal(at_u(j, "verify/dyn.example./last-duration-ms"), x.verify[0].last_ms);
	json_decref(j);
}

/* --dry-run, no interfaces, no HA: the parts that are off are absent, metrics still whole */
static void test_parts_off(void **state)
{
	struct stats_snapshot s = { .last_error = "", .idle = true, .sending = true };
	struct metrics *m;
	json_t *j;
	char *text;
	size_t len;

	(void)state;
	s.adopt.queries = 7;
	j = stats_json(&s);
	assert_non_null(j);
	assert_int_equal(json_object_size(at(j, "dns")), 7);	/* the adoption counters */
	assert_int_equal(at_u(j, "dns/adopt-queries"), 7);
	assert_int_equal(json_object_size(at(j, "ring")), 0);
	assert_int_equal(json_object_size(at(j, "lease-files")), 0);
	assert_null(at(j, "ha"));
	assert_int_equal(json_array_size(at(j, "changes")), 0);
	assert_true(json_is_true(at(j, "idle")));
	json_decref(j);
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(stats_metrics(&s, m), 0);
	assert_int_equal(metrics_render(m, &text, &len), 0);
	/* the families a dashboard expects are there, at 0 */
	assert_true(series(text, "leasesnoop_ring_drops_total", "") == 0);
	assert_true(series(text, "leasesnoop_dns_retries_total", "") == 0);
	assert_true(series(text, "leasesnoop_dns_slow_updates_total", "") == 0);
	assert_true(series(text, "leasesnoop_ha_active", "") == 1);
	assert_null(strstr(text, "leasesnoop_last_success_timestamp_seconds"));
	assert_null(strstr(text, "leasesnoop_ha_poll_failures_total"));
	free(text);
	metrics_free(m);
}

/* the statistics are built every second and per --stats: nothing may stay behind */
static void test_no_leak(void **state)
{
	struct snap x;
	struct metrics *m;

	(void)state;
	snap_full(&x);
	assert_int_equal(metrics_new(&m), 0);
	for (int i = 0; i < 2000; i++) {
		json_t *j = stats_json(&x.s);

		assert_non_null(j);
		assert_int_equal(j->refcount, 1);
		json_decref(j);
		assert_int_equal(stats_metrics(&x.s, m), 0);
	}
	metrics_free(m);
	/* LeakSanitizer checks at exit: a json_t left behind per call fails the run */
}

/* the emitter survives a string that is not UTF-8 (a lease's name in the last error) */
static void test_bad_utf8(void **state)
{
	struct stats_snapshot s = { .last_error = "bad name 'a\xff'" };
	json_t *j;

	(void)state;
	j = stats_json(&s);
	assert_non_null(j);
	assert_string_equal(json_string_value(at(j, "last-error")), "(not UTF-8)");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_equal_json),
		cmocka_unit_test(test_every_field_in_json),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_process_parse),
		cmocka_unit_test(test_parts_off),
		cmocka_unit_test(test_no_leak),
		cmocka_unit_test(test_bad_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
