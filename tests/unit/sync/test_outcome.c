// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/sync/test_outcome.c - user/sync/outcome.c: the verdict on a
 * change's final result. Adds: applied on either side, partial, conflict
 * (alone or beside a refusal), failed. Removals: gone, conflict (not ours
 * any more, so gone for us), refused (kept), the reverse side skipped
 * after a forward conflict (our PTR alone is left: asked again at once)
 * or after a forward refusal (a failure, left for the next full pass).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "user/sync/outcome.h"

#define AP DNSENGINE_APPLIED
#define CF DNSENGINE_CONFLICT
#define SK DNSENGINE_SKIPPED
#define NZ DNSENGINE_NOZONE
#define RF DNSENGINE_REFUSED

static struct outcome run(enum dnsengine_op op, bool fwd, bool rev, enum dnsengine_outcome rf,
			  enum dnsengine_outcome rr, bool had_fwd, bool had_rev)
{
	struct dnsengine_change c = { .op = op, .fwd = fwd, .rev = rev, .family = 4 };
	struct dnsengine_result res = { .fwd = rf, .rev = rr, .final = true };

	return outcome_decide(&c, &res, had_fwd, had_rev);
}

static void t_add(void **st)
{
	struct outcome o;

	(void)st;
	o = run(DNSENGINE_ADD, true, true, AP, AP, false, false);
	assert_int_equal(o.v, OUTCOME_ADDED);
	assert_true(o.fwd && o.rev);
	assert_false(o.partial);
	assert_false(o.resync);
	/* one side of two: added, and partial */
	o = run(DNSENGINE_ADD, true, true, AP, RF, false, false);
	assert_int_equal(o.v, OUTCOME_ADDED);
	assert_true(o.fwd && !o.rev);
	assert_true(o.partial);
	o = run(DNSENGINE_ADD, true, true, NZ, AP, false, false);
	assert_int_equal(o.v, OUTCOME_ADDED);
	assert_true(!o.fwd && o.rev && o.partial);
	/* one side asked, and done: not partial */
	o = run(DNSENGINE_ADD, true, false, AP, SK, false, false);
	assert_int_equal(o.v, OUTCOME_ADDED);
	assert_false(o.partial);
	/* a result on a side not asked for does not count */
	o = run(DNSENGINE_ADD, false, true, AP, RF, false, false);
	assert_int_equal(o.v, OUTCOME_ADD_FAILED);
	assert_false(o.fwd);
	/*
	 * shared mode's resumed add sends only the side DNS lacked: the side
	 * not sent keeps what the stored intent says (already in DNS)
	 */
	o = run(DNSENGINE_ADD, false, true, SK, AP, true, false);
	assert_int_equal(o.v, OUTCOME_ADDED);
	assert_true(o.fwd && o.rev);
	o = run(DNSENGINE_ADD, false, true, SK, RF, true, false);
	assert_int_equal(o.v, OUTCOME_ADDED);
	assert_true(o.fwd && !o.rev);
}

static void t_add_conflict_and_failure(void **st)
{
	struct outcome o;

	(void)st;
	o = run(DNSENGINE_ADD, true, true, CF, SK, false, false);
	assert_int_equal(o.v, OUTCOME_CONFLICT);
	assert_false(o.fwd || o.rev || o.partial || o.resync);
	o = run(DNSENGINE_ADD, true, true, RF, CF, false, false);
	assert_int_equal(o.v, OUTCOME_CONFLICT);
	o = run(DNSENGINE_ADD, true, true, RF, SK, false, false);
	assert_int_equal(o.v, OUTCOME_ADD_FAILED);
	o = run(DNSENGINE_ADD, true, true, DNSENGINE_TIMEOUT, SK, false, false);
	assert_int_equal(o.v, OUTCOME_ADD_FAILED);
	assert_false(o.partial);
}

static void t_remove(void **st)
{
	struct outcome o;

	(void)st;
	o = run(DNSENGINE_REMOVE, true, true, AP, AP, true, true);
	assert_int_equal(o.v, OUTCOME_REMOVED);
	assert_false(o.fwd || o.rev);
	assert_true(o.resync);	/* a new binding may wait for this one */
	/* a conflict: the name is not ours any more, so it is gone for us */
	o = run(DNSENGINE_REMOVE, true, false, CF, SK, true, false);
	assert_int_equal(o.v, OUTCOME_REMOVED);
	/* no zone for a side: nothing of ours there */
	o = run(DNSENGINE_REMOVE, true, true, AP, NZ, true, true);
	assert_int_equal(o.v, OUTCOME_REMOVED);
	/* refused: kept, a failure */
	o = run(DNSENGINE_REMOVE, true, true, AP, RF, true, true);
	assert_int_equal(o.v, OUTCOME_REMOVE_FAILED);
	assert_true(!o.fwd && o.rev);
	assert_false(o.resync);
	/* a side not asked for stays as it was */
	o = run(DNSENGINE_REMOVE, true, false, AP, SK, true, true);
	assert_int_equal(o.v, OUTCOME_REMOVE_FAILED);
	assert_true(!o.fwd && o.rev);
}

static void t_remove_reverse_skipped(void **st)
{
	struct outcome o;

	(void)st;
	/* forward not ours (conflict): the engine skipped the PTR; ask again at once */
	o = run(DNSENGINE_REMOVE, true, true, CF, SK, true, true);
	assert_int_equal(o.v, OUTCOME_REMOVE_REST);
	assert_true(!o.fwd && o.rev && o.resync);
	/* forward refused: the skipped PTR is a failure, not resent at once */
	o = run(DNSENGINE_REMOVE, true, true, RF, SK, true, true);
	assert_int_equal(o.v, OUTCOME_REMOVE_FAILED);
	assert_true(o.fwd && o.rev);
	assert_false(o.resync);
	/* reverse alone asked and skipped, nothing of ours there any more: removed */
	o = run(DNSENGINE_REMOVE, false, true, SK, SK, false, false);
	assert_int_equal(o.v, OUTCOME_REMOVED);
}

static void t_failed(void **st)
{
	(void)st;
	assert_false(outcome_failed(DNSENGINE_APPLIED));
	assert_false(outcome_failed(DNSENGINE_CONFLICT));
	assert_false(outcome_failed(DNSENGINE_SKIPPED));
	assert_false(outcome_failed(DNSENGINE_NOZONE));
	assert_false(outcome_failed(DNSENGINE_PENDING));
	assert_true(outcome_failed(DNSENGINE_REFUSED));
	assert_true(outcome_failed(DNSENGINE_TIMEOUT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_add),
		cmocka_unit_test(t_add_conflict_and_failure),
		cmocka_unit_test(t_remove),
		cmocka_unit_test(t_remove_reverse_skipped),
		cmocka_unit_test(t_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
