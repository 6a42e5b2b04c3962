/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ctl/conftest.h - `leasesnoop -t -c FILE` and the control command
 * `config-test` (Kea's `-t` and `config-test`): after config_load() has
 * checked syntax, keys, types, ranges and key files, judge what the values
 * point at (state directory, lease files, sockets, interfaces, zones) and
 * say in a few lines what the daemon would do. The judgements are pure
 * functions of facts gathered by stat(2)/access(2); conftest_run() gathers
 * and reports. Holds no state.
 */
#ifndef LS_CONFTEST_H
#define LS_CONFTEST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "user/ctl/config.h"
#include "user/dns/zones.h"

enum conftest_verdict { CONFTEST_OK = 0, CONFTEST_WARN, CONFTEST_ERR };

/* what a path is used for */
enum conftest_kind {
	CONFTEST_STATE_DIR,	/* a writable directory, or creatable in a writable parent */
	CONFTEST_LEASE_FILE,	/* a readable regular file (absent: Kea has not written it yet) */
	CONFTEST_OUR_SOCKET,	/* our control socket: absent or a socket, in an existing directory */
	CONFTEST_KEA_SOCKET,	/* Kea's control socket (HA): a socket; absent is Kea being down */
};

/* what stat(2)/access(2) said about a path and its parent directory */
struct conftest_fact {
	int err;		/* 0 or the negative errno of stat(path) */
	mode_t mode;		/* st_mode when err == 0 */
	bool readable, writable;	/* access(R_OK), access(W_OK) */
	unsigned int missing;	/* components absent, the path's own included (0: it exists) */
	bool parent_dir;	/* the nearest existing ancestor is a directory */
	bool parent_writable;	/* access(that ancestor, W_OK) */
};

/*
 * conftest_path_judge() - the verdict on a path used as @kind, given @f.
 * Sets *@why to a short reason (static text) unless CONFTEST_OK.
 */
enum conftest_verdict conftest_path_judge(enum conftest_kind kind, const struct conftest_fact *f,
					  const char **why);

/*
 * conftest_zone_judge() - is @d sensible? No servers is an error; a
 * forward domain under arpa. and a domain or server without a TSIG key
 * (unsigned updates) are warnings. (ddns_conf already warns of a reverse
 * domain outside in-addr.arpa./ip6.arpa.)
 */
enum conftest_verdict conftest_zone_judge(const struct zones_domain *d, const char **why);

/* conftest_fact_get() - fill @f for @path (the apply side of the judges). */
void conftest_fact_get(const char *path, struct conftest_fact *f);

/*
 * conftest_note_fn - receives each finding, one line without a newline
 * ("state-dir '/etc/passwd' is not a directory"), with its verdict.
 */
typedef void conftest_note_fn(void *arg, enum conftest_verdict v, const char *line);

/*
 * conftest_run() - judge every path, interface and zone of @c, hand each
 * problem to @note, and when @out is not NULL print what the daemon would
 * do in a few lines. Returns 0 when nothing is an error, LS_ECONFIG otherwise.
 */
int conftest_run(const struct config *c, conftest_note_fn *note, void *arg, FILE *out);

#endif
