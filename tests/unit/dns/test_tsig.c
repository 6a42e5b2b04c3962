// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_tsig.c - user/tsig.c: algorithm names, key checks,
 * requests we sign verified by ldns (an independent implementation),
 * replies ldns signs (with our request MAC) verified by us, for every
 * algorithm ldns supports; digest-bits truncation checked against a MAC
 * computed here with OpenSSL; tampered, re-keyed, stale and unsigned
 * replies refused; BIND key files loaded and group/world-readable ones
 * refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <openssl/hmac.h>

#include "user/common/errcode.h"
#include "user/dns/tsig.h"
#include "tests/lib/unit.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ1Njc4OTA="

static void test_alg_parse(void **state)
{
	(void)state;
	assert_int_equal(tsig_alg_parse("HMAC-MD5"), TSIG_HMAC_MD5);
	assert_int_equal(tsig_alg_parse("hmac-md5.sig-alg.reg.int."), TSIG_HMAC_MD5);
	assert_int_equal(tsig_alg_parse("HMAC-SHA1"), TSIG_HMAC_SHA1);
	assert_int_equal(tsig_alg_parse("hmac-sha224"), TSIG_HMAC_SHA224);
	assert_int_equal(tsig_alg_parse("HMAC-SHA256"), TSIG_HMAC_SHA256);
	assert_int_equal(tsig_alg_parse("hmac-sha384."), TSIG_HMAC_SHA384);
	assert_int_equal(tsig_alg_parse("HMAC-SHA512"), TSIG_HMAC_SHA512);
	assert_int_equal(tsig_alg_parse("hmac-sha3"), LS_ETSIG_ALG);
	assert_int_equal(tsig_alg_parse(NULL), LS_ETSIG_ALG);
	assert_int_equal(tsig_alg_size(TSIG_HMAC_SHA384), 48);
}

static void test_key_init(void **state)
{
	struct tsig_key k;

	(void)state;
	assert_int_equal(tsig_key_init(&k, "Ddns-Key", "HMAC-SHA256", SECRET, 0), 0);
	assert_string_equal(k.name, "ddns-key.");
	assert_int_equal(k.wname_len, 10);
	/* digest-bits: multiple of 8, >= 80, >= half, <= full */
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256", SECRET, 128), 0);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256", SECRET, 120), LS_ETSIG_ALG);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256", SECRET, 129), LS_ETSIG_ALG);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-MD5", SECRET, 72), LS_ETSIG_ALG);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-MD5", SECRET, 80), 0);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA1", SECRET, 168), LS_ETSIG_ALG);
	assert_int_equal(tsig_key_init(&k, "k", "HMAC-SHA256", "not base64!", 0), LS_EKEYFILE);
	assert_int_equal(tsig_key_init(&k, "", "HMAC-SHA256", SECRET, 0), LS_EKEYFILE);
}

/* A small UPDATE-shaped query rendered by ldns. */
static uint8_t *make_msg(size_t *len, size_t room)
{
	ldns_pkt *p = NULL;
	uint8_t *w = NULL, *out;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "dyn.example.", LDNS_RR_TYPE_SOA,
						    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x1234);
	assert_int_equal(ldns_pkt2wire(&w, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	out = realloc(w, *len + room);
	assert_non_null(out);
	return out;
}

static void roundtrip(const char *alg, const char *ldns_alg)
{
	struct tsig_key k;
	uint8_t mac[TSIG_MAC_MAX], *req, *rw = NULL;
	size_t len, mlen, rlen;
	ldns_pkt *p = NULL;
	ldns_rdf *req_mac;
	time_t now = time(NULL);
	int terr;

	assert_int_equal(tsig_key_init(&k, "ddns-key", alg, SECRET, 0), 0);
	req = make_msg(&len, 512);
	assert_int_equal(tsig_sign(&k, req, &len, len + 512, now, mac, &mlen), 0);
	assert_int_equal(mlen, tsig_alg_size(k.alg));
	assert_true(tsig_find(req, len) > 0);

	/* ldns verifies our request */
	assert_int_equal(ldns_wire2pkt(&p, req, len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tsig_verify(p, req, len, "ddns-key.", SECRET, NULL));

	/* ldns signs a reply to it with our MAC as the request MAC; we verify */
	ldns_pkt_set_qr(p, true);
	ldns_rr_free(ldns_pkt_tsig(p));
	ldns_pkt_set_tsig(p, NULL);
	req_mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, mlen + 2, (uint8_t[66]){ 0 });
	{
		uint8_t *d = ldns_rdf_data(req_mac);

		d[0] = (uint8_t)(mlen >> 8);
		d[1] = (uint8_t)mlen;
		memcpy(d + 2, mac, mlen);
	}
	assert_int_equal(ldns_pkt_tsig_sign_next(p, "ddns-key.", SECRET, 300, ldns_alg, req_mac, 0),
			 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&rw, p, &rlen), LDNS_STATUS_OK);
	assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), 0);
	assert_int_equal(terr, 0);

	/* tampered reply */
	rw[3] ^= 0x01;
	assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), LS_ETSIG_BADSIG);
	rw[3] ^= 0x01;
	/* another request MAC (a reply to a different request) */
	mac[0] ^= 0xff;
	assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), LS_ETSIG_BADSIG);
	mac[0] ^= 0xff;
	/* outside the fudge */
	assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now + 1000, &terr), LS_ETSIG_BADTIME);
	/* another key name */
	{
		struct tsig_key k2;

		assert_int_equal(tsig_key_init(&k2, "other-key", alg, SECRET, 0), 0);
		assert_int_equal(tsig_verify(&k2, rw, rlen, mac, mlen, now, &terr), LS_ETSIG_BADKEY);
	}
	/* unsigned reply, and one cut short */
	{
		size_t ul;
		uint8_t *u = make_msg(&ul, 0);

		assert_int_equal(tsig_verify(&k, u, ul, mac, mlen, now, &terr), LS_ETSIG_MISSING);
		free(u);
	}
	assert_int_equal(tsig_verify(&k, rw, rlen - 1, mac, mlen, now, &terr), LS_EDNS_FORMAT);
	/* every shorter prefix is refused, none read past its end (ASan) */
	for (size_t cut = 0; cut < rlen; cut++) {
		uint8_t *c = malloc(cut + 1);

		memcpy(c, rw, cut);
		assert_int_not_equal(tsig_verify(&k, c, cut, mac, mlen, now, &terr), 0);
		free(c);
	}
	/* lengths inside the TSIG RDATA that do not add up */
	{
		long at = tsig_find(rw, rlen);
		size_t alg_len = strlen(ldns_alg) + 1;	/* wire form of a dotted name */
		size_t ml_at = (size_t)at + k.wname_len + 10 + alg_len + 8;

		assert_true(at > 0);
		assert_int_equal(rw[ml_at] << 8 | rw[ml_at + 1], mlen);
		rw[ml_at] = 0xff;	/* MAC longer than the RDATA */
		assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), LS_EDNS_FORMAT);
		rw[ml_at] = 0;
		rw[rlen - 1] = 1;	/* other data longer than the RDATA */
		assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), LS_EDNS_FORMAT);
		rw[rlen - 1] = 0;
		rw[ml_at + 1]--;	/* MAC one byte short: a byte left over after other data */
		assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), LS_EDNS_FORMAT);
		rw[ml_at + 1]++;
		assert_int_equal(tsig_verify(&k, rw, rlen, mac, mlen, now, &terr), 0);
	}

	ldns_rdf_deep_free(req_mac);
	ldns_pkt_free(p);
	free(rw);
	free(req);
}

static void test_roundtrip_md5(void **s) { (void)s; roundtrip("HMAC-MD5", "hmac-md5.sig-alg.reg.int."); }
static void test_roundtrip_sha1(void **s) { (void)s; roundtrip("HMAC-SHA1", "hmac-sha1."); }
static void test_roundtrip_sha256(void **s) { (void)s; roundtrip("HMAC-SHA256", "hmac-sha256."); }
static void test_roundtrip_sha512(void **s) { (void)s; roundtrip("HMAC-SHA512", "hmac-sha512."); }

/* digest-bits: the MAC sent is the first digest_bits/8 bytes of the full HMAC. */
static void test_truncation(void **state)
{
	static const char *const algs[] = { "HMAC-MD5", "HMAC-SHA1", "HMAC-SHA224",
					    "HMAC-SHA256", "HMAC-SHA384", "HMAC-SHA512" };
	static const unsigned int bits[] = { 80, 80, 112, 128, 192, 256 };

	(void)state;
	for (int i = 0; i < 6; i++) {
		struct tsig_key full, trunc;
		uint8_t m1[TSIG_MAC_MAX], m2[TSIG_MAC_MAX], *a, *b;
		size_t la, lb, l1, l2;
		time_t t = 1700000000;

		assert_int_equal(tsig_key_init(&full, "k", algs[i], SECRET, 0), 0);
		assert_int_equal(tsig_key_init(&trunc, "k", algs[i], SECRET, bits[i]), 0);
		a = make_msg(&la, 512);
		b = make_msg(&lb, 512);
		assert_int_equal(tsig_sign(&full, a, &la, la + 512, t, m1, &l1), 0);
		assert_int_equal(tsig_sign(&trunc, b, &lb, lb + 512, t, m2, &l2), 0);
		assert_int_equal(l2, bits[i] / 8);
		assert_int_equal(la - lb, l1 - l2);
		assert_memory_equal(m1, m2, l2);
		free(a);
		free(b);
	}
}

static const char *write_key(const char *text, mode_t mode)
{
	static char path[UNIT_PATH];

	return unit_temp_file(path, "key", text, mode);
}

static void test_key_file(void **state)
{
	struct tsig_key k;
	const char *p;

	(void)state;
	p = write_key("# generated\nkey \"other\" { algorithm hmac-sha1; secret \"" SECRET "\"; };\n"
		      "key \"ddns-key\" {\n\talgorithm hmac-sha384;\n\tsecret \"" SECRET "\";\n};\n",
		      0600);
	assert_int_equal(tsig_key_load_file(&k, p, "ddns-key", NULL, 0), 0);
	assert_string_equal(k.name, "ddns-key.");
	assert_int_equal(k.alg, TSIG_HMAC_SHA384);
	assert_int_equal(tsig_key_load_file(&k, p, NULL, NULL, 0), 0);
	assert_string_equal(k.name, "other.");
	assert_int_equal(tsig_key_load_file(&k, p, "missing", NULL, 0), LS_EKEYFILE);
	/* configuration says another algorithm */
	assert_int_equal(tsig_key_load_file(&k, p, "ddns-key", "HMAC-SHA256", 0), LS_ETSIG_ALG);
	chmod(p, 0640);
	assert_int_equal(tsig_key_load_file(&k, p, "ddns-key", NULL, 0), LS_EKEYFILE);
	chmod(p, 0604);
	assert_int_equal(tsig_key_load_file(&k, p, "ddns-key", NULL, 0), LS_EKEYFILE);
	unlink(p);

	/* Kea's secret-file: the secret alone */
	p = write_key(SECRET "\n", 0400);
	assert_int_equal(tsig_key_load_file(&k, p, "kea-key", "HMAC-SHA256", 0), 0);
	assert_int_equal(k.alg, TSIG_HMAC_SHA256);
	unlink(p);

	p = write_key("key \"x\" { algorithm hmac-sha256; };", 0600);
	assert_int_equal(tsig_key_load_file(&k, p, "x", NULL, 0), LS_EKEYFILE);
	unlink(p);
	assert_int_equal(tsig_key_load_file(&k, "/nonexistent/key", "x", NULL, 0), -ENOENT);
}

/* a stand-in GSS-API context: the "MIC" is HMAC-SHA256 truncated to 28 bytes, as long as a Kerberos one */
static int fake_calls;

static const uint8_t *fake_prefix;	/* signing only: MAC over prefix || data */
static size_t fake_prefix_len;

static int fake_get_mic(void *arg, const uint8_t *data, size_t len, uint8_t *mic, size_t cap,
			size_t *mic_len)
{
	uint8_t full[32], buf[1024];
	unsigned int ol = 0;

	assert_string_equal(arg, "ctx");
	assert_true(cap >= 28);
	if (fake_prefix_len) {
		assert_true(fake_prefix_len + len <= sizeof(buf));
		memcpy(buf, fake_prefix, fake_prefix_len);
		memcpy(buf + fake_prefix_len, data, len);
		data = buf;
		len += fake_prefix_len;
	}
	HMAC(EVP_sha256(), "k", 1, data, len, full, &ol);
	memcpy(mic, full, 28);
	*mic_len = 28;
	fake_calls++;
	return 0;
}

static int fake_verify_mic(void *arg, const uint8_t *data, size_t len, const uint8_t *mic,
			   size_t mic_len)
{
	uint8_t m[32];
	size_t ml, pl = fake_prefix_len;

	fake_prefix_len = 0;
	fake_get_mic(arg, data, len, m, sizeof(m), &ml);
	fake_prefix_len = pl;
	return mic_len == ml && !memcmp(m, mic, ml) ? 0 : LS_ETSIG_BADSIG;
}

static const struct tsig_mic_ops fake_ops = { fake_get_mic, fake_verify_mic };

static void test_gss_tsig(void **state)
{
	struct tsig_key k, h;
	uint8_t mac[TSIG_MAC_MAX], *m;
	size_t len, mlen, n0;
	ldns_pkt *p = NULL;
	time_t now = time(NULL);
	int terr;

	(void)state;
	assert_int_equal(tsig_alg_parse("gss-tsig"), TSIG_GSS_TSIG);
	assert_int_equal(tsig_alg_parse("GSS-TSIG."), TSIG_GSS_TSIG);
	assert_string_equal(tsig_alg_name(TSIG_GSS_TSIG), "gss-tsig.");
	/* no secret needed; digest-bits makes no sense for a MIC */
	assert_int_equal(tsig_key_init(&k, "1.sig-dhcp1.", "gss-tsig", NULL, 0), 0);
	assert_int_equal(tsig_key_init(&h, "x", "gss-tsig", NULL, 128), LS_ETSIG_ALG);
	/* a gss-tsig key without a negotiated context cannot sign */
	m = make_msg(&len, 512);
	n0 = len;
	assert_int_equal(tsig_sign(&k, m, &len, len + 512, now, mac, &mlen), -EINVAL);
	assert_int_equal(len, n0);
	k.mic = &fake_ops;
	k.mic_arg = "ctx";
	fake_calls = 0;
	assert_int_equal(tsig_sign(&k, m, &len, len + 512, now, mac, &mlen), 0);
	assert_int_equal(fake_calls, 1);
	assert_int_equal(mlen, 28);
	/* ldns reads it: the last additional RR is a TSIG with algorithm gss-tsig. and our MIC */
	assert_int_equal(ldns_wire2pkt(&p, m, len), LDNS_STATUS_OK);
	{
		ldns_rr *t = ldns_pkt_tsig(p);
		char *alg;

		assert_non_null(t);
		alg = ldns_rdf2str(ldns_rr_rdf(t, 0));
		assert_string_equal(alg, "gss-tsig.");
		free(alg);
		assert_int_equal(ldns_rdf_size(ldns_rr_rdf(t, 3)), 2 + 28);
		assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(t, 3)) + 2, mac, 28);
	}
	ldns_pkt_free(p);
	/* verified through verify_mic over the same input (no request MAC here) */
	assert_int_equal(tsig_verify(&k, m, len, NULL, 0, now, &terr), 0);
	m[n0 - 1] ^= 1;
	assert_int_equal(tsig_verify(&k, m, len, NULL, 0, now, &terr), LS_ETSIG_BADSIG);
	m[n0 - 1] ^= 1;
	/* outside the fudge */
	assert_int_equal(tsig_verify(&k, m, len, NULL, 0, now + 1000, &terr), LS_ETSIG_BADTIME);
	/* an HMAC key of the same name does not take a gss-tsig signature, nor the reverse */
	assert_int_equal(tsig_key_init(&h, "1.sig-dhcp1.", "hmac-sha256", SECRET, 0), 0);
	assert_int_equal(tsig_verify(&h, m, len, NULL, 0, now, &terr), LS_ETSIG_BADKEY);
	free(m);
	m = make_msg(&len, 512);
	assert_int_equal(tsig_sign(&h, m, &len, len + 512, now, mac, &mlen), 0);
	assert_int_equal(tsig_verify(&k, m, len, NULL, 0, now, &terr), LS_ETSIG_BADKEY);
	free(m);

	/*
	 * A reply to a request whose MAC was @req: RFC 8945 puts the request
	 * MAC with its 2-byte length before the reply; Samba leaves the length
	 * out. Both verify for gss-tsig; a wrong request MAC in either form does not.
	 */
	{
		static const uint8_t req[6] = { 0, 4, 0xde, 0xad, 0xbe, 0xef };	/* length 4, MAC */

		for (int samba = 0; samba < 2; samba++) {
			fake_prefix = samba ? req + 2 : req;
			fake_prefix_len = samba ? 4 : 6;
			m = make_msg(&len, 512);
			assert_int_equal(tsig_sign(&k, m, &len, len + 512, now, mac, &mlen), 0);
			fake_prefix_len = 0;
			assert_int_equal(tsig_verify(&k, m, len, req + 2, 4, now, &terr), 0);
			assert_int_equal(tsig_verify(&k, m, len, (const uint8_t *)"\xde\xad\xbe\xee", 4,
						     now, &terr), LS_ETSIG_BADSIG);
			free(m);
		}
	}
}

static void test_find_malformed(void **state)
{
	uint8_t m[64] = { 0 };

	(void)state;
	assert_int_equal(tsig_find(m, 5), LS_EDNS_FORMAT);
	m[7] = 1;	/* one answer RR, no bytes for it */
	assert_int_equal(tsig_find(m, 12), LS_EDNS_FORMAT);
	m[7] = 0;
	assert_int_equal(tsig_find(m, 12), 0);
	assert_int_equal(tsig_find(m, 13), LS_EDNS_FORMAT);	/* trailing garbage */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_parse),      cmocka_unit_test(test_key_init),
		cmocka_unit_test(test_roundtrip_md5),  cmocka_unit_test(test_roundtrip_sha1),
		cmocka_unit_test(test_roundtrip_sha256), cmocka_unit_test(test_roundtrip_sha512),
		cmocka_unit_test(test_truncation),     cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_find_malformed), cmocka_unit_test(test_gss_tsig),
	};

	return cmocka_run_group_tests_name("tsig", tests, NULL, NULL);
}
