#!/usr/bin/env bash
# Installs, builds, starts a local Kafka broker (unless NEWSFLOW_BOOTSTRAP points at a cluster),
# runs the four daemons (ingest -> normalize -> entity-tag -> sink) over the repository's fixture
# articles, prints what downstream consumers read on news.enriched and news.stories, then stops
# everything. Pass article files as arguments to use your own (e.g. ../shared/samples/*.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTICLES=("$@")
((${#ARTICLES[@]})) || ARTICLES=("$ROOT"/tests/fixtures/articles/*.txt)

bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/build.sh"

source "$ROOT/scripts/lib.sh"
newsflow_setup qs
echo "== Kafka at $BOOTSTRAP"
T_RAW=$RUN.raw T_NORM=$RUN.normalized T_TAG=$RUN.tagged T_DLQ=$RUN.dlq
T_ENRICHED=$RUN.enriched T_MENTIONS=$RUN.entity-mentions T_STORIES=$RUN.stories

start() {  # name, then its flags
  start_daemon "$1" "newsflow-$1" "$@"
  echo "== $1 up: http://127.0.0.1:$(metrics_port "$1")/metrics"
}
start normalize --kafka.input_topics="$T_RAW" --normalize.output_topic="$T_NORM" \
  --normalize.dedupe.topic="$RUN.dedupe"
start entity-tag --kafka.input_topics="$T_NORM" --tag.output_topic="$T_TAG" \
  --tag.kb_dir="$ROOT/config/kb" --tag.model_path="$ROOT/config/ner/model.bin"
start sink --kafka.input_topics="$T_TAG" --sink.enriched_topic="$T_ENRICHED" \
  --sink.entity_mentions_topic="$T_MENTIONS" --sink.stories.topic="$T_STORIES" \
  --sink.stories.changelog_topic="$RUN.sink-state"

echo "== ingest: backfill of ${#ARTICLES[@]} article file(s)"
mkdir -p "$WORK/articles"
cp "${ARTICLES[@]}" "$WORK/articles/"
"$BIN/newsflow-ingest" --config "$ROOT/config/ingest.yaml" --kafka.group_id="$RUN-ingest" \
  --kafka.instance_id="$RUN" --ingest.raw_topic="$T_RAW" --ingest.seen_topic="$RUN.seen" \
  --http.port=0 --push.enabled=false --files.backfill_dir="$WORK/articles" 2>&1 | grep -E '^backfill'

echo "== news.enriched (read_committed), one JSON article per line:"
"$BIN/newsflow-tail" --bootstrap "$BOOTSTRAP" --topic "$T_ENRICHED" --type json --count "${#ARTICLES[@]}" || true
echo "== news.stories (latest state per story):"
"$BIN/newsflow-tail" --bootstrap "$BOOTSTRAP" --topic "$T_STORIES" --type json --count 1 || true
echo "== dead letters: $(kcat -C -b "$BOOTSTRAP" -t "$T_DLQ" -X isolation.level=read_committed -e -q 2>/dev/null | wc -l)"
PORT=$(metrics_port normalize)
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^newsflow_(messages_consumed|transactions|boilerplate_removed|duplicates_dropped|articles_by_language)_total' || true
echo "== readyz (normalize): $(curl -s "http://127.0.0.1:$PORT/readyz")"
