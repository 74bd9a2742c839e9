#!/usr/bin/env bash
# Every benchmark in one command: set up, build, run the micro benchmarks
# (Google Benchmark) and the macro benchmarks (each against a baseline measured
# in the same run), and write the tables as markdown and JSON.
#
#   ./scripts/bench.sh [--quick]        results in benchmark-results/
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
build="${ALTER_BUILD_DIR:-build}"
out="${ALTER_BENCH_DIR:-benchmark-results}"
mkdir -p "$out"
"$build/benchmarks/alter_micro_bench" --benchmark_min_time=0.2 \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json >/dev/null
"$build/benchmarks/alter_macro_bench" --seconds 3 "$@" --out "$out/macro.json" \
  | tee "$out/macro.log"
# The backend as users run it: its own process, its database in a file on disk
# (under $out, never tmpfs), fsyncs counted by a preloaded library.
backend_seconds=5
[[ " $* " == *" --quick "* ]] && backend_seconds=2
work="$out/backend-run"
rm -rf "$work" && mkdir -p "$work"
# PostgreSQL, one and two instances: a server of the tests' kind (Unix socket in
# a temporary directory, fsync off: label its figures so), stopped at exit.
pg_dir=$(mktemp -d /tmp/alter-pg-XXXXXX)
trap 'tests/programs/postgres_server.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
pg_url=$(tests/programs/postgres_server.sh start "$pg_dir" $$)
# Instances on one database share one master key.
ALTER_MASTER_KEY=$(head -c 32 /dev/urandom | base64) \
"$build/benchmarks/alter_backend_bench" --alter-local "$build/tools/alter-local" \
  --fsync-counter "$build/benchmarks/libalter_fsync_counter.so" --work "$work" \
  --seconds "$backend_seconds" --overload --postgres "$pg_url" --out "$out/backend.json" \
  --sqlite "SQLite, group commit off (one fsync per commit)=--max-commit-batch 1" \
  --sqlite "SQLite=" \
  | tee "$out/backend.log"
python3 - "$out" <<'PY'
import json, os, platform, sys
out = sys.argv[1]
micro = json.load(open(os.path.join(out, "micro.json")))
macro = json.load(open(os.path.join(out, "macro.json")))
macro += json.load(open(os.path.join(out, "backend.json")))
lines = ["# Benchmark results", "",
         "Machine: %s, %s, %d cores." % (platform.node(), platform.platform(), os.cpu_count()),
         "", "## Micro (Google Benchmark)", "", "| benchmark | time per iteration | items per second |", "|---|---|---|"]
for b in micro["benchmarks"]:
    items = "%.0f" % b["items_per_second"] if "items_per_second" in b else ""
    lines.append("| %s | %.2f %s | %s |" % (b["name"], b["real_time"], b["time_unit"], items))
lines += ["", "## Macro (each against its baseline, same run)", "",
          "| benchmark | value | baseline | ratio | goal |", "|---|---|---|---|---|"]
for r in macro:
    base = "%.1f (%s)" % (r["baseline"], r["baseline_name"]) if r["baseline"] > 0 else "—"
    ratio = "%.3f" % r["ratio"] if r["baseline"] > 0 else "—"
    goal = (r["goal"] + (" (met)" if r["met"] else " (missed)")) if r["goal"] else ""
    lines.append("| %s | %.1f %s | %s | %s | %s |" % (r["name"], r["value"], r["unit"], base, ratio, goal))
open(os.path.join(out, "benchmarks.md"), "w").write("\n".join(lines) + "\n")
json.dump({"micro": micro["benchmarks"], "macro": macro},
          open(os.path.join(out, "benchmarks.json"), "w"), indent=1)
print("\n".join(lines))
print("\nwritten: %s/benchmarks.md and %s/benchmarks.json" % (out, out))
PY
