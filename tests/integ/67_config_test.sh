#!/bin/sh
# tests/integ/67_config_test.sh - `leasesnoop -t -c FILE` (Kea's -t) and the
# control command config-test: a good configuration exits 0 at once and
# says what the daemon would do; each bad one exits 1 with the message
# naming the key and what is wrong with the value (a state-dir that is a
# file, a lease file that is a directory, a key file others can read, an
# interface that does not exist, a control socket that is a file); a
# running daemon answers config-test for its own file and for a
# configuration sent as arguments, and keeps running. Nothing but loopback.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd jq timeout
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

ls_bind_lab ctest TERM
tap_plan 15

PORT=$(lab_dns_free_port)	# nothing listens there: no DNS is needed here
SECRET=$(lab_dns_secret 32)
LF=$DIR/kea-leases4.csv
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$LF"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$LF" -f f.example. -r 2.0.192.in-addr.arpa. > "$DIR/ls.conf"

# ctest NAME: run -t on $DIR/NAME.conf (5 s at most: "at once"); output in $DIR/NAME.out
ctest() { timeout 5 "$LS_BIN" -t -c "$DIR/$1.conf" > "$DIR/$1.out" 2>&1; }

ctest ls
tap_is "a good configuration: -t exits 0" "$?" 0
tap_ok "it says what the daemon would do" grep -q "^  read Kea's leases from v4 $LF\$" "$DIR/ls.out"
tap_ok "it names each zone and its server" grep -q "^  forward f.example. -> 127.0.0.1#$PORT key k. (hmac-sha256)\$" "$DIR/ls.out"
tap_ok "it has nothing to warn of" sh -c "! grep -q warning '$DIR/ls.out'"

# bad NAME 'EXPECTED LINE' SED: a copy of ls.conf edited by SED fails -t with that line
bad() {
	sed "$3" "$DIR/ls.conf" > "$DIR/$1.conf"
	ctest "$1"
	_rc=$?
	if [ "$_rc" = 1 ] && grep -qxF "$2" "$DIR/$1.out"; then
		tap_pass "-t rejects $1"
	else
		tap_fail "-t rejects $1" "exit $_rc, expected the line: $2" "$(cat "$DIR/$1.out")"
	fi
}
bad state-file "leasesnoop: error: config: state-dir '/etc/passwd' is not a directory" \
	"s|\"state-dir\": \"[^\"]*\"|\"state-dir\": \"/etc/passwd\"|"
mkdir "$DIR/leasedir"
bad lease-dir "leasesnoop: error: config: lease-files.v4 '$DIR/leasedir' is a directory, not a lease file" \
	"s|$LF|$DIR/leasedir|"
bad lease-nodir "leasesnoop: error: config: lease-files.v4 '$DIR/nodir/l.csv' is in a directory that does not exist" \
	"s|$LF|$DIR/nodir/l.csv|"
bad iface "leasesnoop: error: config: interfaces[0] 'ls-none$$' is not an interface here" \
	"s|\"interfaces\": \[ *\]|\"interfaces\": [ \"ls-none$$\" ]|"
: > "$DIR/notsock"
bad socket-file "leasesnoop: error: config: control-socket '$DIR/notsock' exists and is not a socket" \
	"s|$DIR/ctl.sock|$DIR/notsock|"
printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' "$SECRET" > "$DIR/k.key"
chmod 644 "$DIR/k.key"
sed "s|\"secret\": \"$SECRET\"|\"secret-file\": \"$DIR/k.key\"|" "$DIR/ls.conf" > "$DIR/keyfile.conf"
ctest keyfile
if [ $? = 1 ] && grep -q "k.key" "$DIR/keyfile.out" && grep -q "readable" "$DIR/keyfile.out"; then
	tap_pass "-t rejects a key file others can read"
else
	tap_fail "-t rejects a key file others can read" "$(cat "$DIR/keyfile.out")"
fi
chmod 600 "$DIR/k.key"
ctest keyfile
tap_is "the same key file, mode 600, passes" "$?" 0

# the control command, on a running daemon
if ls_daemon_start "$DIR"; then tap_pass "the daemon starts"; else tap_fail "the daemon starts" "$(cat "$DIR/ls.err")"; fi
PID=$LS_DPID
ans=$(kea_lab_cmd "$DIR/ctl.sock" '{"command":"config-test"}')
tap_is "config-test on its own file: result 0, with a summary" \
	"$(echo "$ans" | jq -c '[.result, .text, (.arguments.summary | length > 3)]')" '[0,"Configuration seems sane.",true]'
args=$(sed '/^\/\//d' "$DIR/state-file.conf")
ans=$(kea_lab_cmd "$DIR/ctl.sock" "{\"command\":\"config-test\",\"arguments\":$args}")
tap_is "config-test on a configuration sent as arguments: result 1, naming the key" \
	"$(echo "$ans" | jq -c '[.result, .text]')" "[1,\"config: state-dir '/etc/passwd' is not a directory\"]"
tap_ok "the daemon still runs, on its own configuration" sh -c "kill -0 $PID && [ \"\$(\"$LS_BIN\" --stats --json --control-socket '$DIR/ctl.sock' | jq -r 'has(\"store\")')\" = true ]"
tap_done
