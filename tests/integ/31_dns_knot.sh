#!/bin/sh
# tests/integ/31_dns_knot.sh - the DNS update engine against a real Knot DNS
# on 127.0.0.1 (forward, IPv4 and IPv6 reverse zones, TSIG-only updates):
# add/replace/remove, every conflict mode, batch bisection, wrong key,
# all six HMAC algorithms, failover, outage. Cases: tests/lib/dns_cases.sh.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/dns_cases.sh"
dns_cases knot
