#!/usr/bin/env bash
# README command (b): set up, build, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
ctest --test-dir "${ALTER_BUILD_DIR:-build}" --output-on-failure -j 2 "$@"
