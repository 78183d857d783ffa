#!/usr/bin/env bash
# Installs, builds, starts a local Kafka broker (unless NEWSFLOW_BOOTSTRAP points at a cluster),
# runs the stages that exist today over the repository's fixture articles, prints the output,
# then stops everything. Pass article files as arguments to use your own (e.g. ../shared/samples/*.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
ARTICLES=("$@")
((${#ARTICLES[@]})) || ARTICLES=("$ROOT"/tests/fixtures/articles/*.txt)

bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/build.sh"

WORK=$(mktemp -d /tmp/newsflow-quickstart.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n ${NEWSFLOW_BOOTSTRAP:-} ]] || bash "$ROOT/scripts/local-kafka.sh" stop --dir "$WORK/kafka" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -n ${NEWSFLOW_BOOTSTRAP:-} ]]; then
  BOOTSTRAP=$NEWSFLOW_BOOTSTRAP
else
  BOOTSTRAP=$(bash "$ROOT/scripts/local-kafka.sh" start --dir "$WORK/kafka" | tail -1 | sed 's/^BOOTSTRAP=//')
fi
echo "== Kafka at $BOOTSTRAP"

RUN=$(date +%s)
export NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP
# Stages that exist today, each as its own daemon on a free port.
for stage in normalize; do
  "$BIN/newsflow-$stage" --config "$ROOT/config/$stage.yaml" --kafka.group_id="quickstart-$stage-$RUN" \
    --http.port=0 --http.port_file="$WORK/$stage.port" >"$WORK/$stage.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do [[ -s $WORK/$stage.port ]] && break; sleep 0.1; done
  [[ -s $WORK/$stage.port ]] || { cat "$WORK/$stage.log"; echo "$stage did not start"; exit 1; }
done
PORT=$(<"$WORK/normalize.port")

echo "== producing ${#ARTICLES[@]} article(s) to news.raw (stand-in for the ingest daemon)"
"$BIN/newsflow-produce-files" --bootstrap "$BOOTSTRAP" --topic news.raw "${ARTICLES[@]}"

echo "== news.normalized (read_committed), one Article per line:"
"$BIN/newsflow-tail" --bootstrap "$BOOTSTRAP" --topic news.normalized --type article --count "${#ARTICLES[@]}"

echo "== metrics: http://127.0.0.1:$PORT/metrics (health: /healthz, readiness: /readyz)"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^newsflow_(messages_consumed|messages_produced|transactions|boilerplate_removed)_total'
echo "== readyz: $(curl -s "http://127.0.0.1:$PORT/readyz")"
echo "Stages so far: normalize (plain text). ingest, entity-tag and sink join this script as they land."
