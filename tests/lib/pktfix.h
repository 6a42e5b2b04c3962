/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tests/lib/pktfix.h - named fixture frames built with pktbuild.h, shared by
 * tests/unit/wire/test_parse.c (which asserts their exact events) and
 * tests/bpf/test_bpf_parse.c (which runs them through the kernel programs and
 * the gcc build and compares), and used as fuzz seeds. Each fixture is one
 * frame; pktfix_table() lists them all.
 */
#ifndef LS_TEST_PKTFIX_H
#define LS_TEST_PKTFIX_H

#include "tests/lib/pktbuild.h"

static const uint8_t fx_duid_c[] = { 0x00, 0x01, 0x00, 0x01, 0x1c, 0x39, 0xcf, 0x88,
				     0x08, 0x00, 0x27, 0xfe, 0x8f, 0x95 };
static const uint8_t fx_duid_s[] = { 0x00, 0x01, 0x00, 0x01, 0x1c, 0x39, 0xcf, 0x01,
				     0x08, 0x00, 0x27, 0x00, 0x00, 0x01 };
static const uint8_t fx_cid4[] = { 0x01, 0x00, 0x0c, 0x29, 0x1f, 0x74, 0x06 };

/* 2001:db8:1::<n> */
static inline void fx_a6(uint8_t a[16], uint8_t n)
{
	static const uint8_t base[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };

	memcpy(a, base, 16);
	a[15] = n;
}

/* A DHCPv4 message: @type (option 53) with the usual ACK options after it. */
static inline void fx_v4_msg(struct pb *m, const struct pb_dhcp4 *h, uint8_t type, int full)
{
	pb_reset(m);
	pb_dhcp4_hdr(m, h);
	pb_opt4_u8(m, DHCP4_OPT_MSG_TYPE, type);
	if (full) {
		pb_opt4_u32(m, DHCP4_OPT_SERVER_ID, 0xc0000201);	/* 192.0.2.1 */
		pb_opt4_u32(m, DHCP4_OPT_LEASE_TIME, 86400);
		pb_opt4(m, DHCP4_OPT_CLIENT_ID, fx_cid4, sizeof(fx_cid4));
		pb_opt4_str(m, DHCP4_OPT_HOST_NAME, "laptop");
		pb_opt4_fqdn(m, DHCP_FQDN_E | DHCP_FQDN_S, "laptop.example.com.");
	}
	pb_end4(m);
}

/* The DESIGN.md example ACK: 192.0.2.10 to 00:0c:29:1f:74:06, every field present. */
static inline void fx_v4_ack(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.yiaddr = 0xc000020a;
	fx_v4_msg(&m, &h, DHCP4_MSG_ACK, 1);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* Relayed ACK (giaddr 10.0.0.1) behind QinQ 802.1ad 100 / 802.1Q 200 (PCP bits set). */
static inline void fx_v4_ack_qinq(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.yiaddr = 0xc000020b;
	h.giaddr = 0x0a000001;
	fx_v4_msg(&m, &h, DHCP4_MSG_ACK, 1);
	pb_net_vlan(&n, ETH_P_8021AD, 0xe064);
	pb_net_vlan(&n, ETH_P_8021Q, 0x00c8);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* ACK with the deprecated ASCII FQDN (E=0) and IPv4 header options (NOP x4 + RA). */
static inline void fx_v4_ack_ascii_ipopt(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.yiaddr = 0xc000020c;
	pb_reset(&m);
	pb_dhcp4_hdr(&m, &h);
	pb_opt4_fqdn(&m, 0x01, "laptop.example.com");
	pb_opt4_u8(&m, 53, 5);
	pb_end4(&m);
	memcpy(n.ip4_opts, "\x01\x01\x01\x01\x94\x04\x00\x00", 8);
	n.ip4_opt_len = 8;
	pb_net_vlan(&n, ETH_P_8021Q, 42);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v4_ack_noaddr(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	fx_v4_msg(&m, &h, DHCP4_MSG_ACK, 1);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v4_nak(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	pb_reset(&m);
	pb_dhcp4_hdr(&m, &h);
	pb_opt4_u8(&m, 53, 6);
	pb_opt4_u32(&m, 54, 0xc0000201);
	pb_end4(&m);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* RELEASE from the client: ciaddr 192.0.2.20 (yiaddr junk that must be ignored). */
static inline void fx_v4_release(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.op = 1;
	h.ciaddr = 0xc0000214;
	h.yiaddr = 0x01020304;
	n.sport = DHCP4_CLIENT_PORT;
	n.dport = DHCP4_SERVER_PORT;
	pb_reset(&m);
	pb_dhcp4_hdr(&m, &h);
	pb_opt4_u8(&m, DHCP4_OPT_MSG_TYPE, DHCP4_MSG_RELEASE);
	pb_opt4(&m, DHCP4_OPT_CLIENT_ID, fx_cid4, sizeof(fx_cid4));
	pb_end4(&m);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* DECLINE: the address in option 50, after 300 PADs; no END option. */
static inline void fx_v4_decline(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.op = 1;
	n.sport = DHCP4_CLIENT_PORT;
	n.dport = DHCP4_SERVER_PORT;
	pb_reset(&m);
	pb_dhcp4_hdr(&m, &h);
	pb_pad4(&m, 300);
	pb_opt4_u32(&m, DHCP4_OPT_REQUESTED_IP, 0xc0000215);
	pb_opt4_u8(&m, DHCP4_OPT_MSG_TYPE, DHCP4_MSG_DECLINE);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v4_discover(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.op = 1;
	n.sport = DHCP4_CLIENT_PORT;
	n.dport = DHCP4_SERVER_PORT;
	fx_v4_msg(&m, &h, DHCP4_MSG_DISCOVER, 0);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_udp_dns(struct pb *f)
{
	struct pb_net n = pb_net4();

	n.sport = 53;
	n.dport = 33000;
	pb_frame(f, &n, "\x12\x34\x81\x80\0\0\0\0\0\0\0\0", 12, NULL);
}

/*
 * The v6 REPLY of the tests: client/server DUID, FQDN, IA_NA 0x02030405 with
 * ::5 and ::6, IA_TA 7 with ::7, IA_PD 9 with 2001:db8:100::/56 and
 * 2001:db8:200::/60.
 */
static inline void fx_v6_reply_msg(struct pb *m, uint8_t type)
{
	uint8_t a[16], p1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01 },
			p2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x02 };
	size_t ia;

	pb_dhcp6_hdr(m, type, 0xabcdef);
	pb_opt6(m, DHCP6_OPT_CLIENTID, fx_duid_c, sizeof(fx_duid_c));
	pb_opt6(m, DHCP6_OPT_SERVERID, fx_duid_s, sizeof(fx_duid_s));
	ia = pb_ia_na_begin(m, 0x02030405, 3600, 5400);
	fx_a6(a, 5);
	pb_iaaddr(m, a, 4500, 7200);
	fx_a6(a, 6);
	pb_iaaddr(m, a, 4501, 7201);
	pb_opt6_end(m, ia);
	ia = pb_ia_ta_begin(m, 7);
	fx_a6(a, 7);
	pb_iaaddr(m, a, 300, 600);
	pb_opt6_end(m, ia);
	ia = pb_ia_pd_begin(m, 9, 0, 0);
	pb_iaprefix(m, p1, 56, 1000, 2000);
	pb_status6(m, DHCP6_STATUS_SUCCESS, "ok");
	pb_iaprefix(m, p2, 60, 1001, 2001);
	pb_opt6_end(m, ia);
	pb_fqdn6(m, 0x01, "host.example.com.");
}

static inline void fx_v6_reply(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;

	pb_reset(&m);
	fx_v6_reply_msg(&m, DHCP6_MSG_REPLY);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* The same REPLY in two RELAY-REPL levels, behind one 802.1Q tag and v6 extension headers. */
static inline void fx_v6_relayed(struct pb *f)
{
	static const uint8_t link[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const uint8_t peer1[16] = { 0xfe, 0x80, [15] = 0x11 };
	static const uint8_t peer2[16] = { 0xfe, 0x80, [15] = 0x22 };
	struct pb_net n = pb_net6();
	struct pb m;
	size_t r1, r2;

	pb_reset(&m);
	r1 = pb_relay6_begin(&m, DHCP6_MSG_RELAY_REPL, 1, link, peer1);
	r2 = pb_relay6_begin(&m, DHCP6_MSG_RELAY_REPL, 0, link, peer2);
	fx_v6_reply_msg(&m, DHCP6_MSG_REPLY);
	pb_opt6_end(&m, r2);
	pb_opt6_end(&m, r1);
	pb_net_vlan(&n, ETH_P_8021Q, 7);
	pb_net_ext(&n, IPPROTO_HOPOPTS, 0);
	pb_net_ext(&n, IPPROTO_DSTOPTS, 1);
	pb_net_ext(&n, IPPROTO_ROUTING, 2);
	pb_net_ext(&n, IPPROTO_AH, 1);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v6_release(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;
	uint8_t a[16];
	size_t ia;

	n.sport = DHCP6_CLIENT_PORT;
	n.dport = DHCP6_SERVER_PORT;
	pb_reset(&m);
	pb_dhcp6_hdr(&m, DHCP6_MSG_RELEASE, 0x000102);
	pb_opt6(&m, DHCP6_OPT_CLIENTID, fx_duid_c, sizeof(fx_duid_c));
	pb_opt6(&m, DHCP6_OPT_SERVERID, fx_duid_s, sizeof(fx_duid_s));
	ia = pb_ia_na_begin(&m, 1, 0, 0);
	fx_a6(a, 0x42);
	pb_iaaddr(&m, a, 0, 0);
	pb_opt6_end(&m, ia);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v6_decline(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;
	uint8_t a[16];
	size_t ia;

	n.sport = DHCP6_CLIENT_PORT;
	n.dport = DHCP6_SERVER_PORT;
	pb_reset(&m);
	pb_dhcp6_hdr(&m, DHCP6_MSG_DECLINE, 0x000103);
	pb_opt6(&m, DHCP6_OPT_CLIENTID, fx_duid_c, sizeof(fx_duid_c));
	ia = pb_ia_na_begin(&m, 2, 0, 0);
	fx_a6(a, 0x43);
	pb_iaaddr(&m, a, 0, 0);
	pb_opt6_end(&m, ia);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* REPLY: IA_NA 1 fails (NoAddrsAvail), IA_NA 2 has ::2 failed at address level and ::3 good. */
static inline void fx_v6_status(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;
	uint8_t a[16];
	size_t ia, ad;

	pb_reset(&m);
	pb_dhcp6_hdr(&m, DHCP6_MSG_REPLY, 0x000104);
	pb_opt6(&m, DHCP6_OPT_CLIENTID, fx_duid_c, sizeof(fx_duid_c));
	ia = pb_ia_na_begin(&m, 1, 0, 0);
	fx_a6(a, 1);
	pb_iaaddr(&m, a, 10, 20);
	pb_status6(&m, DHCP6_STATUS_NO_ADDRS_AVAIL, "NoAddrsAvail");
	pb_opt6_end(&m, ia);
	ia = pb_ia_na_begin(&m, 2, 0, 0);
	fx_a6(a, 2);
	ad = pb_iaaddr_begin(&m, a, 10, 20);
	pb_status6(&m, 1, "UnspecFail");
	pb_opt6_end(&m, ad);
	fx_a6(a, 3);
	pb_iaaddr(&m, a, 11, 21);
	pb_opt6_end(&m, ia);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* REPLY with 20 addresses in one IA_NA: 16 reported, 4 counted as excess. */
static inline void fx_v6_many(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;
	uint8_t a[16];
	size_t ia;

	pb_reset(&m);
	pb_dhcp6_hdr(&m, DHCP6_MSG_REPLY, 0x000105);
	pb_opt6(&m, DHCP6_OPT_CLIENTID, fx_duid_c, sizeof(fx_duid_c));
	ia = pb_ia_na_begin(&m, 5, 0, 0);
	for (int i = 1; i <= 20; i++) {
		fx_a6(a, i);
		pb_iaaddr(&m, a, i, 100 + i);
	}
	pb_opt6_end(&m, ia);
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* A REPLY wrapped in @depth RELAY-REPL levels; peer of level i is fe80::<i+1>. */
static inline void fx_v6_nested(struct pb *f, int depth)
{
	static const uint8_t link[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	struct pb_net n = pb_net6();
	struct pb m;
	uint8_t peer[16] = { 0xfe, 0x80 };
	size_t r[64];

	pb_reset(&m);
	for (int i = 0; i < depth && i < 64; i++) {
		peer[15] = i + 1;
		r[i] = pb_relay6_begin(&m, DHCP6_MSG_RELAY_REPL, depth - 1 - i, link, peer);
	}
	fx_v6_reply_msg(&m, DHCP6_MSG_REPLY);
	for (int i = (depth < 64 ? depth : 64) - 1; i >= 0; i--)
		pb_opt6_end(&m, r[i]);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v6_relay8(struct pb *f)
{
	fx_v6_nested(f, 8);
}

static inline void fx_v6_relay9(struct pb *f)
{
	fx_v6_nested(f, 9);
}

/* A 9-deep extension header chain: counted, not followed. */
static inline void fx_v6_ext9(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;

	pb_reset(&m);
	fx_v6_reply_msg(&m, DHCP6_MSG_REPLY);
	for (int i = 0; i < 9; i++)
		pb_net_ext(&n, IPPROTO_DSTOPTS, 0);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v6_frag(struct pb *f)
{
	struct pb_net n = pb_net6();
	struct pb m;

	pb_reset(&m);
	fx_v6_reply_msg(&m, DHCP6_MSG_REPLY);
	pb_net_ext(&n, IPPROTO_HOPOPTS, 0);
	pb_net_ext(&n, IPPROTO_FRAGMENT, 0);
	pb_frame(f, &n, m.d, m.len, NULL);
}

static inline void fx_v4_frag(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.yiaddr = 0xc000020a;
	fx_v4_msg(&m, &h, DHCP4_MSG_ACK, 1);
	n.frag = 0x2000;	/* MF */
	pb_frame(f, &n, m.d, m.len, NULL);
}

/* A 3000-byte frame: the ACK's options end early, padding fills the rest. */
static inline void fx_v4_big(struct pb *f)
{
	struct pb_dhcp4 h = pb_dhcp4_default();
	struct pb_net n = pb_net4();
	struct pb m;

	h.yiaddr = 0xc000020d;
	fx_v4_msg(&m, &h, DHCP4_MSG_ACK, 1);
	pb_zero(&m, 3000 - 42 - m.len);
	pb_frame(f, &n, m.d, m.len, NULL);
}

struct pktfix {
	const char *name;
	void (*build)(struct pb *f);
};

/* pktfix_table() - every fixture; *n receives the count. */
static inline const struct pktfix *pktfix_table(int *n)
{
	static const struct pktfix t[] = {
		{ "v4 ack", fx_v4_ack },
		{ "v4 ack qinq relayed", fx_v4_ack_qinq },
		{ "v4 ack ascii fqdn ip options", fx_v4_ack_ascii_ipopt },
		{ "v4 ack yiaddr 0", fx_v4_ack_noaddr },
		{ "v4 nak", fx_v4_nak },
		{ "v4 release", fx_v4_release },
		{ "v4 decline after pads", fx_v4_decline },
		{ "v4 discover", fx_v4_discover },
		{ "v4 fragment", fx_v4_frag },
		{ "v4 3000-byte frame", fx_v4_big },
		{ "udp dns", fx_udp_dns },
		{ "v6 reply", fx_v6_reply },
		{ "v6 relayed ext hdrs vlan", fx_v6_relayed },
		{ "v6 release", fx_v6_release },
		{ "v6 decline", fx_v6_decline },
		{ "v6 status codes", fx_v6_status },
		{ "v6 20 addresses", fx_v6_many },
		{ "v6 relay depth 8", fx_v6_relay8 },
		{ "v6 relay depth 9", fx_v6_relay9 },
		{ "v6 9 extension headers", fx_v6_ext9 },
		{ "v6 fragment", fx_v6_frag },
	};

	*n = sizeof(t) / sizeof(t[0]);
	return t;
}

#endif
