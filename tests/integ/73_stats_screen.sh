#!/bin/sh
# tests/integ/73_stats_screen.sh - `leasesnoop --stats` for people, checked
# on a real terminal: a private tmux server (its own socket) runs `--stats`
# and `--stats --watch` in an 80x24 pane against a daemon that has put 600
# leases into a real BIND, and the pane is captured: sections and aligned
# tables, totals grouped by thousands and equal to `--stats --json`, rates
# per second under --watch, human times, and none of the machine form (no
# JSON arrays or maps, no float noise, no epoch, no line over 80 columns);
# under --watch the top of the dashboard stays on the 24 rows.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq tmux
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

ls_bind_lab screen
TM="tmux -L ls-screen-$$ -f /dev/null"
LS_LAB_DOWN="$TM kill-server"
tap_plan 17

N=600
FZ=screen.example.
RZ=64.10.in-addr.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
mkdir -p "$DIR/dns"
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v n=$N -v now=$NOW 'BEGIN { for (i = 0; i < n; i++)
		printf "10.64.%d.%d,02:00:00:00:%02x:%02x,,3600,%d,1,1,1,c%d.screen.example.,0,\n",
			int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 3600, i }'
} > "$DIR/kea-leases4.csv"
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -r "$RZ" > "$DIR/ls.conf"
if start; then tap_pass "the daemon starts"; else tap_fail "the daemon starts" "$(cat "$DIR/ls.err")"; fi
settle 60 || tap_diag "not idle in 60 s"
APPLIED=$(stats | jq .applied)
tap_is "all $N leases applied (both sides)" "$APPLIED" $((2 * N))

# run CMD in a fresh 80x24 pane; the pane stays after the command ends
pane() {
	$TM kill-session -t s 2>/dev/null
	$TM new-session -d -s s -x 80 -y 24 "$*; sleep 600"
}
shot() { $TM capture-pane -p -t s; }
shot_joined() { $TM capture-pane -p -J -t s -S - ; }
has_text() { shot | grep -q "$1"; }

# --stats, once
pane "$LS_BIN --stats --control-socket $DIR/ctl.sock"
wait_for 10 has_text 'SERVERS' || tap_diag "no SERVERS line in 10 s"
shot_joined > "$DIR/once"
tap_diag "$(cat "$DIR/once")"
head -1 "$DIR/once" | grep -q '^leasesnoop  [0-9-]* [0-9:]* UTC  up ' &&
	tap_pass "header: time and uptime in words" || tap_fail "header: time and uptime in words" "$(head -1 "$DIR/once")"
for s in 'DNS CHANGES' LEASES ZONES 'SERVERS (zone)'; do
	grep -q "^$s" "$DIR/once" && tap_pass "section $s" || tap_fail "section $s" "$(cat "$DIR/once")"
done
tap_is "applied, grouped by thousands, equal to --json" \
	"$(awk '$1 == "applied" { print $2 }' "$DIR/once")" "1,200"
tap_is "the zone's row: name, applied, conflicts, failures aligned" \
	"$(grep "^  $FZ" "$DIR/once" | head -1 | awk '{ print $2, $3, $4 }')" "600 0 0"
tap_is "last success in words" "$(grep -o 'last success *[0-9a-z ]*$' "$DIR/once" | sed 's/  */ /g' | grep -cE 'last success ([0-9]+ s|[0-9]+ min) ago|last success now')" 1
tap_is "no JSON arrays or maps, no key paths" "$(grep -cE '[][{}]|\.\.applied|":' "$DIR/once")" 0
tap_is "no float noise (3 or more decimals)" "$(grep -cE '[0-9]\.[0-9]{3,}' "$DIR/once")" 0
tap_is "no epoch times" "$(grep -cE '(^|[^0-9,])1[0-9]{9}([^0-9]|$)' "$DIR/once")" 0
tap_is "no line over 80 columns" "$(awk 'length > 80' "$DIR/once" | wc -l)" 0

# --stats --watch: redrawn in place, rates beside totals, the top on the 24 rows
pane "$LS_BIN --stats --watch --control-socket $DIR/ctl.sock"
# the first screen has no rates yet ("-"); the second has them, between two reads
rated() { shot | awk '$1 == "applied" && $3 ~ /^[0-9]/ { ok = 1 } END { exit !ok }'; }
wait_for 10 rated || tap_diag "no rate beside applied in 10 s"
shot > "$DIR/watch"
tap_diag "$(cat "$DIR/watch")"
head -1 "$DIR/watch" | grep -q '^leasesnoop  ' && grep -q '^DNS CHANGES (per side) *total *\/s' "$DIR/watch" &&
	tap_pass "--watch: the header on row 1, a /s column beside the totals" ||
	tap_fail "--watch: the header on row 1, a /s column beside the totals" "$(cat "$DIR/watch")"
tap_is "--watch: the applied row has total and rate (0 when idle)" \
	"$(awk '$1 == "applied" { print $2, $3 }' "$DIR/watch")" "1,200 0"
tap_done
