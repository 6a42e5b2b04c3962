// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/bpf/count.bpf.c - a stand-in for another tool's data path, for
 * tests/integ/12_bpf_coexist.sh: count_xdp (attached with `ip link set … xdp
 * obj`) and count_tc (a clsact filter, `tc filter add … bpf da obj`) count
 * every packet in a map of their own and pass it, as a firewall that lets
 * the packet through would (XDP_PASS, TC_ACT_OK).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count_xdp_pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count_tc_pkts SEC(".maps");

static __always_inline void bump(void *map)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(map, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	bump(&count_xdp_pkts);
	return XDP_PASS;
}

SEC("tc")
int count_tc(struct __sk_buff *skb)
{
	(void)skb;
	bump(&count_tc_pkts);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
