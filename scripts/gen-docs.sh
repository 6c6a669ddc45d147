#!/usr/bin/env bash
# Write the man pages (docs/man, in Japanese docs/man/ja) and the bash, zsh and fish completion scripts
# (docs/completions) from jpki's command line. With --check, write them to a
# temporary folder instead and fail if the checked-in copies differ.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo run, not target/debug/jpki: that file is whichever feature set was
# built last.
# English pages whatever the locale of the machine that writes them.
jpki() { JPKI_LANG=en cargo run --locked --quiet --bin jpki -- "$@"; }
out=docs
if [ "${1:-}" = --check ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
rm -rf "$out/man" "$out/completions"
mkdir -p "$out/completions"
jpki man "$out/man" >/dev/null
# The Japanese pages, installed under /usr/share/man/ja/man1 by the .deb.
JPKI_LANG=ja cargo run --locked --quiet --bin jpki -- man "$out/man/ja" >/dev/null
jpki completions bash >"$out/completions/jpki.bash"
jpki completions zsh >"$out/completions/_jpki"
jpki completions fish >"$out/completions/jpki.fish"
if [ "${1:-}" = --check ]; then
  if ! diff -ru docs/man "$out/man" || ! diff -ru docs/completions "$out/completions"; then
    echo "gen-docs: docs/man or docs/completions differ from jpki's --help: run bash scripts/gen-docs.sh and commit" >&2
    exit 1
  fi
  echo "gen-docs: docs/man and docs/completions match jpki's --help"
fi
