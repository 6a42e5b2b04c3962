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

/* Presentation name to lower-case uncompressed wire form (canonical, RFC 4034 §6.2). */
static int name_to_wire(const char *s, uint8_t *out, size_t cap, size_t *len)
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
	if (name_to_wire(key->name, key->wname, sizeof(key->wname), &key->wname_len) < 0) {
		pr_err("tsig: bad key name '%s' (not a DNS name)", name);
		return LS_EKEYFILE;
	}
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

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Skip a possibly compressed name at msg[*off]; bounds-checked. */
static int skip_name(const uint8_t *msg, size_t len, size_t *off)
{
	size_t o = *off;

	for (int labels = 0; labels < 128; labels++) {
		uint8_t l;

		if (o >= len)
			return -1;
		l = msg[o];
		if (l == 0) {
			*off = o + 1;
			return 0;
		}
		if ((l & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (l & 0xc0)
			return -1;
		o += 1 + l;
	}
	return -1;
}

long tsig_find(const uint8_t *msg, size_t len)
{
	size_t off = DNS_HDR, last = 0;
	unsigned int qd, rrs;

	if (len < DNS_HDR)
		return LS_EDNS_FORMAT;
	qd = get16(msg + 4);
	rrs = get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	for (unsigned int i = 0; i < qd; i++) {
		if (skip_name(msg, len, &off) || off + 4 > len)
			return LS_EDNS_FORMAT;
		off += 4;
	}
	for (unsigned int i = 0; i < rrs; i++) {
		last = off;
		if (skip_name(msg, len, &off) || off + 10 > len)
			return LS_EDNS_FORMAT;
		off += 10 + get16(msg + off + 8);
		if (off > len)
			return LS_EDNS_FORMAT;
	}
	if (!get16(msg + 10) || off != len)
		return off == len ? 0 : LS_EDNS_FORMAT;
	{
		size_t o = last;

		skip_name(msg, len, &o);
		if (get16(msg + o) != TYPE_TSIG)
			return 0;
	}
	return (long)last;
}

/* Read an uncompressed name at msg[*off] into lower-case wire form. */
static int read_name_canon(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *olen)
{
	size_t o = *off, n = 0;

	for (;;) {
		uint8_t l;

		if (o >= len)
			return -1;
		l = msg[o];
		if (l & 0xc0)
			return -1;	/* RFC 8945 §4.2: TSIG names are not compressed */
		if (n + 1 + l > TSIG_NAME_MAX || o + 1 + l > len)
			return -1;
		out[n++] = l;
		for (unsigned int i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower(msg[o + 1 + i]);
		o += 1 + l;
		if (!l)
			break;
	}
	*off = o;
	*olen = n;
	return 0;
}

/*
 * TSIG variables (RFC 8945 §4.3.3): key name, class ANY, TTL 0, algorithm
 * name, time signed (48 bit), fudge, error, other len, other data.
 */
static size_t put_tsig_vars(uint8_t *p, const struct tsig_key *key, const uint8_t *walg,
			    size_t walg_len, uint64_t t, uint16_t fudge, uint16_t error,
			    const uint8_t *other, uint16_t other_len)
{
	size_t o = 0;

	memcpy(p, key->wname, key->wname_len);
	o += key->wname_len;
	put16(p + o, CLASS_ANY);
	memset(p + o + 2, 0, 4);
	o += 6;
	memcpy(p + o, walg, walg_len);
	o += walg_len;
	put16(p + o, (uint16_t)(t >> 32));
	put16(p + o + 2, (uint16_t)(t >> 16));
	put16(p + o + 4, (uint16_t)t);
	put16(p + o + 6, fudge);
	put16(p + o + 8, error);
	put16(p + o + 10, other_len);
	o += 12;
	if (other_len)
		memcpy(p + o, other, other_len);
	return o + other_len;
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
	return key->digest_bits ? key->digest_bits / 8 : algs[key->alg].size;
}

int tsig_sign(const struct tsig_key *key, uint8_t *buf, size_t *len, size_t cap, time_t now,
	      uint8_t *mac, size_t *mac_len)
{
	uint8_t walg[TSIG_NAME_MAX], full[TSIG_MAC_MAX];
	uint8_t *scratch;
	size_t walg_len, n = *len, vl, ml = mac_len_of(key), need;
	int err;

	if (n < DNS_HDR)
		return -EINVAL;
	if (name_to_wire(algs[key->alg].dns, walg, sizeof(walg), &walg_len) < 0)
		return -EINVAL;
	need = key->wname_len + 10 + walg_len + 10 + ml + 6;
	if (n + need > cap)
		return -ENOSPC;
	/* MAC input: message as is (before the TSIG RR and ARCOUNT bump), then the variables. */
	scratch = malloc(n + key->wname_len + walg_len + 32);
	if (!scratch)
		return -ENOMEM;
	memcpy(scratch, buf, n);
	vl = put_tsig_vars(scratch + n, key, walg, walg_len, (uint64_t)now, TSIG_FUDGE, 0, NULL, 0);
	err = hmac(key, scratch, n + vl, full);
	free(scratch);
	if (err)
		return err;

	/* The TSIG RR itself. */
	{
		uint8_t *p = buf + n;
		size_t o = 0, rdstart;

		memcpy(p, key->wname, key->wname_len);
		o += key->wname_len;
		put16(p + o, TYPE_TSIG);
		put16(p + o + 2, CLASS_ANY);
		memset(p + o + 4, 0, 4);
		o += 10;
		rdstart = o;
		memcpy(p + o, walg, walg_len);
		o += walg_len;
		put16(p + o, (uint16_t)((uint64_t)now >> 32));
		put16(p + o + 2, (uint16_t)((uint64_t)now >> 16));
		put16(p + o + 4, (uint16_t)now);
		put16(p + o + 6, TSIG_FUDGE);
		put16(p + o + 8, (uint16_t)ml);
		o += 10;
		memcpy(p + o, full, ml);
		o += ml;
		memcpy(p + o, buf, 2);		/* original ID */
		put16(p + o + 2, 0);		/* error */
		put16(p + o + 4, 0);		/* other len */
		o += 6;
		put16(p + rdstart - 2, (uint16_t)(o - rdstart));
		*len = n + o;
	}
	put16(buf + 10, get16(buf + 10) + 1);
	if (mac) {
		memcpy(mac, full, ml);
		*mac_len = ml;
	}
	return 0;
}

int tsig_verify(const struct tsig_key *key, const uint8_t *reply, size_t len, const uint8_t *req_mac,
		size_t req_mac_len, time_t now, int *tsig_error)
{
	uint8_t wkey[TSIG_NAME_MAX], walg[TSIG_NAME_MAX], full[TSIG_MAC_MAX];
	size_t wkey_len, walg_len, off, rdend, mac_len, vl, flen = algs[key->alg].size;
	const uint8_t *mac, *other;
	uint16_t fudge, orig_id, error, other_len;
	uint64_t t;
	uint8_t *scratch;
	long at;
	int err;

	if (tsig_error)
		*tsig_error = 0;
	at = tsig_find(reply, len);
	if (at < 0)
		return (int)at;
	if (at == 0)
		return LS_ETSIG_MISSING;
	off = (size_t)at;
	if (read_name_canon(reply, len, &off, wkey, &wkey_len) || off + 10 > len)
		return LS_EDNS_FORMAT;
	rdend = off + 10 + get16(reply + off + 8);
	off += 10;
	if (read_name_canon(reply, rdend, &off, walg, &walg_len) || off + 10 > rdend)
		return LS_EDNS_FORMAT;
	t = (uint64_t)get16(reply + off) << 32 | (uint64_t)get16(reply + off + 2) << 16 |
	    get16(reply + off + 4);
	fudge = get16(reply + off + 6);
	mac_len = get16(reply + off + 8);
	off += 10;
	if (off + mac_len + 6 > rdend)
		return LS_EDNS_FORMAT;
	mac = reply + off;
	off += mac_len;
	orig_id = get16(reply + off);
	error = get16(reply + off + 2);
	other_len = get16(reply + off + 4);
	off += 6;
	if (off + other_len != rdend)
		return LS_EDNS_FORMAT;
	other = reply + off;
	if (tsig_error)
		*tsig_error = error;

	{
		uint8_t want_alg[TSIG_NAME_MAX];
		size_t want_len;

		name_to_wire(algs[key->alg].dns, want_alg, sizeof(want_alg), &want_len);
		if (wkey_len != key->wname_len || memcmp(wkey, key->wname, wkey_len) ||
		    walg_len != want_len || memcmp(walg, want_alg, want_len))
			return LS_ETSIG_BADKEY;
	}
	/* An error reply to a request the server could not authenticate is unsigned (§5.3.2). */
	if (error == TSIG_ERR_BADKEY)
		return LS_ETSIG_BADKEY;
	if (error == TSIG_ERR_BADSIG || (error && !mac_len))
		return LS_ETSIG_BADSIG;
	/* RFC 8945 §5.2.2.1: accept truncation down to max(10 bytes, half the MAC). */
	if (mac_len > flen || mac_len < 10 || mac_len < flen / 2)
		return LS_ETSIG_BADSIG;

	scratch = malloc(2 + req_mac_len + (size_t)at + wkey_len + walg_len + 32 + other_len);
	if (!scratch)
		return -ENOMEM;
	off = 0;
	if (req_mac_len) {
		put16(scratch, (uint16_t)req_mac_len);
		memcpy(scratch + 2, req_mac, req_mac_len);
		off = 2 + req_mac_len;
	}
	memcpy(scratch + off, reply, (size_t)at);
	put16(scratch + off, orig_id);
	put16(scratch + off + 10, get16(reply + 10) - 1);
	off += (size_t)at;
	{
		struct tsig_key k = *key;

		memcpy(k.wname, wkey, wkey_len);
		vl = put_tsig_vars(scratch + off, &k, walg, walg_len, t, fudge, error, other,
				   other_len);
		OPENSSL_cleanse(k.secret, sizeof(k.secret));
	}
	err = hmac(key, scratch, off + vl, full);
	free(scratch);
	if (err)
		return err;
	if (CRYPTO_memcmp(full, mac, mac_len))
		return LS_ETSIG_BADSIG;
	if (error == TSIG_ERR_BADTIME || (t > (uint64_t)now + fudge) || ((uint64_t)now > t + fudge))
		return LS_ETSIG_BADTIME;
	if (error)
		return LS_ETSIG_BADSIG;
	return 0;
}
