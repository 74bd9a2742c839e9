#!/usr/bin/env bash
# Installs exactly the Debian packages this project builds and tests with.
# Idempotent: when everything is present it only checks and returns.
# Never add the unversioned libboost-dev: it is Boost 1.74 and conflicts with 1.81.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config curl
  libcaf-dev
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libssl-dev
  libsqlite3-dev sqlite3
  libbenchmark-dev
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

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
