// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/sync/sweep.c - the orphan sweep's decision (sweep.h): per name, the
 * DHCID held, whose client it is, and whether that client still has the
 * lease the records were for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/dns/dnsmsg.h"
#include "user/sync/sweep.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a > b && !strcmp(s + a - b, tail);
}

int sweep_reverse_addr(const char *name, uint8_t addr[16])
{
	const char *p = name;

	memset(addr, 0, 16);
	if (ends_with(name, ".in-addr.arpa.")) {
		/* d.c.b.a.in-addr.arpa.: decimal labels, no leading zeros */
		for (int i = 3; i >= 0; i--) {
			unsigned int v = 0, digits = 0;

			for (; *p >= '0' && *p <= '9'; p++, digits++)
				v = v * 10 + (unsigned int)(*p - '0');
			if (!digits || digits > 3 || v > 255 || (digits > 1 && p[-(int)digits] == '0') ||
			    *p++ != '.')
				return -EINVAL;
			addr[i] = (uint8_t)v;
		}
		return strcmp(p, "in-addr.arpa.") ? -EINVAL : 4;
	}
	/* n.n.….n.ip6.arpa.: 32 nibbles, the least significant first */
	for (int i = 31; i >= 0; i--) {
		int h = hexval(p[0]);

		if (h < 0 || p[1] != '.')
			return -EINVAL;
		addr[i / 2] |= (uint8_t)(i % 2 ? h : h << 4);
		p += 2;
	}
	return strcmp(p, "ip6.arpa.") ? -EINVAL : 6;
}

size_t sweep_name(const char *name, const struct zdiff_rr *rrs, size_t n, bool reverse,
		  const struct sweep_ops *ops, sweep_fn cb, void *arg, struct sweep_counts *cnt)
{
	const struct zdiff_rr *dh = NULL, *ptr = NULL;
	struct sweep_orphan o;
	uint8_t laddr[16];
	size_t ndh = 0, nptr = 0, naddr = 0, handed = 0;
	int lfam = 0;

	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type == DNSMSG_TYPE_DHCID)
			dh = &rrs[i], ndh++;
		else if (rrs[i].type == DNSMSG_TYPE_PTR)
			ptr = &rrs[i], nptr++;
		else if ((rrs[i].type == DNSMSG_TYPE_A && rrs[i].len == 4) ||
			 (rrs[i].type == DNSMSG_TYPE_AAAA && rrs[i].len == 16))
			naddr++;
	}
	/* one DHCID names one client; none, or several, is not ours to judge */
	if (ndh != 1)
		return 0;
	if (!ops->known(ops->ctx, dh->data, dh->len, &lfam, laddr)) {
		cnt->unknown++;
		return 0;
	}
	if (ops->owned(ops->ctx, name))
		return 0;	/* ours: the verifier repairs it, the reconciler removes it */
	memset(&o, 0, sizeof(o));
	o.name = name;
	memcpy(o.dhcid, dh->data, DHCID_RDATA_LEN);
	if (reverse) {
		int fam = sweep_reverse_addr(name, o.addr);

		/* a PTR target as zdiff holds it: presentation form, NUL included */
		if (fam < 0 || nptr != 1 || !ptr->len || ptr->data[ptr->len - 1] ||
		    ptr->len > sizeof(o.fqdn))
			return 0;
		o.family = fam;
		memcpy(o.fqdn, ptr->data, ptr->len);
		/* the lease at that address is this client's, for this name: not an orphan */
		if (ops->wanted(ops->ctx, fam, o.addr, o.fqdn, o.dhcid, true))
			return 0;
		cnt->names++;
		cnt->removals++;
		cb(arg, &o);
		return 1;
	}
	if (!naddr || strlen(name) >= sizeof(o.fqdn))
		return 0;	/* a DHCID alone: nothing an address removal could address */
	snprintf(o.fqdn, sizeof(o.fqdn), "%s", name);
	/* the client's last lease, or one at an address the name holds, still wants it */
	if (ops->wanted(ops->ctx, lfam, laddr, name, o.dhcid, false))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16] = { 0 };

		if (rrs[i].type != DNSMSG_TYPE_A && rrs[i].type != DNSMSG_TYPE_AAAA)
			continue;
		if (rrs[i].len != (rrs[i].type == DNSMSG_TYPE_A ? 4 : 16))
			continue;
		memcpy(a, rrs[i].data, rrs[i].len);
		if (ops->wanted(ops->ctx, rrs[i].len == 4 ? 4 : 6, a, name, o.dhcid, false))
			return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type != DNSMSG_TYPE_A && rrs[i].type != DNSMSG_TYPE_AAAA)
			continue;
		if (rrs[i].len != (rrs[i].type == DNSMSG_TYPE_A ? 4 : 16))
			continue;
		o.family = rrs[i].len == 4 ? 4 : 6;
		memset(o.addr, 0, sizeof(o.addr));
		memcpy(o.addr, rrs[i].data, rrs[i].len);
		cb(arg, &o);
		handed++;
	}
	cnt->names++;
	cnt->removals += handed;
	return handed;
}

struct walk {
	bool reverse;
	const struct sweep_ops *ops;
	sweep_fn cb;
	void *arg;
	struct sweep_counts *cnt;
	size_t handed;
};

static void on_name(void *arg, const char *name, const struct zdiff_rr *rrs, size_t n)
{
	struct walk *w = arg;

	w->handed += sweep_name(name, rrs, n, w->reverse, w->ops, w->cb, w->arg, w->cnt);
}

size_t sweep_plan(const struct zdiff *z, bool reverse, const struct sweep_ops *ops, sweep_fn cb,
		  void *arg, struct sweep_counts *cnt)
{
	struct walk w = { reverse, ops, cb, arg, cnt, 0 };

	zdiff_walk(z, on_name, &w);
	return w.handed;
}
