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
#define LS_EMIT(p, ev) bpf_ringbuf_output(&events, (ev), sizeof(struct ls_event), 0)
/*
 * min(v, max) in a form the verifier keeps: clang otherwise compares one
 * register copy and passes another to the load helper.
 */
#define LS_MIN(v, max)                                                                      \
	({                                                                                  \
		__u64 _mr = (v);                                                            \
		asm volatile("if %[r] <= %[m] goto +1; %[r] = %[m];" : [r] "+r"(_mr) : [m] "i"(max)); \
		(__u32)_mr;                                                                 \
	})

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
 * ls_quick_not_dhcp() - the fast path for the traffic that is not DHCP:
 * reads the linear head in place and returns 1 only where ls_parse_headers()
 * would end in LS_CNT_PKT_NOT_DHCP (same checks, same order); anything it is
 * not sure of (VLAN tags, extension headers, fragments, odd lengths, DHCP
 * ports) takes the full path. The differential test holds the two to the same
 * counters on every frame.
 */
static __always_inline int ls_quick_not_dhcp(const __u8 *d, const __u8 *end)
{
	const __u8 *u;
	__u16 type;
	__u32 ihl, tot, sport, dport;

	/* 16-bit loads in network byte order, compared against swapped constants */
	if (d + ETH_HLEN > end)
		return 0;
	type = *(const __u16 *)(d + ETH_ALEN * 2);
	if (type == bpf_htons(ETH_P_IP)) {
		if (d + (ETH_HLEN + LS_IP4_HLEN) > end || (d[14] >> 4) != 4)
			return 0;
		ihl = (d[14] & 0xf) * 4;
		tot = LS_NTOHS_BOUNDED(*(const __u16 *)(d + 16));
		if (ihl < LS_IP4_HLEN || tot < ihl || d + ETH_HLEN + tot > end)
			return 0;
		if (d[23] != IPPROTO_UDP)
			return 1;
		if (*(const __u16 *)(d + 20) & bpf_htons(LS_IP4_FRAG))
			return 0;
		u = d + ETH_HLEN + ihl;
		/* keep clang from re-deriving u from d for each load: the verifier
		 * tracks the bounds check on this register only */
		asm volatile("" : "+r"(u));
		if (u + LS_UDP_HLEN > end)
			return 0;
		sport = *(const __u16 *)u;
		dport = *(const __u16 *)(u + 2);
		return !((sport == bpf_htons(DHCP4_SERVER_PORT) ||
			  sport == bpf_htons(DHCP4_CLIENT_PORT)) &&
			 (dport == bpf_htons(DHCP4_SERVER_PORT) ||
			  dport == bpf_htons(DHCP4_CLIENT_PORT)));
	}
	if (type == bpf_htons(ETH_P_IPV6)) {
		__u32 nh;

		if (d + (ETH_HLEN + LS_IP6_HLEN + LS_UDP_HLEN) > end || (d[14] >> 4) != 6)
			return 0;
		if (d + (ETH_HLEN + LS_IP6_HLEN) + LS_NTOHS_BOUNDED(*(const __u16 *)(d + 18)) > end)
			return 0;
		nh = d[20];
		if (LS_IP6_EXT_HDR(nh))
			return 0;
		if (nh != IPPROTO_UDP)
			return 1;
		sport = *(const __u16 *)(d + (ETH_HLEN + LS_IP6_HLEN));
		dport = *(const __u16 *)(d + (ETH_HLEN + LS_IP6_HLEN + 2));
		return !((sport == bpf_htons(DHCP6_CLIENT_PORT) ||
			  sport == bpf_htons(DHCP6_SERVER_PORT)) &&
			 (dport == bpf_htons(DHCP6_CLIENT_PORT) ||
			  dport == bpf_htons(DHCP6_SERVER_PORT)));
	}
	return type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD) &&
	       type != bpf_htons(ETH_P_QINQ1);
}

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
