#!/usr/bin/env bash
# A small swarm (the smoke scenario: a few thousand calls of every type under
# light faults): the report's totals add up, nothing failed unexpectedly, every
# call type and approval outcome shows, and the HTML report stands alone.
set -euo pipefail
swarm="$1"
scenario="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$swarm" --scenario "$scenario" --report-dir "$work" --quiet >"$work/out" 2>"$work/err" || {
  cat "$work/out" "$work/err"; exit 1; }
cat "$work/out"
python3 - "$work/swarm-report.json" "$work/swarm-report.html" "$work/backend-metrics.prom" \
  "$work/sdk-metrics.prom" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
html = open(sys.argv[2]).read()
metrics = open(sys.argv[3]).read()
expected = r["agents"] * 10
assert r["calls"] == expected, (r["calls"], expected)
assert r["succeeded"] + r["expected_refusals"] + r["failed"] == expected
assert r["failed"] == 0, r["errors"]
for kind in ("retrieve", "proxy", "denied", "approval", "constrained", "traced"):
    assert r["calls_by_kind"].get(kind, 0) > 0, ("no %s calls" % kind, r["calls_by_kind"])
assert r["errors"].get("policy_denied", 0) == r["calls_by_kind"]["denied"], r["errors"]
assert r["approvals"].get("executed", 0) > 0 and r["approvals"].get("denied", 0) > 0, r["approvals"]
assert sum(r["approvals"].values()) == r["calls_by_kind"]["approval"], r["approvals"]
for p in ("p50_ms", "p90_ms", "p99_ms", "p999_ms"):
    assert r["latency"]["retrieve"][p] > 0, r["latency"]["retrieve"]
assert sum(r["timeline"]) == expected
# The report opens with its verdict and how the run was set up.
assert r["verdict"]["result"] == "PASS", r["verdict"]
assert r["verdict"]["reasons"][0].startswith("all %d calls ended as the scenario expects" % expected), r["verdict"]
setup = r["setup"]
assert setup["scenario"] == r["scenario"] and setup["fault_profile"] == "light", setup
assert setup["mix"] and setup["seed"] >= 0 and setup["concurrency"] > 0, setup
assert setup["target"].startswith("embedded backend at https://127.0.0.1:"), setup
assert setup["version"] and setup["started_at"].endswith("Z"), setup
assert r["failures_by_kind"] == {}, r["failures_by_kind"]
assert html.index("<strong>PASS</strong>") < html.index("<h2>")
assert "<h2>Failures by call type</h2>" not in html
for axis in ("latency, ms (log scale)", "share of the type&#39;s calls",
             "calls completed per second", "seconds since the start"):
    assert axis in html, axis
assert "<svg" in html and "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html
# The embedded backend's /metrics at the end: every proxied call answered and
# its commits flushed, the provider connections reused.
def value(series):
    for line in metrics.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    raise AssertionError("no " + series)
proxied = sum(float(l.split()[-1]) for l in metrics.splitlines()
              if l.startswith('alter_requests_total{route="/v1/proxy/execute",method="POST",status="200"}'))
assert proxied > 0, "no proxied calls counted"
assert value("alter_store_flushes_total") > 0 and value("alter_store_flush_duration_seconds_count") > 0
assert value("alter_upstream_reused_total") > 0
# The SDK's side: the pools that carried the calls and the retry budget.
sdk = open(sys.argv[4]).read()
assert "alter_sdk_pool_connections_opened_total{origin=\"https://127.0.0.1:" in sdk, sdk
assert "alter_sdk_retry_budget_tokens{origin=" in sdk, sdk
print("small swarm: %d calls, %.0f calls/s, report consistent" % (expected, r["calls_per_second"]))
PY
# The HTML report as a person sees it, with a screenshot kept.
python3 "$(dirname "$0")/page_in_browser.py" "file://$work/swarm-report.html" swarm-report \
  "alter-swarm" "PASS: all" "Set-up" "fault profile" "Latency by call type" \
  "Throughput over time" "Calls, errors and approvals"
