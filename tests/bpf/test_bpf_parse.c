// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/bpf/test_bpf_parse.c - the kernel build of the parser against the
 * gcc build (DESIGN.md's differential check). Loads the real skeleton, runs
 * frames through ls_xdp, ls_tc_ingress and ls_tc_egress with
 * bpf_prog_test_run_opts, asserts the verdict is always XDP_PASS /
 * TC_ACT_UNSPEC (pass, and let the next program on a shared hook run),
 * drains the ring and compares every event
 * (all fields but ts_ns) and the per-CPU counter deltas (summed over CPUs)
 * with parse_frame() on the same bytes: the shared fixtures, every frame of
 * tests/corpus/data/tcpdump, and >= 100,000 generated and mutated frames from
 * a seeded PRNG (the seed is printed; LS_SEED=n replays a run). Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "leasesnoop.skel.h"
#include "ringbuf/event.h"
#include "user/wire/evfmt.h"
#include "user/wire/parse.h"
#include "user/wire/pcapsrc.h"
#include "user/wire/vlog.h"
#include "tests/lib/cntcheck.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/pktfix.h"

#define CORPUS_REL "tests/corpus/data/tcpdump"
#define EV_CAP 64
#define GEN_FRAMES 100000

struct evset {
	int n;
	struct ls_event ev[EV_CAP];
};

static struct leasesnoop_bpf *skel;
static struct ring_buffer *rb;
static struct parse *ps_in, *ps_eg;
static int ncpus, xdp_ifindex;
static struct ls_counters *percpu, kprev;
static struct evset kev, uev;
static long frames_run, frames_skipped, events_seen;

static int rb_cb(void *ctx, void *data, size_t sz)
{
	struct evset *s = ctx;

	if (sz != sizeof(struct ls_event))
		return -EINVAL;
	if (s->n < EV_CAP)
		memcpy(&s->ev[s->n], data, sz);
	s->n++;
	return 0;
}

static void u_cb(const struct ls_event *ev, void *arg)
{
	struct evset *s = arg;

	if (s->n < EV_CAP)
		s->ev[s->n] = *ev;
	s->n++;
}

static void kern_counters(struct ls_counters *out)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &zero, percpu), 0);
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpus; c++)
		for (int i = 0; i < LS_CNT_MAX; i++)
			out->c[i] += percpu[c].c[i];
}

static void hexdump(const uint8_t *f, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x%s", i % 32 ? "" : "# ", f[i],
			i % 32 == 31 || i + 1 == len ? "\n" : "");
}

/*
 * Run one program on @f, returns 0 when the kernel ran it (and then compared
 * it with the gcc build), 1 when the kernel refused the frame size.
 */
enum { XDP, TC_IN, TC_EG };
static const char *const hook_name[] = { "xdp", "tc ingress", "tc egress" };

static int run_prog(const uint8_t *f, size_t len, int hook, const char *what)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = len, .repeat = 1);
	struct xdp_md xctx = { .data_end = len, .ingress_ifindex = xdp_ifindex };
	struct __sk_buff sctx = { .ifindex = 1 };
	struct ls_counters now, kd, ud, before;
	int egress = hook != XDP;	/* an skb program: tc ingress or egress */
	struct parse *ps = hook == TC_EG ? ps_eg : ps_in;
	struct bpf_program *prog = hook == XDP ? skel->progs.ls_xdp
				   : hook == TC_IN ? skel->progs.ls_tc_ingress : skel->progs.ls_tc_egress;
	const char *why;
	uint32_t ifindex;
	int err, r;

	if (egress) {
		opts.ctx_in = &sctx;
		opts.ctx_size_in = sizeof(sctx);
		opts.ctx_out = &sctx;
		opts.ctx_size_out = sizeof(sctx);
	} else if (xdp_ifindex) {
		opts.ctx_in = &xctx;
		opts.ctx_size_in = sizeof(xctx);
	}
	kev.n = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		/*
		 * The test-run harness takes 14 bytes .. about a page, and the
		 * skb one refuses frames too short for the L3 header their
		 * ethertype announces.
		 */
		if (len < 14 || len > 3000 || (egress && len < 64))
			return 1;
		fail_msg("%s (%s): prog_test_run failed on a %zu-byte frame (%d)", what, hook_name[hook], len, err);
	}
	assert_int_equal(opts.retval, egress ? (__u32)TC_ACT_UNSPEC : XDP_PASS);
	ring_buffer__consume(rb);
	kern_counters(&now);
	for (int i = 0; i < LS_CNT_MAX; i++)
		kd.c[i] = now.c[i] - kprev.c[i];
	kprev = now;

	ifindex = egress ? sctx.ifindex : (uint32_t)xdp_ifindex;
	before = *parse_counters(ps);
	uev.n = 0;
	r = parse_frame(ps, f, len, ifindex, hook == TC_EG ? LS_DIR_EGRESS : LS_DIR_INGRESS, u_cb, &uev);
	for (int i = 0; i < LS_CNT_MAX; i++)
		ud.c[i] = parse_counters(ps)->c[i] - before.c[i];

	frames_run++;
	events_seen += kev.n;
	if (memcmp(&kd, &ud, sizeof(kd)) || kev.n != uev.n || r != uev.n)
		goto mismatch;
	for (int i = 0; i < kev.n && i < EV_CAP; i++) {
		kev.ev[i].ts_ns = 0;
		if (memcmp(&kev.ev[i], &uev.ev[i], sizeof(struct ls_event)))
			goto mismatch;
	}
	why = cnt_invariant(&kd, kev.n);
	if (why)
		fail_msg("%s (%s): counter invariant: %s", what, hook_name[hook], why);
	return 0;

mismatch:
	fprintf(stderr, "# %s (%s): kernel and gcc builds differ: events %d vs %d\n", what,
		hook_name[hook], kev.n, uev.n);
	for (int i = 0; i < LS_CNT_MAX; i++)
		if (kd.c[i] != ud.c[i])
			fprintf(stderr, "#   counter %d: kernel %llu gcc %llu\n", i,
				(unsigned long long)kd.c[i], (unsigned long long)ud.c[i]);
	for (int i = 0; i < kev.n && i < uev.n && i < EV_CAP; i++)
		for (size_t b = 0; b < sizeof(struct ls_event); b++)
			if (((uint8_t *)&kev.ev[i])[b] != ((uint8_t *)&uev.ev[i])[b]) {
				fprintf(stderr, "#   event %d differs first at byte %zu\n", i, b);
				break;
			}
	hexdump(f, len);
	fail_msg("%s: differential mismatch", what);
	return 0;
}

/* Every program on one frame. */
static void diff_frame(const uint8_t *f, size_t len, const char *what)
{
	if (run_prog(f, len, XDP, what) | run_prog(f, len, TC_IN, what) |
	    run_prog(f, len, TC_EG, what))
		frames_skipped++;
}

/* the verifier's log libbpf hands over when a load fails, whole */
static char *load_log;

__attribute__((format(printf, 2, 0)))
static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg;

	if (level == LIBBPF_DEBUG || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	if (vlog_is_load_log(msg)) {
		free(load_log);
		load_log = msg;
	} else {
		fputs(msg, stderr);
		free(msg);
	}
	return 0;
}

/* The verifier's reason (the tail of its log), as TAP diagnostics. */
static void load_log_tail(void)
{
	const char *l = load_log ? vlog_tail(load_log, 25) : "";

	while (*l) {
		const char *e = strchrnul(l, '\n');

		printf("# %.*s\n", (int)(e - l), l);
		l = *e ? e + 1 : e;
	}
}

#define VERIFIER_INSN_LIMIT 1000000u	/* BPF_COMPLEXITY_LIMIT_INSNS */

/*
 * The verifier's work per program on this kernel (bpf_prog_info.verified_insns,
 * Linux 5.16+): printed, and a warning when any program needs more than half
 * the limit, so headroom lost to a change shows in the test's output.
 */
static void verifier_report(void)
{
	const struct bpf_program *progs[] = { skel->progs.ls_xdp, skel->progs.ls_tc_egress };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len)) {
			printf("# verifier: %s: no bpf_prog_info (%s)\n", bpf_program__name(progs[i]),
			       strerror(errno));
			continue;
		}
		printf("# verifier: %s %u instructions processed (limit %u)\n",
		       bpf_program__name(progs[i]), info.verified_insns, VERIFIER_INSN_LIMIT);
		if (info.verified_insns > VERIFIER_INSN_LIMIT / 2)
			printf("# WARNING: verifier: %s needs %u instructions, over half the limit of %u\n",
			       bpf_program__name(progs[i]), info.verified_insns, VERIFIER_INSN_LIMIT);
	}
}

/*
 * Not a cmocka group setup: when it fails the test must fail loudly with the
 * reason (TAP "Bail out!"), never report a plan it did not run.
 */
static int setup(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	uint8_t probe[64] = { 0 };
	struct xdp_md xctx = { .data_end = sizeof(probe), .ingress_ifindex = 1 };
	int err;

	ncpus = libbpf_num_possible_cpus();
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu) {
		printf("Bail out! bpf_parse: out of memory\n");
		return -1;
	}
	libbpf_set_print(libbpf_capture);
	skel = leasesnoop_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		load_log_tail();
		printf("Bail out! bpf_parse: the kernel rejected the BPF object (%s)\n", strerror(-err));
		return -1;
	}
	verifier_report();
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), rb_cb, &kev, NULL);
	if (!rb || parse_new(&ps_in) || parse_new(&ps_eg)) {
		printf("Bail out! bpf_parse: cannot set up the ring buffer or the gcc parser\n");
		return -1;
	}
	/* an XDP test run may name a real receive queue: lo's */
	opts.data_in = probe;
	opts.data_size_in = sizeof(probe);
	opts.ctx_in = &xctx;
	opts.ctx_size_in = sizeof(xctx);
	xdp_ifindex = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ls_xdp), &opts) ? 0 : 1;
	printf("# xdp test runs with ingress_ifindex %d\n", xdp_ifindex);
	ring_buffer__consume(rb);
	kern_counters(&kprev);
	/* the probe went through XDP only: bring the ingress parser level */
	parse_frame(ps_in, probe, sizeof(probe), 0, 0, NULL, NULL);
	return 0;
}

static void teardown(void)
{
	printf("# %ld program runs compared, %ld events, %ld frames the test harness refused\n",
	       frames_run, events_seen, frames_skipped);
	printf("# kernel counters: ");
	evfmt_counters_json(stdout, &kprev);
	ring_buffer__free(rb);
	leasesnoop_bpf__destroy(skel);
	parse_free(ps_in);
	parse_free(ps_eg);
	free(percpu);
}

static void test_fixtures(void **state)
{
	int n;
	const struct pktfix *fx = pktfix_table(&n);
	struct pb f;

	(void)state;
	for (int i = 0; i < n; i++) {
		fx[i].build(&f);
		diff_frame(f.d, f.len, fx[i].name);
	}
	/* and a few exact expectations on the kernel side alone */
	fx_v4_ack(&f);
	assert_int_equal(run_prog(f.d, f.len, XDP, "v4 ack"), 0);
	assert_int_equal(kev.n, 1);
	assert_int_equal(kev.ev[0].type, LS_EV_V4_ACK);
	assert_memory_equal(kev.ev[0].addr, "\xc0\x00\x02\x0a", 4);
	assert_int_equal(kev.ev[0].dir, LS_DIR_INGRESS);
	assert_int_equal(kev.ev[0].ifindex, xdp_ifindex);
	assert_int_equal(run_prog(f.d, f.len, TC_IN, "v4 ack"), 0);
	assert_int_equal(kev.n, 1);
	assert_int_equal(kev.ev[0].type, LS_EV_V4_ACK);
	assert_int_equal(kev.ev[0].dir, LS_DIR_INGRESS);
	assert_int_equal(kev.ev[0].ifindex, 1);
	assert_int_equal(run_prog(f.d, f.len, TC_EG, "v4 ack"), 0);
	assert_int_equal(kev.n, 1);
	assert_int_equal(kev.ev[0].dir, LS_DIR_EGRESS);
	assert_int_equal(kev.ev[0].ifindex, 1);
	fx_v6_relayed(&f);
	assert_int_equal(run_prog(f.d, f.len, XDP, "v6 relayed"), 0);
	assert_int_equal(kev.n, 5);
	assert_int_equal(kev.ev[4].prefix_len, 60);
	assert_int_equal(kev.ev[4].relay_hops, 2);
	fx_v6_many(&f);
	assert_int_equal(run_prog(f.d, f.len, TC_EG, "v6 many"), 0);
	assert_int_equal(kev.n, 16);	/* LS_MAX_LEASES */
	fx_udp_dns(&f);
	assert_int_equal(run_prog(f.d, f.len, XDP, "dns"), 0);
	assert_int_equal(kev.n, 0);
}

/* ---- the tcpdump corpus ---------------------------------------------------- */

static uint8_t conv[65536 + 14];

/* Rewrite a cooked/raw capture frame as Ethernet, as user/parse.c does. */
static void corpus_cb(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen, void *arg)
{
	size_t hdr;
	uint16_t proto;

	(void)wirelen;
	switch (dlt) {
	case 1:
		diff_frame(frame, caplen, arg);
		return;
	case 113:
		if (caplen < 16)
			return;
		hdr = 16;
		proto = frame[14] << 8 | frame[15];
		break;
	case 276:
		if (caplen < 20)
			return;
		hdr = 20;
		proto = frame[0] << 8 | frame[1];
		break;
	case 12: case 101: case 228: case 229:
		if (caplen < 1)
			return;
		hdr = 0;
		proto = (frame[0] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	default:
		return;
	}
	memset(conv, 0, 12);
	conv[12] = proto >> 8;
	conv[13] = proto;
	memcpy(conv + 14, frame + hdr, caplen - hdr);
	diff_frame(conv, caplen - hdr + 14, arg);
}

static void test_corpus(void **state)
{
	const char *top = getenv("LS_TOP") ? getenv("LS_TOP") : ".";
	char corpus[1024];
	struct dirent *de;
	long files = 0, before = frames_run;
	DIR *dir;

	(void)state;
	snprintf(corpus, sizeof(corpus), "%s/%s", top, CORPUS_REL);
	dir = opendir(corpus);
	if (!dir)
		fail_msg("cannot open %s", corpus);
	while ((de = readdir(dir))) {
		char path[1536];
		long n;

		if (!strstr(de->d_name, ".pcap"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", corpus, de->d_name);
		n = pcapsrc_read(path, corpus_cb, de->d_name);
		if (n < 0)
			fprintf(stderr, "# %s: not readable (%ld)\n", de->d_name, n);
		files++;
	}
	closedir(dir);
	printf("# corpus: %ld captures, %ld program runs\n", files, frames_run - before);
	assert_true(files >= 20);
	assert_true(frames_run - before >= 100);
}

/* ---- generated and mutated frames --------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 32;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

static void gen_v4(struct pb *m)
{
	static const uint8_t types[] = { 5, 5, 5, 6, 7, 4, 1, 3, 8 };
	struct pb_dhcp4 h = pb_dhcp4_default();
	uint8_t x[255];
	int nopt = rnd() % 12;

	h.op = 1 + rnd() % 2;
	h.hlen = rnd() % 4 ? 6 : rnd() % 24;
	h.xid = rnd();
	h.ciaddr = rnd() % 2 ? rnd() : 0;
	h.yiaddr = rnd() % 5 ? rnd() : 0;
	h.giaddr = rnd() % 3 ? 0 : rnd();
	rnd_bytes(h.chaddr, 16);
	pb_reset(m);
	pb_dhcp4_hdr(m, &h);
	for (int i = 0; i < nopt; i++) {
		uint8_t code, len;

		switch (rnd() % 10) {
		case 0: pb_opt4_u8(m, 53, types[rnd() % sizeof(types)]); continue;
		case 1: pb_pad4(m, rnd() % 40); continue;
		case 2: pb_opt4_u32(m, 50 + rnd() % 5, rnd()); continue;
		case 3: pb_opt4_fqdn(m, rnd() & 0x0f, rnd() % 2 ? "a.example.com." : "b.example"); continue;
		case 4: code = 12; break;
		case 5: code = 61; break;
		case 6: code = 81; break;
		default: code = rnd(); break;
		}
		len = rnd() % (rnd() % 4 ? 20 : 255);
		rnd_bytes(x, len);
		pb_opt4(m, code, x, len);
	}
	if (rnd() % 4)
		pb_opt4_u8(m, 53, types[rnd() % sizeof(types)]);
	if (rnd() % 3)
		pb_end4(m);
}

static void gen_v6_body(struct pb *m, uint8_t type)
{
	uint8_t a[16], x[200];
	int nopt = rnd() % 8;

	pb_dhcp6_hdr(m, type, rnd());
	for (int i = 0; i < nopt; i++) {
		size_t ia, ad;
		int code = rnd() % 9;

		switch (code) {
		case 0: case 1:
			rnd_bytes(x, sizeof(x));
			pb_opt6(m, code + 1, x, rnd() % (rnd() % 4 ? 20 : 150));
			break;
		case 2:
			pb_fqdn6(m, rnd() & 7, rnd() % 2 ? "h.example.com." : "h");
			break;
		case 3:
			pb_status6(m, rnd() % 8 ? 0 : rnd() % 7, "s");
			break;
		case 4: case 5: case 6: case 7: {
			int kind = rnd() % 3, naddr = rnd() % (rnd() % 4 ? 4 : 20);

			ia = kind == 0 ? pb_ia_na_begin(m, rnd(), rnd(), rnd()) :
			     kind == 1 ? pb_ia_ta_begin(m, rnd()) : pb_ia_pd_begin(m, rnd(), 0, 0);
			for (int k = 0; k < naddr; k++) {
				rnd_bytes(a, 16);
				if (rnd() % 7 == 0) {
					pb_status6(m, rnd() % 3, "");
					continue;
				}
				ad = kind == 2 ? pb_iaprefix_begin(m, a, rnd(), rnd(), rnd())
					       : pb_iaaddr_begin(m, a, rnd(), rnd());
				if (rnd() % 6 == 0)
					pb_status6(m, rnd() % 3, "x");
				pb_opt6_end(m, ad);
			}
			pb_opt6_end(m, ia);
			break;
		}
		default:
			rnd_bytes(x, 40);
			pb_opt6(m, rnd() % 100, x, rnd() % 40);
			break;
		}
	}
}

static void gen_v6(struct pb *m)
{
	static const uint8_t types[] = { 7, 7, 7, 8, 9, 1, 11 };
	uint8_t link[16], peer[16];
	int depth = rnd() % 3 ? 0 : rnd() % 11;
	size_t r[16];

	pb_reset(m);
	for (int i = 0; i < depth; i++) {
		rnd_bytes(link, 16);
		rnd_bytes(peer, 16);
		if (rnd() % 10 == 0)
			pb_opt6(m, 18, "if0", 3);
		r[i] = pb_relay6_begin(m, rnd() % 5 ? 13 : 12, i, link, peer);
	}
	gen_v6_body(m, types[rnd() % sizeof(types)]);
	for (int i = depth - 1; i >= 0; i--)
		pb_opt6_end(m, r[i]);
}

static void gen_net(struct pb_net *n, int v6)
{
	static const uint16_t tpid[] = { 0x8100, 0x88a8, 0x9100 };
	static const uint8_t ext[] = { 0, 60, 43, 51, 44 };

	*n = v6 ? pb_net6() : pb_net4();
	for (int i = rnd() % 4; i > 0 && i < 3; i--)
		pb_net_vlan(n, tpid[rnd() % 3], rnd());
	if (rnd() % 8 == 0) {
		uint16_t p[] = { 67, 68, 546, 547, 53 };

		n->sport = p[rnd() % 5];
		n->dport = p[rnd() % 5];
	}
	if (!v6 && rnd() % 5 == 0) {
		n->ip4_opt_len = 4 * (rnd() % 11);
		rnd_bytes(n->ip4_opts, n->ip4_opt_len);
	}
	if (!v6 && rnd() % 20 == 0)
		n->frag = rnd();
	if (v6 && rnd() % 4 == 0)
		for (int i = rnd() % 10; i > 0; i--)
			pb_net_ext(n, ext[rnd() % (rnd() % 10 ? 4 : 5)], rnd() % 3);
}

/* Insert random option-like bytes into / remove a range from a message past its fixed header. */
static void mutate_msg(struct pb *m, size_t fixed)
{
	size_t at, n;

	if (m->len <= fixed)
		return;
	at = fixed + rnd() % (m->len - fixed);
	if (rnd() % 2) {
		n = 2 + rnd() % 12;
		if (m->len + n > PB_MAX)
			return;
		memmove(m->d + at + n, m->d + at, m->len - at);
		rnd_bytes(m->d + at, n);
		m->d[at + 1] = rnd() % 16;	/* a plausible length byte */
		m->len += n;
	} else {
		n = rnd() % (m->len - at + 1);
		memmove(m->d + at, m->d + at + n, m->len - at - n);
		m->len -= n;
	}
}

static void mutate_frame(struct pb *f, const struct pb_layout *lay)
{
	switch (rnd() % 5) {
	case 0:	/* byte flips */
		for (int k = 1 + rnd() % 6; k > 0; k--)
			f->d[rnd() % f->len] ^= 1u << (rnd() % 8);
		break;
	case 1:	/* truncation */
		f->len = rnd() % f->len;
		break;
	case 2:	/* an IP/UDP length field */
		if (rnd() % 2)
			pb_set16(f->d + lay->l4 + 4, rnd() % 4 ? rnd() % (f->len + 16) : rnd());
		else
			pb_set16(f->d + lay->l3 + (f->d[lay->l3] >> 4 == 6 ? 4 : 2),
				 rnd() % (f->len + 16));
		break;
	case 3:	/* a length-looking field in the DHCP message */
		if (f->len > lay->payload + 2)
			pb_set16(f->d + lay->payload + rnd() % (f->len - lay->payload - 1),
				 rnd() % 3 ? rnd() % 600 : 0xffff);
		break;
	default:	/* random tail */
		if (f->len > lay->payload)
			rnd_bytes(f->d + lay->payload + rnd() % (f->len - lay->payload), 8);
		break;
	}
}

static void test_generated(void **state)
{
	const char *env = getenv("LS_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
	long before = frames_run;
	int nfx;
	const struct pktfix *fx = pktfix_table(&nfx);
	struct pb msg, f;
	struct pb_net n;
	struct pb_layout lay;

	(void)state;
	printf("# generated frames: seed %llu (LS_SEED=%llu replays this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	rng = seed | 1;
	for (int i = 0; i < GEN_FRAMES; i++) {
		int v6 = rnd() % 2, kind = rnd() % 8;

		if (kind == 0) {
			/* a fixture, mutated */
			fx[rnd() % nfx].build(&f);
			lay.l3 = 14;
			lay.l4 = f.len > 60 ? 54 : 14;
			lay.payload = lay.l4;
			mutate_frame(&f, &lay);
		} else {
			if (v6)
				gen_v6(&msg);
			else
				gen_v4(&msg);
			if (kind <= 3)
				mutate_msg(&msg, v6 ? 4 : 240);
			gen_net(&n, v6);
			pb_frame(&f, &n, msg.d, msg.len, &lay);
			if (kind >= 6)
				mutate_frame(&f, &lay);
		}
		diff_frame(f.d, f.len, "generated");
	}
	printf("# generated: %ld program runs\n", frames_run - before);
	assert_true(frames_run - before >= 2 * GEN_FRAMES * 9 / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_generated),
	};

	int err;

	if (geteuid() != 0) {
		const char *ci = getenv("CI");

		/* CI runs as root: there a skip is a defect (tests/lib/tap.sh) */
		if (ci && !strcmp(ci, "true")) {
			printf("1..1\nnot ok 1 - skipped under CI=true: needs root\n");
			return 1;
		}
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	if (setup())
		return 1;
	err = cmocka_run_group_tests_name("bpf_parse", tests, NULL, NULL);
	teardown();
	return err;
}
