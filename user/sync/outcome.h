/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/sync/outcome.h - what the final result of a submitted change means
 * for its binding: added, a conflict, failed, removed, or a removal that
 * left our PTR alone to go. Pure: reconcile_done() applies the verdict
 * (owner store, hold, log lines, requeue).
 */
#ifndef LS_OUTCOME_H
#define LS_OUTCOME_H

#include <stdbool.h>

#include "user/dns/dnsengine.h"

enum outcome_verdict {
	OUTCOME_ADDED,		/* an add: at least one side is in DNS */
	OUTCOME_CONFLICT,	/* an add: the name belongs to another client */
	OUTCOME_ADD_FAILED,	/* an add: neither side made it, no conflict */
	OUTCOME_REMOVED,	/* a removal: nothing of ours is left */
	OUTCOME_REMOVE_REST,	/* a removal: only our PTR is left; ask again at once */
	OUTCOME_REMOVE_FAILED,	/* a removal: the server refused a side */
};

struct outcome {
	enum outcome_verdict v;
	bool fwd, rev;		/* the sides of ours in DNS afterwards */
	bool partial;		/* an add of both sides got only one */
	bool resync;		/* look at the binding again at once */
};

/*
 * outcome_decide() - the verdict on @c's final result @res, for a binding
 * whose sides in DNS were @had_fwd, @had_rev before (a removal keeps a side
 * the server refused to remove; a conflict means that side is not ours any
 * more, so it is gone for us too; an add that did not send a side keeps
 * what the stored intent says of it).
 */
struct outcome outcome_decide(const struct dnsengine_change *c, const struct dnsengine_result *res,
			      bool had_fwd, bool had_rev);

/* outcome_failed() - @x is a failure (not applied, conflict, skipped, no zone or pending). */
bool outcome_failed(enum dnsengine_outcome x);

#endif
