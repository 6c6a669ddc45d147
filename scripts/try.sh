#!/usr/bin/env bash
# Set up, then run `jpki status` against a real My Number Card when one is
# present, otherwise against the virtual card (jpki-sim).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --locked --release --all-features --bins
jpki=target/release/jpki
# The language jpki chooses (see "Languages" in the README): JPKI_LANG, else the locale.
locale="${JPKI_LANG:-${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}}"
say() { case "$locale" in ja*) echo "$2" ;; *) echo "$1" ;; esac; }
if "$jpki" readers --json | grep -q '"jpki":true'; then
  say "try: a My Number Card is present; showing its counters (no try is spent)" \
    "try: マイナンバーカードがあります。残り回数を表示します (試行回数は減りません)"
  exec "$jpki" status
fi
state="${JPKI_SIM_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/jpki-sim}"
say "try: no card found; starting the virtual card (state in $state, log in $state/apdu.log)" \
  "try: カードがないので仮想カードを起動します (状態は $state、記録は $state/apdu.log)"
mkdir -p "$state"
target/release/jpki-sim --state "$state" --apdu-log "$state/apdu.log" 2>"$state.stderr" &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
"$jpki" --reader "Virtual PCD 00 00" --wait 15 status
say "try: the virtual card stops with this script. To keep one running for your own scripts:" \
  "try: 仮想カードはこのスクリプトと一緒に止まります。自分のスクリプト用に動かし続けるには:"
echo "     target/release/jpki-sim --state \"$state\" &"
