// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/adopt.c - the read-only DNS probe behind "adopt-existing". Four
 * questions per binding at most (DHCID and A/AAAA at the name, PTR and
 * DHCID at the reverse name), kept @inflight deep through one dnsio loop:
 * TCP connections are shared per server and pipelined, so 100,000 leases
 * cost seconds, not a round trip each. Queries are TSIG-signed with the
 * server's key and the replies verified, as for UPDATEs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user/dns/adopt.h"
#include "user/dns/dnsio.h"
#include "user/dns/dnsmsg.h"
#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"
#include "user/dns/tsig.h"

#define ADOPT_INFLIGHT_DEF 256
#define ADOPT_TIMEOUT_DEF 2000
#define ADOPT_RR_MAX 16		/* answer RRs looked at per question */

struct adopt_probe;

struct slot {
	struct adopt_probe *p;
	size_t item;
	enum adopt_kind kind;
	char qname[ZONES_NAME_MAX];
	uint16_t qtype;
	const struct tsig_key *key;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	struct slot *next_free;
};

struct adopt_probe {
	struct dnsio *io;
	struct adopt_item *items;
	size_t n, next, total;	/* items; questions issued (item * ADOPT_KINDS + kind) of total */
	bool done;
	uint8_t *bits;		/* per item: checks answered with a match (1 << enum adopt_kind) */
	struct slot *slots, *free;
	size_t active;
	unsigned int timeout_ms;
	struct adopt_stats st;
};

static const struct zones_domain *kind_domain(const struct adopt_item *it, enum adopt_kind k)
{
	return k <= ADOPT_FWD_ADDR ? it->fz : it->rz;
}

int adopt_want(const struct adopt_item *it, enum adopt_kind k, char *name, size_t cap,
	       uint16_t *type, const uint8_t **rdata, size_t *len)
{
	if (!kind_domain(it, k))
		return -EINVAL;
	switch (k) {
	case ADOPT_FWD_DHCID:
	case ADOPT_FWD_ADDR:
		if ((size_t)snprintf(name, cap, "%s", it->fqdn) >= cap)
			return -EINVAL;
		break;
	case ADOPT_REV_PTR:
	case ADOPT_REV_DHCID:
		if (zones_reverse_name(it->family, it->addr, name, cap))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	switch (k) {
	case ADOPT_FWD_ADDR:
		*type = it->family == 4 ? DNSMSG_TYPE_A : DNSMSG_TYPE_AAAA;
		*rdata = it->addr;
		*len = util_addr_len(it->family);
		break;
	case ADOPT_REV_PTR:
		*type = DNSMSG_TYPE_PTR;
		*rdata = (const uint8_t *)it->fqdn;
		*len = strlen(it->fqdn) + 1;
		break;
	default:
		*type = DNSMSG_TYPE_DHCID;
		*rdata = it->dhcid;
		*len = DHCID_RDATA_LEN;
		break;
	}
	return 0;
}

bool adopt_rr_match(const struct adopt_item *it, enum adopt_kind k, uint16_t type,
		    const uint8_t *rdata, size_t len)
{
	char name[ZONES_NAME_MAX];
	const uint8_t *want;
	uint16_t wtype;
	size_t wlen;

	if (adopt_want(it, k, name, sizeof(name), &wtype, &want, &wlen))
		return false;
	return type == wtype && len == wlen && !memcmp(rdata, want, len);
}

void adopt_items_reset(struct adopt_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		items[i].fwd_ok = items[i].rev_ok = items[i].failed = false;
		items[i].fwd_dhcid = items[i].rev_dhcid = false;
	}
}

void adopt_verdict(struct adopt_item *it, unsigned int found)
{
	it->fwd_ok = it->fz && (found & (1u << ADOPT_FWD_DHCID)) &&
		     (found & (1u << ADOPT_FWD_ADDR));
	it->rev_ok = it->rz && (found & (1u << ADOPT_REV_PTR)) &&
		     (found & (1u << ADOPT_REV_DHCID));
	it->fwd_dhcid = it->fz && (found & (1u << ADOPT_FWD_DHCID));
	it->rev_dhcid = it->rz && (found & (1u << ADOPT_REV_DHCID));
}

static bool rr_match(const struct slot *s, const struct adopt_item *it, const struct dnsmsg_rr *rr)
{
	/* a PTR's target as the parser gives it: lower case, trailing dot */
	if (rr->type == DNSMSG_TYPE_PTR)
		return adopt_rr_match(it, s->kind, rr->type, (const uint8_t *)rr->name,
				      strlen(rr->name) + 1);
	return rr->rdlen <= sizeof(rr->rdata) &&
	       adopt_rr_match(it, s->kind, rr->type, rr->rdata, rr->rdlen);
}

static void slot_release(struct adopt_probe *p, struct slot *s)
{
	s->next_free = p->free;
	p->free = s;
	p->active--;
}

static int on_reply(void *arg, int status, const uint8_t *msg, size_t len)
{
	struct slot *s = arg;
	struct adopt_probe *p = s->p;
	struct adopt_item *it = &p->items[s->item];
	struct dnsmsg_rr rrs[ADOPT_RR_MAX];
	struct dnsmsg_reply r;
	size_t n = 0;
	int terr = 0, err;

	if (status) {
		it->failed = true;
		p->st.failures++;
		pr_debug("adopt: no answer for '%s' type %u (%s)", s->qname, s->qtype,
			 ls_strerror(status));
		slot_release(p, s);
		return 0;
	}
	err = dnsmsg_parse_answer(msg, len, s->qtype, &r, rrs, ADOPT_RR_MAX, &n);
	if (err || !r.qr || r.opcode != 0 || strcmp(r.zone, s->qname))
		return -1;	/* not the answer to this question: keep waiting */
	if (s->key) {
		err = tsig_verify(s->key, msg, len, s->mac, s->mac_len, time(NULL), &terr);
		if (err) {
			pr_warn("adopt: answer for '%s' ignored (%s)", s->qname, ls_strerror(err));
			return -1;
		}
	}
	p->st.answers++;
	if (r.rcode != 0 && r.rcode != 3) {	/* NOERROR and NXDOMAIN are answers */
		it->failed = true;
		p->st.failures++;
		pr_debug("adopt: '%s' type %u answered %s", s->qname, s->qtype,
			 dnsmsg_rcode_name(r.rcode));
	} else {
		for (size_t i = 0; i < n; i++)
			if (rr_match(s, it, &rrs[i])) {
				p->bits[s->item] |= (uint8_t)(1u << s->kind);
				break;
			}
	}
	slot_release(p, s);
	return 0;
}

/* Ask question @k of item @i. */
static int issue(struct adopt_probe *p, size_t i, enum adopt_kind k)
{
	struct adopt_item *it = &p->items[i];
	const struct zones_domain *d = kind_domain(it, k);
	const struct zones_server *sv = NULL;
	struct dnsio_peer *peer = NULL;
	struct slot *s = p->free;
	uint8_t *wire = NULL;
	size_t len = 0;
	uint16_t id;
	int err;

	for (size_t j = 0; j < d->nservers && !sv; j++) {
		peer = dnsio_peer_get(p->io, (const struct sockaddr *)&d->servers[j].addr,
				      d->servers[j].addr_len, d->servers[j].text);
		if (!peer)
			return -ENOMEM;
		if (dnsio_peer_usable(peer))
			sv = &d->servers[j];
	}
	if (!sv)
		return LS_EDNS_NOSERVER;
	p->free = s->next_free;
	p->active++;
	s->item = i;
	s->kind = k;
	s->key = sv->key;
	/*
	 * A GSS-TSIG server (RFC 3645) has no key to sign with before a
	 * context is negotiated, and these are plain reads (Active Directory
	 * and BIND answer them unsigned): ask unsigned, as for a key-less zone.
	 */
	if (sv->gss || (s->key && s->key->alg == TSIG_GSS_TSIG))
		s->key = NULL;
	s->mac_len = 0;
	{
		const uint8_t *rd;
		size_t rl;

		err = adopt_want(it, k, s->qname, sizeof(s->qname), &s->qtype, &rd, &rl);
		if (err)
			goto fail;
	}
	id = dnsio_alloc_id(peer);
	err = dnsmsg_query_to_wire(s->qname, s->qtype, id, 512, &wire, &len);
	if (!err && s->key)
		err = tsig_sign(s->key, wire, &len, len + 512, time(NULL), s->mac, &s->mac_len);
	if (!err)
		err = dnsio_send(p->io, peer, true, wire, len, id, p->timeout_ms, on_reply, s);
	free(wire);
	if (err)
		goto fail;
	p->st.queries++;
	return 0;
fail:
	slot_release(p, s);
	return err;
}

/* Issue questions while slots are free. 0, or -ENOMEM (the probe then gives up). */
static int fill(struct adopt_probe *p)
{
	while (p->free && p->next < p->total) {
		size_t i = p->next / ADOPT_KINDS;
		enum adopt_kind k = (enum adopt_kind)(p->next % ADOPT_KINDS);
		int e;

		p->next++;
		if (!kind_domain(&p->items[i], k) || p->items[i].failed)
			continue;
		e = issue(p, i, k);
		if (e) {
			p->items[i].failed = true;
			p->st.failures++;
			if (e == -ENOMEM)
				return e;
		}
	}
	return 0;
}

int adopt_probe_start(struct adopt_probe **out, struct adopt_item *items, size_t n,
		      unsigned int inflight, unsigned int timeout_ms)
{
	struct adopt_probe *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (!inflight)
		inflight = ADOPT_INFLIGHT_DEF;
	p->items = items;
	p->n = n;
	p->total = n * ADOPT_KINDS;
	p->timeout_ms = timeout_ms ? timeout_ms : ADOPT_TIMEOUT_DEF;
	adopt_items_reset(items, n);
	p->bits = calloc(n ? n : 1, 1);
	p->slots = calloc(inflight, sizeof(*p->slots));
	err = p->bits && p->slots ? dnsio_new(&p->io) : -ENOMEM;
	if (err) {
		adopt_probe_free(p, NULL);
		return err;
	}
	for (size_t i = 0; i < inflight; i++) {
		p->slots[i].p = p;
		p->slots[i].next_free = p->free;
		p->free = &p->slots[i];
	}
	err = fill(p);
	if (err) {
		adopt_probe_free(p, NULL);
		return err;
	}
	*out = p;
	return 0;
}

int adopt_probe_fd(const struct adopt_probe *p)
{
	return dnsio_fd(p->io);
}

int adopt_probe_run(struct adopt_probe *p)
{
	int err;

	if (p->done)
		return 1;
	if (p->active) {
		err = dnsio_poll(p->io, 0);
		if (err < 0 && err != -EINTR)
			goto fail;
	}
	err = fill(p);
	if (err)
		goto fail;
	if (p->next < p->total || p->active)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		adopt_verdict(&p->items[i], p->bits[i]);
	p->done = true;
	return 1;
fail:
	pr_err("adopt: probing DNS failed (%s)", ls_strerror(err));
	return err;
}

void adopt_probe_get_stats(const struct adopt_probe *p, struct adopt_stats *st)
{
	if (!p || !st)
		return;
	st->queries += p->st.queries;
	st->answers += p->st.answers;
	st->failures += p->st.failures;
}

void adopt_probe_free(struct adopt_probe *p, struct adopt_stats *st)
{
	if (!p)
		return;
	adopt_probe_get_stats(p, st);
	dnsio_free(p->io);
	free(p->slots);
	free(p->bits);
	free(p);
}

int adopt_probe(struct adopt_item *items, size_t n, unsigned int inflight,
		unsigned int timeout_ms, struct adopt_stats *st)
{
	struct adopt_probe *p;
	int err = adopt_probe_start(&p, items, n, inflight, timeout_ms);

	while (!err) {
		struct pollfd pfd = { .fd = adopt_probe_fd(p), .events = POLLIN };

		err = adopt_probe_run(p);
		if (err)
			break;
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			err = -errno;
	}
	adopt_probe_free(p, st);
	return err < 0 ? err : 0;
}
