// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dnsio.c - the transport. Sends are only queued; the socket writes
 * happen in dnsio_poll(), so a callback that sends never re-enters a socket
 * that is being read. A reply is matched by (peer, transport, ID): the peer
 * is the connected socket it came in on, so address and port match by
 * construction. The circuit breaker opens after BREAKER_FAILS consecutive
 * connection failures (refused, reset, a connect that times out) for a
 * cool-down that doubles up to BREAKER_MAX_MS; after it the next request is
 * the probe. A request that merely got no reply in time does not count: a
 * slow server is not a dead one.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "user/dns/dnsio.h"
#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/common/wire_ctx.h"

#define BREAKER_FAILS 3
#define BREAKER_MIN_MS 500
#define BREAKER_MAX_MS 30000
#define MAX_PEERS 256		/* epoll data carries the peer index */

struct dnsio_req {
	struct dnsio_peer *peer;
	uint16_t id;
	bool tcp;
	uint64_t deadline;
	uint64_t limit;		/* TCP: the last moment to wait for, past deadline */
	bool slow;		/* DNSIO_SLOW told; now waiting up to limit */
	dnsio_reply_fn cb;
	void *arg;
	struct dnsio_req *prev, *next;
};

struct dnsio_peer {
	struct dnsio *io;
	unsigned int idx;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char text[64];
	int tfd, ufd;
	bool connecting, want_out;
	uint8_t *obuf, *ibuf;
	size_t olen, ocap, ooff, ilen, icap;
	struct dnsio_req **tmap, **umap;	/* 65536 slots each, by ID */
	unsigned int ninflight;
	unsigned int fails, cooldown_ms;
	uint64_t open_until;
};

struct dnsio {
	int epfd;
	struct dnsio_peer *peers[MAX_PEERS];
	unsigned int npeers;
	struct dnsio_req head;		/* circular list of requests in flight */
	struct dnsio_stats st;
	int ncb;
};

uint64_t dnsio_now_ms(void)
{
	return util_mono_ms();
}

int dnsio_new(struct dnsio **out)
{
	struct dnsio *io = calloc(1, sizeof(*io));

	if (!io)
		return -ENOMEM;
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (io->epfd < 0) {
		int err = -errno;

		free(io);
		return err;
	}
	io->head.next = io->head.prev = &io->head;
	*out = io;
	return 0;
}

static void tcp_close(struct dnsio_peer *p)
{
	if (p->tfd >= 0) {
		epoll_ctl(p->io->epfd, EPOLL_CTL_DEL, p->tfd, NULL);
		close(p->tfd);
	}
	p->tfd = -1;
	p->connecting = p->want_out = false;
	p->olen = p->ooff = p->ilen = 0;
}

void dnsio_free(struct dnsio *io)
{
	struct dnsio_req *r, *n;

	if (!io)
		return;
	for (r = io->head.next; r != &io->head; r = n) {
		n = r->next;
		free(r);
	}
	for (unsigned int i = 0; i < io->npeers; i++) {
		struct dnsio_peer *p = io->peers[i];

		tcp_close(p);
		if (p->ufd >= 0)
			close(p->ufd);
		free(p->obuf);
		free(p->ibuf);
		free(p->tmap);
		free(p->umap);
		free(p);
	}
	close(io->epfd);
	free(io);
}

int dnsio_fd(const struct dnsio *io)
{
	return io->epfd;
}

struct dnsio_peer *dnsio_peer_get(struct dnsio *io, const struct sockaddr *addr, socklen_t len,
				  const char *text)
{
	struct dnsio_peer *p;

	for (unsigned int i = 0; i < io->npeers; i++)
		if (io->peers[i]->addr_len == len && !memcmp(&io->peers[i]->addr, addr, len))
			return io->peers[i];
	if (io->npeers >= MAX_PEERS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tmap = calloc(65536, sizeof(*p->tmap));
	p->umap = calloc(65536, sizeof(*p->umap));
	if (!p->tmap || !p->umap) {
		free(p->tmap);
		free(p->umap);
		free(p);
		return NULL;
	}
	p->io = io;
	p->idx = io->npeers;
	memcpy(&p->addr, addr, len);
	p->addr_len = len;
	snprintf(p->text, sizeof(p->text), "%s", text ? text : "?");
	p->tfd = p->ufd = -1;
	io->peers[io->npeers++] = p;
	return p;
}

const char *dnsio_peer_name(const struct dnsio_peer *p)
{
	return p->text;
}

bool dnsio_peer_usable(const struct dnsio_peer *p)
{
	return dnsio_now_ms() >= p->open_until;
}

unsigned int dnsio_peer_inflight(const struct dnsio_peer *p)
{
	return p->ninflight;
}

uint16_t dnsio_alloc_id(struct dnsio_peer *p)
{
	uint16_t id;

	do {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint16_t)random();
	} while (p->tmap[id] || p->umap[id]);
	return id;
}

static void peer_ok(struct dnsio_peer *p)
{
	p->fails = 0;
	p->cooldown_ms = 0;
	p->open_until = 0;
}

static void peer_fail(struct dnsio_peer *p, int why)
{
	if (++p->fails < BREAKER_FAILS)
		return;
	p->cooldown_ms = p->cooldown_ms ? p->cooldown_ms * 2 : BREAKER_MIN_MS;
	if (p->cooldown_ms > BREAKER_MAX_MS)
		p->cooldown_ms = BREAKER_MAX_MS;
	p->open_until = dnsio_now_ms() + p->cooldown_ms;
	p->io->st.breaker_open++;
	pr_warn("dnsio: server '%s' marked down for %u ms (%s, %u failures in a row)", p->text,
		p->cooldown_ms, ls_strerror(why), p->fails);
}

static void req_unlink(struct dnsio_req *r)
{
	struct dnsio_peer *p = r->peer;

	r->prev->next = r->next;
	r->next->prev = r->prev;
	(r->tcp ? p->tmap : p->umap)[r->id] = NULL;
	p->ninflight--;
}

/*
 * Fail every request of @p on one transport; callbacks run after unlinking
 * all. @count: the failure counts against the server (its breaker).
 */
static void fail_all_n(struct dnsio_peer *p, bool tcp, int err, bool count)
{
	struct dnsio *io = p->io;
	struct dnsio_req *r, *n, *list = NULL;

	for (r = io->head.next; r != &io->head; r = n) {
		n = r->next;
		if (r->peer != p || r->tcp != tcp)
			continue;
		req_unlink(r);
		r->next = list;
		list = r;
	}
	if (list && count)
		peer_fail(p, err);
	while (list) {
		r = list;
		list = r->next;
		io->ncb++;
		r->cb(r->arg, err, NULL, 0);
		free(r);
	}
}

static void fail_all(struct dnsio_peer *p, bool tcp, int err)
{
	fail_all_n(p, tcp, err, true);
}

static int set_ev(struct dnsio_peer *p, int fd, bool udp, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)p->idx << 1 | udp };

	return epoll_ctl(p->io->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

static int tcp_open(struct dnsio_peer *p)
{
	int fd, one = 1, err;

	fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&p->addr, p->addr_len) < 0 && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	p->tfd = fd;
	p->connecting = true;
	err = set_ev(p, fd, false, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
	if (err) {
		tcp_close(p);
		return err;
	}
	p->want_out = true;
	return 0;
}

static int udp_open(struct dnsio_peer *p)
{
	int fd, err;

	fd = socket(p->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* connected: the kernel drops datagrams from any other address or port */
	if (connect(fd, (struct sockaddr *)&p->addr, p->addr_len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	p->ufd = fd;
	err = set_ev(p, fd, true, EPOLLIN, EPOLL_CTL_ADD);
	if (err) {
		close(fd);
		p->ufd = -1;
	}
	return err;
}

int dnsio_send(struct dnsio *io, struct dnsio_peer *p, bool tcp, const uint8_t *msg, size_t len,
	       uint16_t id, unsigned int timeout_ms, dnsio_reply_fn cb, void *arg)
{
	return dnsio_send_wait(io, p, tcp, msg, len, id, timeout_ms, 0, cb, arg);
}

int dnsio_send_wait(struct dnsio *io, struct dnsio_peer *p, bool tcp, const uint8_t *msg,
		    size_t len, uint16_t id, unsigned int timeout_ms, unsigned int wait_max_ms,
		    dnsio_reply_fn cb, void *arg)
{
	struct dnsio_req *r;
	int err;

	if ((tcp ? p->tmap : p->umap)[id])
		return -EBUSY;
	if (len > 65535 || (!tcp && len > 65507))
		return -EMSGSIZE;
	if (tcp) {
		if (p->tfd < 0) {
			err = tcp_open(p);
			if (err)
				return err;
		}
		if (p->olen + len + 2 > p->ocap) {
			size_t nc = (p->olen + len + 2) * 2;
			uint8_t *b = realloc(p->obuf, nc);

			if (!b)
				return -ENOMEM;
			p->obuf = b;
			p->ocap = nc;
		}
		p->obuf[p->olen] = (uint8_t)(len >> 8);
		p->obuf[p->olen + 1] = (uint8_t)len;
		memcpy(p->obuf + p->olen + 2, msg, len);
		p->olen += len + 2;
		io->st.sent_tcp++;
	} else {
		if (p->ufd < 0) {
			err = udp_open(p);
			if (err)
				return err;
		}
		if (send(p->ufd, msg, len, 0) < 0 && errno != EAGAIN && errno != ECONNREFUSED)
			return -errno;
		io->st.sent_udp++;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->peer = p;
	r->id = id;
	r->tcp = tcp;
	r->deadline = dnsio_now_ms() + timeout_ms;
	r->limit = tcp && wait_max_ms > timeout_ms ? r->deadline - timeout_ms + wait_max_ms : 0;
	r->cb = cb;
	r->arg = arg;
	r->prev = io->head.prev;
	r->next = &io->head;
	io->head.prev->next = r;
	io->head.prev = r;
	(tcp ? p->tmap : p->umap)[id] = r;
	p->ninflight++;
	return 0;
}

/* Deliver one reply; returns true when it completed a request. */
static void deliver(struct dnsio_peer *p, bool tcp, const uint8_t *msg, size_t len)
{
	struct wire_ctx w = wire_ctx_init_const(msg, len);
	struct dnsio *io = p->io;
	struct dnsio_req *r;
	uint16_t id;

	if (wire_ctx_can_read(&w, 12)) {
		io->st.unmatched++;	/* shorter than a DNS header */
		return;
	}
	id = wire_ctx_read_u16(&w);
	r = (tcp ? p->tmap : p->umap)[id];
	if (!r) {
		io->st.unmatched++;
		pr_debug("dnsio: reply with unknown ID '%u' from '%s' (ignored)", id, p->text);
		return;
	}
	io->ncb++;
	if (r->cb(r->arg, 0, msg, len)) {
		io->st.rejected++;
		return;
	}
	io->st.replies++;
	/* the callback may have sent more; r is still ours until unlinked */
	req_unlink(r);
	free(r);
	peer_ok(p);
}

static void tcp_flush(struct dnsio_peer *p)
{
	while (p->ooff < p->olen) {
		ssize_t n = send(p->tfd, p->obuf + p->ooff, p->olen - p->ooff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			{
				int err = -errno;

				pr_debug("dnsio: write to '%s' failed (%s)", p->text, ls_strerror(err));
				tcp_close(p);
				p->io->st.conn_fail++;
				fail_all(p, true, err);
			}
			return;
		}
		p->ooff += (size_t)n;
	}
	if (p->ooff == p->olen) {
		p->ooff = p->olen = 0;
		if (p->want_out) {
			p->want_out = false;
			set_ev(p, p->tfd, false, EPOLLIN, EPOLL_CTL_MOD);
		}
	} else if (!p->want_out) {
		p->want_out = true;
		set_ev(p, p->tfd, false, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
	}
}

static void tcp_event(struct dnsio_peer *p, uint32_t ev)
{
	if (p->tfd < 0)
		return;
	if (p->connecting && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		getsockopt(p->tfd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr || (ev & (EPOLLERR | EPOLLHUP))) {
			int err = soerr ? -soerr : -ECONNREFUSED;

			pr_debug("dnsio: cannot connect to '%s' (%s)", p->text, ls_strerror(err));
			tcp_close(p);
			p->io->st.conn_fail++;
			fail_all(p, true, err);
			return;
		}
		p->connecting = false;
	}
	if (ev & EPOLLIN) {
		for (;;) {
			ssize_t n;

			if (p->icap - p->ilen < 4096) {
				size_t nc = p->icap ? p->icap * 2 : 65536 + 2;
				uint8_t *b = realloc(p->ibuf, nc);

				if (!b)
					break;
				p->ibuf = b;
				p->icap = nc;
			}
			n = recv(p->tfd, p->ibuf + p->ilen, p->icap - p->ilen, 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				int err = n == 0 ? -ECONNRESET : -errno;

				tcp_close(p);
				if (p->ninflight)
					p->io->st.conn_fail++;
				fail_all(p, true, err);
				return;
			}
			if (n < 0)
				break;
			p->ilen += (size_t)n;
			/* frames: 2-byte length, then the message (RFC 1035 §4.2.2) */
			{
				struct wire_ctx in = wire_ctx_init_const(p->ibuf, p->ilen), f;
				size_t off = 0;

				for (;;) {
					f = wire_ctx_sub(&in, wire_ctx_read_u16(&in));
					if (in.error)
						break;	/* a partial frame: wait for the rest */
					deliver(p, true, f.wire, f.size);
					if (p->tfd < 0)
						return;
					off = wire_ctx_offset(&in);
				}
				memmove(p->ibuf, p->ibuf + off, p->ilen - off);
				p->ilen -= off;
			}
		}
	}
	if ((ev & EPOLLOUT) && p->tfd >= 0 && !p->connecting)
		tcp_flush(p);
}

static void udp_event(struct dnsio_peer *p)
{
	uint8_t buf[65536];

	for (;;) {
		ssize_t n = recv(p->ufd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == ECONNREFUSED) {
				p->io->st.conn_fail++;
				fail_all(p, false, -ECONNREFUSED);
				continue;
			}
			break;
		}
		deliver(p, false, buf, (size_t)n);
	}
}

/*
 * A TCP request past its timeout on a connection that is up: the server
 * has it and may only be slow, and a second copy on the same connection
 * would be applied a second time. Tell the caller (DNSIO_SLOW) and wait on
 * up to its limit. Returns true when @r keeps waiting.
 */
static bool expire_slow(struct dnsio_req *r, uint64_t now)
{
	struct dnsio_peer *p = r->peer;

	if (!r->tcp || r->slow || r->limit <= now || p->tfd < 0 || p->connecting)
		return false;
	r->slow = true;
	r->deadline = r->limit;
	p->io->st.slow++;
	p->io->ncb++;
	r->cb(r->arg, DNSIO_SLOW, NULL, 0);
	return true;
}

static void expire(struct dnsio *io)
{
	uint64_t now = dnsio_now_ms();
	struct dnsio_req *r, *n, *list = NULL;

	for (r = io->head.next; r != &io->head; r = n) {
		n = r->next;
		if (r->deadline > now || expire_slow(r, now))
			continue;
		req_unlink(r);
		r->next = list;
		list = r;
	}
	while (list) {
		struct dnsio_peer *p;

		r = list;
		list = r->next;
		p = r->peer;
		io->st.timeouts++;
		pr_debug("dnsio: request ID '%u' to '%s' timed out", r->id, p->text);
		/*
		 * a connect that never finished is abandoned with its requests,
		 * and counts against the server; a request without a reply does
		 * not: the server may be slow, and the caller, who knows for
		 * which zone, backs off its own timeout (user/dns/pace.h). A
		 * TCP request that waited its whole limit gives its connection
		 * up (a reply can no longer come on it in time, and a resend
		 * goes on a new one); the others on it fail with it, uncounted.
		 */
		if (r->tcp && p->connecting) {
			tcp_close(p);
			fail_all(p, true, -ETIMEDOUT);
		} else if (r->tcp && r->slow && p->tfd >= 0) {
			tcp_close(p);
			fail_all_n(p, true, -ECONNABORTED, false);
		}
		io->ncb++;
		r->cb(r->arg, -ETIMEDOUT, NULL, 0);
		free(r);
	}
}

int dnsio_next_deadline_ms(const struct dnsio *io)
{
	uint64_t now = dnsio_now_ms(), best = UINT64_MAX;

	for (const struct dnsio_req *r = io->head.next; r != &io->head; r = r->next)
		if (r->deadline < best)
			best = r->deadline;
	if (best == UINT64_MAX)
		return -1;
	return best <= now ? 0 : (int)(best - now);
}

static void flush_all(struct dnsio *io)
{
	for (unsigned int i = 0; i < io->npeers; i++) {
		struct dnsio_peer *p = io->peers[i];

		if (p->tfd >= 0 && !p->connecting && p->olen > p->ooff)
			tcp_flush(p);
	}
}

int dnsio_poll(struct dnsio *io, int timeout_ms)
{
	struct epoll_event evs[64];
	int n, dl;

	io->ncb = 0;
	flush_all(io);
	dl = dnsio_next_deadline_ms(io);
	if (dl >= 0 && (timeout_ms < 0 || dl < timeout_ms))
		timeout_ms = dl;
	n = epoll_wait(io->epfd, evs, 64, timeout_ms);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		unsigned int idx = (unsigned int)(evs[i].data.u64 >> 1);
		struct dnsio_peer *p;

		if (idx >= io->npeers)
			continue;
		p = io->peers[idx];
		if (evs[i].data.u64 & 1)
			udp_event(p);
		else
			tcp_event(p, evs[i].events);
	}
	expire(io);
	flush_all(io);
	return io->ncb;
}

void dnsio_get_stats(const struct dnsio *io, struct dnsio_stats *st)
{
	*st = io->st;
}
