// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/dnsdrive.c - push lease-level DNS changes through the update engine
 * (user/dnsengine.h) from the command line, for the integration tests and
 * the benchmark. Reads a Kea D2 configuration for zones, servers and keys.
 *
 * Changes come one per line on stdin:
 *   add|del FQDN ADDRESS ID [ttl=N] [mode=MODE] [fwd|rev]
 * where ID is hw:HTYPE:MAC (e.g. hw:01:00:0c:29:1f:74:06), cid:HEX, duid:HEX
 * or dhcid:HEX (the RDATA itself). Each change's final outcome is printed as
 *   OP FQDN ADDRESS fwd=OUTCOME rev=OUTCOME
 * in submission order of completion. With --gen N, N synthetic changes
 * hN.ZONE -> BASE+N are generated instead, and one JSON line of figures is
 * printed: {"changes":N,"seconds":S,"changes_per_s":R,"messages":M,...}.
 *
 * With --ncr-to IP:PORT the generated changes go to a kea-dhcp-ddns instead,
 * as NameChangeRequests (JSON, 2-byte length prefix, over UDP), keeping at
 * most --window requests outstanding (D2's queue holds 1024 and drops the
 * rest); completion is read from D2's log (--d2-log, the per-request
 * DHCP_DDNS_{ADD,REMOVE}_{SUCCEEDED,FAILED} lines). Same JSON figures.
 * With --dhcid, lines "ID FQDN" print "fqdn. BASE64-DHCID" (no DNS traffic).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "user/ctl/ddns_conf.h"
#include "user/dns/dhcid.h"
#include "user/dns/dnsengine.h"
#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/common/util.h"

const char *argp_program_version = "dnsdrive 0.1";

static struct {
	const char *conf;
	int mode;
	struct dnsengine_opts o;
	long gen;
	const char *gen_op, *gen_zone, *gen_base;
	int verbose;
	long wait_ms;
	bool quiet, gen_fwd_only, dhcid_only;
	const char *ncr_to, *d2_log;
	long window;
} env = { .gen_op = "add", .gen_zone = "dyn.example.", .gen_base = "10.0.0.0",
	  .wait_ms = 120000, .window = 100 };

static const struct argp_option opts[] = {
	{ "config", 'c', "FILE", 0, "Kea D2 configuration (DhcpDdns)", 0 },
	{ "mode", 'm', "MODE", 0, "default conflict-resolution mode (check-with-dhcid)", 0 },
	{ "max-batch", 'b', "N", 0, "changes per UPDATE message (1000)", 0 },
	{ "inflight", 'p', "N", 0, "messages pipelined per zone (4)", 0 },
	{ "timeout", 't', "MS", 0, "per-message timeout (2000)", 0 },
	{ "no-udp", 'U', NULL, 0, "TCP even for a lone small change", 0 },
	{ "wait", 'w', "MS", 0, "give up waiting after MS (120000)", 0 },
	{ "gen", 'g', "N", 0, "generate N changes instead of reading stdin", 0 },
	{ "gen-op", 'o', "add|del", 0, "operation of generated changes", 0 },
	{ "gen-zone", 'z', "ZONE", 0, "zone of generated names (dyn.example.)", 0 },
	{ "gen-base", 'a', "ADDR", 0, "first generated address is ADDR+1 (10.0.0.0)", 0 },
	{ "gen-fwd-only", 'F', NULL, 0, "generated changes touch forward zones only", 0 },
	{ "ncr-to", 'N', "IP:PORT", 0, "send generated changes to kea-dhcp-ddns as NCRs", 0 },
	{ "d2-log", 'L', "FILE", 0, "kea-dhcp-ddns log file to count completions in", 0 },
	{ "window", 'W', "N", 0, "NCRs outstanding at most (100; more overflow its socket buffer)", 0 },
	{ "dhcid", 'D', NULL, 0, "print the base64 DHCID for each 'ID FQDN' line of stdin", 0 },
	{ "quiet", 'q', NULL, 0, "no per-change lines", 0 },
	{ "verbose", 'v', NULL, 0, "more log output (repeat)", 0 },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	switch (key) {
	case 'c': env.conf = arg; break;
	case 'm':
		env.mode = dnsengine_mode_parse(arg);
		if (env.mode < 0)
			argp_error(st, "unknown mode '%s'", arg);
		break;
	case 'b': env.o.max_changes_per_msg = (unsigned int)atoi(arg); break;
	case 'p': env.o.max_inflight_per_zone = (unsigned int)atoi(arg); break;
	case 't': env.o.timeout_ms = (unsigned int)atoi(arg); break;
	case 'U': env.o.udp_single = false; break;
	case 'w': env.wait_ms = atol(arg); break;
	case 'g': env.gen = atol(arg); break;
	case 'o': env.gen_op = arg; break;
	case 'z': env.gen_zone = arg; break;
	case 'a': env.gen_base = arg; break;
	case 'F': env.gen_fwd_only = true; break;
	case 'D': env.dhcid_only = true; break;
	case 'N': env.ncr_to = arg; break;
	case 'L': env.d2_log = arg; break;
	case 'W': env.window = atol(arg); break;
	case 'q': env.quiet = true; break;
	case 'v': env.verbose++; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Drive DNS changes through leasesnoop's update engine.\n\n"
	"EXAMPLES:\n"
	"  echo 'add h1.dyn.example. 192.0.2.10 hw:01:00:0c:29:1f:74:06' | dnsdrive -c d2.conf\n"
	"  dnsdrive -c d2.conf --gen 20000 --gen-op add -q";

static long n_final, n_bad;

static void on_done(void *arg, const struct dnsengine_change *c, const struct dnsengine_result *r)
{
	char a[INET6_ADDRSTRLEN];

	(void)arg;
	if (!r->final)
		return;
	n_final++;
	if (r->fwd != DNSENGINE_APPLIED && r->fwd != DNSENGINE_SKIPPED)
		n_bad++;
	else if (r->rev != DNSENGINE_APPLIED && r->rev != DNSENGINE_SKIPPED)
		n_bad++;
	if (env.quiet)
		return;
	util_addr_text(c->family, c->addr, a, sizeof(a));
	printf("%s %s %s fwd=%s rev=%s\n", c->op == DNSENGINE_ADD ? "add" : "del", c->fqdn, a,
	       dnsengine_outcome_name(r->fwd), dnsengine_outcome_name(r->rev));
	fflush(stdout);
}

static int parse_line(char *line, struct dnsengine_change *c)
{
	char *op = strtok(line, " \t\n"), *fqdn = strtok(NULL, " \t\n");
	char *addr = strtok(NULL, " \t\n"), *id = strtok(NULL, " \t\n"), *t;
	uint8_t raw[256];
	int n;

	if (!op || op[0] == '#')
		return 1;
	if (!fqdn || !addr || !id)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->op = !strcmp(op, "add") ? DNSENGINE_ADD : DNSENGINE_REMOVE;
	if (strcmp(op, "add") && strcmp(op, "del"))
		return -EINVAL;
	c->mode = env.mode;
	c->fwd = c->rev = true;
	c->ttl = 3600;
	snprintf(c->fqdn, sizeof(c->fqdn), "%s", fqdn);
	c->family = util_addr_parse(addr, 0, c->addr);
	if (c->family < 0)
		return -EINVAL;
	if (!strncmp(id, "dhcid:", 6)) {
		if (dhcid_from_hex(id + 6, c->dhcid, sizeof(c->dhcid)) != DHCID_RDATA_LEN)
			return -EINVAL;
	} else {
		enum dhcid_idtype ty;
		const char *h;

		if (!strncmp(id, "hw:", 3)) {
			ty = DHCID_ID_HWADDR;
			h = id + 3;
		} else if (!strncmp(id, "cid:", 4)) {
			ty = DHCID_ID_CLIENTID;
			h = id + 4;
		} else if (!strncmp(id, "duid:", 5)) {
			ty = DHCID_ID_DUID;
			h = id + 5;
		} else {
			return -EINVAL;
		}
		n = util_hex_parse(h, raw, sizeof(raw));
		if (n <= 0 || dhcid_compute(ty, raw, (size_t)n, fqdn, c->dhcid))
			return -EINVAL;
	}
	while ((t = strtok(NULL, " \t\n"))) {
		if (!strncmp(t, "ttl=", 4)) {
			c->ttl = (uint32_t)strtoul(t + 4, NULL, 10);
		} else if (!strncmp(t, "mode=", 5)) {
			int m = dnsengine_mode_parse(t + 5);

			if (m < 0)
				return -EINVAL;
			c->mode = m;
		} else if (!strcmp(t, "fwd")) {
			c->rev = false;
		} else if (!strcmp(t, "rev")) {
			c->fwd = false;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int gen_change(long i, struct dnsengine_change *c)
{
	uint8_t mac[7] = { 1, 0x02, 0, 0, 0, 0, 0 };
	struct in_addr base;
	uint32_t a;

	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, env.gen_base, &base) != 1)
		return -EINVAL;
	a = ntohl(base.s_addr) + (uint32_t)i + 1;
	c->op = strcmp(env.gen_op, "add") ? DNSENGINE_REMOVE : DNSENGINE_ADD;
	c->mode = env.mode;
	c->fwd = true;
	c->rev = !env.gen_fwd_only;
	c->family = 4;
	c->ttl = 3600;
	a = htonl(a);
	memcpy(c->addr, &a, 4);
	snprintf(c->fqdn, sizeof(c->fqdn), "h%ld.%s", i + 1, env.gen_zone);
	mac[3] = (uint8_t)((i + 1) >> 16);
	mac[4] = (uint8_t)((i + 1) >> 8);
	mac[5] = (uint8_t)(i + 1);
	return dhcid_compute(DHCID_ID_HWADDR, mac, sizeof(mac), c->fqdn, c->dhcid);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Count D2's per-request completion lines appended to its log since the last
 * call. Kea rotates its log (maxsize): when the path names another file, the
 * rest of the old one is read, then the new one from its start.
 */
static long d2_completions(FILE **fp, const char *path)
{
	static const char *const tags[] = { "DHCP_DDNS_ADD_SUCCEEDED", "DHCP_DDNS_ADD_FAILED",
					    "DHCP_DDNS_REMOVE_SUCCEEDED", "DHCP_DDNS_REMOVE_FAILED" };
	static long failed;
	char line[4096];
	long n = 0;

	for (;;) {
		struct stat now, cur;
		bool rotated;

		clearerr(*fp);
		while (fgets(line, sizeof(line), *fp)) {
			size_t l = strlen(line);

			/* a line D2 is still writing: read it whole next time */
			if (l && line[l - 1] != '\n' && l + 1 < sizeof(line)) {
				fseek(*fp, -(long)l, SEEK_CUR);
				break;
			}
			for (int i = 0; i < 4; i++) {
				if (strstr(line, tags[i])) {
					n++;
					failed += i & 1;
				}
			}
		}
		rotated = !stat(path, &now) && !fstat(fileno(*fp), &cur) && now.st_ino != cur.st_ino;
		if (!rotated)
			break;
		{
			FILE *nf = fopen(path, "r");

			if (!nf)
				break;
			fclose(*fp);
			*fp = nf;
		}
	}
	n_bad = failed;
	return n;
}

static int ncr_run(void)
{
	char host[64], json[1024], hex[2 * DHCID_RDATA_LEN + 1], a[INET_ADDRSTRLEN];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct dnsengine_change c;
	long sent = 0, done = 0;
	double t0, t1;
	FILE *log;
	char *colon;
	int fd;

	snprintf(host, sizeof(host), "%s", env.ncr_to);
	colon = strrchr(host, ':');
	if (!colon || !env.d2_log)
		return -EINVAL;
	*colon = 0;
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -EINVAL;
	log = fopen(env.d2_log, "r");
	if (!log) {
		pr_err("dnsdrive: cannot open D2 log '%s' (%s)", env.d2_log, strerror(errno));
		return -errno;
	}
	fseek(log, 0, SEEK_END);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fclose(log);
		return -errno;
	}
	t0 = now_s();
	while (done < env.gen && now_s() - t0 < env.wait_ms / 1000.0) {
		while (sent < env.gen && sent - done < env.window) {
			int n;

			if (gen_change(sent, &c))
				return -EINVAL;
			for (int i = 0; i < DHCID_RDATA_LEN; i++)	/* Kea writes upper case */
				sprintf(hex + 2 * i, "%02X", c.dhcid[i]);
			util_addr_text(4, c.addr, a, sizeof(a));
			/* Kea ncr_msg.cc toJSON field set; lease-length becomes the TTL */
			n = snprintf(json + 2, sizeof(json) - 2,
				     "{\"change-type\":%d,\"forward-change\":true,\"reverse-change\":%s,"
				     "\"fqdn\":\"%s\",\"ip-address\":\"%s\",\"dhcid\":\"%s\","
				     "\"lease-expires-on\":\"20301231000000\",\"lease-length\":3600,"
				     "\"use-conflict-resolution\":true}",
				     c.op == DNSENGINE_ADD ? 0 : 1, c.rev ? "true" : "false", c.fqdn, a, hex);
			json[0] = (char)(n >> 8);
			json[1] = (char)n;
			if (send(fd, json, (size_t)n + 2, 0) < 0) {
				pr_err("dnsdrive: cannot send NCR to '%s' (%s)", env.ncr_to, strerror(errno));
				break;
			}
			sent++;
		}
		done += d2_completions(&log, env.d2_log);
		if (done < env.gen) {
			struct timespec ts = { 0, 2000000 };

			nanosleep(&ts, NULL);
		}
	}
	t1 = now_s();
	close(fd);
	fclose(log);
	printf("{\"changes\":%ld,\"seconds\":%.3f,\"changes_per_s\":%.0f,\"failed\":%ld,"
	       "\"pending\":%ld}\n", done, t1 - t0, done / (t1 - t0), n_bad, env.gen - done);
	return done < env.gen ? -ETIMEDOUT : 0;
}

/* --dhcid: "ID FQDN" lines to base64 DHCID RDATA, as it appears in a zone file. */
static int dhcid_lines(void)
{
	char line[1024];

	while (fgets(line, sizeof(line), stdin)) {
		struct dnsengine_change c;
		char buf[1100], *id = strtok(line, " \t\n"), *fqdn = strtok(NULL, " \t\n");
		unsigned char b64[64];

		if (!id || !fqdn)
			continue;
		snprintf(buf, sizeof(buf), "add %s 192.0.2.1 %s", fqdn, id);
		if (parse_line(buf, &c)) {
			fprintf(stderr, "dnsdrive: bad identifier '%s'\n", id);
			return -EINVAL;
		}
		EVP_EncodeBlock(b64, c.dhcid, DHCID_RDATA_LEN);
		if (zones_name_canon(fqdn, buf, sizeof(buf)))
			return -EINVAL;
		printf("%s %s\n", buf, b64);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_opt, NULL, doc, NULL, NULL, NULL };
	struct ddns_conf conf = { 0 };
	struct dnsengine *e = NULL;
	struct dnsengine_stats st;
	struct dnsengine_change c;
	char line[1024];
	double t0, t1, cpu0, cpu1;
	size_t left;
	int err;

	dnsengine_opts_default(&env.o);
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return EXIT_FAILURE;
	log_set_level(env.verbose >= 2 ? LOG_LVL_DEBUG : env.verbose ? LOG_LVL_INFO : LOG_LVL_WARN);
	if (env.dhcid_only)
		return dhcid_lines() ? EXIT_FAILURE : EXIT_SUCCESS;
	if (env.ncr_to) {
		if (!env.gen) {
			fprintf(stderr, "dnsdrive: --ncr-to needs --gen N\n");
			return EXIT_FAILURE;
		}
		err = ncr_run();
		return err ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (!env.conf) {
		fprintf(stderr, "dnsdrive: -c FILE is required\n");
		return EXIT_FAILURE;
	}
	err = ddns_conf_load(env.conf, &conf);
	if (err)
		return EXIT_FAILURE;
	err = dnsengine_new(&e, conf.zones, &env.o, on_done, NULL);
	if (err) {
		pr_err("dnsdrive: cannot create engine (%s)", ls_strerror(err));
		goto out;
	}
	t0 = now_s();
	cpu0 = (double)clock() / CLOCKS_PER_SEC;
	if (env.gen) {
		for (long i = 0; i < env.gen && !err; i++) {
			err = gen_change(i, &c);
			err = err ?: dnsengine_submit(e, &c);
		}
	} else {
		long ln = 0;

		while (!err && fgets(line, sizeof(line), stdin)) {
			int r;

			ln++;
			r = parse_line(line, &c);
			if (r > 0)
				continue;
			if (r < 0) {
				pr_err("dnsdrive: bad change on line %ld of stdin", ln);
				err = r;
				break;
			}
			err = dnsengine_submit(e, &c);
		}
	}
	if (err) {
		pr_err("dnsdrive: cannot submit (%s)", ls_strerror(err));
		goto out;
	}
	left = dnsengine_drain(e, (int)env.wait_ms);
	t1 = now_s();
	cpu1 = (double)clock() / CLOCKS_PER_SEC;
	dnsengine_get_stats(e, &st);
	if (env.gen)
		printf("{\"changes\":%llu,\"seconds\":%.3f,\"changes_per_s\":%.0f,\"messages\":%llu,"
		       "\"bisections\":%llu,\"retries\":%llu,\"failed\":%ld,\"pending\":%zu,"
		       "\"cpu_s\":%.3f}\n",
		       (unsigned long long)st.finished, t1 - t0,
		       (t1 > t0) ? st.finished / (t1 - t0) : 0.0, (unsigned long long)st.messages,
		       (unsigned long long)st.bisections, (unsigned long long)st.retries, n_bad, left,
		       cpu1 - cpu0);
	if (left) {
		pr_err("dnsdrive: %zu changes still pending after %ld ms", left, env.wait_ms);
		err = -ETIMEDOUT;
	}
out:
	dnsengine_free(e);
	ddns_conf_fini(&conf);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
