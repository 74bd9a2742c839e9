#!/usr/bin/env bash
# Installs exactly the Debian packages this project builds and tests with.
# Idempotent: when everything is present it only checks and returns.
# Never add the unversioned libboost-dev: it is Boost 1.74 and conflicts with 1.81.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config curl
  # Compiler cache: rebuilds of a clean clone (CI, scripts/hardening.sh) reuse
  # the objects of earlier builds on the machine.
  ccache
  libcaf-dev
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libssl-dev
  libsqlite3-dev sqlite3
  # The PostgreSQL store (libpq) and the test suites' own server (initdb, pg_ctl).
  libpq-dev postgresql-15
  libbenchmark-dev
  # The programs' command lines (alter, alter-local, alter-swarm): header-only.
  libcli11-dev
  # Hardening (scripts/hardening.sh): clang with the libFuzzer and sanitizer runtimes.
  clang libclang-rt-14-dev
  # The approval page's browser test: headless Chromium driven over WebDriver.
  chromium chromium-driver python3
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# docs/openapi.yaml's validator (Redocly CLI, pinned in tools/openapi's lock
# file) from the npm registry; Debian's nodejs and npm only when no npm is there.
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [[ ! -x "$root/tools/openapi/node_modules/.bin/redocly" ]]; then
  echo "setup: installing the OpenAPI validator"
  npm ci --prefix "$root/tools/openapi" --no-audit --no-fund --loglevel=error
fi
