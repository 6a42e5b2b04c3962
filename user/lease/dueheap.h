/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/dueheap.h - a binary min-heap of (due time, entry number), 8
 * bytes an item, for the lease table's expiry: the earliest due lease in
 * O(1), each push and pop in O(log n). Deletion is lazy: the owner pushes
 * again when an entry's time changes and skips items that no longer match
 * when it pops them; dueheap_compact_needed() says when stale items
 * outnumber live ones, and the owner rebuilds with dueheap_clear() and
 * pushes. Pure: no clock, no I/O.
 */
#ifndef LS_DUEHEAP_H
#define LS_DUEHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dueheap_item {
	uint32_t due;		/* seconds since the epoch, saturated at UINT32_MAX */
	uint32_t idx;		/* the owner's entry number */
};

struct dueheap {
	struct dueheap_item *v;
	uint32_t n, cap;
};

/* dueheap_init() / dueheap_fini() - an empty heap; free its memory. */
void dueheap_init(struct dueheap *h);
void dueheap_fini(struct dueheap *h);

/* dueheap_push() - add (@due, @idx). Returns 0 or -ENOMEM (the heap is unchanged). */
int dueheap_push(struct dueheap *h, uint32_t due, uint32_t idx);

/* dueheap_top() - the earliest item, or NULL when empty. */
const struct dueheap_item *dueheap_top(const struct dueheap *h);

/* dueheap_pop() - remove the earliest item into *@out. Returns false when empty. */
bool dueheap_pop(struct dueheap *h, struct dueheap_item *out);

/* dueheap_clear() - drop every item, keep the memory. */
static inline void dueheap_clear(struct dueheap *h) { h->n = 0; }

/* dueheap_compact_needed() - more than twice @live items (and over 1024): rebuild. */
static inline bool dueheap_compact_needed(const struct dueheap *h, uint32_t live)
{
	return h->n > 1024 && h->n / 2 > live;
}

/* dueheap_bytes() - memory held. */
static inline size_t dueheap_bytes(const struct dueheap *h)
{
	return (size_t)h->cap * sizeof(*h->v);
}

/* dueheap_sat() - @t as a due time: clamped to 0..UINT32_MAX. */
static inline uint32_t dueheap_sat(int64_t t)
{
	return t < 0 ? 0 : t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

#endif
