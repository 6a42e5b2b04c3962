/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/stats.h - the daemon's statistics: one typed walk over the counters of
 * every part (reconciler, DNS engine, lease tables, ring, store, HA, Kea's
 * NCRs, DNS verification) and two
 * emitters on it, the JSON tree of `statistic-get-all` (`--stats --json`)
 * and the /metrics registry. Each value the walk yields carries its JSON key
 * and, when it is exported, its metric family and label values, read from
 * the same struct field: a counter added to the walk reaches both outputs,
 * and a renamed JSON key cannot leave a metric reading 0 (as Knot dumps
 * every counter through one stats_dump_ctr_f walk, src/knot/common/stats.h).
 * It sits on top, beside the daemon, because it reads the structs of every
 * part (the sync part's too); it holds no state.
 */
#ifndef LS_STATS_H
#define LS_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ringbuf/consumer.h"
#include "ringbuf/event.h"
#include "user/ctl/ha.h"
#include "user/ctl/metrics.h"
#include "user/dns/adopt.h"
#include "user/dns/dnsengine.h"
#include "user/kea/ncr_listen.h"
#include "user/lease/leases.h"
#include "user/lease/sqlfeed.h"
#include "user/sync/pgowner.h"
#include "user/sync/owner.h"
#include "user/sync/reconcile.h"
#include "user/sync/verify.h"

struct loader;

/* The objects the daemon feeds the statistics from; NULL where a part is off. */
struct stats_sources {
	const struct reconcile *rec;
	const struct dnsengine *eng;		/* NULL in --dry-run */
	struct owner *owner;
	const struct leases *tab[2];		/* v4, v6 */
	const struct loader *ldr;		/* NULL without interfaces */
	const struct consumer *cons;
	const struct ha *ha;			/* NULL without HA */
	const struct verify *ver;		/* NULL: the verifier could not start */
	const struct ncr_listen *ncr;		/* NULL without kea-ddns-updates */
	const struct sqlfeed *feed;		/* NULL: lease files are the source */
	const struct pgowner *pgo;		/* NULL: not "lease-database-shared" */
	const struct adopt_stats *adopt;
	uint64_t retry_reports;			/* engine reports that were not final */
	time_t last_success;			/* a change last applied (0: never) */
	bool sending;				/* this node sends DNS changes now */
	const char *version;			/* the build's version (argp_program_version) */
};

/* The process, as Prometheus' client libraries export it (process_* metrics). */
struct stats_process {
	double cpu_s;			/* user + system CPU time */
	uint64_t rss_bytes;		/* resident memory */
	uint64_t open_fds;
	uint64_t start_time_s;		/* Unix time the process started */
};

/*
 * stats_process_parse() - @p from the text of /proc/self/stat (@stat), the
 * clock ticks per second @tck, the page size @page and the boot time @btime
 * (Unix s, /proc/stat's btime); open_fds is left alone. Returns 0 or -EINVAL
 * (not that file's shape). Pure.
 */
int stats_process_parse(const char *stat, long tck, long page, uint64_t btime,
			struct stats_process *p);

/* stats_process_read() - @p of this process, from /proc. Returns 0 or a negative errno. */
int stats_process_read(struct stats_process *p);

/* One copy of every counter, taken at once: what the walk reads. */
struct stats_snapshot {
	bool process;				/* proc is set */
	struct stats_process proc;
	const char *version;			/* leasesnoop_build_info; NULL: none */
	struct reconcile_stats rec;
	const char *last_error;
	struct reconcile_zone_stats *zones;
	size_t nzones;
	bool engine;				/* dns and servers are set */
	struct dnsengine_stats dns;
	struct dnsengine_stage_stats stages;	/* where changes' time goes (engine on) */
	struct dnsengine_server_stats *servers;
	size_t nservers;
	struct adopt_stats adopt;
	uint64_t retry_reports;
	uint64_t last_success;
	struct stats_hook {			/* the hooks of each interface (ifaces) */
		const char *name;		/* owned by the loader */
		const char *ingress, *egress;	/* hookplan_name() */
	} *hooks;
	size_t nhooks;
	bool ring;				/* interfaces: cons is set */
	bool ring_counters;			/* and the kernel counters could be read */
	struct ls_counters cnt;
	struct consumer_stats cons;
	bool table[2];
	struct leases_stats leases[2];
	struct owner_stats store;
	bool idle, sending;
	bool feed;				/* feed_st is set */
	struct sqlfeed_stats feed_st;
	bool shared;				/* shared_st is set */
	struct pgowner_stats shared_st;
	bool ha;				/* the ha_ fields are set */
	const char *ha_socket;
	struct ha_status ha_status;
	struct ha_stats ha_stats;
	bool ncr;				/* ncr_st is set */
	struct ncr_listen_stats ncr_st;
	struct verify_zone_stats *verify;	/* per zone (allocated) */
	size_t nverify;
};

/*
 * stats_collect() - copy every counter of @src into @s (zero it first). The
 * zone, server, hook and verify lists are allocated: stats_snapshot_fini() frees them.
 * Returns 0 or -ENOMEM (@s then holds what could be copied; fini it anyway).
 */
int stats_collect(struct stats_snapshot *s, const struct stats_sources *src);

/* stats_snapshot_fini() - free what stats_collect() allocated. */
void stats_snapshot_fini(struct stats_snapshot *s);

/* How a value appears in /metrics: the family and its label names. */
struct stats_metric {
	const char *name;
	const char *help;
	enum metrics_type type;
	const char *const *labels;		/* NULL-terminated; NULL: none */
};

enum stats_kind { STATS_UINT, STATS_REAL, STATS_BOOL, STATS_STR, STATS_HIST };

/* One value of the walk (the parameters of Knot's stats_dump_ctr_f). */
struct stats_value {
	const char *key;			/* in its JSON object; NULL in an array */
	bool metric_only;			/* derived for /metrics, not in the JSON */
	enum stats_kind kind;
	uint64_t u;
	double r;
	bool b;
	const char *s;
	const uint64_t *hist;			/* STATS_HIST: DNSENGINE_LAT_BUCKETS + 1 counts */
	double hist_sum;
	const struct stats_metric *metric;	/* NULL: not exported */
	const char *const *lv;			/* the metric's label values */
};

/*
 * An emitter: open() starts a JSON object or array (@key NULL inside an
 * array), close() ends it, value() is one value. The walk opens the root
 * object first and closes it last.
 */
struct stats_emitter {
	void (*open)(void *ctx, const char *key, bool array);
	void (*close)(void *ctx);
	void (*value)(void *ctx, const struct stats_value *v);
};

/* stats_walk() - every value of @s, in the order of the JSON output, to @em. */
void stats_walk(const struct stats_snapshot *s, const struct stats_emitter *em, void *ctx);

/* stats_json() - the JSON emitter: a new object (json_decref()), or NULL on -ENOMEM. */
json_t *stats_json(const struct stats_snapshot *s);

/*
 * stats_metrics() - the metrics emitter: set every exported value of @s in
 * @m (families and series are created the first time). Returns 0, or the
 * first error of the registry (the other values are still set).
 */
int stats_metrics(const struct stats_snapshot *s, struct metrics *m);

#endif
