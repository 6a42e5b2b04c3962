/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/xfr.h - a zone transfer client (AXFR, RFC 5936) for the verifier:
 * one TSIG-signed query over a non-blocking TCP connection, the reply read
 * as it arrives (frames reassembled across reads, each message parsed and
 * its TSIG checked, RFC 8945 §5.3.1, before its RRs are handed on), so the
 * caller's event loop never blocks on it. Every RR of the zone goes to a
 * callback with its owner in lower-case presentation form; a PTR target is
 * decompressed the same way. A refusal (REFUSED, NOTAUTH, a TSIG error)
 * ends the transfer with the server's rcode kept for the caller's message.
 */
#ifndef LS_XFR_H
#define LS_XFR_H
#include <stddef.h>
#include <stdint.h>
#include "user/dns/zones.h"

#define XFR_TYPE_SOA 6
#define XFR_TYPE_AXFR 252

/*
 * xfr_rr_fn - one RR of the zone: @owner (lower case, trailing dot), @type,
 * @rdata[0..rdlen) as on the wire except a PTR's, which is its target in
 * presentation form (lower case, trailing dot, NUL included in @rdlen).
 * Returns 0 or a negative errno that ends the transfer.
 */
typedef int (*xfr_rr_fn)(void *arg, const char *owner, uint16_t type, uint32_t ttl,
			 const uint8_t *rdata, size_t rdlen);

struct xfr_stats {
	uint64_t messages, rrs, bytes;
	uint32_t serial;	/* the zone's SOA serial (first SOA of the reply) */
	int rcode;		/* the server's rcode when it refused, else 0 */
};

struct xfr;

/*
 * xfr_start() - connect (non-blocking) to @srv and queue an AXFR of @zone
 * signed with @srv->key (unsigned without a key). RRs go to @cb(@arg).
 * @timeout_ms bounds the whole transfer. Returns 0 or a negative errno.
 */
int xfr_start(struct xfr **out, const char *zone, const struct zones_server *srv,
	      unsigned int timeout_ms, xfr_rr_fn cb, void *arg);
/* xfr_free() - close the connection; NULL is a no-op. */
void xfr_free(struct xfr *x);
/* xfr_fd() - the socket, for epoll. */
int xfr_fd(const struct xfr *x);
/* xfr_events() - the epoll events to wait for now (EPOLLOUT while sending). */
uint32_t xfr_events(const struct xfr *x);
/*
 * xfr_step() - do what can be done without blocking: finish the connect,
 * write, read and parse whole messages. Returns 1 (call again when the fd
 * is ready), 0 (the transfer is complete), -ETIMEDOUT past the deadline,
 * LS_EDNS_RCODE (refused: see xfr_get_stats()'s rcode), a TSIG error
 * (LS_ETSIG_*), LS_EDNS_FORMAT, or a negative errno of the socket.
 */
int xfr_step(struct xfr *x);
/* xfr_get_stats() - messages, RRs, bytes, serial and rcode so far. */
void xfr_get_stats(const struct xfr *x, struct xfr_stats *st);
/*
 * xfr_parse_msg() - parse one reply message @msg[0..len) of a transfer for
 * @zone whose query had ID @id: check the header, skip the question, hand
 * each answer RR (up to a TSIG RR) to @cb. *@soas counts SOA RRs seen so far
 * (the transfer ends at the second); *@serial gets the first SOA's serial.
 * Pure but for @cb. Returns the rcode (>= 0; RRs only for 0), or
 * LS_EDNS_FORMAT / LS_EDNS_ID.
 */
int xfr_parse_msg(const uint8_t *msg, size_t len, uint16_t id, xfr_rr_fn cb, void *arg,
		  unsigned int *soas, uint32_t *serial, uint64_t *rrs);
#endif
