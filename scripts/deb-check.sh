#!/usr/bin/env bash
# Build the Debian package, install it with apt, use the installed jpki
# against the virtual card, check its man page and bash completion, then
# remove it and check that nothing is left. Needs root (apt) and a running
# pcscd with the vpcd readers (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

say() { echo "deb-check: $*"; }
fail() { echo "deb-check: FAILED: $*" >&2; exit 1; }

if ! command -v cargo-deb >/dev/null 2>&1; then
  start=$SECONDS
  cargo install --locked cargo-deb
  say "cargo-deb installed in $((SECONDS - start)) s"
fi
# man renders the page; dpkg-shlibdeps ($auto in Depends) comes with dpkg-dev.
missing=()
for p in man-db dpkg-dev bash-completion; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then $SUDO apt-get install -y -q "${missing[@]}"; fi

if dpkg-query -W -f='${Status}' jpki-tool 2>/dev/null | grep -q "install ok installed"; then
  fail "jpki-tool is already installed here; remove it first (apt-get remove jpki-tool)"
fi

start=$SECONDS
cargo deb --locked
say "cargo deb took $((SECONDS - start)) s"
version=$(cargo metadata --no-deps --format-version 1 | sed -n 's/.*"name":"jpki-tool","version":"\([^"]*\)".*/\1/p')
deb=$(ls -t target/debian/jpki-tool_"${version}"-*.deb | head -1)
say "installing $deb"
$SUDO apt-get install -y -q "./$deb"
depends=$(dpkg-query -W -f='${Depends}' jpki-tool)
for d in pcscd libpcsclite1; do
  echo "$depends" | grep -q "\b$d\b" || fail "the package does not depend on $d ($depends)"
done
files=$(dpkg -L jpki-tool)

# The installed binary against the virtual card, on a vpcd slot taken the way
# the test suite takes them (flock on the same lock files).
cargo build --locked --quiet --features sim --bin jpki-sim
lock="${TMPDIR:-/tmp}/jpki-test-vpcd-slot-1.lock"
exec 9>"$lock"
start=$SECONDS
flock -w 300 9 || fail "vpcd slot 1 stayed busy"
say "waited $((SECONDS - start)) s for vpcd slot 1"
state=$(mktemp -d)
target/debug/jpki-sim --state "$state" --slot 1 2>"$state/sim.stderr" &
sim=$!
trap 'kill $sim 2>/dev/null || true; rm -rf "$state"' EXIT
out=$(/usr/bin/jpki --reader "Virtual PCD 00 01" --wait 15 status --jpki-only) || fail "/usr/bin/jpki status: exit $?"
echo "$out"
echo "$out" | grep -q "3 of 3" || fail "status did not show the auth PIN's 3 tries"
/usr/bin/jpki --version | grep -q "^jpki $version (" || fail "jpki --version: $(/usr/bin/jpki --version)"
kill $sim
wait $sim 2>/dev/null || true
flock -u 9

man -P cat jpki 2>/dev/null | grep -q "jpki-status(1)" || fail "man jpki does not render (or lacks its SEE ALSO)"
man -P cat jpki-status >/dev/null 2>&1 || fail "man jpki-status does not render"
man -L ja -P cat jpki-status 2>/dev/null | grep -q "書式" || fail "the Japanese man page of jpki-status is not installed"
bash -c 'source /usr/share/bash-completion/completions/jpki && complete -p jpki' | grep -q "_jpki" \
  || fail "the bash completion does not load"
for f in /usr/share/zsh/vendor-completions/_jpki /usr/share/fish/vendor_completions.d/jpki.fish; do
  [ -f "$f" ] || fail "$f is missing"
done
say "installed: jpki status, --version, man pages and completions work"

$SUDO apt-get remove -y -q jpki-tool
if dpkg-query -W -f='${Status}' jpki-tool 2>/dev/null | grep -q "installed"; then
  fail "jpki-tool is still installed"
fi
left=()
while IFS= read -r f; do
  [ -f "$f" ] || [ -L "$f" ] && left+=("$f")
done <<<"$files"
[ ${#left[@]} -eq 0 ] || fail "files left after removal: ${left[*]}"
say "removed cleanly"
