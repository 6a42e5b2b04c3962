// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ctl/statscreen.c - the human `--stats` dashboard (see statscreen.h).
 */
#include "user/ctl/statscreen.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#define ZONE_W 30	/* zone names in the tables: longer ones are cut with '~' */
#define SERVER_W 32	/* "address#port zone" */

struct scr {
	FILE *out;
	unsigned int cols, rows;
	int lines;
};

static void line(struct scr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct scr *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')	/* no trailing blanks */
		buf[--n] = 0;
	if (n > s->cols)
		buf[s->cols] = 0;
	if (s->rows && (unsigned int)s->lines >= s->rows)
		return;	/* --watch: what does not fit the terminal is left out, the top stays */
	/* the last row of a full screen gets no newline: it would scroll the top away */
	fprintf(s->out, s->rows && (unsigned int)s->lines + 1 == s->rows ? "%s" : "%s\n", buf);
	s->lines++;
}

const char *statscreen_num(unsigned long long v, char *buf, size_t cap)
{
	char t[32];
	size_t n, o = 0, k;

	if (v > 99999999ULL) {
		static const char *const unit[] = { "k", "M", "G", "T", "P" };
		double d = (double)v;
		int u = -1;

		while (d >= 1000 && u < 4) {
			d /= 1000;
			u++;
		}
		snprintf(buf, cap, "%.1f %s", d, unit[u]);
		return buf;
	}
	n = (size_t)snprintf(t, sizeof(t), "%llu", v);
	for (k = 0; k < n && o + 2 < cap; k++) {
		if (k && (n - k) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = t[k];
	}
	buf[o] = 0;
	return buf;
}

const char *statscreen_ago(time_t now, time_t t, char *buf, size_t cap)
{
	long long d = (long long)now - (long long)t;

	if (!t)
		snprintf(buf, cap, "never");
	else if (d < 1)
		snprintf(buf, cap, "now");
	else if (d < 120)
		snprintf(buf, cap, "%lld s ago", d);
	else if (d < 7200)
		snprintf(buf, cap, "%lld min ago", d / 60);
	else if (d < 172800)
		snprintf(buf, cap, "%lld h ago", d / 3600);
	else
		snprintf(buf, cap, "%lld d ago", d / 86400);
	return buf;
}

const char *statscreen_rate(double r, char *buf, size_t cap)
{
	if (r < 0)
		snprintf(buf, cap, "-");
	else if (r < 0.05)
		snprintf(buf, cap, "0");
	else if (r < 100)
		snprintf(buf, cap, "%.1f", r);
	else
		statscreen_num((unsigned long long)(r + 0.5), buf, cap);
	return buf;
}

/* uptime in words: "3 h 2 min", "12 min", "40 s" */
static const char *span(long long s, char *buf, size_t cap)
{
	if (s < 120)
		snprintf(buf, cap, "%lld s", s);
	else if (s < 7200)
		snprintf(buf, cap, "%lld min", s / 60);
	else if (s < 172800)
		snprintf(buf, cap, "%lld h %lld min", s / 3600, s / 60 % 60);
	else
		snprintf(buf, cap, "%lld d %lld h", s / 86400, s / 3600 % 24);
	return buf;
}

/* a latency in ms, rounded to what a person reads: "0.4", "12", "1,500" */
static const char *ms(double v, char *buf, size_t cap)
{
	if (v <= 0)
		snprintf(buf, cap, "-");
	else if (v < 10)
		snprintf(buf, cap, "%.1f", v);
	else
		statscreen_num((unsigned long long)(v + 0.5), buf, cap);
	return buf;
}

static const char *cut(const char *name, char *buf, size_t w)
{
	size_t n = strlen(name);

	if (n <= w)
		snprintf(buf, w + 1, "%s", name);
	else
		snprintf(buf, w + 1, "%.*s~", (int)(w - 1), name);
	return buf;
}

static unsigned long long u(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (unsigned long long)json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) > 0 ? (unsigned long long)(json_real_value(v) + 0.5) : 0;
	return 0;
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* the rate of @key between in->prev and in->stats under --watch, else -1 */
static double rate(const struct statscreen_in *in, const char *key)
{
	unsigned long long a, b;

	if (!in->prev || in->dt_s <= 0)
		return -1;
	a = u(in->prev, key);
	b = u(in->stats, key);
	return b >= a ? (double)(b - a) / in->dt_s : 0;
}

static void header(struct scr *s, const struct statscreen_in *in)
{
	char tb[32], up[32] = "";
	struct tm tm;

	gmtime_r(&in->now, &tm);
	strftime(tb, sizeof(tb), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (in->status && json_object_get(in->status, "uptime"))
		snprintf(up, sizeof(up), "up %s",
			 span((long long)u(in->status, "uptime"), (char[24]){ 0 }, 24));
	line(s, "leasesnoop  %s  %s%s%s", tb, up,
	     in->status && json_is_true(json_object_get(in->status, "dry-run")) ? "  DRY RUN" : "",
	     json_is_true(json_object_get(in->stats, "idle")) ? "  idle" : "  busy");
}

static void changes(struct scr *s, const struct statscreen_in *in)
{
	static const struct {
		const char *label, *key;
	} rows[] = {
		{ "adds sent", "adds-sent" },	{ "removes sent", "removes-sent" },
		{ "applied", "applied" },	{ "conflicts", "conflicts" },
		{ "failed", "failed" },
	};
	const json_t *st = in->stats;
	char q[5][64], a[32], b[32], c[32];
	int watch = in->prev != NULL;

	snprintf(q[0], sizeof(q[0]), "queued       %12s", statscreen_num(u(st, "queue-dirty"), a, sizeof(a)));
	snprintf(q[1], sizeof(q[1]), "in flight    %12s", statscreen_num(u(st, "queue-inflight"), a, sizeof(a)));
	snprintf(q[2], sizeof(q[2]), "wire pending %12s", statscreen_num(u(st, "pending"), a, sizeof(a)));
	snprintf(q[3], sizeof(q[3]), "held back    %12s", statscreen_num(u(st, "retries-held"), a, sizeof(a)));
	snprintf(q[4], sizeof(q[4]), "last success %12s",
		 statscreen_ago(in->now, (time_t)u(st, "last-success"), a, sizeof(a)));
	line(s, "DNS CHANGES (per side)   total%s   QUEUES", watch ? "      /s" : "        ");
	for (size_t i = 0; i < 5; i++)
		line(s, "  %-14s %12s%s%8s   %s", rows[i].label,
		     statscreen_num(u(st, rows[i].key), b, sizeof(b)), watch ? " " : "",
		     watch ? statscreen_rate(rate(in, rows[i].key), c, sizeof(c)) : "", q[i]);
}

/* failures by result ("notauth 3, refused 1"), from the "changes" rows */
static void failures(struct scr *s, const json_t *st)
{
	static const char *const ok[] = { "applied", "conflict", "skipped", "nozone", "pending" };
	struct {
		const char *name;
		unsigned long long n;
	} by[16];
	size_t nby = 0, i, k;
	char buf[256] = "", a[32];
	size_t o = 0;
	json_t *row;

	json_array_foreach(json_object_get(st, "changes"), i, row) {
		const char *res = json_string_value(json_object_get(row, "result"));
		int good = 0;

		for (k = 0; res && k < sizeof(ok) / sizeof(ok[0]); k++)
			good |= !strcmp(res, ok[k]);
		if (!res || good)
			continue;
		for (k = 0; k < nby && strcmp(by[k].name, res); k++)
			;
		if (k == nby) {
			if (nby == 16)
				continue;
			by[nby].name = res;
			by[nby++].n = 0;
		}
		by[k].n += u(row, "count");
	}
	for (k = 0; k < nby && o < sizeof(buf); k++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s %s", k ? ", " : "", by[k].name,
				      statscreen_num(by[k].n, a, sizeof(a)));
	if (nby)
		line(s, "  failed by result: %s", buf);
}

static void leases(struct scr *s, const json_t *st)
{
	const json_t *lf = json_object_get(st, "lease-files"), *store = json_object_get(st, "store");
	const char *fam;
	json_t *f;
	char a[32], b[32], c[32], d[32];

	line(s, "LEASES");
	json_object_foreach((json_t *)lf, fam, f)
		line(s, "  %-3s %9s leases  %9s rows  %s bad rows  %s rotations", fam,
		     statscreen_num(u(f, "leases"), a, sizeof(a)), statscreen_num(u(f, "rows"), b, sizeof(b)),
		     statscreen_num(u(f, "bad-rows"), c, sizeof(c)),
		     statscreen_num(u(f, "rotations"), d, sizeof(d)));
	if (!json_object_size(lf))
		line(s, "  no lease file read yet");
	line(s, "  no DNS for: %s without name, %s in no zone, %s unpublishable names",
	     statscreen_num(u(st, "leases-without-name"), a, sizeof(a)),
	     statscreen_num(u(st, "leases-without-zone"), b, sizeof(b)),
	     statscreen_num(u(st, "names-unpublishable"), c, sizeof(c)));
	line(s, "  wire events: %s confirmed, %s unconfirmed, %s ignored",
	     statscreen_num(u(st, "confirmed"), a, sizeof(a)),
	     statscreen_num(u(st, "unconfirmed"), b, sizeof(b)),
	     statscreen_num(u(st, "events-ignored"), d, sizeof(d)));
	line(s, "  store: %s records owned, %s commits, %s errors", statscreen_num(u(store, "records"), a, sizeof(a)),
	     statscreen_num(u(store, "commits"), b, sizeof(b)),
	     statscreen_num(u(st, "store-errors"), c, sizeof(c)));
}

static void zones(struct scr *s, const struct statscreen_in *in)
{
	const json_t *z = json_object_get(in->stats, "zones"), *pz = json_object_get(in->prev, "zones");
	const char *name;
	json_t *v;
	char n[ZONE_W + 1], a[32], b[32], c[32], r[32];

	if (!json_object_size(z))
		return;
	line(s, "%-*s %12s%s %9s %9s", ZONE_W + 2, "ZONES", "applied", in->prev ? "      /s" : "",
	     "conflict", "failed");
	json_object_foreach((json_t *)z, name, v) {
		double rt = -1;
		const json_t *p = json_object_get(pz, name);

		if (p && in->dt_s > 0)
			rt = u(v, "applied") >= u(p, "applied") ?
				     (double)(u(v, "applied") - u(p, "applied")) / in->dt_s : 0;
		line(s, "  %-*s %12s%s%s %9s %9s", ZONE_W, cut(name, n, ZONE_W),
		     statscreen_num(u(v, "applied"), a, sizeof(a)), in->prev ? " " : "",
		     in->prev ? (snprintf(r, sizeof(r), "%7s", statscreen_rate(rt, c, sizeof(c))), r) : "",
		     statscreen_num(u(v, "conflict"), b, sizeof(b)),
		     statscreen_num(u(v, "failed"), c, sizeof(c)));
	}
}

static void servers(struct scr *s, const json_t *st)
{
	const json_t *sv = json_object_get(json_object_get(st, "dns"), "servers");
	char n[SERVER_W + 1], a[32], b[32], c[32], d[32], e[32], f[32];
	size_t i;
	json_t *v;

	if (!json_array_size(sv))
		return;
	line(s, "%-*s %8s %8s %6s %5s %5s %5s ms", SERVER_W + 2, "SERVERS (zone)", "msgs", "timeouts",
	     "errors", "p50", "p90", "p99");
	json_array_foreach(sv, i, v) {
		char who[128];

		snprintf(who, sizeof(who), "%s %s", json_string_value(json_object_get(v, "server")),
			 json_string_value(json_object_get(v, "zone")));
		line(s, "  %-*s %8s %8s %6s %5s %5s %5s", SERVER_W, cut(who, n, SERVER_W),
		     statscreen_num(u(v, "messages"), a, sizeof(a)),
		     statscreen_num(u(v, "timeouts"), b, sizeof(b)),
		     statscreen_num(u(v, "network-errors"), c, sizeof(c)),
		     ms(num(v, "latency-p50-ms"), d, sizeof(d)), ms(num(v, "latency-p90-ms"), e, sizeof(e)),
		     ms(num(v, "latency-p99-ms"), f, sizeof(f)));
	}
}

static void verify(struct scr *s, const struct statscreen_in *in)
{
	const json_t *vz = json_object_get(in->stats, "verify");
	const char *name;
	json_t *v;
	char n[ZONE_W + 1], a[32], b[32], c[32], d[32];

	if (!json_object_size(vz))
		return;
	line(s, "%-*s %9s %9s %9s  %s", ZONE_W + 2, "VERIFY", "missing", "wrong", "repaired",
	     "last run");
	json_object_foreach((json_t *)vz, name, v)
		line(s, "  %-*s %9s %9s %9s  %s", ZONE_W, cut(name, n, ZONE_W),
		     statscreen_num(u(v, "missing"), a, sizeof(a)),
		     statscreen_num(u(v, "wrong"), b, sizeof(b)),
		     statscreen_num(u(v, "repaired"), c, sizeof(c)),
		     statscreen_ago(in->now, (time_t)u(v, "last-time"), d, sizeof(d)));
}

static void ha_ncr(struct scr *s, const json_t *st)
{
	const json_t *ha = json_object_get(st, "ha"), *ncr = json_object_get(st, "ncr");
	char a[32], b[32], c[32];

	if (json_object_size(ha))
		line(s, "HA  %s (%s), partner %s, %s, %s failures",
		     json_string_value(json_object_get(ha, "state")),
		     json_string_value(json_object_get(ha, "role")),
		     json_string_value(json_object_get(ha, "partner-state")),
		     json_is_true(json_object_get(ha, "active")) ? "sending" : "standing by",
		     statscreen_num(u(ha, "failures"), a, sizeof(a)));
	if (json_object_size(ncr))
		line(s, "KEA NCRs  %s received, %s invalid, %s errors",
		     statscreen_num(u(ncr, "ncr-received"), a, sizeof(a)),
		     statscreen_num(u(ncr, "ncr-invalid"), b, sizeof(b)),
		     statscreen_num(u(ncr, "ncr-error"), c, sizeof(c)));
}

int statscreen_render(FILE *out, const struct statscreen_in *in)
{
	struct scr s = { out, in->cols ? in->cols : 80, in->rows, 0 };
	const char *err = json_string_value(json_object_get(in->stats, "last-error"));

	header(&s, in);
	changes(&s, in);
	failures(&s, in->stats);
	if (err && *err)
		line(&s, "  last error: %s", err);
	leases(&s, in->stats);
	zones(&s, in);
	servers(&s, in->stats);
	verify(&s, in);
	ha_ncr(&s, in->stats);
	return s.lines;
}
