/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dns/rrplan.h - which RRs one step of an RFC 4703 sequence puts into
 * an UPDATE (prerequisites and updates, as Kea D2 builds them), and the
 * estimate of their wire size the engine batches by. Pure: no message, no
 * allocation; dnsengine.c writes the planned RRs with dnsmsg_add_rr().
 */
#ifndef LS_RRPLAN_H
#define LS_RRPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/dns/dnsengine.h"
#include "user/dns/dnsmsg.h"

/* The steps of the sequences: a unit of a change is at one of them. */
enum rrplan_step {
	RRPLAN_FWD_ADD,		/* prereq: name not in use (check modes) */
	RRPLAN_FWD_REPLACE,	/* prereq: DHCID matches / exists */
	RRPLAN_FWD_REM_ADDR,	/* remove our address */
	RRPLAN_FWD_REM_RRS,	/* remove the rest if no address is left */
	RRPLAN_REV_ADD,
	RRPLAN_REV_REM,
};

/* The RDATA of a planned RR: nothing, or one of the change's values. */
enum rrplan_rdata {
	RRPLAN_RD_NONE,
	RRPLAN_RD_ADDR,		/* the A/AAAA address */
	RRPLAN_RD_DHCID,	/* the DHCID RDATA (DHCID_RDATA_LEN bytes) */
	RRPLAN_RD_FQDN,		/* the client's name, as PTR RDATA */
};

struct rrplan_rr {
	enum dnsmsg_sect sect;
	uint16_t type, cls;
	bool ttl;		/* the change's TTL; otherwise 0 */
	enum rrplan_rdata rd;
};

#define RRPLAN_RR_MAX 6		/* the most a step takes is 5 (replace, check-exists mode) */

struct rrplan {
	struct rrplan_rr rr[RRPLAN_RR_MAX];
	size_t n;
	size_t size;		/* wire size estimate of the RRs (see rrplan_make()) */
	size_t npre;		/* how many of them are prerequisites (written first) */
	size_t pre_size;	/* the estimate of those alone, the owner not counted */
};

/* What the plan depends on. */
struct rrplan_in {
	enum rrplan_step step;
	enum dnsengine_mode mode;
	int family;		/* 4 or 6 */
	bool check;		/* only the prerequisites that hold once the step was applied */
	size_t owner_len;	/* strlen() of the owner name */
	size_t fqdn_len;	/* strlen() of the client's name + 1 */
};

/*
 * rrplan_make() - the RRs of @in's step into @out, in message order. With
 * @in->check, instead the prerequisites alone that hold once the step was
 * applied (RFC 2136 §2.4): a message of these asks the server whether a
 * batch that got no reply in time was applied after all. out->size grows
 * by 12 + RDATA length per RR (the owner compressed to a pointer, as ldns
 * does), plus the owner name once in full and 4 bytes of margin; a DHCID
 * prerequisite counts a DHCID's length even where it carries none.
 */
void rrplan_make(struct rrplan *out, const struct rrplan_in *in);

/* rrplan_rdlen() - the RDATA length of @rd for a change of @family with @fqdn_len. */
size_t rrplan_rdlen(enum rrplan_rdata rd, int family, size_t fqdn_len);

#endif
