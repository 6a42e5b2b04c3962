// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/leasegen.c - write a large, realistic Kea 2.2 memfile lease file for
 * benchmarks: N distinct active leases with the repetition real files have,
 * in time order. For each address: with DDNS, the grant without a name then
 * again with the generated name (as tests/corpus shows Kea 2.2 does), half of
 * them renewed later, and for one in ten a previous client whose lease was
 * released (a valid_lifetime 0 row) and one in fifty a lease Kea reclaimed
 * before it was given out again. v6 files hold IA_NA addresses and one
 * delegated /56 per ten clients. Output is deterministic for a seed.
 *
 *   leasegen -4|-6 [-n LEASES] [-s SEED] [-t NOW] > kea-leases4.csv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "user/common/util.h"
#include "user/lease/kea_csv.h"

static const char h4[] = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,"
			 "fqdn_rev,hostname,state,user_context";
static const char h6[] = "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,"
			 "iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,"
			 "hwtype,hwaddr_source";

static uint64_t rng = 88172645463325252ULL;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct gen {
	int family;
	long now;
	uint32_t valid;
};

/* one row for lease @i held by client @client (0 = the final client) */
static void row(const struct gen *g, uint32_t i, uint32_t client, long cltt, uint32_t valid,
		int named, int state)
{
	uint8_t hw[6] = { 0x00, 0x0c, (uint8_t)(client >> 8), (uint8_t)(i >> 16),
			  (uint8_t)(i >> 8), (uint8_t)i };
	char hws[24], name[64] = "";
	int pd = g->family == 6 && i % 10 == 9;

	util_hex_format(hw, 6, ':', hws, sizeof(hws));
	if (g->family == 4) {
		if (named)
			snprintf(name, sizeof(name), "h-10-%u-%u-%u.dyn.example", (i >> 16) & 255,
				 (i >> 8) & 255, i & 255);
		printf("10.%u.%u.%u,%s,01:%s,%u,%ld,1,%d,%d,%s,%d,\n", (i >> 16) & 255,
		       (i >> 8) & 255, i & 255, hws, hws, valid, cltt + valid, named, named, name,
		       state);
		return;
	}
	if (named)
		snprintf(name, sizeof(name), "h-%x.dyn.example", i);
	if (pd)
		printf("fd00:6400:%x:%x00::", (i >> 8) & 0xffff, i & 0xff);
	else
		printf("fd00:64::%x:%x", (i >> 16) & 0xffff, i & 0xffff);
	printf(",00:01:00:01:32:93:9c:f7:%s,%u,%ld,1,%u,%d,%d,%d,%d,%d,%s,%s,%d,,1,2\n", hws, valid,
	       cltt + valid, valid * 3 / 4, pd ? 2 : 0, pd ? 2 : 1, pd ? 56 : 128, named, named,
	       name, hws, state);
}

int main(int argc, char **argv)
{
	struct gen g = { .family = 4, .now = time(NULL), .valid = 86400 };
	long n = 1000000;
	static char obuf[1 << 20];
	int opt;

	while ((opt = getopt(argc, argv, "46n:s:t:")) != -1) {
		switch (opt) {
		case '4': g.family = 4; break;
		case '6': g.family = 6; break;
		case 'n': n = atol(optarg); break;
		case 's': rng = strtoull(optarg, NULL, 0) | 1; break;
		case 't': g.now = atol(optarg); break;
		default:
			fprintf(stderr, "usage: leasegen -4|-6 [-n LEASES] [-s SEED] [-t NOW]\n");
			return EXIT_FAILURE;
		}
	}
	if (n <= 0 || n > (1L << 24)) {
		fprintf(stderr, "leasegen: -n must be 1..16777216\n");
		return EXIT_FAILURE;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	puts(g.family == 4 ? h4 : h6);
	/* an hour ago: earlier clients, some released, some reclaimed */
	for (long i = 0; i < n; i++) {
		long t = g.now - 7200 + next_rand() % 3600;

		if (i % 10 == 3) {
			row(&g, i, 1, t, 3600, 1, 0);
			row(&g, i, 1, t + 60, 0, 0, 0);	/* released: lifetime 0 deletes */
		} else if (i % 50 == 7) {
			row(&g, i, 2, t - 3600, 3600, 1, 0);
			row(&g, i, 2, t - 3600, 3600, 0, 2);	/* reclaimed, name blanked */
		}
	}
	/* the grants: without a name, then with it */
	for (long i = 0; i < n; i++) {
		long t = g.now - 3600 + next_rand() % 1800;

		row(&g, i, 0, t, g.valid, 0, 0);
		row(&g, i, 0, t, g.valid, 1, 0);
	}
	/* renewals of half of them */
	for (long i = 0; i < n; i += 2)
		row(&g, i, 0, g.now - next_rand() % 1200, g.valid, 1, 0);
	return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}
