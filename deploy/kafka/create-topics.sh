#!/usr/bin/env bash
# One-shot topic set-up for docker-compose (service "topics", image apache/kafka). Creates every
# newsflow topic if missing, with partitions / replication from deploy/newsflow.env, and sets
# the cleanup policy of the compacted topics (also on topics that already exist).
set -euo pipefail
BS=${NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}
P=${NEWSFLOW_KAFKA_TOPIC_PARTITIONS:-6}
# Changelogs are read whole by every instance: one partition (docs/architecture.md).
CHANGELOG_P=${NEWSFLOW_CHANGELOG_PARTITIONS:-1}
RF=${NEWSFLOW_KAFKA_TOPIC_REPLICATION_FACTOR:-1}
BIN=${KAFKA_BIN:-/opt/kafka/bin}

for _ in $(seq 1 60); do
  "$BIN/kafka-topics.sh" --bootstrap-server "$BS" --list >/dev/null 2>&1 && break
  echo "topics: waiting for $BS"; sleep 2
done

create() { # [--partitions N] topic [config...]
  local partitions=$P
  if [[ $1 == --partitions ]]; then partitions=$2; shift 2; fi
  local topic=$1 args=()
  shift
  for c in "$@"; do args+=(--config "$c"); done
  local out
  out=$("$BIN/kafka-topics.sh" --bootstrap-server "$BS" --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor "$RF" ${args[@]+"${args[@]}"} 2>&1) || { echo "$out" >&2; return 1; }
  echo "${out:-topic $topic exists}" | grep -v "^WARNING: Due to limitations in metric names" || true
  if (($#)) && [[ $out != *"Created topic"* ]]; then # existed already (e.g. created by a daemon): make the policy hold
    "$BIN/kafka-configs.sh" --bootstrap-server "$BS" --alter --entity-type topics \
      --entity-name "$topic" --add-config "$(IFS=,; echo "$*" | sed 's/cleanup.policy=compact,delete/cleanup.policy=[compact,delete]/')"
  fi
}

create news.raw
create news.normalized
create news.tagged
create news.enriched
create news.entity-mentions
create news.dlq
create news.stories cleanup.policy=compact
create --partitions "$CHANGELOG_P" news.ingest.seen cleanup.policy=compact,delete "retention.ms=${NEWSFLOW_SEEN_RETENTION_MS:-2592000000}"
create --partitions "$CHANGELOG_P" news.normalize.dedupe cleanup.policy=compact,delete "retention.ms=${NEWSFLOW_DEDUPE_RETENTION_MS:-604800000}"
create --partitions "$CHANGELOG_P" news.sink.stories-state cleanup.policy=compact,delete "retention.ms=${NEWSFLOW_STORIES_STATE_RETENTION_MS:-518400000}"
"$BIN/kafka-topics.sh" --bootstrap-server "$BS" --describe --topics-with-overrides
echo "topics: done"
