// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/bench_bpf.c - `make bench` figures for the kernel half: ns per packet
 * of ls_xdp (bpf_prog_test_run_opts, large repeat counts) for a non-DHCP UDP
 * packet, a DHCPv4 ACK and a relayed DHCPv6 REPLY with four IAs, each beside
 * the empty XDP program measured in the same run; then the ring consumer's
 * drain rate on one core beside the rate ls_xdp produces events on one core.
 * Prints one JSON line per figure (DESIGN.md "Benchmarks"). Needs root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "leasesnoop.skel.h"
#include "ringbuf/consumer.h"
#include "tests/lib/pktfix.h"

#define RING_BYTES (256u << 20)	/* room for ~500k events between drains */
#define ROUNDS 9

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Relayed DHCPv6 REPLY: one RELAY-REPL around a REPLY with four IA_NA. */
static void frame_v6_4ia(struct pb *f)
{
	static const uint8_t link[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const uint8_t peer[16] = { 0xfe, 0x80, [15] = 0x11 };
	struct pb_net n = pb_net6();
	struct pb m;
	uint8_t a[16];
	size_t r, ia;

	pb_reset(&m);
	r = pb_relay6_begin(&m, 13, 0, link, peer);
	pb_dhcp6_hdr(&m, 7, 0x123456);
	pb_opt6(&m, 1, fx_duid_c, sizeof(fx_duid_c));
	pb_opt6(&m, 2, fx_duid_s, sizeof(fx_duid_s));
	for (int i = 0; i < 4; i++) {
		ia = pb_ia_na_begin(&m, i + 1, 3600, 5400);
		fx_a6(a, i + 1);
		pb_iaaddr(&m, a, 4500, 7200);
		pb_opt6_end(&m, ia);
	}
	pb_fqdn6(&m, 0x01, "host.example.com.");
	pb_opt6_end(&m, r);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static void noop_batch(const struct ls_event *ev, size_t n, void *arg)
{
	unsigned long long *sum = arg;

	for (size_t i = 0; i < n; i++)
		*sum += ev[i].xid;
}

/* One test run of @repeat iterations; returns the average ns per run. */
static double run_once(struct bpf_program *prog, const struct pb *f, unsigned int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->d, .data_size_in = f->len, .repeat = repeat);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o)) {
		fprintf(stderr, "bench_bpf: test run failed (%s)\n", strerror(errno));
		exit(1);
	}
	return o.duration;
}

/*
 * pair() - @prog and its anchor @empty on frame @f, interleaved over ROUNDS
 * rounds so both see the same machine; the minimum of each is reported (the
 * least-disturbed round: other processes only ever add time). Drains the
 * ring after each round.
 */
static void pair(struct bpf_program *prog, struct bpf_program *empty, const struct pb *f,
		 unsigned int repeat, struct consumer *c, double *val, double *anchor)
{
	*val = *anchor = 1e18;
	for (int r = 0; r < ROUNDS; r++) {
		double e = run_once(empty, f, repeat), v = run_once(prog, f, repeat);

		if (e < *anchor)
			*anchor = e;
		if (v < *val)
			*val = v;
		consumer_drain(c);
	}
}

static void figure(const char *bench, const char *fig, double val, const char *unit,
		   const char *anchor, double aval, double ratio)
{
	printf("{\"bench\":\"%s\",\"figure\":\"%s\",\"value\":%.1f,\"unit\":\"%s\","
	       "\"anchor\":\"%s\",\"anchor_value\":%.1f,\"ratio\":%.2f}\n",
	       bench, fig, val, unit, anchor, aval, ratio);
}

int main(void)
{
	struct leasesnoop_bpf *skel;
	struct consumer *c = NULL;
	unsigned long long sink = 0;
	struct pb f_udp, f_v4, f_v6;
	double e_udp, e_v4, e_v6, udp, v4, v6, t0, t1, drain, produce;
	int produced;

	fx_udp_dns(&f_udp);
	fx_v4_ack(&f_v4);
	frame_v6_4ia(&f_v6);
	skel = leasesnoop_bpf__open();
	if (!skel || bpf_map__set_max_entries(skel->maps.events, RING_BYTES) ||
	    leasesnoop_bpf__load(skel)) {
		fprintf(stderr, "bench_bpf: cannot load the BPF object (needs root)\n");
		return 1;
	}
	if (consumer_open(&c, bpf_map__fd(skel->maps.events), noop_batch, &sink, 1024)) {
		fprintf(stderr, "bench_bpf: cannot open the ring\n");
		return 1;
	}
	pair(skel->progs.ls_xdp, skel->progs.ls_xdp_empty, &f_udp, 1000000, c, &udp, &e_udp);
	pair(skel->progs.ls_xdp, skel->progs.ls_xdp_empty, &f_v4, 400000, c, &v4, &e_v4);
	pair(skel->progs.ls_xdp, skel->progs.ls_xdp_empty, &f_v6, 100000, c, &v6, &e_v6);
	/* lower is better: ratio = anchor / value */
	figure("bpf-xdp", "ns_per_pkt_non_dhcp_udp", udp, "ns", "empty-xdp", e_udp, e_udp / udp);
	figure("bpf-xdp", "ns_per_pkt_dhcpv4_ack", v4, "ns", "empty-xdp", e_v4, e_v4 / v4);
	figure("bpf-xdp", "ns_per_pkt_dhcpv6_relayed_reply_4ia", v6, "ns", "empty-xdp", e_v6,
	       e_v6 / v6);

	/* Drain: fill the ring with 400k v4 events, then time the consumer alone. */
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f_v4.d, .data_size_in = f_v4.len,
			    .repeat = 400000);

		t0 = now_s();
		bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ls_xdp), &o);
		t1 = now_s();
		produce = 400000 / (t1 - t0);
		t0 = now_s();
		produced = consumer_drain(c);
		t1 = now_s();
		drain = produced / (t1 - t0);
	}
	figure("ringbuf", "drain_events_per_s", drain, "1/s", "ls_xdp-produce-rate", produce,
	       drain / produce);
	fprintf(stderr, "\n%-40s %10s %10s %8s\n", "bpf figure", "leasesnoop", "anchor", "ratio");
	fprintf(stderr, "%-40s %8.1fns %8.1fns %8.2f\n", "non-DHCP UDP vs empty XDP", udp, e_udp,
		e_udp / udp);
	fprintf(stderr, "%-40s %8.1fns %8.1fns %8.2f\n", "DHCPv4 ACK vs empty XDP", v4, e_v4,
		e_v4 / v4);
	fprintf(stderr, "%-40s %8.1fns %8.1fns %8.2f\n", "relayed v6 REPLY 4 IAs vs empty", v6,
		e_v6, e_v6 / v6);
	fprintf(stderr, "%-40s %9.2fM %9.2fM %8.2f\n", "ring drain/s vs XDP produce/s (1 core)",
		drain / 1e6, produce / 1e6, drain / produce);
	fprintf(stderr, "(drained %d events, checksum %llu)\n", produced, sink);
	consumer_close(c);
	leasesnoop_bpf__destroy(skel);
	return 0;
}
