#!/bin/sh
# tests/integ/55_daemon_reload_ifaces.sh - interfaces change only at
# restart: after a reload (SIGHUP) whose configuration names another
# interface, status-get still reports the interface the programs are
# attached to (it used to report the new configuration's), and the reload
# warns that the change waits for a restart.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd ip jq perl
[ -x "$LS_BIN" ] || tap_skip_all "leasesnoop not built"
. "$LS_TOP/tools/lab/dns.sh"

NS=ls-rl-$$
DIR=$(mktemp -d /tmp/ls-reload-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 6

ip netns add "$NS"
ip -n "$NS" link add rla type veth peer name rlb
ip -n "$NS" link set rla up
ip -n "$NS" link set rlb up
conf() {
	cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,  // Kea's DDNS off: names from the lease file
  "interfaces": [ "$1" ],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$(lab_dns_secret 32)" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "f.example.", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": 53 } ] } ] }
} }
CEOF
}
ifaces() { perl "$LS_TOP/tests/lib/hostile.pl" ctl "$DIR/ctl.sock" status-get | jq -c .arguments.interfaces; }
conf rla
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"
# ip execs leasesnoop: $! is the daemon itself
ip netns exec "$NS" "$LS_BIN" -c "$DIR/ls.conf" >"$DIR/ls.out" 2>"$DIR/ls.err" &
PID=$!
for i in $(seq 1 600); do
	[ -S "$DIR/ctl.sock" ] && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if [ -S "$DIR/ctl.sock" ]; then tap_pass "leasesnoop attached to rla"; else tap_fail "leasesnoop attached to rla" "$(cat "$DIR/ls.err")"; fi
tap_is "status-get: interfaces" "$(ifaces)" '["rla"]'

conf rlb
kill -HUP "$PID"
for i in $(seq 1 300); do
	grep -q "daemon: configuration reloaded" "$DIR/ls.err" && break
	sleep 0.1
done
tap_ok "reloaded" grep -q "daemon: configuration reloaded" "$DIR/ls.err"
tap_ok "the reload warns that interfaces change only at restart" \
	grep -q "interfaces.*change only at restart" "$DIR/ls.err"
tap_is "after the reload status-get reports what is attached" "$(ifaces)" '["rla"]'
tap_ok "the XDP program is still on rla" sh -c "ip -n '$NS' link show rla | grep -q xdp"
kill -TERM "$PID"; wait "$PID"; PID=
tap_done
