// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/ctl/test_conftest.c - the judgements of `leasesnoop -t` and
 * config-test: each use of a path (state directory, lease file, our socket,
 * Kea's socket) against the facts stat(2) can report, the zone judgement,
 * and conftest_fact_get() on real paths.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/ctl/conftest.h"

static enum conftest_verdict judge(enum conftest_kind k, struct conftest_fact f, const char *want)
{
	const char *why;
	enum conftest_verdict v = conftest_path_judge(k, &f, &why);

	if (want)
		assert_string_equal(why, want);
	else
		assert_null(why);
	return v;
}

#define DIR_RW ((struct conftest_fact){ .mode = S_IFDIR | 0750, .readable = 1, .writable = 1 })
#define FILE_R ((struct conftest_fact){ .mode = S_IFREG | 0644, .readable = 1 })
#define SOCK ((struct conftest_fact){ .mode = S_IFSOCK | 0660, .readable = 1, .writable = 1 })
#define ABSENT(n, pd, pw) \
	((struct conftest_fact){ .err = -ENOENT, .missing = (n), .parent_dir = (pd), .parent_writable = (pw) })

static void test_state_dir(void **state)
{
	(void)state;
	assert_int_equal(judge(CONFTEST_STATE_DIR, DIR_RW, NULL), CONFTEST_OK);
	/* the "state-dir": "/etc/passwd" */
	assert_int_equal(judge(CONFTEST_STATE_DIR, FILE_R, "is not a directory"), CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_STATE_DIR,
			       (struct conftest_fact){ .mode = S_IFDIR | 0555, .readable = 1 },
			       "is not writable"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_STATE_DIR, ABSENT(3, 1, 1), NULL), CONFTEST_OK);
	assert_int_equal(judge(CONFTEST_STATE_DIR, ABSENT(1, 1, 0),
			       "does not exist and cannot be created"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_STATE_DIR, ABSENT(1, 0, 1),
			       "does not exist and cannot be created"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_STATE_DIR, (struct conftest_fact){ .err = -ENOTDIR },
			       "a component of it is not a directory"),
			 CONFTEST_ERR);
}

static void test_lease_file(void **state)
{
	(void)state;
	assert_int_equal(judge(CONFTEST_LEASE_FILE, FILE_R, NULL), CONFTEST_OK);
	assert_int_equal(judge(CONFTEST_LEASE_FILE, DIR_RW, "is a directory, not a lease file"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_LEASE_FILE, SOCK, "is not a regular file"), CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_LEASE_FILE, (struct conftest_fact){ .mode = S_IFREG | 0600 },
			       "is not readable"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_LEASE_FILE, ABSENT(1, 1, 0),
			       "does not exist yet (read once Kea writes it)"),
			 CONFTEST_WARN);
	assert_int_equal(judge(CONFTEST_LEASE_FILE, ABSENT(2, 1, 1),
			       "is in a directory that does not exist"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_LEASE_FILE, (struct conftest_fact){ .err = -EACCES },
			       "cannot be examined"),
			 CONFTEST_ERR);
}

static void test_sockets(void **state)
{
	(void)state;
	assert_int_equal(judge(CONFTEST_OUR_SOCKET, SOCK, NULL), CONFTEST_OK);
	assert_int_equal(judge(CONFTEST_OUR_SOCKET, ABSENT(1, 1, 1), NULL), CONFTEST_OK);
	/* control.c creates the socket's directory, one level only */
	assert_int_equal(judge(CONFTEST_OUR_SOCKET, ABSENT(2, 1, 1), NULL), CONFTEST_OK);
	assert_int_equal(judge(CONFTEST_OUR_SOCKET, ABSENT(3, 1, 1),
			       "is in a directory that does not exist and cannot be created"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_OUR_SOCKET, FILE_R, "exists and is not a socket"),
			 CONFTEST_ERR);
	assert_int_equal(judge(CONFTEST_KEA_SOCKET, SOCK, NULL), CONFTEST_OK);
	assert_int_equal(judge(CONFTEST_KEA_SOCKET, ABSENT(1, 1, 1),
			       "does not exist (Kea not running?)"),
			 CONFTEST_WARN);
	assert_int_equal(judge(CONFTEST_KEA_SOCKET, FILE_R, "is not a socket"), CONFTEST_ERR);
}

static void test_zones(void **state)
{
	struct tsig_key key = { .name = "k." };
	struct zones_server srv = { .text = "127.0.0.1#53" };
	struct zones_domain d = { .name = "dyn.example.", .key = &key, .servers = &srv, .nservers = 1 };
	const char *why;

	(void)state;
	assert_int_equal(conftest_zone_judge(&d, &why), CONFTEST_OK);
	d.key = NULL;
	assert_int_equal(conftest_zone_judge(&d, &why), CONFTEST_WARN);
	assert_string_equal(why, "has no TSIG key: its updates go unsigned");
	srv.key = &key;		/* a server's own key-name covers it */
	assert_int_equal(conftest_zone_judge(&d, &why), CONFTEST_OK);
	snprintf(d.name, sizeof(d.name), "2.0.192.in-addr.arpa.");
	assert_int_equal(conftest_zone_judge(&d, &why), CONFTEST_WARN);
	assert_string_equal(why, "is a forward domain under arpa.");
	d.reverse = true;
	assert_int_equal(conftest_zone_judge(&d, &why), CONFTEST_OK);
	d.nservers = 0;
	assert_int_equal(conftest_zone_judge(&d, &why), CONFTEST_ERR);
	assert_string_equal(why, "has no DNS servers");
}

static void test_fact_get(void **state)
{
	char dir[] = "/tmp/ls-test-conftest-XXXXXX", path[128];
	struct conftest_fact f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	conftest_fact_get(dir, &f);
	assert_int_equal(f.err, 0);
	assert_true(S_ISDIR(f.mode));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	conftest_fact_get(path, &f);
	assert_int_equal(f.err, -ENOENT);
	assert_int_equal(f.missing, 3);
	assert_true(f.parent_dir);
	conftest_fact_get("/etc/passwd/x", &f);
	assert_int_equal(f.err, -ENOTDIR);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_lease_file),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_fact_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
