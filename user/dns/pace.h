/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/pace.h - how fast to send to one DNS server for one zone: a
 * retransmission timeout from the measured reply latency (RFC 6298: smoothed
 * RTT plus four times its variation, bounded) and an AIMD controller for
 * the changes per UPDATE and the UPDATEs in flight: both grow while replies
 * come back without queueing delay and are halved (at most once per
 * smoothed RTT) when the latency rises past the target or a reply never
 * comes. Pure: the caller passes the clock in; no I/O, no allocation.
 */
#ifndef LS_PACE_H
#define LS_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct pace_limits {
	uint32_t rto_init_ms;		/* before the first sample */
	uint32_t rto_min_ms, rto_max_ms;
	uint32_t batch_min, batch_max;	/* changes per UPDATE */
	uint32_t window_max;		/* UPDATEs in flight; the floor is 1 */
	uint32_t target_ms;		/* queueing delay (RTT above the least seen) that counts as slow */
};

struct pace {
	struct pace_limits lim;
	bool have_rtt;
	uint32_t srtt_ms, rttvar_ms, rto_ms, min_rtt_ms;
	uint32_t batch, window;
	uint32_t acks;			/* fast replies since the window last grew */
	uint64_t cut_at_ms;		/* when batch and window were last halved */
	bool cut_once;
	uint64_t cuts, grows;		/* decreases and increases, for --stats */
};

/* pace_init() - start at the limits' maxima and rto_init_ms (bounded by min and max). */
void pace_init(struct pace *p, const struct pace_limits *lim);

/* pace_reply() - a reply came @rtt_ms after its message was sent. */
void pace_reply(struct pace *p, uint32_t rtt_ms, uint64_t now_ms);

/* pace_timeout() - a message got no reply within pace_rto(): back the timeout off and cut. */
void pace_timeout(struct pace *p, uint64_t now_ms);

/*
 * pace_hold() - with @inflight UPDATEs of this zone already at the server,
 * should the changes queued now (not enough for a full message: !@full)
 * wait for a reply instead of going out as one more small UPDATE? Yes when
 * two are there already and the server's latency is its own work, not the
 * network (smoothed RTT more than twice the least seen): a server applies
 * a zone's UPDATEs one after the other (BIND one message at a time, Knot
 * what is queued in one commit), so one waiting behind the one it works
 * on keeps it busy, and a third would only wait there too (on Knot, in the
 * same commit); held back, it goes out at the next reply with everything
 * that came meanwhile. The first changes after an idle period, full
 * messages and a far server (pipelining hides its distance) never wait;
 * nor does anything before the first reply.
 */
bool pace_hold(const struct pace *p, unsigned int inflight, bool full);

/* pace_rto() - the timeout for the next message, ms. */
static inline uint32_t pace_rto(const struct pace *p) { return p->rto_ms; }

#endif
