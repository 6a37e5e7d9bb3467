#!/usr/bin/env bash
# Starts a local Tansu broker (installed if missing) on 127.0.0.1:9092 and the worker on :8083
# in standalone mode with config-examples/worker.properties (offsets and connector configs
# under /tmp/ferroconnect). Extra arguments are connector config files to start.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

export FERRO_CACHE="${FERRO_CACHE:-$HOME/.cache/ferroconnect}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$FERRO_CACHE/target}"
TANSU="$(bash scripts/setup-services.sh)"
BROKER_PORT="${BROKER_PORT:-9092}"

cargo build --release --locked --bin ferroconnect
mkdir -p /tmp/ferroconnect

BROKER_PID=""
if (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null; then
  echo "run-local: a broker already listens on 127.0.0.1:$BROKER_PORT; using it" >&2
else
  "$TANSU" broker --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" >/tmp/ferroconnect/tansu.log 2>&1 &
  BROKER_PID=$!
  echo "run-local: Tansu broker on 127.0.0.1:$BROKER_PORT (pid $BROKER_PID, memory storage)" >&2
fi
cleanup() { [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$CARGO_TARGET_DIR/release/ferroconnect" standalone config-examples/worker.properties "$@"
