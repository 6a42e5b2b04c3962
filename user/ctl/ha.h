/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ha.h - which node of a Kea HA pair sends DNS changes. leasesnoop asks
 * its own Kea server, over Kea's unix control socket, for the HA state of
 * the libdhcp_ha hook (`status-get`, which carries mode, role and state; or
 * `ha-heartbeat`, which carries only the state, the role then comes from the
 * configuration) every interval, without ever blocking: one timerfd and one
 * socket, both behind a single epoll fd the daemon polls. A policy per HA
 * mode turns (role, state) into "this node should send DNS changes now";
 * every change of state or decision is logged, counted and reported to a
 * callback. Losing contact with Kea is never a reason to become active: an
 * unknown state is standby unless the configuration says to keep the last
 * decision, and even then a standby node stays standby.
 */
#ifndef LS_HA_H
#define LS_HA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "user/ctl/confread.h"

/* Kea 2.2's HA states (src/hooks/dhcp/high_availability/ha_service_states.h). */
enum ha_state {
	HA_ST_UNKNOWN = 0,	/* no answer yet, or contact lost */
	HA_ST_BACKUP,
	HA_ST_COMMUNICATION_RECOVERY,
	HA_ST_HOT_STANDBY,
	HA_ST_LOAD_BALANCING,
	HA_ST_IN_MAINTENANCE,
	HA_ST_PARTNER_DOWN,
	HA_ST_PARTNER_IN_MAINTENANCE,
	HA_ST_PASSIVE_BACKUP,
	HA_ST_READY,
	HA_ST_SYNCING,
	HA_ST_TERMINATED,
	HA_ST_WAITING,
	HA_ST_UNAVAILABLE,
	HA_ST_MAX_,
};

enum ha_mode { HA_MODE_UNKNOWN = 0, HA_MODE_HOT_STANDBY, HA_MODE_LOAD_BALANCING,
	       HA_MODE_PASSIVE_BACKUP, HA_MODE_MAX_ };

enum ha_role { HA_ROLE_UNKNOWN = 0, HA_ROLE_PRIMARY, HA_ROLE_SECONDARY, HA_ROLE_STANDBY,
	       HA_ROLE_BACKUP, HA_ROLE_MAX_ };

/* What to do while Kea's answer is missing ("when-unreachable"). */
enum ha_unreachable {
	HA_UNREACH_STANDBY = 0,	/* default: stop sending (the partner may be taking over) */
	HA_UNREACH_KEEP,	/* keep the last decision (never turns standby into active) */
};

#define HA_RULES_MAX 16
#define HA_NAME_MAX 64

/* One "active-when" rule: @state in @role (HA_ROLE_UNKNOWN: any role). */
struct ha_rule {
	enum ha_role role;
	enum ha_state state;
};

/* The "high-availability" map of the Leasesnoop configuration. */
struct ha_config {
	bool enabled;			/* the map is present */
	char control_socket[108];	/* "control-socket": Kea's unix socket (sun_path size) */
	enum ha_mode mode;		/* "mode"; UNKNOWN: take Kea's "ha-mode" */
	char this_server_name[HA_NAME_MAX];	/* "this-server-name"; "" = Kea's first relationship */
	char designated[HA_NAME_MAX];	/* "designated-server" (load-balancing); "" = the primary */
	enum ha_role role;		/* "this-server-role": needed with "command": "ha-heartbeat" */
	bool heartbeat;			/* "command": "ha-heartbeat" instead of "status-get" */
	uint32_t interval_ms;		/* "interval" (s, may be fractional); default 1 s */
	uint32_t timeout_ms;		/* "timeout" (s) for one answer; default 2 s */
	uint32_t max_failures;		/* "max-failures": failed polls before UNKNOWN; default 2 */
	enum ha_unreachable unreachable;	/* "when-unreachable": "standby" | "keep" */
	struct ha_rule rules[HA_RULES_MAX];	/* "active-when": [ "role/state" | "state" ] */
	int n_rules;			/* 0: the mode's default rules (ha_policy_default()) */
};

/* What Kea said, and what leasesnoop decided. */
struct ha_status {
	enum ha_state state;		/* this server's HA state */
	enum ha_mode mode;
	enum ha_role role;
	enum ha_state partner_state;	/* HA_ST_UNKNOWN if Kea did not say */
	bool active;			/* this node sends DNS changes */
	uint64_t unsent_updates;	/* ha-heartbeat's "unsent-update-count" */
	char server_name[HA_NAME_MAX];
};

struct ha_stats {
	uint64_t polls, answers, failures;	/* queries sent, usable answers, failed queries */
	uint64_t state_changes;			/* local HA state changed (incl. to/from unknown) */
	uint64_t became_active, became_standby;
	uint64_t consecutive_failures;		/* now */
};

/* ha_change_fn - called from ha_process() when the state or the decision changed. */
typedef void (*ha_change_fn)(void *ctx, const struct ha_status *old, const struct ha_status *now);

struct ha;

/* ha_state_name() / ha_mode_name() / ha_role_name() - Kea's spelling; "unknown" if none. */
const char *ha_state_name(enum ha_state s);
const char *ha_mode_name(enum ha_mode m);
const char *ha_role_name(enum ha_role r);

/* ha_state_parse() etc. - Kea's spelling to the enum; the _UNKNOWN value if not known. */
enum ha_state ha_state_parse(const char *s);
enum ha_mode ha_mode_parse(const char *s);
enum ha_role ha_role_parse(const char *s);

/*
 * ha_config_items - the "high-availability" map for user/ctl/confread.h
 * (into a struct ha_config); ha_config_check() - what the table cannot say
 * (ha-heartbeat needs a configured role and mode). HA_CONFIG_ITEM(key, off)
 * is the map's item in a table whose struct holds a struct ha_config at
 * @off: .enabled is set when the map is present.
 */
extern const struct confread_item ha_config_items[];
int ha_config_check(struct confread *cr, const char *key, void *field, void *base);
#define HA_CONFIG_ITEM(k, off) \
	{ .key = (k), .type = CONFREAD_MAP, .offset = (off), .sub = ha_config_items, \
	  .seen_offset = 1 + offsetof(struct ha_config, enabled), .check = ha_config_check }

/*
 * ha_config_parse() - fill @c from the "high-availability" map @obj (NULL:
 * HA off, defaults), with confread's messages naming the key path
 * (high-availability.…) and @file. Returns 0, LS_ECONFIG or -ENOMEM.
 */
int ha_config_parse(const json_t *obj, const char *file, struct ha_config *c);

/*
 * ha_policy_default() - the rules for @mode, written to @rules (room for
 * HA_RULES_MAX); @designated_role says whether this node is the designated one
 * of a load-balancing pair. Returns how many rules. hot-standby: the primary
 * in hot-standby, either node in partner-down or partner-in-maintenance;
 * load-balancing: the designated node in load-balancing or
 * communication-recovery, either node in partner-down or
 * partner-in-maintenance; passive-backup: the primary in passive-backup.
 */
int ha_policy_default(enum ha_mode mode, bool designated, struct ha_rule *rules);

/*
 * ha_decide() - should a node with @st (state, role, mode, server name)
 * send DNS changes under @c? Pure: no I/O, no logging. An unknown state is
 * never active here; ha_process() applies "when-unreachable".
 */
bool ha_decide(const struct ha_config *c, const struct ha_status *st);

/*
 * ha_parse_answer() - read one Kea answer @text (@len bytes) to `status-get`
 * (@heartbeat false) or `ha-heartbeat` (true) into @st (state, mode, role,
 * partner state, unsent updates, server name; @c chooses the relationship
 * by "this-server-name" and supplies the role for ha-heartbeat). Returns 0,
 * LS_EKEA_ANSWER if the JSON does not parse or lacks the HA members, or
 * LS_EKEA_RESULT if Kea answered with a non-zero result (logged by the caller).
 */
int ha_parse_answer(const char *text, size_t len, bool heartbeat, const struct ha_config *c,
		    struct ha_status *st);

/*
 * ha_open() - a poller for @c (copied), calling @cb(@ctx, …) on changes. The
 * first query is sent at once. Returns 0, -EINVAL if @c is not enabled, or a
 * negative errno from timerfd/epoll. The status starts unknown (standby).
 */
int ha_open(struct ha **out, const struct ha_config *c, ha_change_fn cb, void *ctx);

/* ha_close() - close the fds; NULL is a no-op. */
void ha_close(struct ha *h);

/* ha_fd() - an epoll fd that becomes readable when ha_process() has work. */
int ha_fd(const struct ha *h);

/*
 * ha_process() - do what is ready (start a query when the interval is up,
 * send, read, time out) without blocking, and apply the answer. Returns 0
 * or a negative errno for a failure of the poller itself (not of Kea).
 */
int ha_process(struct ha *h);

/* ha_is_active() - this node should send DNS changes now. */
bool ha_is_active(const struct ha *h);

/* ha_get_status() / ha_get_stats() - copies. */
void ha_get_status(const struct ha *h, struct ha_status *st);
void ha_get_stats(const struct ha *h, struct ha_stats *st);

/* ha_control_socket() - the Kea control socket it polls (the configuration it was opened with). */
const char *ha_control_socket(const struct ha *h);

/* ha_stats_json() - status and counters as a new JSON object (NULL on -ENOMEM). */
json_t *ha_stats_json(const struct ha *h);

#endif
