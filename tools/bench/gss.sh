#!/bin/sh
# tools/bench/gss.sh - the DNS update engine signing with GSS-TSIG (RFC
# 3645, a Kerberos context negotiated with TKEY) beside the same engine
# signing with HMAC-SHA256, against the same BIND 9 in the same run (issue
# 17's benchmark).
#
#   sh tools/bench/gss.sh [N]        N lease changes per phase (20000)
#
# A throw-away MIT KDC (tools/lab/krb5.sh) and one BIND with
# tkey-gssapi-keytab whose zones (dyn.example., 10.in-addr.arpa.) grant
# updates to the principal DHCP/bench.ls.test and to an HMAC-SHA256 key.
# Each signing mode, on freshly emptied zones (a restart of the same
# BIND): N adds then N removes (A + DHCID + PTR + DHCID each, check-with-
# dhcid) through .output/tools/dnsdrive (user/dnsengine), the GSS-TSIG run
# including its TKEY negotiation. Output: one JSON line per figure
# (DESIGN.md "Benchmarks"; the anchor is HMAC-SHA256, ratio = GSS-TSIG /
# HMAC: near 1 means GSS-TSIG costs little), then a short table on
# stderr. Everything on 127.0.0.1, as the calling user.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tools/lab/krb5.sh"
N=${1:-20000}
DRIVE=$LS_OUTPUT/tools/dnsdrive
FZ=dyn.example.
RZ=10.in-addr.arpa.
REALM=LS.TEST
WORK=$(mktemp -d /tmp/ls-bench-gss-XXXXXX)
BPID=""
cleanup() {
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
	lab_kdc_stop "$WORK/kdc"
	[ -n "${LS_KEEP:-}" ] && echo "bench gss: kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
for c in named krb5kdc kdb5_util kadmin.local kinit; do
	command -v $c >/dev/null || { echo "bench gss: needs $c (make deps)" >&2; exit 1; }
done
[ -x "$DRIVE" ] || { echo "bench gss: needs $DRIVE (make all)" >&2; exit 1; }

jget() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }'; }

KPORT=$(lab_dns_free_port)
PORT=$(lab_dns_free_port)
while [ "$PORT" -le $((KPORT + 1)) ] && [ "$PORT" -ge $((KPORT - 1)) ]; do PORT=$((PORT + 2)); done
lab_kdc_init "$WORK/kdc" "$REALM" 127.0.0.1 "$KPORT" || exit 1
export KRB5_CONFIG="$WORK/kdc/krb5.conf" KRB5_KDC_PROFILE="$WORK/kdc/kdc.conf"
export KRB5CCNAME="MEMORY:ls-bench" KRB5_CLIENT_KTNAME="$WORK/none.keytab"
lab_kdc_principal "$WORK/kdc" DNS/ns.ls.test "$WORK/dns.keytab" &&
	lab_kdc_principal "$WORK/kdc" DHCP/bench.ls.test "$WORK/dhcp.keytab" || exit 1
lab_kdc_start "$WORK/kdc"
lab_kdc_wait "$WORK/kdc" DHCP/bench.ls.test "$WORK/dhcp.keytab" || { echo "bench gss: KDC did not start" >&2; exit 1; }
SECRET=$(lab_dns_secret 32)

bind_fresh() { # the same server, its zones emptied
	[ -n "$BPID" ] && kill "$BPID" && wait "$BPID" 2>/dev/null
	mkdir -p "$WORK/bind"
	rm -f "$WORK/bind/"*.jnl
	cat > "$WORK/bind/named.conf" <<NEOF
options {
	directory "$WORK/bind";
	pid-file "$WORK/bind/named.pid";
	listen-on port $PORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	notify no;
	dnssec-validation no;
	tcp-clients 1000;
	session-keyfile "$WORK/bind/session.key";
	tkey-gssapi-keytab "$WORK/dns.keytab";
};
controls { };
logging { channel l { file "$WORK/bind/named.log"; severity info; }; category default { l; }; category update { l; }; category update-security { l; }; };
key "ddns-key" { algorithm hmac-sha256; secret "$SECRET"; };
NEOF
	for z in $FZ $RZ; do
		_lab_zonefile "$z" "$WORK/bind/$z.zone" "$WORK/bind"
		echo "zone \"$z\" { type primary; file \"$WORK/bind/$z.zone\"; update-policy { grant \"DHCP/bench.ls.test@$REALM\" zonesub ANY; grant ddns-key zonesub ANY; }; };" >> "$WORK/bind/named.conf"
	done
	named -c "$WORK/bind/named.conf" -f -n 2 >"$WORK/bind/named.out" 2>&1 &
	BPID=$!
	lab_dns_wait "$PORT" $FZ || { echo "bench gss: BIND did not start" >&2; exit 1; }
}

# d2 FILE MODE: a D2 file for HMAC-SHA256 (hmac) or the gss_tsig hook (gss)
d2() {
	if [ "$2" = hmac ]; then
		_k='"tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "'$SECRET'" } ],'
		_kn='"key-name": "ddns-key",'
		_h=
	else
		_k= _kn=
		_h=',"hooks-libraries": [ { "library": "libddns_gss_tsig.so", "parameters": {
      "server-principal": "DNS/ns.ls.test@'$REALM'", "client-principal": "DHCP/bench.ls.test@'$REALM'",
      "client-keytab": "FILE:'$WORK'/dhcp.keytab",
      "servers": [ { "id": "ns", "ip-address": "127.0.0.1", "port": '$PORT' } ] } } ]'
	fi
	cat > "$1" <<EOF
{ "DhcpDdns": { $_k
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", $_kn
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", $_kn
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] } $_h } }
EOF
}

TABLE=""
for mode in hmac gss; do
	bind_fresh
	d2 "$WORK/$mode.conf" $mode
	"$DRIVE" -c "$WORK/$mode.conf" -g "$N" -q > "$WORK/$mode-add.json" || exit 1
	"$DRIVE" -c "$WORK/$mode.conf" -g "$N" -q -o del > "$WORK/$mode-del.json" || exit 1
done
kill "$BPID"; wait "$BPID" 2>/dev/null; BPID=""

for f in add del; do
	for m in hmac gss; do
		[ "$(jget "$WORK/$m-$f.json" failed)" = 0 ] && [ "$(jget "$WORK/$m-$f.json" changes)" = "$N" ] ||
			echo "bench gss: $m $f: $(cat "$WORK/$m-$f.json")" >&2
	done
done
ha=$(jget "$WORK/hmac-add.json" changes_per_s) hd=$(jget "$WORK/hmac-del.json" changes_per_s)
ga=$(jget "$WORK/gss-add.json" changes_per_s) gd=$(jget "$WORK/gss-del.json" changes_per_s)
ht=$(awk -v a="$(jget "$WORK/hmac-add.json" seconds)" -v b="$(jget "$WORK/hmac-del.json" seconds)" 'BEGIN { print a + b }')
gt=$(awk -v a="$(jget "$WORK/gss-add.json" seconds)" -v b="$(jget "$WORK/gss-del.json" seconds)" 'BEGIN { print a + b }')
hc=$(awk -v n="$N" -v t="$ht" 'BEGIN { printf "%.0f", 2 * n / t }')
gc=$(awk -v n="$N" -v t="$gt" 'BEGIN { printf "%.0f", 2 * n / t }')
b='"bench":"gss-bind"'
echo "{$b,\"figure\":\"adds_per_s\",\"value\":$ga,\"unit\":\"1/s\",\"anchor\":\"hmac-sha256\",\"anchor_value\":$ha,\"ratio\":$(div "$ga" "$ha")}"
echo "{$b,\"figure\":\"removes_per_s\",\"value\":$gd,\"unit\":\"1/s\",\"anchor\":\"hmac-sha256\",\"anchor_value\":$hd,\"ratio\":$(div "$gd" "$hd")}"
echo "{$b,\"figure\":\"changes_per_s\",\"value\":$gc,\"unit\":\"1/s\",\"anchor\":\"hmac-sha256\",\"anchor_value\":$hc,\"ratio\":$(div "$gc" "$hc")}"
{
	printf '%-8s %10s %10s %10s\n' signing adds/s removes/s changes/s
	printf '%-8s %10s %10s %10s\n' gss-tsig "$ga" "$gd" "$gc"
	printf '%-8s %10s %10s %10s\n' hmac "$ha" "$hd" "$hc"
} >&2
