#!/bin/sh
# tests/integ/40_daemon_bind.sh - leasesnoop -c against real Kea 4/6 and
# BIND 9: DNS equals the lease files through renewals, releases, LFC,
# kill -9, a DNS outage and expiry. Cases: tests/lib/daemon_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named
. "$LS_TOP/tests/lib/daemon_cases.sh"
daemon_cases bind
