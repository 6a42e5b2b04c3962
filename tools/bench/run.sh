#!/bin/sh
# tools/bench/run.sh - `make bench`: every benchmark of the project, each
# printing JSON lines of one shape (DESIGN.md "Benchmarks") on stdout and a
# short human table on stderr. A benchmark that cannot run says why and the
# others still run; the exit status is non-zero if any failed.
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
export LS_TOP LS_OUTPUT
rc=0
run() {
	echo "== bench: $1" >&2
	shift
	"$@" || { echo "bench: '$*' failed" >&2; rc=1; }
}
run "BPF fast path (ns/packet, ring drain)" "$LS_OUTPUT/tools/bench_bpf"
for b in "$LS_TOP"/tools/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	run "$(basename "$b" .sh)" sh "$b"
done
exit $rc
