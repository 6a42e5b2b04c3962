/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tests/lib/pktbuild.h - header-only builder of test frames for the parser
 * tiers (unit, bpf, fuzz seeds): a DHCP message is assembled in a struct pb
 * byte buffer (DHCPv4 fixed header + cookie + options, DHCPv6 messages with
 * nested options, relay wrappers, IAs, status codes, DUIDs, FQDNs), then
 * pb_frame() wraps it in UDP, IPv4 (header options, fragment field) or IPv6
 * (extension header chain) and Ethernet with 0..2 VLAN tags. IP and UDP
 * lengths are consistent unless a test corrupts them afterwards through the
 * offsets pb_frame() reports; checksums are left zero (the parser ignores them).
 * Protocol numbers are the parser's own names: bpf/dhcp_proto.h, ETH_P_*, IPPROTO_*.
 */
#ifndef LS_TEST_PKTBUILD_H
#define LS_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include "bpf/dhcp_proto.h"

#define PB_MAX 4096

struct pb {
	uint8_t d[PB_MAX];
	size_t len;
};

static inline void pb_reset(struct pb *b)
{
	b->len = 0;
}

/* Appends silently stop at PB_MAX: a test that overflows sees a short packet. */
static inline void pb_put(struct pb *b, const void *p, size_t n)
{
	if (n > PB_MAX - b->len)
		n = PB_MAX - b->len;
	if (n)
		memcpy(b->d + b->len, p, n);
	b->len += n;
}

static inline void pb_zero(struct pb *b, size_t n)
{
	if (n > PB_MAX - b->len)
		n = PB_MAX - b->len;
	memset(b->d + b->len, 0, n);
	b->len += n;
}

static inline void pb_u8(struct pb *b, uint8_t v)
{
	pb_put(b, &v, 1);
}

static inline void pb_u16(struct pb *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v & 0xff };

	pb_put(b, x, 2);
}

static inline void pb_u32(struct pb *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	pb_put(b, x, 4);
}

static inline void pb_set16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void pb_set32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * pb_dname() - RFC 1035 wire encoding of a dotted @name into @out. A trailing
 * dot gives a fully qualified name (root label), none a partial one. Returns
 * the encoded length.
 */
static inline size_t pb_dname(uint8_t *out, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		out[n++] = l;
		memcpy(out + n, name, l);
		n += l;
		if (!dot)
			return n;
		name = dot + 1;
	}
	out[n++] = 0;
	return n;
}

/* ---- DHCPv4 ---------------------------------------------------------- */

struct pb_dhcp4 {
	uint8_t op, htype, hlen, hops;
	uint32_t xid, ciaddr, yiaddr, siaddr, giaddr;	/* host order */
	uint8_t chaddr[16];
};

/* A server reply skeleton: op 2 (BOOTREPLY), Ethernet hardware address 00:0c:29:1f:74:06. */
static inline struct pb_dhcp4 pb_dhcp4_default(void)
{
	struct pb_dhcp4 h = {
		.op = 2, .htype = 1, .hlen = 6, .xid = 0x06e32864,
		.chaddr = { 0x00, 0x0c, 0x29, 0x1f, 0x74, 0x06 },
	};

	return h;
}

/* The 236-byte fixed header and the magic cookie. */
static inline void pb_dhcp4_hdr(struct pb *b, const struct pb_dhcp4 *h)
{
	pb_u8(b, h->op);
	pb_u8(b, h->htype);
	pb_u8(b, h->hlen);
	pb_u8(b, h->hops);
	pb_u32(b, h->xid);
	pb_u16(b, 0);		/* secs */
	pb_u16(b, 0);		/* flags */
	pb_u32(b, h->ciaddr);
	pb_u32(b, h->yiaddr);
	pb_u32(b, h->siaddr);
	pb_u32(b, h->giaddr);
	pb_put(b, h->chaddr, 16);
	pb_zero(b, 64 + 128);	/* sname, file */
	pb_u32(b, DHCP4_MAGIC_COOKIE);
}

static inline void pb_opt4(struct pb *b, uint8_t code, const void *data, uint8_t len)
{
	pb_u8(b, code);
	pb_u8(b, len);
	pb_put(b, data, len);
}

static inline void pb_opt4_u8(struct pb *b, uint8_t code, uint8_t v)
{
	pb_opt4(b, code, &v, 1);
}

static inline void pb_opt4_u32(struct pb *b, uint8_t code, uint32_t v)
{
	uint8_t x[4];

	pb_set32(x, v);
	pb_opt4(b, code, x, 4);
}

static inline void pb_opt4_str(struct pb *b, uint8_t code, const char *s)
{
	pb_opt4(b, code, s, strlen(s));
}

/* Option 81 (RFC 4702): @flags, RCODE1/2 = 0, then the name; E (0x04) selects wire encoding. */
static inline void pb_opt4_fqdn(struct pb *b, uint8_t flags, const char *name)
{
	uint8_t x[3 + 256];
	size_t n;

	x[0] = flags;
	x[1] = x[2] = 0;
	if (flags & DHCP_FQDN_E) {
		n = pb_dname(x + 3, name);
	} else {
		n = strlen(name);
		memcpy(x + 3, name, n);
	}
	pb_opt4(b, DHCP4_OPT_CLIENT_FQDN, x, 3 + n);
}

static inline void pb_pad4(struct pb *b, size_t n)
{
	pb_zero(b, n);
}

static inline void pb_end4(struct pb *b)
{
	pb_u8(b, DHCP4_OPT_END);
}

/* ---- DHCPv6 ---------------------------------------------------------- */

static inline void pb_dhcp6_hdr(struct pb *b, uint8_t type, uint32_t xid)
{
	pb_u8(b, type);
	pb_u8(b, xid >> 16);
	pb_u8(b, xid >> 8);
	pb_u8(b, xid);
}

static inline void pb_opt6(struct pb *b, uint16_t code, const void *data, uint16_t len)
{
	pb_u16(b, code);
	pb_u16(b, len);
	pb_put(b, data, len);
}

/* Open a container option; pb_opt6_end() patches its length. Returns its offset. */
static inline size_t pb_opt6_begin(struct pb *b, uint16_t code)
{
	size_t off = b->len;

	pb_u16(b, code);
	pb_u16(b, 0);
	return off;
}

static inline void pb_opt6_end(struct pb *b, size_t off)
{
	pb_set16(b->d + off + 2, b->len - off - 4);
}

/*
 * A RELAY-REPL or RELAY-FORW header followed by an open OPTION_RELAY_MSG;
 * put the inner message, then pb_opt6_end() the returned offset.
 */
static inline size_t pb_relay6_begin(struct pb *b, uint8_t type, uint8_t hops,
				     const uint8_t link[16], const uint8_t peer[16])
{
	pb_u8(b, type);
	pb_u8(b, hops);
	pb_put(b, link, 16);
	pb_put(b, peer, 16);
	return pb_opt6_begin(b, DHCP6_OPT_RELAY_MSG);
}

static inline size_t pb_ia_na_begin(struct pb *b, uint32_t iaid, uint32_t t1, uint32_t t2)
{
	size_t off = pb_opt6_begin(b, DHCP6_OPT_IA_NA);

	pb_u32(b, iaid);
	pb_u32(b, t1);
	pb_u32(b, t2);
	return off;
}

static inline size_t pb_ia_pd_begin(struct pb *b, uint32_t iaid, uint32_t t1, uint32_t t2)
{
	size_t off = pb_opt6_begin(b, DHCP6_OPT_IA_PD);

	pb_u32(b, iaid);
	pb_u32(b, t1);
	pb_u32(b, t2);
	return off;
}

static inline size_t pb_ia_ta_begin(struct pb *b, uint32_t iaid)
{
	size_t off = pb_opt6_begin(b, DHCP6_OPT_IA_TA);

	pb_u32(b, iaid);
	return off;
}

/* IAADDR left open, for address-level options (status codes). */
static inline size_t pb_iaaddr_begin(struct pb *b, const uint8_t addr[16], uint32_t pref,
				     uint32_t valid)
{
	size_t off = pb_opt6_begin(b, DHCP6_OPT_IAADDR);

	pb_put(b, addr, 16);
	pb_u32(b, pref);
	pb_u32(b, valid);
	return off;
}

static inline void pb_iaaddr(struct pb *b, const uint8_t addr[16], uint32_t pref, uint32_t valid)
{
	pb_opt6_end(b, pb_iaaddr_begin(b, addr, pref, valid));
}

static inline size_t pb_iaprefix_begin(struct pb *b, const uint8_t prefix[16], uint8_t plen,
				       uint32_t pref, uint32_t valid)
{
	size_t off = pb_opt6_begin(b, DHCP6_OPT_IAPREFIX);

	pb_u32(b, pref);
	pb_u32(b, valid);
	pb_u8(b, plen);
	pb_put(b, prefix, 16);
	return off;
}

static inline void pb_iaprefix(struct pb *b, const uint8_t prefix[16], uint8_t plen,
			       uint32_t pref, uint32_t valid)
{
	pb_opt6_end(b, pb_iaprefix_begin(b, prefix, plen, pref, valid));
}

/* OPTION_STATUS_CODE: DHCP6_STATUS_SUCCESS, _NO_ADDRS_AVAIL, _NO_PREFIX_AVAIL, ... */
static inline void pb_status6(struct pb *b, uint16_t code, const char *msg)
{
	size_t off = pb_opt6_begin(b, DHCP6_OPT_STATUS_CODE);

	pb_u16(b, code);
	pb_put(b, msg, strlen(msg));
	pb_opt6_end(b, off);
}

/* OPTION_CLIENT_FQDN: flags byte then a wire-format name. */
static inline void pb_fqdn6(struct pb *b, uint8_t flags, const char *name)
{
	uint8_t x[1 + 256];

	x[0] = flags;
	pb_opt6(b, DHCP6_OPT_CLIENT_FQDN, x, 1 + pb_dname(x + 1, name));
}

/* ---- frames ---------------------------------------------------------- */

#define PB_EXT_MAX 16

struct pb_net {
	int family;			/* 4 or 6 */
	int n_vlan;			/* 0..2 */
	uint16_t tpid[2];		/* outermost first: ETH_P_8021AD / _8021Q / _QINQ1 */
	uint16_t tci[2];
	uint16_t ethertype;		/* 0: ETH_P_IP / ETH_P_IPV6 from family */
	uint8_t ip4_opts[40];		/* IPv4 header options, a multiple of 4 bytes */
	size_t ip4_opt_len;
	uint16_t frag;			/* IPv4 flags + fragment offset field */
	uint8_t proto;			/* 0: IPPROTO_UDP */
	uint16_t sport, dport;
	int n_ext;			/* IPv6 extension headers, in order */
	uint8_t ext_type[PB_EXT_MAX];	/* IPPROTO_HOPOPTS, _ROUTING, _FRAGMENT, _DSTOPTS, _AH */
	uint8_t ext_units[PB_EXT_MAX];	/* the header's length field */
	uint8_t src[16], dst[16];
};

/* Where pb_frame() put each layer, for tests that corrupt one on purpose. */
struct pb_layout {
	size_t l3, l4, payload;
};

/* IPv4 server -> client, 67 -> 68, no tags. */
static inline struct pb_net pb_net4(void)
{
	struct pb_net n = {
		.family = 4, .sport = DHCP4_SERVER_PORT, .dport = DHCP4_CLIENT_PORT,
		.src = { 192, 0, 2, 1 }, .dst = { 192, 0, 2, 10 },
	};

	return n;
}

/* IPv6 server -> client, 547 -> 546, no tags. */
static inline struct pb_net pb_net6(void)
{
	struct pb_net n = {
		.family = 6, .sport = DHCP6_SERVER_PORT, .dport = DHCP6_CLIENT_PORT,
		.src = { 0xfe, 0x80, [15] = 1 }, .dst = { 0xfe, 0x80, [15] = 2 },
	};

	return n;
}

static inline void pb_net_vlan(struct pb_net *n, uint16_t tpid, uint16_t tci)
{
	if (n->n_vlan < 2) {
		n->tpid[n->n_vlan] = tpid;
		n->tci[n->n_vlan++] = tci;
	}
}

/* Append an IPv6 extension header; @units is its length field (8-byte units, AH: 4). */
static inline void pb_net_ext(struct pb_net *n, uint8_t type, uint8_t units)
{
	if (n->n_ext < PB_EXT_MAX) {
		n->ext_type[n->n_ext] = type;
		n->ext_units[n->n_ext++] = type == IPPROTO_FRAGMENT ? 0 : units;
	}
}

static inline size_t pb_ext_size(uint8_t type, uint8_t units)
{
	return type == IPPROTO_AH ? ((size_t)units + 2) * 4 : ((size_t)units + 1) * 8;
}

/*
 * pb_frame() - wrap @plen payload bytes into Ethernet/VLAN/IP/UDP per @n into
 * @out (reset first). Fills @lay when non-NULL. Returns the frame length.
 */
static inline size_t pb_frame(struct pb *out, const struct pb_net *n, const void *payload,
			      size_t plen, struct pb_layout *lay)
{
	static const uint8_t dmac[6] = { 0x00, 0x0c, 0x29, 0x1f, 0x74, 0x06 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint8_t proto = n->proto ? n->proto : IPPROTO_UDP;
	uint16_t et = n->ethertype ? n->ethertype : n->family == 6 ? ETH_P_IPV6 : ETH_P_IP;
	size_t l3, l4, ulen = 8 + plen, ext = 0;

	pb_reset(out);
	pb_put(out, dmac, 6);
	pb_put(out, smac, 6);
	for (int i = 0; i < n->n_vlan && i < 2; i++) {
		pb_u16(out, n->tpid[i]);
		pb_u16(out, n->tci[i]);
	}
	pb_u16(out, et);
	l3 = out->len;
	if (n->family == 4) {
		size_t ihl = 20 + n->ip4_opt_len;

		pb_u8(out, 0x40 | (ihl / 4));
		pb_u8(out, 0);
		pb_u16(out, ihl + ulen);
		pb_u16(out, 0x1234);
		pb_u16(out, n->frag);
		pb_u8(out, 64);
		pb_u8(out, proto);
		pb_u16(out, 0);
		pb_put(out, n->src, 4);
		pb_put(out, n->dst, 4);
		pb_put(out, n->ip4_opts, n->ip4_opt_len);
	} else {
		for (int i = 0; i < n->n_ext; i++)
			ext += pb_ext_size(n->ext_type[i], n->ext_units[i]);
		pb_u32(out, 0x60000000);
		pb_u16(out, ext + ulen);
		pb_u8(out, n->n_ext ? n->ext_type[0] : proto);
		pb_u8(out, 64);
		pb_put(out, n->src, 16);
		pb_put(out, n->dst, 16);
		for (int i = 0; i < n->n_ext; i++) {
			size_t sz = pb_ext_size(n->ext_type[i], n->ext_units[i]);

			pb_u8(out, i + 1 < n->n_ext ? n->ext_type[i + 1] : proto);
			pb_u8(out, n->ext_units[i]);
			if (n->ext_type[i] == IPPROTO_FRAGMENT) {	/* offset 0, M=1, id */
				pb_u16(out, 0x0001);
				pb_u32(out, 0xabcd);
			} else {
				pb_zero(out, sz - 2);
			}
		}
	}
	l4 = out->len;
	pb_u16(out, n->sport);
	pb_u16(out, n->dport);
	pb_u16(out, ulen);
	pb_u16(out, 0);
	if (lay) {
		lay->l3 = l3;
		lay->l4 = l4;
		lay->payload = out->len;
	}
	pb_put(out, payload, plen);
	return out->len;
}

#endif
