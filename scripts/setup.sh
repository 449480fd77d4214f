#!/usr/bin/env bash
# Prepare this machine for gisrev: a virtual environment with the package and its
# dependencies, and (unless GISREV_DATABASE_URL points elsewhere) a local
# PostgreSQL 15 + PostGIS with a `gisrev` role and database.
# Safe to repeat: each step checks first and does nothing when already done.
#
#   scripts/setup.sh              # what the demo needs
#   scripts/setup.sh --notebooks  # plus JupyterLab and mapclassify (`make notebooks`)
#   scripts/setup.sh --test       # plus the browser, Thai fonts and PDF tools the tests use
#                                 # (and the notebooks' packages: the tests start JupyterLab)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
extras=""
case "${1:-}" in
  --test) want_test=1; extras="dev,notebooks" ;;
  --notebooks) extras="notebooks" ;;
esac

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- system packages -------------------------------------------------------
if [ -z "${GISREV_DATABASE_URL:-}" ]; then
  apt_install postgresql-15 postgresql-15-postgis-3
fi
# A Thai font, so the report's charts carry Thai labels (matplotlib draws them itself).
apt_install fonts-thai-tlwg
if [ $want_test -eq 1 ]; then
  apt_install chromium poppler-utils
fi

# --- Python environment ----------------------------------------------------
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  # Debian and Ubuntu ship venv (ensurepip) apart from their python3: install it only when
  # the interpreter in use lacks it.
  "$PY" -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv
  log "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.gisrev-installed
# One stamp per set of extras: `make demo` after `make test` must not take packages away,
# and `make notebooks` after `make demo` must add JupyterLab.
fingerprint=$(sha256sum pyproject.toml | cut -c1-16)
if ! grep -qx "$fingerprint ${extras:-base}" "$stamp" 2>/dev/null; then
  log "installing gisrev${extras:+ [$extras]} and its dependencies into .venv"
  .venv/bin/pip install -q -U pip >/dev/null
  .venv/bin/pip install -q -e ".${extras:+[$extras]}"
  # Keep the stamps of this pyproject.toml only, plus this set.
  { grep -s "^$fingerprint " "$stamp" || true; echo "$fingerprint ${extras:-base}"; } > "$stamp.new"
  mv "$stamp.new" "$stamp"
fi

# --- local PostGIS ---------------------------------------------------------
if [ -z "${GISREV_DATABASE_URL:-}" ]; then
  if ! pg_lsclusters -h 2>/dev/null | awk '$1=="15" && $2=="main"' | grep -q .; then
    log "creating PostgreSQL 15 cluster"
    as_root pg_createcluster 15 main >/dev/null
  fi
  if ! pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $4}' | grep -q online; then
    log "starting PostgreSQL 15"
    as_root pg_ctlcluster 15 main start
  fi
  port=$(pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $3}')
  psql_pg() { as_root su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtAX $*"; }
  if [ "$(psql_pg "-c \"SELECT 1 FROM pg_roles WHERE rolname='gisrev'\"")" != "1" ]; then
    log "creating role gisrev (local development only)"
    # Superuser so the test suite can create throw-away databases, the PostGIS
    # extension and the read-only role it checks. Local cluster only.
    psql_pg "-c \"CREATE ROLE gisrev LOGIN SUPERUSER PASSWORD 'gisrev'\""
  fi
  if [ "$(psql_pg "-c \"SELECT 1 FROM pg_database WHERE datname='gisrev'\"")" != "1" ]; then
    log "creating database gisrev"
    psql_pg "-c \"CREATE DATABASE gisrev OWNER gisrev\""
  fi
  if [ "$port" != "5432" ]; then
    log "PostgreSQL listens on port $port: export GISREV_DATABASE_URL=postgresql://gisrev:gisrev@localhost:$port/gisrev"
  fi
fi
