#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: Chinese TrueType fonts,
# poppler-utils (pdftoppm, for looking at PDFs), and a virtualenv with requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="fonts-arphic-uming fonts-wqy-zenhei fonts-hanazono poppler-utils python3-venv"
missing=""
for pkg in $APT_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
