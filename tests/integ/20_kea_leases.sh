#!/bin/sh
# tests/integ/20_kea_leases.sh - the lease table against real Kea 2.2. Runs
# kea-dhcp4 and kea-dhcp6 (memfile, lease_cmds hook, lfc-interval 3 s, short
# lifetimes so leases expire and are reclaimed) in a network namespace, and
# perfdhcp clients with renews and releases across a veth. Meanwhile
# tools/leasewatch follows the live lease files the way the daemon does
# (inotify, LFC rotations); several times during the run and at the end its
# table must equal Kea's own lease4-get-all / lease6-get-all: same addresses,
# identities, expiries, names and states. About a minute.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd kea-dhcp4 kea-dhcp6 perfdhcp jq ip perl
WATCH=$LS_OUTPUT/tools/leasewatch
[ -x "$WATCH" ] || tap_skip_all "needs $WATCH (make test-bins)"
. "$LS_TOP/tools/lab/kea.sh"

DIR=$(mktemp -d /tmp/ls-kea-leases-XXXXXX)
W4= W6= P4= P6=
cleanup() {
	for p in $P4 $P6 $W4 $W6; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tap_plan 17

# v4: Kea as the corpus shows it, names generated for every lease
tap_ok "lab: namespaces and veth up" kea_lab_net_up
export KEA_LAB_RECLAIM_MAX=0 KEA_LAB_FLUSH=3600	# reclaimed leases stay, in state 2
KEA_LAB_DDNS=1 KEA_LAB_LFC=3 KEA_LAB_VALID=25 KEA_LAB_RECLAIM=2 \
	tap_ok "kea-dhcp4 up with lease_cmds and lfc-interval 3" kea_lab_kea4_up "$DIR"
KEA_LAB_LFC=3 KEA_LAB_VALID=30 KEA_LAB_RECLAIM=2 \
	tap_ok "kea-dhcp6 up with lease_cmds and lfc-interval 3" kea_lab_kea6_up "$DIR"

"$WATCH" -o "$DIR/snap4.json" -e "$DIR/changes4.json" "$DIR/kea-leases4.csv" \
	> "$DIR/watch4.out" 2> "$DIR/watch4.err" &
W4=$!
"$WATCH" -o "$DIR/snap6.json" -e "$DIR/changes6.json" "$DIR/kea-leases6.csv" \
	> "$DIR/watch6.out" 2> "$DIR/watch6.err" &
W6=$!
# following = the lease file loaded and an inotify watch on it (leasewatch sets
# that up after blocking SIGUSR1, so the snapshots below cannot kill it)
watching() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'anon_inode:inotify'; }
if wait_for 10 watching "$W4" && wait_for 10 watching "$W6"; then
	tap_pass "leasewatch follows both lease files (inotify on each)"
else
	tap_fail "leasewatch follows both lease files" "$(cat "$DIR"/watch*.err)"
fi

kea_lab_perfdhcp_bg 4 "$DIR/perf4.out" -r 150 -R 4000 -p 30 -f 30 -F 20
P4=$KEA_LAB_BG_PID
kea_lab_perfdhcp_bg 6 "$DIR/perf6.out" -r 80 -R 2000 -p 30 -f 10 -F 10 -e address-and-prefix
P6=$KEA_LAB_BG_PID

# normalized views: one sorted line per lease
kea_view() {
	if [ "$1" = 4 ]; then
		jq -r '(.arguments.leases // [])[] | [."ip-address", ."hw-address", (."client-id" // ""),
			(.cltt + ."valid-lft"), ."valid-lft", .hostname, .state, ."subnet-id"] | @tsv'
	else
		jq -r '(.arguments.leases // [])[] | [."ip-address",
			(if .type == "IA_PD" then ."prefix-len" else 128 end), .type, .duid, .iaid,
			(.cltt + ."valid-lft"), ."valid-lft", ."preferred-lft", .hostname, .state] | @tsv'
	fi | sort
}
our_view() {
	if [ "$1" = 4 ]; then
		jq -r '[.address, .hwaddr, .client_id, .expire, .valid_lifetime, .hostname, .state,
			.subnet_id] | @tsv'
	else
		jq -r '[.address, .prefix_len, (["IA_NA","IA_TA","IA_PD"][.lease_type]), .duid,
			.iaid, .expire, .valid_lifetime, .pref_lifetime, .hostname, .state] | @tsv'
	fi < "$DIR/snap$1.json" | sort
}
snapshot() {
	rm -f "$DIR/snap$1.json"
	eval "kill -USR1 \$W$1"
	wait_for 5 test -e "$DIR/snap$1.json"
}
# compare FAMILY: Kea's answer, our table, Kea's answer again; equal when the
# two answers of Kea agree (else Kea moved meanwhile: reclamation; try again)
compare() {
	_f=$1
	for _try in $(seq 1 20); do	# about 10 s: reclamation runs every 2 s
		kea_lab_lease_all "$DIR/kea$_f.sock" "$_f" | kea_view "$_f" > "$DIR/kea$_f.a"
		snapshot "$_f" || { echo "no snapshot from leasewatch"; return 1; }
		our_view "$_f" > "$DIR/our$_f"
		kea_lab_lease_all "$DIR/kea$_f.sock" "$_f" | kea_view "$_f" > "$DIR/kea$_f.b"
		if cmp -s "$DIR/kea$_f.a" "$DIR/kea$_f.b" && cmp -s "$DIR/kea$_f.a" "$DIR/our$_f"; then
			echo "$(wc -l < "$DIR/our$_f") leases equal"
			return 0
		fi
		sleep 0.5
	done
	cmp -s "$DIR/kea$_f.a" "$DIR/kea$_f.b" || echo "Kea's own answers kept changing"
	echo "kea: $(wc -l < "$DIR/kea$_f.a") leases, leasewatch: $(wc -l < "$DIR/our$_f")"
	diff "$DIR/kea$_f.a" "$DIR/our$_f" | head -20
	return 1
}
# check_while_running FAMILY NAME - pause the clients, compare, resume
check_while_running() {
	kill -STOP "$P4" "$P6" 2>/dev/null
	# no settling sleep: compare() retries until two answers of Kea agree
	if _out=$(compare "$1"); then tap_pass "$2 ($_out)"; else tap_fail "$2" "$_out"; fi
	kill -CONT "$P4" "$P6" 2>/dev/null
}

sleep 8
check_while_running 4 "v4 table equals lease4-get-all while clients run"
check_while_running 6 "v6 table equals lease6-get-all while clients run"
sleep 10
check_while_running 4 "v4 still equal after more LFC rotations"
check_while_running 6 "v6 still equal after more LFC rotations"

wait "$P4"; P4=
wait "$P6"; P6=
# let leases expire and Kea reclaim them, with LFC running meanwhile: until
# the v4 feed has shown both (the clock's expiry, then Kea's reclamation)
expired_and_reclaimed() {
	grep -q '"change":"expired"' "$DIR/changes4.json" && grep -q '"change":"reclaimed"' "$DIR/changes4.json"
}
WAIT_STEP=0.5 wait_for 30 expired_and_reclaimed
if _out=$(compare 4); then tap_pass "v4 equal at the end, after expiry and reclamation ($_out)"
else tap_fail "v4 equal at the end, after expiry and reclamation" "$_out"; fi
if _out=$(compare 6); then tap_pass "v6 equal at the end ($_out)"
else tap_fail "v6 equal at the end" "$_out"; fi

# a fresh load (history + live, in Kea's order) agrees as well
"$LS_OUTPUT/tools/leasewatch" --bench "$DIR/kea-leases4.csv" > "$DIR/load4.json"
tap_is "a fresh load holds as many leases as Kea" "$(jq .leases "$DIR/load4.json")" \
	"$(kea_lab_lease_all "$DIR/kea4.sock" 4 | jq '(.arguments.leases // []) | length')"

kill "$W4" "$W6"
wait "$W4" "$W6" 2>/dev/null
W4= W6=
r4=$(jq .rotations "$DIR/watch4.out") r6=$(jq .rotations "$DIR/watch6.out")
if [ "${r4:-0}" -ge 3 ] && [ "${r6:-0}" -ge 3 ]; then
	tap_pass "followed LFC rotations (v4 $r4, v6 $r6)"
else
	tap_fail "followed LFC rotations" "v4 $r4, v6 $r6" "$(ls -l "$DIR")"
fi
tap_is "no bad rows" "$(jq '.bad_rows' "$DIR/watch4.out")/$(jq '.bad_rows' "$DIR/watch6.out")" "0/0"
kinds=$(jq -r .change "$DIR/changes4.json" | sort -u | tr '\n' ' ')
case $kinds in
*deleted*expired*name-changed*new*reclaimed*) tap_pass "v4 feed: $kinds" ;;
*) tap_fail "v4 feed has new, name-changed, deleted, expired, reclaimed" "got: $kinds" ;;
esac

# the CLI mode: the same file through `leasesnoop --kea-leases`
"$LS_BIN" --kea-leases "$DIR/kea-leases4.csv" --all --json > "$DIR/cli4.json" 2> "$DIR/cli4.err"
tap_is "leasesnoop --kea-leases --all --json prints every lease" "$(wc -l < "$DIR/cli4.json")" \
	"$(jq .leases "$DIR/load4.json")"
tap_is "leasesnoop --kea-leases --all prints Kea's own addresses" \
	"$(jq -r .address "$DIR/cli4.json" | sort | tr '\n' ' ')" \
	"$(kea_lab_lease_all "$DIR/kea4.sock" 4 | jq -r '(.arguments.leases // [])[]."ip-address"' | sort | tr '\n' ' ')"
# teardown leaves nothing behind, although the lab was built in subshells
kpids="$(cat "$DIR/kea-dhcp4.pid" "$DIR/kea-dhcp6.pid")"
kea_lab_down
left=""
for p in $kpids; do kill -0 "$p" 2>/dev/null && left="$left pid $p"; done
ip netns list | grep -qE "^$KEA_LAB_SRV_NS( |$)" && left="$left $KEA_LAB_SRV_NS"
ip netns list | grep -qE "^$KEA_LAB_CLI_NS( |$)" && left="$left $KEA_LAB_CLI_NS"
tap_is "kea_lab_down stops Kea and removes the namespaces" "${left:-nothing left}" "nothing left"
tap_done
