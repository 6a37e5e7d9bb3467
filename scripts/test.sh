#!/usr/bin/env bash
# Runs every test: installs the services the tests start (Tansu), checks formatting and lints,
# builds once and runs the whole workspace's tests in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."

export FERRO_CACHE="${FERRO_CACHE:-$HOME/.cache/ferroconnect}"
# Keep build output in the cache so a fresh clone on the same machine reuses it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$FERRO_CACHE/target}"
# One build per run: incremental compilation data would only cost time and disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export TANSU_BIN="$(bash scripts/setup-services.sh)"
export CARGO_TERM_COLOR=never

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  # nextest does not run doc tests: run them first, so nextest's summary closes the output.
  cargo test --workspace --locked --doc
  cargo nextest run --workspace --locked --no-fail-fast --failure-output final
else
  cargo test --workspace --locked --no-fail-fast
fi
