// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/parse.c - compiles bpf/dhcp_parse.h with gcc. The frame is "loaded"
 * into the scratch buffer with memcpy exactly where the kernel program calls
 * bpf_xdp_load_bytes/bpf_skb_load_bytes, so both builds see the same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/dhcp_parse.h"
#include "user/wire/parse.h"

struct parse {
	struct ls_scratch s;
	struct ls_counters cnt;
	const uint8_t *frame;
	parse_cb cb;
	void *arg;
	int events;
	uint8_t conv[65536 + 14];	/* a cooked/raw capture frame rebuilt as Ethernet */
};

int ls_emit_user(struct ls_pctx *p, const struct ls_event *ev)
{
	struct parse *ps = p->emit_ctx;

	if (ps->cb)
		ps->cb(ev, ps->arg);
	ps->events++;
	return 0;
}

static int parse_load(struct parse *ps, __u32 off, __u8 *dst, __u32 n)
{
	memcpy(dst, ps->frame + off, n);
	return 0;
}

int parse_new(struct parse **out)
{
	struct parse *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return -ENOMEM;
	*out = ps;
	return 0;
}

void parse_free(struct parse *ps)
{
	free(ps);
}

int parse_frame(struct parse *ps, const uint8_t *frame, size_t len, uint32_t ifindex, int dir,
		parse_cb cb, void *arg)
{
	struct ls_hdr h;
	struct ls_pctx p;

	memset(&h, 0, sizeof(h));
	memset(&p, 0, sizeof(p));
	p.s = &ps->s;
	p.cnt = &ps->cnt;
	p.wire_len = len > UINT32_MAX ? UINT32_MAX : len;
	p.ifindex = ifindex;
	p.dir = dir;
	p.emit_ctx = ps;
	ps->frame = frame;
	ps->cb = cb;
	ps->arg = arg;
	ps->events = 0;
	/* the programs' fast path first, as LS_RUN does in leasesnoop.bpf.c */
	if (ls_quick_not_dhcp(frame, frame + len)) {
		ps->cnt.c[LS_CNT_PKTS]++;
		ps->cnt.c[LS_CNT_PKT_NOT_DHCP]++;
		return 0;
	}
	LS_RUN_FRAME(&p, &h, parse_load, ps, 0, (void)0);
	return ps->events;
}

/* pcap link types (pcap/dlt.h values, stable across libpcap versions) */
#define LT_EN10MB 1
#define LT_RAW    12	/* DLT_RAW on Linux/most platforms */
#define LT_RAW2   101	/* LINKTYPE_RAW */
#define LT_SLL    113
#define LT_SLL2   276
#define LT_IPV4   228
#define LT_IPV6   229

int parse_frame_linktype(struct parse *ps, int dlt, const uint8_t *frame, size_t len,
			 uint32_t ifindex, int dir, parse_cb cb, void *arg)
{
	uint8_t *eth = ps->conv;
	size_t hdr, plen;
	uint16_t proto;

	switch (dlt) {
	case LT_EN10MB:
		return parse_frame(ps, frame, len, ifindex, dir, cb, arg);
	case LT_SLL:		/* 16-byte cooked header, protocol at 14 */
		if (len < 16)
			goto short_frame;
		hdr = 16;
		proto = frame[14] << 8 | frame[15];
		break;
	case LT_SLL2:		/* 20-byte cooked header, protocol at 0 */
		if (len < 20)
			goto short_frame;
		hdr = 20;
		proto = frame[0] << 8 | frame[1];
		break;
	case LT_RAW:
	case LT_RAW2:
	case LT_IPV4:
	case LT_IPV6:
		if (len < 1)
			goto short_frame;
		hdr = 0;
		proto = (frame[0] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	/* Rebuild an Ethernet frame around the network-layer packet. */
	plen = len - hdr;
	if (plen > sizeof(ps->conv) - 14)
		plen = sizeof(ps->conv) - 14;
	memset(eth, 0, 12);
	eth[12] = proto >> 8;
	eth[13] = proto & 0xff;
	memcpy(eth + 14, frame + hdr, plen);
	return parse_frame(ps, eth, plen + 14, ifindex, dir, cb, arg);

short_frame:
	ps->cnt.c[LS_CNT_PKTS]++;
	ps->cnt.c[LS_CNT_MAL_TRUNC_HDR]++;
	return 0;
}

const struct ls_counters *parse_counters(const struct parse *ps)
{
	return &ps->cnt;
}
