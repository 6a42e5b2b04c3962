#!/bin/sh
# tests/integ/66_gss_samba.sh - GSS-TSIG against Samba as an Active
# Directory domain controller with its internal DNS (samba-tool domain
# provision into a scratch directory), the closest free stand-in for
# Microsoft DNS. Samba, its KDC and leasesnoop run in a network namespace
# the test creates, on its loopback only (Samba's fixed ports: 53, 88, …).
# - a domain user's keytab (samba-tool domain exportkeytab): A and PTR
#   records created, released leases' records removed; Samba's replies
#   verified (Samba leaves the request MAC's length out of their MAC input);
# - the Microsoft-style owner ACL: a name created by one principal cannot
#   be taken over by another (Samba answers SERVFAIL with a signature that
#   does not verify: not trusted, retried, never applied), and stays as its
#   owner made it.
# Samba's internal DNS has no DHCID record type (it answers NOTIMP), so the
# zones use conflict-resolution-mode no-check-without-dhcid, as a site with
# Samba DNS must.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd samba samba-tool ip dig jq kinit
. "$LS_TOP/tests/lib/lsrun.sh"

NS=ls-gsssmb-$$
DIR=$(mktemp -d /tmp/ls-gsssmb-XXXXXX)
REALM=SAMBA.TEST
ADMIN_PW="Ls-Adm1n-$$-Pw!"
cleanup() {
	# everything in the namespace is this test's: Samba's processes, leasesnoop
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 9

ip netns add "$NS" && ip -n "$NS" link set lo up
X() { ip netns exec "$NS" "$@"; }
S="-s $DIR/s/etc/smb.conf"

# --- 1. a domain controller in a scratch directory, on the namespace's loopback
# (dns forwarder: nothing outside the namespace is ever asked; logs stay in DIR)
if X samba-tool domain provision --realm=$REALM --domain=SAMBA --server-role=dc \
	--dns-backend=SAMBA_INTERNAL --adminpass="$ADMIN_PW" --targetdir="$DIR/s" \
	--host-name=dc1 --host-ip=127.0.0.1 --option="interfaces = lo" \
	--option="bind interfaces only = yes" --option="dns forwarder = 127.0.0.1" \
	--option="log file = $DIR/samba.log.%m" >"$DIR/provision.log" 2>&1; then
	tap_pass "samba-tool domain provision $REALM into a scratch directory"
else
	tap_fail "samba-tool domain provision $REALM into a scratch directory" "$(tail -5 "$DIR/provision.log")"
fi
X samba --foreground $S >"$DIR/samba.out" 2>&1 &
soa() { X dig @127.0.0.1 samba.test SOA +short +time=1 +tries=1 | grep -q dc1; }
if wait_for 60 soa; then tap_pass "Samba AD DC up (internal DNS, KDC) on the namespace's 127.0.0.1"; else tap_fail "Samba AD DC up" "$(tail -5 "$DIR/samba.out")"; fi

user() { # NAME: a domain user and its keytab DIR/NAME.keytab
	X samba-tool user add "$1" "Ls-$1-$$-Pw!" $S >/dev/null &&
		X samba-tool user setexpiry "$1" --noexpiry $S >/dev/null &&
		X samba-tool domain exportkeytab "$DIR/$1.keytab" --principal="$1@$REALM" $S >/dev/null 2>&1
}
if user dhcpd && user rogue &&
	X samba-tool dns zonecreate 127.0.0.1 9.10.in-addr.arpa -U "Administrator%$ADMIN_PW" $S >/dev/null; then
	tap_pass "domain users dhcpd and rogue with keytabs, reverse zone 9.10.in-addr.arpa"
else
	tap_fail "domain users dhcpd and rogue with keytabs, reverse zone 9.10.in-addr.arpa"
fi
cat > "$DIR/krb5.conf" <<KEOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1
	}
KEOF

# conf D PRINCIPAL: a daemon in DIR/D signing as PRINCIPAL, with a gss-tsig key
conf() {
	mkdir -p "$DIR/$1"
	cat > "$DIR/$1/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,
  "interfaces": [],
  "lease-files": { "v4": "$DIR/$1/kea-leases4.csv" },
  "state-dir": "$DIR/$1/state", "control-socket": "$DIR/$1/ctl.sock",
  "conflict-resolution-mode": "no-check-without-dhcid",
  "tsig-keys": [ { "name": "ad", "algorithm": "gss-tsig" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "samba.test.", "key-name": "ad",
      "dns-servers": [ { "ip-address": "127.0.0.1" } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "9.10.in-addr.arpa.", "key-name": "ad",
      "dns-servers": [ { "ip-address": "127.0.0.1" } ] } ] },
  "gss-tsig": { "server-principal": "DNS/dc1.samba.test@$REALM",
                "client-principal": "$2@$REALM", "client-keytab": "FILE:$DIR/$2.keytab" }
} }
CEOF
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/$1/kea-leases4.csv"
}
# rows D FIRST LAST STATE [THIRD-OCTET]: leases 10.9.X.FIRST..LAST named hN.samba.test.
rows() {
	awk -v a="$2" -v b="$3" -v st="$4" -v x="${5:-0}" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "10.9.%d.%d,02:00:00:09:%02x:%02x,,3600,%d,1,1,1,h%d.samba.test.,%d,\n",
				x, i, x, i, now + 3600, i, st
	}' >> "$DIR/$1/kea-leases4.csv"
}
start() { # D: start the daemon of DIR/D in the namespace
	rm -f "$DIR/$1/ctl.sock"
	X env KRB5_CONFIG="$DIR/krb5.conf" KRB5CCNAME="MEMORY:ls-test" KRB5_CLIENT_KTNAME="$DIR/none.keytab" \
		"$LS_BIN" -c "$DIR/$1/ls.conf" >"$DIR/$1/ls.out" 2>"$DIR/$1/ls.err" &
	wait_for 10 test -S "$DIR/$1/ctl.sock"
}
stats() { "$LS_BIN" --stats --json --control-socket "$DIR/$1/ctl.sock"; }
a_of() { X dig @127.0.0.1 "$1" A +short +time=2 +tries=1; }
ptr_of() { X dig @127.0.0.1 -x "$1" +short +time=2 +tries=1; }
# all N: h1..hN have their A and PTR
all() {
	for i in $(seq 1 "$1"); do
		[ "$(a_of "h$i.samba.test")" = "10.9.0.$i" ] && [ "$(ptr_of "10.9.0.$i")" = "h$i.samba.test." ] || return 1
	done
}

# --- 2. records created and removed as dhcpd@SAMBA.TEST
conf a dhcpd
rows a 1 20 0
start a
if WAIT_STEP=0.5 wait_for 60 all 20; then
	tap_pass "20 leases: A and PTR created in Samba's DNS over GSS-TSIG"
else
	tap_fail "20 leases: A and PTR created in Samba's DNS over GSS-TSIG" "$(grep -a "gss\|warn\|err" "$DIR/a/ls.err" | tail -5)"
fi
tap_is "... one context, no failure, no reply refused for its signature" \
	"$(stats a | jq -c '[.dns."gss-tsig".established, .dns."gss-tsig".failures, .dns."rejected-replies"]')" "[1,0,0]"
rows a 1 5 3
gone() { for i in 1 2 3 4 5; do [ -z "$(a_of "h$i.samba.test")" ] && [ -z "$(ptr_of "10.9.0.$i")" ] || return 1; done; }
if WAIT_STEP=0.5 wait_for 30 gone && [ "$(a_of h6.samba.test)" = 10.9.0.6 ]; then
	tap_pass "5 leases released: their A and PTR removed, the others kept"
else
	tap_fail "5 leases released: their A and PTR removed, the others kept" "$(a_of h1.samba.test) / $(a_of h6.samba.test)"
fi

# --- 3. the owner ACL: another principal cannot take over h6, which dhcpd made
conf b rogue
rows b 6 6 0 1		# h6.samba.test. at 10.9.1.6: a rewrite of dhcpd's name
start b
# Samba answers the denied update with SERVFAIL, signed in a way that does not
# verify (not the RFC's MAC input, nor its own success-reply variant): the
# answer is not trusted, the change is retried and never applied
denied() { [ "$(stats b | jq '.dns."rejected-replies"')" -ge 2 ] 2>/dev/null; }
if wait_for 30 denied && [ "$(stats b | jq '.applied')" = 0 ]; then
	tap_pass "rogue@$REALM rewriting dhcpd's h6: denied by the owner ACL, nothing applied"
else
	tap_fail "rogue@$REALM rewriting dhcpd's h6: denied by the owner ACL, nothing applied" "$(stats b | jq -c '{applied, r: .dns."rejected-replies"}')" "$(grep -a "gss\|REFUSED\|warn" "$DIR/b/ls.err" | tail -4)"
fi
tap_is "... h6 still holds dhcpd's address" "$(a_of h6.samba.test)" 10.9.0.6
tap_is "... and the rogue daemon did negotiate a context (the denial is the ACL's, not Kerberos')" \
	"$(stats b | jq '.dns."gss-tsig".established')" 1
tap_done
