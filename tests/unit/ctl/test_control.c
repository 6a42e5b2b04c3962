// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/ctl/test_control.c - the control socket's server: who is
 * dropped when the limits are reached, when a request is complete, and, end
 * to end over a real unix socket, that idle, slow and garbage clients never
 * keep a real command from being answered.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
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

#include "user/ctl/control.h"
#include "user/common/log.h"

static void test_pick_victim(void **state)
{
	struct control_slot s[4] = {
		{ 10, 100, 0 }, { 10, 50, 0 }, { 20, 10, 0 }, { 30, 5, 1 },
	};

	(void)state;
	/* room, and the peer under its share: just add */
	assert_int_equal(control_pick_victim(s, 4, 10, 8, 3), -1);
	/* peer 10 at its share: its oldest waiting one goes */
	assert_int_equal(control_pick_victim(s, 4, 10, 8, 2), 1);
	/* table full: the oldest waiting one of the peer holding the most (10) */
	assert_int_equal(control_pick_victim(s, 4, 40, 4, 2), 1);
	/* a connection writing its answer is never dropped */
	s[0].answering = s[1].answering = s[2].answering = 1;
	assert_int_equal(control_pick_victim(s, 4, 40, 4, 2), -2);
	/* the peer's own waiting ones are all answering: refuse */
	assert_int_equal(control_pick_victim(s, 4, 10, 8, 2), -2);
}

static void test_req_state(void **state)
{
	static const char full[] = "{\"command\": \"status-get\"}";

	(void)state;
	assert_int_equal(control_req_state(full, strlen(full), 0), CONTROL_REQ_DONE);
	assert_int_equal(control_req_state(full, 5, 0), CONTROL_REQ_MORE);
	assert_int_equal(control_req_state(full, 5, 1), CONTROL_REQ_BAD);
	assert_int_equal(control_req_state("", 0, 0), CONTROL_REQ_MORE);
	assert_int_equal(control_req_state("garbage", 7, 0), CONTROL_REQ_BAD);
	assert_int_equal(control_req_state("{\"a\" ]", 6, 0), CONTROL_REQ_BAD);
}

/* ---- end to end ---- */

struct srv {
	struct control *c;
	volatile int stop;
	int answered;
};

static json_t *handler(void *ctx, const char *cmd, const json_t *args)
{
	(void)ctx;
	(void)args;
	if (!strcmp(cmd, "status-get"))
		return control_answer(CONTROL_OK, "running", json_pack("{s:i}", "pid", 1));
	return control_answer(CONTROL_UNSUPPORTED, "unsupported command", NULL);
}

static void *serve(void *arg)
{
	struct srv *s = arg;

	while (!s->stop) {
		struct pollfd p = { control_fd(s->c), POLLIN, 0 };

		if (poll(&p, 1, 20) > 0)
			s->answered += control_process(s->c);
	}
	return NULL;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void status_answers(const char *path)
{
	json_t *ans = NULL;

	assert_int_equal(control_request(path, "status-get", NULL, &ans), 0);
	assert_int_equal(json_integer_value(json_object_get(ans, "result")), CONTROL_OK);
	json_decref(ans);
}

static void test_hostile_clients(void **state)
{
	char dir[] = "/tmp/ls-test-ctl-XXXXXX", path[128], buf[256];
	int idle[3 * CONTROL_MAX_CONNS], slow, junk;
	struct control_stats st;
	struct srv s = { 0 };
	pthread_t th;
	ssize_t n;

	(void)state;
	log_set_level(LOG_LVL_ERR);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	assert_int_equal(control_open(&s.c, path, handler, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);

	/* more idle clients than the server holds, then a slow one and garbage */
	for (int i = 0; i < 3 * CONTROL_MAX_CONNS; i++)
		idle[i] = connect_to(path);
	slow = connect_to(path);
	assert_int_equal(send(slow, "{\"comm", 6, 0), 6);
	junk = connect_to(path);
	assert_int_equal(send(junk, "\x01garbage\xff", 9, 0), 9);
	/* garbage gets an error answer at once, not at a timeout */
	n = recv(junk, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = 0;
	assert_non_null(strstr(buf, "\"result\":1"));
	/* and a real command is answered, again and again, while they hang on */
	for (int i = 0; i < 5; i++) {
		status_answers(path);
		assert_int_equal(send(slow, "m", 1, MSG_NOSIGNAL) >= 0 || errno == EPIPE, 1);
	}
	s.stop = 1;
	pthread_join(th, NULL);
	control_get_stats(s.c, &st);
	assert_true(st.evicted >= 2 * CONTROL_MAX_CONNS);
	assert_true(st.answered >= 6);
	assert_true(st.bad >= 1);
	assert_true(st.open <= CONTROL_MAX_CONNS);
	for (int i = 0; i < 3 * CONTROL_MAX_CONNS; i++)
		close(idle[i]);
	close(slow);
	close(junk);
	control_close(s.c);
	rmdir(dir);
}

/* a client that sends nothing is dropped at its deadline (waited for, not slept) */
static void test_idle_deadline(void **state)
{
	char dir[] = "/tmp/ls-test-ctl-XXXXXX", path[128], b;
	struct srv s = { 0 };
	pthread_t th;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	assert_int_equal(control_open(&s.c, path, handler, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
	fd = connect_to(path);
	/* blocks until the server closes it: EOF, not an answer */
	assert_int_equal(recv(fd, &b, 1, 0), 0);
	s.stop = 1;
	pthread_join(th, NULL);
	close(fd);
	control_close(s.c);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_victim),
		cmocka_unit_test(test_req_state),
		cmocka_unit_test(test_hostile_clients),
		cmocka_unit_test(test_idle_deadline),
	};

	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
