// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/wire/test_dhcp_parse.c - the decisions of bpf/dhcp_parse.h on
 * their own, in its gcc build: ls_hdr_classify() (the header pass: which
 * verdict or counter a frame gets, counting nothing) and ls_v6_opt_decide()
 * (what one step of the DHCPv6 walk does, for each container depth, status,
 * relay and length case). The code that applies them (ls_parse_headers(),
 * ls_v6_opt_step()) is covered end to end by test_parse.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ringbuf/event.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "bpf/dhcp_parse.h"
#pragma GCC diagnostic pop
#include "tests/lib/pktbuild.h"
#include "tests/lib/pktfix.h"

static struct ls_scratch s;
static struct ls_hdr h;
static struct pb fr;

/* ls_hdr_classify() on the first @len bytes of @f (the frame is f->len long). */
static __u32 classify_len(const struct pb *f, __u32 len)
{
	memset(&s, 0, sizeof(s));
	memset(&h, 0, sizeof(h));
	memcpy(s.buf, f->d, f->len < LS_BUF_SZ ? f->len : LS_BUF_SZ);
	return ls_hdr_classify(&s, len, f->len, &h);
}

static __u32 classify(const struct pb *f)
{
	return classify_len(f, f->len < LS_BUF_SZ ? f->len : LS_BUF_SZ);
}

static void frame_of(const struct pb_net *n)
{
	struct pb m;
	struct pb_dhcp4 d = pb_dhcp4_default();

	if (n->family == 4)
		fx_v4_msg(&m, &d, DHCP4_MSG_ACK, 1);
	else {
		pb_reset(&m);
		fx_v6_reply_msg(&m, DHCP6_MSG_REPLY);
	}
	pb_frame(&fr, n, m.d, m.len, NULL);
}

static void t_hdr_dhcp(void **st)
{
	(void)st;
	fx_v4_ack(&fr);
	assert_int_equal(classify(&fr), LS_HDR_DHCP);
	assert_int_equal(h.family, 4);
	assert_int_equal(h.l3_off, ETH_HLEN);
	assert_int_equal(h.dhcp_off, ETH_HLEN + LS_IP4_HLEN + LS_UDP_HLEN);
	assert_int_equal(h.dhcp_end, fr.len);
	assert_int_equal(h.n_vlan, 0);

	fx_v4_ack_qinq(&fr);
	assert_int_equal(classify(&fr), LS_HDR_DHCP);
	assert_int_equal(h.n_vlan, 2);
	assert_int_equal(h.l3_off, ETH_HLEN + 2 * LS_VLAN_HLEN);

	fx_v6_reply(&fr);
	assert_int_equal(classify(&fr), LS_HDR_DHCP);
	assert_int_equal(h.family, 6);
	assert_int_equal(h.dhcp_off, ETH_HLEN + LS_IP6_HLEN + LS_UDP_HLEN);
}

static void t_hdr_counters(void **st)
{
	struct pb_net n;

	(void)st;
	fx_udp_dns(&fr);
	assert_int_equal(classify(&fr), LS_CNT_PKT_NOT_DHCP);
	fx_v4_frag(&fr);
	assert_int_equal(classify(&fr), LS_CNT_IP_FRAG);
	fx_v6_frag(&fr);
	assert_int_equal(classify(&fr), LS_CNT_IP_FRAG);
	fx_v6_ext9(&fr);
	assert_int_equal(classify(&fr), LS_CNT_MAL_EXT_HDRS);

	n = pb_net4();
	n.proto = IPPROTO_TCP;
	frame_of(&n);
	assert_int_equal(classify(&fr), LS_CNT_PKT_NOT_DHCP);

	n = pb_net4();
	n.ethertype = ETH_P_ARP;
	frame_of(&n);
	assert_int_equal(classify(&fr), LS_CNT_PKT_NOT_DHCP);

	/* IP version 5 behind an IPv4 EtherType */
	fx_v4_ack(&fr);
	fr.d[ETH_HLEN] = 0x55;
	assert_int_equal(classify(&fr), LS_CNT_MAL_BAD_IP);
	/* IPv4 total length past the frame */
	fx_v4_ack(&fr);
	pb_set16(&fr.d[ETH_HLEN + 2], fr.len);
	assert_int_equal(classify(&fr), LS_CNT_MAL_BAD_IP);
	/* UDP length past the IP payload, and shorter than its header */
	fx_v4_ack(&fr);
	pb_set16(&fr.d[ETH_HLEN + LS_IP4_HLEN + 4], fr.len);
	assert_int_equal(classify(&fr), LS_CNT_MAL_BAD_UDP);
	pb_set16(&fr.d[ETH_HLEN + LS_IP4_HLEN + 4], LS_UDP_HLEN - 1);
	assert_int_equal(classify(&fr), LS_CNT_MAL_BAD_UDP);
}

/* Cut short: truncated when the frame ends there, "load more" when it goes on. */
static void t_hdr_short(void **st)
{
	struct pb_net n = pb_net6();

	(void)st;
	fx_v4_ack(&fr);
	assert_int_equal(classify_len(&fr, ETH_HLEN - 1), LS_CNT_MAL_TRUNC_HDR);
	assert_int_equal(classify_len(&fr, ETH_HLEN + 10), LS_CNT_MAL_TRUNC_HDR);
	fr.len = ETH_HLEN + LS_IP4_HLEN + 4;	/* the frame itself ends in UDP */
	pb_set16(&fr.d[ETH_HLEN + 2], LS_IP4_HLEN + 4);
	assert_int_equal(classify(&fr), LS_CNT_MAL_TRUNC_HDR);

	/* extension headers past the first LS_PEEK bytes */
	pb_net_ext(&n, IPPROTO_HOPOPTS, 10);
	pb_net_ext(&n, IPPROTO_DSTOPTS, 10);
	frame_of(&n);
	assert_true(fr.len > LS_PEEK);
	assert_int_equal(classify_len(&fr, LS_PEEK), LS_HDR_MORE);
	assert_int_equal(classify(&fr), LS_HDR_DHCP);
	assert_int_equal(h.dhcp_off, ETH_HLEN + LS_IP6_HLEN + 2 * 88 + LS_UDP_HLEN);
}

/* ---- ls_v6_opt_decide() ---- */

static struct ls_v6_walk w;

/* One option at offset 0 of the buffer; the walk at depth @depth sees it. */
static void opt_at(uint16_t code, const void *data, uint16_t len, int depth)
{
	memset(&s, 0, sizeof(s));
	memset(&w, 0, sizeof(w));
	pb_set16(&s.buf[0], code);
	pb_set16(&s.buf[2], len);
	if (len)
		memcpy(&s.buf[4], data, len);
	w.msg_end = 4u + len;
	w.depth = depth;
	w.stk_end[1] = w.msg_end;
	w.stk_end[2] = w.msg_end;
}

static __u32 decide(void)
{
	return ls_v6_opt_decide(&s, &w);
}

static void t_v6_containers(void **st)
{
	(void)st;
	opt_at(DHCP6_OPT_CLIENTID, "x", 1, 0);
	w.pos = w.msg_end;
	assert_int_equal(decide(), LS_V6A_DONE);
	w.in_relay = 1;
	assert_int_equal(decide(), LS_V6A_ERR_NO_MSG);
	w.relay_found = 1;
	assert_int_equal(decide(), LS_V6A_RELAY_ENTER);

	/* innermost first: an address ends, then its IA */
	opt_at(DHCP6_OPT_CLIENTID, "x", 1, 2);
	w.pos = w.stk_end[2] = 2;
	assert_int_equal(decide(), LS_V6A_CLOSE_ADDR);
	w.depth = 1;
	w.stk_end[1] = 2;
	assert_int_equal(decide(), LS_V6A_CLOSE_IA);
}

static void t_v6_relay(void **st)
{
	(void)st;
	opt_at(DHCP6_OPT_RELAY_MSG, "abcd", 4, 0);
	w.in_relay = 1;
	assert_int_equal(decide(), LS_V6A_RELAY_MSG);
	/* inside a relay, a client id is only the relay's business */
	opt_at(DHCP6_OPT_CLIENTID, "abcd", 4, 0);
	w.in_relay = 1;
	assert_int_equal(decide(), LS_V6A_SKIP);
	opt_at(DHCP6_OPT_CLIENTID, "abcd", 4, 0);
	assert_int_equal(decide(), LS_V6A_CLIENTID);
}

static void t_v6_lengths(void **st)
{
	static const uint8_t z[32];

	(void)st;
	/* the option runs past its container: the message, then an IA */
	opt_at(DHCP6_OPT_CLIENTID, "abcd", 4, 0);
	w.msg_end = 7;
	assert_int_equal(decide(), LS_V6A_ERR_OVERRUN);
	w.msg_end = 3;
	assert_int_equal(decide(), LS_V6A_ERR_OVERRUN);
	opt_at(DHCP6_OPT_IAADDR, z, DHCP6_IAADDR_LEN, 1);
	w.stk_end[1] = 10;
	assert_int_equal(decide(), LS_V6A_ERR_OVERRUN);

	opt_at(DHCP6_OPT_STATUS_CODE, z, 1, 0);
	assert_int_equal(decide(), LS_V6A_ERR_LEN);
	opt_at(DHCP6_OPT_IA_NA, z, DHCP6_IA_NA_LEN - 1, 0);
	assert_int_equal(decide(), LS_V6A_ERR_LEN);
	opt_at(DHCP6_OPT_IA_PD, z, DHCP6_IA_NA_LEN - 1, 0);
	assert_int_equal(decide(), LS_V6A_ERR_LEN);
	opt_at(DHCP6_OPT_IA_TA, z, DHCP6_IA_TA_LEN - 1, 0);
	assert_int_equal(decide(), LS_V6A_ERR_LEN);
	opt_at(DHCP6_OPT_IA_TA, z, DHCP6_IA_TA_LEN, 0);
	assert_int_equal(decide(), LS_V6A_IA);
	opt_at(DHCP6_OPT_IA_NA, z, DHCP6_IA_NA_LEN, 0);
	assert_int_equal(decide(), LS_V6A_IA);
	opt_at(DHCP6_OPT_IAADDR, z, DHCP6_IAADDR_LEN - 1, 1);
	assert_int_equal(decide(), LS_V6A_ERR_LEN);
	opt_at(DHCP6_OPT_IAPREFIX, z, DHCP6_IAPREFIX_LEN - 1, 1);
	w.ia_type = LS_IA_PD;
	assert_int_equal(decide(), LS_V6A_ERR_LEN);
	/* an empty FQDN option carries no flags: passed over */
	opt_at(DHCP6_OPT_CLIENT_FQDN, z, 0, 0);
	assert_int_equal(decide(), LS_V6A_SKIP);
	opt_at(DHCP6_OPT_CLIENT_FQDN, z, 1, 0);
	assert_int_equal(decide(), LS_V6A_FQDN);
	opt_at(DHCP6_OPT_SERVERID, z, 8, 0);
	assert_int_equal(decide(), LS_V6A_SERVERID);
}

/* An address option opens only in the IA kind it belongs to, and only in an IA. */
static void t_v6_ia_kinds(void **st)
{
	static const uint8_t z[32];

	(void)st;
	opt_at(DHCP6_OPT_IAADDR, z, DHCP6_IAADDR_LEN, 1);
	w.ia_type = LS_IA_NA;
	assert_int_equal(decide(), LS_V6A_IAADDR);
	w.ia_type = LS_IA_TA;
	assert_int_equal(decide(), LS_V6A_IAADDR);
	w.ia_type = LS_IA_PD;
	assert_int_equal(decide(), LS_V6A_SKIP);
	w.depth = 0;
	assert_int_equal(decide(), LS_V6A_SKIP);
	w.depth = 2;
	assert_int_equal(decide(), LS_V6A_SKIP);

	opt_at(DHCP6_OPT_IAPREFIX, z, DHCP6_IAPREFIX_LEN, 1);
	w.ia_type = LS_IA_PD;
	assert_int_equal(decide(), LS_V6A_IAPREFIX);
	w.ia_type = LS_IA_NA;
	assert_int_equal(decide(), LS_V6A_SKIP);
	/* an IA inside an IA is not a container of ours */
	opt_at(DHCP6_OPT_IA_NA, z, DHCP6_IA_NA_LEN, 1);
	assert_int_equal(decide(), LS_V6A_SKIP);
}

/* A non-success status fails what it stands in; success changes nothing. */
static void t_v6_status(void **st)
{
	static const uint8_t ok[2] = { 0, DHCP6_STATUS_SUCCESS }, bad[2] = { 0, 2 };

	(void)st;
	opt_at(DHCP6_OPT_STATUS_CODE, ok, 2, 0);
	assert_int_equal(decide(), LS_V6A_SKIP);
	w.depth = 1;
	assert_int_equal(decide(), LS_V6A_SKIP);

	opt_at(DHCP6_OPT_STATUS_CODE, bad, 2, 0);
	assert_int_equal(decide(), LS_V6A_FAIL_MSG);
	w.depth = 1;
	assert_int_equal(decide(), LS_V6A_FAIL_IA);
	w.depth = 2;
	assert_int_equal(decide(), LS_V6A_SKIP);	/* an address beyond LS_MAX_LEASES */
	w.cur_lease = 3;
	assert_int_equal(decide(), LS_V6A_FAIL_ADDR);
	/* a relay's own status is not the client's */
	w.depth = 0;
	w.in_relay = 1;
	assert_int_equal(decide(), LS_V6A_SKIP);
}

/* Deciding writes nothing: the walk and the buffer stay as they were. */
static void t_v6_pure(void **st)
{
	static const uint8_t bad[2] = { 0, 2 };
	struct ls_v6_walk before;

	(void)st;
	opt_at(DHCP6_OPT_STATUS_CODE, bad, 2, 1);
	w.cur_lease = 1;
	w.n = 2;
	before = w;
	assert_int_equal(decide(), LS_V6A_FAIL_IA);
	assert_memory_equal(&w, &before, sizeof(w));
	assert_int_equal(s.leases[0].dead, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_hdr_dhcp),
		cmocka_unit_test(t_hdr_counters),
		cmocka_unit_test(t_hdr_short),
		cmocka_unit_test(t_v6_containers),
		cmocka_unit_test(t_v6_relay),
		cmocka_unit_test(t_v6_lengths),
		cmocka_unit_test(t_v6_ia_kinds),
		cmocka_unit_test(t_v6_status),
		cmocka_unit_test(t_v6_pure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
