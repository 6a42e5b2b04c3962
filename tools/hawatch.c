// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/hawatch.c - follow a Kea server's HA state through user/ha.c the way
 * the daemon does, and print one JSON line (ha_stats_json()) each time the
 * state or the decision changes, until SIGINT/SIGTERM. The integration test
 * (tests/integ/50_ha.sh) runs one per Kea node; operators can use it to see
 * what leasesnoop would decide before enabling HA in the daemon.
 *
 *   hawatch [-i INTERVAL_S] [-m MODE] [-u standby|keep] KEA_CONTROL_SOCKET
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/ctl/ha.h"
#include "user/common/log.h"

static void print_status(void *ctx, const struct ha_status *old, const struct ha_status *now)
{
	struct ha *h = *(struct ha **)ctx;
	json_t *j;

	(void)old;
	(void)now;
	j = ha_stats_json(h);
	if (!j)
		return;
	json_dumpf(j, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
}

int main(int argc, char **argv)
{
	struct ha_config c;
	struct pollfd pfd[2];
	struct ha *h = NULL;
	sigset_t mask;
	int opt, err;

	ha_config_parse(NULL, "-", &c);
	c.enabled = true;
	while ((opt = getopt(argc, argv, "i:m:u:")) != -1) {
		switch (opt) {
		case 'i':
			c.interval_ms = (uint32_t)(atof(optarg) * 1000);
			break;
		case 'm':
			c.mode = ha_mode_parse(optarg);
			break;
		case 'u':
			c.unreachable = strcmp(optarg, "keep") ? HA_UNREACH_STANDBY : HA_UNREACH_KEEP;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || strlen(argv[optind]) >= sizeof(c.control_socket) ||
	    c.interval_ms < 10)
		goto usage;
	snprintf(c.control_socket, sizeof(c.control_socket), "%s", argv[optind]);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	pfd[0].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	pfd[0].events = POLLIN;
	err = ha_open(&h, &c, print_status, &h);
	if (err)
		return EXIT_FAILURE;
	print_status(&h, NULL, NULL);
	pfd[1].fd = ha_fd(h);
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, 100) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			err = ha_process(h);
			if (err) {
				pr_err("hawatch: poller failed (%s)", ls_strerror(err));
				break;
			}
		}
	}
	ha_close(h);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
usage:
	fprintf(stderr, "usage: hawatch [-i INTERVAL_S] [-m MODE] [-u standby|keep] SOCKET\n");
	return EXIT_FAILURE;
}
