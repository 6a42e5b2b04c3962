#!/bin/sh
# tests/integ/65_gss_bind.sh - GSS-TSIG (RFC 3645) against a real BIND 9
# (tkey-gssapi-keytab, update-policy granting one Kerberos principal) and a
# throw-away MIT KDC, all on 127.0.0.1, leasesnoop configured by a Kea D2
# file whose gss_tsig hook parameters it reads as they are:
# - records created (A + DHCID, PTR + DHCID), renewed leases left alone,
#   released leases removed;
# - contexts renewed across a short tkey-lifetime (12 s, rekey after 4 s)
#   while changes keep coming;
# - BIND restarted without its saved TKEY keys (it no longer knows our
#   context: BADKEY): a new context is negotiated and the changes land;
# - the KDC down until the Kerberos tickets (30 s) run out: the
#   negotiation fails (counted, one clear line), the changes wait, and land
#   once the KDC is back;
# - bad input, each on its own zone of a second daemon while a good zone
#   keeps working: no keytab, an unknown server principal, a principal BIND
#   has no key for (its TKEY answer is an error), a stale keytab (the key
#   was changed in the KDC), a principal the update-policy does not grant
#   (REFUSED); retries back off (1 s, 2 s, 4 s …);
# - records made by the same principal with the state thrown away (as
#   after Kea D2) adopted with adopt-existing, then removed on release;
# - our clock 10 minutes ahead (faketime): the TKEY answer's signature is
#   outside the fudge, the negotiation fails with that reason.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq krb5kdc kdb5_util kadmin.local kinit faketime
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tools/lab/krb5.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-gss-XXXXXX)
PID=
BPID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null
	lab_kdc_stop "$DIR/kdc"
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 31

REALM=LS.TEST
FZ=gss.example.
RZ=9.10.in-addr.arpa.
BAD="nokt.example. wrongp.example. tkeyerr.example. stale.example. denied.example."
GOOD=good.example.	# the second daemon's good zone
KPORT=$(lab_dns_free_port)
# the KDC's port and the next one are ours; BIND takes another free pair
BPORT=$(lab_dns_free_port)
while [ "$BPORT" -le $((KPORT + 1)) ] && [ "$BPORT" -ge $((KPORT - 1)) ]; do BPORT=$((BPORT + 2)); done
# tickets run out within the test, so the KDC outage is felt (step 5)
LAB_KRB5_TICKET_LIFETIME=30s
export KRB5_CONFIG="$DIR/kdc/krb5.conf" KRB5_KDC_PROFILE="$DIR/kdc/kdc.conf"
# nothing of the machine's own: no default cache, no default client keytab
export KRB5CCNAME="MEMORY:ls-test" KRB5_CLIENT_KTNAME="$DIR/none.keytab"

# --- 1. the realm, the principals, BIND
lab_kdc_init "$DIR/kdc" "$REALM" 127.0.0.1 "$KPORT"
ok=0
lab_kdc_principal "$DIR/kdc" DNS/ns.ls.test "$DIR/dns.keytab" &&
	lab_kdc_principal "$DIR/kdc" DHCP/dhcp.ls.test "$DIR/dhcp.keytab" &&
	lab_kdc_principal "$DIR/kdc" DNS/other.ls.test &&
	lab_kdc_principal "$DIR/kdc" DHCP/stale.ls.test "$DIR/stale.keytab" &&
	lab_kdc_rekey "$DIR/kdc" DHCP/stale.ls.test &&
	lab_kdc_principal "$DIR/kdc" DHCP/denied.ls.test "$DIR/denied.keytab" && ok=1
chmod 600 "$DIR"/*.keytab
lab_kdc_start "$DIR/kdc"
if [ $ok = 1 ] && lab_kdc_wait "$DIR/kdc" DHCP/dhcp.ls.test "$DIR/dhcp.keytab"; then
	tap_pass "a throw-away KDC for $REALM on 127.0.0.1:$KPORT with keytabs"
else
	tap_fail "a throw-away KDC for $REALM on 127.0.0.1:$KPORT with keytabs" "$(cat "$DIR/kdc/kdc.out" "$DIR/kdc/kdc.log" 2>/dev/null | tail -5)"
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
	allow-transfer { 127.0.0.1; };
	session-keyfile "$DIR/bind/session.key";
	tkey-gssapi-keytab "$DIR/dns.keytab";
};
controls { };
logging { channel l { file "$DIR/bind/named.log"; severity debug 3; print-time yes; }; category default { l; }; category update { l; }; };
NEOF
for z in $FZ $RZ $BAD $GOOD; do
	_lab_zonefile "$z" "$DIR/bind/$z.zone" "$DIR/bind"
	echo "zone \"$z\" { type primary; file \"$DIR/bind/$z.zone\"; update-policy { grant \"DHCP/dhcp.ls.test@$REALM\" zonesub ANY; }; };" >> "$DIR/bind/named.conf"
done
bind_start() {
	named -c "$DIR/bind/named.conf" -f -n 1 >>"$DIR/bind/named.out" 2>&1 &
	BPID=$!
	lab_dns_wait "$BPORT" "$FZ"
}
bind_stop() { kill "$BPID"; wait "$BPID" 2>/dev/null; BPID=; }
# not through tap_ok: its subshell would lose BPID
if bind_start; then
	tap_pass "BIND up with tkey-gssapi-keytab and update-policy for DHCP/dhcp.ls.test@$REALM"
else
	tap_fail "BIND up with tkey-gssapi-keytab and update-policy for DHCP/dhcp.ls.test@$REALM" "$(tail -5 "$DIR/bind/named.out")"
fi

axfr() { dig @127.0.0.1 -p "$BPORT" "$1" AXFR +noall +answer +time=2 +tries=1; }
count() { axfr "$1" | awk -v t="$2" '$4 == t' | wc -l; }

# --- 2. a Kea D2 file with the gss_tsig hook, as an operator has it
cat > "$DIR/kea-dhcp-ddns.conf" <<DEOF
{ "DhcpDdns": {
  "ip-address": "127.0.0.1", "port": 53001,
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $BPORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $BPORT } ] } ] },
  "hooks-libraries": [ { "library": "/usr/lib/kea/hooks/libddns_gss_tsig.so",
    "parameters": {
      "server-principal": "DNS/ns.ls.test@$REALM",
      "client-principal": "DHCP/dhcp.ls.test@$REALM",
      "client-keytab": "FILE:$DIR/dhcp.keytab",
      "tkey-lifetime": 12, "rekey-interval": 4, "retry-interval": 2,
      "tkey-protocol": "TCP", "fallback": false, "exchange-timeout": 2000,
      "servers": [ { "id": "ns1", "ip-address": "127.0.0.1", "port": $BPORT } ] } } ]
} }
DEOF
cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "full-reconcile-interval": 3600,
  "batching": { "timeout-ms": 1000, "backoff-max-ms": 2000 },
  "ddns-config-file": "$DIR/kea-dhcp-ddns.conf"
} }
CEOF
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"
# rows FIRST LAST STATE [ZONE]: Kea-style rows for leases FIRST..LAST named cN.ZONE
rows() {
	awk -v a="$1" -v b="$2" -v st="$3" -v z="${4:-$FZ}" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "10.9.%d.%d,02:00:00:09:%02x:%02x,,3600,%d,1,1,1,c%d.%s,%d,\n",
				int(i / 250), i % 250 + 1, int(i / 256), i % 256, now + 3600, i, z, st
	}'
}
stats() { ls_daemon_stats "$DIR"; }
gss() { stats | jq -r ".dns.\"gss-tsig\".\"$1\""; }
settle() { ls_daemon_settle "$DIR" "$1"; }
# in_dns N: N A and N PTR records (and a DHCID beside each)
in_dns() {
	[ "$(count "$FZ" A) $(count "$FZ" DHCID) $(count "$RZ" PTR) $(count "$RZ" DHCID)" = "$1 $1 $1 $1" ]
}

rows 0 49 0 >> "$DIR/kea-leases4.csv"
if ls_daemon_start "$DIR"; then PID=$LS_DPID; tap_pass "leasesnoop -c starts (D2 file with the gss_tsig hook)"; else tap_fail "leasesnoop -c starts (D2 file with the gss_tsig hook)" "$(cat "$DIR/ls.err")"; fi
if wait_for 30 in_dns 50; then
	tap_pass "50 leases: A + DHCID and PTR + DHCID created over GSS-TSIG"
else
	tap_fail "50 leases: A + DHCID and PTR + DHCID created over GSS-TSIG" "$(count "$FZ" A) A, $(count "$RZ" PTR) PTR" "$(tail -5 "$DIR/ls.err")"
fi
tap_is "... a context was negotiated, nothing failed" "$([ "$(gss established)" -ge 1 ] && echo yes) $(gss failures)" "yes 0"
# (debug 3 shows whom BIND took a signature from)
if grep -qF "request has valid signature: DHCP/dhcp.ls.test\\@$REALM" "$DIR/bind/named.log"; then
	tap_pass "... BIND logged the updates as signed by DHCP/dhcp.ls.test@$REALM"
else
	tap_fail "... BIND logged the updates as signed by DHCP/dhcp.ls.test@$REALM" "$(grep -i "updat" "$DIR/bind/named.log" | tail -3)"
fi

# --- 3. renewal across the short tkey-lifetime, changes coming all the while
n=50
more() { rows "$n" "$n" 0 >> "$DIR/kea-leases4.csv"; n=$((n + 1)); }
renewed() { more; sleep 0.5; [ "$(gss renewals)" -ge "$1" ]; }
if WAIT_STEP=0.5 wait_for 60 renewed 3; then
	tap_pass "contexts renewed across tkey-lifetime 12 s: $(gss renewals) renewals, $(gss established) contexts"
else
	tap_fail "contexts renewed across tkey-lifetime 12 s" "$(stats | jq -c '.dns."gss-tsig"')"
fi
if wait_for 20 in_dns "$n"; then
	tap_pass "... and all $n leases reached DNS, none lost across renewals"
else
	tap_fail "... and all $n leases reached DNS, none lost across renewals" "$(count "$FZ" A) A of $n"
fi
tap_is "... without a failure or a rejected context" "$(gss failures) $(gss rejected)" "0 0"

# renewed leases (same address, later expiry): DNS unchanged; released ones: removed
a0=$(count "$FZ" A)
rows 0 9 0 >> "$DIR/kea-leases4.csv"
rows 10 19 3 >> "$DIR/kea-leases4.csv"
n_now=$((n - 10))
if wait_for 30 in_dns "$n_now"; then
	tap_pass "10 leases renewed, 10 released: the released ones' records removed ($a0 -> $n_now)"
else
	tap_fail "10 leases renewed, 10 released: the released ones' records removed" "$(count "$FZ" A) A, want $n_now"
fi
tap_is "... the renewed ones kept" "$(axfr "$FZ" | awk '$4 == "A"' | grep -c '^c[0-9]\.')" 10

# --- 4. BIND restarted without its saved keys: it no longer knows the context (BADKEY)
# restart right after a renewal, so the context in use is young (under rekey-interval):
# the first message after the restart carries it, and BIND no longer knows it
e0=$(gss established)
fresh_ctx() { more; n_now=$((n_now + 1)); sleep 0.3; [ "$(gss established)" -gt "$e0" ]; }
WAIT_STEP=0.2 wait_for 30 fresh_ctx
wait_for 20 in_dns "$n_now"
r0=$(gss rejected)
bind_stop
# BIND saves its TKEY keys across a restart (_default.tsigkeys): without them it
# has lost our context, as a rebuilt server or a restored backup has
rm -f "$DIR/bind/"*.tsigkeys
bind_start
rows "$n" $((n + 4)) 0 >> "$DIR/kea-leases4.csv"; n=$((n + 5)); n_now=$((n_now + 5))
if wait_for 30 in_dns "$n_now"; then
	tap_pass "BIND restarted without its TKEY keys: the next 5 changes land"
else
	tap_fail "BIND restarted without its TKEY keys: the next 5 changes land" "$(count "$FZ" A) A of $n_now" "$(tail -5 "$DIR/ls.err")"
fi
r1=$(gss rejected)
if [ "$r1" -gt "$r0" ] && grep -q "no longer accepts GSS-TSIG context" "$DIR/ls.err"; then
	tap_pass "... after BIND refused the old context (BADKEY, counted: $r1) and one was renegotiated"
else
	tap_fail "... after BIND refused the old context" "rejected $r0 -> $r1" "$(grep gss "$DIR/ls.err" | tail -3)"
fi

# --- 5. the KDC down until the tickets run out: changes wait, then land
lab_kdc_stop "$DIR/kdc"
kdc_felt() { more; n_now=$((n_now + 1)); sleep 0.5; [ "$(gss credential-failures)" -ge 1 ]; }
if WAIT_STEP=1 wait_for 90 kdc_felt; then
	tap_pass "KDC down: once the tickets ran out, the negotiation failed (counted)"
else
	tap_fail "KDC down: once the tickets ran out, the negotiation failed (counted)" "$(stats | jq -c '.dns."gss-tsig"')"
fi
if grep -q "gss: no GSS-TSIG context with '127.0.0.1#$BPORT' (server 'DNS/ns.ls.test@$REALM', client 'DHCP/dhcp.ls.test@$REALM'): no [a-z]* from keytab 'FILE:$DIR/dhcp.keytab' (.*KDC" "$DIR/ls.err"; then
	tap_pass "... one clear line: server, principals and Kerberos' reason"
else
	tap_fail "... one clear line: server, principals and Kerberos' reason" "$(grep "gss:" "$DIR/ls.err" | tail -3)"
fi
lab_kdc_start "$DIR/kdc"
lab_kdc_wait "$DIR/kdc" DHCP/dhcp.ls.test "$DIR/dhcp.keytab"
if wait_for 60 in_dns "$n_now"; then
	tap_pass "KDC back: every lease changed during the outage reached DNS ($n_now)"
else
	tap_fail "KDC back: every lease changed during the outage reached DNS" "$(count "$FZ" A) A of $n_now" "$(grep "gss:" "$DIR/ls.err" | tail -3)"
fi
if kill -TERM "$PID" && wait "$PID"; then tap_pass "leasesnoop stops cleanly"; else tap_fail "leasesnoop stops cleanly"; fi
PID=

# --- 5b. records another updater made as the same principal (here: the first run,
# its state thrown away, as after D2) are adopted, and later removed by us; this
# time configured inline, with a gss-tsig key on the domains
mkdir -p "$DIR/a2"
cat > "$DIR/a2/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/a2/state", "control-socket": "$DIR/a2/ctl.sock",
  "adopt-existing": true, "full-reconcile-interval": 3600,
  "tsig-keys": [ { "name": "ad", "algorithm": "gss-tsig" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "ad",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $BPORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", "key-name": "ad",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $BPORT } ] } ] },
  "gss-tsig": { "server-principal": "DNS/ns.ls.test@$REALM",
                "client-principal": "DHCP/dhcp.ls.test@$REALM",
                "client-keytab": "FILE:$DIR/dhcp.keytab" }
} }
CEOF
if ls_daemon_start "$DIR/a2"; then PID=$LS_DPID; fi
adopted() { [ "$(ls_daemon_stats "$DIR/a2" | jq .adopted)" -ge "$n_now" ] 2>/dev/null; }
if wait_for 30 adopted; then
	tap_is "a fresh state with adopt-existing: all $n_now bindings adopted (read unsigned), no UPDATE sent" \
		"$(ls_daemon_stats "$DIR/a2" | jq '.dns.messages')" 0
else
	tap_fail "a fresh state with adopt-existing: all $n_now bindings adopted" "$(ls_daemon_stats "$DIR/a2" | jq -c '{adopted, "adopt-probed", dns: .dns."adopt-failures"}')" "$(tail -3 "$DIR/a2/ls.err")"
fi
rows 0 0 3 >> "$DIR/kea-leases4.csv"
n_now=$((n_now - 1))
if wait_for 30 in_dns "$n_now"; then
	tap_pass "... and an adopted lease released: its records removed over GSS-TSIG"
else
	tap_fail "... and an adopted lease released: its records removed over GSS-TSIG" "$(count "$FZ" A) A, want $n_now" "$(tail -3 "$DIR/a2/ls.err")"
fi
kill -TERM "$PID"; wait "$PID"; PID=

# --- 6. bad input, one zone each, beside a good zone, in a second daemon
server() { # ID ZONE SERVER-PRINCIPAL CLIENT-PRINCIPAL KEYTAB
	printf '{ "id": "%s", "ip-address": "127.0.0.1", "port": %s, "domain-names": [ "%s" ], "server-principal": "%s@%s", "client-principal": "%s@%s", "client-keytab": "FILE:%s" }' \
		"$1" "$BPORT" "$2" "$3" "$REALM" "$4" "$REALM" "$5"
}
doms() {
	sep=
	for z in $GOOD $BAD; do
		printf '%s{ "name": "%s", "dns-servers": [ { "ip-address": "127.0.0.1", "port": %s } ] }' "$sep" "$z" "$BPORT"
		sep=,
	done
}
mkdir -p "$DIR/b"
cat > "$DIR/b/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,
  "interfaces": [],
  "lease-files": { "v4": "$DIR/b/kea-leases4.csv" },
  "state-dir": "$DIR/b/state", "control-socket": "$DIR/b/ctl.sock",
  "forward-ddns": { "ddns-domains": [ $(doms) ] },
  "gss-tsig": { "retry-interval": 30, "rekey-interval": 600,
    "servers": [
      $(server good $GOOD DNS/ns.ls.test DHCP/dhcp.ls.test "$DIR/dhcp.keytab"),
      $(server nokt nokt.example. DNS/ns.ls.test DHCP/dhcp.ls.test "$DIR/missing.keytab"),
      $(server wrongp wrongp.example. DNS/nope.ls.test DHCP/dhcp.ls.test "$DIR/dhcp.keytab"),
      $(server tkeyerr tkeyerr.example. DNS/other.ls.test DHCP/dhcp.ls.test "$DIR/dhcp.keytab"),
      $(server stale stale.example. DNS/ns.ls.test DHCP/stale.ls.test "$DIR/stale.keytab"),
      $(server denied denied.example. DNS/ns.ls.test DHCP/denied.ls.test "$DIR/denied.keytab") ] }
} }
CEOF
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/b/kea-leases4.csv"
i=0
for z in $BAD $GOOD; do
	i=$((i + 1))
	printf '10.8.0.%d,02:00:00:08:00:%02x,,3600,%d,1,1,0,b%d.%s,0,\n' "$i" "$i" $(($(date +%s) + 3600)) "$i" "$z" >> "$DIR/b/kea-leases4.csv"
done
if ls_daemon_start "$DIR/b"; then PID=$LS_DPID; tap_pass "a second daemon: five bad zones and a good one"; else tap_fail "a second daemon: five bad zones and a good one" "$(cat "$DIR/b/ls.err")"; fi
bstats() { ls_daemon_stats "$DIR/b"; }
bgss() { bstats | jq -r ".dns.\"gss-tsig\".\"$1\""; }
good_in() { [ "$(count "$GOOD" A)" -eq 1 ] && axfr "$GOOD" | grep -q '^b6\.good\.example\.'; }
failing() { [ "$(bgss credential-failures)" -ge 9 ] && [ "$(bgss tkey-errors)" -ge 2 ]; }
WAIT_STEP=0.5 wait_for 30 failing
tap_ok "the good zone is unaffected: its lease reached DNS" wait_for 10 good_in
line() { grep "gss: no GSS-TSIG context .*server '$1@$REALM', client '$2@$REALM'): $3" "$DIR/b/ls.err" | head -1; }
for c in "no keytab|DNS/ns.ls.test|DHCP/dhcp.ls.test|no [a-z]* from keytab 'FILE:$DIR/missing.keytab' (" \
	 "unknown server principal|DNS/nope.ls.test|DHCP/dhcp.ls.test|no ticket from keytab .*not found in Kerberos database" \
	 "stale keytab|DNS/ns.ls.test|DHCP/stale.ls.test|no [a-z]* from keytab 'FILE:$DIR/stale.keytab' (.*\\(integrity\\|[Pp]reauth\\|[Pp]assword\\)" \
	 "TKEY error answer (BIND has no key for DNS/other)|DNS/other.ls.test|DHCP/dhcp.ls.test|server answered the TKEY query with rcode [0-9]*, TKEY error"; do
	IFS='|' read -r what sp cp re <<EOF
$c
EOF
	l=$(line "$sp" "$cp" "$re")
	if [ -n "$l" ]; then tap_pass "$what: one clear line"; tap_diag "$l"; else tap_fail "$what: one clear line" "$(grep "gss:" "$DIR/b/ls.err" | grep "$sp@$REALM', client '$cp" | head -2)"; fi
done
tap_is "... counted: credential failures >= 9 (3 zones x 3 tries), TKEY errors >= 2" \
	"$(failing && echo yes)" yes
# backoff: tries 1 s, 2 s, 4 s apart, so by now each bad server was tried a handful of times, not hundreds
tries=$(bgss negotiations)
if [ "$tries" -le 40 ] && grep -q "try 3 failed, next in 4000 ms\|try 2 failed, next in 2000 ms" "$DIR/b/ls.err"; then
	tap_pass "retries back off (1 s, 2 s, 4 s …): $tries negotiations in all"
else
	tap_fail "retries back off (1 s, 2 s, 4 s …)" "$tries negotiations" "$(grep "gss:" "$DIR/b/ls.err" | tail -4)"
fi
refused() { [ "$(bstats | jq '[.changes[] | select(.result == "refused") | .count] | add')" -ge 1 ]; }
if wait_for 20 refused && grep -q "REFUSED for 'b5.denied.example.'" "$DIR/b/ls.err"; then
	tap_pass "a principal the update-policy does not grant: REFUSED, counted and named"
else
	tap_fail "a principal the update-policy does not grant: REFUSED, counted and named" "$(grep -i "refused" "$DIR/b/ls.err" | tail -2)"
fi
none=0
for z in $BAD; do [ "$(count "$z" A)" -eq 0 ] || none=1; done
tap_is "nothing reached the bad zones, the daemon still runs" "$none $(kill -0 "$PID" && echo alive)" "0 alive"
kill -TERM "$PID"; wait "$PID"; PID=

# --- 7. clock skew: our clock 10 minutes ahead (faketime; the monotonic clock kept).
# Kerberos itself copes (MIT's kdc_timesync), but BIND's TSIG on the TKEY answer is
# 600 s off ours (fudge 300): the negotiation fails, counted, with the reason
mkdir -p "$DIR/c"
sed -e "s#$DIR/b/#$DIR/c/#g" "$DIR/b/ls.conf" > "$DIR/c/ls.conf"
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/c/kea-leases4.csv"
printf '10.8.1.1,02:00:00:08:01:01,,3600,%d,1,1,0,skew.%s,0,\n' $(($(date +%s) + 4000)) "$GOOD" >> "$DIR/c/kea-leases4.csv"
# libfaketime preloaded into leasesnoop itself (faketime(1) would fork: $! must be leasesnoop)
FTLIB=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$' | head -n1)
LD_PRELOAD=$FTLIB FAKETIME="+600s" FAKETIME_DONT_FAKE_MONOTONIC=1 \
	"$LS_BIN" -c "$DIR/c/ls.conf" >"$DIR/c/ls.out" 2>"$DIR/c/ls.err" &
PID=$!
wait_for 10 test -S "$DIR/c/ctl.sock"
skewed() { [ "$(ls_daemon_stats "$DIR/c" | jq '.dns."gss-tsig"."tkey-errors"')" -ge 1 ] 2>/dev/null; }
if wait_for 30 skewed && grep -aq "client 'DHCP/dhcp.ls.test@$REALM'): the TKEY answer's signature does not verify (TSIG time outside the allowed window)" "$DIR/c/ls.err"; then
	tap_pass "clock 10 min ahead: the negotiation fails, counted, the log says the times differ"
else
	tap_fail "clock 10 min ahead: the negotiation fails, counted, the log says the times differ" "$(grep -a "gss:" "$DIR/c/ls.err" | head -3)"
fi
tap_is "... and nothing was sent unsigned or signed with it" "$(axfr "$GOOD" | grep -c '^skew\.')" 0
tap_done
