/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ringbuf/consumer.h - drains the `events` BPF ring buffer into batches of
 * struct ls_event. Checks every record's size and ABI version (mismatches
 * are counted, never passed on). Knows nothing about leases or DNS.
 */
#ifndef LS_CONSUMER_H
#define LS_CONSUMER_H

#include <stddef.h>

#include "ringbuf/event.h"

struct consumer;

/* Receives @n events (valid only during the call). */
typedef void (*consumer_batch_fn)(const struct ls_event *ev, size_t n, void *arg);

struct consumer_stats {
	unsigned long long events;	/* passed on */
	unsigned long long bad_size;	/* record of the wrong size */
	unsigned long long bad_version;	/* LS_EVENT_VERSION mismatch */
	unsigned long long batches;
};

/*
 * consumer_open() - attach to the ring buffer map @map_fd; @fn gets batches of
 * up to @batch_max events (0: 256). Returns 0, -ENOMEM or -errno from libbpf.
 */
int consumer_open(struct consumer **out, int map_fd, consumer_batch_fn fn, void *arg,
		  size_t batch_max);

/* consumer_fd() - an epoll fd that becomes readable when events are ready. */
int consumer_fd(const struct consumer *c);

/*
 * consumer_poll() - wait up to @timeout_ms for events, then drain all that are
 * ready. Returns events delivered, 0 on timeout, -EINTR on a signal, or -errno.
 */
int consumer_poll(struct consumer *c, int timeout_ms);

/* consumer_drain() - deliver what is ready without waiting. Returns events or -errno. */
int consumer_drain(struct consumer *c);

void consumer_get_stats(const struct consumer *c, struct consumer_stats *st);

void consumer_close(struct consumer *c);	/* NULL is a no-op */

#endif
