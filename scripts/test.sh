#!/usr/bin/env bash
# Set up and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec .venv/bin/python -m pytest -q "$@"
