# shellcheck shell=sh
# tests/lib/lsrun.sh - run leasesnoop for the integ tier (sourced after
# tap.sh; brings ls_conf from tests/lib/lsconf.sh). `--events` live inside a
# namespace:
#   ls_events_start NS OUT ERR ARGS…  start it (stdout to OUT, stderr to ERR) and
#                                   wait until it is attached; LS_PID is its pid
#   ls_events_stop                   SIGINT, wait for a clean exit (returns its status)
#   ls_strip_local FILE              its JSON lines without dir/ifindex (for comparing
#                                    with an offline decode)
#   ls_tc_hook                       the tc hook leasesnoop should pick on this kernel:
#                                    tcx from Linux 6.6 on, tc-clsact before

. "$LS_TOP/tests/lib/lsconf.sh"

ls_events_start() {
	_ns=$1 _out=$2 _err=$3
	shift 3
	ip netns exec "$_ns" "$LS_BIN" -v --events --json --counters "$@" >"$_out" 2>"$_err" &
	LS_PID=$!
	# 30 s: loading takes well under a second natively, much longer under
	# QEMU/TCG (tests/kernels/); the wait ends as soon as it is attached
	wait_for 30 _ls_events_up_or_gone "$_err"
	if ! kill -0 "$LS_PID" 2>/dev/null; then cat "$_err" >&2; LS_PID=""; return 1; fi
	grep -q "listening on" "$_err" && return 0
	echo "leasesnoop did not attach in 30 s" >&2
	return 1
}
_ls_events_up_or_gone() { grep -q "listening on" "$1" 2>/dev/null || ! kill -0 "$LS_PID" 2>/dev/null; }

ls_events_stop() {
	kill -INT "$LS_PID" 2>/dev/null
	wait "$LS_PID"
	_rc=$?
	LS_PID=""
	return $_rc
}

ls_tc_hook() {
	_v=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	set -- $_v
	if [ "$1" -gt 6 ] || { [ "$1" -eq 6 ] && [ "$2" -ge 6 ]; }; then echo tcx; else echo tc-clsact; fi
}

ls_strip_local() {
	sed -e 's/,"dir":"[a-z]*","ifindex":[0-9]*//' "$1"
}

# The daemon on DIR/ls.conf with its control socket at DIR/ctl.sock
# (the lease-file-driven integ tests):
#   ls_daemon_start DIR          start it (log to DIR/ls.out, DIR/ls.err), wait
#                                for the socket; LS_DPID is its pid; inside
#                                network namespace $LS_NETNS when that is set
#   ls_daemon_stats DIR          its `--stats --json`
#   ls_daemon_settle DIR SECS    until it reports idle 3 polls in a row
#   ls_daemon_rows DIR           lease-file rows it has applied (v4 + v6)
#   ls_daemon_has_read DIR N     it has applied N rows or more (for wait_for)
ls_daemon_start() {
	rm -f "$1/ctl.sock"	# a kill -9 leaves it behind
	if [ -n "${LS_NETNS:-}" ]; then
		ip netns exec "$LS_NETNS" "$LS_BIN" -c "$1/ls.conf" >>"$1/ls.out" 2>>"$1/ls.err" &
	else
		"$LS_BIN" -c "$1/ls.conf" >>"$1/ls.out" 2>>"$1/ls.err" &
	fi
	LS_DPID=$!
	wait_for 10 _ls_daemon_up_or_gone "$1"
	[ -S "$1/ctl.sock" ] && kill -0 "$LS_DPID" 2>/dev/null
}
_ls_daemon_up_or_gone() { [ -S "$1/ctl.sock" ] || ! kill -0 "$LS_DPID" 2>/dev/null; }

ls_daemon_stats() { "$LS_BIN" --stats --json --control-socket "$1/ctl.sock"; }
ls_daemon_rows() { ls_daemon_stats "$1" | jq '[."lease-files"[]?.rows] | add // 0'; }
ls_daemon_has_read() { [ "$(ls_daemon_rows "$1")" -ge "$2" ] 2>/dev/null; }

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

# The prologue of the daemon tests (42, 44, 45, 52 against BIND; 67, 69
# without), after tools/lab/dns.sh:
#   ls_bind_lab TAG [TERM]   DIR: a new /tmp/ls-TAG-XXXXXX; PID: the daemon's,
#                     killed at exit (with TERM: stopped with SIGTERM and
#                     waited for, so it shuts down as it would in service);
#                     then BIND (DIR/dns), if one runs, is stopped and DIR
#                     removed (kept with LS_KEEP). LS_LAB_DOWN: a command to
#                     run first.
#   start / stats / settle SECS   ls_daemon_start (PID), _stats, _settle on DIR
ls_bind_lab() {
	DIR=$(mktemp -d "/tmp/ls-$1-XXXXXX")
	PID=
	_LS_LAB_SIG=${2:-KILL}
	trap _ls_bind_lab_down EXIT
	trap 'exit 1' INT TERM
}
_ls_bind_lab_down() {
	${LS_LAB_DOWN:-:}
	if [ -n "$PID" ] && [ "$_LS_LAB_SIG" = TERM ]; then
		kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	elif [ -n "$PID" ]; then
		kill -9 "$PID" 2>/dev/null
	fi
	lab_bind_stop "$DIR/dns" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
start() { ls_daemon_start "$DIR"; _r=$?; PID=$LS_DPID; return $_r; }
stats() { ls_daemon_stats "$DIR"; }
settle() { ls_daemon_settle "$DIR" "$1"; }
