#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit tests and integration tests against
# a real Apache Kafka broker that the tests start themselves (scripts/local-kafka.sh).
# Then builds the libFuzzer targets with clang and runs each briefly (scripts/fuzz.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_BUILD_DIR:-$ROOT/build}

bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/local-kafka.sh" fetch
bash "$ROOT/scripts/build.sh"
(cd "$BUILD" && ctest --output-on-failure -j 2 --timeout 900 "$@")
bash "$ROOT/scripts/fuzz.sh" --seconds "${NEWSFLOW_FUZZ_SECONDS:-10}"
