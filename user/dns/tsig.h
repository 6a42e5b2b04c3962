/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/tsig.h - TSIG (RFC 8945) transaction signatures on DNS wire messages:
 * signing of requests and verification of replies with HMAC-MD5, -SHA1,
 * -SHA224, -SHA256, -SHA384 and -SHA512 (OpenSSL), including digest-bits
 * truncation (RFC 8945 §5.2.2.1). Keys come from Kea D2's tsig-keys syntax
 * (name, algorithm, secret in base64, digest-bits) or from a BIND
 * `key "name" { algorithm …; secret "…"; };` file; key files readable by
 * group or others are refused. A key's secret never reaches a log line.
 */
#ifndef LS_TSIG_H
#define LS_TSIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TSIG_MAC_MAX 128	/* HMAC-SHA512 is 64; a Kerberos MIC token is at most 40 */
#define TSIG_FUDGE 300		/* seconds, RFC 8945 §10 recommendation */
#define TSIG_NAME_MAX 255	/* wire form */

enum tsig_alg {
	TSIG_HMAC_MD5 = 0,
	TSIG_HMAC_SHA1,
	TSIG_HMAC_SHA224,
	TSIG_HMAC_SHA256,
	TSIG_HMAC_SHA384,
	TSIG_HMAC_SHA512,
	TSIG_GSS_TSIG,		/* RFC 3645: the MAC comes from a GSS-API context (key->mic) */
	TSIG_ALG_COUNT_,
};

/* TSIG RR error field values (RFC 8945 §5.3, RFC 2845). */
enum tsig_error {
	TSIG_ERR_NONE = 0,
	TSIG_ERR_BADSIG = 16,
	TSIG_ERR_BADKEY = 17,
	TSIG_ERR_BADTIME = 18,
	TSIG_ERR_BADTRUNC = 22,
};

/*
 * GSS-TSIG (RFC 3645 §5.2): the MAC input is the one RFC 8945 §4.3 defines,
 * handed to GSS_GetMIC() / GSS_VerifyMIC() instead of an HMAC. A gss-tsig
 * key carries these and the context they use (user/dns/gss.c); both return
 * 0 or LS_EGSS (get_mic) / LS_ETSIG_BADSIG (verify_mic).
 */
struct tsig_mic_ops {
	int (*get_mic)(void *arg, const uint8_t *data, size_t len, uint8_t *mic, size_t cap,
		       size_t *mic_len);
	int (*verify_mic)(void *arg, const uint8_t *data, size_t len, const uint8_t *mic,
			  size_t mic_len);
};

struct tsig_key {
	char name[TSIG_NAME_MAX + 1];	/* presentation, lower case, trailing dot */
	uint8_t wname[TSIG_NAME_MAX];	/* canonical wire form */
	size_t wname_len;
	enum tsig_alg alg;
	uint8_t secret[128];
	size_t secret_len;
	unsigned int digest_bits;	/* 0: full length */
	/* TSIG_GSS_TSIG only: the context's MIC functions; no secret */
	const struct tsig_mic_ops *mic;
	void *mic_arg;
};

/*
 * tsig_alg_parse() - map an algorithm name to enum tsig_alg. Accepts Kea's
 * spellings ("HMAC-SHA256"), BIND's ("hmac-sha256") and the wire names
 * ("hmac-md5.sig-alg.reg.int."), case-insensitively. Returns the algorithm or
 * LS_ETSIG_ALG.
 */
int tsig_alg_parse(const char *s);

/* tsig_alg_name() - the algorithm's DNS name, e.g. "hmac-sha256.". */
const char *tsig_alg_name(enum tsig_alg alg);

/* tsig_alg_size() - the full MAC length in bytes of @alg. */
size_t tsig_alg_size(enum tsig_alg alg);

/*
 * tsig_name_to_wire() - presentation name @s (trailing dot optional; "." is
 * the root) to lower-case uncompressed wire form in @out (cap bytes),
 * canonical as RFC 4034 §6.2 orders names; *@len its length. 0, or -EINVAL
 * (empty, an empty or over-long label, no room) or -ENOSPC.
 */
int tsig_name_to_wire(const char *s, uint8_t *out, size_t cap, size_t *len);

/*
 * tsig_key_init() - fill @key from a name, an algorithm name, a base64
 * secret and a digest-bits value (0 = no truncation; otherwise a multiple of
 * 8, at least 80 and at least half the MAC, as Kea and RFC 8945 require).
 * For "gss-tsig" (RFC 3645) @secret_b64 may be NULL: such a key only says
 * that the servers using it sign with a negotiated GSS-API context, whose
 * name and MIC functions the GSS layer fills in.
 * Returns 0, LS_ETSIG_ALG, or LS_EKEYFILE for a bad name or secret. Errors
 * are logged naming the key, never the secret.
 */
int tsig_key_init(struct tsig_key *key, const char *name, const char *alg, const char *secret_b64,
		  unsigned int digest_bits);

/*
 * tsig_key_load_file() - read a BIND `key "name" { algorithm A; secret "S"; };`
 * block from @path into @key. When @name is non-NULL the file must define
 * that key; otherwise the first key is taken. A file holding only a base64
 * secret (Kea's secret-file) is accepted when @name and @alg are given.
 * Refuses files readable or writable by group or others (LS_EKEYFILE).
 * Returns 0, LS_EKEYFILE, LS_ETSIG_ALG or a negative errno.
 */
int tsig_key_load_file(struct tsig_key *key, const char *path, const char *name, const char *alg,
		       unsigned int digest_bits);

/*
 * tsig_sign() - append a TSIG RR to the DNS message in buf[0..*len) signed
 * with @key at time @now, and bump ARCOUNT. @cap is the buffer size. The MAC
 * placed in the message (possibly truncated) is copied to @mac/@mac_len for
 * verifying the reply. Returns 0, -ENOSPC, -EINVAL or LS_ECRYPTO.
 */
int tsig_sign(const struct tsig_key *key, uint8_t *buf, size_t *len, size_t cap, time_t now,
	      uint8_t *mac, size_t *mac_len);

/*
 * tsig_verify() - check the TSIG RR that must end reply[0..len): key name
 * and algorithm equal @key's, MAC over the request MAC and the reply
 * (RFC 8945 §5.3.2 / §4.3.3), time within the fudge of @now. @tsig_error
 * receives the TSIG error field when a TSIG RR was found. Returns 0,
 * LS_ETSIG_MISSING (no TSIG RR), LS_ETSIG_BADKEY (other key or algorithm, or
 * the server's error BADKEY), LS_ETSIG_BADSIG, LS_ETSIG_BADTIME or
 * LS_EDNS_FORMAT.
 */
int tsig_verify(const struct tsig_key *key, const uint8_t *reply, size_t len, const uint8_t *req_mac,
		size_t req_mac_len, time_t now, int *tsig_error);

/*
 * tsig_find() - locate the last RR of the additional section of msg[0..len)
 * when it is a TSIG RR. Returns its offset (> 0), 0 when the message has no
 * TSIG RR, or LS_EDNS_FORMAT when the message does not parse.
 */
long tsig_find(const uint8_t *msg, size_t len);

/*
 * tsig_verify_next() - verify a later message of a multi-message reply (a
 * zone transfer, RFC 8945 §5.3.1): signed over @prev_mac (the MAC of the
 * last signed message), the messages since it that came unsigned
 * (@unsigned_msgs, concatenated as received) and this message's timers.
 * The first message of a stream is checked with tsig_verify() and its MAC
 * taken with tsig_reply_mac(). On success the message's MAC goes to
 * @mac/@mac_len (TSIG_MAC_MAX bytes) for the next one. Returns 0,
 * LS_ETSIG_MISSING, LS_ETSIG_BADKEY, LS_ETSIG_BADSIG, LS_ETSIG_BADTIME or
 * LS_EDNS_FORMAT.
 */
int tsig_verify_next(const struct tsig_key *key, const uint8_t *msg, size_t len,
		     const uint8_t *prev_mac, size_t prev_mac_len, const uint8_t *unsigned_msgs,
		     size_t unsigned_len, time_t now, uint8_t *mac, size_t *mac_len);
/*
 * tsig_reply_mac() - copy the MAC of the TSIG RR ending @msg to @mac
 * (TSIG_MAC_MAX bytes). Returns 0, LS_ETSIG_MISSING or LS_EDNS_FORMAT.
 */
int tsig_reply_mac(const uint8_t *msg, size_t len, uint8_t *mac, size_t *mac_len);
#endif
