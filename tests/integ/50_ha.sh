#!/bin/sh
# tests/integ/50_ha.sh - user/ha.c follows a real Kea 2.2 HA pair. Two
# kea-dhcp4 servers with libdhcp_lease_cmds.so and libdhcp_ha.so in
# hot-standby, each in its own network namespace, joined by a bridge
# (tools/lab/kea.sh, HA variant); one tools/hawatch per node asks its
# server's control socket for the HA state every 200 ms, the way the daemon
# does. Checked: the primary is active and the standby is not; stopping the
# primary's Kea leaves its watcher standing by (contact lost is never a
# reason to be active) and the standby goes partner-down and becomes active;
# with the primary back, exactly one node is active again (the primary), and
# at no sampled moment after settling are both active. About 40 seconds.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd kea-dhcp4 jq ip perl
HAWATCH=$LS_OUTPUT/tools/hawatch
[ -x "$HAWATCH" ] || tap_skip_all "needs $HAWATCH (make test-bins)"
. "$LS_TOP/tools/lab/kea.sh"
[ -f "$KEA_LAB_HA_HOOK" ] || tap_skip_all "needs $KEA_LAB_HA_HOOK (kea-dhcp4-server)"

DIR=$(mktemp -d /tmp/ls-ha-XXXXXX)
mkdir "$DIR/n1" "$DIR/n2"
W1= W2=
cleanup() {
	for p in $W1 $W2; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# last_is NODE JQ - the watcher's latest line satisfies JQ
last_is() {
	tail -n 1 "$DIR/w$1.out" 2>/dev/null | jq -e "$2" >/dev/null 2>&1
}
# wait_nodes SECONDS NODE JQ [NODE JQ] - until every watcher's latest line satisfies its JQ
wait_nodes() {
	_s=$1; shift
	_end=$(($(date +%s) + _s))
	while [ "$(date +%s)" -le "$_end" ]; do
		if last_is "$1" "$2" && { [ $# -lt 4 ] || last_is "$3" "$4"; }; then
			return 0
		fi
		sleep 0.2
	done
	tap_diag "node 1: $(tail -n 1 "$DIR/w1.out")" "node 2: $(tail -n 1 "$DIR/w2.out")"
	return 1
}
active='.active == true'
standby='.active == false'

tap_plan 11

tap_ok "lab: two server namespaces and a client bridge" kea_lab_ha_net_up
tap_ok "kea-dhcp4 node 1 (primary) up with the HA hook" kea_lab_ha_kea4_up "$DIR/n1" 1
tap_ok "kea-dhcp4 node 2 (standby) up with the HA hook" kea_lab_ha_kea4_up "$DIR/n2" 2

"$HAWATCH" -i 0.2 "$DIR/n1/kea4.sock" > "$DIR/w1.out" 2> "$DIR/w1.err" &
W1=$!
"$HAWATCH" -i 0.2 "$DIR/n2/kea4.sock" > "$DIR/w2.out" 2> "$DIR/w2.err" &
W2=$!

if wait_nodes 30 1 "$active and .state == \"hot-standby\" and .role == \"primary\"" \
	       2 "$standby and .state == \"hot-standby\" and .role == \"standby\""; then
	tap_pass "hot-standby: the primary is active, the standby is not"
else
	tap_fail "hot-standby: the primary is active, the standby is not"
fi
tap_is "Kea agrees: both nodes in hot-standby" \
	"$(kea_lab_ha_state "$DIR/n1/kea4.sock") $(kea_lab_ha_state "$DIR/n2/kea4.sock")" \
	"hot-standby hot-standby"

# the primary's Kea stops: its watcher loses contact, the standby takes over
kea_lab_ha_kea4_down "$DIR/n1"
if wait_nodes 5 1 "$standby and .state == \"unknown\""; then
	tap_pass "primary's Kea gone: its node stands by (contact lost is never active)"
else
	tap_fail "primary's Kea gone: its node stands by (contact lost is never active)"
fi
if wait_nodes 30 2 "$active and .state == \"partner-down\""; then
	tap_pass "standby goes partner-down and becomes active"
else
	tap_fail "standby goes partner-down and becomes active"
fi
# counted: one state change to hot-standby, one to partner-down, one activation
tap_ok "standby's counters: became-active 1, state-changes >= 2" \
	last_is 2 '.["became-active"] == 1 and .["state-changes"] >= 2'

# the primary comes back: it syncs from the partner, then exactly one is active
tap_ok "kea-dhcp4 node 1 back" kea_lab_ha_kea4_up "$DIR/n1" 1
if wait_nodes 40 1 "$active and .state == \"hot-standby\"" 2 "$standby and .state == \"hot-standby\""; then
	tap_pass "primary back: the primary is active again, the standby stands by"
else
	tap_fail "primary back: the primary is active again, the standby stands by"
fi
# steady state: sample both for 3 s; never two, never none
both=0 none=0
for _i in $(seq 1 15); do
	a1=$(tail -n 1 "$DIR/w1.out" | jq -r .active)
	a2=$(tail -n 1 "$DIR/w2.out" | jq -r .active)
	[ "$a1" = true ] && [ "$a2" = true ] && both=$((both + 1))
	[ "$a1" = false ] && [ "$a2" = false ] && none=$((none + 1))
	sleep 0.2
done
tap_is "exactly one node active over 3 s (samples with both / none)" "$both/$none" "0/0"
tap_diag "node 1 transitions: $(jq -r '"\(.state)/\(.active)"' "$DIR/w1.out" | tr '\n' ' ')" \
	 "node 2 transitions: $(jq -r '"\(.state)/\(.active)"' "$DIR/w2.out" | tr '\n' ' ')"
tap_done
