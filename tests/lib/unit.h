/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tests/lib/unit.h - what the unit tests share (header-only; include after
 * <cmocka.h>): Kea lease-file headers, temporary files and folders under
 * /tmp, and applying a lease row given as text to a table. A helper that
 * cannot do its job fails the test that called it.
 */
#ifndef LS_TEST_UNIT_H
#define LS_TEST_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/lease/kea_csv.h"
#include "user/lease/leases.h"

/* Kea 2.2's memfile headers: v4 (11 columns), v6 (15), v6 with the hardware columns (17) */
#define UNIT_H4 "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev," \
		"hostname,state,user_context"
#define UNIT_H6 "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid," \
		"prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context"
#define UNIT_H6_HW UNIT_H6 ",hwtype,hwaddr_source"

#define UNIT_PATH 64	/* room for the paths below */

/*
 * unit_temp_file() - a new file /tmp/ls-test-@tag-XXXXXX holding @text with
 * @mode; its name in @path. The caller unlinks it.
 */
static inline const char *unit_temp_file(char path[UNIT_PATH], const char *tag, const char *text,
					 mode_t mode)
{
	int fd;

	snprintf(path, UNIT_PATH, "/tmp/ls-test-%s-XXXXXX", tag);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* unit_temp_dir() - a new folder /tmp/ls-test-@tag-XXXXXX; its name in @path. */
static inline const char *unit_temp_dir(char path[UNIT_PATH], const char *tag)
{
	snprintf(path, UNIT_PATH, "/tmp/ls-test-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(path));
	return path;
}

/*
 * unit_vrow(), unit_row() - apply one lease row (printf @fmt) under the
 * header line @hdr to @t, as the lease file reader would. Returns
 * leases_apply()'s result; a header or row that does not parse fails the test.
 */
static inline int unit_vrow(struct leases *t, const char *hdr, const char *fmt, va_list ap)
{
	struct kea_csv_hdr h;
	struct kea_row r;
	enum kea_col miss;
	const char *why;
	char line[1024];

	assert_int_equal(kea_csv_parse_header(&h, hdr, strlen(hdr), &miss), 0);
	vsnprintf(line, sizeof(line), fmt, ap);
	if (kea_csv_parse_row(&h, line, strlen(line), &r, &why))
		fail_msg("row '%s' does not parse (%s)", line, why);
	return leases_apply(t, &r);
}

static inline int unit_row(struct leases *t, const char *hdr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int unit_row(struct leases *t, const char *hdr, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = unit_vrow(t, hdr, fmt, ap);
	va_end(ap);
	return n;
}

#endif
