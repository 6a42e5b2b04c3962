#!/bin/sh
# tests/integ/00_skip_ci.sh - the tiers' own rule (STYLE.md §8): CI runs as
# root with everything installed, so under CI=true a skip is a failure. The
# shell helpers (tap_skip_all, tap_skip) and the BPF tier's root check
# (tests/bpf/test_bpf_parse) fail there, and still skip elsewhere.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
tap_plan 6
TAPLIB=$LS_TOP/tests/lib/tap.sh
export TAPLIB

# run_tap CI-VALUE SCRIPT: "<exit code>|<last line of its TAP>"
run_tap() {
	_o=$(CI=$1 sh -c ". \"\$TAPLIB\"; $2" 2>&1)
	echo "$?|$(printf '%s\n' "$_o" | tail -1)"
}
tap_is "tap_skip_all outside CI: plan of 0, exit 0" \
	"$(run_tap '' 'tap_skip_all "needs a widget"')" "0|1..0 # SKIP needs a widget"
tap_is "tap_skip_all under CI=true: not ok, exit 1" \
	"$(run_tap true 'tap_skip_all "needs a widget"')" \
	"1|not ok 1 - skipped under CI=true (a skip in CI is a defect): needs a widget"
tap_is "tap_skip outside CI: ok # skip" \
	"$(run_tap '' 'tap_plan 1; tap_skip "no gadget"; tap_done')" "0|ok 1 # skip no gadget"
tap_is "tap_skip under CI=true: not ok, the file fails" \
	"$(run_tap true 'tap_plan 1; tap_skip "no gadget"; tap_done')" \
	"1|not ok 1 - skipped under CI=true (a skip in CI is a defect): no gadget"

# the BPF tier without root: as nobody when we are root
BPFT=$LS_OUTPUT/tests/bpf/test_bpf_parse
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}
if [ ! -x "$BPFT" ]; then
	tap_fail "test_bpf_parse built" "missing $BPFT (make test-bins)"
	tap_fail "test_bpf_parse built" "missing $BPFT (make test-bins)"
else
	out=$(CI= as_user "$BPFT" 2>&1); rc=$?
	tap_is "test_bpf_parse without root outside CI: skips, exit 0" "$rc|$out" "0|1..0 # SKIP needs root"
	out=$(CI=true as_user "$BPFT" 2>&1); rc=$?
	tap_is "test_bpf_parse without root under CI=true: not ok, exit 1" "$rc|$(printf '%s\n' "$out" | tail -1)" \
		"1|not ok 1 - skipped under CI=true: needs root"
fi
tap_done
