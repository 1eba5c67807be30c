#!/usr/bin/env bash
# Runs the catalog conformance suite and the API suites on PostgreSQL: starts a disposable server with
# scripts/start-postgres.sh (unless OPENCBR_TEST_CATALOG_URL already names one), runs the suites on it, stops it.
# Extra arguments narrow the test files (substrings, as scripts/run-tests.mjs takes them).
set -euo pipefail
cd "$(dirname "$0")/.."
started=
if [ -z "${OPENCBR_TEST_CATALOG_URL:-}" ]; then
  eval "$(scripts/start-postgres.sh)"
  started=1
  trap 'scripts/stop-postgres.sh' EXIT
fi
export OPENCBR_TEST_CATALOG_URL
# Without a server a PostgreSQL test would be skipped; here it must run.
export OPENCBR_TEST_REQUIRE_PG=1
if [ "$#" -eq 0 ]; then
  set -- test/catalog/ test/cbr/ test/cinder/ test/hss/ test/core/ test/iam/
fi
node scripts/run-tests.mjs "$@"
