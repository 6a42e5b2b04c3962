// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/leasewatch.c - drive the lease table from outside: follow a live Kea
 * lease file the way the daemon will (inotify, LFC rotations, clock expiry),
 * print the change feed, and on SIGUSR1 write a snapshot of the whole table
 * (one JSON object per lease, Kea's column names) for the integration test
 * to compare with Kea's own lease4/6-get-all. With --bench, load a file once
 * and print load time and resident memory as JSON (tools/bench/leases.sh).
 *
 *   leasewatch [-g GRACE] [-o SNAPSHOT] [-e CHANGES] FILE
 *   leasewatch --bench FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/lease/leases.h"
#include "user/common/log.h"
#include "user/common/util.h"

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct count {
	time_t now;
	size_t active;
};

static int count_active(void *ctx, const struct lease *l)
{
	struct count *c = ctx;

	c->active += leases_is_active(l, c->now);
	return 0;
}

static int bench(const char *path)
{
	struct count c = { .now = time(NULL) };
	struct leases_stats st;
	struct leases *t;
	long rss0 = rss_bytes(), rss1;
	double t0 = now_s(), t1;
	int err;

	err = leases_open(&t, path, 0, NULL);
	if (err)
		return err;
	t1 = now_s();
	rss1 = rss_bytes();
	leases_foreach(t, count_active, &c);
	leases_get_stats(t, &st);
	printf("{\"rows\":%llu,\"seconds\":%.6f,\"leases\":%llu,\"active\":%zu,"
	       "\"rss_bytes\":%ld,\"mem_bytes\":%llu,\"bad_rows\":%llu}\n",
	       (unsigned long long)st.rows, t1 - t0, (unsigned long long)st.leases, c.active,
	       rss1 - rss0, (unsigned long long)st.mem_bytes, (unsigned long long)st.bad_rows);
	leases_close(t);
	return 0;
}

struct snap {
	FILE *out;
	uint32_t cols;
};

static int snap_one(void *ctx, const struct lease *l)
{
	struct snap *s = ctx;

	return leases_print(l, s->cols, 1, s->out);
}

static int snapshot(struct leases *t, const char *path)
{
	char tmp[4096];
	struct snap s = { .cols = leases_columns(t) };
	int err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	s.out = fopen(tmp, "w");
	if (!s.out)
		return -errno;
	err = leases_foreach(t, snap_one, &s);
	if (fclose(s.out) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	return err;
}

static void on_change(void *ctx, const struct lease_change *ch)
{
	FILE *out = ctx;
	char a[UTIL_ADDR_TEXT];

	util_addr_text(ch->lease->family, ch->lease->addr, a, sizeof(a));
	fprintf(out, "{\"change\":\"%s\",\"address\":\"%s\",\"hostname\":\"%s\",\"expire\":%lld}\n",
		leases_change_name(ch->kind), a, ch->lease->hostname, (long long)ch->lease->expire);
}

int main(int argc, char **argv)
{
	const char *snap_path = NULL, *changes = NULL;
	struct leases_opts o = { .watch = 1 };
	struct leases_stats st;
	struct leases *t = NULL;
	struct pollfd p[2];
	FILE *chf = NULL;
	sigset_t mask;
	int opt, err, sfd;

	if (argc == 3 && !strcmp(argv[1], "--bench")) {
		err = bench(argv[2]);
		if (err)
			fprintf(stderr, "leasewatch: cannot load '%s' (%s)\n", argv[2],
				ls_strerror(err));
		return err ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	while ((opt = getopt(argc, argv, "g:o:e:")) != -1) {
		switch (opt) {
		case 'g': o.grace = atoi(optarg); break;
		case 'o': snap_path = optarg; break;
		case 'e': changes = optarg; break;
		default:
			fprintf(stderr, "usage: leasewatch [-g GRACE] [-o SNAPSHOT] [-e CHANGES] FILE\n"
					"       leasewatch --bench FILE\n");
			return EXIT_FAILURE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "leasewatch: one lease file expected\n");
		return EXIT_FAILURE;
	}
	if (changes) {
		chf = fopen(changes, "a");
		if (!chf) {
			perror(changes);
			return EXIT_FAILURE;
		}
		setvbuf(chf, NULL, _IOLBF, 0);
		o.on_change = on_change;
		o.ctx = chf;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	err = leases_open(&t, argv[optind], 0, &o);
	if (err || sfd < 0)
		goto out;
	p[0].fd = leases_fd(t);
	p[0].events = POLLIN;
	p[1].fd = sfd;
	p[1].events = POLLIN;
	for (;;) {
		struct signalfd_siginfo si;
		int n = poll(p, 2, 1000);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		err = leases_process(t);
		if (err < 0)
			break;
		leases_expire_scan(t, time(NULL));
		if (!(p[1].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGUSR1)
			break;
		if (snap_path) {
			err = snapshot(t, snap_path);
			if (err) {
				fprintf(stderr, "leasewatch: snapshot '%s' failed (%s)\n", snap_path,
					ls_strerror(err));
				break;
			}
		}
	}
	if (err > 0)
		err = 0;
	leases_get_stats(t, &st);
	printf("{\"rows\":%llu,\"bad_rows\":%llu,\"rotations\":%llu,\"truncations\":%llu,"
	       "\"leases\":%llu}\n",
	       (unsigned long long)st.rows, (unsigned long long)st.bad_rows,
	       (unsigned long long)st.rotations, (unsigned long long)st.truncations,
	       (unsigned long long)st.leases);
out:
	if (err)
		fprintf(stderr, "leasewatch: %s\n", ls_strerror(err));
	leases_close(t);
	if (chf)
		fclose(chf);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
