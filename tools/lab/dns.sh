# shellcheck shell=sh
# tools/lab/dns.sh - start and stop throw-away authoritative DNS servers on
# loopback for tests and benchmarks (sourced). Each server lives in its own
# directory (config, zones, journal, log, pid) and listens on 127.0.0.1 only.
#
#   . tools/lab/dns.sh
#   dir=$(mktemp -d)
#   secret=$(lab_dns_secret 32)
#   lab_bind_start "$dir/bind" 15353 ddns-key hmac-sha256 "$secret" \
#           dyn.example. 2.0.192.in-addr.arpa. 8.b.d.0.1.0.0.2.ip6.arpa.
#   lab_dns_wait 15353 dyn.example.          # until SOA answers (10 s max)
#   lab_dns_axfr 15353 dyn.example. ddns-key hmac-sha256 "$secret"   # zone text, one RR per line
#   lab_bind_stop "$dir/bind"
#   (lab_knot_start / lab_knot_stop and lab_pdns_start / lab_pdns_stop
#   take the same arguments)
#
# Zones start empty (SOA + NS only); updates are allowed only with a TSIG
# key, AXFR too. Extra zone content: write RR lines to DIR/extra-ZONE before
# starting, they are appended to that zone's file. More keys allowed to
# update: LAB_DNS_KEYS="name:algorithm:secret …". BIND keeps its update
# logging (its default); Knot runs with zonefile-sync -1 and journal-content
# all, and zonefile-load difference: a restarted knotd keeps its journal's
# zone (the zone file's serial 1 is older, so it is not applied). With
# LAB_KNOT_ZONEFILE_LOAD=difference-no-serial a restart applies the
# never-written zone file over the journal and wipes every record (a server
# that lost its data, for the verify tests). LAB_KNOT_JOURNAL_DEPTH: Knot's
# journal-max-depth (default 20, Knot's own: every 20th commit merges the
# journal into the zone's copy in it, a write of the whole zone).
# LAB_KNOT_BG_WORKERS: Knot's background-workers (default: Knot's own, one
# per CPU). LAB_KNOT_JOURNAL_MAX_USAGE: the zone's journal-max-usage (default 4G here;
# Knot's own 100M is outgrown by a zone of ~1M leases with journal-content
# all, and Knot then answers every UPDATE SERVFAIL, logging "not enough
# space provided").
# lab_dns_free_port prints a port P with P and P+1 free (TCP and UDP). Servers
# run as the calling user (root in CI), in the foreground of a background
# job whose pid is in DIR/daemon.pid. LAB_DNS_LISTEN=ADDR: BIND also listens
# on ADDR (an address in a namespace the caller made and runs it in).

lab_dns_secret() {
	head -c "${1:-32}" /dev/urandom | base64 | tr -d '\n'
}

lab_dns_free_port() {
	_p=$(( (($$ * 7919) + $(date +%N | sed 's/^0*//;s/^$/0/')) % 20000 + 20000 ))
	while ss -Hantu "( sport = :$_p or sport = :$((_p + 1)) )" 2>/dev/null | grep -q .; do
		_p=$((_p + 2))
	done
	echo "$_p"
}

_lab_zonefile() { # zone file serverdir
	cat > "$2" <<ZEOF
\$TTL 300
$1 300 IN SOA ns.lab. hostmaster.lab. 1 3600 600 86400 300
$1 300 IN NS ns.lab.
ZEOF
	_ex="$3/extra-$1"
	[ -f "$_ex" ] && cat "$_ex" >> "$2"
	return 0
}

# lab_bind_start DIR PORT KEYNAME ALG SECRET ZONE...
lab_bind_start() {
	_d=$1 _port=$2 _kn=$3 _alg=$4 _sec=$5; shift 5
	mkdir -p "$_d"
	cat > "$_d/named.conf" <<NEOF
options {
	directory "$_d";
	pid-file "$_d/named.pid";
	listen-on port $_port { 127.0.0.1; ${LAB_DNS_LISTEN:+$LAB_DNS_LISTEN;} };
	listen-on-v6 { none; };
	recursion no;
	notify no;
	dnssec-validation no;
	allow-transfer { key "$_kn"; };
	tcp-clients 1000;
	session-keyfile "$_d/session.key";
};
controls { };
key "$_kn" { algorithm $_alg; secret "$_sec"; };
$(for _k in ${LAB_DNS_KEYS:-}; do
	echo "key \"${_k%%:*}\" { algorithm $(echo "$_k" | cut -d: -f2); secret \"${_k#*:*:}\"; };"
done)
logging { channel l { file "$_d/named.log"; severity info; print-time yes; }; category default { l; }; category update { l; }; };
NEOF
	for _z; do
		_lab_zonefile "$_z" "$_d/$_z.zone" "$_d"
		cat >> "$_d/named.conf" <<NEOF
zone "$_z" { type primary; file "$_d/$_z.zone"; allow-update { key "$_kn";$(for _k in ${LAB_DNS_KEYS:-}; do printf ' key "%s";' "${_k%%:*}"; done) }; };
NEOF
	done
	# -g would log to stderr; -f keeps it in the foreground so $! is named itself
	named -c "$_d/named.conf" -f -n 2 >"$_d/named.out" 2>&1 &
	echo $! > "$_d/daemon.pid"
}

lab_bind_stop() {
	[ -f "$1/daemon.pid" ] || return 0
	kill "$(cat "$1/daemon.pid")" 2>/dev/null
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$(cat "$1/daemon.pid")" 2>/dev/null || break
		sleep 0.2
	done
	kill -9 "$(cat "$1/daemon.pid")" 2>/dev/null
	rm -f "$1/daemon.pid"
	return 0
}

# lab_knot_start DIR PORT KEYNAME ALG SECRET ZONE...
lab_knot_start() {
	_d=$1 _port=$2 _kn=$3 _alg=$4 _sec=$5; shift 5
	mkdir -p "$_d/zones" "$_d/db"
	cat > "$_d/knot.conf" <<KEOF
server:
    rundir: "$_d"
    pidfile: "$_d/knot.pid"
    listen: 127.0.0.1@$_port
    tcp-max-clients: 1000
$([ -z "${LAB_KNOT_BG_WORKERS:-}" ] || echo "    background-workers: $LAB_KNOT_BG_WORKERS")
database:
    storage: "$_d/db"
log:
  - target: "$_d/knot.log"
    any: info
key:
  - id: $_kn
    algorithm: $_alg
    secret: $_sec
$(for _k in ${LAB_DNS_KEYS:-}; do
	printf '  - id: %s\n    algorithm: %s\n    secret: %s\n' "${_k%%:*}" "$(echo "$_k" | cut -d: -f2)" "${_k#*:*:}"
done)
acl:
  - id: upd
    key: [$_kn$(for _k in ${LAB_DNS_KEYS:-}; do printf ', %s' "${_k%%:*}"; done)]
    action: [update, transfer]
template:
  - id: default
    storage: "$_d/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: ${LAB_KNOT_ZONEFILE_LOAD:-difference}
    journal-content: all
    journal-max-depth: ${LAB_KNOT_JOURNAL_DEPTH:-20}
    journal-max-usage: ${LAB_KNOT_JOURNAL_MAX_USAGE:-4G}
    acl: upd
    semantic-checks: off
zone:
KEOF
	for _z; do
		_lab_zonefile "$_z" "$_d/zones/${_z%.}.zone" "$_d"
		echo "  - domain: $_z" >> "$_d/knot.conf"
	done
	knotd -c "$_d/knot.conf" >"$_d/knot.out" 2>&1 &
	echo $! > "$_d/daemon.pid"
}

lab_knot_stop() { lab_bind_stop "$1"; }

# lab_pdns_start DIR PORT KEYNAME ALG SECRET ZONE... - PowerDNS (gsqlite3
# backend) taking RFC 2136 updates only when signed with the key
# (TSIG-ALLOW-DNSUPDATE), AXFR to the key, the SOA serial increased per
# update (SOA-EDIT-DNSUPDATE INCREASE), every cache off. The database is
# made on the first start; a restart on the same DIR keeps the data.
lab_pdns_start() {
	_d=$1 _port=$2 _kn=$3 _alg=$4 _sec=$5; shift 5
	mkdir -p "$_d"
	cat > "$_d/pdns.conf" <<PEOF
launch=gsqlite3
gsqlite3-database=$_d/pdns.db
local-address=127.0.0.1
local-port=$_port
socket-dir=$_d
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
disable-axfr=no
allow-axfr-ips=127.0.0.0/8
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
zone-cache-refresh-interval=0
daemon=no
guardian=no
setuid=
setgid=
loglevel=5
log-dns-details=no
distributor-threads=1
receiver-threads=1
webserver=no
api=no
PEOF
	if [ ! -f "$_d/pdns.db" ]; then
		sqlite3 "$_d/pdns.db" < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql || return 1
		_pu() { pdnsutil --config-dir="$_d" "$@" >>"$_d/pdnsutil.log" 2>&1; }
		_keys=$_kn
		_pu import-tsig-key "$_kn" "$_alg" "$_sec" || return 1
		for _k in ${LAB_DNS_KEYS:-}; do
			_pu import-tsig-key "${_k%%:*}" "$(echo "$_k" | cut -d: -f2)" "${_k#*:*:}" || return 1
			_keys="$_keys ${_k%%:*}"
		done
		for _z; do
			_lab_zonefile "$_z" "$_d/$_z.zone" "$_d"
			_pu load-zone "$_z" "$_d/$_z.zone" || return 1
			# shellcheck disable=SC2086
			_pu set-meta "$_z" TSIG-ALLOW-DNSUPDATE $_keys || return 1
			# shellcheck disable=SC2086
			_pu set-meta "$_z" TSIG-ALLOW-AXFR $_keys || return 1
			_pu set-meta "$_z" SOA-EDIT-DNSUPDATE INCREASE || return 1
		done
	fi
	pdns_server --config-dir="$_d" >"$_d/pdns.out" 2>&1 &
	echo $! > "$_d/daemon.pid"
}

lab_pdns_stop() { lab_bind_stop "$1"; }

# lab_dns_wait PORT ZONE - wait until the server answers SOA for ZONE (10 s).
lab_dns_wait() {
	for _i in $(seq 1 50); do
		if dig +short +time=1 +tries=1 -p "$1" @127.0.0.1 "$2" SOA 2>/dev/null | grep -q lab; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# lab_dns_axfr PORT ZONE KEYNAME ALG SECRET - the zone's RRs, one per line:
# "owner ttl class type rdata", sorted, SOA/NS left out, names lower case.
lab_dns_axfr() {
	dig +nocmd +nostats +noall +answer +onesoa -p "$1" @127.0.0.1 -y "$4:$3:$5" "$2" AXFR 2>/dev/null |
		awk '$4 != "SOA" && $4 != "NS" && $4 != "TSIG" { $1 = tolower($1); $2 = ""; print }' |
		tr -s ' \t' ' ' | sort
}
