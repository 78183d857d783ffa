#!/usr/bin/env bash
# Configures and builds newsflow into build/ (binaries in build/bin/). Warnings are errors.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_BUILD_DIR:-$ROOT/build}
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DNEWSFLOW_WERROR=ON ${NEWSFLOW_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j "$(nproc)"
