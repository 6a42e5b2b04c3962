/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tests/lib/cntcheck.h - the per-frame counter invariant of ringbuf/event.h,
 * shared by the unit, bpf and fuzz tiers: given the counter deltas of exactly
 * one frame and the number of events it produced, every frame counts once in
 * LS_CNT_PKTS and then in exactly one outcome (a header-level one, or
 * PKT_DHCP followed by one DHCP-level outcome or by its events).
 */
#ifndef LS_TEST_CNTCHECK_H
#define LS_TEST_CNTCHECK_H

#include <stdint.h>

#include "ringbuf/event.h"

/* cnt_invariant() - NULL when @d (one frame's deltas) is consistent with @events, else why not. */
static inline const char *cnt_invariant(const struct ls_counters *d, long events)
{
	const __u64 *c = d->c;
	__u64 hdr, one, ev = c[LS_CNT_RB_FULL];

	for (int i = LS_CNT_EV_V4_ACK; i <= LS_CNT_EV_V6_DECLINE; i++)
		ev += c[i];
	hdr = c[LS_CNT_PKT_NOT_DHCP] + c[LS_CNT_IP_FRAG] + c[LS_CNT_MAL_TRUNC_HDR] +
	      c[LS_CNT_MAL_BAD_IP] + c[LS_CNT_MAL_EXT_HDRS] + c[LS_CNT_MAL_BAD_UDP];
	one = c[LS_CNT_PKT_IGNORED] + c[LS_CNT_V4_NO_ADDR] + c[LS_CNT_V6_NO_LEASE] +
	      c[LS_CNT_MAL_DHCP_SHORT] + c[LS_CNT_MAL_OPT_OVERRUN] + c[LS_CNT_MAL_OPT_LEN] +
	      c[LS_CNT_MAL_NO_MSGTYPE] + c[LS_CNT_MAL_RELAY_DEPTH] + c[LS_CNT_MAL_OPT_LOOP];
	if (c[LS_CNT_PKTS] != 1)
		return "packets != 1";
	if (ev != (__u64)events)
		return "event counters != events delivered";
	if (c[LS_CNT_PKT_DHCP] == 0) {
		if (hdr != 1)
			return "non-DHCP frame without exactly one header-level outcome";
		if (one || ev || c[LS_CNT_V6_STATUS_FAIL] || c[LS_CNT_FIELD_TRUNC] ||
		    c[LS_CNT_PKT_TOO_BIG] || c[LS_CNT_LEASES_EXCESS] || c[LS_CNT_OPT_IGNORED])
			return "DHCP-level counter moved for a non-DHCP frame";
		return NULL;
	}
	if (c[LS_CNT_PKT_DHCP] != 1)
		return "dhcp_packets != 1";
	if (hdr)
		return "DHCP frame with a header-level outcome";
	if (ev) {
		if (one)
			return "events and a failure outcome for one frame";
		if (c[LS_CNT_EV_V4_ACK] + c[LS_CNT_EV_V4_NAK] + c[LS_CNT_EV_V4_RELEASE] +
		    c[LS_CNT_EV_V4_DECLINE] > 1)
			return "more than one DHCPv4 event";
		if (ev > 16)
			return "more events than LS_MAX_LEASES";
		return NULL;
	}
	if (one == 1)
		return c[LS_CNT_V6_STATUS_FAIL] || c[LS_CNT_LEASES_EXCESS] ?
			"status/excess counted with a failure outcome" : NULL;
	if (one == 0 && c[LS_CNT_V6_STATUS_FAIL])
		return NULL;	/* every lease dropped for its status */
	return "DHCP frame without exactly one outcome";
}

#endif
