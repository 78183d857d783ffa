#!/usr/bin/env bash
# Runs the unit and integration tiers under AddressSanitizer + UndefinedBehaviorSanitizer (leak
# checking on; any UBSan finding aborts the test), daemons included. Uses the clang build of
# scripts/fuzz.sh (build-fuzz/), whose libraries are already compiled with both sanitizers, so
# only the programs are added. Left to the plain run of scripts/test.sh, to keep CI within its
# budget: the kill -9 / failover suite (ChaosTest: process deaths and broker restarts) and the
# sink stores' PostgreSQL suite.
#   scripts/sanitize.sh [ctest args...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DNEWSFLOW_FUZZ=ON -DNEWSFLOW_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Every test program, and the daemons and tools the integration tests run as processes.
mapfile -t TARGETS < <(sed -n 's/^add_executable(\([A-Za-z0-9_-]*\).*/\1/p' \
  "$ROOT/tests/unit/CMakeLists.txt" "$ROOT/tests/integration/CMakeLists.txt")
TARGETS+=(newsflow-passthrough newsflow-ingest newsflow-normalize newsflow-entity-tag newsflow-sink
          newsflow-tail newsflow-produce-files)
cmake --build "$BUILD" --target "${TARGETS[@]}" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export NEWSFLOW_BROKER_TESTS=${NEWSFLOW_BROKER_TESTS:--ChaosTest.*}
(cd "$BUILD" && ctest --output-on-failure -j 2 --timeout 900 -L 'unit|integration' -LE deploy \
  -E sink_store_integration "$@")
