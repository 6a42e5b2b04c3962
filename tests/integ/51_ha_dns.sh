#!/bin/sh
# tests/integ/51_ha_dns.sh - the issue's HA pair end to end: two real Kea 2.2
# kea-dhcp4 servers with libdhcp_ha.so in hot-standby (tools/lab/kea.sh, HA
# variant), each with its own `leasesnoop -c` following its own lease file
# and its own Kea's HA state, one BIND 9 shared, perfdhcp clients across
# the bridge. Checked with AXFR/dig: only the primary's leasesnoop sends
# while the standby keeps its lease table current and sends nothing; with
# the primary's Kea stopped the standby goes partner-down, its leasesnoop
# takes over (the primary's records adopted through their DHCID, no
# conflict), new leases get records and the leases whose records the
# primary created are removed when they expire; with the primary back
# exactly one node sends. DNS always equals the serving node's lease file,
# with no name held twice. The primary's metrics endpoint is scraped and
# checked by promtool and against `--stats --json`. About 90 seconds.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/lsrun.sh"
need_root
need_cmd kea-dhcp4 perfdhcp named jq dig ip perl curl promtool
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
[ -f "$KEA_LAB_HA_HOOK" ] || tap_skip_all "needs $KEA_LAB_HA_HOOK (kea-dhcp4-server)"

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
DIR=$(mktemp -d /tmp/ls-ha-dns-XXXXXX)
mkdir -p "$DIR/n1" "$DIR/n2" "$DIR/dns"
L1= L2=
cleanup() {
	for p in $L1 $L2; do kill "$p" 2>/dev/null; done
	# only our leasesnoops: Kea and named are also children of this shell
	for p in $L1 $L2; do wait "$p" 2>/dev/null; done
	lab_bind_stop "$DIR/dns" 2>/dev/null
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
MPORT=$(lab_dns_free_port)
[ "$MPORT" = "$PORT" ] && MPORT=$((PORT + 2))

node_conf() { # NODE
	_m=
	[ "$1" = 1 ] && _m="\"metrics\": { \"listen\": \"127.0.0.1:$MPORT\" }"
	ls_conf -d "$DIR/n$1" -p "$PORT" -s "$SECRET" -4 "$DIR/n$1/kea-leases4.csv" -f "$FZ" -r "$RZ4" \
		-x '"batching": { "backoff-max-ms": 1000, "timeout-ms": 500 }' \
		-x "\"high-availability\": { \"control-socket\": \"$DIR/n$1/kea4.sock\", \"mode\": \"hot-standby\", \"interval\": 0.2 }" \
		${_m:+-x "$_m"} > "$DIR/n$1/ls.conf"
}
ls_start() { # NODE - leasesnoop -c of node NODE; its pid in L<NODE>
	ls_daemon_start "$DIR/n$1"
	_rc=$?
	eval "L$1=\$LS_DPID"
	[ $_rc = 0 ] || cat "$DIR/n$1/ls.err" >&2
	return $_rc
}
st() { "$LS_BIN" --stats --json --control-socket "$DIR/n$1/ctl.sock" 2>/dev/null; }
# wait_st SECONDS NODE JQ - until node's statistics satisfy JQ
wait_st() {
	for _i in $(seq 1 $(($1 * 5))); do
		st "$2" | jq -e "$3" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	tap_diag "node $2: $(st "$2" | jq -c '{ha, "adds-sent", "removes-sent", applied, conflicts, failed, idle}')"
	return 1
}
# bindings the lease file of NODE wants, and what DNS has
want() {
	"$LS_BIN" --kea-leases "$DIR/n$1/kea-leases4.csv" --json 2>/dev/null |
		jq -r 'select(.hostname != "") | "\(.hostname | ascii_downcase | sub("\\.?$"; ".")) \(.address)"' | sort
}
have() {
	lab_dns_axfr "$PORT" "$FZ" k hmac-sha256 "$SECRET" |
		awk '$3 == "A" { print $1, $4 }' | sort
}
have_ptr() {
	lab_dns_axfr "$PORT" "$RZ4" k hmac-sha256 "$SECRET" | awk '$3 == "PTR"' | wc -l
}
# dns_is NODE NAME - DNS equals NODE's lease file, forward and reverse, no name twice
dns_is() {
	_ok=0
	for _i in $(seq 1 40); do
		_w=$(want "$1"); _h=$(have)
		if [ -n "$_w" ] && [ "$_w" = "$_h" ] && [ "$(have_ptr)" = "$(echo "$_w" | wc -l)" ] &&
		   [ -z "$(echo "$_h" | awk '{ print $1 }' | uniq -d)" ]; then
			_ok=1
			break
		fi
		sleep 0.5
	done
	if [ $_ok = 1 ]; then
		tap_pass "$2 ($(echo "$_w" | wc -l) bindings)"
	else
		tap_fail "$2" "want $(echo "$_w" | grep -c .) have $(echo "$_h" | grep -c .) ptr $(have_ptr)" \
			"$(printf '%s\n' "$_w" > "$DIR/w"; printf '%s\n' "$_h" | diff "$DIR/w" - | head -8)"
	fi
}

tap_plan 18

lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ4" >/dev/null 2>&1
tap_ok "BIND up with $FZ and $RZ4" lab_dns_wait "$PORT" "$FZ"
tap_ok "lab: two server namespaces and a client bridge" kea_lab_ha_net_up
export KEA_LAB_DDNS=1 KEA_LAB_VALID=40 KEA_LAB_RECLAIM=2 KEA_LAB_RECLAIM_MAX=0 KEA_LAB_LFC=0
if kea_lab_ha_kea4_up "$DIR/n1" 1 && kea_lab_ha_kea4_up "$DIR/n2" 2; then
	tap_pass "two kea-dhcp4 with the HA hook (hot-standby, names generated)"
else
	tap_fail "two kea-dhcp4 with the HA hook" "$(tail -5 "$DIR"/n*/kea-dhcp4.log)"
fi
node_conf 1
node_conf 2
if ls_start 1 && ls_start 2; then tap_pass "a leasesnoop -c per node"; else tap_fail "a leasesnoop -c per node"; fi

# 1. the primary sends, the standby stands by
if wait_st 30 1 '.ha.active == true and .ha.state == "hot-standby"' &&
   wait_st 5 2 '.ha.active == false and .ha.state == "hot-standby"'; then
	tap_pass "primary's leasesnoop active, standby's standing by"
else
	tap_fail "primary's leasesnoop active, standby's standing by"
fi
tb1=$(date +%s)
kea_lab_cli perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" -r 20 -R 20 -n 20 -p 5 \
	"$KEA_LAB_SRV_ADDR4" > "$DIR/perf1.out" 2>&1
dns_is 1 "leases from the primary resolve, forward and reverse"
n1=$(want 1 | wc -l)
if wait_st 10 2 ".[\"lease-files\"].v4.leases >= $n1 and .[\"adds-sent\"] == 0 and .[\"removes-sent\"] == 0"; then
	tap_pass "standby's lease table has the HA-replicated leases; it sent nothing"
else
	tap_fail "standby's lease table has the HA-replicated leases; it sent nothing"
fi

# 2. the primary's Kea stops: the standby takes over
kea_lab_ha_kea4_down "$DIR/n1"
if wait_st 30 2 '.ha.active == true and .ha.state == "partner-down"' &&
   wait_st 5 1 '.ha.active == false'; then
	tap_pass "primary's Kea stopped: standby partner-down, its leasesnoop active; the primary's stands by"
else
	tap_fail "primary's Kea stopped: standby partner-down, its leasesnoop active; the primary's stands by"
fi
if wait_st 20 2 ".store.records >= $n1 and .conflicts == 0 and .failed == 0"; then
	tap_pass "the primary's records adopted through their DHCID ($(st 2 | jq .store.records) owned, no conflict)"
else
	tap_fail "the primary's records adopted through their DHCID"
fi
# 20 s after the first clients, so both groups' expiries are well apart
while [ $(($(date +%s) - tb1)) -lt 20 ]; do sleep 0.5; done
kea_lab_cli perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" -r 10 -R 10 -n 10 -p 4 -b mac=00:0c:01:00:00:00 \
	"$KEA_LAB_SRV2_ADDR4" > "$DIR/perf2.out" 2>&1
n2=$(want 2 | wc -l)
if [ "$n2" -gt "$n1" ]; then tap_pass "standby serves new clients in partner-down ($n2 leases)"
else tap_fail "standby serves new clients in partner-down" "$(tail -5 "$DIR/perf2.out")"; fi
dns_is 2 "new leases from the standby resolve, the primary's still do"

# 3. the primary's leases expire: the standby removes records the primary created
if wait_st 40 2 ".[\"removes-sent\"] >= $n1"; then
	tap_pass "expired leases of the primary: the standby removed their records"
else
	tap_fail "expired leases of the primary: the standby removed their records"
fi
dns_is 2 "DNS equals the standby's lease file after expiry"

# 4. the primary comes back: exactly one node sends
tap_ok "primary's Kea back" kea_lab_ha_kea4_up "$DIR/n1" 1
if wait_st 40 1 '.ha.active == true and .ha.state == "hot-standby"' &&
   wait_st 10 2 '.ha.active == false and .ha.state == "hot-standby"'; then
	tap_pass "primary back: exactly one leasesnoop sends (the primary's)"
else
	tap_fail "primary back: exactly one leasesnoop sends (the primary's)"
fi
sent2=$(st 2 | jq -c '[.["adds-sent"], .["removes-sent"]]')
kea_lab_cli perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" -r 10 -R 10 -n 10 -p 4 -b mac=00:0c:02:00:00:00 \
	"$KEA_LAB_SRV_ADDR4" > "$DIR/perf3.out" 2>&1
dns_is 1 "new leases from the primary resolve: DNS equals the primary's lease file"
tap_is "the standby's leasesnoop sent nothing once the primary was back" \
	"$(st 2 | jq -c '[.["adds-sent"], .["removes-sent"]]')" "$sent2"

# 5. metrics of the primary's leasesnoop: promtool, and the same values as --stats
# the registry mirrors the statistics once a second: fetch until it caught up
mirrored() {
	curl -sf "http://127.0.0.1:$MPORT/metrics" > "$DIR/metrics.txt" &&
	[ "$(awk '/^leasesnoop_owned_records /{ print $2 }' "$DIR/metrics.txt")" = "$(st 1 | jq .store.records)" ]
}
WAIT_STEP=0.2 wait_for 10 mirrored
s=$(st 1)
got=$(awk '/^leasesnoop_owned_records /{ o = $2 } /^leasesnoop_ha_active /{ a = $2 }
	/^leasesnoop_dns_changes_total\{/ && /result="applied"/ { ap += $2 }
	END { print o, a, ap }' "$DIR/metrics.txt")
exp="$(echo "$s" | jq -r '"\(.store.records) 1 \([.changes[] | select(.result == "applied") | .count] | add // 0)"')"
if promtool check metrics < "$DIR/metrics.txt" 2> "$DIR/promtool.err" && [ "$got" = "$exp" ]; then
	tap_pass "metrics: promtool check metrics passes; owned, ha_active, applied equal --stats ($got)"
else
	tap_fail "metrics: promtool and --stats" "got $got want $exp" "$(head -5 "$DIR/promtool.err")"
fi
tap_done
