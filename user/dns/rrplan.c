// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/rrplan.c - the RFC 4703 §5 sequences as tables of RRs. Each
 * step function lists its RRs with put(); nothing here touches a message.
 */
#include "user/dns/rrplan.h"
#include "user/dns/dhcid.h"
#include "user/common/util.h"

struct plan_ctx {
	struct rrplan *out;
	const struct rrplan_in *in;
};

size_t rrplan_rdlen(enum rrplan_rdata rd, int family, size_t fqdn_len)
{
	switch (rd) {
	case RRPLAN_RD_ADDR:
		return util_addr_len(family);
	case RRPLAN_RD_DHCID:
		return DHCID_RDATA_LEN;
	case RRPLAN_RD_FQDN:
		return fqdn_len;
	case RRPLAN_RD_NONE:
		break;
	}
	return 0;
}

static void put_est(struct plan_ctx *c, enum dnsmsg_sect sect, uint16_t type, uint16_t cls,
		    bool ttl, enum rrplan_rdata rd, size_t est_rdlen)
{
	struct rrplan *o = c->out;

	if (o->n < RRPLAN_RR_MAX)
		o->rr[o->n++] = (struct rrplan_rr){ sect, type, cls, ttl, rd };
	o->size += 2 + 10 + est_rdlen;	/* owner compressed to a pointer */
	if (sect == DNSMSG_PREREQ) {
		o->npre++;
		o->pre_size += 2 + 10 + est_rdlen;
	}
}

static void put(struct plan_ctx *c, enum dnsmsg_sect sect, uint16_t type, uint16_t cls, bool ttl,
		enum rrplan_rdata rd)
{
	put_est(c, sect, type, cls, ttl, rd, rrplan_rdlen(rd, c->in->family, c->in->fqdn_len));
}

static uint16_t addr_type(const struct rrplan_in *in)
{
	return in->family == 4 ? DNSMSG_TYPE_A : DNSMSG_TYPE_AAAA;
}

static bool with_dhcid(const struct rrplan_in *in)
{
	return in->mode != DNSENGINE_NO_CHECK_WITHOUT_DHCID;
}

static bool checks(const struct rrplan_in *in)
{
	return in->mode == DNSENGINE_CHECK_WITH_DHCID ||
	       in->mode == DNSENGINE_CHECK_EXISTS_WITH_DHCID;
}

/*
 * The DHCID prerequisite: "matches our value" or, in check-exists mode,
 * "exists"; estimated at a DHCID's length either way.
 */
static void prereq_dhcid(struct plan_ctx *c)
{
	if (c->in->mode == DNSENGINE_CHECK_EXISTS_WITH_DHCID)
		put_est(c, DNSMSG_PREREQ, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_ANY, false, RRPLAN_RD_NONE,
			DHCID_RDATA_LEN);
	else
		put(c, DNSMSG_PREREQ, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_IN, false, RRPLAN_RD_DHCID);
}

static void plan_update(struct plan_ctx *c)
{
	const struct rrplan_in *in = c->in;
	const uint16_t at = addr_type(in);

	switch (in->step) {
	case RRPLAN_FWD_ADD:
		if (checks(in)) {
			/* RFC 2136 §2.4.5: name is not in use */
			put(c, DNSMSG_PREREQ, DNSMSG_TYPE_ANY, DNSMSG_CLASS_NONE, false, RRPLAN_RD_NONE);
		} else {
			put(c, DNSMSG_UPDATE, at, DNSMSG_CLASS_ANY, false, RRPLAN_RD_NONE);
			if (with_dhcid(in))
				put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_ANY, false,
				    RRPLAN_RD_NONE);
		}
		put(c, DNSMSG_UPDATE, at, DNSMSG_CLASS_IN, true, RRPLAN_RD_ADDR);
		if (with_dhcid(in))
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_IN, true, RRPLAN_RD_DHCID);
		break;
	case RRPLAN_FWD_REPLACE:
		prereq_dhcid(c);
		put(c, DNSMSG_UPDATE, at, DNSMSG_CLASS_ANY, false, RRPLAN_RD_NONE);
		if (in->mode == DNSENGINE_CHECK_EXISTS_WITH_DHCID)
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_ANY, false,
			    RRPLAN_RD_NONE);
		put(c, DNSMSG_UPDATE, at, DNSMSG_CLASS_IN, true, RRPLAN_RD_ADDR);
		if (in->mode == DNSENGINE_CHECK_EXISTS_WITH_DHCID)
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_IN, true, RRPLAN_RD_DHCID);
		break;
	case RRPLAN_FWD_REM_ADDR:
		if (checks(in))
			prereq_dhcid(c);
		/* RFC 2136 §2.5.4: delete one RR from an RRset */
		put(c, DNSMSG_UPDATE, at, DNSMSG_CLASS_NONE, false, RRPLAN_RD_ADDR);
		if (in->mode == DNSENGINE_NO_CHECK_WITH_DHCID)
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_NONE, false,
			    RRPLAN_RD_DHCID);
		break;
	case RRPLAN_FWD_REM_RRS:
		/* RFC 4703 §5.5: drop the DHCID only once no address is left */
		prereq_dhcid(c);
		put(c, DNSMSG_PREREQ, DNSMSG_TYPE_A, DNSMSG_CLASS_NONE, false, RRPLAN_RD_NONE);
		put(c, DNSMSG_PREREQ, DNSMSG_TYPE_AAAA, DNSMSG_CLASS_NONE, false, RRPLAN_RD_NONE);
		put(c, DNSMSG_UPDATE, DNSMSG_TYPE_ANY, DNSMSG_CLASS_ANY, false, RRPLAN_RD_NONE);
		break;
	case RRPLAN_REV_ADD:
		/* RFC 4703 §5.4: reverse replacement has no prerequisite */
		put(c, DNSMSG_UPDATE, DNSMSG_TYPE_PTR, DNSMSG_CLASS_ANY, false, RRPLAN_RD_NONE);
		if (with_dhcid(in))
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_ANY, false,
			    RRPLAN_RD_NONE);
		put(c, DNSMSG_UPDATE, DNSMSG_TYPE_PTR, DNSMSG_CLASS_IN, true, RRPLAN_RD_FQDN);
		if (with_dhcid(in))
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_IN, true, RRPLAN_RD_DHCID);
		break;
	case RRPLAN_REV_REM:
		if (checks(in)) {
			/* RFC 2136 §2.4.2: the PTR still names our client */
			put(c, DNSMSG_PREREQ, DNSMSG_TYPE_PTR, DNSMSG_CLASS_IN, false, RRPLAN_RD_FQDN);
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_ANY, DNSMSG_CLASS_ANY, false, RRPLAN_RD_NONE);
		} else {
			put(c, DNSMSG_UPDATE, DNSMSG_TYPE_PTR, DNSMSG_CLASS_NONE, false, RRPLAN_RD_FQDN);
			if (with_dhcid(in))
				put(c, DNSMSG_UPDATE, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_NONE, false,
				    RRPLAN_RD_DHCID);
		}
		break;
	}
}

/*
 * The prerequisites that hold once the step was applied (RFC 2136 §2.4:
 * value-dependent "RRset exists" compares the whole RRset, and nothing else
 * of ours touches a busy name meanwhile): our address and DHCID after an
 * add, the address RRset or the name gone after a removal.
 */
static void plan_check(struct plan_ctx *c)
{
	const struct rrplan_in *in = c->in;

	switch (in->step) {
	case RRPLAN_FWD_ADD:
	case RRPLAN_FWD_REPLACE:
		put(c, DNSMSG_PREREQ, addr_type(in), DNSMSG_CLASS_IN, false, RRPLAN_RD_ADDR);
		if (with_dhcid(in))
			put(c, DNSMSG_PREREQ, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_IN, false, RRPLAN_RD_DHCID);
		break;
	case RRPLAN_FWD_REM_ADDR:
		/* the usual case, one address per name; another one left fails it: bisected */
		put(c, DNSMSG_PREREQ, addr_type(in), DNSMSG_CLASS_NONE, false, RRPLAN_RD_NONE);
		break;
	case RRPLAN_FWD_REM_RRS:
		put(c, DNSMSG_PREREQ, DNSMSG_TYPE_ANY, DNSMSG_CLASS_NONE, false, RRPLAN_RD_NONE);
		break;
	case RRPLAN_REV_ADD:
		put(c, DNSMSG_PREREQ, DNSMSG_TYPE_PTR, DNSMSG_CLASS_IN, false, RRPLAN_RD_FQDN);
		if (with_dhcid(in))
			put(c, DNSMSG_PREREQ, DNSMSG_TYPE_DHCID, DNSMSG_CLASS_IN, false, RRPLAN_RD_DHCID);
		break;
	case RRPLAN_REV_REM:
		put(c, DNSMSG_PREREQ, DNSMSG_TYPE_PTR, DNSMSG_CLASS_NONE, false, RRPLAN_RD_NONE);
		break;
	}
}

void rrplan_make(struct rrplan *out, const struct rrplan_in *in)
{
	struct plan_ctx c = { out, in };

	out->n = 0;
	out->size = 0;
	out->npre = 0;
	out->pre_size = 0;
	if (in->check)
		plan_check(&c);
	else
		plan_update(&c);
	out->size += in->owner_len + 1 + 4;	/* 4: margin for what ldns leaves uncompressed */
}
