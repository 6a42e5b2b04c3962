/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/config.h - the leasesnoop configuration file (DESIGN.md
 * "Configuration"): one JSON map "Leasesnoop", comments allowed, Kea D2's
 * own syntax for TSIG keys and ddns-domains (inline or through
 * "ddns-config-file"). Every setting has a default a small site can live
 * with; an unknown key, a wrong type or a zone without servers is rejected
 * with one message naming the key path, the file and the line (the forms
 * are user/ctl/confread.h's). Holds no state beyond the parsed values.
 */
#ifndef LS_CONFIG_H
#define LS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "user/dns/dnsengine.h"
#include "user/ctl/ha.h"
#include "user/ctl/leasedb_conf.h"
#include "user/common/log.h"
#include "user/ctl/metrics.h"
#include "user/kea/names.h"
#include "user/dns/zones.h"

#define CONFIG_MAX_IFACES 64

struct config {
	char *file;				/* the file it was read from */
	char *ifaces[CONFIG_MAX_IFACES];	/* "interfaces": [] = lease files only */
	int n_ifaces;
	char *lease_file4, *lease_file6;	/* "lease-files": { "v4", "v6" }; NULL if absent */
	/*
	 * "lease-database" (Kea's syntax) with "lease-database-feed", or taken
	 * from "kea-config-file": .type postgresql makes the database the lease
	 * source (lease_file4/6 are then NULL); memfile keeps the lease files
	 */
	struct leasedb_conf db;
	struct leasedb_kea_files kea_files;
	char *state_dir;			/* "state-dir" */
	char *control_socket;			/* "control-socket"; NULL: none */
	enum dnsengine_mode mode;		/* "conflict-resolution-mode" */
	uint32_t ttl_percent, ttl_min, ttl_max;	/* "ttl": { "percent", "min", "max" } */
	uint32_t ttl_fixed;			/* "ttl": { "fixed" }; 0: use percent */
	bool ttl_kea;				/* no "ttl" and kea-ddns-updates: Kea's NCR TTL */
	bool update_on_renew;			/* "update-on-renew" */
	/*
	 * "adopt-existing" (default false): at start-up and each full
	 * reconciliation, an active lease with no binding in the store is looked
	 * up in DNS (read-only queries); if its name holds this client's DHCID
	 * and address, and its reverse name the PTR to that name and the DHCID
	 * (for each side the configuration wants), the binding is stored as
	 * added without sending an UPDATE. Anything else takes the normal add path.
	 */
	bool adopt_existing;
	/*
	 * "adopt-method": how adoption reads DNS. CONFIG_ADOPT_TRANSFER
	 * (default, "transfer"): one AXFR per zone when a round is large
	 * (user/dns/adoptxfr.h), queries where the transfer is refused or
	 * cannot settle a name; CONFIG_ADOPT_QUERY ("query"): queries only.
	 */
	enum config_adopt_method { CONFIG_ADOPT_TRANSFER = 0, CONFIG_ADOPT_QUERY } adopt_method;
	/*
	 * "kea-ddns-updates" (default true): Kea runs with its dhcp-ddns
	 * "enable-updates": true, as it did with D2. leasesnoop then listens for
	 * Kea's NCRs where D2 did (a trigger), obeys the lease rows' fqdn_fwd /
	 * fqdn_rev (Kea's per-lease decision) and, without a "ttl" map, gives
	 * records the TTL D2 would (Kea's lease-length). false: Kea's DDNS is off,
	 * Kea writes 0 flags, names come from the lease file alone.
	 */
	bool kea_ddns;
	char *ncr_ip;				/* "ncr-listener": "ip-address" (D2's; 127.0.0.1) */
	uint32_t ncr_port;			/* "ncr-listener": "port" (D2's; 53001) */
	bool ptr_without_fwd_zone;		/* "ptr-without-forward-zone" (true: as D2) */
	bool honor_fqdn_flags;			/* "honor-fqdn-flags" (default: kea-ddns-updates) */
	bool generate_names;			/* "generate-names": leases without a hostname */
	char *name_char_set;			/* "hostname-char-set" (Kea's default) */
	char *name_char_repl;			/* "hostname-char-replacement" ("") */
	regex_t name_re;			/* name_char_set, compiled */
	bool name_re_ok;
	char *generated_prefix;			/* "ddns-generated-prefix" (Kea: "myhost") */
	char *qualifying_suffix;		/* "ddns-qualifying-suffix" ("" = none) */
	uint32_t pending_timeout_ms;		/* "pending-timeout" (seconds, may be fractional) */
	uint32_t full_reconcile_s;		/* "full-reconcile-interval" (s), 0 = start-up only */
	uint32_t expire_grace_s;		/* "expire-grace" (s) */
	uint32_t dns_verify_s;			/* "dns-verify-interval" (s), 0 = off */
	uint32_t dns_verify_timeout_ms;		/* "dns-verify-timeout" (s): one zone transfer */
	bool sweep_orphans;			/* "sweep-orphans": verify also removes orphans */
	uint32_t sweep_known_max;		/* "sweep-known-clients": DHCIDs remembered */
	uint32_t max_pending_events;		/* "max-pending-events" */
	uint32_t ring_size;			/* "ring-size" (bytes), 0: from "lease-rate" */
	uint32_t lease_rate;			/* "lease-rate": peak leases/s the ring absorbs */
	uint32_t max_inflight;			/* "batching": "max-queued-changes" */
	struct dnsengine_opts engine;		/* "batching": message limits and timeouts */
	enum log_level log_level;		/* "log-level": "error" … "debug" */
	/*
	 * the D2 sections. A reverse domain's "prefix-delegation": true (inline
	 * only, never in a ddns-config-file; refused on forward domains) gives
	 * a named DHCPv6 delegated prefix a PTR + DHCID at its reverse name, the
	 * prefix length rounded down to a nibble; no forward record.
	 */
	struct zones *zones;
	struct ha_config ha;			/* "high-availability"; .enabled false: no HA */
	struct metrics_config metrics;		/* "metrics"; .enabled false: no endpoint */
};

/*
 * config_load() - read and check @path into a new *@out. Returns 0,
 * LS_ECONFIG (logged, naming the key and the file) or a negative errno.
 * Free with config_free().
 */
int config_load(const char *path, struct config **out);

/* config_free() - free @c and what it holds; NULL is a no-op. */
void config_free(struct config *c);

/*
 * config_ttl() - the TTL of records for a lease of @valid_lft seconds:
 * fixed, or percent of the lifetime clamped to [min, max], or (ttl_kea)
 * what Kea puts in its NCR's lease-length and D2 uses: a third of the
 * lifetime, at least 600 s.
 */
uint32_t config_ttl(const struct config *c, uint32_t valid_lft);

#endif
