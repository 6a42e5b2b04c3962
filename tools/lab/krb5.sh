# shellcheck shell=sh
# tools/lab/krb5.sh - a throw-away MIT Kerberos realm on loopback for tests
# and benchmarks (sourced): a KDC whose database, stash, configuration and
# log live in one directory, listening on 127.0.0.1 only, and keytabs for
# the principals a test needs. Nothing under /etc is read or written: the
# caller exports the KRB5_CONFIG and KRB5_KDC_PROFILE it is given.
#
#   . tools/lab/krb5.sh
#   lab_kdc_init "$dir/kdc" LS.TEST 127.0.0.1 "$port"     # writes krb5.conf, kdc.conf, database
#   export KRB5_CONFIG="$dir/kdc/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc/kdc.conf"
#   lab_kdc_principal "$dir/kdc" DNS/ns.ls.test "$dir/dns.keytab"   # random key, exported
#   lab_kdc_start "$dir/kdc"            # krb5kdc in the foreground of a job; pid in DIR/daemon.pid
#   lab_kdc_wait "$dir/kdc"             # until it answers (a kinit from a keytab), 10 s max
#   lab_kdc_stop "$dir/kdc"
#
# LAB_KRB5_TICKET_LIFETIME (default 10h) is the clients' ticket_lifetime:
# short ones make tickets expire within a test. Clock skew allowed: 300 s.

lab_kdc_init() { # DIR REALM ADDR PORT
	_kd=$1 _kr=$2
	mkdir -p "$_kd"
	cat > "$_kd/krb5.conf" <<KEOF
[libdefaults]
	default_realm = $_kr
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	ticket_lifetime = ${LAB_KRB5_TICKET_LIFETIME:-10h}
	udp_preference_limit = 1
[realms]
	$_kr = {
		kdc = $3:$4
	}
KEOF
	cat > "$_kd/kdc.conf" <<KEOF
[kdcdefaults]
	kdc_listen = $3:$4
	kdc_tcp_listen = $3:$4
[realms]
	$_kr = {
		database_name = $_kd/principal
		key_stash_file = $_kd/stash
		acl_file = $_kd/kadm5.acl
		max_life = 10h
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}
[logging]
	kdc = FILE:$_kd/kdc.log
KEOF
	: > "$_kd/kadm5.acl"
	echo "$_kr" > "$_kd/realm"
	KRB5_CONFIG="$_kd/krb5.conf" KRB5_KDC_PROFILE="$_kd/kdc.conf" \
		kdb5_util create -s -r "$_kr" -P "lab-$(head -c 12 /dev/urandom | base64)" >/dev/null
}

_lab_kadmin() { # DIR QUERY
	KRB5_CONFIG="$1/krb5.conf" KRB5_KDC_PROFILE="$1/kdc.conf" \
		kadmin.local -r "$(cat "$1/realm")" -q "$2" >/dev/null 2>>"$1/kadmin.err"
}

# lab_kdc_principal DIR NAME [KEYTAB]: a principal with a random key, exported to KEYTAB
lab_kdc_principal() {
	_lab_kadmin "$1" "addprinc -randkey $2" || return 1
	[ -z "${3:-}" ] || _lab_kadmin "$1" "ktadd -k $3 $2"
}

# lab_kdc_rekey DIR NAME: a new random key (keytabs exported before are stale)
lab_kdc_rekey() { _lab_kadmin "$1" "cpw -randkey $2"; }

lab_kdc_start() {
	KRB5_CONFIG="$1/krb5.conf" KRB5_KDC_PROFILE="$1/kdc.conf" \
		krb5kdc -n -r "$(cat "$1/realm")" >"$1/kdc.out" 2>&1 &
	echo $! > "$1/daemon.pid"
}

# lab_kdc_wait DIR PRINCIPAL KEYTAB: until a kinit with KEYTAB works (10 s max)
lab_kdc_wait() {
	_kw_end=$(($(date +%s) + 10))
	until KRB5_CONFIG="$1/krb5.conf" KRB5CCNAME="MEMORY:lab" kinit -k -t "$3" "$2" 2>/dev/null; do
		[ "$(date +%s)" -ge "$_kw_end" ] && return 1
		sleep 0.1
	done
}

lab_kdc_stop() {
	[ -f "$1/daemon.pid" ] || return 0
	_kp=$(cat "$1/daemon.pid")
	kill "$_kp" 2>/dev/null
	for _i in $(seq 1 50); do kill -0 "$_kp" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$_kp" 2>/dev/null
	rm -f "$1/daemon.pid"
	return 0
}
