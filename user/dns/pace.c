// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/pace.c - RFC 6298's estimator (alpha 1/8, beta 1/4, K 4) in
 * milliseconds, and additive increase / multiplicative decrease of the
 * batch size and the in-flight window. "Slow" is measured against the
 * least RTT seen, as delay-based congestion control does (LEDBAT, RFC
 * 6817): a server far away is not slow, one whose replies start to queue is.
 */
#include "user/dns/pace.h"

#define CLOCK_G_MS 10		/* RFC 6298's clock granularity term */
#define PACE_HOLD_INFLIGHT 2	/* small messages of a zone at a queueing server at once */

static uint32_t clamp(uint64_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

void pace_init(struct pace *p, const struct pace_limits *lim)
{
	*p = (struct pace){ .lim = *lim };
	if (!p->lim.batch_min)
		p->lim.batch_min = 1;
	if (p->lim.batch_max < p->lim.batch_min)
		p->lim.batch_max = p->lim.batch_min;
	if (!p->lim.window_max)
		p->lim.window_max = 1;
	if (p->lim.rto_max_ms < p->lim.rto_min_ms)
		p->lim.rto_max_ms = p->lim.rto_min_ms;
	p->rto_ms = clamp(lim->rto_init_ms, p->lim.rto_min_ms, p->lim.rto_max_ms);
	p->batch = p->lim.batch_max;
	p->window = p->lim.window_max;
}

static void cut(struct pace *p, uint64_t now_ms)
{
	/* one cut per round trip: the replies of one flight all saw the same queue */
	if (p->cut_once && now_ms - p->cut_at_ms < p->srtt_ms)
		return;
	p->cut_once = true;
	p->cut_at_ms = now_ms;
	p->batch = p->batch / 2 > p->lim.batch_min ? p->batch / 2 : p->lim.batch_min;
	p->window = p->window / 2 > 1 ? p->window / 2 : 1;
	p->acks = 0;
	p->cuts++;
}

static void grow(struct pace *p)
{
	uint32_t add = p->lim.batch_max / 8 ? p->lim.batch_max / 8 : 1;
	bool grew = false;

	if (p->batch < p->lim.batch_max) {
		p->batch = clamp((uint64_t)p->batch + add, p->lim.batch_min, p->lim.batch_max);
		grew = true;
	}
	/* one more message in flight per window's worth of fast replies, as TCP's cwnd */
	if (p->window < p->lim.window_max && ++p->acks >= p->window) {
		p->window++;
		p->acks = 0;
		grew = true;
	}
	if (grew)
		p->grows++;
}

void pace_reply(struct pace *p, uint32_t rtt_ms, uint64_t now_ms)
{
	uint32_t dev;

	if (!p->have_rtt) {
		p->have_rtt = true;
		p->srtt_ms = rtt_ms;
		p->rttvar_ms = rtt_ms / 2;
		p->min_rtt_ms = rtt_ms;
	} else {
		dev = rtt_ms > p->srtt_ms ? rtt_ms - p->srtt_ms : p->srtt_ms - rtt_ms;
		p->rttvar_ms = (uint32_t)(((uint64_t)p->rttvar_ms * 3 + dev) / 4);
		p->srtt_ms = (uint32_t)(((uint64_t)p->srtt_ms * 7 + rtt_ms) / 8);
		if (rtt_ms < p->min_rtt_ms)
			p->min_rtt_ms = rtt_ms;
	}
	p->rto_ms = clamp((uint64_t)p->srtt_ms +
			  (4ull * p->rttvar_ms > CLOCK_G_MS ? 4ull * p->rttvar_ms : CLOCK_G_MS),
			  p->lim.rto_min_ms, p->lim.rto_max_ms);
	if ((uint64_t)rtt_ms > (uint64_t)p->min_rtt_ms + p->lim.target_ms)
		cut(p, now_ms);
	else
		grow(p);
}

void pace_timeout(struct pace *p, uint64_t now_ms)
{
	/* RFC 6298 §5.5: back off; the next sample recomputes it */
	p->rto_ms = clamp(2ull * p->rto_ms, p->lim.rto_min_ms, p->lim.rto_max_ms);
	cut(p, now_ms);
}

bool pace_hold(const struct pace *p, unsigned int inflight, bool full)
{
	/*
	 * one waiting at the server behind the one it works on keeps it busy
	 * while our reply turns around (a loaded machine may be slow to run
	 * us); a third would only wait behind the second
	 */
	if (inflight < PACE_HOLD_INFLIGHT || full || !p->have_rtt)
		return false;
	/* queueing at the server, not distance: RTT well above the least seen */
	return (uint64_t)p->srtt_ms > 2ull * p->min_rtt_ms + CLOCK_G_MS;
}
