/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/common/wire_ctx.h - a cursor over a wire buffer with a sticky error,
 * after Knot DNS's src/contrib/wire_ctx.h. Readers and writers call it field
 * after field and check the error once at the end: the first read or write
 * that would cross the end sets @error, leaves the position where it was,
 * and turns every later call into a no-op that reads 0 (or NULL). So a
 * parser states the layout, not a bounds check per field.
 *
 * Multi-byte values are big-endian (network order), as on the DNS wire.
 * Errors: -ERANGE (read or skip past the end, offset out of range),
 * -ENOSPC (write past the end), -EACCES (write through a read-only cursor),
 * -EBADMSG (the caller's own verdict, wire_ctx_fail()).
 */
#ifndef LS_WIRE_CTX_H
#define LS_WIRE_CTX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire_ctx {
	uint8_t *wire;		/* first byte */
	size_t size;		/* bytes from @wire the cursor may touch */
	size_t pos;		/* offset of the next byte */
	int error;		/* 0, or the first error; then every call is a no-op */
	bool readonly;
};

/* wire_ctx_init() - a read-write cursor over @size bytes at @data. */
static inline struct wire_ctx wire_ctx_init(uint8_t *data, size_t size)
{
	return (struct wire_ctx){ .wire = data, .size = size };
}

/* wire_ctx_init_const() - a read-only cursor: writes fail with -EACCES. */
static inline struct wire_ctx wire_ctx_init_const(const uint8_t *data, size_t size)
{
	return (struct wire_ctx){ .wire = (uint8_t *)data, .size = size, .readonly = true };
}

/* wire_ctx_fail() - record @err (first one wins); for the caller's own verdicts. */
static inline void wire_ctx_fail(struct wire_ctx *w, int err)
{
	if (!w->error)
		w->error = err;
}

static inline size_t wire_ctx_offset(const struct wire_ctx *w)
{
	return w->pos;
}

static inline size_t wire_ctx_available(const struct wire_ctx *w)
{
	return w->size - w->pos;
}

/* wire_ctx_set_offset() - move to @off (0 .. size). */
static inline void wire_ctx_set_offset(struct wire_ctx *w, size_t off)
{
	if (w->error)
		return;
	if (off > w->size)
		w->error = -ERANGE;
	else
		w->pos = off;
}

/* wire_ctx_can_read() - 0 if @n more bytes can be read, else the error it would set. */
static inline int wire_ctx_can_read(const struct wire_ctx *w, size_t n)
{
	if (w->error)
		return w->error;
	return n > wire_ctx_available(w) ? -ERANGE : 0;
}

static inline int wire_ctx_can_write(const struct wire_ctx *w, size_t n)
{
	if (w->error)
		return w->error;
	if (w->readonly)
		return -EACCES;
	return n > wire_ctx_available(w) ? -ENOSPC : 0;
}

/* Move @n bytes on and return where they start, unless @err (then set it, NULL). */
static inline uint8_t *wire_ctx_step(struct wire_ctx *w, size_t n, int err)
{
	uint8_t *p;

	if (err) {
		w->error = err;
		return NULL;
	}
	p = w->wire + w->pos;
	w->pos += n;
	return p;
}

/*
 * wire_ctx_take() - the next @n bytes, in place, and move past them; NULL
 * (and the error set) if there are fewer.
 */
static inline const uint8_t *wire_ctx_take(struct wire_ctx *w, size_t n)
{
	return wire_ctx_step(w, n, wire_ctx_can_read(w, n));
}

/* wire_ctx_skip() - move @n bytes forward. */
static inline void wire_ctx_skip(struct wire_ctx *w, size_t n)
{
	(void)wire_ctx_take(w, n);
}

/*
 * wire_ctx_sub() - a cursor over exactly the next @n bytes (an RDATA, a
 * TCP frame), moving @w past them. If @w has fewer, both get the error.
 */
static inline struct wire_ctx wire_ctx_sub(struct wire_ctx *w, size_t n)
{
	struct wire_ctx s = { .readonly = w->readonly };
	const uint8_t *p = wire_ctx_take(w, n);

	if (!p) {
		s.error = w->error;
		return s;
	}
	s.wire = (uint8_t *)p;
	s.size = n;
	return s;
}

static inline uint8_t wire_ctx_read_u8(struct wire_ctx *w)
{
	const uint8_t *p = wire_ctx_take(w, 1);

	return p ? p[0] : 0;
}

static inline uint16_t wire_ctx_read_u16(struct wire_ctx *w)
{
	const uint8_t *p = wire_ctx_take(w, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t wire_ctx_read_u32(struct wire_ctx *w)
{
	const uint8_t *p = wire_ctx_take(w, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

/* wire_ctx_read_u48() - a 48-bit value (TSIG's time signed, RFC 8945 §4.2). */
static inline uint64_t wire_ctx_read_u48(struct wire_ctx *w)
{
	const uint8_t *p = wire_ctx_take(w, 6);
	uint64_t v = 0;

	for (int i = 0; p && i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* wire_ctx_read() - copy the next @n bytes to @out (untouched on error). */
static inline void wire_ctx_read(struct wire_ctx *w, void *out, size_t n)
{
	const uint8_t *p = wire_ctx_take(w, n);

	if (p && n)
		memcpy(out, p, n);
}

/* wire_ctx_reserve() - the next @n bytes to write in place, or NULL. */
static inline uint8_t *wire_ctx_reserve(struct wire_ctx *w, size_t n)
{
	return wire_ctx_step(w, n, wire_ctx_can_write(w, n));
}

static inline void wire_ctx_write(struct wire_ctx *w, const void *data, size_t n)
{
	uint8_t *p = wire_ctx_reserve(w, n);

	if (p && n)
		memcpy(p, data, n);
}

static inline void wire_ctx_write_u8(struct wire_ctx *w, uint8_t v)
{
	wire_ctx_write(w, &v, 1);
}

static inline void wire_ctx_write_u16(struct wire_ctx *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wire_ctx_write(w, b, sizeof(b));
}

static inline void wire_ctx_write_u32(struct wire_ctx *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	wire_ctx_write(w, b, sizeof(b));
}

static inline void wire_ctx_write_u48(struct wire_ctx *w, uint64_t v)
{
	uint8_t b[6];

	for (int i = 5; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	wire_ctx_write(w, b, sizeof(b));
}

/* wire_ctx_clear() - write @n zero bytes. */
static inline void wire_ctx_clear(struct wire_ctx *w, size_t n)
{
	uint8_t *p = wire_ctx_reserve(w, n);

	if (p && n)
		memset(p, 0, n);
}

#endif
