/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/wire/hookplan.h - which kernel hook leasesnoop takes on an interface,
 * decided from what is already there (pure functions; user/wire/loader.c
 * observes and applies). leasesnoop shares the hooks and never replaces,
 * detaches or reorders another program: a free XDP hook gets ls_xdp (native,
 * then generic); an XDP hook run by a libxdp dispatcher gets ls_xdp as one
 * more program in its chain; any other XDP program sends ingress to tc
 * instead (a tcx link where the kernel has them, a clsact filter with our own
 * priority and handle elsewhere). Egress is always tc, tcx or clsact likewise.
 */
#ifndef LS_HOOKPLAN_H
#define LS_HOOKPLAN_H

enum hookplan_hook {
	HOOK_NONE = 0,
	HOOK_XDP_NATIVE,	/* ls_xdp alone on the XDP hook, driver mode */
	HOOK_XDP_GENERIC,	/* ls_xdp alone on the XDP hook, skb mode */
	HOOK_XDP_MULTIPROG,	/* ls_xdp in another tool's libxdp dispatcher */
	HOOK_TCX,		/* a tcx link (Linux 6.6+): several programs per hook */
	HOOK_CLSACT,		/* a clsact filter with leasesnoop's priority and handle */
};

/* What loader.c found on one interface before attaching. */
struct hookplan_seen {
	unsigned int xdp_id;	/* program on the XDP hook, 0: none */
	int xdp_stale_ours;	/* that program is ls_xdp of a leasesnoop that is gone */
	int xdp_dispatcher;	/* that program is a libxdp multi-program dispatcher */
	int libxdp_ok;		/* libxdp can manage it here (bpffs mounted) */
	int have_tcx;		/* the kernel has tcx links */
};

/* hookplan flags (loader_open()'s LOADER_F_* use the same bits) */
#define HOOKPLAN_F_XDP_SKB 0x1	/* generic XDP only */
#define HOOKPLAN_F_NO_TCX  0x4	/* clsact filters even where tcx exists */
#define HOOKPLAN_F_TC_IN   0x8	/* ingress at tc even when the XDP hook is free */

#define HOOKPLAN_MAX 4

/*
 * hookplan_ingress() - the ingress hooks to try on an interface, best first,
 * into @out (HOOKPLAN_MAX entries). A later entry is what to fall back to
 * when attaching an earlier one fails. Returns the number of entries (>= 1).
 */
int hookplan_ingress(const struct hookplan_seen *s, unsigned int flags,
		     enum hookplan_hook out[HOOKPLAN_MAX]);

/* hookplan_tc() - the tc hook (HOOK_TCX or HOOK_CLSACT) for either direction. */
enum hookplan_hook hookplan_tc(const struct hookplan_seen *s, unsigned int flags);

/* hookplan_name() - "xdp-native", "xdp-generic", "xdp-multiprog", "tcx", "tc-clsact", "none". */
const char *hookplan_name(enum hookplan_hook h);

#endif
