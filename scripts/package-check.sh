#!/usr/bin/env bash
# Packaging checks run by CI after the test suite: the library builds alone
# (no cli, no sim).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "package-check: $*"; }
timed() {
  local start=$SECONDS
  "$@"
  echo "package-check: '$*' took $((SECONDS - start)) s"
}

step "the library without default features (card client only)"
timed cargo build --locked --no-default-features --lib
timed cargo test --locked --no-default-features --lib -q
