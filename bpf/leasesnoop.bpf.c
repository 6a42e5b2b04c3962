// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf/leasesnoop.bpf.c - XDP (ingress) and tc (ingress, egress) programs that
 * turn DHCPv4/v6 lease messages crossing an interface into ls_event records
 * in the `events` ring buffer, with per-CPU outcome counters in `counters`.
 * leasesnoop observes, it never drops, delays or alters DHCP traffic, and it
 * shares the hooks: ls_xdp returns XDP_PASS, which a libxdp dispatcher's
 * default chain-call actions take as "run the next program"; the tc programs
 * return TC_ACT_UNSPEC (TCX_NEXT), which hands the packet to the next tcx
 * program or clsact filter instead of ending classification as TC_ACT_OK
 * would (with nobody after us, both mean "pass").
 *
 * Kernel features used: BPF ring buffer (5.8), bpf_loop (5.17),
 * bpf_xdp_load_bytes / bpf_xdp_get_buff_len (5.18), bpf_skb_load_bytes,
 * bpf_ktime_get_coarse_ns (5.11).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * XDP_RUN_CONFIG (xdp-tools' xdp_helpers.h, spelled out so the build needs no
 * libxdp headers): the BTF metadata a libxdp dispatcher reads when ls_xdp
 * joins another tool's program chain. Priority 1 runs it first, so a later
 * program's XDP_DROP/TX/REDIRECT cannot hide DHCP from it; XDP_PASS is its
 * only return and the only action that continues the chain.
 */
#define LS_XDP_RUN_CONFIG(f) _##f SEC(".xdp_run_config")
#define LS_XDP_RUN_PRIO 1

#define LS_LOOP(n, cb, ctx) bpf_loop((n), (cb), (ctx), 0)
/* Map values may be read unaligned (no BPF_F_STRICT_ALIGNMENT). */
#define LS_LD64(ptr) (*(const __u64 *)(ptr))
#define LS_LD16(ptr) (*(const __u16 *)(ptr))
#define LS_EMIT(p, ev) bpf_ringbuf_output(&events, (ev), sizeof(struct ls_event), 0)
#define LS_OPAQUE(x) asm volatile("" : "+r"(x))
/*
 * bpf_ntohs() of a 16-bit packet field, bounded: before Linux 6.10 or so the
 * verifier forgets all bounds of a register after a byte swap, and a value
 * used in packet-pointer arithmetic must be bounded (6.1: "math between pkt
 * pointer and register with unbounded min value"). The mask costs one ALU
 * instruction; LS_OPAQUE keeps clang from dropping it as redundant.
 */
#define LS_NTOHS_BOUNDED(v)                                                    \
	({                                                                     \
		__u32 _nb = bpf_ntohs(v);                                      \
		LS_OPAQUE(_nb);                                                \
		_nb & 0xffff;                                                  \
	})

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);	/* 16 MiB = 32k events; user space may resize */
} events SEC(".maps");

#include "bpf/dhcp_parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_counters);
} counters SEC(".maps");

/* One scratch buffer per CPU: XDP and tc run with migration disabled. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_scratch);
} scratch SEC(".maps");

/*
 * LS_RUN() - the body both programs share: look up the per-CPU scratch and
 * counters, then LS_RUN_FRAME() (dhcp_parse.h) with the program's own loader.
 */
#define LS_RUN(ctx, LOAD, wire_len_, ifindex_, dir_, outer_vlan)                      \
	({                                                                             \
		__u32 zero = 0;                                                        \
		struct ls_counters *cnt = bpf_map_lookup_elem(&counters, &zero);      \
		struct ls_scratch *s;                                                  \
		struct ls_hdr h = {};                                                  \
		struct ls_pctx p;                                                      \
		if (cnt && ls_quick_not_dhcp((const __u8 *)(long)ctx->data,            \
					     (const __u8 *)(long)ctx->data_end)) {     \
			cnt->c[LS_CNT_PKTS]++;                                         \
			cnt->c[LS_CNT_PKT_NOT_DHCP]++;                                 \
		} else if (cnt && (s = bpf_map_lookup_elem(&scratch, &zero))) {        \
			p.s = s;                                                       \
			p.cnt = cnt;                                                   \
			p.wire_len = (wire_len_);                                      \
			p.ifindex = (ifindex_);                                        \
			p.dir = (dir_);                                                \
			p.emit_ctx = 0;                                                \
			LS_RUN_FRAME(&p, &h, LOAD, ctx, bpf_ktime_get_coarse_ns(), outer_vlan); \
		}                                                                      \
	})

struct {
	__uint(priority, LS_XDP_RUN_PRIO);
	__uint(XDP_PASS, 1);
} LS_XDP_RUN_CONFIG(ls_xdp);

SEC("xdp")
int ls_xdp(struct xdp_md *ctx)
{
	LS_RUN(ctx, bpf_xdp_load_bytes, bpf_xdp_get_buff_len(ctx), ctx->ingress_ifindex,
	       LS_DIR_INGRESS, (void)0);
	return XDP_PASS;
}

/*
 * On egress a VLAN tag the stack will insert in hardware is not in the data
 * yet but in skb->vlan_tci; on ingress the stack has already taken the
 * outermost tag out of the data into skb->vlan_tci (skb_vlan_untag() runs
 * before tc). Either way, report it as the outermost tag.
 */
LS_INLINE void ls_skb_vlan(struct __sk_buff *skb, struct ls_hdr *h)
{
	if (!skb->vlan_present)
		return;
	h->vlan[1] = h->vlan[0];
	h->vlan[0] = skb->vlan_tci & 0x0fff;
	if (h->n_vlan < LS_VLAN_MAX)
		h->n_vlan++;
}

SEC("tc")
int ls_tc_egress(struct __sk_buff *skb)
{
	LS_RUN(skb, bpf_skb_load_bytes, skb->len, skb->ifindex, LS_DIR_EGRESS,
	       ls_skb_vlan(skb, &h));
	return TC_ACT_UNSPEC;
}

/*
 * Ingress at tc, where another program owns the XDP hook: the same frame XDP
 * would see (the data starts at the MAC header, skb->len counts it), less
 * the outer VLAN tag the stack moved to skb->vlan_tci.
 */
SEC("tc")
int ls_tc_ingress(struct __sk_buff *skb)
{
	LS_RUN(skb, bpf_skb_load_bytes, skb->len, skb->ifindex, LS_DIR_INGRESS,
	       ls_skb_vlan(skb, &h));
	return TC_ACT_UNSPEC;
}

/* An empty XDP program: the anchor `make bench` measures beside ls_xdp. */
SEC("xdp")
int ls_xdp_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
