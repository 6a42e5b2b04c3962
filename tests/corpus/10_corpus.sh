#!/bin/sh
# tests/corpus/10_corpus.sh - offline decode of tcpdump's own DHCP captures
# (tests/corpus/data/tcpdump, copied from ../shared/corpus): every capture decodes; the JSON equals the
# golden files kept in tests/corpus/golden/ (regenerate with
# LS_UPDATE_GOLDEN=1 after checking the diff); the lease facts (type,
# address/prefix, lifetimes, xid) agree with tcpdump's decodes in the .out
# files; gzip'd and damaged captures behave.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
CORPUS=${LS_CORPUS:-$LS_TOP/tests/corpus/data/tcpdump}
[ -d "$CORPUS" ] || { tap_plan 1; tap_fail "corpus present at $CORPUS"; exit 1; }
[ -x "$LS_BIN" ] || tap_skip_all "leasesnoop not built"
GOLD=$LS_TOP/tests/corpus/golden
PL=$LS_TOP/tests/corpus/tcpdump_leases.pl
TMP=$(mktemp -d) && trap 'rm -rf "$TMP"' EXIT

caps=$(cd "$CORPUS" && ls *.pcap *.pcapng)
outs=$(awk 'NF >= 3 && $1 !~ /^#/ { print $2 " " $3 }' "$CORPUS/TESTLIST")
tap_plan $(( $(echo "$caps" | wc -l) * 2 + $(echo "$outs" | grep -c .) + 4 ))

for c in $caps; do
	if "$LS_BIN" --pcap "$CORPUS/$c" --events --json >"$TMP/$c.json" 2>"$TMP/$c.err" &&
	   ! [ -s "$TMP/$c.err" ]; then
		tap_pass "$c decodes without error"
	else
		tap_fail "$c decodes without error" "$(cat "$TMP/$c.err")"
	fi
	if [ -n "${LS_UPDATE_GOLDEN:-}" ]; then
		cp "$TMP/$c.json" "$GOLD/$c.json"
	fi
	if cmp -s "$TMP/$c.json" "$GOLD/$c.json"; then
		tap_pass "$c matches golden JSON ($(wc -l <"$TMP/$c.json") events)"
	else
		tap_fail "$c matches golden JSON" "$(diff "$GOLD/$c.json" "$TMP/$c.json" | head -20)"
	fi
done

echo "$outs" | while read -r pcap out; do
	[ -n "$pcap" ] || continue
	want=$("$PL" --tcpdump "$CORPUS/$out")
	got=$("$PL" --json "$TMP/$pcap.json")
	tap_is "$out: lease facts agree with tcpdump ($(echo "$want" | grep -c .) leases)" "$got" "$want"
done
TAP_N=$((TAP_N + $(echo "$outs" | grep -c .)))

# gzip'd capture: same events as the plain one
gzip -c "$CORPUS/dhcpv6-ia-pd.pcap" >"$TMP/pd.pcap.gz"
"$LS_BIN" --pcap "$TMP/pd.pcap.gz" --events --json >"$TMP/gz.json" 2>&1
tap_is "gzip'd capture decodes like the plain one" "$(cat "$TMP/gz.json")" "$(cat "$TMP/dhcpv6-ia-pd.pcap.json")"

# a capture cut mid-record: events before the damage, then a clear error and exit 1
head -c 700 "$CORPUS/dhcp-rfc4388.pcap" >"$TMP/cut.pcap"
if "$LS_BIN" --pcap "$TMP/cut.pcap" --events >/dev/null 2>"$TMP/cut.err"; then
	tap_fail "a truncated capture fails with an error" "exit 0"
else
	tap_ok "a truncated capture fails naming the file" grep -q "cut.pcap" "$TMP/cut.err"
fi

# not a capture at all
echo "hello" >"$TMP/notpcap"
if "$LS_BIN" --pcap "$TMP/notpcap" --events >/dev/null 2>"$TMP/np.err"; then
	tap_fail "a non-capture is refused" "exit 0"
else
	tap_ok "a non-capture is refused naming the file" grep -q "notpcap" "$TMP/np.err"
fi

# text output: one line per event
n_txt=$("$LS_BIN" --pcap "$CORPUS/dhcp-rfc4388.pcap" --events | wc -l)
tap_is "text output has one line per event" "$n_txt" "$(wc -l <"$TMP/dhcp-rfc4388.pcap.json" | tr -d ' ')"
tap_done
