// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/metrics.c - the registry and Prometheus endpoint of user/metrics.h.
 * Values are doubles kept as the bits of an _Atomic uint64_t, so writers
 * never lock; histogram buckets are separate atomic counts made cumulative
 * when rendered, and the +Inf bucket and _count are the same number, so a
 * scrape racing an observation is still self-consistent. Series are only
 * ever appended (never freed before metrics_free()), under the registry
 * mutex that rendering holds while it walks them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/ctl/metrics.h"

struct metrics_series {
	struct metrics_series *next;
	struct metrics_family *fam;
	char *labels;			/* rendered: a="x",b="y" (may be "") */
	_Atomic uint64_t value;		/* double bits: counter/gauge value, histogram sum */
	_Atomic uint64_t buckets[METRICS_BUCKETS_MAX + 1];	/* per bucket, last is +Inf */
};

struct metrics_family {
	struct metrics_family *next;
	struct metrics *reg;
	enum metrics_type type;
	char *name, *help;
	char *labels[METRICS_LABELS_MAX];
	int n_labels;
	double bounds[METRICS_BUCKETS_MAX];
	int n_buckets;
	struct metrics_series *series, **tail;
};

struct metrics {
	pthread_mutex_t lock;
	struct metrics_family *fams, **tail;
};

static uint64_t d2u(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double u2d(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

int metrics_new(struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->tail = &m->fams;
	*out = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	struct metrics_family *f, *fn;
	struct metrics_series *s, *sn;
	int i;

	if (!m)
		return;
	for (f = m->fams; f; f = fn) {
		fn = f->next;
		for (s = f->series; s; s = sn) {
			sn = s->next;
			free(s->labels);
			free(s);
		}
		for (i = 0; i < f->n_labels; i++)
			free(f->labels[i]);
		free(f->name);
		free(f->help);
		free(f);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Prometheus data model: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label [a-zA-Z_][a-zA-Z0-9_]* */
static bool valid_name(const char *s, bool label)
{
	const char *p;

	if (!s || !*s)
		return false;
	if (label && s[0] == '_' && s[1] == '_')
		return false;	/* reserved for Prometheus itself */
	for (p = s; *p; p++) {
		bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			     (!label && *p == ':');

		if (!alpha && !(p != s && *p >= '0' && *p <= '9'))
			return false;
	}
	return true;
}

int metrics_family_add(struct metrics *m, enum metrics_type type, const char *name,
		       const char *help, const char *const *labels, const double *buckets,
		       int n_buckets, struct metrics_family **out)
{
	struct metrics_family *f;
	int i, err = -EINVAL;

	*out = NULL;
	if (!valid_name(name, false))
		return -EINVAL;
	if (type == METRICS_HISTOGRAM ? (n_buckets < 1 || n_buckets > METRICS_BUCKETS_MAX)
				      : n_buckets != 0)
		return -EINVAL;
	for (i = 1; i < n_buckets; i++)
		if (!(buckets[i] > buckets[i - 1]))
			return -EINVAL;
	for (i = 0; labels && labels[i]; i++)
		if (i == METRICS_LABELS_MAX || !valid_name(labels[i], true) ||
		    (type == METRICS_HISTOGRAM && !strcmp(labels[i], "le")))
			return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (f = m->fams; f; f = f->next) {
		if (!strcmp(f->name, name)) {
			if (f->type == type) {
				*out = f;
				err = 0;
			}
			goto out;
		}
	}
	err = -ENOMEM;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto out;
	f->reg = m;
	f->type = type;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	f->tail = &f->series;
	for (i = 0; labels && labels[i]; i++) {
		f->labels[i] = strdup(labels[i]);
		f->n_labels++;
		if (!f->labels[i])
			break;
	}
	if (!f->name || !f->help || (labels && labels[i])) {
		for (i = 0; i < f->n_labels; i++)
			free(f->labels[i]);
		free(f->name);
		free(f->help);
		free(f);
		goto out;
	}
	if (n_buckets)
		memcpy(f->bounds, buckets, n_buckets * sizeof(*buckets));
	f->n_buckets = n_buckets;
	*m->tail = f;
	m->tail = &f->next;
	*out = f;
	err = 0;
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

/* exposition format: label values escape \ " and newline; help escapes \ and newline */
static void put_escaped(FILE *fp, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (quote && *s == '"')
			fputs("\\\"", fp);
		else
			fputc(*s, fp);
	}
}

int metrics_series_get(struct metrics_family *f, const char *const *values,
		       struct metrics_series **out)
{
	struct metrics_series *s;
	char *lbl = NULL;
	size_t len = 0;
	FILE *fp;
	int i, err = 0;

	*out = NULL;
	for (i = 0; i < f->n_labels; i++)
		if (!values || !values[i])
			return -EINVAL;
	fp = open_memstream(&lbl, &len);
	if (!fp)
		return -ENOMEM;
	for (i = 0; i < f->n_labels; i++) {
		fprintf(fp, "%s%s=\"", i ? "," : "", f->labels[i]);
		put_escaped(fp, values[i], true);
		fputc('"', fp);
	}
	if (fclose(fp) || !lbl) {
		free(lbl);
		return -ENOMEM;
	}
	pthread_mutex_lock(&f->reg->lock);
	for (s = f->series; s; s = s->next)
		if (!strcmp(s->labels, lbl))
			break;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s) {
			err = -ENOMEM;
			goto out;
		}
		s->fam = f;
		s->labels = lbl;
		lbl = NULL;
		*f->tail = s;
		f->tail = &s->next;
	}
	*out = s;
out:
	pthread_mutex_unlock(&f->reg->lock);
	free(lbl);
	return err;
}

static void atomic_add_double(_Atomic uint64_t *a, double v)
{
	uint64_t old = atomic_load_explicit(a, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(a, &old, d2u(u2d(old) + v),
						      memory_order_relaxed, memory_order_relaxed))
		;
}

void metrics_add(struct metrics_series *s, double v)
{
	if (s->fam->type == METRICS_HISTOGRAM || (s->fam->type == METRICS_COUNTER && !(v >= 0)))
		return;	/* counters only go up; NaN is not a value */
	atomic_add_double(&s->value, v);
}

void metrics_set(struct metrics_series *s, double v)
{
	if (s->fam->type == METRICS_HISTOGRAM)
		return;
	atomic_store_explicit(&s->value, d2u(v), memory_order_relaxed);
}

void metrics_observe(struct metrics_series *s, double v)
{
	const struct metrics_family *f = s->fam;
	int i;

	if (f->type != METRICS_HISTOGRAM || isnan(v))
		return;
	for (i = 0; i < f->n_buckets; i++)
		if (v <= f->bounds[i])
			break;
	atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
	atomic_add_double(&s->value, v);
}

int metrics_histogram_set(struct metrics_series *s, const uint64_t *counts, int n, double sum)
{
	if (s->fam->type != METRICS_HISTOGRAM || n != s->fam->n_buckets + 1)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		atomic_store_explicit(&s->buckets[i], counts[i], memory_order_relaxed);
	atomic_store_explicit(&s->value, d2u(sum), memory_order_relaxed);
	return 0;
}

double metrics_value(const struct metrics_series *s)
{
	uint64_t n = 0;
	int i;

	if (s->fam->type != METRICS_HISTOGRAM)
		return u2d(atomic_load_explicit(&s->value, memory_order_relaxed));
	for (i = 0; i <= s->fam->n_buckets; i++)
		n += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
	return (double)n;
}

/* the shortest decimal that reads back as @v (0.005, not 0.0050000000000000001) */
static const char *shortest(double v, char *buf)
{
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return buf;
	}
	snprintf(buf, 32, "%.17g", v);
	return buf;
}

static void put_double(FILE *fp, double v)
{
	if (isnan(v))
		fputs("NaN", fp);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", fp);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(fp, "%.0f", v);
	else
		fprintf(fp, "%s", shortest(v, (char[32]){ 0 }));
}

static void put_sample(FILE *fp, const char *name, const char *suffix, const char *labels,
		       const char *extra, double v)
{
	bool any = labels[0] || extra;

	fprintf(fp, "%s%s", name, suffix);
	if (any)
		fprintf(fp, "{%s%s%s}", labels, labels[0] && extra ? "," : "", extra ? extra : "");
	fputc(' ', fp);
	put_double(fp, v);
	fputc('\n', fp);
}

static void render_histogram(FILE *fp, const struct metrics_family *f,
			     const struct metrics_series *s)
{
	char le[64];
	uint64_t cum = 0;
	double sum;
	int i;

	for (i = 0; i <= f->n_buckets; i++) {
		cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
		if (i < f->n_buckets) {
			char num[40];
			FILE *nf = fmemopen(num, sizeof(num), "w");

			if (!nf)
				continue;
			put_double(nf, f->bounds[i]);
			fputc('\0', nf);
			fclose(nf);
			snprintf(le, sizeof(le), "le=\"%s\"", num);
		} else {
			snprintf(le, sizeof(le), "le=\"+Inf\"");
		}
		put_sample(fp, f->name, "_bucket", s->labels, le, (double)cum);
	}
	/* the sum may include an observation the buckets missed: harmless, and rare */
	sum = u2d(atomic_load_explicit(&s->value, memory_order_relaxed));
	put_sample(fp, f->name, "_sum", s->labels, NULL, sum);
	put_sample(fp, f->name, "_count", s->labels, NULL, (double)cum);
}

int metrics_render(struct metrics *m, char **out, size_t *len)
{
	static const char *const tname[] = { "counter", "gauge", "histogram" };
	const struct metrics_family *f;
	const struct metrics_series *s;
	char *buf = NULL;
	size_t n = 0;
	FILE *fp;

	*out = NULL;
	*len = 0;
	fp = open_memstream(&buf, &n);
	if (!fp)
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	for (f = m->fams; f; f = f->next) {
		fprintf(fp, "# HELP %s ", f->name);
		put_escaped(fp, f->help, false);
		fprintf(fp, "\n# TYPE %s %s\n", f->name, tname[f->type]);
		for (s = f->series; s; s = s->next) {
			if (f->type == METRICS_HISTOGRAM)
				render_histogram(fp, f, s);
			else
				put_sample(fp, f->name, "", s->labels, NULL, metrics_value(s));
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (fclose(fp) || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* configuration and the endpoint */

struct listen_addr {
	struct sockaddr_storage ss;
	bool loopback;
};

static int listen_parse(const char *s, struct listen_addr *la)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(la, 0, sizeof(*la));
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = rb - h;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = colon - s;
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return -EINVAL;
	if (*s != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)&la->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		la->loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&la->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		la->loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
			       (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
				sin6->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

static int listen_check(struct confread *cr, const char *key, void *field, void *base)
{
	struct listen_addr la;

	(void)base;
	if (listen_parse(field, &la))
		return confread_bad(cr, key,
				    "must be a numeric \"ADDR:PORT\" or \"[ADDR6]:PORT\", not \"%s\"",
				    (const char *)field);
	return 0;
}

int metrics_config_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct metrics_config *c = field;
	struct listen_addr la;
	int err = 0;

	(void)base;
	if (!listen_parse(c->listen, &la) && !la.loopback && !c->allow_remote) {
		confread_push(cr, key, false);
		err = confread_bad(cr, "listen",
				   "\"%s\" is not loopback; set \"allow-remote\": true to serve metrics beyond this host",
				   c->listen);
		confread_pop(cr);
	}
	return err;
}

const struct confread_item metrics_config_items[] = {
	{ .key = "listen", .type = CONFREAD_BUF, .flags = CONFREAD_DEFAULT,
	  .offset = CONFREAD_OFF(struct metrics_config, listen),
	  .size = CONFREAD_SZ(struct metrics_config, listen), .def_str = METRICS_DEFAULT_LISTEN,
	  .check = listen_check },
	{ .key = "allow-remote", .type = CONFREAD_BOOL,
	  .offset = CONFREAD_OFF(struct metrics_config, allow_remote) },
	{ .key = "max-connections", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = CONFREAD_OFF(struct metrics_config, max_conns), .min = 1, .max = 4096,
	  .def = METRICS_DEFAULT_MAX_CONNS },
	{ .key = "max-connections-per-ip", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = CONFREAD_OFF(struct metrics_config, max_conns_per_ip), .min = 1, .max = 4096,
	  .def = METRICS_DEFAULT_MAX_PER_IP },
	{ .key = "connection-timeout", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = CONFREAD_OFF(struct metrics_config, conn_timeout_s), .min = 1, .max = 4096,
	  .def = METRICS_DEFAULT_CONN_TIMEOUT_S },
	{ .type = CONFREAD_END },
};

int metrics_config_parse(const json_t *obj, const char *file, struct metrics_config *c)
{
	static const struct confread_item map[] = {
		METRICS_CONFIG_ITEM("metrics", 0),
		{ .type = CONFREAD_END },
	};

	memset(c, 0, sizeof(*c));
	return confread_one(map, obj, file, c);
}

/*
 * Connections are tracked in MHD's own (single, internal) thread: it calls
 * the accept policy, the notifiers and serve(), so the table needs no lock.
 * A connection to drop is shut down; MHD sees the EOF and closes it.
 */
struct mconn {
	struct mconn *next;
	int fd;
	struct metrics_slot s;
	int dropped;		/* shut down, waiting for MHD to close it */
};

struct metrics_server {
	struct MHD_Daemon *d;
	struct metrics *m;
	_Atomic uint64_t scrapes, evicted;
	int port;
	size_t max, per_ip;
	struct mconn *conns;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int metrics_pick_victim(const struct metrics_slot *slots, size_t n, const uint8_t ip[16],
			size_t max, size_t per_ip)
{
	const uint8_t *heavy = ip;
	size_t mine = 0, most = 0;
	int best = -1;

	for (size_t i = 0; i < n; i++)
		mine += !memcmp(slots[i].ip, ip, 16);
	if (mine < per_ip && n < max)
		return -1;
	if (mine < per_ip) {
		for (size_t i = 0; i < n; i++) {
			size_t k = 0;

			if (slots[i].answering)
				continue;
			for (size_t j = 0; j < n; j++)
				k += !memcmp(slots[j].ip, slots[i].ip, 16) && !slots[j].answering;
			if (k > most) {
				most = k;
				heavy = slots[i].ip;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!memcmp(slots[i].ip, heavy, 16) && !slots[i].answering &&
		    (best < 0 || slots[i].since_ms < slots[best].since_ms))
			best = (int)i;
	return best >= 0 ? best : -2;
}

static void ip16(const struct sockaddr *sa, uint8_t ip[16])
{
	memset(ip, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		memcpy(ip, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct metrics_server *srv = cls;
	struct metrics_slot *slots;
	struct mconn **byidx, *k;
	uint8_t ip[16];
	size_t n = 0;
	int v;

	(void)addrlen;
	ip16(addr, ip);
	for (k = srv->conns; k; k = k->next)
		n += !k->dropped;
	slots = calloc(n + 1, sizeof(*slots));
	byidx = calloc(n + 1, sizeof(*byidx));
	if (!slots || !byidx) {
		free(slots);
		free(byidx);
		return MHD_NO;
	}
	n = 0;
	for (k = srv->conns; k; k = k->next)
		if (!k->dropped) {
			slots[n] = k->s;
			byidx[n++] = k;
		}
	v = metrics_pick_victim(slots, n, ip, srv->max, srv->per_ip);
	if (v >= 0) {
		byidx[v]->dropped = 1;
		shutdown(byidx[v]->fd, SHUT_RDWR);
		atomic_fetch_add(&srv->evicted, 1);
		pr_warn_rl("metrics: connection limit reached, dropping the oldest idle connection");
	}
	free(slots);
	free(byidx);
	if (v == -2) {
		atomic_fetch_add(&srv->evicted, 1);
		return MHD_NO;
	}
	return MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct metrics_server *srv = cls;
	struct mconn *k, **pp;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ca =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		*socket_context = NULL;
		k = calloc(1, sizeof(*k));
		if (!k || !fd) {
			free(k);
			return;
		}
		k->fd = fd->connect_fd;
		ip16(ca ? ca->client_addr : NULL, k->s.ip);
		k->s.since_ms = mono_ms();
		k->next = srv->conns;
		srv->conns = k;
		*socket_context = k;
		return;
	}
	/* closed */
	for (pp = &srv->conns; *pp; pp = &(*pp)->next)
		if (*pp == *socket_context) {
			k = *pp;
			*pp = k->next;
			free(k);
			break;
		}
	*socket_context = NULL;
}

static struct mconn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* a request answered: on keep-alive the connection waits (and may be dropped) again */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req,
			 enum MHD_RequestTerminationCode toe)
{
	struct mconn *k = conn_of(conn);

	(void)cls;
	(void)req;
	(void)toe;
	if (k) {
		k->s.answering = 0;
		k->s.since_ms = mono_ms();
	}
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_len, void **req)
{
	static const char notfound[] = "not found: leasesnoop serves /metrics\n";
	struct metrics_server *srv = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	char *buf = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	{
		struct mconn *k = conn_of(conn);

		if (k)
			k->s.answering = 1;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
		resp = MHD_create_response_from_buffer(sizeof(notfound) - 1, (void *)notfound,
						       MHD_RESPMEM_PERSISTENT);
	} else if (metrics_render(srv->m, &buf, &len)) {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		atomic_fetch_add(&srv->scrapes, 1);
		resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(buf);
		else
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
						"text/plain; version=0.0.4; charset=utf-8");
	}
	if (!resp)
		return MHD_NO;
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_server_open(struct metrics_server **out, struct metrics *m,
			const struct metrics_config *c)
{
	struct metrics_server *srv;
	const union MHD_DaemonInfo *di;
	struct listen_addr la;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	*out = NULL;
	if (listen_parse(c->listen, &la)) {
		pr_err("metrics: bad listen address '%s'", c->listen);
		return LS_ECONFIG;
	}
	if (!la.loopback && !c->allow_remote) {
		pr_err("metrics: refusing non-loopback address '%s' (allow-remote is not set)",
		       c->listen);
		return LS_ECONFIG;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->m = m;
	if (la.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->max = c->max_conns ? c->max_conns : METRICS_DEFAULT_MAX_CONNS;
	srv->per_ip = c->max_conns_per_ip ? c->max_conns_per_ip : METRICS_DEFAULT_MAX_PER_IP;
	/*
	 * Our policy (on_accept) keeps max connections and max per address,
	 * dropping idle ones to let new ones in; MHD's own limit only has room
	 * for those dropped but not yet closed. An idle connection goes after
	 * conn_timeout_s of silence.
	 */
	srv->d = MHD_start_daemon(flags, 0, on_accept, srv, serve, srv,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(2 * srv->max + 64),
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  c->conn_timeout_s ? c->conn_timeout_s : METRICS_DEFAULT_CONN_TIMEOUT_S,
				  MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
				  MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				  MHD_OPTION_END);
	if (!srv->d) {
		pr_err("metrics: cannot listen on '%s' (%s)", c->listen, ls_strerror(LS_EHTTP));
		free(srv);
		return LS_EHTTP;
	}
	di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : 0;
	pr_info("metrics: serving /metrics on '%s' port %d%s", c->listen, srv->port,
		la.loopback ? "" : " (beyond loopback: allow-remote)");
	*out = srv;
	return 0;
}

int metrics_server_port(const struct metrics_server *s)
{
	return s->port;
}

uint64_t metrics_server_scrapes(const struct metrics_server *s)
{
	return atomic_load(&s->scrapes);
}

uint64_t metrics_server_evicted(const struct metrics_server *s)
{
	return atomic_load(&s->evicted);
}

void metrics_server_close(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	while (s->conns) {
		struct mconn *k = s->conns;

		s->conns = k->next;
		free(k);
	}
	free(s);
}
