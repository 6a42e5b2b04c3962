// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/fuzz/fuzz_kea_csv.c - libFuzzer target for the Kea lease file row
 * parser and the lease table behind it. The input is a lease file: its first
 * line is tried as a header (a Kea 2.2 v4 or v6 header is used when it is
 * not one, chosen by the first byte, so garbage still reaches the row
 * parser), every further line is parsed, applied to a table, looked up again
 * and printed both ways. Any crash or sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lease/kea_csv.h"
#include "user/lease/leases.h"
#include "user/common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char h4[] = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,"
			 "fqdn_rev,hostname,state,user_context";
static const char h6[] = "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,"
			 "iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,"
			 "hwtype,hwaddr_source";

static time_t fixed_clock(void *ctx)
{
	(void)ctx;
	return 1800000000;
}

static void on_change(void *ctx, const struct lease_change *ch)
{
	FILE *out = ctx;

	leases_print(ch->lease, ~0u, 1, out);
	if (ch->prev)
		leases_print(ch->prev, ~0u, 0, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leases_opts o = { .clock = fixed_clock, .grace = 5 };
	struct kea_csv_hdr h;
	struct leases *t = NULL;
	enum kea_col miss;
	char *buf = malloc(size + 1), *line, *end;
	FILE *out = fopen("/dev/null", "w");

	log_set_level(LOG_LVL_ERR);
	if (!buf || !out)
		goto out;
	memcpy(buf, data, size);
	buf[size] = '\n';
	line = buf;
	end = memchr(line, '\n', size + 1);
	if (kea_csv_parse_header(&h, line, end - line, &miss)) {
		const char *dflt = size && (data[0] & 1) ? h6 : h4;

		kea_csv_parse_header(&h, dflt, strlen(dflt), &miss);
	}
	o.on_change = on_change;
	o.ctx = out;
	if (leases_open(&t, NULL, h.family, &o))
		goto out;
	for (line = end + 1; line < buf + size; line = end + 1) {
		struct kea_row r;
		struct lease l;
		const char *why;

		end = memchr(line, '\n', buf + size + 1 - line);
		if (kea_csv_parse_row(&h, line, end - line, &r, &why))
			continue;
		if (leases_apply(t, &r) < 0)
			continue;
		if (r.valid_lft && leases_find_addr(t, r.addr, &l))
			abort();	/* an applied row must be found again */
		if (!r.valid_lft && !leases_find_addr(t, r.addr, &l))
			abort();	/* a delete row must delete */
		leases_find_client(t, h.family == 6 ? LEASE_ID_DUID : LEASE_ID_CLIENT_ID, r.id,
				   r.id_len, r.iaid, NULL, 0);
	}
	leases_expire_scan(t, 1800000000 + 86400);
out:
	leases_close(t);
	if (out)
		fclose(out);
	free(buf);
	return 0;
}
