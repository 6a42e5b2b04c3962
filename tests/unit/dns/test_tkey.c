// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/dns/test_tkey.c - user/dns/tkey.c: the GSS-API TKEY query
 * (checked by ldns, an independent parser), answers read with compressed
 * and uncompressed names, in the answer or additional section, signed or
 * not; error answers (rcode, TKEY error, wrong mode or algorithm, no TKEY)
 * refused by tkey_answer_check(); short, looping and lying messages
 * refused without reading past their end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "user/common/errcode.h"
#include "user/dns/tkey.h"
#include "tests/lib/unit.h"

#define KEYNAME "1234.sig-dhcp1."

static const uint8_t tok[] = { 0x60, 0x82, 0x01, 0x02, 0xde, 0xad, 0xbe, 0xef };

static void test_key_name(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(tkey_key_name(b, sizeof(b), 42, "DHCP1.example.com"), 0);
	assert_string_equal(b, "42.sig-dhcp1.");
	assert_int_equal(tkey_key_name(b, sizeof(b), 7, ""), 0);
	assert_string_equal(b, "7.sig-leasesnoop.");
	assert_int_equal(tkey_key_name(b, sizeof(b), 7, "a_b c"), 0);	/* only host name letters */
	assert_string_equal(b, "7.sig-abc.");
	assert_int_equal(tkey_key_name(b, 8, 4000000000u, "h"), -ENOSPC);
}

static void test_query_ldns(void **state)
{
	uint8_t buf[512];
	size_t len = 0;
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	ldns_rr_list *ar;

	(void)state;
	assert_int_equal(tkey_query_build(buf, sizeof(buf), &len, 0x4242, KEYNAME, tok, sizeof(tok),
					  1000, 4600), 0);
	assert_int_equal(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x4242);
	assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_TKEY);
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_ANY);
	ar = ldns_pkt_additional(p);
	assert_int_equal(ldns_rr_list_rr_count(ar), 1);
	rr = ldns_rr_list_rr(ar, 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_TKEY);
	{
		char *owner = ldns_rdf2str(ldns_rr_owner(rr));

		assert_string_equal(owner, KEYNAME);
		free(owner);
	}
	ldns_pkt_free(p);
	/* the RDATA, byte by byte: gss-tsig., times, mode 3, error 0, token, no other data */
	{
		static const uint8_t alg[] = "\x08gss-tsig";
		size_t at = len - (sizeof(alg) + 8 + 2 + 2 + 2 + sizeof(tok) + 2);

		assert_memory_equal(buf + at, alg, sizeof(alg));
		at += sizeof(alg);
		assert_memory_equal(buf + at, "\x00\x00\x03\xe8\x00\x00\x11\xf8\x00\x03\x00\x00\x00\x08",
				    14);
		assert_memory_equal(buf + at + 14, tok, sizeof(tok));
	}
	/* too small a buffer, a bad name */
	assert_int_equal(tkey_query_build(buf, 40, &len, 1, KEYNAME, tok, sizeof(tok), 0, 0), -ENOSPC);
	assert_int_equal(tkey_query_build(buf, sizeof(buf), &len, 1, "a..b", tok, 1, 0, 0), -EINVAL);
}

/* An answer to the query @q (len @qlen): QR set, TKEY RR moved to the answer section. */
static size_t make_answer(uint8_t *out, const uint8_t *q, size_t qlen, bool compress, uint16_t rcode,
			  uint16_t mode, uint16_t terr, const char *alg, bool additional)
{
	size_t qend = 12 + strlen(KEYNAME) + 1 + 4, o;
	const uint8_t *rr = q + qend;
	uint8_t w[64];
	size_t wl = 0;

	(void)qlen;
	memcpy(out, q, qend);
	out[2] = 0x80;				/* QR */
	out[3] = (uint8_t)rcode;
	out[7] = additional ? 0 : 1;		/* ANCOUNT */
	out[11] = additional ? 1 : 0;		/* ARCOUNT */
	o = qend;
	if (compress) {
		out[o++] = 0xc0;
		out[o++] = 12;
	} else {
		memcpy(out + o, rr, strlen(KEYNAME) + 1);
		o += strlen(KEYNAME) + 1;
	}
	/* type, class, ttl */
	memcpy(out + o, "\x00\xf9\x00\xff\x00\x00\x00\x00", 8);
	o += 8;
	/* rdata: alg, inception 1000, expiration 4600, mode, error, 4-byte token, no other */
	{
		const char *p = alg;

		while (*p) {
			const char *d = strchr(p, '.');
			size_t l = d ? (size_t)(d - p) : strlen(p);

			w[wl++] = (uint8_t)l;
			memcpy(w + wl, p, l);
			wl += l;
			p += l + (d ? 1 : 0);
		}
		w[wl++] = 0;
	}
	out[o++] = 0;
	out[o++] = (uint8_t)(wl + 8 + 4 + 2 + 4 + 2);
	memcpy(out + o, w, wl);
	o += wl;
	memcpy(out + o, "\x00\x00\x03\xe8\x00\x00\x11\xf8", 8);
	o += 8;
	out[o++] = (uint8_t)(mode >> 8);
	out[o++] = (uint8_t)mode;
	out[o++] = (uint8_t)(terr >> 8);
	out[o++] = (uint8_t)terr;
	memcpy(out + o, "\x00\x04\xaa\xbb\xcc\xdd\x00\x00", 8);
	o += 8;
	return o;
}

static void test_answer(void **state)
{
	uint8_t q[512], a[600];
	size_t qlen, alen;
	struct tkey_answer ans;

	(void)state;
	assert_int_equal(tkey_query_build(q, sizeof(q), &qlen, 0x1111, KEYNAME, tok, sizeof(tok), 1000,
					  4600), 0);
	for (int c = 0; c < 2; c++) {
		alen = make_answer(a, q, qlen, c, 0, 3, 0, "gss-tsig.", false);
		assert_int_equal(tkey_answer_parse(a, alen, 0x1111, "1234.SIG-dhcp1", &ans), 0);
		assert_true(ans.has_tkey);
		assert_false(ans.has_tsig);
		assert_int_equal(ans.rcode, 0);
		assert_int_equal(ans.mode, 3);
		assert_int_equal(ans.inception, 1000);
		assert_int_equal(ans.expiration, 4600);
		assert_int_equal(ans.token_len, 4);
		assert_memory_equal(ans.token, "\xaa\xbb\xcc\xdd", 4);
		assert_int_equal(tkey_answer_check(&ans), 0);
	}
	/* in the additional section (some servers) */
	alen = make_answer(a, q, qlen, true, 0, 3, 0, "gss-tsig.", true);
	assert_int_equal(tkey_answer_parse(a, alen, 0x1111, KEYNAME, &ans), 0);
	assert_int_equal(tkey_answer_check(&ans), 0);
	/* another ID, another key name, not a response */
	assert_int_equal(tkey_answer_parse(a, alen, 0x1112, KEYNAME, &ans), LS_EDNS_ID);
	assert_int_equal(tkey_answer_parse(a, alen, 0x1111, "99.sig-x.", &ans), 0);
	assert_false(ans.has_tkey);
	assert_int_equal(tkey_answer_check(&ans), LS_ETKEY);
	assert_int_equal(tkey_answer_parse(q, qlen, 0x1111, KEYNAME, &ans), LS_EDNS_ID);
}

static void test_answer_errors(void **state)
{
	uint8_t q[512], a[600];
	size_t qlen, alen;
	struct tkey_answer ans;

	(void)state;
	assert_int_equal(tkey_query_build(q, sizeof(q), &qlen, 7, KEYNAME, tok, sizeof(tok), 1000, 4600),
			 0);
	/* REFUSED */
	alen = make_answer(a, q, qlen, true, 5, 3, 0, "gss-tsig.", false);
	assert_int_equal(tkey_answer_parse(a, alen, 7, KEYNAME, &ans), 0);
	assert_int_equal(ans.rcode, 5);
	assert_int_equal(tkey_answer_check(&ans), LS_ETKEY);
	/* TKEY error BADKEY (BIND: the server could not accept our token) */
	alen = make_answer(a, q, qlen, true, 0, 3, TKEY_ERR_BADKEY, "gss-tsig.", false);
	assert_int_equal(tkey_answer_parse(a, alen, 7, KEYNAME, &ans), 0);
	assert_int_equal(ans.error, TKEY_ERR_BADKEY);
	assert_int_equal(tkey_answer_check(&ans), LS_ETKEY);
	assert_string_equal(tkey_error_name(ans.error), "BADKEY");
	/* wrong mode; Windows 2000's algorithm name */
	alen = make_answer(a, q, qlen, true, 0, 2, 0, "gss-tsig.", false);
	assert_int_equal(tkey_answer_parse(a, alen, 7, KEYNAME, &ans), 0);
	assert_int_equal(tkey_answer_check(&ans), LS_ETKEY);
	alen = make_answer(a, q, qlen, true, 0, 3, 0, "gss.microsoft.com.", false);
	assert_int_equal(tkey_answer_parse(a, alen, 7, KEYNAME, &ans), 0);
	assert_int_equal(tkey_answer_check(&ans), LS_ETKEY);
}

static void test_answer_malformed(void **state)
{
	uint8_t q[512], a[600];
	size_t qlen, alen;
	struct tkey_answer ans;

	(void)state;
	assert_int_equal(tkey_query_build(q, sizeof(q), &qlen, 9, KEYNAME, tok, sizeof(tok), 1000, 4600),
			 0);
	alen = make_answer(a, q, qlen, true, 0, 3, 0, "gss-tsig.", false);
	/* every truncation fails cleanly (ASan watches the reads) */
	for (size_t l = 0; l < alen; l++) {
		uint8_t *cut = malloc(l ? l : 1);

		memcpy(cut, a, l);
		assert_int_not_equal(tkey_answer_parse(cut, l, 9, KEYNAME, &ans), 0);
		free(cut);
	}
	/* a compression pointer to itself */
	alen = make_answer(a, q, qlen, true, 0, 3, 0, "gss-tsig.", false);
	{
		size_t at = 12 + strlen(KEYNAME) + 1 + 4;

		a[at + 1] = (uint8_t)at;
		assert_int_equal(tkey_answer_parse(a, alen, 9, KEYNAME, &ans), LS_EDNS_FORMAT);
	}
	/* RDLENGTH larger than the fields it holds */
	alen = make_answer(a, q, qlen, true, 0, 3, 0, "gss-tsig.", false);
	a[12 + strlen(KEYNAME) + 1 + 4 + 2 + 8 + 1]--;
	assert_int_equal(tkey_answer_parse(a, alen, 9, KEYNAME, &ans), LS_EDNS_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_name),     cmocka_unit_test(test_query_ldns),
		cmocka_unit_test(test_answer),       cmocka_unit_test(test_answer_errors),
		cmocka_unit_test(test_answer_malformed),
	};

	return cmocka_run_group_tests_name("tkey", tests, NULL, NULL);
}
