#!/usr/bin/env bash
# The README's first command, run as a newcomer runs it (install check, build, broker, four
# daemons over the fixture articles), with its output checked: one enriched record per fixture
# article, a story, no dead letters, normalize ready.
#   quickstart_test.sh ROOT BUILD_DIR
set -euo pipefail
ROOT=$1
export NEWSFLOW_BUILD_DIR=$2
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
bash "$ROOT/scripts/quickstart.sh" >"$OUT" 2>&1 || { cat "$OUT"; echo "FAIL: quickstart exited non-zero"; exit 1; }
fail() { cat "$OUT"; echo "FAIL: $1"; exit 1; }
expected=$(ls "$ROOT"/tests/fixtures/articles/*.txt | wc -l)
enriched=$(sed -n '/^== news.enriched/,/^== news.stories/p' "$OUT" | grep -c '"schema_version"' || true)
[[ $enriched -eq $expected ]] || fail "expected $expected enriched records, got $enriched"
sed -n '/^== news.stories/,/^== dead letters/p' "$OUT" | grep -q '"story_id"' || fail "no story record"
grep -qx '== dead letters: 0' "$OUT" || fail "dead letters were written"
grep -q '== readyz (normalize): {"status":"ready"}' "$OUT" || fail "normalize not ready"
echo "quickstart: $enriched enriched records, a story, no dead letters"
