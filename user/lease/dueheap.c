// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/dueheap.c - the array heap: children of i at 2i+1 and 2i+2;
 * ties in due time leave the order unspecified.
 */
#include <errno.h>
#include <stdlib.h>

#include "user/lease/dueheap.h"

void dueheap_init(struct dueheap *h)
{
	*h = (struct dueheap){ 0 };
}

void dueheap_fini(struct dueheap *h)
{
	free(h->v);
	dueheap_init(h);
}

int dueheap_push(struct dueheap *h, uint32_t due, uint32_t idx)
{
	uint32_t i;

	if (h->n == h->cap) {
		uint32_t ncap = h->cap ? h->cap * 2 : 1024;
		struct dueheap_item *nv;

		if (ncap < h->cap)
			return -ENOMEM;
		nv = realloc(h->v, (size_t)ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		h->v = nv;
		h->cap = ncap;
	}
	for (i = h->n++; i > 0; ) {
		uint32_t p = (i - 1) / 2;

		if (h->v[p].due <= due)
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = (struct dueheap_item){ .due = due, .idx = idx };
	return 0;
}

const struct dueheap_item *dueheap_top(const struct dueheap *h)
{
	return h->n ? &h->v[0] : NULL;
}

bool dueheap_pop(struct dueheap *h, struct dueheap_item *out)
{
	struct dueheap_item last;
	uint32_t i = 0;

	if (!h->n)
		return false;
	*out = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1].due < h->v[c].due)
			c++;
		if (last.due <= h->v[c].due)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return true;
}
