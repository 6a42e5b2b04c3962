/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/loader.h - loads the leasesnoop BPF object and attaches ls_xdp
 * (ingress; native mode where the driver has it, generic otherwise) and
 * ls_tc_egress (clsact egress) to each interface; detaches exactly what it
 * attached. A stale attachment of leasesnoop's own (left by a killed
 * process) is replaced; anyone else's program is never touched.
 */
#ifndef LS_LOADER_H
#define LS_LOADER_H

#include "ringbuf/event.h"

struct loader;

#define LOADER_MAX_IFACES 64

/* loader_open() flags */
#define LOADER_F_XDP_SKB  0x1	/* force generic XDP */
#define LOADER_F_NO_TC    0x2	/* ingress only */

/*
 * loader_check_kernel() - verify the running kernel has what the programs
 * need (BTF, ring buffer, bpf_loop, bpf_xdp_load_bytes) and that we may load
 * BPF. Returns 0, LS_ENOBTF, LS_ENORINGBUF, LS_EBPF_LOAD or -EPERM; logs which.
 */
int loader_check_kernel(void);

/*
 * loader_open() - load the object (@ring_bytes: ring buffer size, a power of
 * two multiple of the page size, 0 for the default 16 MiB) and attach to the
 * @n interfaces @ifaces. On any failure everything done so far is undone.
 * Returns 0, -ENODEV for an unknown interface, -EEXIST when another
 * program occupies the hook, LS_EBPF_LOAD / LS_EBPF_ATTACH, or -errno.
 */
int loader_open(struct loader **out, const char *const *ifaces, int n, unsigned int flags,
		unsigned long ring_bytes);

/* loader_events_fd() - fd of the `events` ring buffer map. */
int loader_events_fd(const struct loader *l);

/* loader_counters() - sum of the per-CPU counters into @sum. Returns 0 or -errno. */
int loader_counters(const struct loader *l, struct ls_counters *sum);

/* loader_iface() - name of the @i-th attached interface, NULL past the last. */
const char *loader_iface(const struct loader *l, int i);

/* loader_close() - detach what loader_open() attached, unload. NULL is a no-op. */
void loader_close(struct loader *l);

#endif
