# shellcheck shell=sh
# tests/lib/lsrun.sh - run `leasesnoop --events` live inside a namespace for
# the integ tier (sourced after tap.sh).
#   ls_events_start NS OUT ERR ARGS…  start it (stdout to OUT, stderr to ERR) and
#                                   wait until it is attached; LS_PID is its pid
#   ls_events_stop                   SIGINT, wait for a clean exit (returns its status)
#   ls_strip_local FILE              its JSON lines without dir/ifindex (for comparing
#                                    with an offline decode)

ls_events_start() {
	_ns=$1 _out=$2 _err=$3
	shift 3
	ip netns exec "$_ns" "$LS_BIN" -v --events --json --counters "$@" >"$_out" 2>"$_err" &
	LS_PID=$!
	# 30 s: loading takes well under a second natively, much longer under
	# QEMU/TCG (tests/kernels/); the loop ends as soon as it is attached
	for _t in $(seq 1 600); do
		grep -q "listening on" "$_err" 2>/dev/null && return 0
		kill -0 "$LS_PID" 2>/dev/null || { cat "$_err" >&2; LS_PID=""; return 1; }
		sleep 0.05
	done
	echo "leasesnoop did not attach in 30 s" >&2
	return 1
}

ls_events_stop() {
	kill -INT "$LS_PID" 2>/dev/null
	wait "$LS_PID"
	_rc=$?
	LS_PID=""
	return $_rc
}

ls_strip_local() {
	sed -e 's/,"dir":"[a-z]*","ifindex":[0-9]*//' "$1"
}

# The daemon on DIR/ls.conf with its control socket at DIR/ctl.sock
# (the lease-file-driven integ tests):
#   ls_daemon_start DIR          start it (log to DIR/ls.out, DIR/ls.err), wait
#                                for the socket; LS_DPID is its pid
#   ls_daemon_stats DIR          its `--stats --json`
#   ls_daemon_settle DIR SECS    until it reports idle 3 polls in a row
ls_daemon_start() {
	rm -f "$1/ctl.sock"	# a kill -9 leaves it behind
	"$LS_BIN" -c "$1/ls.conf" >>"$1/ls.out" 2>>"$1/ls.err" &
	LS_DPID=$!
	for _i in $(seq 1 200); do
		[ -S "$1/ctl.sock" ] && return 0
		kill -0 "$LS_DPID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

ls_daemon_stats() { "$LS_BIN" --stats --json --control-socket "$1/ctl.sock"; }

ls_daemon_settle() {
	_q=0
	for _i in $(seq 1 $(($2 * 10))); do
		if [ "$(ls_daemon_stats "$1" | jq -r .idle)" = true ]; then
			_q=$((_q + 1))
			[ $_q -ge 3 ] && return 0
		else
			_q=0
		fi
		sleep 0.1
	done
	return 1
}
