#!/bin/sh
# tests/integ/39_daemon_pdns.sh - the daemon cases of 40_daemon_bind.sh
# against PowerDNS (gsqlite3, TSIG-only RFC 2136 updates): real Kea 4/6,
# renewals, releases, LFC, kill -9, a DNS outage and expiry; DNS equals the
# lease files. Cases: tests/lib/daemon_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd pdns_server pdnsutil sqlite3
. "$LS_TOP/tests/lib/daemon_cases.sh"
daemon_cases pdns
