// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_adoptxfr.c - user/dns/adoptxfr.c driven as the
 * daemon drives it (submit a chunk, adoptxfr_run() until it hands the chunk
 * back) against a small authoritative server in this process, on loopback
 * TCP, that answers the probe's questions from a table. "adopt-method":
 * "query", so every lease is asked about: each verdict the probe reaches
 * (fwd_ok, rev_ok, and the DHCID-only fwd_dhcid and rev_dhcid that a
 * takeover reads a remove's progress from) must come back in the chunk's
 * own items, whatever the chunk's order. Items marked by_query are asked
 * by query in a round by transfer too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/dns/adoptxfr.h"
#include "user/dns/dnsmsg.h"

static const uint8_t D5[DHCID_RDATA_LEN] = { 0, 1, 1, 0xaa, 0xbb };
static const uint8_t D6[DHCID_RDATA_LEN] = { 0, 1, 1, 0xcc, 0xdd };
static const uint8_t D7[DHCID_RDATA_LEN] = { 0, 1, 1, 0xee, 0xff };

/* the zone data the server answers from: owner, type, rdata (a PTR: its target in wire form) */
struct rec {
	const char *owner;
	uint16_t type;
	const uint8_t *rdata;
	size_t len;
};

static const uint8_t A5[4] = { 10, 64, 1, 5 }, A7[4] = { 10, 64, 1, 7 };
static const uint8_t PTR5[] = "\x02h5\x03" "dyn\x07" "example";	/* + the NUL: the root */
static const uint8_t PTR9[] = "\x02h9\x03" "dyn\x07" "example";

static const struct rec zone[] = {
	/* 10.64.1.5: both sides in place */
	{ "h5.dyn.example.", DNSMSG_TYPE_DHCID, D5, DHCID_RDATA_LEN },
	{ "h5.dyn.example.", DNSMSG_TYPE_A, A5, 4 },
	{ "5.1.64.10.in-addr.arpa.", DNSMSG_TYPE_PTR, PTR5, sizeof(PTR5) },
	{ "5.1.64.10.in-addr.arpa.", DNSMSG_TYPE_DHCID, D5, DHCID_RDATA_LEN },
	/* 10.64.1.6: a remove half done, the forward DHCID left (RFC 4703's second step) */
	{ "h6.dyn.example.", DNSMSG_TYPE_DHCID, D6, DHCID_RDATA_LEN },
	{ "6.1.64.10.in-addr.arpa.", DNSMSG_TYPE_DHCID, D6, DHCID_RDATA_LEN },
	{ "6.1.64.10.in-addr.arpa.", DNSMSG_TYPE_PTR, PTR9, sizeof(PTR9) },	/* to another name */
	/* 10.64.1.7: the address, another client's DHCID */
	{ "h7.dyn.example.", DNSMSG_TYPE_A, A7, 4 },
	{ "h7.dyn.example.", DNSMSG_TYPE_DHCID, D5, DHCID_RDATA_LEN },
};

struct srv {
	int lst, conn;
	uint8_t in[65536];
	size_t have;
	unsigned int asked;
};

static void srv_start(struct srv *s, struct zones_server *sv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->conn = -1;
	s->lst = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(s->lst >= 0);
	assert_int_equal(bind(s->lst, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s->lst, 4), 0);
	assert_int_equal(getsockname(s->lst, (struct sockaddr *)&sin, &sl), 0);
	memset(sv, 0, sizeof(*sv));
	memcpy(&sv->addr, &sin, sizeof(sin));
	sv->addr_len = sizeof(sin);
	snprintf(sv->text, sizeof(sv->text), "127.0.0.1#%u", ntohs(sin.sin_port));
}

static void srv_stop(struct srv *s)
{
	if (s->conn >= 0)
		close(s->conn);
	close(s->lst);
}

/* the question's name in presentation form (lower case, trailing dot); its end in @end */
static void qname_of(const uint8_t *q, size_t len, char *name, size_t cap, size_t *end)
{
	size_t at = 12, o = 0;

	while (at < len && q[at]) {
		size_t l = q[at++];

		assert_true(at + l <= len && o + l + 2 < cap);
		for (size_t i = 0; i < l; i++)
			name[o++] = (char)((q[at + i] >= 'A' && q[at + i] <= 'Z') ? q[at + i] + 32 :
					   q[at + i]);
		name[o++] = '.';
		at += l;
	}
	name[o] = 0;
	*end = at + 1 + 4;	/* the root, QTYPE, QCLASS */
	assert_true(*end <= len);
}

/* answer the query @q[0..len) from zone[] on the connection */
static void srv_answer(struct srv *s, const uint8_t *q, size_t len)
{
	uint8_t out[1024];
	char name[256];
	size_t end, o, an = 0;
	uint16_t qtype;
	bool exists = false;

	qname_of(q, len, name, sizeof(name), &end);
	qtype = (uint16_t)(q[end - 4] << 8 | q[end - 3]);
	o = 2;
	memcpy(out + o, q, end);	/* header and question; the probe's queries carry nothing else */
	out[o + 2] = 0x84;		/* QR, AA */
	out[o + 3] = 0;
	out[o + 10] = out[o + 11] = 0;	/* no additional section */
	o += end;
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcmp(zone[i].owner, name))
			continue;
		exists = true;
		if (zone[i].type != qtype)
			continue;
		out[o++] = 0xc0;
		out[o++] = 12;		/* the question's name */
		out[o++] = (uint8_t)(qtype >> 8);
		out[o++] = (uint8_t)qtype;
		out[o++] = 0;
		out[o++] = 1;		/* IN */
		memset(out + o, 0, 3);
		out[o + 3] = 60;	/* TTL */
		o += 4;
		out[o++] = (uint8_t)(zone[i].len >> 8);
		out[o++] = (uint8_t)zone[i].len;
		memcpy(out + o, zone[i].rdata, zone[i].len);
		o += zone[i].len;
		an++;
	}
	if (!exists)
		out[2 + 3] = 3;	/* NXDOMAIN */
	out[2 + 6] = (uint8_t)(an >> 8);
	out[2 + 7] = (uint8_t)an;
	out[0] = (uint8_t)((o - 2) >> 8);
	out[1] = (uint8_t)(o - 2);
	assert_int_equal(write(s->conn, out, o), (ssize_t)o);
	s->asked++;
}

/* accept, read what came, answer every whole query */
static void srv_step(struct srv *s)
{
	ssize_t r;

	if (s->conn < 0) {
		s->conn = accept4(s->lst, NULL, NULL, SOCK_NONBLOCK);
		if (s->conn < 0)
			return;
	}
	r = read(s->conn, s->in + s->have, sizeof(s->in) - s->have);
	if (r <= 0)
		return;
	s->have += (size_t)r;
	for (;;) {
		size_t l;

		if (s->have < 2)
			break;
		l = (size_t)s->in[0] << 8 | s->in[1];
		if (s->have < 2 + l)
			break;
		srv_answer(s, s->in + 2, l);
		memmove(s->in, s->in + 2 + l, s->have - 2 - l);
		s->have -= 2 + l;
	}
}

static struct adopt_item item(const struct zones_domain *fz, const struct zones_domain *rz,
			      uint8_t host, const uint8_t *dhcid)
{
	struct adopt_item it = { .family = 4, .fz = fz, .rz = rz };

	it.addr[0] = 10;
	it.addr[1] = 64;
	it.addr[2] = 1;
	it.addr[3] = host;
	snprintf(it.fqdn, sizeof(it.fqdn), "h%u.dyn.example.", host);
	memcpy(it.dhcid, dhcid, DHCID_RDATA_LEN);
	/* what a chunk from an earlier round may still carry: the round must clear it */
	it.fwd_ok = it.rev_ok = it.fwd_dhcid = it.rev_dhcid = it.failed = true;
	return it;
}

/* one round of @items[0..4) by @o against the table above; the stats in @st, the questions in @asked */
static void round4(const struct adoptxfr_opts *o, struct adopt_item *items, bool by_query,
		   struct adopt_stats *st, unsigned int *asked)
{
	struct zones_server sv;
	struct zones_domain fz = { .name = "dyn.example.", .servers = &sv, .nservers = 1 };
	struct zones_domain rz = { .name = "64.10.in-addr.arpa.", .reverse = true,
				   .servers = &sv, .nservers = 1 };
	struct adoptxfr *a;
	struct srv s;
	time_t until;
	int rc = 0;

	srv_start(&s, &sv);
	items[0] = item(&fz, &rz, 6, D6);
	items[1] = item(&fz, &rz, 5, D5);
	items[2] = item(&fz, &rz, 7, D7);
	items[3] = item(&fz, NULL, 8, D7);	/* forward side only, nothing there */
	for (int i = 0; i < 4; i++)
		items[i].by_query = by_query;
	assert_int_equal(adoptxfr_new(&a, o), 0);
	assert_int_equal(adoptxfr_submit(a, items, 4), 0);
	assert_int_equal(adoptxfr_submit(a, items, 4), -EBUSY);
	until = time(NULL) + 10;
	while (time(NULL) < until) {
		struct pollfd p[3] = {
			{ .fd = adoptxfr_fd(a), .events = POLLIN },
			{ .fd = s.lst, .events = POLLIN },
			{ .fd = s.conn, .events = POLLIN },
		};

		rc = adoptxfr_run(a);
		if (rc)
			break;
		if (!adoptxfr_ready(a))
			poll(p, s.conn >= 0 ? 3 : 2, 50);
		srv_step(&s);
	}
	assert_int_equal(rc, 1);
	*asked = s.asked;
	memset(st, 0, sizeof(*st));
	adoptxfr_get_stats(a, st);
	/* the chunk was handed back: another can be submitted */
	assert_int_equal(adoptxfr_submit(a, items, 0), 0);
	adoptxfr_free(a, NULL);
	srv_stop(&s);
	/* the zones' addresses go with this frame */
	for (int i = 0; i < 4; i++)
		items[i].fz = items[i].rz = NULL;
}

static void verdicts(const struct adopt_item *items)
{
	/* 10.64.1.6: the forward name holds our DHCID and no address */
	assert_false(items[0].fwd_ok);
	assert_true(items[0].fwd_dhcid);
	assert_false(items[0].rev_ok);	/* PTR to another name */
	assert_true(items[0].rev_dhcid);
	assert_false(items[0].failed);
	/* 10.64.1.5: everything in place */
	assert_true(items[1].fwd_ok && items[1].rev_ok && items[1].fwd_dhcid && items[1].rev_dhcid);
	assert_false(items[1].failed);
	/* 10.64.1.7: another client's DHCID */
	assert_false(items[2].fwd_ok || items[2].fwd_dhcid || items[2].rev_ok || items[2].rev_dhcid);
	assert_false(items[2].failed);
	/* 10.64.1.8: NXDOMAIN is an answer */
	assert_false(items[3].fwd_ok || items[3].fwd_dhcid || items[3].rev_ok || items[3].rev_dhcid);
	assert_false(items[3].failed);
}

static void test_query_round(void **state)
{
	struct adoptxfr_opts o = { .transfer = false, .query_timeout_ms = 2000 };
	struct adopt_item items[4];
	struct adopt_stats st;
	unsigned int asked;

	(void)state;
	round4(&o, items, false, &st, &asked);
	verdicts(items);
	assert_int_equal(asked, 3 * 4 + 2);
	assert_int_equal(st.queries, 14);
	assert_int_equal(st.answers, 14);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.settled, 0);
}

/*
 * Items marked by_query (a takeover's unfinished intents: what DNS holds
 * after the settle, not what a transfer held when it began) are asked by
 * query in a round by transfer: no transfer is even started for them.
 */
static void test_by_query_in_transfer_round(void **state)
{
	struct adoptxfr_opts o = { .transfer = true, .query_timeout_ms = 2000, .idle_ms = 2000 };
	struct adopt_item items[4];
	struct adopt_stats st;
	unsigned int asked;

	(void)state;
	round4(&o, items, true, &st, &asked);
	verdicts(items);
	assert_int_equal(st.transfers + st.transfer_failures, 0);
	assert_int_equal(st.queries, 14);
	assert_int_equal(asked, 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_round),
		cmocka_unit_test(test_by_query_in_transfer_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
