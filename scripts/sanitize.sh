#!/usr/bin/env bash
# Runs the unit tier under AddressSanitizer + UndefinedBehaviorSanitizer (leak checking on; any
# UBSan finding aborts the test). Uses the clang build of scripts/fuzz.sh (build-fuzz/), whose
# libraries are already compiled with both sanitizers, so only the test programs are added.
#   scripts/sanitize.sh [ctest args...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DNEWSFLOW_FUZZ=ON -DNEWSFLOW_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
UNIT_TARGETS=(newsflow_unit_tests newsflow_feed_tests newsflow_ingest_tests newsflow_ner_tests
              newsflow_tag_tests newsflow_html_tests newsflow_tag_stage_tests
              newsflow_daemon_config_tests)
cmake --build "$BUILD" --target "${UNIT_TARGETS[@]}" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$BUILD" && ctest --output-on-failure -j 2 --timeout 900 -L unit -LE deploy "$@")
