# shellcheck shell=sh
# tests/lib/verify_cases.sh - DNS verify and repair against a real server
# (BIND or Knot, started here on loopback): leasesnoop -c on a lease file of
# 40 leases, then DNS is changed behind its back with nsupdate (same key):
# records deleted, an address and a PTR target altered, a foreign TXT added
# at an owned name; the server loses its data (BIND: journal removed, zone
# reloaded from its old file; Knot: restarted with zonefile-load
# difference-no-serial over its never-written zone file). Each is repaired
# within one verify interval, the TXT stays, the counters say what was seen.
# Then dns-verify on request (interval 0), and (BIND) a key that may update
# but not transfer: a clear message, a failure counted.
#
#   verify_cases bind|knot
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

FZ=verify.example.
RZ=66.10.in-addr.arpa.
VI=4		# dns-verify-interval in the first part

vc_cleanup() {
	[ -n "${PID:-}" ] && kill -9 "$PID" 2>/dev/null
	lab_bind_stop "$DIR/dns" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}

# conf INTERVAL [REVERSE-KEY]
vc_conf() {
	cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "kea-ddns-updates": false,
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "dns-verify-interval": $1,
  "metrics": { "listen": "127.0.0.1:$((PORT + 1))" },
  "batching": { "timeout-ms": 1000, "backoff-max-ms": 1000 },
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$SECRET" },
                 { "name": "u", "algorithm": "HMAC-SHA256", "secret": "$USECRET" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", "key-name": "${2:-k}",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] }
} }
CEOF
}

vc_axfr() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET"; }
# DNS as "name type data" for A and PTR, sorted
vc_have() { { vc_axfr "$FZ"; vc_axfr "$RZ"; } | awk '$3 == "A" || $3 == "PTR" { print $1, $3, $4 }' | sort; }
vc_want() {
	for _i in $(seq 0 39); do
		echo "c$_i.$FZ A 10.66.1.$((_i + 1))"
		echo "$((_i + 1)).1.$RZ PTR c$_i.$FZ"
	done | sort
}
vc_exact() { [ "$(vc_have)" = "$(vc_want)" ]; }
vc_stat() { ls_daemon_stats "$DIR" | jq -r "$1"; }
vc_runs_above() { [ "$(vc_stat ".verify[\"$1\"].runs")" -gt "$2" ] 2>/dev/null; }
vc_nsupdate() { nsupdate -y "hmac-sha256:k:$SECRET"; }
vc_cmd() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s $ARGV[1];
		shutdown($s, 1);
		local $/; print <$s>;' "$DIR/ctl.sock" "$1"
}
vc_failures_above() { [ "$(vc_stat ".verify[\"$1\"].failures")" -gt "$2" ] 2>/dev/null; }

verify_cases() {
	KIND=$1
	DIR=$(mktemp -d "/tmp/ls-verify-$KIND-XXXXXX")
	PID=
	trap vc_cleanup EXIT
	trap 'exit 1' INT TERM
	[ "$KIND" = bind ] && tap_plan 22 || tap_plan 20
	PORT=$(lab_dns_free_port)
	SECRET=$(lab_dns_secret 32)
	USECRET=$(lab_dns_secret 32)
	# key u may update (BIND: not transfer, the lab allows AXFR to k only)
	export LAB_DNS_KEYS="u:hmac-sha256:$USECRET"
	lab_${KIND}_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
	tap_ok "$KIND up" lab_dns_wait "$PORT" "$FZ"

	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"
	awk -v now="$(date +%s)" 'BEGIN { for (i = 0; i < 40; i++)
		printf "10.66.1.%d,02:00:00:66:00:%02x,,3600,%d,1,1,1,c%d.verify.example.,0,\n", i + 1, i, now + 3600, i }' \
		>> "$DIR/kea-leases4.csv"
	vc_conf "$VI"
	if start; then tap_pass "leasesnoop -c starts (dns-verify-interval $VI)"
	else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
	WAIT_STEP=0.2 wait_for 30 vc_exact
	tap_is "40 leases in DNS" "$(vc_have)" "$(vc_want)"
	WAIT_STEP=0.2 wait_for 20 vc_runs_above "$RZ" 0
	tap_is "a first verification finds nothing to repair" \
		"$(vc_stat "[.verify[] | .missing + .wrong + .repaired] | add")" 0

	# --- behind its back: deleted, altered, foreign
	_runs=$(vc_stat ".verify[\"$FZ\"].runs")
	cat <<NEOF | vc_nsupdate
server 127.0.0.1 $PORT
zone $FZ
update delete c0.$FZ A
update delete c1.$FZ
update delete c2.$FZ A
update add c2.$FZ 300 A 10.99.0.3
update add c3.$FZ 300 TXT "colleagues-note"
send
zone $RZ
update delete 5.1.$RZ PTR
update add 5.1.$RZ 300 PTR wrong.example.
update delete 6.1.$RZ PTR
send
NEOF
	tap_ok "nsupdate: 2 A and a DHCID deleted, an A altered, a TXT added, a PTR altered, a PTR deleted" \
		sh -c "[ \"\$(dig +short -p $PORT @127.0.0.1 c2.$FZ A)\" = 10.99.0.3 ]"
	WAIT_STEP=0.2 wait_for $((VI * 2 + 10)) vc_exact
	tap_is "repaired within one verify interval: DNS equals the leases again" "$(vc_have)" "$(vc_want)"
	tap_is "the foreign TXT at an owned name is untouched" \
		"$(vc_axfr "$FZ" | awk '$3 == "TXT" { print $1, $4 }')" "c3.$FZ \"colleagues-note\""
	tap_is "forward zone counters: missing 3, wrong 1, repaired 3, foreign 1" \
		"$(vc_stat ".verify[\"$FZ\"] | \"\(.missing) \(.wrong) \(.repaired) \(.foreign)\"")" "3 1 3 1"
	tap_is "reverse zone counters: missing 1, wrong 1, repaired 2, foreign 0" \
		"$(vc_stat ".verify[\"$RZ\"] | \"\(.missing) \(.wrong) \(.repaired) \(.foreign)\"")" "1 1 2 0"
	tap_ok "later verifications are IXFRs from the serial verified last" \
		test "$(vc_stat "[.verify[].\"ixfr-runs\"] | add")" -ge 2
	# the IXFR run that found the damage compared the bindings at the names it
	# touched (c0-c3) and those changed since, not all 40
	_ix=$(grep "verify: zone '$FZ' serial [0-9]* (IXFR): [0-9]* RRs, [0-9]* changed bindings, [1-9]" \
		"$DIR/ls.err" | head -1 | sed 's/.* RRs, \([0-9]*\) changed bindings.*/\1/')
	tap_ok "the IXFR verification that found the damage compared ${_ix:-all} of 40 bindings (those it touched)" \
		test "${_ix:-40}" -ge 4 -a "${_ix:-40}" -le 8
	# the registry mirrors the statistics once a second
	WAIT_STEP=0.2 wait_for 10 sh -c "curl -sf http://127.0.0.1:$((PORT + 1))/metrics | grep -q 'leasesnoop_verify_records_total{zone=\"$FZ\",result=\"repaired\"} 3'"
	tap_is "/metrics: the same verify counters" \
		"$(curl -sf "http://127.0.0.1:$((PORT + 1))/metrics" | grep "^leasesnoop_verify_records_total{zone=\"$FZ\"" | sort)" \
		"$(printf 'leasesnoop_verify_records_total{zone="%s",result="%s"} %s\n' "$FZ" failures 0 "$FZ" missing 3 "$FZ" orphans-found 0 "$FZ" orphans-removed 0 "$FZ" repaired 3 "$FZ" wrong 1)"
	_lines=$(grep -c "verify: zone .* repairing" "$DIR/ls.err")
	tap_is "each repair logged once with what was wrong (5 lines)" "$_lines" 5
	grep -q "name 'c2.$FZ' .*A holds 10.99.0.3; repairing" "$DIR/ls.err" ||
		tap_diag "no line for the altered A"

	# --- the server loses its data
	_m0=$(vc_stat ".verify[\"$FZ\"].missing")
	lab_${KIND}_stop "$DIR/dns"
	if [ "$KIND" = bind ]; then
		rm -f "$DIR"/dns/*.jnl		# the zone is back to its old file: SOA and NS only
		lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
	else
		LAB_KNOT_ZONEFILE_LOAD=difference-no-serial \
			lab_knot_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
	fi
	lab_dns_wait "$PORT" "$FZ"
	WAIT_STEP=0.2 wait_for $((VI * 2 + 20)) vc_exact
	tap_is "the server that lost its data is refilled" "$(vc_have)" "$(vc_want)"
	# (an AXFR right after the restart would race the verifier, which may
	# already have refilled part: its counters say what it found instead)
	_m1=$(vc_stat ".verify[\"$FZ\"].missing")
	tap_ok "$KIND had restarted without its data: the verifier found each lease's A and DHCID missing (+$((_m1 - _m0)))" \
		test "$((_m1 - _m0))" -ge 80
	tap_is "the foreign TXT went with the data and was not put back" \
		"$(vc_axfr "$FZ" | awk '$3 == "TXT"' | wc -l)" 0

	# --- on request only
	kill -TERM "$PID"; wait "$PID"; PID=
	vc_conf 0 u
	start
	WAIT_STEP=0.2 wait_for 20 sh -c "[ \"\$($LS_BIN --stats --json --control-socket $DIR/ctl.sock | jq -r .idle)\" = true ]"
	printf 'server 127.0.0.1 %s\nzone %s\nupdate delete c9.%s A\nsend\n' "$PORT" "$FZ" "$FZ" | vc_nsupdate
	_ans=$(vc_cmd "{\"command\":\"dns-verify\",\"arguments\":{\"zone\":\"$FZ\"}}")
	tap_is "dns-verify for one zone: scheduled" "$(echo "$_ans" | jq -c '[.result, .arguments.zones]')" "[0,1]"
	WAIT_STEP=0.2 wait_for 20 vc_exact
	tap_is "dns-verify repairs what it finds (interval 0)" "$(vc_have)" "$(vc_want)"
	tap_is "dns-verify of an unknown zone: an error" \
		"$(vc_cmd '{"command":"dns-verify","arguments":{"zone":"nowhere.example."}}' | jq .result)" 1
	if [ "$KIND" = bind ]; then
		# the reverse zone's key u may update, not transfer
		vc_cmd "{\"command\":\"dns-verify\",\"arguments\":{\"zone\":\"$RZ\"}}" >/dev/null
		WAIT_STEP=0.2 wait_for 20 vc_failures_above "$RZ" 0
		tap_is "AXFR refused to the key: counted" "$(vc_stat ".verify[\"$RZ\"].failures")" 1
		if grep -q "verify: server '127.0.0.1#$PORT' refused AXFR of zone '$RZ' to key 'u.' (REFUSED); allow it: BIND allow-transfer { key \"u.\"; };" "$DIR/ls.err"
		then tap_pass "AXFR refused: the log names the zone, the key and what to allow"
		else tap_fail "AXFR refused: the log names the zone, the key and what to allow" "$(grep verify: "$DIR/ls.err" | tail -3)"; fi
	fi
	kill -TERM "$PID"; wait "$PID"; _rc=$?; PID=
	tap_is "SIGTERM: clean exit" "$_rc" 0
}
