/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/gss.h - GSS-TSIG (RFC 3645) security contexts for the update engine,
 * on MIT Kerberos' GSS-API (libgssapi-krb5). Per DNS server (and settings,
 * struct zones_gss) it holds one current context: credentials from a keytab
 * (gss_acquire_cred_from(), tickets kept in a private MEMORY: cache) or from
 * a credentials cache, a TKEY exchange (user/dns/tkey.h) over the engine's
 * own transport, so nothing waits on the DNS server, and a struct tsig_key
 * whose MAC is the context's MIC. A context is renewed rekey-interval after
 * it was made (the old one signs until the new one is there), never used
 * after it expires (tkey-lifetime, or the Kerberos ticket's end), dropped
 * when the server no longer knows it (BADKEY), and a failed negotiation is
 * retried after 1 s, 2 s, 4 s … up to retry-interval. Contexts are
 * reference-counted: a message signed with one keeps it until its reply is
 * verified, even after a renewal.
 *
 * The Kerberos part of a negotiation (credentials, a ticket from the KDC:
 * gss_acquire_cred_from() and the first gss_init_sec_context()) runs on a
 * worker thread (user/dns/gsswork.h), never on the caller's: a few
 * milliseconds against a reachable KDC, krb5's kdc_timeout per KDC and
 * retry when none answers, and meanwhile the caller's loop goes on. Its
 * result comes back through gss_fd(): the caller calls gss_poll() when
 * that is readable, and the TKEY exchange (over @io) starts from there.
 * Signing and verifying with an established context (gss_get_mic(),
 * gss_verify_mic()) are local and stay on the caller's thread; a context
 * belongs to one thread at a time.
 */
#ifndef LS_GSS_H
#define LS_GSS_H

#include <stdbool.h>
#include <stdint.h>

#include "user/dns/dnsio.h"
#include "user/dns/tsig.h"
#include "user/dns/zones.h"

struct gss;
struct gss_peer;
struct gss_ctx;

struct gss_stats {
	uint64_t negotiations;		/* TKEY exchanges started */
	uint64_t established;		/* contexts established */
	uint64_t renewals;		/* negotiations that replaced a context (rekey or expiry) */
	uint64_t failures;		/* negotiations that failed, whatever the reason */
	uint64_t cred_failures;		/* of which: no credentials, KDC unreachable, unknown principal */
	uint64_t tkey_errors;		/* of which: the server's TKEY answer: an error, or not verifiable */
	uint64_t timeouts;		/* of which: no answer to the TKEY query */
	uint64_t rejected;		/* contexts the server stopped accepting (BADKEY, BADSIG) */
	uint64_t contexts;		/* usable contexts now */
	uint64_t kerberos_steps;	/* Kerberos steps (credentials, ticket) run on the worker */
	uint64_t kerberos_ms;		/* their time, summed (ms) */
	uint64_t kerberos_max_ms;	/* the longest one (ms) */
	uint64_t kerberos_pending;	/* steps queued or running now */
};

/* The pure timing decision behind every use of a server's contexts. */
struct gss_timing {
	bool have;			/* a current context exists */
	bool negotiating;		/* a TKEY exchange is under way */
	uint64_t established;		/* ms (dnsio_now_ms()) the current one was made */
	uint64_t expires;		/* ms it stops being valid */
	uint64_t retry_at;		/* ms before which no new negotiation starts */
};

enum gss_plan {
	GSS_PLAN_WAIT = 0,		/* nothing usable; a negotiation runs or is not due */
	GSS_PLAN_NEGOTIATE,		/* nothing usable; start one */
	GSS_PLAN_USE,			/* sign with the current context */
	GSS_PLAN_USE_RENEW,		/* sign with it, and start its successor */
};

/*
 * gss_plan() - what to do at @now for a server in state @t with settings
 * @cfg. A context counts as usable until a tenth of its life (at most 10 s)
 * before it expires, so a message signed with it reaches the server in
 * time. Pure.
 */
enum gss_plan gss_plan(const struct gss_timing *t, const struct zones_gss *cfg, uint64_t now);

/*
 * gss_backoff_ms() - the wait after the @failures-th failed negotiation in a
 * row (1 s doubling, at most @retry_interval_s seconds, at least 1 s). Pure.
 */
uint64_t gss_backoff_ms(unsigned int failures, uint32_t retry_interval_s);

/* gss_new() - contexts negotiated over @io (which must outlive them). 0 or -ENOMEM. */
int gss_new(struct gss **out, struct dnsio *io);

/*
 * gss_free() - delete every context and credential. A Kerberos step still
 * running is not waited for: the worker drops it when krb5 returns. NULL
 * is a no-op.
 */
void gss_free(struct gss *g);

/* gss_fd() - readable when Kerberos steps have finished: call gss_poll(). */
int gss_fd(const struct gss *g);

/*
 * gss_poll() - take the finished Kerberos steps back: send their TKEY
 * queries, or count and log their failures. Never blocks.
 */
void gss_poll(struct gss *g);

/* gss_busy() - are Kerberos steps queued or running (so gss_fd() will become readable)? */
bool gss_busy(const struct gss *g);

/*
 * gss_peer_get() - the context holder for server @p with settings @cfg
 * (both must outlive @g), made on first use and shared by the zones that
 * use the same server and settings. NULL on -ENOMEM.
 */
struct gss_peer *gss_peer_get(struct gss *g, struct dnsio_peer *p, const struct zones_gss *cfg);

/*
 * gss_peer_ready() - can @gp sign now? Starts a negotiation when one is due
 * (gss_plan()): its Kerberos step goes to the worker, this returns at once.
 * Failures are counted and logged (here, in gss_poll() or in the TKEY
 * answer's callback), one line per failed negotiation naming the server,
 * the principal and GSS-API's reason.
 */
bool gss_peer_ready(struct gss_peer *gp, uint64_t now);

/*
 * gss_peer_ctx() - a reference to @gp's current context (after
 * gss_peer_ready() said true), or NULL. Release it with gss_ctx_put().
 */
struct gss_ctx *gss_peer_ctx(struct gss_peer *gp);

/* gss_ctx_key() - the TSIG key that signs with @c (algorithm gss-tsig., the context's name). */
const struct tsig_key *gss_ctx_key(const struct gss_ctx *c);

/* gss_ctx_put() - drop a reference; the last one deletes the context. NULL is a no-op. */
void gss_ctx_put(struct gss_ctx *c);

/*
 * gss_peer_rejected() - the server refused a message signed with @c (TSIG
 * BADKEY or BADSIG: it lost or never had the context). @c stops being
 * current so the next use negotiates again. Returns the number of such
 * refusals in a row for @gp (gss_peer_accepted() resets it).
 */
unsigned int gss_peer_rejected(struct gss_peer *gp, struct gss_ctx *c);

/* gss_peer_accepted() - a reply signed with @gp's context was verified. */
void gss_peer_accepted(struct gss_peer *gp);

/* gss_peer_name() - the server principal, for logs. */
const char *gss_peer_name(const struct gss_peer *gp);

/*
 * gss_peer_wait_ms() - ms until @gp's next try after a failed negotiation
 * (0: due now), or -1 when it waits for none (it has a context, or one is
 * under way).
 */
int gss_peer_wait_ms(const struct gss_peer *gp, uint64_t now);

/* gss_get_stats() - copy the counters. */
void gss_get_stats(const struct gss *g, struct gss_stats *st);

#endif
