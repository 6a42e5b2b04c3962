/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/sync/stampq.h - the times at which the items of a FIFO kept
 * elsewhere were queued, for measuring how long each waited: one push per
 * enqueue, one pop per dequeue, in the same order. Run-length coded (one
 * run per distinct millisecond), so a full pass that queues a million
 * addresses within a few hundred ms costs a few hundred runs, not a
 * million stamps. Never fails its caller: without memory, a push joins
 * the last run (an older time) or is counted as unknown (pop gives 0).
 */
#ifndef LS_STAMPQ_H
#define LS_STAMPQ_H

#include <stddef.h>
#include <stdint.h>

struct stampq_run {
	uint64_t ms;
	uint64_t count;
};

struct stampq {
	struct stampq_run *run;		/* ring of cap runs, n used from head */
	size_t cap, head, n;
	uint64_t unknown;		/* pushes that found no memory and no run to join */
};

/* stampq_push() - one item queued at @ms (times never go back: an earlier @ms joins the last run). */
void stampq_push(struct stampq *q, uint64_t ms);

/* stampq_pop() - the time the oldest item was queued; 0 when unknown or empty. */
uint64_t stampq_pop(struct stampq *q);

/* stampq_fini() - free the runs; @q is empty after. */
void stampq_fini(struct stampq *q);

#endif
