# shellcheck shell=sh
# tools/lab/kea.sh - a Kea 2.x lab in network namespaces, for tests, demos and
# benchmarks. Source it; every name it creates carries $KEA_LAB_PREFIX
# (default ls-$$) so parallel runs never clash, and kea_lab_down removes
# exactly what this shell created (call it from a trap). What was created is
# also recorded in $KEA_LAB_STATE, so functions may run in subshells (as in
# `tap_ok NAME kea_lab_kea4_up DIR`) and still be torn down.
#
#   . "$LS_TOP/tools/lab/kea.sh"
#   trap kea_lab_down EXIT INT TERM
#   kea_lab_net_up                       # two netns joined by a veth pair
#   kea_lab_kea4_up "$dir"               # kea-dhcp4 in the server netns
#   kea_lab_kea6_up "$dir"               # kea-dhcp6 in the server netns
#   kea_lab_perfdhcp4 -r 100 -R 500 -p 5 # clients in the client netns
#   kea_lab_cmd "$dir/kea4.sock" '{"command":"lease4-get-all"}'
#
# Functions
#   kea_lab_net_up        create $KEA_LAB_SRV_NS and $KEA_LAB_CLI_NS, the veth
#                         pair $KEA_LAB_SRV_IF <-> $KEA_LAB_CLI_IF, addresses
#                         $KEA_LAB_SRV_ADDR4/$KEA_LAB_CLI_ADDR4 and
#                         $KEA_LAB_SRV_ADDR6 (DAD off, so usable at once)
#   kea_lab_kea4_up DIR   write DIR/kea-dhcp4.conf and start kea-dhcp4 with a
#                         memfile lease DB DIR/kea-leases4.csv, the lease_cmds
#                         hook, control socket DIR/kea4.sock, log DIR/kea-dhcp4.log;
#                         waits until the socket answers. Pid in DIR/kea-dhcp4.pid.
#   kea_lab_kea6_up DIR   the same for kea-dhcp6 (kea-leases6.csv, kea6.sock)
#   kea_lab_cmd SOCK JSON send one command to a Kea control socket, print the answer
#   kea_lab_lease_all SOCK 4|6   print lease4-get-all / lease6-get-all's JSON answer
#   kea_lab_perfdhcp4 ARGS…  run perfdhcp -4 from the client netns (acting as a
#                         relay from $KEA_LAB_CLI_ADDR4), extra perfdhcp ARGS
#   kea_lab_perfdhcp6 ARGS…  run perfdhcp -6 on $KEA_LAB_CLI_IF, extra ARGS
#   kea_lab_perfdhcp_bg 4|6 OUT ARGS…  the same in the background, output to OUT;
#                         KEA_LAB_BG_PID is perfdhcp's own pid (to kill -STOP/-CONT)
#   kea_lab_srv CMD…      run a command in the server netns (cli: kea_lab_cli)
#   kea_lab_down          stop the daemons this shell started, delete the netns
#
# HA variant (two kea-dhcp4 servers with libdhcp_ha.so, one client netns):
#   kea_lab_ha_net_up     node 1 in $KEA_LAB_SRV_NS ($KEA_LAB_SRV_ADDR4), node 2 in
#                         $KEA_LAB_SRV2_NS ($KEA_LAB_SRV2_ADDR4), each joined by a veth
#                         to the bridge $KEA_LAB_BR in $KEA_LAB_CLI_NS (client
#                         $KEA_LAB_CLI_ADDR4 on the bridge)
#   kea_lab_ha_kea4_up DIR NODE  kea-dhcp4 of node 1 or 2 with lease_cmds and the HA
#                         hook (mode KEA_LAB_HA_MODE [hot-standby]; node 1 "server1"
#                         primary, node 2 "server2" standby, or secondary in
#                         load-balancing), HA over Kea's own HTTP listener on port
#                         KEA_LAB_HA_PORT [8001] (multi-threading, no kea-ctrl-agent);
#                         heartbeat KEA_LAB_HA_HEARTBEAT [1000] ms, partner-down after
#                         KEA_LAB_HA_MAXDELAY [3000] ms. DIR holds one node's files
#                         (socket DIR/kea4.sock). Returns when the socket answers.
#   kea_lab_ha_kea4_down DIR  stop that node's kea-dhcp4 (SIGTERM, then wait)
#   kea_lab_ha_state SOCK print the HA state Kea reports on SOCK (status-get)
#
# Settings (environment, read when each function runs; defaults in brackets)
#   KEA_LAB_PREFIX [ls-$$]    name prefix (keep it <= 12 characters: interface names)
#   KEA_LAB_NET4 [10.64]      /16 for v4: server .0.1, client (relay) .0.2, pool
#                             KEA_LAB_POOL4 [10.64.1.0 - 10.64.255.200]
#   KEA_LAB_NET6 [fd00:64]    /64 prefix fd00:64::/64, pool KEA_LAB_POOL6
#                             [fd00:64::1:0/112]; KEA_LAB_PD6 [fd00:6400::/40, /56]
#   KEA_LAB_VALID [3600]      valid lifetime (s); KEA_LAB_PREF [KEA_LAB_VALID*3/4]
#   KEA_LAB_LFC [3600]        lfc-interval (s); 0 disables Lease File Cleanup
#   KEA_LAB_RECLAIM [10]      reclaim-timer-wait-time (s); KEA_LAB_RECLAIM_MAX [100]
#                             max-reclaim-leases (0: all due at once)
#   KEA_LAB_FLUSH [25]        flush-reclaimed-timer-wait-time (s); 0 makes Kea delete
#                             leases when it reclaims them instead of keeping state 2
#   KEA_LAB_DDNS [0]          1: generate names (ddns-replace-client-name always,
#                             suffix KEA_LAB_DDNS_SUFFIX [dyn.example]); NCRs go to
#                             KEA_LAB_D2_PORT [53001] on 127.0.0.1 in the server netns
#   KEA_LAB_EXTRA4/6 ['']     JSON members appended to the Dhcp4/Dhcp6 map (",…")
#   KEA_LAB_LEASE_DB ['']     the "lease-database" map as JSON text instead of the
#                             memfile DIR/kea-leases4/6.csv (e.g. tools/lab/pg.sh's
#                             lab_pg_kea_db)

KEA_LAB_PREFIX=${KEA_LAB_PREFIX:-ls-$$}
KEA_LAB_SRV_NS=${KEA_LAB_PREFIX}-srv
KEA_LAB_CLI_NS=${KEA_LAB_PREFIX}-cli
KEA_LAB_SRV_IF=${KEA_LAB_PREFIX}s
KEA_LAB_CLI_IF=${KEA_LAB_PREFIX}c
KEA_LAB_NET4=${KEA_LAB_NET4:-10.64}
KEA_LAB_NET6=${KEA_LAB_NET6:-fd00:64}
KEA_LAB_SRV_ADDR4=$KEA_LAB_NET4.0.1
KEA_LAB_CLI_ADDR4=$KEA_LAB_NET4.0.2
KEA_LAB_SRV_ADDR6=$KEA_LAB_NET6::1
KEA_LAB_HOOK=${KEA_LAB_HOOK:-/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so}
KEA_LAB_STATE=${KEA_LAB_STATE:-${TMPDIR:-/tmp}/kea-lab-$KEA_LAB_PREFIX.state}
KEA_LAB_SRV2_NS=${KEA_LAB_PREFIX}-sr2
KEA_LAB_SRV2_IF=${KEA_LAB_PREFIX}t
KEA_LAB_CLI2_IF=${KEA_LAB_PREFIX}d
KEA_LAB_BR=${KEA_LAB_PREFIX}b
KEA_LAB_SRV2_ADDR4=$KEA_LAB_NET4.0.3
KEA_LAB_HA_HOOK=${KEA_LAB_HA_HOOK:-${KEA_LAB_HOOK%/*}/libdhcp_ha.so}

kea_lab_srv() { ip netns exec "$KEA_LAB_SRV_NS" "$@"; }
kea_lab_cli() { ip netns exec "$KEA_LAB_CLI_NS" "$@"; }

kea_lab_net_up() {
	echo "netns $KEA_LAB_SRV_NS" >> "$KEA_LAB_STATE"
	ip netns add "$KEA_LAB_SRV_NS" || return 1
	echo "netns $KEA_LAB_CLI_NS" >> "$KEA_LAB_STATE"
	ip netns add "$KEA_LAB_CLI_NS" || return 1
	ip link add "$KEA_LAB_SRV_IF" type veth peer name "$KEA_LAB_CLI_IF" || return 1
	ip link set "$KEA_LAB_SRV_IF" netns "$KEA_LAB_SRV_NS" || return 1
	ip link set "$KEA_LAB_CLI_IF" netns "$KEA_LAB_CLI_NS" || return 1
	for _ns in "$KEA_LAB_SRV_NS:$KEA_LAB_SRV_IF" "$KEA_LAB_CLI_NS:$KEA_LAB_CLI_IF"; do
		_n=${_ns%%:*}; _i=${_ns#*:}
		ip netns exec "$_n" sysctl -qw "net.ipv6.conf.$_i.accept_dad=0" || return 1
		ip -n "$_n" link set lo up
		ip -n "$_n" link set "$_i" up || return 1
	done
	ip -n "$KEA_LAB_SRV_NS" addr add "$KEA_LAB_SRV_ADDR4/16" dev "$KEA_LAB_SRV_IF" || return 1
	ip -n "$KEA_LAB_CLI_NS" addr add "$KEA_LAB_CLI_ADDR4/16" dev "$KEA_LAB_CLI_IF" || return 1
	ip -n "$KEA_LAB_SRV_NS" -6 addr add "$KEA_LAB_SRV_ADDR6/64" dev "$KEA_LAB_SRV_IF" nodad || return 1
	# link-local addresses appear with the link; wait until usable
	for _t in 1 2 3 4 5 6 7 8 9 10; do
		if ip -n "$KEA_LAB_CLI_NS" -6 addr show dev "$KEA_LAB_CLI_IF" scope link | grep -q inet6 &&
		   ! ip -n "$KEA_LAB_CLI_NS" -6 addr show dev "$KEA_LAB_CLI_IF" | grep -q tentative; then
			return 0
		fi
		sleep 0.2
	done
	return 0
}

# _kea_lab_common NAME DIR - the Dhcp4/Dhcp6 members both servers share
_kea_lab_common() {
	_valid=${KEA_LAB_VALID:-3600}
	_ddns=false
	[ "${KEA_LAB_DDNS:-0}" = 1 ] && _ddns=true
	_ldb=${KEA_LAB_LEASE_DB:-}
	[ -n "$_ldb" ] || _ldb="{ \"type\": \"memfile\", \"persist\": true, \"name\": \"$2/kea-leases$4.csv\",
                        \"lfc-interval\": ${KEA_LAB_LFC:-3600} }"
	cat <<EOF
    "interfaces-config": { "interfaces": [ "${_kea_lab_if:-$KEA_LAB_SRV_IF}" ] },
    "control-socket": { "socket-type": "unix", "socket-name": "$2/$3.sock" },
    "lease-database": $_ldb,
    "hooks-libraries": [ { "library": "$KEA_LAB_HOOK" } ${_kea_lab_hooks_extra:-} ],
    "expired-leases-processing": { "reclaim-timer-wait-time": ${KEA_LAB_RECLAIM:-10},
                                   "max-reclaim-leases": ${KEA_LAB_RECLAIM_MAX:-100},
                                   "max-reclaim-time": 0,
                                   "hold-reclaimed-time": 3600,
                                   "flush-reclaimed-timer-wait-time": ${KEA_LAB_FLUSH:-25} },
    "valid-lifetime": $_valid,
    "dhcp-ddns": { "enable-updates": $_ddns, "server-ip": "127.0.0.1",
                   "server-port": ${KEA_LAB_D2_PORT:-53001} },
    "ddns-send-updates": $_ddns,
    "ddns-replace-client-name": "$( [ "$_ddns" = true ] && echo always || echo never )",
    "ddns-generated-prefix": "h",
    "ddns-qualifying-suffix": "${KEA_LAB_DDNS_SUFFIX:-dyn.example}",
    "loggers": [ { "name": "$1", "severity": "WARN",
                   "output_options": [ { "output": "$2/$1.log" } ] } ]
EOF
}

# _kea_lab_start NAME DIR SOCK [NS] - start a Kea daemon on DIR/NAME.conf in NS
# (default the server netns), wait for its socket
_kea_lab_start() {
	: > "$2/$1.log"
	# pid and lock files in DIR, not /run/kea: parallel labs must not share them
	KEA_PIDFILE_DIR=$2 KEA_LOCKFILE_DIR=$2 ip netns exec "${4:-$KEA_LAB_SRV_NS}" \
		"$1" -c "$2/$1.conf" >> "$2/$1.log" 2>&1 &
	_pid=$!
	echo "pid $_pid $1" >> "$KEA_LAB_STATE"
	echo "$_pid" > "$2/$1.pid"
	for _t in $(seq 1 50); do
		if kea_lab_cmd "$3" '{"command":"version-get"}' 2>/dev/null | grep -q '"result": *0'; then
			return 0
		fi
		if ! kill -0 "$_pid" 2>/dev/null; then
			echo "kea_lab: $1 exited, see $2/$1.log:" >&2
			tail -5 "$2/$1.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "kea_lab: $1 control socket $3 does not answer" >&2
	return 1
}

kea_lab_kea4_up() {
	_dir=$1
	cat > "$_dir/kea-dhcp4.conf" <<EOF
{ "Dhcp4": {
$(_kea_lab_common kea-dhcp4 "$_dir" kea4 4),
    "authoritative": true,
    "subnet4": [ { "id": 1, "subnet": "$KEA_LAB_NET4.0.0/16",
                   "pools": [ { "pool": "${KEA_LAB_POOL4:-$KEA_LAB_NET4.1.0 - $KEA_LAB_NET4.255.200}" } ] } ]
    ${KEA_LAB_EXTRA4:-}
} }
EOF
	_kea_lab_start kea-dhcp4 "$_dir" "$_dir/kea4.sock"
}

kea_lab_kea6_up() {
	_dir=$1
	_valid=${KEA_LAB_VALID:-3600}
	_pd=${KEA_LAB_PD6:-fd00:6400::}
	cat > "$_dir/kea-dhcp6.conf" <<EOF
{ "Dhcp6": {
$(_kea_lab_common kea-dhcp6 "$_dir" kea6 6),
    "preferred-lifetime": ${KEA_LAB_PREF:-$((_valid * 3 / 4))},
    "server-id": { "type": "LLT", "persist": false },
    "subnet6": [ { "id": 1, "subnet": "$KEA_LAB_NET6::/64", "interface": "$KEA_LAB_SRV_IF",
                   "pools": [ { "pool": "${KEA_LAB_POOL6:-$KEA_LAB_NET6::1:0/112}" } ],
                   "pd-pools": [ { "prefix": "$_pd", "prefix-len": 40,
                                   "delegated-len": 56 } ] } ]
    ${KEA_LAB_EXTRA6:-}
} }
EOF
	_kea_lab_start kea-dhcp6 "$_dir" "$_dir/kea6.sock"
}

# kea_lab_cmd SOCK JSON - Kea's unix control channel: one JSON in, one JSON out.
kea_lab_cmd() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or exit 1;
		print $s $ARGV[1];
		shutdown($s, 1);
		local $/; my $r = <$s>; print $r // "";' "$1" "$2"
}

kea_lab_lease_all() {
	kea_lab_cmd "$1" "{\"command\":\"lease$2-get-all\"}"
}

kea_lab_perfdhcp4() {
	kea_lab_cli perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" "$@" "$KEA_LAB_SRV_ADDR4"
}

kea_lab_perfdhcp6() {
	kea_lab_cli perfdhcp -6 -l "$KEA_LAB_CLI_IF" "$@"
}

kea_lab_perfdhcp_bg() {
	_fam=$1 _out=$2
	shift 2
	# a simple command in the background: $! is perfdhcp itself (ip execs it)
	if [ "$_fam" = 4 ]; then
		ip netns exec "$KEA_LAB_CLI_NS" perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" "$@" \
			"$KEA_LAB_SRV_ADDR4" > "$_out" 2>&1 &
	else
		ip netns exec "$KEA_LAB_CLI_NS" perfdhcp -6 -l "$KEA_LAB_CLI_IF" "$@" > "$_out" 2>&1 &
	fi
	KEA_LAB_BG_PID=$!
}

kea_lab_ha_net_up() {
	echo "netns $KEA_LAB_SRV_NS" >> "$KEA_LAB_STATE"
	ip netns add "$KEA_LAB_SRV_NS" || return 1
	echo "netns $KEA_LAB_SRV2_NS" >> "$KEA_LAB_STATE"
	ip netns add "$KEA_LAB_SRV2_NS" || return 1
	echo "netns $KEA_LAB_CLI_NS" >> "$KEA_LAB_STATE"
	ip netns add "$KEA_LAB_CLI_NS" || return 1
	ip -n "$KEA_LAB_CLI_NS" link add "$KEA_LAB_BR" type bridge || return 1
	for _l in "$KEA_LAB_SRV_NS $KEA_LAB_SRV_IF $KEA_LAB_CLI_IF $KEA_LAB_SRV_ADDR4" \
		  "$KEA_LAB_SRV2_NS $KEA_LAB_SRV2_IF $KEA_LAB_CLI2_IF $KEA_LAB_SRV2_ADDR4"; do
		# shellcheck disable=SC2086
		set -- $_l
		ip link add "$2" type veth peer name "$3" || return 1
		ip link set "$2" netns "$1" || return 1
		ip link set "$3" netns "$KEA_LAB_CLI_NS" || return 1
		ip -n "$KEA_LAB_CLI_NS" link set "$3" master "$KEA_LAB_BR" up || return 1
		ip -n "$1" link set lo up
		ip -n "$1" link set "$2" up || return 1
		ip -n "$1" addr add "$4/16" dev "$2" || return 1
	done
	ip -n "$KEA_LAB_CLI_NS" link set lo up
	ip -n "$KEA_LAB_CLI_NS" link set "$KEA_LAB_BR" up || return 1
	ip -n "$KEA_LAB_CLI_NS" addr add "$KEA_LAB_CLI_ADDR4/16" dev "$KEA_LAB_BR" || return 1
	return 0
}

kea_lab_ha_kea4_up() {
	_dir=$1 _node=$2
	_mode=${KEA_LAB_HA_MODE:-hot-standby}
	_role2=standby
	[ "$_mode" = load-balancing ] && _role2=secondary
	_port=${KEA_LAB_HA_PORT:-8001}
	if [ "$_node" = 1 ]; then
		_ns=$KEA_LAB_SRV_NS _kea_lab_if=$KEA_LAB_SRV_IF
	else
		_ns=$KEA_LAB_SRV2_NS _kea_lab_if=$KEA_LAB_SRV2_IF
	fi
	# HA needs lease_cmds (already the first hook); Kea 2.2 serves the partner's
	# HTTP commands itself when multi-threading has a dedicated listener
	_kea_lab_hooks_extra=", { \"library\": \"$KEA_LAB_HA_HOOK\", \"parameters\": {
      \"high-availability\": [ { \"this-server-name\": \"server$_node\", \"mode\": \"$_mode\",
        \"heartbeat-delay\": ${KEA_LAB_HA_HEARTBEAT:-1000},
        \"max-response-delay\": ${KEA_LAB_HA_MAXDELAY:-3000},
        \"max-ack-delay\": 1000, \"max-unacked-clients\": 0, \"sync-timeout\": 10000,
        \"multi-threading\": { \"enable-multi-threading\": true, \"http-dedicated-listener\": true,
                             \"http-listener-threads\": 1, \"http-client-threads\": 1 },
        \"peers\": [ { \"name\": \"server1\", \"url\": \"http://$KEA_LAB_SRV_ADDR4:$_port/\",
                     \"role\": \"primary\", \"auto-failover\": true },
                   { \"name\": \"server2\", \"url\": \"http://$KEA_LAB_SRV2_ADDR4:$_port/\",
                     \"role\": \"$_role2\", \"auto-failover\": true } ] } ] } }"
	cat > "$_dir/kea-dhcp4.conf" <<EOF
{ "Dhcp4": {
$(_kea_lab_common kea-dhcp4 "$_dir" kea4 4),
    "multi-threading": { "enable-multi-threading": true, "thread-pool-size": 2,
                         "packet-queue-size": 64 },
    "authoritative": true,
    "subnet4": [ { "id": 1, "subnet": "$KEA_LAB_NET4.0.0/16",
                   "pools": [ { "pool": "${KEA_LAB_POOL4:-$KEA_LAB_NET4.1.0 - $KEA_LAB_NET4.255.200}" } ] } ]
    ${KEA_LAB_EXTRA4:-}
} }
EOF
	unset _kea_lab_hooks_extra _kea_lab_if
	_kea_lab_start kea-dhcp4 "$_dir" "$_dir/kea4.sock" "$_ns"
}

kea_lab_ha_kea4_down() {
	_pid=$(cat "$1/kea-dhcp4.pid" 2>/dev/null) || return 0
	tr '\0' ' ' 2>/dev/null < "/proc/$_pid/cmdline" | grep -q "^kea-dhcp4 " || return 0
	kill "$_pid" 2>/dev/null
	for _t in $(seq 1 50); do
		kill -0 "$_pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$_pid" 2>/dev/null
	return 0
}

kea_lab_ha_state() {
	kea_lab_cmd "$1" '{"command":"status-get"}' |
		perl -MJSON::PP -0777 -ne 'my $j = eval { decode_json($_) } or exit 1;
			my $h = $j->{arguments}{"high-availability"}[0]{"ha-servers"}{local} or exit 1;
			print "$h->{state}\n"'
}

kea_lab_down() {
	[ -f "$KEA_LAB_STATE" ] || return 0
	# daemons first (only if the pid still runs the program we started)
	while read -r _kind _a _b; do
		[ "$_kind" = pid ] || continue
		if tr '\0' ' ' 2>/dev/null < "/proc/$_a/cmdline" | grep -q "^$_b "; then
			kill "$_a" 2>/dev/null
			for _t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
				kill -0 "$_a" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$_a" 2>/dev/null
		fi
	done < "$KEA_LAB_STATE"
	while read -r _kind _a _b; do
		[ "$_kind" = netns ] && ip netns del "$_a" 2>/dev/null
	done < "$KEA_LAB_STATE"
	rm -f "$KEA_LAB_STATE"
	return 0
}
