// SPDX-License-Identifier: GPL-2.0-only
/*
 * ringbuf/consumer.c - libbpf ring_buffer wrapper. Records are copied into
 * a batch array (a record's memory is released back to the kernel when its
 * callback returns) and the batch is handed on when full and at the end of
 * each drain, so the consumer's per-event cost is one copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "ringbuf/consumer.h"

struct consumer {
	struct ring_buffer *rb;
	consumer_batch_fn fn;
	void *arg;
	size_t n, max;
	struct consumer_stats st;
	struct ls_event *batch;
};

static void flush(struct consumer *c)
{
	if (!c->n)
		return;
	c->fn(c->batch, c->n, c->arg);
	c->st.events += c->n;
	c->st.batches++;
	c->n = 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct consumer *c = ctx;
	const struct ls_event *e = data;

	if (size != sizeof(*e)) {
		c->st.bad_size++;
		return 0;
	}
	if (e->version != LS_EVENT_VERSION) {
		c->st.bad_version++;
		return 0;
	}
	memcpy(&c->batch[c->n++], e, sizeof(*e));
	if (c->n == c->max)
		flush(c);
	return 0;
}

int consumer_open(struct consumer **out, int map_fd, consumer_batch_fn fn, void *arg,
		  size_t batch_max)
{
	struct consumer *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->max = batch_max ? batch_max : 256;
	c->batch = calloc(c->max, sizeof(*c->batch));
	c->fn = fn;
	c->arg = arg;
	if (!c->batch) {
		free(c);
		return -ENOMEM;
	}
	c->rb = ring_buffer__new(map_fd, on_record, c, NULL);
	if (!c->rb) {
		int err = -errno;

		consumer_close(c);
		return err;
	}
	*out = c;
	return 0;
}

int consumer_fd(const struct consumer *c)
{
	return ring_buffer__epoll_fd(c->rb);
}

int consumer_poll(struct consumer *c, int timeout_ms)
{
	unsigned long long before = c->st.events + c->n;
	int r = ring_buffer__poll(c->rb, timeout_ms);

	flush(c);
	if (r < 0)
		return r;
	return (int)(c->st.events - before);
}

int consumer_drain(struct consumer *c)
{
	unsigned long long before = c->st.events + c->n;
	int r = ring_buffer__consume(c->rb);

	flush(c);
	if (r < 0)
		return r;
	return (int)(c->st.events - before);
}

void consumer_get_stats(const struct consumer *c, struct consumer_stats *st)
{
	*st = c->st;
}

void consumer_close(struct consumer *c)
{
	if (!c)
		return;
	ring_buffer__free(c->rb);
	free(c->batch);
	free(c);
}
