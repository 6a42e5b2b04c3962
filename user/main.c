// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/main.c - command line, signals and wiring of leasesnoop's modes
 * (DESIGN.md "Command line"). No state of its own beyond the run.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringbuf/consumer.h"
#include "user/ctl/config.h"
#include "user/ctl/conftest.h"
#include "user/ctl/control.h"
#include "user/daemon.h"
#include "user/leaseinfo.h"
#include "user/common/errcode.h"
#include "user/wire/evfmt.h"
#include "user/lease/leases.h"
#include "user/lease/sqlfeed.h"
#include "user/wire/loader.h"
#include "user/common/log.h"
#include "user/wire/parse.h"
#include "user/wire/pcapsrc.h"

const char *argp_program_version = "leasesnoop 0.1";
const char *argp_program_bug_address = "<https://github.com/leasesnoop/leasesnoop/issues>";

static const char doc[] =
	"leasesnoop - keep DNS in step with DHCP leases seen on the wire and in Kea's lease files.\n"
	"\n"
	"EXAMPLES:\n"
	"  leasesnoop -t -c /etc/leasesnoop.conf  check the configuration, say what it would do, exit\n"
	"  leasesnoop -c /etc/leasesnoop.conf     the daemon: attach, reconcile, update DNS\n"
	"  leasesnoop -c /etc/leasesnoop.conf --dry-run   the same, printing DNS changes instead\n"
	"  leasesnoop -c /etc/leasesnoop.conf --db-init   install leasesnoop's schema beside Kea's\n"
	"  leasesnoop --stats --watch -c /etc/leasesnoop.conf   the running daemon's counters\n"
	"  leasesnoop --lease 192.0.2.10 -c /etc/leasesnoop.conf  one lease: decision, records, DNS now\n"
	"  leasesnoop -i eth0 --events --json     attach and print lease events live (no DNS)\n"
	"  leasesnoop --pcap dhcp.pcap.gz --events  decode a capture offline with the same parser\n"
	"  leasesnoop --kea-leases /var/lib/kea/kea-leases4.csv --json   active leases Kea holds\n";

enum { OPT_EVENTS = 0x100, OPT_JSON, OPT_PCAP, OPT_XDP_SKB, OPT_NO_TC, OPT_COUNTERS,
       OPT_RING_SIZE, OPT_NO_TCX, OPT_TC_INGRESS, OPT_KEA_LEASES, OPT_ALL, OPT_DRY_RUN, OPT_STATS, OPT_WATCH, OPT_SOCKET,
       OPT_DB_INIT, OPT_DB_UPGRADE, OPT_LEASE };

static const struct argp_option opts[] = {
	{ "config", 'c', "FILE", 0, "Run the daemon with this configuration", 0 },
	{ "test", 't', NULL, 0, "With -c: check the configuration and what it names, print what the daemon would do, exit 0 (valid) or 1", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "With -c: print DNS changes instead of sending them", 0 },
	{ "db-init", OPT_DB_INIT, NULL, 0, "With -c: install the schema 'leasesnoop' in the lease database", 0 },
	{ "db-upgrade", OPT_DB_UPGRADE, NULL, 0, "With -c: upgrade the schema 'leasesnoop' in the lease database", 0 },
	{ "stats", OPT_STATS, NULL, 0, "Print the running daemon's counters (its control socket)", 0 },
	{ "watch", OPT_WATCH, NULL, 0, "With --stats: refresh every second", 0 },
	{ "lease", OPT_LEASE, "ADDRESS|NAME", 0, "One lease as the running daemon sees it: Kea's row, the decision and why, the records owned, what DNS answers now", 0 },
	{ "control-socket", OPT_SOCKET, "PATH", 0, "With --stats or --lease: the socket (default: from -c FILE)", 0 },
	{ "interface", 'i', "IFACE", 0, "Attach to IFACE (repeatable)", 0 },
	{ "events", OPT_EVENTS, NULL, 0, "Print lease events (no DNS changes)", 0 },
	{ "json", OPT_JSON, NULL, 0, "One JSON object per line", 0 },
	{ "pcap", OPT_PCAP, "FILE", 0, "Decode a pcap/pcapng capture (optionally gzip'd)", 0 },
	{ "kea-leases", OPT_KEA_LEASES, "FILE", 0, "Print the leases a Kea lease file holds", 0 },
	{ "all", OPT_ALL, NULL, 0, "With --kea-leases: every lease's final state, not only active ones", 0 },
	{ "xdp-generic", OPT_XDP_SKB, NULL, 0, "Attach XDP in generic (skb) mode", 0 },
	{ "no-egress", OPT_NO_TC, NULL, 0, "Do not attach the tc egress program", 0 },
	{ "no-tcx", OPT_NO_TCX, NULL, 0, "Attach tc programs as clsact filters even where the kernel has tcx links", 0 },
	{ "tc-ingress", OPT_TC_INGRESS, NULL, 0, "See ingress at tc even when the XDP hook is free", 0 },
	{ "counters", OPT_COUNTERS, NULL, 0, "At exit, print the parser counters as JSON on stderr", 0 },
	{ "ring-size", OPT_RING_SIZE, "BYTES", 0, "BPF ring buffer size (power of 2, default 16 MiB)", 0 },
	{ "verbose", 'v', NULL, 0, "More log output (repeatable)", 0 },
	{},
};

static struct env {
	const char *ifaces[LOADER_MAX_IFACES];
	int n_ifaces;
	const char *pcap;
	const char *kea_leases;
	const char *config, *socket, *lease;
	int events, json, counters, verbose, all, dry_run, stats, watch, test, db_init, db_upgrade;
	unsigned int loader_flags;
	unsigned long ring_bytes;
} env;

static volatile sig_atomic_t exiting, reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		exiting = 1;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'c':
		env.config = arg;
		break;
	case 't':
		env.test = 1;
		break;
	case OPT_DRY_RUN:
		env.dry_run = 1;
		break;
	case OPT_STATS:
		env.stats = 1;
		break;
	case OPT_DB_INIT:
		env.db_init = 1;
		break;
	case OPT_DB_UPGRADE:
		env.db_upgrade = 1;
		break;
	case OPT_WATCH:
		env.watch = 1;
		break;
	case OPT_SOCKET:
		env.socket = arg;
		break;
	case OPT_LEASE:
		env.lease = arg;
		break;
	case 'i':
		if (env.n_ifaces == LOADER_MAX_IFACES)
			argp_error(state, "at most %d interfaces", LOADER_MAX_IFACES);
		env.ifaces[env.n_ifaces++] = arg;
		break;
	case OPT_EVENTS:
		env.events = 1;
		break;
	case OPT_JSON:
		env.json = 1;
		break;
	case OPT_PCAP:
		env.pcap = arg;
		break;
	case OPT_KEA_LEASES:
		env.kea_leases = arg;
		break;
	case OPT_ALL:
		env.all = 1;
		break;
	case OPT_XDP_SKB:
		env.loader_flags |= LOADER_F_XDP_SKB;
		break;
	case OPT_NO_TC:
		env.loader_flags |= LOADER_F_NO_TC;
		break;
	case OPT_NO_TCX:
		env.loader_flags |= LOADER_F_NO_TCX;
		break;
	case OPT_TC_INGRESS:
		env.loader_flags |= LOADER_F_TC_INGRESS;
		break;
	case OPT_COUNTERS:
		env.counters = 1;
		break;
	case OPT_RING_SIZE:
		errno = 0;
		env.ring_bytes = strtoul(arg, &end, 0);
		if (errno || *end || env.ring_bytes < 4096 || (env.ring_bytes & (env.ring_bytes - 1)))
			argp_error(state, "--ring-size '%s' is not a power of two >= 4096", arg);
		break;
	case 'v':
		env.verbose++;
		break;
	case ARGP_KEY_END:
		if (env.db_init || env.db_upgrade) {
			if (!env.config || env.stats || env.dry_run || env.pcap || env.n_ifaces ||
			    env.events || env.kea_leases || (env.db_init && env.db_upgrade))
				argp_error(state, "--db-init and --db-upgrade take -c FILE alone");
			break;
		}
		if (env.stats) {
			if (env.pcap || env.n_ifaces || env.events || env.kea_leases || env.dry_run ||
			    env.lease)
				argp_error(state, "--stats takes only -c, --control-socket, --json, --watch");
			break;
		}
		if (env.lease) {
			if (env.pcap || env.n_ifaces || env.events || env.kea_leases || env.dry_run ||
			    env.watch || env.test || env.all)
				argp_error(state, "--lease takes only -c, --control-socket, --json");
			break;
		}
		if (env.watch)
			argp_error(state, "--watch goes with --stats");
		if (env.test) {
			if (!env.config || env.dry_run || env.pcap || env.n_ifaces || env.events ||
			    env.kea_leases || env.json || env.all)
				argp_error(state, "-t takes only -c FILE and -v");
			break;
		}
		if (env.config) {
			if (env.pcap || env.n_ifaces || env.events || env.kea_leases || env.json)
				argp_error(state, "-c FILE takes only --dry-run and -v");
			break;
		}
		if (env.dry_run)
			argp_error(state, "--dry-run goes with -c FILE");
		if (env.kea_leases) {
			if (env.pcap || env.n_ifaces || env.events)
				argp_error(state, "--kea-leases takes only --all and --json");
			break;
		}
		if (env.all)
			argp_error(state, "--all goes with --kea-leases");
		if (env.pcap && env.n_ifaces)
			argp_error(state, "--pcap and -i are exclusive");
		if (!env.pcap && !env.n_ifaces)
			argp_error(state, "nothing to do: give -i IFACE --events or --pcap FILE --events");
		if (!env.events)
			argp_error(state, "-i/--pcap need --events (the daemon mode takes -c FILE)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void print_event(const struct ls_event *ev)
{
	if (env.json)
		evfmt_json(stdout, ev);
	else
		evfmt_text(stdout, ev);
}

static void on_parsed(const struct ls_event *ev, void *arg)
{
	(void)arg;
	print_event(ev);
}

static void on_frame(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen, void *arg)
{
	struct parse *ps = arg;
	int r;

	/* A frame cut by the capture's snaplen is parsed as what was captured. */
	(void)wirelen;
	r = parse_frame_linktype(ps, dlt, frame, caplen, 0, LS_DIR_INGRESS, on_parsed, NULL);
	if (r == -EPROTONOSUPPORT) {
		static int warned;

		if (!warned++)
			pr_err("pcap: link type %d not supported (Ethernet, Linux cooked, raw IP are)",
			       dlt);
	}
}

static int run_pcap(void)
{
	struct parse *ps;
	long n;
	int err;

	err = parse_new(&ps);
	if (err)
		return err;
	n = pcapsrc_read(env.pcap, on_frame, ps);
	fflush(stdout);
	if (env.counters)
		evfmt_counters_json(stderr, parse_counters(ps));
	parse_free(ps);
	return n < 0 ? (int)n : 0;
}

static void on_batch(const struct ls_event *ev, size_t n, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < n; i++)
		print_event(&ev[i]);
	/* the reader went away (`| head`): stop as on SIGINT, detaching cleanly */
	if (fflush(stdout) && errno == EPIPE)
		exiting = 1;
}

static int run_live(void)
{
	struct loader *l = NULL;
	struct consumer *c = NULL;
	struct consumer_stats st;
	struct ls_counters cnt;
	int err;

	err = loader_open(&l, env.ifaces, env.n_ifaces, env.loader_flags, env.ring_bytes);
	if (err)
		return err;
	err = consumer_open(&c, loader_events_fd(l), on_batch, NULL, 0);
	if (err) {
		pr_err("ringbuf: cannot open the event ring (%s)", ls_strerror(err));
		goto out;
	}
	pr_info("listening on %d interface(s); Ctrl-C to stop", env.n_ifaces);
	while (!exiting) {
		err = consumer_poll(c, 100);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			pr_err("ringbuf: poll failed (%s)", ls_strerror(err));
			goto out;
		}
		err = 0;
	}
	consumer_drain(c);
	consumer_get_stats(c, &st);
	if (st.bad_size || st.bad_version)
		pr_warn("ringbuf: %llu records of the wrong size, %llu of another ABI version dropped",
			st.bad_size, st.bad_version);
	if (env.counters && loader_counters(l, &cnt) == 0)
		evfmt_counters_json(stderr, &cnt);
out:
	consumer_close(c);
	loader_close(l);
	return err;
}

static void on_finding(void *arg, enum conftest_verdict v, const char *line)
{
	(void)arg;
	if (v == CONFTEST_ERR)
		pr_err("config: %s", line);
	else
		pr_warn("config: %s", line);
}

/* -t: Kea's config check; nothing is attached, opened or sent */
static int run_test(void)
{
	struct config *cfg;
	int err;

	err = config_load(env.config, &cfg);
	if (err)
		return err;
	err = conftest_run(cfg, on_finding, NULL, stdout);
	config_free(cfg);
	return err;
}

static int run_stats(void)
{
	struct config *cfg = NULL;
	const char *path = env.socket;
	int err;

	if (!path && env.config) {
		err = config_load(env.config, &cfg);
		if (err)
			return err;
		path = cfg->control_socket;
		if (!path) {
			pr_err("main: '%s' has no control-socket", env.config);
			config_free(cfg);
			return LS_ECONFIG;
		}
	}
	if (!path)
		path = "/run/leasesnoop/control.sock";
	if (env.lease)	/* each DNS query waits at most 1 s: a dead server costs seconds, not more */
		err = leaseinfo_cmd(path, env.lease, env.json, 1000, stdout);
	else
		err = control_cmd_stats(path, env.json, env.watch, &exiting);
	config_free(cfg);
	return err;
}

/* --db-init / --db-upgrade: the schema "leasesnoop" in the configured lease database */
static int run_db_admin(void)
{
	struct config *cfg = NULL;
	int err = config_load(env.config, &cfg);

	if (err)
		return err;
	if (cfg->db.type == LEASEDB_MEMFILE) {
		pr_err("main: '%s' names no lease-database of type postgresql or mysql (type %s)", env.config,
		       leasedb_type_name(cfg->db.type));
		err = LS_ECONFIG;
	} else {
		err = sqlfeed_admin(&cfg->db, env.db_upgrade);
	}
	config_free(cfg);
	return err;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg, .doc = doc };
	struct sigaction sa = { .sa_handler = on_signal };
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return EXIT_FAILURE;
	log_set_level(env.verbose >= 2 ? LOG_LVL_DEBUG : env.verbose ? LOG_LVL_INFO : LOG_LVL_WARN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (env.test)
		return run_test() ? EXIT_FAILURE : EXIT_SUCCESS;
	if (env.db_init || env.db_upgrade)
		return run_db_admin() ? EXIT_FAILURE : EXIT_SUCCESS;
	if (env.config && !env.stats && !env.lease) {
		/* the daemon's lines carry a time, or under journald a priority */
		log_use_daemon_style();
		struct daemon_args da = { .config = env.config, .dry_run = env.dry_run,
					  .verbose = env.verbose, .exiting = &exiting,
					  .reload = &reload };

		err = daemon_run(&da);
		return err ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (env.stats || env.lease)
		return run_stats() ? EXIT_FAILURE : EXIT_SUCCESS;
	if (env.kea_leases) {
		/* the daemon waits for a lease file Kea has yet to write; this command does not */
		if (access(env.kea_leases, R_OK) != 0) {
			err = -errno;
			pr_err("leases: cannot read '%s' (%s)", env.kea_leases, ls_strerror(err));
		} else {
			err = leases_cmd_print(env.kea_leases, env.all, env.json, stdout);
		}
	} else if (env.pcap) {
		err = run_pcap();
	} else {
		err = run_live();
	}
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
