#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json) of DurabilityBenchmark and ReadContendersBenchmark into the
Markdown tables of BENCHMARKS.md. Usage: tables.py results.json [more.json ...]"""
import json
import sys

MODES = ["NONE", "SNAPSHOT", "JOURNAL", "JOURNAL_SYNC"]
SHAPES = ["immutable", "mutableList"]
METHODS = ["get", "set", "touch", "getAndSet"]


def load(path):
    results = {}
    threads = None
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 2)
        cls, method = name[-2], name[-1]
        p = r.get("params", {})
        threads = r["threads"]
        m = r["primaryMetric"]
        results[(cls, method, p.get("mode"), p.get("shape"))] = (m["score"], m["scoreError"])
    return threads, results


def fmt(v):
    if v is None:
        return "n/a"
    s, e = v
    return f"{s:,.0f} ± {e:,.0f}"


def ratio(a, b):
    if a is None or b is None or b[0] == 0:
        return "n/a"
    return f"{a[0] / b[0]:.2f}"


def tables(path):
    threads, res = load(path)
    d = lambda m, mode, shape: res.get(("DurabilityBenchmark", m, mode, shape))
    c = lambda m, shape: res.get(("ReadContendersBenchmark", m, None, shape))
    out = [f"#### {threads} thread{'s' if threads != 1 else ''} (`{path}`)", ""]
    out.append("| benchmark | shape | no file (ops/s) | SNAPSHOT | JOURNAL | JOURNAL_SYNC "
               "| JOURNAL / no-file | JOURNAL_SYNC / no-file | SNAPSHOT / no-file |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for m in METHODS:
        for shape in SHAPES:
            v = {mode: d(m, mode, shape) for mode in MODES}
            out.append(
                f"| {m} | {shape} | {fmt(v['NONE'])} | {fmt(v['SNAPSHOT'])} | {fmt(v['JOURNAL'])} "
                f"| {fmt(v['JOURNAL_SYNC'])} | **{ratio(v['JOURNAL'], v['NONE'])}** "
                f"| {ratio(v['JOURNAL_SYNC'], v['NONE'])} | {ratio(v['SNAPSHOT'], v['NONE'])} |")
    out.append("")
    out.append("| shape | our get (no file) | MapSessionRepository findById | Caffeine+Jackson get "
               "| **our get / findById** | our get / Caffeine floor |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for shape in SHAPES:
        ours, spring, floor = d("get", "NONE", shape), c("springFindById", shape), c("caffeineJsonGet", shape)
        out.append(f"| {shape} | {fmt(ours)} | {fmt(spring)} | {fmt(floor)} "
                   f"| **{ratio(ours, spring)}** | {ratio(ours, floor)} |")
    out.append("")
    out.append("| shape | our get+set JOURNAL | our get+set no file | MapSessionRepository find+save "
               "| Caffeine+Jackson get+set | **ours JOURNAL / find+save** | ours no-file / find+save "
               "| ours JOURNAL / Caffeine floor |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for shape in SHAPES:
        oj, on = d("getAndSet", "JOURNAL", shape), d("getAndSet", "NONE", shape)
        spring, floor = c("springFindAndSave", shape), c("caffeineJsonGetAndSet", shape)
        out.append(f"| {shape} | {fmt(oj)} | {fmt(on)} | {fmt(spring)} | {fmt(floor)} "
                   f"| **{ratio(oj, spring)}** | {ratio(on, spring)} | {ratio(oj, floor)} |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print("\n".join(tables(p) for p in sys.argv[1:]))
