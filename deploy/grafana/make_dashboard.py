#!/usr/bin/env python3
"""Writes deploy/grafana/dashboards/newsflow.json (the committed dashboard) from the panel list
below. Edit here and re-run:  python3 deploy/grafana/make_dashboard.py
Only metric names the daemons export may appear (tests/deploy/ checks them against live daemons).
"""
import json
import os

DS = {"type": "prometheus", "uid": "prometheus"}
R = "$__rate_interval"
NF = 'job=~"newsflow-.*"'

# (title, unit, [(legend, expr)], description, width)
PANELS = [
    ("Row: Flow", None, None, None, None),
    ("Articles/s per stage", "ops", [
        ("{{stage}} published", f"sum by (stage) (rate(newsflow_ingest_articles_total[{R}]))"),
        ("{{stage}} consumed", f"sum by (stage) (rate(newsflow_messages_consumed_total[{R}]))"),
    ], "ingest: articles published to news.raw; other stages: input records consumed (one per "
       "article; dead-lettered ones included). newsflow_messages_produced_total is not used here: "
       "it also counts state records (normalize's dedupe entries).", 12),
    ("Consumer lag per stage", "short", [
        ("{{stage}} ({{topic}})", "sum by (stage, topic) (newsflow_consumer_lag)"),
    ], "High watermark minus the group's committed offset, summed over partitions. A caught-up "
       "stage shows about 1 per partition (transaction markers).", 12),
    ("End-to-end latency (ingest → sink)", "s", [
        ("p50", f'histogram_quantile(0.5, sum by (le) (rate(newsflow_end_to_end_latency_seconds_bucket{{stage="sink"}}[{R}])))'),
        ("p95", f'histogram_quantile(0.95, sum by (le) (rate(newsflow_end_to_end_latency_seconds_bucket{{stage="sink"}}[{R}])))'),
        ("p99", f'histogram_quantile(0.99, sum by (le) (rate(newsflow_end_to_end_latency_seconds_bucket{{stage="sink"}}[{R}])))'),
    ], "Article.ingested to the sink's commit, from the sink's histogram "
       "newsflow_end_to_end_latency_seconds{stage=\"sink\"}.", 12),
    ("Processing time per record p99", "s", [
        ("{{stage}}", f"histogram_quantile(0.99, sum by (stage, le) (rate(newsflow_processing_seconds_bucket[{R}])))"),
    ], "Stage logic time per record (no Kafka time).", 12),
    ("Row: Quality", None, None, None, None),
    ("Dead letters by stage and reason", "ops", [
        ("{{stage}}: {{reason}}", f"sum by (stage, reason) (rate(newsflow_dead_letters_total[{R}]))"),
    ], "Records sent to news.dlq per second.", 8),
    ("Duplicates dropped", "ops", [
        ("normalize: exact duplicates dropped", f"sum by (stage) (rate(newsflow_duplicates_dropped_total[{R}]))"),
        ("normalize: near-duplicates flagged", f"sum by (stage) (rate(newsflow_near_duplicates_total[{R}]))"),
        ("ingest: already published ({{kind}})", f"sum by (stage, kind) (rate(newsflow_ingest_duplicates_total[{R}]))"),
    ], "ingest skips article ids it already published; normalize drops exact body duplicates.", 8),
    ("Languages", "ops", [
        ("{{language}}", f"sum by (language) (rate(newsflow_articles_by_language_total[{R}]))"),
    ], "Articles normalized per second by dominant language.", 8),
    ("Entity mentions by type", "ops", [
        ("{{type}}", f"sum by (type) (rate(newsflow_entity_mentions_total[{R}]))"),
    ], "Mentions tagged by entity-tag per second.", 12),
    ("Feed fetches by result", "ops", [
        ("{{feed}}: {{result}}", f"sum by (feed, result) (rate(newsflow_feed_fetches_total[{R}]))"),
    ], "HTTP status or error kind of each feed poll.", 12),
    ("Time since last successful fetch per feed", "s", [
        ("{{feed}}", "time() - max by (feed) (newsflow_feed_last_success_timestamp_seconds)"),
    ], "Alert NewsflowFeedStale fires above 6 h.", 12),
    ("Row: Kafka and processes", None, None, None, None),
    ("Transactions by outcome", "ops", [
        ("{{stage}} aborted", f'sum by (stage) (rate(newsflow_transactions_total{{result="aborted"}}[{R}]))'),
        ("{{stage}} committed", f'sum by (stage) (rate(newsflow_transactions_total{{result="committed"}}[{R}]))'),
    ], "Aborts are retried; a steady rate means broker trouble.", 12),
    ("Instances up per stage", "short", [
        ("{{job}}", f"sum by (job) (up{{{NF}}})"),
    ], "Scraped instances that answer (docker compose up --scale <stage>=N adds targets).", 12),
    ("CPU per instance", "percentunit", [
        ("{{stage}} {{instance}}", f"sum by (stage, instance) (rate(process_cpu_seconds_total{{{NF}}}[{R}]))"),
    ], "CPU seconds per second (1 = one core).", 12),
    ("Resident memory per instance", "bytes", [
        ("{{stage}} {{instance}}", f"sum by (stage, instance) (process_resident_memory_bytes{{{NF}}})"),
    ], None, 12),
]


def build():
    panels, y, x, row_h, pid = [], 0, 0, 0, 1
    for title, unit, targets, description, width in PANELS:
        if title.startswith("Row: "):
            if x:
                y, x = y + row_h, 0
            panels.append({"type": "row", "id": pid, "title": title[5:], "collapsed": False,
                           "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
            pid, y = pid + 1, y + 1
            continue
        if x + width > 24:
            y, x = y + row_h, 0
        row_h = 8
        panel = {
            "type": "timeseries", "id": pid, "title": title, "datasource": DS,
            "gridPos": {"h": 8, "w": width, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"lineWidth": 1, "fillOpacity": 10}},
                            "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
            "targets": [{"refId": chr(ord("A") + i), "datasource": DS, "expr": expr,
                         "legendFormat": legend, "range": True}
                        for i, (legend, expr) in enumerate(targets)],
        }
        if description:
            panel["description"] = description
        panels.append(panel)
        pid, x = pid + 1, x + width
    return {
        "uid": "newsflow-overview", "title": "newsflow", "tags": ["newsflow"],
        "timezone": "utc", "schemaVersion": 39, "version": 1, "editable": False,
        "refresh": "30s", "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": []}, "annotations": {"list": []}, "links": [],
        "panels": panels,
    }


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards", "newsflow.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(build(), f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(out)
