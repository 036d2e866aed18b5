#!/usr/bin/env python3
"""Median of per-round B/A throughput ratios from ab.sh output (stdin)."""
import sys, statistics
d = {}
for line in sys.stdin:
    if not line.startswith("round="): continue
    m = dict(x.split("=", 1) for x in line.split())
    d.setdefault(m["round"], {})[m["side"]] = float(m["rps"])
r = [v["B"] / v["A"] for v in d.values() if "A" in v and "B" in v]
print("B/A per round:", [round(x, 3) for x in r])
print("median B/A %.3f; median rps A %.0f, B %.0f" % (statistics.median(r), statistics.median(v["A"] for v in d.values()),
      statistics.median(v["B"] for v in d.values())))
