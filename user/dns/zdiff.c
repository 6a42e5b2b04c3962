// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/zdiff.c - zone content in a chained hash table keyed by owner
 * name, each name with its RRs in one array; zdiff_check() compares sets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/dns/dnsmsg.h"
#include "user/dns/zdiff.h"


struct zname {
	struct zname *next;
	struct zdiff_rr *rrs;
	size_t n, cap;
	char name[];
};

struct zdiff {
	struct zname **b;
	size_t nb, nnames, nrrs;
};

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (size_t)(h ^ h >> 29);
}

int zdiff_new(struct zdiff **out)
{
	struct zdiff *z = calloc(1, sizeof(*z));

	if (!z)
		return -ENOMEM;
	z->nb = 1024;
	z->b = calloc(z->nb, sizeof(*z->b));
	if (!z->b) {
		free(z);
		return -ENOMEM;
	}
	*out = z;
	return 0;
}

void zdiff_free(struct zdiff *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->nb; i++) {
		for (struct zname *n = z->b[i], *nx; n; n = nx) {
			nx = n->next;
			for (size_t k = 0; k < n->n; k++)
				free(n->rrs[k].data);
			free(n->rrs);
			free(n);
		}
	}
	free(z->b);
	free(z);
}

static struct zname *find(const struct zdiff *z, const char *name)
{
	for (struct zname *n = z->b[hash(name) % z->nb]; n; n = n->next)
		if (!strcmp(n->name, name))
			return n;
	return NULL;
}

static int grow(struct zdiff *z)
{
	size_t nb = z->nb * 4;
	struct zname **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < z->nb; i++) {
		for (struct zname *n = z->b[i], *nx; n; n = nx) {
			size_t h = hash(n->name) % nb;

			nx = n->next;
			n->next = b[h];
			b[h] = n;
		}
	}
	free(z->b);
	z->b = b;
	z->nb = nb;
	return 0;
}

int zdiff_add(struct zdiff *z, const char *owner, uint16_t type, uint32_t ttl,
	      const uint8_t *rdata, size_t len)
{
	struct zname *n = find(z, owner);
	struct zdiff_rr *r;

	(void)ttl;
	if (len > 65535)
		return -EINVAL;
	if (!n) {
		size_t l = strlen(owner), h;

		if (z->nnames >= z->nb && grow(z))
			return -ENOMEM;
		n = calloc(1, sizeof(*n) + l + 1);
		if (!n)
			return -ENOMEM;
		memcpy(n->name, owner, l + 1);
		h = hash(owner) % z->nb;
		n->next = z->b[h];
		z->b[h] = n;
		z->nnames++;
	}
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct zdiff_rr *p = realloc(n->rrs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		n->rrs = p;
		n->cap = cap;
	}
	r = &n->rrs[n->n];
	r->data = malloc(len ? len : 1);
	if (!r->data)
		return -ENOMEM;
	memcpy(r->data, rdata, len);
	r->type = type;
	r->len = (uint16_t)len;
	n->n++;
	z->nrrs++;
	return 0;
}

int zdiff_del(struct zdiff *z, const char *owner, uint16_t type, const uint8_t *rdata, size_t len)
{
	struct zname *n = find(z, owner);

	for (size_t k = 0; n && k < n->n; k++) {
		struct zdiff_rr *r = &n->rrs[k];

		if (r->type != type || r->len != len || memcmp(r->data, rdata, len))
			continue;
		free(r->data);
		n->rrs[k] = n->rrs[--n->n];	/* order does not matter; the name stays, empty */
		z->nrrs--;
		return 0;
	}
	return -ENOENT;
}

void zdiff_walk(const struct zdiff *z, zdiff_walk_fn cb, void *arg)
{
	for (size_t i = 0; i < z->nb; i++)
		for (const struct zname *n = z->b[i]; n; n = n->next)
			cb(arg, n->name, n->rrs, n->n);
}

size_t zdiff_name(const struct zdiff *z, const char *name, const struct zdiff_rr **rrs)
{
	const struct zname *n = find(z, name);

	*rrs = n ? n->rrs : NULL;
	return n ? n->n : 0;
}

size_t zdiff_rrs(const struct zdiff *z)
{
	return z->nrrs;
}

static const char *type_name(uint16_t t)
{
	switch (t) {
	case DNSMSG_TYPE_A: return "A";
	case DNSMSG_TYPE_AAAA: return "AAAA";
	case DNSMSG_TYPE_PTR: return "PTR";
	case DNSMSG_TYPE_DHCID: return "DHCID";
	default: return "RR";
	}
}

/* "192.0.2.5", "'host.example.'" or "" (DHCID: opaque) for the log. */
static void data_text(uint16_t type, const uint8_t *d, size_t len, char *buf, size_t cap)
{
	*buf = 0;
	if (type == DNSMSG_TYPE_A && len == 4)
		inet_ntop(AF_INET, d, buf, (socklen_t)cap);
	else if (type == DNSMSG_TYPE_AAAA && len == 16)
		inet_ntop(AF_INET6, d, buf, (socklen_t)cap);
	else if (type == DNSMSG_TYPE_PTR && len && !d[len - 1])
		snprintf(buf, cap, "'%.100s'", (const char *)d);
}

static void say(struct zdiff_verdict *v, const char *type, const char *mid, const char *data,
		const char *tail)
{
	size_t l = strlen(v->what);

	snprintf(v->what + l, sizeof(v->what) - l, "%s%s%s%s%s", l ? ", " : "", type, mid, data,
		 tail);
}

static bool rr_eq(const struct zdiff_rr *r, const struct zdiff_want *w)
{
	return r->type == w->type && r->len == w->len && !memcmp(r->data, w->rdata, w->len);
}

void zdiff_check(const struct zdiff *z, const char *name, const struct zdiff_want *want, size_t n,
		 struct zdiff_verdict *v)
{
	const struct zname *zn = find(z, name);
	char t[128];

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		bool first = true, extra = false, seen = false;

		for (size_t k = 0; k < i; k++)
			if (want[k].type == want[i].type)
				first = false;
		if (!first)
			continue;	/* each type judged once, with all its wanted RRs */
		for (size_t k = 0; zn && k < zn->n; k++) {
			bool wanted = false;

			if (zn->rrs[k].type != want[i].type)
				continue;
			seen = true;
			for (size_t j = i; j < n; j++)
				if (rr_eq(&zn->rrs[k], &want[j]))
					wanted = true;
			if (!wanted && !extra) {
				extra = true;
				data_text(zn->rrs[k].type, zn->rrs[k].data, zn->rrs[k].len, t,
					  sizeof(t));
				say(v, type_name(want[i].type), *t ? " holds " : " differs", t, "");
			}
		}
		if (extra) {
			v->wrong++;
			continue;
		}
		for (size_t j = i; j < n; j++) {
			bool found = false;

			if (want[j].type != want[i].type)
				continue;
			for (size_t k = 0; seen && zn && k < zn->n; k++)
				if (rr_eq(&zn->rrs[k], &want[j]))
					found = true;
			if (found)
				continue;
			v->missing++;
			data_text(want[j].type, want[j].rdata, want[j].len, t, sizeof(t));
			say(v, type_name(want[j].type), *t ? " " : "", t, " missing");
		}
	}
	for (size_t k = 0; zn && k < zn->n; k++) {
		bool managed = false;

		for (size_t i = 0; i < n; i++)
			if (want[i].type == zn->rrs[k].type)
				managed = true;
		if (!managed)
			v->foreign++;
	}
	v->state = v->wrong ? ZDIFF_WRONG : v->missing ? ZDIFF_MISSING : ZDIFF_OK;
}
