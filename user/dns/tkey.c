// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/tkey.c - TKEY query building and answer reading for GSS-TSIG, on raw
 * wire bytes with the sticky-error wire_ctx (a reader fails once and every
 * later read is a no-op), so a short or hostile answer is an error, never a
 * read past its end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "user/common/errcode.h"
#include "user/common/wire_ctx.h"
#include "user/dns/tkey.h"
#include "user/dns/tsig.h"

#define DNS_HDR 12
#define CLASS_ANY 255
#define TYPE_TSIG 250
#define NAME_PTR_MAX 64		/* compression pointers followed per name: loops end here */

static const char gss_alg[] = "gss-tsig.";

/* a key or algorithm name: never empty, never the root */
static int name_to_wire(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	if (!s || !*s || !strcmp(s, "."))
		return -EINVAL;
	return tsig_name_to_wire(s, out, cap, len);
}

/*
 * Read a possibly compressed name at @w's offset into lower-case wire form
 * (@out: TKEY_NAME_MAX bytes) and leave @w after it.
 */
static void name_read(struct wire_ctx *w, const uint8_t *msg, size_t len, uint8_t *out,
		      size_t *olen)
{
	size_t n = 0, pos = wire_ctx_offset(w), resume = 0;
	int jumps = 0;

	*olen = 0;
	if (w->error)
		return;
	for (;;) {
		uint8_t l;

		if (pos >= len)
			goto bad;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > NAME_PTR_MAX)
				goto bad;
			if (!resume)
				resume = pos + 2;
			pos = ((size_t)(l & 0x3f) << 8) | msg[pos + 1];
			continue;
		}
		if ((l & 0xc0) || pos + 1 + l > len || n + 1 + l > TKEY_NAME_MAX)
			goto bad;
		out[n++] = l;
		for (unsigned int i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower(msg[pos + 1 + i]);
		pos += 1 + l;
		if (!l)
			break;
	}
	*olen = n;
	wire_ctx_set_offset(w, resume ? resume : pos);
	return;
bad:
	wire_ctx_fail(w, -EBADMSG);
}

int tkey_key_name(char *buf, size_t cap, uint32_t rnd, const char *host)
{
	char label[64];
	size_t n = 0;

	for (const char *p = host; p && *p && *p != '.' && n + 1 < sizeof(label); p++) {
		unsigned char c = (unsigned char)*p;

		/* a host name's letters, digits and hyphens; anything else is left out */
		if (isalnum(c) || c == '-')
			label[n++] = (char)tolower(c);
	}
	label[n] = 0;
	if ((size_t)snprintf(buf, cap, "%u.sig-%s.", rnd, n ? label : "leasesnoop") >= cap)
		return -ENOSPC;
	return 0;
}

int tkey_query_build(uint8_t *buf, size_t cap, size_t *len, uint16_t id, const char *key_name,
		     const uint8_t *token, size_t token_len, uint32_t inception,
		     uint32_t expiration)
{
	uint8_t wkey[TKEY_NAME_MAX], walg[TKEY_NAME_MAX];
	size_t wkey_len, walg_len, rdlen_at;
	struct wire_ctx w = wire_ctx_init(buf, cap);

	if (name_to_wire(key_name, wkey, sizeof(wkey), &wkey_len) < 0 || token_len > 65535 ||
	    name_to_wire(gss_alg, walg, sizeof(walg), &walg_len) < 0)
		return -EINVAL;
	wire_ctx_write_u16(&w, id);
	wire_ctx_write_u16(&w, 0);		/* QUERY, no flags */
	wire_ctx_write_u16(&w, 1);		/* QDCOUNT */
	wire_ctx_write_u16(&w, 0);
	wire_ctx_write_u16(&w, 0);
	wire_ctx_write_u16(&w, 1);		/* ARCOUNT: the TKEY RR */
	wire_ctx_write(&w, wkey, wkey_len);
	wire_ctx_write_u16(&w, TKEY_TYPE);
	wire_ctx_write_u16(&w, CLASS_ANY);
	/* RFC 3645 §4.1.2: the TKEY RR goes in the additional section */
	wire_ctx_write(&w, wkey, wkey_len);
	wire_ctx_write_u16(&w, TKEY_TYPE);
	wire_ctx_write_u16(&w, CLASS_ANY);
	wire_ctx_write_u32(&w, 0);		/* TTL */
	rdlen_at = wire_ctx_offset(&w);
	wire_ctx_write_u16(&w, 0);
	wire_ctx_write(&w, walg, walg_len);	/* RFC 2930 §2: never compressed */
	wire_ctx_write_u32(&w, inception);
	wire_ctx_write_u32(&w, expiration);
	wire_ctx_write_u16(&w, TKEY_MODE_GSSAPI);
	wire_ctx_write_u16(&w, 0);		/* error */
	wire_ctx_write_u16(&w, (uint16_t)token_len);
	wire_ctx_write(&w, token, token_len);
	wire_ctx_write_u16(&w, 0);		/* other size */
	if (w.error)
		return -ENOSPC;
	*len = wire_ctx_offset(&w);
	if (*len - rdlen_at - 2 > 65535)
		return -EINVAL;
	wire_ctx_set_offset(&w, rdlen_at);
	wire_ctx_write_u16(&w, (uint16_t)(*len - rdlen_at - 2));
	return 0;
}

/* Read one TKEY RDATA of @rdlen bytes at @w into @a. */
static void tkey_rdata_read(struct wire_ctx *w, const uint8_t *msg, size_t len, size_t rdlen,
			    struct tkey_answer *a)
{
	uint8_t walg[TKEY_NAME_MAX], want[TKEY_NAME_MAX];
	size_t walg_len, want_len, end = wire_ctx_offset(w) + rdlen;
	uint16_t other;

	name_read(w, msg, len, walg, &walg_len);
	a->inception = wire_ctx_read_u32(w);
	a->expiration = wire_ctx_read_u32(w);
	a->mode = wire_ctx_read_u16(w);
	a->error = wire_ctx_read_u16(w);
	a->token_len = wire_ctx_read_u16(w);
	a->token = wire_ctx_take(w, a->token_len);
	other = wire_ctx_read_u16(w);
	wire_ctx_skip(w, other);
	if (!w->error && wire_ctx_offset(w) != end)
		wire_ctx_fail(w, -EBADMSG);	/* RDLENGTH disagrees with the fields */
	if (w->error)
		return;
	if (!a->token_len)
		a->token = NULL;
	name_to_wire(gss_alg, want, sizeof(want), &want_len);
	/* another algorithm (e.g. Windows 2000's gss.microsoft.com): not our negotiation */
	if (walg_len != want_len || memcmp(walg, want, want_len))
		a->mode = 0;
	a->has_tkey = true;
}

int tkey_answer_parse(const uint8_t *msg, size_t len, uint16_t id, const char *key_name,
		      struct tkey_answer *a)
{
	struct wire_ctx w = wire_ctx_init_const(msg, len);
	uint8_t wkey[TKEY_NAME_MAX], owner[TKEY_NAME_MAX];
	size_t wkey_len, owner_len;
	unsigned int qd, an, ns, ar;
	uint16_t flags;

	memset(a, 0, sizeof(*a));
	if (name_to_wire(key_name, wkey, sizeof(wkey), &wkey_len) < 0)
		return -EINVAL;
	if (wire_ctx_read_u16(&w) != id && !w.error)
		return LS_EDNS_ID;
	flags = wire_ctx_read_u16(&w);
	qd = wire_ctx_read_u16(&w);
	an = wire_ctx_read_u16(&w);
	ns = wire_ctx_read_u16(&w);
	ar = wire_ctx_read_u16(&w);
	if (w.error)
		return LS_EDNS_FORMAT;
	if (!(flags & 0x8000) || ((flags >> 11) & 0xf) != 0)
		return LS_EDNS_ID;		/* not a response, or not to a QUERY */
	a->rcode = flags & 0xf;
	for (unsigned int i = 0; i < qd && !w.error; i++) {
		name_read(&w, msg, len, owner, &owner_len);
		wire_ctx_skip(&w, 4);
	}
	for (unsigned int i = 0; i < an + ns + ar && !w.error; i++) {
		bool additional = i >= an + ns;
		uint16_t type, rdlen;

		name_read(&w, msg, len, owner, &owner_len);
		type = wire_ctx_read_u16(&w);
		wire_ctx_skip(&w, 6);		/* CLASS, TTL */
		rdlen = wire_ctx_read_u16(&w);
		if (w.error)
			break;
		if (type == TYPE_TSIG && i == an + ns + ar - 1) {
			a->has_tsig = true;
			wire_ctx_skip(&w, rdlen);
			continue;
		}
		if (type == TKEY_TYPE && (i < an || additional) && !a->has_tkey &&
		    owner_len == wkey_len && !memcmp(owner, wkey, wkey_len)) {
			tkey_rdata_read(&w, msg, len, rdlen, a);
			continue;
		}
		wire_ctx_skip(&w, rdlen);
	}
	if (w.error)
		return LS_EDNS_FORMAT;
	return 0;
}

int tkey_answer_check(const struct tkey_answer *a)
{
	if (a->rcode || !a->has_tkey || a->error || a->mode != TKEY_MODE_GSSAPI)
		return LS_ETKEY;
	return 0;
}

const char *tkey_error_name(unsigned int err)
{
	switch (err) {
	case TKEY_ERR_NONE: return "NOERROR";
	case TKEY_ERR_BADSIG: return "BADSIG";
	case TKEY_ERR_BADKEY: return "BADKEY";
	case TKEY_ERR_BADTIME: return "BADTIME";
	case TKEY_ERR_BADMODE: return "BADMODE";
	case TKEY_ERR_BADNAME: return "BADNAME";
	case TKEY_ERR_BADALG: return "BADALG";
	default: return "?";
	}
}
