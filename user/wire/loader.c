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

#include "leasesnoop.skel.h"
#include "user/common/errcode.h"
#include "user/wire/loader.h"
#include "user/wire/vlog.h"
#include "user/common/log.h"

/* Our tc filter's identity on clsact egress: handle 'LS', priority 0x4c53. */
#define LS_TC_HANDLE 0x4c53
#define LS_TC_PRIO   0x4c53

struct attach {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned int xdp_flags;	/* 0 when XDP is not attached */
	int tc_attached;
	int tc_hook_created;
};

struct loader {
	struct leasesnoop_bpf *skel;
	struct attach at[LOADER_MAX_IFACES];
	int n;
	int ncpu;
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

/* Attach XDP, replacing a stale ls_xdp of a killed leasesnoop, never anyone else's. */
static int attach_xdp(struct loader *l, struct attach *a, unsigned int flags)
{
	int fd = bpf_program__fd(l->skel->progs.ls_xdp);
	__u32 old = 0;
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	if (bpf_xdp_query_id(a->ifindex, 0, &old) == 0 && old) {
		if (prog_name_by_id(old, name, sizeof(name)) == 0 && strcmp(name, "ls_xdp") == 0) {
			pr_warn("loader: replacing stale leasesnoop XDP program id %u on '%s'", old,
				a->name);
			bpf_xdp_detach(a->ifindex, 0, NULL);
		} else {
			pr_err("loader: interface '%s' already has XDP program id %u '%s' (not ours, left alone)",
			       a->name, old, name);
			return -EEXIST;
		}
	}
	if (!(flags & LOADER_F_XDP_SKB)) {
		err = bpf_xdp_attach(a->ifindex, fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
				     NULL);
		if (!err) {
			a->xdp_flags = XDP_FLAGS_DRV_MODE;
			pr_info("loader: XDP attached to '%s' in native mode", a->name);
			return 0;
		}
		pr_debug("loader: native XDP on '%s' failed (%s), trying generic", a->name,
			 strerror(-err));
	}
	err = bpf_xdp_attach(a->ifindex, fd, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		pr_err("loader: cannot attach XDP to '%s' (%s)", a->name, strerror(-err));
		return LS_EBPF_ATTACH;
	}
	a->xdp_flags = XDP_FLAGS_SKB_MODE;
	pr_info("loader: XDP attached to '%s' in generic mode", a->name);
	return 0;
}

static int attach_tc(struct loader *l, struct attach *a)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = LS_TC_HANDLE, .priority = LS_TC_PRIO);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LS_TC_HANDLE, .priority = LS_TC_PRIO);
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_err("loader: cannot create clsact qdisc on '%s' (%s)", a->name, strerror(-err));
		return LS_EBPF_ATTACH;
	}
	a->tc_hook_created = !err;
	if (bpf_tc_query(&hook, &q) == 0) {
		if (prog_name_by_id(q.prog_id, name, sizeof(name)) == 0 &&
		    strcmp(name, "ls_tc_egress") == 0) {
			pr_warn("loader: replacing stale leasesnoop tc program id %u on '%s'",
				q.prog_id, a->name);
			opts.flags = BPF_TC_F_REPLACE;
		} else {
			pr_err("loader: tc egress filter %#x/%#x on '%s' belongs to '%s' (left alone)",
			       LS_TC_HANDLE, LS_TC_PRIO, a->name, name);
			return -EEXIST;
		}
	}
	opts.prog_fd = bpf_program__fd(l->skel->progs.ls_tc_egress);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_err("loader: cannot attach tc egress to '%s' (%s)", a->name, strerror(-err));
		return LS_EBPF_ATTACH;
	}
	a->tc_attached = 1;
	return 0;
}

static void detach(struct loader *l, struct attach *a)
{
	if (a->xdp_flags) {
		__u32 id = 0;
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		/* detach only if the program there is still ours */
		bpf_obj_get_info_by_fd(bpf_program__fd(l->skel->progs.ls_xdp), &info, &len);
		if (bpf_xdp_query_id(a->ifindex, a->xdp_flags, &id) == 0 && id == info.id)
			bpf_xdp_detach(a->ifindex, a->xdp_flags, NULL);
		a->xdp_flags = 0;
	}
	if (a->tc_attached) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LS_TC_HANDLE,
				    .priority = LS_TC_PRIO);

		bpf_tc_detach(&hook, &opts);
		/*
		 * Remove the clsact qdisc only if we created it: a pre-existing one
		 * may carry other tools' filters. (A filter another tool added to
		 * our qdisc while we ran goes with it; clsact has no refcount.)
		 */
		if (a->tc_hook_created) {
			hook.attach_point = BPF_TC_EGRESS | BPF_TC_INGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		a->tc_attached = 0;
	}
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
	for (int i = 0; i < n; i++) {
		struct attach *a = &l->at[i];

		snprintf(a->name, sizeof(a->name), "%s", ifaces[i]);
		a->ifindex = if_nametoindex(ifaces[i]);
		if (!a->ifindex) {
			pr_err("loader: no such interface '%s'", ifaces[i]);
			err = -ENODEV;
			goto fail;
		}
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
	err = leasesnoop_bpf__load(l->skel);
	if (err) {
		pr_err("loader: BPF object rejected by the kernel (%s); the verifier's reason is above, -vv shows its whole log",
		       strerror(-err));
		err = err == -EPERM ? -EPERM : LS_EBPF_LOAD;
		goto fail;
	}
	l->ncpu = libbpf_num_possible_cpus();
	for (int i = 0; i < n; i++) {
		err = attach_xdp(l, &l->at[i], flags);
		l->n = i + 1;
		if (!err && !(flags & LOADER_F_NO_TC))
			err = attach_tc(l, &l->at[i]);
		if (err)
			goto fail;
	}
	*out = l;
	return 0;
fail:
	loader_close(l);
	return err;
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

void loader_close(struct loader *l)
{
	if (!l)
		return;
	for (int i = l->n - 1; i >= 0; i--)
		detach(l, &l->at[i]);
	leasesnoop_bpf__destroy(l->skel);
	free(l);
}
