/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf/dhcp_parse.h - DHCPv4/v6 wire parser shared by the XDP/tc programs and
 * the offline `--pcap` mode. The same source is compiled by clang -target bpf
 * (bpf/leasesnoop.bpf.c) and by gcc (user/parse.c), so the fuzzers, the
 * corpus tests and the differential test exercise the code the kernel runs.
 *
 * The frame is first copied into a scratch buffer (a per-CPU map value in the
 * kernel, a heap struct in user space): every read is `buf[off & LS_BUF_MASK]`
 * on bytes already bounds-checked against the frame length, which the
 * verifier accepts without tracking packet pointers, works the same for
 * linear and non-linear skbs and multi-buffer XDP, and lets the option walkers
 * run as bpf_loop() callbacks instead of unrolled loops. Nothing here calls a
 * helper directly: the few that are needed come in through the LS_* macros
 * below, which the gcc build defines as plain C.
 *
 * Every outcome of a packet increments exactly one counter of enum ls_counter
 * (besides LS_CNT_PKTS and the per-event ones): nothing is dropped silently.
 */
#ifndef LS_DHCP_PARSE_H
#define LS_DHCP_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#ifdef __bpf__
#include <linux/in.h>
#include <linux/in6.h>
#else
/* the same IPPROTO_* names; <linux/in.h> clashes with it in user space */
#include <netinet/in.h>
#endif
#include "bpf/dhcp_proto.h"
#include "ringbuf/event.h"

#define LS_INLINE static inline __attribute__((always_inline))

#define LS_BUF_SZ     2048u /* frames longer than this: tail ignored, counted */
#define LS_BUF_MASK   (LS_BUF_SZ - 1)
#define LS_BUF_SLACK  256u  /* copies of <= 255 bytes at a masked offset stay inside */
#define LS_PEEK       128u  /* enough for Ethernet + 2 VLAN + IPv4/options or IPv6 + UDP */
#define LS_VLAN_MAX   2     /* 802.1ad outer + 802.1Q inner */
#define LS_V6_EXT_MAX 8     /* extension headers followed; the verifier needs a bound */
#define LS_V6_RELAY_MAX 8   /* RELAY-REPL/FORW nesting followed (RFC 8415 HOP_COUNT_LIMIT is 8) */
#define LS_MAX_LEASES 16    /* leases reported per message; the excess is counted */
/* Each option-walker step consumes at least one byte, so this bounds any walk. */
#define LS_OPT_ITER_MAX (LS_BUF_SZ + LS_V6_RELAY_MAX * 4)

#define LS_VLAN_HLEN   4       /* 802.1Q/802.1ad tag: TCI, then the inner EtherType */
#define LS_IP4_HLEN    20      /* IPv4 header without options */
#define LS_IP6_HLEN    40
#define LS_UDP_HLEN    8
#define LS_IP4_FRAG    0x3fff  /* MF | fragment offset (the kernel's IP_MF | IP_OFFSET, not UAPI) */

struct ls_lease {
	__u8  addr[16];
	__u32 iaid;
	__u32 valid_lft;
	__u32 pref_lft;
	__u8  prefix_len;
	__u8  ia_type;
	__u8  ia_idx;   /* which IA of the message, for IA-level status codes */
	__u8  dead;     /* non-success status on it or on its IA */
};

/*
 * Walk state lives in the scratch map value, not on the stack: the verifier
 * does not track map contents, so a bpf_loop() callback that advances it
 * converges at once instead of being re-verified per distinct stack state.
 */
struct ls_v4_walk {
	__u32 pos, end;
	__u32 ci_off, hn_off, fq_off;	/* option payload offsets */
	__u8  ci_len, hn_len, fq_len;
	__u8  msg_type;
	__u8  fq_flags;
	__u8  have_req, have_lt, have_sid, have_fq;
	__u8  done, err;
	__u8  _pad;
	__u32 req_addr, lease_time, server_id;	/* host order */
} __attribute__((aligned(8)));

/*
 * One flat walk over a DHCPv6 message: relay wrappers, message options, IA
 * options and IA-address options are containers on a three-level stack, so a
 * single bpf_loop() callback handles any nesting the protocol allows.
 */
struct ls_v6_walk {
	__u32 pos;
	__u32 msg_end;
	__u32 stk_end[4];	/* [1] IA, [2] IAADDR/IAPREFIX; [0], [3] unused */
	__u32 relay_off, relay_len;
	__u32 cid_off, sid_off, fq_off;
	__u32 iaid;
	__u8  depth;		/* 0 message, 1 in IA, 2 in address */
	__u8  in_relay;
	__u8  relay_found;
	__u8  hops;
	__u8  msg_type;
	__u8  ia_type;
	__u8  ia_idx;
	__u8  ia_first;		/* first lease of the open IA */
	__u8  ia_failed;	/* the open IA carries a non-success status */
	__u8  n;		/* leases recorded */
	__u8  cur_lease;	/* lease index + 1 of the open address container */
	__u8  cid_len, sid_len, fq_len;
	__u8  fq_flags, have_fq, msg_fail;
	__u8  done, err;
	__u8  excess;
	__u8  peer[16];
	__u8  _pad[2];
} __attribute__((aligned(8)));

/* Scratch state of one packet; lives in a per-CPU map value in the kernel. */
struct ls_scratch {
	__u8 buf[LS_BUF_SZ + LS_BUF_SLACK];
	struct ls_event ev;                  /* the event under construction */
	struct ls_lease leases[LS_MAX_LEASES];
	struct ls_v4_walk w4;
	struct ls_v6_walk w6;
};

/* Result of the header pass. */
struct ls_hdr {
	__u32 l3_off;
	__u32 dhcp_off;    /* first byte of the DHCP message */
	__u32 dhcp_end;    /* one past its last byte (UDP length, clipped to the buffer) */
	__u16 vlan[LS_VLAN_MAX];
	__u8  n_vlan;
	__u8  family;      /* 4 or 6 */
	__u8  trunc;       /* frame longer than the buffer */
	__u8  _pad;
} __attribute__((aligned(8)));

/* Parser context: the scratch buffer, the counters, and the frame size. */
struct ls_pctx {
	struct ls_scratch *s;
	struct ls_counters *cnt;
	__u32 len;         /* valid bytes in s->buf */
	__u32 wire_len;    /* frame length on the wire */
	__u32 ifindex;
	__u8  dir;
	__u8  _pad[3];
	__u64 ts_ns;
	void  *emit_ctx;   /* for LS_EMIT: the BPF program context or a user callback */
};

/*
 * Build-specific primitives. The BPF build (leasesnoop.bpf.c) defines them
 * before including this file; the defaults are the user-space ones.
 *   LS_LOOP(n, cb, ctx)       bpf_loop(): run cb(i, ctx) until it returns 1
 *   LS_LD64(ptr), LS_LD16()   an 8-/2-byte load from a possibly unaligned address
 *   LS_NTOHS_BOUNDED(v)       bpf_ntohs() of a packet field, with bounds the verifier keeps
 *   LS_EMIT(pctx, ev)         hand one finished event on; returns 0 or < 0 (ring full)
 *   LS_OPAQUE(x)              make @x one register the compiler cannot re-derive
 *                             (bounds the verifier learns on it stay on it)
 */
#ifndef LS_LOOP
#include <string.h>
#include <bpf/bpf_endian.h>
LS_INLINE long ls_loop_user(__u32 n, long (*cb)(__u32, void *), void *ctx)
{
	for (__u32 i = 0; i < n; i++)
		if (cb(i, ctx))
			return i + 1;
	return n;
}
#define LS_LOOP(n, cb, ctx) ls_loop_user((n), (cb), (ctx))
#define LS_OPAQUE(x) ((void)0)
/* memcpy: an unaligned dereference is undefined behaviour in C */
#define LS_LD64(ptr) ({ __u64 _v; memcpy(&_v, (ptr), 8); _v; })
#define LS_LD16(ptr) ({ __u16 _v; memcpy(&_v, (ptr), 2); _v; })
#define LS_NTOHS_BOUNDED(v) bpf_ntohs(v)
int ls_emit_user(struct ls_pctx *p, const struct ls_event *ev);
#define LS_EMIT(p, ev) ls_emit_user((p), (ev))
#endif

/*
 * LS_MIN(v, max) - min(v, max) for a constant @max, as a __u32. In BPF, in a
 * form the verifier keeps: clang otherwise compares one register copy and
 * passes another to the load helper.
 */
#ifdef __bpf__
#define LS_MIN_ASM(var, lim) \
	asm volatile("if %[r] <= %[m] goto +1; %[r] = %[m];" : [r] "+r"(var) : [m] "i"(lim))
#else
#define LS_MIN_ASM(var, lim) ((var) = (var) <= (lim) ? (var) : (lim))
#endif
#define LS_MIN(v, max)                  \
	({                              \
		__u64 _mr = (v);        \
		LS_MIN_ASM(_mr, max);   \
		(__u32)_mr;             \
	})

/*
 * The bound check folds away for constant indexes; the verifier needs it for
 * the rest. A variable index is made opaque first: otherwise clang may test
 * one register (type - 1 <= 6) and index with another derived from the same
 * value (type + 4), and verifiers before 6.2 or so do not carry the bound over.
 */
#define LS_COUNT(p, idx)                                                  \
	do {                                                              \
		__u32 _ci = (idx);                                        \
		if (!__builtin_constant_p(idx))                           \
			LS_OPAQUE(_ci);                                   \
		if (_ci < LS_CNT_MAX)                                     \
			(p)->cnt->c[_ci]++;                               \
	} while (0)

LS_INLINE __u32 rd8(const struct ls_scratch *s, __u32 off)
{
	return s->buf[off & LS_BUF_MASK];
}

LS_INLINE __u32 rd16(const struct ls_scratch *s, __u32 off)
{
	return rd8(s, off) << 8 | rd8(s, off + 1);
}

LS_INLINE __u32 rd32(const struct ls_scratch *s, __u32 off)
{
	return rd16(s, off) << 16 | rd16(s, off + 2);
}

/*
 * ls_copy_field() - copy @n bytes at @off into a @slot-byte event field (a
 * multiple of 8, zeroed beforehand), at most @cap bytes; a longer field is cut,
 * flagged LS_EVF_TRUNC and counted. Copies whole little-endian words and
 * masks the last one: no helper call, and a constant bound the verifier
 * walks at once (the scratch buffer's slack keeps the 8-byte loads inside it).
 * Returns the bytes copied.
 */
LS_INLINE __u32 ls_copy_field(struct ls_pctx *p, __u8 *dst, const __u32 slot, __u32 cap,
			      __u32 off, __u32 n)
{
	if (n > cap) {
		n = cap;
		p->s->ev.flags |= LS_EVF_TRUNC;
		LS_COUNT(p, LS_CNT_FIELD_TRUNC);
	}
	for (__u32 i = 0; i < slot / 8; i++) {
		__u64 w;

		if (i * 8 >= n)
			break;
		w = LS_LD64(&p->s->buf[(off + i * 8) & LS_BUF_MASK]);
		if (n - i * 8 < 8)
			w &= (1ull << ((n - i * 8) * 8)) - 1;
		*(__u64 *)(dst + i * 8) = w;
	}
	return n;
}

/*
 * An IPv6 extension header the walk steps over (RFC 8200 §4); a fragment
 * header ends it (counted), and ESP or anything else is the upper layer.
 * A macro, not an inline function: the programs' code must stay as the
 * 6.1 verifier accepted it, and clang lays the walk out differently for a call.
 */
#define LS_IP6_EXT_HDR(nh)                                                        \
	((nh) == IPPROTO_HOPOPTS || (nh) == IPPROTO_ROUTING || (nh) == IPPROTO_DSTOPTS || \
	 (nh) == IPPROTO_FRAGMENT || (nh) == IPPROTO_AH)

/* Verdicts of ls_hdr_classify() besides a counter id (< LS_CNT_MAX). */
#define LS_HDR_DHCP (LS_CNT_MAX + 0)	/* DHCP: h is filled */
#define LS_HDR_MORE (LS_CNT_MAX + 1)	/* headers run past @len: load more, classify again */

/*
 * ls_hdr_classify() - the header pass, deciding only: Ethernet, up to two VLAN
 * tags, IPv4 (options; fragments skipped) or IPv6 (a bounded extension header
 * chain), UDP. Reads the first @len bytes of @s->buf (@wire_len: the frame's
 * length on the wire) and fills @h. Returns LS_HDR_DHCP, LS_HDR_MORE when the
 * headers run past @len although the frame is longer, or the id of the one
 * counter (enum ls_counter) that says why the frame stops here. Counts nothing.
 */
LS_INLINE __u32 ls_hdr_classify(const struct ls_scratch *s, __u32 len, __u32 wire_len,
				struct ls_hdr *h)
{
	__u32 off = ETH_ALEN * 2, l4, ulen, sport, dport;
	__u32 eth_type;

	if (len < ETH_HLEN)
		goto trunc;
	eth_type = rd16(s, off);
	off = ETH_HLEN;
	for (int i = 0; i < LS_VLAN_MAX; i++) {
		/* 802.1Q, 802.1ad, or 0x9100 (pre-standard QinQ) */
		if (eth_type != ETH_P_8021Q && eth_type != ETH_P_8021AD && eth_type != ETH_P_QINQ1)
			break;
		if (off + LS_VLAN_HLEN > len)
			goto trunc;
		if (h->n_vlan < LS_VLAN_MAX)
			h->vlan[h->n_vlan++ & (LS_VLAN_MAX - 1)] = rd16(s, off) & 0x0fff;
		eth_type = rd16(s, off + 2);
		off += LS_VLAN_HLEN;
	}
	h->l3_off = off;
	if (eth_type == ETH_P_IP) {
		__u32 ihl, tot;

		if (off + LS_IP4_HLEN > len)
			goto trunc;
		if ((rd8(s, off) >> 4) != 4)
			goto bad_ip;
		ihl = (rd8(s, off) & 0xf) * 4;
		tot = rd16(s, off + 2);
		if (ihl < LS_IP4_HLEN || tot < ihl || off + tot > wire_len)
			goto bad_ip;
		if (rd8(s, off + 9) != IPPROTO_UDP)
			goto not_dhcp;
		if (rd16(s, off + 6) & LS_IP4_FRAG)
			return LS_CNT_IP_FRAG;
		h->family = 4;
		l4 = off + ihl;
		ulen = tot - ihl;
	} else if (eth_type == ETH_P_IPV6) {
		__u32 plen, nh;

		if (off + LS_IP6_HLEN > len)
			goto trunc;
		if ((rd8(s, off) >> 4) != 6)
			goto bad_ip;
		plen = rd16(s, off + 4);
		nh = rd8(s, off + 6);
		if (off + LS_IP6_HLEN + plen > wire_len)
			goto bad_ip;
		l4 = off + LS_IP6_HLEN;
		for (int i = 0; i < LS_V6_EXT_MAX; i++) {
			__u32 elen;

			/*
			 * !LS_IP6_EXT_HDR(nh), written out: clang lays the walk
			 * out differently for the negated form (fewer instructions
			 * but new code for the verifier; see the commit)
			 */
			if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS &&
			    nh != IPPROTO_FRAGMENT && nh != IPPROTO_AH)
				break;
			if (nh == IPPROTO_FRAGMENT)
				return LS_CNT_IP_FRAG;
			if (l4 + LS_UDP_HLEN > len)
				goto need_more;
			/* RFC 4302 §2.2: AH counts 4-byte units less 2, the others 8-byte units less 1 */
			elen = nh == IPPROTO_AH ? (rd8(s, l4 + 1) + 2) * 4 : (rd8(s, l4 + 1) + 1) * 8;
			nh = rd8(s, l4);
			l4 += elen;
		}
		if (LS_IP6_EXT_HDR(nh))
			return LS_CNT_MAL_EXT_HDRS;
		if (nh != IPPROTO_UDP)
			goto not_dhcp;
		if (l4 > off + LS_IP6_HLEN + plen)
			goto bad_ip;
		h->family = 6;
		ulen = off + LS_IP6_HLEN + plen - l4;
	} else {
		goto not_dhcp;
	}
	if (l4 + LS_UDP_HLEN > len)
		goto need_more;
	sport = rd16(s, l4);
	dport = rd16(s, l4 + 2);
	if (h->family == 4) {
		if ((sport != DHCP4_SERVER_PORT && sport != DHCP4_CLIENT_PORT) ||
		    (dport != DHCP4_SERVER_PORT && dport != DHCP4_CLIENT_PORT))
			goto not_dhcp;
	} else {
		if ((sport != DHCP6_SERVER_PORT && sport != DHCP6_CLIENT_PORT) ||
		    (dport != DHCP6_SERVER_PORT && dport != DHCP6_CLIENT_PORT))
			goto not_dhcp;
	}
	if (rd16(s, l4 + 4) < LS_UDP_HLEN || rd16(s, l4 + 4) > ulen)
		return LS_CNT_MAL_BAD_UDP;
	h->dhcp_off = l4 + LS_UDP_HLEN;
	h->dhcp_end = l4 + rd16(s, l4 + 4);
	return LS_HDR_DHCP;

need_more:
	if (wire_len > len && len < LS_BUF_SZ)
		return LS_HDR_MORE;
trunc:
	return LS_CNT_MAL_TRUNC_HDR;
bad_ip:
	return LS_CNT_MAL_BAD_IP;
not_dhcp:
	return LS_CNT_PKT_NOT_DHCP;
}

/*
 * ls_parse_headers() - ls_hdr_classify() on the first p->len bytes, counted.
 * Returns 1 when the frame is DHCP (h filled), 0 when it is not (counted),
 * -1 when the headers run past p->len although the frame is longer (the
 * caller loads more and calls again).
 */
LS_INLINE int ls_parse_headers(struct ls_pctx *p, struct ls_hdr *h)
{
	__u32 v = ls_hdr_classify(p->s, p->len, p->wire_len, h);

	if (v == LS_HDR_DHCP)
		return 1;
	if (v == LS_HDR_MORE)
		return -1;
	LS_COUNT(p, v);
	return 0;
}

/* ---- DHCPv4 ---------------------------------------------------------- */

static long ls_v4_opt_step(__u32 i, void *data)
{
	struct ls_pctx *p = data;
	const struct ls_scratch *s = p->s;
	struct ls_v4_walk *w = &p->s->w4;
	__u32 pos = w->pos, code, olen, d;

	(void)i;
	if (pos >= w->end) {
		w->done = 1;		/* no END option: the UDP payload ends the list */
		return 1;
	}
	code = rd8(s, pos);
	if (code == DHCP4_OPT_PAD) {
		w->pos = pos + 1;
		return 0;
	}
	if (code == DHCP4_OPT_END) {
		w->done = 1;
		return 1;
	}
	if (pos + 2 > w->end || pos + 2 + rd8(s, pos + 1) > w->end) {
		w->err = LS_CNT_MAL_OPT_OVERRUN;
		return 1;
	}
	olen = rd8(s, pos + 1);
	d = pos + 2;
	/*
	 * A fixed-size option of another size is ignored, not fatal: the lease is
	 * still worth reporting (the lease file confirms it), the oddity counted.
	 */
	if (((code == DHCP4_OPT_REQUESTED_IP || code == DHCP4_OPT_LEASE_TIME ||
	      code == DHCP4_OPT_SERVER_ID) && olen != 4) ||
	    (code == DHCP4_OPT_MSG_TYPE && olen != 1)) {
		LS_COUNT(p, LS_CNT_OPT_IGNORED);
		code = DHCP4_OPT_PAD;
	}
	switch (code) {
	case DHCP4_OPT_MSG_TYPE:
		w->msg_type = rd8(s, d);
		break;
	case DHCP4_OPT_REQUESTED_IP:
		w->req_addr = rd32(s, d);
		w->have_req = 1;
		break;
	case DHCP4_OPT_LEASE_TIME:
		w->lease_time = rd32(s, d);
		w->have_lt = 1;
		break;
	case DHCP4_OPT_SERVER_ID:
		w->server_id = rd32(s, d);
		w->have_sid = 1;
		break;
	case DHCP4_OPT_CLIENT_ID:
		w->ci_off = d;
		w->ci_len = olen;
		break;
	case DHCP4_OPT_HOST_NAME:
		w->hn_off = d;
		w->hn_len = olen;
		break;
	case DHCP4_OPT_CLIENT_FQDN:
		/* RFC 4702: flags, RCODE1, RCODE2, then the domain name */
		if (olen >= 3) {
			w->fq_flags = rd8(s, d);
			w->fq_off = d + 3;
			w->fq_len = olen - 3;
			w->have_fq = 1;
		}
		break;
	}
	w->pos = d + olen;
	return 0;
}

/* Zero @n bytes (a constant multiple of 8): a loop the compiler unrolls. */
#define ls_zero(ptr, n)                                                   \
	do {                                                              \
		__u64 *_z = (__u64 *)(ptr);                               \
		_Static_assert((n) % 8 == 0, "ls_zero size");             \
		for (__u32 _i = 0; _i < (n) / 8; _i++)                    \
			_z[_i] = 0;                                       \
	} while (0)

/*
 * ls_walk_failed() - count how an option walk ended badly: its own reason
 * (@err), or LS_CNT_MAL_OPT_LOOP when the iteration bound ran out before the
 * end (@done unset). Returns 1 if it did.
 */
LS_INLINE int ls_walk_failed(struct ls_pctx *p, __u32 err, __u32 done)
{
	if (err) {
		LS_COUNT(p, err);
		return 1;
	}
	if (!done) {
		LS_COUNT(p, LS_CNT_MAL_OPT_LOOP);
		return 1;
	}
	return 0;
}

LS_INLINE void ls_put_be32(__u8 *dst, __u32 v)
{
	dst[0] = v >> 24;
	dst[1] = v >> 16;
	dst[2] = v >> 8;
	dst[3] = v;
}

LS_INLINE void ls_emit_one(struct ls_pctx *p)
{
	struct ls_event *ev = &p->s->ev;
	__u32 idx = LS_CNT_EV_V4_ACK + ev->type - LS_EV_V4_ACK;

	if (LS_EMIT(p, ev) < 0) {
		LS_COUNT(p, LS_CNT_RB_FULL);
		return;
	}
	/* one check, on the register that indexes (see LS_COUNT) */
	LS_OPAQUE(idx);
	if (idx <= LS_CNT_EV_V6_DECLINE)
		p->cnt->c[idx]++;
}

LS_INLINE void ls_ev_reset(struct ls_pctx *p, const struct ls_hdr *h)
{
	struct ls_event *ev = &p->s->ev;

	ls_zero(ev, sizeof(*ev));
	ev->version = LS_EVENT_VERSION;
	ev->ifindex = p->ifindex;
	ev->ts_ns = p->ts_ns;
	ev->family = h->family;
	ev->dir = p->dir;
	ev->n_vlan = h->n_vlan;
	ev->vlan[0] = h->vlan[0];
	ev->vlan[1] = h->vlan[1];
	if (h->trunc)
		ev->flags |= LS_EVF_TRUNC;
}

LS_INLINE int ls_parse_v4(struct ls_pctx *p, const struct ls_hdr *h)
{
	struct ls_scratch *s = p->s;
	struct ls_event *ev = &s->ev;
	struct ls_v4_walk *w = &s->w4;
	__u32 off = h->dhcp_off, addr, hlen, giaddr;

	if (off + DHCP4_OPTIONS_OFF > h->dhcp_end ||
	    rd32(s, off + DHCP4_FIXED_LEN) != DHCP4_MAGIC_COOKIE) {
		LS_COUNT(p, LS_CNT_MAL_DHCP_SHORT);
		return 0;
	}
	ls_zero(w, sizeof(*w));
	w->pos = off + DHCP4_OPTIONS_OFF;
	w->end = h->dhcp_end;
	LS_LOOP(LS_OPT_ITER_MAX, ls_v4_opt_step, p);
	if (ls_walk_failed(p, w->err, w->done))
		return 0;
	if (!w->msg_type) {
		LS_COUNT(p, LS_CNT_MAL_NO_MSGTYPE);
		return 0;
	}
	ls_ev_reset(p, h);
	switch (w->msg_type) {
	case DHCP4_MSG_ACK:
		ev->type = LS_EV_V4_ACK;
		addr = rd32(s, off + 16);	/* yiaddr */
		break;
	case DHCP4_MSG_NAK:
		ev->type = LS_EV_V4_NAK;
		addr = 0;
		break;
	case DHCP4_MSG_RELEASE:
		ev->type = LS_EV_V4_RELEASE;
		addr = rd32(s, off + 12);	/* ciaddr */
		break;
	case DHCP4_MSG_DECLINE:
		ev->type = LS_EV_V4_DECLINE;
		addr = w->have_req ? w->req_addr : 0;
		break;
	default:
		LS_COUNT(p, LS_CNT_PKT_IGNORED);
		return 0;
	}
	if (!addr && ev->type != LS_EV_V4_NAK) {
		LS_COUNT(p, LS_CNT_V4_NO_ADDR);
		return 0;
	}
	ls_put_be32(ev->addr, addr);
	ev->prefix_len = 32;
	ev->xid = rd32(s, off + 4);
	ev->htype = rd8(s, off + 1);
	hlen = rd8(s, off + 2);
	ev->hlen = hlen;
	ls_copy_field(p, ev->chaddr, LS_CHADDR_MAX, LS_CHADDR_MAX, off + 28, hlen);
	giaddr = rd32(s, off + 24);
	if (giaddr) {
		ev->flags |= LS_EVF_RELAYED;
		ls_put_be32(ev->relay_addr, giaddr);
	}
	if (w->have_lt) {
		ev->flags |= LS_EVF_LEASE_TIME;
		ev->valid_lft = w->lease_time;
	}
	if (w->have_sid) {
		ev->flags |= LS_EVF_SERVER_ID;
		ls_put_be32(ev->server_id, w->server_id);
		ev->server_id_len = 4;
	}
	if (w->ci_off) {
		ev->flags |= LS_EVF_CLIENT_ID;
		ev->client_id_len = ls_copy_field(p, ev->client_id, LS_CLIENT_ID_MAX, LS_CLIENT_ID_MAX, w->ci_off,
						  w->ci_len);
	}
	if (w->hn_off) {
		ev->flags |= LS_EVF_HOSTNAME;
		ev->hostname_len = ls_copy_field(p, (__u8 *)ev->hostname, LS_HOSTNAME_MAX, LS_HOSTNAME_MAX - 1,
						 w->hn_off, w->hn_len);
	}
	if (w->have_fq) {
		ev->flags |= LS_EVF_FQDN;
		ev->fqdn_flags = w->fq_flags;
		/* RFC 4702 §2.1: E=0 is the deprecated ASCII encoding */
		if (!(w->fq_flags & DHCP_FQDN_E))
			ev->flags |= LS_EVF_FQDN_ASCII;
		ev->fqdn_len = ls_copy_field(p, ev->fqdn, LS_FQDN_MAX, LS_FQDN_MAX, w->fq_off, w->fq_len);
	}
	ls_emit_one(p);
	return 1;
}

/* ---- DHCPv6 ---------------------------------------------------------- */

LS_INLINE int ls_v6_enter_msg(struct ls_pctx *p, struct ls_v6_walk *w, __u32 off, __u32 end)
{
	struct ls_scratch *s = p->s;
	__u32 t;

	if (off + DHCP6_MSG_HDR_LEN > end) {
		w->err = LS_CNT_MAL_DHCP_SHORT;
		return 1;
	}
	t = rd8(s, off);
	w->msg_end = end;
	if (t == DHCP6_MSG_RELAY_FORW || t == DHCP6_MSG_RELAY_REPL) {
		if (w->hops >= LS_V6_RELAY_MAX) {
			w->err = LS_CNT_MAL_RELAY_DEPTH;
			return 1;
		}
		if (off + DHCP6_RELAY_HDR_LEN > end) {
			w->err = LS_CNT_MAL_DHCP_SHORT;
			return 1;
		}
		w->hops++;
		w->in_relay = 1;
		w->relay_found = 0;
		/* peer-address of the innermost relay: the client's link address */
		for (int i = 0; i < 16; i++)
			w->peer[i] = rd8(s, off + DHCP6_RELAY_PEER_OFF + i);
		w->pos = off + DHCP6_RELAY_HDR_LEN;
		return 0;
	}
	w->in_relay = 0;
	w->msg_type = t;
	if (t != DHCP6_MSG_REPLY && t != DHCP6_MSG_RELEASE && t != DHCP6_MSG_DECLINE) {
		w->err = LS_CNT_PKT_IGNORED;
		return 1;
	}
	s->ev.xid = rd32(s, off) & 0xffffff;
	w->pos = off + DHCP6_MSG_HDR_LEN;
	return 0;
}

LS_INLINE void ls_v6_add_lease(struct ls_scratch *s, struct ls_v6_walk *w, __u32 addr_off,
			       __u32 plen, __u32 pref, __u32 valid)
{
	struct ls_lease *l;

	if (w->n >= LS_MAX_LEASES) {
		w->excess++;
		w->cur_lease = 0;
		return;
	}
	l = &s->leases[w->n & (LS_MAX_LEASES - 1)];
	*(__u64 *)l->addr = LS_LD64(&s->buf[addr_off & LS_BUF_MASK]);
	*(__u64 *)(l->addr + 8) = LS_LD64(&s->buf[(addr_off + 8) & LS_BUF_MASK]);
	l->iaid = w->iaid;
	l->valid_lft = valid;
	l->pref_lft = pref;
	l->prefix_len = plen;
	l->ia_type = w->ia_type;
	l->ia_idx = w->ia_idx;
	l->dead = w->ia_failed;
	w->n++;
	w->cur_lease = w->n;
}

/* What one step of the DHCPv6 walk does; ls_v6_opt_decide() picks it. */
enum ls_v6_act {
	LS_V6A_SKIP,		/* an option of no interest where it stands: step over it */
	LS_V6A_CLOSE_ADDR,	/* the IAADDR/IAPREFIX container ended */
	LS_V6A_CLOSE_IA,	/* the IA container ended */
	LS_V6A_DONE,		/* the message ended */
	LS_V6A_RELAY_ENTER,	/* a relay message ended: walk the message it carried */
	LS_V6A_RELAY_MSG,	/* a relay's RELAY_MSG option: remember where it is */
	LS_V6A_FAIL_MSG,	/* a non-success status on the message */
	LS_V6A_FAIL_IA,		/* ... on the open IA: its leases before and after it */
	LS_V6A_FAIL_ADDR,	/* ... on the open address or prefix */
	LS_V6A_CLIENTID,
	LS_V6A_SERVERID,
	LS_V6A_FQDN,
	LS_V6A_IA,		/* IA_NA, IA_TA or IA_PD: open the container */
	LS_V6A_IAADDR,		/* open an address container (IA_NA, IA_TA) */
	LS_V6A_IAPREFIX,	/* open a prefix container (IA_PD) */
	LS_V6A_ERR_NO_MSG,	/* a relay message without a message: LS_CNT_V6_NO_LEASE */
	LS_V6A_ERR_OVERRUN,	/* LS_CNT_MAL_OPT_OVERRUN */
	LS_V6A_ERR_LEN,		/* LS_CNT_MAL_OPT_LEN */
};

/*
 * ls_v6_opt_decide() - what the walk @w does at w->pos of @s->buf: close a
 * finished container (innermost first), end the message or enter the one a
 * relay carried, or take the option there. Reads, never writes.
 */
LS_INLINE __u32 ls_v6_opt_decide(const struct ls_scratch *s, const struct ls_v6_walk *w)
{
	__u32 pos = w->pos, end, code, olen;

	if (w->depth == 2 && pos >= w->stk_end[2])
		return LS_V6A_CLOSE_ADDR;
	if (w->depth == 1 && pos >= w->stk_end[1])
		return LS_V6A_CLOSE_IA;
	if (w->depth == 0 && pos >= w->msg_end) {
		if (!w->in_relay)
			return LS_V6A_DONE;
		return w->relay_found ? LS_V6A_RELAY_ENTER : LS_V6A_ERR_NO_MSG;
	}
	end = w->depth ? w->stk_end[w->depth & 3] : w->msg_end;
	if (pos + 4 > end || pos + 4 + rd16(s, pos + 2) > end)
		return LS_V6A_ERR_OVERRUN;
	code = rd16(s, pos);
	olen = rd16(s, pos + 2);
	if (w->in_relay)
		return code == DHCP6_OPT_RELAY_MSG ? LS_V6A_RELAY_MSG : LS_V6A_SKIP;
	if (code == DHCP6_OPT_STATUS_CODE) {
		if (olen < 2)
			return LS_V6A_ERR_LEN;
		if (rd16(s, pos + 4) == DHCP6_STATUS_SUCCESS)
			return LS_V6A_SKIP;
		if (w->depth == 0)
			return LS_V6A_FAIL_MSG;
		if (w->depth == 1)
			return LS_V6A_FAIL_IA;
		return w->cur_lease ? LS_V6A_FAIL_ADDR : LS_V6A_SKIP;
	}
	if (w->depth == 0) {
		switch (code) {
		case DHCP6_OPT_CLIENTID:
			return LS_V6A_CLIENTID;
		case DHCP6_OPT_SERVERID:
			return LS_V6A_SERVERID;
		case DHCP6_OPT_CLIENT_FQDN:	/* flags, then a wire name */
			return olen >= 1 ? LS_V6A_FQDN : LS_V6A_SKIP;
		case DHCP6_OPT_IA_NA:
		case DHCP6_OPT_IA_PD:
			return olen < DHCP6_IA_NA_LEN ? LS_V6A_ERR_LEN : LS_V6A_IA;
		case DHCP6_OPT_IA_TA:
			return olen < DHCP6_IA_TA_LEN ? LS_V6A_ERR_LEN : LS_V6A_IA;
		}
		return LS_V6A_SKIP;
	}
	if (w->depth == 1) {
		if (code == DHCP6_OPT_IAADDR && w->ia_type != LS_IA_PD)
			return olen < DHCP6_IAADDR_LEN ? LS_V6A_ERR_LEN : LS_V6A_IAADDR;
		if (code == DHCP6_OPT_IAPREFIX && w->ia_type == LS_IA_PD)
			return olen < DHCP6_IAPREFIX_LEN ? LS_V6A_ERR_LEN : LS_V6A_IAPREFIX;
	}
	/* depth 2: only status codes matter (above) */
	return LS_V6A_SKIP;
}

/* One step of the DHCPv6 walk: a bpf_loop() callback applying ls_v6_opt_decide(). */
static long ls_v6_opt_step(__u32 i, void *data)
{
	struct ls_pctx *p = data;
	struct ls_scratch *s = p->s;
	struct ls_v6_walk *w = &s->w6;
	__u32 act = ls_v6_opt_decide(s, w), code, olen, d, next;

	(void)i;
	switch (act) {
	case LS_V6A_CLOSE_ADDR:
		w->depth = 1;
		w->cur_lease = 0;
		return 0;
	case LS_V6A_CLOSE_IA:
		w->depth = 0;
		return 0;
	case LS_V6A_DONE:
		w->done = 1;
		return 1;
	case LS_V6A_RELAY_ENTER:
		return ls_v6_enter_msg(p, w, w->relay_off, w->relay_off + w->relay_len);
	case LS_V6A_ERR_NO_MSG:
		w->err = LS_CNT_V6_NO_LEASE;
		return 1;
	case LS_V6A_ERR_OVERRUN:
		w->err = LS_CNT_MAL_OPT_OVERRUN;
		return 1;
	case LS_V6A_ERR_LEN:
		w->err = LS_CNT_MAL_OPT_LEN;
		return 1;
	}
	/* an option [pos, next) that fits its container */
	code = rd16(s, w->pos);
	olen = rd16(s, w->pos + 2);
	d = w->pos + 4;
	next = d + olen;
	w->pos = next;
	switch (act) {
	case LS_V6A_RELAY_MSG:
		w->relay_off = d;
		w->relay_len = olen;
		w->relay_found = 1;
		break;
	case LS_V6A_FAIL_MSG:
		w->msg_fail = 1;
		break;
	case LS_V6A_FAIL_IA:
		w->ia_failed = 1;
		for (__u32 k = 0; k < LS_MAX_LEASES; k++)
			if (k >= w->ia_first && k < w->n)
				s->leases[k].dead = 1;
		break;
	case LS_V6A_FAIL_ADDR:
		s->leases[(w->cur_lease - 1) & (LS_MAX_LEASES - 1)].dead = 1;
		break;
	case LS_V6A_CLIENTID:
		w->cid_off = d;
		w->cid_len = olen > 255 ? 255 : olen;
		break;
	case LS_V6A_SERVERID:
		w->sid_off = d;
		w->sid_len = olen > 255 ? 255 : olen;
		break;
	case LS_V6A_FQDN:
		w->fq_flags = rd8(s, d);
		w->fq_off = d + 1;
		w->fq_len = olen - 1 > 255 ? 255 : olen - 1;
		w->have_fq = 1;
		break;
	case LS_V6A_IA:
		w->ia_idx++;
		w->ia_first = w->n;
		w->ia_failed = 0;
		w->iaid = rd32(s, d);
		w->ia_type = code == DHCP6_OPT_IA_NA ? LS_IA_NA
			   : code == DHCP6_OPT_IA_TA ? LS_IA_TA : LS_IA_PD;
		w->stk_end[1] = next;
		w->depth = 1;
		w->pos = d + (code == DHCP6_OPT_IA_TA ? DHCP6_IA_TA_LEN : DHCP6_IA_NA_LEN);
		break;
	case LS_V6A_IAADDR:
		ls_v6_add_lease(s, w, d, 128, rd32(s, d + 16), rd32(s, d + 20));
		w->stk_end[2] = next;
		w->depth = 2;
		w->pos = d + DHCP6_IAADDR_LEN;
		break;
	case LS_V6A_IAPREFIX:
		ls_v6_add_lease(s, w, d + 9, rd8(s, d + 8), rd32(s, d), rd32(s, d + 4));
		w->stk_end[2] = next;
		w->depth = 2;
		w->pos = d + DHCP6_IAPREFIX_LEN;
		break;
	}
	return 0;
}

static long ls_v6_emit_step(__u32 i, void *data)
{
	struct ls_pctx *p = data;
	struct ls_scratch *s = p->s;
	struct ls_v6_walk *w = &s->w6;
	struct ls_event *ev = &s->ev;
	const struct ls_lease *l;

	if (i >= w->n)
		return 1;
	l = &s->leases[i & (LS_MAX_LEASES - 1)];
	if (l->dead) {
		LS_COUNT(p, LS_CNT_V6_STATUS_FAIL);
		return 0;
	}
	__builtin_memcpy(ev->addr, l->addr, 16);
	ev->prefix_len = l->prefix_len;
	ev->ia_type = l->ia_type;
	ev->iaid = l->iaid;
	ev->valid_lft = l->valid_lft;
	ev->pref_lft = l->pref_lft;
	ls_emit_one(p);
	return 0;
}

LS_INLINE int ls_parse_v6(struct ls_pctx *p, const struct ls_hdr *h)
{
	struct ls_scratch *s = p->s;
	struct ls_event *ev = &s->ev;
	struct ls_v6_walk *w = &s->w6;

	ls_ev_reset(p, h);
	ls_zero(w, sizeof(*w));
	if (ls_v6_enter_msg(p, w, h->dhcp_off, h->dhcp_end) == 0)
		LS_LOOP(LS_OPT_ITER_MAX, ls_v6_opt_step, p);
	if (ls_walk_failed(p, w->err, w->done))
		return 0;
	if (w->msg_fail) {
		LS_COUNT(p, LS_CNT_V6_STATUS_FAIL);
		return 0;
	}
	if (w->excess)
		p->cnt->c[LS_CNT_LEASES_EXCESS] += w->excess;
	if (!w->n) {
		LS_COUNT(p, LS_CNT_V6_NO_LEASE);
		return 0;
	}
	ev->type = w->msg_type == DHCP6_MSG_REPLY     ? LS_EV_V6_REPLY
		 : w->msg_type == DHCP6_MSG_RELEASE ? LS_EV_V6_RELEASE
						     : LS_EV_V6_DECLINE;
	ev->flags |= LS_EVF_LEASE_TIME;
	if (w->hops) {
		ev->flags |= LS_EVF_RELAYED;
		ev->relay_hops = w->hops;
		__builtin_memcpy(ev->relay_addr, w->peer, 16);
	}
	if (w->cid_off) {
		ev->flags |= LS_EVF_CLIENT_ID;
		ev->client_id_len = ls_copy_field(p, ev->client_id, LS_CLIENT_ID_MAX, LS_CLIENT_ID_MAX, w->cid_off,
						  w->cid_len);
	}
	if (w->sid_off) {
		ev->flags |= LS_EVF_SERVER_ID;
		ev->server_id_len = ls_copy_field(p, ev->server_id, LS_SERVER_ID_MAX, LS_SERVER_ID_MAX, w->sid_off,
						  w->sid_len);
	}
	if (w->have_fq) {
		ev->flags |= LS_EVF_FQDN;
		ev->fqdn_flags = w->fq_flags;
		ev->fqdn_len = ls_copy_field(p, ev->fqdn, LS_FQDN_MAX, LS_FQDN_MAX, w->fq_off, w->fq_len);
	}
	LS_LOOP(LS_MAX_LEASES, ls_v6_emit_step, p);
	return 1;
}

/*
 * ls_parse_dhcp() - after ls_parse_headers() returned 1 on the whole frame
 * (p->len = min(wire_len, LS_BUF_SZ)): parse the DHCP message and emit its
 * events. Returns the number of messages that produced events (0 or 1).
 */
LS_INLINE int ls_parse_dhcp(struct ls_pctx *p, struct ls_hdr *h)
{
	LS_COUNT(p, LS_CNT_PKT_DHCP);
	if (p->wire_len > LS_BUF_SZ) {
		h->trunc = 1;
		LS_COUNT(p, LS_CNT_PKT_TOO_BIG);
	}
	if (h->dhcp_end > p->len)
		h->dhcp_end = p->len;
	if (h->family == 4)
		return ls_parse_v4(p, h);
	return ls_parse_v6(p, h);
}

/*
 * ls_quick_not_dhcp() - the fast path for the traffic that is not DHCP:
 * reads the linear head in place and returns 1 only where ls_parse_headers()
 * would end in LS_CNT_PKT_NOT_DHCP (same checks, same order); anything it is
 * not sure of (VLAN tags, extension headers, fragments, odd lengths, DHCP
 * ports) takes the full path. The differential test holds the two to the same
 * counters on every frame. Packet pointers, not offsets: the BPF build reads
 * ctx->data in place, and the verifier follows only pointer compares.
 */
LS_INLINE int ls_quick_not_dhcp(const __u8 *d, const __u8 *end)
{
	const __u8 *u;
	__u16 type;
	__u32 ihl, tot, sport, dport;

	/* 16-bit loads in network byte order, compared against swapped constants */
	if (d + ETH_HLEN > end)
		return 0;
	type = LS_LD16(d + ETH_ALEN * 2);
	if (type == bpf_htons(ETH_P_IP)) {
		if (d + (ETH_HLEN + LS_IP4_HLEN) > end || (d[14] >> 4) != 4)
			return 0;
		ihl = (d[14] & 0xf) * 4;
		tot = LS_NTOHS_BOUNDED(LS_LD16(d + 16));
		if (ihl < LS_IP4_HLEN || tot < ihl || d + ETH_HLEN + tot > end)
			return 0;
		if (d[23] != IPPROTO_UDP)
			return 1;
		if (LS_LD16(d + 20) & bpf_htons(LS_IP4_FRAG))
			return 0;
		u = d + ETH_HLEN + ihl;
		/* keep clang from re-deriving u from d for each load: the verifier
		 * tracks the bounds check on this register only */
		LS_OPAQUE(u);
		if (u + LS_UDP_HLEN > end)
			return 0;
		sport = LS_LD16(u);
		dport = LS_LD16(u + 2);
		return !((sport == bpf_htons(DHCP4_SERVER_PORT) ||
			  sport == bpf_htons(DHCP4_CLIENT_PORT)) &&
			 (dport == bpf_htons(DHCP4_SERVER_PORT) ||
			  dport == bpf_htons(DHCP4_CLIENT_PORT)));
	}
	if (type == bpf_htons(ETH_P_IPV6)) {
		__u32 nh;

		if (d + (ETH_HLEN + LS_IP6_HLEN + LS_UDP_HLEN) > end || (d[14] >> 4) != 6)
			return 0;
		if (d + (ETH_HLEN + LS_IP6_HLEN) + LS_NTOHS_BOUNDED(LS_LD16(d + 18)) > end)
			return 0;
		nh = d[20];
		if (LS_IP6_EXT_HDR(nh))
			return 0;
		if (nh != IPPROTO_UDP)
			return 1;
		sport = LS_LD16(d + (ETH_HLEN + LS_IP6_HLEN));
		dport = LS_LD16(d + (ETH_HLEN + LS_IP6_HLEN + 2));
		return !((sport == bpf_htons(DHCP6_CLIENT_PORT) ||
			  sport == bpf_htons(DHCP6_SERVER_PORT)) &&
			 (dport == bpf_htons(DHCP6_CLIENT_PORT) ||
			  dport == bpf_htons(DHCP6_SERVER_PORT)));
	}
	return type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD) &&
	       type != bpf_htons(ETH_P_QINQ1);
}

/*
 * LS_RUN_FRAME() - the per-packet sequence, identical in both builds: copy
 * the first LS_PEEK bytes with LOAD(ctx, off, dst, n) and parse the headers
 * (the whole cost for non-DHCP traffic); for DHCP, or headers that run past
 * LS_PEEK, copy the frame (up to LS_BUF_SZ), parse the headers again if they
 * needed it, and parse the message. @p needs s, cnt, wire_len, ifindex, dir;
 * @h must be zeroed. @ts is evaluated only for DHCP; @extra runs just before
 * the DHCP parse (the tc program adds the offloaded VLAN tag there). A macro
 * because LOAD is a different helper per program type; each stage runs only
 * when _r says the one before it went on (1 DHCP, -1 headers need more).
 */
#define LS_RUN_FRAME(p, h, LOAD, ctx, ts, extra)                                         \
	({                                                                              \
		__u32 _n, _wl = (p)->wire_len;                                          \
		int _r = 0;                                                             \
		LS_COUNT(p, LS_CNT_PKTS);                                               \
		_n = LS_MIN(_wl, LS_PEEK);                                              \
		if (_n >= ETH_HLEN && LOAD(ctx, 0, (p)->s->buf, _n) == 0) {             \
			(p)->len = _n;                                                  \
			_r = ls_parse_headers(p, h);                                    \
		} else {                                                                \
			LS_COUNT(p, LS_CNT_MAL_TRUNC_HDR);                              \
		}                                                                       \
		if (_r != 0) {                                                          \
			_n = LS_MIN(_wl, LS_BUF_SZ);                                    \
			/* the first LS_PEEK bytes are in place already */            \
			if (_n <= LS_PEEK ||                                            \
			    LOAD(ctx, LS_PEEK, (p)->s->buf + LS_PEEK, _n - LS_PEEK) == 0) { \
				(p)->len = _n;                                          \
			} else {                                                        \
				LS_COUNT(p, LS_CNT_MAL_TRUNC_HDR);                      \
				_r = 0;                                                 \
			}                                                               \
		}                                                                       \
		if (_r < 0) {                                                           \
			ls_zero(h, sizeof(*(h)));                                       \
			_r = ls_parse_headers(p, h);                                    \
		}                                                                       \
		if (_r > 0) {                                                           \
			(p)->ts_ns = (ts);                                              \
			extra;                                                          \
			ls_parse_dhcp(p, h);                                            \
		}                                                                       \
	})

#endif
