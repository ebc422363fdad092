#!/usr/bin/env python3
"""Markdown tables from datapath_bench.sh's raw samples: ns per program call per hook class and
UDP throughput per path, each mode's median over the rounds, and the ratios paired per round
(median and range); then, if the samples hold them, the short floods paired within a few seconds
with the agent running, each pair one flood with the agent's programs skipped and one without.
Rates per sender CPU-second are given over the whole flood and, to see past time the host
stole from the guest, as the 90th percentile over the flood's 20 ms blocks.
usage: report.py SAMPLES MODE... (modes: none empty nodepath [nodepath2])"""
import math
import statistics
import sys
from collections import defaultdict

CLASSES = ["host-veth-ingress", "host-veth-egress", "cni0-ingress", "cni0-egress",
           "flannel.1-ingress", "flannel.1-egress", "node-dev-ingress", "node-dev-egress"]
LABEL = {
    "host-veth-ingress": "host veth ingress (pod sends)",
    "host-veth-egress": "host veth egress (pod receives)",
    "cni0-ingress": "cni0 ingress", "cni0-egress": "cni0 egress",
    "flannel.1-ingress": "flannel.1 ingress", "flannel.1-egress": "flannel.1 egress",
    "node-dev-ingress": "node device ingress", "node-dev-egress": "node device egress",
    "all": "all crossed hooks, weighted",
}
METRICS = ["per sender CPU-s", "20 ms blocks, median", "20 ms blocks, p90"]


def med_range(xs, fmt):
    if not xs:
        return "-"
    return f"{fmt(statistics.median(xs))} ({fmt(min(xs))}-{fmt(max(xs))})"


def throughput_table(tput, unit, rounds, agents):
    hdr = f"| 60-byte UDP, pod to pod, {unit} | none | empty |"
    sep = "|---|---|---|"
    for a in agents:
        hdr += f" {a} |"
        sep += "---|"
    hdr += " empty/none |"
    sep += "---|"
    for a in agents:
        hdr += f" {a}/empty |"
        sep += "---|"
    print(hdr)
    print(sep)
    for ph, label in (("same", "same node"), ("cross", "cross node (VXLAN)")):
        def col(m):
            return [tput[(r, m, ph)] for r in rounds if (r, m, ph) in tput]

        def ratio(a, b):
            return [tput[(r, a, ph)] / tput[(r, b, ph)] for r in rounds
                    if (r, a, ph) in tput and tput.get((r, b, ph))]
        row = f"| {label} | {med_range(col('none'), lambda v: f'{v:.0f}')} |"
        row += f" {med_range(col('empty'), lambda v: f'{v:.0f}')} |"
        for a in agents:
            row += f" {med_range(col(a), lambda v: f'{v:.0f}')} |"
        row += f" {med_range(ratio('empty', 'none'), lambda v: f'{v:.3f}')} |"
        for a in agents:
            row += f" {med_range(ratio(a, 'empty'), lambda v: f'{v:.3f}')} |"
        print(row)
    print()


def median_ci(xs):
    """The median of xs and a distribution-free 95 % interval for it (order statistics of a
    binomial(n, 1/2), normal approximation), None where n is too small for one."""
    xs = sorted(xs)
    n = len(xs)
    half = 1.96 * math.sqrt(n) / 2
    lo, hi = math.floor(n / 2 - half), math.ceil(n / 2 + half) - 1
    if n < 6 or lo < 0 or hi >= n:
        return statistics.median(xs), None
    return statistics.median(xs), (xs[lo], xs[hi])


def paired_table(ptput, agents):
    """ptput: (round, mode, phase, pair) -> {"skip": rates, "run": rates}, rates as METRICS"""
    print("paired short floods (agent running, empty = skip program at the chain head)")
    print()
    print("| 60-byte UDP, pod to pod | rate | mode | run/skip per pair: median (95 % interval) |"
          " quartiles | sum run/sum skip | pairs |")
    print("|---|---|---|---|---|---|---|")
    for ph, label in (("same", "same node"), ("cross", "cross node (VXLAN)")):
        for i, metric in enumerate(METRICS):
            for a in agents:
                pairs = [v for k, v in sorted(ptput.items())
                         if k[1] == a and k[2] == ph and "run" in v and "skip" in v and
                         len(v["run"]) > i and len(v["skip"]) > i and v["skip"][i]]
                ratios = sorted(v["run"][i] / v["skip"][i] for v in pairs)
                if not ratios:
                    continue
                tot = sum(v["skip"][i] for v in pairs)
                med, ci = median_ci(ratios)
                cis = f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else ""
                quart = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [med] * 3
                print(f"| {label} | {metric} | {a} | {med:.3f}{cis} |"
                      f" {quart[0]:.3f}-{quart[2]:.3f} |"
                      f" {sum(v['run'][i] for v in pairs) / tot:.3f} | {len(pairs)} |")
    print()
    print("each pair: two floods back to back, the order alternating between pairs. Rates: "
          "datagrams delivered per sender CPU-second over the whole flood, and the median and "
          "90th percentile over the flood's 20 ms blocks of datagrams sent per CPU-second of the "
          "sending thread (time stolen by the host slows some blocks, seldom most).")


def hook_table(ns, rounds, agents):
    """ns per program call per hook class: the empty program's, and each agent's with its ratio"""
    def per_call(r, m, cls):
        t, c = ns.get((r, m, cls), (0, 0))
        return t / c if c else None

    hdr = "| hook (flood crosses it) | empty ns/call |"
    sep = "|---|---|"
    for a in agents:
        hdr += f" {a} ns/call | {a}/empty |"
        sep += "---|---|"
    print(hdr)
    print(sep)
    for cls in CLASSES + ["all"]:
        e = [per_call(r, "empty", cls) for r in rounds]
        row = f"| {LABEL[cls]} | {med_range([x for x in e if x], lambda v: f'{v:.0f}')} |"
        for a in agents:
            n = [per_call(r, a, cls) for r in rounds]
            ratios = [y / x for x, y in zip(e, n) if x and y]
            row += f" {med_range([x for x in n if x], lambda v: f'{v:.0f}')} |"
            row += f" {med_range(ratios, lambda v: f'{v:.2f}')} |"
        print(row)
    print()


def main():
    path, modes = sys.argv[1], sys.argv[2:]
    agents = [m for m in modes if m.startswith("nodepath")]
    ns = defaultdict(lambda: [0, 0])  # (round, mode, class) -> [time, count]
    tput = {}  # (round, mode, phase) -> pps
    tcpu = {}  # (round, mode, phase) -> datagrams per sender CPU-second
    tblk = {}  # (round, mode, phase) -> 90th percentile of the 20 ms blocks' rates
    ptput = defaultdict(dict)  # (round, mode, phase, pair) -> {skip|run: [METRICS]}
    rounds = set()
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        r, m, ph, kind = int(f[0]), f[1], f[2], f[3]
        rounds.add(r)
        if kind == "tput":
            tput[(r, m, ph)] = float(f[4])
            tcpu[(r, m, ph)] = float(f[7])
            if len(f) > 9:
                tblk[(r, m, ph)] = float(f[9])
        elif kind == "ptput":
            ptput[(r, m, ph, int(f[5]))][f[4]] = [float(x) for x in f[9:12]]
        else:
            for cls in (f[4], "all"):
                ns[(r, m, cls)][0] += int(f[5])
                ns[(r, m, cls)][1] += int(f[6])
    rounds = sorted(rounds)

    if any(c for _, c in ns.values()):
        hook_table(ns, rounds, agents)
    else:
        print("kernel run-time statistics off (STATS=0): no ns per call")
        print()
    for tab, unit in ((tcpu, "per sender CPU-s"), (tblk, "20 ms blocks, p90"), (tput, "pps")):
        if tab:
            throughput_table(tab, unit, rounds, agents)
    print(f"{len(rounds)} rounds; cells: median (min-max) over rounds, ratios paired per round.")
    if ptput:
        print()
        paired_table(ptput, agents)


if __name__ == "__main__":
    main()
