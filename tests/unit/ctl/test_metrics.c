// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_metrics.c - user/metrics.c: names and label checks, the
 * exact text exposition of counters, gauges and histograms (escaping,
 * cumulative buckets), lock-free updates racing scrapes (totals exact,
 * every scrape self-consistent), the "metrics" config map and its loopback
 * rule, and the libmicrohttpd endpoint over a real TCP connection, its
 * output checked by Prometheus' own `promtool check metrics`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/ctl/metrics.h"
#include "tests/lib/unit.h"

static const double lat_buckets[] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1 };

static struct metrics *sample_registry(void)
{
	static const char *const dc_labels[] = { "family", "op", "rr", "result", NULL };
	static const char *const srv_labels[] = { "server", NULL };
	struct metrics_family *f;
	struct metrics_series *s;
	struct metrics *m;

	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "leasesnoop_dns_changes_total",
					    "DNS changes sent, by outcome.", dc_labels, NULL, 0, &f),
			 0);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "4", "add", "A", "applied" },
					    &s), 0);
	metrics_add(s, 3);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "6", "remove", "PTR",
								      "failed" }, &s), 0);
	metrics_set(s, 1);
	assert_int_equal(metrics_family_add(m, METRICS_GAUGE, "leasesnoop_ha_active",
					    "1 when this node sends DNS changes.", NULL, NULL, 0, &f),
			 0);
	assert_int_equal(metrics_series_get(f, NULL, &s), 0);
	metrics_set(s, 1);
	assert_int_equal(metrics_family_add(m, METRICS_HISTOGRAM,
					    "leasesnoop_dns_update_latency_seconds",
					    "Time from sending an UPDATE to its answer.", srv_labels,
					    lat_buckets, 7, &f), 0);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "127.0.0.1:53" }, &s), 0);
	metrics_observe(s, 0.0005);
	metrics_observe(s, 0.003);
	metrics_observe(s, 0.003);
	metrics_observe(s, 2.5);
	return m;
}

static const char sample_text[] =
	"# HELP leasesnoop_dns_changes_total DNS changes sent, by outcome.\n"
	"# TYPE leasesnoop_dns_changes_total counter\n"
	"leasesnoop_dns_changes_total{family=\"4\",op=\"add\",rr=\"A\",result=\"applied\"} 3\n"
	"leasesnoop_dns_changes_total{family=\"6\",op=\"remove\",rr=\"PTR\",result=\"failed\"} 1\n"
	"# HELP leasesnoop_ha_active 1 when this node sends DNS changes.\n"
	"# TYPE leasesnoop_ha_active gauge\n"
	"leasesnoop_ha_active 1\n"
	"# HELP leasesnoop_dns_update_latency_seconds Time from sending an UPDATE to its answer.\n"
	"# TYPE leasesnoop_dns_update_latency_seconds histogram\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"0.001\"} 1\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"0.005\"} 3\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"0.01\"} 3\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"0.05\"} 3\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"0.1\"} 3\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"0.5\"} 3\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"1\"} 3\n"
	"leasesnoop_dns_update_latency_seconds_bucket{server=\"127.0.0.1:53\",le=\"+Inf\"} 4\n"
	"leasesnoop_dns_update_latency_seconds_sum{server=\"127.0.0.1:53\"} 2.5065\n"
	"leasesnoop_dns_update_latency_seconds_count{server=\"127.0.0.1:53\"} 4\n";

static void test_render(void **state)
{
	struct metrics *m = sample_registry();
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(metrics_render(m, &text, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_string_equal(text, sample_text);
	free(text);
	metrics_free(m);
	metrics_free(NULL);
}

/* a histogram mirrored from another source's buckets renders them cumulative */
static void test_histogram_set(void **state)
{
	static const char *const srv[] = { "server", NULL };
	const uint64_t counts[8] = { 3, 0, 2, 0, 0, 0, 1, 4 };
	struct metrics_family *f, *g;
	struct metrics_series *s, *c;
	struct metrics *m;
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_family_add(m, METRICS_HISTOGRAM, "m_seconds", "", srv, lat_buckets,
					    7, &f), 0);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "a#53" }, &s), 0);
	assert_int_equal(metrics_histogram_set(s, counts, 7, 1.5), -EINVAL);
	assert_int_equal(metrics_histogram_set(s, counts, 8, 1.5), 0);
	assert_true(metrics_value(s) == 10);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "c_total", "", NULL, NULL, 0, &g),
			 0);
	assert_int_equal(metrics_series_get(g, NULL, &c), 0);
	assert_int_equal(metrics_histogram_set(c, counts, 8, 1.5), -EINVAL);
	assert_int_equal(metrics_render(m, &text, &len), 0);
	assert_non_null(strstr(text, "m_seconds_bucket{server=\"a#53\",le=\"0.001\"} 3\n"
				     "m_seconds_bucket{server=\"a#53\",le=\"0.005\"} 3\n"
				     "m_seconds_bucket{server=\"a#53\",le=\"0.01\"} 5\n"));
	assert_non_null(strstr(text, "m_seconds_bucket{server=\"a#53\",le=\"1\"} 6\n"
				     "m_seconds_bucket{server=\"a#53\",le=\"+Inf\"} 10\n"
				     "m_seconds_sum{server=\"a#53\"} 1.5\n"
				     "m_seconds_count{server=\"a#53\"} 10\n"));
	free(text);
	/* set again: replaced, not added */
	assert_int_equal(metrics_histogram_set(s, (const uint64_t[8]){ 0, 0, 0, 0, 0, 0, 0, 1 }, 8,
					       20), 0);
	assert_true(metrics_value(s) == 1);
	metrics_free(m);
}

static void test_names_and_labels(void **state)
{
	static const char *const bad_label[] = { "__name", NULL };
	static const char *const le[] = { "le", NULL };
	static const char *const lbl[] = { "name", NULL };
	struct metrics_family *f, *g;
	struct metrics_series *s, *t;
	struct metrics *m;
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "9bad", "", NULL, NULL, 0, &f),
			 -EINVAL);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "a-b", "", NULL, NULL, 0, &f),
			 -EINVAL);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "ok_total", "", bad_label, NULL, 0,
					    &f), -EINVAL);
	assert_int_equal(metrics_family_add(m, METRICS_HISTOGRAM, "h_seconds", "", le, lat_buckets,
					    7, &f), -EINVAL);
	assert_int_equal(metrics_family_add(m, METRICS_HISTOGRAM, "h_seconds", "", NULL,
					    (const double[]){ 1, 1 }, 2, &f), -EINVAL);
	assert_int_equal(metrics_family_add(m, METRICS_GAUGE, "g", "", NULL, lat_buckets, 1, &f),
			 -EINVAL);
	assert_int_equal(metrics_family_add(m, METRICS_GAUGE, "x_info", "help \\ with\nnewline",
					    lbl, NULL, 0, &f), 0);
	/* the same declaration returns the same family; another type is refused */
	assert_int_equal(metrics_family_add(m, METRICS_GAUGE, "x_info", "", lbl, NULL, 0, &g), 0);
	assert_ptr_equal(f, g);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "x_info", "", lbl, NULL, 0, &g),
			 -EINVAL);
	assert_int_equal(metrics_series_get(f, NULL, &s), -EINVAL);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "a\"b\\c\nd" }, &s), 0);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "a\"b\\c\nd" }, &t), 0);
	assert_ptr_equal(s, t);
	metrics_set(s, -2.25);
	metrics_add(s, 0.5);
	assert_true(metrics_value(s) == -1.75);
	assert_int_equal(metrics_render(m, &text, &len), 0);
	assert_string_equal(text, "# HELP x_info help \\\\ with\\nnewline\n# TYPE x_info gauge\n"
				  "x_info{name=\"a\\\"b\\\\c\\nd\"} -1.75\n");
	free(text);
	metrics_free(m);
}

static void test_counter_rules(void **state)
{
	struct metrics_family *f;
	struct metrics_series *s;
	struct metrics *m;

	(void)state;
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "c_total", "", NULL, NULL, 0, &f),
			 0);
	assert_int_equal(metrics_series_get(f, NULL, &s), 0);
	metrics_add(s, 2);
	metrics_add(s, -1);	/* counters never go down */
	metrics_observe(s, 5);	/* not a histogram */
	assert_true(metrics_value(s) == 2);
	metrics_set(s, 1e18);
	assert_true(metrics_value(s) == 1e18);
	metrics_free(m);
}

struct race {
	struct metrics_series *c, *h;
	int n;
};

static void *writer(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < r->n; i++) {
		metrics_add(r->c, 1);
		metrics_observe(r->h, (i % 10) * 0.001);
	}
	return NULL;
}

/* the +Inf bucket equals _count in every scrape, and nothing is lost */
static void test_race(void **state)
{
	static const char *const srv[] = { "server", NULL };
	struct race r = { .n = 200000 };
	struct metrics_family *f;
	struct metrics *m;
	pthread_t t[2];
	int scrapes = 0, i;

	(void)state;
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_family_add(m, METRICS_COUNTER, "n_total", "", NULL, NULL, 0, &f),
			 0);
	assert_int_equal(metrics_series_get(f, NULL, &r.c), 0);
	assert_int_equal(metrics_family_add(m, METRICS_HISTOGRAM, "l_seconds", "", srv, lat_buckets,
					    7, &f), 0);
	assert_int_equal(metrics_series_get(f, (const char *const[]){ "s" }, &r.h), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, &r), 0);
	while (metrics_value(r.c) < 2.0 * r.n && scrapes < 100000) {
		unsigned long long inf = 0, cnt = 1;
		char *text, *p;
		size_t len;

		assert_int_equal(metrics_render(m, &text, &len), 0);
		p = strstr(text, "le=\"+Inf\"} ");
		assert_non_null(p);
		inf = strtoull(p + 11, NULL, 10);
		p = strstr(text, "l_seconds_count{server=\"s\"} ");
		assert_non_null(p);
		cnt = strtoull(p + 28, NULL, 10);
		assert_int_equal(inf, cnt);
		free(text);
		scrapes++;
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_true(metrics_value(r.c) == 2.0 * r.n);
	assert_true(metrics_value(r.h) == 2.0 * r.n);
	assert_true(scrapes > 0);
	metrics_free(m);
}

static int parse_cfg(const char *text, struct metrics_config *c)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int err;

	assert_non_null(j);
	err = metrics_config_parse(j, "test.conf", c);
	json_decref(j);
	return err;
}

static void test_config(void **state)
{
	struct metrics_config c;

	(void)state;
	assert_int_equal(metrics_config_parse(NULL, "x", &c), 0);
	assert_false(c.enabled);
	assert_int_equal(parse_cfg("{}", &c), 0);
	assert_true(c.enabled);
	assert_string_equal(c.listen, "127.0.0.1:9547");
	assert_int_equal(parse_cfg("{\"listen\": \"[::1]:9100\"}", &c), 0);
	assert_int_equal(parse_cfg("{\"listen\": \"127.3.0.1:0\"}", &c), 0);
	/* beyond loopback only when asked for */
	assert_int_equal(parse_cfg("{\"listen\": \"0.0.0.0:9547\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": \"192.0.2.1:9547\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": \"[::]:9547\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": \"0.0.0.0:9547\", \"allow-remote\": true}", &c), 0);
	assert_true(c.allow_remote);
	/* syntax */
	assert_int_equal(parse_cfg("{\"listen\": \"localhost:9547\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": \"127.0.0.1\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": \"127.0.0.1:70000\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": \"::1:9547\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"listen\": 9547}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"allow-remote\": \"yes\"}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"port\": 9547}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{}", &c), 0);
	assert_int_equal(c.max_conns, METRICS_DEFAULT_MAX_CONNS);
	assert_int_equal(c.max_conns_per_ip, METRICS_DEFAULT_MAX_PER_IP);
	assert_int_equal(c.conn_timeout_s, METRICS_DEFAULT_CONN_TIMEOUT_S);
	assert_int_equal(parse_cfg("{\"max-connections\": 100, \"max-connections-per-ip\": 4, "
				   "\"connection-timeout\": 3}", &c), 0);
	assert_int_equal(c.max_conns * 100 + c.max_conns_per_ip * 10 + c.conn_timeout_s, 10043);
	assert_int_equal(parse_cfg("{\"max-connections\": 0}", &c), LS_ECONFIG);
	assert_int_equal(parse_cfg("{\"connection-timeout\": \"5\"}", &c), LS_ECONFIG);
}

/* one HTTP/1.0 request over TCP; returns the whole response (free()) */
static char *http(int port, const char *method, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[128], *buf = malloc(1 << 20);
	size_t len = 0;
	ssize_t n;
	int fd;

	assert_non_null(buf);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf + len, (1 << 20) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* run promtool check metrics on @body; -1 if promtool is not installed */
static int promtool(const char *body)
{
	char path[UNIT_PATH], cmd[160];
	int st;

	if (system("command -v promtool >/dev/null 2>&1"))
		return -1;
	unit_temp_file(path, "metrics", body, 0600);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 1>&2", path);
	st = system(cmd);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static void test_server(void **state)
{
	struct metrics_config c = { .enabled = true, .listen = "127.0.0.1:0" };
	struct metrics *m = sample_registry();
	struct metrics_server *srv;
	char *r, *body;
	int rc;

	(void)state;
	assert_int_equal(metrics_server_open(&srv, m, &c), 0);
	assert_true(metrics_server_port(srv) > 0);
	r = http(metrics_server_port(srv), "GET", "/metrics");
	assert_non_null(strstr(r, "HTTP/1.0 200") ?: strstr(r, "HTTP/1.1 200"));
	assert_non_null(strstr(r, "text/plain; version=0.0.4"));
	body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	assert_string_equal(body + 4, sample_text);
	rc = promtool(body + 4);
	if (rc < 0)
		print_message("# promtool missing (make deps): exposition not cross-checked\n");
	else
		assert_int_equal(rc, 0);
	free(r);
	/* promtool can fail: a counter without _total and a broken line are reported */
	if (rc >= 0)
		assert_int_not_equal(promtool("# TYPE x counter\nx{a=\"1} 1\n"), 0);
	r = http(metrics_server_port(srv), "GET", "/");
	assert_non_null(strstr(r, " 404 "));
	free(r);
	r = http(metrics_server_port(srv), "POST", "/metrics");
	assert_non_null(strstr(r, " 405 "));
	free(r);
	assert_int_equal(metrics_server_scrapes(srv), 1);
	metrics_server_close(srv);
	metrics_server_close(NULL);
	/* never beyond loopback unless allowed */
	snprintf(c.listen, sizeof(c.listen), "0.0.0.0:0");
	assert_int_equal(metrics_server_open(&srv, m, &c), LS_ECONFIG);
	assert_null(srv);
	metrics_free(m);
}

static void test_pick_victim(void **state)
{
	struct metrics_slot s[4] = { 0 };
	uint8_t a[16] = { 0 }, b[16] = { 0 }, c[16] = { 0 };

	(void)state;
	a[15] = 1;
	b[15] = 2;
	c[15] = 3;
	memcpy(s[0].ip, a, 16);
	s[0].since_ms = 100;
	memcpy(s[1].ip, a, 16);
	s[1].since_ms = 50;
	memcpy(s[2].ip, b, 16);
	s[2].since_ms = 10;
	memcpy(s[3].ip, c, 16);
	s[3].since_ms = 5;
	s[3].answering = 1;
	assert_int_equal(metrics_pick_victim(s, 4, a, 8, 3), -1);
	/* a at its share: a's oldest idle one */
	assert_int_equal(metrics_pick_victim(s, 4, a, 8, 2), 1);
	/* full: the address holding the most idle ones (a) loses its oldest */
	assert_int_equal(metrics_pick_victim(s, 4, c, 4, 8), 1);
	/* a scrape being answered is never dropped */
	s[0].answering = s[1].answering = s[2].answering = 1;
	assert_int_equal(metrics_pick_victim(s, 4, c, 4, 8), -2);
}

/*
 * 300 idle connections from the scraper's own address, then a scrape: it
 * is answered (within 5 s: the socket times out otherwise), the idle ones
 * having been dropped oldest first.
 */
static void test_idle_flood(void **state)
{
	struct metrics_config c = { .enabled = true, .listen = "127.0.0.1:0" };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { 5, 0 };
	struct metrics *m = sample_registry();
	struct metrics_server *srv;
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	char buf[4096];
	int idle[300], fd;
	ssize_t n;

	(void)state;
	assert_int_equal(parse_cfg("{}", &c), 0);
	snprintf(c.listen, sizeof(c.listen), "127.0.0.1:0");	/* a free port */
	assert_int_equal(metrics_server_open(&srv, m, &c), 0);
	sa.sin_port = htons(metrics_server_port(srv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 300; i++) {
		idle[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(idle[i] >= 0);
		assert_int_equal(connect(idle[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	assert_non_null(strstr(buf, " 200 "));
	close(fd);
	assert_true(metrics_server_evicted(srv) >= 300 - METRICS_DEFAULT_MAX_PER_IP);
	for (int i = 0; i < 300; i++)
		close(idle[i]);
	metrics_server_close(srv);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_names_and_labels),
		cmocka_unit_test(test_histogram_set),
		cmocka_unit_test(test_counter_rules),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_pick_victim),
		cmocka_unit_test(test_idle_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
