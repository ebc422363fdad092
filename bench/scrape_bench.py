#!/usr/bin/env python3
"""Scrape two exporters alternately and report latency, size, CPU and RSS per exporter.

usage: scrape_bench.py N name=host:port:pid[:path] [name=host:port:pid[:path] ...]
(path defaults to /metrics; e.g. "/metrics?collect[]=netpath" for one collector's families).
WARMUP=k sets the warm-up scrapes per target (default 20).
Runs inside the benchmark's network namespace (scrape_bench.sh). Keep-alive HTTP/1.1 connection
per exporter; scrapes alternate between exporters so machine noise hits both alike.
"""
import gzip
import http.client
import os
import statistics
import sys
import time

TICK = 100.0  # USER_HZ


def cpu_ticks(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def status_kib(pid, field):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return 0


def scrape(conn, path, gz=False):
    conn.request('GET', path, headers={'Accept-Encoding': 'gzip'} if gz else {})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError('HTTP %d' % r.status)
    return body


def pct(xs, p):
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def main():
    n = int(sys.argv[1])
    targets = []
    for arg in sys.argv[2:]:
        name, rest = arg.split('=', 1)
        host, port, pid, path = (rest.split(':', 3) + ['/metrics'])[:4]
        targets.append({'name': name, 'pid': int(pid), 'path': path,
                        'conn': http.client.HTTPConnection(host, int(port), timeout=30),
                        'lat': []})
    warmup = int(os.environ.get('WARMUP', '20'))
    for t in targets:  # warm-up (Go runtime, page cache, first-scrape init)
        for _ in range(warmup):
            scrape(t['conn'], t['path'])
        t['plain'] = len(scrape(t['conn'], t['path']))
        body = scrape(t['conn'], t['path'], gz=True)
        t['gzip'] = len(body)
        gzip.decompress(body)  # must be valid gzip
        t['cpu0'] = cpu_ticks(t['pid'])
        t['wall0'] = time.perf_counter()
    for _ in range(n):
        for t in targets:
            s = time.perf_counter()
            try:
                scrape(t['conn'], t['path'])
            except (http.client.HTTPException, OSError) as e:
                # counted, not timed: a closed or failed scrape is reported, the run goes on
                t['errors'] = t.get('errors', 0) + 1
                print('%s: scrape failed: %r' % (t['name'], e), file=sys.stderr)
                t['conn'].close()
                continue
            t['lat'].append(time.perf_counter() - s)
    for t in targets:  # CPU of one process behind two targets counts both targets' scrapes
        t['cpu'] = (cpu_ticks(t['pid']) - t['cpu0']) / TICK / n
        t['rss'] = status_kib(t['pid'], 'VmHWM')
        t['rss_now'] = status_kib(t['pid'], 'VmRSS')
    print('| exporter | scrapes | failed | median ms | p99 ms | plain bytes | gzip bytes '
          '| CPU ms/scrape | peak RSS MiB | RSS now MiB |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for t in targets:
        print('| %s | %d | %d | %.2f | %.2f | %d | %d | %.2f | %.1f | %.1f |' % (
            t['name'], n, t.get('errors', 0), statistics.median(t['lat']) * 1e3,
            pct(t['lat'], 99) * 1e3, t['plain'], t['gzip'], t['cpu'] * 1e3, t['rss'] / 1024.0,
            t['rss_now'] / 1024.0))
    a = targets[0]
    if len(targets) > 1:
        print()
    for b in targets[1:]:
        print('ratio %s/%s: median latency %.3f, p99 %.3f, peak RSS %.3f, CPU/scrape %.3f' % (
            b['name'], a['name'], statistics.median(b['lat']) / statistics.median(a['lat']),
            pct(b['lat'], 99) / pct(a['lat'], 99), b['rss'] / a['rss'],
            (b['cpu'] / a['cpu']) if a['cpu'] else float('nan')))


if __name__ == '__main__':
    main()
