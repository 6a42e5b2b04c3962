// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/tsig.c - TSIG signing and verification on raw DNS wire messages with
 * OpenSSL's HMAC, and key loading. Works on bytes, not on ldns packets, so
 * the MAC covers exactly what goes on the wire (RFC 8945 §4.3) and replies
 * are verified before anything else trusts them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/wire_ctx.h"
#include "user/dns/tsig.h"

#define DNS_HDR 12
#define TYPE_TSIG 250
#define CLASS_ANY 255

static const struct {
	const char *dns;	/* wire name of the algorithm (RFC 8945 §6) */
	const char *alias;	/* Kea / BIND spelling */
	size_t size;
} algs[TSIG_ALG_COUNT_] = {
	[TSIG_HMAC_MD5] = { "hmac-md5.sig-alg.reg.int.", "hmac-md5", 16 },
	[TSIG_HMAC_SHA1] = { "hmac-sha1.", "hmac-sha1", 20 },
	[TSIG_HMAC_SHA224] = { "hmac-sha224.", "hmac-sha224", 28 },
	[TSIG_HMAC_SHA256] = { "hmac-sha256.", "hmac-sha256", 32 },
	[TSIG_HMAC_SHA384] = { "hmac-sha384.", "hmac-sha384", 48 },
	[TSIG_HMAC_SHA512] = { "hmac-sha512.", "hmac-sha512", 64 },
	[TSIG_GSS_TSIG] = { "gss-tsig.", "gss-tsig", 0 },	/* MIC length: the mechanism's */
};

static const EVP_MD *alg_md(enum tsig_alg alg)
{
	switch (alg) {
	case TSIG_HMAC_MD5: return EVP_md5();
	case TSIG_HMAC_SHA1: return EVP_sha1();
	case TSIG_HMAC_SHA224: return EVP_sha224();
	case TSIG_HMAC_SHA256: return EVP_sha256();
	case TSIG_HMAC_SHA384: return EVP_sha384();
	case TSIG_HMAC_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

int tsig_alg_parse(const char *s)
{
	size_t n;

	if (!s)
		return LS_ETSIG_ALG;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	for (int i = 0; i < TSIG_ALG_COUNT_; i++) {
		size_t dl = strlen(algs[i].dns) - 1;

		if ((n == strlen(algs[i].alias) && !strncasecmp(s, algs[i].alias, n)) ||
		    (n == dl && !strncasecmp(s, algs[i].dns, n)))
			return i;
	}
	return LS_ETSIG_ALG;
}

const char *tsig_alg_name(enum tsig_alg alg)
{
	return alg < TSIG_ALG_COUNT_ ? algs[alg].dns : "?";
}

size_t tsig_alg_size(enum tsig_alg alg)
{
	return alg < TSIG_ALG_COUNT_ ? algs[alg].size : 0;
}

int tsig_name_to_wire(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t o = 0;
	const char *p = s;

	if (!*s)
		return -EINVAL;
	if (!strcmp(s, ".")) {
		if (cap < 1)
			return -ENOSPC;
		out[0] = 0;
		*len = 1;
		return 0;
	}
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || o + 1 + l + 1 > cap)
			return -EINVAL;
		out[o++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[o++] = (uint8_t)tolower((unsigned char)p[i]);
		p += l;
		if (*p == '.')
			p++;
	}
	out[o++] = 0;
	*len = o;
	return 0;
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 decoding; whitespace is skipped, '=' only as padding. */
static int b64_decode(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t o = 0;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -EINVAL;
		v = b64_val((unsigned char)*s);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 2 || o == 0)
		return -EINVAL;
	*len = o;
	return 0;
}

int tsig_key_init(struct tsig_key *key, const char *name, const char *alg, const char *secret_b64,
		  unsigned int digest_bits)
{
	int a;
	size_t full, n;

	memset(key, 0, sizeof(*key));
	if (!name || !*name || strlen(name) + 2 > sizeof(key->name)) {
		pr_err("tsig: bad key name '%s' (empty or too long)", name ? name : "");
		return LS_EKEYFILE;
	}
	a = tsig_alg_parse(alg);
	if (a < 0) {
		pr_err("tsig: unknown algorithm '%s' for key '%s' (%s)", alg ? alg : "", name,
		       ls_strerror(a));
		return a;
	}
	key->alg = a;
	full = algs[a].size;
	if (a == TSIG_GSS_TSIG && digest_bits) {
		pr_err("tsig: digest-bits is not allowed for gss-tsig key '%s'", name);
		return LS_ETSIG_ALG;
	}
	/* Kea D2 and RFC 8945 §5.2.2.1: 0 or a multiple of 8, >= 80 and >= half the MAC. */
	if (digest_bits && (digest_bits % 8 || digest_bits < 80 || digest_bits < full * 4 ||
			    digest_bits > full * 8)) {
		pr_err("tsig: bad digest-bits %u for key '%s' (%s)", digest_bits, name,
		       ls_strerror(LS_ETSIG_ALG));
		return LS_ETSIG_ALG;
	}
	key->digest_bits = digest_bits;
	n = strlen(name);
	snprintf(key->name, sizeof(key->name), "%s%s", name, name[n - 1] == '.' ? "" : ".");
	for (char *p = key->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (tsig_name_to_wire(key->name, key->wname, sizeof(key->wname), &key->wname_len) < 0) {
		pr_err("tsig: bad key name '%s' (not a DNS name)", name);
		return LS_EKEYFILE;
	}
	if (a == TSIG_GSS_TSIG && (!secret_b64 || !*secret_b64))
		return 0;
	if (!secret_b64 || b64_decode(secret_b64, key->secret, sizeof(key->secret),
				      &key->secret_len) < 0) {
		pr_err("tsig: bad secret for key '%s' (not base64, or longer than %zu bytes)", name,
		       sizeof(key->secret));
		OPENSSL_cleanse(key->secret, sizeof(key->secret));
		return LS_EKEYFILE;
	}
	return 0;
}

/* Next token of a BIND configuration: a word, a quoted string, or one of {};. */
static const char *next_tok(const char **pp, char *tok, size_t cap)
{
	const char *p = *pp;
	size_t n = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		break;
	}
	if (!*p)
		return NULL;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n + 1 < cap)
			tok[n++] = *p++;
		if (*p != '"')
			return NULL;
		p++;
	} else if (strchr("{};", *p)) {
		tok[n++] = *p++;
	} else {
		while (*p && !isspace((unsigned char)*p) && !strchr("{};\"", *p) && n + 1 < cap)
			tok[n++] = *p++;
	}
	tok[n] = 0;
	*pp = p;
	return tok;
}

/* Parse `key "name" { algorithm X; secret "Y"; };` blocks; picks @want or the first. */
static int parse_bind_keys(const char *text, const char *want, char *name, size_t name_cap,
			   char *alg, size_t alg_cap, char *secret, size_t secret_cap)
{
	const char *p = text;
	char tok[512];

	while (next_tok(&p, tok, sizeof(tok))) {
		char kname[TSIG_NAME_MAX + 1];
		int found_alg = 0, found_sec = 0;

		if (strcasecmp(tok, "key"))
			continue;
		if (!next_tok(&p, kname, sizeof(kname)))
			return LS_EKEYFILE;
		if (!next_tok(&p, tok, sizeof(tok)) || strcmp(tok, "{"))
			return LS_EKEYFILE;
		while (next_tok(&p, tok, sizeof(tok)) && strcmp(tok, "}")) {
			if (!strcasecmp(tok, "algorithm")) {
				if (!next_tok(&p, alg, alg_cap))
					return LS_EKEYFILE;
				found_alg = 1;
			} else if (!strcasecmp(tok, "secret")) {
				if (!next_tok(&p, secret, secret_cap))
					return LS_EKEYFILE;
				found_sec = 1;
			} else if (strcmp(tok, ";")) {
				return LS_EKEYFILE;
			}
		}
		if (!found_alg || !found_sec)
			return LS_EKEYFILE;
		if (!want || !strcasecmp(want, kname) ||
		    (strlen(want) == strlen(kname) + 1 && !strncasecmp(want, kname, strlen(kname)) &&
		     want[strlen(kname)] == '.')) {
			snprintf(name, name_cap, "%s", kname);
			return 0;
		}
	}
	return -ENOENT;
}

int tsig_key_load_file(struct tsig_key *key, const char *path, const char *name, const char *alg,
		       unsigned int digest_bits)
{
	char text[8192], kname[TSIG_NAME_MAX + 1], kalg[64], ksec[512];
	struct stat st;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("tsig: cannot open key file '%s' (%s)", path, ls_strerror(err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		pr_err("tsig: cannot stat key file '%s' (%s)", path, ls_strerror(err));
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		err = LS_EKEYFILE;
		pr_err("tsig: refusing key file '%s' (mode %04o: readable or writable by others)",
		       path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0) {
		err = -errno;
		pr_err("tsig: cannot read key file '%s' (%s)", path, ls_strerror(err));
		goto out;
	}
	text[n] = 0;
	err = parse_bind_keys(text, name, kname, sizeof(kname), kalg, sizeof(kalg), ksec,
			      sizeof(ksec));
	if (err == -ENOENT && !strstr(text, "key") && name && alg) {
		/* Kea's secret-file: the base64 secret alone. */
		err = tsig_key_init(key, name, alg, text, digest_bits);
		goto out;
	}
	if (err) {
		pr_err("tsig: no usable key%s%s in '%s' (%s)", name ? " " : "", name ? name : "", path,
		       err == -ENOENT ? "key not found" : "syntax error in key block");
		err = LS_EKEYFILE;
		goto out;
	}
	err = tsig_key_init(key, kname, kalg, ksec, digest_bits);
	if (!err && alg && tsig_alg_parse(alg) != (int)key->alg) {
		pr_err("tsig: key '%s' in '%s' has algorithm '%s', configuration says '%s'", kname,
		       path, kalg, alg);
		err = LS_ETSIG_ALG;
	}
out:
	OPENSSL_cleanse(ksec, sizeof(ksec));
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	return err;
}

/* Skip a possibly compressed name. */
static void name_skip(struct wire_ctx *w)
{
	for (int labels = 0; labels < 128 && !w->error; labels++) {
		uint8_t l = wire_ctx_read_u8(w);

		if (w->error || l == 0)
			return;
		if ((l & 0xc0) == 0xc0) {
			wire_ctx_skip(w, 1);	/* pointer: the name ends here */
			return;
		}
		if (l & 0xc0)
			break;		/* 0x40, 0x80: no such label types */
		wire_ctx_skip(w, l);
	}
	wire_ctx_fail(w, -EBADMSG);
}

long tsig_find(const uint8_t *msg, size_t len)
{
	struct wire_ctx w = wire_ctx_init_const(msg, len);
	unsigned int qd, rrs, ar;
	size_t last = 0;

	wire_ctx_skip(&w, 4);		/* ID, flags */
	qd = wire_ctx_read_u16(&w);
	rrs = wire_ctx_read_u16(&w);
	rrs += wire_ctx_read_u16(&w);
	ar = wire_ctx_read_u16(&w);
	rrs += ar;
	for (unsigned int i = 0; i < qd && !w.error; i++) {
		name_skip(&w);
		wire_ctx_skip(&w, 4);	/* QTYPE, QCLASS */
	}
	for (unsigned int i = 0; i < rrs && !w.error; i++) {
		last = wire_ctx_offset(&w);
		name_skip(&w);
		wire_ctx_skip(&w, 8);	/* TYPE, CLASS, TTL */
		wire_ctx_skip(&w, wire_ctx_read_u16(&w));
	}
	if (w.error)
		return LS_EDNS_FORMAT;
	if (!ar || wire_ctx_available(&w))
		return wire_ctx_available(&w) ? LS_EDNS_FORMAT : 0;
	/* RFC 8945 §5.1: the TSIG RR is the last additional record */
	wire_ctx_set_offset(&w, last);
	name_skip(&w);
	if (wire_ctx_read_u16(&w) != TYPE_TSIG)
		return 0;
	return (long)last;
}

/* Read an uncompressed name into lower-case wire form (@out: TSIG_NAME_MAX bytes). */
static void name_read_canon(struct wire_ctx *w, uint8_t *out, size_t *olen)
{
	size_t n = 0;

	*olen = 0;
	for (;;) {
		uint8_t l = wire_ctx_read_u8(w);
		const uint8_t *p;

		/* RFC 8945 §4.2: TSIG names are not compressed */
		if (!w->error && ((l & 0xc0) || n + 1 + l > TSIG_NAME_MAX))
			wire_ctx_fail(w, -EBADMSG);
		p = wire_ctx_take(w, l);
		if (w->error)
			return;
		out[n++] = l;
		for (unsigned int i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower(p[i]);
		if (!l)
			break;
	}
	*olen = n;
}

/*
 * TSIG variables (RFC 8945 §4.3.3): key name, class ANY, TTL 0, algorithm
 * name, time signed (48 bit), fudge, error, other len, other data.
 */
static void put_tsig_vars(struct wire_ctx *w, const uint8_t *wkey, size_t wkey_len,
			  const uint8_t *walg, size_t walg_len, uint64_t t, uint16_t fudge,
			  uint16_t error, const uint8_t *other, uint16_t other_len)
{
	wire_ctx_write(w, wkey, wkey_len);
	wire_ctx_write_u16(w, CLASS_ANY);
	wire_ctx_write_u32(w, 0);
	wire_ctx_write(w, walg, walg_len);
	wire_ctx_write_u48(w, t);
	wire_ctx_write_u16(w, fudge);
	wire_ctx_write_u16(w, error);
	wire_ctx_write_u16(w, other_len);
	wire_ctx_write(w, other, other_len);
}

static int hmac(const struct tsig_key *key, const uint8_t *data, size_t len, uint8_t *out)
{
	unsigned int ol = 0;

	if (!HMAC(alg_md(key->alg), key->secret, (int)key->secret_len, data, len, out, &ol)) {
		char e[256];

		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		pr_err("tsig: HMAC failed for key '%s' (%s)", key->name, e);
		return LS_ECRYPTO;
	}
	return 0;
}

static size_t mac_len_of(const struct tsig_key *key)
{
	if (key->alg == TSIG_GSS_TSIG)
		return TSIG_MAC_MAX;	/* an upper bound until the MIC is made */
	return key->digest_bits ? key->digest_bits / 8 : algs[key->alg].size;
}

/* The MAC of @data: HMAC, or the GSS-API MIC of a gss-tsig key (RFC 3645 §5.2). */
static int mac_make(const struct tsig_key *key, const uint8_t *data, size_t len, uint8_t *out,
		    size_t *out_len)
{
	if (key->alg == TSIG_GSS_TSIG) {
		if (!key->mic)
			return -EINVAL;	/* no context negotiated for this key */
		return key->mic->get_mic(key->mic_arg, data, len, out, TSIG_MAC_MAX, out_len);
	}
	*out_len = algs[key->alg].size;
	return hmac(key, data, len, out);
}

int tsig_sign(const struct tsig_key *key, uint8_t *buf, size_t *len, size_t cap, time_t now,
	      uint8_t *mac, size_t *mac_len)
{
	uint8_t walg[TSIG_NAME_MAX], full[TSIG_MAC_MAX];
	uint8_t *scratch;
	size_t walg_len, n = *len, ml = mac_len_of(key), rdlen_at, scap, flen = 0;
	struct wire_ctx w, s;
	uint16_t arcount;
	int err;

	if (n < DNS_HDR)
		return -EINVAL;
	if (tsig_name_to_wire(algs[key->alg].dns, walg, sizeof(walg), &walg_len) < 0)
		return -EINVAL;
	if (n + key->wname_len + 10 + walg_len + 10 + ml + 6 > cap)
		return -ENOSPC;		/* before the HMAC: a full buffer costs nothing */
	/* MAC input: message as is (before the TSIG RR and ARCOUNT bump), then the variables. */
	scap = n + key->wname_len + walg_len + 32;
	scratch = malloc(scap);
	if (!scratch)
		return -ENOMEM;
	s = wire_ctx_init(scratch, scap);
	wire_ctx_write(&s, buf, n);
	put_tsig_vars(&s, key->wname, key->wname_len, walg, walg_len, (uint64_t)now, TSIG_FUDGE,
		      0, NULL, 0);
	err = s.error ? -ENOSPC : mac_make(key, scratch, wire_ctx_offset(&s), full, &flen);
	free(scratch);
	if (err)
		return err;
	if (key->alg == TSIG_GSS_TSIG)
		ml = flen;

	/* The TSIG RR itself. */
	w = wire_ctx_init(buf, cap);
	wire_ctx_set_offset(&w, n);
	wire_ctx_write(&w, key->wname, key->wname_len);
	wire_ctx_write_u16(&w, TYPE_TSIG);
	wire_ctx_write_u16(&w, CLASS_ANY);
	wire_ctx_write_u32(&w, 0);		/* TTL */
	rdlen_at = wire_ctx_offset(&w);
	wire_ctx_write_u16(&w, 0);		/* RDLENGTH, below */
	wire_ctx_write(&w, walg, walg_len);
	wire_ctx_write_u48(&w, (uint64_t)now);
	wire_ctx_write_u16(&w, TSIG_FUDGE);
	wire_ctx_write_u16(&w, (uint16_t)ml);
	wire_ctx_write(&w, full, ml);
	wire_ctx_write(&w, buf, 2);		/* original ID */
	wire_ctx_write_u16(&w, 0);		/* error */
	wire_ctx_write_u16(&w, 0);		/* other len */
	if (w.error)
		return -ENOSPC;
	*len = wire_ctx_offset(&w);
	/* fill in RDLENGTH and bump ARCOUNT */
	wire_ctx_set_offset(&w, rdlen_at);
	wire_ctx_write_u16(&w, (uint16_t)(*len - rdlen_at - 2));
	wire_ctx_set_offset(&w, 10);
	arcount = wire_ctx_read_u16(&w);
	wire_ctx_set_offset(&w, 10);
	wire_ctx_write_u16(&w, arcount + 1);
	if (mac) {
		memcpy(mac, full, ml);
		*mac_len = ml;
	}
	return 0;
}

/* The TSIG RR of a reply, as read by tsig_verify(). */
struct tsig_rr {
	uint8_t wkey[TSIG_NAME_MAX], walg[TSIG_NAME_MAX];
	size_t wkey_len, walg_len;
	uint64_t t;
	uint16_t fudge, mac_len, orig_id, error, other_len;
	uint16_t arcount;	/* the reply header's, TSIG RR included */
	const uint8_t *mac, *other;
};

/* Read the TSIG RR at @at (RFC 8945 §4.2); LS_EDNS_FORMAT if it does not parse. */
static int tsig_rr_read(const uint8_t *reply, size_t len, size_t at, struct tsig_rr *rr)
{
	struct wire_ctx w = wire_ctx_init_const(reply, len), rd;

	wire_ctx_set_offset(&w, 10);
	rr->arcount = wire_ctx_read_u16(&w);
	wire_ctx_set_offset(&w, at);
	name_read_canon(&w, rr->wkey, &rr->wkey_len);
	wire_ctx_skip(&w, 8);		/* TYPE, CLASS, TTL */
	rd = wire_ctx_sub(&w, wire_ctx_read_u16(&w));
	name_read_canon(&rd, rr->walg, &rr->walg_len);
	rr->t = wire_ctx_read_u48(&rd);
	rr->fudge = wire_ctx_read_u16(&rd);
	rr->mac_len = wire_ctx_read_u16(&rd);
	rr->mac = wire_ctx_take(&rd, rr->mac_len);
	rr->orig_id = wire_ctx_read_u16(&rd);
	rr->error = wire_ctx_read_u16(&rd);
	rr->other_len = wire_ctx_read_u16(&rd);
	rr->other = wire_ctx_take(&rd, rr->other_len);
	if (!rd.error && wire_ctx_available(&rd))
		wire_ctx_fail(&rd, -EBADMSG);	/* bytes after other data */
	return w.error || rd.error ? LS_EDNS_FORMAT : 0;
}

/*
 * Find the TSIG RR that ends @msg and read it into @rr; *@at is its offset.
 * LS_ETSIG_MISSING without one, LS_EDNS_FORMAT if it does not parse.
 */
static int tsig_rr_locate(const uint8_t *msg, size_t len, struct tsig_rr *rr, size_t *at)
{
	long off = tsig_find(msg, len);

	if (off < 0)
		return (int)off;
	if (off == 0)
		return LS_ETSIG_MISSING;
	*at = (size_t)off;
	return tsig_rr_read(msg, len, *at, rr);
}

int tsig_verify(const struct tsig_key *key, const uint8_t *reply, size_t len, const uint8_t *req_mac,
		size_t req_mac_len, time_t now, int *tsig_error)
{
	uint8_t full[TSIG_MAC_MAX];
	size_t flen = algs[key->alg].size, scap;
	struct tsig_rr rr;
	struct wire_ctx s;
	uint8_t *scratch;
	size_t at = 0;
	int err;

	if (tsig_error)
		*tsig_error = 0;
	err = tsig_rr_locate(reply, len, &rr, &at);
	if (err)
		return err;
	if (tsig_error)
		*tsig_error = rr.error;

	{
		uint8_t want_alg[TSIG_NAME_MAX];
		size_t want_len;

		tsig_name_to_wire(algs[key->alg].dns, want_alg, sizeof(want_alg), &want_len);
		if (rr.wkey_len != key->wname_len || memcmp(rr.wkey, key->wname, rr.wkey_len) ||
		    rr.walg_len != want_len || memcmp(rr.walg, want_alg, want_len))
			return LS_ETSIG_BADKEY;
	}
	/* An error reply to a request the server could not authenticate is unsigned (§5.3.2). */
	if (rr.error == TSIG_ERR_BADKEY)
		return LS_ETSIG_BADKEY;
	if (rr.error == TSIG_ERR_BADSIG || (rr.error && !rr.mac_len))
		return LS_ETSIG_BADSIG;
	/* RFC 8945 §5.2.2.1: accept truncation down to max(10 bytes, half the MAC). */
	if (key->alg != TSIG_GSS_TSIG &&
	    (rr.mac_len > flen || rr.mac_len < 10 || rr.mac_len < flen / 2))
		return LS_ETSIG_BADSIG;
	if (key->alg == TSIG_GSS_TSIG && (!key->mic || !rr.mac_len))
		return LS_ETSIG_BADSIG;

	/* MAC input (§4.3): request MAC, reply with its original ID and without the TSIG RR, variables */
	scap = 2 + req_mac_len + at + rr.wkey_len + rr.walg_len + 32 + rr.other_len;
	scratch = malloc(scap);
	if (!scratch)
		return -ENOMEM;
	s = wire_ctx_init(scratch, scap);
	if (req_mac_len) {
		wire_ctx_write_u16(&s, (uint16_t)req_mac_len);
		wire_ctx_write(&s, req_mac, req_mac_len);
	}
	wire_ctx_write_u16(&s, rr.orig_id);
	wire_ctx_write(&s, reply + 2, 8);		/* flags, QD/AN/NS counts */
	wire_ctx_write_u16(&s, rr.arcount - 1);		/* ARCOUNT without the TSIG RR */
	wire_ctx_write(&s, reply + DNS_HDR, at - DNS_HDR);
	put_tsig_vars(&s, rr.wkey, rr.wkey_len, rr.walg, rr.walg_len, rr.t, rr.fudge, rr.error,
		      rr.other, rr.other_len);
	if (s.error)
		err = -ENOSPC;
	else if (key->alg == TSIG_GSS_TSIG) {
		err = key->mic->verify_mic(key->mic_arg, scratch, wire_ctx_offset(&s), rr.mac,
					   rr.mac_len) ? LS_ETSIG_BADSIG : 0;
		/*
		 * Samba's internal DNS (4.17) leaves the request MAC's 2-byte
		 * length out of its replies' MAC input. Still a MIC of the
		 * context over our request's MAC and the whole reply: accepted,
		 * for GSS-TSIG only.
		 */
		if (err && req_mac_len)
			err = key->mic->verify_mic(key->mic_arg, scratch + 2,
						   wire_ctx_offset(&s) - 2, rr.mac, rr.mac_len) ?
				      LS_ETSIG_BADSIG : 0;
	}
	else
		err = hmac(key, scratch, wire_ctx_offset(&s), full);
	free(scratch);
	if (err)
		return err;
	if (key->alg != TSIG_GSS_TSIG && CRYPTO_memcmp(full, rr.mac, rr.mac_len))
		return LS_ETSIG_BADSIG;
	if (rr.error == TSIG_ERR_BADTIME || (rr.t > (uint64_t)now + rr.fudge) ||
	    ((uint64_t)now > rr.t + rr.fudge))
		return LS_ETSIG_BADTIME;
	if (rr.error)
		return LS_ETSIG_BADSIG;
	return 0;
}

int tsig_verify_next(const struct tsig_key *key, const uint8_t *msg, size_t len,
		     const uint8_t *prev_mac, size_t prev_mac_len, const uint8_t *unsigned_msgs,
		     size_t unsigned_len, time_t now, uint8_t *mac, size_t *mac_len)
{
	uint8_t full[TSIG_MAC_MAX];
	size_t flen = algs[key->alg].size, scap;
	struct tsig_rr rr;
	struct wire_ctx s;
	uint8_t *scratch;
	size_t at = 0;
	int err;

	err = tsig_rr_locate(msg, len, &rr, &at);
	if (err)
		return err;
	if (rr.wkey_len != key->wname_len || memcmp(rr.wkey, key->wname, rr.wkey_len))
		return LS_ETSIG_BADKEY;
	if (rr.error == TSIG_ERR_BADKEY)
		return LS_ETSIG_BADKEY;
	if (rr.error || rr.mac_len > flen || rr.mac_len < 10 || rr.mac_len < flen / 2)
		return LS_ETSIG_BADSIG;
	/*
	 * RFC 8945 §5.3.1: a later message of a stream is signed over the prior
	 * MAC, every unsigned message since it, this message without its TSIG
	 * RR (original ID, ARCOUNT less one) and the timers only.
	 */
	scap = 2 + prev_mac_len + unsigned_len + at + 8;
	scratch = malloc(scap);
	if (!scratch)
		return -ENOMEM;
	s = wire_ctx_init(scratch, scap);
	wire_ctx_write_u16(&s, (uint16_t)prev_mac_len);
	wire_ctx_write(&s, prev_mac, prev_mac_len);
	wire_ctx_write(&s, unsigned_msgs, unsigned_len);
	wire_ctx_write_u16(&s, rr.orig_id);
	wire_ctx_write(&s, msg + 2, 8);
	wire_ctx_write_u16(&s, rr.arcount - 1);
	wire_ctx_write(&s, msg + DNS_HDR, at - DNS_HDR);
	wire_ctx_write_u48(&s, rr.t);
	wire_ctx_write_u16(&s, rr.fudge);
	err = s.error ? -ENOSPC : hmac(key, scratch, wire_ctx_offset(&s), full);
	free(scratch);
	if (err)
		return err;
	if (CRYPTO_memcmp(full, rr.mac, rr.mac_len))
		return LS_ETSIG_BADSIG;
	if (rr.t > (uint64_t)now + rr.fudge || (uint64_t)now > rr.t + rr.fudge)
		return LS_ETSIG_BADTIME;
	memcpy(mac, rr.mac, rr.mac_len);
	*mac_len = rr.mac_len;
	return 0;
}

int tsig_reply_mac(const uint8_t *msg, size_t len, uint8_t *mac, size_t *mac_len)
{
	struct tsig_rr rr;
	size_t at = 0;
	int err;

	err = tsig_rr_locate(msg, len, &rr, &at);
	if (err)
		return err;
	if (rr.mac_len > TSIG_MAC_MAX)
		return LS_EDNS_FORMAT;
	memcpy(mac, rr.mac, rr.mac_len);
	*mac_len = rr.mac_len;
	return 0;
}
