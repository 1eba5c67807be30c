#!/usr/bin/env bash
# Runs the object-store conformance suite and the end-to-end tests on Ceph RGW: starts a disposable RGW with
# scripts/start-ceph-rgw.sh (unless OPENCBR_TEST_S3_BUCKET already names a store), runs the S3 tests, stops it.
# Extra arguments narrow the test files (substrings, as scripts/run-tests.mjs takes them).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OPENCBR_TEST_S3_BUCKET:-}" ]; then
  start=$(date +%s)
  eval "$(scripts/start-ceph-rgw.sh)"
  echo "Ceph RGW installed/started in $(($(date +%s) - start)) s" >&2
  trap 'scripts/stop-ceph-rgw.sh' EXIT
fi
export OPENCBR_TEST_S3_BUCKET OPENCBR_TEST_S3_LOCK_BUCKET OPENCBR_S3_ENDPOINT OPENCBR_S3_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
# Without a store an S3 test would be skipped; here it must run.
export OPENCBR_TEST_REQUIRE_S3=1
if [ "$#" -eq 0 ]; then
  set -- test/objects/s3-store test/cbr/s3-e2e
fi
node scripts/run-tests.mjs "$@"
