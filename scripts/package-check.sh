#!/usr/bin/env bash
# Packaging checks run by CI after the test suite: the library builds alone
# (no cli, no sim); the checked-in man pages and completions match --help;
# the crate packs and would publish; the library and jpki type-check for
# Windows and macOS; cargo deny's licence, ban and source checks pass; the
# Debian package installs, works and uninstalls cleanly (scripts/deb-check.sh).
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

step "docs/man and docs/completions match jpki's --help"
timed bash scripts/gen-docs.sh --check

step "the crate packs and builds from its tarball (no .git there), and would publish"
# Their own target folder: the build that verifies the tarball would otherwise
# overwrite target/debug/jpki and leave cargo taking the tarball's sources
# for this tree's.
timed cargo package --locked --target-dir target/package-verify
timed cargo publish --dry-run --locked --target-dir target/package-verify

step "Windows and macOS: the library and jpki type-check for both (the simulator stays Linux-only)"
if command -v rustup >/dev/null 2>&1; then
  timed rustup target add x86_64-pc-windows-gnu x86_64-apple-darwin
  for target in x86_64-pc-windows-gnu x86_64-apple-darwin; do
    timed cargo check --locked --target "$target" --lib --bin jpki
  done
else
  echo "package-check: FAILED: rustup is missing, so the Windows and macOS targets cannot be added" >&2
  exit 1
fi

step "cargo deny: licences, bans, sources (deny.toml; no advisory database needed)"
if ! command -v cargo-deny >/dev/null 2>&1; then
  timed cargo install --locked cargo-deny
fi
timed cargo deny --locked check licenses bans sources

step "the Debian package round trip"
timed bash scripts/deb-check.sh
