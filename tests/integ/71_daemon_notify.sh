#!/bin/sh
# tests/integ/71_daemon_notify.sh - the daemon under Type=notify, as systemd
# runs it (lease-files-only, loopback): NOTIFY_SOCKET names a datagram
# socket this test reads; READY=1 comes once the start-up pass is handed
# on (the 20 leases are then counted as sent), WATCHDOG=1 repeats at half
# of WATCHDOG_USEC, SIGHUP gives RELOADING=1 then READY=1, SIGTERM STOPPING=1.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd jq perl
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-notify-XXXXXX)
PID= LPID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 6

PORT=$(lab_dns_free_port)
LF=$DIR/kea-leases4.csv
NOW=$(date +%s)
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	for i in $(seq 1 20); do
		printf '10.8.0.%d,02:00:00:00:00:%02x,,3600,%d,1,1,1,h%d.f.example.,0,\n' "$i" "$i" $((NOW + 3600)) "$i"
	done
} > "$LF"
ls_conf -d "$DIR" -p "$PORT" -s "$(lab_dns_secret 32)" -4 "$LF" -f f.example. > "$DIR/ls.conf"

# the listener: one line per datagram, newlines inside it as '|'
perl -MIO::Socket::UNIX -e '
	$| = 1;
	my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM(), Local => $ARGV[0]) or die "bind: $!";
	open(my $o, ">>", $ARGV[1]) or die; select($o); $| = 1;
	while (1) { my $m; $s->recv($m, 4096); $m =~ s/\n/|/g; print $o "$m\n"; }' \
	"$DIR/notify.sock" "$DIR/notify.log" &
LPID=$!
wait_for 5 test -S "$DIR/notify.sock"
NOTIFY_SOCKET=$DIR/notify.sock WATCHDOG_USEC=1000000 "$LS_BIN" -c "$DIR/ls.conf" > "$DIR/ls.out" 2> "$DIR/ls.err" &
PID=$!
tap_ok "READY=1 is sent" wait_for 20 grep -q "^READY=1" "$DIR/notify.log"
tap_is "when it is, the start-up pass has handed on every lease" \
	"$("$LS_BIN" --stats --json --control-socket "$DIR/ctl.sock" | jq '."adds-sent" >= 20')" true
pets() { [ "$(grep -c '^WATCHDOG=1$' "$DIR/notify.log")" -ge "$1" ]; }
tap_ok "WATCHDOG=1 keeps coming (WATCHDOG_USEC 1 s)" wait_for 10 pets 5
kill -HUP "$PID"
reloaded() { grep -A1 '^RELOADING=1$' "$DIR/notify.log" | grep -q '^READY=1'; }
tap_ok "SIGHUP: RELOADING=1, then READY=1" wait_for 10 reloaded
kill "$PID"; wait "$PID"; rc=$?; PID=
tap_is "SIGTERM: exit 0" "$rc" 0
tap_ok "SIGTERM: STOPPING=1" grep -q '^STOPPING=1$' "$DIR/notify.log"
tap_done
