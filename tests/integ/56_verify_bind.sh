#!/bin/sh
# tests/integ/56_verify_bind.sh - DNS verify and repair against BIND 9.
# Cases: tests/lib/verify_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq nsupdate perl curl
. "$LS_TOP/tests/lib/verify_cases.sh"
verify_cases bind
