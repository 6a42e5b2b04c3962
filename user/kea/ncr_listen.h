/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/kea/ncr_listen.h - the UDP socket where kea-dhcp4/6 send their
 * NameChangeRequests, in place of kea-dhcp-ddns (D2's "ip-address"/"port",
 * "ncr-protocol": "UDP", "ncr-format": "JSON"). Kea's sender must never see
 * an error or a full queue: the socket is non-blocking with a large receive
 * buffer, and ncr_listen_process() drains everything queued at once into the
 * callback (which only marks an address dirty: the reconciler's dirty set
 * coalesces by address, so memory stays bounded by the leases). A datagram
 * that is not an NCR is counted and logged, rate-limited, with its sender.
 */
#ifndef LS_NCR_LISTEN_H
#define LS_NCR_LISTEN_H

#include <stdint.h>

#include "user/kea/ncr.h"

#define NCR_LISTEN_RCVBUF (8 << 20)	/* bytes asked for SO_RCVBUF(FORCE): ~40k NCRs */

struct ncr_listen_stats {
	uint64_t received;	/* datagrams read */
	uint64_t accepted;	/* decoded NCRs handed on (D2's ncr-received) */
	uint64_t invalid;	/* refused (D2's ncr-invalid) */
	uint64_t unknown_fields;	/* accepted NCRs with members Kea does not define */
	uint64_t errors;	/* socket read errors (D2's ncr-error) */
	uint64_t adds, removes;
	int rcvbuf;		/* the receive buffer the kernel granted, bytes */
};

/* ncr_listen_fn - one decoded NCR from @from (text "address:port"). */
typedef void (*ncr_listen_fn)(void *ctx, const struct ncr *n, const char *from);

struct ncr_listen;

/*
 * ncr_listen_open() - bind UDP @ip:@port (v4 or v6 literal). Returns 0,
 * -EINVAL for a bad address, or a negative errno from socket()/bind()
 * (logged, naming the address).
 */
int ncr_listen_open(struct ncr_listen **out, const char *ip, uint16_t port, ncr_listen_fn fn,
		    void *ctx);

/* ncr_listen_fd() - the socket, for epoll (readable: call ncr_listen_process()). */
int ncr_listen_fd(const struct ncr_listen *l);

/*
 * ncr_listen_process() - read every queued datagram (at most @max; 0: no
 * limit) and decode each. Returns how many were read.
 */
unsigned int ncr_listen_process(struct ncr_listen *l, unsigned int max);

void ncr_listen_get_stats(const struct ncr_listen *l, struct ncr_listen_stats *st);

/* ncr_listen_close() - close the socket and free; NULL is a no-op. */
void ncr_listen_close(struct ncr_listen *l);

#endif
