// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/common/test_sdnotify.c - sd_notify's protocol by hand: the
 * watchdog interval from WATCHDOG_USEC/WATCHDOG_PID, and datagrams reaching
 * a socket named by NOTIFY_SOCKET (a path, and the abstract namespace).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/sdnotify.h"

static void test_watchdog_parse(void **state)
{
	(void)state;
	assert_int_equal(sdnotify_watchdog_parse("30000000", NULL, 42), 30000000);
	assert_int_equal(sdnotify_watchdog_parse("30000000", "42", 42), 30000000);
	assert_int_equal(sdnotify_watchdog_parse("30000000", "43", 42), 0);	/* another process's */
	assert_int_equal(sdnotify_watchdog_parse(NULL, NULL, 42), 0);
	assert_int_equal(sdnotify_watchdog_parse("", NULL, 42), 0);
	assert_int_equal(sdnotify_watchdog_parse("30s", NULL, 42), 0);
	assert_int_equal(sdnotify_watchdog_parse("-1", NULL, 42), 0);
}

static void recv_one(const char *name, int abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	char buf[64];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", abstract ? "@" : "", name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path) + !abstract);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	if (abstract)
		sa.sun_path[0] = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(sdnotify_send("READY=1\nSTATUS=up"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 17);
	buf[n] = 0;
	assert_string_equal(buf, "READY=1\nSTATUS=up");
	close(fd);
	if (!abstract)
		unlink(name);
}

static void test_send(void **state)
{
	char path[64], abs[64];

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_send("READY=1"), 0);	/* not under systemd: nothing */
	snprintf(path, sizeof(path), "/tmp/ls-test-sdnotify-%d", (int)getpid());
	recv_one(path, 0);
	snprintf(abs, sizeof(abs), "ls-test-sdnotify-%d", (int)getpid());
	recv_one(abs, 1);
	setenv("NOTIFY_SOCKET", "relative", 1);
	assert_int_equal(sdnotify_send("READY=1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_parse),
		cmocka_unit_test(test_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
