// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_kea_csv.c - the Kea lease file parser: header-driven column
 * maps for every schema Kea has written (v4 11/12 columns, v6 15/17/18),
 * Kea's "&#xNN" escapes, hex identifiers, numbers and booleans as Kea reads
 * them, bad rows, and the line reader's torn-line hold, over the real Kea
 * 2.2 files in tests/corpus/data/kea.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/lease/kea_csv.h"
#include "user/common/log.h"

#define H4_22 "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev," \
	      "hostname,state,user_context"
#define H4_24 H4_22 ",pool_id"
#define H6_15 "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid," \
	      "prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context"
#define H6_17 H6_15 ",hwtype,hwaddr_source"
#define H6_18 H6_17 ",pool_id"

static int hdr(struct kea_csv_hdr *h, const char *line, enum kea_col *miss)
{
	return kea_csv_parse_header(h, line, strlen(line), miss);
}

/* parse a row from a string literal (the parser writes into its copy) */
static int row(const struct kea_csv_hdr *h, const char *text, struct kea_row *r, char *buf,
	       const char **why)
{
	strcpy(buf, text);
	return kea_csv_parse_row(h, buf, strlen(buf), r, why);
}

static void test_header_schemas(void **state)
{
	struct kea_csv_hdr h;
	enum kea_col miss;

	(void)state;
	assert_int_equal(hdr(&h, H4_22, &miss), 0);
	assert_int_equal(h.family, 4);
	assert_int_equal(h.ncols, 11);
	assert_int_equal(h.col[KEA_COL_USER_CONTEXT], 10);
	assert_int_equal(h.col[KEA_COL_POOL_ID], -1);
	assert_int_equal(hdr(&h, H4_24, &miss), 0);
	assert_int_equal(h.ncols, 12);
	assert_int_equal(h.col[KEA_COL_POOL_ID], 11);
	/* Kea 1.0 schema: no state, no user_context */
	assert_int_equal(hdr(&h, "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
				 "fqdn_fwd,fqdn_rev,hostname", &miss), 0);
	assert_int_equal(h.col[KEA_COL_STATE], -1);
	assert_int_equal(hdr(&h, H6_15, &miss), 0);
	assert_int_equal(h.family, 6);
	assert_int_equal(h.ncols, 15);
	assert_int_equal(h.col[KEA_COL_HWTYPE], -1);
	assert_int_equal(hdr(&h, H6_17, &miss), 0);
	assert_int_equal(h.ncols, 17);
	assert_int_equal(h.col[KEA_COL_HWADDR_SOURCE], 16);
	assert_int_equal(hdr(&h, H6_18, &miss), 0);
	assert_int_equal(h.ncols, 18);
	assert_int_equal(h.col[KEA_COL_POOL_ID], 17);
}

static void test_header_by_name(void **state)
{
	struct kea_csv_hdr h;
	struct kea_row r;
	enum kea_col miss;
	const char *why;
	char buf[512];

	(void)state;
	/* columns found by name, in any order; unknown ones ignored */
	assert_int_equal(hdr(&h, "expire,future_col,address,client_id,hwaddr,valid_lifetime,"
				 "subnet_id,fqdn_fwd,fqdn_rev,hostname,state", &miss), 0);
	assert_int_equal(h.ncols, 11);
	assert_int_equal(h.col[KEA_COL_ADDRESS], 2);
	assert_int_equal(row(&h, "1000,whatever,192.0.2.7,,00:11:22:33:44:55,100,3,0,1,x,0", &r,
			     buf, &why), 0);
	assert_int_equal(r.expire, 1000);
	assert_int_equal(r.valid_lft, 100);
	assert_int_equal(r.subnet_id, 3);
	assert_memory_equal(r.addr, "\xc0\x00\x02\x07", 4);
	assert_int_equal(r.id_len, 0);
	assert_int_equal(r.fqdn_rev, 1);

	assert_int_equal(hdr(&h, "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
				 "fqdn_fwd,hostname,state", &miss), LS_ECSV_HEADER);
	assert_int_equal(miss, KEA_COL_FQDN_REV);
	assert_string_equal(kea_csv_col_name(miss), "fqdn_rev");
	assert_int_equal(hdr(&h, "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,"
				 "lease_type,prefix_len,fqdn_fwd,fqdn_rev,hostname", &miss),
			 LS_ECSV_HEADER);
	assert_int_equal(miss, KEA_COL_IAID);
	assert_int_equal(hdr(&h, "10.0.0.1,00:01,,3600", &miss), LS_ECSV_HEADER);
	assert_int_equal(miss, KEA_COL_MAX_);
	assert_int_equal(hdr(&h, "", &miss), LS_ECSV_HEADER);
}

static void test_row_v4(void **state)
{
	struct kea_csv_hdr h;
	struct kea_row r;
	enum kea_col miss;
	const char *why;
	char buf[512];

	(void)state;
	assert_int_equal(hdr(&h, H4_24, &miss), 0);
	assert_int_equal(row(&h, "10.64.1.0,00:0c:01:02:03:04,01:00:0c:01:02:03:04,3600,"
				 "1795223271,1,1,1,h-10-64-1-0.dyn.example,0,,7", &r, buf, &why), 0);
	assert_int_equal(r.family, 4);
	assert_int_equal(r.prefix_len, 32);
	assert_int_equal(r.hwaddr_len, 6);
	assert_memory_equal(r.hwaddr, "\x00\x0c\x01\x02\x03\x04", 6);
	assert_int_equal(r.id_len, 7);
	assert_int_equal(r.id[0], 1);
	assert_int_equal(r.valid_lft, 3600);
	assert_int_equal(r.expire, 1795223271ULL);
	assert_int_equal(r.pool_id, 7);
	assert_int_equal(r.fqdn_fwd, 1);
	assert_string_equal(r.hostname, "h-10-64-1-0.dyn.example");
	assert_int_equal(r.hostname_len, 23);
	assert_string_equal(r.user_context, "");
	assert_true(r.cols & (1u << KEA_COL_POOL_ID));
	assert_false(r.cols & (1u << KEA_COL_DUID));

	/* escapes: Kea writes ',' as &#x2c and '&' as &#x26 in hostname and user_context */
	assert_int_equal(row(&h, "10.0.0.1,0:c:1:2:3:4,,60,1060,1,0,0,a&#x2cb&#x26c,0,"
				 "{ \"a\": 1&#x2c \"b\": \"x\" },0", &r, buf, &why), 0);
	assert_string_equal(r.hostname, "a,b&c");
	assert_int_equal(r.hostname_len, 5);
	assert_string_equal(r.user_context, "{ \"a\": 1, \"b\": \"x\" }");
	assert_memory_equal(r.hwaddr, "\x00\x0c\x01\x02\x03\x04", 6);

	/* a declined lease has no hwaddr (and no client-id); others must have one */
	assert_int_equal(row(&h, "10.0.0.2,,,86400,1086400,1,0,0,,1,,0", &r, buf, &why), 0);
	assert_int_equal(r.state, KEA_STATE_DECLINED);
	assert_int_equal(row(&h, "10.0.0.2,,,86400,1086400,1,0,0,,0,,0", &r, buf, &why),
			 LS_ECSV_ROW);
	assert_string_equal(why, "hwaddr");
	/* a delete row */
	assert_int_equal(row(&h, "10.0.0.3,00:01,,0,1000,1,0,0,,0,,0", &r, buf, &why), 0);
	assert_int_equal(r.valid_lft, 0);
}

static void test_row_bad(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "10.0.0.1,00:01,,60,1060,1,0,0,,0,", "column count" },
		{ "10.0.0.1,00:01,,60,1060,1,0,0,,0,,0,extra", "column count" },
		{ "10.0.0.256,00:01,,60,1060,1,0,0,,0,,0", "address" },
		{ "fd00::1,00:01,,60,1060,1,0,0,,0,,0", "address" },
		{ "10.0.0.1,00:01,,6x0,1060,1,0,0,,0,,0", "valid_lifetime" },
		{ "10.0.0.1,00:01,,-1,1060,1,0,0,,0,,0", "valid_lifetime" },
		{ "10.0.0.1,00:01,,4294967296,5294967296,1,0,0,,0,,0", "valid_lifetime" },
		{ "10.0.0.1,00:01,,60,,1,0,0,,0,,0", "expire" },
		{ "10.0.0.1,00:01,,60,59,1,0,0,,0,,0", "expire" },
		{ "10.0.0.1,00:01,,60,1060,,0,0,,0,,0", "subnet_id" },
		{ "10.0.0.1,00:01,,60,1060,1,2,0,,0,,0", "fqdn_fwd" },
		{ "10.0.0.1,00:01,,60,1060,1,0,true,,0,,0", "fqdn_rev" },
		{ "10.0.0.1,00:01,,60,1060,1,0,0,,zz,,0", "state" },
		{ "10.0.0.1,00:0g,,60,1060,1,0,0,,0,,0", "hwaddr" },
		{ "10.0.0.1,00::01,,60,1060,1,0,0,,0,,0", "hwaddr" },
		{ "10.0.0.1,00:01,123,60,1060,1,0,0,,0,,0", "client_id" },
		{ "10.0.0.1,00:01,,60,1060,1,0,0,,0,,x", "pool_id" },
		{ "", "column count" },
	};
	struct kea_csv_hdr h;
	struct kea_row r;
	enum kea_col miss;
	const char *why;
	char buf[512];

	(void)state;
	assert_int_equal(hdr(&h, H4_24, &miss), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (row(&h, bad[i].line, &r, buf, &why) != LS_ECSV_ROW)
			fail_msg("accepted '%s'", bad[i].line);
		if (strcmp(why, bad[i].why))
			fail_msg("'%s': why '%s', expected '%s'", bad[i].line, why, bad[i].why);
	}
}

static void test_row_v6(void **state)
{
	struct kea_csv_hdr h;
	struct kea_row r;
	enum kea_col miss;
	const char *why;
	char buf[512];

	(void)state;
	assert_int_equal(hdr(&h, H6_17, &miss), 0);
	assert_int_equal(row(&h, "fd00:64::1:0,00:01:00:01:32:93:9c:f7:00:0c:01:02:03:04,4000,"
				 "1795223575,1,3000,0,1,128,0,0,,00:0c:01:02:03:04,0,,1,2",
			     &r, buf, &why), 0);
	assert_int_equal(r.family, 6);
	assert_int_equal(r.id_len, 14);
	assert_int_equal(r.pref_lft, 3000);
	assert_int_equal(r.iaid, 1);
	assert_int_equal(r.prefix_len, 128);
	assert_int_equal(r.hwtype, 1);
	assert_int_equal(r.hwaddr_source, 2);
	assert_int_equal(r.type, KEA_TYPE_NA);
	/* delegated prefix, no hwaddr: hwtype and source are written empty */
	assert_int_equal(row(&h, "2001:db8:100::,00:03:00:01:aa:bb:cc:dd:ee:ff,7200,1000000,2,"
				 "3600,2,77,56,1,1,pd.example.com.,,0,,,", &r, buf, &why), 0);
	assert_int_equal(r.type, KEA_TYPE_PD);
	assert_int_equal(r.prefix_len, 56);
	assert_int_equal(r.iaid, 77);
	assert_int_equal(r.hwaddr_len, 0);
	assert_int_equal(r.hwtype, 0);
	assert_string_equal(r.hostname, "pd.example.com.");
	/* contiguous hex DUID is accepted as well */
	assert_int_equal(row(&h, "fd00::5,000100011c39cf88080027fe8f95,10,20,1,5,0,9,128,0,0,,,0,,,",
			     &r, buf, &why), 0);
	assert_int_equal(r.id_len, 14);
	assert_int_equal(row(&h, "fd00::5,,10,20,1,5,0,9,128,0,0,,,0,,,", &r, buf, &why),
			 LS_ECSV_ROW);
	assert_string_equal(why, "duid");
	assert_int_equal(row(&h, "fd00::5,00:01,10,20,1,5,3,9,128,0,0,,,0,,,", &r, buf, &why),
			 LS_ECSV_ROW);
	assert_string_equal(why, "lease_type");
	assert_int_equal(row(&h, "fd00::5,00:01,10,20,1,5,0,9,129,0,0,,,0,,,", &r, buf, &why),
			 LS_ECSV_ROW);
	assert_string_equal(why, "prefix_len");
	assert_int_equal(row(&h, "10.0.0.1,00:01,10,20,1,5,0,9,128,0,0,,,0,,,", &r, buf, &why),
			 LS_ECSV_ROW);
	assert_string_equal(why, "address");
	/* 15-column schema (no hwtype/hwaddr_source) */
	assert_int_equal(hdr(&h, H6_15, &miss), 0);
	assert_int_equal(row(&h, "fd00::6,00:01,10,20,1,5,1,9,128,0,0,t,,0,", &r, buf, &why), 0);
	assert_int_equal(r.type, KEA_TYPE_TA);
}

static void test_escapes(void **state)
{
	char s[64], e[128];
	size_t n;

	(void)state;
	strcpy(s, "&#x2C&#x2c&#X2c&#x2&#xzz&#x");
	n = kea_csv_unescape(s, strlen(s));
	/* only "&#x" + two hex digits (either case) decodes, as Kea */
	assert_string_equal(s, ",,&#X2c&#x2&#xzz&#x");
	assert_int_equal(n, strlen(s));
	strcpy(s, "a&#x00b");
	n = kea_csv_unescape(s, strlen(s));
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 3);
	/* escape then unescape is the identity, for every byte value */
	for (int c = 1; c < 256; c++) {
		char in[3] = { 'x', (char)c, 0 };

		n = kea_csv_escape(in, 2, e, sizeof(e));
		assert_null(memchr(e, ',', n));
		assert_int_equal(kea_csv_unescape(e, n), 2);
		assert_memory_equal(e, in, 2);
	}
	n = kea_csv_escape("a,b&c", 5, e, sizeof(e));
	assert_string_equal(e, "a&#x2cb&#x26c");
}

/* ---- the line reader --------------------------------------------------- */

struct rows {
	int n;
	char last_host[64];
};

static int count_row(void *ctx, const struct kea_row *r)
{
	struct rows *c = ctx;

	c->n++;
	snprintf(c->last_host, sizeof(c->last_host), "%s", r->hostname);
	return 0;
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_reader_torn_and_bad(void **state)
{
	char path[] = "/tmp/ls-test-kea-csv-XXXXXX";
	struct kea_csv_file *f;
	struct kea_csv_stats st;
	struct rows c = { 0 };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	append(path, H4_22 "\n\n10.0.0.1,00:01,,60,1060,1,0,0,one,0,\n10.0.0.2,00:02,,60,10");
	assert_int_equal(kea_csv_open(&f, path), 0);
	assert_int_equal(kea_csv_read(f, count_row, &c), 1);
	assert_string_equal(c.last_host, "one");
	assert_non_null(kea_csv_header(f));
	/* the torn row is held until its newline comes */
	assert_int_equal(kea_csv_read(f, count_row, &c), 0);
	append(path, "60,1,0,0,two,0,\ngarbage\n\n\x01\xff,,,\n10.0.0.3,00:03,,60,1060,1,0,0,th");
	assert_int_equal(kea_csv_read(f, count_row, &c), 1);
	assert_string_equal(c.last_host, "two");
	append(path, "ree,0,\n");
	assert_int_equal(kea_csv_read(f, count_row, &c), 1);
	assert_string_equal(c.last_host, "three");
	kea_csv_get_stats(f, &st);
	assert_int_equal(st.rows, 3);
	assert_int_equal(st.bad_rows, 2);
	assert_int_equal(st.lines, 8);
	assert_int_equal(kea_csv_offset(f), st.bytes);
	/* a torn line in a file that will not grow is dropped and counted */
	append(path, "10.0.0.4,00:04");
	assert_int_equal(kea_csv_read(f, count_row, &c), 0);
	assert_int_equal(kea_csv_finish(f), 1);
	kea_csv_get_stats(f, &st);
	assert_int_equal(st.bad_rows, 3);
	assert_int_equal(c.n, 3);
	kea_csv_close(f);
	assert_int_equal(kea_csv_open(&f, "/nonexistent/kea-leases4.csv"), -ENOENT);
	unlink(path);
}

static void test_reader_bad_header(void **state)
{
	char path[] = "/tmp/ls-test-kea-csv-XXXXXX";
	struct kea_csv_file *f;
	struct rows c = { 0 };
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	append(path, "address,hwaddr,valid_lifetime\n10.0.0.1,00:01,60\n");
	assert_int_equal(kea_csv_open(&f, path), 0);
	assert_int_equal(kea_csv_read(f, count_row, &c), LS_ECSV_HEADER);
	assert_int_equal(kea_csv_read(f, count_row, &c), LS_ECSV_HEADER);
	assert_null(kea_csv_header(f));
	assert_int_equal(c.n, 0);
	kea_csv_close(f);
	unlink(path);
}

static void test_real_kea_files(void **state)
{
	static const char *const files_rel[] = {
		"tests/corpus/data/kea/kea-leases4-ddns.csv",
		"tests/corpus/data/kea/kea-leases6.csv",
	};
	const char *top = getenv("LS_TOP") ? getenv("LS_TOP") : ".";
	char files[2][4096];

	(void)state;
	for (size_t i = 0; i < 2; i++)
		snprintf(files[i], sizeof(files[i]), "%s/%s", top, files_rel[i]);
	for (size_t i = 0; i < 2; i++) {
		struct kea_csv_file *f;
		struct kea_csv_stats st;
		struct rows c = { 0 };

		assert_int_equal(kea_csv_open(&f, files[i]), 0);
		assert_int_equal(kea_csv_read(f, count_row, &c), 399);
		assert_int_equal(kea_csv_header(f)->family, i ? 6 : 4);
		assert_int_equal(kea_csv_header(f)->ncols, i ? 17 : 11);
		kea_csv_get_stats(f, &st);
		assert_int_equal(st.bad_rows, 0);
		kea_csv_close(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_schemas),
		cmocka_unit_test(test_header_by_name),
		cmocka_unit_test(test_row_v4),
		cmocka_unit_test(test_row_bad),
		cmocka_unit_test(test_row_v6),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_reader_torn_and_bad),
		cmocka_unit_test(test_reader_bad_header),
		cmocka_unit_test(test_real_kea_files),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("kea_csv", tests, NULL, NULL);
}
