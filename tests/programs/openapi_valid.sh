#!/usr/bin/env bash
# docs/openapi.yaml is a valid OpenAPI 3.1 document by an off-the-shelf
# validator: Redocly CLI's lint (its recommended rules), installed by
# scripts/setup.sh into tools/openapi. A missing validator fails: it is part of
# the set-up, not optional. Usage: openapi_valid.sh SOURCE_DIR
set -euo pipefail
src="${1:?usage: openapi_valid.sh SOURCE_DIR}"
redocly="$src/tools/openapi/node_modules/.bin/redocly"
if [[ ! -x "$redocly" ]]; then
  echo "openapi: $redocly is missing; run scripts/setup.sh" >&2
  exit 1
fi
# Offline and quiet: no usage reports, no update check.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
"$redocly" lint --format=stylish "$src/docs/openapi.yaml"
echo "openapi document: valid"
