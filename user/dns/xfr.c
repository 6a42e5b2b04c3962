// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/xfr.c - non-blocking AXFR client: connect, write the signed
 * query, read 2-byte-framed messages into a growing buffer and parse every
 * whole one at once (xfr_parse_msg()), checking its TSIG first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/common/wire_ctx.h"
#include "user/dns/dnsio.h"
#include "user/dns/dnsmsg.h"
#include "user/dns/tsig.h"
#include "user/dns/xfr.h"

#define XFR_UNSIGNED_MAX (100 * 65537)	/* RFC 8945 §5.3.1: at most 99 unsigned in a row */
#define DNS_HDR 12
#define TYPE_TSIG 250
#define XFR_READS 16		/* recv()s per step by default: up to 2 MiB parsed */

enum { ST_CONNECT, ST_SEND, ST_READ, ST_DONE };

struct xfr {
	int fd, state;
	uint16_t id;
	const struct tsig_key *key;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	uint8_t *out;
	size_t out_len, out_pos;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *unsig;		/* unsigned messages since the last signed one */
	size_t unsig_len;
	struct xfr_parse p;
	uint64_t deadline_ms;
	unsigned int reads;	/* recv()s per xfr_step(); 0: XFR_READS */
	struct xfr_stats st;
};

/* Read a (possibly compressed) name at the cursor into lower-case presentation form. */
static int read_name(const uint8_t *msg, size_t len, struct wire_ctx *w, char *out, size_t cap)
{
	size_t pos = wire_ctx_offset(w), o = 0, total = 0;
	int jumps = 0, jumped = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return LS_EDNS_FORMAT;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > 64)
				return LS_EDNS_FORMAT;
			if (!jumped)
				wire_ctx_set_offset(w, pos + 2);
			jumped = 1;
			pos = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			continue;
		}
		if (l & 0xc0)
			return LS_EDNS_FORMAT;
		if (!l) {
			if (!jumped)
				wire_ctx_set_offset(w, pos + 1);
			break;
		}
		if (pos + 1 + l > len || (total += l + 1) > 255)
			return LS_EDNS_FORMAT;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[pos + 1 + i];

			if (o + 5 >= cap)
				return LS_EDNS_FORMAT;
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			/* escapes as in presentation form, so odd labels never alias plain ones */
			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f)
				o += (size_t)snprintf(out + o, cap - o, "\\%03u", c);
			else
				out[o++] = (char)c;
		}
		out[o++] = '.';
		pos += 1 + l;
	}
	if (!o)
		out[o++] = '.';
	out[o] = 0;
	return w->error ? LS_EDNS_FORMAT : 0;
}

enum { PH_START = 0, PH_SECOND, PH_AXFR, PH_DEL, PH_ADD };

/* One SOA of the reply: move between phases. 1: the closing SOA. */
static int on_soa(struct xfr_parse *p, uint32_t serial)
{
	switch (p->phase) {
	case PH_START:
		p->serial = serial;
		p->phase = p->ixfr ? PH_SECOND : PH_AXFR;
		return 0;
	case PH_SECOND:
		if (serial == p->from && serial != p->serial) {
			p->incremental = 1;	/* RFC 1995 §4: old SOA, deletions, new SOA, additions */
			p->phase = PH_DEL;
			return 0;
		}
		return 1;			/* a whole zone holding only its SOA */
	case PH_AXFR:
		return 1;
	case PH_DEL:
		p->phase = PH_ADD;
		return 0;
	default:	/* PH_ADD: the final SOA, or the start of the next difference */
		if (serial == p->serial)
			return 1;
		p->phase = PH_DEL;
		return 0;
	}
}

int xfr_parse_msg(const uint8_t *msg, size_t len, struct xfr_parse *p)
{
	struct wire_ctx w = wire_ctx_init_const(msg, len);
	uint16_t rid, flags, qd, an;
	char owner[1024], target[1024];
	int err;

	rid = wire_ctx_read_u16(&w);
	flags = wire_ctx_read_u16(&w);
	qd = wire_ctx_read_u16(&w);
	an = wire_ctx_read_u16(&w);
	wire_ctx_skip(&w, 4);
	if (w.error)
		return LS_EDNS_FORMAT;
	if (rid != p->id || !(flags & 0x8000) || ((flags >> 11) & 0xf) != 0)
		return LS_EDNS_ID;
	if (flags & 0xf)
		return flags & 0xf;
	for (unsigned int i = 0; i < qd; i++) {
		if (read_name(msg, len, &w, owner, sizeof(owner)))
			return LS_EDNS_FORMAT;
		wire_ctx_skip(&w, 4);
	}
	for (unsigned int i = 0; i < an && !w.error; i++) {
		uint16_t type, rdlen;
		uint32_t ttl;
		size_t at;
		const uint8_t *rd;

		if (p->done)
			return LS_EDNS_FORMAT;	/* nothing follows the closing SOA */
		if (read_name(msg, len, &w, owner, sizeof(owner)))
			return LS_EDNS_FORMAT;
		type = wire_ctx_read_u16(&w);
		wire_ctx_skip(&w, 2);	/* class */
		ttl = wire_ctx_read_u32(&w);
		rdlen = wire_ctx_read_u16(&w);
		at = wire_ctx_offset(&w);
		rd = wire_ctx_take(&w, rdlen);
		if (!rd)
			return LS_EDNS_FORMAT;
		if (type == TYPE_TSIG)
			return LS_EDNS_FORMAT;	/* TSIG belongs in the additional section */
		if (type == XFR_TYPE_SOA) {
			/* serial: after MNAME and RNAME */
			struct wire_ctx s = wire_ctx_init_const(msg, at + rdlen);
			uint32_t serial;

			wire_ctx_set_offset(&s, at);
			if (read_name(msg, at + rdlen, &s, target, sizeof(target)) ||
			    read_name(msg, at + rdlen, &s, target, sizeof(target)))
				return LS_EDNS_FORMAT;
			serial = wire_ctx_read_u32(&s);
			if (s.error)
				return LS_EDNS_FORMAT;
			p->done = on_soa(p, serial);
			continue;
		}
		if (p->phase == PH_START)
			return LS_EDNS_FORMAT;	/* the first RR must be the SOA */
		if (p->phase == PH_SECOND) {
			/* RFC 1995 §4: an IXFR answered with the whole zone */
			err = p->cb(p->arg, XFR_RESET, NULL, 0, 0, NULL, 0);
			if (err)
				return err;
			p->phase = PH_AXFR;
		}
		p->rrs++;
		if (type == DNSMSG_TYPE_PTR) {
			struct wire_ctx s = wire_ctx_init_const(msg, at + rdlen);

			wire_ctx_set_offset(&s, at);
			if (read_name(msg, at + rdlen, &s, target, sizeof(target)))
				return LS_EDNS_FORMAT;
			err = p->cb(p->arg, p->phase == PH_DEL ? XFR_DEL : XFR_ADD, owner, type, ttl,
				    (const uint8_t *)target, strlen(target) + 1);
		} else {
			err = p->cb(p->arg, p->phase == PH_DEL ? XFR_DEL : XFR_ADD, owner, type, ttl,
				    rd, rdlen);
		}
		if (err)
			return err;
	}
	if (w.error)
		return LS_EDNS_FORMAT;
	/*
	 * RFC 1995 §4: a lone SOA: the server has nothing newer. At our serial
	 * nothing changed; at another (older: the zone went back, e.g. to an
	 * old file) the copy we hold is not the server's: -ESTALE, AXFR it.
	 */
	if (p->phase == PH_SECOND) {
		p->done = 1;
		if (p->serial != p->from)
			return -ESTALE;
		p->incremental = 1;	/* no differences: the copy is current */
	}
	return 0;
}

/*
 * RFC 1995 §3: the IXFR query carries the serial we hold as an SOA in the
 * authority section (MNAME and RNAME the root: only the serial counts).
 */
static void put_ixfr_soa(uint8_t *q, size_t *len, uint32_t from)
{
	struct wire_ctx w = wire_ctx_init(q, *len + 64);

	wire_ctx_set_offset(&w, *len);
	wire_ctx_write_u16(&w, 0xc00c);		/* the zone: the question's name */
	wire_ctx_write_u16(&w, XFR_TYPE_SOA);
	wire_ctx_write_u16(&w, DNSMSG_CLASS_IN);
	wire_ctx_write_u32(&w, 0);
	wire_ctx_write_u16(&w, 22);
	wire_ctx_write_u8(&w, 0);
	wire_ctx_write_u8(&w, 0);
	wire_ctx_write_u32(&w, from);
	wire_ctx_clear(&w, 16);
	*len = wire_ctx_offset(&w);
	q[9] = 1;				/* NSCOUNT */
}

int xfr_start(struct xfr **out, const char *zone, const struct zones_server *srv, int ixfr,
	      uint32_t from, unsigned int timeout_ms, xfr_rr_fn cb, void *arg)
{
	struct xfr *x = calloc(1, sizeof(*x));
	uint8_t *q = NULL;
	size_t qlen, cap;
	int err;

	if (!x)
		return -ENOMEM;
	x->fd = -1;
	x->key = srv->key;
	x->deadline_ms = dnsio_now_ms() + timeout_ms;
	x->id = (uint16_t)(rand() & 0xffff);
	x->p = (struct xfr_parse){ .id = x->id, .ixfr = ixfr, .from = from, .cb = cb, .arg = arg };
	err = dnsmsg_query_to_wire(zone, ixfr ? XFR_TYPE_IXFR : XFR_TYPE_AXFR, x->id, 512, &q,
				   &qlen);
	if (err)
		goto fail;
	cap = qlen + 512;
	if (ixfr)
		put_ixfr_soa(q, &qlen, from);
	if (x->key) {
		err = tsig_sign(x->key, q, &qlen, cap, time(NULL), x->mac, &x->mac_len);
		if (err)
			goto fail;
	}
	x->out = malloc(qlen + 2);
	if (!x->out) {
		err = -ENOMEM;
		goto fail;
	}
	x->out[0] = (uint8_t)(qlen >> 8);
	x->out[1] = (uint8_t)qlen;
	memcpy(x->out + 2, q, qlen);
	x->out_len = qlen + 2;
	x->fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0) {
		err = -errno;
		goto fail;
	}
	if (connect(x->fd, (const struct sockaddr *)&srv->addr, srv->addr_len) && errno != EINPROGRESS) {
		err = -errno;
		goto fail;
	}
	x->state = ST_CONNECT;
	free(q);
	*out = x;
	return 0;
fail:
	free(q);
	xfr_free(x);
	return err;
}

void xfr_free(struct xfr *x)
{
	if (!x)
		return;
	if (x->fd >= 0)
		close(x->fd);
	free(x->out);
	free(x->in);
	free(x->unsig);
	free(x);
}

int xfr_fd(const struct xfr *x)
{
	return x->fd;
}

uint32_t xfr_events(const struct xfr *x)
{
	return x->state == ST_READ ? EPOLLIN : EPOLLOUT;
}

void xfr_set_reads(struct xfr *x, unsigned int reads)
{
	x->reads = reads;
}

void xfr_get_stats(const struct xfr *x, struct xfr_stats *st)
{
	*st = x->st;
	st->serial = x->p.serial;
	st->rrs = x->p.rrs;
	st->incremental = x->p.incremental;
}

/* Check one message's TSIG (first: over the query MAC; later: the stream rule). */
static int msg_tsig(struct xfr *x, const uint8_t *m, size_t len)
{
	long at;
	int err, terr = 0;

	if (!x->key)
		return 0;
	if (x->st.messages == 0) {
		err = tsig_verify(x->key, m, len, x->mac, x->mac_len, time(NULL), &terr);
		if (!err)
			err = tsig_reply_mac(m, len, x->mac, &x->mac_len);
		return err;
	}
	at = tsig_find(m, len);
	if (at < 0)
		return (int)at;
	if (at == 0) {
		/* unsigned: kept for the next signed message's MAC */
		uint8_t *p;

		if (x->unsig_len + len > XFR_UNSIGNED_MAX)
			return LS_ETSIG_MISSING;
		p = realloc(x->unsig, x->unsig_len + len);
		if (!p)
			return -ENOMEM;
		x->unsig = p;
		memcpy(x->unsig + x->unsig_len, m, len);
		x->unsig_len += len;
		return 0;
	}
	err = tsig_verify_next(x->key, m, len, x->mac, x->mac_len, x->unsig, x->unsig_len,
			       time(NULL), x->mac, &x->mac_len);
	x->unsig_len = 0;
	return err;
}

/* Parse every whole frame in the input buffer. 1: more to come, 0: complete. */
static int consume(struct xfr *x)
{
	size_t off = 0;
	int ret = 1;

	while (x->in_len - off >= 2) {
		size_t flen = (size_t)x->in[off] << 8 | x->in[off + 1];
		const uint8_t *m = x->in + off + 2;
		long at;
		int err;

		if (x->in_len - off - 2 < flen)
			break;
		if (flen < DNS_HDR) {
			ret = LS_EDNS_FORMAT;
			break;
		}
		/* the rcode of a refusal first: the server may not sign it (BADKEY) */
		if (m[3] & 0xf && (m[0] << 8 | m[1]) == x->id) {
			x->st.rcode = m[3] & 0xf;
			ret = LS_EDNS_RCODE;
			break;
		}
		err = msg_tsig(x, m, flen);
		if (err) {
			ret = err;
			break;
		}
		/* the answer section ends before the TSIG RR, which the parser stops at */
		at = x->key ? tsig_find(m, flen) : 0;
		err = xfr_parse_msg(m, at > 0 ? (size_t)at : flen, &x->p);
		x->st.messages++;
		off += 2 + flen;
		if (err > 0) {
			x->st.rcode = err;
			ret = LS_EDNS_RCODE;
			break;
		}
		if (err < 0) {
			ret = err;
			break;
		}
		if (x->p.done) {
			ret = x->unsig_len ? LS_ETSIG_MISSING : 0;	/* the last one must be signed */
			break;
		}
	}
	memmove(x->in, x->in + off, x->in_len - off);
	x->in_len -= off;
	return ret;
}

int xfr_step(struct xfr *x)
{
	ssize_t n;

	if (x->state == ST_DONE)
		return 0;
	if (dnsio_now_ms() > x->deadline_ms)
		return -ETIMEDOUT;
	if (x->state == ST_CONNECT) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr)
			return soerr ? -soerr : -errno;
		x->state = ST_SEND;
	}
	while (x->state == ST_SEND) {
		n = send(x->fd, x->out + x->out_pos, x->out_len - x->out_pos, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return errno == EAGAIN ? 1 : 1;
			if (errno == ENOTCONN)
				return 1;	/* connect still under way */
			return -errno;
		}
		x->out_pos += (size_t)n;
		if (x->out_pos == x->out_len)
			x->state = ST_READ;
	}
	/* bounded: a few buffers' worth per call, so a fast server cannot hold the loop */
	for (unsigned int round = 0; round < (x->reads ? x->reads : XFR_READS); round++) {
		int ret;

		if (x->in_cap - x->in_len < 65537) {
			size_t cap = x->in_cap ? x->in_cap * 2 : 131072;
			uint8_t *p = realloc(x->in, cap);

			if (!p)
				return -ENOMEM;
			x->in = p;
			x->in_cap = cap;
		}
		n = recv(x->fd, x->in + x->in_len, x->in_cap - x->in_len, 0);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : -errno;
		if (n == 0)
			return -ECONNRESET;	/* closed before the closing SOA */
		x->in_len += (size_t)n;
		x->st.bytes += (uint64_t)n;
		ret = consume(x);
		if (ret <= 0) {
			if (!ret)
				x->state = ST_DONE;
			return ret;
		}
	}
	return 1;
}
