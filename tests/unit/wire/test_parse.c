// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_parse.c - the gcc build of bpf/dhcp_parse.h (user/parse.c)
 * on crafted frames (tests/lib/pktbuild.h, pktfix.h): every message type,
 * option, encoding and bound of the parser, hostile inputs (lengths past the
 * end, truncation at every byte, relay nesting, random and 0xff frames), the
 * per-frame counter invariant of ringbuf/event.h on every frame, and the
 * exact --json rendering of a v4 and a v6 event (user/evfmt.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ringbuf/event.h"
/*
 * For the bounds only (LS_MAX_LEASES, LS_V6_RELAY_MAX, ...): the tests follow
 * them if they change. The parser's static callbacks are unused here.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "bpf/dhcp_parse.h"
#pragma GCC diagnostic pop
#include "user/wire/evfmt.h"
#include "user/wire/parse.h"
#include "tests/lib/cntcheck.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/pktfix.h"

#define EV_CAP 64

static struct ls_event evs[EV_CAP];
static int nev;
static struct ls_counters d;	/* counters of the last run_frame() */
static struct pb fr, msg;

static void cap_cb(const struct ls_event *ev, void *arg)
{
	(void)arg;
	if (nev < EV_CAP)
		evs[nev] = *ev;
	nev++;
}

/* Parse @len bytes of @f with a fresh parser; checks the counter invariant. */
static int run_len(const uint8_t *f, size_t len, uint32_t ifindex, int dir)
{
	struct parse *ps;
	const char *why;
	int r;

	assert_int_equal(parse_new(&ps), 0);
	nev = 0;
	memset(evs, 0xa5, sizeof(evs));
	r = parse_frame(ps, f, len, ifindex, dir, cap_cb, NULL);
	d = *parse_counters(ps);
	parse_free(ps);
	assert_int_equal(r, nev);
	why = cnt_invariant(&d, r);
	if (why)
		fail_msg("counter invariant (len %zu): %s", len, why);
	return r;
}

static int run(const struct pb *f)
{
	return run_len(f->d, f->len, 0, LS_DIR_INGRESS);
}

static void build(void (*fx)(struct pb *))
{
	fx(&fr);
}

/* Exactly counter @idx moved besides packets/dhcp_packets/field counters. */
static void assert_outcome(int idx)
{
	assert_int_equal(d.c[idx], 1);
}

static void assert_addr4(const uint8_t *a, uint32_t v)
{
	uint8_t x[4];

	pb_set32(x, v);
	assert_memory_equal(a, x, 4);
}

static void frame4(const struct pb_net *n, const struct pb *m)
{
	pb_frame(&fr, n, m->d, m->len, NULL);
}

/* A DHCPv4 reply with @yiaddr whose options are what @opts appends. */
static void v4_with(uint32_t yiaddr, void (*opts)(struct pb *))
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();

	h.yiaddr = yiaddr;
	pb_reset(&msg);
	pb_dhcp4_hdr(&msg, &h);
	opts(&msg);
	frame4(&n, &msg);
}

/* ---- DHCPv4 ---------------------------------------------------------- */

static void test_v4_ack_fields(void **state)
{
	static const uint8_t wire[] = "\x06laptop\x07""example\x03""com";
	const struct ls_event *e = &evs[0];

	(void)state;
	build(fx_v4_ack);
	assert_int_equal(run_len(fr.d, fr.len, 3, LS_DIR_EGRESS), 1);
	assert_outcome(LS_CNT_EV_V4_ACK);
	assert_int_equal(d.c[LS_CNT_PKT_DHCP], 1);
	assert_int_equal(e->version, LS_EVENT_VERSION);
	assert_int_equal(e->type, LS_EV_V4_ACK);
	assert_int_equal(e->family, 4);
	assert_int_equal(e->ts_ns, 0);
	assert_int_equal(e->xid, 0x06e32864);
	assert_addr4(e->addr, 0xc000020a);
	assert_int_equal(e->prefix_len, 32);
	assert_int_equal(e->htype, 1);
	assert_int_equal(e->hlen, 6);
	assert_memory_equal(e->chaddr, "\x00\x0c\x29\x1f\x74\x06", 6);
	assert_int_equal(e->flags, LS_EVF_LEASE_TIME | LS_EVF_SERVER_ID | LS_EVF_FQDN |
					   LS_EVF_HOSTNAME | LS_EVF_CLIENT_ID);
	assert_int_equal(e->client_id_len, sizeof(fx_cid4));
	assert_memory_equal(e->client_id, fx_cid4, sizeof(fx_cid4));
	assert_int_equal(e->hostname_len, 6);
	assert_memory_equal(e->hostname, "laptop", 6);
	assert_int_equal(e->fqdn_flags, 0x05);
	assert_int_equal(e->fqdn_len, sizeof(wire));	/* with the root label */
	assert_memory_equal(e->fqdn, wire, sizeof(wire));
	assert_int_equal(e->valid_lft, 86400);
	assert_int_equal(e->server_id_len, 4);
	assert_addr4(e->server_id, 0xc0000201);
	assert_int_equal(e->n_vlan, 0);
	assert_int_equal(e->dir, LS_DIR_EGRESS);
	assert_int_equal(e->ifindex, 3);
	assert_int_equal(e->relay_hops, 0);
}

static void test_v4_relayed_qinq(void **state)
{
	const struct ls_event *e = &evs[0];

	(void)state;
	build(fx_v4_ack_qinq);
	assert_int_equal(run(&fr), 1);
	assert_true(e->flags & LS_EVF_RELAYED);
	assert_addr4(e->relay_addr, 0x0a000001);
	assert_addr4(e->addr, 0xc000020b);
	assert_int_equal(e->n_vlan, 2);
	assert_int_equal(e->vlan[0], 100);	/* PCP bits masked off */
	assert_int_equal(e->vlan[1], 200);
	assert_int_equal(e->dir, LS_DIR_INGRESS);
}

static void test_v4_fqdn_ascii_ip_options(void **state)
{
	const struct ls_event *e = &evs[0];
	char name[256];

	(void)state;
	build(fx_v4_ack_ascii_ipopt);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(e->flags & (LS_EVF_FQDN | LS_EVF_FQDN_ASCII),
			 LS_EVF_FQDN | LS_EVF_FQDN_ASCII);
	assert_int_equal(e->fqdn_flags, 0x01);
	assert_int_equal(e->fqdn_len, 18);
	assert_memory_equal(e->fqdn, "laptop.example.com", 18);
	assert_int_equal(evfmt_fqdn(e->fqdn, e->fqdn_len, 1, name, sizeof(name)), 18);
	assert_string_equal(name, "laptop.example.com");
	assert_false(e->flags & (LS_EVF_LEASE_TIME | LS_EVF_HOSTNAME | LS_EVF_CLIENT_ID));
	assert_int_equal(e->n_vlan, 1);
	assert_int_equal(e->vlan[0], 42);
}

static void test_v4_ack_without_yiaddr(void **state)
{
	(void)state;
	build(fx_v4_ack_noaddr);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_V4_NO_ADDR);
}

static void test_v4_nak(void **state)
{
	(void)state;
	build(fx_v4_nak);
	assert_int_equal(run(&fr), 1);
	assert_outcome(LS_CNT_EV_V4_NAK);
	assert_int_equal(evs[0].type, LS_EV_V4_NAK);
	assert_addr4(evs[0].addr, 0);
	assert_addr4(evs[0].server_id, 0xc0000201);
}

static void test_v4_release_uses_ciaddr(void **state)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();

	(void)state;
	build(fx_v4_release);
	assert_int_equal(run(&fr), 1);
	assert_outcome(LS_CNT_EV_V4_RELEASE);
	assert_int_equal(evs[0].type, LS_EV_V4_RELEASE);
	assert_addr4(evs[0].addr, 0xc0000214);
	assert_true(evs[0].flags & LS_EVF_CLIENT_ID);
	/* RELEASE without ciaddr: nothing to release */
	h.op = 1;
	h.yiaddr = 0xc0000214;
	pb_reset(&msg);
	pb_dhcp4_hdr(&msg, &h);
	pb_opt4_u8(&msg, 53, 7);
	pb_end4(&msg);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_V4_NO_ADDR);
}

static void test_v4_decline_uses_option_50(void **state)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();

	(void)state;
	build(fx_v4_decline);
	assert_int_equal(run(&fr), 1);
	assert_outcome(LS_CNT_EV_V4_DECLINE);
	assert_addr4(evs[0].addr, 0xc0000215);
	/* without option 50 (ciaddr is not the declined address) */
	h.ciaddr = 0xc0000216;
	pb_reset(&msg);
	pb_dhcp4_hdr(&msg, &h);
	pb_opt4_u8(&msg, 53, 4);
	pb_opt4(&msg, 50, "\xc0\x00\x02", 3);	/* wrong length: ignored */
	pb_end4(&msg);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_V4_NO_ADDR);
	assert_int_equal(d.c[LS_CNT_OPT_IGNORED], 1);
}

static void opts_pads_then_53(struct pb *m)
{
	pb_pad4(m, 700);
	pb_opt4_u8(m, 53, 5);
	pb_end4(m);
}

static void opts_53_last(struct pb *m)
{
	pb_opt4_u32(m, 51, 60);
	pb_opt4_str(m, 12, "h");
	pb_pad4(m, 3);
	pb_opt4_u8(m, 53, 5);
	pb_end4(m);
}

static void opts_53_last_no_end(struct pb *m)
{
	pb_opt4_u32(m, 51, 60);
	pb_opt4_u8(m, 53, 5);
}

static void opts_after_end_ignored(struct pb *m)
{
	pb_opt4_u8(m, 53, 5);
	pb_end4(m);
	pb_opt4_u32(m, 51, 60);		/* past END: not an option */
	pb_u8(m, 12);			/* even with a length past the end */
	pb_u8(m, 200);
}

static void test_v4_option_53_anywhere(void **state)
{
	(void)state;
	v4_with(0x0a000001, opts_pads_then_53);
	assert_int_equal(run(&fr), 1);
	v4_with(0x0a000001, opts_53_last);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(evs[0].valid_lft, 60);
	assert_int_equal(evs[0].hostname_len, 1);
	v4_with(0x0a000001, opts_53_last_no_end);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(evs[0].valid_lft, 60);
	v4_with(0x0a000001, opts_after_end_ignored);
	assert_int_equal(run(&fr), 1);
	assert_false(evs[0].flags & (LS_EVF_LEASE_TIME | LS_EVF_HOSTNAME));
}

static void opts_no_53(struct pb *m)
{
	pb_opt4_u32(m, 51, 60);
	pb_opt4_u32(m, 54, 1);
	pb_end4(m);
}

static void opts_53_empty(struct pb *m)
{
	pb_opt4(m, 53, "", 0);
	pb_end4(m);
}

static void opts_none(struct pb *m)
{
	(void)m;
}

static void test_v4_missing_option_53(void **state)
{
	(void)state;
	v4_with(0x0a000001, opts_no_53);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_NO_MSGTYPE);
	v4_with(0x0a000001, opts_53_empty);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_NO_MSGTYPE);
	v4_with(0x0a000001, opts_none);	/* BOOTP: cookie and nothing else */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_NO_MSGTYPE);
}

static void opts_overrun(struct pb *m)
{
	pb_opt4_u8(m, 53, 5);
	pb_u8(m, 12);
	pb_u8(m, 50);
	pb_put(m, "abcde", 5);
}

static void opts_code_only(struct pb *m)
{
	pb_opt4_u8(m, 53, 5);
	pb_u8(m, 61);	/* no length byte */
}

static void opts_53_overrun(struct pb *m)
{
	pb_u8(m, 53);
	pb_u8(m, 2);
	pb_u8(m, 5);
}

static void test_v4_option_overrun(void **state)
{
	(void)state;
	v4_with(0x0a000001, opts_overrun);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
	v4_with(0x0a000001, opts_code_only);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
	v4_with(0x0a000001, opts_53_overrun);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
}

static void opts_zero_len(struct pb *m)
{
	pb_opt4(m, 12, "", 0);
	pb_opt4(m, 61, "", 0);
	pb_opt4(m, 81, "", 0);
	pb_opt4(m, 51, "", 0);
	pb_opt4(m, 54, "", 0);
	pb_opt4(m, 200, "", 0);
	pb_opt4_u8(m, 53, 5);
	pb_end4(m);
}

static void test_v4_zero_length_options(void **state)
{
	const struct ls_event *e = &evs[0];

	(void)state;
	v4_with(0x0a000001, opts_zero_len);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(e->flags, LS_EVF_HOSTNAME | LS_EVF_CLIENT_ID);
	assert_int_equal(e->hostname_len, 0);
	assert_int_equal(e->client_id_len, 0);
	assert_int_equal(e->fqdn_len, 0);
	assert_int_equal(e->server_id_len, 0);
}

static void opts_long_fields(struct pb *m)
{
	char big[200];

	memset(big, 'h', sizeof(big));
	pb_opt4(m, 12, big, 100);
	pb_opt4(m, 61, big, 200);
	pb_opt4_u8(m, 53, 5);
	pb_end4(m);
}

static void test_v4_field_truncation(void **state)
{
	const struct ls_event *e = &evs[0];
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();

	(void)state;
	v4_with(0x0a000001, opts_long_fields);
	assert_int_equal(run(&fr), 1);
	assert_true(e->flags & LS_EVF_TRUNC);
	assert_int_equal(e->hostname_len, LS_HOSTNAME_MAX - 1);
	assert_int_equal(e->client_id_len, LS_CLIENT_ID_MAX);
	assert_int_equal(d.c[LS_CNT_FIELD_TRUNC], 2);
	/* hlen beyond chaddr's 16 bytes */
	h.yiaddr = 1;
	h.hlen = 20;
	pb_reset(&msg);
	pb_dhcp4_hdr(&msg, &h);
	pb_opt4_u8(&msg, 53, 5);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(e->hlen, 20);
	assert_true(e->flags & LS_EVF_TRUNC);
	assert_int_equal(d.c[LS_CNT_FIELD_TRUNC], 1);
}

static void test_v4_fragments(void **state)
{
	static const uint16_t frag[] = { 0x2000, 0x0001, 0x0100, 0x3fff, 0x6000 };
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();

	(void)state;
	build(fx_v4_frag);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_IP_FRAG);
	h.yiaddr = 1;
	fx_v4_msg(&msg, &h, 5, 0);
	for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		n.frag = frag[i];
		frame4(&n, &msg);
		assert_int_equal(run(&fr), 0);
		assert_outcome(LS_CNT_IP_FRAG);
	}
	n.frag = 0x4000;	/* DF alone is not a fragment */
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 1);
}

static void test_not_dhcp(void **state)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n;

	(void)state;
	build(fx_udp_dns);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
	h.yiaddr = 1;
	fx_v4_msg(&msg, &h, 5, 1);
	n = pb_net4();
	n.proto = 6;			/* TCP to port 67 */
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
	n = pb_net4();
	n.dport = 53;			/* one DHCP port is not enough */
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
	n = pb_net4();
	n.sport = 546;			/* DHCPv6 ports over IPv4 */
	n.dport = 547;
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
	n = pb_net6();
	n.sport = 67;			/* DHCPv4 ports over IPv6 */
	n.dport = 68;
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
	n = pb_net4();
	n.ethertype = 0x0806;		/* ARP */
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
	n = pb_net6();
	n.proto = 58;			/* ICMPv6 */
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
}

static void test_vlan_tags(void **state)
{
	static const uint16_t tpid[] = { 0x8100, 0x88a8, 0x9100 };
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n;

	(void)state;
	h.yiaddr = 1;
	fx_v4_msg(&msg, &h, 5, 0);
	for (int a = 0; a < 3; a++) {
		n = pb_net4();
		pb_net_vlan(&n, tpid[a], 0x1000 | 4094);	/* DEI/CFI set: masked */
		frame4(&n, &msg);
		assert_int_equal(run(&fr), 1);
		assert_int_equal(evs[0].n_vlan, 1);
		assert_int_equal(evs[0].vlan[0], 4094);
		for (int b = 0; b < 3; b++) {
			pb_net_vlan(&n, tpid[b], 0);
			frame4(&n, &msg);
			assert_int_equal(run(&fr), 1);
			assert_int_equal(evs[0].n_vlan, 2);
			assert_int_equal(evs[0].vlan[0], 4094);
			assert_int_equal(evs[0].vlan[1], 0);
			n.n_vlan = 1;
		}
	}
	/* a third tag is not followed */
	n = pb_net4();
	pb_net_vlan(&n, 0x88a8, 1);
	pb_net_vlan(&n, 0x8100, 2);
	frame4(&n, &msg);
	memmove(fr.d + 24, fr.d + 20, fr.len - 20);
	pb_set16(fr.d + 20, 0x8100);
	pb_set16(fr.d + 22, 3);
	fr.len += 4;
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_NOT_DHCP);
}

/* Every prefix of a consistent frame is cut inside some header or the IP datagram. */
static void truncate_all(void (*fx)(struct pb *), int v6)
{
	struct pb_layout lay;
	struct pb_net n = v6 ? pb_net6() : pb_net4();

	(void)n;
	fx(&fr);
	/* find L3 from the ethertype chain */
	lay.l3 = 14;
	while (fr.d[lay.l3 - 2] == 0x81 || fr.d[lay.l3 - 2] == 0x88 || fr.d[lay.l3 - 2] == 0x91)
		lay.l3 += 4;
	for (size_t len = 0; len < fr.len; len++) {
		assert_int_equal(run_len(fr.d, len, 0, 0), 0);
		if (len < lay.l3 + (v6 ? 40 : 20))
			assert_int_equal(d.c[LS_CNT_MAL_TRUNC_HDR], 1);
		else
			assert_int_equal(d.c[LS_CNT_MAL_BAD_IP], 1);
	}
}

static void test_truncated_every_layer(void **state)
{
	(void)state;
	truncate_all(fx_v4_ack_qinq, 0);
	truncate_all(fx_v4_ack_ascii_ipopt, 0);
	truncate_all(fx_v6_relayed, 1);
	truncate_all(fx_v6_reply, 1);
}

static void test_bad_ip_udp_dhcp_headers(void **state)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb_layout lay;
	struct pb keep;

	(void)state;
	h.yiaddr = 1;
	fx_v4_msg(&msg, &h, 5, 0);
	pb_frame(&fr, &n, msg.d, msg.len, &lay);
	keep = fr;
	fr.d[lay.l3] = 0x55;			/* version 5 */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_IP);
	fr = keep;
	fr.d[lay.l3] = 0x44;			/* IHL 16 bytes */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_IP);
	fr = keep;
	pb_set16(fr.d + lay.l3 + 2, 19);	/* total length < IHL */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_IP);
	fr = keep;
	pb_set16(fr.d + lay.l4 + 4, 7);		/* UDP length < 8 */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_UDP);
	fr = keep;
	pb_set16(fr.d + lay.l4 + 4, fr.len - lay.l4 + 1);	/* UDP length > IP payload */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_UDP);
	fr = keep;
	pb_set16(fr.d + lay.l4 + 4, 8 + 239);	/* UDP cuts the fixed header */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_DHCP_SHORT);
	fr = keep;
	fr.d[lay.payload + 236] = 0x64;		/* bad magic cookie */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_DHCP_SHORT);
	fr = keep;
	pb_set16(fr.d + lay.l4 + 4, 8 + 240 + 2);	/* UDP cuts option 53 */
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
	fr = keep;
	fr.len += 100;				/* Ethernet padding after the datagram */
	memset(fr.d + keep.len, 0xff, 100);
	assert_int_equal(run(&fr), 1);
	/* IPv6 payload length past the frame */
	n = pb_net6();
	pb_frame(&fr, &n, msg.d, msg.len, &lay);
	pb_set16(fr.d + lay.l3 + 4, fr.len - lay.l3 - 40 + 1);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_IP);
	/* IPv6 version nibble wrong */
	pb_frame(&fr, &n, msg.d, msg.len, &lay);
	fr.d[lay.l3] = 0x40;
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_BAD_IP);
	/* runt frames */
	for (size_t len = 0; len < 14; len++) {
		assert_int_equal(run_len(keep.d, len, 0, 0), 0);
		assert_outcome(LS_CNT_MAL_TRUNC_HDR);
	}
}

static void test_v4_too_big(void **state)
{
	(void)state;
	build(fx_v4_big);
	assert_int_equal(fr.len, 3000);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(d.c[LS_CNT_PKT_TOO_BIG], 1);
	assert_true(evs[0].flags & LS_EVF_TRUNC);
	assert_string_equal(evs[0].hostname, "laptop");
}

static void test_non_lease_types_ignored(void **state)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	static const uint8_t v4t[] = { 1, 2, 3, 8, 9, 10, 11, 12, 13, 200 };
	static const uint8_t v6t[] = { 1, 2, 3, 4, 5, 6, 10, 11, 14, 255 };

	(void)state;
	h.yiaddr = 1;
	for (size_t i = 0; i < sizeof(v4t); i++) {
		fx_v4_msg(&msg, &h, v4t[i], 1);
		frame4(&n, &msg);
		assert_int_equal(run(&fr), 0);
		assert_outcome(LS_CNT_PKT_IGNORED);
	}
	n = pb_net6();
	for (size_t i = 0; i < sizeof(v6t); i++) {
		pb_reset(&msg);
		fx_v6_reply_msg(&msg, v6t[i]);
		frame4(&n, &msg);
		assert_int_equal(run(&fr), 0);
		assert_outcome(LS_CNT_PKT_IGNORED);
	}
}

/* ---- IPv6 headers -------------------------------------------------------- */

static void test_v6_extension_headers(void **state)
{
	static const uint8_t types[] = { 0, 60, 43, 51 };
	struct pb_net n;

	(void)state;
	pb_reset(&msg);
	fx_v6_reply_msg(&msg, 7);
	for (int k = 1; k <= LS_V6_EXT_MAX; k++) {
		n = pb_net6();
		for (int i = 0; i < k; i++)
			pb_net_ext(&n, types[i % 4], i % 3);
		frame4(&n, &msg);
		assert_int_equal(run(&fr), 5);
	}
	build(fx_v6_ext9);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_EXT_HDRS);
	build(fx_v6_frag);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_IP_FRAG);
	/* an extension header longer than the payload */
	n = pb_net6();
	pb_net_ext(&n, 60, 0);
	frame4(&n, &msg);
	fr.d[14 + 41] = 255;
	assert_int_equal(run(&fr), 0);
	assert_true(d.c[LS_CNT_MAL_BAD_IP] + d.c[LS_CNT_MAL_TRUNC_HDR] == 1);
	/* an extension header cut by the frame end */
	n = pb_net6();
	pb_net_ext(&n, 0, 0);
	pb_frame(&fr, &n, "", 0, NULL);
	pb_set16(fr.d + 14 + 4, 4);
	fr.len = 14 + 40 + 4;
	assert_int_equal(run(&fr), 0);
	assert_true(d.c[LS_CNT_MAL_BAD_IP] + d.c[LS_CNT_MAL_TRUNC_HDR] == 1);
}

/* ---- DHCPv6 ---------------------------------------------------------- */

static void check_v6_identity(const struct ls_event *e)
{
	static const uint8_t wire[] = "\x04host\x07""example\x03""com";

	assert_int_equal(e->version, LS_EVENT_VERSION);
	assert_int_equal(e->family, 6);
	assert_int_equal(e->xid, 0xabcdef);
	assert_true(e->flags & LS_EVF_CLIENT_ID);
	assert_int_equal(e->client_id_len, sizeof(fx_duid_c));
	assert_memory_equal(e->client_id, fx_duid_c, sizeof(fx_duid_c));
	assert_true(e->flags & LS_EVF_SERVER_ID);
	assert_int_equal(e->server_id_len, sizeof(fx_duid_s));
	assert_memory_equal(e->server_id, fx_duid_s, sizeof(fx_duid_s));
	assert_true(e->flags & LS_EVF_FQDN);
	assert_false(e->flags & LS_EVF_FQDN_ASCII);
	assert_int_equal(e->fqdn_flags, 1);
	assert_int_equal(e->fqdn_len, sizeof(wire));
	assert_memory_equal(e->fqdn, wire, sizeof(wire));
	assert_true(e->flags & LS_EVF_LEASE_TIME);
}

static void check_lease(const struct ls_event *e, const uint8_t *addr, int plen, int ia_type,
			uint32_t iaid, uint32_t pref, uint32_t valid)
{
	assert_int_equal(e->type, LS_EV_V6_REPLY);
	assert_memory_equal(e->addr, addr, 16);
	assert_int_equal(e->prefix_len, plen);
	assert_int_equal(e->ia_type, ia_type);
	assert_int_equal(e->iaid, iaid);
	assert_int_equal(e->pref_lft, pref);
	assert_int_equal(e->valid_lft, valid);
}

static void check_reply_leases(void)
{
	uint8_t a[16];
	static const uint8_t p1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01 };
	static const uint8_t p2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x02 };

	for (int i = 0; i < 5; i++)
		check_v6_identity(&evs[i]);
	fx_a6(a, 5);
	check_lease(&evs[0], a, 128, LS_IA_NA, 0x02030405, 4500, 7200);
	fx_a6(a, 6);
	check_lease(&evs[1], a, 128, LS_IA_NA, 0x02030405, 4501, 7201);
	fx_a6(a, 7);
	check_lease(&evs[2], a, 128, LS_IA_TA, 7, 300, 600);
	check_lease(&evs[3], p1, 56, LS_IA_PD, 9, 1000, 2000);
	check_lease(&evs[4], p2, 60, LS_IA_PD, 9, 1001, 2001);
}

static void test_v6_reply_ias(void **state)
{
	(void)state;
	build(fx_v6_reply);
	assert_int_equal(run_len(fr.d, fr.len, 7, LS_DIR_EGRESS), 5);
	assert_int_equal(d.c[LS_CNT_EV_V6_REPLY], 5);
	check_reply_leases();
	for (int i = 0; i < 5; i++) {
		assert_false(evs[i].flags & LS_EVF_RELAYED);
		assert_int_equal(evs[i].relay_hops, 0);
		assert_int_equal(evs[i].ifindex, 7);
		assert_int_equal(evs[i].dir, LS_DIR_EGRESS);
	}
}

static void test_v6_release_decline(void **state)
{
	uint8_t a[16];

	(void)state;
	build(fx_v6_release);
	assert_int_equal(run(&fr), 1);
	assert_outcome(LS_CNT_EV_V6_RELEASE);
	assert_int_equal(evs[0].type, LS_EV_V6_RELEASE);
	assert_int_equal(evs[0].xid, 0x000102);
	fx_a6(a, 0x42);
	assert_memory_equal(evs[0].addr, a, 16);
	build(fx_v6_decline);
	assert_int_equal(run(&fr), 1);
	assert_outcome(LS_CNT_EV_V6_DECLINE);
	assert_int_equal(evs[0].type, LS_EV_V6_DECLINE);
	assert_false(evs[0].flags & LS_EVF_SERVER_ID);
	fx_a6(a, 0x43);
	assert_memory_equal(evs[0].addr, a, 16);
}

static void test_v6_relay_depths(void **state)
{
	uint8_t peer[16] = { 0xfe, 0x80 };

	(void)state;
	build(fx_v6_relayed);
	assert_int_equal(run(&fr), 5);
	check_reply_leases();
	peer[15] = 0x22;
	for (int i = 0; i < 5; i++) {
		assert_true(evs[i].flags & LS_EVF_RELAYED);
		assert_int_equal(evs[i].relay_hops, 2);
		assert_memory_equal(evs[i].relay_addr, peer, 16);
		assert_int_equal(evs[i].n_vlan, 1);
		assert_int_equal(evs[i].vlan[0], 7);
	}
	for (int depth = 1; depth <= LS_V6_RELAY_MAX; depth++) {
		fx_v6_nested(&fr, depth);
		assert_int_equal(run(&fr), 5);
		check_reply_leases();
		peer[15] = depth;	/* innermost relay */
		assert_int_equal(evs[0].relay_hops, depth);
		assert_memory_equal(evs[4].relay_addr, peer, 16);
	}
	for (int depth = LS_V6_RELAY_MAX + 1; depth <= 40; depth++) {
		fx_v6_nested(&fr, depth);
		assert_int_equal(run(&fr), 0);
		assert_outcome(LS_CNT_MAL_RELAY_DEPTH);
	}
}

static void test_v6_relay_without_message(void **state)
{
	static const uint8_t z[16];
	struct pb_net n = pb_net6();
	size_t r;

	(void)state;
	pb_reset(&msg);
	pb_u8(&msg, 13);
	pb_u8(&msg, 0);
	pb_put(&msg, z, 16);
	pb_put(&msg, z, 16);
	pb_opt6(&msg, 18, "eth0", 4);	/* interface-id, no relay message */
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_V6_NO_LEASE);
	/* an empty relay message */
	pb_reset(&msg);
	r = pb_relay6_begin(&msg, 13, 0, z, z);
	pb_opt6_end(&msg, r);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_DHCP_SHORT);
	/* a relay header cut short */
	pb_reset(&msg);
	pb_u8(&msg, 13);
	pb_u8(&msg, 0);
	pb_put(&msg, z, 16);
	pb_put(&msg, z, 15);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_DHCP_SHORT);
	/* a relay wrapping a RELAY-FORW wrapping a SOLICIT */
	pb_reset(&msg);
	r = pb_relay6_begin(&msg, 13, 0, z, z);
	{
		size_t r2 = pb_relay6_begin(&msg, 12, 0, z, z);

		pb_dhcp6_hdr(&msg, 1, 5);
		pb_opt6_end(&msg, r2);
	}
	pb_opt6_end(&msg, r);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_PKT_IGNORED);
}

static void test_v6_relay_hostile(void **state)
{
	static const uint8_t z[16];
	struct pb_net n = pb_net6();
	size_t r, r2;

	(void)state;
	/* option 9 longer than the relay message */
	pb_reset(&msg);
	r = pb_relay6_begin(&msg, 13, 0, z, z);
	fx_v6_reply_msg(&msg, 7);
	pb_opt6_end(&msg, r);
	pb_set16(msg.d + r + 2, msg.len - r - 4 + 1);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
	/* inner relay whose option 9 claims the outer one's length (self-like) */
	pb_reset(&msg);
	r = pb_relay6_begin(&msg, 13, 1, z, z);
	r2 = pb_relay6_begin(&msg, 13, 0, z, z);
	fx_v6_reply_msg(&msg, 7);
	pb_opt6_end(&msg, r2);
	pb_opt6_end(&msg, r);
	pb_set16(msg.d + r2 + 2, msg.d[r + 2] << 8 | msg.d[r + 3]);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
	/* relays all the way down with no message at the bottom */
	pb_reset(&msg);
	for (int i = 0; i < 50; i++)
		pb_relay6_begin(&msg, 13, i, z, z);
	for (int i = 49; i >= 0; i--)
		pb_opt6_end(&msg, i * 38 + 34);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_RELAY_DEPTH);
}

static void test_v6_status_codes(void **state)
{
	uint8_t a[16];
	struct pb_net n = pb_net6();
	size_t ia;

	(void)state;
	build(fx_v6_status);
	assert_int_equal(run(&fr), 1);
	fx_a6(a, 3);
	assert_memory_equal(evs[0].addr, a, 16);
	assert_int_equal(evs[0].iaid, 2);
	assert_int_equal(d.c[LS_CNT_V6_STATUS_FAIL], 2);	/* IA 1's and ::2 */
	/* message-level failure: nothing, counted once */
	pb_reset(&msg);
	fx_v6_reply_msg(&msg, 7);
	pb_status6(&msg, 3, "NoBinding");
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_V6_STATUS_FAIL);
	/* message-level success changes nothing */
	pb_reset(&msg);
	fx_v6_reply_msg(&msg, 7);
	memmove(msg.d + 4 + 6, msg.d + 4, msg.len - 4);
	memcpy(msg.d + 4, "\x00\x0d\x00\x02\x00\x00", 6);
	msg.len += 6;
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 5);
	/* a status code without its 2-byte code */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	ia = pb_ia_na_begin(&msg, 1, 0, 0);
	fx_a6(a, 1);
	pb_iaaddr(&msg, a, 1, 2);
	pb_opt6(&msg, 13, "\0", 1);
	pb_opt6_end(&msg, ia);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_LEN);
	/* every lease failed: the outcome is the status counter */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	ia = pb_ia_pd_begin(&msg, 1, 0, 0);
	pb_status6(&msg, 6, "NoPrefixAvail");
	pb_iaprefix(&msg, a, 64, 1, 2);
	pb_opt6_end(&msg, ia);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_int_equal(d.c[LS_CNT_V6_STATUS_FAIL], 1);
}

/*
 * Many IAs: IA 1 carries a good address, IAs 2..32 are empty, IA 33 fails.
 * IA 1's lease must survive (a failed IA drops only its own leases).
 */
static void test_v6_ia_status_beyond_ia_max(void **state)
{
	struct pb_net n = pb_net6();
	uint8_t a[16];
	size_t ia;

	(void)state;
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	ia = pb_ia_ta_begin(&msg, 1);
	fx_a6(a, 1);
	pb_iaaddr(&msg, a, 1, 2);
	pb_opt6_end(&msg, ia);
	for (int i = 2; i <= 33; i++) {
		ia = pb_ia_ta_begin(&msg, i);
		if (i == 33)
			pb_status6(&msg, 2, "NoAddrsAvail");
		pb_opt6_end(&msg, ia);
	}
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 1);
}

static void test_v6_leases_excess(void **state)
{
	uint8_t a[16];

	(void)state;
	build(fx_v6_many);
	assert_int_equal(run(&fr), LS_MAX_LEASES);
	assert_int_equal(d.c[LS_CNT_LEASES_EXCESS], 20 - LS_MAX_LEASES);
	for (int i = 0; i < LS_MAX_LEASES; i++) {
		fx_a6(a, i + 1);
		assert_memory_equal(evs[i].addr, a, 16);
		assert_int_equal(evs[i].valid_lft, 101 + i);
		assert_int_equal(evs[i].iaid, 5);
	}
}

static void test_v6_bad_lengths(void **state)
{
	struct pb_net n = pb_net6();
	uint8_t a[16] = { 0 };
	size_t ia;

	(void)state;
	/* IA_NA shorter than IAID+T1+T2 */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	pb_opt6(&msg, 3, "\0\0\0\1\0\0\0\0", 8);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_LEN);
	/* IAADDR shorter than 24 */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	ia = pb_ia_na_begin(&msg, 1, 0, 0);
	pb_opt6(&msg, 5, a, 16);
	pb_opt6_end(&msg, ia);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_LEN);
	/* IAPREFIX shorter than 25 */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	ia = pb_ia_pd_begin(&msg, 1, 0, 0);
	pb_opt6(&msg, 26, a, 16);
	pb_opt6_end(&msg, ia);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_LEN);
	/* a message with no IA at all */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	pb_opt6(&msg, 1, fx_duid_c, sizeof(fx_duid_c));
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_V6_NO_LEASE);
	/* a DHCPv6 header cut short */
	pb_reset(&msg);
	pb_put(&msg, "\x07\x00\x01", 3);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_DHCP_SHORT);
	/* an option header cut short (3 bytes left) */
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	pb_put(&msg, "\x00\x01\x00", 3);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 0);
	assert_outcome(LS_CNT_MAL_OPT_OVERRUN);
}

/* Every 16-bit field of the REPLY set to 0xffff and to its value + 1: no crash, invariant holds. */
static void test_v6_every_length_past_end(void **state)
{
	struct pb_layout lay;
	struct pb_net n = pb_net6();
	struct pb keep;
	int overrun = 0;

	(void)state;
	pb_reset(&msg);
	fx_v6_reply_msg(&msg, 7);
	pb_frame(&keep, &n, msg.d, msg.len, &lay);
	for (size_t off = lay.payload + 4; off + 2 <= keep.len; off++) {
		for (int k = 0; k < 2; k++) {
			uint16_t v = keep.d[off] << 8 | keep.d[off + 1];

			fr = keep;
			pb_set16(fr.d + off, k ? 0xffff : v + 1);
			run(&fr);
			overrun += d.c[LS_CNT_MAL_OPT_OVERRUN] != 0;
		}
	}
	/* the message's option lengths: every one of them overruns */
	assert_true(overrun >= 16);
}

static void test_v6_zero_length_duids(void **state)
{
	struct pb_net n = pb_net6();
	uint8_t a[16];
	size_t ia;
	char buf[1024];
	FILE *f;

	(void)state;
	pb_reset(&msg);
	pb_dhcp6_hdr(&msg, 7, 1);
	pb_opt6(&msg, 1, "", 0);
	pb_opt6(&msg, 2, "", 0);
	pb_opt6(&msg, 39, "", 0);	/* FQDN without its flags byte: ignored */
	ia = pb_ia_na_begin(&msg, 1, 0, 0);
	fx_a6(a, 1);
	pb_iaaddr(&msg, a, 1, 2);
	pb_opt6_end(&msg, ia);
	frame4(&n, &msg);
	assert_int_equal(run(&fr), 1);
	assert_int_equal(evs[0].flags & (LS_EVF_CLIENT_ID | LS_EVF_SERVER_ID | LS_EVF_FQDN),
			 LS_EVF_CLIENT_ID | LS_EVF_SERVER_ID);
	assert_int_equal(evs[0].client_id_len, 0);
	assert_int_equal(evs[0].server_id_len, 0);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	assert_int_equal(evfmt_json(f, &evs[0]), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"duid\":\"\""));
	assert_non_null(strstr(buf, "\"server_duid\":\"\""));
}

static void test_fqdn_invalid_labels(void **state)
{
	static const struct {
		const char *name;
		size_t len;
	} bad[] = {
		{ "\x40" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0", 66 },
		{ "\x05" "ab", 3 },
		{ "\x03" "abc\x09" "x", 6 },
		{ "\xc0\x0c", 2 },	/* compression pointer */
	};
	struct pb_net n = pb_net6();
	uint8_t a[16], opt[80];
	char out[256], buf[2048];
	size_t ia;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(evfmt_fqdn((const uint8_t *)bad[i].name, bad[i].len, 0, out,
					    sizeof(out)), -EINVAL);
		assert_string_equal(out, "");
		/* through the parser and the JSON writer */
		pb_reset(&msg);
		pb_dhcp6_hdr(&msg, 7, 1);
		opt[0] = 0;
		memcpy(opt + 1, bad[i].name, bad[i].len);
		pb_opt6(&msg, 39, opt, bad[i].len + 1);
		ia = pb_ia_na_begin(&msg, 1, 0, 0);
		fx_a6(a, 1);
		pb_iaaddr(&msg, a, 1, 2);
		pb_opt6_end(&msg, ia);
		frame4(&n, &msg);
		assert_int_equal(run(&fr), 1);
		assert_int_equal(evs[0].fqdn_len, bad[i].len);
		f = fmemopen(buf, sizeof(buf), "w");
		assert_non_null(f);
		assert_int_equal(evfmt_json(f, &evs[0]), 0);
		fclose(f);
		assert_null(strstr(buf, "\"fqdn\":"));
		assert_non_null(strstr(buf, "\"fqdn_invalid\":\""));
	}
	/* good names: partial, root, escapes */
	assert_int_equal(evfmt_fqdn((const uint8_t *)"\x04host", 5, 0, out, sizeof(out)), 4);
	assert_string_equal(out, "host");
	assert_int_equal(evfmt_fqdn((const uint8_t *)"", 1, 0, out, sizeof(out)), 1);
	assert_string_equal(out, ".");
	assert_int_equal(evfmt_fqdn((const uint8_t *)"\x03" "a.b\0", 5, 0, out, sizeof(out)), 5);
	assert_string_equal(out, "a\\.b.");
}

/*
 * ls_quick_not_dhcp() is compiled by gcc too (it lives in dhcp_parse.h):
 * sure only of plain non-DHCP traffic, never of a fixture that yields an
 * event, and it reads an odd-aligned frame (UBSan checks the 16-bit loads).
 */
static void test_quick_not_dhcp(void **state)
{
	static uint8_t odd[PB_MAX + 1];
	int nfx;
	const struct pktfix *fx = pktfix_table(&nfx);

	(void)state;
	build(fx_udp_dns);
	assert_int_equal(ls_quick_not_dhcp(fr.d, fr.d + fr.len), 1);
	memcpy(odd + 1, fr.d, fr.len);
	assert_int_equal(ls_quick_not_dhcp(odd + 1, odd + 1 + fr.len), 1);
	/* behind VLAN tags it is never sure: the full path decides */
	build(fx_v4_ack_qinq);
	assert_int_equal(ls_quick_not_dhcp(fr.d, fr.d + fr.len), 0);
	for (int i = 0; i < nfx; i++) {
		fx[i].build(&fr);
		if (run(&fr) > 0 && ls_quick_not_dhcp(fr.d, fr.d + fr.len))
			fail_msg("quick path drops fixture %s", fx[i].name);
	}
}

/* ---- hostile bytes --------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state >> 32;
}

static void test_ff_and_random_frames(void **state)
{
	static const uint16_t et[] = { 0x0800, 0x86dd, 0x8100, 0x88a8 };
	int nfx;
	const struct pktfix *fx = pktfix_table(&nfx);

	(void)state;
	for (size_t len = 0; len <= 3000; len += (len < 600 ? 1 : 37)) {
		memset(fr.d, 0xff, len);
		run_len(fr.d, len, 0, 0);
		memset(fr.d, 0x00, len);
		run_len(fr.d, len, 0, 0);
		/* 0xff after a plausible ethertype */
		memset(fr.d, 0xff, len);
		if (len >= 14) {
			pb_set16(fr.d + 12, et[len % 4]);
			run_len(fr.d, len, 0, 0);
		}
	}
	rng_state = 0x5eed1234abcdULL;
	for (int i = 0; i < 20000; i++) {
		size_t len = rnd() % 700;

		if (i & 1) {
			/* random bytes under valid headers */
			fx[rnd() % nfx].build(&fr);
			for (size_t j = 60; j < fr.len; j++)
				fr.d[j] = rnd();
			len = fr.len;
		} else {
			for (size_t j = 0; j < len; j++)
				fr.d[j] = rnd();
			if (len >= 14)
				pb_set16(fr.d + 12, et[rnd() % 4]);
		}
		run_len(fr.d, len, 0, 0);
	}
}

static void test_fixture_mutations(void **state)
{
	int nfx;
	const struct pktfix *fx = pktfix_table(&nfx);
	struct pb keep;

	(void)state;
	rng_state = 0x0ddba11ULL;
	for (int k = 0; k < nfx; k++) {
		fx[k].build(&keep);
		for (int i = 0; i < 2000; i++) {
			fr = keep;
			for (int m = 1 + rnd() % 4; m > 0; m--)
				fr.d[rnd() % fr.len] ^= 1u << (rnd() % 8);
			run_len(fr.d, rnd() % 8 ? fr.len : rnd() % fr.len, 0, 0);
		}
	}
}

/* ---- JSON output ------------------------------------------------------- */

static void json_of(const struct ls_event *e, char *buf, size_t n)
{
	FILE *f = fmemopen(buf, n, "w");

	assert_non_null(f);
	assert_int_equal(evfmt_json(f, e), 0);
	fclose(f);
}

static void test_json_v4(void **state)
{
	char buf[2048];

	(void)state;
	build(fx_v4_ack);
	assert_int_equal(run_len(fr.d, fr.len, 3, LS_DIR_EGRESS), 1);
	json_of(&evs[0], buf, sizeof(buf));
	assert_string_equal(buf,
		"{\"family\":4,\"type\":\"ack\",\"addr\":\"192.0.2.10\","
		"\"hwaddr\":\"00:0c:29:1f:74:06\",\"htype\":1,\"client_id\":\"01000c291f7406\","
		"\"hostname\":\"laptop\",\"fqdn\":\"laptop.example.com.\",\"fqdn_flags\":5,"
		"\"valid_lifetime\":86400,\"server_id\":\"192.0.2.1\",\"xid\":\"0x06e32864\","
		"\"relayed\":false,\"vlan\":[],\"dir\":\"egress\",\"ifindex\":3}\n");
	build(fx_v4_ack_qinq);
	assert_int_equal(run(&fr), 1);
	json_of(&evs[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"relayed\":true,\"giaddr\":\"10.0.0.1\",\"vlan\":[100,200],"
				    "\"dir\":\"ingress\",\"ifindex\":0}\n"));
	build(fx_v4_nak);
	assert_int_equal(run(&fr), 1);
	json_of(&evs[0], buf, sizeof(buf));
	assert_string_equal(buf,
		"{\"family\":4,\"type\":\"nak\",\"hwaddr\":\"00:0c:29:1f:74:06\",\"htype\":1,"
		"\"server_id\":\"192.0.2.1\",\"xid\":\"0x06e32864\",\"relayed\":false,"
		"\"vlan\":[],\"dir\":\"ingress\",\"ifindex\":0}\n");
}

static void test_json_v6(void **state)
{
	char buf[2048];

	(void)state;
	build(fx_v6_relayed);
	assert_int_equal(run_len(fr.d, fr.len, 4, LS_DIR_INGRESS), 5);
	json_of(&evs[0], buf, sizeof(buf));
	assert_string_equal(buf,
		"{\"family\":6,\"type\":\"reply\",\"addr\":\"2001:db8:1::5\",\"prefix_len\":128,"
		"\"ia_type\":\"na\",\"duid\":\"000100011c39cf88080027fe8f95\",\"iaid\":33752069,"
		"\"fqdn\":\"host.example.com.\",\"fqdn_flags\":1,\"valid_lifetime\":7200,"
		"\"preferred_lifetime\":4500,\"server_duid\":\"000100011c39cf01080027000001\","
		"\"xid\":\"0xabcdef\",\"relayed\":true,\"relay_peer\":\"fe80::22\","
		"\"relay_hops\":2,\"vlan\":[7],\"dir\":\"ingress\",\"ifindex\":4}\n");
	json_of(&evs[3], buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"addr\":\"2001:db8:100::\",\"prefix_len\":56,"
				    "\"ia_type\":\"pd\","));
	json_of(&evs[2], buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"ia_type\":\"ta\",") );
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_ack_fields),
		cmocka_unit_test(test_v4_relayed_qinq),
		cmocka_unit_test(test_v4_fqdn_ascii_ip_options),
		cmocka_unit_test(test_v4_ack_without_yiaddr),
		cmocka_unit_test(test_v4_nak),
		cmocka_unit_test(test_v4_release_uses_ciaddr),
		cmocka_unit_test(test_v4_decline_uses_option_50),
		cmocka_unit_test(test_v4_option_53_anywhere),
		cmocka_unit_test(test_v4_missing_option_53),
		cmocka_unit_test(test_v4_option_overrun),
		cmocka_unit_test(test_v4_zero_length_options),
		cmocka_unit_test(test_v4_field_truncation),
		cmocka_unit_test(test_v4_fragments),
		cmocka_unit_test(test_not_dhcp),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_truncated_every_layer),
		cmocka_unit_test(test_bad_ip_udp_dhcp_headers),
		cmocka_unit_test(test_v4_too_big),
		cmocka_unit_test(test_non_lease_types_ignored),
		cmocka_unit_test(test_v6_extension_headers),
		cmocka_unit_test(test_v6_reply_ias),
		cmocka_unit_test(test_v6_release_decline),
		cmocka_unit_test(test_v6_relay_depths),
		cmocka_unit_test(test_v6_relay_without_message),
		cmocka_unit_test(test_v6_relay_hostile),
		cmocka_unit_test(test_v6_status_codes),
		cmocka_unit_test(test_v6_leases_excess),
		cmocka_unit_test(test_v6_bad_lengths),
		cmocka_unit_test(test_v6_every_length_past_end),
		cmocka_unit_test(test_v6_zero_length_duids),
		cmocka_unit_test(test_fqdn_invalid_labels),
		cmocka_unit_test(test_ff_and_random_frames),
		cmocka_unit_test(test_fixture_mutations),
		cmocka_unit_test(test_json_v4),
		cmocka_unit_test(test_json_v6),
		cmocka_unit_test(test_v6_ia_status_beyond_ia_max),
		cmocka_unit_test(test_quick_not_dhcp),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
