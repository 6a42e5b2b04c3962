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
#define XFR_TYPE_IXFR 251
#define XFR_TYPE_AXFR 252

enum xfr_op {
	XFR_ADD = 0,	/* an RR of the zone (AXFR), or added (IXFR) */
	XFR_DEL,	/* removed since the serial asked for (IXFR) */
	XFR_RESET,	/* an IXFR answered with the whole zone: forget what you held */
};

/*
 * xfr_rr_fn - one RR: @owner (lower case, trailing dot), @type, @rdata[0..
 * rdlen) as on the wire except a PTR's, which is its target in presentation
 * form (lower case, trailing dot, NUL included in @rdlen). For XFR_RESET
 * only @op is set. Returns 0 or a negative errno that ends the transfer.
 */
typedef int (*xfr_rr_fn)(void *arg, enum xfr_op op, const char *owner, uint16_t type,
			 uint32_t ttl, const uint8_t *rdata, size_t rdlen);

struct xfr_stats {
	uint64_t messages, rrs, bytes;
	uint32_t serial;	/* the zone's SOA serial now (first SOA of the reply) */
	int rcode;		/* the server's rcode when it refused, else 0 */
	int incremental;	/* 1: the reply was a set of differences (IXFR) */
};

/* The reader's state across the messages of one reply (xfr_parse_msg()). */
struct xfr_parse {
	uint16_t id;
	int ixfr;		/* asked for IXFR from @from */
	uint32_t from;
	xfr_rr_fn cb;
	void *arg;
	/* out */
	int phase;		/* 0 before the first SOA; then internal */
	int done;		/* the closing SOA was read */
	int incremental;
	uint32_t serial;	/* first SOA's serial */
	uint64_t rrs;
};

struct xfr;

/*
 * xfr_start() - connect (non-blocking) to @srv and queue a transfer of
 * @zone signed with @srv->key (unsigned without a key): IXFR from serial
 * @from when @ixfr (the server may answer with the whole zone, then
 * XFR_RESET comes first), else AXFR. RRs go to @cb(@arg). @timeout_ms
 * bounds the whole transfer. Returns 0 or a negative errno.
 */
int xfr_start(struct xfr **out, const char *zone, const struct zones_server *srv, int ixfr,
	      uint32_t from, unsigned int timeout_ms, xfr_rr_fn cb, void *arg);
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
/*
 * xfr_set_reads() - at most @reads recv()s of up to 128 KiB each per
 * xfr_step() (0: 16): what one step may parse, and so how long it holds
 * the caller's loop.
 */
void xfr_set_reads(struct xfr *x, unsigned int reads);
/* xfr_get_stats() - messages, RRs, bytes, serial and rcode so far. */
void xfr_get_stats(const struct xfr *x, struct xfr_stats *st);
/*
 * xfr_parse_msg() - read one reply message @msg[0..len) (without its TSIG
 * RR) of a transfer into @p's callback: check the header, skip the
 * question, follow the SOAs (RFC 5936 §2.2 for AXFR; RFC 1995 §4 for IXFR:
 * a lone SOA at our serial, a whole zone, or deletions and additions
 * between SOAs) until the closing one (@p->done). Pure but for the
 * callback. Returns the server's rcode (> 0), 0, LS_EDNS_FORMAT,
 * LS_EDNS_ID, or -ESTALE for an IXFR answered by a lone SOA at another
 * serial than ours (the server went back: the caller's copy is not its).
 */
int xfr_parse_msg(const uint8_t *msg, size_t len, struct xfr_parse *p);
#endif
