// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_dnsio.c - user/dnsio.c with sockets on 127.0.0.1: replies
 * matched by ID over UDP and over one pipelined TCP connection (answered
 * out of order), unknown IDs counted and ignored, a reply the callback
 * rejects leaves the request waiting, timeouts, refused connections, and
 * the circuit breaker opening after three failures and closing again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "user/dns/dnsio.h"
#include "user/common/log.h"

struct got {
	int calls, status, reject_first;
	uint16_t id;
};

static int on_reply(void *arg, int status, const uint8_t *msg, size_t len)
{
	struct got *g = arg;

	g->calls++;
	g->status = status;
	if (!status) {
		assert_true(len >= 12);
		g->id = (uint16_t)(msg[0] << 8 | msg[1]);
		if (g->reject_first) {
			g->reject_first = 0;
			return -1;
		}
	}
	return 0;
}

static int bound(int type, struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(*sin);
	int fd = socket(AF_INET, type, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &sl), 0);
	return fd;
}

static void msg_with_id(uint8_t *m, uint16_t id)
{
	memset(m, 0, 12);
	m[0] = (uint8_t)(id >> 8);
	m[1] = (uint8_t)id;
}

static void poll_until(struct dnsio *io, int *flag, int want)
{
	for (int i = 0; i < 200 && *flag < want; i++)
		dnsio_poll(io, 10);
}

static void test_udp(void **state)
{
	struct sockaddr_in sin, from;
	socklen_t fl = sizeof(from);
	struct dnsio *io;
	struct dnsio_peer *p;
	struct dnsio_stats st;
	struct got g = { .reject_first = 1 };
	uint8_t m[12], r[512];
	uint16_t id;
	int srv = bound(SOCK_DGRAM, &sin);

	(void)state;
	assert_int_equal(dnsio_new(&io), 0);
	p = dnsio_peer_get(io, (struct sockaddr *)&sin, sizeof(sin), "udp-test");
	assert_non_null(p);
	assert_ptr_equal(dnsio_peer_get(io, (struct sockaddr *)&sin, sizeof(sin), "again"), p);
	id = dnsio_alloc_id(p);
	msg_with_id(m, id);
	assert_int_equal(dnsio_send(io, p, false, m, sizeof(m), id, 2000, on_reply, &g), 0);
	assert_int_equal(dnsio_send(io, p, false, m, sizeof(m), id, 2000, on_reply, &g), -EBUSY);
	assert_int_equal(dnsio_peer_inflight(p), 1);
	assert_int_equal(recvfrom(srv, r, sizeof(r), 0, (struct sockaddr *)&from, &fl), 12);
	msg_with_id(r, (uint16_t)(id + 1));		/* unknown ID: ignored */
	sendto(srv, r, 12, 0, (struct sockaddr *)&from, fl);
	msg_with_id(r, id);				/* rejected by the callback */
	sendto(srv, r, 12, 0, (struct sockaddr *)&from, fl);
	poll_until(io, &g.calls, 1);
	assert_int_equal(dnsio_peer_inflight(p), 1);
	sendto(srv, r, 12, 0, (struct sockaddr *)&from, fl);	/* accepted */
	poll_until(io, &g.calls, 2);
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.status, 0);
	assert_int_equal(g.id, id);
	assert_int_equal(dnsio_peer_inflight(p), 0);
	dnsio_get_stats(io, &st);
	assert_int_equal(st.unmatched, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.replies, 1);
	dnsio_free(io);
	close(srv);
}

static void test_tcp_pipelined(void **state)
{
	struct sockaddr_in sin;
	struct dnsio *io;
	struct dnsio_peer *p;
	struct got g[3] = { 0 };
	uint16_t ids[3];
	uint8_t m[12], in[3][14];
	int lst = bound(SOCK_STREAM, &sin), c;

	(void)state;
	assert_int_equal(listen(lst, 4), 0);
	assert_int_equal(dnsio_new(&io), 0);
	p = dnsio_peer_get(io, (struct sockaddr *)&sin, sizeof(sin), "tcp-test");
	for (int i = 0; i < 3; i++) {
		ids[i] = dnsio_alloc_id(p);
		msg_with_id(m, ids[i]);
		assert_int_equal(dnsio_send(io, p, true, m, sizeof(m), ids[i], 2000, on_reply, &g[i]), 0);
	}
	for (int i = 0; i < 5; i++)
		dnsio_poll(io, 10);	/* connect and write */
	c = accept(lst, NULL, NULL);
	assert_true(c >= 0);
	/* one connection, three length-prefixed messages */
	for (int i = 0; i < 3; i++) {
		size_t got = 0;

		while (got < 14) {
			ssize_t n = read(c, in[i] + got, 14 - got);

			assert_true(n > 0);
			got += (size_t)n;
		}
		assert_int_equal(in[i][1], 12);
	}
	/* answers in reverse order, in one write */
	{
		uint8_t out[42];

		for (int i = 0; i < 3; i++)
			memcpy(out + 14 * i, in[2 - i], 14);
		assert_int_equal(write(c, out, sizeof(out)), 42);
	}
	for (int i = 0; i < 50 && (g[0].calls + g[1].calls + g[2].calls) < 3; i++)
		dnsio_poll(io, 10);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(g[i].calls, 1);
		assert_int_equal(g[i].status, 0);
		assert_int_equal(g[i].id, ids[i]);
	}
	/* the server closes: the next send reconnects */
	close(c);
	for (int i = 0; i < 5; i++)
		dnsio_poll(io, 10);
	msg_with_id(m, 7);
	assert_int_equal(dnsio_send(io, p, true, m, sizeof(m), 7, 2000, on_reply, &g[0]), 0);
	for (int i = 0; i < 5; i++)
		dnsio_poll(io, 10);
	c = accept(lst, NULL, NULL);
	assert_true(c >= 0);
	close(c);
	poll_until(io, &g[0].calls, 2);
	assert_int_equal(g[0].status, -ECONNRESET);
	dnsio_free(io);
	close(lst);
}

static void test_timeout_refused_breaker(void **state)
{
	struct sockaddr_in sin;
	struct dnsio *io;
	struct dnsio_peer *p, *dead;
	struct got g = { 0 };
	uint8_t m[12];
	int srv = bound(SOCK_DGRAM, &sin), tmp;
	struct sockaddr_in closed;

	(void)state;
	assert_int_equal(dnsio_new(&io), 0);
	p = dnsio_peer_get(io, (struct sockaddr *)&sin, sizeof(sin), "silent");
	msg_with_id(m, 1);
	assert_int_equal(dnsio_send(io, p, false, m, sizeof(m), 1, 50, on_reply, &g), 0);
	assert_true(dnsio_next_deadline_ms(io) <= 50);
	poll_until(io, &g.calls, 1);
	assert_int_equal(g.status, -ETIMEDOUT);
	assert_true(dnsio_peer_usable(p));	/* one failure is not enough */
	assert_int_equal(dnsio_next_deadline_ms(io), -1);

	/* a TCP port nobody listens on */
	tmp = bound(SOCK_STREAM, &closed);
	close(tmp);
	dead = dnsio_peer_get(io, (struct sockaddr *)&closed, sizeof(closed), "closed");
	for (int i = 0; i < 3; i++) {
		int want = g.calls + 1;

		assert_true(dnsio_peer_usable(dead));
		msg_with_id(m, (uint16_t)(10 + i));
		assert_int_equal(dnsio_send(io, dead, true, m, sizeof(m), (uint16_t)(10 + i), 1000,
					    on_reply, &g), 0);
		poll_until(io, &g.calls, want);
		assert_int_equal(g.status, -ECONNREFUSED);
	}
	assert_false(dnsio_peer_usable(dead));	/* breaker open */
	usleep(600 * 1000);
	assert_true(dnsio_peer_usable(dead));	/* half-open: the next request probes */
	dnsio_free(io);
	close(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp_pipelined),
		cmocka_unit_test(test_timeout_refused_breaker),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("dnsio", tests, NULL, NULL);
}
