#!/usr/bin/env bash
# Memory soak: the pipeline (normalize -> entity-tag -> sink) under a steady offered load for a
# long time, sampling each daemon's resident memory. Flat memory is the goal: a daemon whose RSS
# keeps creeping up under steady load has a leak or an unbounded structure.
#
#   bash scripts/soak.sh [--minutes 60] [--rate 40] [--sample-seconds 30] [--out FILE.csv]
#                        [--small-state]
#
# Normalize's duplicate index and sink's stories are bounded by event-time windows of days and
# by entry caps, so over one hour at the default settings they only grow toward their bounds.
# --small-state caps them low (20,000 index entries; 100 stories of at most 50 members), so the
# run reaches the steady state within minutes and any later growth is a leak.
# Prints one CSV line per sample (elapsed seconds, then RSS in MB per daemon) to FILE (default
# /tmp/newsflow-soak.csv), then a JSON summary: per daemon the RSS after the first tenth of the
# run (warm: caches, model, windows filled), the maximum, the last sample, and the growth from
# warm to last; and the load tool's throughput and latency line. The corpus (default
# ../shared/corpus/wikinews.jsonl) is replayed with a unique reference line per article, so every
# article is new to the duplicate index and most are near-duplicates joining existing stories.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MINUTES=60
RATE=40
SAMPLE=30
OUT=/tmp/newsflow-soak.csv
CORPUS=$ROOT/../shared/corpus/wikinews.jsonl
NORMALIZE_STATE=() SINK_STATE=()
while (($#)); do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --sample-seconds) SAMPLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --small-state)
      NORMALIZE_STATE=(--normalize.dedupe.max_entries=20000)
      SINK_STATE=(--sink.stories.max_stories=100 --sink.stories.max_members_per_story=50)
      shift ;;
    *) echo "usage: soak.sh [--minutes M] [--rate R] [--sample-seconds S] [--out FILE]" \
         "[--small-state]" >&2
       exit 2 ;;
  esac
done

source "$ROOT/scripts/lib.sh"
newsflow_setup newsflow-soak
NEWSFLOW_DAEMON_FLAGS=(--log.level=warn)
start_daemon normalize newsflow-normalize normalize --kafka.input_topics="$RUN.raw" \
  --normalize.output_topic="$RUN.normalized" --normalize.dedupe.topic="$RUN.dedupe" \
  "${NORMALIZE_STATE[@]}"
start_daemon tag newsflow-entity-tag entity-tag --kafka.input_topics="$RUN.normalized" \
  --tag.output_topic="$RUN.tagged" --tag.kb_dir="$ROOT/config/kb" \
  --tag.model_path="$ROOT/config/ner/model.bin"
start_daemon sink newsflow-sink sink --kafka.input_topics="$RUN.tagged" \
  --sink.enriched_topic="$RUN.enriched" --sink.entity_mentions_topic="$RUN.mentions" \
  --sink.stories.topic="$RUN.stories" --sink.stories.changelog_topic="$RUN.stories-state" \
  "${SINK_STATE[@]}"

COUNT=$((RATE * MINUTES * 60))
echo "== soak: $COUNT articles at $RATE/s for $MINUTES min; samples every ${SAMPLE}s in $OUT" >&2
"$BIN/newsflow-load" --bootstrap "$BOOTSTRAP" --in "$RUN.raw" --out "$RUN.enriched" \
  --count "$COUNT" --rate "$RATE" --corpus "$CORPUS" --label "soak-$MINUTES-min" \
  >"$WORK/load.json" &
LOAD_PID=$!
echo "seconds,normalize_mb,tag_mb,sink_mb" >"$OUT"
STARTED=$SECONDS
while kill -0 "$LOAD_PID" 2>/dev/null; do
  for id in normalize tag sink; do
    kill -0 "${DAEMON_PID[$id]}" 2>/dev/null || { cat "$WORK/$id.log"; echo "$id died" >&2; exit 1; }
  done
  echo "$((SECONDS - STARTED)),$(rss_mb "${DAEMON_PID[normalize]}"),$(rss_mb "${DAEMON_PID[tag]}"),$(rss_mb "${DAEMON_PID[sink]}")" >>"$OUT"
  sleep "$SAMPLE"
done
wait "$LOAD_PID"
python3 - "$OUT" "$WORK/load.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
warm = rows[max(0, len(rows) // 10)]
summary = {"label": "soak-rss-mb", "samples": len(rows)}
for name in ("normalize", "tag", "sink"):
    values = [int(r[f"{name}_mb"]) for r in rows]
    w, last = int(warm[f"{name}_mb"]), values[-1]
    summary[name] = {"warm": w, "max": max(values), "last": last, "growth_after_warm": last - w}
print(json.dumps(summary))
print(open(sys.argv[2]).read().strip())
PY
