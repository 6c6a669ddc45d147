#!/usr/bin/env bash
# Benchmark `jpki pdf sign` on a 1 MB and a 100 MB PDF against jpki-sim (no
# modelled latency): wall time beside `sha256sum` of the same file, the time of
# one `sign --cms` (the card's and the process's own share), peak memory
# (/usr/bin/time -v) and APDUs. Needs pcscd with vpcd (scripts/setup.sh),
# python3 with pikepdf, and /usr/bin/time.
#
#   bash scripts/bench-pdf.sh [RUNS]      (default 3; the median is shown)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build --release --locked --all-features --bins >&2
jpki="$PWD/target/release/jpki"
sim="$PWD/target/release/jpki-sim"
work="$(mktemp -d)"
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Incompressible image streams, 1 MiB each: a stand-in for scanned pages.
cat > "$work/make.py" <<'EOF'
import os, sys, pikepdf
out, mib = sys.argv[1], int(sys.argv[2])
pdf = pikepdf.new()
pdf.add_blank_page(page_size=(595, 842))
images = pikepdf.Dictionary()
for i in range(mib):
    img = pikepdf.Stream(pdf, os.urandom(1 << 20))
    img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    img.Width, img.Height, img.BitsPerComponent = 1024, 1024, 8
    img.ColorSpace = pikepdf.Name.DeviceGray
    images[f"/Im{i}"] = img
pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject=images)
pdf.save(out, compress_streams=False)
EOF
python3 "$work/make.py" "$work/1mb.pdf" 1
python3 "$work/make.py" "$work/100mb.pdf" 100
printf 'ABC123\n' > "$work/pin"
printf 'x\n' > "$work/tiny"

# The benchmark holds pcscd's lock (shared) and vpcd slot 0 like the tests do, so that they do not
# collide: names and port from the harness's file.
mapfile -t harness < <(python3 -c 'import json; d = json.load(open("tests/common/vpcd.json")); r = d["readers"][0]
print(d["pcscd_lock"], d["slot_lock"].replace("{index}", "0"), r["port"], r["name"], sep="\n")')
exec 8>"${TMPDIR:-/tmp}/${harness[0]}"
flock -s 8
exec 9>"${TMPDIR:-/tmp}/${harness[1]}"
flock 9
"$sim" --state "$work/state" --port "${harness[2]}" --apdu-log "$work/apdu.log" >/dev/null 2>&1 &
sim_pid=$!
export JPKI_READER="${harness[3]}"
"$jpki" --wait 10 status --jpki-only >/dev/null

# Median of RUNS runs of a command: "wall_seconds max_rss_kib". A failed run stops the benchmark.
measure() {
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
        end=$(date +%s%N)
        echo "$(( (end - start) / 1000 )) $(tail -1 "$work/t")"
    done | sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%.4f %s\n", $1 / 1e6, $2 }'
}
apdus() { grep -c '^APDU' "$work/apdu.log" || true; }

read -r cms_s cms_kib < <(measure "$jpki" sign --key sign --cms -o "$work/tiny.p7s" --pin-file "$work/pin" "$work/tiny")
echo "| file | bytes | sha256sum s | sign --cms s | pdf sign s | pdf sign - sign --cms | ratio to sha256sum | peak RSS MiB | RSS - file MiB | APDUs |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for f in 1mb 100mb; do
    pdf="$work/$f.pdf"
    bytes=$(stat -c %s "$pdf")
    read -r sha_s _ < <(measure sha256sum "$pdf")
    before=$(apdus)
    "$jpki" pdf sign "$pdf" -o "$work/$f-signed.pdf" --pin-file "$work/pin" >/dev/null
    per_sign=$(( $(apdus) - before ))
    read -r pdf_s pdf_kib < <(measure "$jpki" pdf sign "$pdf" -o "$work/$f-signed.pdf" --pin-file "$work/pin")
    awk -v f="$f" -v b="$bytes" -v sha="$sha_s" -v cms="$cms_s" -v p="$pdf_s" -v kib="$pdf_kib" -v a="$per_sign" 'BEGIN {
        own = p - cms; if (own < 0) own = 0
        printf "| %s | %d | %.3f | %.3f | %.3f | %.3f | %s | %.1f | %.1f | %d |\n", f, b, sha, cms, p, own,
            (sha > 0 ? sprintf("%.2f", own / sha) : "-"), kib / 1024, kib / 1024 - b / 1048576, a }'
done
echo
echo "sign --cms alone: $cms_s s (wall), $(awk -v k="$cms_kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB peak RSS"
pdfsig "$work/100mb-signed.pdf" | grep -E 'Total document signed|Signature is Valid' || true
