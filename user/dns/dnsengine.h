/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dnsengine.h - the DNS update engine the reconciler drives. It takes
 * lease-level changes (add or remove one address's forward A/AAAA + DHCID and
 * reverse PTR + DHCID), runs each through the RFC 4703 sequence of the
 * chosen Kea conflict-resolution mode, packs the steps of many changes for
 * the same zone into one TSIG-signed UPDATE, bisects a batch whose
 * prerequisites fail (or that is REFUSED, FORMERR or NOTZONE, which one name
 * can cause) so every other change still lands, holds back a server that
 * refuses our key or is not authoritative (exponential backoff per zone and
 * server, so a wrong key costs a few UPDATEs a minute), and reports one
 * final outcome per change. It never drops a change: transport failures
 * (timeout, refused connection, SERVFAIL, every server down) are retried
 * with exponential backoff, jitter and failover, for as long as it takes.
 * It decides no policy: what to add or remove is the caller's business.
 */
#ifndef LS_DNSENGINE_H
#define LS_DNSENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/dns/dhcid.h"
#include "user/dns/zones.h"

enum dnsengine_op { DNSENGINE_ADD = 0, DNSENGINE_REMOVE };

/* Kea's conflict-resolution-mode values, same names and semantics. */
enum dnsengine_mode {
	DNSENGINE_CHECK_WITH_DHCID = 0,		/* RFC 4703 */
	DNSENGINE_NO_CHECK_WITH_DHCID,		/* overwrite, still write DHCID */
	DNSENGINE_CHECK_EXISTS_WITH_DHCID,	/* any DHCID at the name counts as ours */
	DNSENGINE_NO_CHECK_WITHOUT_DHCID,	/* overwrite, no DHCID at all */
};

enum dnsengine_outcome {
	DNSENGINE_PENDING = 0,	/* not final (only in progress reports) */
	DNSENGINE_APPLIED,	/* the server applied it */
	DNSENGINE_CONFLICT,	/* prerequisites say the name/PTR belongs to someone else (or is gone) */
	DNSENGINE_SKIPPED,	/* not requested, or reverse not done because forward failed */
	DNSENGINE_NOZONE,	/* no configured domain matches the name */
	DNSENGINE_REFUSED,	/* server said REFUSED (policy) */
	DNSENGINE_NOTAUTH,	/* server said NOTAUTH (not authoritative, or TSIG rejected) */
	DNSENGINE_NOTZONE,	/* server said NOTZONE */
	DNSENGINE_FORMERR,	/* server said FORMERR for this change alone */
	DNSENGINE_BADSIG,	/* server could not verify our signature */
	DNSENGINE_BADKEY,	/* server does not know our key */
	DNSENGINE_BADTIME,	/* clocks differ by more than the fudge */
	DNSENGINE_TIMEOUT,	/* progress only: no reply in time, will retry */
	DNSENGINE_NETERR,	/* progress only: connection failed or SERVFAIL, will retry */
	DNSENGINE_SUPERSEDED,	/* a newer change for the same name and address came before this one was sent */
	DNSENGINE_OUTCOME_MAX_,
};

struct dnsengine_change {
	enum dnsengine_op op;
	enum dnsengine_mode mode;
	bool fwd, rev;			/* which sides to change */
	int family;			/* 4 or 6 */
	uint8_t addr[16];		/* v4: first 4 bytes */
	char fqdn[ZONES_NAME_MAX];	/* presentation form, trailing dot optional */
	uint8_t dhcid[DHCID_RDATA_LEN];	/* RDATA (dhcid_compute()); unused without DHCID */
	uint32_t ttl;			/* for added records */
	/*
	 * 0: @addr is an address. 1..127 (family 6, reverse side only): @addr is
	 * a delegated prefix whose PTR (+ DHCID) lives at the prefix's
	 * nibble-aligned reverse name (zones_reverse_prefix()).
	 */
	uint8_t prefix_len;
	void *user;			/* the caller's, handed back in the callback */
	/*
	 * When the caller's trigger for this change happened (the address was
	 * marked dirty), dnsio_now_ms() clock; 0: unknown. Only measured
	 * (DNSENGINE_STAGE_TRIGGER), never acted on.
	 */
	uint64_t trigger_ms;
};

struct dnsengine_result {
	enum dnsengine_outcome fwd, rev;
	bool final;			/* false: a progress report, the change is still pending */
};

/*
 * dnsengine_done_fn - called once with final = true per submitted change
 * (then the engine forgets it), and with final = false each time one of its
 * messages failed in transit and is being retried. @c is valid only during
 * the call. The callback may submit new changes.
 */
typedef void (*dnsengine_done_fn)(void *cbarg, const struct dnsengine_change *c,
				  const struct dnsengine_result *r);

struct dnsengine_opts {
	unsigned int max_changes_per_msg;	/* default 1000 */
	unsigned int max_msg_bytes;		/* default 65535 (TCP); TSIG included */
	/*
	 * UPDATE messages pipelined per zone, default 4. Knot 3.2.6 merges queued
	 * UPDATEs into one commit and crashed (SIGSEGV) on 8 pipelined
	 * 1,000-change removal messages; 4 has been safe on Knot and BIND.
	 */
	unsigned int max_inflight_per_zone;
	/*
	 * Per message: the first timeout and the least one, default 2000. Each
	 * (server, zone) then times out at its measured latency (RFC 6298:
	 * smoothed RTT + 4 x variation), between timeout_ms and timeout_max_ms
	 * (default 15000), doubling after each message left unanswered. A
	 * server slower than that gets smaller batches (latency_target_ms).
	 */
	unsigned int timeout_ms;
	unsigned int timeout_max_ms;
	/*
	 * Queueing delay (reply latency above the least seen from that server
	 * for that zone) past which changes per message and messages in flight
	 * are halved, default 1000; below it they grow back (AIMD) up to
	 * max_changes_per_msg and max_inflight_per_zone.
	 */
	unsigned int latency_target_ms;
	unsigned int backoff_base_ms;		/* default 100 */
	unsigned int backoff_max_ms;		/* default 30000 */
	bool udp_single;			/* a lone change that fits 512 bytes goes over UDP */
};

struct dnsengine_stats {
	uint64_t submitted, finished, applied, conflicts, failed;
	uint64_t messages, bisections, retries, rejected_replies, superseded;
	/*
	 * a resent batch whose prerequisites failed is checked first with one
	 * prerequisite-only UPDATE (our address and DHCID in place?): checks
	 * sent, and batches found already applied (not bisected)
	 */
	uint64_t applied_checks, already_applied;
	uint64_t pending;
	/*
	 * times a server was held back for a zone after refusing a whole message
	 * for our key (BADSIG, BADKEY, BADTIME) or NOTAUTH: no UPDATE goes to it
	 * for that zone for a backoff that doubles per refusal in a row
	 * (backoff_base_ms .. backoff_max_ms)
	 */
	uint64_t server_holds;
	uint64_t unsigned_refusals;	/* REFUSED/NOTAUTH answered without a TSIG to a signed UPDATE */
	uint64_t slow;			/* UPDATEs waited on over TCP past their timeout (dnsio) */
	/* GSS-TSIG contexts (user/dns/gss.h, struct gss_stats); zero without GSS-TSIG servers */
	uint64_t gss_negotiations, gss_established, gss_renewals, gss_failures;
	uint64_t gss_cred_failures, gss_tkey_errors, gss_timeouts, gss_rejected, gss_contexts;
	uint64_t gss_krb_steps, gss_krb_ms, gss_krb_max_ms, gss_krb_pending;
};

/*
 * Per server and zone: UPDATE messages sent, verified replies and the time
 * from handing each message to the transport to its verified reply, in
 * DNSENGINE_LAT_BUCKETS fixed buckets (dnsengine_lat_bounds, seconds;
 * counts per bucket, not cumulative, the last one above every bound).
 * Replies the engine rejects (wrong ID, zone, TSIG) are not replies here.
 */
#define DNSENGINE_LAT_BUCKETS 14
extern const double dnsengine_lat_bounds[DNSENGINE_LAT_BUCKETS];

struct dnsengine_server_stats {
	const char *server;		/* "ip#port", valid while the engine lives */
	const char *zone;		/* the zone's name, with trailing dot */
	uint64_t sent, replies, timeouts, neterrs;
	uint64_t lat[DNSENGINE_LAT_BUCKETS + 1];
	double lat_sum;			/* seconds, over every reply */
	/* the pace (user/dns/pace.h): timeout, smoothed RTT, changes per message, window */
	unsigned int timeout_ms, srtt_ms, batch, window;
	uint64_t cuts;			/* times batch and window were halved */
};

/*
 * Where a change's time goes, per side (unit) or per change, in the same
 * buckets as the servers' latency: TRIGGER, the caller's trigger to
 * dnsengine_submit() (dnsengine_change.trigger_ms); QUEUE, a side queued (at
 * submit, or when its forward side is done, or at its next RFC 4703 step)
 * to its first UPDATE handed to the transport (waiting for an in-flight
 * slot, a busy owner name, a backoff); SERVER, each UPDATE's send to its
 * verified reply, once per side it carried; CHANGE, submit to the final
 * report of the whole change (both sides, retries included).
 */
enum dnsengine_stage {
	DNSENGINE_STAGE_TRIGGER = 0,
	DNSENGINE_STAGE_QUEUE,
	DNSENGINE_STAGE_SERVER,
	DNSENGINE_STAGE_CHANGE,
	DNSENGINE_STAGES,
};

struct dnsengine_stage_stats {
	uint64_t lat[DNSENGINE_STAGES][DNSENGINE_LAT_BUCKETS + 1];	/* per bucket */
	double sum[DNSENGINE_STAGES];					/* seconds */
};

struct dnsengine;

/* dnsengine_opts_default() - fill @o with the defaults above. */
void dnsengine_opts_default(struct dnsengine_opts *o);

/*
 * dnsengine_new() - an engine sending to the domains of @z (which must
 * outlive it), with options @o (NULL: defaults), reporting through @cb.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int dnsengine_new(struct dnsengine **out, const struct zones *z, const struct dnsengine_opts *o,
		  dnsengine_done_fn cb, void *cbarg);

/* dnsengine_free() - close sockets; pending changes are dropped silently. NULL is a no-op. */
void dnsengine_free(struct dnsengine *e);

/*
 * dnsengine_submit() - queue a copy of @c. Changes to the same owner name
 * are applied in submission order. A change for the same name and address
 * as one still queued and not yet sent supersedes it: the older one is
 * reported final with DNSENGINE_SUPERSEDED (during this call) and never
 * sent. Nothing is sent until dnsengine_run(). Returns 0, -EINVAL (bad
 * name, an add of a name zones_name_check() refuses, bad family or missing
 * side), or -ENOMEM.
 */
int dnsengine_submit(struct dnsengine *e, const struct dnsengine_change *c);

/*
 * dnsengine_run() - one turn of the loop: send what can be sent, wait up to
 * @timeout_ms for replies, handle them and the timers. Returns >= 0 or a
 * negative errno (-EINTR is normal).
 */
int dnsengine_run(struct dnsengine *e, int timeout_ms);

/*
 * dnsengine_drain() - dnsengine_run() until nothing is pending or
 * @timeout_ms passed (< 0: no limit). Returns the number still pending.
 */
size_t dnsengine_drain(struct dnsengine *e, int timeout_ms);

/* dnsengine_fd() - an fd (epoll) that is readable when dnsengine_run() has work. */
int dnsengine_fd(const struct dnsengine *e);

/*
 * dnsengine_gss_fd() - a second fd, readable when a GSS-TSIG negotiation's
 * Kerberos step (run on a worker thread) has finished and dnsengine_run()
 * has work; -1 when no server uses GSS-TSIG. Watch it beside dnsengine_fd().
 */
int dnsengine_gss_fd(const struct dnsengine *e);

/* dnsengine_pending() - changes submitted and not yet reported final. */
size_t dnsengine_pending(const struct dnsengine *e);

/* dnsengine_get_stats() - copy the counters. */
void dnsengine_get_stats(const struct dnsengine *e, struct dnsengine_stats *st);

/* dnsengine_servers() - how many (zone, server) pairs dnsengine_server_stats() reports. */
size_t dnsengine_servers(const struct dnsengine *e);

/* dnsengine_server_stats() - copy pair @i's counters. Returns 0 or -ENOENT. */
int dnsengine_server_stats(const struct dnsengine *e, size_t i, struct dnsengine_server_stats *st);

/* dnsengine_stage_stats() - copy the stage histograms. */
void dnsengine_stage_stats(const struct dnsengine *e, struct dnsengine_stage_stats *st);

/* dnsengine_stage_name() - "trigger", "queue", "server", "change". */
const char *dnsengine_stage_name(enum dnsengine_stage s);

/*
 * dnsengine_hist_quantile() - the @q quantile (0..1) in seconds of the
 * DNSENGINE_LAT_BUCKETS + 1 counts @lat, as dnsengine_lat_quantile().
 */
double dnsengine_hist_quantile(const uint64_t *lat, double q);

/*
 * dnsengine_lat_quantile() - the @q quantile (0..1) of @st's latency in
 * seconds, interpolated inside its bucket as Prometheus'
 * histogram_quantile() does; 0 without replies.
 */
double dnsengine_lat_quantile(const struct dnsengine_server_stats *st, double q);

/* dnsengine_outcome_name() - "applied", "conflict", … */
const char *dnsengine_outcome_name(enum dnsengine_outcome o);

/* dnsengine_mode_parse() - Kea's mode name to enum dnsengine_mode, or -EINVAL. */
int dnsengine_mode_parse(const char *s);

#endif
