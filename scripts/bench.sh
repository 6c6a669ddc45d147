#!/usr/bin/env bash
# The benchmark: every jpki command as a whole process against jpki-sim,
# through pcscd and vpcd (benches/apdus.rs, which uses the tests' harness:
# slot locks, simulator start-up, APDU log). A modelled card (10 ms per APDU,
# 300 ms more per signature; extended length on and off), then a zero-latency
# card (wall median and min over the runs, CPU, peak RSS) and the smartphone
# certificate. Rewrites docs/benchmark.md up to its PDF section (that one
# comes from scripts/bench-pdf.sh and is kept as it is).
#
#   bash scripts/bench.sh                 # about 3 minutes; 5 runs per command
#   bash scripts/bench.sh --runs 9        # more runs on the zero-latency cards
#   bash scripts/bench.sh --full          # also 1,000 signatures on the modelled cards
#
# Run it on a quiet machine: the document notes the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
# GNU time gives the peak memory of each command (Debian package `time`).
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing: apt-get install time" >&2; exit 2; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo bench --locked --all-features --bench apdus --no-run >&2
# Times mean little on a busy machine: wait (10 minutes at most) for the
# 1-minute load average to fall below the number of cores. The document notes
# the load either way.
cores=$(nproc)
for _ in $(seq 60); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l < c) }' && break
    echo "bench: load average $load on $cores cores; waiting for a quieter machine" >&2
    sleep 10
done
cargo bench --locked --all-features --bench apdus -- "$@" >"$out"
doc=docs/benchmark.md
{
    cat "$out"
    echo
    # The PDF section is measured by scripts/bench-pdf.sh; keep it.
    sed -n '/^## PDF signing/,$p' "$doc"
} >"$doc.new"
mv "$doc.new" "$doc"
echo "bench: wrote $doc" >&2
