#!/usr/bin/env bash
# The benchmark of issue 6: every jpki command as a whole process against
# jpki-sim (a modelled card: 10 ms per APDU, 300 ms per signature, extended
# length on and off, then a zero-latency card for jpki's own CPU time and
# memory). Prints Markdown tables: APDUs, bytes and wall time next to the
# floors of card-protocol.md §15 and the peers' counts; batch scaling; CPU,
# peak RSS and binary sizes. The work is done by scripts/bench.py.
#
#   bash scripts/bench.sh            # about 2 minutes
#   bash scripts/bench.sh --full     # also 1,000 signatures on the modelled cards
#   bash scripts/bench.sh --help     # the other options
#
# It holds a vpcd slot lock (the same as the tests) while a simulator runs.
set -euo pipefail
cd "$(dirname "$0")/.."
JPKI_BENCH_T0=$(date +%s.%N)
export JPKI_BENCH_T0
bash scripts/setup.sh >&2
cargo build --locked --release --all-features --bins >&2
exec python3 scripts/bench.py --bin-dir target/release "$@"
