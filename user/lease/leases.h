/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/leases.h - the lease table: what a Kea lease file holds, kept in
 * memory exactly as Kea's memfile backend keeps it (the last row for an
 * address wins, a row with valid_lifetime 0 deletes), indexed by address and
 * by client identity (v4: client-id, else hwaddr; v6: DUID + IAID), and a
 * typed change feed for the reconciler. The table follows the live lease
 * file across LFC rotations (user/lease_tail.h) and expires leases by the
 * clock before Kea reclaims them. Compact: about 150 bytes per lease.
 *
 * struct lease values handed out point into the table's string store; they
 * stay valid until the next call that changes the table (leases_process(),
 * leases_apply(), leases_expire_scan()). Change callbacks must not call those.
 */
#ifndef LS_LEASES_H
#define LS_LEASES_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "user/lease/kea_csv.h"

struct leases;

/* struct lease.flags */
#define LEASE_F_FQDN_FWD	0x01	/* fqdn_fwd: the DHCP server asked for forward DNS */
#define LEASE_F_FQDN_REV	0x02	/* fqdn_rev: ... and reverse DNS */
#define LEASE_F_NAME_KEPT	0x04	/* row had no hostname; hostname is the last one seen */
#define LEASE_F_CLOCK_EXPIRED	0x08	/* expire + grace passed; LEASE_CH_EXPIRED was sent */

/* One lease as the table holds it. */
struct lease {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix_len;	/* 32 (v4), 128 (v6 NA/TA), the length of a delegated prefix */
	uint8_t type;		/* enum kea_lease_type (v4: KEA_TYPE_NA) */
	uint8_t state;		/* enum kea_state */
	uint8_t flags;		/* LEASE_F_* */
	uint8_t hwaddr_len;
	uint8_t hwaddr_source;	/* v6 */
	uint16_t hwtype;	/* v6 */
	uint16_t client_id_len;	/* v4 client-id or v6 DUID */
	uint8_t addr[16];	/* v4 in the first 4 bytes */
	uint32_t iaid, valid_lft, pref_lft, subnet_id, pool_id;
	int64_t cltt;		/* expire - valid_lft */
	int64_t expire;		/* Unix time */
	const uint8_t *hwaddr;
	const uint8_t *client_id;
	const char *hostname;	/* NUL-terminated, "" when none */
	const char *user_context;	/* JSON text, "" when none */
	size_t hostname_len;
	size_t user_context_len;
	uint32_t ref;		/* the table's own handle (0: not from a table); see
				 * leases_find_client_of() */
};

/* What a change means, from the point of view of DNS. */
enum lease_change_kind {
	LEASE_CH_NEW = 1,	/* address becomes active for a client (nothing active before) */
	LEASE_CH_RENEWED,	/* same client, same address, same name; times/flags moved */
	LEASE_CH_NAME_CHANGED,	/* same client, same address, another hostname */
	LEASE_CH_MOVED,		/* client's active lease at another address (other) still exists */
	LEASE_CH_REASSIGNED,	/* address was active for another client (prev) */
	LEASE_CH_RELEASED,	/* Kea wrote state released */
	LEASE_CH_DECLINED,	/* Kea wrote state declined */
	LEASE_CH_EXPIRED,	/* expire + grace passed by the clock, not reclaimed yet */
	LEASE_CH_RECLAIMED,	/* Kea wrote state expired-reclaimed */
	LEASE_CH_DELETED,	/* valid_lifetime 0 row: Kea removed the lease */
	LEASE_CH_MAX_,
};

/* One change. lease is the state now (for DELETED: the lease removed). */
struct lease_change {
	enum lease_change_kind kind;
	const struct lease *lease;
	const struct lease *prev;	/* this address's previous row, or NULL */
	const struct lease *other;	/* MOVED: the client's lease at its other address */
};

/* leases_change_fn - receives each change, in file order. */
typedef void (*leases_change_fn)(void *ctx, const struct lease_change *ch);

struct leases_opts {
	int watch;			/* inotify on the file's directory (else poll process()) */
	uint32_t grace;			/* seconds after expire before LEASE_CH_EXPIRED */
	leases_change_fn on_change;	/* NULL: no feed */
	/* each row stored, the initial load included (no change kind); NULL: none */
	void (*on_row)(void *ctx, const struct lease *l);
	void *ctx;
	time_t (*clock)(void *ctx);	/* NULL: time(NULL); tests drive their own */
	void *clock_ctx;
};

struct leases_stats {
	uint64_t rows;			/* rows applied */
	uint64_t bad_rows;		/* rows the reader skipped */
	uint64_t rotations;		/* live file replaced (LFC) */
	uint64_t truncations;		/* live file shrank in place */
	uint64_t changes[LEASE_CH_MAX_];	/* per kind, index enum lease_change_kind */
	uint64_t leases;		/* in the table now, whatever their state */
	uint64_t mem_bytes;		/* resident heap of entries, indexes and strings */
	uint64_t compactions;		/* string store rebuilds */
};

/*
 * leases_open() - build the table from the Kea lease file @path (its LFC
 * history first, in Kea's load order, then the live file) and keep following
 * it. With @path NULL the table is empty and fed by leases_apply(); @family
 * (4 or 6) is then required, else it is 0 and taken from the file's header.
 * No changes are sent for the initial load: iterate with leases_foreach().
 * Returns 0, LS_ECSV_HEADER (logged, naming file and column), -EINVAL, or a
 * negative errno. Close with leases_close().
 */
int leases_open(struct leases **out, const char *path, int family, const struct leases_opts *o);

/* leases_close() - free the table and close its file and inotify fd; NULL is a no-op. */
void leases_close(struct leases *t);

/* leases_family() - 4 or 6 (0 while the file has not shown its header). */
int leases_family(const struct leases *t);

/*
 * leases_fd() - the descriptor to add to epoll (EPOLLIN): becomes readable
 * when the lease file changes. -1 without opts.watch.
 */
int leases_fd(const struct leases *t);

/*
 * leases_process() - apply every row Kea appended since the last call
 * (following an LFC rotation), sending changes. Returns the number of rows
 * applied or a negative errno.
 */
int leases_process(struct leases *t);

/*
 * leases_apply() - apply one parsed row as Kea's loader would, sending the
 * resulting change if any (an identical repeated row sends nothing).
 * Returns 1 if the table changed, 0 if not, -EINVAL for a row of the other
 * family, -ENOMEM.
 */
int leases_apply(struct leases *t, const struct kea_row *row);

/*
 * leases_expire_scan() - send LEASE_CH_EXPIRED for every active lease whose
 * expire + grace is <= @now (once per lease). Cheap when nothing is due.
 * Returns the number of leases expired.
 */
int leases_expire_scan(struct leases *t, time_t now);

/*
 * leases_set_loading() - while @on, leases_apply() builds the table as the
 * initial load of a file does: no changes are sent (the caller compares
 * everything afterwards). For a source that loads through leases_apply().
 */
void leases_set_loading(struct leases *t, int on);

/*
 * leases_due() - call @fn for every active lease that leases_expire_scan(@now)
 * would expire, without expiring it (a lease source whose renewals do not
 * reach the table checks them first). Cheap when nothing is due. Returns
 * how many, or @fn's non-zero return.
 */
int leases_due(const struct leases *t, time_t now, int (*fn)(void *ctx, const struct lease *l),
	       void *ctx);

/*
 * What leases_classify() is told about one row and the row it replaces at
 * the same address; the table works these facts out, the classifier only
 * decides.
 */
struct lease_transition {
	uint8_t has_old;	/* a row for this address was in the table */
	uint8_t old_state;	/* enum kea_state of that row */
	uint8_t old_active;	/* ... and it was active at the row's time */
	uint8_t new_state;	/* enum kea_state of the new row */
	uint8_t new_past;	/* the new row's expire is already <= now */
	uint8_t same_client;	/* old and new rows have the same client identity */
	uint8_t same_name;	/* ... and the same hostname */
	uint8_t other_active;	/* the client holds an active lease of this type at another
				 * address (consulted only for a row that starts a lease) */
};

/*
 * leases_classify() - what a new row (not the initial load, not a
 * lifetime-0 delete, not an identical repeat) means for DNS: one of
 * enum lease_change_kind, or 0 when it means nothing (a state Kea writes
 * again, a lease already past expiry that was not active, registered and
 * unknown states). Pure: no table, no clock.
 */
enum lease_change_kind leases_classify(const struct lease_transition *tr);

/* leases_is_active() - state default, lifetime non-zero, expire > @now. */
int leases_is_active(const struct lease *l, time_t now);

/*
 * leases_find_addr() - the lease at @addr (4 or 16 bytes as the family).
 * Returns 0 and fills @out, or -ENOENT.
 */
int leases_find_addr(const struct leases *t, const uint8_t *addr, struct lease *out);

/*
 * leases_find_addr_hint() - leases_find_addr(), trying the lease handle
 * @ref (struct lease.ref, 0: none) first: when it still holds @addr, no
 * index is searched.
 */
int leases_find_addr_hint(const struct leases *t, const uint8_t *addr, uint32_t ref,
			  struct lease *out);

/*
 * leases_ref() - the table's handle (struct lease.ref) of the lease at
 * @addr, without decoding it; 0 when there is none.
 */
uint32_t leases_ref(const struct leases *t, const uint8_t *addr);

/* Identity kinds for leases_find_client(). */
enum lease_id_kind {
	LEASE_ID_CLIENT_ID = 1,	/* v4 leases that have this client-id */
	LEASE_ID_HWADDR,	/* v4 leases without client-id that have this hwaddr */
	LEASE_ID_DUID,		/* v6 leases of this DUID and @iaid */
};

/*
 * leases_find_client() - the leases of one client identity, as Kea
 * identifies clients (v4: client-id, else hwaddr; v6: DUID and IAID). Fills
 * up to @max entries of @out; returns how many leases match (may exceed @max).
 */
int leases_find_client(const struct leases *t, enum lease_id_kind kind, const uint8_t *id,
		       size_t id_len, uint32_t iaid, struct lease *out, int max);

/*
 * leases_find_client_of() - what leases_find_client() returns for @l's own
 * client identity (v4: client-id, else hwaddr; v6: DUID and IAID), @l
 * among them, found from @l's place in the table (@l as leases_find_addr()
 * or leases_foreach() gave it, the table unchanged since): no identifier
 * hashed or compared, and nothing looked up at all for a client known to
 * hold this lease only (the common case: then *@out = *@l, returns 1).
 * A stale or foreign @l is looked up by its identifier instead.
 */
int leases_find_client_of(const struct leases *t, const struct lease *l, struct lease *out,
			  int max);

/*
 * leases_foreach() - call @fn for every lease in the table (any state), in
 * no particular order; a non-zero return stops and is returned.
 */
int leases_foreach(const struct leases *t, int (*fn)(void *ctx, const struct lease *l), void *ctx);

/* leases_columns() - bit (1 << enum kea_col) for each column the file's headers had. */
uint32_t leases_columns(const struct leases *t);

/* leases_count() - leases in the table (any state). */
size_t leases_count(const struct leases *t);

/* leases_get_stats() - counters and memory use. */
void leases_get_stats(const struct leases *t, struct leases_stats *st);

/* leases_change_name() - "new", "renewed", ... for logs and JSON. */
const char *leases_change_name(enum lease_change_kind kind);

/* leases_state_name() - "default", "declined", "expired-reclaimed", ... */
const char *leases_state_name(unsigned int state);

/*
 * leases_print() - write @l to @out: with @json one object per line whose
 * keys are the lease file's own column names (@cols: bit per enum kea_col),
 * else one readable line. Returns 0 or -EIO.
 */
int leases_print(const struct lease *l, uint32_t cols, int json, FILE *out);

/* why a lease the table holds is not active (leases_inactive_why()) */
enum leases_inactive {
	LEASES_ACTIVE = 0,
	LEASES_EXPIRED,		/* state default, but its expiry (or lifetime 0) has passed */
	LEASES_DECLINED,
	LEASES_RECLAIMED,	/* Kea's expired-reclaimed */
	LEASES_RELEASED,
	LEASES_OTHER_STATE,	/* registered, or a state this build does not know */
	LEASES_INACTIVE_N,
};

/*
 * leases_inactive_why() - LEASES_ACTIVE when leases_is_active(@l, @now),
 * else why not: the state first (declined, reclaimed, released), then the clock.
 */
enum leases_inactive leases_inactive_why(const struct lease *l, time_t now);

/* leases_inactive_name() - "expired", "declined", … for the counts of --kea-leases */
const char *leases_inactive_name(enum leases_inactive why);

/*
 * leases_cmd_print() - `leasesnoop --kea-leases FILE [--all] [--json]`: load
 * @path as Kea would (LFC history included) and print its leases sorted by
 * address; active ones only unless @all, and then a line on stderr saying
 * how many were not shown and why ("25 expired, 2 declined"). A reader
 * that goes away (EPIPE: `| head`) ends the output quietly. Returns 0 or a
 * negative error (logged).
 */
int leases_cmd_print(const char *path, int all, int json, FILE *out);

#endif
