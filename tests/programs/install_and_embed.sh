#!/usr/bin/env bash
# What a project that adopts the runtime gets from `cmake --install`: public
# headers under one prefix (internal ones absent), every layer's library
# position-independent, the programs, the version, the license, and an
# embedding host that builds through CMake and through pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
prefix=$dir/prefix
cmake --install "$build_dir" --prefix "$prefix" --strip >/dev/null
fail() { echo "install_and_embed: $*" >&2; exit 1; }

# Layout: one include prefix, the layers' libraries, programs, license.
test -f "$prefix/lib/cmake/AlterRuntime/AlterRuntimeConfig.cmake" || fail "no CMake package"
for h in alter/actors/runtime.hpp alter/actors/blocking_client.hpp alter/version.hpp \
         alter/backend/local_backend.hpp alter/testing/scripted_transport.hpp; do
  test -f "$prefix/include/$h" || fail "public header $h not installed"
done
for h in alter/actors/client_calls.hpp alter/actors/account_calls.hpp \
         alter/backend/routes/route_helpers.hpp alter/backend/store/sqlite/rows.hpp; do
  test ! -e "$prefix/include/$h" || fail "internal header $h installed"
done
# Every installed header's own includes of the project are installed too.
while IFS= read -r header; do
  { grep -ho '^#include [<"]alter/[^">]*' "$header" || true; } | sed 's/^#include [<"]//' | while read -r inc; do
    test -f "$prefix/include/$inc" || fail "$header includes $inc, which is not installed"
  done
done < <(find "$prefix/include/alter" -name '*.hpp')
for lib in messages auth net actors backend testing; do
  test -f "$prefix/lib/libalter_$lib.a" || fail "libalter_$lib.a not installed"
done
for program in alter alter-local alter-swarm; do
  test -x "$prefix/bin/$program" || fail "bin/$program not installed"
done
# --strip ships the archives without debug information.
readelf -S "$prefix/lib/libalter_backend.a" >"$dir/sections"
if grep -q '\.debug_info' "$dir/sections"; then
  fail "--strip left debug information in libalter_backend.a"
fi
test -f "$prefix/share/doc/alter-runtime/LICENSE" || fail "no license in the package"
grep -q "Apache License" "$prefix/share/doc/alter-runtime/LICENSE" || fail "not Apache-2.0"
echo "install_and_embed: layout ok"

# Through CMake: the host and a test of its own on the shipped test doubles.
cmake -S "$source_dir/examples/embed" -B "$dir/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir/build" -j 2 >/dev/null
"$dir/build/embed_host" | tee "$dir/cmake.out"
grep -q "alter runtime $(sed -n 's/^#define ALTER_VERSION_STRING "\(.*\)"/\1/p' \
  "$prefix/include/alter/version.hpp")" "$dir/cmake.out" || fail "version() differs from the header"
"$dir/build/embed_test_double"

# Through pkg-config, no CMake.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
g++ -O1 "$source_dir/examples/embed/main.cpp" -o "$dir/embed_pc" \
  $(pkg-config --cflags --libs alter-backend)
"$dir/embed_pc" | sed 's/^embed_host/embed_host (pkg-config)/'

# Position-independent: the static libraries link into a shared object.
cat >"$dir/plugin.cpp" <<'CPP'
#include <alter/actors/client_environment.hpp>
#include <alter/version.hpp>
extern "C" const char* plugin_version() {
  (void)alter::options_from_environment();
  return alter::version();
}
CPP
# shellcheck disable=SC2046
g++ -shared -fPIC "$dir/plugin.cpp" -o "$dir/libplugin.so" -Wl,--no-undefined \
  $(pkg-config --cflags --libs alter-runtime) || fail "the libraries do not link into a .so"
echo "install_and_embed: a shared object links the runtime"
