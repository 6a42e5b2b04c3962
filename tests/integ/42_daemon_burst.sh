#!/bin/sh
# tests/integ/42_daemon_burst.sh - leasesnoop -c on a lease file written
# the way Kea writes it, against BIND: a burst of 20,000 new leases appended
# within a second all land in DNS (forward and reverse); 20,000 renewals
# send nothing (zone serial unchanged); kill -9 while 10,000 of them are
# being removed, restart: DNS equals the lease file exactly; --dry-run
# prints changes and sends none.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

ls_bind_lab burst
tap_plan 9

N=20000
FZ=burst.example.
RZ=64.10.in-addr.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -r "$RZ" \
	-x '"log-level": "warn"' -x '"batching": { "timeout-ms": 10000 }' > "$DIR/ls.conf"
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"

# rows FIRST LAST LIFETIME STATE: Kea-style rows for leases FIRST..LAST
rows() {
	awk -v a="$1" -v b="$2" -v lft="$3" -v st="$4" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++) {
			x = int(i / 250) + 1; y = i % 250 + 1
			printf "10.64.%d.%d,02:00:00:00:%02x:%02x,,%d,%d,1,1,1,c%d.burst.example.,%d,\n",
				x, y, int(i / 256), i % 256, lft, now + (lft ? lft : 0), i, st
		}
	}'
}
count() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET" | awk -v t="$2" '$3 == t' | wc -l; }
serial() { dig +short -p "$PORT" @127.0.0.1 "$FZ" SOA | awk '{ print $3 }'; }

if start; then tap_pass "leasesnoop -c starts"; else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
rows 0 $((N - 1)) 3600 0 > "$DIR/burst.csv"
t0=$(date +%s.%N)
cat "$DIR/burst.csv" >> "$DIR/kea-leases4.csv"	# one append: the whole burst at once
settle 60
t1=$(date +%s.%N)
a=$(count "$FZ" A); p=$(count "$RZ" PTR)
tap_is "a burst of $N new leases: every A record in DNS" "$a" "$N"
tap_is "... and every PTR record" "$p" "$N"
tap_diag "$(echo "$t0 $t1" | awk -v n=$N '{ printf "burst landed in %.1f s (%.0f leases/s)", $2 - $1, n / ($2 - $1) }')"

s0=$(serial); adds0=$(stats | jq '."adds-sent"')
rows 0 $((N - 1)) 3600 0 | sed 's/,3600,\([0-9]*\),/,3600,\1,/' | awk -F, -v OFS=, '{ $5 = $5 + 60; print }' >> "$DIR/kea-leases4.csv"
settle 30
tap_is "$N renewals: nothing sent (adds, zone serial)" "$(stats | jq '."adds-sent"') $(serial)" "$adds0 $s0"

# remove half by Kea-style delete rows, kill -9 in the middle, restart
r0=$(ls_daemon_rows "$DIR")
rows 0 $((N / 2 - 1)) 0 0 >> "$DIR/kea-leases4.csv"
wait_for 10 ls_daemon_has_read "$DIR" $((r0 + N / 2))	# read: the removal is under way
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
if start; then tap_pass "restart after kill -9 mid-removal"; else tap_fail "restart after kill -9 mid-removal" "$(cat "$DIR/ls.err")"; fi
settle 60
tap_is "after kill -9: A records equal the lease file" "$(count "$FZ" A)" "$((N / 2))"
tap_is "after kill -9: PTR records equal the lease file" "$(count "$RZ" PTR)" "$((N / 2))"

# --dry-run beside it prints changes and sends none
kill -TERM "$PID"; wait "$PID"; PID=
rows $((N / 2)) $((N / 2 + 9)) 3600 3 >> "$DIR/kea-leases4.csv"
s0=$(serial)
"$LS_BIN" -c "$DIR/ls.conf" --dry-run > "$DIR/dry.out" 2> "$DIR/dry.err" &
PID=$!
dry_removes() { grep -c '^dry-run: remove .* c100[0-9][0-9]\.burst' "$DIR/dry.out"; }
dry_done() { [ "$(dry_removes)" -ge 10 ]; }
wait_for 10 dry_done
kill -INT "$PID"; wait "$PID"; PID=
n=$(dry_removes)
tap_is "--dry-run: the 10 releases printed, zone unchanged" "$n $(serial)" "10 $s0"
tap_done
