/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dnsio.h - non-blocking DNS transport for the update engine: one epoll
 * loop, per server a persistent TCP connection carrying several messages at
 * once (RFC 7766 §6.2.1: IDs unique among the messages in flight) and a UDP
 * socket for lone small messages. Matches replies by ID, server and port;
 * times requests out; keeps a per-server circuit breaker. It neither
 * retries nor interprets replies: the engine does, through the callback,
 * which may reject a reply (forged, unsigned) so the request keeps waiting.
 */
#ifndef LS_DNSIO_H
#define LS_DNSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct dnsio;
struct dnsio_peer;

/*
 * dnsio_reply_fn - called once per request: @status 0 with the reply in
 * @msg[0..len), or a negative errno (-ETIMEDOUT, -ECONNREFUSED,
 * -ECONNRESET, …) with @msg NULL. For a reply, returning non-zero rejects it
 * (it is counted and the request keeps waiting); the return value is
 * ignored for errors. The callback may call dnsio_send().
 */
typedef int (*dnsio_reply_fn)(void *arg, int status, const uint8_t *msg, size_t len);

/*
 * DNSIO_SLOW - @status of a notice, not an end: a request sent with
 * dnsio_send_wait() passed its timeout on a TCP connection that is still
 * up; it keeps waiting (the callback will be called again, once, with the
 * reply or an error). The callback must not free @arg's request state.
 */
#define DNSIO_SLOW 1

struct dnsio_stats {
	uint64_t sent_tcp, sent_udp, replies, rejected, unmatched, timeouts, conn_fail;
	uint64_t breaker_open;
	uint64_t slow;		/* TCP requests that waited past their timeout */
};

/* dnsio_new() - create the loop (an epoll fd). Returns 0, -errno. */
int dnsio_new(struct dnsio **out);

/* dnsio_free() - close every socket; pending requests are dropped without callbacks. */
void dnsio_free(struct dnsio *io);

/* dnsio_fd() - the epoll fd, for the caller's own poll loop. */
int dnsio_fd(const struct dnsio *io);

/*
 * dnsio_peer_get() - the peer for @addr (created on first use; owned by @io).
 * @text names it in logs. Returns NULL on -ENOMEM.
 */
struct dnsio_peer *dnsio_peer_get(struct dnsio *io, const struct sockaddr *addr, socklen_t len,
				  const char *text);

/* dnsio_peer_name() - the text given at creation. */
const char *dnsio_peer_name(const struct dnsio_peer *p);

/* dnsio_peer_usable() - false while the peer's circuit breaker is open. */
bool dnsio_peer_usable(const struct dnsio_peer *p);

/* dnsio_peer_inflight() - messages in flight to @p. */
unsigned int dnsio_peer_inflight(const struct dnsio_peer *p);

/* dnsio_alloc_id() - a random message ID not in flight to @p. */
uint16_t dnsio_alloc_id(struct dnsio_peer *p);

/*
 * dnsio_send() - send @msg (copied) to @p over TCP (@tcp) or UDP, expecting
 * a reply with ID @id within @timeout_ms. Output is written from
 * dnsio_poll(). Returns 0, -EBUSY (ID in flight), -EMSGSIZE (UDP > 65507),
 * or a negative errno from socket creation.
 */
int dnsio_send(struct dnsio *io, struct dnsio_peer *p, bool tcp, const uint8_t *msg, size_t len,
	       uint16_t id, unsigned int timeout_ms, dnsio_reply_fn cb, void *arg);

/*
 * dnsio_send_wait() - dnsio_send(), but over TCP a request with no reply
 * after @timeout_ms is not given up while its connection is up: the
 * callback gets DNSIO_SLOW and the request waits on, @wait_max_ms from the
 * send in all; then the connection is closed, the request fails with
 * -ETIMEDOUT and the others on that connection with -ECONNABORTED. Over
 * UDP, or with @wait_max_ms <= @timeout_ms, the same as dnsio_send().
 */
int dnsio_send_wait(struct dnsio *io, struct dnsio_peer *p, bool tcp, const uint8_t *msg,
		    size_t len, uint16_t id, unsigned int timeout_ms, unsigned int wait_max_ms,
		    dnsio_reply_fn cb, void *arg);

/*
 * dnsio_poll() - write pending output, wait up to @timeout_ms for events,
 * deliver replies and errors, expire requests. Returns the number of
 * callbacks made or a negative errno (-EINTR is normal).
 */
int dnsio_poll(struct dnsio *io, int timeout_ms);

/* dnsio_next_deadline_ms() - ms until the earliest request deadline, or -1 if none. */
int dnsio_next_deadline_ms(const struct dnsio *io);

/* dnsio_get_stats() - copy the counters. */
void dnsio_get_stats(const struct dnsio *io, struct dnsio_stats *st);

/* dnsio_now_ms() - CLOCK_MONOTONIC in milliseconds. */
uint64_t dnsio_now_ms(void);

#endif
