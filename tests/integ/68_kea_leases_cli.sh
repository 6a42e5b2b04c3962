#!/bin/sh
# tests/integ/68_kea_leases_cli.sh - `leasesnoop --kea-leases` as an
# operator uses it: on a file whose leases are all inactive it prints no
# lease, exits 0 and says on stderr how many were left out and why; piped
# into `head`, it ends quietly (exit 0, no I/O error) when head goes away.
# The files are written in Kea 2.2's v4 memfile format (header included).
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd head

DIR=$(mktemp -d /tmp/ls-kl-cli-XXXXXX)
cleanup() { [ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 7

H="address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
NOW=$(date +%s)
{
	echo "$H"
	for i in 1 2 3; do echo "10.1.0.$i,02:00:00:00:00:0$i,,3600,$((NOW - 60)),1,0,0,h$i,0,"; done
	echo "10.1.0.4,02:00:00:00:00:04,,3600,$((NOW + 3600)),1,0,0,,1,"
	echo "10.1.0.5,02:00:00:00:00:05,,3600,$((NOW + 3600)),1,0,0,,2,"
} > "$DIR/old.csv"
"$LS_BIN" --kea-leases "$DIR/old.csv" > "$DIR/old.out" 2> "$DIR/old.err"
tap_is "all inactive: exit 0" "$?" 0
tap_is "all inactive: no lease printed" "$(wc -c < "$DIR/old.out")" 0
tap_is "all inactive: it says how many were left out and why" "$(cat "$DIR/old.err")" \
	"leasesnoop: 0 active leases shown, 5 not (3 expired, 1 declined, 1 expired-reclaimed): --all shows them"
"$LS_BIN" --kea-leases "$DIR/old.csv" --all > "$DIR/all.out" 2> "$DIR/all.err"
tap_is "--all prints them all and says nothing more" "$(wc -l < "$DIR/all.out") $(wc -c < "$DIR/all.err")" "5 0"

# far more than a pipe holds (64 KiB), so head leaves while leasesnoop still writes
awk -v now="$NOW" -v h="$H" 'BEGIN { print h; for (i = 0; i < 20000; i++)
	printf "10.2.%d.%d,02:00:00:00:%02x:%02x,,3600,%d,1,0,0,host%d,0,\n", i / 250, i % 250 + 1,
		i / 256, i % 256, now + 3600, i }' > "$DIR/big.csv"
{ "$LS_BIN" --kea-leases "$DIR/big.csv" --all --json 2> "$DIR/head.err"; echo $? > "$DIR/head.rc"; } | head -1 > "$DIR/head.out"
tap_is "--all | head -1: one line" "$(wc -l < "$DIR/head.out")" 1
tap_is "--all | head -1: leasesnoop exits 0" "$(cat "$DIR/head.rc")" 0
tap_is "--all | head -1: no I/O error on stderr" "$(cat "$DIR/head.err")" ""
tap_done
