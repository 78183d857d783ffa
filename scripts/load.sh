#!/usr/bin/env bash
# End-to-end load test: the pipeline (normalize -> entity-tag -> sink) against a chain of three
# pass-through daemons (raw librdkafka consume -> produce, same runtime, same transactions) on the
# same broker in the same run, fed the same corpus by newsflow-load (which stands in for ingest's
# producer). Prints one JSON line per measurement, the throughput ratio and each daemon's RSS.
#
#   bash scripts/load.sh [--count N] [--warmup N] [--rate R] [--corpus FILE] [--txn-ms MS]
#                        [--linger-ms MS] [--daemon-flag FLAG]... [--stage-flag ID FLAG]...
#                        [--tag-instances N] [--max-rounds N]
#
# --warmup is how many articles each chain carries before anything is measured (default 2000).
# --rate is the offered rate for the latency run (default 1000 articles/s); the throughput runs
# offer as fast as the producer can. --txn-ms sets every daemon's kafka.transaction_max_ms (the
# longest a transaction stays open; default: each daemon's config), --linger-ms their
# kafka.transaction_linger_ms (how soon a transaction commits once the input runs dry).
# --daemon-flag passes a flag to every daemon of both chains, e.g.
# --daemon-flag --kafka.properties.compression.type=none; --stage-flag ID FLAG to one daemon (ID:
# p1, p2, p3 of the pass-through chain; normalize, tag, sink), after the --daemon-flag ones.
# NEWSFLOW_BROKER_SET="K=V K=V" overrides the local broker's settings (scripts/lib.sh).
# In a flag, {RUN} stands for the run's topic prefix: --stage-flag sink
# --kafka.transaction_partitioned_topics={RUN}.enriched.
# "As fast as possible" is a drain: the chain's daemons are stopped while COUNT articles are
# produced, then resumed, and timed to the last arrival (drain_run below). --max-rounds N does
# that N times per chain (default 3), alternating pass-through and pipeline; the throughput ratio
# is the median of the rounds' ratios. One round timed while producing varied by ±30% between
# runs of the pass-through, whose run was as long as the producing.
# --tag-instances runs N entity-tag daemons in one consumer group (default 1), as a deployment
# scales out its slowest stage; their CPU is added up in the *-breakdown lines.
# The local broker runs with LOCAL_KAFKA_JVM_FLAGS, by default the JVM's tiered compilation (C2
# included, as a production broker runs) with its compiler threads at nice 19
# (-XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=19): C2 code costs the broker 15-18%
# less CPU at 1,000 articles/s, and at the lowest priority its compiling waits for idle CPU
# instead of taking it from the daemons (docs/benchmarks.md, session 13; with C2 at normal
# priority the compiling took about half the broker's CPU in short runs, session 7). Without
# root the JVM cannot raise its GC threads' priority, and says so in the broker's log; the
# compiler threads are still lowered. -XX:TieredStopAtLevel=1 gives the C1-only broker of
# sessions 7-12; LOCAL_KAFKA_JVM_FLAGS= (empty) the JVM's defaults.
# NEWSFLOW_BOOTSTRAP=host:port uses an existing cluster (NEWSFLOW_BROKER_PID_FILE names the file
# holding its broker's pid, for the broker CPU figures).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COUNT=5000
RATE=1000
WARMUP=2000
TAG_INSTANCES=1
MAX_ROUNDS=3
CORPUS=$ROOT/../shared/corpus/wikinews.jsonl
TXN_FLAGS=()
declare -A STAGE_FLAGS=()
while (($#)); do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --txn-ms) TXN_FLAGS+=(--kafka.transaction_max_ms="$2"); shift 2 ;;
    --linger-ms) TXN_FLAGS+=(--kafka.transaction_linger_ms="$2"); shift 2 ;;
    --daemon-flag) TXN_FLAGS+=("$2"); shift 2 ;;
    --stage-flag) STAGE_FLAGS[$2]+=" $3"; shift 3 ;;
    --tag-instances) TAG_INSTANCES=$2; shift 2 ;;
    --max-rounds) MAX_ROUNDS=$2; shift 2 ;;
    *) echo "usage: load.sh [--count N] [--warmup N] [--rate R] [--corpus FILE] [--txn-ms MS] [--linger-ms MS] [--daemon-flag FLAG]... [--stage-flag ID FLAG]... [--tag-instances N] [--max-rounds N]" >&2; exit 2 ;;
  esac
done

export LOCAL_KAFKA_JVM_FLAGS=${LOCAL_KAFKA_JVM_FLAGS--XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=19}
source "$ROOT/scripts/lib.sh"
# Where the latency of a fixed-rate run went, hop by hop: each record's timestamp is the moment
# its producer (the load tool, then each daemon) produced it, so the difference between two
# topics' timestamps for one article id is that hop's wait, processing and the upstream commit.
# "to_reader" is the rest of the end-to-end latency: the last hop's commit and the reader's poll.
hop_latency() { # RESULT_JSON TOPIC...
  python3 - "$BOOTSTRAP" "$RUN" "$@" <<'PY'
import json, os, subprocess, sys
bootstrap, run, result, topics = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:]
prefix = f"load-{result['run']}-"
stamps = []
for topic in topics:
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", f"{run}.{topic}", "-o", "beginning",
                          "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%k %T\\n"],
                         check=True, capture_output=True, text=True).stdout
    seen = {}
    for line in out.splitlines():
        key, _, ts = line.rpartition(" ")
        if key.startswith(prefix):
            seen.setdefault(key, int(ts))  # the first copy: a replayed one would come later
    stamps.append(seen)
def pct(values, p):
    values = sorted(values)
    return values[int(p * (len(values) - 1))] if values else None
keys = [k for k in stamps[0] if all(k in s for s in stamps)]
hops = {}
for (a, sa), (b, sb) in zip(zip(topics, stamps), zip(topics[1:], stamps[1:])):
    d = [sb[k] - sa[k] for k in keys]
    hops[f"{a}->{b}"] = {"p50": pct(d, .5), "p99": pct(d, .99)}
trace_dir = os.environ.get("NEWSFLOW_LOAD_TRACE_DIR")
if trace_dir:  # per article: its first topic's timestamp (ms) and each hop's delay
    with open(f"{trace_dir}/{result['label']}-hops.trace", "w") as f:
        f.write(" ".join(["first_ms"] + [f"{a}->{b}" for a, b in zip(topics, topics[1:])]) + "\n")
        for k in sorted(keys, key=lambda k: stamps[0][k]):
            f.write(" ".join([str(stamps[0][k])] + [str(sb[k] - sa[k])
                                                    for sa, sb in zip(stamps, stamps[1:])]) + "\n")
total = [stamps[-1][k] - stamps[0][k] for k in keys]
hops[f"{topics[0]}->{topics[-1]}"] = {"p50": pct(total, .5), "p99": pct(total, .99)}
lat = result["latency_ms"]
hops["to_reader_at_p50"] = round(lat["p50"] - hops[f"{topics[0]}->{topics[-1]}"]["p50"], 1)
print(json.dumps({"label": f"{result['label']}-hops", "articles": len(keys), "ms": hops}))
PY
}
newsflow_setup newsflow-load
NEWSFLOW_DAEMON_FLAGS=(--log.level=warn "${TXN_FLAGS[@]}")
# The local broker's user + system CPU seconds and the part of them spent by the JVM's JIT
# compiler threads (C1/C2 in /proc/PID/task/*/comm), as "total jit" on the first line, then one
# line per thread name (digits dropped, so a pool is one line) with its CPU seconds; nothing
# without a local broker (NEWSFLOW_BOOTSTRAP without NEWSFLOW_BROKER_PID_FILE).
broker_cpu() {
  local pid_file=${NEWSFLOW_BROKER_PID_FILE:-$WORK/kafka/node1.pid}
  [[ -r $pid_file && -r /proc/$(<"$pid_file")/stat ]] || return 0
  python3 - "$(<"$pid_file")" "$(getconf CLK_TCK)" <<'PY' || true
import glob, sys
pid, hz = sys.argv[1], int(sys.argv[2])
def ticks(stat_path):
    fields = open(stat_path).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime
jit, by_name = 0, {}
for task in glob.glob(f"/proc/{pid}/task/*"):
    try:
        name = "".join(c for c in open(f"{task}/comm").read().strip() if not c.isdigit())
        name = name.replace(" ", "_") or "?"
        t = ticks(f"{task}/stat")
    except OSError:
        continue  # a thread that ended between listing and reading
    by_name[name] = by_name.get(name, 0) + t
    if "CompilerThre" in name:
        jit += t
print(ticks(f"/proc/{pid}/stat") / hz, jit / hz)
for name, t in sorted(by_name.items()):
    print(name, t / hz)
PY
}
snapshot() {  # each daemon's metrics into $WORK/<id>.$SNAP.prom; the broker's CPU seconds
  for id in "$@"; do
    curl -sf "http://127.0.0.1:$(metrics_port "$id")/metrics" >"$WORK/$id.$SNAP.prom"
  done
  # What the records of each chain cost the broker too.
  broker_cpu >"$WORK/broker-$1.$SNAP"
  [[ -s $WORK/broker-$1.$SNAP ]] || rm -f "$WORK/broker-$1.$SNAP"
}

# Where each daemon's time went during a measured run, from its own metrics: CPU of the whole
# process, stage logic, transaction commits, and the mean batch.
breakdown() {  # LABEL RESULT_JSON SNAP_BEFORE SNAP_AFTER STAGE...
  TAG_IDS="${TAG_IDS[*]}" python3 - "$WORK" "$@" <<'PY'
import json, os, re, sys
work, label, run, snap_before, snap_after = sys.argv[1:6]
stages = sys.argv[6:]
run = json.loads(run)
def scrape(path):
    values = {}
    for line in open(path):
        m = re.match(r'^(\w+)(\{[^}]*\})?\s+(\S+)$', line)
        if m and 'le=' not in (m.group(2) or ''):
            values[m.group(1)] = values.get(m.group(1), 0.0) + float(m.group(3))
    return values
out = {"label": label, "wall_seconds": run["seconds"]}
instances = {"tag": os.environ["TAG_IDS"].split()}
for stage in stages:
    ids = instances.get(stage, [stage])
    a = [scrape(f"{work}/{i}.{snap_after}.prom") for i in ids]
    b = [scrape(f"{work}/{i}.{snap_before}.prom") for i in ids]
    d = lambda k: sum(x.get(k, 0.0) - y.get(k, 0.0) for x, y in zip(a, b))
    commits = d("newsflow_transaction_commit_seconds_count")
    batches = d("newsflow_batch_size_count")
    out[stage] = {
        "cpu_seconds": round(d("process_cpu_seconds_total"), 2),
        "cpu_ms_per_article": round(1000 * d("process_cpu_seconds_total") /
                                    max(1.0, d("newsflow_messages_consumed_total")), 3),
        "processing_seconds": round(d("newsflow_processing_seconds_sum"), 2),
        "commits": int(commits),
        "commit_seconds": round(d("newsflow_transaction_commit_seconds_sum"), 2),
        "mean_commit_ms": round(1000 * d("newsflow_transaction_commit_seconds_sum") / commits, 1)
                          if commits else 0,
        "mean_batch": round(d("newsflow_batch_size_sum") / batches, 1) if batches else 0,
        "processed_during_commit": int(d("newsflow_processed_during_commit_total")),
        "produced": int(d("newsflow_messages_produced_total")),
    }
# The broker's CPU per article in the run (a local broker only).
first = instances.get(stages[0], [stages[0]])[0]
paths = [f"{work}/broker-{first}.{snap}" for snap in (snap_before, snap_after)]
consumed = scrape(f"{work}/{first}.{snap_after}.prom").get("newsflow_messages_consumed_total", 0.0) - \
    scrape(f"{work}/{first}.{snap_before}.prom").get("newsflow_messages_consumed_total", 0.0)
if all(os.path.exists(p) for p in paths) and consumed > 0:
    (before, jit_before), (after, jit_after) = (
        map(float, open(p).readline().split()) for p in paths)
    threads = [{n: float(t) for n, t in (l.split() for l in open(p).readlines()[1:])}
               for p in paths]
    busiest = sorted(((t - threads[0].get(n, 0.0), n) for n, t in threads[1].items()),
                     reverse=True)[:6]
    # JIT: the compiler threads' share, a one-time cost of a young broker process (a thread the
    # JVM retired between the snapshots drops out of it, so it is a lower bound).
    out["broker"] = {
        "cpu_seconds": round(after - before, 2),
        "cpu_ms_per_article": round(1000 * (after - before) / consumed, 3),
        "jit_cpu_seconds": round(max(0.0, jit_after - jit_before), 2),
        "cpu_ms_per_article_without_jit": round(
            1000 * (after - before - max(0.0, jit_after - jit_before)) / consumed, 3),
        # Where it went: the busiest thread names (pools summed), CPU seconds.
        "threads": {n: round(t, 2) for t, n in busiest}}
print(json.dumps(out))
PY
}

# One as-fast-as-possible measurement of a chain: its daemons are stopped (SIGSTOP) while
# newsflow-load produces COUNT articles, then resumed by it; drain_articles_per_s is COUNT over the
# time from the resume to the last arrival. Measured while producing instead, the load tool's own
# CPU weighed on the chains unequally: the pass-through's run lasted about as long as the producing.
drain_run() {  # IN OUT LABEL DAEMON_ID...
  local in=$1 out=$2 label=$3 pids=() result rc=0
  shift 3
  for id in "$@"; do pids+=("${DAEMON_PID[$id]}"); done
  kill -STOP "${pids[@]}"
  result=$("$BIN/newsflow-load" --bootstrap "$BOOTSTRAP" --in "$in" --out "$out" --count "$COUNT" \
    --corpus "$CORPUS" --label "$label" --resume-pids "$(IFS=,; echo "${pids[*]}")") || rc=$?
  kill -CONT "${pids[@]}" 2>/dev/null || true  # had the tool failed before resuming them
  echo "$result"
  return "$rc"
}

echo "== starting both chains" >&2
python3 -c 'import json, sys; print(json.dumps({"label": "setup", "broker_jvm_flags": sys.argv[1],
  "broker_heap_pretouched": sys.argv[3] != "0", "daemon_allocator": sys.argv[2]}))' \
  "${LOCAL_KAFKA_JVM_FLAGS:-}" \
  "$(grep -q jemalloc <(ldd "$BIN/newsflow-sink" 2>/dev/null) && echo jemalloc || echo system)" \
  "${LOCAL_KAFKA_PRETOUCH:-1}"
start_daemon p1 newsflow-passthrough passthrough --kafka.input_topics="$RUN.b0" \
  --passthrough.output_topic="$RUN.b1" ${STAGE_FLAGS[p1]-}
start_daemon p2 newsflow-passthrough passthrough --kafka.input_topics="$RUN.b1" \
  --passthrough.output_topic="$RUN.b2" ${STAGE_FLAGS[p2]-}
start_daemon p3 newsflow-passthrough passthrough --kafka.input_topics="$RUN.b2" \
  --passthrough.output_topic="$RUN.b3" ${STAGE_FLAGS[p3]-}
start_daemon normalize newsflow-normalize normalize --kafka.input_topics="$RUN.raw" \
  --normalize.output_topic="$RUN.normalized" --normalize.dedupe.topic="$RUN.dedupe" \
  ${STAGE_FLAGS[normalize]-}
TAG_IDS=(tag)
for ((i = 2; i <= TAG_INSTANCES; i++)); do TAG_IDS+=("tag$i"); done
for id in "${TAG_IDS[@]}"; do
  start_daemon "$id" newsflow-entity-tag entity-tag --kafka.group_id="$RUN-tag" \
    --kafka.input_topics="$RUN.normalized" --tag.output_topic="$RUN.tagged" \
    --tag.kb_dir="$ROOT/config/kb" --tag.model_path="$ROOT/config/ner/model.bin" ${STAGE_FLAGS[tag]-}
done
start_daemon sink newsflow-sink sink --kafka.input_topics="$RUN.tagged" \
  --sink.enriched_topic="$RUN.enriched" --sink.entity_mentions_topic="$RUN.mentions" \
  --sink.stories.topic="$RUN.stories" --sink.stories.changelog_topic="$RUN.stories-state" \
  ${STAGE_FLAGS[sink]-}
# Warm-up of both chains before either is measured: group joins, transaction coordinators and
# first fetches are not load. Neither is most of what the JIT compiler of a freshly started
# broker does, but on 2 shared cores it never quite settles: C2 keeps recompiling request paths
# after deoptimizations as the two chains take turns (~1 s of compiler CPU per 2,000 articles
# through each chain, eight rounds in a row; docs/benchmarks.md, session 6). So the broker's CPU
# is reported with the compiler threads' part beside it, and the warm-up is one round.
echo "== warm-up: $WARMUP articles through each chain" >&2
for chain in "b0 b3" "raw enriched"; do
  read -r in out <<<"$chain"
  "$BIN/newsflow-load" --bootstrap "$BOOTSTRAP" --in "$RUN.$in" --out "$RUN.$out" \
    --count "$WARMUP" --corpus "$CORPUS" --label warmup >/dev/null
done

echo "== baseline: three pass-through hops" >&2
SNAP=pt-before; snapshot p1 p2 p3
BASE=$(drain_run "$RUN.b0" "$RUN.b3" passthrough-max p1 p2 p3)
SNAP=pt-after; snapshot p1 p2 p3
echo "$BASE"
breakdown passthrough-max-breakdown "$BASE" pt-before pt-after p1 p2 p3
SNAP=pt-lat-before; snapshot p1 p2 p3
BASE_LAT=$("$BIN/newsflow-load" --bootstrap "$BOOTSTRAP" --in "$RUN.b0" --out "$RUN.b3" \
  --count "$COUNT" --rate "$RATE" --corpus "$CORPUS" --label "passthrough-at-$RATE")
SNAP=pt-lat-after; snapshot p1 p2 p3
echo "$BASE_LAT"
breakdown "passthrough-at-$RATE-breakdown" "$BASE_LAT" pt-lat-before pt-lat-after p1 p2 p3
# Sanity check of the broker itself with kcat, outside our code: read the baseline's input
# topic end to end (read_committed), then write as many corpus lines to a fresh topic.
python3 - "$BOOTSTRAP" "$RUN" "$WORK" "$CORPUS" "$ROOT" <<'PY'
import json, subprocess, sys, time
bootstrap, run, work, corpus, root = sys.argv[1:]
started = time.monotonic()
offsets = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", f"{run}.b0", "-o", "beginning",
                          "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%o\\n"],
                         check=True, capture_output=True).stdout.split()
read_seconds = time.monotonic() - started
lines = [l for l in open(corpus, "rb").read().splitlines() if l.strip()]
with open(f"{work}/kcat.in", "wb") as f:
    for i in range(len(offsets)):
        f.write(lines[i % len(lines)] + b"\n")
subprocess.run(["bash", f"{root}/scripts/local-kafka.sh", "run-class",
                "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--create",
                "--topic", f"{run}.kcat", "--partitions", "1"], check=True,
               stdout=subprocess.DEVNULL)
started = time.monotonic()
subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", f"{run}.kcat", "-l", f"{work}/kcat.in"],
               check=True)
write_seconds = time.monotonic() - started
print(json.dumps({"label": "kcat-sanity", "records": len(offsets),
                  "read_articles_per_s": round(len(offsets) / read_seconds, 1),
                  "write_articles_per_s": round(len(offsets) / write_seconds, 1)}))
PY

echo "== pipeline: normalize -> entity-tag -> sink" >&2
SNAP=before; snapshot normalize "${TAG_IDS[@]}" sink
# NEWSFLOW_PROFILE_DIR=DIR: perf-record each pipeline daemon during the as-fast-as-possible run
# (DIR/<stage>.perf.data; read with `perf report -i`).
PERF_PIDS=()
if [[ -n ${NEWSFLOW_PROFILE_DIR:-} ]]; then
  mkdir -p "$NEWSFLOW_PROFILE_DIR"
  for id in normalize tag sink; do
    perf record -F 499 -g -o "$NEWSFLOW_PROFILE_DIR/$id.perf.data" -p "${DAEMON_PID[$id]}" \
      >/dev/null 2>&1 &
    PERF_PIDS+=($!)
  done
  sleep 1
fi
PIPE=$(drain_run "$RUN.raw" "$RUN.enriched" pipeline-max normalize "${TAG_IDS[@]}" sink)
for pid in "${PERF_PIDS[@]}"; do kill -INT "$pid"; wait "$pid" || true; done
SNAP=after; snapshot normalize "${TAG_IDS[@]}" sink
echo "$PIPE"
breakdown pipeline-max-breakdown "$PIPE" before after normalize tag sink
SNAP=lat-before; snapshot normalize "${TAG_IDS[@]}" sink
# NEWSFLOW_BROKER_JFR=FILE: a Java Flight Recording of the local broker during the fixed-rate run
# of the pipeline (read with `jfr print --events jdk.ExecutionSample FILE` or JDK Mission Control).
if [[ -n ${NEWSFLOW_BROKER_JFR:-} ]]; then
  jcmd "$(<"$WORK/kafka/node1.pid")" JFR.start name=newsflow-load settings=profile >/dev/null
fi
# NEWSFLOW_LOAD_TRACE_DIR=DIR: each article's send time and latency in the fixed-rate runs
# (DIR/<label>.trace), to see whether the p99 comes from a few stalls or from the whole run.
trace_flags() { [[ -z ${NEWSFLOW_LOAD_TRACE_DIR:-} ]] || echo --trace "$NEWSFLOW_LOAD_TRACE_DIR/$1.trace"; }
LAT=$("$BIN/newsflow-load" --bootstrap "$BOOTSTRAP" --in "$RUN.raw" --out "$RUN.enriched" \
  --count "$COUNT" --rate "$RATE" --corpus "$CORPUS" --label "pipeline-at-$RATE" \
  $(trace_flags "pipeline-at-$RATE"))
if [[ -n ${NEWSFLOW_BROKER_JFR:-} ]]; then
  jcmd "$(<"$WORK/kafka/node1.pid")" JFR.stop name=newsflow-load \
    filename="$(realpath -m "$NEWSFLOW_BROKER_JFR")" >/dev/null
fi
SNAP=lat-after; snapshot normalize "${TAG_IDS[@]}" sink
echo "$LAT"
breakdown "pipeline-at-$RATE-breakdown" "$LAT" lat-before lat-after normalize tag sink
hop_latency "$BASE_LAT" b0 b1 b2 b3
hop_latency "$LAT" raw normalized tagged enriched
# Each daemon's resident memory now, after the fixed-rate run (LABEL says when).
print_rss() {  # LABEL
  local tag_rss
  tag_rss=$(for id in "${TAG_IDS[@]}"; do rss_mb "${DAEMON_PID[$id]}"; echo; done | sort -n | tail -1)
  echo "{\"label\":\"$1\",\"rss_mb\":{\"passthrough\":$(rss_mb "${DAEMON_PID[p1]}"),\"normalize\":$(rss_mb "${DAEMON_PID[normalize]}"),\"entity-tag\":$tag_rss,\"sink\":$(rss_mb "${DAEMON_PID[sink]}")}}"
}
print_rss "rss-after-$RATE"
# More rounds of both chains as fast as possible, alternating, so that a slow or fast moment of
# the machine falls on both.
BASES=("$BASE") PIPES=("$PIPE")
for ((round = 2; round <= MAX_ROUNDS; round++)); do
  echo "== round $round of $MAX_ROUNDS as fast as possible" >&2
  BASES+=("$(drain_run "$RUN.b0" "$RUN.b3" "passthrough-max-$round" p1 p2 p3)")
  echo "${BASES[-1]}"
  PIPES+=("$(drain_run "$RUN.raw" "$RUN.enriched" "pipeline-max-$round" normalize \
    "${TAG_IDS[@]}" sink)")
  echo "${PIPES[-1]}"
done
python3 - "${#BASES[@]}" "${BASES[@]}" "${PIPES[@]}" <<'PY'
import json, statistics, sys
n = int(sys.argv[1])
bases = [json.loads(a) for a in sys.argv[2:2 + n]]
pipes = [json.loads(a) for a in sys.argv[2 + n:]]
def ratios(key):
    return [round(p[key] / b[key], 3) if b[key] else 0 for b, p in zip(bases, pipes)]
drain = ratios("drain_articles_per_s")
print(json.dumps({
    "throughput_ratio": statistics.median(drain),
    "drain_ratios": drain,
    "passthrough_drain": [b["drain_articles_per_s"] for b in bases],
    "pipeline_drain": [p["drain_articles_per_s"] for p in pipes]}))
PY
# What each chain's topics hold on the local broker's disk per article offered to it (warm-up +
# the measured runs; compressed record batches, transaction markers included): the broker's
# work grows with these bytes.
if [[ -d $WORK/kafka/node1/data ]]; then
  python3 - "$WORK/kafka/node1/data" "$RUN" $((WARMUP + (MAX_ROUNDS + 1) * COUNT)) <<'PY'
import glob, json, os, sys
data, run, articles = sys.argv[1], sys.argv[2], int(sys.argv[3])
sizes = {}
for d in glob.glob(f"{data}/{glob.escape(run)}.*-*"):
    topic = os.path.basename(d).rsplit("-", 1)[0][len(run) + 1:]
    sizes[topic] = sizes.get(topic, 0) + sum(
        os.path.getsize(f) for f in glob.glob(f"{d}/*.log"))
chains = {"passthrough": ["b0", "b1", "b2", "b3"],
          "pipeline": ["raw", "normalized", "dedupe", "tagged", "enriched", "mentions", "stories",
                       "stories-state"]}
out = {"label": "topic-bytes-per-article"}
for chain, topics in chains.items():
    per = {t: round(sizes.get(t, 0) / articles / 1024, 2) for t in topics}
    out[chain] = {"kb": per, "total_kb": round(sum(per.values()), 2)}
print(json.dumps(out))
PY
fi
print_rss rss-after-max-rounds
