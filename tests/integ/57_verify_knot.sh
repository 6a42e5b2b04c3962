#!/bin/sh
# tests/integ/57_verify_knot.sh - DNS verify and repair against Knot DNS,
# including the data-losing restart (zonefile-load difference-no-serial over
# a never-written zone file). Cases: tests/lib/verify_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd knotd dig jq nsupdate perl curl
. "$LS_TOP/tests/lib/verify_cases.sh"
verify_cases knot
