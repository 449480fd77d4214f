#!/usr/bin/env bash
# JupyterLab on notebooks/, with the database and municipality the demo set up.
#
#   make notebooks                     # what a planner types (sets up the machine first)
#   scripts/notebooks.sh               # the same, once set up
#
# The database is GISREV_DATABASE_URL, else the demo town's settings (data/sample-town/
# gisrev.toml), else gisrev's local default: the one `make demo` loaded. The municipality is
# GISREV_LGU, else the demo town's. Both are passed to the notebooks' kernels, which read them
# with gisrev.load_settings(). Options through the environment:
#   GISREV_NOTEBOOK_PORT   port (default 8888)
#   GISREV_NOTEBOOK_TOKEN  the access token (default: JupyterLab makes one and prints the link)
#   GISREV_NO_BROWSER=1    do not open a browser (the default without a display)
#   PYTHON                 the interpreter with gisrev and JupyterLab (default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
if ! "$PY" -c "import jupyterlab" 2>/dev/null; then
  echo "notebooks: JupyterLab is not installed in $PY; run 'make notebooks' (or scripts/setup.sh --notebooks)" >&2
  exit 2
fi

town_config=data/sample-town/gisrev.toml
settings=$("$PY" - "$town_config" <<'PY'
import sys
from pathlib import Path

import gisrev

config = Path(sys.argv[1])
s = gisrev.load_settings(config if config.exists() else None)
print(s.database_url)
print(s.lgu_code or "")
PY
)
export GISREV_DATABASE_URL=${GISREV_DATABASE_URL:-$(sed -n 1p <<<"$settings")}
lgu=$(sed -n 2p <<<"$settings")
if [ -n "$lgu" ]; then export GISREV_LGU=${GISREV_LGU:-$lgu}; fi

args=(--notebook-dir=notebooks --ServerApp.port="${GISREV_NOTEBOOK_PORT:-8888}"
      --ServerApp.port_retries=0)
[ -n "${GISREV_NOTEBOOK_TOKEN:-}" ] && args+=(--IdentityProvider.token="$GISREV_NOTEBOOK_TOKEN")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)  # root in a container or a CI machine
if [ -n "${GISREV_NO_BROWSER:-}" ] || { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] \
     && [ "$(uname)" != Darwin ]; }; then
  args+=(--no-browser)
fi
echo "notebooks: database …@${GISREV_DATABASE_URL##*@}, municipality ${GISREV_LGU:-(the only one analysed)}" >&2
exec "$PY" -m jupyterlab "${args[@]}"
