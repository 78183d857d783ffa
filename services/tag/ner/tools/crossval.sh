#!/usr/bin/env bash
# Honest quality estimate for a model that trains on the annotated news (dev.jsonl): k-fold
# cross-validation by document. For each fold k of n, a model is trained on the training data
# plus every dev document outside fold k (DEV_REPEAT times, to weigh in-domain text up) and the
# whole tagger (newsflow-tag-eval: knowledge base + rules + model) is scored on fold k only.
# Prints each fold's overall row and the pooled exact and overlap scores (counts summed over
# folds, so every dev document is scored exactly once, by a model that never saw it).
#
#   services/tag/ner/tools/crossval.sh [extra newsflow-ner-train flags...]
#   FOLDS=2 DEV_REPEAT=2 SEEDS=5 EPOCHS=6 services/tag/ner/tools/crossval.sh
#
# Environment: FOLDS (2), DEV_REPEAT (2; 0 trains without dev, as the shipped model is: then every
# fold scores the same model), SEEDS (5), EPOCHS (6), NAMES (build/ner-lists/names.tsv from
# fetch_name_lists.sh; used when the file exists), BUILD (build), SHARED (../shared), OUT (a
# temporary directory), KEEP=1 keeps the fold models, VERBOSE=1 prints the per-type tables.
# The other training flags are those of config/ner/README.md.
set -euo pipefail
FOLDS=${FOLDS:-2}
DEV_REPEAT=${DEV_REPEAT:-2}
SEEDS=${SEEDS:-5}
EPOCHS=${EPOCHS:-6}
NAMES=${NAMES:-build/ner-lists/names.tsv}
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
OUT=${OUT:-$(mktemp -d)}
DEV=$SHARED/ner/dev.jsonl
Z="$SHARED/ner/zh_dev.jsonl#even"
mkdir -p "$OUT"
: > "$OUT/tables.txt"
for ((k = 0; k < FOLDS; k++)); do
  args=(--train "$SHARED/ner/train.jsonl")
  for ((r = 0; r < 5; r++)); do args+=(--train "$Z"); done
  for ((r = 0; r < DEV_REPEAT; r++)); do args+=(--train "$DEV#-$k/$FOLDS"); done
  if [[ -f "$NAMES" ]]; then args+=(--names "$NAMES"); fi
  "$BUILD/bin/newsflow-ner-train" "${args[@]}" \
    --lexicon-corpus "$SHARED/corpus/wikinews.jsonl" --kb config/kb \
    --epochs "$EPOCHS" --seeds "$SEEDS" --buckets-log2 16 "$@" \
    --out "$OUT/fold$k.bin" > /dev/null 2> "$OUT/train$k.log"
  "$BUILD/bin/newsflow-tag-eval" --model "$OUT/fold$k.bin" "$DEV#$k/$FOLDS" > "$OUT/eval$k.txt"
  if [[ "${VERBOSE:-0}" == 1 ]]; then cat "$OUT/eval$k.txt"; fi
  awk -v k="$k" '/^exact/ {m = "exact"} /^type \+ overlap/ {m = "overlap"}
    $1 == "overall" || ($1 ~ /^[A-Z]+$/ && NF == 7) {print k, m, $0}' "$OUT/eval$k.txt" \
    >> "$OUT/tables.txt"
done
awk '{key = $2 " " $3; g[key] += $4; p[key] += $5; c[key] += $6; seen[key] = 1}
  $3 == "overall" {printf "fold %s %-7s gold %4d pred %4d correct %4d P %.3f R %.3f F1 %.3f\n",
    $1, $2, $4, $5, $6, $7, $8, $9}
  END {
    for (key in seen) {
      P = p[key] ? c[key] / p[key] : 0; R = g[key] ? c[key] / g[key] : 0;
      printf "pooled %-16s gold %4d pred %4d correct %4d P %.3f R %.3f F1 %.3f\n", key, g[key],
        p[key], c[key], P, R, (P + R) ? 2 * P * R / (P + R) : 0 | "sort"
    }
  }' "$OUT/tables.txt"
if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$OUT"; fi
