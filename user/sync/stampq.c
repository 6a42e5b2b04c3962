// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/sync/stampq.c - a ring of (millisecond, count) runs that doubles
 * when full.
 */
#include <stdlib.h>
#include <string.h>

#include "user/sync/stampq.h"

static struct stampq_run *tail(struct stampq *q)
{
	return q->n ? &q->run[(q->head + q->n - 1) % q->cap] : NULL;
}

static int grow(struct stampq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 16;
	struct stampq_run *r = malloc(cap * sizeof(*r));

	if (!r)
		return -1;
	/* unroll the ring into the new array */
	for (size_t i = 0; i < q->n; i++)
		r[i] = q->run[(q->head + i) % q->cap];
	free(q->run);
	q->run = r;
	q->cap = cap;
	q->head = 0;
	return 0;
}

void stampq_push(struct stampq *q, uint64_t ms)
{
	struct stampq_run *t = tail(q);

	if (t && ms <= t->ms) {
		t->count++;
		return;
	}
	if (q->n == q->cap && grow(q)) {
		if (t)
			t->count++;
		else
			q->unknown++;
		return;
	}
	q->run[(q->head + q->n) % q->cap] = (struct stampq_run){ ms, 1 };
	q->n++;
}

uint64_t stampq_pop(struct stampq *q)
{
	struct stampq_run *h;
	uint64_t ms;

	/* unknown pushes came while the queue had no run: they are the oldest */
	if (q->unknown) {
		q->unknown--;
		return 0;
	}
	if (!q->n)
		return 0;
	h = &q->run[q->head];
	ms = h->ms;
	if (--h->count == 0) {
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return ms;
}

void stampq_fini(struct stampq *q)
{
	free(q->run);
	memset(q, 0, sizeof(*q));
}
