#!/usr/bin/env bash
# Set up and run the service on its embedded defaults: SQLite and files under ./instance,
# demo data loaded once, an admin account whose first password is printed below.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec .venv/bin/python -m webapp serve "$@"
