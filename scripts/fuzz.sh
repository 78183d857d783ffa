#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each one.
#   scripts/fuzz.sh                     every target for 20 s (what CI runs)
#   scripts/fuzz.sh --seconds 3600 text one target for an hour
# The committed seeds in tests/fuzz/corpus/<name>/ are read, never written: new inputs go to
# build-fuzz/corpus/<name>/. A crash leaves its input in build-fuzz/artifacts/ and fails the run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NEWSFLOW_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_PER_TARGET=20
TARGETS=()
while (($#)); do
  case "$1" in
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if ((${#TARGETS[@]} == 0)); then
  for f in "$ROOT"/tests/fuzz/*_fuzz.cc; do TARGETS+=("$(basename "$f" _fuzz.cc)"); done
fi

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DNEWSFLOW_FUZZ=ON -DNEWSFLOW_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target $(printf '%s_fuzz ' "${TARGETS[@]}") -j "$(nproc)"

mkdir -p "$BUILD/artifacts"
# ner_fuzz tags with the committed model (it falls back to a tiny in-process one without it).
export NEWSFLOW_NER_MODEL="$ROOT/config/ner/model.bin"
export NEWSFLOW_KB_DIR="$ROOT/config/kb"
status=0
for name in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$name"
  echo "fuzz: $name for ${SECONDS_PER_TARGET}s"
  if ! "$BUILD/bin/${name}_fuzz" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
      -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
      -artifact_prefix="$BUILD/artifacts/${name}-" \
      "$BUILD/corpus/$name" "$ROOT/tests/fuzz/corpus/$name" >"$BUILD/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; last lines of $BUILD/$name.log:" >&2
    tail -40 "$BUILD/$name.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$BUILD/$name.log" | tr '\n' ' '
    echo
  fi
done
exit $status
