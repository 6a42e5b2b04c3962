/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/tkey.h - TKEY (RFC 2930) messages for GSS-TSIG (RFC 3645): the query
 * that carries a GSS-API token to the DNS server (mode 3, "GSS-API
 * negotiation", algorithm gss-tsig.) and the reading of its answer (the
 * server's token, its error, the key's lifetime). Pure functions on wire
 * bytes, no GSS-API and no sockets: user/dns/gss.c drives the exchange.
 */
#ifndef LS_TKEY_H
#define LS_TKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TKEY_TYPE 249			/* RR type TKEY */
#define TKEY_MODE_GSSAPI 3		/* RFC 2930 §2.5 */
#define TKEY_MODE_DELETE 5
#define TKEY_NAME_MAX 255		/* wire form */

/* TKEY error field values (RFC 2930 §2.6; 16..18 as in TSIG). */
enum tkey_error {
	TKEY_ERR_NONE = 0,
	TKEY_ERR_BADSIG = 16,
	TKEY_ERR_BADKEY = 17,
	TKEY_ERR_BADTIME = 18,
	TKEY_ERR_BADMODE = 19,
	TKEY_ERR_BADNAME = 20,
	TKEY_ERR_BADALG = 21,
};

/* What a TKEY answer says, as tkey_answer_parse() read it. */
struct tkey_answer {
	int rcode;			/* the DNS header's */
	bool has_tkey;			/* a TKEY RR for our key name was found */
	bool has_tsig;			/* the message ends with a TSIG RR */
	uint16_t mode, error;		/* the TKEY RR's */
	uint32_t inception, expiration;	/* seconds since the epoch (RFC 2930 §2.3) */
	const uint8_t *token;		/* into the message; NULL when empty */
	size_t token_len;
};

/*
 * tkey_key_name() - a fresh GSS-TSIG key (context) name, "<rnd>.sig-<host>."
 * as BIND's nsupdate makes them: @host's first label (or "leasesnoop"),
 * lower case. RFC 3645 §4.1.2: unique per client, chosen by the client.
 * Returns 0 or -ENOSPC.
 */
int tkey_key_name(char *buf, size_t cap, uint32_t rnd, const char *host);

/*
 * tkey_query_build() - the TKEY query for GSS-API negotiation (RFC 3645
 * §4.1.2): question "@key_name TKEY ANY", and in the additional section a
 * TKEY RR with algorithm gss-tsig., @inception/@expiration, mode 3 and
 * @token as key data. Written to buf[0..cap), length in *@len. The query is
 * not signed (no context exists yet). Returns 0, -EINVAL (bad name, token
 * over 65535 bytes) or -ENOSPC.
 */
int tkey_query_build(uint8_t *buf, size_t cap, size_t *len, uint16_t id, const char *key_name,
		     const uint8_t *token, size_t token_len, uint32_t inception,
		     uint32_t expiration);

/*
 * tkey_answer_parse() - read the answer @msg[0..len) to the TKEY query
 * with ID @id for @key_name (presentation, case ignored): the header's
 * rcode and the TKEY RR of that name in the answer section (or, as some
 * servers do, the additional section). Names may be compressed. Pure; the
 * token points into @msg. Returns 0 (check @a->rcode, has_tkey, error),
 * LS_EDNS_ID (not a response to that query) or LS_EDNS_FORMAT.
 */
int tkey_answer_parse(const uint8_t *msg, size_t len, uint16_t id, const char *key_name,
		      struct tkey_answer *a);

/*
 * tkey_answer_check() - decide what an answer means for the negotiation:
 * 0 when it carries the server's token (or none, GSS-API may be done) with
 * no error; LS_ETKEY when the server answered with an rcode or a TKEY
 * error, or not in mode 3, or without a TKEY RR. Pure.
 */
int tkey_answer_check(const struct tkey_answer *a);

/* tkey_error_name() - "BADKEY", "BADNAME", …; "NOERROR" for 0, "?" otherwise. */
const char *tkey_error_name(unsigned int err);

#endif
