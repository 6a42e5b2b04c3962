// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dnsmsg.c - UPDATE building and reply parsing on top of ldns. The
 * zone section is the question section, prerequisites the answer section
 * and updates the authority section (RFC 2136 §2); ldns compresses names
 * when rendering, which keeps large batched messages small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <ldns/ldns.h>

#include "user/dnsmsg.h"
#include "user/errcode.h"
#include "user/log.h"

struct dnsmsg {
	ldns_pkt *pkt;
	size_t nrr;
};

int dnsmsg_new(struct dnsmsg **out, const char *zone)
{
	struct dnsmsg *m;
	ldns_rdf *zn;
	ldns_rr *q;

	zn = ldns_dname_new_frm_str(zone);
	if (!zn)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	q = ldns_rr_new();
	m ? (m->pkt = ldns_pkt_new()) : NULL;
	if (!m || !q || !m->pkt) {
		ldns_rdf_deep_free(zn);
		ldns_rr_free(q);
		if (m)
			ldns_pkt_free(m->pkt);
		free(m);
		return -ENOMEM;
	}
	ldns_rr_set_owner(q, zn);
	ldns_rr_set_type(q, LDNS_RR_TYPE_SOA);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_set_opcode(m->pkt, LDNS_PACKET_UPDATE);
	ldns_pkt_push_rr(m->pkt, LDNS_SECTION_QUESTION, q);
	*out = m;
	return 0;
}

void dnsmsg_free(struct dnsmsg *m)
{
	if (!m)
		return;
	ldns_pkt_free(m->pkt);
	free(m);
}

int dnsmsg_add_rr(struct dnsmsg *m, enum dnsmsg_sect sect, const char *owner, uint16_t type,
		  uint16_t rrclass, uint32_t ttl, const void *rdata, size_t rdlen)
{
	ldns_rdf *on, *rd = NULL;
	ldns_rr *rr;

	on = ldns_dname_new_frm_str(owner);
	if (!on)
		return -EINVAL;
	if (rdata) {
		switch (type) {
		case DNSMSG_TYPE_A:
			rd = rdlen == 4 ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, rdata) : NULL;
			break;
		case DNSMSG_TYPE_AAAA:
			rd = rdlen == 16 ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, rdata) : NULL;
			break;
		case DNSMSG_TYPE_PTR:
			rd = ldns_dname_new_frm_str(rdata);
			break;
		default:
			rd = rdlen ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, rdlen, rdata) : NULL;
			break;
		}
		if (!rd) {
			ldns_rdf_deep_free(on);
			return -EINVAL;
		}
	}
	rr = ldns_rr_new();
	if (!rr) {
		ldns_rdf_deep_free(on);
		ldns_rdf_deep_free(rd);
		return -ENOMEM;
	}
	ldns_rr_set_owner(rr, on);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, rrclass);
	ldns_rr_set_ttl(rr, ttl);
	if (rd)
		ldns_rr_push_rdf(rr, rd);
	ldns_pkt_push_rr(m->pkt, sect == DNSMSG_PREREQ ? LDNS_SECTION_ANSWER : LDNS_SECTION_AUTHORITY,
			 rr);
	m->nrr++;
	return 0;
}

size_t dnsmsg_rr_count(const struct dnsmsg *m)
{
	return m->nrr;
}

int dnsmsg_to_wire(const struct dnsmsg *m, uint16_t id, size_t room, uint8_t **buf, size_t *len)
{
	uint8_t *w = NULL, *out;
	size_t n = 0;
	ldns_status st;

	ldns_pkt_set_id(m->pkt, id);
	st = ldns_pkt2wire(&w, m->pkt, &n);
	if (st != LDNS_STATUS_OK) {
		pr_err("dnsmsg: cannot render UPDATE (%s)", ldns_get_errorstr_by_id(st));
		return LS_ELDNS;
	}
	out = realloc(w, n + room);
	if (!out) {
		free(w);
		return -ENOMEM;
	}
	*buf = out;
	*len = n;
	return 0;
}

int dnsmsg_parse_reply(const uint8_t *buf, size_t len, struct dnsmsg_reply *r)
{
	ldns_pkt *p = NULL;
	ldns_rr_list *q;

	memset(r, 0, sizeof(*r));
	if (len < 12 || ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK)
		return LS_EDNS_FORMAT;
	r->id = ldns_pkt_id(p);
	r->qr = ldns_pkt_qr(p);
	r->opcode = ldns_pkt_get_opcode(p);
	r->rcode = ldns_pkt_get_rcode(p);
	q = ldns_pkt_question(p);
	if (q && ldns_rr_list_rr_count(q) > 0) {
		char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(q, 0)));

		if (s) {
			size_t i;

			for (i = 0; s[i] && i + 1 < sizeof(r->zone); i++)
				r->zone[i] = (char)tolower((unsigned char)s[i]);
			r->zone[i] = 0;
			free(s);
		}
	}
	ldns_pkt_free(p);
	return 0;
}

const char *dnsmsg_rcode_name(int rcode)
{
	static const char *const n[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
					 "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
					 "NOTZONE" };

	return rcode >= 0 && rcode < (int)(sizeof(n) / sizeof(n[0])) ? n[rcode] : "RCODE?";
}
