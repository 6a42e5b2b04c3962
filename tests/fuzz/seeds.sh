#!/bin/sh
# tests/fuzz/seeds.sh - replay every fuzz target's seed folder through its
# sanitized gcc build (tests/fuzz/replay_main.c). `make fuzz` does the real
# fuzzing; this keeps the seeds (and every crash ever found, added as a seed)
# passing in `make check`.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
set -- "$LS_TOP"/tests/fuzz/fuzz_*.c
[ -e "$1" ] || tap_skip_all "no fuzz targets"
tap_plan $#
for src; do
	name=$(basename "$src" .c)
	seeds=$LS_TOP/tests/fuzz/seeds/${name#fuzz_}
	bin=$LS_OUTPUT/tests/fuzz/replay_$name
	if [ ! -x "$bin" ]; then tap_fail "$name: replay binary built" "missing $bin"; continue; fi
	if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then tap_fail "$name: has seeds in $seeds"; continue; fi
	tap_ok "$name: $(ls "$seeds" | wc -l) seeds replay clean under ASan/UBSan" "$bin" "$seeds"
done
tap_done
