/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf/dhcp_proto.h - DHCPv4 and DHCPv6 wire constants: ports, message types,
 * option codes, status codes and the fixed sizes the parser checks. Plain
 * macros only (no types, no includes), so the BPF programs (clang -target bpf),
 * the gcc build of the parser and the tests' packet builder
 * (tests/lib/pktbuild.h) all name a protocol number the same way. Ethernet
 * types and IP protocol numbers come from the UAPI headers (ETH_P_*,
 * IPPROTO_*), not from here.
 */
#ifndef LS_DHCP_PROTO_H
#define LS_DHCP_PROTO_H

/* ---- DHCPv4: RFC 2131, RFC 2132 ---------------------------------------- */

#define DHCP4_SERVER_PORT	67
#define DHCP4_CLIENT_PORT	68

#define DHCP4_FIXED_LEN		236		/* op .. file, before the cookie */
#define DHCP4_MAGIC_COOKIE	0x63825363	/* RFC 2131 §3 */
#define DHCP4_OPTIONS_OFF	240		/* fixed header + cookie */

/* option codes */
#define DHCP4_OPT_PAD		0
#define DHCP4_OPT_HOST_NAME	12
#define DHCP4_OPT_REQUESTED_IP	50
#define DHCP4_OPT_LEASE_TIME	51
#define DHCP4_OPT_MSG_TYPE	53
#define DHCP4_OPT_SERVER_ID	54
#define DHCP4_OPT_CLIENT_ID	61
#define DHCP4_OPT_CLIENT_FQDN	81		/* RFC 4702 */
#define DHCP4_OPT_END		255

/* option 53 values */
#define DHCP4_MSG_DISCOVER	1
#define DHCP4_MSG_OFFER		2
#define DHCP4_MSG_REQUEST	3
#define DHCP4_MSG_DECLINE	4
#define DHCP4_MSG_ACK		5
#define DHCP4_MSG_NAK		6
#define DHCP4_MSG_RELEASE	7
#define DHCP4_MSG_INFORM	8

/* ---- DHCPv6: RFC 8415 ---------------------------------------------------- */

#define DHCP6_CLIENT_PORT	546
#define DHCP6_SERVER_PORT	547

#define DHCP6_MSG_HDR_LEN	4	/* msg-type, transaction-id */
#define DHCP6_RELAY_HDR_LEN	34	/* msg-type, hop-count, link-address, peer-address */
#define DHCP6_RELAY_PEER_OFF	18	/* peer-address in the relay header */
#define DHCP6_OPT_HDR_LEN	4	/* option-code, option-len */

/* message types */
#define DHCP6_MSG_SOLICIT	1
#define DHCP6_MSG_ADVERTISE	2
#define DHCP6_MSG_REQUEST	3
#define DHCP6_MSG_CONFIRM	4
#define DHCP6_MSG_RENEW		5
#define DHCP6_MSG_REBIND	6
#define DHCP6_MSG_REPLY		7
#define DHCP6_MSG_RELEASE	8
#define DHCP6_MSG_DECLINE	9
#define DHCP6_MSG_RECONFIGURE	10
#define DHCP6_MSG_INFO_REQUEST	11
#define DHCP6_MSG_RELAY_FORW	12
#define DHCP6_MSG_RELAY_REPL	13

/* option codes */
#define DHCP6_OPT_CLIENTID	1
#define DHCP6_OPT_SERVERID	2
#define DHCP6_OPT_IA_NA		3	/* IAID, T1, T2, options */
#define DHCP6_OPT_IA_TA		4	/* IAID, options */
#define DHCP6_OPT_IAADDR	5
#define DHCP6_OPT_RELAY_MSG	9
#define DHCP6_OPT_STATUS_CODE	13
#define DHCP6_OPT_IA_PD		25	/* RFC 8415 §21.21: IAID, T1, T2, options */
#define DHCP6_OPT_IAPREFIX	26
#define DHCP6_OPT_CLIENT_FQDN	39	/* RFC 4704 */

/* fixed part of the container options, before their own options */
#define DHCP6_IA_NA_LEN		12
#define DHCP6_IA_PD_LEN		12
#define DHCP6_IA_TA_LEN		4
#define DHCP6_IAADDR_LEN	24	/* address, preferred, valid */
#define DHCP6_IAPREFIX_LEN	25	/* preferred, valid, prefix-length, prefix */

/* status codes (OPTION_STATUS_CODE) */
#define DHCP6_STATUS_SUCCESS		0
#define DHCP6_STATUS_NO_ADDRS_AVAIL	2
#define DHCP6_STATUS_NO_PREFIX_AVAIL	6

/* ---- Client FQDN flags: RFC 4702 §2.1 (v4), RFC 4704 §4.1 (v6) ---------- */

#define DHCP_FQDN_S	0x01	/* the server should update the A/AAAA RR */
#define DHCP_FQDN_O	0x02	/* the server overrode the client's S */
#define DHCP_FQDN_E	0x04	/* v4 only: the name is in wire format (E=0: ASCII, deprecated) */
#define DHCP_FQDN_N	0x08	/* the server should not update DNS */

#endif
