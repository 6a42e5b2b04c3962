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
	for _t in $(seq 1 100); do
		grep -q "listening on" "$_err" 2>/dev/null && return 0
		kill -0 "$LS_PID" 2>/dev/null || { cat "$_err" >&2; return 1; }
		sleep 0.05
	done
	echo "leasesnoop did not attach in 5 s" >&2
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
