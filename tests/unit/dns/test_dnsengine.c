// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_dnsengine.c - user/dnsengine.c and user/dnsio.c against a
 * small UPDATE responder in this process (UDP and TCP on 127.0.0.1, replies
 * signed by ldns's TSIG code, not ours). The responder knows a few "taken"
 * names and answers YXDOMAIN/NXRRSET to prerequisites on them, like a real
 * server would. Checks batching, bisection down to the one failing change,
 * the forward-then-replace sequence, forged replies ignored, timeouts
 * retried, SERVFAIL retried, REFUSED final, BADSIG final, and that nothing
 * is lost; with the responder keeping what it applied (track), a resent
 * batch that was applied before its reply got lost is found in place with
 * one check, not bisected; bisection stays within max-inflight-per-zone.
 * The real servers are exercised by tests/integ/3*_dns_*.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "user/dns/dhcid.h"
#include "user/dns/dnsengine.h"
#include "user/dns/dnsio.h"
#include "user/dns/dnsmsg.h"
#include "user/common/log.h"
#include "user/dns/tsig.h"
#include "user/dns/zones.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ1Njc4OTA="
#define OTHER "b3RoZXItb3RoZXItb3RoZXItb3RoZXItMTIzNDU2Nzg5MA=="

static struct {
	int udp, lst, conn[8];
	uint16_t port;
	/* behaviour */
	int drop_next;		/* swallow this many requests */
	int servfail_next;	/* answer SERVFAIL to this many */
	int refuse;		/* answer REFUSED */
	const char *refuse_name;	/* answer REFUSED to a message that updates this name */
	int forge_first;	/* send a reply signed with another key before the real one */
	int badsig;		/* answer NOTAUTH/BADSIG unsigned */
	int unsigned_refuse;	/* answer REFUSED with no TSIG at all (PowerDNS on a bad key) */
	int track;		/* remember names added; prerequisites see them */
	int apply_drop_next;	/* apply this many messages but lose their replies */
	int hold_next;		/* TCP: keep this many replies back until srv_release() */
	int close_next;		/* TCP: close the connection on this many, unanswered */
	int paused;		/* TCP: read nothing (requests wait in the socket, a busy server) */
	int held_fd;
	uint8_t held[70000];
	size_t held_len;
	/* counters */
	int requests, max_rrs, burst, max_burst, accepts;
	char applied[512][64];
	int napplied;
} srv;

static bool is_applied(const ldns_rdf *owner)
{
	char *s = ldns_rdf2str(owner);
	bool t = false;

	for (int i = 0; i < srv.napplied && !t; i++)
		t = !strcmp(s, srv.applied[i]);
	free(s);
	return t;
}

/* the names a NOERROR message added records to */
static void track_applied(ldns_pkt *q)
{
	ldns_rr_list *upd = ldns_pkt_authority(q);

	for (size_t i = 0; i < ldns_rr_list_rr_count(upd); i++) {
		ldns_rr *rr = ldns_rr_list_rr(upd, i);
		char *o;

		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || is_applied(ldns_rr_owner(rr)))
			continue;
		assert_true(srv.napplied < 512);
		o = ldns_rdf2str(ldns_rr_owner(rr));
		snprintf(srv.applied[srv.napplied++], 64, "%s", o);
		free(o);
	}
}

static const char *const taken[] = { "taken.dyn.example.", "taken2.dyn.example." };

static bool is_taken(const ldns_rdf *owner)
{
	char *s = ldns_rdf2str(owner);
	bool t = false;

	for (size_t i = 0; i < 2; i++)
		if (!strcmp(s, taken[i]))
			t = true;
	free(s);
	return t;
}

/* The rcode a server would give: prerequisites about taken names fail. */
static int evaluate(ldns_pkt *q)
{
	ldns_rr_list *pre = ldns_pkt_answer(q), *upd = ldns_pkt_authority(q);

	/* like BIND's check-names: one name refuses the whole message */
	for (size_t i = 0; srv.refuse_name && i < ldns_rr_list_rr_count(upd); i++) {
		char *o = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(upd, i)));
		bool bad = !strcmp(o, srv.refuse_name);

		free(o);
		if (bad)
			return LDNS_RCODE_REFUSED;
	}

	for (size_t i = 0; i < ldns_rr_list_rr_count(pre); i++) {
		ldns_rr *rr = ldns_rr_list_rr(pre, i);

		if (srv.track && !is_taken(ldns_rr_owner(rr))) {
			bool has = is_applied(ldns_rr_owner(rr));

			/* ours: "not in use" fails, "our value is there" holds */
			if (ldns_rr_get_class(rr) == LDNS_RR_CLASS_NONE && has)
				return LDNS_RCODE_YXDOMAIN;
			if (ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN && !has)
				return LDNS_RCODE_NXRRSET;
			continue;
		}
		if (!is_taken(ldns_rr_owner(rr)))
			continue;
		if (ldns_rr_get_class(rr) == LDNS_RR_CLASS_NONE)
			return LDNS_RCODE_YXDOMAIN;	/* name is in use */
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DHCID)
			return LDNS_RCODE_NXRRSET;	/* the DHCID there is not ours */
	}
	return LDNS_RCODE_NOERROR;
}

/* Build the signed reply to request @w; NULL when it must be dropped. */
static uint8_t *answer(const uint8_t *w, size_t len, size_t *rlen, const char *secret)
{
	ldns_pkt *q = NULL;
	ldns_rdf *mac;
	uint8_t *out = NULL;
	int rc;

	assert_int_equal(ldns_wire2pkt(&q, w, len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tsig_verify(q, w, len, "k.", SECRET, NULL));
	if ((int)(ldns_pkt_ancount(q) + ldns_pkt_nscount(q)) > srv.max_rrs)
		srv.max_rrs = ldns_pkt_ancount(q) + ldns_pkt_nscount(q);
	mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	rc = srv.refuse ? LDNS_RCODE_REFUSED : evaluate(q);
	if (srv.track && rc == LDNS_RCODE_NOERROR && !srv.servfail_next)
		track_applied(q);
	if (srv.servfail_next > 0) {
		srv.servfail_next--;
		rc = LDNS_RCODE_SERVFAIL;
	}
	ldns_pkt_set_qr(q, true);
	ldns_pkt_set_rcode(q, (uint8_t)rc);
	ldns_rr_free(ldns_pkt_tsig(q));
	ldns_pkt_set_tsig(q, NULL);
	/* a reply carries the zone section only (RFC 2136 §3.8) */
	ldns_rr_list_deep_free(ldns_pkt_answer(q));
	ldns_pkt_set_answer(q, ldns_rr_list_new());
	ldns_rr_list_deep_free(ldns_pkt_authority(q));
	ldns_pkt_set_authority(q, ldns_rr_list_new());
	ldns_pkt_set_ancount(q, 0);
	ldns_pkt_set_nscount(q, 0);
	if (srv.unsigned_refuse) {
		ldns_pkt_set_rcode(q, LDNS_RCODE_REFUSED);
		assert_int_equal(ldns_pkt2wire(&out, q, rlen), LDNS_STATUS_OK);
		ldns_pkt_free(q);
		ldns_rdf_deep_free(mac);
		return out;
	}
	if (srv.badsig) {
		rc = LDNS_RCODE_NOTAUTH;
		ldns_pkt_set_rcode(q, (uint8_t)rc);
		assert_int_equal(ldns_pkt2wire(&out, q, rlen), LDNS_STATUS_OK);
		/* append an unsigned TSIG with error BADSIG by signing and blanking the MAC */
		ldns_pkt_free(q);
		ldns_rdf_deep_free(mac);
		{
			struct tsig_key k;
			uint8_t m[64], *o2 = realloc(out, *rlen + 512);
			size_t ml, at;

			assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256", SECRET, 0), 0);
			assert_int_equal(tsig_sign(&k, o2, rlen, *rlen + 512, time(NULL), m, &ml), 0);
			at = (size_t)tsig_find(o2, *rlen);
			/* rdata tail: MAC size at alg(13)+6+2, then MAC, orig id, error, other len */
			{
				size_t rd = at + 3 + 10, p = rd + 13 + 8;	/* "k." is 3 bytes */

				o2[p] = 0;
				o2[p + 1] = 0;
				memmove(o2 + p + 2, o2 + p + 2 + 32, 6);
				o2[p + 2 + 2] = 0;
				o2[p + 2 + 3] = 16;	/* BADSIG */
				*rlen -= 32;
				o2[rd - 2] = 0;
				o2[rd - 1] = (uint8_t)(13 + 10 + 6);
			}
			return o2;
		}
	}
	assert_int_equal(ldns_pkt_tsig_sign_next(q, "k.", secret, 300, "hmac-sha256.", mac, 0),
			 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&out, q, rlen), LDNS_STATUS_OK);
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(q);
	return out;
}

static void srv_start(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int one = 1;

	memset(&srv, 0, sizeof(srv));
	for (int i = 0; i < 8; i++)
		srv.conn[i] = -1;
	srv.lst = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(srv.lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(srv.lst, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(srv.lst, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(listen(srv.lst, 8), 0);
	srv.udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_int_equal(bind(srv.udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
	srv.port = ntohs(sin.sin_port);
}

/* The slow server answers the request it held back (hold_next). */
static void srv_release(void)
{
	uint8_t *r, hdr[2];
	size_t rl;

	assert_true(srv.held_len > 0);
	r = answer(srv.held, srv.held_len, &rl, SECRET);
	hdr[0] = (uint8_t)(rl >> 8);
	hdr[1] = (uint8_t)rl;
	assert_int_equal(write(srv.held_fd, hdr, 2), 2);
	assert_int_equal(write(srv.held_fd, r, rl), (ssize_t)rl);
	free(r);
	srv.held_len = 0;
}

static void srv_stop(void)
{
	close(srv.lst);
	close(srv.udp);
	for (int i = 0; i < 8; i++)
		if (srv.conn[i] >= 0)
			close(srv.conn[i]);
}

static void reply_to(int fd, bool tcp, const uint8_t *w, size_t len, struct sockaddr *from,
		     socklen_t fl)
{
	uint8_t *r, hdr[2];
	size_t rl;

	srv.requests++;
	srv.burst++;
	if (tcp && srv.hold_next > 0) {
		/* a slow server: it answers, but only when the test says so */
		srv.hold_next--;
		assert_true(len <= sizeof(srv.held));
		memcpy(srv.held, w, len);
		srv.held_len = len;
		srv.held_fd = fd;
		return;
	}
	if (srv.apply_drop_next > 0) {
		/* applied, but the reply never arrives (a server slower than our timeout) */
		srv.apply_drop_next--;
		free(answer(w, len, &rl, SECRET));
		return;
	}
	if (srv.drop_next > 0) {
		srv.drop_next--;
		return;
	}
	if (srv.forge_first) {
		srv.forge_first = 0;
		r = answer(w, len, &rl, OTHER);
		hdr[0] = (uint8_t)(rl >> 8);
		hdr[1] = (uint8_t)rl;
		if (tcp) {
			assert_int_equal(write(fd, hdr, 2), 2);
			assert_int_equal(write(fd, r, rl), (ssize_t)rl);
		} else {
			sendto(fd, r, rl, 0, from, fl);
		}
		free(r);
	}
	r = answer(w, len, &rl, SECRET);
	if (tcp) {
		hdr[0] = (uint8_t)(rl >> 8);
		hdr[1] = (uint8_t)rl;
		assert_int_equal(write(fd, hdr, 2), 2);
		assert_int_equal(write(fd, r, rl), (ssize_t)rl);
	} else {
		sendto(fd, r, rl, 0, from, fl);
	}
	free(r);
}

/* Serve whatever is waiting (blocking reads of whole frames are fine on loopback). */
static void srv_turn(void)
{
	uint8_t buf[70000];
	int fd;

	srv.burst = 0;
	while ((fd = accept4(srv.lst, NULL, NULL, 0)) >= 0) {
		srv.accepts++;
		for (int i = 0; i < 8; i++) {
			if (srv.conn[i] < 0) {
				srv.conn[i] = fd;
				fd = -1;
				break;
			}
		}
		assert_int_equal(fd, -1);
	}
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(srv.udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n <= 0)
			break;
		reply_to(srv.udp, false, buf, (size_t)n, (struct sockaddr *)&from, fl);
	}
	for (int i = 0; i < 8 && !srv.paused; i++) {
		struct pollfd p = { .fd = srv.conn[i], .events = POLLIN };

		while (srv.conn[i] >= 0 && poll(&p, 1, 0) == 1) {
			size_t fl;

			if (read(srv.conn[i], buf, 2) != 2) {
				close(srv.conn[i]);
				srv.conn[i] = -1;
				break;
			}
			fl = (size_t)(buf[0] << 8 | buf[1]);
			for (size_t got = 0; got < fl;) {
				ssize_t n = read(srv.conn[i], buf + got, fl - got);

				assert_true(n > 0);
				got += (size_t)n;
			}
			if (srv.close_next > 0) {
				/* the connection drops with the request unanswered */
				srv.close_next--;
				srv.requests++;
				close(srv.conn[i]);
				srv.conn[i] = -1;
				break;
			}
			reply_to(srv.conn[i], true, buf, fl, NULL, 0);
		}
	}
	/* messages that were in flight at once, as far as one turn sees */
	if (srv.burst > srv.max_burst)
		srv.max_burst = srv.burst;
}

static struct {
	int final, progress;
	int by[DNSENGINE_OUTCOME_MAX_];
	char conflict_name[256];
} seen;

static void on_done(void *arg, const struct dnsengine_change *c, const struct dnsengine_result *r)
{
	(void)arg;
	if (!r->final) {
		seen.progress++;
		return;
	}
	seen.final++;
	seen.by[r->fwd]++;
	if (r->fwd == DNSENGINE_CONFLICT)
		snprintf(seen.conflict_name, sizeof(seen.conflict_name), "%s", c->fqdn);
}

static struct zones *zones_for(uint16_t port)
{
	struct zones *z;
	struct zones_domain *d;
	struct tsig_key k;

	assert_int_equal(zones_new(&z), 0);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256", SECRET, 0), 0);
	assert_int_equal(zones_add_key(z, &k), 0);
	assert_int_equal(zones_add_domain(z, false, "dyn.example.", "k", &d), 0);
	assert_int_equal(zones_add_server(z, d, "127.0.0.1", port, NULL), 0);
	return z;
}

static void change(struct dnsengine_change *c, int i, const char *name)
{
	uint8_t mac[7] = { 1, 2, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

	memset(c, 0, sizeof(*c));
	c->op = DNSENGINE_ADD;
	c->mode = DNSENGINE_CHECK_WITH_DHCID;
	c->fwd = true;
	c->family = 4;
	c->addr[0] = 10;
	c->addr[2] = (uint8_t)(i >> 8);
	c->addr[3] = (uint8_t)i;
	c->ttl = 300;
	if (name)
		snprintf(c->fqdn, sizeof(c->fqdn), "%s", name);
	else
		snprintf(c->fqdn, sizeof(c->fqdn), "h%d.dyn.example.", i);
	assert_int_equal(dhcid_compute(DHCID_ID_HWADDR, mac, 7, c->fqdn, c->dhcid), 0);
}

static void run_until_done(struct dnsengine *e, int max_turns)
{
	for (int t = 0; t < max_turns && dnsengine_pending(e); t++) {
		dnsengine_run(e, 5);
		srv_turn();
	}
}

/* Submit change() @i with @name (NULL: its own), which the engine must take. */
static void submit_one(struct dnsengine *e, int i, const char *name)
{
	struct dnsengine_change c;

	change(&c, i, name);
	assert_int_equal(dnsengine_submit(e, &c), 0);
}

/* Submit changes @from .. @to - 1; the one at @odd_at is named @odd. */
static void submit_range(struct dnsengine *e, int from, int to, int odd_at, const char *odd)
{
	for (int i = from; i < to; i++)
		submit_one(e, i, i == odd_at ? odd : NULL);
}

/* @timeout_max_ms: how long a TCP request with no reply waits before its connection is given up */
static struct dnsengine *setup_max(struct zones **z, unsigned int timeout_ms,
				   unsigned int timeout_max_ms, bool udp)
{
	struct dnsengine_opts o;
	struct dnsengine *e;

	memset(&seen, 0, sizeof(seen));
	srv_start();
	*z = zones_for(srv.port);
	dnsengine_opts_default(&o);
	o.timeout_ms = timeout_ms;
	o.timeout_max_ms = timeout_max_ms;
	o.backoff_base_ms = 20;
	o.max_changes_per_msg = 100;
	o.udp_single = udp;
	assert_int_equal(dnsengine_new(&e, *z, &o, on_done, NULL), 0);
	return e;
}

static struct dnsengine *setup(struct zones **z, unsigned int timeout_ms, bool udp)
{
	return setup_max(z, timeout_ms, timeout_ms * 3, udp);
}

static void teardown_all(struct dnsengine *e, struct zones *z)
{
	dnsengine_free(e);
	zones_free(z);
	srv_stop();
}

static void test_batch_bisect(void **state)
{
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	submit_range(e, 0, 300, 137, "taken.dyn.example.");
	run_until_done(e, 2000);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.final, 300);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 299);
	assert_int_equal(seen.by[DNSENGINE_CONFLICT], 1);
	assert_string_equal(seen.conflict_name, "taken.dyn.example.");
	assert_int_equal(dnsengine_pending(e), 0);
	/* 3 full messages; the failing one split log2(100) ~ 7 times; then add + replace alone */
	assert_true(st.bisections >= 6 && st.bisections <= 8);
	assert_true(st.messages < 30);
	assert_true(srv.max_rrs <= 300 && srv.max_rrs >= 200);
	teardown_all(e, z);
}

/*
 * Messages near 64 KiB: compression pointers reach only the first 16 KiB,
 * so past it each repeat of an owner costs its first label again. Removals
 * (a DHCID prerequisite, two "no address" prerequisites and a delete per
 * name) of long names in 1,000-change batches: each message is sized to fit
 * before it is sent, none has to be split after building (before: 578
 * changes rendered to more than 65,535 bytes, one "cannot send" warning and
 * a bisection each).
 */
static void test_big_messages_fit(void **state)
{
	struct dnsengine_change c;
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 5000, false);
	char name[64];
	const int n = 3000;

	(void)state;
	dnsengine_free(e);
	{
		struct dnsengine_opts o;

		dnsengine_opts_default(&o);
		o.timeout_ms = 5000;
		o.udp_single = false;
		assert_int_equal(dnsengine_new(&e, z, &o, on_done, NULL), 0);
	}
	for (int op = 0; op < 2; op++) {
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "h-10-0-%d-%d.dyn.example.", i >> 8, i & 255);
			change(&c, i, name);
			c.op = op ? DNSENGINE_REMOVE : DNSENGINE_ADD;
			assert_int_equal(dnsengine_submit(e, &c), 0);
		}
		run_until_done(e, 20000);
	}
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.final, 2 * n);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 2 * n);
	assert_int_equal(st.bisections, 0);
	assert_int_equal(dnsengine_pending(e), 0);
	teardown_all(e, z);
}

static void test_forged_reply_ignored(void **state)
{
	struct dnsengine_server_stats ss;
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, true);

	(void)state;
	srv.forge_first = 1;
	submit_one(e, 1, NULL);
	run_until_done(e, 200);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 1);
	assert_int_equal(st.rejected_replies, 1);
	/* the forged reply is no reply: one message, one verified answer */
	assert_int_equal(dnsengine_server_stats(e, 0, &ss), 0);
	assert_int_equal(ss.sent, 1);
	assert_int_equal(ss.replies, 1);
	teardown_all(e, z);
}

static void test_lat_quantile(void **state)
{
	struct dnsengine_server_stats ss = { 0 };

	(void)state;
	assert_true(dnsengine_lat_quantile(&ss, 0.5) == 0);
	/* 10 replies in (0, 1 ms], 10 in (5, 10 ms] */
	ss.lat[0] = 10;
	ss.lat[3] = 10;
	assert_true(fabs(dnsengine_lat_quantile(&ss, 0.25) - 0.0005) < 1e-9);
	assert_true(fabs(dnsengine_lat_quantile(&ss, 0.5) - 0.001) < 1e-9);
	assert_true(fabs(dnsengine_lat_quantile(&ss, 0.75) - 0.0075) < 1e-9);
	/* above every bound: the largest bound */
	ss.lat[DNSENGINE_LAT_BUCKETS] = 1000;
	assert_true(dnsengine_lat_quantile(&ss, 0.99) ==
		    dnsengine_lat_bounds[DNSENGINE_LAT_BUCKETS - 1]);
}

static void test_timeout_retried(void **state)
{
	struct dnsengine_server_stats ss, ss2;
	uint64_t n = 0;
	struct zones *z;
	/* 400 ms: a loaded machine's scheduling must not add a third timeout */
	struct dnsengine *e = setup(&z, 400, false);

	(void)state;
	srv.drop_next = 2;
	srv.servfail_next = 1;
	submit_range(e, 0, 10, -1, NULL);
	run_until_done(e, 3000);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 10);
	assert_true(seen.progress >= 30);	/* 10 changes x (2 timeouts + 1 SERVFAIL) */
	assert_int_equal(srv.requests, 4);
	/* per server: 4 sent, 2 timed out, 2 answered (SERVFAIL, then NOERROR) */
	assert_int_equal(dnsengine_servers(e), 1);
	assert_int_equal(dnsengine_server_stats(e, 0, &ss), 0);
	assert_int_equal(dnsengine_server_stats(e, 1, &ss2), -ENOENT);
	assert_non_null(strstr(ss.server, "127.0.0.1#"));
	assert_string_equal(ss.zone, "dyn.example.");
	assert_int_equal(ss.sent, 4);
	assert_int_equal(ss.timeouts, 2);
	assert_int_equal(ss.neterrs, 0);
	assert_int_equal(ss.replies, 2);
	for (int i = 0; i <= DNSENGINE_LAT_BUCKETS; i++)
		n += ss.lat[i];
	assert_int_equal(n, 2);
	/* two answers, each within its (400 ms, doubled after each timeout) wait */
	assert_true(ss.lat_sum > 0 && ss.lat_sum < 0.8 + 1.6);
	teardown_all(e, z);
}

/*
 * The server applies a 50-change batch but its reply is lost (as a reply
 * slower than the timeout is): the resend fails its prerequisites (the
 * names are in use, by us), and one check-only UPDATE finds every change
 * in place: all applied, nothing bisected.
 */
static void test_resent_already_applied(void **state)
{
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 1000, false);

	(void)state;
	srv.track = 1;
	srv.apply_drop_next = 1;
	submit_range(e, 0, 50, -1, NULL);
	run_until_done(e, 3000);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.final, 50);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 50);
	assert_int_equal(st.bisections, 0);
	assert_int_equal(st.applied_checks, 1);
	assert_int_equal(st.already_applied, 1);
	assert_int_equal(srv.requests, 3);	/* sent, resent, checked */
	teardown_all(e, z);
}

/*
 * A batch whose prerequisites fail really was not applied (a name taken
 * by someone else): the check says so, and bisection finds the one
 * conflict; the other 49 land.
 */
static void test_resent_not_applied(void **state)
{
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 1000, false);

	(void)state;
	srv.track = 1;
	srv.drop_next = 1;	/* lost before it was applied */
	submit_range(e, 0, 50, 20, "taken.dyn.example.");
	run_until_done(e, 3000);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 49);
	assert_int_equal(seen.by[DNSENGINE_CONFLICT], 1);
	assert_int_equal(st.applied_checks, 1);
	assert_int_equal(st.already_applied, 0);
	assert_true(st.bisections >= 5);
	teardown_all(e, z);
}

/* Run turns until the engine has seen @n timeouts from its one server (bounded). */
static void run_until_timeouts(struct dnsengine *e, uint64_t n)
{
	struct dnsengine_server_stats ss = { 0 };

	for (int t = 0; t < 3000; t++) {
		dnsengine_run(e, 5);
		srv_turn();
		if (!dnsengine_server_stats(e, 0, &ss) && ss.timeouts >= n)
			return;
	}
	fail_msg("no timeout seen");
}

/*
 * Over TCP, a reply slower than the timeout is waited for on the same
 * connection: the server sees the batch once and applies it once, the
 * engine notes the slow reply (its timeout grows), nothing is resent,
 * checked or bisected.
 */
static void test_tcp_slow_reply_waited(void **state)
{
	struct dnsengine_server_stats ss;
	struct dnsengine_stats st;
	struct zones *z;
	/* timeout-max-ms far past anything this test waits */
	struct dnsengine *e = setup_max(&z, 50, 60000, false);

	(void)state;
	srv.track = 1;
	srv.hold_next = 1;
	submit_range(e, 0, 50, -1, NULL);
	run_until_timeouts(e, 1);
	/* a few more turns past the timeout: still nothing sent again */
	for (int t = 0; t < 20; t++) {
		dnsengine_run(e, 5);
		srv_turn();
	}
	assert_int_equal(srv.requests, 1);
	assert_int_equal(seen.final, 0);
	srv_release();
	run_until_done(e, 3000);
	dnsengine_get_stats(e, &st);
	assert_int_equal(dnsengine_server_stats(e, 0, &ss), 0);
	assert_int_equal(seen.final, 50);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 50);
	assert_int_equal(srv.requests, 1);
	assert_int_equal(srv.accepts, 1);
	assert_int_equal(st.bisections, 0);
	assert_int_equal(st.applied_checks, 0);
	assert_int_equal(ss.timeouts, 1);
	assert_int_equal(ss.neterrs, 0);
	assert_int_equal(ss.replies, 1);
	assert_true(ss.timeout_ms > 50);	/* the slow reply was noted */
	teardown_all(e, z);
}

/* turns of the loop (5 ms each at most) while the server holds a reply back */
static void turns(struct dnsengine *e, int n)
{
	for (int t = 0; t < n; t++) {
		dnsengine_run(e, 5);
		srv_turn();
	}
}

/* messages the engine sent so far */
static uint64_t sent(struct dnsengine *e)
{
	struct dnsengine_stats st;

	dnsengine_get_stats(e, &st);
	return st.messages;
}

/*
 * A server that queues a zone's UPDATEs (its replies took a hundred times
 * the least seen): the first changes after an idle period go at once, one
 * more small message waits at the server behind the one it works on, and
 * what comes after waits for a reply and then goes as one message, not as
 * a third small UPDATE queued there (on Knot a commit of its own, or more
 * in the same one). The stages see it: every side's queue time, the
 * trigger time the caller gave, the whole change.
 */
static void test_small_batch_held_behind_inflight(void **state)
{
	struct dnsengine_stage_stats sg;
	struct dnsengine_change c;
	struct zones *z;
	struct dnsengine *e = setup_max(&z, 2000, 6000, false);
	uint64_t n = 0, base;

	(void)state;
	submit_one(e, 0, NULL);			/* a quick reply: the least RTT */
	run_until_done(e, 400);
	for (int i = 1; i < 3; i++) {		/* then two the server sits on */
		srv.paused = 1;
		submit_one(e, i, NULL);
		turns(e, 5);
		usleep(250000);
		srv.paused = 0;
		run_until_done(e, 400);
	}
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 3);
	base = sent(e);
	/* idle: the next change goes at once, and one more behind it */
	srv.paused = 1;
	submit_one(e, 3, NULL);
	turns(e, 5);
	submit_one(e, 4, NULL);
	turns(e, 5);
	assert_int_equal(sent(e), base + 2);
	/* ten more while both are there: held (before: a third message at once) */
	for (int i = 5; i < 15; i++) {
		change(&c, i, NULL);
		c.trigger_ms = dnsio_now_ms() - 20;
		assert_int_equal(dnsengine_submit(e, &c), 0);
	}
	turns(e, 10);
	assert_int_equal(sent(e), base + 2);
	srv.paused = 0;
	run_until_done(e, 400);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 15);
	assert_int_equal(sent(e), base + 3);	/* the ten in one message */
	dnsengine_stage_stats(e, &sg);
	for (int k = 0; k <= DNSENGINE_LAT_BUCKETS; k++)
		n += sg.lat[DNSENGINE_STAGE_TRIGGER][k];
	assert_int_equal(n, 10);
	assert_true(sg.sum[DNSENGINE_STAGE_TRIGGER] >= 10 * 0.019);
	n = 0;
	for (int k = 0; k <= DNSENGINE_LAT_BUCKETS; k++)
		n += sg.lat[DNSENGINE_STAGE_QUEUE][k];
	assert_int_equal(n, 15);
	assert_true(sg.sum[DNSENGINE_STAGE_CHANGE] > 0.4);	/* changes 1, 2 waited 250 ms each */
	teardown_all(e, z);
}

/*
 * Over TCP, a request with no reply at all is given up at timeout-max-ms:
 * its connection is closed and the batch resent once on a new one.
 */
static void test_tcp_no_reply_resent_at_max(void **state)
{
	struct dnsengine_server_stats ss;
	struct zones *z;
	struct dnsengine *e = setup(&z, 50, false);	/* timeout-max-ms 150 */

	(void)state;
	srv.drop_next = 1;
	submit_range(e, 0, 10, -1, NULL);
	run_until_done(e, 3000);
	assert_int_equal(dnsengine_server_stats(e, 0, &ss), 0);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 10);
	assert_int_equal(srv.requests, 2);
	assert_int_equal(srv.accepts, 2);
	assert_int_equal(ss.timeouts, 1);
	teardown_all(e, z);
}

/* Over TCP, a connection that closes with the batch unanswered: resent on a new one. */
static void test_tcp_closed_resent(void **state)
{
	struct dnsengine_server_stats ss;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	srv.close_next = 1;
	submit_range(e, 0, 10, -1, NULL);
	run_until_done(e, 3000);
	assert_int_equal(dnsengine_server_stats(e, 0, &ss), 0);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 10);
	assert_int_equal(srv.requests, 2);
	assert_int_equal(srv.accepts, 2);
	assert_int_equal(ss.timeouts, 0);
	assert_int_equal(ss.neterrs, 1);
	teardown_all(e, z);
}

/* Bisecting several batches at once never puts more than max-inflight-per-zone in flight. */
static void test_bisect_within_inflight_cap(void **state)
{
	struct dnsengine_opts o;
	struct dnsengine_change c;
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	srv_start();
	z = zones_for(srv.port);
	dnsengine_opts_default(&o);
	o.max_changes_per_msg = 20;
	o.max_inflight_per_zone = 2;
	o.udp_single = false;
	assert_int_equal(dnsengine_new(&e, z, &o, on_done, NULL), 0);
	for (int i = 0; i < 200; i++) {
		/* one taken name in each of the first two messages */
		change(&c, i, i == 5 ? "taken.dyn.example." : i == 25 ? "taken2.dyn.example." : NULL);
		assert_int_equal(dnsengine_submit(e, &c), 0);
	}
	run_until_done(e, 3000);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 198);
	assert_int_equal(seen.by[DNSENGINE_CONFLICT], 2);
	assert_true(st.bisections >= 8);
	assert_true(srv.max_burst >= 2);
	assert_true(srv.max_burst <= 2);
	teardown_all(e, z);
}

static void test_refused_final(void **state)
{
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	/* refused whatever it holds: bisected down to each change (2n - 1 messages), each final */
	srv.refuse = 1;
	submit_range(e, 0, 5, -1, NULL);
	run_until_done(e, 200);
	assert_int_equal(seen.by[DNSENGINE_REFUSED], 5);
	assert_int_equal(srv.requests, 9);
	assert_int_equal(dnsengine_pending(e), 0);
	teardown_all(e, z);
}

static void test_refused_one_name(void **state)
{
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	/* one name the server refuses costs that change alone, not its 100-change message */
	srv.refuse_name = "bad-.dyn.example.";
	submit_range(e, 0, 300, 42, "bad-.dyn.example.");
	run_until_done(e, 2000);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.final, 300);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 299);
	assert_int_equal(seen.by[DNSENGINE_REFUSED], 1);
	assert_true(st.bisections > 0 && st.bisections <= 8);	/* log2(100) + 1 */
	assert_int_equal(st.server_holds, 0);			/* a name, not the server */
	teardown_all(e, z);
}

static void test_badsig_holds_server(void **state)
{
	struct dnsengine_stats st;
	struct dnsengine_opts o;
	struct zones *z;
	struct dnsengine *e;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	srv_start();
	z = zones_for(srv.port);
	dnsengine_opts_default(&o);
	o.backoff_base_ms = 60000;	/* the first hold: 30..90 s, far beyond this test */
	o.backoff_max_ms = 60000;
	assert_int_equal(dnsengine_new(&e, z, &o, on_done, NULL), 0);
	srv.badsig = 1;
	submit_one(e, 1, NULL);
	run_until_done(e, 200);
	assert_int_equal(seen.by[DNSENGINE_BADSIG], 1);
	assert_int_equal(srv.requests, 1);
	/* more changes while the server is held: queued, not sent, not lost */
	submit_range(e, 2, 50, -1, NULL);
	for (int t = 0; t < 20; t++) {
		dnsengine_run(e, 5);
		srv_turn();
	}
	dnsengine_get_stats(e, &st);
	assert_int_equal(srv.requests, 1);
	assert_int_equal(st.server_holds, 1);
	assert_int_equal(dnsengine_pending(e), 48);
	teardown_all(e, z);
}

static void test_badsig_final(void **state)
{
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	srv.badsig = 1;
	submit_one(e, 1, NULL);
	run_until_done(e, 200);
	assert_int_equal(seen.by[DNSENGINE_BADSIG], 1);
	teardown_all(e, z);
}

/*
 * A REFUSED without a TSIG to a signed UPDATE (PowerDNS's answer to a key
 * it does not accept): the whole message fails at once and the server is
 * held, no bisection into one unsigned refusal per change, never applied.
 */
static void test_unsigned_refusal(void **state)
{
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	srv.unsigned_refuse = 1;
	submit_range(e, 0, 5, -1, NULL);
	run_until_done(e, 200);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.by[DNSENGINE_REFUSED], 5);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 0);
	assert_int_equal(srv.requests, 1);
	assert_int_equal(st.bisections, 0);
	assert_int_equal(st.unsigned_refusals, 1);
	assert_int_equal(st.server_holds, 1);
	assert_int_equal(st.rejected_replies, 0);
	teardown_all(e, z);
}

static void test_same_name_in_order(void **state)
{
	struct dnsengine_change c;
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	/* add, remove, add of one name (three addresses, so none supersedes another):
	 * never in one message, all applied in turn */
	change(&c, 1, "same.dyn.example.");
	assert_int_equal(dnsengine_submit(e, &c), 0);
	c.op = DNSENGINE_REMOVE;
	c.addr[3] = 2;
	assert_int_equal(dnsengine_submit(e, &c), 0);
	c.op = DNSENGINE_ADD;
	c.addr[3] = 3;
	assert_int_equal(dnsengine_submit(e, &c), 0);
	run_until_done(e, 200);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 3);
	/* add; remove address + remove rest; add */
	assert_int_equal(st.messages, 4);
	teardown_all(e, z);
}

static void test_superseded(void **state)
{
	struct dnsengine_change c;
	struct dnsengine_stats st;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	/* add then remove of one lease before anything is sent: only the remove goes out */
	change(&c, 1, "flap.dyn.example.");
	assert_int_equal(dnsengine_submit(e, &c), 0);
	c.op = DNSENGINE_REMOVE;
	assert_int_equal(dnsengine_submit(e, &c), 0);
	assert_int_equal(seen.final, 1);
	assert_int_equal(seen.by[DNSENGINE_SUPERSEDED], 1);
	/* another address for the name is another lease: not superseded */
	change(&c, 2, "flap.dyn.example.");
	assert_int_equal(dnsengine_submit(e, &c), 0);
	assert_int_equal(seen.final, 1);
	run_until_done(e, 200);
	dnsengine_get_stats(e, &st);
	assert_int_equal(seen.final, 3);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 2);
	assert_int_equal(st.superseded, 1);
	/* remove address + remove rest, then the other lease's add: nothing of the first add */
	assert_int_equal(st.messages, 3);
	/* once sent, a change is not superseded */
	change(&c, 3, "sent.dyn.example.");
	assert_int_equal(dnsengine_submit(e, &c), 0);
	dnsengine_run(e, 0);
	c.op = DNSENGINE_REMOVE;
	assert_int_equal(dnsengine_submit(e, &c), 0);
	run_until_done(e, 200);
	assert_int_equal(seen.by[DNSENGINE_SUPERSEDED], 1);
	assert_int_equal(seen.by[DNSENGINE_APPLIED], 4);
	teardown_all(e, z);
}

static void test_nozone_and_invalid(void **state)
{
	struct dnsengine_change c;
	struct zones *z;
	struct dnsengine *e = setup(&z, 2000, false);

	(void)state;
	change(&c, 1, "h1.elsewhere.example.");
	c.rev = true;
	assert_int_equal(dnsengine_submit(e, &c), 0);
	assert_int_equal(seen.by[DNSENGINE_NOZONE], 1);
	c.family = 99;
	assert_int_equal(dnsengine_submit(e, &c), -EINVAL);
	change(&c, 1, NULL);
	strcpy(c.fqdn, "bad..name");
	assert_int_equal(dnsengine_submit(e, &c), -EINVAL);
	/* the root is no host name: never a PTR pointing at it */
	strcpy(c.fqdn, ".");
	c.rev = true;
	assert_int_equal(dnsengine_submit(e, &c), -EINVAL);
	assert_int_equal(dnsengine_pending(e), 0);
	/* ... but one made by an older release can still be removed */
	c.op = DNSENGINE_REMOVE;
	c.fwd = false;
	assert_int_equal(dnsengine_submit(e, &c), 0);
	run_until_done(e, 200);
	assert_int_equal(dnsengine_pending(e), 0);
	assert_int_equal(dnsengine_mode_parse("check-exists-with-dhcid"), DNSENGINE_CHECK_EXISTS_WITH_DHCID);
	assert_int_equal(dnsengine_mode_parse("nope"), -EINVAL);
	teardown_all(e, z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_bisect),   cmocka_unit_test(test_forged_reply_ignored),
		cmocka_unit_test(test_big_messages_fit),
		cmocka_unit_test(test_timeout_retried), cmocka_unit_test(test_lat_quantile), cmocka_unit_test(test_refused_final),
		cmocka_unit_test(test_badsig_final),
		cmocka_unit_test(test_unsigned_refusal),   cmocka_unit_test(test_same_name_in_order),
		cmocka_unit_test(test_superseded),     cmocka_unit_test(test_nozone_and_invalid),
		cmocka_unit_test(test_refused_one_name), cmocka_unit_test(test_badsig_holds_server),
		cmocka_unit_test(test_resent_already_applied), cmocka_unit_test(test_resent_not_applied),
		cmocka_unit_test(test_bisect_within_inflight_cap),
		cmocka_unit_test(test_tcp_slow_reply_waited),
		cmocka_unit_test(test_tcp_no_reply_resent_at_max),
		cmocka_unit_test(test_tcp_closed_resent),
		cmocka_unit_test(test_small_batch_held_behind_inflight),
	};

	log_set_level(getenv("DBG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return cmocka_run_group_tests_name("dnsengine", tests, NULL, NULL);
}
