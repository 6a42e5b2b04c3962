#!/bin/sh
# tests/integ/52_metrics_burst.sh - the metrics endpoint under load: the
# daemon on a hand-written lease file against BIND, metrics on; while a
# burst of 20,000 new leases is applied, /metrics is scraped in a tight loop
# and a second client holds a half-sent request open the whole time. Every
# scrape answers within 1 s and passes `promtool check metrics`, scrapes
# see the burst part-way, the burst lands in full, and afterwards the
# per-server latency histogram agrees with `--stats --json`: its _count is
# the verified replies of all dns.servers (dns.messages counts sends, resends
# after a timeout included), per server _count/_sum are the replies and
# latency sum of dns.servers; the daemon's resident memory stays flat over thousands of
# `statistic-get-all` requests. About 30 seconds.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq perl promtool
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

ls_bind_lab mburst
SPID= HPID=
scrapers_down() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null
}
LS_LAB_DOWN=scrapers_down
tap_plan 10

N=20000
FZ=burst.example.
RZ=64.10.in-addr.arpa.
PORT=$(lab_dns_free_port)
MPORT=$(lab_dns_free_port)
[ "$MPORT" = "$PORT" ] && MPORT=$((PORT + 2))
SECRET=$(lab_dns_secret 32)
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -r "$RZ" \
	-x '"log-level": "warn"' -x "\"metrics\": { \"listen\": \"127.0.0.1:$MPORT\" }" > "$DIR/ls.conf"
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"

rows() {
	awk -v a="$1" -v b="$2" -v lft="$3" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++) {
			x = int(i / 250) + 1; y = i % 250 + 1
			printf "10.64.%d.%d,02:00:00:00:%02x:%02x,,%d,%d,1,1,1,c%d.burst.example.,0,\n",
				x, y, int(i / 256), i % 256, lft, now + lft, i
		}
	}'
}
count() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET" | awk -v t="$2" '$3 == t' | wc -l; }

# scrape PORT OUTDIR [MAX]: GET /metrics in a loop until OUTDIR/stop exists; each
# body in OUTDIR/NNNNN.txt, "seconds status bytes" per scrape in OUTDIR/times
cat > "$DIR/scrape.pl" <<'PEOF'
use strict; use warnings; use IO::Socket::INET; use Time::HiRes qw(time sleep);
my ($port, $out, $max) = @ARGV;
open(my $t, '>', "$out/times") or die; $t->autoflush(1);
for (my $n = 0; ! -e "$out/stop" && (!$max || $n < $max); $n++) {
	my $t0 = time;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 5);
	my ($resp, $st) = ('', 0);
	if ($s) {
		print $s "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
		local $/; $resp = <$s> // ''; close $s;
	}
	my $dt = time - $t0;
	my ($head, $body) = split(/\r\n\r\n/, $resp, 2);
	$st = $1 if defined $head && $head =~ m{^HTTP/1\.\d (\d+)};
	$body //= '';
	open(my $f, '>', sprintf("%s/%05d.txt", $out, $n)) or die; print $f $body; close $f;
	printf $t "%.6f %d %d\n", $dt, $st, length($body);
	sleep 0.01;
}
PEOF
# hold PORT: a client that sends half a request and then waits
cat > "$DIR/hold.pl" <<'PEOF'
use strict; use warnings; use IO::Socket::INET;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ARGV[0]) or die;
$s->autoflush(1); print $s "GET /metrics HTTP/1.1\r\nHost: loc"; sleep 600;
PEOF

if start; then tap_pass "leasesnoop -c starts with metrics on"
else tap_fail "leasesnoop -c starts with metrics on" "$(cat "$DIR/ls.err")"; fi

mkdir "$DIR/s"
perl "$DIR/hold.pl" "$MPORT" 2>/dev/null &
HPID=$!
perl "$DIR/scrape.pl" "$MPORT" "$DIR/s" &
SPID=$!
wait_for 10 test -s "$DIR/s/times"	# scraping before the burst starts
rows 0 $((N - 1)) 3600 > "$DIR/burst.csv"
t0=$(date +%s.%N)
cat "$DIR/burst.csv" >> "$DIR/kea-leases4.csv"	# the whole burst at once
settle 60
t1=$(date +%s.%N)
touch "$DIR/s/stop"; wait "$SPID"; SPID=
kill "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null; HPID=
tap_diag "$(echo "$t0 $t1" | awk -v n=$N '{ printf "burst landed in %.1f s (%.0f leases/s) while scraped", $2 - $1, n / ($2 - $1) }')"

tap_is "a burst of $N new leases while scraped: every A record in DNS" "$(count "$FZ" A)" "$N"
tap_is "... and every PTR record" "$(count "$RZ" PTR)" "$N"

ns=$(wc -l < "$DIR/s/times")
bad=$(awk '$2 != 200 || $3 == 0 || $1 >= 1' "$DIR/s/times" | wc -l)
tap_diag "$(sort -n "$DIR/s/times" | awk -v n="$ns" '{ t[NR] = $1 } END {
	printf "%d scrapes: median %.1f ms, max %.1f ms", n, 1000 * t[int((n + 1) / 2)], 1000 * t[n] }')"
tap_ok "$ns scrapes during the burst, every one 200 with a body within 1 s" [ "$ns" -ge 20 -a "$bad" = 0 ]

# promtool on at most 100 scrapes spread evenly over the burst, the first and
# the last among them: a slow burst on a loaded machine gives thousands of
# scrapes (one per ~10 ms), and one promtool run each would take longer than
# the whole tier; every scrape's status and size are checked above
pbad=0 nchk=0 i=0
step=$(( (ns + 99) / 100 )); [ "$step" -ge 1 ] || step=1
for f in "$DIR"/s/[0-9]*.txt; do
	i=$((i + 1))
	[ $(( (i - 1) % step )) -eq 0 ] || [ "$i" -eq "$ns" ] || continue
	nchk=$((nchk + 1))
	promtool check metrics < "$f" > "$DIR/promtool.err" 2>&1 || { pbad=$((pbad + 1)); cp "$f" "$DIR/bad.txt"; }
done
tap_is "$nchk scrapes spread over the burst pass promtool check metrics" "$pbad" 0

# the burst was visible part-way, and applied never went down between scrapes
# one awk over every scrape in order (a loaded machine gives tens of thousands:
# one process per scrape took longer than the whole tier): mid = scrapes that
# saw the burst part-way, down = times "applied" went down between scrapes
set -- $(printf '%s\n' "$DIR"/s/[0-9]*.txt | awk -v n="$N" '
	{ a = 0
	  while ((getline line < $0) > 0)
		if (line ~ /^leasesnoop_zone_changes_total\{/ && line ~ /result="applied"/) { split(line, f, " "); a += f[2] }
	  close($0)
	  if (a > 0 && a < 2 * n) mid++
	  if (a < last) down++
	  last = a }
	END { print mid + 0, down + 0 }')
mid=$1 down=$2
tap_diag "$mid scrapes saw the burst part-way"
tap_ok "scrapes saw the burst part-way ($mid) and applied only ever rose" [ "$mid" -ge 1 -a "$down" = 0 ]

# the registry mirrors the statistics once a second: scrape until it caught up
final=$DIR/f/00000.txt
mirrored() {
	rm -rf "$DIR/f" && mkdir "$DIR/f" && perl "$DIR/scrape.pl" "$MPORT" "$DIR/f" 1 &&
	stats > "$DIR/stats.json" &&
	[ "$(awk '/^leasesnoop_dns_update_latency_seconds_count\{/ { c += $2 } END { print c + 0 }' "$final")" = \
	  "$(jq '[.dns.servers[].replies] | add' "$DIR/stats.json")" ]
}
# the scrape and the statistics compared below are the pair the wait saw
# (a message sent between a later --stats and this scrape is not a mismatch)
WAIT_STEP=0.2 wait_for 30 mirrored
s=$(cat "$DIR/stats.json")
# the histogram: _count over every series equals the verified replies
got=$(awk '/^leasesnoop_dns_update_latency_seconds_count\{/ { c += $2 } END { print c + 0 }' "$final")
tap_is "latency histogram _count equals the replies of --stats dns.servers" "$got" "$(echo "$s" | jq '[.dns.servers[].replies] | add')"
# per server and zone: _count, _sum, the +Inf bucket, messages_total as in dns.servers
got=$(awk '
	/^leasesnoop_dns_update_latency_seconds_count\{/ { match($0, /server="[^"]*",zone="[^"]*"/); c[substr($0, RSTART, RLENGTH)] = $2 }
	/^leasesnoop_dns_update_latency_seconds_sum\{/ { match($0, /server="[^"]*",zone="[^"]*"/); s[substr($0, RSTART, RLENGTH)] = $2 }
	/^leasesnoop_dns_server_messages_total\{/ { match($0, /server="[^"]*",zone="[^"]*"/); m[substr($0, RSTART, RLENGTH)] = $2 }
	END { for (k in c) printf "%s %d %.6f %d\n", k, c[k], s[k], m[k] }' "$final" | sort)
exp=$(echo "$s" | jq -r '.dns.servers[] | "server=\"\(.server)\",zone=\"\(.zone)\" \(.replies) \(."latency-sum-seconds") \(.messages)"' |
	awk '{ printf "%s %d %.6f %d\n", $1, $2, $3, $4 }' | sort)
tap_diag "$(echo "$s" | jq -r '.dns.servers[] | "\(.server) \(.zone): \(.messages) messages, p50 \(."latency-p50-ms" * 100 | round / 100) ms, p90 \(."latency-p90-ms" * 100 | round / 100) ms, p99 \(."latency-p99-ms" * 100 | round / 100) ms"')"
if [ -n "$got" ] && [ "$got" = "$exp" ] && [ "$(echo "$got" | wc -l)" = 2 ]; then
	tap_pass "per server and zone: histogram _count, _sum and messages equal --stats dns.servers"
else
	tap_fail "per server and zone: histogram _count, _sum and messages equal --stats dns.servers" "got: $got" "want: $exp"
fi

# statistics are built per request and every second: memory stays flat. The
# daemon's VmRSS after a warm-up, then after $NREQ more requests over the
# control socket (a leak of one empty JSON object a call grew it by ~1 MB)
cat > "$DIR/req.pl" <<'PEOF'
use strict; use warnings; use IO::Socket::UNIX; use Socket qw(SHUT_WR);
my ($path, $n) = @ARGV; my $ok = 0;
for (1 .. $n) {
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path) or next;
	print $s '{"command":"statistic-get-all"}'; $s->shutdown(SHUT_WR);
	local $/; my $a = <$s> // ''; close $s;
	$ok++ if $a =~ /"result":\s*0/ && $a =~ /"adds-sent"/;
}
print "$ok\n";
PEOF
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }
NREQ=4000
perl "$DIR/req.pl" "$DIR/ctl.sock" 500 > /dev/null
r0=$(rss)
ok=$(perl "$DIR/req.pl" "$DIR/ctl.sock" "$NREQ")
r1=$(rss)
tap_diag "VmRSS $r0 kB before, $r1 kB after $NREQ statistic-get-all requests ($ok answered)"
tap_ok "$NREQ statistic-get-all requests answered, VmRSS grew less than 256 kB" \
	[ "$ok" = "$NREQ" -a $((r1 - r0)) -lt 256 ]

kill -TERM "$PID"; wait "$PID"; PID=
tap_done
