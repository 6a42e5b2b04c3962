/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/gsswork.h - one worker thread for the calls that may wait on a
 * network the event loop does not see: GSS-API's Kerberos exchanges with a
 * KDC (gss_acquire_cred_from(), the first gss_init_sec_context()), which
 * block for krb5's kdc_timeout per KDC and retry when none answers. The
 * loop submits jobs; the worker runs them one at a time, in order; a
 * finished job is handed back through a queue and an eventfd the loop
 * watches (gsswork_fd()), and the loop applies its result. A job belongs to
 * one thread at a time: the worker from gsswork_submit() until it is on
 * the done queue, the loop again after gsswork_done().
 *
 * gsswork_free() never waits for a job that is running: the worker is
 * detached, finishes that job, drops it (its drop callback, on the worker)
 * and frees the queue itself.
 */
#ifndef LS_GSSWORK_H
#define LS_GSSWORK_H

#include <stdint.h>

struct gsswork;

struct gsswork_job {
	/* on the worker: the blocking part; everything it touches belongs to the job */
	void (*run)(struct gsswork_job *j);
	/* frees a job nobody will take back (after gsswork_free()), on either thread */
	void (*drop)(struct gsswork_job *j);
	uint64_t run_ms;		/* set by the worker: how long run() took */
	struct gsswork_job *next;	/* the queue's */
};

struct gsswork_stats {
	uint64_t jobs;			/* jobs run to the end */
	uint64_t run_ms;		/* their time in run(), summed */
	uint64_t max_ms;		/* the longest */
	unsigned int busy;		/* submitted and not taken back yet: queued, running or done */
};

/* gsswork_new() - the queue, its eventfd and the worker thread. 0 or -errno. */
int gsswork_new(struct gsswork **out);

/* gsswork_free() - stop the worker after its current job, without waiting for it. NULL is a no-op. */
void gsswork_free(struct gsswork *w);

/* gsswork_fd() - readable when finished jobs wait for gsswork_done(). */
int gsswork_fd(const struct gsswork *w);

/* gsswork_submit() - queue @j for the worker; it is the worker's until gsswork_done() returns it. */
void gsswork_submit(struct gsswork *w, struct gsswork_job *j);

/*
 * gsswork_done() - the jobs finished since the last call, oldest first (a
 * list through ->next), or NULL. Clears gsswork_fd()'s readiness. The loop's.
 */
struct gsswork_job *gsswork_done(struct gsswork *w);

/* gsswork_get_stats() - copy the counters. */
void gsswork_get_stats(const struct gsswork *w, struct gsswork_stats *st);

#endif
