#!/usr/bin/env bash
# `cmake --install` and find_package(AlterRuntime) work for an embedding project.
set -euo pipefail
build_dir=$1
source_dir=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cmake --install "$build_dir" --prefix "$dir/prefix" >/dev/null
test -f "$dir/prefix/lib/cmake/AlterRuntime/AlterRuntimeConfig.cmake"
test -f "$dir/prefix/include/alter/actors/runtime.hpp"
cmake -S "$source_dir/examples/embed" -B "$dir/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$dir/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir/build" -j 2 >/dev/null
"$dir/build/embed_host"
