#!/usr/bin/env bash
# Runs a real Apache Kafka cluster (KRaft, no ZooKeeper, no Docker) on 127.0.0.1 for tests.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/local-kafka.sh COMMAND [OPTIONS]

  fetch                                   download Kafka jars (Maven Central) into the cache
  start --dir DIR [--nodes 1|3] [--set K=V]... [--owner-pid PID]
                                          format + start a cluster on free loopback ports; writes
                                          DIR/bootstrap, prints BOOTSTRAP=host:port,... last;
                                          with --owner-pid, a watchdog stops the cluster once
                                          process PID is gone (a test binary that aborted)
  stop --dir DIR                          stop all nodes (TERM, 20 s, KILL) and delete DIR's data
  stop-node --dir DIR --node N [--kill]   stop one node, keep its data (--kill: SIGKILL at once)
  start-node --dir DIR --node N           restart a stopped node and wait until it is back
  status --dir DIR                        print node pids / liveness
  run-class [--dir DIR] CLASS [ARGS...]   run a Java main from the Kafka jars; "{bootstrap}" in
                                          ARGS becomes DIR's bootstrap string, e.g.
      run-class --dir D org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
                --bootstrap-server {bootstrap} --describe --group g
  env                                     print version, libs dir and classpath (shell syntax)

Environment: LOCAL_KAFKA_VERSION (default 4.1.2), NEWSFLOW_CACHE (default ~/.cache/newsflow),
LOCAL_KAFKA_HEAP (default 512m per node, committed and touched at start; LOCAL_KAFKA_PRETOUCH=0
starts it at 128m instead), LOCAL_KAFKA_TIMEOUT (start wait, default 90 s),
LOCAL_KAFKA_JVM_FLAGS (extra JVM flags for each broker, split on spaces), LOCAL_KAFKA_GC_FLAGS
(the broker's collector, default "-XX:+UseG1GC -XX:MaxGCPauseMillis=20"), JAVA (default java). Needs java 17+, mvn (fetch only), python3 and kcat.
Logs: DIR/nodeN/server.log; pids: DIR/nodeN.pid.
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}
VERSION=${LOCAL_KAFKA_VERSION:-4.1.2}
HEAP=${LOCAL_KAFKA_HEAP:-512m}
TIMEOUT=${LOCAL_KAFKA_TIMEOUT:-90}
JAVA=${JAVA:-java}
read -r -a BROKER_JVM_FLAGS <<<"${LOCAL_KAFKA_JVM_FLAGS:-}"
read -r -a BROKER_GC_FLAGS <<<"${LOCAL_KAFKA_GC_FLAGS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20}"
# The whole heap committed at start (-Xms = -Xmx, kafka-server-start.sh's default too) and
# touched: a heap that grows from a small -Xms touches new memory while the broker works, and
# first use of memory is slow on some VMs (docs/benchmarks.md, session 11: the broker's CPU per
# article as fast as possible fell from 0.26-0.28 to 0.22-0.23 ms). LOCAL_KAFKA_PRETOUCH=0: the
# heap starts at 128 MB and grows.
if [[ "${LOCAL_KAFKA_PRETOUCH:-1}" == 0 ]]; then
  HEAP_FLAGS=(-Xms128m -Xmx"$HEAP")
else
  HEAP_FLAGS=(-Xms"$HEAP" -Xmx"$HEAP" -XX:+AlwaysPreTouch)
fi

die() { echo "local-kafka: error: $*" >&2; exit 1; }
log() { echo "local-kafka: $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found ($2)"; }
libs() { echo "$CACHE/kafka-$VERSION/libs"; }

# ---------------------------------------------------------------- fetch
fetch() {
  local home="$CACHE/kafka-$VERSION"
  [[ -f $home/libs/.complete ]] && return 0
  need "$JAVA" "apt-get install -y default-jre-headless"
  need mvn "apt-get install -y maven"
  mkdir -p "$home"
  exec 9>"$home/.lock"
  flock 9 # another test may be fetching the same version right now
  if [[ ! -f $home/libs/.complete ]]; then
    log "fetching Kafka $VERSION from Maven Central into $home/libs"
    local tmp="$home/libs.tmp.$$" t0=$SECONDS
    rm -rf "$tmp"
    mvn -q -B -Dstyle.color=never -f "$ROOT/deploy/kafka/pom.xml" -Dkafka.version="$VERSION" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >&2 ||
      { rm -rf "$tmp"; die "mvn could not fetch kafka_2.13:$VERSION (network? version?)"; }
    ls "$tmp"/kafka_2.13-"$VERSION".jar >/dev/null 2>&1 || die "kafka_2.13-$VERSION.jar missing after mvn"
    rm -rf "$home/libs" && mv "$tmp" "$home/libs" && touch "$home/libs/.complete"
    local jars=("$home"/libs/*.jar)
    log "fetched ${#jars[@]} jars in $((SECONDS - t0)) s"
  fi
  exec 9>&-
}

# ---------------------------------------------------------------- helpers
# Prints N distinct free loopback ports (all held open while choosing, so no duplicates).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

cluster_id() { # Kafka Uuid: 16 random bytes, url-safe base64, no padding, no leading '-'
  python3 -c 'import base64,uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"): print(s); break'
}

JOPTS=(-Djava.awt.headless=true "-Dlog4j2.configurationFile=$ROOT/deploy/kafka/log4j2.properties")
TOOL_JOPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${JOPTS[@]}" -Dlocal.kafka.level=WARN)

# Pid of node N if it is alive and really is our broker (guards against pid reuse).
node_pid() {
  local f="$DIR/node$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$DIR/node$1/server.properties" &&
    echo "$pid"
}

write_config() { # node rf isr bport cport voters extra...
  local n=$1 rf=$2 isr=$3 bport=$4 cport=$5 voters=$6
  shift 6
  mkdir -p "$DIR/node$n/data"
  {
    cat <<EOF
node.id=$n
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$bport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$bport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.voters=$voters
log.dirs=$DIR/node$n/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
log.segment.bytes=16777216
log.retention.check.interval.ms=30000
num.network.threads=2
num.io.threads=4
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=4
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
EOF
    local kv
    for kv in "$@"; do echo "$kv"; done # --set overrides (later keys win)
  } >"$DIR/node$n/server.properties"
}

launch() { # node
  local n=$1
  nohup "$JAVA" "${HEAP_FLAGS[@]}" "${BROKER_GC_FLAGS[@]}" -XX:+ExitOnOutOfMemoryError \
    ${BROKER_JVM_FLAGS[@]+"${BROKER_JVM_FLAGS[@]}"} "${JOPTS[@]}" -cp "$(libs)/*" kafka.Kafka "$DIR/node$n/server.properties" \
    >>"$DIR/node$n/server.log" 2>&1 </dev/null &
  local pid=$! i
  echo "$pid" >"$DIR/node$n.pid"
  # Until the forked subshell has exec'd java, its cmdline does not identify it yet.
  for ((i = 0; i < 100; i++)); do
    node_pid "$n" >/dev/null || [[ ! -d /proc/$pid ]] && break
    sleep 0.05
  done
}

# Waits until every node id in "$@" is listed as a live broker in metadata fetched via $1's port.
wait_brokers() { # bootstrap ids...
  local bs=$1 deadline=$((SECONDS + TIMEOUT)) id missing md
  shift
  while :; do
    for id in "$@"; do node_pid "$id" >/dev/null || { log "node $id exited during startup"; return 1; }; done
    md=$(kcat -L -b "$bs" -m 3 2>/dev/null || true)
    missing=0
    for id in "$@"; do grep -qE "^ +broker $id at " <<<"$md" || missing=1; done
    ((missing == 0)) && return 0
    ((SECONDS < deadline)) || { log "timed out after ${TIMEOUT}s waiting for broker(s) $*"; return 1; }
    sleep 0.5
  done
}

show_logs() { local f; for f in "$DIR"/node*/server.log; do echo "==== $f (tail)" >&2; tail -n 40 "$f" >&2; done; }

kill_nodes() { # signal wait_seconds nodes...
  local sig=$1 wait=$2 n pid deadline alive
  shift 2
  for n in "$@"; do pid=$(node_pid "$n") && kill -"$sig" "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + wait))
  while :; do
    alive=()
    for n in "$@"; do node_pid "$n" >/dev/null && alive+=("$n"); done
    ((${#alive[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      log "node(s) ${alive[*]} still alive after ${wait}s, sending SIGKILL"
      for n in "${alive[@]}"; do pid=$(node_pid "$n") && kill -9 "$pid" 2>/dev/null || true; done
      deadline=$((SECONDS + 10)) # after SIGKILL, wait briefly for the kernel to reap
    fi
    sleep 0.2
  done
  for n in "$@"; do rm -f "$DIR/node$n.pid"; done
}

nodes_of() { [[ -f $DIR/nodes ]] || die "$DIR is not a local-kafka dir (no $DIR/nodes)"; seq 1 "$(<"$DIR/nodes")"; }
wipe() { rm -rf "$DIR"/node[0-9]* "$DIR"/{nodes,version,cluster.id,bootstrap}; }

# ---------------------------------------------------------------- commands
start() {
  local nodes=$1
  shift
  [[ $nodes == 1 || $nodes == 3 ]] || die "--nodes must be 1 or 3"
  [[ -z $OWNER_PID ]] || kill -0 "$OWNER_PID" 2>/dev/null ||
    die "--owner-pid $OWNER_PID is not a running process"
  need python3 "apt-get install -y python3"
  need kcat "apt-get install -y kcat"
  mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd)
  if [[ -f $DIR/nodes ]]; then
    local n
    for n in $(nodes_of); do node_pid "$n" >/dev/null && die "node $n in $DIR is running; stop it first"; done
    wipe
  fi
  fetch
  local rf=1 isr=1 t0=$SECONDS attempt
  ((nodes == 3)) && rf=3 isr=2
  for attempt in 1 2 3; do
    local ports bports=() cports=() voters="" bootstrap="" i cid
    read -ra ports <<<"$(free_ports $((2 * nodes)))"
    for ((i = 1; i <= nodes; i++)); do
      bports[i]=${ports[2 * i - 2]} cports[i]=${ports[2 * i - 1]}
      voters+="${voters:+,}$i@127.0.0.1:${cports[i]}"
      bootstrap+="${bootstrap:+,}127.0.0.1:${bports[i]}"
    done
    cid=$(cluster_id)
    echo "$nodes" >"$DIR/nodes" && echo "$VERSION" >"$DIR/version" && echo "$cid" >"$DIR/cluster.id"
    for ((i = 1; i <= nodes; i++)); do
      write_config "$i" "$rf" "$isr" "${bports[i]}" "${cports[i]}" "$voters" "$@"
    done
    log "formatting $nodes node(s) in $DIR (cluster id $cid, Kafka $VERSION)"
    local pids=()
    for ((i = 1; i <= nodes; i++)); do
      "$JAVA" "${TOOL_JOPTS[@]}" -cp "$(libs)/*" kafka.tools.StorageTool format -t "$cid" -c "$DIR/node$i/server.properties" \
        >"$DIR/node$i/format.log" 2>&1 &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      wait "${pids[i]}" || { cat "$DIR/node$((i + 1))/format.log" >&2; die "storage format failed"; }
    done
    for ((i = 1; i <= nodes; i++)); do launch "$i"; done
    if wait_brokers "$bootstrap" $(seq 1 "$nodes"); then
      echo "$bootstrap" >"$DIR/bootstrap"
      [[ -n $OWNER_PID ]] && watch_owner "$OWNER_PID"
      log "cluster up in $((SECONDS - t0)) s"
      echo "BOOTSTRAP=$bootstrap"
      return 0
    fi
    if grep -qs "Address already in use" "$DIR"/node*/server.log && ((attempt < 3)); then
      log "port collision, retrying with new ports"
      kill_nodes 9 5 $(seq 1 "$nodes")
      wipe
      continue
    fi
    show_logs
    kill_nodes TERM 10 $(seq 1 "$nodes")
    die "cluster in $DIR did not come up (data and logs left in place)"
  done
}

# A process that owns the cluster can die without running its cleanup (abort, SIGKILL); the
# cluster would then outlive it and hold memory and ports. The watchdog polls the owner and stops
# the cluster when it is gone; it exits by itself once the cluster was stopped (DIR/nodes gone).
# Detached and with its output away from the caller's pipes, so a caller reading our output to
# EOF does not wait for it.
watch_owner() { # pid
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [[ -f $2/nodes ]]; do sleep 2; done
                  if [[ -f $2/nodes ]]; then exec bash "$3" stop --dir "$2"; fi' \
    local-kafka-watchdog "$1" "$DIR" "$ROOT/scripts/local-kafka.sh" </dev/null >/dev/null 2>&1 9>&- &
  log "watching owner pid $1"
}

stop() {
  [[ -d $DIR ]] || { log "$DIR does not exist, nothing to stop"; return 0; }
  DIR=$(cd "$DIR" && pwd)
  [[ -f $DIR/nodes ]] || { log "$DIR has no cluster, nothing to stop"; return 0; }
  # shellcheck disable=SC2046
  kill_nodes TERM 20 $(nodes_of)
  wipe
  rmdir "$DIR" 2>/dev/null || true
  log "stopped and removed cluster in $DIR"
}

stop_node() { # node kill?
  DIR=$(cd "$DIR" && pwd)
  nodes_of | grep -qx "$1" || die "no node $1 in $DIR"
  node_pid "$1" >/dev/null || { log "node $1 is not running"; return 0; }
  if [[ $2 == 1 ]]; then kill_nodes 9 10 "$1"; else kill_nodes TERM 20 "$1"; fi
  log "node $1 stopped"
}

start_node() {
  DIR=$(cd "$DIR" && pwd)
  nodes_of | grep -qx "$1" || die "no node $1 in $DIR"
  node_pid "$1" >/dev/null && die "node $1 is already running"
  local port
  port=$(sed -n 's/^advertised.listeners=PLAINTEXT:\/\/\(.*\)$/\1/p' "$DIR/node$1/server.properties")
  launch "$1"
  wait_brokers "$port" "$1" || { tail -n 40 "$DIR/node$1/server.log" >&2; die "node $1 did not come back"; }
  log "node $1 is up at $port"
}

# ---------------------------------------------------------------- main
cmd=${1:-}
[[ -n $cmd ]] || { usage >&2; exit 2; }
shift
DIR="" NODES=1 NODE="" KILL=0 SETS=() OWNER_PID=""
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    --nodes) NODES=${2:?--nodes needs a value}; shift 2 ;;
    --node) NODE=${2:?--node needs a value}; shift 2 ;;
    --set) [[ ${2:-} == *=* ]] || die "--set needs KEY=VALUE"; SETS+=("$2"); shift 2 ;;
    --kill) KILL=1; shift ;;
    --owner-pid) OWNER_PID=${2:?--owner-pid needs a value}; shift 2 ;;
    *) [[ $cmd == run-class ]] && break; die "unknown argument '$1' (see -h)" ;;
  esac
done
[[ -n $DIR && -f $DIR/version ]] && VERSION=$(<"$DIR/version") # keep a cluster on its own version

case $cmd in
  -h | --help | help) usage ;;
  fetch) fetch; log "Kafka $VERSION jars in $(libs)" ;;
  env) echo "LOCAL_KAFKA_VERSION=$VERSION"; echo "KAFKA_LIBS=$(libs)"; echo "KAFKA_CLASSPATH='$(libs)/*'" ;;
  start) [[ -n $DIR ]] || die "start needs --dir DIR"; start "$NODES" ${SETS[@]+"${SETS[@]}"} ;;
  stop) [[ -n $DIR ]] || die "stop needs --dir DIR"; stop ;;
  stop-node) [[ -n $DIR && -n $NODE ]] || die "stop-node needs --dir DIR --node N"; stop_node "$NODE" "$KILL" ;;
  start-node) [[ -n $DIR && -n $NODE ]] || die "start-node needs --dir DIR --node N"; fetch; start_node "$NODE" ;;
  status)
    [[ -n $DIR ]] || die "status needs --dir DIR"; DIR=$(cd "$DIR" && pwd)
    for n in $(nodes_of); do echo "node$n $(node_pid "$n" || echo down)"; done
    if [[ -f $DIR/bootstrap ]]; then echo "BOOTSTRAP=$(<"$DIR/bootstrap")"; fi ;;
  run-class)
    (($#)) || die "run-class needs a CLASS"
    fetch
    cls=$1 bs=""
    shift
    [[ -n $DIR && -f $DIR/bootstrap ]] && bs=$(<"$DIR/bootstrap")
    args=()
    for a in "$@"; do args+=("${a//\{bootstrap\}/$bs}"); done
    exec "$JAVA" "${TOOL_JOPTS[@]}" -Dlocal.kafka.target=SYSTEM_ERR -cp "$(libs)/*" "$cls" ${args[@]+"${args[@]}"} ;;
  *) die "unknown command '$cmd' (see -h)" ;;
esac
