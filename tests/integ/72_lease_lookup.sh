#!/bin/sh
# tests/integ/72_lease_lookup.sh - per-lease lookup against a real BIND:
# `leasesnoop --lease ADDRESS|NAME` and the control commands lease4-get /
# leases-owned {"address"}. Seven v4 leases: one published (A, PTR, DHCID in
# BIND), one without a name, one in no configured zone, one Kea said no DNS
# for (fqdn_fwd/fqdn_rev 0), one whose name holds another client's DHCID (a
# conflict), one in a zone the server does not serve (refused), and an
# address with no lease at all. Each says what was decided and why, and the
# published one shows what BIND answers now.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq perl
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DNSDRIVE=${LS_DNSDRIVE:-$LS_TOP/.output/tools/dnsdrive}
[ -x "$DNSDRIVE" ] || tap_skip_all "no $DNSDRIVE (make tools)"
ls_bind_lab lookup
tap_plan 26

FZ=lookup.example.
RZ=64.10.in-addr.arpa.
BADZ=refused.example.	# configured here, not served by BIND: it answers NOTAUTH
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
mkdir -p "$DIR/dns"

E=$((NOW + 3600))
cat > "$DIR/kea-leases4.csv" <<CEOF
address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context
10.64.0.1,02:00:00:00:00:01,,3600,$E,1,1,1,pub.lookup.example.,0,
10.64.0.2,02:00:00:00:00:02,,3600,$E,1,1,1,,0,
10.99.0.3,02:00:00:00:00:03,,3600,$E,1,1,1,far.elsewhere.test.,0,
10.64.0.4,02:00:00:00:00:04,,3600,$E,1,0,0,nodns.lookup.example.,0,
10.64.0.5,02:00:00:00:00:05,,3600,$E,1,1,1,foreign.lookup.example.,0,
10.64.0.6,02:00:00:00:00:06,,3600,$E,1,1,1,r.refused.example.,0,
CEOF
# another client's DHCID already at foreign.lookup.example.
FOREIGN=$(echo "hw:01:02:aa:aa:aa:aa:aa foreign.lookup.example." | "$DNSDRIVE" --dhcid | cut -d' ' -f2)
cat > "$DIR/dns/extra-$FZ" <<ZEOF
foreign.lookup.example. 3600 IN A 10.64.0.50
foreign.lookup.example. 3600 IN DHCID $FOREIGN
ZEOF

lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -f "$BADZ" -r "$RZ" \
	-x '"honor-fqdn-flags": true' > "$DIR/ls.conf"
if start; then tap_pass "the daemon starts"; else tap_fail "the daemon starts" "$(cat "$DIR/ls.err")"; fi
settle 30 || tap_diag "not idle in 30 s"

lease() { "$LS_BIN" --lease "$1" --json --control-socket "$DIR/ctl.sock"; }
ctl() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s $ARGV[1]; shutdown($s, 1); local $/; print <$s>;' "$DIR/ctl.sock" "$1"
}

# 1. the published lease: row, decision, owned binding, and BIND's answers now
J=$(lease 10.64.0.1)
tap_is "published: decision" "$(echo "$J" | jq -r .arguments.decision)" published
tap_is "published: Kea's row (hostname column)" "$(echo "$J" | jq -r .arguments.lease.hostname)" pub.lookup.example.
tap_is "published: the store's binding" "$(echo "$J" | jq -r '.arguments.owned | "\(.state) \(.fqdn) \(.fwd) \(.rev)"')" \
	"added pub.lookup.example. true true"
tap_is "published: BIND answers A now" "$(echo "$J" | jq -c '.arguments."dns-now"[] | select(.side == "forward") | .A')" '["10.64.0.1"]'
tap_is "published: BIND answers PTR now" "$(echo "$J" | jq -c '.arguments."dns-now"[] | select(.side == "reverse") | .PTR')" \
	'["pub.lookup.example."]'
D=$(dig +short -p "$PORT" @127.0.0.1 pub.lookup.example. DHCID)
tap_is "published: the DHCID shown is the one BIND holds" \
	"$(echo "$J" | jq -r '.arguments."dns-now"[] | select(.side == "forward") | .DHCID[0]')" "$D"
tap_is "by name: the same lease" "$(lease pub.lookup.example | jq -r .arguments.address)" 10.64.0.1
H=$("$LS_BIN" --lease 10.64.0.1 --control-socket "$DIR/ctl.sock")
tap_diag "$H"
if echo "$H" | grep -q '^decision  published' && echo "$H" | grep -q '^    A     10.64.0.1$'; then
	tap_pass "readable form: decision and DNS answer lines"
else
	tap_fail "readable form: decision and DNS answer lines" "$H"
fi

# 2. no name, no zone, Kea said no DNS
J=$(lease 10.64.0.2)
tap_is "no name: decision" "$(echo "$J" | jq -r '"\(.arguments.decision): \(.arguments.reason)"')" \
	"not-published: no usable name"
J=$(lease 10.99.0.3)
tap_is "no zone: decision" "$(echo "$J" | jq -r '"\(.arguments.decision): \(.arguments.reason)"')" \
	"not-published: no configured zone"
tap_is "no zone: nothing to ask DNS" "$(echo "$J" | jq -c '.arguments."dns-now"')" '[]'
J=$(lease 10.64.0.4)
tap_is "Kea said no DNS: decision" "$(echo "$J" | jq -r '"\(.arguments.decision): \(.arguments.reason)"')" \
	"not-published: lease says no DNS"
tap_is "Kea said no DNS: BIND has no A" "$(echo "$J" | jq -c '.arguments."dns-now"[] | select(.side == "forward") | .A')" '"NXDOMAIN"'

# 3. a conflict with another client's DHCID
J=$(lease 10.64.0.5)
tap_is "conflict: decision" "$(echo "$J" | jq -r .arguments.decision)" conflict
tap_is "conflict: the store says so" "$(echo "$J" | jq -r .arguments.owned.state)" conflict
tap_is "conflict: BIND still holds the other client's A" \
	"$(echo "$J" | jq -c '.arguments."dns-now"[] | select(.side == "forward") | .A')" '["10.64.0.50"]'

# 4. the server refused it (BIND is not authoritative there: NOTAUTH): which rcode
J=$(lease 10.64.0.6)
tap_is "refused: decision" "$(echo "$J" | jq -r .arguments.decision)" failed
tap_is "refused: the outcome names the rcode" "$(echo "$J" | jq -r '.arguments.reconciler."last-outcome".fwd')" notauth
tap_is "refused: the reason says which" "$(echo "$J" | jq -r .arguments.reason)" \
	"the server refused it (forward notauth, reverse skipped); retried at the next full reconciliation"

# 5. an unknown address, an unknown name
J=$(lease 10.64.0.200)
tap_is "unknown address: Kea's empty result (3) and decision" \
	"$(echo "$J" | jq -r '"\(.result) \(.arguments.decision)"')" "3 unknown"
"$LS_BIN" --lease 10.64.0.200 --control-socket "$DIR/ctl.sock" >/dev/null 2>&1
tap_is "unknown address: exit status 1" "$?" 1
"$LS_BIN" --lease nobody.lookup.example --control-socket "$DIR/ctl.sock" > "$DIR/nobody" 2>&1
tap_is "unknown name: exit status 1 and one line" "$?:$(cat "$DIR/nobody")" \
	"1:nobody.lookup.example: no lease and nothing owned"

# 6. leases-owned honours its address filter
tap_is "leases-owned {address}: that binding only" \
	"$(ctl '{"command":"leases-owned","arguments":{"address":"10.64.0.1"}}' | jq -c '[.arguments.bindings[].address]')" \
	'["10.64.0.1"]'
tap_is "lease4-get with a bad argument: an error naming it" \
	"$(ctl '{"command":"lease4-get","arguments":{"ip-address":"2001:db8::1"}}' | jq -r '"\(.result) \(.text)"')" \
	'1 "ip-address" is not an IPv4 address'
tap_done
