#!/usr/bin/env bash
# Configures and builds the project into build/ (Release with debug info, Ninja,
# two jobs: the machines have two cores). Re-running only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ALTER_BUILD_DIR:-build}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@"
fi
cmake --build "$build_dir" -j 2
