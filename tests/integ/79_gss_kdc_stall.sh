#!/bin/sh
# tests/integ/79_gss_kdc_stall.sh - a KDC that takes packets and never
# answers (tests/lib/blackhole.pl on the realm's KDC port, UDP and TCP: krb5
# waits its whole timeout, about 27 s per try here) must not stall the
# daemon: GSS-TSIG's Kerberos step runs on a worker thread. While the
# GSS-TSIG zone's context cannot be negotiated:
# - the control socket answers status-get (bounded waits, again and again);
# - an HMAC-keyed zone on the same daemon and DNS server gets its records;
# - a reload (SIGHUP) leaves the stuck step behind and the loop goes on;
# then the real KDC on that port: the GSS-TSIG zone gets its records; and
# the daemon stops promptly while a step is stuck again.
# Everything on 127.0.0.1: a throw-away MIT KDC, BIND, leasesnoop.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq krb5kdc kdb5_util kadmin.local kinit perl timeout
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tools/lab/krb5.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-gss-stall-XXXXXX)
PID=
BPID=
HPID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null
	lab_kdc_stop "$DIR/kdc"
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 14

REALM=LS.TEST
GZ=gss.example.
HZ=hmac.example.
SECRET=$(head -c 32 /dev/urandom | base64)
KPORT=$(lab_dns_free_port)
BPORT=$(lab_dns_free_port)
while [ "$BPORT" -le $((KPORT + 1)) ] && [ "$BPORT" -ge $((KPORT - 1)) ]; do BPORT=$((BPORT + 2)); done
export KRB5_CONFIG="$DIR/kdc/krb5.conf" KRB5_KDC_PROFILE="$DIR/kdc/kdc.conf"
export KRB5CCNAME="MEMORY:ls-test" KRB5_CLIENT_KTNAME="$DIR/none.keytab"

# --- the realm (its database and keytabs: no KDC needed for those), BIND
lab_kdc_init "$DIR/kdc" "$REALM" 127.0.0.1 "$KPORT"
ok=0
lab_kdc_principal "$DIR/kdc" DNS/ns.ls.test "$DIR/dns.keytab" &&
	lab_kdc_principal "$DIR/kdc" DHCP/dhcp.ls.test "$DIR/dhcp.keytab" && ok=1
chmod 600 "$DIR"/*.keytab
tap_is "a realm $REALM with keytabs for BIND and leasesnoop" "$ok" 1

# the realm's KDC port taken by a server that never answers
hole_start() {
	perl "$LS_TOP/tests/lib/blackhole.pl" 127.0.0.1 "$KPORT" >"$DIR/hole.out" 2>&1 &
	HPID=$!
	wait_for 10 grep -q listening "$DIR/hole.out"
}
hole_stop() { kill "$HPID"; wait "$HPID" 2>/dev/null; HPID=; }
if hole_start; then
	tap_pass "a KDC that never answers on 127.0.0.1:$KPORT (UDP and TCP)"
else
	tap_fail "a KDC that never answers on 127.0.0.1:$KPORT (UDP and TCP)" "$(cat "$DIR/hole.out")"
fi

mkdir -p "$DIR/bind"
cat > "$DIR/bind/named.conf" <<NEOF
options {
	directory "$DIR/bind";
	pid-file "$DIR/bind/named.pid";
	listen-on port $BPORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	notify no;
	dnssec-validation no;
	session-keyfile "$DIR/bind/session.key";
	tkey-gssapi-keytab "$DIR/dns.keytab";
};
controls { };
key "k" { algorithm hmac-sha256; secret "$SECRET"; };
logging { channel l { file "$DIR/bind/named.log"; severity info; print-time yes; }; category default { l; }; };
NEOF
for z in $GZ $HZ; do _lab_zonefile "$z" "$DIR/bind/$z.zone" "$DIR/bind"; done
echo "zone \"$GZ\" { type primary; file \"$DIR/bind/$GZ.zone\"; update-policy { grant \"DHCP/dhcp.ls.test@$REALM\" zonesub ANY; }; };" >> "$DIR/bind/named.conf"
echo "zone \"$HZ\" { type primary; file \"$DIR/bind/$HZ.zone\"; allow-update { key \"k\"; }; };" >> "$DIR/bind/named.conf"
named -c "$DIR/bind/named.conf" -f -n 1 >>"$DIR/bind/named.out" 2>&1 &
BPID=$!
if lab_dns_wait "$BPORT" "$GZ"; then
	tap_pass "BIND with a GSS-TSIG zone and an HMAC-SHA256 zone"
else
	tap_fail "BIND with a GSS-TSIG zone and an HMAC-SHA256 zone" "$(tail -5 "$DIR/bind/named.out")"
fi

cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "full-reconcile-interval": 3600, "log-level": "info",
  "tsig-keys": [ { "name": "ad", "algorithm": "gss-tsig" },
                 { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [
    { "name": "$GZ", "key-name": "ad", "dns-servers": [ { "ip-address": "127.0.0.1", "port": $BPORT } ] },
    { "name": "$HZ", "key-name": "k", "dns-servers": [ { "ip-address": "127.0.0.1", "port": $BPORT } ] } ] },
  "gss-tsig": { "server-principal": "DNS/ns.ls.test@$REALM",
                "client-principal": "DHCP/dhcp.ls.test@$REALM",
                "client-keytab": "FILE:$DIR/dhcp.keytab", "retry-interval": 2 }
} }
CEOF
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"
# lease N ZONE: a Kea row for 10.7.0.N named hN.ZONE (forward only)
lease() {
	printf '10.7.0.%d,02:00:00:07:00:%02x,,3600,%d,1,1,0,h%d.%s,0,\n' "$1" "$1" \
		$(($(date +%s) + 3600)) "$1" "$2" >> "$DIR/kea-leases4.csv"
}
in_dns() { dig +short +time=1 +tries=1 -p "$BPORT" @127.0.0.1 "h$1.$2" A | grep -q "^10\.7\.0\.$1\$"; }
# the control socket, each answer awaited 5 s at most (a stalled loop gives none)
ctl() { timeout 5 perl "$LS_TOP/tests/lib/hostile.pl" ctl "$DIR/ctl.sock" "$1"; }
stats() { timeout 5 "$LS_BIN" --stats --json --control-socket "$DIR/ctl.sock"; }
gss() { stats | jq -r ".dns.\"gss-tsig\".\"$1\""; }

lease 1 "$GZ"
if ls_daemon_start "$DIR"; then PID=$LS_DPID; tap_pass "leasesnoop starts, one lease in the GSS-TSIG zone"
else tap_fail "leasesnoop starts, one lease in the GSS-TSIG zone" "$(cat "$DIR/ls.err")"; fi
started() { [ "$(gss negotiations)" -ge 1 ] 2>/dev/null; }
WAIT_STEP=0.2 wait_for 20 started

# --- while the Kerberos step waits on the KDC that never answers
answers=0
for i in 1 2 3 4 5; do
	[ "$(ctl status-get | jq -r .result)" = 0 ] && answers=$((answers + 1))
	sleep 1
done
tap_is "status-get answered 5 times out of 5 while the KDC hangs (each awaited 5 s at most)" "$answers" 5
tap_is "... the Kerberos step is still waiting on the KDC: pending, no context" \
	"$(gss kerberos-pending) $(gss contexts)" "1 0"
lease 2 "$HZ"
if WAIT_STEP=0.2 wait_for 10 in_dns 2 "$HZ"; then
	tap_pass "a lease in the HMAC zone reaches DNS meanwhile"
else
	tap_fail "a lease in the HMAC zone reaches DNS meanwhile" "$(grep -v debug "$DIR/ls.err" | tail -3)"
fi
tap_ok "... and the GSS-TSIG zone has nothing yet" sh -c "! dig +short -p $BPORT @127.0.0.1 h1.$GZ A | grep -q ."

# a reload drops the engine with the step still stuck in krb5: the loop does not wait for it
reloaded() { grep -q "daemon: configuration reloaded\|daemon: reload" "$DIR/ls.err"; }
kill -HUP "$PID"
WAIT_STEP=0.2 wait_for 10 reloaded
tap_is "SIGHUP while the step is stuck: status-get still answers" "$(ctl status-get | jq -r .result)" 0
lease 3 "$HZ"
if WAIT_STEP=0.2 wait_for 10 in_dns 3 "$HZ"; then
	tap_pass "... and another HMAC lease reaches DNS after the reload"
else
	tap_fail "... and another HMAC lease reaches DNS after the reload" "$(grep -v debug "$DIR/ls.err" | tail -3)"
fi

# --- the real KDC back on the port
hole_stop
lab_kdc_start "$DIR/kdc"
if lab_kdc_wait "$DIR/kdc" DHCP/dhcp.ls.test "$DIR/dhcp.keytab"; then
	tap_pass "the real KDC answers on 127.0.0.1:$KPORT"
else
	tap_fail "the real KDC answers on 127.0.0.1:$KPORT" "$(tail -3 "$DIR/kdc/kdc.out")"
fi
if WAIT_STEP=0.5 wait_for 90 in_dns 1 "$GZ"; then
	tap_pass "the GSS-TSIG zone gets its record"
else
	tap_fail "the GSS-TSIG zone gets its record" "$(stats | jq -c '.dns."gss-tsig"')" "$(grep "gss" "$DIR/ls.err" | tail -3)"
fi
g=$(stats | jq -c '.dns."gss-tsig"')
tap_diag "gss-tsig: $g"
# (the counters are the engine's since the reload: the step it left behind is not among them)
if [ "$(echo "$g" | jq '.contexts >= 1 and ."kerberos-steps" >= 1 and ."kerberos-pending" == 0')" = true ]; then
	tap_pass "... over a context the worker's Kerberos step got, none pending now"
else
	tap_fail "... over a context the worker's Kerberos step got, none pending now" "$g"
fi

# --- stopping while a step is stuck: no wait for krb5
kill -TERM "$PID"; wait "$PID"; PID=
lab_kdc_stop "$DIR/kdc"
hole_start
: > "$DIR/ls.err"
rm -rf "$DIR/state"	# a fresh state: the GSS lease is a change again
if ls_daemon_start "$DIR"; then PID=$LS_DPID; fi
WAIT_STEP=0.2 wait_for 20 started
pend() { [ "$(gss kerberos-pending)" = 1 ]; }
wait_for 10 pend
kill -TERM "$PID"
gone() { ! kill -0 "$PID" 2>/dev/null; }
if wait_for 15 gone; then
	wait "$PID"
	tap_is "SIGTERM while a Kerberos step hangs: the daemon stops within 15 s, exit 0" "$?" 0
	PID=
else
	tap_fail "SIGTERM while a Kerberos step hangs: the daemon stops within 15 s" "$(tail -3 "$DIR/ls.err")"
fi
tap_done
