#!/usr/bin/env python3
"""Static checks of the deployment files (no Docker needed).

  check_compose.py [--root DIR] [--bin-dir DIR]

Checks docker-compose.yml (services, images/builds, healthchecks, depends_on conditions, restart
policies, mounted files, ports = config/<daemon>.yaml http.port, scalability), deploy/Dockerfile
(multi-stage debian:12, install-deps/build scripts, non-root, curl HEALTHCHECK on /healthz),
deploy/prometheus/prometheus.yml (a job per daemon on the right port), the Grafana provisioning
and dashboard (JSON parses, every panel has a datasource and targets), and that every metric name
used by the dashboard and the alert rules is exported somewhere in services/. With --bin-dir,
also that the Dockerfile's runtime packages provide every shared library the built daemons need
(ldd + dpkg -S). Prints one line per check; exits 1 if any failed. Parts about the sink daemon
are skipped, with a note, while it is not in this tree.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

import yaml

DAEMONS = {  # compose service -> (binary, config file)
    "ingest": ("newsflow-ingest", "ingest.yaml"),
    "normalize": ("newsflow-normalize", "normalize.yaml"),
    "entity-tag": ("newsflow-entity-tag", "entity-tag.yaml"),
    "sink": ("newsflow-sink", "sink.yaml"),
}
SCALABLE = ["normalize", "entity-tag", "sink"]
# Metrics the dashboard / alerts use that no daemon in this tree exports yet (the contract for
# the sink daemon; see docs/deploy.md).
EXPECTED_FROM_SINK = {"newsflow_end_to_end_latency_seconds"}
# Libraries every debian:12 image has.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}

failures = []
notes = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def note(what):
    print("note  " + what)
    notes.append(what)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def sink_in_tree(root):
    return os.path.exists(os.path.join(root, "config", "sink.yaml")) or os.path.isdir(
        os.path.join(root, "services", "sink"))


def daemon_port(root, config_file):
    cfg = load_yaml(os.path.join(root, "config", config_file))
    return int((cfg.get("http") or {}).get("port"))


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {k: str(v) for k, v in env.items()}


def env_files(root, service):
    files = service.get("env_file") or []
    if isinstance(files, str):
        files = [files]
    out = {}
    for f in files:
        path = os.path.join(root, f if isinstance(f, str) else f["path"])
        if check(os.path.isfile(path), f"env_file {f} exists"):
            for line in open(path, encoding="utf-8"):
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    out[k] = v
    return out


def dockerfile_healthcheck(root, service):
    build = service.get("build")
    if not build:
        return None
    dockerfile = os.path.join(root, build.get("context", "."), build.get("dockerfile", "Dockerfile"))
    if not os.path.isfile(dockerfile):
        return None
    text = open(dockerfile, encoding="utf-8").read()
    return "HEALTHCHECK" in text


def check_compose(root):
    compose = load_yaml(os.path.join(root, "docker-compose.yml"))
    services = compose.get("services") or {}
    check(bool(services), "docker-compose.yml has services")
    sink = sink_in_tree(root)
    for name in ["kafka", "topics", *DAEMONS, "prometheus", "grafana"]:
        check(name in services, f"service {name} is defined")
    named_volumes = set((compose.get("volumes") or {}).keys())

    for name, svc in services.items():
        check("image" in svc or "build" in svc, f"{name}: has an image or a build")
        if "build" in svc:
            b = svc["build"]
            ctx = os.path.join(root, b.get("context", "."))
            check(os.path.isdir(ctx), f"{name}: build context {b.get('context', '.')} exists")
            check(os.path.isfile(os.path.join(ctx, b.get("dockerfile", "Dockerfile"))),
                  f"{name}: dockerfile {b.get('dockerfile')} exists")
        if "image" in svc and "build" not in svc:
            check(":" in svc["image"] and not svc["image"].endswith(":latest"),
                  f"{name}: image {svc['image']} has a pinned tag")
        check("restart" in svc, f"{name}: has a restart policy ({svc.get('restart')})")
        one_shot = str(svc.get("restart")) == "no"
        if not one_shot:
            hc = "healthcheck" in svc or dockerfile_healthcheck(root, svc)
            check(bool(hc), f"{name}: has a healthcheck (compose or image HEALTHCHECK)")
            if "healthcheck" in svc:
                t = svc["healthcheck"].get("test")
                check(isinstance(t, list) and t and t[0] in ("CMD", "CMD-SHELL"),
                      f"{name}: healthcheck test is CMD/CMD-SHELL")
        deps = svc.get("depends_on") or {}
        if isinstance(deps, list):
            check(False, f"{name}: depends_on uses conditions (long form), not a plain list")
            deps = {}
        for dep, spec in deps.items():
            check(dep in services, f"{name}: depends_on {dep} exists")
            cond = (spec or {}).get("condition")
            check(cond in ("service_healthy", "service_completed_successfully"),
                  f"{name}: depends_on {dep} with condition {cond}")
            if cond == "service_healthy" and dep in services:
                d = services[dep]
                check("healthcheck" in d or bool(dockerfile_healthcheck(root, d)),
                      f"{name}: {dep} it waits for (service_healthy) has a healthcheck")
            if cond == "service_completed_successfully" and dep in services:
                check(str(services[dep].get("restart")) == "no",
                      f"{name}: {dep} it waits for (completed) is one-shot (restart: \"no\")")
        for vol in svc.get("volumes") or []:
            src = vol.split(":")[0] if isinstance(vol, str) else vol.get("source")
            if src.startswith(".") or src.startswith("/"):
                check(os.path.exists(os.path.join(root, src)), f"{name}: mounted {src} exists")
            else:
                check(src in named_volumes, f"{name}: named volume {src} is declared")
        env_files(root, svc)

    # Daemons: command, config, ports, scalability.
    prom = load_yaml(os.path.join(root, "deploy", "prometheus", "prometheus.yml"))
    jobs = {j["job_name"]: j for j in prom.get("scrape_configs", [])}
    for name, (binary, config_file) in DAEMONS.items():
        svc = services.get(name)
        if svc is None:
            continue
        cmd = svc.get("command") or []
        check(cmd[:1] == [binary], f"{name}: runs {binary}")
        check("--config" in cmd, f"{name}: passes --config")
        if "--config" not in cmd:
            continue
        cfg_in_container = cmd[cmd.index("--config") + 1]
        mounts = [v for v in svc.get("volumes") or [] if isinstance(v, str)]
        host_path = None
        for m in mounts:
            src, dst = m.split(":")[0], m.split(":")[1]
            if cfg_in_container.startswith(dst.rstrip("/") + "/"):
                host_path = os.path.join(root, src, cfg_in_container[len(dst.rstrip("/")) + 1:])
        check(host_path is not None, f"{name}: {cfg_in_container} comes from a mounted directory")
        if host_path is None:
            continue
        if name == "sink" and not sink and not os.path.exists(host_path):
            note(f"sink: config/{config_file} is not in this tree (sink daemon not merged yet): "
                 "port checks of the sink service skipped")
            continue
        check(os.path.isfile(host_path), f"{name}: config {os.path.relpath(host_path, root)} exists")
        port = daemon_port(root, config_file)
        env = {**env_files(root, svc), **env_of(svc)}
        check(env.get("NEWSFLOW_HTTP_PORT") == str(port),
              f"{name}: NEWSFLOW_HTTP_PORT={env.get('NEWSFLOW_HTTP_PORT')} = config http.port {port}")
        check("NEWSFLOW_KAFKA_INSTANCE_ID" not in env,
              f"{name}: kafka.instance_id not fixed (defaults to the container's host name)")
        check("container_name" not in svc and "hostname" not in svc,
              f"{name}: no container_name/hostname (unique instance ids, scalable)")
        for key in ("NEWSFLOW_TAG_KB_DIR", "NEWSFLOW_TAG_MODEL_PATH"):
            if key in env:
                rel = env[key].replace("/etc/newsflow/", "config/", 1)
                check(os.path.exists(os.path.join(root, rel)), f"{name}: {key} -> {rel} exists")
        container_ports = []
        for p in svc.get("ports") or []:
            p = str(p)
            container_ports.append(int(p.split(":")[-1].split("/")[0]))
            if name in SCALABLE:
                check(":" not in p, f"{name}: scalable service publishes no fixed host port ({p})")
        container_ports += [int(str(p).split("/")[0]) for p in svc.get("expose") or []]
        check(port in container_ports, f"{name}: exposes its http.port {port} ({container_ports})")
        job = jobs.get(f"newsflow-{name}")
        if check(job is not None, f"prometheus: job newsflow-{name} exists"):
            sds = job.get("dns_sd_configs") or []
            check(any(name in sd.get("names", []) and int(sd.get("port", 0)) == port for sd in sds),
                  f"prometheus: newsflow-{name} discovers every '{name}' container on port {port}")

    kafka = services.get("kafka", {})
    kenv = env_of(kafka)
    check("broker,controller" in kenv.get("KAFKA_PROCESS_ROLES", ""), "kafka: KRaft (broker,controller)")
    check(kafka.get("image", "").startswith("apache/kafka:"), "kafka: official apache/kafka image")
    check(any(not str(v).startswith(".") for v in kafka.get("volumes") or []),
          "kafka: data on a persistent volume")
    topics = services.get("topics", {})
    script = None
    for v in topics.get("volumes") or []:
        if str(v).split(":")[0].endswith(".sh"):
            script = os.path.join(root, str(v).split(":")[0])
    if check(script is not None and os.path.isfile(script), "topics: set-up script mounted"):
        text = open(script, encoding="utf-8").read()
        check(re.search(r"create news\.stories cleanup\.policy=compact\b(?!,)", text) is not None,
              "topics: news.stories is cleanup.policy=compact")
        for t in ("news.ingest.seen", "news.normalize.dedupe", "news.sink.stories-state"):
            check(re.search(rf"create --partitions \"\$CHANGELOG_P\" {re.escape(t)} "
                            r"cleanup\.policy=compact,delete", text) is not None,
                  f"topics: {t} is cleanup.policy=compact,delete with the changelog partitions")
        check("NEWSFLOW_KAFKA_TOPIC_PARTITIONS" in text and "NEWSFLOW_KAFKA_TOPIC_REPLICATION_FACTOR" in text,
              "topics: partitions and replication come from the env file")


def check_dockerfile(root):
    path = os.path.join(root, "deploy", "Dockerfile")
    text = open(path, encoding="utf-8").read()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    check(len(froms) >= 2 and all(f == "debian:12" for f in froms),
          f"Dockerfile: multi-stage on debian:12 ({froms})")
    check("scripts/install-deps.sh" in text and "scripts/build.sh" in text,
          "Dockerfile: build stage runs scripts/install-deps.sh and scripts/build.sh")
    runtime = text[text.rfind("\nFROM "):]
    users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
    check(bool(users) and users[-1] not in ("root", "0"), f"Dockerfile: runs as non-root ({users})")
    check(re.search(r"HEALTHCHECK.*\n?.*curl.*/healthz", runtime) is not None,
          "Dockerfile: HEALTHCHECK curls /healthz")
    check("-dev" not in " ".join(runtime_packages(text)), "Dockerfile: runtime stage has no -dev packages")
    ignore_path = os.path.join(root, ".dockerignore")
    ignore = open(ignore_path).read().split() if os.path.exists(ignore_path) else []
    check("build" in ignore, ".dockerignore keeps build/ out of the build context")
    for src in re.findall(r"^COPY\s+(?!--from)(\S+)\s", text, re.M):
        check(os.path.exists(os.path.join(root, src)), f"Dockerfile: COPY source {src} exists")


def runtime_packages(text):
    runtime = text[text.rfind("\nFROM "):]
    m = re.search(r"apt-get install[^\n]*?--no-install-recommends(.*?)(&&|$)", runtime, re.S)
    if not m:
        return []
    return [w for w in m.group(1).replace("\\", " ").split() if not w.startswith("-")]


def check_runtime_libraries(root, bin_dir):
    packages = set(runtime_packages(open(os.path.join(root, "deploy", "Dockerfile")).read()))
    # The daemons, and every other program the Dockerfile copies into the image (its build stage
    # skips *bench*, *-eval, *-train, *-conformance).
    binaries = [b for _, (b, _) in DAEMONS.items()]
    for path in sorted(glob.glob(os.path.join(bin_dir, "newsflow-*"))):
        name = os.path.basename(path)
        if name not in binaries and not re.search(r"bench|-eval$|-train$|-conformance$", name):
            binaries.append(name)
    for binary in binaries:
        path = os.path.join(bin_dir, binary)
        if not os.path.exists(path):
            note(f"{binary} not built in {bin_dir}: its runtime libraries are not checked"
                 + (" (sink daemon not merged yet)" if binary == "newsflow-sink" else ""))
            continue
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", subprocess.run(
            ["readelf", "-d", path], capture_output=True, text=True).stdout)
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(
            ["ldd", path], capture_output=True, text=True).stdout, re.M))
        missing = []
        for lib in needed:
            real = resolved.get(lib)
            if not real or real == "not":
                missing.append(f"{lib} (not found by ldd)")
                continue
            out = subprocess.run(["dpkg", "-S", os.path.realpath(real)], capture_output=True,
                                 text=True).stdout or subprocess.run(
                ["dpkg", "-S", real], capture_output=True, text=True).stdout
            pkg = out.split(":")[0].strip() if out else ""
            if pkg and pkg not in packages and pkg not in BASE_PACKAGES:
                missing.append(f"{lib} (package {pkg})")
            if not pkg:
                missing.append(f"{lib} (no Debian package owns {real})")
        check(not missing, f"Dockerfile: runtime packages cover {binary}'s {len(needed)} libraries"
              + (f"; missing: {', '.join(missing)}" if missing else ""))


def check_grafana(root):
    ds = load_yaml(os.path.join(root, "deploy/grafana/provisioning/datasources/prometheus.yml"))
    uids = {d.get("uid") for d in ds.get("datasources", [])}
    check("prometheus" in uids, "grafana: datasource uid 'prometheus' provisioned")
    prov = load_yaml(os.path.join(root, "deploy/grafana/provisioning/dashboards/newsflow.yml"))
    check(bool(prov.get("providers")), "grafana: dashboard provider provisioned")
    generator = os.path.join(root, "deploy/grafana/make_dashboard.py")
    if os.path.exists(generator):
        import importlib.util
        spec = importlib.util.spec_from_file_location("make_dashboard", generator)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        committed = json.load(open(os.path.join(root, "deploy/grafana/dashboards/newsflow.json")))
        check(module.build() == committed,
              "grafana: dashboards/newsflow.json is what make_dashboard.py generates (re-run it)")
    files = glob.glob(os.path.join(root, "deploy/grafana/dashboards/*.json"))
    check(bool(files), "grafana: dashboard JSON files exist")
    exprs = []
    for f in files:
        try:
            dash = json.load(open(f, encoding="utf-8"))
        except ValueError as e:
            check(False, f"grafana: {os.path.basename(f)} parses ({e})")
            continue
        check(bool(dash.get("uid")) and bool(dash.get("title")), f"grafana: {os.path.basename(f)} has uid and title")
        panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
        for p in dash.get("panels", []):
            panels += [q for q in p.get("panels", []) if q.get("type") != "row"]
        ids = [p.get("id") for p in dash.get("panels", [])]
        check(len(ids) == len(set(ids)), f"grafana: {os.path.basename(f)} panel ids unique")
        check(len(panels) > 0, f"grafana: {os.path.basename(f)} has panels")
        for p in panels:
            t = p.get("title")
            dsrc = p.get("datasource") or {}
            ok = dsrc.get("uid") in uids
            targets = p.get("targets") or []
            ok = ok and bool(targets) and all(
                (tg.get("datasource") or dsrc).get("uid") in uids and tg.get("expr") for tg in targets)
            check(ok, f"grafana: panel '{t}' has the provisioned datasource and {len(targets)} target(s) with expr")
            exprs += [tg.get("expr", "") for tg in targets]
    return exprs


def check_metric_names(root, exprs):
    sources = ""
    for path in glob.glob(os.path.join(root, "services", "**", "*.cc"), recursive=True):
        sources += open(path, encoding="utf-8", errors="replace").read()
    names = set()
    for e in exprs:
        names.update(re.findall(r"\b((?:newsflow|process)_[a-z0-9_]+)", e))
    for n in sorted(names):
        base = re.sub(r"_(bucket|sum|count)$", "", n)
        if f'"{base}"' in sources or f'"{n}"' in sources:
            check(True, f"metric {n} is exported by a daemon")
        elif base in EXPECTED_FROM_SINK:
            note(f"metric {n}: no daemon in this tree exports it; it is the sink's contract "
                 "(docs/deploy.md), checked live once newsflow-sink is built")
        else:
            check(False, f"metric {n} is exported by a daemon (not found in services/)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--bin-dir")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    check_compose(root)
    check_dockerfile(root)
    if args.bin_dir:
        check_runtime_libraries(root, args.bin_dir)
    exprs = check_grafana(root)
    rules = load_yaml(os.path.join(root, "deploy/prometheus/alerts.yml"))
    alert_exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    check(bool(alert_exprs), f"alerts: {len(alert_exprs)} rules")
    wanted = {"NewsflowStageDown", "NewsflowConsumerLagGrowing", "NewsflowDeadLetterRateHigh",
              "NewsflowFeedStale", "NewsflowEndToEndLatencyHigh"}
    have = {r.get("alert") for g in rules["groups"] for r in g["rules"]}
    check(wanted <= have, f"alerts: {', '.join(sorted(wanted))} defined")
    check_metric_names(root, exprs + alert_exprs)
    print(f"\n{len(failures)} failure(s), {len(notes)} note(s)")
    for f in failures:
        print("FAILED: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
