#!/usr/bin/env bash
# Set up, then run `jpki status` against a real My Number Card when one is
# present, otherwise against the virtual card (jpki-sim).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --locked --release --all-features --bins
jpki=target/release/jpki
if "$jpki" readers --json | grep -q '"jpki":true'; then
  echo "try: a My Number Card is present; showing its counters (no try is spent)"
  exec "$jpki" status
fi
state="${JPKI_SIM_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/jpki-sim}"
echo "try: no card found; starting the virtual card (state in $state, log in $state/apdu.log)"
mkdir -p "$state"
target/release/jpki-sim --state "$state" --apdu-log "$state/apdu.log" 2>"$state.stderr" &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
"$jpki" --reader "Virtual PCD 00 00" --wait 15 status
echo "try: the virtual card stops with this script. To keep one running for your own scripts:"
echo "     target/release/jpki-sim --state \"$state\" &"
