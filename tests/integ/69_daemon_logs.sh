#!/bin/sh
# tests/integ/69_daemon_logs.sh - the daemon's log lines (lease-files-only
# mode, nothing but loopback): outside journald each line starts with a UTC
# time and the config's level word; when JOURNAL_STREAM names its stderr (as
# systemd sets it) each line starts with the sd-daemon priority prefix
# (<6>info: …) and no time; every warning and error carries its ID
# ([LS_…], doc/messages.md); 50 leases at log-level info give one summary
# line of decisions, not 50, while at debug each decision has its line.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd jq stat
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

ls_bind_lab logs TERM
tap_plan 9

PORT=$(lab_dns_free_port)	# nothing listens there: decisions are made, sends time out
LF=$DIR/kea-leases4.csv
NOW=$(date +%s)
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	for i in $(seq 1 50); do
		printf '10.7.0.%d,02:00:00:00:00:%02x,,3600,%d,1,1,1,h%d.f.example.,0,\n' "$i" "$i" $((NOW + 3600)) "$i"
	done
} > "$LF"
conf() { ls_conf -d "$DIR" -p "$PORT" -s "$(lab_dns_secret 32)" -4 "$LF" -f f.example. -x "\"log-level\": \"$1\"" > "$DIR/ls.conf"; }
decided() { grep -q "reconcile: .*decided" "$DIR/ls.err"; }
stop() { kill "$PID"; wait "$PID"; PID=; }

conf info
ls_daemon_start "$DIR"; PID=$LS_DPID
tap_ok "the daemon decides the 50 adds" wait_for 20 decided
stop
tap_ok "outside journald, every line starts with a UTC time and a level word" \
	sh -c "! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (error|warn|info|debug): ' '$DIR/ls.err'"
tap_is "at info: no line per lease" "$(grep -c "reconcile: add " "$DIR/ls.err")" 0
tap_ok "at info: a summary counts them" grep -q "reconcile: 50 add(s), 0 removal(s) decided (each at log-level debug)" "$DIR/ls.err"

# as under systemd: JOURNAL_STREAM is stderr's device:inode
: > "$DIR/journal.err"
JS=$(stat -c '%d:%i' "$DIR/journal.err")
rm -f "$DIR/ctl.sock"
JOURNAL_STREAM=$JS "$LS_BIN" -c "$DIR/ls.conf" >> "$DIR/ls.out" 2>> "$DIR/journal.err" &
PID=$!
tap_ok "under journald it starts" wait_for 10 test -S "$DIR/ctl.sock"
stop
tap_ok "under journald: every line starts with <N>level:, the priority matching the word" \
	sh -c "grep -q . '$DIR/journal.err' && ! grep -vE '^(<3>error|<4>warn|<6>info|<7>debug): ' '$DIR/journal.err'"

tap_ok "every warning and error line carries its stable ID" sh -c "
	grep -qE '(warn|error): ' '$DIR/ls.err' '$DIR/journal.err' &&
	! grep -hE '(warn|error): ' '$DIR/ls.err' '$DIR/journal.err' | grep -vE '(warn|error): \[LS_[A-Z0-9_]+\] '"

conf debug
rm -rf "$DIR/state"; : > "$DIR/ls.err"
ls_daemon_start "$DIR"; PID=$LS_DPID
tap_ok "at debug: a line per decision" wait_for 20 sh -c "[ \$(grep -c 'reconcile: add ' '$DIR/ls.err') -ge 50 ]"
stop
tap_ok "a stderr that is not the journal's gets times, not priorities" \
	sh -c "JOURNAL_STREAM=$JS timeout 5 '$LS_BIN' -c '$DIR/nosuch.conf' 2>&1 | grep -qE '^[0-9]{4}-.*Z error: '"
tap_done
