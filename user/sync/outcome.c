// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/sync/outcome.c - the verdict on a change's final result, as
 * reconcile_done() used to work it out inline.
 */
#include "user/sync/outcome.h"

bool outcome_failed(enum dnsengine_outcome x)
{
	return x != DNSENGINE_APPLIED && x != DNSENGINE_CONFLICT && x != DNSENGINE_SKIPPED &&
	       x != DNSENGINE_NOZONE && x != DNSENGINE_PENDING;
}

static struct outcome add_outcome(const struct dnsengine_change *c,
				  const struct dnsengine_result *res, bool had_fwd, bool had_rev)
{
	/* a side not sent keeps the intent's (shared mode: resume_add() sends one side) */
	struct outcome o = {
		.fwd = c->fwd ? res->fwd == DNSENGINE_APPLIED : had_fwd,
		.rev = c->rev ? res->rev == DNSENGINE_APPLIED : had_rev,
	};

	if (o.fwd || o.rev)
		o.v = OUTCOME_ADDED;
	else if (res->fwd == DNSENGINE_CONFLICT || res->rev == DNSENGINE_CONFLICT)
		o.v = OUTCOME_CONFLICT;
	else
		o.v = OUTCOME_ADD_FAILED;
	o.partial = c->fwd && c->rev && o.fwd != o.rev;
	return o;
}

static struct outcome remove_outcome(const struct dnsengine_change *c,
				     const struct dnsengine_result *res, bool had_fwd, bool had_rev)
{
	struct outcome o = { .fwd = had_fwd, .rev = had_rev };

	/* a side is gone unless the server refused: conflict = not ours any more */
	if (c->fwd && !outcome_failed(res->fwd) && res->fwd != DNSENGINE_SKIPPED)
		o.fwd = false;
	if (c->rev && !outcome_failed(res->rev) && res->rev != DNSENGINE_SKIPPED)
		o.rev = false;
	/*
	 * forward not ours (a conflict): still remove our PTR alone. The engine
	 * also skips the reverse side when the forward one was refused: that
	 * is a failure, left for the next full pass, never resent at once
	 */
	o.resync = c->rev && res->rev == DNSENGINE_SKIPPED && o.rev &&
		   !(c->fwd && outcome_failed(res->fwd));
	if (!o.fwd && !o.rev) {
		o.v = OUTCOME_REMOVED;
		o.resync = true;	/* a new binding may be waiting for this one to go */
	} else {
		o.v = o.resync ? OUTCOME_REMOVE_REST : OUTCOME_REMOVE_FAILED;
	}
	return o;
}

struct outcome outcome_decide(const struct dnsengine_change *c, const struct dnsengine_result *res,
			      bool had_fwd, bool had_rev)
{
	if (c->op == DNSENGINE_ADD)
		return add_outcome(c, res, had_fwd, had_rev);
	return remove_outcome(c, res, had_fwd, had_rev);
}
