/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/parse.h - the gcc build of bpf/dhcp_parse.h: runs the exact parser
 * the kernel programs run on frames held in memory (captures, fuzzers, the
 * differential test). Frames are Ethernet; parse_frame_linktype() converts
 * the other capture link types (Linux cooked v1/v2, raw IP) first.
 */
#ifndef LS_PARSE_H
#define LS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "ringbuf/event.h"

struct parse;

/* Called once per event, in packet order. A non-zero return stops nothing; it is ignored. */
typedef void (*parse_cb)(const struct ls_event *ev, void *arg);

/* parse_new() - a parser with zeroed counters. Returns 0 or -ENOMEM. */
int parse_new(struct parse **out);
void parse_free(struct parse *ps);	/* NULL is a no-op */

/*
 * parse_frame() - parse one Ethernet frame of @len bytes (the whole frame,
 * as on the wire) exactly as the XDP (@dir LS_DIR_INGRESS) or tc
 * (LS_DIR_EGRESS) program would; calls @cb for each event. Returns the number
 * of events produced. Never fails: bad input only moves counters.
 */
int parse_frame(struct parse *ps, const uint8_t *frame, size_t len, uint32_t ifindex, int dir,
		parse_cb cb, void *arg);

/*
 * parse_frame_linktype() - as parse_frame() for a capture of pcap link type
 * @dlt (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, IPv4, IPv6): the
 * frame is rewritten to Ethernet first. Returns events produced, or
 * -EPROTONOSUPPORT for another link type.
 */
int parse_frame_linktype(struct parse *ps, int dlt, const uint8_t *frame, size_t len,
			 uint32_t ifindex, int dir, parse_cb cb, void *arg);

/* parse_counters() - the counters so far (same layout as the BPF map). */
const struct ls_counters *parse_counters(const struct parse *ps);

#endif
