// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_xfr.c - the zone transfer reader: xfr_parse_msg() on
 * hand-made AXFR messages (compressed owners and PTR targets, upper case,
 * opening and closing SOA, refusals, wrong ID, truncation, a pointer loop),
 * and the TSIG of a multi-message reply (tsig_verify_next(): each later
 * message signed over the prior MAC and its timers, unsigned messages in
 * between, a tampered one refused).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "user/common/errcode.h"
#include "user/dns/dnsmsg.h"
#include "user/dns/tsig.h"
#include "user/dns/xfr.h"

struct got {
	char lines[16][300];
	int n;
};

static int on_rr(void *arg, enum xfr_op op, const char *owner, uint16_t type, uint32_t ttl,
		 const uint8_t *rd, size_t len)
{
	static const char *const ops[] = { "", "-", "reset" };
	struct got *g = arg;

	(void)ttl;
	assert_true(g->n < 16);
	if (op == XFR_RESET)
		snprintf(g->lines[g->n++], 300, "reset");
	else if (type == DNSMSG_TYPE_PTR)
		snprintf(g->lines[g->n++], 300, "%s%s PTR %s", ops[op], owner, (const char *)rd);
	else
		snprintf(g->lines[g->n++], 300, "%s%s %u %zu", ops[op], owner, type, len);
	return 0;
}

static struct xfr_parse parser(uint16_t id, struct got *g, int ixfr, uint32_t from)
{
	return (struct xfr_parse){ .id = id, .cb = on_rr, .arg = g, .ixfr = ixfr, .from = from };
}

/* a message builder: header, question "Zone.Example." AXFR, then RRs */
struct msg {
	uint8_t b[1024];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t l)
{
	memcpy(m->b + m->n, p, l);
	m->n += l;
}

static void u16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

static void u32(struct msg *m, uint32_t v)
{
	u16(m, (uint16_t)(v >> 16));
	u16(m, (uint16_t)v);
}

static void start(struct msg *m, uint16_t id, int rcode, uint16_t an)
{
	m->n = 0;
	u16(m, id);
	u16(m, (uint16_t)(0x8400 | rcode));
	u16(m, 1);
	u16(m, an);
	u16(m, 0);
	u16(m, 0);
	put(m, "\4Zone\7Example\0", 14);	/* at offset 12 */
	u16(m, XFR_TYPE_AXFR);
	u16(m, 1);
}

static void soa(struct msg *m, uint32_t serial)
{
	u16(m, 0xc00c);
	u16(m, XFR_TYPE_SOA);
	u16(m, 1);
	u32(m, 300);
	u16(m, 2 + 2 + 20);
	u16(m, 0xc00c);		/* mname */
	u16(m, 0xc00c);		/* rname */
	u32(m, serial);
	u32(m, 3600);
	u32(m, 600);
	u32(m, 86400);
	u32(m, 300);
}

static void a_rr(struct msg *m, const char *label)
{
	uint8_t l = (uint8_t)strlen(label);

	put(m, &l, 1);
	put(m, label, l);
	u16(m, 0xc00c);
	u16(m, DNSMSG_TYPE_A);
	u16(m, 1);
	u32(m, 300);
	u16(m, 4);
	put(m, "\xc0\x00\x02\x05", 4);
}

static void ptr_rr(struct msg *m)
{
	u16(m, 0xc00c);
	u16(m, DNSMSG_TYPE_PTR);
	u16(m, 1);
	u32(m, 300);
	u16(m, 7);		/* "HOST" and a pointer to the zone */
	put(m, "\4HOST", 5);
	u16(m, 0xc00c);
}

static void test_parse(void **state)
{
	struct msg m;
	struct got g = { 0 };
	struct xfr_parse p = parser(0x1234, &g, 0, 0);

	(void)state;
	start(&m, 0x1234, 0, 4);
	soa(&m, 42);
	a_rr(&m, "H1");
	ptr_rr(&m);
	soa(&m, 42);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_true(p.done);
	assert_int_equal(p.serial, 42);
	assert_int_equal(p.rrs, 2);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "h1.zone.example. 1 4");
	assert_string_equal(g.lines[1], "zone.example. PTR host.zone.example.");
}

/* a transfer across messages: the closing SOA comes in the second */
static void test_two_messages(void **state)
{
	struct msg m;
	struct got g = { 0 };
	struct xfr_parse p = parser(7, &g, 0, 0);

	(void)state;
	start(&m, 7, 0, 2);
	soa(&m, 9);
	a_rr(&m, "a");
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_false(p.done);
	start(&m, 7, 0, 2);
	a_rr(&m, "b");
	soa(&m, 9);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_true(p.done);
	assert_int_equal(p.rrs, 2);
	/* nothing may follow the closing SOA */
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), LS_EDNS_FORMAT);
}

static void test_bad(void **state)
{
	struct msg m;
	struct got g = { 0 };
	struct xfr_parse p = parser(7, &g, 0, 0), q;

	(void)state;
	start(&m, 7, 5, 0);	/* REFUSED */
	q = p;
	assert_int_equal(xfr_parse_msg(m.b, m.n, &q), 5);
	start(&m, 7, 0, 1);
	soa(&m, 1);
	q = parser(8, &g, 0, 0);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &q), LS_EDNS_ID);
	q = p;
	assert_int_equal(xfr_parse_msg(m.b, m.n - 3, &q), LS_EDNS_FORMAT);
	/* an A before any SOA */
	start(&m, 7, 0, 1);
	a_rr(&m, "a");
	q = p;
	assert_int_equal(xfr_parse_msg(m.b, m.n, &q), LS_EDNS_FORMAT);
	/* an owner that points at itself */
	start(&m, 7, 0, 1);
	u16(&m, (uint16_t)(0xc000 | m.n));
	u16(&m, XFR_TYPE_SOA);
	q = p;
	assert_int_equal(xfr_parse_msg(m.b, m.n, &q), LS_EDNS_FORMAT);
}

/* RFC 1995 §4: differences, a lone SOA, and a whole zone instead */
static void test_ixfr(void **state)
{
	struct msg m;
	struct got g = { 0 };
	struct xfr_parse p = parser(7, &g, 1, 5);

	(void)state;
	/* 5 -> 6 (a deleted, b added) -> 7 (PTR added), split over two messages */
	start(&m, 7, 0, 5);
	soa(&m, 7);
	soa(&m, 5);
	a_rr(&m, "a");
	soa(&m, 6);
	a_rr(&m, "b");
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_false(p.done);
	start(&m, 7, 0, 4);
	soa(&m, 6);
	soa(&m, 7);
	ptr_rr(&m);
	soa(&m, 7);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_true(p.done);
	assert_true(p.incremental);
	assert_int_equal(p.serial, 7);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0], "-a.zone.example. 1 4");
	assert_string_equal(g.lines[1], "b.zone.example. 1 4");
	assert_string_equal(g.lines[2], "zone.example. PTR host.zone.example.");

	/* up to date: one SOA at our serial */
	memset(&g, 0, sizeof(g));
	p = parser(7, &g, 1, 5);
	start(&m, 7, 0, 1);
	soa(&m, 5);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_true(p.done);
	assert_true(p.incremental);
	assert_int_equal(g.n, 0);

	/* a lone SOA at an older serial: the zone went back, our copy is stale */
	p = parser(7, &g, 1, 5);
	start(&m, 7, 0, 1);
	soa(&m, 1);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), -ESTALE);

	/* the server answers with the whole zone */
	p = parser(7, &g, 1, 5);
	start(&m, 7, 0, 3);
	soa(&m, 9);
	a_rr(&m, "a");
	soa(&m, 9);
	assert_int_equal(xfr_parse_msg(m.b, m.n, &p), 0);
	assert_true(p.done);
	assert_false(p.incremental);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "reset");
	assert_string_equal(g.lines[1], "a.zone.example. 1 4");
}

/* ---- TSIG over a stream ---- */

static const struct tsig_key *key(void)
{
	static struct tsig_key k;

	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256",
				       "LSWXnfkKZjdPJI5QxlpnfQ==", 0), 0);
	return &k;
}

/*
 * Sign @m as a server would: over @prior (length-prefixed MAC), @extra
 * (unsigned messages since), the message, and the full variables (first
 * message) or the timers only (later ones). Appends the TSIG RR.
 */
static void server_sign(const struct tsig_key *k, struct msg *m, const uint8_t *prior,
			size_t plen, const struct msg *extra, int first, time_t t, uint8_t *mac)
{
	static const uint8_t alg[] = "\13hmac-sha256\0";
	uint8_t in[4096], out[64];
	unsigned int ol = 0;
	size_t n = 0;
	uint16_t ar;

	in[n++] = (uint8_t)(plen >> 8);
	in[n++] = (uint8_t)plen;
	memcpy(in + n, prior, plen);
	n += plen;
	if (extra) {
		memcpy(in + n, extra->b, extra->n);
		n += extra->n;
	}
	memcpy(in + n, m->b, m->n);
	n += m->n;
	if (first) {
		memcpy(in + n, k->wname, k->wname_len);
		n += k->wname_len;
		memcpy(in + n, "\0\xff\0\0\0\0", 6);	/* class ANY, TTL 0 */
		n += 6;
		memcpy(in + n, alg, sizeof(alg) - 1);
		n += sizeof(alg) - 1;
	}
	memcpy(in + n, "\0\0", 2);
	in[n + 2] = (uint8_t)(t >> 24), in[n + 3] = (uint8_t)(t >> 16);
	in[n + 4] = (uint8_t)(t >> 8), in[n + 5] = (uint8_t)t;
	n += 6;
	memcpy(in + n, "\x01\x2c", 2);	/* fudge 300 */
	n += 2;
	if (first) {
		memcpy(in + n, "\0\0\0\0", 4);	/* error, other len */
		n += 4;
	}
	assert_non_null(HMAC(EVP_sha256(), k->secret, (int)k->secret_len, in, n, out, &ol));
	memcpy(mac, out, 32);
	/* the TSIG RR */
	put(m, k->wname, k->wname_len);
	u16(m, 250);
	u16(m, 255);
	u32(m, 0);
	u16(m, (uint16_t)(sizeof(alg) - 1 + 6 + 2 + 2 + 32 + 2 + 2 + 2));
	put(m, alg, sizeof(alg) - 1);
	u16(m, 0);
	u32(m, (uint32_t)t);
	u16(m, 300);
	u16(m, 32);
	put(m, out, 32);
	put(m, m->b, 2);	/* original ID */
	u16(m, 0);
	u16(m, 0);
	ar = (uint16_t)(m->b[10] << 8 | m->b[11]);
	ar++;
	m->b[10] = (uint8_t)(ar >> 8);
	m->b[11] = (uint8_t)ar;
}

static void test_tsig_stream(void **state)
{
	const struct tsig_key *k = key();
	uint8_t qmac[64] = { 1, 2, 3 }, mac[64], got[64], m1mac[64];
	size_t got_len = 0;
	struct msg m1, m2, m3, bad;
	time_t now = time(NULL);

	(void)state;
	start(&m1, 7, 0, 2);
	soa(&m1, 9);
	a_rr(&m1, "a");
	server_sign(k, &m1, qmac, 32, NULL, 1, now, m1mac);
	assert_int_equal(tsig_verify(k, m1.b, m1.n, qmac, 32, now, NULL), 0);
	assert_int_equal(tsig_reply_mac(m1.b, m1.n, got, &got_len), 0);
	assert_int_equal(got_len, 32);
	assert_memory_equal(got, m1mac, 32);

	/* a later message: over the prior MAC and the timers only */
	start(&m2, 7, 0, 1);
	a_rr(&m2, "b");
	bad = m2;
	server_sign(k, &m2, m1mac, 32, NULL, 0, now, mac);
	assert_int_equal(tsig_verify_next(k, m2.b, m2.n, m1mac, 32, NULL, 0, now, got, &got_len),
			 0);
	assert_memory_equal(got, mac, 32);
	/* the same message changed in transit */
	server_sign(k, &bad, m1mac, 32, NULL, 0, now, mac);
	bad.b[40] ^= 1;
	assert_int_equal(tsig_verify_next(k, bad.b, bad.n, m1mac, 32, NULL, 0, now, got,
					  &got_len), LS_ETSIG_BADSIG);
	/* an unsigned message, then one signed over both */
	start(&m2, 7, 0, 1);
	a_rr(&m2, "c");
	start(&m3, 7, 0, 1);
	soa(&m3, 9);
	server_sign(k, &m3, m1mac, 32, &m2, 0, now, mac);
	assert_int_equal(tsig_verify_next(k, m3.b, m3.n, m1mac, 32, m2.b, m2.n, now, got,
					  &got_len), 0);
	assert_int_equal(tsig_verify_next(k, m3.b, m3.n, m1mac, 32, NULL, 0, now, got, &got_len),
			 LS_ETSIG_BADSIG);
	/* signed too long ago */
	start(&m3, 7, 0, 1);
	soa(&m3, 9);
	server_sign(k, &m3, m1mac, 32, NULL, 0, now - 1000, mac);
	assert_int_equal(tsig_verify_next(k, m3.b, m3.n, m1mac, 32, NULL, 0, now, got, &got_len),
			 LS_ETSIG_BADTIME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	cmocka_unit_test(test_two_messages),
		cmocka_unit_test(test_bad),	cmocka_unit_test(test_ixfr),
		cmocka_unit_test(test_tsig_stream),
	};

	return cmocka_run_group_tests_name("xfr", tests, NULL, NULL);
}
