#!/usr/bin/env bash
# Set up and run on the embedded defaults: builds the demo trip's filled and pre-trip packets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
OUT="${1:-out}"
.venv/bin/python -m docgen packet docgen/demo/trip-jincheng-cable.json --out "$OUT/jincheng" --overwrite
.venv/bin/python -m docgen packet docgen/demo/trip-qingpu-blank.json --blank --out "$OUT/qingpu-blank" --overwrite
echo "打开 $OUT/jincheng/trip.pdf 和 $OUT/qingpu-blank/trip.pdf 查看。"
