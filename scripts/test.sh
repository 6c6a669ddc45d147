#!/usr/bin/env bash
# Run every test: unit tests, the virtual card, and end-to-end tests through
# the real pcscd and vpcd (including OpenSC and openssl cross-checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --locked --bins
cargo test --locked -- --test-threads=4
