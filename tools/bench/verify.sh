#!/bin/sh
# tools/bench/verify.sh - DNS verify cost (issue 13). BIND on loopback with a
# forward zone and 10.in-addr.arpa., leasesnoop -c on a lease file of
# LS_BENCH_VERIFY_LEASES (default 100,000) leases, so 4 records per lease are
# owned (A + DHCID, PTR + DHCID). Once they are in, in the same run:
# - the anchor: `dig axfr` of both zones from BIND (wall time);
# - a full verify of both zones on the dns-verify command: wall time until
#   both zones' runs counters move; the time is the daemon's own measure
#   (last-duration-ms: transfer and comparison), CPU time from /proc;
# - 1,000 A records deleted behind its back, then a verify again: an IXFR
#   from the serial verified first (time, CPU, the repairs it started).
# One JSON line per figure (DESIGN.md), ratio > 1: leasesnoop better. Not a test.
set -eu
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
N=${LS_BENCH_VERIFY_LEASES:-100000}
CHANGES=${LS_BENCH_VERIFY_CHANGES:-1000}
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
[ -x "$LS_BIN" ] || { echo "bench verify: $LS_BIN missing (make all)" >&2; exit 1; }
for c in named dig nsupdate jq perl; do
	command -v "$c" > /dev/null || { echo "bench verify: $c missing (make deps)" >&2; exit 1; }
done
. "$LS_TOP/tools/lab/dns.sh"

D=$(mktemp -d /tmp/ls-bench-verify-XXXXXX)
PID=
down() {
	[ -n "$PID" ] && kill -9 "$PID" 2> /dev/null
	lab_bind_stop "$D/dns"
	rm -rf "$D"
}
trap down EXIT
trap 'exit 1' INT TERM
FZ=bench.example.
RZ=10.in-addr.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
lab_bind_start "$D/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" > /dev/null 2>&1
lab_dns_wait "$PORT" "$FZ" || { echo "bench verify: BIND did not start" >&2; exit 1; }

echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$D/leases4.csv"
awk -v n="$N" -v now="$(date +%s)" 'BEGIN { for (i = 0; i < n; i++)
	printf "10.%d.%d.%d,02:00:%02x:%02x:%02x:%02x,,86400,%d,1,1,1,h%d.bench.example.,0,\n",
		int(i / 65536) + 1, int(i / 256) % 256, i % 256, int(i / 16777216) % 256,
		int(i / 65536) % 256, int(i / 256) % 256, i % 256, now + 86400, i }' >> "$D/leases4.csv"
cat > "$D/ls.conf" <<CEOF
{ "Leasesnoop": {
  "interfaces": [], "lease-files": { "v4": "$D/leases4.csv" },
  "kea-ddns-updates": false,
  "state-dir": "$D/state", "control-socket": "$D/ctl.sock", "log-level": "error",
  "dns-verify-interval": 0,
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] }
} }
CEOF
"$LS_BIN" -c "$D/ls.conf" > "$D/ls.out" 2> "$D/ls.err" &
PID=$!
stats() { "$LS_BIN" --stats --json --control-socket "$D/ctl.sock" 2> /dev/null; }
cmd() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s $ARGV[1]; shutdown($s, 1); local $/; print <$s>;' "$D/ctl.sock" "$1"
}
now() { date +%s.%N; }
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }	# clock ticks
hz=$(getconf CLK_TCK)

# all in: every lease applied (the engine's applied counter) and idle
t0=$(now)
until [ "$(stats | jq -r '(.applied // 0) >= '"$N"' and .idle')" = true ]; do
	kill -0 "$PID" || { echo "bench verify: the daemon died" >&2; tail -5 "$D/ls.err" >&2; exit 1; }
	[ "$(awk -v s="$t0" -v e="$(now)" 'BEGIN { print (e - s > 900) }')" = 1 ] &&
		{ echo "bench verify: not settled in 900 s" >&2; exit 1; }
	sleep 1
done

# the anchor: BIND serving both zones to dig
s=$(now)
dig +noall +answer -p "$PORT" @127.0.0.1 -y "hmac-sha256:k:$SECRET" "$FZ" AXFR > "$D/f.axfr"
dig +noall +answer -p "$PORT" @127.0.0.1 -y "hmac-sha256:k:$SECRET" "$RZ" AXFR > "$D/r.axfr"
dig_s=$(awk -v s="$s" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }')
rrs=$(($(wc -l < "$D/f.axfr") + $(wc -l < "$D/r.axfr")))

# verify_run - dns-verify of every zone; sets v_s (wall), v_cpu (s), v_rep (repairs started)
verify_run() {
	_r0=$(stats | jq '[.verify[].runs] | add')
	_p0=$(stats | jq '[.verify[].repaired] | add')
	_c0=$(cpu)
	_s=$(now)
	cmd '{"command":"dns-verify"}' > /dev/null
	until [ "$(stats | jq '[.verify[].runs] | add')" -ge $((_r0 + 2)) ] 2> /dev/null; do sleep 0.05; done
	# the daemon's own measure (transfer + comparison), not this loop's polling
	v_s=$(stats | jq '[.verify[]."last-duration-ms"] | add / 1000')
	v_cpu=$(awk -v a="$_c0" -v b="$(cpu)" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	v_rep=$(($(stats | jq '[.verify[].repaired] | add') - _p0))
}
verify_run
full_s=$v_s full_cpu=$v_cpu full_rep=$v_rep

# CHANGES records deleted behind its back, then verify again
awk -v n="$CHANGES" -v total="$N" -v port="$PORT" -v z="$FZ" 'BEGIN {
	printf "server 127.0.0.1 %d\nzone %s\n", port, z
	for (i = 0; i < n; i++) printf "update delete h%d.bench.example. A\n", int(i * total / n)
	print "send" }' | nsupdate -y "hmac-sha256:k:$SECRET"
verify_run
chg_s=$v_s chg_cpu=$v_cpu chg_rep=$v_rep

json() {	# figure value unit anchor_value
	printf '{"bench":"verify","figure":"%s","value":%s,"unit":"%s","anchor":"dig-axfr-bind","anchor_value":%s,"ratio":%s}\n' \
		"$1" "$2" "$3" "$4" "$(awk -v a="$4" -v v="$2" 'BEGIN { printf "%.2f", (v > 0 ? a / v : 0) }')"
}
json full_verify_s "$full_s" s "$dig_s"
json full_verify_cpu_s "$full_cpu" s "$dig_s"
json verify_after_${CHANGES}_changes_s "$chg_s" s "$dig_s"
json verify_after_${CHANGES}_changes_cpu_s "$chg_cpu" s "$dig_s"
{
	echo "verify, $N leases ($rrs RRs in both zones, BIND):"
	printf '  dig axfr of both zones          %8s s\n' "$dig_s"
	printf '  full verify (AXFR + compare)    %8s s  cpu %s s  repairs %s\n' "$full_s" "$full_cpu" "$full_rep"
	printf '  verify after %s deletions     %8s s  cpu %s s  repairs %s (IXFR runs: %s)\n' \
		"$CHANGES" "$chg_s" "$chg_cpu" "$chg_rep" "$(stats | jq '[.verify[]."ixfr-runs"] | add')"
} >&2
