/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/wire/loader.h - loads the leasesnoop BPF object and attaches it to
 * each interface, beside whatever programs are already there (hookplan.h
 * decides where): ingress at XDP when the hook is free (native mode where
 * the driver has it, generic otherwise), as one more program of a libxdp
 * dispatcher's chain, or at tc; egress at tc (tcx links on Linux 6.6+,
 * clsact filters elsewhere). Detaches exactly what it attached. A stale
 * attachment of leasesnoop's own (left by a killed process) is replaced;
 * anyone else's program is never replaced, detached or reordered.
 */
#ifndef LS_LOADER_H
#define LS_LOADER_H

#include "ringbuf/event.h"
#include "user/wire/hookplan.h"

struct loader;

#define LOADER_MAX_IFACES 64

/* loader_open() flags */
#define LOADER_F_XDP_SKB    HOOKPLAN_F_XDP_SKB	/* force generic XDP */
#define LOADER_F_NO_TC      0x2			/* ingress only */
#define LOADER_F_NO_TCX     HOOKPLAN_F_NO_TCX	/* clsact filters even where tcx exists */
#define LOADER_F_TC_INGRESS HOOKPLAN_F_TC_IN	/* ingress at tc even on a free XDP hook */

/*
 * loader_check_kernel() - verify the running kernel has what the programs
 * need (BTF, ring buffer, bpf_loop, bpf_xdp_load_bytes) and that we may load
 * BPF. Returns 0, LS_ENOBTF, LS_ENORINGBUF, LS_EBPF_LOAD or -EPERM; logs which.
 */
int loader_check_kernel(void);

/*
 * loader_ring_bytes() - the event ring's size for the daemon: @explicit_bytes
 * when set ("ring-size"), else room for one second of @lease_rate events per
 * interface (LOADER_EVENT_BYTES each, the consumer drains it continuously),
 * rounded up to a power of two within [LOADER_RING_MIN, LOADER_RING_MAX].
 * User space maps the ring's pages twice, so its resident cost is twice this.
 */
#define LOADER_EVENT_BYTES 520		/* struct ls_event (512) + the record header (8) */
#define LOADER_RING_MIN (256UL << 10)
#define LOADER_RING_MAX (256UL << 20)
unsigned long loader_ring_bytes(int n_ifaces, unsigned int lease_rate, unsigned long explicit_bytes);

/*
 * loader_open() - load the object (@ring_bytes: ring buffer size, a power of
 * two multiple of the page size, 0 for the default 16 MiB) and attach to the
 * @n interfaces @ifaces. On any failure everything done so far is undone.
 * Logs, per interface, the hook each direction uses and why. Returns 0,
 * -ENODEV for an unknown interface, -EEXIST when another program holds
 * leasesnoop's own clsact handle and priority, LS_EBPF_LOAD /
 * LS_EBPF_ATTACH, or -errno.
 */
int loader_open(struct loader **out, const char *const *ifaces, int n, unsigned int flags,
		unsigned long ring_bytes);

/* One attached interface, for `--stats` and `status-get`. */
struct loader_iface {
	const char *name;		/* owned by the loader */
	int ifindex;
	enum hookplan_hook ingress;	/* HOOK_NONE: not attached */
	enum hookplan_hook egress;
};

/* loader_iface_get() - the @i-th interface (0-based). Returns 0 or -ENOENT past the end. */
int loader_iface_get(const struct loader *l, int i, struct loader_iface *out);

/* loader_events_fd() - fd of the `events` ring buffer map. */
int loader_events_fd(const struct loader *l);

/* loader_counters() - sum of the per-CPU counters into @sum. Returns 0 or -errno. */
int loader_counters(const struct loader *l, struct ls_counters *sum);

/* loader_iface() - name of the @i-th attached interface, NULL past the last. */
const char *loader_iface(const struct loader *l, int i);

/* loader_close() - detach what loader_open() attached, unload. NULL is a no-op. */
void loader_close(struct loader *l);

#endif
