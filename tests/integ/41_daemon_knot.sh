#!/bin/sh
# tests/integ/41_daemon_knot.sh - the daemon cases of 40_daemon_bind.sh
# against Knot DNS. Cases: tests/lib/daemon_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd knotd
. "$LS_TOP/tests/lib/daemon_cases.sh"
daemon_cases knot
