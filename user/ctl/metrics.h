/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/metrics.h - a small metrics registry and its optional Prometheus
 * endpoint. The daemon declares families (counter, gauge, histogram; a name,
 * help text and label names) and the series it needs (one per label set),
 * then updates series with plain atomic operations: no lock on the hot
 * path. A scrape renders the text exposition format (version 0.0.4) from
 * those atomics on libmicrohttpd's own thread, holding the registry lock only
 * to walk the list of series, so a scrape never blocks the pipeline. The
 * endpoint listens on loopback (127.0.0.1:9547 by default) and refuses any
 * other address unless the configuration sets "allow-remote".
 */
#ifndef LS_METRICS_H
#define LS_METRICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/ctl/confread.h"

enum metrics_type { METRICS_COUNTER = 0, METRICS_GAUGE, METRICS_HISTOGRAM };

#define METRICS_LABELS_MAX 6
#define METRICS_BUCKETS_MAX 24
#define METRICS_DEFAULT_LISTEN "127.0.0.1:9547"

struct metrics;
struct metrics_family;
struct metrics_series;

/* metrics_new() - an empty registry. Returns 0 or -ENOMEM. */
int metrics_new(struct metrics **out);

/* metrics_free() - free the registry and every family and series; NULL is a no-op. */
void metrics_free(struct metrics *m);

/*
 * metrics_family_add() - declare a family: @name and @labels (NULL-terminated,
 * up to METRICS_LABELS_MAX; NULL for none) in Prometheus syntax, @help
 * (any text), and for histograms @n_buckets ascending upper bounds (+Inf is
 * implied). Declaring an existing name again with the same type returns it.
 * Returns 0, -EINVAL (bad name, label, buckets, or the name taken by
 * another type) or -ENOMEM.
 */
int metrics_family_add(struct metrics *m, enum metrics_type type, const char *name,
		       const char *help, const char *const *labels, const double *buckets,
		       int n_buckets, struct metrics_family **out);

/*
 * metrics_series_get() - the series of @f with label @values (one per label
 * name, in order; NULL when the family has none), created at 0 if new.
 * Handles stay valid until metrics_free(). Takes the registry lock: get
 * handles once, update them often. Returns 0, -EINVAL or -ENOMEM.
 */
int metrics_series_get(struct metrics_family *f, const char *const *values,
		       struct metrics_series **out);

/* metrics_add() - add @v to a counter (v >= 0) or a gauge. Lock-free. */
void metrics_add(struct metrics_series *s, double v);

/* metrics_set() - set a gauge, or a counter mirrored from a monotonic source. Lock-free. */
void metrics_set(struct metrics_series *s, double v);

/* metrics_observe() - one observation of a histogram. Lock-free. */
void metrics_observe(struct metrics_series *s, double v);

/*
 * metrics_histogram_set() - set a histogram mirrored from a source that
 * keeps its own buckets with the family's bounds: @counts per bucket (not
 * cumulative), @n of them (the family's buckets + 1, the last above every
 * bound), and @sum. Lock-free. Returns 0 or -EINVAL (not a histogram, or
 * another number of buckets).
 */
int metrics_histogram_set(struct metrics_series *s, const uint64_t *counts, int n, double sum);

/* metrics_value() - a counter's or gauge's value; a histogram's count. */
double metrics_value(const struct metrics_series *s);

/*
 * metrics_render() - the whole registry in the text exposition format, in a
 * new NUL-terminated buffer *@out (free()) of *@len bytes. Returns 0 or -ENOMEM.
 */
int metrics_render(struct metrics *m, char **out, size_t *len);

/* The "metrics" map of the Leasesnoop configuration. */
struct metrics_config {
	bool enabled;			/* the map is present */
	char listen[64];		/* "listen": "ADDR:PORT" or "[ADDR6]:PORT", numeric */
	bool allow_remote;		/* "allow-remote": listen beyond loopback */
	unsigned int max_conns;		/* "max-connections", default 64 */
	unsigned int max_conns_per_ip;	/* "max-connections-per-ip", default 8 */
	unsigned int conn_timeout_s;	/* "connection-timeout" (s) of an idle connection, default 10 */
};

#define METRICS_DEFAULT_MAX_CONNS	64
#define METRICS_DEFAULT_MAX_PER_IP	8
#define METRICS_DEFAULT_CONN_TIMEOUT_S	10

/* One held connection, as metrics_pick_victim() sees it. */
struct metrics_slot {
	uint8_t ip[16];		/* the client's address (v4 as ::ffff:a.b.c.d) */
	int64_t since_ms;	/* waiting for a request since (CLOCK_MONOTONIC ms) */
	int answering;		/* a request is being answered: never dropped */
};

/*
 * metrics_pick_victim() - a client at @ip connects while @n connections are
 * held: the index of the one to drop first, -1 when it may simply be added,
 * -2 when it must be refused (nothing can be dropped). At @per_ip
 * connections of @ip: that address's oldest waiting one; at @max: the
 * oldest waiting one of the address holding the most. So idle connections,
 * however many, never keep a scrape out. Pure.
 */
int metrics_pick_victim(const struct metrics_slot *slots, size_t n, const uint8_t ip[16],
			size_t max, size_t per_ip);

/*
 * metrics_config_items - the "metrics" map for user/ctl/confread.h (into a
 * struct metrics_config); metrics_config_check() - the loopback rule.
 * METRICS_CONFIG_ITEM(key, off) is the map's item in a table whose struct
 * holds a struct metrics_config at @off: .enabled is set when present.
 */
extern const struct confread_item metrics_config_items[];
int metrics_config_check(struct confread *cr, const char *key, void *field, void *base);
#define METRICS_CONFIG_ITEM(k, off) \
	{ .key = (k), .type = CONFREAD_MAP, .offset = (off), .sub = metrics_config_items, \
	  .seen_offset = 1 + offsetof(struct metrics_config, enabled), \
	  .check = metrics_config_check }

/*
 * metrics_config_parse() - fill @c from the "metrics" map @obj (NULL: off).
 * Checks the address syntax and the loopback rule; confread's messages name
 * the key path (metrics.…) and @file. Returns 0, LS_ECONFIG or -ENOMEM.
 */
int metrics_config_parse(const json_t *obj, const char *file, struct metrics_config *c);

struct metrics_server;

/*
 * metrics_server_open() - serve GET /metrics for @m on @c->listen from
 * libmicrohttpd's internal thread (port 0 picks a free port, see
 * metrics_server_port()). @m must outlive the server. Returns 0,
 * LS_ECONFIG (bad or non-loopback address without allow-remote) or LS_EHTTP.
 */
int metrics_server_open(struct metrics_server **out, struct metrics *m,
			const struct metrics_config *c);

/* metrics_server_port() - the TCP port it listens on. */
int metrics_server_port(const struct metrics_server *s);

/* metrics_server_scrapes() - how many /metrics requests were answered. */
uint64_t metrics_server_scrapes(const struct metrics_server *s);

/* metrics_server_evicted() - connections dropped at a limit to let a newer one in. */
uint64_t metrics_server_evicted(const struct metrics_server *s);

/* metrics_server_close() - stop the thread and close the socket; NULL is a no-op. */
void metrics_server_close(struct metrics_server *s);

#endif
