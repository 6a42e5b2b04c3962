// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ha.c - the Kea HA state follower behind user/ha.h. One query at a
 * time on Kea's unix control socket (connect, write the command, read the
 * answer until Kea closes the connection or the JSON is complete), all
 * non-blocking and bounded by a timeout; a timerfd paces the queries. The
 * decision is a pure function of (mode, role, state, server name) and the
 * configured rules; only a usable answer can make this node active.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/ctl/ha.h"
#include "user/common/log.h"
#include "user/ctl/confread.h"

#define HA_ANSWER_MAX (1u << 20)	/* status-get answers are a few hundred bytes */

static const char *const state_names[HA_ST_MAX_] = {
	[HA_ST_UNKNOWN] = "unknown",
	[HA_ST_BACKUP] = "backup",
	[HA_ST_COMMUNICATION_RECOVERY] = "communication-recovery",
	[HA_ST_HOT_STANDBY] = "hot-standby",
	[HA_ST_LOAD_BALANCING] = "load-balancing",
	[HA_ST_IN_MAINTENANCE] = "in-maintenance",
	[HA_ST_PARTNER_DOWN] = "partner-down",
	[HA_ST_PARTNER_IN_MAINTENANCE] = "partner-in-maintenance",
	[HA_ST_PASSIVE_BACKUP] = "passive-backup",
	[HA_ST_READY] = "ready",
	[HA_ST_SYNCING] = "syncing",
	[HA_ST_TERMINATED] = "terminated",
	[HA_ST_WAITING] = "waiting",
	[HA_ST_UNAVAILABLE] = "unavailable",
};

static const char *const mode_names[HA_MODE_MAX_] = {
	[HA_MODE_UNKNOWN] = "unknown",
	[HA_MODE_HOT_STANDBY] = "hot-standby",
	[HA_MODE_LOAD_BALANCING] = "load-balancing",
	[HA_MODE_PASSIVE_BACKUP] = "passive-backup",
};

static const char *const role_names[HA_ROLE_MAX_] = {
	[HA_ROLE_UNKNOWN] = "unknown",
	[HA_ROLE_PRIMARY] = "primary",
	[HA_ROLE_SECONDARY] = "secondary",
	[HA_ROLE_STANDBY] = "standby",
	[HA_ROLE_BACKUP] = "backup",
};

const char *ha_state_name(enum ha_state s)
{
	return (unsigned int)s < HA_ST_MAX_ ? state_names[s] : "unknown";
}

const char *ha_mode_name(enum ha_mode m)
{
	return (unsigned int)m < HA_MODE_MAX_ ? mode_names[m] : "unknown";
}

const char *ha_role_name(enum ha_role r)
{
	return (unsigned int)r < HA_ROLE_MAX_ ? role_names[r] : "unknown";
}

static int name_find(const char *const *names, int n, const char *s)
{
	int i;

	if (!s)
		return 0;
	for (i = 1; i < n; i++)
		if (!strcasecmp(names[i], s))
			return i;
	return 0;
}

enum ha_state ha_state_parse(const char *s)
{
	return name_find(state_names, HA_ST_MAX_, s);
}

enum ha_mode ha_mode_parse(const char *s)
{
	return name_find(mode_names, HA_MODE_MAX_, s);
}

enum ha_role ha_role_parse(const char *s)
{
	return name_find(role_names, HA_ROLE_MAX_, s);
}

/* configuration */

static int parse_rule(const char *s, struct ha_rule *r)
{
	const char *slash = strchr(s, '/');
	char role[32];

	r->role = HA_ROLE_UNKNOWN;
	if (slash) {
		if ((size_t)(slash - s) >= sizeof(role))
			return -EINVAL;
		memcpy(role, s, slash - s);
		role[slash - s] = '\0';
		r->role = ha_role_parse(role);
		if (r->role == HA_ROLE_UNKNOWN)
			return -EINVAL;
		s = slash + 1;
	}
	r->state = ha_state_parse(s);
	return r->state == HA_ST_UNKNOWN ? -EINVAL : 0;
}

#define RULE_WANT "\"state\" or \"role/state\" in Kea's names"

static int rule_read(struct confread *cr, const json_t *v, void *field)
{
	if (!json_is_string(v) || parse_rule(json_string_value(v), field))
		return confread_bad_value(cr, NULL, RULE_WANT, v);
	return 0;
}

int ha_config_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct ha_config *c = field;
	int err = 0;

	(void)base;
	if (c->heartbeat && (c->role == HA_ROLE_UNKNOWN || c->mode == HA_MODE_UNKNOWN)) {
		confread_push(cr, key, false);
		err = confread_bad(cr, "command",
				   "ha-heartbeat does not carry role and mode: set this-server-role and mode");
		confread_pop(cr);
	}
	return err;
}

static const char *const command_names[] = { "status-get", "ha-heartbeat" };
static const char *const unreachable_names[] = {
	[HA_UNREACH_STANDBY] = "standby", [HA_UNREACH_KEEP] = "keep",
};

static const struct confread_item rule_entry[] = {
	{ .type = CONFREAD_FN, .fn = rule_read, .want = RULE_WANT },
	{ .type = CONFREAD_END },
};

#define OFF(f) CONFREAD_OFF(struct ha_config, f)
#define SZ(f) CONFREAD_SZ(struct ha_config, f)

const struct confread_item ha_config_items[] = {
	{ .key = "control-socket", .type = CONFREAD_BUF,
	  .flags = CONFREAD_REQUIRED | CONFREAD_NONEMPTY, .offset = OFF(control_socket),
	  .size = SZ(control_socket) },
	{ .key = "this-server-name", .type = CONFREAD_BUF, .flags = CONFREAD_NONEMPTY,
	  .offset = OFF(this_server_name), .size = SZ(this_server_name) },
	{ .key = "designated-server", .type = CONFREAD_BUF, .flags = CONFREAD_NONEMPTY,
	  .offset = OFF(designated), .size = SZ(designated) },
	{ .key = "interval", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(interval_ms), .min = 10, .max = 3600000, .def = 1000 },
	{ .key = "timeout", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(timeout_ms), .min = 10, .max = 3600000, .def = 2000 },
	{ .key = "mode", .type = CONFREAD_ENUM, .flags = CONFREAD_NOCASE, .offset = OFF(mode),
	  .size = SZ(mode), .names = mode_names, .min = 1, .max = HA_MODE_MAX_ - 1 },
	{ .key = "this-server-role", .type = CONFREAD_ENUM, .flags = CONFREAD_NOCASE,
	  .offset = OFF(role), .size = SZ(role), .names = role_names, .min = 1,
	  .max = HA_ROLE_MAX_ - 1 },
	{ .key = "command", .type = CONFREAD_ENUM, .offset = OFF(heartbeat),
	  .size = SZ(heartbeat), .names = command_names, .min = 0, .max = 1 },
	{ .key = "max-failures", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = OFF(max_failures), .min = 1, .max = 1000, .def = 2 },
	{ .key = "when-unreachable", .type = CONFREAD_ENUM, .offset = OFF(unreachable),
	  .size = SZ(unreachable), .names = unreachable_names, .min = 0, .max = 1 },
	{ .key = "active-when", .type = CONFREAD_LIST, .offset = OFF(rules), .sub = rule_entry,
	  .elem_size = sizeof(struct ha_rule), .count_offset = OFF(n_rules), .min = 1,
	  .max = HA_RULES_MAX },
	{ .type = CONFREAD_END },
};

int ha_config_parse(const json_t *obj, const char *file, struct ha_config *c)
{
	static const struct confread_item map[] = {
		HA_CONFIG_ITEM("high-availability", 0),
		{ .type = CONFREAD_END },
	};

	memset(c, 0, sizeof(*c));
	return confread_one(map, obj, file, c);
}

/* policy */

int ha_policy_default(enum ha_mode mode, bool designated, struct ha_rule *rules)
{
	int n = 0;

	switch (mode) {
	case HA_MODE_HOT_STANDBY:
		/* the primary serves every client in hot-standby; the standby only ever
		 * serves in partner-down (Kea ARM, "hot-standby configuration") */
		rules[n++] = (struct ha_rule){ HA_ROLE_PRIMARY, HA_ST_HOT_STANDBY };
		rules[n++] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_PARTNER_DOWN };
		rules[n++] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_PARTNER_IN_MAINTENANCE };
		break;
	case HA_MODE_LOAD_BALANCING:
		/* both serve; one of them must be the only one writing DNS */
		if (designated) {
			rules[n++] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_LOAD_BALANCING };
			rules[n++] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_COMMUNICATION_RECOVERY };
		}
		rules[n++] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_PARTNER_DOWN };
		rules[n++] = (struct ha_rule){ HA_ROLE_UNKNOWN, HA_ST_PARTNER_IN_MAINTENANCE };
		break;
	case HA_MODE_PASSIVE_BACKUP:
		/* backups only receive lease updates; the primary is the server */
		rules[n++] = (struct ha_rule){ HA_ROLE_PRIMARY, HA_ST_PASSIVE_BACKUP };
		break;
	default:
		break;
	}
	return n;
}

bool ha_decide(const struct ha_config *c, const struct ha_status *st)
{
	struct ha_rule def[HA_RULES_MAX];
	const struct ha_rule *rules = c->rules;
	enum ha_mode mode = c->mode != HA_MODE_UNKNOWN ? c->mode : st->mode;
	int i, n = c->n_rules;

	if (st->state == HA_ST_UNKNOWN)
		return false;
	if (!n) {
		bool designated;

		if (c->designated[0])
			designated = !strcmp(c->designated, st->server_name[0] ? st->server_name :
							     c->this_server_name);
		else
			designated = st->role == HA_ROLE_PRIMARY;
		n = ha_policy_default(mode, designated, def);
		rules = def;
	}
	for (i = 0; i < n; i++)
		if (rules[i].state == st->state &&
		    (rules[i].role == HA_ROLE_UNKNOWN || rules[i].role == st->role))
			return true;
	return false;
}

/* Kea's answers */

static const json_t *pick_relationship(const json_t *ha, const struct ha_config *c)
{
	const json_t *e;
	size_t i;

	if (json_is_object(ha))
		return ha;
	if (!json_is_array(ha) || !json_array_size(ha))
		return NULL;
	if (!c || !c->this_server_name[0])
		return json_array_get(ha, 0);
	json_array_foreach(ha, i, e) {
		const json_t *local = json_object_get(json_object_get(e, "ha-servers"), "local");
		const char *name = json_string_value(json_object_get(local, "server-name"));

		if (name && !strcmp(name, c->this_server_name))
			return e;
	}
	/* Kea 2.2 has one relationship and may not name the local server */
	return json_array_size(ha) == 1 ? json_array_get(ha, 0) : NULL;
}

int ha_parse_answer(const char *text, size_t len, bool heartbeat, const struct ha_config *c,
		    struct ha_status *st)
{
	const json_t *res, *args, *rel, *servers, *local, *remote, *v;
	json_error_t jerr;
	json_t *root;
	int err = LS_EKEA_ANSWER;

	memset(st, 0, sizeof(*st));
	root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return LS_EKEA_ANSWER;
	res = root;
	/* through kea-ctrl-agent answers come as a list, one per service */
	if (json_is_array(res))
		res = json_array_get(res, 0);
	v = json_object_get(res, "result");
	if (!json_is_integer(v))
		goto out;
	if (json_integer_value(v) != 0) {
		err = LS_EKEA_RESULT;
		goto out;
	}
	args = json_object_get(res, "arguments");
	if (!json_is_object(args))
		goto out;
	if (heartbeat) {
		st->state = ha_state_parse(json_string_value(json_object_get(args, "state")));
		v = json_object_get(args, "unsent-update-count");
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			st->unsent_updates = json_integer_value(v);
		if (c) {
			st->role = c->role;
			st->mode = c->mode;
			memcpy(st->server_name, c->this_server_name, sizeof(st->server_name));
		}
	} else {
		rel = pick_relationship(json_object_get(args, "high-availability"), c);
		servers = json_object_get(rel, "ha-servers");
		local = json_object_get(servers, "local");
		remote = json_object_get(servers, "remote");
		if (!json_is_object(local))
			goto out;
		st->mode = ha_mode_parse(json_string_value(json_object_get(rel, "ha-mode")));
		st->role = ha_role_parse(json_string_value(json_object_get(local, "role")));
		st->state = ha_state_parse(json_string_value(json_object_get(local, "state")));
		v = json_object_get(local, "server-name");
		if (json_is_string(v) && json_string_length(v) < sizeof(st->server_name))
			memcpy(st->server_name, json_string_value(v), json_string_length(v) + 1);
		else if (c)
			memcpy(st->server_name, c->this_server_name, sizeof(st->server_name));
		st->partner_state =
			ha_state_parse(json_string_value(json_object_get(remote, "last-state")));
	}
	/* a state this version does not know is not a usable answer */
	err = st->state == HA_ST_UNKNOWN ? LS_EKEA_ANSWER : 0;
out:
	json_decref(root);
	return err;
}

/* the poller */

enum ha_io { HA_IO_IDLE = 0, HA_IO_CONNECTING, HA_IO_SENDING, HA_IO_RECEIVING };

struct ha {
	struct ha_config cfg;
	ha_change_fn cb;
	void *ctx;
	int epfd, tfd, sock;
	enum ha_io io;
	char cmd[64];
	size_t cmd_len, sent;
	char *buf;
	size_t len, cap;
	struct ha_status status;
	struct ha_stats stats;
	bool warned;
};

static int timer_arm(struct ha *h, uint32_t ms)
{
	struct itimerspec its = { 0 };

	/* 0 would disarm: "at once" is one nanosecond */
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = ms ? (long)(ms % 1000) * 1000000L : 1;
	if (timerfd_settime(h->tfd, 0, &its, NULL))
		return -errno;
	return 0;
}

int ha_open(struct ha **out, const struct ha_config *c, ha_change_fn cb, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ha *h;
	int err;

	*out = NULL;
	if (!c->enabled || !c->control_socket[0])
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *c;
	h->cb = cb;
	h->ctx = ctx;
	h->sock = -1;
	h->cmd_len = snprintf(h->cmd, sizeof(h->cmd), "{ \"command\": \"%s\" }",
			      c->heartbeat ? "ha-heartbeat" : "status-get");
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->epfd < 0 || h->tfd < 0) {
		err = -errno;
		goto fail;
	}
	ev.data.fd = h->tfd;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->tfd, &ev)) {
		err = -errno;
		goto fail;
	}
	err = timer_arm(h, 0);
	if (err)
		goto fail;
	*out = h;
	return 0;
fail:
	pr_err("ha: cannot set up the poller for '%s' (%s)", c->control_socket, ls_strerror(err));
	ha_close(h);
	return err;
}

static void sock_close(struct ha *h)
{
	if (h->sock >= 0) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, h->sock, NULL);
		close(h->sock);
	}
	h->sock = -1;
	h->io = HA_IO_IDLE;
	h->len = 0;
}

void ha_close(struct ha *h)
{
	if (!h)
		return;
	sock_close(h);
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->epfd >= 0)
		close(h->epfd);
	free(h->buf);
	free(h);
}

int ha_fd(const struct ha *h)
{
	return h->epfd;
}

bool ha_is_active(const struct ha *h)
{
	return h->status.active;
}

void ha_get_status(const struct ha *h, struct ha_status *st)
{
	*st = h->status;
}

void ha_get_stats(const struct ha *h, struct ha_stats *st)
{
	*st = h->stats;
}

/* apply a new status (@ok: from a usable answer; else contact is lost) */
static void apply(struct ha *h, struct ha_status *now, bool ok)
{
	struct ha_status old = h->status;

	if (ok)
		now->active = ha_decide(&h->cfg, now);
	else
		/* never a reason to become active: standby, or keep what was decided */
		now->active = h->cfg.unreachable == HA_UNREACH_KEEP && old.active;
	if (old.state == now->state && old.active == now->active && old.role == now->role &&
	    old.mode == now->mode && old.partner_state == now->partner_state) {
		h->status = *now;
		return;
	}
	if (old.state != now->state) {
		h->stats.state_changes++;
		pr_info("ha: kea '%s' state %s -> %s (mode %s, role %s, partner %s)",
			h->cfg.control_socket, ha_state_name(old.state), ha_state_name(now->state),
			ha_mode_name(now->mode), ha_role_name(now->role),
			ha_state_name(now->partner_state));
	}
	if (old.active != now->active) {
		if (now->active)
			h->stats.became_active++;
		else
			h->stats.became_standby++;
		if (now->active)
			pr_info("ha: this node is now active (sends DNS changes): %s %s",
				ha_role_name(now->role), ha_state_name(now->state));
		else
			pr_info("ha: this node is now standing by (sends nothing): %s %s%s",
				ha_role_name(now->role), ha_state_name(now->state),
				ok ? "" : ", kea unreachable");
	}
	h->status = *now;
	if (h->cb)
		h->cb(h->ctx, &old, now);
}

static void query_failed(struct ha *h, const char *what, int err)
{
	struct ha_status now;

	sock_close(h);
	h->stats.failures++;
	h->stats.consecutive_failures++;
	if (!h->warned) {
		pr_warn("ha: %s kea control socket '%s' (%s)", what, h->cfg.control_socket,
			ls_strerror(err));
		h->warned = true;
	} else {
		pr_debug("ha: %s kea control socket '%s' (%s)", what, h->cfg.control_socket,
			 ls_strerror(err));
	}
	if (h->stats.consecutive_failures >= h->cfg.max_failures &&
	    h->status.state != HA_ST_UNKNOWN) {
		now = h->status;
		now.state = HA_ST_UNKNOWN;
		now.partner_state = HA_ST_UNKNOWN;
		apply(h, &now, false);
	}
	timer_arm(h, h->cfg.interval_ms);
}

static void query_done(struct ha *h)
{
	struct ha_status now;
	int err;

	err = ha_parse_answer(h->buf, h->len, h->cfg.heartbeat, &h->cfg, &now);
	if (err) {
		query_failed(h, err == LS_EKEA_RESULT ? "error answer from" : "unusable answer from",
			     err);
		return;
	}
	sock_close(h);
	h->stats.answers++;
	h->stats.consecutive_failures = 0;
	if (h->warned) {
		pr_info("ha: kea control socket '%s' answers again", h->cfg.control_socket);
		h->warned = false;
	}
	apply(h, &now, true);
	timer_arm(h, h->cfg.interval_ms);
}

static int query_start(struct ha *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLOUT };
	int err;

	h->stats.polls++;
	h->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->sock < 0) {
		err = -errno;
		query_failed(h, "cannot create a socket for", err);
		return 0;
	}
	/* ha_config_parse() bounds the path by sun_path */
	memcpy(sa.sun_path, h->cfg.control_socket, sizeof(sa.sun_path));
	h->sent = 0;
	h->len = 0;
	if (connect(h->sock, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		h->io = HA_IO_SENDING;
	} else if (errno == EAGAIN || errno == EINPROGRESS) {
		h->io = HA_IO_CONNECTING;
	} else {
		query_failed(h, "cannot connect to", -errno);
		return 0;
	}
	ev.data.fd = h->sock;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->sock, &ev)) {
		err = -errno;
		query_failed(h, "cannot poll", err);
		return err;
	}
	/* the deadline of this query */
	return timer_arm(h, h->cfg.timeout_ms);
}

static int answer_complete(const struct ha *h)
{
	json_error_t jerr;
	json_t *j;

	/* Kea closes the connection after answering; a complete JSON is enough too */
	if (!h->len || (h->buf[h->len - 1] != '}' && h->buf[h->len - 1] != ']' &&
			h->buf[h->len - 1] != '\n'))
		return 0;
	j = json_loadb(h->buf, h->len, 0, &jerr);
	json_decref(j);
	return j != NULL;
}

static void query_step(struct ha *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = h->sock };
	ssize_t n;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (h->io == HA_IO_CONNECTING) {
		if (getsockopt(h->sock, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
			query_failed(h, "cannot connect to", soerr ? -soerr : -errno);
			return;
		}
		h->io = HA_IO_SENDING;
	}
	while (h->io == HA_IO_SENDING) {
		n = send(h->sock, h->cmd + h->sent, h->cmd_len - h->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == ENOTCONN)
				return;
			query_failed(h, "cannot send to", -errno);
			return;
		}
		h->sent += n;
		if (h->sent == h->cmd_len) {
			h->io = HA_IO_RECEIVING;
			epoll_ctl(h->epfd, EPOLL_CTL_MOD, h->sock, &ev);
		}
	}
	while (h->io == HA_IO_RECEIVING) {
		if (h->cap - h->len < 4096) {
			size_t cap = h->cap ? h->cap * 2 : 8192;
			char *b;

			if (cap > HA_ANSWER_MAX) {
				query_failed(h, "answer too long from", -EMSGSIZE);
				return;
			}
			b = realloc(h->buf, cap);
			if (!b) {
				query_failed(h, "no memory for the answer of", -ENOMEM);
				return;
			}
			h->buf = b;
			h->cap = cap;
		}
		n = recv(h->sock, h->buf + h->len, h->cap - h->len - 1, 0);
		if (n < 0) {
			if (errno == EAGAIN) {
				if (answer_complete(h))
					query_done(h);
				return;
			}
			query_failed(h, "cannot read from", -errno);
			return;
		}
		if (n == 0) {
			if (!h->len) {
				query_failed(h, "no answer from", -ECONNRESET);
				return;
			}
			query_done(h);
			return;
		}
		h->len += n;
	}
}

int ha_process(struct ha *h)
{
	uint64_t exp;
	ssize_t n;

	n = read(h->tfd, &exp, sizeof(exp));
	if (n == sizeof(exp)) {
		if (h->io == HA_IO_IDLE) {
			int err = query_start(h);

			if (err)
				return err;
		} else {
			query_failed(h, "no answer in time from", -ETIMEDOUT);
			return 0;
		}
	} else if (n < 0 && errno != EAGAIN) {
		return -errno;
	}
	if (h->io != HA_IO_IDLE)
		query_step(h);
	return 0;
}

const char *ha_control_socket(const struct ha *h)
{
	return h->cfg.control_socket;
}

json_t *ha_stats_json(const struct ha *h)
{
	const struct ha_status *s = &h->status;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "control-socket", h->cfg.control_socket,
			 "state", ha_state_name(s->state), "mode", ha_mode_name(s->mode),
			 "role", ha_role_name(s->role), "partner-state",
			 ha_state_name(s->partner_state), "active", s->active,
			 "unsent-updates", (json_int_t)s->unsent_updates,
			 "polls", (json_int_t)h->stats.polls,
			 "answers", (json_int_t)h->stats.answers,
			 "failures", (json_int_t)h->stats.failures,
			 "consecutive-failures", (json_int_t)h->stats.consecutive_failures,
			 "state-changes", (json_int_t)h->stats.state_changes,
			 "became-active", (json_int_t)h->stats.became_active,
			 "became-standby", (json_int_t)h->stats.became_standby);
}
