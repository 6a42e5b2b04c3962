# shellcheck shell=sh
# tests/lib/tap.sh - TAP output for the shell tiers (sourced). Usage:
#   . "$LS_TOP/tests/lib/tap.sh"; tap_plan 3; tap_ok "name" cmd args…; tap_done
# tap_ok runs the command and reports ok/not ok; tap_is compares two strings;
# tap_skip_all exits with a plan of 0 and the reason. CI runs as root with
# everything installed (make deps), so with CI=true a skip is a failure:
# tap_skip_all and tap_skip then report `not ok` and the file fails.
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
TAP_N=0
TAP_FAILED=0

tap_plan() { echo "1..$1"; }
tap_in_ci() { [ "${CI:-}" = true ]; }
tap_skip_all() {
	if tap_in_ci; then
		echo "1..1"
		echo "not ok 1 - skipped under CI=true (a skip in CI is a defect): $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}
tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
tap_pass() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
tap_fail() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	_tf_name=$1
	shift
	[ $# -gt 0 ] && tap_diag "$@"
	# make check-tiers prints this file after prove's summary: what failed, and why
	if [ -n "${LS_TAP_FAILLOG:-}" ]; then
		{ echo "${0##*/}: not ok $TAP_N - $_tf_name"; [ $# -gt 0 ] && tap_diag "$@" | head -12; } \
			>> "$LS_TAP_FAILLOG" 2>/dev/null
	fi
	return 0
}
tap_skip() {
	if tap_in_ci; then tap_fail "skipped under CI=true (a skip in CI is a defect): $*"; return 0; fi
	TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # skip $*"
}

# tap_ok NAME CMD… - ok when CMD exits 0; its output is shown on failure.
tap_ok() {
	_name=$1; shift
	if _out=$("$@" 2>&1); then tap_pass "$_name"; else tap_fail "$_name" "command: $*" "$_out"; fi
}
# tap_is NAME GOT EXPECTED
tap_is() {
	if [ "$2" = "$3" ]; then tap_pass "$1"; else tap_fail "$1" "expected: $3" "got:      $2"; fi
}
tap_done() { [ "$TAP_FAILED" -eq 0 ]; }

# wait_for SECONDS CMD… - run CMD until it succeeds (0) or SECONDS (whole
# seconds) pass (1), every WAIT_STEP seconds (0.05; more for a costly CMD).
# Wait on the condition a test is about, never a fixed sleep standing in for it.
wait_for() {
	_wf_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$_wf_end" ] && return 1
		sleep "${WAIT_STEP:-0.05}"
	done
}

# need_root / need_cmd: skip the whole file with a reason when unmet.
need_root() { [ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (netns, BPF)"; }
need_cmd() { for _c; do command -v "$_c" >/dev/null 2>&1 || tap_skip_all "needs $_c (make deps)"; done; }
