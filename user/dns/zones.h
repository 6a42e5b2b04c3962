/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/zones.h - the DNS side of the configuration, as Kea D2 models it:
 * TSIG keys, forward and reverse ddns-domains, each with an ordered list of
 * servers and a key that a server may override. Answers "which domain, which
 * servers, which key" for a name by longest-suffix match (D2's rule), and
 * builds reverse names (in-addr.arpa, nibble ip6.arpa).
 */
#ifndef LS_ZONES_H
#define LS_ZONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "user/dns/tsig.h"

#define ZONES_NAME_MAX 256	/* presentation, with trailing dot, NUL included */

/*
 * GSS-TSIG (RFC 3645) settings of a server, in the shape of the parameters
 * of Kea D2's gss_tsig hook (global, then per server). Empty strings: not
 * set (GSS-API's defaults: KRB5_CLIENT_KTNAME, KRB5CCNAME).
 */
struct zones_gss {
	char server_principal[256];		/* "DNS/ns1.example.org@EXAMPLE.ORG" */
	char client_principal[256];		/* "DHCP/dhcp1.example.org@EXAMPLE.ORG" */
	char client_keytab[256];		/* "FILE:/etc/leasesnoop/dhcp.keytab" */
	char credentials_cache[256];		/* "FILE:/var/lib/leasesnoop/ccache" */
	uint32_t tkey_lifetime;			/* seconds a context is asked for */
	uint32_t rekey_interval;		/* seconds after which a new one is negotiated */
	uint32_t retry_interval;		/* seconds: the longest wait after a failed TKEY */
	uint32_t exchange_timeout_ms;		/* per TKEY exchange */
	bool tcp;				/* tkey-protocol: "TCP" (default) or "UDP" */
};

struct zones_server {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char text[64];				/* "ip#port" for logs */
	const struct tsig_key *key;		/* the server's key-name, else the domain's; may be NULL */
	const struct zones_gss *gss;		/* non-NULL: sign with GSS-TSIG, not with @key */
};

struct zones_domain {
	char name[ZONES_NAME_MAX];		/* lower case, trailing dot */
	bool reverse;
	/*
	 * "prefix-delegation" (leasesnoop's extension, reverse domains only,
	 * default false): a DHCPv6 delegated prefix with a name gets a PTR to
	 * that name + DHCID at the prefix's reverse name, the prefix length
	 * rounded down to a nibble (zones_reverse_prefix()).
	 */
	bool prefix_delegation;
	const struct tsig_key *key;		/* may be NULL: unsigned updates */
	struct zones_server *servers;
	size_t nservers;
};

struct zones;

/* zones_new() - an empty configuration in *@out. Returns 0 or -ENOMEM. */
int zones_new(struct zones **out);

/* zones_free() - free @z, its keys and domains; NULL is a no-op. */
void zones_free(struct zones *z);

/*
 * zones_add_key() - copy @key into @z. Returns 0, -EEXIST for a duplicate
 * name, or -ENOMEM.
 */
int zones_add_key(struct zones *z, const struct tsig_key *key);

/* zones_find_key() - the key named @name (trailing dot optional), or NULL. */
const struct tsig_key *zones_find_key(const struct zones *z, const char *name);

/*
 * zones_add_domain() - add a forward or reverse domain named @name with the
 * key called @key_name (NULL or "" for none). *@out points at the domain,
 * valid until zones_free(). Returns 0, -EEXIST, -EINVAL for a bad name,
 * -ENOENT for an unknown key, or -ENOMEM.
 */
int zones_add_domain(struct zones *z, bool reverse, const char *name, const char *key_name,
		     struct zones_domain **out);

/*
 * zones_add_server() - append a server (@ip v4 or v6, @port) to @d, with
 * @key_name overriding the domain's key when non-empty. Returns 0, -EINVAL
 * for a bad address, -ENOENT for an unknown key, or -ENOMEM.
 */
int zones_add_server(struct zones *z, struct zones_domain *d, const char *ip, uint16_t port,
		     const char *key_name);

/*
 * zones_set_gss() - give @g (copied) to the servers at @ip/@port of every
 * domain named in @domains (all domains when @ndomains is 0), or, with
 * @ip NULL, to every server whose key has algorithm gss-tsig and no GSS
 * settings yet. A server already given settings keeps them. Returns the
 * number of servers given @g, -EINVAL for a bad address, or -ENOMEM.
 */
int zones_set_gss(struct zones *z, const char *ip, uint16_t port, const char *const *domains,
		  size_t ndomains, const struct zones_gss *g);

/* zones_gss_default() - Kea's defaults: 3600 s, 2700 s, 120 s, 3000 ms, TCP; no principals. */
void zones_gss_default(struct zones_gss *g);

/*
 * zones_match() - the forward (@reverse false) or reverse domain whose name
 * is the longest suffix of @name (presentation, case ignored), or NULL.
 */
const struct zones_domain *zones_match(const struct zones *z, const char *name, bool reverse);

/* zones_count() - the number of forward or reverse domains. */
size_t zones_count(const struct zones *z, bool reverse);

/* zones_domain_at() - the @i-th forward or reverse domain, or NULL. */
const struct zones_domain *zones_domain_at(const struct zones *z, bool reverse, size_t i);

/**
 * zones_reverse_prefix() - the ip6.arpa name of the IPv6 prefix @addr/@plen,
 * @plen rounded down to a multiple of 4 (a nibble boundary): 2001:db8:1:100::/56
 * gives "1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.". @plen 128 is the address's
 * own name. Returns 0, -EINVAL (@plen 0 or > 128) or -ENOSPC.
 */
int zones_reverse_prefix(const uint8_t *addr, unsigned int plen, char *buf, size_t cap);

/*
 * zones_reverse_name() - the reverse name of an address: "4.3.2.1.in-addr.arpa."
 * for @family 4 (@addr 4 bytes) or the 32-nibble ip6.arpa name for
 * family 6 (@addr 16 bytes). Returns 0 or -EINVAL/-ENOSPC.
 */
int zones_reverse_name(int family, const uint8_t *addr, char *buf, size_t cap);

/*
 * zones_name_check() - can @name (presentation form without escapes, as
 * cleaned host names are; trailing dot optional) be published as an owner
 * name or a PTR target? Not empty, not the root, no empty label, no label
 * over 63 octets, at most 255 octets in wire form (RFC 1035 §2.3.4). Pure.
 * Returns 0, or -EINVAL with *@why (when @why is not NULL) a short phrase
 * naming the reason ("label over 63 octets"), NULL on success.
 */
int zones_name_check(const char *name, const char **why);

/*
 * zones_name_canon() - @name lower-cased with a trailing dot into @buf.
 * Returns 0 or -EINVAL (empty, label longer than 63, name longer than 255).
 */
int zones_name_canon(const char *name, char *buf, size_t cap);

#endif
