#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit tests and integration tests against
# a real Apache Kafka broker that the tests start themselves (scripts/local-kafka.sh).
# Then builds the libFuzzer targets with clang and runs each briefly (scripts/fuzz.sh), and runs
# the unit and broker tests again under ASan + UBSan in that clang build (scripts/sanitize.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_BUILD_DIR:-$ROOT/build}

bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/local-kafka.sh" fetch
bash "$ROOT/scripts/build.sh"
# The plain build runs every unit, deploy and PostgreSQL test, and of the broker suite
# (runtime_integration) the kill -9 / scale-out / failover tests; the rest of the broker suite runs
# under ASan + UBSan below (scripts/sanitize.sh), so each test runs once within the CI budget.
(cd "$BUILD" && NEWSFLOW_BROKER_TESTS='ChaosTest.*' ctest --output-on-failure -j 2 --timeout 900 "$@")
bash "$ROOT/scripts/fuzz.sh" --seconds "${NEWSFLOW_FUZZ_SECONDS:-10}"
bash "$ROOT/scripts/sanitize.sh"
