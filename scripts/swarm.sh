#!/usr/bin/env bash
# README command (a): set up, build, and run the main job: a swarm of agent actors
# against the embedded backend on loopback. Extra arguments go to alter-swarm.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
exec "${ALTER_BUILD_DIR:-build}/tools/alter-swarm" --scenario scenarios/default.json "$@"
