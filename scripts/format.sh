#!/usr/bin/env bash
# clang-format over the C++ sources (.clang-format: Google, 100 columns) with Debian 12's
# clang-format-14 (scripts/install-deps.sh installs it; CLANG_FORMAT=... picks another binary —
# clang-format 18 formats this tree the same way). The test suite runs the --check form
# (ctest: format_check).
#
#   bash scripts/format.sh [--check] [FILE...]   # default: every tracked .cc/.h, rewritten in place
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CF=${CLANG_FORMAT:-clang-format-14}
command -v "$CF" >/dev/null || {
  echo "format.sh: $CF not found (Debian package clang-format-14: bash scripts/install-deps.sh)" >&2
  exit 2
}
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
