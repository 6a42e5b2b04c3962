// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_ha.c - user/ha.c: Kea's names, the "high-availability"
 * config map, the per-mode policy, answers captured from real Kea 2.2
 * kea-dhcp4 servers with libdhcp_ha.so (hot-standby pair), and the
 * non-blocking poller against a Kea-protocol responder on a unix socket in
 * a thread of this test: state changes, callbacks, counters, a timeout, and
 * that losing the socket never makes a node active.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/ctl/ha.h"
#include "tests/lib/unit.h"

/* real answers of Kea 2.2.0 (tools/lab/kea.sh kea_lab_ha_kea4_up) */
static const char primary_hs[] =
	"{ \"arguments\": { \"high-availability\": [ { \"ha-mode\": \"hot-standby\", "
	"\"ha-servers\": { \"local\": { \"role\": \"primary\", \"scopes\": [ \"server1\" ], "
	"\"state\": \"hot-standby\" }, \"remote\": { \"age\": 0, \"analyzed-packets\": 0, "
	"\"communication-interrupted\": false, \"connecting-clients\": 0, \"in-touch\": true, "
	"\"last-scopes\": [  ], \"last-state\": \"hot-standby\", \"role\": \"standby\", "
	"\"unacked-clients\": 0, \"unacked-clients-left\": 0 } } } ], "
	"\"multi-threading-enabled\": true, \"packet-queue-size\": 64, "
	"\"packet-queue-statistics\": [ 0.0, 0.0, 0.0 ], \"pid\": 3494, \"reload\": 17, "
	"\"sockets\": { \"status\": \"ready\" }, \"thread-pool-size\": 2, \"uptime\": 17 }, "
	"\"result\": 0 }";
static const char standby_pd[] =
	"{ \"arguments\": { \"high-availability\": [ { \"ha-mode\": \"hot-standby\", "
	"\"ha-servers\": { \"local\": { \"role\": \"standby\", \"scopes\": [ \"server1\" ], "
	"\"state\": \"partner-down\" }, \"remote\": { \"age\": 8, \"analyzed-packets\": 0, "
	"\"communication-interrupted\": true, \"connecting-clients\": 0, \"in-touch\": true, "
	"\"last-scopes\": [ \"server1\" ], \"last-state\": \"unavailable\", \"role\": "
	"\"primary\", \"unacked-clients\": 0, \"unacked-clients-left\": 1 } } } ], "
	"\"pid\": 3517, \"reload\": 24, \"sockets\": { \"status\": \"ready\" }, \"uptime\": 24 }, "
	"\"result\": 0 }";
static const char standby_hs[] =
	"{ \"arguments\": { \"high-availability\": [ { \"ha-mode\": \"hot-standby\", "
	"\"ha-servers\": { \"local\": { \"role\": \"standby\", \"scopes\": [ ], "
	"\"state\": \"hot-standby\" }, \"remote\": { \"last-state\": \"hot-standby\", "
	"\"role\": \"primary\" } } } ] }, \"result\": 0 }";
static const char heartbeat_hs[] =
	"{ \"arguments\": { \"date-time\": \"Sat, 21 Nov 2026 01:15:12 GMT\", \"scopes\": [  ], "
	"\"state\": \"hot-standby\", \"unsent-update-count\": 7 }, \"result\": 0, "
	"\"text\": \"HA peer status returned.\" }";
static const char no_ha[] =
	"{ \"arguments\": { \"pid\": 1, \"uptime\": 3 }, \"result\": 0 }";
static const char unsupported[] =
	"{ \"result\": 2, \"text\": \"'ha-heartbeat' command not supported.\" }";

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 1; i < HA_ST_MAX_; i++)
		assert_int_equal(ha_state_parse(ha_state_name(i)), i);
	assert_int_equal(ha_state_parse("partner-down"), HA_ST_PARTNER_DOWN);
	assert_int_equal(ha_state_parse("no-such"), HA_ST_UNKNOWN);
	assert_int_equal(ha_state_parse(NULL), HA_ST_UNKNOWN);
	assert_int_equal(ha_mode_parse("load-balancing"), HA_MODE_LOAD_BALANCING);
	assert_int_equal(ha_role_parse("standby"), HA_ROLE_STANDBY);
	assert_string_equal(ha_state_name(HA_ST_MAX_ + 3), "unknown");
}

static int parse_cfg(const char *text, struct ha_config *c)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int err;

	assert_non_null(j);
	err = ha_config_parse(j, "test.conf", c);
	json_decref(j);
	return err;
}

static void test_config(void **state)
{
	struct ha_config c;

	(void)state;
	assert_int_equal(ha_config_parse(NULL, "x", &c), 0);
	assert_false(c.enabled);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/run/kea/kea4.sock\"}", &c), 0);
	assert_true(c.enabled);
	assert_int_equal(c.interval_ms, 1000);
	assert_int_equal(c.timeout_ms, 2000);
	assert_int_equal(c.max_failures, 2);
	assert_int_equal(c.unreachable, HA_UNREACH_STANDBY);
	assert_int_equal(c.n_rules, 0);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"mode\": \"load-balancing\","
				   "\"interval\": 0.25, \"timeout\": 1, \"max-failures\": 5,"
				   "\"this-server-name\": \"server2\", \"designated-server\": \"server2\","
				   "\"when-unreachable\": \"keep\","
				   "\"active-when\": [\"partner-down\", \"primary/load-balancing\"]}",
				   &c), 0);
	assert_int_equal(c.mode, HA_MODE_LOAD_BALANCING);
	assert_int_equal(c.interval_ms, 250);
	assert_int_equal(c.max_failures, 5);
	assert_string_equal(c.designated, "server2");
	assert_int_equal(c.unreachable, HA_UNREACH_KEEP);
	assert_int_equal(c.n_rules, 2);
	assert_int_equal(c.rules[0].role, HA_ROLE_UNKNOWN);
	assert_int_equal(c.rules[0].state, HA_ST_PARTNER_DOWN);
	assert_int_equal(c.rules[1].role, HA_ROLE_PRIMARY);
	assert_int_equal(c.rules[1].state, HA_ST_LOAD_BALANCING);
	/* rejected */
	assert_int_equal(parse_cfg("{}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"intervall\": 1}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"mode\": \"failover\"}", &c),
			 LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"interval\": 0}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"active-when\": [\"boss/ready\"]}",
				   &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"active-when\": [\"sleepy\"]}",
				   &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"when-unreachable\": \"active\"}",
				   &c), LS_ECONFIG);
	/* ha-heartbeat carries neither role nor mode */
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"command\": \"ha-heartbeat\"}", &c),
			 LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"control-socket\": \"/k\", \"command\": \"ha-heartbeat\","
				   "\"mode\": \"hot-standby\", \"this-server-role\": \"standby\"}", &c),
			 0);
	assert_true(c.heartbeat);
}

static bool decide(const struct ha_config *c, enum ha_mode m, enum ha_role r, enum ha_state s,
		   const char *name)
{
	struct ha_status st = { .mode = m, .role = r, .state = s };

	snprintf(st.server_name, sizeof(st.server_name), "%s", name ? name : "");
	return ha_decide(c, &st);
}

static void test_policy(void **state)
{
	struct ha_config c = { .enabled = true };
	int s;

	(void)state;
	/* hot-standby: the primary while in hot-standby; the standby only in partner-down */
	assert_true(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_PRIMARY, HA_ST_HOT_STANDBY, NULL));
	assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_STANDBY, HA_ST_HOT_STANDBY, NULL));
	assert_true(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_STANDBY, HA_ST_PARTNER_DOWN, NULL));
	assert_true(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_PRIMARY, HA_ST_PARTNER_DOWN, NULL));
	for (s = HA_ST_UNKNOWN; s < HA_ST_MAX_; s++) {
		if (s == HA_ST_HOT_STANDBY || s == HA_ST_PARTNER_DOWN ||
		    s == HA_ST_PARTNER_IN_MAINTENANCE)
			continue;
		assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_PRIMARY, s, NULL));
		assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_STANDBY, s, NULL));
	}
	/* load-balancing: the primary by default, a named node if configured */
	assert_true(decide(&c, HA_MODE_LOAD_BALANCING, HA_ROLE_PRIMARY, HA_ST_LOAD_BALANCING, NULL));
	assert_false(decide(&c, HA_MODE_LOAD_BALANCING, HA_ROLE_SECONDARY, HA_ST_LOAD_BALANCING,
			    NULL));
	assert_true(decide(&c, HA_MODE_LOAD_BALANCING, HA_ROLE_SECONDARY, HA_ST_PARTNER_DOWN, NULL));
	snprintf(c.designated, sizeof(c.designated), "server2");
	snprintf(c.this_server_name, sizeof(c.this_server_name), "server2");
	assert_true(decide(&c, HA_MODE_LOAD_BALANCING, HA_ROLE_SECONDARY, HA_ST_LOAD_BALANCING,
			   NULL));
	assert_false(decide(&c, HA_MODE_LOAD_BALANCING, HA_ROLE_PRIMARY, HA_ST_LOAD_BALANCING,
			    "server1"));
	assert_false(decide(&c, HA_MODE_LOAD_BALANCING, HA_ROLE_SECONDARY, HA_ST_WAITING, NULL));
	memset(&c, 0, sizeof(c));
	/* passive-backup: the primary */
	assert_true(decide(&c, HA_MODE_PASSIVE_BACKUP, HA_ROLE_PRIMARY, HA_ST_PASSIVE_BACKUP, NULL));
	assert_false(decide(&c, HA_MODE_PASSIVE_BACKUP, HA_ROLE_BACKUP, HA_ST_BACKUP, NULL));
	/* the configured mode wins over Kea's; explicit rules replace the defaults */
	c.mode = HA_MODE_PASSIVE_BACKUP;
	assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_PRIMARY, HA_ST_HOT_STANDBY, NULL));
	c.mode = HA_MODE_UNKNOWN;
	c.rules[0] = (struct ha_rule){ HA_ROLE_STANDBY, HA_ST_HOT_STANDBY };
	c.n_rules = 1;
	assert_true(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_STANDBY, HA_ST_HOT_STANDBY, NULL));
	assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_PRIMARY, HA_ST_HOT_STANDBY, NULL));
	assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_STANDBY, HA_ST_PARTNER_DOWN, NULL));
	/* unknown is never active, whatever the rules */
	c.rules[0] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_UNKNOWN };
	assert_false(decide(&c, HA_MODE_HOT_STANDBY, HA_ROLE_UNKNOWN, HA_ST_UNKNOWN, NULL));
}

static void test_answers(void **state)
{
	struct ha_config c = { .enabled = true, .role = HA_ROLE_STANDBY,
			       .mode = HA_MODE_HOT_STANDBY };
	struct ha_status st;

	(void)state;
	assert_int_equal(ha_parse_answer(primary_hs, strlen(primary_hs), false, NULL, &st), 0);
	assert_int_equal(st.mode, HA_MODE_HOT_STANDBY);
	assert_int_equal(st.role, HA_ROLE_PRIMARY);
	assert_int_equal(st.state, HA_ST_HOT_STANDBY);
	assert_int_equal(st.partner_state, HA_ST_HOT_STANDBY);
	assert_int_equal(ha_parse_answer(standby_pd, strlen(standby_pd), false, NULL, &st), 0);
	assert_int_equal(st.role, HA_ROLE_STANDBY);
	assert_int_equal(st.state, HA_ST_PARTNER_DOWN);
	assert_int_equal(st.partner_state, HA_ST_UNAVAILABLE);
	assert_int_equal(ha_parse_answer(heartbeat_hs, strlen(heartbeat_hs), true, &c, &st), 0);
	assert_int_equal(st.state, HA_ST_HOT_STANDBY);
	assert_int_equal(st.role, HA_ROLE_STANDBY);
	assert_int_equal(st.unsent_updates, 7);
	assert_int_equal(ha_parse_answer(no_ha, strlen(no_ha), false, NULL, &st), LS_EKEA_ANSWER);
	assert_int_equal(ha_parse_answer(unsupported, strlen(unsupported), true, &c, &st),
			 LS_EKEA_RESULT);
	assert_int_equal(ha_parse_answer("{ \"result\": 0, ", 15, false, NULL, &st),
			 LS_EKEA_ANSWER);
	assert_int_equal(ha_parse_answer(primary_hs, 40, false, NULL, &st), LS_EKEA_ANSWER);
	/* through kea-ctrl-agent: a list with one answer */
	{
		char buf[sizeof(standby_hs) + 8];

		snprintf(buf, sizeof(buf), "[ %s ]", standby_hs);
		assert_int_equal(ha_parse_answer(buf, strlen(buf), false, NULL, &st), 0);
		assert_int_equal(st.role, HA_ROLE_STANDBY);
		assert_int_equal(st.state, HA_ST_HOT_STANDBY);
	}
}

/* A Kea-protocol responder: reads one command, writes the current answer, closes. */
struct fake_kea {
	char path[108];
	int lfd;
	pthread_t thr;
	pthread_mutex_t lock;
	const char *answer;		/* NULL: read the command, never answer */
	int stop;
	int commands;
	char last_cmd[256];
};

static void *fake_kea_run(void *arg)
{
	struct fake_kea *k = arg;

	for (;;) {
		char buf[256];
		const char *ans;
		size_t len = 0;
		ssize_t n;
		int fd = accept(k->lfd, NULL, NULL);

		if (fd < 0)
			return NULL;	/* the listener was shut down */
		while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
			len += n;
			if (memchr(buf, '}', len))
				break;
		}
		buf[len] = '\0';
		pthread_mutex_lock(&k->lock);
		k->commands++;
		snprintf(k->last_cmd, sizeof(k->last_cmd), "%s", buf);
		ans = k->answer;
		pthread_mutex_unlock(&k->lock);
		if (ans) {
			if (write(fd, ans, strlen(ans)) < 0)
				break;
			close(fd);
		} else {
			/* keep it open and silent until the next client comes */
			pthread_mutex_lock(&k->lock);
			if (k->stop > 0)
				close(k->stop);
			k->stop = fd;
			pthread_mutex_unlock(&k->lock);
		}
	}
	return NULL;
}

static void fake_kea_start(struct fake_kea *k, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(k->path, sizeof(k->path), "%s/kea4.sock", dir);
	memcpy(sa.sun_path, k->path, sizeof(sa.sun_path));
	k->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(k->lfd >= 0);
	assert_int_equal(bind(k->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(k->lfd, 8), 0);
	assert_int_equal(pthread_create(&k->thr, NULL, fake_kea_run, k), 0);
}

static void fake_kea_stop(struct fake_kea *k)
{
	shutdown(k->lfd, SHUT_RDWR);
	pthread_join(k->thr, NULL);
	close(k->lfd);
	unlink(k->path);
	if (k->stop > 0)
		close(k->stop);
}

static void fake_kea_set(struct fake_kea *k, const char *answer)
{
	pthread_mutex_lock(&k->lock);
	k->answer = answer;
	pthread_mutex_unlock(&k->lock);
}

struct seen {
	int calls;
	struct ha_status last_old, last_now;
};

static void on_change(void *ctx, const struct ha_status *old, const struct ha_status *now)
{
	struct seen *s = ctx;

	s->calls++;
	s->last_old = *old;
	s->last_now = *now;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* drive the poller the way the daemon does until @pred or @ms pass */
static bool run_until(struct ha *h, bool (*pred)(struct ha *), long ms)
{
	long end = now_ms() + ms;
	struct epoll_event ev;
	int epfd = epoll_create1(0);

	assert_true(epfd >= 0);
	ev.events = EPOLLIN;
	ev.data.ptr = h;
	assert_int_equal(epoll_ctl(epfd, EPOLL_CTL_ADD, ha_fd(h), &ev), 0);
	while (now_ms() < end) {
		if (epoll_wait(epfd, &ev, 1, 50) > 0)
			assert_int_equal(ha_process(h), 0);
		if (pred(h))
			break;
	}
	close(epfd);
	return pred(h);
}

static bool is_active(struct ha *h) { return ha_is_active(h); }
static bool is_standby_known(struct ha *h)
{
	struct ha_status st;

	ha_get_status(h, &st);
	return !st.active && st.state == HA_ST_HOT_STANDBY;
}
static bool is_unknown(struct ha *h)
{
	struct ha_status st;

	ha_get_status(h, &st);
	return st.state == HA_ST_UNKNOWN;
}
static bool has_failed(struct ha *h)
{
	struct ha_stats st;

	ha_get_stats(h, &st);
	return st.failures > 0;
}

static void poller_config(struct ha_config *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->enabled = true;
	snprintf(c->control_socket, sizeof(c->control_socket), "%s", path);
	c->interval_ms = 20;
	c->timeout_ms = 200;
	c->max_failures = 2;
}

static void test_poller(void **state)
{
	char dir[UNIT_PATH];
	struct fake_kea k = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct ha_config c;
	struct ha_stats st;
	struct seen seen = { 0 };
	struct ha *h;

	(void)state;
	unit_temp_dir(dir, "ha");
	fake_kea_start(&k, dir);
	fake_kea_set(&k, standby_hs);
	poller_config(&c, k.path);
	assert_int_equal(ha_open(&h, &c, on_change, &seen), 0);
	assert_false(ha_is_active(h));
	/* standby in hot-standby: known, not active */
	assert_true(run_until(h, is_standby_known, 2000));
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.last_old.state, HA_ST_UNKNOWN);
	assert_int_equal(seen.last_now.state, HA_ST_HOT_STANDBY);
	assert_false(seen.last_now.active);
	assert_non_null(strstr(k.last_cmd, "\"status-get\""));
	/* the partner died: partner-down makes the standby active */
	fake_kea_set(&k, standby_pd);
	assert_true(run_until(h, is_active, 2000));
	assert_int_equal(seen.calls, 2);
	assert_true(seen.last_now.active);
	assert_int_equal(seen.last_now.state, HA_ST_PARTNER_DOWN);
	ha_get_stats(h, &st);
	assert_int_equal(st.became_active, 1);
	assert_int_equal(st.state_changes, 2);
	assert_true(st.polls >= 2);
	/* an error answer is a failure, not a state */
	fake_kea_set(&k, unsupported);
	assert_true(run_until(h, is_unknown, 2000));
	ha_get_stats(h, &st);
	assert_true(st.failures >= 2);
	/* after max-failures contact is lost: standing by, never active */
	assert_false(ha_is_active(h));
	assert_int_equal(st.became_standby, 1);
	/* Kea answers again */
	fake_kea_set(&k, standby_pd);
	assert_true(run_until(h, is_active, 2000));
	/* Kea gone entirely (socket removed): standby */
	fake_kea_stop(&k);
	assert_true(run_until(h, is_unknown, 2000));
	assert_false(ha_is_active(h));
	ha_close(h);
	rmdir(dir);
}

static void test_poller_keep_and_timeout(void **state)
{
	char dir[UNIT_PATH];
	struct fake_kea k = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct ha_config c;
	struct ha_stats st;
	struct ha *h;
	long t0;

	(void)state;
	unit_temp_dir(dir, "ha");
	/* a standby that loses contact under "keep" stays standby */
	fake_kea_start(&k, dir);
	fake_kea_set(&k, standby_hs);
	poller_config(&c, k.path);
	c.unreachable = HA_UNREACH_KEEP;
	assert_int_equal(ha_open(&h, &c, NULL, NULL), 0);
	assert_true(run_until(h, is_standby_known, 2000));
	fake_kea_set(&k, NULL);	/* accepts, never answers */
	t0 = now_ms();
	assert_true(run_until(h, is_unknown, 3000));
	/* two timeouts of 200 ms, and one interval of 20 between them */
	assert_true(now_ms() - t0 >= 400);
	assert_false(ha_is_active(h));
	ha_get_stats(h, &st);
	assert_true(st.failures >= 2);
	ha_close(h);
	/* an active node under "keep" stays active while Kea is silent */
	fake_kea_set(&k, primary_hs);
	assert_int_equal(ha_open(&h, &c, NULL, NULL), 0);
	assert_true(run_until(h, is_active, 2000));
	fake_kea_set(&k, NULL);
	assert_true(run_until(h, is_unknown, 3000));
	assert_true(ha_is_active(h));
	ha_close(h);
	fake_kea_stop(&k);
	rmdir(dir);
}

static void test_open_errors(void **state)
{
	struct ha_config c = { 0 };
	struct ha *h;
	json_t *j;

	(void)state;
	assert_int_equal(ha_open(&h, &c, NULL, NULL), -EINVAL);
	assert_null(h);
	ha_close(NULL);
	poller_config(&c, "/nonexistent/kea4.sock");
	assert_int_equal(ha_open(&h, &c, NULL, NULL), 0);
	assert_true(run_until(h, has_failed, 2000));
	assert_false(ha_is_active(h));
	j = ha_stats_json(h);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "unknown");
	assert_true(json_is_false(json_object_get(j, "active")));
	json_decref(j);
	ha_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_poller),
		cmocka_unit_test(test_poller_keep_and_timeout),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
