// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/zones.c - keys, ddns-domains and their servers; longest-suffix zone
 * match. Names are kept lower case with a trailing dot so that matching is a
 * label-aligned string suffix comparison.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "user/dns/zones.h"

struct zones {
	struct tsig_key **keys;
	struct zones_gss **gss;		/* settings given by zones_set_gss() */
	size_t ngss;
	size_t nkeys;
	struct zones_domain **dom[2];	/* [0] forward, [1] reverse */
	size_t ndom[2];
};

int zones_name_check(const char *name, const char **why)
{
	size_t n = name ? strlen(name) : 0, lab = 0;
	const char *w = NULL;

	if (n && name[n - 1] == '.')
		n--;			/* the root label: one octet on the wire, no text */
	if (!name || !*name)
		w = "empty name";
	else if (!n)
		w = "the root";
	else if (n + 2 > 255)
		w = "name over 255 octets";	/* RFC 1035 §2.3.4: n octets of text + 2 */
	for (size_t i = 0; !w && i <= n; i++) {
		if (i == n || name[i] == '.') {
			if (!lab)
				w = "empty label";
			else if (lab > 63)
				w = "label over 63 octets";
			lab = 0;
		} else {
			lab++;
		}
	}
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

int zones_name_canon(const char *name, char *buf, size_t cap)
{
	size_t n = name ? strlen(name) : 0, lab = 0;

	/* wire form: the text without its trailing dot + 2 octets, at most 255 */
	if (!n || n + 2 > cap || n - (name[n - 1] == '.') > 253)
		return -EINVAL;
	if (!strcmp(name, ".")) {
		snprintf(buf, cap, ".");
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '.') {
			if (!lab)
				return -EINVAL;
			lab = 0;
		} else if (++lab > 63) {
			return -EINVAL;
		}
		buf[i] = (char)tolower((unsigned char)c);
	}
	if (name[n - 1] != '.')
		buf[n++] = '.';
	buf[n] = 0;
	return 0;
}

int zones_new(struct zones **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void zones_free(struct zones *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->nkeys; i++) {
		OPENSSL_cleanse(z->keys[i], sizeof(*z->keys[i]));
		free(z->keys[i]);
	}
	free(z->keys);
	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; i < z->ndom[r]; i++) {
			free(z->dom[r][i]->servers);
			free(z->dom[r][i]);
		}
		free(z->dom[r]);
	}
	for (size_t i = 0; i < z->ngss; i++)
		free(z->gss[i]);
	free(z->gss);
	free(z);
}

void zones_gss_default(struct zones_gss *g)
{
	memset(g, 0, sizeof(*g));
	g->tkey_lifetime = 3600;
	g->rekey_interval = 2700;
	g->retry_interval = 120;
	g->exchange_timeout_ms = 3000;
	g->tcp = true;
}

/* Does server @s stand at @want (an address parsed like zones_add_server()'s)? */
static bool same_addr(const struct zones_server *s, const struct sockaddr_storage *want)
{
	if (s->addr.ss_family != want->ss_family)
		return false;
	if (want->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&s->addr, *b = (const void *)want;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	{
		const struct sockaddr_in6 *a = (const void *)&s->addr, *b = (const void *)want;

		return a->sin6_port == b->sin6_port &&
		       !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(b->sin6_addr));
	}
}

static bool dom_listed(const struct zones_domain *d, const char *const *domains, size_t n)
{
	char c[ZONES_NAME_MAX];

	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!zones_name_canon(domains[i], c, sizeof(c)) && !strcmp(c, d->name))
			return true;
	return false;
}

int zones_set_gss(struct zones *z, const char *ip, uint16_t port, const char *const *domains,
		  size_t ndomains, const struct zones_gss *g)
{
	struct sockaddr_storage want = { 0 };
	struct zones_gss *copy, **v;
	int n = 0;

	if (ip) {
		struct sockaddr_in *in = (struct sockaddr_in *)&want;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&want;

		if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons(port);
		} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(port);
		} else {
			return -EINVAL;
		}
	}
	copy = malloc(sizeof(*copy));
	v = realloc(z->gss, (z->ngss + 1) * sizeof(*v));
	if (!copy || !v) {
		free(copy);
		if (v)
			z->gss = v;
		return -ENOMEM;
	}
	*copy = *g;
	z->gss = v;
	z->gss[z->ngss++] = copy;
	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; i < z->ndom[r]; i++) {
			struct zones_domain *d = z->dom[r][i];

			if (ip && !dom_listed(d, domains, ndomains))
				continue;
			for (size_t k = 0; k < d->nservers; k++) {
				struct zones_server *s = &d->servers[k];

				if (s->gss)
					continue;
				if (ip ? !same_addr(s, &want) :
					 !(s->key && s->key->alg == TSIG_GSS_TSIG))
					continue;
				s->gss = copy;
				n++;
			}
		}
	}
	return n;
}

const struct tsig_key *zones_find_key(const struct zones *z, const char *name)
{
	char c[ZONES_NAME_MAX];

	if (!name || zones_name_canon(name, c, sizeof(c)))
		return NULL;
	for (size_t i = 0; i < z->nkeys; i++)
		if (!strcmp(z->keys[i]->name, c))
			return z->keys[i];
	return NULL;
}

int zones_add_key(struct zones *z, const struct tsig_key *key)
{
	struct tsig_key **k, *copy;

	if (zones_find_key(z, key->name))
		return -EEXIST;
	k = realloc(z->keys, (z->nkeys + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	z->keys = k;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *key;
	z->keys[z->nkeys++] = copy;
	return 0;
}

int zones_add_domain(struct zones *z, bool reverse, const char *name, const char *key_name,
		     struct zones_domain **out)
{
	struct zones_domain *d, **v;
	int r = reverse;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (zones_name_canon(name, d->name, sizeof(d->name))) {
		free(d);
		return -EINVAL;
	}
	for (size_t i = 0; i < z->ndom[r]; i++) {
		if (!strcmp(z->dom[r][i]->name, d->name)) {
			free(d);
			return -EEXIST;
		}
	}
	if (key_name && *key_name) {
		d->key = zones_find_key(z, key_name);
		if (!d->key) {
			free(d);
			return -ENOENT;
		}
	}
	v = realloc(z->dom[r], (z->ndom[r] + 1) * sizeof(*v));
	if (!v) {
		free(d);
		return -ENOMEM;
	}
	d->reverse = reverse;
	z->dom[r] = v;
	z->dom[r][z->ndom[r]++] = d;
	if (out)
		*out = d;
	return 0;
}

int zones_add_server(struct zones *z, struct zones_domain *d, const char *ip, uint16_t port,
		     const char *key_name)
{
	struct zones_server s = { 0 }, *v;

	if (ip && inet_pton(AF_INET, ip, &((struct sockaddr_in *)&s.addr)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&s.addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		s.addr_len = sizeof(*sin);
		snprintf(s.text, sizeof(s.text), "%s#%u", ip, port);
	} else if (ip && inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&s.addr)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s.addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		s.addr_len = sizeof(*sin6);
		snprintf(s.text, sizeof(s.text), "%s#%u", ip, port);
	} else {
		return -EINVAL;
	}
	s.key = d->key;
	if (key_name && *key_name) {
		s.key = zones_find_key(z, key_name);
		if (!s.key)
			return -ENOENT;
	}
	v = realloc(d->servers, (d->nservers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->servers = v;
	d->servers[d->nservers++] = s;
	return 0;
}

const struct zones_domain *zones_match(const struct zones *z, const char *name, bool reverse)
{
	char c[ZONES_NAME_MAX];
	const struct zones_domain *best = NULL;
	size_t bl = 0, n;
	int r = reverse;

	if (zones_name_canon(name, c, sizeof(c)))
		return NULL;
	n = strlen(c);
	for (size_t i = 0; i < z->ndom[r]; i++) {
		const struct zones_domain *d = z->dom[r][i];
		size_t dl = strlen(d->name);

		/* the root "." matches every name, as D2's wildcard domain does */
		if (!strcmp(d->name, "."))
			dl = 0;
		if (dl > n || (best && dl <= bl))
			continue;
		/* label-aligned: "b.example." must not match "ab.example." */
		if (dl && (strcmp(c + n - dl, d->name) || (dl < n && c[n - dl - 1] != '.')))
			continue;
		if (!best || dl > bl) {
			best = d;
			bl = dl;
		}
	}
	return best;
}

size_t zones_count(const struct zones *z, bool reverse)
{
	return z->ndom[reverse];
}

const struct zones_domain *zones_domain_at(const struct zones *z, bool reverse, size_t i)
{
	return i < z->ndom[reverse] ? z->dom[reverse][i] : NULL;
}

int zones_reverse_name(int family, const uint8_t *addr, char *buf, size_t cap)
{
	if (family == 4) {
		int n = snprintf(buf, cap, "%u.%u.%u.%u.in-addr.arpa.", addr[3], addr[2], addr[1],
				 addr[0]);

		return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
	}
	if (family != 6)
		return -EINVAL;
	return zones_reverse_prefix(addr, 128, buf, cap);	/* all 32 nibbles */
}

int zones_reverse_prefix(const uint8_t *addr, unsigned int plen, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int nib = plen / 4;
	size_t o = 0;

	if (!nib || plen > 128)
		return -EINVAL;
	if (cap < 2 * nib + sizeof("ip6.arpa."))
		return -ENOSPC;
	for (int i = (int)nib - 1; i >= 0; i--) {
		uint8_t b = addr[i / 2];

		buf[o++] = hex[i % 2 ? b & 0xf : b >> 4];
		buf[o++] = '.';
	}
	memcpy(buf + o, "ip6.arpa.", sizeof("ip6.arpa."));
	return 0;
}
