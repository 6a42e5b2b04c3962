// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/lease/leasedb.c - the SQL lease source's decisions (leasedb.h):
 * pure functions, no connection, no clock of their own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/common/errcode.h"
#include "user/common/util.h"
#include "user/lease/leasedb.h"

/* a decimal integer in [lo, hi] (the whole string); 0 or -EINVAL */
static int num(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

#define GET(i, lo, hi, dst, what)                                   \
	do {                                                        \
		int64_t v_;                                         \
		if (num(v[i], lo, hi, &v_)) {                       \
			*why = what;                                \
			return LS_ECSV_ROW;                         \
		}                                                   \
		dst = v_;                                           \
	} while (0)

static int hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	int n = util_hex_parse(s ? s : "", out, max);

	if (n < 0)
		return n;
	*len = (size_t)n;
	return 0;
}

int leasedb_addr_from_key(int family, const char *key, uint8_t addr[16])
{
	char buf[UTIL_ADDR_TEXT];
	int64_t n;
	size_t len;

	memset(addr, 0, 16);
	if (!key)
		return -EINVAL;
	if (family == 4) {
		/* lease4.address: the address as an unsigned 32-bit number */
		if (num(key, 0, UINT32_MAX, &n))
			return -EINVAL;
		addr[0] = (uint8_t)(n >> 24);
		addr[1] = (uint8_t)(n >> 16);
		addr[2] = (uint8_t)(n >> 8);
		addr[3] = (uint8_t)n;
		return 0;
	}
	/* lease6.address: varchar (Kea's text) or, in later schemas, inet ("…/128") */
	len = strcspn(key, "/");
	if (len >= sizeof(buf) || (key[len] && strcmp(key + len, "/128")))
		return -EINVAL;
	memcpy(buf, key, len);
	buf[len] = 0;
	return util_addr_parse(buf, 6, addr) == 6 ? 0 : -EINVAL;
}

const char *leasedb_addr_key(int family, const uint8_t *addr, char *buf, size_t size)
{
	if (family == 4)
		snprintf(buf, size, "%" PRIu32,
			 (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 |
				 addr[3]);
	else
		util_addr_text(6, addr, buf, size);
	return buf;
}

static void set_cols(struct kea_row *r, int family)
{
	static const enum kea_col c4[] = {
		KEA_COL_ADDRESS, KEA_COL_HWADDR, KEA_COL_CLIENT_ID, KEA_COL_VALID_LIFETIME,
		KEA_COL_EXPIRE, KEA_COL_SUBNET_ID, KEA_COL_FQDN_FWD, KEA_COL_FQDN_REV,
		KEA_COL_HOSTNAME, KEA_COL_STATE, KEA_COL_USER_CONTEXT,
	};
	static const enum kea_col c6[] = {
		KEA_COL_ADDRESS, KEA_COL_DUID, KEA_COL_VALID_LIFETIME, KEA_COL_EXPIRE,
		KEA_COL_SUBNET_ID, KEA_COL_PREF_LIFETIME, KEA_COL_LEASE_TYPE, KEA_COL_IAID,
		KEA_COL_PREFIX_LEN, KEA_COL_FQDN_FWD, KEA_COL_FQDN_REV, KEA_COL_HOSTNAME,
		KEA_COL_STATE, KEA_COL_HWADDR, KEA_COL_HWTYPE, KEA_COL_HWADDR_SOURCE,
		KEA_COL_USER_CONTEXT,
	};
	const enum kea_col *c = family == 4 ? c4 : c6;
	size_t n = family == 4 ? sizeof(c4) / sizeof(c4[0]) : sizeof(c6) / sizeof(c6[0]);

	r->cols = 0;
	for (size_t i = 0; i < n; i++)
		r->cols |= 1u << c[i];
}

/* the columns both families share, at their family's positions */
struct pos {
	int valid, expire, subnet, fwd, rev, host, state, uctx;
};

static const struct pos P4 = { 3, 4, 5, 6, 7, 8, 9, 10 };
static const struct pos P6 = { 2, 3, 4, 9, 10, 11, 12, 16 };

int leasedb_row_parse(int family, const char *const *v, struct kea_row *r, const char **why)
{
	const struct pos *p = family == 4 ? &P4 : &P6;
	size_t len;
	int64_t expire;

	memset(r, 0, sizeof(*r));
	if (family != 4 && family != 6) {
		*why = "family";
		return LS_ECSV_ROW;
	}
	r->family = (uint8_t)family;
	set_cols(r, family);
	if (leasedb_addr_from_key(family, v[0], r->addr)) {
		*why = "address";
		return LS_ECSV_ROW;
	}
	if (family == 4) {
		r->prefix_len = 32;
		r->type = KEA_TYPE_NA;
		if (hex(v[1], r->hwaddr, KEA_HWADDR_MAX, &len)) {
			*why = "hwaddr";
			return LS_ECSV_ROW;
		}
		r->hwaddr_len = (uint8_t)len;
		if (hex(v[2], r->id, KEA_ID_MAX, &len)) {
			*why = "client_id";
			return LS_ECSV_ROW;
		}
		r->id_len = (uint16_t)len;
	} else {
		if (hex(v[1], r->id, KEA_ID_MAX, &len)) {
			*why = "duid";
			return LS_ECSV_ROW;
		}
		r->id_len = (uint16_t)len;
		GET(5, 0, UINT32_MAX, r->pref_lft, "pref_lifetime");
		GET(6, 0, 2, r->type, "lease_type");
		/* Kea keeps the unsigned IAID in a signed INT column */
		GET(7, INT32_MIN, UINT32_MAX, r->iaid, "iaid");
		GET(8, 0, 128, r->prefix_len, "prefix_len");
		if (hex(v[13], r->hwaddr, KEA_HWADDR_MAX, &len)) {
			*why = "hwaddr";
			return LS_ECSV_ROW;
		}
		r->hwaddr_len = (uint8_t)len;
		GET(14, 0, UINT16_MAX, r->hwtype, "hwtype");
		GET(15, 0, UINT32_MAX, r->hwaddr_source, "hwaddr_source");
	}
	GET(p->valid, 0, UINT32_MAX, r->valid_lft, "valid_lifetime");
	GET(p->expire, 0, INT64_MAX, expire, "expire");
	r->expire = (uint64_t)expire;
	GET(p->subnet, 0, UINT32_MAX, r->subnet_id, "subnet_id");
	GET(p->fwd, 0, 1, r->fqdn_fwd, "fqdn_fwd");
	GET(p->rev, 0, 1, r->fqdn_rev, "fqdn_rev");
	GET(p->state, 0, 255, r->state, "state");
	if (r->valid_lft && r->expire < r->valid_lft) {
		*why = "expire";
		return LS_ECSV_ROW;
	}
	r->hostname = v[p->host] ? v[p->host] : "";
	r->hostname_len = strlen(r->hostname);
	r->user_context = v[p->uctx] ? v[p->uctx] : "";
	r->user_context_len = strlen(r->user_context);
	return 0;
}

void leasedb_gone_row(int family, const uint8_t *addr, struct kea_row *r)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	memcpy(r->addr, addr, family == 4 ? 4 : 16);
	r->prefix_len = family == 4 ? 32 : 128;
	r->hostname = "";
	r->user_context = "";
	/* valid_lft 0: the lease table's delete, as Kea's memfile writes one */
	set_cols(r, family);
}

enum leasedb_schema_verdict leasedb_schema_check(bool present, int version, int minor,
						 int known_version, int known_minor)
{
	(void)known_minor;
	if (!present)
		return LEASEDB_SCHEMA_MISSING;
	if (version > known_version)
		return LEASEDB_SCHEMA_NEWER;
	if (version < known_version || (version == known_version && minor < known_minor))
		return LEASEDB_SCHEMA_OLDER;
	return LEASEDB_SCHEMA_OK;
}

const char *leasedb_schema_text(enum leasedb_schema_verdict v)
{
	switch (v) {
	case LEASEDB_SCHEMA_OK:
		return "current";
	case LEASEDB_SCHEMA_MISSING:
		return "missing: run 'leasesnoop -c FILE --db-init'";
	case LEASEDB_SCHEMA_OLDER:
		return "older than this leasesnoop: run 'leasesnoop -c FILE --db-upgrade'";
	case LEASEDB_SCHEMA_NEWER:
		return "newer than this leasesnoop knows: upgrade leasesnoop";
	}
	return "?";
}

/* the index of the first taken seq >= @seq */
static size_t taken_at(const struct leasedb_cursor *c, uint64_t seq)
{
	size_t lo = 0, hi = c->ntaken;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->taken[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool leasedb_cursor_take(struct leasedb_cursor *c, uint64_t seq)
{
	size_t i;

	if (seq <= c->pos)
		return false;
	i = taken_at(c, seq);
	if (i < c->ntaken && c->taken[i] == seq)
		return false;
	if (c->ntaken == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		uint64_t *p = realloc(c->taken, cap * sizeof(*p));

		if (!p)
			return true;
		c->taken = p;
		c->cap = cap;
	}
	if (i < c->ntaken)
		memmove(c->taken + i + 1, c->taken + i, (c->ntaken - i) * sizeof(*c->taken));
	c->taken[i] = seq;
	c->ntaken++;
	return true;
}

uint64_t leasedb_cursor_advance(struct leasedb_cursor *c, uint64_t now_ms)
{
	size_t i = 0;

	for (;;) {
		while (i < c->ntaken && c->taken[i] == c->pos + 1)
			c->pos = c->taken[i++];
		if (i == c->ntaken) {
			c->hole = 0;
			break;
		}
		/* pos + 1 .. taken[i] - 1 missing */
		if (c->hole_upto <= c->pos) {
			/* not seen missing before: its wait, and that of all below what was taken, starts now */
			c->hole_since = now_ms;
			c->hole_upto = c->taken[c->ntaken - 1];
		}
		c->hole = c->pos + 1;
		if (now_ms - c->hole_since < LEASEDB_GAP_MS)
			break;
		if (c->hole > c->quiet_upto)
			c->holes_skipped++;
		c->pos = c->taken[i] - 1;
	}
	/* what is at or before pos now needs no remembering */
	if (i)
		memmove(c->taken, c->taken + i, (c->ntaken - i) * sizeof(*c->taken));
	c->ntaken -= i;
	return c->pos;
}

uint64_t leasedb_cursor_high(const struct leasedb_cursor *c)
{
	return c->ntaken ? c->taken[c->ntaken - 1] : c->pos;
}

size_t leasedb_cursor_missing(const struct leasedb_cursor *c, uint64_t *out, size_t max)
{
	uint64_t s = c->pos + 1;
	size_t n = 0;

	for (size_t i = 0; i < c->ntaken; s = c->taken[i++] + 1)
		for (; s < c->taken[i]; s++) {
			if (n < max)
				out[n] = s;
			n++;
			if (n > max)
				return n;	/* enough to say "more" */
		}
	return n;
}

uint64_t leasedb_cursor_start(uint64_t max, uint64_t lo, uint64_t min, uint64_t last,
			      uint64_t back)
{
	if (!max)
		return last > back ? last - back : 0;
	return min > lo ? min - 1 : lo;
}

void leasedb_cursor_reset(struct leasedb_cursor *c, uint64_t pos, uint64_t quiet_upto)
{
	c->pos = pos;
	c->hole = c->hole_since = c->hole_upto = 0;
	c->quiet_upto = quiet_upto;
	c->ntaken = 0;
}

void leasedb_cursor_fini(struct leasedb_cursor *c)
{
	free(c->taken);
	memset(c, 0, sizeof(*c));
}

bool leasedb_name_pending(const struct kea_row *r, uint64_t age_ms, uint32_t debounce_ms)
{
	return r->valid_lft && r->state == KEA_STATE_DEFAULT && !r->hostname_len &&
	       (r->fqdn_fwd || r->fqdn_rev) && age_ms < debounce_ms;
}

uint32_t leasedb_next_backoff(uint32_t prev_ms)
{
	if (!prev_ms)
		return LEASEDB_BACKOFF_MIN_MS;
	return prev_ms >= LEASEDB_BACKOFF_MAX_MS / 2 ? LEASEDB_BACKOFF_MAX_MS : prev_ms * 2;
}

const char *leasedb_type_name(enum leasedb_type t)
{
	switch (t) {
	case LEASEDB_MEMFILE:
		return "memfile";
	case LEASEDB_POSTGRESQL:
		return "postgresql";
	case LEASEDB_MYSQL:
		return "mysql";
	}
	return "?";
}

void leasedb_conf_fini(struct leasedb_conf *c)
{
	free(c->name);
	free(c->host);
	free(c->user);
	free(c->password);
	c->name = c->host = c->user = c->password = NULL;
}
