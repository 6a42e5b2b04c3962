// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/fuzz/fuzz_parse.c - libFuzzer target for the gcc build of the DHCP
 * parser (user/parse.c on bpf/dhcp_parse.h) and the event writers. The first
 * input byte picks the link type (Ethernet in either direction, Linux cooked
 * v1/v2, raw IP) and the rest is the frame. Every event is rendered with
 * evfmt_json() and evfmt_text(); the per-frame counter invariant of
 * ringbuf/event.h must hold, and a parser that has seen other frames must
 * give the same events as a fresh one (no state leaks between frames).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringbuf/event.h"
#include "user/wire/evfmt.h"
#include "user/wire/parse.h"
#include "tests/lib/cntcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EV_CAP 32

struct evlog {
	FILE *out;
	int n;
	struct ls_event ev[EV_CAP];
};

static void fz_cb(const struct ls_event *ev, void *arg)
{
	struct evlog *l = arg;

	if (evfmt_json(l->out, ev) || evfmt_text(l->out, ev))
		abort();
	if (l->n < EV_CAP)
		l->ev[l->n] = *ev;
	l->n++;
}

static int fz_run(struct parse *ps, uint8_t sel, const uint8_t *f, size_t len, struct evlog *l)
{
	static const int dlt[] = { 1, 1, 1, 1, 113, 276, 12, 229 };

	l->n = 0;
	return parse_frame_linktype(ps, dlt[sel & 7], f, len, sel >> 3 & 7, sel & 1, fz_cb, l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct parse *warm;
	static struct evlog a, b;
	struct ls_counters before, delta;
	struct parse *cold;
	const char *why;
	int r, rc;

	if (!warm) {
		if (parse_new(&warm))
			abort();
		a.out = b.out = fopen("/dev/null", "w");
		if (!a.out)
			abort();
	}
	if (size < 1)
		return 0;
	before = *parse_counters(warm);
	r = fz_run(warm, data[0], data + 1, size - 1, &a);
	for (int i = 0; i < LS_CNT_MAX; i++)
		delta.c[i] = parse_counters(warm)->c[i] - before.c[i];
	why = cnt_invariant(&delta, r);
	if (r < 0 || r != a.n || why) {
		fprintf(stderr, "fuzz_parse: %d events, %d delivered: %s\n", r, a.n,
			why ? why : "bad return");
		abort();
	}
	if (parse_new(&cold))
		abort();
	rc = fz_run(cold, data[0], data + 1, size - 1, &b);
	parse_free(cold);
	if (rc != r)
		abort();
	for (int i = 0; i < r && i < EV_CAP; i++)
		if (memcmp(&a.ev[i], &b.ev[i], sizeof(a.ev[i]))) {
			fprintf(stderr, "fuzz_parse: event %d differs after earlier frames\n", i);
			abort();
		}
	return 0;
}
