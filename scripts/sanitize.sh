#!/usr/bin/env bash
# Runs the unit and integration tiers under AddressSanitizer + UndefinedBehaviorSanitizer (leak
# checking on; any UBSan finding aborts the test), daemons included. Uses the clang build of
# scripts/fuzz.sh (build-fuzz/), whose libraries are already compiled with both sanitizers, so
# only the programs are added. The integration tier skips the kill -9 / failover suite (ChaosTest:
# process deaths and broker restarts, which the plain run covers) to keep CI within its budget.
#   scripts/sanitize.sh [ctest args...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DNEWSFLOW_FUZZ=ON -DNEWSFLOW_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
UNIT_TARGETS=(newsflow_unit_tests newsflow_feed_tests newsflow_ingest_tests newsflow_ner_tests
              newsflow_tag_tests newsflow_html_tests newsflow_tag_stage_tests
              newsflow_daemon_config_tests newsflow_runtime_integration_tests newsflow-passthrough
              newsflow-ingest newsflow-normalize newsflow-entity-tag newsflow-sink newsflow-tail
              newsflow-produce-files)
cmake --build "$BUILD" --target "${UNIT_TARGETS[@]}" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export GTEST_FILTER=${GTEST_FILTER:--ChaosTest.*}
(cd "$BUILD" && ctest --output-on-failure -j 2 --timeout 900 -L 'unit|integration' -LE deploy "$@")
