#!/bin/sh
# tests/integ/76_sweep_ha.sh - the HA takeover gap, closed by the orphan
# sweep. Two real kea-dhcp4 with the HA hook (hot-standby, names generated,
# 20 s leases), a leasesnoop -c per node with "sweep-orphans": true, one
# BIND. The primary's leasesnoop puts the clients' records in DNS, then dies
# (kill -9) and the leases expire: no one removes their records. The
# primary's Kea then stops too, the standby goes partner-down and its
# leasesnoop takes over: the leases it would have removed had already
# expired (never its bindings), so only the sweep can tell that those
# records, carrying the DHCIDs of clients in its HA-replicated lease file,
# are orphans. dns-verify on the standby removes exactly them; a name
# without a DHCID stays.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/lsrun.sh"
need_root
need_cmd kea-dhcp4 perfdhcp named jq dig ip perl nsupdate
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
[ -f "$KEA_LAB_HA_HOOK" ] || tap_skip_all "needs $KEA_LAB_HA_HOOK (kea-dhcp4-server)"

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
DIR=$(mktemp -d /tmp/ls-sweep-ha-XXXXXX)
mkdir -p "$DIR/n1" "$DIR/n2" "$DIR/dns"
L1= L2=
cleanup() {
	for p in $L1 $L2; do kill -9 "$p" 2>/dev/null; done
	for p in $L1 $L2; do wait "$p" 2>/dev/null; done
	lab_bind_stop "$DIR/dns" 2>/dev/null
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
node_conf() { # NODE
	ls_conf -d "$DIR/n$1" -p "$PORT" -s "$SECRET" -4 "$DIR/n$1/kea-leases4.csv" -f "$FZ" -r "$RZ4" \
		-x '"batching": { "backoff-max-ms": 1000, "timeout-ms": 500 }' \
		-x '"sweep-orphans": true' -x '"dns-verify-interval": 0' \
		-x "\"high-availability\": { \"control-socket\": \"$DIR/n$1/kea4.sock\", \"mode\": \"hot-standby\", \"interval\": 0.2 }" \
		> "$DIR/n$1/ls.conf"
}
ls_start() { # NODE - leasesnoop -c of node NODE; its pid in L<NODE>
	ls_daemon_start "$DIR/n$1"
	_rc=$?
	eval "L$1=\$LS_DPID"
	[ $_rc = 0 ] || cat "$DIR/n$1/ls.err" >&2
	return $_rc
}
st() { "$LS_BIN" --stats --json --control-socket "$DIR/n$1/ctl.sock" 2>/dev/null; }
wait_st() { # SECONDS NODE JQ
	for _i in $(seq 1 $(($1 * 5))); do
		st "$2" | jq -e "$3" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	tap_diag "node $2: $(st "$2" | jq -c '{ha, "adds-sent", "removes-sent", applied, idle, verify}')"
	return 1
}
active_leases() { "$LS_BIN" --kea-leases "$DIR/n$1/kea-leases4.csv" --json 2>/dev/null | grep -c .; }
axfr() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET" | awk '$3 != "SOA" && $3 != "NS" { print $1, $3, $4 }' | sort; }
tap_plan 8

lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ4" >/dev/null 2>&1
tap_ok "BIND up with $FZ and $RZ4" lab_dns_wait "$PORT" "$FZ"
tap_ok "lab: two server namespaces and a client bridge" kea_lab_ha_net_up
export KEA_LAB_DDNS=1 KEA_LAB_VALID=20 KEA_LAB_RECLAIM=2 KEA_LAB_RECLAIM_MAX=0 KEA_LAB_LFC=0
if kea_lab_ha_kea4_up "$DIR/n1" 1 && kea_lab_ha_kea4_up "$DIR/n2" 2; then
	tap_pass "two kea-dhcp4 with the HA hook (hot-standby, names generated, 20 s leases)"
else
	tap_fail "two kea-dhcp4 with the HA hook" "$(tail -5 "$DIR"/n*/kea-dhcp4.log)"
fi
node_conf 1
node_conf 2
ls_start 1 && ls_start 2
if wait_st 30 1 '.ha.active == true' && wait_st 5 2 '.ha.active == false'; then
	tap_pass "primary's leasesnoop active, standby's standing by"
else
	tap_fail "primary's leasesnoop active, standby's standing by"
fi
kea_lab_cli perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" -r 10 -R 10 -n 10 -p 2 \
	"$KEA_LAB_SRV_ADDR4" > "$DIR/perf1.out" 2>&1
n=$(active_leases 1)
in_dns() { [ "$(axfr $FZ | grep -c ' DHCID ')" -ge "$n" ] && [ "$(axfr $RZ4 | grep -c ' PTR ')" -ge "$n" ]; }
wait_for 20 in_dns
printf 'server 127.0.0.1 %s\nzone %s\nupdate add www.%s 300 A 10.64.9.9\nsend\n' "$PORT" "$FZ" "$FZ" |
	nsupdate -y "hmac-sha256:k:$SECRET"

# the gap: the primary's leasesnoop dies, the leases expire, no one removes them
kill -9 "$L1"; wait "$L1" 2>/dev/null; L1=
expired() { [ "$(active_leases 2)" = 0 ] && [ "$(active_leases 1)" = 0 ]; }
wait_for 60 expired
sleep 3	# past the expiry: the standby's table has them expired by the clock
before_fz=$(axfr $FZ) before_rz=$(axfr $RZ4)
tap_is "$n leases expired with the primary's leasesnoop gone: their records stay ($n DHCIDs forward, $n PTRs)" \
	"$(echo "$before_fz" | grep -c ' DHCID ') $(echo "$before_rz" | grep -c ' PTR ')" "$n $n"

# the primary's Kea stops: the standby takes over
kea_lab_ha_kea4_down "$DIR/n1"
if wait_st 30 2 '.ha.active == true and .ha.state == "partner-down"'; then
	tap_pass "standby partner-down, its leasesnoop active"
else
	tap_fail "standby partner-down, its leasesnoop active"
fi
LS_NETNS= ls_daemon_settle "$DIR/n2" 20
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
	print $s $ARGV[1]; shutdown($s, 1); local $/; my $r = <$s>;' "$DIR/n2/ctl.sock" '{"command":"dns-verify"}'
wait_st 30 2 "[.verify[].\"orphans-removed\"] | add == $((2 * n))"
gone() { [ "$(axfr $FZ | grep -c ' DHCID ')" = 0 ] && [ "$(axfr $RZ4 | grep -c ' PTR ')" = 0 ]; }
wait_for 10 gone
tap_is "the standby's dns-verify swept the expired leases' records (forward and reverse)" \
	"$(axfr $FZ; axfr $RZ4)" "www.$FZ A 10.64.9.9"
tap_is "counted: orphans found and removed per zone" \
	"$(st 2 | jq -c "[.verify.\"$FZ\", .verify.\"$RZ4\"] | map([.\"orphans-found\", .\"orphans-removed\"])")" \
	"[[$n,$n],[$n,$n]]"
tap_done
