// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/loader.c - skeleton lifecycle and attachment. Follows libbpf-tools /
 * xdp-tools conventions: errors are logged here, once, naming the interface.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "leasesnoop.skel.h"
#include "user/common/errcode.h"
#include "user/wire/hookplan.h"
#include "user/wire/loader.h"
#include "user/wire/vlog.h"
#include "user/common/log.h"

/* Our tc filters' identity on clsact ingress and egress: handle 'LS', priority 0x4c53. */
#define LS_TC_HANDLE 0x4c53
#define LS_TC_PRIO   0x4c53

/*
 * tcx (Linux 6.6) attach types; libbpf 1.1's UAPI copy predates them. The
 * values are the kernel's ABI; support is probed at run time (probe_tcx()).
 */
#define LS_BPF_TCX_INGRESS 46
#define LS_BPF_TCX_EGRESS  47

enum { IN = 0, EG = 1 };

struct attach {
	int ifindex;
	char name[IF_NAMESIZE];
	struct hookplan_seen seen;
	char xdp_owner[BPF_OBJ_NAME_LEN];	/* name of the program on the XDP hook */
	enum hookplan_hook hook[2];		/* in use: [IN], [EG] */
	unsigned int xdp_flags;			/* HOOK_XDP_*: the mode attached in */
	struct xdp_program *mprog;		/* HOOK_XDP_MULTIPROG: ours in the chain */
	enum xdp_attach_mode mp_mode;		/* the dispatcher's mode (native/generic) */
	struct leasesnoop_bpf *twin;		/* and the object it was loaded from */
	int tcx_fd[2];				/* HOOK_TCX: the links, -1 when none */
	int tc_filter[2];			/* HOOK_CLSACT: our filter is attached */
	int tc_hook_created;			/* we created the clsact qdisc */
};

struct loader {
	struct leasesnoop_bpf *skel;
	struct leasesnoop_bpf *tc_in_twin;	/* ls_tc_ingress loaded late, for a fallback */
	struct attach at[LOADER_MAX_IFACES];
	int n;
	int ncpu;
	int have_tcx;
};

static int prog_name_by_id(__u32 id, char *name, size_t n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return -errno;
	snprintf(name, n, "%s", info.name);
	return 0;
}

static __u32 prog_id_of_fd(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

int loader_check_kernel(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		pr_err("loader: kernel has no BTF '/sys/kernel/btf/vmlinux' (%s)",
		       ls_strerror(LS_ENOBTF));
		return LS_ENOBTF;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		if (geteuid() != 0) {
			pr_err("loader: cannot load BPF (needs root, or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)");
			return -EPERM;
		}
		pr_err("loader: kernel lacks BPF_MAP_TYPE_RINGBUF (%s)", ls_strerror(LS_ENORINGBUF));
		return LS_ENORINGBUF;
	}
	/* each helper the programs call, newest last, named when missing */
	static const struct {
		enum bpf_func_id id;
		const char *name, *since;
	} helpers[] = {
		{ BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", "5.11" },
		{ BPF_FUNC_loop, "bpf_loop", "5.17" },
		{ BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len", "5.18" },
		{ BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", "5.18" },
	};
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, helpers[i].id, NULL) != 1) {
			pr_err("loader: kernel lacks BPF helper %s (Linux %s; leasesnoop is tested on 6.1 and later)",
			       helpers[i].name, helpers[i].since);
			return LS_EBPF_LOAD;
		}
	}
	return 0;
}

/*
 * tcx links exist when the kernel takes a tc program at BPF_TCX_INGRESS:
 * it then fails on the missing interface (ENODEV); a kernel without tcx
 * rejects the attach type itself (EINVAL).
 */
static int probe_tcx(int tc_prog_fd)
{
	int fd;

	if (tc_prog_fd < 0)
		return 0;
	fd = bpf_link_create(tc_prog_fd, 0, LS_BPF_TCX_INGRESS, NULL);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ENODEV;
}

/* Fill @a->seen with what is on the XDP hook now. */
static void observe_xdp(struct attach *a)
{
	__u32 id = 0;

	a->xdp_owner[0] = '\0';
	if (bpf_xdp_query_id(a->ifindex, 0, &id) || !id)
		return;
	a->seen.xdp_id = id;
	prog_name_by_id(id, a->xdp_owner, sizeof(a->xdp_owner));
	a->seen.xdp_stale_ours = strcmp(a->xdp_owner, "ls_xdp") == 0;
	/* libxdp's dispatcher program is called xdp_dispatcher (xdp-tools) */
	a->seen.xdp_dispatcher = strcmp(a->xdp_owner, "xdp_dispatcher") == 0;
	if (a->seen.xdp_dispatcher) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(a->ifindex);
		long err = libxdp_get_error(mp);

		a->seen.libxdp_ok = mp && !err && !xdp_multiprog__is_legacy(mp);
		if (!a->seen.libxdp_ok)
			pr_warn("loader: libxdp cannot manage the XDP dispatcher id %u on '%s' (%s; is bpffs mounted at /sys/fs/bpf or $LIBXDP_BPFFS?)",
				id, a->name, err ? strerror((int)-err) : "not a dispatcher");
		if (mp && !err)
			xdp_multiprog__close(mp);
	}
}

/* Attach ls_xdp alone to a free XDP hook, replacing a stale ls_xdp of a killed leasesnoop. */
static int attach_xdp(struct loader *l, struct attach *a, enum hookplan_hook h)
{
	int fd = bpf_program__fd(l->skel->progs.ls_xdp);
	unsigned int mode = h == HOOK_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	__u32 old = 0;
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	if (bpf_xdp_query_id(a->ifindex, 0, &old) == 0 && old) {
		if (prog_name_by_id(old, name, sizeof(name)) == 0 && strcmp(name, "ls_xdp") == 0) {
			pr_warn("loader: replacing stale leasesnoop XDP program id %u on '%s'", old,
				a->name);
			bpf_xdp_detach(a->ifindex, 0, NULL);
		} else {
			pr_warn("loader: interface '%s' now has XDP program id %u '%s' (not ours, left alone)",
				a->name, old, name);
			return -EEXIST;
		}
	}
	err = bpf_xdp_attach(a->ifindex, fd, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		pr_debug("loader: %s XDP on '%s' failed (%s)", hookplan_name(h), a->name,
			 strerror(-err));
		return LS_EBPF_ATTACH;
	}
	a->xdp_flags = mode;
	return 0;
}

/*
 * A second copy of the object sharing our maps, loading only @prog: libxdp
 * loads a dispatcher's member itself (as an freplace program aimed at that
 * dispatcher), so it needs an object that is not loaded yet.
 */
static struct leasesnoop_bpf *twin_open(struct loader *l, const char *prog)
{
	struct leasesnoop_bpf *t = leasesnoop_bpf__open();
	struct bpf_program *p;
	struct bpf_map *m;

	if (!t)
		return NULL;
	bpf_object__for_each_map(m, t->obj) {
		struct bpf_map *orig = bpf_object__find_map_by_name(l->skel->obj, bpf_map__name(m));

		if (!orig || bpf_map__reuse_fd(m, bpf_map__fd(orig))) {
			leasesnoop_bpf__destroy(t);
			return NULL;
		}
	}
	bpf_object__for_each_program(p, t->obj)
		bpf_program__set_autoload(p, strcmp(bpf_program__name(p), prog) == 0);
	return t;
}

/*
 * Join the libxdp dispatcher on the XDP hook as one more program of its
 * chain (xdp-tools' multi-program protocol: libxdp builds a dispatcher with
 * the old programs plus ours, in run-priority order, and swaps it in
 * atomically). A stale ls_xdp in the chain, left by a killed leasesnoop, is
 * taken out first; no other program is touched.
 */
static int join_multiprog(struct attach *a, struct loader *l)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .prog_name = "ls_xdp");
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(a->ifindex);
	enum xdp_attach_mode mode;
	struct xdp_program *p = NULL;
	int err;

	if (!mp || libxdp_get_error(mp) || xdp_multiprog__is_legacy(mp)) {
		if (mp && !libxdp_get_error(mp))
			xdp_multiprog__close(mp);
		return -ENOENT;
	}
	mode = xdp_multiprog__attach_mode(mp);
	while ((p = xdp_multiprog__next_prog(p, mp))) {
		if (strcmp(xdp_program__name(p), "ls_xdp"))
			continue;
		pr_warn("loader: removing stale leasesnoop program id %u from the XDP dispatcher on '%s'",
			xdp_program__id(p), a->name);
		err = xdp_program__detach(p, a->ifindex, mode, 0);
		if (err)
			pr_warn("loader: cannot remove it (%s)", strerror(-err));
	}
	xdp_multiprog__close(mp);

	a->twin = twin_open(l, "ls_xdp");
	if (!a->twin)
		return -errno ? -errno : -ENOMEM;
	opts.obj = a->twin->obj;
	a->mprog = xdp_program__create(&opts);
	if (!a->mprog) {
		err = -errno;
		goto fail;
	}
	/* in the dispatcher's own mode: libxdp swaps dispatchers with XDP_FLAGS_REPLACE */
	err = xdp_program__attach(a->mprog, a->ifindex, mode, 0);
	if (err)
		goto fail;
	a->mp_mode = mode;
	pr_debug("loader: ls_xdp id %u joined the XDP dispatcher on '%s' (run priority %u)",
		 xdp_program__id(a->mprog), a->name, xdp_program__run_prio(a->mprog));
	return 0;
fail:
	pr_warn("loader: cannot join the XDP dispatcher on '%s' (%s)", a->name, strerror(-err));
	xdp_program__close(a->mprog);
	a->mprog = NULL;
	leasesnoop_bpf__destroy(a->twin);
	a->twin = NULL;
	return LS_EBPF_ATTACH;
}

/*
 * The tc program for @dir, loading ls_tc_ingress now (sharing our maps) when
 * set_autoload() left it out and an XDP attach fell back to tc.
 */
static struct bpf_program *tc_prog(struct loader *l, int dir)
{
	if (dir == EG)
		return l->skel->progs.ls_tc_egress;
	if (bpf_program__fd(l->skel->progs.ls_tc_ingress) >= 0)
		return l->skel->progs.ls_tc_ingress;
	if (!l->tc_in_twin) {
		l->tc_in_twin = twin_open(l, "ls_tc_ingress");
		if (l->tc_in_twin && leasesnoop_bpf__load(l->tc_in_twin)) {
			pr_err("loader: BPF program 'ls_tc_ingress' rejected by the kernel");
			leasesnoop_bpf__destroy(l->tc_in_twin);
			l->tc_in_twin = NULL;
		}
	}
	return l->tc_in_twin ? l->tc_in_twin->progs.ls_tc_ingress : l->skel->progs.ls_tc_ingress;
}

/* A tcx link appends our program after the others on the hook; it goes when we do. */
static int attach_tcx(struct loader *l, struct attach *a, int dir)
{
	int fd = bpf_link_create(bpf_program__fd(tc_prog(l, dir)), a->ifindex,
				 dir == IN ? LS_BPF_TCX_INGRESS : LS_BPF_TCX_EGRESS, NULL);

	if (fd < 0) {
		pr_debug("loader: tcx %s on '%s' failed (%s)", dir == IN ? "ingress" : "egress",
			 a->name, strerror(errno));
		return LS_EBPF_ATTACH;
	}
	a->tcx_fd[dir] = fd;
	return 0;
}

static int attach_clsact(struct loader *l, struct attach *a, int dir)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = dir == IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = LS_TC_HANDLE, .priority = LS_TC_PRIO);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LS_TC_HANDLE, .priority = LS_TC_PRIO);
	const char *ours = bpf_program__name(tc_prog(l, dir));
	const char *where = dir == IN ? "ingress" : "egress";
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_err("loader: cannot create clsact qdisc on '%s' (%s)", a->name, strerror(-err));
		return LS_EBPF_ATTACH;
	}
	if (!err)
		a->tc_hook_created = 1;
	if (bpf_tc_query(&hook, &q) == 0) {
		if (prog_name_by_id(q.prog_id, name, sizeof(name)) == 0 && strcmp(name, ours) == 0) {
			pr_warn("loader: replacing stale leasesnoop tc %s program id %u on '%s'", where,
				q.prog_id, a->name);
			opts.flags = BPF_TC_F_REPLACE;
		} else {
			pr_err("loader: tc %s filter %#x/%#x on '%s' belongs to '%s' (left alone)", where,
			       LS_TC_HANDLE, LS_TC_PRIO, a->name, name);
			return -EEXIST;
		}
	}
	opts.prog_fd = bpf_program__fd(tc_prog(l, dir));
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_err("loader: cannot attach tc %s to '%s' (%s)", where, a->name, strerror(-err));
		return LS_EBPF_ATTACH;
	}
	a->tc_filter[dir] = 1;
	return 0;
}

static int attach_hook(struct loader *l, struct attach *a, int dir, enum hookplan_hook h)
{
	switch (h) {
	case HOOK_XDP_NATIVE:
	case HOOK_XDP_GENERIC:
		return attach_xdp(l, a, h);
	case HOOK_XDP_MULTIPROG:
		return join_multiprog(a, l);
	case HOOK_TCX:
		return attach_tcx(l, a, dir);
	case HOOK_CLSACT:
		return attach_clsact(l, a, dir);
	case HOOK_NONE:
		break;
	}
	return -EINVAL;
}

/* Try the plan's hooks in order; the first that attaches is the one in use. */
static int attach_dir(struct loader *l, struct attach *a, int dir, const enum hookplan_hook *plan,
		      int n)
{
	int err = -EINVAL;

	for (int i = 0; i < n; i++) {
		if ((plan[i] == HOOK_TCX || plan[i] == HOOK_CLSACT) &&
		    bpf_program__fd(tc_prog(l, dir)) < 0) {
			err = LS_EBPF_LOAD;
			break;
		}
		err = attach_hook(l, a, dir, plan[i]);
		if (!err) {
			a->hook[dir] = plan[i];
			return 0;
		}
		if (err == -EEXIST && plan[i] == HOOK_CLSACT)
			break;
	}
	if (err != -EEXIST)
		pr_err("loader: cannot attach to '%s' %s at any hook (%s)", a->name,
		       dir == IN ? "ingress" : "egress", ls_strerror(err));
	return err;
}

/* Why ingress is where it is, for the one log line per interface. */
static void log_hooks(const struct attach *a)
{
	char why[128] = "";

	if (a->hook[IN] == HOOK_XDP_MULTIPROG)
		snprintf(why, sizeof(why), " (joined the libxdp dispatcher id %u)", a->seen.xdp_id);
	else if (a->seen.xdp_id && !a->seen.xdp_stale_ours &&
		 (a->hook[IN] == HOOK_TCX || a->hook[IN] == HOOK_CLSACT))
		snprintf(why, sizeof(why), " (XDP hook holds program id %u '%s': not ours, left alone)",
			 a->seen.xdp_id, a->xdp_owner);
	pr_info("loader: interface '%s': ingress at %s%s, egress at %s", a->name,
		hookplan_name(a->hook[IN]), why, hookplan_name(a->hook[EG]));
}

static void detach(struct loader *l, struct attach *a)
{
	if (a->xdp_flags) {
		__u32 id = 0;

		/* detach only if the program there is still ours */
		if (bpf_xdp_query_id(a->ifindex, a->xdp_flags, &id) == 0 &&
		    id == prog_id_of_fd(bpf_program__fd(l->skel->progs.ls_xdp)))
			bpf_xdp_detach(a->ifindex, a->xdp_flags, NULL);
		a->xdp_flags = 0;
	}
	if (a->mprog) {
		/* libxdp rebuilds the dispatcher without ours; the others keep their order */
		int err = xdp_program__detach(a->mprog, a->ifindex, a->mp_mode, 0);

		if (err)
			pr_warn("loader: cannot leave the XDP dispatcher on '%s' (%s)", a->name,
				strerror(-err));
		xdp_program__close(a->mprog);
		a->mprog = NULL;
		leasesnoop_bpf__destroy(a->twin);
		a->twin = NULL;
	}
	for (int dir = IN; dir <= EG; dir++) {
		if (a->tcx_fd[dir] >= 0) {
			close(a->tcx_fd[dir]);	/* an unpinned link goes with its last fd */
			a->tcx_fd[dir] = -1;
		}
		if (a->tc_filter[dir]) {
			DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
					    .attach_point = dir == IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
			DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LS_TC_HANDLE,
					    .priority = LS_TC_PRIO);

			bpf_tc_detach(&hook, &opts);
			a->tc_filter[dir] = 0;
		}
	}
	/*
	 * Remove the clsact qdisc only if we created it: a pre-existing one
	 * may carry other tools' filters. (A filter another tool added to
	 * our qdisc while we ran goes with it; clsact has no refcount.)
	 */
	if (a->tc_hook_created) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
				    .attach_point = BPF_TC_EGRESS | BPF_TC_INGRESS);

		bpf_tc_hook_destroy(&hook);
		a->tc_hook_created = 0;
	}
	a->hook[IN] = a->hook[EG] = HOOK_NONE;
}

/* One log line per line of @text (the log backend appends the newline). */
static void print_lines(enum log_level lvl, const char *prefix, const char *text)
{
	while (*text) {
		const char *e = strchrnul(text, '\n');

		log_printf(lvl, "%s%.*s", prefix, (int)(e - text), text);
		text = *e ? e + 1 : e;
	}
}

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level lvl = level == LIBBPF_WARN ? LOG_LVL_WARN
			     : level == LIBBPF_INFO ? LOG_LVL_DEBUG : LOG_LVL_DEBUG + 1;

	/* bpf_tc_query() of our not-yet-existing filter is expected to fail */
	if (strstr(fmt, "Kernel error message"))
		lvl = LOG_LVL_DEBUG;
	char *msg = NULL;

	/* the verifier's log may be megabytes: whole, never cut at a buffer size */
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	if (lvl == LOG_LVL_WARN && vlog_is_load_log(msg)) {
		/* the reason is at the end: its tail always, the whole log at -vv */
		print_lines(LOG_LVL_ERR, "loader: verifier: ",
			    log_get_level() > LOG_LVL_DEBUG ? msg : vlog_tail(msg, VLOG_TAIL_LINES));
	} else if (lvl <= log_get_level()) {
		print_lines(lvl > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : lvl, "libbpf: ", msg);
	}
	free(msg);
	return 0;
}

/* libxdp's own messages (dispatcher rebuilds, retries): debug detail; we log the outcome. */
__attribute__((format(printf, 2, 0)))
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)level;
	if (LOG_LVL_DEBUG > log_get_level())
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	pr_debug("libxdp: %s", buf);
	return 0;
}

/*
 * Load only the programs some interface will use: each costs a verifier
 * pass of its own (about a second). ls_xdp_empty is `make bench`'s anchor.
 * A fallback from XDP to tc loads ls_tc_ingress later (tc_prog()); a libxdp
 * dispatcher loads its own copy of ls_xdp (join_multiprog()).
 */
static void set_autoload(struct loader *l, unsigned int flags)
{
	int xdp = 0, tc_in = 0;

	for (int i = 0; i < LOADER_MAX_IFACES && l->at[i].ifindex; i++) {
		const struct hookplan_seen *s = &l->at[i].seen;

		if (flags & LOADER_F_TC_INGRESS)
			tc_in = 1;
		else if (!s->xdp_id || s->xdp_stale_ours)
			xdp = 1;
		else if (!(s->xdp_dispatcher && s->libxdp_ok))
			tc_in = 1;
	}
	bpf_program__set_autoload(l->skel->progs.ls_xdp, xdp);
	bpf_program__set_autoload(l->skel->progs.ls_tc_ingress, tc_in);
	bpf_program__set_autoload(l->skel->progs.ls_tc_egress, !(flags & LOADER_F_NO_TC));
	bpf_program__set_autoload(l->skel->progs.ls_xdp_empty, 0);
}

unsigned long loader_ring_bytes(int n_ifaces, unsigned int lease_rate, unsigned long explicit_bytes)
{
	unsigned long long need = (unsigned long long)(n_ifaces > 0 ? n_ifaces : 1) * lease_rate *
				  LOADER_EVENT_BYTES;
	unsigned long b = LOADER_RING_MIN;

	if (explicit_bytes)
		return explicit_bytes;
	while (b < need && b < LOADER_RING_MAX)
		b <<= 1;
	return b;
}

int loader_open(struct loader **out, const char *const *ifaces, int n, unsigned int flags,
		unsigned long ring_bytes)
{
	struct loader *l;
	int err = 0;

	if (n > LOADER_MAX_IFACES) {
		pr_err("loader: too many interfaces (%d, at most %d)", n, LOADER_MAX_IFACES);
		return -E2BIG;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	for (int i = 0; i < n; i++) {
		struct attach *a = &l->at[i];

		snprintf(a->name, sizeof(a->name), "%s", ifaces[i]);
		a->ifindex = if_nametoindex(ifaces[i]);
		if (!a->ifindex) {
			pr_err("loader: no such interface '%s'", ifaces[i]);
			err = -ENODEV;
			goto fail;
		}
		a->tcx_fd[IN] = a->tcx_fd[EG] = -1;
		observe_xdp(a);
	}
	err = loader_check_kernel();
	if (err)
		goto fail;
	l->skel = leasesnoop_bpf__open();
	if (!l->skel) {
		err = -errno;
		pr_err("loader: cannot open BPF object (%s)", strerror(-err));
		goto fail;
	}
	if (ring_bytes)
		bpf_map__set_max_entries(l->skel->maps.events, ring_bytes);
	set_autoload(l, flags);
	err = leasesnoop_bpf__load(l->skel);
	if (err) {
		pr_err("loader: BPF object rejected by the kernel (%s); the verifier's reason is above, -vv shows its whole log",
		       strerror(-err));
		err = err == -EPERM ? -EPERM : LS_EBPF_LOAD;
		goto fail;
	}
	l->ncpu = libbpf_num_possible_cpus();
	l->have_tcx = probe_tcx(bpf_program__fd(l->skel->progs.ls_tc_egress)) ||
		      probe_tcx(bpf_program__fd(l->skel->progs.ls_tc_ingress));
	for (int i = 0; i < n; i++) {
		struct attach *a = &l->at[i];
		enum hookplan_hook plan[HOOKPLAN_MAX], eg[2];
		int np;

		a->seen.have_tcx = l->have_tcx;
		np = hookplan_ingress(&a->seen, flags, plan);
		eg[0] = hookplan_tc(&a->seen, flags);
		eg[1] = HOOK_CLSACT;
		l->n = i + 1;
		err = attach_dir(l, a, IN, plan, np);
		if (!err && !(flags & LOADER_F_NO_TC))
			err = attach_dir(l, a, EG, eg, eg[0] == HOOK_TCX ? 2 : 1);
		if (err)
			goto fail;
		log_hooks(a);
	}
	*out = l;
	return 0;
fail:
	loader_close(l);
	return err;
}

int loader_iface_get(const struct loader *l, int i, struct loader_iface *out)
{
	if (!l || i < 0 || i >= l->n)
		return -ENOENT;
	out->name = l->at[i].name;
	out->ifindex = l->at[i].ifindex;
	out->ingress = l->at[i].hook[IN];
	out->egress = l->at[i].hook[EG];
	return 0;
}

int loader_events_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

int loader_counters(const struct loader *l, struct ls_counters *sum)
{
	struct ls_counters *per = calloc(l->ncpu, sizeof(*per));
	__u32 key = 0;
	int err = 0;

	if (!per)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.counters), &key, per)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < l->ncpu; c++)
		for (int i = 0; i < LS_CNT_MAX; i++)
			sum->c[i] += per[c].c[i];
out:
	free(per);
	return err;
}

const char *loader_iface(const struct loader *l, int i)
{
	return l && i >= 0 && i < l->n ? l->at[i].name : NULL;
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	for (int i = l->n - 1; i >= 0; i--)
		detach(l, &l->at[i]);
	leasesnoop_bpf__destroy(l->tc_in_twin);
	leasesnoop_bpf__destroy(l->skel);
	free(l);
}
