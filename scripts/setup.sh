#!/usr/bin/env bash
# Install what jpki needs to build and test, and make sure pcscd runs with
# the vpcd virtual readers. Safe to run again. Debian/Ubuntu.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# poppler-utils (pdfsig, pdftocairo), qpdf, ghostscript (ps2pdf) and libnss3-tools (certutil, pdfsig's
# trust store) check and make PDFs in tests/pdf.rs.
packages=(pcscd libpcsclite-dev pkg-config vsmartcard-vpcd opensc openssl bsdutils poppler-utils qpdf ghostscript libnss3-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
fresh_vpcd=0
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  for p in "${missing[@]}"; do [ "$p" = vsmartcard-vpcd ] && fresh_vpcd=1; done
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is not installed. Install it from https://rustup.rs (rustup), then run this again." >&2
  exit 1
fi

# pyHanko validates the PAdES signatures and pikepdf makes test PDFs (tests/pdf.rs).
if ! python3 -c "import pyhanko, pyhanko.cli, pikepdf" >/dev/null 2>&1; then
  echo "setup: installing pyHanko and pikepdf from PyPI"
  wanted=("pyhanko==0.38.0" "pyhanko-cli==0.6.0" "pikepdf==10.18.0")
  # A Debian-managed python3 refuses plain installs (PEP 668); these are test tools only.
  python3 -m pip install -q "${wanted[@]}" || python3 -m pip install -q --break-system-packages "${wanted[@]}"
fi

pcscd_running() { pgrep -x pcscd >/dev/null 2>&1; }
vpcd_listening() { (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null; }

systemd_runs() { command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; }

start_pcscd() {
  if systemd_runs; then
    $SUDO systemctl restart pcscd.socket pcscd.service 2>/dev/null || $SUDO systemctl start pcscd.service
  else
    # No systemd (containers, CI): run the daemon directly, without auto-exit.
    $SUDO pcscd
  fi
}

# pcscd loads its reader drivers when it starts, so a freshly installed vpcd
# needs a restart. On a desktop a browser or another program may be using
# that pcscd: ask at a terminal, and otherwise leave it and say how. In CI and
# in containers (root without systemd) nothing else uses it: go ahead.
may_restart_pcscd() {
  [ "${CI:-}" = true ] && return 0
  if [ "$(id -u)" -eq 0 ] && ! systemd_runs; then return 0; fi
  if [ -t 0 ] && [ -t 2 ]; then
    local answer
    read -r -p "setup: pcscd must restart to load the vpcd driver; a program using a card (a browser, for example) loses it. Restart now? [y/N] " answer
    [[ "$answer" =~ ^[Yy] ]] && return 0
  fi
  return 1
}
restart_hint() {
  if systemd_runs; then echo "sudo systemctl restart pcscd"; else echo "sudo pkill -x pcscd; sudo pcscd"; fi
}

if pcscd_running && [ "$fresh_vpcd" = 1 ]; then
  if ! may_restart_pcscd; then
    echo "setup: pcscd is running without the vpcd driver and may be in use, so it was left alone." >&2
    echo "       When no program uses a card, run: $(restart_hint); then run this again." >&2
    exit 1
  fi
  echo "setup: restarting pcscd so that it loads the vpcd driver"
  if systemd_runs; then
    $SUDO systemctl restart pcscd.socket pcscd.service 2>/dev/null || $SUDO systemctl restart pcscd.service
  else
    $SUDO pkill -x pcscd || true
    sleep 1
  fi
fi
if ! pcscd_running; then
  echo "setup: starting pcscd"
  start_pcscd
fi
# vpcd listens once pcscd has loaded it; with socket activation a client wakes pcscd.
for _ in $(seq 1 50); do
  vpcd_listening && break
  command -v opensc-tool >/dev/null && opensc-tool -l >/dev/null 2>&1 || true
  sleep 0.2
done
if ! vpcd_listening; then
  echo "setup: pcscd runs but the vpcd driver is not listening on 127.0.0.1:35963; when no program uses a card, restart pcscd ($(restart_hint))" >&2
  exit 1
fi
echo "setup: pcscd is running with the vpcd readers"
