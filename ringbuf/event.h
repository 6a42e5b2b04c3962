/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ringbuf/event.h - kernel<->user event ABI. Included by bpf/ (clang) and
 * user/, tests/ (gcc). Fixed-width types, explicit padding, no bool/long/
 * pointers. Bump LS_EVENT_VERSION on any layout change;
 * tests/unit/test_event_abi.c pins the layout.
 *
 * One event is one leased address or prefix seen in one DHCP message (a
 * DHCPv6 REPLY with three IA addresses gives three events sharing xid and
 * identities). Variable-length fields are raw bytes with a length; a field
 * longer than its slot is cut and LS_EVF_TRUNC is set (and counted).
 */
#ifndef LS_EVENT_H
#define LS_EVENT_H

#include <linux/types.h>

#define LS_EVENT_VERSION 1

enum ls_event_type {
	LS_EV_V4_ACK = 1,
	LS_EV_V4_NAK,
	LS_EV_V4_RELEASE,
	LS_EV_V4_DECLINE,
	LS_EV_V6_REPLY,
	LS_EV_V6_RELEASE,
	LS_EV_V6_DECLINE,
	LS_EV_TYPE_MAX_,
};

enum ls_dir { LS_DIR_INGRESS = 0, LS_DIR_EGRESS = 1 };

/* DHCPv6 IA kinds (lease_type numbering as in Kea's lease files). */
enum ls_ia_type { LS_IA_NA = 0, LS_IA_TA = 1, LS_IA_PD = 2 };

/* ls_event.flags */
#define LS_EVF_RELAYED      0x0001 /* v4 giaddr != 0, or v6 came in RELAY-REPL */
#define LS_EVF_LEASE_TIME   0x0002 /* valid_lft is present (v4 option 51; v6 always) */
#define LS_EVF_SERVER_ID    0x0004 /* server_id holds v4 option 54 / v6 server DUID */
#define LS_EVF_FQDN         0x0008 /* client FQDN option present: fqdn_flags valid */
#define LS_EVF_FQDN_ASCII   0x0010 /* v4 option 81 with E=0: deprecated ASCII name */
#define LS_EVF_TRUNC        0x0020 /* some field was longer than its slot */
#define LS_EVF_HOSTNAME     0x0040 /* v4 option 12 present */
#define LS_EVF_CLIENT_ID    0x0080 /* v4 option 61 / v6 client DUID present */

#define LS_CHADDR_MAX   16
#define LS_CLIENT_ID_MAX 64  /* v4 option 61 or v6 client DUID (RFC 8415: <= 130) */
#define LS_SERVER_ID_MAX 32  /* v6 server DUID; v4 uses the first 4 bytes */
#define LS_HOSTNAME_MAX 64   /* v4 option 12; a DNS label is at most 63 */
#define LS_FQDN_MAX     248  /* option 81/39 name part, wire or ASCII encoding */

struct ls_event {
	__u16 version;     /* LS_EVENT_VERSION */
	__u16 type;        /* enum ls_event_type */
	__u32 ifindex;     /* interface the packet crossed */
	__u64 ts_ns;       /* bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC_COARSE (a tick's
			    * resolution; the fine clock costs ~90 ns a packet); 0 offline */
	__u32 xid;         /* host byte order; v6: the 24-bit transaction-id */
	__u32 valid_lft;   /* host byte order, seconds */
	__u32 pref_lft;    /* v6 only, seconds */
	__u32 iaid;        /* v6 only, host byte order */
	__u8  addr[16];    /* v4: first 4 bytes; v6: address or prefix */
	__u8  family;      /* 4 or 6 */
	__u8  prefix_len;  /* 32 for v4, 128 for IA_NA/TA, the prefix length for IA_PD */
	__u8  dir;         /* enum ls_dir */
	__u8  ia_type;     /* enum ls_ia_type, v6 only */
	__u16 flags;       /* LS_EVF_* */
	__u8  htype;       /* v4 hardware type */
	__u8  hlen;        /* v4 hardware address length as sent (chaddr holds <= 16) */
	__u16 vlan[2];     /* VLAN IDs (12 bits), outermost first */
	__u8  fqdn_flags;  /* v4 option 81 / v6 option 39 flags byte */
	__u8  n_vlan;      /* 0..2 tags */
	__u8  relay_hops;  /* v6 relay nesting depth */
	__u8  _pad0;
	__u8  relay_addr[16]; /* v4 giaddr (4 bytes) / v6 innermost relay peer-address */
	__u8  chaddr[LS_CHADDR_MAX];
	__u8  client_id_len;
	__u8  server_id_len;
	__u8  hostname_len;
	__u8  fqdn_len;
	__u8  _pad1[4];
	__u8  client_id[LS_CLIENT_ID_MAX];
	__u8  server_id[LS_SERVER_ID_MAX];
	char  hostname[LS_HOSTNAME_MAX];
	__u8  fqdn[LS_FQDN_MAX];
};

/*
 * Per-CPU counters, indexes into struct ls_counters.c[] (map `counters`).
 * Every packet counts in LS_CNT_PKTS. A non-DHCP one counts once more in
 * PKT_NOT_DHCP, IP_FRAG or a MAL_* header reason; a DHCP one in PKT_DHCP and
 * then in exactly one outcome: PKT_IGNORED, V4_NO_ADDR, V6_NO_LEASE,
 * V6_STATUS_FAIL (whole message), a MAL_* reason, or its events (EV_*,
 * RB_FULL). FIELD_TRUNC, PKT_TOO_BIG, LEASES_EXCESS, OPT_IGNORED and per-address
 * V6_STATUS_FAIL come on top.
 */
enum ls_counter {
	LS_CNT_PKTS = 0,         /* packets the programs ran on */
	LS_CNT_PKT_NOT_DHCP,     /* not UDP 67/68/546/547: passed untouched */
	LS_CNT_PKT_DHCP,         /* DHCP packets parsed */
	LS_CNT_PKT_IGNORED,      /* DHCP but not a lease-bearing type (DISCOVER, SOLICIT, …) */
	LS_CNT_IP_FRAG,          /* IPv4/IPv6 fragments: counted and skipped */
	LS_CNT_EV_V4_ACK,        /* events emitted, per type (order of enum ls_event_type) */
	LS_CNT_EV_V4_NAK,
	LS_CNT_EV_V4_RELEASE,
	LS_CNT_EV_V4_DECLINE,
	LS_CNT_EV_V6_REPLY,
	LS_CNT_EV_V6_RELEASE,
	LS_CNT_EV_V6_DECLINE,
	LS_CNT_V4_NO_ADDR,       /* ACK with yiaddr 0 (reply to INFORM), RELEASE/DECLINE without address */
	LS_CNT_V6_STATUS_FAIL,   /* per address/prefix dropped for its own or its IA's non-success status; once per message for a message-level one */
	LS_CNT_V6_NO_LEASE,      /* a v6 message that carried no lease at all */
	LS_CNT_MAL_TRUNC_HDR,    /* malformed: L2/L3/L4 header cut short */
	LS_CNT_MAL_BAD_IP,       /* malformed: IP version/IHL/length inconsistent */
	LS_CNT_MAL_EXT_HDRS,     /* IPv6 extension header chain longer than V6_EXT_MAX */
	LS_CNT_MAL_BAD_UDP,      /* UDP length inconsistent */
	LS_CNT_MAL_DHCP_SHORT,   /* DHCP fixed header cut short / bad magic cookie */
	LS_CNT_MAL_OPT_OVERRUN,  /* an option's length runs past its container */
	LS_CNT_MAL_OPT_LEN,      /* an option shorter than its fixed part */
	LS_CNT_MAL_NO_MSGTYPE,   /* DHCPv4 without option 53 */
	LS_CNT_MAL_RELAY_DEPTH,  /* DHCPv6 relay nesting deeper than LS_V6_RELAY_MAX */
	LS_CNT_MAL_OPT_LOOP,     /* more options than LS_OPT_ITER_MAX: parsing stopped */
	LS_CNT_FIELD_TRUNC,      /* a field was cut to its event slot */
	LS_CNT_PKT_TOO_BIG,      /* frame longer than the scratch buffer: tail ignored */
	LS_CNT_LEASES_EXCESS,    /* leases beyond LS_MAX_LEASES in one message */
	LS_CNT_OPT_IGNORED,      /* a DHCPv4 fixed-size option (50, 51, 53, 54) of another size: ignored */
	LS_CNT_RB_FULL,          /* bpf_ringbuf_output failed: event lost, counted */
	LS_CNT_MAX,
};

struct ls_counters {
	__u64 c[LS_CNT_MAX];
};

#endif
