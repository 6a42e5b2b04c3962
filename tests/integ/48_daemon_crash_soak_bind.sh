#!/bin/sh
# tests/integ/48_daemon_crash_soak_bind.sh - crash consistency against BIND 9:
# leasesnoop -c under continuous lease churn, kill -9 in the middle of a
# burst, a removal batch, a full pass and a store commit, then 30 times at
# random points, restarted each time: DNS ends equal to the lease files,
# exactly. Cases: tests/lib/crash_soak.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named
. "$LS_TOP/tests/lib/crash_soak.sh"
crash_soak bind
