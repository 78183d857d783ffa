#!/usr/bin/env python3
"""End-to-end observability test: the dashboard and the alert rules against live daemons.

  observability_test.py --root REPO --bin-dir BUILD/bin --out DIR [--prometheus BIN]

1. Starts a real Kafka broker (scripts/local-kafka.sh; NEWSFLOW_TEST_BOOTSTRAP reuses one) and
   runs deploy/kafka/create-topics.sh (the compose topic service) against it through shims of
   kafka-topics.sh / kafka-configs.sh, then checks the cleanup policies it set.
2. Starts the daemons that are built (ingest, normalize, entity-tag, and sink when
   BUILD/bin/newsflow-sink and config/sink.yaml exist; otherwise says so) with the repository's
   configs on free ports, ingest polling a local RSS feed.
3. Starts the Debian `prometheus` binary with deploy/prometheus/prometheus.yml rewritten for the
   test (DNS discovery -> the daemons' ports, 1 s scrape and rule evaluation, the real
   alerts.yml).
4. Pushes articles through POST /v1/articles (including a duplicate) and poison records into
   news.raw / news.normalized (dead letters).
5. Executes every PromQL expression of deploy/grafana/dashboards/*.json and of every alert rule
   (conditions split into their operands, absent() unwrapped) through /api/v1/query and asserts
   each returns data; checks every rule evaluates without error and every target is up.
6. Renders the key dashboard panels (query_range) with gnuplot into DIR/dashboard.png.
Exit status 0 only if every assertion held.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

SINK_MARKERS = ('stage="sink"', "newsflow-sink", "newsflow_end_to_end_latency_seconds")
RATE_INTERVAL = "30s"  # what Grafana's $__rate_interval becomes in the test
failures = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fail(msg):
    log("FAIL " + msg)
    failures.append(msg)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url, data=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


class Procs:
    def __init__(self):
        self.procs = []

    def start(self, name, args, log_path, cwd=None, env=None):
        f = open(log_path, "wb")
        p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, cwd=cwd,
                             env={**os.environ, **(env or {})})
        self.procs.append((name, p, log_path))
        return p

    def stop_all(self):
        for _, p, _ in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.time() + 20
        for name, p, _ in self.procs:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop on SIGTERM, killing it")
                p.kill()
                p.wait()


# ----------------------------------------------------------------------------- PromQL splitting
def split_top_level(expr, operators):
    """Splits expr at operators outside (), {}, [] and quotes. Returns the parts."""
    parts, depth, quote, i, start = [], 0, None, 0, 0
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif depth == 0:
            for op in operators:
                if expr.startswith(op, i):
                    parts.append(expr[start:i])
                    i += len(op)
                    start = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    parts.append(expr[start:])
    return [p.strip() for p in parts if p.strip()]


SET_AND_COMPARISON = [" and ", " or ", " unless ", "==", "!=", ">=", "<=", ">", "<"]
ARITHMETIC = [" / ", " * ", " - ", " + "]


def trivial(e):
    return re.fullmatch(r"[\d\s.eE+*/()-]+|time\(\)|vector\(.*\)", e) is not None


def unwrap(e):
    m = re.fullmatch(r"absent(?:_over_time)?\((.*)\)", e.strip(), re.S)
    return m.group(1) if m else e


def value_operands(expr):
    """Expressions whose result must be non-empty for the rule to be able to fire."""
    out = []
    for part in split_top_level(expr, SET_AND_COMPARISON):
        inner = unwrap(part)
        if inner != part:
            out += value_operands(inner)
            continue
        if trivial(part):
            continue
        out.append(part)
        pieces = [p for p in split_top_level(part, ARITHMETIC) if not trivial(p)]
        if pieces != [part]:
            out += pieces
    return out


# ----------------------------------------------------------------------------- fixtures
class FeedHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def article_json(path, n, run):
    text = open(path, encoding="utf-8").read()
    name = os.path.basename(path).rsplit(".", 1)[0]
    body = text if n == 0 else text + f"\n\nUpdate {n}: the company confirmed the figures again."
    return json.dumps({"url": f"https://{name}.example/news/{run}/{n}", "body": body,
                       "source": name}).encode()


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--prometheus", default="prometheus")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    root, bin_dir = os.path.abspath(args.root), os.path.abspath(args.bin_dir)
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="newsflow-observability-")
    procs = Procs()
    kafka_dir = os.path.join(work, "kafka")
    own_kafka = not os.environ.get("NEWSFLOW_TEST_BOOTSTRAP")
    run = str(int(time.time()))
    feed_server = None
    try:
        # -- broker
        if own_kafka:
            out = subprocess.run(["bash", f"{root}/scripts/local-kafka.sh", "start", "--dir", kafka_dir],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr)
                fail("local Kafka did not start")
                return 1
            bootstrap = out.stdout.strip().splitlines()[-1].split("=", 1)[1]
        else:
            bootstrap = os.environ["NEWSFLOW_TEST_BOOTSTRAP"]
        log(f"Kafka at {bootstrap}")

        # -- the compose topic set-up script, through shims of the Kafka CLI scripts
        shim = os.path.join(work, "kafka-bin")
        os.makedirs(shim)
        for script, cls in (("kafka-topics.sh", "org.apache.kafka.tools.TopicCommand"),
                            ("kafka-configs.sh", "kafka.admin.ConfigCommand")):
            with open(os.path.join(shim, script), "w") as f:
                f.write(f'#!/bin/bash\nexec bash "{root}/scripts/local-kafka.sh" run-class {cls} "$@"\n')
            os.chmod(os.path.join(shim, script), 0o755)
        env = {"KAFKA_BIN": shim, "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
               "NEWSFLOW_KAFKA_TOPIC_PARTITIONS": "3", "NEWSFLOW_KAFKA_TOPIC_REPLICATION_FACTOR": "1"}
        t0 = time.time()
        out = subprocess.run(["bash", f"{root}/deploy/kafka/create-topics.sh"], capture_output=True,
                             text=True, env={**os.environ, **env})
        log(f"deploy/kafka/create-topics.sh exited {out.returncode} in {time.time() - t0:.0f} s")
        described = out.stdout
        if out.returncode != 0:
            print(out.stdout[-3000:], out.stderr[-3000:])
            fail("deploy/kafka/create-topics.sh failed")
        else:
            def topic_line(t):
                m = re.search(rf"Topic: {re.escape(t)}\s.*", described)
                return m.group(0) if m else ""
            checks = {"news.stories": "cleanup.policy=compact",
                      "news.ingest.seen": "cleanup.policy=compact,delete",
                      "news.normalize.dedupe": "cleanup.policy=compact,delete",
                      "news.sink.stories-state": "cleanup.policy=compact,delete"}
            # The env file's partitions, except for changelogs: every instance reads them whole.
            partitions = {"news.stories": 3, "news.ingest.seen": 1, "news.normalize.dedupe": 1,
                          "news.sink.stories-state": 1}
            for t, want in checks.items():
                line = topic_line(t)
                got = re.search(r"cleanup\.policy=(.*?)(?=,[a-z.]+=|\s*$)", line)
                if not got or got.group(0) != want:
                    fail(f"topic {t}: expected {want}, describe says: {line or 'no such topic'}")
                elif own_kafka and f"PartitionCount: {partitions[t]}" not in line:
                    fail(f"topic {t}: expected {partitions[t]} partitions: {line}")
                else:
                    log(f"topic {t}: {want}, {partitions[t]} partitions")
            if "retention.ms=2592000000" not in topic_line("news.ingest.seen"):  # env file default
                fail("news.ingest.seen: retention.ms from the env file not applied")

        # -- a feed for ingest to poll
        FeedHandler.body = open(f"{root}/tests/fixtures/feeds/newsroom_rss20.xml", "rb").read()
        feed_server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
        threading.Thread(target=feed_server.serve_forever, daemon=True).start()
        feed_url = f"http://127.0.0.1:{feed_server.server_address[1]}/feed.xml"

        # -- daemons
        daemons = {"ingest": [f"--set", f"feeds.urls.fixture={feed_url}", "--feeds.interval_seconds=2",
                              "--feeds.allow_private_addresses=true",  # the feed is on loopback
                              "--push.token=obs-token"],
                   "normalize": [], "entity-tag": [], "sink": []}
        ports = {}
        for name, extra in daemons.items():
            binary = os.path.join(bin_dir, f"newsflow-{name}")
            config = os.path.join(root, "config", f"{name}.yaml")
            if not os.path.exists(binary) or not os.path.exists(config):
                if name != "sink":
                    fail(f"{binary} or {config} missing")
                else:
                    log("NOTE: newsflow-sink is not built in this tree (or config/sink.yaml is "
                        "missing): the sink is not started, and the dashboard/alert expressions "
                        "about the sink (stage=\"sink\", job newsflow-sink, "
                        "newsflow_end_to_end_latency_seconds) are SKIPPED")
                continue
            port_file = os.path.join(work, f"{name}.port")
            procs.start(name, [binary, "--config", config, f"--kafka.bootstrap_servers={bootstrap}",
                               f"--kafka.group_id=newsflow-{name}-obs-{run}",
                               f"--kafka.instance_id=obs-{name}", "--kafka.topic_partitions=3",
                               "--http.address=127.0.0.1", "--http.port=0",
                               f"--http.port_file={port_file}", *extra],
                        os.path.join(args.out, f"{name}.log"), cwd=root)
            ports[name] = port_file
        for name, port_file in list(ports.items()):
            deadline = time.time() + 120
            while time.time() < deadline and not (os.path.exists(port_file) and open(port_file).read().strip()):
                time.sleep(0.2)
            if not os.path.exists(port_file):
                fail(f"{name} did not start (log: {args.out}/{name}.log)")
                return 1
            ports[name] = int(open(port_file).read().strip())
        for name, port in ports.items():
            deadline = time.time() + 120
            while time.time() < deadline and http(f"http://127.0.0.1:{port}/readyz")[0] != 200:
                time.sleep(0.5)
            status = http(f"http://127.0.0.1:{port}/readyz")[0]
            if status != 200:
                fail(f"{name} not ready (readyz {status}; log {args.out}/{name}.log)")
                return 1
            log(f"newsflow-{name} ready on port {port}")
        sink_running = "sink" in ports

        # -- Prometheus with the deploy config, pointed at the test's ports
        prom_port = free_port()
        cfg = yaml.safe_load(open(f"{root}/deploy/prometheus/prometheus.yml"))
        cfg["global"].update({"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"})
        cfg["rule_files"] = [os.path.join(root, "deploy/prometheus", r) for r in cfg.get("rule_files", [])]
        jobs = []
        for job in cfg["scrape_configs"]:
            name = job["job_name"].replace("newsflow-", "", 1)
            if job["job_name"] == "prometheus":
                job["static_configs"] = [{"targets": [f"127.0.0.1:{prom_port}"]}]
            elif name in ports:
                job.pop("dns_sd_configs", None)
                job["static_configs"] = [{"targets": [f"127.0.0.1:{ports[name]}"]}]
            else:
                log(f"NOTE: scrape job {job['job_name']} left out (daemon not running)")
                continue
            jobs.append(job)
        cfg["scrape_configs"] = jobs
        prom_cfg = os.path.join(work, "prometheus.yml")
        with open(prom_cfg, "w") as f:
            yaml.safe_dump(cfg, f, sort_keys=False)
        shutil.copy(prom_cfg, os.path.join(args.out, "prometheus.generated.yml"))
        procs.start("prometheus", [args.prometheus, f"--config.file={prom_cfg}",
                                   f"--storage.tsdb.path={work}/prom-data",
                                   f"--web.listen-address=127.0.0.1:{prom_port}"],
                    os.path.join(args.out, "prometheus.log"))
        api = f"http://127.0.0.1:{prom_port}"
        deadline = time.time() + 60
        while time.time() < deadline and http(f"{api}/-/ready")[0] != 200:
            time.sleep(0.5)
        if http(f"{api}/-/ready")[0] != 200:
            fail(f"prometheus did not become ready (log {args.out}/prometheus.log)")
            return 1
        log(f"prometheus ready at {api}")
        t_start = time.time()

        # -- traffic: pushes over ~20 s (one duplicate), poison records for dead letters
        ingest = f"http://127.0.0.1:{ports['ingest']}/v1/articles"
        headers = {"Authorization": "Bearer obs-token", "Content-Type": "application/json"}
        fixtures = sorted(glob.glob(f"{root}/tests/fixtures/articles/*.txt"))
        pushed = 0
        for n in range(10):
            for path in fixtures:
                status, body = http(ingest, article_json(path, n, run), headers)
                if status != 202:
                    fail(f"push of {path} #{n}: HTTP {status} {body}")
                pushed += 1
            if n == 0:
                status, body = http(ingest, article_json(fixtures[0], 0, run), headers)
                if status != 202 or not json.loads(body).get("duplicates"):
                    fail(f"duplicate push: HTTP {status} {body}")
                for topic in ("news.raw", "news.normalized") + (("news.tagged",) if sink_running else ()):
                    p = subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", f"poison-{run}"],
                                       input=b"\xff\x00 not a protobuf message", capture_output=True)
                    if p.returncode != 0:
                        fail(f"kcat produce to {topic}: {p.stderr.decode()}")
            time.sleep(2)
        log(f"pushed {pushed} articles (+1 duplicate) and poison records")

        def query(expr):
            status, body = http(f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
            if status != 200:
                return None, f"HTTP {status}: {body[:300]}"
            return json.loads(body)["data"]["result"], None

        # Wait until the pipeline carried the articles to the end (and the feed was fetched).
        last_stage = "sink" if sink_running else "entity-tag"
        ready_exprs = [f'sum(newsflow_messages_produced_total{{stage="{last_stage}"}}) >= {pushed}',
                       "max(newsflow_feed_last_success_timestamp_seconds) > 0",
                       'sum(newsflow_dead_letters_total{stage="entity-tag"}) > 0']
        deadline = time.time() + 120
        while time.time() < deadline:
            if all(query(e)[0] for e in ready_exprs):
                break
            time.sleep(1)
        for e in ready_exprs:
            if not query(e)[0]:
                fail(f"pipeline did not get there: {e}")
        time.sleep(3)  # a few more scrapes after the last change

        # -- every dashboard and alert expression
        exprs = []  # (origin, expr)
        for dash_path in sorted(glob.glob(f"{root}/deploy/grafana/dashboards/*.json")):
            dash = json.load(open(dash_path))
            panels = list(dash.get("panels", []))
            for p in dash.get("panels", []):
                panels += p.get("panels", [])
            for p in panels:
                for t in p.get("targets", []):
                    exprs.append((f"dashboard '{p['title']}' {t['refId']}",
                                  t["expr"].replace("$__rate_interval", RATE_INTERVAL)))
        rules = yaml.safe_load(open(f"{root}/deploy/prometheus/alerts.yml"))
        for g in rules["groups"]:
            for r in g["rules"]:
                for operand in value_operands(r["expr"]):
                    exprs.append((f"alert {r.get('alert') or r.get('record')} operand", operand))
        checked = skipped = 0
        for origin, expr in exprs:
            if not sink_running and any(m in expr for m in SINK_MARKERS):
                log(f"SKIP (no sink in this tree) {origin}: {expr}")
                skipped += 1
                continue
            result, error = query(expr)
            if error:
                fail(f"{origin}: {expr}: {error}")
            elif not result:
                hint = ""
                if "newsflow_end_to_end_latency_seconds" in expr:
                    hint = (" -- newsflow-sink must export the histogram newsflow_end_to_end_latency_seconds"
                            "{stage=\"sink\"} (Article.ingested to the sink's commit; docs/deploy.md)")
                fail(f"{origin}: {expr}: returned no data{hint}")
            else:
                checked += 1
                sample = result[0]
                value = sample.get("value", [0, "?"])[1]
                log(f"ok   {origin}: {len(result)} series, e.g. {sample['metric']} = {value}")
        log(f"{checked} expressions returned data, {skipped} skipped (sink), "
            f"{len([f for f in failures if 'dashboard' in f or 'alert' in f])} failed")

        # -- rules evaluate cleanly, targets are up
        status, body = http(f"{api}/api/v1/rules")
        groups = json.loads(body)["data"]["groups"] if status == 200 else []
        rule_count = 0
        for g in groups:
            for r in g["rules"]:
                rule_count += 1
                if r.get("health") != "ok":
                    fail(f"rule {r['name']}: health {r.get('health')} {r.get('lastError', '')}")
        if rule_count == 0:
            fail("no alert rules loaded")
        log(f"{rule_count} alert rules loaded, states: "
            + ", ".join(f"{r['name']}={r.get('state')}" for g in groups for r in g["rules"]))
        status, body = http(f"{api}/api/v1/targets")
        for t in json.loads(body)["data"]["activeTargets"]:
            if t["health"] != "up":
                fail(f"target {t['labels'].get('job')} {t['scrapeUrl']}: {t['health']} {t.get('lastError')}")

        # -- render the key panels
        render(api, args.out, t_start - 5, time.time(), sink_running)
    finally:
        procs.stop_all()
        if feed_server:
            feed_server.shutdown()
        if own_kafka:
            subprocess.run(["bash", f"{root}/scripts/local-kafka.sh", "stop", "--dir", kafka_dir],
                           capture_output=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"\n{len(failures)} failure(s):")
        for f in failures:
            print("  " + f)
        return 1
    print("\nobservability test passed")
    return 0


KEY_PANELS = [
    ("Articles/s per stage", "articles/s",
     [("{stage} published", f"sum by (stage) (rate(newsflow_ingest_articles_total[{RATE_INTERVAL}]))"),
      ("{stage} consumed", f"sum by (stage) (rate(newsflow_messages_consumed_total[{RATE_INTERVAL}]))")]),
    ("Consumer lag per stage", "records", [("{stage}", "sum by (stage) (newsflow_consumer_lag)")]),
    ("Dead letters by stage and reason (total)", "records",
     [("{stage} {reason}", "sum by (stage, reason) (newsflow_dead_letters_total)")]),
    ("CPU per daemon", "cores",
     [("{stage}", f'sum by (stage) (rate(process_cpu_seconds_total{{job=~"newsflow-.*"}}[{RATE_INTERVAL}]))')]),
    ("Resident memory per daemon", "MiB",
     [("{stage}", 'sum by (stage) (process_resident_memory_bytes{job=~"newsflow-.*"}) / 1048576')]),
    ("End-to-end latency p99 (sink)", "s",
     [("p99", f'histogram_quantile(0.99, sum by (le) (rate(newsflow_end_to_end_latency_seconds_bucket{{stage="sink"}}[{RATE_INTERVAL}])))')]),
]


def render(api, out_dir, start, end, sink_running):
    if not shutil.which("gnuplot"):
        fail("gnuplot not found (Debian package gnuplot-nox)")
        return
    plots = []
    for title, ylabel, targets in KEY_PANELS:
        if not sink_running and "sink" in title:
            log(f"NOTE: panel '{title}' not rendered (no sink in this tree)")
            continue
        series = []
        for legend, expr in targets:
            q = urllib.parse.urlencode({"query": expr, "start": f"{start:.0f}", "end": f"{end:.0f}", "step": "1"})
            status, body = http(f"{api}/api/v1/query_range?{q}")
            if status != 200:
                fail(f"query_range {expr}: HTTP {status}")
                continue
            for s in json.loads(body)["data"]["result"]:
                name = legend.format_map({**{"stage": "", "reason": ""}, **s["metric"]}).strip()
                data = os.path.join(out_dir, f"panel{len(plots)}_{len(series)}.dat")
                with open(data, "w") as f:
                    for ts, v in s["values"]:
                        if v not in ("NaN", "+Inf", "-Inf"):
                            f.write(f"{float(ts) - start:.0f} {v}\n")
                series.append((name, data))
        plots.append((title, ylabel, series))
    script = os.path.join(out_dir, "dashboard.gnuplot")
    png = os.path.join(out_dir, "dashboard.png")
    rows = (len(plots) + 1) // 2
    with open(script, "w") as f:
        f.write(f"set terminal pngcairo noenhanced size 1400,{380 * rows} font ',9'\nset output '{png}'\n")
        f.write(f"set multiplot layout {rows},2 title 'newsflow observability test (Prometheus data)'\n")
        f.write("set key top left font ',8'\nset grid\nset xlabel 'seconds since test start'\n")
        for title, ylabel, series in plots:
            f.write(f"set title '{title}'\nset ylabel '{ylabel}'\n")
            if series:
                f.write("plot " + ", ".join(f"'{d}' using 1:2 with lines lw 2 title '{n.replace(chr(39), '')}'"
                                            for n, d in series) + "\n")
            else:
                f.write("unset key\nplot 0 title 'no data'\nset key\n")
        f.write("unset multiplot\n")
    p = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(png):
        fail(f"gnuplot failed: {p.stderr[-1000:]}")
        return
    log(f"dashboard panels rendered: {png}")


if __name__ == "__main__":
    sys.exit(main())
