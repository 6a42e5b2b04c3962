/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/leaseinfo.h - per-lease lookup ("why has this client no record?"):
 * the control commands lease4-get / lease6-get (Kea's argument style,
 * {"ip-address": …} or {"hostname": …}) and their client, `leasesnoop
 * --lease ADDRESS|NAME`. The daemon's answer joins the lease row Kea holds,
 * what the reconciler decided there and why (reconcile_explain(): the very
 * decision a sync acts on), its queue state and last outcome, and the
 * binding the ownership store holds. The client then asks the zones'
 * servers what they answer now (A/AAAA/PTR/DHCID, read-only, short
 * timeout), in its own process: the daemon's loop never waits on DNS for it.
 * It sits on top, beside the daemon, because it reads the sync part.
 */
#ifndef LS_LEASEINFO_H
#define LS_LEASEINFO_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "user/ctl/config.h"
#include "user/lease/leases.h"
#include "user/sync/owner.h"
#include "user/sync/reconcile.h"

/* What the daemon holds that a lookup reads; NULL where a part is off. */
struct leaseinfo_sources {
	const struct config *cfg;
	const struct reconcile *rec;
	struct owner *owner;
	const struct leases *tab[2];	/* v4, v6 */
};

/* The verdict at one address, in one word (leaseinfo_verdict()). */
enum leaseinfo_state {
	LEASEINFO_UNKNOWN = 0,	/* no lease and nothing owned */
	LEASEINFO_PUBLISHED,	/* the server applied the binding */
	LEASEINFO_NOT_PUBLISHED,	/* the decision is: no records (why says why) */
	LEASEINFO_PENDING,	/* wanted (or being removed), not yet done */
	LEASEINFO_CONFLICT,	/* the name holds another client's DHCID: left alone */
	LEASEINFO_FAILED,	/* the server refused it */
	LEASEINFO_HELD,		/* refused in a row: full passes leave it alone a while */
	LEASEINFO_STATE_MAX_,
};

/* leaseinfo_state_name() - "published", "not-published", … */
const char *leaseinfo_state_name(enum leaseinfo_state s);

/*
 * leaseinfo_verdict() - the verdict from the reconciler's explanation @x and
 * the store's binding @o (NULL: none), with the reason in words in @why.
 * Pure.
 */
enum leaseinfo_state leaseinfo_verdict(const struct reconcile_explain *x,
				       const struct owner_rec *o, char *why, size_t cap);

/*
 * leaseinfo_parse_args() - Kea's lease4-get / lease6-get arguments: an
 * "ip-address" of @family into @addr (returns 1), or a "hostname" into
 * *@name (returns 2). Returns -EINVAL with *@err set for anything else.
 * Pure.
 */
int leaseinfo_parse_args(const json_t *args, int family, uint8_t addr[16], const char **name,
			 const char **err);

/*
 * leaseinfo_owned_row() - the JSON of one stored binding (leases-owned's
 * rows). New reference, NULL on ENOMEM.
 */
json_t *leaseinfo_owned_row(const struct owner_rec *o);

/*
 * leaseinfo_get() - answer lease4-get (@family 4) or lease6-get (6) with
 * @args: a control_answer() (result 3, "empty", as Kea when there is no
 * lease and nothing owned there). Never blocks: no DNS is asked here.
 */
json_t *leaseinfo_get(const struct leaseinfo_sources *src, int family, const json_t *args);

/*
 * leaseinfo_cmd() - `leasesnoop --lease ADDRESS|NAME`: ask the daemon at
 * @sock (lease4-get / lease6-get; a name is looked up in both families),
 * then each zone's server what it answers now (@timeout_ms per query), and
 * print it readably (@json: the daemon's answers with a "dns-now" member,
 * one JSON line each). Returns 0 when a lease or binding was found,
 * -ENOENT when none was, or a negative errno (logged).
 */
int leaseinfo_cmd(const char *sock, const char *what, int json, unsigned int timeout_ms,
		  FILE *out);

#endif
