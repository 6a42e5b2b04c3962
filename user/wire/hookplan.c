// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/wire/hookplan.c - the hook decisions of hookplan.h: no system calls,
 * so each case is unit-tested (tests/unit/wire/test_hookplan.c).
 */
#include "user/wire/hookplan.h"

enum hookplan_hook hookplan_tc(const struct hookplan_seen *s, unsigned int flags)
{
	return s->have_tcx && !(flags & HOOKPLAN_F_NO_TCX) ? HOOK_TCX : HOOK_CLSACT;
}

int hookplan_ingress(const struct hookplan_seen *s, unsigned int flags,
		     enum hookplan_hook out[HOOKPLAN_MAX])
{
	int n = 0;

	if (flags & HOOKPLAN_F_TC_IN) {
		out[n++] = hookplan_tc(s, flags);
		return n;
	}
	if (!s->xdp_id || s->xdp_stale_ours) {
		/* free, or ours from a killed run: loader replaces only that */
		if (!(flags & HOOKPLAN_F_XDP_SKB))
			out[n++] = HOOK_XDP_NATIVE;
		out[n++] = HOOK_XDP_GENERIC;
	} else if (s->xdp_dispatcher && s->libxdp_ok) {
		out[n++] = HOOK_XDP_MULTIPROG;
	}
	/* someone else's XDP program, or XDP failed: see ingress at tc */
	out[n++] = hookplan_tc(s, flags);
	return n;
}

const char *hookplan_name(enum hookplan_hook h)
{
	switch (h) {
	case HOOK_XDP_NATIVE:
		return "xdp-native";
	case HOOK_XDP_GENERIC:
		return "xdp-generic";
	case HOOK_XDP_MULTIPROG:
		return "xdp-multiprog";
	case HOOK_TCX:
		return "tcx";
	case HOOK_CLSACT:
		return "tc-clsact";
	case HOOK_NONE:
		break;
	}
	return "none";
}
