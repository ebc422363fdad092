#!/usr/bin/env python3
"""Side-by-side comparison of node_exporter and nodepath, run inside the test's namespace.

usage: compat.py [--exact] NODE_EXPORTER_URL NODEPATH_URL
For every collector both run (node_scrape_collector_success in both), scrapes
?collect[]=<collector> from each and requires the same family names, types and label names.
process_* (outside any collector in both) is compared from the full scrape. Then stable values
must be equal. Prints a per-collector table; exit status 1 on any mismatch.
--exact (fixture trees, where both read the same files): every sample value and every HELP text
must be equal too, and no stable-value checks are made.
--known-diff REGEX (repeatable, with --exact): samples whose text `name{l="v",...}` (labels
sorted) matches must be present in both, but their values may differ: deliberate deviations
from node_exporter 1.5 that docs/ lists. Each is printed.
"""
import re
import sys
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')
# Exporter self-metrics: not produced by a collector in either program.
SELF = re.compile(r'^(go_|promhttp_|process_|node_scrape_collector_|node_exporter_build_info$|'
                  r'nodepath_build_info$)')


def parse(text):
    """-> {family: {"type": t, "labels": set(names), "samples": {(name, labels): value}}}"""
    fams, types, helps = {}, {}, {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith('# HELP '):
            parts = line.split(None, 3)
            helps[parts[2]] = parts[3] if len(parts) > 3 else ''
            continue
        if line.startswith('# TYPE '):
            _, _, name, typ = line.split(None, 3)
            types[name] = typ
            fams.setdefault(name, {"type": typ, "labels": set(), "samples": {}})
            continue
        if line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError('unparsable line: %r' % line)
        name, lbl, val = m.group(1), m.group(3) or '', m.group(4)
        fam = name
        if fam not in types:
            for sfx in ('_bucket', '_sum', '_count'):
                if name.endswith(sfx) and name[:-len(sfx)] in types:
                    fam = name[:-len(sfx)]
        f = fams.setdefault(fam, {"type": types.get(fam, 'untyped'), "labels": set(),
                                  "samples": {}})
        pairs = LABEL.findall(lbl)
        f["labels"].update(k for k, _ in pairs if k not in ('le', 'quantile'))
        f["samples"][(name, tuple(sorted(pairs)))] = float(val)
    for name, h in helps.items():
        if name in fams:
            fams[name]["help"] = h
    return fams


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


EXACT = False
KNOWN_DIFF = []


def sample_text(key):
    name, pairs = key
    return '%s{%s}' % (name, ','.join('%s="%s"' % p for p in pairs))


def compare(a, b, keep, exact=None):
    """Family-level differences between a (node_exporter) and b (nodepath)."""
    exact = EXACT if exact is None else exact
    diffs = []
    fa = {k: v for k, v in a.items() if keep(k) and v["samples"]}
    fb = {k: v for k, v in b.items() if keep(k) and v["samples"]}
    for fam in sorted(set(fa) | set(fb)):
        if fam not in fb:
            diffs.append('missing in nodepath: %s' % fam)
        elif fam not in fa:
            diffs.append('extra in nodepath: %s' % fam)
        else:
            if fa[fam]["type"] != fb[fam]["type"]:
                diffs.append('type %s: %s vs %s' % (fam, fa[fam]["type"], fb[fam]["type"]))
            if fa[fam]["labels"] != fb[fam]["labels"]:
                diffs.append('labels %s: %s vs %s' % (fam, sorted(fa[fam]["labels"]),
                                                      sorted(fb[fam]["labels"])))
            if exact and fa[fam].get("help") != fb[fam].get("help"):
                diffs.append('HELP %s: %r vs %r' % (fam, fa[fam].get("help"), fb[fam].get("help")))
            if exact and fa[fam]["samples"] != fb[fam]["samples"]:
                sa, sb = fa[fam]["samples"], fb[fam]["samples"]
                for k in sorted(set(sa) | set(sb))[:200]:
                    known = k in sa and k in sb and any(r.search(sample_text(k))
                                                        for r in KNOWN_DIFF)
                    if known and sa[k] != sb[k]:
                        print('    known difference %s: %s vs %s' % (sample_text(k), sa[k],
                                                                      sb[k]))
                    elif sa.get(k) != sb.get(k):
                        diffs.append('sample %s%s: %s vs %s' % (k[0], dict(k[1]), sa.get(k),
                                                                 sb.get(k)))
    return len(set(fa) | set(fb)), diffs


def success(fams):
    s = fams.get('node_scrape_collector_success', {"samples": {}})["samples"]
    return {dict(k[1])['collector']: v for k, v in s.items()}


def values(fams, fam):
    return {k[1]: v for k, v in fams.get(fam, {"samples": {}})["samples"].items()}


def main():
    global EXACT
    args = sys.argv[1:]
    while args and args[0] in ('--exact', '--known-diff'):
        if args[0] == '--exact':
            EXACT = True
            args = args[1:]
        else:
            KNOWN_DIFF.append(re.compile(args[1]))
            args = args[2:]
    ne_url, np_url = args[0], args[1]
    ne, np = parse(fetch(ne_url)), parse(fetch(np_url))
    ne_ok, np_ok = success(ne), success(np)
    common = sorted(set(ne_ok) & set(np_ok))
    failed = 0
    print('%-18s %-6s %-6s %-9s %s' % ('collector', 'ne_ok', 'np_ok', 'families', 'result'))
    for c in common:
        a = parse(fetch(ne_url + '?collect[]=' + c))
        b = parse(fetch(np_url + '?collect[]=' + c))
        n, diffs = compare(a, b, lambda f: not SELF.match(f))
        print('%-18s %-6d %-6d %-9d %s' % (c, ne_ok[c], np_ok[c], n,
                                           'match' if not diffs else 'MISMATCH'))
        for d in diffs:
            print('    ' + d)
        failed += bool(diffs)
    # process_* describe two different processes: only names, types and labels can match.
    n, diffs = compare(ne, np, lambda f: f.startswith('process_'), exact=False)
    print('%-18s %-6s %-6s %-9d %s' % ('(process_*)', '-', '-', n,
                                       'match' if not diffs else 'MISMATCH'))
    for d in diffs:
        print('    ' + d)
    failed += bool(diffs)
    only_ne = sorted(set(ne_ok) - set(np_ok))
    only_np = sorted(set(np_ok) - set(ne_ok))
    print('collectors only in node_exporter (not compared): %s' % ' '.join(only_ne))
    print('collectors only in nodepath (not compared): %s' % ' '.join(only_np))
    if EXACT:
        samples = sum(len(v["samples"]) for k, v in np.items() if not SELF.match(k))
        print('compat: %d mismatching item(s), %d samples compared' % (failed, samples))
        sys.exit(1 if failed else 0)

    # Stable values: must be equal, not just present.
    checks = []
    for fam in ('node_memory_MemTotal_bytes', 'node_boot_time_seconds',
                'node_filesystem_size_bytes', 'node_filesystem_files', 'node_network_mtu_bytes',
                'node_network_speed_bytes', 'node_network_info', 'node_network_iface_id',
                'node_disk_info', 'node_textfile_scrape_error', 'compat_textfile_value'):
        checks.append((fam, values(ne, fam), values(np, fam)))
    cpus = lambda f: {dict(k)['cpu'] for k in values(f, 'node_cpu_seconds_total')}
    checks.append(('cpu count', {(): len(cpus(ne))}, {(): len(cpus(np))}))
    for name, a, b in checks:
        ok = a == b and len(a) > 0
        print('value %-28s %s  node_exporter=%s nodepath=%s' % (
            name, 'equal' if ok else 'DIFFERENT', sorted(a.values())[:4], sorted(b.values())[:4]))
        failed += not ok
    print('compat: %d mismatching item(s)' % failed)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
