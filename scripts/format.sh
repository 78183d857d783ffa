#!/usr/bin/env bash
# clang-format over the C++ sources (.clang-format: Google, 100 columns), with a pinned
# clang-format from PyPI (Debian 12's is version 14; the wheel is a static binary) cached in
# ~/.cache/newsflow. Not part of the test suite.
#
#   bash scripts/format.sh [--check] [FILE...]   # default: every tracked .cc/.h, rewritten in place
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=18.1.8
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/newsflow/clang-format-$VERSION
CF=$CACHE/clang_format/data/bin/clang-format
if [[ ! -x $CF ]]; then
  mkdir -p "$CACHE"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$CACHE" \
    "clang-format==$VERSION"
  python3 -m zipfile -e "$CACHE"/clang_format-"$VERSION"-*.whl "$CACHE"
  chmod +x "$CF"
fi
MODE=(-i)
if [[ ${1:-} == --check ]]; then
  MODE=(--dry-run -Werror)
  shift
fi
cd "$ROOT"
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cc' '*.h')
fi
"$CF" "${MODE[@]}" "${files[@]}"
