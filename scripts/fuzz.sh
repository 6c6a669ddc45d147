#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time (default 60 s each).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#
# cargo-fuzz needs a nightly compiler for its sanitizer flags. On a stable
# toolchain this script sets RUSTC_BOOTSTRAP=1, which lets stable rustc accept
# them (the toolchain ships the ASan runtime). New corpus entries go to a
# scratch directory, so the committed seeds in fuzz/corpus/ stay small; crashes
# are written to fuzz/artifacts/<target>/.
#
# Without cargo-fuzz (`cargo install cargo-fuzz`), the same target bodies run
# on stable Rust as a bounded, deterministic mutation run inside `cargo test`:
#   cargo test --all-features --test robustness fuzz_ -- --nocapture
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(response_parse der_length cert_decode cardinfo sim_card pdf_read)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed: run 'cargo install cargo-fuzz', or use the stable bounded run:" >&2
    echo "  cargo test --all-features --test robustness fuzz_ -- --nocapture" >&2
    exit 2
fi
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
for t in "${targets[@]}"; do
    mkdir -p "$scratch/$t"
    echo "== $t: ${seconds} s" >&2
    # First corpus directory: where libFuzzer writes new inputs (scratch);
    # the second: the committed seeds, read only.
    if ! (cd fuzz && cargo fuzz run "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10); then
        echo "fuzz.sh: $t FAILED (see fuzz/artifacts/$t/)" >&2
        status=1
    fi
done
exit $status
