#!/bin/sh
# tests/integ/33_dns_pdns.sh - the DNS update engine against a real PowerDNS
# (gsqlite3 backend, RFC 2136 updates only with TSIG, on 127.0.0.1): the
# cases of 30_dns_bind.sh, so "any RFC 2136 server" is tested, not claimed.
# Cases: tests/lib/dns_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/dns_cases.sh"
dns_cases pdns
