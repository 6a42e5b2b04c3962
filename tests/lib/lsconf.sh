# shellcheck shell=sh
# tests/lib/lsconf.sh - ls_conf: the leasesnoop configuration that the integ
# tier, the demo (tools/lab/demo.sh) and the benches (tools/bench/) run
# with, written in one place (sourced). Every zone is served by one DNS
# server on 127.0.0.1 and signed with one HMAC-SHA256 key.
#
#   ls_conf -d DIR -p PORT -s SECRET [option…] > FILE
#     -d DIR     state in DIR/state, control socket DIR/ctl.sock
#     -p PORT    the DNS server's port on 127.0.0.1
#     -a ADDR    the DNS server's address instead (one in a namespace the test made)
#     -s SECRET  the TSIG secret (base64)
#     -k NAME    the TSIG key's name (k)
#     -c PATH    the control socket (DIR/ctl.sock)
#     -4 FILE    the Kea v4 lease file;  -6 FILE  the v6 one
#     -i IFACE   an interface to attach to (repeat; none: lease files only)
#     -f ZONE    a forward zone (repeat)
#     -r ZONE    a reverse zone (repeat)
#     -P ZONE    a reverse zone for delegated prefixes ("prefix-delegation": true)
#     -N PORT    Kea's DDNS is on: listen for its NCRs on 127.0.0.1:PORT
#                ("kea-ddns-updates": true); without -N, "kea-ddns-updates": false
#     -x JSON    one more member of the Leasesnoop map, as text, e.g.
#                -x '"log-level": "warn"' (repeat)

# _ls_conf_domains KEY ADDR PORT ZONE… - a ddns-domains list; "pd:ZONE" for prefix delegation
_ls_conf_domains() {
	_k=$1 _a=$2 _p=$3
	shift 3
	_sep=
	for _z; do
		_pd=
		case $_z in pd:*) _z=${_z#pd:} _pd=' "prefix-delegation": true,' ;; esac
		printf '%s\n      { "name": "%s", "key-name": "%s",%s "dns-servers": [ { "ip-address": "%s", "port": %s } ] }' \
			"$_sep" "$_z" "$_k" "$_pd" "$_a" "$_p"
		_sep=,
	done
}

ls_conf() {
	_lc_d= _lc_p= _lc_s= _lc_k=k _lc_c= _lc_l= _lc_i= _lc_f= _lc_r= _lc_x= _lc_n= _lc_a=127.0.0.1
	OPTIND=1
	while getopts d:p:s:k:c:4:6:i:f:r:P:x:a:N: _lc_o; do
		case $_lc_o in
		a) _lc_a=$OPTARG ;;
		d) _lc_d=$OPTARG ;;
		p) _lc_p=$OPTARG ;;
		s) _lc_s=$OPTARG ;;
		k) _lc_k=$OPTARG ;;
		c) _lc_c=$OPTARG ;;
		4) _lc_l="${_lc_l:+$_lc_l, }\"v4\": \"$OPTARG\"" ;;
		6) _lc_l="${_lc_l:+$_lc_l, }\"v6\": \"$OPTARG\"" ;;
		i) _lc_i="${_lc_i:+$_lc_i, }\"$OPTARG\"" ;;
		f) _lc_f="$_lc_f $OPTARG" ;;
		r) _lc_r="$_lc_r $OPTARG" ;;
		P) _lc_r="$_lc_r pd:$OPTARG" ;;
		N) _lc_n=$OPTARG ;;
		x) _lc_x="$_lc_x  $OPTARG,
" ;;
		*) echo "ls_conf: bad option" >&2; return 1 ;;
		esac
	done
	if [ -z "$_lc_d" ] || [ -z "$_lc_p" ] || [ -z "$_lc_s" ]; then
		echo "ls_conf: -d DIR, -p PORT and -s SECRET are required" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # zone lists split on blanks
	cat <<EOF
// leasesnoop, written by tests/lib/lsconf.sh
{ "Leasesnoop": {
  "interfaces": [ $_lc_i ],
  "lease-files": { $_lc_l },
  "state-dir": "$_lc_d/state",
  "control-socket": "${_lc_c:-$_lc_d/ctl.sock}",
$(if [ -n "$_lc_n" ]; then
	printf '  "kea-ddns-updates": true, "ncr-listener": { "ip-address": "127.0.0.1", "port": %s },' "$_lc_n"
else
	printf '  "kea-ddns-updates": false,'
fi)
$_lc_x  "tsig-keys": [ { "name": "$_lc_k", "algorithm": "HMAC-SHA256", "secret": "$_lc_s" } ],
  "forward-ddns": { "ddns-domains": [$(_ls_conf_domains "$_lc_k" "$_lc_a" "$_lc_p" $_lc_f) ] },
  "reverse-ddns": { "ddns-domains": [$(_ls_conf_domains "$_lc_k" "$_lc_a" "$_lc_p" $_lc_r) ] }
} }
EOF
}
