# Shared by the scripts that run daemons against a broker (quickstart.sh, load.sh, soak.sh).
# Source it after setting ROOT; it defines WORK (a temporary directory removed at exit),
# BOOTSTRAP (a local broker started in WORK, or NEWSFLOW_BOOTSTRAP when set) and a cleanup trap
# that stops every daemon started with start_daemon, then the broker.
#
#   newsflow_setup PREFIX         creates WORK=/tmp/PREFIX.XXXXXX, starts the broker, sets RUN
#   start_daemon ID BINARY CONFIG [FLAGS...]
#                                 starts build/bin/BINARY with config/CONFIG.yaml, group and
#                                 instance "$RUN-ID", dead letters on "$RUN.dlq", an ephemeral
#                                 metrics port written to $WORK/ID.port, log in $WORK/ID.log,
#                                 plus NEWSFLOW_DAEMON_FLAGS (an array) and FLAGS; waits until it
#                                 listens; its pid is DAEMON_PID[ID]
#   metrics_port ID               the daemon's metrics port
#   rss_mb PID                    resident memory of PID in MB

BIN=${NEWSFLOW_BUILD_DIR:-$ROOT/build}/bin
PIDS=()
declare -A DAEMON_PID
NEWSFLOW_DAEMON_FLAGS=()

newsflow_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n ${NEWSFLOW_BOOTSTRAP:-} ]] ||
    bash "$ROOT/scripts/local-kafka.sh" stop --dir "$WORK/kafka" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}

newsflow_setup() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap newsflow_cleanup EXIT
  if [[ -n ${NEWSFLOW_BOOTSTRAP:-} ]]; then
    BOOTSTRAP=$NEWSFLOW_BOOTSTRAP
  else
    # NEWSFLOW_BROKER_SET="K=V K=V": broker settings over local-kafka.sh's (experiments).
    local sets=() kv
    for kv in ${NEWSFLOW_BROKER_SET:-}; do sets+=(--set "$kv"); done
    BOOTSTRAP=$(bash "$ROOT/scripts/local-kafka.sh" start --dir "$WORK/kafka" ${sets[@]+"${sets[@]}"} |
      tail -1 | sed 's/^BOOTSTRAP=//')
  fi
  export NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP
  # Topics and groups unique to this run, so repeated runs against one cluster do not mix.
  RUN=$1$(date +%s)
}

start_daemon() {
  local id=$1 binary=$2 config=$3
  shift 3
  # {RUN} in a flag stands for this run's topic prefix (e.g. --kafka.some_topics={RUN}.tagged).
  local flags=("${NEWSFLOW_DAEMON_FLAGS[@]}" "$@")
  "$BIN/$binary" --config "$ROOT/config/$config.yaml" --kafka.group_id="$RUN-$id" \
    --kafka.instance_id="$RUN-$id" --kafka.dlq_topic="$RUN.dlq" --http.port=0 \
    --http.port_file="$WORK/$id.port" "${flags[@]//\{RUN\}/$RUN}" >"$WORK/$id.log" 2>&1 &
  PIDS+=($!)
  DAEMON_PID[$id]=$!
  for _ in $(seq 1 600); do [[ -s $WORK/$id.port ]] && break; sleep 0.1; done
  [[ -s $WORK/$id.port ]] || { cat "$WORK/$id.log"; echo "$id did not start" >&2; exit 1; }
}

metrics_port() { cat "$WORK/$1.port"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
